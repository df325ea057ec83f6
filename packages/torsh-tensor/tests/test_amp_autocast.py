"""torsh.autocast on the CPU: region semantics, PyTorch's CPU op policy, differentiable and cached casts."""

import importlib
import warnings

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck, no_grad
from torsh_core import autocast as ac
from torsh_core import dtypes as dt
from torsh_core.errors import TorshValueError
from torsh_tensor.amp import autocast, cast_inputs, policy


def rnd(*shape, requires_grad=False, dtype=dt.float32, seed=0):
    arr = np.random.default_rng(seed).standard_normal(shape)
    return T.tensor(arr, dtype=dtype, requires_grad=requires_grad)


def test_region_sets_and_restores_state():
    assert not T.is_autocast_enabled("cpu")
    with autocast("cpu") as region:
        assert isinstance(region, autocast)
        assert T.is_autocast_enabled("cpu") and T.get_autocast_dtype("cpu") is dt.bfloat16
        with autocast("cpu", dtype=dt.float16):
            assert T.get_autocast_dtype("cpu") is dt.float16
            with autocast("cpu", enabled=False):
                assert not T.is_autocast_enabled("cpu")
            assert T.is_autocast_enabled("cpu")
        assert T.get_autocast_dtype("cpu") is dt.bfloat16
    assert not T.is_autocast_enabled("cpu") and not ac.state.active


def test_state_restored_after_exception():
    with pytest.raises(KeyError):
        with autocast("cpu"):
            raise KeyError("boom")
    assert not T.is_autocast_enabled("cpu") and ac.state.nesting == 0


def test_decorator_and_recursion():
    @autocast("cpu")
    def f(n):
        assert T.is_autocast_enabled("cpu")
        return f(n - 1) + 1 if n else 0

    assert f(3) == 3
    assert not T.is_autocast_enabled("cpu")


def test_bad_arguments():
    with pytest.raises(ValueError):
        autocast(0)
    with pytest.raises(RuntimeError):
        autocast("tpu")


def test_unsupported_dtype_warns_and_disables():
    with pytest.warns(UserWarning, match="CPU autocast, but the target dtype is not supported"):
        region = autocast("cpu", dtype=dt.float32)
    with region:
        assert not T.is_autocast_enabled("cpu")


def test_cuda_without_gpu_warns_and_disables(monkeypatch):
    mod = importlib.import_module("torsh_tensor.amp.autocast")
    monkeypatch.setattr(mod, "_cuda_available", lambda: False)
    with pytest.warns(UserWarning, match="CUDA is not available"):
        region = autocast("cuda")
    with region:
        assert not T.is_autocast_enabled("cuda")


def test_cpu_lower_precision_ops():
    a, b, c = rnd(4, 5), rnd(5, 3, seed=1), rnd(4, 3, seed=2)
    a3, b3 = rnd(2, 4, 5), rnd(2, 5, 3, seed=1)
    with autocast("cpu"):
        outs = {"matmul": a @ b, "mm": T.mm(a, b), "bmm": T.bmm(a3, b3), "addmm": T.addmm(c, a, b),
                "baddbmm": T.baddbmm(rnd(2, 4, 3), a3, b3), "addbmm": T.addbmm(c, a3, b3),
                "einsum": T.einsum("ij,jk->ik", a, b), "inner": T.inner(a, a)}
        outs["tensordot"] = T.tensordot(a, b, 1)
        kept = {"mv": T.mv(a, rnd(5)), "dot": T.dot(rnd(5), rnd(5)), "full_tensordot": T.tensordot(a, a),
                "inner_1d": T.inner(rnd(5), rnd(5)),
                "outer": T.outer(rnd(3), rnd(2)), "add": a + a}
    for name, out in outs.items():
        assert out.dtype is dt.bfloat16, name
    for name, out in kept.items():
        assert out.dtype is dt.float32, name


def test_float16_target_and_mixed_inputs():
    with autocast("cpu", dtype=dt.float16):
        assert T.mm(rnd(2, 3), rnd(3, 2).bfloat16()).dtype is dt.float16


def test_float64_and_integers_are_not_cast():
    with autocast("cpu"):
        assert (rnd(3, 3, dtype=dt.float64) @ rnd(3, 3, dtype=dt.float64)).dtype is dt.float64
        assert (T.ones(2, 2, dtype=dt.int64) @ T.ones(2, 2, dtype=dt.int64)).dtype is dt.int64


def test_disabled_region_runs_in_input_dtype():
    with autocast("cpu"):
        with autocast("cpu", enabled=False):
            assert (rnd(2, 2) @ rnd(2, 2)).dtype is dt.float32


def test_bf16_matmul_is_float32_product_rounded_once():
    a, b = rnd(16, 64).bfloat16(), rnd(64, 8, seed=1).bfloat16()
    ref = (a.float().numpy() @ b.float().numpy()).astype(dt.bfloat16.np)
    out = a @ b
    assert out.dtype is dt.bfloat16
    np.testing.assert_array_equal(out.float().numpy(), ref.astype(np.float32))


def test_gradients_come_back_in_input_dtype():
    w = rnd(5, 3, requires_grad=True)
    x = rnd(4, 5, requires_grad=True, seed=1)
    with autocast("cpu"):
        y = x @ w
    assert y.dtype is dt.bfloat16
    y.float().sum().backward()
    assert w.grad.dtype is dt.float32 and x.grad.dtype is dt.float32
    ones = np.ones((4, 3), np.float32)
    xb = x.detach().bfloat16().float().numpy()
    np.testing.assert_allclose(w.grad.numpy(), xb.T @ ones, rtol=1e-2, atol=1e-2)


def test_gradcheck_inside_region_float64():
    # float64 is not eligible: autocast must leave the op (and its gradient) exact
    a = rnd(3, 4, dtype=dt.float64, requires_grad=True)
    b = rnd(4, 2, dtype=dt.float64, requires_grad=True, seed=1)
    with autocast("cpu"):
        assert gradcheck(lambda p, q: T.addmm(T.zeros(3, 2, dtype=dt.float64), p, q), (a, b))


def test_weight_cast_cached_within_region():
    w = rnd(3, 3, requires_grad=True)
    x = rnd(2, 3)
    with autocast("cpu"):
        e1 = (x @ w).grad_fn.next_functions[1][0]
        e2 = T.mm(x, w).grad_fn.next_functions[1][0]
        assert e1 is e2
        with autocast("cpu", cache_enabled=False):
            assert T.mm(x, w).grad_fn.next_functions[1][0] is not e1
    assert ac.state.cache == {}
    with autocast("cpu"):
        assert (x @ w).grad_fn.next_functions[1][0] is not e1


def test_cache_refreshes_after_inplace_update_and_skips_no_grad():
    w = rnd(3, 3, requires_grad=True)
    x = rnd(2, 3)
    with autocast("cpu"):
        first = x @ w
        with no_grad():
            w.add_(1.0)
        second = x @ w
        assert not np.array_equal(first.detach().float().numpy(), second.detach().float().numpy())
        with no_grad():
            x @ w
        assert id(w) in ac.state.cache and ac.state.cache[id(w)][3].grad_fn is not None


def test_cast_inputs_off_is_identity():
    a, b = rnd(2), rnd(2)
    args = cast_inputs("mm", a, b)
    assert args[0] is a and args[1] is b


def test_cast_inputs_off_never_reaches_policy(monkeypatch):
    # the disabled path is one attribute read: the policy code must not run at all
    def fail(*_):
        raise AssertionError("policy consulted while autocast is off")

    monkeypatch.setattr(policy, "_autocast", fail)
    a = rnd(3, 3)
    for _ in range(3):
        a @ a
        T.mm(a, a)


def test_cast_inputs_policies():
    a, h = rnd(2, 2), rnd(2, 2).bfloat16()
    with autocast("cpu"):
        assert [t.dtype for t in cast_inputs("cross_entropy", h, None)[:1]] == [dt.float32]
        assert cast_inputs("cross_entropy", h, None)[1] is None
        assert [t.dtype for t in cast_inputs("cat", a, h)] == [dt.float32, dt.float32]
        assert cast_inputs("softmax", h)[0] is h  # CUDA-only float32 op: untouched on the CPU
        with pytest.raises(TorshValueError):
            cast_inputs("no_such_op", a)


def test_policy_lists_are_disjoint():
    for lists in policy.POLICY.values():
        assert not (lists["lower"] & lists["fp32"]) and not (lists["lower"] & lists["promote"])
        assert not (lists["fp32"] & lists["promote"])


def test_custom_fwd_bwd():
    from torsh_autograd import Function
    from torsh_tensor.amp import custom_bwd, custom_fwd

    seen = {}

    class Square(Function):
        @staticmethod
        @custom_fwd(device_type="cpu", cast_inputs=dt.float32)
        def forward(ctx, x):
            seen["fwd"] = (x.dtype, T.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @custom_bwd(device_type="cpu")
        def backward(ctx, g):
            seen["bwd"] = T.is_autocast_enabled("cpu")
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = rnd(3, requires_grad=True).bfloat16().detach().requires_grad_()
    with autocast("cpu"):
        y = Square.apply(x)
    y.sum().backward()
    assert seen == {"fwd": (dt.float32, False), "bwd": False}
    np.testing.assert_allclose(x.grad.float().numpy(), 2 * x.detach().float().numpy(), rtol=1e-2)
    with pytest.raises(ValueError):
        custom_fwd(device_type=1)


def test_no_warning_for_supported_dtypes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        autocast("cpu", dtype=dt.float16)
        autocast("cpu", dtype=dt.bfloat16)
