"""An optimizer's state_dict survives torsh.save/load: a fresh optimizer that loads it continues identically."""

import io

import numpy as np
import pytest
import torsh_autograd
import torsh_core
import torsh_optim as optim
import torsh_tensor as tt

P0 = [np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0.3, -0.7, 1.1])]

CASES = [
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, fused=True)),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.Adam, dict(lr=0.05, fused=True)),
    (optim.AdamW, dict(lr=0.05)),
    (optim.Adamax, dict(lr=0.05)),
    (optim.NAdam, dict(lr=0.05)),
    (optim.RAdam, dict(lr=0.05)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01)),
    (optim.Adadelta, dict()),
    (optim.Rprop, dict(lr=0.01)),
    (optim.ASGD, dict(lr=0.05, t0=3)),
]


@pytest.fixture(autouse=True)
def float64_default():
    old = torsh_core.get_default_dtype()
    torsh_core.set_default_dtype(torsh_core.float64)
    yield
    torsh_core.set_default_dtype(old)


def _params(values):
    return [tt.tensor(v, requires_grad=True) for v in values]


def _steps(opt, params, start, n):
    rng = np.random.default_rng(start)
    for _ in range(n):
        for p in params:
            p.grad = tt.tensor(rng.normal(size=tuple(p.shape)) + p.detach().numpy())
        opt.step()


def _through_file(obj):
    buf = io.BytesIO()
    tt.save(obj, buf)
    buf.seek(0)
    return tt.load(buf)


@pytest.mark.parametrize("opt_cls, kwargs", CASES, ids=[f"{c.__name__}-{'-'.join(k)}" for c, k in CASES])
def test_resume_from_a_saved_state_dict(opt_cls, kwargs):
    params = _params(P0)
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": kwargs.get("lr", 1.0) / 2}]
    opt = opt_cls(groups, **kwargs)
    _steps(opt, params, 0, 10)
    checkpoint = _through_file({"params": [p.detach() for p in params], "optimizer": opt.state_dict()})

    resumed = _params([p.numpy() for p in checkpoint["params"]])
    fresh = opt_cls([{"params": [resumed[0]]}, {"params": [resumed[1]]}], **kwargs)
    fresh.load_state_dict(checkpoint["optimizer"])
    assert fresh.param_groups[1]["lr"] == kwargs.get("lr", 1.0) / 2
    _steps(opt, params, 1, 10)
    _steps(fresh, resumed, 1, 10)
    for a, b in zip(params, resumed):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_lbfgs_state_round_trips():
    def make():
        p = tt.tensor([-1.2, 1.0, 0.4], requires_grad=True)
        return p, optim.LBFGS([p], lr=0.5, history_size=3, max_iter=4, line_search_fn="strong_wolfe")

    def closure_for(p):
        def closure():
            x = p.detach().numpy()
            grad = np.zeros_like(x)
            grad[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
            grad[1:] += 200 * (x[1:] - x[:-1] ** 2)
            p.grad = tt.tensor(grad)
            return tt.tensor(float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)))
        return closure

    p, opt = make()
    opt.step(closure_for(p))
    saved = _through_file({"p": p.detach(), "opt": opt.state_dict()})
    q, fresh = make()
    with torsh_autograd.no_grad():
        q.copy_(saved["p"])
    fresh.load_state_dict(saved["opt"])
    for _ in range(3):
        opt.step(closure_for(p))
        fresh.step(closure_for(q))
    assert np.array_equal(p.detach().numpy(), q.detach().numpy())

