"""The Optimizer base: param groups, defaults, errors, zero_grad, closures, hooks and the state_dict layout."""

import warnings

import numpy as np
import pytest
import torsh_autograd
import torsh_optim as optim
import torsh_tensor as tt


def _param(*values):
    return tt.tensor(list(values) or [1.0, 2.0], requires_grad=True)


def test_param_groups_take_defaults_and_keep_their_own_options():
    a, b = _param(), _param()
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert opt.param_groups[1]["params"] == [b]
    assert set(opt.param_groups[0]) == {"params", "lr", "momentum", "dampening", "weight_decay", "nesterov",
                                        "maximize", "foreach", "differentiable", "fused"}
    assert opt.defaults["lr"] == 0.1


def test_add_param_group():
    a, b = _param(), _param()
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["betas"] == (0.5, 0.6) and opt.param_groups[1]["lr"] == 0.1
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([a])


def test_named_parameters():
    a, b = _param(), _param()
    opt = optim.SGD([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [_param()]})


@pytest.mark.parametrize("params, error, match", [
    ([], ValueError, "empty parameter list"),
    (tt.ones(2), TypeError, "iterable of Tensors or dicts"),
    ({_param()}, TypeError, "ordered collections"),
    ([1.0], TypeError, "can only optimize Tensors"),
    ([_param() * 2], ValueError, "non-leaf"),
    ([tt.from_numpy(np.ones(2, np.complex128))], NotImplementedError, "complex parameters"),
])
def test_bad_params(params, error, match):
    with pytest.raises(error, match=match):
        optim.SGD(params if not isinstance(params, set) else [{"params": params}], lr=0.1)


def test_duplicate_parameters_in_one_group_warn_like_torch():
    a = _param()
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([a, a], lr=0.1)


def test_required_hyperparameter():
    class Plain(optim.Optimizer):
        def __init__(self, params, lr=optim.optimizer.required):
            super().__init__(params, {"lr": lr})

    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Plain([_param()])
    assert Plain([{"params": [_param()], "lr": 0.3}]).param_groups[0]["lr"] == 0.3
    assert repr(optim.optimizer.required) == "<required parameter>"


@pytest.mark.parametrize("opt_cls, kwargs, match", [
    (optim.SGD, dict(lr=-1), "learning rate"),
    (optim.SGD, dict(momentum=-0.1), "momentum"),
    (optim.SGD, dict(nesterov=True), "Nesterov"),
    (optim.SGD, dict(fused=True, differentiable=True), "differentiable"),
    (optim.Adam, dict(betas=(1.0, 0.9)), "beta parameter at index 0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "beta parameter at index 1"),
    (optim.Adam, dict(eps=-1), "epsilon"),
    (optim.Adam, dict(fused=True, foreach=True), "cannot be `True` together"),
    (optim.AdamW, dict(weight_decay=-1), "weight_decay"),
    (optim.NAdam, dict(momentum_decay=-1), "momentum_decay"),
    (optim.RMSprop, dict(alpha=-1), "alpha"),
    (optim.Adagrad, dict(lr_decay=-1), "lr_decay"),
    (optim.Adadelta, dict(rho=1.5), "rho"),
    (optim.Rprop, dict(etas=(1.5, 2.0)), "eta values"),
    (optim.LBFGS, dict(line_search_fn="armijo"), "strong_wolfe"),
])
def test_bad_hyperparameters(opt_cls, kwargs, match):
    with pytest.raises((ValueError, RuntimeError), match=match):
        opt_cls([_param()], **kwargs)


def test_tensor_learning_rate():
    p = _param()
    p.grad = tt.tensor([1.0, 1.0])
    optim.SGD([p], lr=tt.tensor(0.5)).step()
    assert p.tolist() == [0.5, 1.5]
    with pytest.raises(ValueError, match="1-element"):
        optim.SGD([p], lr=tt.tensor([0.1, 0.2]))


def test_zero_grad():
    p = _param()
    (p * p).sum().backward()
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_returns_the_closure_loss_evaluated_with_grad_enabled():
    p = _param(3.0)
    opt = optim.SGD([p], lr=0.1)
    seen = []

    def closure():
        seen.append(torsh_autograd.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with torsh_autograd.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and loss.item() == 9.0
    assert p.tolist() == pytest.approx([3.0 - 0.1 * 6.0])


def test_update_does_not_record_a_graph():
    p = _param()
    p.grad = tt.ones(2)
    optim.Adam([p], lr=0.1).step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_step_hooks():
    p = _param()
    p.grad = tt.ones(2)
    opt = optim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt)))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o is opt)))
    g = optim.register_optimizer_step_pre_hook(lambda o, args, kwargs: calls.append(("global", type(o).__name__)))
    opt.step()
    assert calls == [("global", "SGD"), ("pre", True), ("post", True)]
    for handle in (h1, h2, g):
        handle.remove()
    opt.step()
    assert len(calls) == 3


def test_pre_hook_may_replace_the_arguments():
    p = _param()
    p.grad = tt.ones(2)
    opt = optim.SGD([p], lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: ((), {"closure": lambda: 42}))
    assert opt.step() == 42
    opt.register_step_pre_hook(lambda o, args, kwargs: "bad")
    with pytest.raises(RuntimeError, match="tuple of"):
        opt.step()


def test_state_dict_layout_like_torch():
    a, b, c = _param(), _param(), _param()
    opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    for p in (a, c):
        p.grad = tt.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert set(sd["state"]) == {0, 2}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"} and sd["state"][0]["step"].item() == 1.0
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5


def test_load_state_dict_errors():
    a, b = _param(), _param()
    opt = optim.SGD([a, b], lr=0.1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)


def test_load_state_dict_takes_options_and_keeps_parameters():
    a = _param()
    src = optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = tt.ones(2)
    src.step()
    b = _param()
    dst = optim.SGD([b], lr=0.5)
    dst.load_state_dict(src.state_dict())
    assert dst.param_groups[0]["lr"] == 0.1 and dst.param_groups[0]["momentum"] == 0.9
    assert dst.param_groups[0]["params"] == [b]
    assert dst.state[b]["momentum_buffer"].tolist() == [1.0, 1.0]


def test_state_dict_hooks():
    a = _param()
    opt = optim.SGD([a], lr=0.1)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    assert opt.state_dict()["extra"] == 1
    seen = []
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append("pre"))
    opt.register_load_state_dict_post_hook(lambda o: seen.append("post"))
    opt.load_state_dict(opt.state_dict())
    assert seen == ["pre", "post"]


def test_repr():
    text = repr(optim.SGD([_param()], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text


def test_differentiable_step_runs_with_grad_mode_on(monkeypatch):
    p = tt.tensor([1.0, 2.0])
    p.grad = tt.ones(2)
    modes = []
    real = optim.sgd._fused.split
    monkeypatch.setattr(optim.sgd._fused, "split", lambda group, **k: modes.append(torsh_autograd.is_grad_enabled())
                        or real(group, **k))
    with torsh_autograd.no_grad():
        optim.SGD([p], lr=0.1, differentiable=True).step()
        optim.SGD([p], lr=0.1).step()
    assert modes == [True, False] and p.tolist() == pytest.approx([0.8, 1.8])


@pytest.mark.parametrize("fused", [None, True])
def test_cpu_float_params_take_one_c_call_per_group(monkeypatch, fused):
    from torsh_backend import optim as kernels

    calls = []
    for name in ("sgd_", "adam_"):
        real = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *a, _real=real, _name=name, **k: calls.append((_name, len(a[0])))
                            or _real(*a, **k))
    p, q = _param(), _param()
    p.grad, q.grad = tt.ones(2), tt.ones(2)
    version = p._version[0]
    optim.SGD([p, q], lr=0.1, momentum=0.9, fused=fused).step()
    optim.AdamW([p, q], fused=fused).step()
    assert calls == [("sgd_", 2), ("adam_", 2)] and p._version[0] > version
    with pytest.raises(RuntimeError, match="floating point"):
        r = tt.tensor([1, 2])
        r.grad = tt.tensor([1, 1])
        optim.Adam([r], fused=True).step()


def test_strided_and_differentiable_params_take_the_reference_path(monkeypatch):
    from torsh_backend import optim as kernels

    calls = []
    real = kernels.sgd_
    monkeypatch.setattr(kernels, "sgd_", lambda *a, **k: calls.append(len(a[0])) or real(*a, **k))
    base = tt.tensor([[1.0, 2.0], [3.0, 4.0]])
    strided = base.t()
    strided.grad = tt.ones(2, 2)
    dense = _param()
    dense.grad = tt.ones(2)
    optim.SGD([strided, dense], lr=0.5, momentum=0.9).step()
    assert calls == [1] and strided.tolist() == [[0.5, 2.5], [1.5, 3.5]]
    plain = tt.tensor([1.0, 2.0])
    plain.grad = tt.ones(2)
    optim.SGD([plain], lr=0.5, differentiable=True).step()
    assert calls == [1] and plain.tolist() == [0.5, 1.5]


def test_no_warning_for_a_normal_step():
    p = _param()
    p.grad = tt.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optim.AdamW([p]).step()
