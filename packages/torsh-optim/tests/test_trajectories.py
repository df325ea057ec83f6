"""Each optimizer over 25 steps on a quadratic, against a NumPy re-implementation of PyTorch's documented algorithm."""

import numpy as np
import pytest
import torsh_core
import torsh_optim as optim
import torsh_tensor as tt

STEPS = 25
A = np.array([[1.0, 4.0, 0.5], [2.0, 0.2, 3.0]])  # per-element curvature of the quadratic
B = np.array([[0.3, -1.0, 2.0], [-0.5, 0.1, 1.5]])
P0 = np.array([[1.0, -2.0, 0.5], [3.0, -0.7, 0.2]])


@pytest.fixture(autouse=True)
def float64_default():
    old = torsh_core.get_default_dtype()
    torsh_core.set_default_dtype(torsh_core.float64)
    yield
    torsh_core.set_default_dtype(old)


def _grad(p):
    return A * p + B


# -- NumPy references, one per algorithm, written from the pseudo-code in PyTorch's documentation ---------------------
def ref_sgd(p, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    b = None
    for _ in range(STEPS):
        g = _grad(p) * (-1 if maximize else 1)
        g = g + weight_decay * p
        if momentum:
            b = g if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
    return p


def ref_adam(p, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False, decoupled=False):
    b1, b2 = betas
    m = v = vmax = np.zeros_like(p)
    for t in range(1, STEPS + 1):
        g = _grad(p) * (-1 if maximize else 1)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        vmax = np.maximum(vmax, v) if amsgrad else v
        p = p - lr * mhat / (np.sqrt(vmax / (1 - b2**t)) + eps)
    return p


def ref_adamax(p, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False):
    b1, b2 = betas
    m = u = np.zeros_like(p)
    for t in range(1, STEPS + 1):
        g = _grad(p) * (-1 if maximize else 1) + weight_decay * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr / (1 - b1**t) * m / u
    return p


def ref_nadam(p, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3, decoupled=False):
    b1, b2 = betas
    m = v = np.zeros_like(p)
    prod = 1.0
    for t in range(1, STEPS + 1):
        g = _grad(p)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        prod *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = mu_next * m / (1 - prod * mu_next) + (1 - mu) * g / (1 - prod)
        p = p - lr * mhat / (np.sqrt(v / (1 - b2**t)) + eps)
    return p


def ref_radam(p, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled=False):
    b1, b2 = betas
    m = v = np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    for t in range(1, STEPS + 1):
        g = _grad(p)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho > 5:
            lt = np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            p = p - lr * mhat * lt * r
        else:
            p = p - lr * mhat
    return p


def ref_rmsprop(p, lr, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
    v = gavg = b = np.zeros_like(p)
    for _ in range(STEPS):
        g = _grad(p) + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        vt = v
        if centered:
            gavg = alpha * gavg + (1 - alpha) * g
            vt = v - gavg * gavg
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(vt) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(vt) + eps)
    return p


def ref_adagrad(p, lr, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10):
    s = np.full_like(p, initial_accumulator_value)
    for t in range(1, STEPS + 1):
        g = _grad(p) + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
    return p


def ref_adadelta(p, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0):
    v = u = np.zeros_like(p)
    for _ in range(STEPS):
        g = _grad(p) + weight_decay * p
        v = v * rho + g * g * (1 - rho)
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = u * rho + dx * dx * (1 - rho)
        p = p - lr * dx
    return p


def ref_rprop(p, lr, etas=(0.5, 1.2), step_sizes=(1e-6, 50)):
    prev = np.zeros_like(p)
    eta = np.full_like(p, lr)
    for _ in range(STEPS):
        g = _grad(p)
        prod = g * prev
        eta = np.clip(np.where(prod > 0, eta * etas[1], np.where(prod < 0, eta * etas[0], eta)), *step_sizes)
        g = np.where(prod < 0, 0.0, g)
        p = p - np.sign(g) * eta
        prev = g
    return p


def ref_asgd(p, lr, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0):
    eta, mu, ax = lr, 1.0, np.zeros_like(p)
    for t in range(1, STEPS + 1):
        g = _grad(p) + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + (p - ax) * mu if mu != 1 else p.copy()
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)
    return p, ax


CASES = [
    (optim.SGD, dict(lr=0.05), ref_sgd),
    (optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.1), ref_sgd),
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True), ref_sgd),
    (optim.SGD, dict(lr=0.01, momentum=0.5, maximize=True), ref_sgd),
    (optim.SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.1, fused=True), ref_sgd),
    (optim.Adam, dict(lr=0.1), ref_adam),
    (optim.Adam, dict(lr=0.1, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.2, amsgrad=True), ref_adam),
    (optim.Adam, dict(lr=0.1, maximize=True), ref_adam),
    (optim.Adam, dict(lr=0.1, amsgrad=True, fused=True), ref_adam),
    (optim.Adamax, dict(lr=0.1, weight_decay=0.1), ref_adamax),
    (optim.Adamax, dict(lr=0.1, betas=(0.5, 0.8), maximize=True), ref_adamax),
    (optim.NAdam, dict(lr=0.1), ref_nadam),
    (optim.NAdam, dict(lr=0.1, weight_decay=0.1, momentum_decay=0.05), ref_nadam),
    (optim.RAdam, dict(lr=0.1), ref_radam),
    (optim.RAdam, dict(lr=0.1, betas=(0.9, 0.5), weight_decay=0.1), ref_radam),
    (optim.RMSprop, dict(lr=0.01), ref_rmsprop),
    (optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.1), ref_rmsprop),
    (optim.Adagrad, dict(lr=0.3), ref_adagrad),
    (optim.Adagrad, dict(lr=0.3, lr_decay=0.1, initial_accumulator_value=0.5, weight_decay=0.1), ref_adagrad),
    (optim.Adagrad, dict(lr=0.3, lr_decay=0.1, fused=True), ref_adagrad),
    (optim.Adadelta, dict(), ref_adadelta),
    (optim.Adadelta, dict(lr=0.5, rho=0.7, eps=1e-3, weight_decay=0.1), ref_adadelta),
    (optim.Rprop, dict(lr=0.01), ref_rprop),
    (optim.Rprop, dict(lr=0.1, etas=(0.3, 1.7), step_sizes=(1e-3, 0.5)), ref_rprop),
]


def _kwargs_for_ref(kwargs):
    ref = {k: v for k, v in kwargs.items() if k != "fused"}
    if "decoupled_weight_decay" in ref:
        ref["decoupled"] = ref.pop("decoupled_weight_decay")
    return ref


def _run(opt_cls, kwargs, p0=P0):
    p = tt.tensor(p0, requires_grad=True)
    a, b = tt.tensor(A), tt.tensor(B)
    opt = opt_cls([p], **kwargs)
    for _ in range(STEPS):
        opt.zero_grad()
        loss = (0.5 * a * p * p).sum() + (b * p).sum()
        loss.backward()
        opt.step()
    return p, opt


@pytest.mark.parametrize("opt_cls, kwargs, ref", CASES,
                         ids=[f"{c.__name__}-{'-'.join(k)}" for c, k, _ in CASES])
def test_trajectory_matches_numpy_reference(opt_cls, kwargs, ref):
    p, _ = _run(opt_cls, kwargs)
    expected = ref(P0.copy(), **_kwargs_for_ref(kwargs))
    assert not np.allclose(expected, P0)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
                                    dict(lr=0.05, weight_decay=0.3, amsgrad=True)])
def test_adamw_is_adam_with_decoupled_decay(kwargs):
    p, _ = _run(optim.AdamW, {k: v for k, v in kwargs.items() if k != "decoupled_weight_decay"})
    expected = ref_adam(P0.copy(), decoupled=True, **{k: v for k, v in kwargs.items()
                                                        if k != "decoupled_weight_decay"})
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("opt_cls, ref", [(optim.NAdam, ref_nadam), (optim.RAdam, ref_radam)])
def test_decoupled_weight_decay_variants(opt_cls, ref):
    p, _ = _run(opt_cls, dict(lr=0.1, weight_decay=0.2, decoupled_weight_decay=True))
    np.testing.assert_allclose(p.detach().numpy(), ref(P0.copy(), lr=0.1, weight_decay=0.2, decoupled=True),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(lr=0.05), dict(lr=0.05, lambd=0.01, alpha=0.5, t0=10, weight_decay=0.1)])
def test_asgd_parameters_and_average(kwargs):
    p, opt = _run(optim.ASGD, kwargs)
    expected_p, expected_ax = ref_asgd(P0.copy(), **kwargs)
    np.testing.assert_allclose(p.detach().numpy(), expected_p, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(opt.state[p]["ax"].numpy(), expected_ax, rtol=1e-9, atol=1e-12)


def test_maximize_climbs_the_objective():
    for opt_cls in (optim.Adam, optim.RMSprop, optim.Adagrad, optim.Adadelta, optim.Rprop, optim.ASGD,
                    optim.NAdam, optim.RAdam, optim.Adamax):
        p_min, _ = _run(opt_cls, dict(lr=0.01))
        p_max, _ = _run(opt_cls, dict(lr=0.01, maximize=True))
        f = lambda x: float(np.sum(0.5 * A * x * x + B * x))  # noqa: E731
        assert f(p_max.detach().numpy()) > f(P0) > f(p_min.detach().numpy()), opt_cls.__name__


def test_parameters_without_gradient_are_left_alone():
    p, q = tt.tensor(P0, requires_grad=True), tt.tensor(P0, requires_grad=True)
    opt = optim.Adam([p, q], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert np.array_equal(q.detach().numpy(), P0) and q not in opt.state


def test_float32_parameters_stay_float32():
    torsh_core.set_default_dtype(torsh_core.float32)
    for opt_cls in (optim.SGD, optim.Adam, optim.NAdam, optim.ASGD, optim.Rprop, optim.Adagrad):
        p = tt.tensor(P0.astype(np.float32), requires_grad=True)
        opt = opt_cls([p], lr=0.01)
        for _ in range(3):
            p.grad = tt.tensor(_grad(P0).astype(np.float32))
            opt.step()
        assert p.dtype is torsh_core.float32, opt_cls.__name__
        for value in opt.state[p].values():
            if isinstance(value, tt.Tensor):
                assert value.dtype is torsh_core.float32, opt_cls.__name__
