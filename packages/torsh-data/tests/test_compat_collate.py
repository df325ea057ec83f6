"""default_collate / default_convert against torch.utils.data: same structure, dtypes and values."""

import collections

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torsh_tensor as tt  # noqa: E402
from torch.utils import data as tdata  # noqa: E402
from torsh_data import default_collate, default_convert  # noqa: E402

pytestmark = pytest.mark.compat

Pair = collections.namedtuple("Pair", "a b")


def _plain(out):
    """A comparable description: containers by type name, tensors as (dtype name, shape, values)."""
    if isinstance(out, (torch.Tensor, tt.Tensor)):
        arr = np.asarray(out.numpy())
        return ("tensor", str(out.dtype).split(".")[-1], arr.shape, arr.tolist())
    if isinstance(out, np.ndarray):
        return ("ndarray", out.dtype.str, out.tolist())
    if isinstance(out, dict):
        return (type(out).__name__, {k: _plain(v) for k, v in out.items()})
    if isinstance(out, (list, tuple)):
        return (type(out).__name__, [_plain(v) for v in out])
    return out


def _samples(make_tensor):
    return [
        [1, 2, 3],
        [1.5, 2.5],
        [True, False],
        [np.float32(1.5), np.float32(2.0)],
        [np.int16(3), np.int16(4)],
        [np.arange(3, dtype=np.uint8), np.arange(3, dtype=np.uint8)],
        [np.ones((2, 2)), np.zeros((2, 2))],
        ["a", "b"],
        [(1, 2.0, "x"), (3, 4.0, "y")],
        [[1, 2], [3, 4]],
        [{"x": 1, "y": [1.0, 2.0]}, {"x": 2, "y": [3.0, 4.0]}],
        [collections.OrderedDict(k=1.0), collections.OrderedDict(k=2.0)],
        [Pair(1, np.ones(2, dtype=np.float32)), Pair(2, np.zeros(2, dtype=np.float32))],
        [make_tensor([1, 2]), make_tensor([3, 4])],
        [make_tensor([1.0]), make_tensor([2.0])],
    ]


@pytest.mark.parametrize("case", range(len(_samples(list))))
def test_default_collate_matches_torch(case):
    ours = default_collate(_samples(tt.tensor)[case])
    theirs = tdata.default_collate(_samples(torch.tensor)[case])
    assert _plain(ours) == _plain(theirs)


@pytest.mark.parametrize("batch", [
    [[1, 2], [3]],
    [object(), object()],
    [np.array(["a"]), np.array(["b"])],
])
def test_default_collate_errors_match_torch(batch):
    with pytest.raises(Exception) as theirs:
        tdata.default_collate(batch)
    with pytest.raises(type(theirs.value)) as ours:
        default_collate(batch)
    assert str(ours.value) == str(theirs.value)


def test_tensor_size_mismatch_is_a_runtime_error_in_both():
    with pytest.raises(RuntimeError) as theirs:
        tdata.default_collate([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(RuntimeError) as ours:
        default_collate([tt.zeros(2), tt.zeros(3)])
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("value", [
    np.arange(3.0), np.float32(2), (np.ones(1), "s", 3), {"a": [np.zeros(2, dtype=np.int32)]}, np.array(["x"]), 5,
    Pair(np.ones(1), 2),
])
def test_default_convert_matches_torch(value):
    assert _plain(default_convert(value)) == _plain(tdata.default_convert(value))
