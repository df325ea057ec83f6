"""In-place ops, setitem and writes into views with autograd: the same values and gradients as PyTorch 2.13.0."""

import types

import numpy as np
import pytest
import torsh_autograd
import torsh_core
import torsh_tensor

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")

TS = types.SimpleNamespace(**{**vars(torsh_core.dtypes), **vars(torsh_tensor)}, no_grad=torsh_autograd.no_grad,
                           autograd=torsh_autograd)


def case_01(M):
    """setitem v requires grad."""
    v = M.tensor([1., 2.], dtype=M.float64, requires_grad=True)
    x = M.zeros(3, 2, dtype=M.float64)
    x[1] = v * 3
    (x * M.arange(6, dtype=M.float64).reshape(3, 2)).sum().backward()
    return x, v.grad


def case_02(M):
    """write into view of nonleaf."""
    w = M.ones(3, 3, dtype=M.float64, requires_grad=True)
    y = w * 2
    y[0].mul_(5)
    y.sum().backward()
    return y, w.grad


def case_03(M):
    """view of leaf inplace error."""
    w = M.ones(3, requires_grad=True)
    w[0].add_(1)
    return (w,)


def case_04(M):
    """leaf inplace error."""
    w = M.ones(3, requires_grad=True)
    w.add_(1)
    return (w,)


def case_05(M):
    """no_grad leaf inplace."""
    w = M.ones(3, requires_grad=True)
    with M.no_grad():
        w[0] = 5
        w.mul_(2)
    return (w,)


def case_06(M):
    """transpose view write."""
    w = M.arange(6, dtype=M.float64).reshape(2, 3).requires_grad_()
    y = w.clone()
    z = y.t()
    z[1:, 0] = M.tensor([7., 8.], dtype=M.float64)
    (y * y).sum().backward()
    return y, w.grad


def case_07(M):
    """input changed in place after exp saved only its output."""
    w = M.ones(3, requires_grad=True)
    y = w * 2
    z = y.exp()
    y.add_(1)
    z.sum().backward()
    return (w.grad,)


def case_08(M):
    """mul_ by requires-grad other."""
    a = M.tensor([1., 2., 3.], requires_grad=True)
    b = M.tensor([4., 5., 6.], requires_grad=True)
    y = a * 1
    y.mul_(b)
    y.sum().backward()
    return y, a.grad, b.grad


def case_09(M):
    """diagonal write."""
    a = M.zeros(3, 3)
    a.diagonal().fill_(2)
    a.diagonal(1).add_(1)
    return (a,)


def case_10(M):
    """writes through many kinds of views land in the base."""
    a = M.zeros(2, 3)
    a.view(3, 2)[0, 0] = 1
    a.t()[2, 1] = 5
    d = a[1]
    d += 1
    a.unsqueeze(0).squeeze(0).narrow(1, 1, 1).fill_(9)
    a.flatten()[0] = -1
    a.unbind(0)[1][2] = 4
    a.split(2, 1)[1].zero_()
    return (a,)


def case_11(M):
    """expand write error."""
    a = M.zeros(3, 1).expand(3, 4)
    a.add_(1)
    return (a,)


def case_12(M):
    """clamp_ on view nonleaf."""
    w = M.tensor([[-2., 0.5], [3., -0.1]], requires_grad=True)
    y = w + 0
    y[:, 0].clamp_(-1, 1)
    (y * M.tensor([[1., 2.], [3., 4.]])).sum().backward()
    return y, w.grad


def case_13(M):
    """setitem with broadcast + mask, grad on both."""
    w = M.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
    v = M.tensor([10., 20., 30.], requires_grad=True)
    y = w * 1
    y[y > 2.5] = 0.
    y[0] = v
    (y * M.tensor([[1., 2., 3.], [4., 5., 6.]])).sum().backward()
    return y, w.grad, v.grad


def case_14(M):
    """copy_ into slice."""
    w = M.tensor([1., 2., 3.], requires_grad=True)
    y = M.zeros(5)
    y[1:4].copy_(w * 2)
    (y * M.arange(5.)).sum().backward()
    return y, w.grad


def case_15(M):
    """double backward after inplace."""
    x = M.tensor([1., 2.], dtype=M.float64, requires_grad=True)
    y = x * x
    y.mul_(x)
    g, = M.autograd.grad(y.sum(), x, create_graph=True)
    g.sum().backward()
    return g, x.grad


def case_16(M):
    """int inplace to float error."""
    a = M.tensor([1, 2])
    a.mul_(1.5)
    return (a,)


def case_17(M):
    """in-place with out dtype promotion allowed."""
    a = M.tensor([1., 2.])
    a.add_(M.tensor([1, 2]))
    a.mul_(M.tensor(2., dtype=M.float64))
    return (a,)


def case_18(M):
    """index_put accumulate."""
    a = M.zeros(4, dtype=M.float64, requires_grad=True)
    v = M.tensor([1., 2., 3.], dtype=M.float64, requires_grad=True)
    y = a.index_put((M.tensor([0, 0, 2]),), v, accumulate=True)
    (y * M.arange(4., dtype=M.float64)).sum().backward()
    return y, a.grad, v.grad


def case_19(M):
    """masked_fill_ with view."""
    w = M.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = w.exp()
    y[1].masked_fill_(M.tensor([True, False]), 0.)
    y.sum().backward()
    return y, w.grad


def case_20(M):
    """iadd on slice of leaf-with-no-grad with grad value."""
    x = M.zeros(2, 3)
    v = M.ones(3, requires_grad=True)
    x[0] += v
    x.sum().backward()
    return x, v.grad


def case_21(M):
    """fill_ on non-leaf slice."""
    w = M.ones(4, requires_grad=True)
    y = w * 3
    y[1:3].fill_(0)
    y.sum().backward()
    return y, w.grad


def case_22(M):
    """zero_ on nonleaf."""
    w = M.ones(4, requires_grad=True)
    y = w * 3
    y.zero_()
    (y + w).sum().backward()
    return y, w.grad


def case_23(M):
    """sibling views."""
    w = M.ones(4, requires_grad=True)
    y = w * 3
    a, b = y[:2], y[2:]
    a.mul_(2)
    (a.sum() + b.sum() + y.sum()).backward()
    return y, w.grad


def case_24(M):
    """overlapping sibling views."""
    w = M.ones(4, requires_grad=True)
    y = w * 3
    a, b = y[:2], y[1:3]
    a.mul_(2)
    (b * M.tensor([1., 10.])).sum().backward()
    return y, w.grad


def case_25(M):
    """view made before base inplace."""
    w = M.ones(4, requires_grad=True)
    y = w * 3
    a = y[1:]
    y.mul_(M.arange(4.))
    a.sum().backward()
    return y, w.grad


def case_26(M):
    """view of no-grad base overwritten through sibling."""
    v = M.tensor([1., 2.], requires_grad=True)
    x = M.zeros(2, 2)
    a2 = x[0]
    x[0].copy_(v * 5)
    (a2 * M.tensor([1., 3.])).sum().backward()
    return x, v.grad


SCENARIOS = [f for name, f in sorted(globals().items()) if name.startswith("case_")]
BUILTINS = (IndexError, ValueError, TypeError, NotImplementedError, RuntimeError)


def _arrays(result):
    return [None if r is None else np.asarray(r.detach().numpy()) for r in result]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__doc__)
def test_inplace_scenario_matches_torch(scenario):
    try:
        expected = _arrays(scenario(torch))
    except Exception as e:  # torch rejects the scenario: torsh must raise the same built-in type
        builtin = next(b for b in BUILTINS if isinstance(e, b))
        with pytest.raises(builtin):
            scenario(TS)
        return
    got = _arrays(scenario(TS))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert (g is None) == (e is None)
        if e is not None:
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)
