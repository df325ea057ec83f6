"""repr in PyTorch's format: 4 decimals, integer/fixed/scientific modes, aligned widths, summaries, suffixes."""

import pytest
import torsh_tensor as T
from torsh_core import config
from torsh_core import dtypes as dt

CASES = [
    (lambda: T.tensor([1.0, 2.0, 3.0]), "tensor([1., 2., 3.])"),
    (lambda: T.tensor([1.5, 2.25]), "tensor([1.5000, 2.2500])"),
    (lambda: T.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: T.tensor([1e8, 1.0]), "tensor([1.0000e+08, 1.0000e+00])"),
    (lambda: T.tensor([1000.0, 1.0]), "tensor([1000.,    1.])"),
    (lambda: T.tensor([1001.0, 1.0]), "tensor([1.0010e+03, 1.0000e+00])"),
    (lambda: T.tensor([12345678.0]), "tensor([12345678.])"),
    (lambda: T.tensor([1.0, float("nan"), float("inf")]), "tensor([1., nan, inf])"),
    (lambda: T.tensor([1.5, float("nan"), -float("inf")]), "tensor([1.5000,    nan,   -inf])"),
    (lambda: T.tensor([0.0, -0.0]), "tensor([0., -0.])"),
    (lambda: T.tensor(3.5), "tensor(3.5000)"),
    (lambda: T.tensor(3), "tensor(3)"),
    (lambda: T.tensor([-1, 200, 3]), "tensor([ -1, 200,   3])"),
    (lambda: T.tensor([True, False]), "tensor([ True, False])"),
    (lambda: T.tensor([1, 2], dtype=dt.int32), "tensor([1, 2], dtype=torsh.int32)"),
    (lambda: T.tensor([1.0, 2.0], dtype=dt.float64), "tensor([1., 2.], dtype=torsh.float64)"),
    (lambda: T.tensor([1.5, 2.0], dtype=dt.float16), "tensor([1.5000, 2.0000], dtype=torsh.float16)"),
    (lambda: T.tensor([1 + 2j, 3 - 1j]), "tensor([1.+2.j, 3.-1.j])"),
    (lambda: T.tensor([1.5 + 2j, 3 - 1j]), "tensor([1.5000+2.j, 3.0000-1.j])"),
    (lambda: T.tensor([]), "tensor([])"),
    (lambda: T.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: T.tensor([], dtype=dt.int64), "tensor([], dtype=torsh.int64)"),
    (lambda: T.zeros(2, 0, dtype=dt.int32), "tensor([], size=(2, 0), dtype=torsh.int32)"),
    (lambda: T.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: T.tensor([1.0, 2.0], requires_grad=True) * 2, "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (lambda: T.tensor([1.0, 2.0], requires_grad=True).sum(), "tensor(3., grad_fn=<SumBackward0>)"),
    (lambda: T.tensor([[1.5, -2.0], [3.25, 4.0]]), "tensor([[ 1.5000, -2.0000],\n        [ 3.2500,  4.0000]])"),
    (lambda: T.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
]


@pytest.mark.parametrize("make, expected", CASES)
def test_repr_matches_torch_format(make, expected):
    assert repr(make()) == expected
    assert str(make()) == expected


def test_long_rows_wrap_at_80_columns():
    text = repr(T.arange(30.0))
    assert text.splitlines()[0] == "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,"
    assert all(len(line) <= 80 for line in text.splitlines())


def test_large_matrix_is_summarized():
    lines = repr(T.arange(10000.0).reshape(100, 100)).splitlines()
    assert lines[0] == "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01, 9.8000e+01,"
    assert "        ...," in lines and len(lines) == 13


def test_suffix_wraps_to_a_new_line():
    text = repr(T.linspace(-1, 1, 25, dtype=dt.float64).reshape(5, 5) * 10)
    assert text.endswith("]],\n       dtype=torsh.float64)")


def test_default_dtype_changes_which_dtype_is_shown():
    try:
        config.set_default_dtype(dt.float64)
        assert repr(T.tensor([1.5])) == "tensor([1.5000])"
        assert repr(T.tensor([1.5], dtype=dt.float32)) == "tensor([1.5000], dtype=torsh.float32)"
    finally:
        config.set_default_dtype(dt.float32)


def test_set_printoptions():
    try:
        T.set_printoptions(precision=2)
        assert repr(T.tensor([1.2345])) == "tensor([1.23])"
        T.set_printoptions(sci_mode=True)
        assert repr(T.tensor([1.5])) == "tensor([1.50e+00])"
        T.set_printoptions(threshold=5, edgeitems=1, sci_mode=False)
        assert repr(T.arange(10)) == "tensor([0,  ..., 9])"
    finally:
        T.set_printoptions(profile="default")
    assert repr(T.tensor([1.2345])) == "tensor([1.2345])"


def test_format_of_zero_dim_tensor_uses_the_number():
    assert f"{T.tensor(0.125):.1f}" == "0.1"
    assert format(T.tensor([1.0])) == "tensor([1.])"
