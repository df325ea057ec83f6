"""torsh-core against PyTorch 2.13.0: the full promote_types table, result_type, devices, broadcast errors."""

import pytest
from torsh_core import broadcast_shapes, device, dtypes
from torsh_core.promotion import DIM, SCALAR, ZERO_DIM, result_type, scalar_dtype

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")


def _torch(d):
    return getattr(torch, d.name)


def test_full_promote_types_table_matches_torch():
    mismatches = [(a.name, b.name) for a in dtypes.ALL for b in dtypes.ALL
                  if _torch(dtypes.promote_types(a, b)) != torch.promote_types(_torch(a), _torch(b))]
    assert mismatches == []


def _operand(d, kind):
    if kind == DIM:
        return torch.ones(2, dtype=_torch(d))
    if kind == ZERO_DIM:
        return torch.ones((), dtype=_torch(d))
    return {dtypes.bool: True, dtypes.int64: 3, dtypes.float32: 0.5, dtypes.complex64: 1j}[d]


SCALAR_DTYPES = (dtypes.bool, dtypes.int64, dtypes.float32, dtypes.complex64)
TENSOR_DTYPES = tuple(d for d in dtypes.ALL if d is not dtypes.float16)  # float16 + complex is torch's complex32


@pytest.mark.parametrize("kind_a, kind_b", [(DIM, ZERO_DIM), (DIM, SCALAR), (ZERO_DIM, SCALAR), (ZERO_DIM, ZERO_DIM)])
def test_result_type_matches_torch(kind_a, kind_b):
    mismatches = []
    for a in TENSOR_DTYPES:
        for b in (SCALAR_DTYPES if kind_b == SCALAR else TENSOR_DTYPES):
            ours = result_type([(a, kind_a), (b, kind_b)])
            theirs = torch.result_type(_operand(a, kind_a), _operand(b, kind_b))
            if _torch(ours) != theirs:
                mismatches.append((a.name, b.name, ours.name, str(theirs)))
    assert mismatches == []


def test_scalar_dtypes_match_torch():
    for value in (True, 3, 0.5, 1j):
        assert _torch(scalar_dtype(value)) == torch.tensor(value).dtype


@pytest.mark.parametrize("text", ["cpu", "cuda", "cuda:1", "cpu:0", "gpu", "cuda:x", "cuda:-1", "cuda:01", "",
                                  " cpu", "cuda:0:1"])
def test_device_strings_match_torch(text):
    try:
        expected = str(torch.device(text))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            device(text)
    else:
        assert str(device(text)) == expected


def test_device_equality_matches_torch():
    assert (device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    assert (device("cuda") == device("cuda:0")) == (torch.device("cuda") == torch.device("cuda:0"))


@pytest.mark.parametrize("shapes", [((2, 1), (1, 3), (1, 1, 1)), ((0,), (1,)), (2, (2,)), ((), (3, 1)),
                                    ((2, 3), (3, 2)), ((0,), (2,)), (2, 3), ((-1,),)])
def test_broadcast_shapes_matches_torch(shapes):
    try:
        expected = tuple(torch.broadcast_shapes(*shapes))
    except (RuntimeError, ValueError) as e:
        with pytest.raises(type(e)):
            broadcast_shapes(*shapes)
    else:
        assert broadcast_shapes(*shapes) == expected
