"""Size, broadcast_shapes, normalize_dim(s), check_shape and strides: values and error types."""

import pytest
from torsh_core import (
    ShapeError,
    Size,
    TorshIndexError,
    broadcast_shapes,
    check_shape,
    contiguous_strides,
    normalize_dim,
    normalize_dims,
)


def test_size_behaves_like_a_tuple_and_prints_like_torch():
    s = Size([2, 3, 4])
    assert s == (2, 3, 4) and isinstance(s, tuple)
    assert repr(s) == "torsh.Size([2, 3, 4])"
    assert s.numel() == 24 and Size([]).numel() == 1
    assert isinstance(s[1:], Size) and s[1:] == (3, 4)
    assert s[0] == 2
    assert isinstance(s + (5,), Size) and s + [5] == (2, 3, 4, 5)


@pytest.mark.parametrize("shapes, expected", [
    (((2, 3), (2, 3)), (2, 3)),
    (((2, 1), (1, 3), (1, 1, 1)), (1, 2, 3)),
    (((0,), (1,)), (0,)),
    (((1,), [4]), (4,)),
    ((Size([2, 1]), (5, 1, 3)), (5, 2, 3)),
    ((), ()),
    (((3,), 3), (3,)),
    ((4,), (4,)),
    (((), (2, 2)), (2, 2)),
])
def test_broadcast_shapes(shapes, expected):
    out = broadcast_shapes(*shapes)
    assert out == expected and isinstance(out, Size)


@pytest.mark.parametrize("shapes", [((2, 3), (3, 2)), ((0,), (2,)), (2, (3,)), (2, 3), ((2, 4), (1, 3), (2, 1))])
def test_broadcast_mismatch_is_a_shape_error_naming_sizes(shapes):
    with pytest.raises(ShapeError, match="cannot be broadcast") as info:
        broadcast_shapes(*shapes)
    assert isinstance(info.value, RuntimeError)


def test_broadcast_bad_inputs():
    with pytest.raises(ValueError, match="negative length"):
        broadcast_shapes((-1,))
    with pytest.raises(ValueError, match="negative length"):
        broadcast_shapes((-1, 2), (-1, 2))
    with pytest.raises(TypeError):
        broadcast_shapes((2.0,))
    with pytest.raises(TypeError):
        broadcast_shapes((2,), "a")


@pytest.mark.parametrize("dim, ndim, expected", [(0, 3, 0), (2, 3, 2), (-1, 3, 2), (-3, 3, 0), (0, 0, 0),
                                                  (-1, 0, 0)])
def test_normalize_dim(dim, ndim, expected):
    assert normalize_dim(dim, ndim) == expected


@pytest.mark.parametrize("dim, ndim, message", [
    (3, 3, r"expected to be in range of \[-3, 2\], but got 3"),
    (-4, 3, r"expected to be in range of \[-3, 2\], but got -4"),
    (1, 0, r"expected to be in range of \[-1, 0\], but got 1"),
])
def test_normalize_dim_out_of_range_is_index_error(dim, ndim, message):
    with pytest.raises(IndexError, match=message) as info:
        normalize_dim(dim, ndim)
    assert isinstance(info.value, TorshIndexError)


def test_normalize_dim_type_errors_and_index_protocol():
    import numpy as np

    assert normalize_dim(np.int64(-1), 2) == 1
    with pytest.raises(TypeError, match="dim must be an int"):
        normalize_dim(1.0, 2)
    with pytest.raises(TypeError):
        normalize_dim("0", 2)


def test_normalize_dims():
    assert normalize_dims(None, 3) == (0, 1, 2)
    assert normalize_dims(-1, 3) == (2,)
    assert normalize_dims((0, -1), 3) == (0, 2)
    assert normalize_dims([0], 0) == ()
    with pytest.raises(RuntimeError, match="appears multiple times"):
        normalize_dims((0, -3), 3)
    with pytest.raises(IndexError):
        normalize_dims((0, 5), 3)


def test_check_shape():
    assert check_shape((2, 3)) == (2, 3)
    assert check_shape(((2, 3),)) == (2, 3)
    assert check_shape(([4],)) == (4,)
    assert check_shape((Size([1, 2]),)) == (1, 2)
    assert check_shape(()) == ()
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        check_shape((2, -1))
    with pytest.raises(TypeError, match="sequence of ints"):
        check_shape((2.5,))
    with pytest.raises(TypeError):
        check_shape((True,))


def test_contiguous_strides():
    assert contiguous_strides((2, 3, 4)) == (12, 4, 1)
    assert contiguous_strides(()) == ()
    assert contiguous_strides((3, 0, 2)) == (2, 2, 1)
