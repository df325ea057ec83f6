"""Products: matmul (@) with batching and broadcasting, mm, bmm, mv, dot, outer, einsum, tensordot."""

import numpy as np
from torsh_core.dtypes import bfloat16
from torsh_core.errors import DeviceError, ShapeError, TorshRuntimeError, TorshTypeError
from torsh_core.shape import normalize_dim

from .._operands import wrap_result
from .._tensor import Tensor, _wrap, needs_grad
from ..amp.policy import cast_inputs
from ._graph import record

try:  # products on torsh's own thread pool; NumPy's matmul where the compiled backend is missing
    from torsh_backend.blas import matmul as _array_matmul
except ImportError:
    _array_matmul = np.matmul

__all__ = """
matmul mm bmm mv dot vdot outer ger addmm addmv baddbmm addbmm einsum tensordot inner kron trace
""".split()


def _check_float_or_same(a, b, name):
    if a._data.dtype != b._data.dtype:
        raise TorshRuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}"
            if name != "dot" else
            f"dot : expected both vectors to have same dtype, but found {a.dtype.name} and {b.dtype.name}"
        )
    if a.device != b.device:
        raise DeviceError(f"Expected all tensors to be on the same device, but found at least two devices, "
                          f"{a.device} and {b.device}!")


def matmul(input, other):
    """Matrix product with NumPy's (and PyTorch's) rules for 1-D and batched operands."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TorshTypeError(f"matmul(): argument 'other' must be Tensor, not {type(other).__name__}")
    return _matmul(*cast_inputs("matmul", input, other))


def _matmul(input, other):
    """matmul after autocast: the dtype check, the product and its graph node."""
    _check_float_or_same(input, other, "matmul")
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        raise TorshRuntimeError("both arguments to matmul need to be at least 1D, but they are "
                                f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        if a.ndim <= 2 and b.ndim <= 2:
            rows = a.shape if a.ndim == 2 else (1,) + a.shape
            raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, rows))} and "
                             f"{'x'.join(map(str, b.shape))})")
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[-1]}] but got: "
                         f"[{kb}]. (matmul of shapes {list(a.shape)} and {list(b.shape)})")
    out = _wrap(wrap_result(_low_precision_matmul(a, b) if a.dtype in _LOW else _array_matmul(a, b)))
    if needs_grad(input, other):
        node = record(out, _matmul_backward, (input, other), _MATMUL_NAMES.get((a.ndim, b.ndim), "MatmulBackward0"))
        node.save_for_backward(input, other)
    return out


_LOW = (np.dtype(np.float16), np.dtype(bfloat16.np))


def _low_precision_matmul(a, b):
    """half/bfloat16 products accumulate in float32 and round once (PyTorch's CPU numerics; NumPy has no BLAS for
    them); CuPy's half matmul already does that."""
    if type(a) is not np.ndarray:
        return np.matmul(a, b)
    return _array_matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)


_MATMUL_NAMES = {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0", (3, 3): "BmmBackward0"}


def _matmul_backward(node, g):
    """Both operands as (batched) matrices; 1-D ones become a row / a column, then get their shape back."""
    a, b = node.saved_tensors
    a2 = a if a.ndim > 1 else a.unsqueeze(0)
    b2 = b if b.ndim > 1 else b.unsqueeze(-1)
    batch = np.broadcast_shapes(tuple(a2.shape[:-2]), tuple(b2.shape[:-2]))
    g2 = g.reshape(batch + (a2.shape[-2], b2.shape[-1]))
    ga = gb = None
    if node.next_functions[0] is not None:
        ga = (g2 @ b2.mT.conj()).sum_to_size(tuple(a2.shape)).reshape(tuple(a.shape))
    if node.next_functions[1] is not None:
        if a.ndim == 2 and _transposed(b._data):
            gb = (g2.mT @ a2.conj()).mT  # b's strides (as PyTorch): linear's weight.t() gets a C-contiguous grad
        else:
            gb = (a2.mT.conj() @ g2).sum_to_size(tuple(b2.shape)).reshape(tuple(b.shape))
    return ga, gb


def _transposed(arr):
    """True for a 2-D array laid out as the transpose of a C-contiguous one."""
    flags = arr.flags
    return arr.ndim == 2 and flags.f_contiguous and not flags.c_contiguous


def mm(input, mat2):
    if input.ndim != 2 or mat2.ndim != 2:
        raise TorshRuntimeError(f"{'self' if input.ndim != 2 else 'mat2'} must be a matrix")
    return _matmul(*cast_inputs("mm", input, mat2))


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise TorshRuntimeError("batch1 must be a 3D tensor" if input.ndim != 3 else "batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
                         f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return _matmul(*cast_inputs("bmm", input, mat2))


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise TorshRuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return _matmul(*cast_inputs("mv", input, vec))


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise TorshRuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    input, other = cast_inputs("dot", input, other)
    _check_float_or_same(input, other, "dot")
    if input.shape[0] != other.shape[0]:
        raise TorshRuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                                f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
                                f"and {other.shape[0]} elements respectively")
    return _matmul(input, other)


def vdot(input, other):
    return dot(input.conj(), other)


def outer(input, vec2):
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def _scaled_sum(input, prod, beta, alpha):
    """beta * input + alpha * prod; beta == 0 ignores input (NaN in it doesn't propagate), as in PyTorch."""
    prod = prod if alpha == 1 else prod * alpha
    if beta == 0:
        return prod + input.new_zeros(())
    return (input if beta == 1 else input * beta) + prod


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    input, mat1, mat2 = cast_inputs("addmm", input, mat1, mat2)
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    input, mat, vec = cast_inputs("addmv", input, mat, vec)
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    input, batch1, batch2 = cast_inputs("baddbmm", input, batch1, batch2)
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    input, batch1, batch2 = cast_inputs("addbmm", input, batch1, batch2)
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)


def einsum(equation, *operands):
    """Einstein summation; the gradient of each operand is itself an einsum (so double backward works)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = cast_inputs("einsum", *operands)
    ins, rhs = _parse_einsum(equation, operands)
    for o in operands[1:]:
        if o.dtype is not operands[0].dtype:
            raise TorshRuntimeError(f"einsum(): expected all operands to have the same dtype, but got "
                                    f"{operands[0].dtype.name} and {o.dtype.name}")
    sizes = {}
    for sub, o in zip(ins, operands):
        for c, n in zip(sub, o.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise TorshRuntimeError(f"einsum(): operands do not broadcast: subscript {c} has size {sizes[c]} for "
                                        f"one operand and {n} for another")
            sizes[c] = max(sizes.get(c, 1), n)
    # size-1 dims broadcast against the other operands' sizes for the same subscript
    operands = [o if tuple(o.shape) == tuple(sizes[c] for c in sub) or len(set(sub)) != len(sub)
                else o.expand(tuple(sizes[c] for c in sub)) for sub, o in zip(ins, operands)]
    arrays = [o._data for o in operands]
    low = arrays[0].dtype if arrays and arrays[0].dtype in _LOW and type(arrays[0]) is np.ndarray else None
    if low is not None:  # NumPy's einsum has no bfloat16: float32 maths, rounded once (as matmul)
        arrays = [a.astype(np.float32) for a in arrays]
    res = np.einsum(",".join(ins) + "->" + rhs, *arrays, optimize=len(arrays) > 2)
    if low is not None:
        res = np.asarray(res).astype(low)
    out = _wrap(wrap_result(np.asarray(res)))
    if needs_grad(*operands):
        node = record(out, _einsum_backward, operands, "EinsumBackward0")
        node.save_for_backward(*operands)
        node.spec = (ins, rhs, sizes)
    return out


def _parse_einsum(equation, operands):
    """Explicit subscripts for every operand and the output, with '...' spelled out as letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise TorshRuntimeError(f"einsum(): {'more' if len(operands) > len(ins) else 'fewer'} operands were provided "
                              "than specified in the equation")
    used = set(eq)
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    n_ell = 0
    for sub, op in zip(ins, operands):
        if "..." in sub:
            n_ell = max(n_ell, op.ndim - (len(sub) - 3))
        elif len(sub) != op.ndim:
            raise TorshRuntimeError(f"einsum(): the number of subscripts in the equation ({len(sub)}) does not match "
                                    f"the number of dimensions ({op.ndim}) for operand {ins.index(sub)} and no "
                                    "ellipsis was given")
    ell = "".join(spare[:n_ell])
    full = []
    for sub, op in zip(ins, operands):
        if "..." in sub:
            k = op.ndim - (len(sub) - 3)
            sub = sub.replace("...", ell[n_ell - k:] if k else "")
        full.append(sub)
    if arrow:
        rhs = rhs.replace("...", ell)
    else:
        letters = "".join(full)
        rhs = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    return full, rhs


def _einsum_backward(node, g):
    """For operand i: einsum of g with the others onto i's distinct letters, then ones for letters summed away
    only in i and identity matrices for letters repeated in i (diagonals)."""
    from ..creation import eye, ones

    ops = node.saved_tensors
    ins, rhs, sizes = node.spec
    grads = []
    for i, sub in enumerate(ins):
        if node.next_functions[i] is None:
            grads.append(None)
            continue
        others = [s for j, s in enumerate(ins) if j != i]
        present = set(rhs + "".join(others))
        distinct = "".join(dict.fromkeys(sub))
        kept = "".join(c for c in distinct if c in present)
        part = einsum(",".join([rhs] + others) + "->" + kept, g, *[o for j, o in enumerate(ops) if j != i])
        terms, args, target = [kept], [part], ""
        seen = set()
        spare = iter(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in sizes)
        for c in sub:
            if c not in present and c not in seen:
                terms.append(c)
                args.append(ones(sizes[c], dtype=g.dtype, device=g.device))
            if c in seen:
                twin = next(spare)
                terms.append(c + twin)
                args.append(eye(sizes[c], dtype=g.dtype, device=g.device))
                target += twin
            else:
                target += c
            seen.add(c)
        grads.append(part if len(args) == 1 and kept == target else einsum(",".join(terms) + "->" + target, *args))
    return tuple(grads)


def tensordot(a, b, dims=2):
    """Contract the last ``dims`` dims of ``a`` with the first of ``b`` (or the listed dim pairs)."""
    if isinstance(dims, int):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise TorshRuntimeError(f"tensordot expects dims >= 0 and <= the tensors' dims, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise TorshRuntimeError("both dimension lists should have same length")
    da = [normalize_dim(d, a.ndim) for d in da]
    db = [normalize_dim(d, b.ndim) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise TorshRuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in dim "
                                    f"{x} and second has size {b.shape[y]} in dim {y}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    a, b = cast_inputs("tensordot" if free_a or free_b else "dot", a, b)  # a full contraction is PyTorch's dot
    n = int(np.prod([a.shape[d] for d in da]))
    am = a.permute(free_a + da).reshape(int(np.prod([a.shape[d] for d in free_a])), n)
    bm = b.permute(db + free_b).reshape(n, int(np.prod([b.shape[d] for d in free_b])))
    return _matmul(am, bm).reshape([a.shape[d] for d in free_a] + [b.shape[d] for d in free_b])


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
        raise TorshRuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return input.diagonal().sum()
