"""Argument helpers shared by layers: PyTorch's _single/_pair/_triple and tensor factory keywords."""

from collections import abc


def _ntuple(n):
    """A parser turning a scalar into an n-tuple and any other iterable into a tuple."""

    def parse(x):
        if isinstance(x, abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return (x,) * n

    return parse


_single = _ntuple(1)
_pair = _ntuple(2)
_triple = _ntuple(3)
_quadruple = _ntuple(4)


def _reverse_repeat_tuple(t, n):
    """(a, b) -> (b, b, a, a) for n=2: F.pad's last-dim-first order from a per-dim padding tuple."""
    return tuple(x for x in reversed(t) for _ in range(n))
