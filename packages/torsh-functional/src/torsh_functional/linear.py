"""linear and bilinear layers' maths: one BLAS matmul over all leading dimensions."""

from torsh_backend.blas import matmul as array_matmul
from torsh_core.errors import ShapeError, TorshRuntimeError
from torsh_tensor.amp import cast_inputs

from ._fastpath import fast
from ._op import check_tensor, dtype_name, is_grad_enabled, result, wrap


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
    if input.ndim > 1 and weight.ndim == 2 and fast(input, weight, bias):
        return _fused_linear(input, weight, bias)
    lead = tuple(input.shape[:-1])
    flat = input.reshape(-1, input.shape[-1]) if input.ndim > 2 else input
    out = flat @ weight.t()
    if bias is not None:
        if bias.dtype != out.dtype:
            raise TorshRuntimeError(f"self and mat2 must have the same dtype, but got {dtype_name(bias)} and "
                                    f"{dtype_name(out)}")
        out = out + bias
    return out.reshape(lead + tuple(out.shape[1:])) if input.ndim > 2 else out


# PyTorch's grad_fn names for linear: addmm / mm on matrices, a view of them for more dimensions
_NAMES = {(True, True): "AddmmBackward0", (True, False): "MmBackward0", (False, True): "ViewBackward0",
          (False, False): "UnsafeViewBackward0"}


def _fused_linear(input, weight, bias):
    """One product on torsh's thread pool with the bias added in place, recorded as one node (as PyTorch's addmm)."""
    x = input._data
    y = array_matmul(x.reshape(-1, x.shape[-1]), weight._data.T)
    if bias is not None:
        y += bias._data
    return result(y.reshape(x.shape[:-1] + y.shape[1:]), (input, weight, bias), _fused_linear_backward,
                  _NAMES[input.ndim == 2, bias is not None], save=(input, weight), has_bias=bias is not None)


def _fused_linear_backward(node, g):
    """Each input's gradient only when it takes one; NumPy arrays directly unless a graph of it is recorded."""
    x, w = node.saved_tensors
    want = [e is not None for e in node.next_functions]
    g2 = g.reshape(-1, g.shape[-1])
    if not is_grad_enabled():
        g2a, x2a = g2._data, x._data.reshape(-1, x.shape[-1])
        return (wrap(array_matmul(g2a, w._data).reshape(x.shape)) if want[0] else None,
                wrap(array_matmul(g2a.T, x2a)) if want[1] else None,
                wrap(g2a.sum(0)) if node.has_bias and want[2] else None)
    return ((g2 @ w).reshape(tuple(x.shape)) if want[0] else None,
            g2.t() @ x.reshape(-1, x.shape[-1]) if want[1] else None,
            g2.sum(0) if node.has_bias and want[2] else None)


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
