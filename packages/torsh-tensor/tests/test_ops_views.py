"""View ops share memory and the version counter with their base, match NumPy, and have gradients."""

import numpy as np
import pytest
import torsh_tensor as T
from hypothesis import given, settings
from hypothesis import strategies as st
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core.errors import TorshNotImplementedError

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4)


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# name, torsh view, NumPy equivalent
VIEWS = [
    ("view", lambda x: x.view(4, 6), lambda a: a.reshape(4, 6)),
    ("view_neg", lambda x: x.view(-1, 4), lambda a: a.reshape(-1, 4)),
    ("reshape", lambda x: x.reshape(6, 4), lambda a: a.reshape(6, 4)),
    ("transpose", lambda x: x.transpose(0, -1), lambda a: a.swapaxes(0, -1)),
    ("permute", lambda x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ("T", lambda x: x[0].T, lambda a: a[0].T),
    ("mT", lambda x: x.mT, lambda a: a.swapaxes(-2, -1)),
    ("t", lambda x: x[1].t(), lambda a: a[1].T),
    ("squeeze", lambda x: x[:, :1].squeeze(), lambda a: a[:, :1].squeeze()),
    ("squeeze_dim", lambda x: x[:, :1].squeeze(1), lambda a: a[:, :1].squeeze(1)),
    ("unsqueeze", lambda x: x.unsqueeze(-2), lambda a: np.expand_dims(a, -2)),
    ("flatten", lambda x: x.flatten(1), lambda a: a.reshape(2, 12)),
    ("unflatten", lambda x: x.unflatten(2, (2, 2)), lambda a: a.reshape(2, 3, 2, 2)),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4), lambda a: np.broadcast_to(a[:, :1], (2, 5, 4))),
    ("narrow", lambda x: x.narrow(2, 1, 2), lambda a: a[:, :, 1:3]),
    ("select", lambda x: x.select(1, -1), lambda a: a[:, -1]),
    ("diagonal", lambda x: x.diagonal(0, 1, 2), lambda a: np.diagonal(a, 0, 1, 2)),
    ("diagonal_offset", lambda x: x.diagonal(-1, 2, 1), lambda a: np.diagonal(a, -1, 2, 1)),
    ("movedim", lambda x: x.movedim(0, -1), lambda a: np.moveaxis(a, 0, -1)),
    ("unfold", lambda x: x.unfold(2, 2, 1), lambda a: np.lib.stride_tricks.sliding_window_view(a, 2, 2)),
    ("slice", lambda x: x[1:, ::2, 1], lambda a: a[1:, ::2, 1]),
    ("ellipsis_none", lambda x: x[..., None, 2], lambda a: a[..., None, 2]),
    ("split", lambda x: x.split(2, 2)[1], lambda a: a[:, :, 2:]),
    ("chunk", lambda x: x.chunk(3, 1)[2], lambda a: a[:, 2:]),
    ("unbind", lambda x: x.unbind(1)[1], lambda a: a[:, 1]),
    ("tensor_split", lambda x: x.tensor_split([1, 3], 2)[1], lambda a: a[:, :, 1:3]),
    ("swapaxes", lambda x: x.swapaxes(1, 2), lambda a: a.swapaxes(1, 2)),
    ("view_as", lambda x: x.view_as(T.zeros(24)), lambda a: a.reshape(24)),
]


@pytest.mark.parametrize("name, view, ref", VIEWS, ids=[v[0] for v in VIEWS])
def test_views_match_numpy_and_share_memory(name, view, ref):
    base = t(X.copy())
    v = view(base)
    np.testing.assert_array_equal(v.numpy(), ref(X))
    assert np.shares_memory(v.numpy(), base.numpy())
    before = base._version[0]
    base.add_(1)  # the view sees writes to the base and shares its version counter
    np.testing.assert_array_equal(v.numpy(), ref(X + 1))
    assert v._version[0] == base._version[0] == before + 1
    if name not in ("expand", "unfold"):  # expanded and overlapping windows are read-only, as in PyTorch
        v.mul_(0)
        assert (ref(base.numpy()) == 0).all()


@pytest.mark.parametrize("name, view, ref", VIEWS, ids=[v[0] for v in VIEWS])
def test_view_gradcheck(name, view, ref):
    assert gradcheck(view, (leaf(X / 10),))


def test_view_gradgradcheck_subset():
    assert gradgradcheck(lambda x: (x.t() * x.t()).unsqueeze(0).expand(2, 2, 2), (leaf([[0.5, 1.0], [2.0, 3.0]]),))
    assert gradgradcheck(lambda x: x.diagonal() ** 2, (leaf([[0.5, 1.0], [2.0, 3.0]]),))


def test_reshape_copies_only_when_it_must():
    base = t(X.copy())
    assert np.shares_memory(base.reshape(6, 4).numpy(), base.numpy())
    tr = base.transpose(0, 2)
    assert not np.shares_memory(tr.reshape(-1).numpy(), base.numpy())
    np.testing.assert_array_equal(tr.reshape(-1).numpy(), X.swapaxes(0, 2).reshape(-1))
    assert tr.contiguous().is_contiguous() and base.contiguous() is base
    c = base.clone()
    assert not np.shares_memory(c.numpy(), base.numpy())


def test_multi_output_views_and_their_grads():
    x = leaf(X[0])
    parts = x.split([1, 2], 0)
    assert [tuple(p.shape) for p in parts] == [(1, 4), (2, 4)]
    (parts[1] * 2).sum().backward()  # unused outputs get zero gradient
    np.testing.assert_array_equal(x.grad.numpy(), [[0] * 4, [2] * 4, [2] * 4])
    assert gradcheck(lambda v: v.unbind(1), (leaf(X[0]),))
    assert gradcheck(lambda v: v.chunk(2, 1), (leaf(X[0]),))
    assert [tuple(c.shape) for c in T.zeros(0).chunk(2)] == [(0,), (0,)]
    assert [c.shape[0] for c in T.zeros(5).chunk(3)] == [2, 2, 1]
    assert [c.shape[0] for c in T.zeros(7).tensor_split(3)] == [3, 2, 2]


def test_zero_dim_views():
    s = t(3.0)
    assert s.view(1).shape == (1,) and s.reshape(()).shape == () and s.flatten().shape == (1,)
    assert s.unsqueeze(0).shape == (1,) and s.t().shape == () and s.transpose(0, -1).shape == ()
    assert s.squeeze().shape == () and s.expand(2, 2).shape == (2, 2)


def test_view_errors():
    x = t(X.copy())
    for bad in (lambda: x.view(5, 5), lambda: x.transpose(0, 2).view(-1), lambda: x.view(-1, -1),
                lambda: x.expand(3, 3, 4), lambda: x.expand(4), lambda: x.permute(0, 1), lambda: x.permute(0, 0, 1),
                lambda: x.narrow(0, 1, 2), lambda: t(1.0).narrow(0, 0, 1), lambda: x.unflatten(1, (2, 2)),
                lambda: x.flatten(2, 1), lambda: x.diagonal(0, 1, 1), lambda: x.unfold(2, 5, 1), lambda: x.chunk(0),
                lambda: x.split([1, 2], 2), lambda: x.movedim((0, 1), 0)):
        with pytest.raises(RuntimeError):
            bad()
    for bad in (lambda: x.transpose(0, 3), lambda: x.squeeze(3), lambda: x.unsqueeze(4), lambda: x.select(1, 3),
                lambda: t(1.0).select(0, 0), lambda: t(1.0).unbind(0)):
        with pytest.raises(IndexError):
            bad()
    with pytest.raises(RuntimeError, match="size 24"):
        x.view(5, 5)
    with pytest.raises(TorshNotImplementedError):
        x.as_strided((2,), (1,))
    with pytest.raises(RuntimeError):  # writing through an expanded view would alias elements
        x[:, :1].expand(2, 3, 4).add_(1)


@settings(max_examples=200, deadline=None)
@given(shape=st.lists(st.integers(0, 3), max_size=4), lead=st.lists(st.integers(0, 3), max_size=2),
       grow=st.lists(st.booleans(), min_size=4, max_size=4), layout=st.sampled_from(["c", "transposed", "sliced"]),
       dtype=st.sampled_from([np.float32, np.float64, np.int64, np.bool_]))
def test_expand_matches_numpy_broadcast_to(shape, lead, grow, layout, dtype):
    """The fast broadcast view (contiguous arrays) and NumPy's (every other layout) agree, and both are read-only."""
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape).astype(dtype)
    if layout == "transposed":
        a = a.T
    elif layout == "sliced" and a.ndim:
        a = a[..., ::2]
    target = tuple(lead) + tuple(3 if g and n == 1 else n for n, g in zip(a.shape, grow))
    want = np.broadcast_to(a, target)
    src = T.from_numpy(a)  # keeps the layout
    assert src._data.strides == a.strides or not a.size
    got = src.expand(*target) if target else src.expand(())
    assert got.shape == want.shape and got.dtype.np == want.dtype
    np.testing.assert_array_equal(got.numpy(), want)
    if got.numel() > 1 and got.numel() != a.size:
        with pytest.raises(RuntimeError):
            got.add_(1) if dtype != np.bool_ else got.logical_not_()
