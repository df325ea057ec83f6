"""Learning-rate schedulers: sequences against hand-computed closed forms, state_dict round trips, warnings, errors."""

import io
import math
import warnings
from bisect import bisect_right

import numpy as np
import pytest
import torsh_optim as optim
import torsh_tensor as tt
from torsh_optim import lr_scheduler as ls

BASE = [0.1, 0.04]
EPOCHS = 60


def _opt(cls=optim.SGD, **kwargs):
    params = [tt.zeros(2, requires_grad=True), tt.zeros(3, requires_grad=True)]
    kwargs.setdefault("momentum", 0.9) if cls is optim.SGD else None
    return cls([{"params": [params[0]]}, {"params": [params[1]], "lr": BASE[1]}], lr=BASE[0], **kwargs)


def _lrs(opt, sched, epochs=EPOCHS):
    """[[lr of each group] for epochs 0..epochs-1], stepping the optimizer first as PyTorch asks."""
    out = [sched.get_last_lr()]
    for _ in range(epochs - 1):
        opt.step()
        sched.step()
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        out.append(sched.get_last_lr())
    return np.array(out)


def _expect(fn, epochs=EPOCHS):
    return np.array([[fn(base, e) for base in BASE] for e in range(epochs)])


CLOSED_FORMS = {
    "LambdaLR": (lambda o: ls.LambdaLR(o, lambda e: 1 / (1 + e)), lambda b, e: b / (1 + e)),
    "MultiplicativeLR": (lambda o: ls.MultiplicativeLR(o, lambda e: 0.9), lambda b, e: b * 0.9**e),
    "StepLR": (lambda o: ls.StepLR(o, step_size=7, gamma=0.5), lambda b, e: b * 0.5 ** (e // 7)),
    "MultiStepLR": (lambda o: ls.MultiStepLR(o, [30, 5, 12, 12], gamma=0.3),
                    lambda b, e: b * 0.3 ** bisect_right([5, 12, 12, 30], e)),
    "ConstantLR": (lambda o: ls.ConstantLR(o, factor=0.25, total_iters=9), lambda b, e: b * (0.25 if e < 9 else 1)),
    "LinearLR": (lambda o: ls.LinearLR(o, start_factor=0.2, end_factor=0.8, total_iters=17),
                 lambda b, e: b * (0.2 + 0.6 * min(e, 17) / 17)),
    "ExponentialLR": (lambda o: ls.ExponentialLR(o, gamma=0.93), lambda b, e: b * 0.93**e),
    "PolynomialLR": (lambda o: ls.PolynomialLR(o, total_iters=40, power=2.5),
                     lambda b, e: b * (1 - min(e, 40) / 40) ** 2.5),
    "CosineAnnealingLR": (lambda o: ls.CosineAnnealingLR(o, T_max=13, eta_min=0.001),
                          lambda b, e: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * e / 13)) / 2),
}


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_sequence_equals_closed_form(name):
    make, form = CLOSED_FORMS[name]
    opt = _opt()
    np.testing.assert_allclose(_lrs(opt, make(opt)), _expect(form), rtol=1e-10, atol=1e-14)


def _warm_restarts(b, e, T_0=5, T_mult=2, eta_min=1e-3):
    T_i, T_cur = T_0, e
    while T_cur >= T_i:
        T_cur, T_i = T_cur - T_i, T_i * T_mult
    return eta_min + (b - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2


def test_cosine_annealing_warm_restarts():
    opt = _opt()
    sched = ls.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2, eta_min=1e-3)
    np.testing.assert_allclose(_lrs(opt, sched), _expect(_warm_restarts), rtol=1e-12)
    opt = _opt()
    sched = ls.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2, eta_min=1e-3)
    for epoch in (0.5, 3.2, 7.0, 16.9, 40.25):
        sched.step(epoch)
        np.testing.assert_allclose(sched.get_last_lr(), [_warm_restarts(b, epoch) for b in BASE], rtol=1e-12)


def test_cyclic_triangular_and_momentum():
    opt = _opt()
    sched = ls.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.05], step_size_up=5, base_momentum=0.8, max_momentum=0.9)
    lrs, momenta = [], []
    for _ in range(EPOCHS):
        lrs.append(sched.get_last_lr())
        momenta.append([g["momentum"] for g in opt.param_groups])
        opt.step()
        sched.step()
    x = np.array([abs(e / 5 - 2 * math.floor(1 + e / 10) + 1) for e in range(EPOCHS)])
    rise = np.maximum(0, 1 - x)[:, None]
    np.testing.assert_allclose(lrs, 0.01 + (np.array([0.1, 0.05]) - 0.01) * rise, rtol=1e-12)
    np.testing.assert_allclose(momenta, 0.9 - 0.1 * rise * np.ones(2), rtol=1e-12)


def test_cyclic_triangular2_halves_each_cycle_and_cycles_adam_beta1():
    opt = _opt(optim.Adam, betas=(0.9, 0.99))
    sched = ls.CyclicLR(opt, base_lr=0.0, max_lr=0.8, step_size_up=2, mode="triangular2")
    peaks, beta1s = [], []
    for e in range(1, 13):
        opt.step()
        sched.step()
        if e % 4 == 2:
            peaks.append(sched.get_last_lr()[0])
            beta1s.append(opt.param_groups[0]["betas"][0])
            assert opt.param_groups[0]["betas"][1] == 0.99
    np.testing.assert_allclose(peaks, [0.8, 0.4, 0.2], rtol=1e-12)
    np.testing.assert_allclose(beta1s, [0.8, 0.85, 0.875], rtol=1e-12)  # momentum swings shrink the same way


def test_one_cycle_closed_form():
    opt = _opt()
    total, max_lr, div, final_div = 50, 1.0, 25.0, 1e4
    sched = ls.OneCycleLR(opt, max_lr=max_lr, total_steps=total, anneal_strategy="linear")
    initial, min_lr, up_end = max_lr / div, max_lr / div / final_div, 0.3 * total - 1

    def expected(e):
        if e <= up_end:
            return initial + (max_lr - initial) * e / up_end
        return max_lr + (min_lr - max_lr) * (e - up_end) / (total - 1 - up_end)

    np.testing.assert_allclose(_lrs(opt, sched, total)[:, 0], [expected(e) for e in range(total)], rtol=1e-12)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    with pytest.raises(ValueError, match="Tried to step"):
        for _ in range(3):
            opt.step()
            sched.step()


def test_sequential_and_chained():
    opt = _opt()
    sched = ls.SequentialLR(opt, [ls.ConstantLR(opt, factor=0.5, total_iters=100), ls.ExponentialLR(opt, 0.9)],
                            milestones=[10])
    np.testing.assert_allclose(_lrs(opt, sched), _expect(lambda b, e: b * 0.5 if e < 10 else b * 0.9 ** (e - 10)),
                               rtol=1e-12)
    opt = _opt()
    sched = ls.ChainedScheduler([ls.ExponentialLR(opt, 0.9), ls.StepLR(opt, step_size=10, gamma=0.1)])
    np.testing.assert_allclose(_lrs(opt, sched), _expect(lambda b, e: b * 0.9**e * 0.1 ** (e // 10)), rtol=1e-10)


def test_reduce_lr_on_plateau():
    opt = _opt()
    sched = ls.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=[0.02, 0.0])
    metrics = [1.0, 0.5, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.1]
    seen = []
    for m in metrics:
        sched.step(m)
        seen.append(sched.get_last_lr()[0])
    # bad epochs after 0.5: 1, 2, 3 -> cut to 0.05 (cooldown 1), then 0 (cooldown), 1, 2, 3 -> cut to 0.025
    assert seen == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025])
    for m in [0.2] * 10:
        sched.step(tt.tensor(m))
    assert sched.get_last_lr()[0] == 0.02  # clamped at min_lr
    with pytest.raises(ValueError, match="Factor"):
        ls.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="unknown"):
        ls.ReduceLROnPlateau(opt, mode="up")


def _roundtrip(obj):
    buf = io.BytesIO()
    tt.save(obj, buf)
    buf.seek(0)
    return tt.load(buf)


ROUNDTRIP = {
    "StepLR": lambda o: ls.StepLR(o, step_size=3),
    "MultiStepLR": lambda o: ls.MultiStepLR(o, [4, 9, 9]),
    "LambdaLR": lambda o: ls.LambdaLR(o, lambda e: 0.9**e),
    "CosineAnnealingLR": lambda o: ls.CosineAnnealingLR(o, T_max=7),
    "CosineAnnealingWarmRestarts": lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "CyclicLR": lambda o: ls.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.9),
    "OneCycleLR": lambda o: ls.OneCycleLR(o, max_lr=0.5, total_steps=40, three_phase=True),
    "SequentialLR": lambda o: ls.SequentialLR(o, [ls.LinearLR(o, total_iters=4), ls.ExponentialLR(o, 0.9)], [4]),
    "ChainedScheduler": lambda o: ls.ChainedScheduler([ls.ExponentialLR(o, 0.9), ls.StepLR(o, 5)]),
    "ReduceLROnPlateau": lambda o: ls.ReduceLROnPlateau(o, patience=1),
}


@pytest.mark.parametrize("name", list(ROUNDTRIP))
def test_state_dict_round_trip_through_torsh_save(name):
    def run(opt, sched, n, start):
        out = []
        for k in range(n):
            opt.step()
            sched.step(float((start + k) % 3)) if name == "ReduceLROnPlateau" else sched.step()
            out.append(sched.get_last_lr())
        return out

    opt = _opt()
    sched = ROUNDTRIP[name](opt)
    run(opt, sched, 8, 0)
    saved = _roundtrip({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()})
    opt2 = _opt()
    sched2 = ROUNDTRIP[name](opt2)
    opt2.load_state_dict(saved["optimizer"])
    sched2.load_state_dict(saved["scheduler"])
    assert run(opt, sched, 12, 8) == run(opt2, sched2, 12, 8)


def test_callable_object_state_is_saved():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate**epoch

    opt = _opt()
    fn = Decay()
    state = ls.LambdaLR(opt, fn).state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, {"rate": 0.5}]
    fn.rate = 0.1
    ls.LambdaLR(_opt(), [Decay(), lambda e: 1]).load_state_dict({**state, "lr_lambdas": [{"rate": 0.3}, None]})


def test_step_order_warnings():
    opt = _opt()
    sched = ls.StepLR(opt, 3)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = _opt()
    sched = ls.StepLR(opt, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(5)
    assert sched.get_last_lr() == pytest.approx([b * 0.1 for b in BASE])


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        ls.StepLR(_opt(), 3, last_epoch=4)


@pytest.mark.parametrize("make, error, match", [
    (lambda o: ls.StepLR(object(), 3), TypeError, "is not an Optimizer"),
    (lambda o: ls.LambdaLR(o, [lambda e: 1]), ValueError, "Expected 2 lr_lambdas"),
    (lambda o: ls.MultiplicativeLR(o, [1, 2]), TypeError, "should be a function"),
    (lambda o: ls.ConstantLR(o, factor=2), ValueError, "between 0 and 1"),
    (lambda o: ls.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor"),
    (lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0"),
    (lambda o: ls.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError, "T_mult"),
    (lambda o: ls.CyclicLR(o, 0.1, 1.0, mode="zigzag"), ValueError, "mode is invalid"),
    (lambda o: ls.CyclicLR(o, [0.1], 1.0), ValueError, "same length"),
    (lambda o: ls.OneCycleLR(o, 1.0), ValueError, "total_steps OR"),
    (lambda o: ls.OneCycleLR(o, 1.0, total_steps=10, pct_start=1.5), ValueError, "pct_start"),
    (lambda o: ls.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="step"), ValueError, "anneal_strategy"),
    (lambda o: ls.SequentialLR(o, [ls.StepLR(o, 2)], milestones=[3]), ValueError, "one more than"),
    (lambda o: ls.SequentialLR(o, [ls.StepLR(o, 2), ls.ReduceLROnPlateau(o)], [3]), ValueError, "ReduceLROnPlateau"),
    (lambda o: ls.ChainedScheduler([ls.StepLR(o, 2), ls.StepLR(_opt(), 2)]), ValueError, "same optimizer"),
    (lambda o: ls.ChainedScheduler([]), ValueError, "at least one"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make(_opt())


def test_cycle_momentum_needs_momentum():
    with pytest.raises(ValueError, match="momentum or beta1"):
        ls.OneCycleLR(_opt(optim.Adagrad), 1.0, total_steps=10)
    ls.OneCycleLR(_opt(optim.Adagrad), 1.0, total_steps=10, cycle_momentum=False)


def test_tensor_learning_rate_is_updated_in_place():
    p = tt.zeros(2, requires_grad=True)
    lr = tt.tensor(0.1)
    opt = optim.SGD([p], lr=lr)
    sched = ls.ExponentialLR(opt, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == pytest.approx(0.05)
