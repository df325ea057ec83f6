"""Mixed precision against PyTorch 2.13.0 on the CPU: autocast op dtypes and values, and a GradScaler training loop
with injected inf gradients (same scales, same skipped steps, same weights)."""

import numpy as np
import pytest
import torsh_core.dtypes as dt
import torsh_tensor as T
from torsh_autograd import no_grad
from torsh_tensor.amp import GradScaler, autocast

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A, B, C = (RNG.standard_normal(s).astype(np.float32) for s in [(4, 5), (5, 3), (4, 3)])
A3, B3, V = RNG.standard_normal((2, 4, 5)).astype(np.float32), RNG.standard_normal((2, 5, 3)).astype(
    np.float32), RNG.standard_normal(5).astype(np.float32)

OPS = {
    "matmul": lambda m, t: m.matmul(t(A), t(B)),
    "mm": lambda m, t: m.mm(t(A), t(B)),
    "bmm": lambda m, t: m.bmm(t(A3), t(B3)),
    "addmm": lambda m, t: m.addmm(t(C), t(A), t(B)),
    "baddbmm": lambda m, t: m.baddbmm(t(np.ones((2, 4, 3), np.float32)), t(A3), t(B3), beta=0.5, alpha=2),
    "addbmm": lambda m, t: m.addbmm(t(C), t(A3), t(B3)),
    "einsum": lambda m, t: m.einsum("bij,bjk->bik", t(A3), t(B3)),
    "inner": lambda m, t: m.inner(t(A), t(A)),
    "mv": lambda m, t: m.mv(t(A), t(V)),
    "dot": lambda m, t: m.dot(t(V), t(V)),
    "tensordot": lambda m, t: m.tensordot(t(A), t(B), 1),
    "tensordot_full": lambda m, t: m.tensordot(t(C), t(C)),
    "inner_1d": lambda m, t: m.inner(t(V), t(V)),
    "outer": lambda m, t: m.outer(t(V), t(V)),
    "matmul_bf16_f32": lambda m, t: m.matmul(t(A).bfloat16(), t(B)),
    "matmul_f64": lambda m, t: m.matmul(t(A).double(), t(B).double()),
}


@pytest.mark.parametrize("amp_dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_autocast_op_dtypes_and_values(name, amp_dtype):
    with torch.autocast("cpu", dtype=getattr(torch, amp_dtype)):
        expected = OPS[name](torch, torch.from_numpy)
    with autocast("cpu", dtype=getattr(dt, amp_dtype)):
        got = OPS[name](T, T.from_numpy)
    assert got.dtype.name == str(expected.dtype).split(".")[1]
    tol = 1e-5 if got.dtype in (dt.float32, dt.float64) else 2e-2
    np.testing.assert_allclose(got.float().numpy(), expected.float().numpy(), rtol=tol, atol=tol)


def test_bf16_matmul_values_match_torch_large():
    a = RNG.standard_normal((64, 256)).astype(np.float32)
    b = RNG.standard_normal((256, 32)).astype(np.float32)
    expected = (torch.from_numpy(a).bfloat16() @ torch.from_numpy(b).bfloat16()).float().numpy()
    got = (T.from_numpy(a).bfloat16() @ T.from_numpy(b).bfloat16()).float().numpy()
    # both accumulate in float32 and round once: agree to within one bfloat16 ulp
    np.testing.assert_allclose(got, expected, rtol=2 ** -7, atol=1e-2)


def test_region_state_matches():
    for lib, region in ((torch, torch.autocast), (T, autocast)):
        with region("cpu"):
            assert lib.is_autocast_enabled("cpu") and not lib.is_autocast_enabled("cuda")
            assert str(lib.get_autocast_dtype("cpu")).endswith("bfloat16")
        assert not lib.is_autocast_enabled("cpu")
        assert str(lib.get_autocast_dtype("cuda")).endswith("float16")


class SGD:
    """Plain SGD through param_groups: GradScaler only duck-types the optimizer."""

    def __init__(self, params, lr):
        self.param_groups = [{"params": list(params), "lr": lr}]

    def step(self):
        with no_grad():
            for p in self.param_groups[0]["params"]:
                p.sub_(p.grad * self.param_groups[0]["lr"])

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None


def _train(no_grad, region, scaler, make_opt, tensor):
    rng = np.random.default_rng(1)
    w1 = tensor(rng.standard_normal((8, 16)).astype(np.float32) * 0.3).requires_grad_()
    w2 = tensor(rng.standard_normal((16, 4)).astype(np.float32) * 0.3).requires_grad_()
    opt = make_opt([w1, w2], 0.05)
    scales, skipped = [], []
    for step in range(20):
        x = tensor(rng.standard_normal((32, 8)).astype(np.float32))
        target = tensor(rng.standard_normal((32, 4)).astype(np.float32))
        opt.zero_grad()
        with region("cpu"):
            h = (x @ w1).relu()
            y = h @ w2
        loss = ((y.float() - target) ** 2).mean()
        scaler.scale(loss).backward()
        if step in (5, 12, 13):
            with no_grad():
                w2.grad[0, 0] = float("inf") if step != 13 else float("nan")
        before = w1.detach().clone()
        scaler.step(opt)
        skipped.append(bool((w1.detach() == before).all()))
        scaler.update()
        scales.append(scaler.get_scale())
    return scales, skipped, w1.detach().numpy(), w2.detach().numpy()


def test_grad_scaler_loop_matches_torch():
    ref = _train(torch.no_grad, torch.autocast, torch.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=3),
                 lambda p, lr: torch.optim.SGD(p, lr=lr), torch.from_numpy)
    got = _train(no_grad, autocast, GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=3), SGD, T.from_numpy)
    assert got[0] == ref[0]
    assert got[1] == ref[1]
    assert ref[1].count(True) == 3
    np.testing.assert_allclose(got[2], ref[2], rtol=2e-2, atol=2e-3)
    np.testing.assert_allclose(got[3], ref[3], rtol=2e-2, atol=2e-3)


def test_state_dict_matches_torch():
    ref, got = torch.amp.GradScaler("cpu", init_scale=8.0), GradScaler("cpu", init_scale=8.0)
    assert got.state_dict() == ref.state_dict()
