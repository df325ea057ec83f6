"""GradScaler on the CPU: scaling, unscaling, skipped steps, scale growth/backoff, misuse errors, state_dict."""

import pickle
import warnings

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import no_grad
from torsh_core import dtypes as dt
from torsh_tensor.amp import GradScaler, autocast


class SGD:
    """A minimal duck-typed optimizer: GradScaler needs only param_groups and step()."""

    def __init__(self, params, lr):
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.steps = 0

    def step(self):
        self.steps += 1
        with no_grad():
            for g in self.param_groups:
                for p in g["params"]:
                    if p.grad is not None:
                        p.sub_(p.grad * g["lr"])
        return "stepped"

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None


def setup(**kw):
    w = T.tensor(np.arange(6, dtype=np.float32).reshape(3, 2) / 10, requires_grad=True)
    return w, SGD([w], lr=0.1), GradScaler("cpu", **kw)


def loss_of(w):
    x = T.tensor(np.ones((4, 3), np.float32))
    with autocast("cpu"):
        y = x @ w
    return y.float().square().mean()


def test_scale_multiplies_and_unscale_restores():
    w, opt, scaler = setup(init_scale=1024.0)
    loss = loss_of(w)
    scaled = scaler.scale(loss)
    assert scaled.dtype is dt.float32
    np.testing.assert_allclose(scaled.item(), loss.item() * 1024, rtol=1e-6)
    scaled.backward()
    scaled_grad = w.grad.numpy().copy()
    scaler.unscale_(opt)
    np.testing.assert_allclose(w.grad.numpy(), scaled_grad / 1024, rtol=1e-6)
    assert scaler.step(opt) == "stepped"
    scaler.update()
    assert scaler.get_scale() == 1024.0 and scaler._get_growth_tracker() == 1


def test_scale_keeps_bf16_dtype_and_nested_outputs():
    _, _, scaler = setup(init_scale=4.0)
    a, b = T.ones(2, dtype=dt.bfloat16), T.ones(3)
    out = scaler.scale([a, (b, [a])])
    assert isinstance(out, list) and isinstance(out[1], tuple) and isinstance(out[1][1], list)
    assert out[0].dtype is dt.bfloat16 and out[0].tolist() == [4.0, 4.0]
    assert out[1][0].tolist() == [4.0] * 3
    assert list(scaler.scale(iter([b])))[0].tolist() == [4.0] * 3
    with pytest.raises(ValueError, match="outputs must be a Tensor"):
        scaler.scale(3.0)


def test_inf_gradient_skips_step_and_backs_off():
    w, opt, scaler = setup(init_scale=256.0, growth_interval=2)
    before = w.detach().numpy().copy()
    scaler.scale(loss_of(w)).backward()
    with no_grad():
        w.grad[0, 0] = float("inf")
    assert scaler.step(opt) is None
    assert opt.steps == 0
    np.testing.assert_array_equal(w.detach().numpy(), before)
    scaler.update()
    assert scaler.get_scale() == 128.0 and scaler._get_growth_tracker() == 0


def test_nan_gradient_also_skips():
    w, opt, scaler = setup(init_scale=8.0)
    scaler.scale(loss_of(w)).backward()
    with no_grad():
        w.grad[1, 1] = float("nan")
    scaler.step(opt)
    scaler.update()
    assert opt.steps == 0 and scaler.get_scale() == 4.0


def test_growth_after_interval():
    w, opt, scaler = setup(init_scale=2.0, growth_factor=3.0, growth_interval=3)
    scales = []
    for _ in range(7):
        opt.zero_grad()
        scaler.scale(loss_of(w)).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    assert scales == [2.0, 2.0, 6.0, 6.0, 6.0, 18.0, 18.0]
    assert opt.steps == 7


def test_growth_stops_at_float32_overflow():
    w, opt, scaler = setup(init_scale=3e38, growth_interval=1)
    scaler.scale(loss_of(w)).backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == pytest.approx(3e38, rel=1e-6)


def test_update_with_new_scale():
    w, opt, scaler = setup()
    scaler.scale(loss_of(w))
    scaler.update(8.0)
    assert scaler.get_scale() == 8.0
    scaler.update(T.tensor([2.0]))
    assert scaler.get_scale() == 2.0
    with pytest.raises(AssertionError):
        scaler.update(T.tensor([1.0, 2.0]))


def test_misuse_errors():
    w, opt, scaler = setup()
    with pytest.raises(AssertionError, match="did not use scaler.scale"):
        scaler.step(opt)
    scaler.scale(loss_of(w)).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure"):
        scaler.step(opt, closure=lambda: 0)
    scaler.update()
    opt.zero_grad()
    with pytest.raises(AssertionError, match="No inf checks were recorded for this optimizer"):
        scaler.step(opt)
    fresh = GradScaler("cpu")
    fresh.scale(loss_of(w))
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
        fresh.update()


def test_bad_factors():
    with pytest.raises(AssertionError, match="growth factor"):
        GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="backoff factor"):
        GradScaler("cpu", backoff_factor=1.0)


def test_fp16_gradients_refused():
    p = T.ones(2, dtype=dt.float16, requires_grad=True)
    opt, scaler = SGD([p], 0.1), GradScaler("cpu", init_scale=4.0)
    scaler.scale(p.sum()).backward()
    with pytest.raises(ValueError, match="FP16 gradients"):
        scaler.unscale_(opt)


def test_disabled_is_transparent():
    w, opt, _ = setup()
    scaler = GradScaler("cpu", enabled=False)
    loss = loss_of(w)
    assert scaler.scale(loss) is loss
    loss.backward()
    assert scaler.step(opt) == "stepped"
    scaler.update()
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {} and not scaler.is_enabled()


def test_cuda_default_disables_without_gpu(monkeypatch):
    from torsh_tensor.amp import grad_scaler

    monkeypatch.setattr(grad_scaler, "_cuda_unavailable", lambda: True)
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = GradScaler()
    assert not scaler.is_enabled()


def test_state_dict_round_trip_and_pickle():
    w, opt, scaler = setup(init_scale=64.0, growth_interval=5)
    for _ in range(2):
        opt.zero_grad()
        scaler.scale(loss_of(w)).backward()
        scaler.step(opt)
        scaler.update()
    sd = scaler.state_dict()
    assert sd == {"scale": 64.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 5,
                  "_growth_tracker": 2}
    other = GradScaler("cpu")
    other.load_state_dict(sd)
    assert other.state_dict() == sd
    clone = pickle.loads(pickle.dumps(scaler))
    assert clone.state_dict() == sd
    with pytest.raises(RuntimeError, match="state dict is empty"):
        other.load_state_dict({})
    scaler.scale(loss_of(w))
    scaler.unscale_(opt)
    with pytest.raises(AssertionError, match="pickled"):
        pickle.dumps(scaler)


def test_setters_and_getters():
    scaler = GradScaler("cpu")
    scaler.set_growth_factor(4.0)
    scaler.set_backoff_factor(0.25)
    scaler.set_growth_interval(10)
    assert (scaler.get_growth_factor(), scaler.get_backoff_factor(), scaler.get_growth_interval()) == (4.0, 0.25, 10)
    assert scaler.get_scale() == 65536.0


def test_unscale_bumps_grad_version_and_found_inf_per_device():
    w, opt, scaler = setup()
    scaler.scale(loss_of(w)).backward()
    v = w.grad._version[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaler.unscale_(opt)
    assert w.grad._version[0] == v + 1
    found = scaler._found_inf_per_device(opt)
    assert [(str(d), f.item()) for d, f in found.items()] == [("cpu", 0.0)]
