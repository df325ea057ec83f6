"""Every scheduler's lr (and cycled momentum) sequence over 60 steps equals PyTorch 2.13's, as does its state_dict."""

import math
import warnings

import numpy as np
import pytest
import torsh_optim
import torsh_tensor as tt

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")

STEPS = 60


def _optimizer(lib, name="SGD"):
    mod, optim = (torch, torch.optim) if lib == "torch" else (tt, torsh_optim)
    params = [mod.zeros(2, requires_grad=True), mod.zeros(3, requires_grad=True)]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.03}]
    if name == "SGD":
        return optim.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(optim, name)(groups, lr=0.1)


def _factories(lib):
    ls = (torch.optim if lib == "torch" else torsh_optim).lr_scheduler
    return {
        "LambdaLR": lambda o: ls.LambdaLR(o, lambda e: 0.95**e),
        "LambdaLR-per-group": lambda o: ls.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: math.cos(e / 10)]),
        "MultiplicativeLR": lambda o: ls.MultiplicativeLR(o, lambda e: 0.97),
        "StepLR": lambda o: ls.StepLR(o, step_size=7, gamma=0.5),
        "MultiStepLR": lambda o: ls.MultiStepLR(o, milestones=[5, 12, 12, 40], gamma=0.3),
        "ConstantLR": lambda o: ls.ConstantLR(o, factor=0.25, total_iters=9),
        "LinearLR": lambda o: ls.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=17),
        "LinearLR-down": lambda o: ls.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=30),
        "ExponentialLR": lambda o: ls.ExponentialLR(o, gamma=0.93),
        "PolynomialLR": lambda o: ls.PolynomialLR(o, total_iters=40, power=2.5),
        "CosineAnnealingLR": lambda o: ls.CosineAnnealingLR(o, T_max=13, eta_min=0.001),
        "CosineAnnealingWarmRestarts": lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=1e-3),
        "CosineAnnealingWarmRestarts-1": lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=8),
        "CyclicLR-triangular": lambda o: ls.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=6,
                                                     step_size_down=9),
        "CyclicLR-triangular2": lambda o: ls.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5,
                                                      mode="triangular2", base_momentum=0.7, max_momentum=0.95),
        "CyclicLR-exp_range": lambda o: ls.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range",
                                                    gamma=0.97),
        "CyclicLR-scale_fn": lambda o: ls.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                   scale_fn=lambda x: 0.5 ** (x / 10), scale_mode="iterations",
                                                   cycle_momentum=False),
        "OneCycleLR-cos": lambda o: ls.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS + 1),
        "OneCycleLR-linear": lambda o: ls.OneCycleLR(o, max_lr=0.5, epochs=6, steps_per_epoch=11, pct_start=0.4,
                                                     anneal_strategy="linear", div_factor=10.0,
                                                     final_div_factor=100.0),
        "OneCycleLR-three_phase": lambda o: ls.OneCycleLR(o, max_lr=0.5, total_steps=STEPS + 5, three_phase=True,
                                                          base_momentum=0.8, max_momentum=0.9),
        "SequentialLR": lambda o: ls.SequentialLR(o, [ls.LinearLR(o, start_factor=0.1, total_iters=10),
                                                      ls.ExponentialLR(o, gamma=0.9),
                                                      ls.CosineAnnealingLR(o, T_max=15)], milestones=[10, 30]),
        "ChainedScheduler": lambda o: ls.ChainedScheduler([ls.ConstantLR(o, factor=0.5, total_iters=8),
                                                           ls.ExponentialLR(o, gamma=0.95),
                                                           ls.StepLR(o, step_size=11, gamma=0.5)]),
    }


NAMES = list(_factories("torsh"))
ADAM_CYCLES = ["CyclicLR-triangular2", "OneCycleLR-cos", "OneCycleLR-three_phase"]


def _trace(lib, name, optimizer_name="SGD"):
    opt = _optimizer(lib, optimizer_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = _factories(lib)[name](opt)
        out = []
        for _ in range(STEPS):
            opt.step()
            sched.step()
            out.append((sched.get_last_lr(), [g["lr"] for g in opt.param_groups],
                        [g.get("momentum", g.get("betas")) for g in opt.param_groups]))
    return out, sched


def _close(a, b):
    np.testing.assert_allclose(np.array(a, dtype=float), np.array(b, dtype=float), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name, optimizer_name", [(n, "SGD") for n in NAMES] + [(n, "Adam") for n in ADAM_CYCLES])
def test_lr_sequence_matches_torch(name, optimizer_name):
    theirs, tsched = _trace("torch", name, optimizer_name)
    ours, osched = _trace("torsh", name, optimizer_name)
    for (o_last, o_lr, o_mom), (t_last, t_lr, t_mom) in zip(ours, theirs):
        _close(o_last, t_last)
        _close(o_lr, t_lr)
        _close(o_mom, t_mom)
    assert set(osched.state_dict()) == set(tsched.state_dict())


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.94, 0.96, 0.97, 0.5, 0.5, 0.5, 0.5, 0.499995, 0.6] * 5
    configs = [dict(), dict(mode="max", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs", cooldown=2),
               dict(patience=0, min_lr=[0.01, 0.005], eps=1e-3), dict(mode="max", threshold_mode="rel", patience=2)]
    for cfg in configs:
        traces = []
        for lib, ls, mod in (("torch", torch.optim.lr_scheduler, torch), ("torsh", torsh_optim.lr_scheduler, tt)):
            opt = _optimizer(lib)
            sched = ls.ReduceLROnPlateau(opt, **cfg)
            trace = []
            for i, m in enumerate(metrics):
                sched.step(mod.tensor(m) if i % 2 else m)  # numbers and 1-element tensors
                trace.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter, sched.best))
            traces.append((trace, set(sched.state_dict())))
        (theirs, their_keys), (ours, our_keys) = traces
        assert our_keys == their_keys
        for (o_lr, *o_rest), (t_lr, *t_rest) in zip(ours, theirs):
            _close(o_lr, t_lr)
            assert o_rest == t_rest


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
                                  "CosineAnnealingLR"])
def test_closed_form_step_with_epoch_matches_torch(name):
    results = []
    for lib in ("torch", "torsh"):
        opt = _optimizer(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched = _factories(lib)[name](opt)
            results.append([(sched.step(e), sched.get_last_lr())[1] for e in (3, 10, 4, 25, 41, 0, 17)])
    _close(results[1], results[0])


def test_warm_restarts_fractional_epochs_match_torch():
    results = []
    for lib in ("torch", "torsh"):
        opt = _optimizer(lib)
        sched = _factories(lib)["CosineAnnealingWarmRestarts"](opt)
        results.append([(sched.step(e), sched.get_last_lr())[1] for e in np.arange(0, 40, 0.37)])
    _close(results[1], results[0])
