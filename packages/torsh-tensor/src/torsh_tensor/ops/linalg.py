"""Products: matmul (@) with batching and broadcasting, mm, bmm, mv, dot, outer, einsum, tensordot."""

import numpy as np
from torsh_core.errors import ShapeError, TorshRuntimeError

from .._operands import wrap_result
from .._tensor import Tensor, _wrap, needs_grad, record


def _check_float_or_same(a, b, name):
    if a._data.dtype != b._data.dtype:
        raise TorshRuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}"
            if name != "dot" else
            f"dot : expected both vectors to have same dtype, but found {a.dtype.name} and {b.dtype.name}"
        )
    if a.device != b.device:
        from torsh_core.errors import DeviceError

        raise DeviceError(f"Expected all tensors to be on the same device, but found at least two devices, "
                          f"{a.device} and {b.device}!")


def matmul(input, other):
    """Matrix product with NumPy's (and PyTorch's) rules for 1-D and batched operands."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"matmul(): argument 'other' must be Tensor, not {type(other).__name__}")
    _check_float_or_same(input, other, "matmul")
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise TorshRuntimeError("both arguments to matmul need to be at least 1D, but they are "
                                f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        if a.ndim <= 2 and b.ndim <= 2:
            raise ShapeError(
                f"mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, a.shape if a.ndim == 2 else (1,) + a.shape))} "
                f"and {'x'.join(map(str, b.shape))})"
            )
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[-1]}] but got: "
                         f"[{kb}]. (matmul of shapes {list(a.shape)} and {list(b.shape)})")
    out = _wrap(wrap_result(np.matmul(a, b)))
    if needs_grad(input, other):
        node = record(out, _matmul_backward, (input, other), "MmBackward0" if a.ndim == 2 == b.ndim else
                      "MatmulBackward0")
        node.save_for_backward(input, other)
    return out


def _matmul_backward(node, g):
    from .arith import unbroadcast

    a, b = node.saved_tensors
    ga = gb = None
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = g2.unsqueeze(-2)
    if b.ndim == 1:
        g2 = g2.unsqueeze(-1)
    if node.next_functions[0] is not None:
        ga = g2 @ b2.mT.conj()
        if a.ndim == 1:
            ga = ga.squeeze(-2)
            ga = unbroadcast(ga, a._data.shape) if ga.shape != a.shape else ga
        else:
            ga = unbroadcast(ga, a._data.shape)
    if node.next_functions[1] is not None:
        gb = a2.mT.conj() @ g2
        if b.ndim == 1:
            gb = gb.squeeze(-1)
        gb = unbroadcast(gb, b._data.shape)
    return ga, gb


def mm(input, mat2):
    if input.ndim != 2 or mat2.ndim != 2:
        raise TorshRuntimeError(f"{'self' if input.ndim != 2 else 'mat2'} must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise TorshRuntimeError(f"batch1 must be a 3D tensor" if input.ndim != 3 else "batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
                         f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2)


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise TorshRuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise TorshRuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    _check_float_or_same(input, other, "dot")
    if input.shape[0] != other.shape[0]:
        raise TorshRuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                                f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
                                f"and {other.shape[0]} elements respectively")
    return matmul(input, other)





def vdot(input, other):
    return dot(input.conj(), other)


def outer(input, vec2):
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    prod = mm(mat1, mat2)
    return (input if beta == 1 else input * beta) + (prod if alpha == 1 else prod * alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    prod = mv(mat, vec)
    return (input if beta == 1 else input * beta) + (prod if alpha == 1 else prod * alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    prod = bmm(batch1, batch2)
    return (input if beta == 1 else input * beta) + (prod if alpha == 1 else prod * alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    prod = bmm(batch1, batch2).sum(0)
    return (input if beta == 1 else input * beta) + (prod if alpha == 1 else prod * alpha)


def einsum(equation, *operands):
    """Einstein summation; the gradient of each operand is itself an einsum."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs = eq
        letters = [c for c in lhs.replace(",", "").replace(".", "") if c.isalpha()]
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
        if "..." in lhs:
            rhs = "..." + rhs
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise ValueError(f"einsum(): more operands were provided than specified in the equation"
                         if len(operands) > len(ins) else "einsum(): fewer operands were provided than specified "
                                                           "in the equation")
    arrays = [o._data for o in operands]
    dt = arrays[0].dtype
    for o in operands[1:]:
        if o._data.dtype != dt:
            raise TorshRuntimeError(f"expected scalar type {operands[0].dtype.name} but found {o.dtype.name}")
    try:
        res = np.einsum(f"{lhs}->{rhs}", *arrays, optimize=len(arrays) > 2)
    except ValueError as e:
        raise TorshRuntimeError(f"einsum(): {e}") from None
    out = _wrap(wrap_result(np.asarray(res)))
    if needs_grad(*operands):
        node = record(out, _einsum_backward, operands, "EinsumBackward0")
        node.save_for_backward(*operands)
        node.spec = (ins, rhs)
    return out


def _einsum_backward(node, g):
    """d/d operand i: einsum of the output grad with the other operands, back to operand i's subscripts."""
    ops = node.saved_tensors
    ins, rhs = node.spec
    grads = []
    for i, (sub, op) in enumerate(zip(ins, ops)):
        if node.next_functions[i] is None:
            grads.append(None)
            continue
        others = [s for j, s in enumerate(ins) if j != i]
        other_ops = [o for j, o in enumerate(ops) if j != i]
        target = sub
        repeated = len(set(sub.replace("...", ""))) != len(sub.replace("...", ""))
        present = set(rhs + "".join(others))
        missing = [c for c in sub.replace("...", "") if c not in present]
        if repeated:
            from torsh_core.errors import TorshNotImplementedError

            raise TorshNotImplementedError("einsum backward with a repeated index within one operand (a diagonal) "
                                           "is not supported by torsh yet")
        eq = ",".join([rhs] + others) + "->" + "".join(c for c in target if c not in missing)
        gi = einsum(eq, g, *other_ops)
        if missing:
            shape = [op.shape[k] if c in missing else -1 for k, c in enumerate(target)]
            unsq = gi
            for k, c in enumerate(target):
                if c in missing:
                    unsq = unsq.unsqueeze(k)
            gi = unsq.expand([s if s != -1 else unsq.shape[k] for k, s in enumerate(shape)])
        grads.append(gi)
    return tuple(grads)


def tensordot(a, b, dims=2):
    if isinstance(dims, int):
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise TorshRuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in dim "
                                    f"{x} and second has size {b.shape[y]} in dim {y}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    n = 1
    for d in da:
        n *= a.shape[d]
    am = a.permute(free_a + da).reshape(-1, n)
    bm = b.permute(db + free_b).reshape(n, -1)
    return (am @ bm).reshape([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b])


def inner(input, other):
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return tensordot(input, other, ([-1], [-1]))


def kron(input, other):
    a, b = input, other
    nd = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (nd - a.ndim) + tuple(a.shape))
    b = b.reshape((1,) * (nd - b.ndim) + tuple(b.shape))
    inter_a, inter_b = [], []
    for sa, sb in zip(a.shape, b.shape):
        inter_a += [sa, 1]
        inter_b += [1, sb]
    return (a.reshape(inter_a) * b.reshape(inter_b)).reshape([sa * sb for sa, sb in zip(a.shape, b.shape)])


def trace(input):
    if input.ndim != 2:
        raise TorshRuntimeError("trace: expected a matrix")
    return input.diagonal().sum()
