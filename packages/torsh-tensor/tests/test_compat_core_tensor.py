"""The tensor core against PyTorch 2.13.0: dtype inference, factories, promotion of binary ops, repr text,
conversions, error types and DLPack exchange."""

import types

import numpy as np
import pytest
import torsh_core
import torsh_tensor

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")

TS = types.SimpleNamespace(**{**vars(torsh_core.dtypes), **vars(torsh_tensor)})  # ``import torsh as torch``


def both(fn):
    """[torsh result, torch result] of ``fn``; exceptions are returned as their built-in category."""
    out = []
    for lib in (TS, torch):
        try:
            out.append(fn(lib))
        except Exception as e:  # noqa: BLE001 - the category is what is compared
            out.append(_category(e))
    return out


def _category(e):
    for base in (ValueError, TypeError, IndexError, NotImplementedError, RuntimeError):
        if isinstance(e, base):
            return base
    return type(e)


def name(d):
    return str(d).split(".")[-1]


DATA = [[True, False], [True, 1], [1, 2.0], [1, 1j], [[1], [2.5]], [], [[], []], 3, 3.5, True, 2j,
        np.float64(1.0), [np.float64(1.0), 2], [np.int32(1)], [np.int32(1), 2], [2.0, np.float16(1)],
        np.array([1, 2], dtype=np.int16), [[1, 2], [3]], "abc", None, [None], [2 ** 63]]


@pytest.mark.parametrize("data", DATA, ids=[repr(d)[:30] for d in DATA])
def test_tensor_inference_matches_torch(data):
    ours, theirs = both(lambda L: L.tensor(data))
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        assert name(ours.dtype) == name(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(np.asarray(ours.tolist()), np.asarray(theirs.tolist()))


FACTORIES = {
    "arange_int": lambda L: L.arange(5),
    "arange_float_step": lambda L: L.arange(0, 1, 0.1),
    "arange_neg": lambda L: L.arange(1, 0, -0.25),
    "arange_int_dtype_trunc": lambda L: L.arange(-2.5, 2, 1, dtype=L.int64),
    "arange_f64": lambda L: L.arange(1, 4, dtype=L.float64),
    "arange_bad": lambda L: L.arange(10, 0),
    "arange_nan": lambda L: L.arange(float("nan")),
    "linspace": lambda L: L.linspace(-1, 1, 7, dtype=L.float64),
    "linspace_int": lambda L: L.linspace(0, 10, 5, dtype=L.int64),
    "linspace_one": lambda L: L.linspace(2, 3, 1),
    "linspace_bad": lambda L: L.linspace(0, 1, -1),
    "logspace": lambda L: L.logspace(0, 3, 4, base=2),
    "eye": lambda L: L.eye(2, 3),
    "eye_bad": lambda L: L.eye(2, -1),
    "full_int": lambda L: L.full((2,), 7),
    "full_bool": lambda L: L.full((2,), True),
    "full_like": lambda L: L.full_like(L.ones(2, dtype=L.int64), 2.7),
    "zeros_neg": lambda L: L.zeros(2, -1),
    "zeros_float_size": lambda L: L.zeros(2.5),
    "legacy_empty": lambda L: L.Tensor(),
}


@pytest.mark.parametrize("key", sorted(FACTORIES))
def test_factories_match_torch(key):
    ours, theirs = both(FACTORIES[key])
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        assert name(ours.dtype) == name(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
        if theirs.numel():
            np.testing.assert_allclose(np.asarray(ours.tolist(), dtype=float),
                                       np.asarray(theirs.tolist(), dtype=float), rtol=1e-6, atol=1e-7)


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64"]
SCALARS = [True, 3, 300, 0.5, 1j, np.float64(0.5), np.int64(2)]


def _operand(L, dtype, kind):
    d = getattr(L, dtype)
    return L.ones(2, dtype=d) if kind == "dim" else L.ones((), dtype=d)


def _complex32(a, b):
    """float16 with complex is torch's complex32, a dtype torsh does not have (it gives complex64)."""
    return {a, b} == {"float16", "complex64"} or (a == "float16" and b == 1j)


@pytest.mark.parametrize("kind_a, kind_b", [("dim", "dim"), ("dim", "0d"), ("0d", "dim"), ("0d", "0d")])
def test_tensor_tensor_promotion_matches_torch(kind_a, kind_b):
    bad = []
    for a in DTYPES:
        for b in DTYPES:
            if _complex32(a, b):
                continue
            ours, theirs = both(lambda L, a=a, b=b: (_operand(L, a, kind_a) * _operand(L, b, kind_b)).dtype)
            if name(ours) != name(theirs):
                bad.append((a, b, ours, theirs))
    assert bad == []


@pytest.mark.parametrize("kind", ["dim", "0d"])
def test_tensor_scalar_promotion_and_values_match_torch(kind):
    bad = []
    for a in DTYPES:
        for s in SCALARS:
            if _complex32(a, s):
                continue
            ops = [lambda x, y: x + y, lambda x, y: y * x, lambda x, y: x - y]
            if a != "complex64" and not isinstance(s, complex):
                ops.append(lambda x, y: x < y)  # ordering complex numbers is an error (compare.py's concern)
            for op in ops:
                ours, theirs = both(lambda L, op=op, a=a, s=s: op(_operand(L, a, kind) * 3, s))
                if isinstance(theirs, type) or isinstance(ours, type):
                    if ours is not theirs:
                        bad.append((a, s, ours, theirs))
                elif name(ours.dtype) != name(theirs.dtype) or ours.tolist() != theirs.tolist():
                    bad.append((a, s, ours.dtype, theirs.dtype, ours.tolist(), theirs.tolist()))
    assert bad == []


def test_true_division_and_in_place_promotion_match_torch():
    for fn in (lambda L: L.tensor([1, 2]) / L.tensor([2, 2]), lambda L: L.tensor([3], dtype=L.int32) / 2,
               lambda L: L.tensor([1, 2]) // 2):
        ours, theirs = both(fn)
        assert name(ours.dtype) == name(theirs.dtype) and ours.tolist() == theirs.tolist()

    def iadd(L):
        x = L.tensor([1, 2])
        x += 0.5
        return x

    assert both(iadd) == [RuntimeError, RuntimeError]


REPRS = {
    "ints": lambda L: L.tensor([-1, 200, 3]),
    "bools": lambda L: L.tensor([[True, False], [False, True]]),
    "fixed": lambda L: L.tensor([[1.5, -2.0], [3.25, 4.0]]),
    "integral_floats": lambda L: L.tensor([1000.0, 1.0]),
    "sci_small": lambda L: L.tensor([1e-5, 1.0]),
    "sci_ratio": lambda L: L.tensor([0.1, 1000.5]),
    "sci_big": lambda L: L.tensor([1e20, -1e-20]),
    "nonfinite": lambda L: L.tensor([1.5, float("nan"), -float("inf")]),
    "nonfinite_int_mode": lambda L: L.tensor([1.0, float("nan"), float("inf")]),
    "neg_zero": lambda L: L.tensor([0.0, -0.0]),
    "scalar": lambda L: L.tensor(3.5),
    "scalar_sci": lambda L: L.tensor(1e-10),
    "int32": lambda L: L.tensor([1, 2], dtype=L.int32),
    "float64": lambda L: L.tensor([1.123456789], dtype=L.float64),
    "float16": lambda L: L.tensor([1.5, 2.0], dtype=L.float16),
    "bfloat16": lambda L: L.tensor([1.5, 2.0], dtype=L.bfloat16),
    "uint8": lambda L: L.tensor([1, 2], dtype=L.uint8),
    "complex": lambda L: L.tensor([[1 + 1j, -2.5 - 3j], [0.1j, 4]]),
    "complex_sci": lambda L: L.tensor([1e-5 + 1j]),
    "complex128": lambda L: L.tensor([1.5 + 2j], dtype=L.complex128),
    "empty": lambda L: L.tensor([]),
    "empty_2d": lambda L: L.zeros(0, 3),
    "empty_int": lambda L: L.tensor([], dtype=L.int64),
    "empty_int32_2d": lambda L: L.zeros(2, 0, dtype=L.int32),
    "requires_grad": lambda L: L.tensor([1.0, 2.0], requires_grad=True),
    "grad_fn": lambda L: L.tensor([1.0, 2.0], requires_grad=True) * 2,
    "grad_fn_scalar": lambda L: (L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True) + 1).sum(),
    "wrapped_rows": lambda L: L.arange(30.0),
    "summarized_vector": lambda L: L.arange(2000),
    "summarized_float_vector": lambda L: L.arange(2000.0),
    "summarized_matrix": lambda L: L.arange(10000.0).reshape(100, 100),
    "summarized_3d": lambda L: L.arange(5000).reshape(10, 10, 50),
    "wide_rows": lambda L: L.arange(40.0).reshape(2, 20) * 1.5 + 0.25,
    "cubes": lambda L: L.arange(100.0).reshape(10, 10) ** 3,
    "grad_suffix_wrap": lambda L: L.arange(30.0, dtype=L.float64, requires_grad=True) * 1.5,
}


@pytest.mark.parametrize("key", sorted(REPRS))
def test_repr_matches_torch_text(key):
    ours, theirs = both(REPRS[key])
    assert repr(ours) == repr(theirs).replace("torch.", "torsh.")


CONVERSIONS = {
    "type_float": lambda L: L.tensor([1.5]).type(),
    "type_long": lambda L: L.tensor([1]).type(),
    "type_bool": lambda L: L.tensor([True]).type(),
    "long_trunc": lambda L: L.tensor([1.7, -1.7]).long().tolist(),
    "bool_cast": lambda L: L.tensor([0.0, 2.0]).bool().tolist(),
    "item_int": lambda L: L.tensor([[3]]).item(),
    "item_many": lambda L: L.tensor([1.5, 2.5]).item(),
    "float_many": lambda L: float(L.tensor([1.5, 2.5])),
    "bool_empty": lambda L: bool(L.tensor([])),
    "numpy_grad": lambda L: L.tensor([1.5], requires_grad=True).numpy(),
    "int_requires_grad": lambda L: L.tensor([1, 2]).requires_grad_(),
    "non_leaf_flag": lambda L: (L.tensor([1.0], requires_grad=True) * 2).requires_grad_(False),
    "index": lambda L: [10, 20, 30][L.tensor(1)],
    "len_0d": lambda L: len(L.tensor(1.0)),
    "stride_t": lambda L: L.zeros(2, 3).t().stride(),
    "size_oob": lambda L: L.zeros(2, 3).size(2),
    "to_same": lambda L: L.tensor([1.5]).to(L.float32).tolist(),
    "rand_int": lambda L: L.rand(2, dtype=L.int64),
    "randint_same": lambda L: L.randint(5, 5, (2,)),
    "randperm_shape": lambda L: tuple(L.randperm(7).shape),
    "normal_neg_std": lambda L: L.normal(0.0, -1.0, (2,)),
    "multinomial_too_many": lambda L: L.multinomial(L.tensor([0.2, 0.8]), 3),
    "bernoulli_bad_p": lambda L: L.bernoulli(L.full((3,), 1.5)),
}


@pytest.mark.parametrize("key", sorted(CONVERSIONS))
def test_conversions_and_errors_match_torch(key):
    ours, theirs = both(CONVERSIONS[key])
    assert ours == theirs


def test_dlpack_exchange_with_torch_shares_memory():
    t = torsh_tensor.arange(6.0).reshape(2, 3)
    p = torch.from_dlpack(t)
    p[0, 0] = 42
    assert t[0, 0].item() == 42
    q = torch.arange(6, dtype=torch.int32).reshape(2, 3).t()
    back = torsh_tensor.from_dlpack(q)
    assert back.tolist() == q.tolist() and back.stride() == q.stride()
    back[0, 0] = -1
    assert q[0, 0].item() == -1
    cap = torch.utils.dlpack.to_dlpack(torch.tensor([1.0, 2.0]))
    assert torsh_tensor.from_dlpack(cap).tolist() == [1.0, 2.0]
    assert torch.from_dlpack(torsh_tensor.to_dlpack(torsh_tensor.tensor([3, 4]))).tolist() == [3, 4]


def test_dlpack_export_refusal_matches_torch():
    for lib in (torch, TS):
        with pytest.raises(BufferError, match="require gradient"):
            lib.tensor([1.0], requires_grad=True).__dlpack__()
