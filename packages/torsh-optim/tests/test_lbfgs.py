"""L-BFGS: the fixed-step path against a NumPy two-loop recursion, and the strong-Wolfe path on Rosenbrock."""

import numpy as np
import pytest
import torsh_core
import torsh_optim as optim
import torsh_tensor as tt


@pytest.fixture(autouse=True)
def float64_default():
    old = torsh_core.get_default_dtype()
    torsh_core.set_default_dtype(torsh_core.float64)
    yield
    torsh_core.set_default_dtype(old)


def rosenbrock(x):
    loss = float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
    grad = np.zeros_like(x)
    grad[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    grad[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return loss, grad


def ref_lbfgs(x, fg, steps, lr=1.0, max_iter=20, history_size=100, tolerance_grad=1e-7, tolerance_change=1e-9):
    """PyTorch's documented L-BFGS without line search: two-loop recursion, first step scaled by min(1, 1/|g|_1)."""
    max_eval = max_iter * 5 // 4
    dirs, stps, rhos = [], [], []
    d = t = prev_g = None
    h_diag, n_total = 1.0, 0
    for _ in range(steps):
        loss, g = fg(x)
        evals = 1
        if np.abs(g).max() <= tolerance_grad:
            continue
        for n_iter in range(1, max_iter + 1):
            n_total += 1
            if n_total == 1:
                d = -g
            else:
                y, s = g - prev_g, d * t
                ys = y @ s
                if ys > 1e-10:
                    if len(dirs) == history_size:
                        dirs.pop(0), stps.pop(0), rhos.pop(0)
                    dirs.append(y), stps.append(s), rhos.append(1.0 / ys)
                    h_diag = ys / (y @ y)
                q, al = -g, [0.0] * len(dirs)
                for i in reversed(range(len(dirs))):
                    al[i] = (stps[i] @ q) * rhos[i]
                    q = q - al[i] * dirs[i]
                d = q * h_diag
                for i in range(len(dirs)):
                    d = d + stps[i] * (al[i] - (dirs[i] @ d) * rhos[i])
            prev_g, prev_loss = g.copy(), loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if n_total == 1 else lr
            if g @ d > -tolerance_change:
                break
            x = x + t * d
            if n_iter == max_iter:
                break
            loss, g = fg(x)
            evals += 1
            if evals >= max_eval or np.abs(g).max() <= tolerance_grad:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
    return x


def _closure(p, fg):
    def closure():
        loss, grad = fg(p.detach().numpy())
        p.grad = tt.tensor(grad)
        return tt.tensor(loss)
    return closure


A = np.diag([1.0, 3.0, 10.0]) + 0.1
TIGHT = dict(tolerance_grad=1e-12, tolerance_change=1e-16)  # stop on the gradient, not on a tiny loss change


def quadratic(x):
    return float(0.5 * x @ A @ x - x.sum()), A @ x - 1.0


@pytest.mark.parametrize("fg, kwargs", [
    (quadratic, dict()),
    (rosenbrock, dict(lr=0.2, max_iter=6)),
    (rosenbrock, dict(lr=0.1, history_size=2, max_iter=9)),
])
def test_fixed_step_matches_numpy_two_loop_recursion(fg, kwargs):
    start = np.array([-1.2, 1.0, 0.5])
    p = tt.tensor(start.copy(), requires_grad=True)
    opt = optim.LBFGS([p], **kwargs)
    for _ in range(3):
        opt.step(_closure(p, fg))
    expected = ref_lbfgs(start.copy(), fg, 3, **kwargs)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-10, atol=1e-12)


def test_strong_wolfe_solves_rosenbrock():
    p = tt.tensor([-1.2, 1.0, -0.5, 0.8], requires_grad=True)
    opt = optim.LBFGS([p], line_search_fn="strong_wolfe", max_iter=50, history_size=10, **TIGHT)
    losses = [float(opt.step(_closure(p, rosenbrock))) for _ in range(5)]
    np.testing.assert_allclose(p.detach().numpy(), np.ones(4), atol=1e-6)
    assert losses[0] > losses[-1] and opt.state[p]["func_evals"] > opt.state[p]["n_iter"] > 0


def test_quadratic_converges_to_the_solution():
    p = tt.tensor(np.zeros(3), requires_grad=True)
    opt = optim.LBFGS([p], line_search_fn="strong_wolfe", **TIGHT)
    opt.step(_closure(p, quadratic))
    np.testing.assert_allclose(p.detach().numpy(), np.linalg.solve(A, np.ones(3)), rtol=1e-8)


def test_already_optimal_returns_without_moving():
    p = tt.tensor(np.linalg.solve(A, np.ones(3)), requires_grad=True)
    before = p.detach().numpy().copy()
    optim.LBFGS([p]).step(_closure(p, quadratic))
    assert np.array_equal(p.detach().numpy(), before)


def test_lbfgs_needs_a_closure_and_a_single_group():
    p = tt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([p]).step(None)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [p]}, {"params": [tt.tensor([1.0], requires_grad=True)]}])


def test_several_parameters_are_flattened_together():
    a, b = tt.tensor([-1.2, 1.0], requires_grad=True), tt.tensor([[0.5]], requires_grad=True)
    opt = optim.LBFGS([a, b], line_search_fn="strong_wolfe", max_iter=100, **TIGHT)

    def closure():
        x = np.concatenate([a.detach().numpy(), b.detach().numpy().ravel()])
        loss, grad = rosenbrock(x)
        a.grad, b.grad = tt.tensor(grad[:2]), tt.tensor(grad[2:].reshape(1, 1))
        return tt.tensor(loss)

    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(np.concatenate([a.detach().numpy(), b.detach().numpy().ravel()]), np.ones(3),
                               atol=1e-6)
