"""Every optimizer and option combination against PyTorch 2.13: same start, same gradients, 25 steps, same params."""

import numpy as np
import pytest
import torsh_core
import torsh_optim
import torsh_tensor as tt

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.05, fused=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, foreach=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, differentiable=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True)),
    ("Adam", dict(lr=0.05, maximize=True)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1, fused=True)),
    ("Adam", dict(lr=0.05, foreach=True)),
    ("Adam", dict(lr=0.05, differentiable=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.05, fused=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.05, foreach=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("NAdam", dict(lr=0.05, foreach=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.6), weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.6), foreach=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, foreach=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, fused=True)),
    ("Adagrad", dict(lr=0.1, foreach=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True, foreach=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.01, maximize=True, foreach=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=3, maximize=True, foreach=True)),
]

SHAPES = [(3, 4), (5,)]
STEPS = 25


@pytest.fixture
def float64_default():
    """float64 everywhere, so both libraries keep their step counters and scalars in float64 too."""
    old_torch, old_torsh = torch.get_default_dtype(), torsh_core.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    torsh_core.set_default_dtype(torsh_core.float64)
    yield
    torch.set_default_dtype(old_torch)
    torsh_core.set_default_dtype(old_torsh)


def _inits(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in SHAPES]


def _grad(step, i, p, rng_grads):
    """The same gradient in both libraries: a fixed random part plus a quadratic pull on the current value."""
    if step == 4 and i == 1:
        return None  # a parameter without a gradient is skipped
    if step == 7:
        return np.zeros_like(p)
    return rng_grads[step][i] + 0.5 * p


def _grads_table(seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=s) * (1 + 2 * (k % 3)) for s in SHAPES] for k in range(STEPS)]


def _run(lib, name, kwargs, differentiable, dtype=np.float64):
    inits, table = [x.astype(dtype) for x in _inits()], [[g.astype(dtype) for g in gs] for gs in _grads_table()]
    if lib == "torch":
        params = [torch.tensor(x, requires_grad=not differentiable) for x in inits]
        wrap, read, opt_cls = torch.from_numpy, lambda t: t.detach().numpy().copy(), getattr(torch.optim, name)
    else:
        params = [tt.tensor(x, requires_grad=not differentiable) for x in inits]
        wrap, read, opt_cls = tt.from_numpy, lambda t: t.detach().numpy().copy(), getattr(torsh_optim, name)
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": kwargs.get("lr", 1.0) * 0.5}]
    opt = opt_cls(groups, **kwargs)
    for k in range(STEPS):
        for i, p in enumerate(params):
            g = _grad(k, i, read(p), table)
            p.grad = None if g is None else wrap(g)
        opt.step()
    return [read(p) for p in params], opt


def _to_numpy(value):
    return value.detach().numpy() if hasattr(value, "detach") else value


def _compare_state(ours, theirs):
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if isinstance(value, dict):
            _compare_state(ours[key], value)
        elif isinstance(value, torch.Tensor):
            assert ours[key].dtype.name == str(value.dtype).removeprefix("torch."), key
            np.testing.assert_allclose(_to_numpy(ours[key]), value.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)
        else:
            assert ours[key] == value, key


@pytest.mark.usefixtures("float64_default")
@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{'-'.join(k) or 'default'}" for n, k in CASES])
def test_trajectory_and_state_match_torch(name, kwargs):
    differentiable = kwargs.get("differentiable", False)
    theirs, topt = _run("torch", name, kwargs, differentiable)
    ours, oopt = _run("torsh", name, kwargs, differentiable)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    osd, tsd = oopt.state_dict(), topt.state_dict()
    _compare_state(osd["state"], tsd["state"])
    assert osd["param_groups"] == tsd["param_groups"]


@pytest.mark.parametrize("name, kwargs", [
    ("Adam", dict(lr=0.05, amsgrad=True)), ("NAdam", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=5)),
    ("Adagrad", dict(lr=0.1, fused=True)), ("RAdam", dict(lr=0.05)), ("SGD", dict(lr=0.1, momentum=0.9, fused=True)),
])
def test_float32_params_and_float32_step_counters(name, kwargs):
    """Under the float32 default, step counters, NAdam's mu_product and ASGD's eta/mu are float32, as in torch."""
    theirs, topt = _run("torch", name, kwargs, False, np.float32)
    ours, oopt = _run("torsh", name, kwargs, False, np.float32)
    for a, b in zip(ours, theirs):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    theirs_state, ours_state = topt.state_dict()["state"], oopt.state_dict()["state"]
    for key, value in theirs_state[0].items():
        assert ours_state[0][key].dtype.name == str(value.dtype).removeprefix("torch."), key


def _rosenbrock(x):
    loss = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    grad = np.zeros_like(x)
    grad[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    grad[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return loss, grad


@pytest.mark.usefixtures("float64_default")
@pytest.mark.parametrize("kwargs", [
    dict(), dict(history_size=3, max_iter=7), dict(line_search_fn="strong_wolfe"),
    dict(lr=0.5, history_size=4, max_iter=10, line_search_fn="strong_wolfe", tolerance_change=1e-12),
    dict(lr=0.1, max_iter=5, max_eval=6, tolerance_grad=1e-5),
])
def test_lbfgs_matches_torch(kwargs):
    start = np.array([-1.2, 1.0, 0.5, -0.3])
    results = []
    for lib, mod, wrap in (("torch", torch, torch.from_numpy), ("torsh", tt, tt.from_numpy)):
        p = mod.tensor(start.copy(), requires_grad=True)
        opt = (torch.optim if lib == "torch" else torsh_optim).LBFGS([p], **kwargs)

        def closure(p=p, wrap=wrap, mod=mod):
            loss, grad = _rosenbrock(p.detach().numpy())
            p.grad = wrap(grad)
            return mod.tensor(loss)

        losses = [float(opt.step(closure)) for _ in range(4)]
        state = opt.state[p]
        results.append((p.detach().numpy().copy(), losses, state["func_evals"], state["n_iter"]))
    (ours, our_losses, our_evals, our_iters), (theirs, their_losses, their_evals, their_iters) = results[1], results[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-9)
    assert (our_evals, our_iters) == (their_evals, their_iters)
