"""Graph shapes the engine must handle: very deep chains, diamonds, and multi-output ops with unused outputs."""

import numpy as np
import torsh_tensor as T
from torsh_autograd import grad


def test_ten_thousand_chained_ops_do_not_hit_the_recursion_limit(close):
    x = T.tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    close(x.grad, [1.0001 ** 10_000], rtol=1e-9)


def test_deep_graph_is_freed_without_recursion_error():
    x = T.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y + 1
    del y  # dropping the last reference releases the whole chain


def test_diamond_sums_both_paths(close):
    x = T.tensor([2.0], requires_grad=True)
    a = x * 3
    b = a.exp()
    c = a * a
    (b + c).sum().backward()
    close(x.grad, [3 * np.exp(6.0) + 2 * 6 * 3])


def test_wide_fan_in(close):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    total = sum((x * k for k in range(100)), T.zeros(2))
    total.sum().backward()
    close(x.grad, [4950, 4950])


def test_unbind_with_unused_outputs(close):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    rows = x.unbind(0)
    (rows[1] * 2).sum().backward()
    close(x.grad, [[0, 0], [2, 2], [0, 0]])


def test_split_with_some_outputs_used(close):
    x = T.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
    a, b, c = x.split(2)
    (a.sum() + (c * 3).sum()).backward()
    close(x.grad, [1, 1, 0, 0, 3])
    assert b.grad_fn is a.grad_fn


def test_multi_output_double_backward(close):
    x = T.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    a, b = x.split([1, 2])
    (g,) = grad((a ** 3).sum() + (b ** 2).sum(), x, create_graph=True)
    close(g, [3, 4, 6])
    (gg,) = grad(g.sum(), x)
    close(gg, [6, 2, 2])


def test_chunk_outputs_used_in_different_order(close):
    x = T.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    p, q = x.chunk(2)
    (q * 10 + p).sum().backward()
    close(x.grad, [1, 1, 10, 10])


def test_graph_is_released_when_output_is_dropped():
    import gc
    import weakref

    x = T.tensor([1.0], requires_grad=True)
    y = x * 2
    node = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert node() is None
