"""default_collate / default_convert: batch structure and dtypes as PyTorch defines them (NumPy as the oracle)."""

import collections
import types

import numpy as np
import pytest
import torsh_core
import torsh_tensor as tt
from torsh_data import default_collate, default_convert
from torsh_data.collate import collate, default_collate_fn_map

Point = collections.namedtuple("Point", "x y")


def test_numbers_python_floats_are_float64_ints_int64_bools_bool():
    assert default_collate([1, 2, 3]).dtype == torsh_core.int64
    floats = default_collate([0.5, 1.5])
    assert floats.dtype == torsh_core.float64
    np.testing.assert_array_equal(floats.numpy(), [0.5, 1.5])
    assert default_collate([True, False]).dtype == torsh_core.bool


def test_float64_even_with_another_default_dtype():
    previous = torsh_core.get_default_dtype()
    torsh_core.set_default_dtype(torsh_core.float32)
    try:
        assert default_collate([1.0]).dtype == torsh_core.float64
    finally:
        torsh_core.set_default_dtype(previous)


def test_tensors_stack_and_size_mismatch_is_a_runtime_error():
    batch = default_collate([tt.tensor([1.0, 2.0]), tt.tensor([3.0, 4.0])])
    np.testing.assert_array_equal(batch.numpy(), [[1, 2], [3, 4]])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size.*\[2\].*\[3\]"):
        default_collate([tt.zeros(2), tt.zeros(3)])


def test_numpy_arrays_and_scalars_keep_their_dtype():
    arrays = [np.arange(3, dtype=np.int16), np.arange(3, 6, dtype=np.int16)]
    batch = default_collate(arrays)
    assert batch.dtype == torsh_core.int16
    np.testing.assert_array_equal(batch.numpy(), np.stack(arrays))
    scalars = default_collate([np.float32(1.5), np.float32(2.5)])
    assert scalars.dtype == torsh_core.float32
    np.testing.assert_array_equal(scalars.numpy(), [1.5, 2.5])
    assert default_collate([np.float64(1), np.float64(2)]).dtype == torsh_core.float64
    assert default_collate([np.int32(1), np.int32(2)]).dtype == torsh_core.int32
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_strings_and_bytes_stay_lists():
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_containers_are_collated_field_by_field():
    samples = [(tt.tensor([1]), 1, "a"), (tt.tensor([2]), 2, "b")]
    x, y, s = default_collate(samples)  # tuples become lists
    assert isinstance(default_collate(samples), list)
    np.testing.assert_array_equal(x.numpy(), [[1], [2]])
    np.testing.assert_array_equal(y.numpy(), [1, 2])
    assert s == ("a", "b")  # the zipped field itself, as in PyTorch

    out = default_collate([{"a": 1.0, "b": [1, 2]}, {"a": 2.0, "b": [3, 4]}])
    assert list(out) == ["a", "b"]
    np.testing.assert_array_equal(out["a"].numpy(), [1.0, 2.0])
    b0, b1 = out["b"]  # a list of per-position batches
    np.testing.assert_array_equal(b0.numpy(), [1, 3])
    np.testing.assert_array_equal(b1.numpy(), [2, 4])

    ordered = default_collate([collections.OrderedDict(k=1)] * 2)
    assert type(ordered) is collections.OrderedDict
    frozen = default_collate([types.MappingProxyType({"k": 1})] * 2)
    assert type(frozen) is types.MappingProxyType

    point = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(point) is Point
    np.testing.assert_array_equal(point.x.numpy(), [1, 3])
    assert point.y.dtype == torsh_core.float64


def test_sequence_size_mismatch_and_unsupported_types():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])


def test_collate_fn_map_extends_the_defaults():
    class Box:
        def __init__(self, v):
            self.v = v

    fns = {**default_collate_fn_map, Box: lambda batch, *, collate_fn_map: sum(b.v for b in batch)}
    assert collate([(Box(1), 1), (Box(2), 2)], collate_fn_map=fns)[0] == 3


def test_default_convert():
    arr = np.arange(4.0)
    t = default_convert(arr)
    assert isinstance(t, tt.Tensor) and t.dtype == torsh_core.float64
    arr[0] = 9.0
    assert t[0].item() == 9.0  # shares memory, like torch.as_tensor
    assert default_convert(np.float32(2)).dtype == torsh_core.float32
    strings = np.array(["x"])
    assert default_convert(strings) is strings
    out = default_convert((np.zeros(1), "s", 3))
    assert isinstance(out, list) and isinstance(out[0], tt.Tensor) and out[1:] == ["s", 3]
    assert type(default_convert(Point(np.ones(1), 2))) is Point
    converted = default_convert({"a": [np.ones(2)]})
    assert isinstance(converted["a"][0], tt.Tensor)
    assert default_convert("text") == "text"
