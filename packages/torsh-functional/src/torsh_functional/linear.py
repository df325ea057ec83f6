"""linear and bilinear layers' maths: one BLAS matmul over all leading dimensions."""

from torsh_core.errors import ShapeError, TorshRuntimeError
from torsh_tensor.amp import cast_inputs

from ._op import check_tensor, dtype_name


def linear(input, weight, bias=None):
    """input @ weight.T + bias, for input of shape (*, in_features)."""
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
    input, weight, bias = cast_inputs("linear", input, weight, bias)
    if weight.ndim not in (1, 2):
        raise TorshRuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    if input.ndim == 0:
        raise TorshRuntimeError("both arguments to linear need to be at least 1D, but they are 0D and "
                                f"{weight.ndim}D")
    if input.shape[-1] != weight.shape[-1]:
        rows = 1 if input.ndim == 1 else input.numel() // input.shape[-1]
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                         f"{'x'.join(map(str, reversed(weight.shape)))})")
    lead = tuple(input.shape[:-1])
    flat = input.reshape(-1, input.shape[-1]) if input.ndim > 2 else input
    out = flat @ weight.t()
    if bias is not None:
        if bias.dtype != out.dtype:
            raise TorshRuntimeError(f"self and mat2 must have the same dtype, but got {dtype_name(bias)} and "
                                    f"{dtype_name(out)}")
        out = out + bias
    return out.reshape(lead + tuple(out.shape[1:])) if input.ndim > 2 else out


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T W_o x2 + b_o for inputs (*, in1) and (*, in2) and weight (out, in1, in2)."""
    check_tensor(input1, "input1", "bilinear")
    check_tensor(input2, "input2", "bilinear")
    input1, input2, weight, bias = cast_inputs("bilinear", input1, input2, weight, bias)
    if weight.ndim != 3:
        raise TorshRuntimeError(f"bilinear(): weight must be 3-dimensional, got {weight.ndim}D")
    n_out, in1, in2 = weight.shape
    if input1.shape[:-1] != input2.shape[:-1]:
        raise TorshRuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} "
                                f"and {list(input2.shape[:-1])}")
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise TorshRuntimeError(f"bilinear(): input sizes do not match weight: got {input1.shape[-1]} and "
                                f"{input2.shape[-1]}, expected {in1} and {in2}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    t = (x1 @ weight.permute(1, 0, 2).reshape(in1, n_out * in2)).reshape(-1, n_out, in2)
    out = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + (n_out,))
