"""RNG: reproducibility (manual_seed, Generator, get/set_rng_state) and sampler shapes, dtypes, ranges, errors."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_core import dtypes as dt


def test_manual_seed_reproduces_every_sampler():
    def draw():
        return [T.rand(3).tolist(), T.randn(2).tolist(), T.randint(0, 100, (4,)).tolist(), T.randperm(6).tolist(),
                T.normal(0.0, 1.0, (2,)).tolist(), T.bernoulli(T.full((5,), 0.5)).tolist(),
                T.multinomial(T.tensor([0.2, 0.3, 0.5]), 2).tolist()]

    T.manual_seed(1234)
    first = draw()
    T.manual_seed(1234)
    assert draw() == first
    T.manual_seed(4321)
    assert draw() != first


def test_manual_seed_returns_the_default_generator_and_sets_initial_seed():
    g = T.manual_seed(7)
    assert g is T.default_generator and T.initial_seed() == 7


def test_generators_are_independent_of_the_global_stream():
    g1, g2 = T.Generator().manual_seed(5), T.Generator().manual_seed(5)
    T.manual_seed(0)
    a = T.rand(4, generator=g1).tolist()
    T.rand(10)
    b = T.rand(4, generator=g2).tolist()
    assert a == b
    assert g1.initial_seed() == 5


def test_get_and_set_rng_state_round_trip():
    T.manual_seed(99)
    state = T.get_rng_state()
    assert state.dtype is dt.uint8
    a = T.randn(5).tolist()
    T.set_rng_state(state)
    assert T.randn(5).tolist() == a
    g = T.Generator().manual_seed(3)
    s = g.get_state()
    x = T.rand(3, generator=g).tolist()
    g.set_state(s)
    assert T.rand(3, generator=g).tolist() == x


def test_set_rng_state_rejects_bad_states():
    with pytest.raises(TypeError):
        T.set_rng_state([1, 2])
    with pytest.raises(RuntimeError, match="invalid generator state"):
        T.set_rng_state(T.tensor([1, 2, 3], dtype=dt.uint8))


def test_seed_gives_a_fresh_nonnegative_seed():
    s = T.seed()
    assert isinstance(s, int) and s >= 0 and T.initial_seed() == s


def test_rand_and_randn_shapes_dtypes_ranges():
    T.manual_seed(0)
    r = T.rand(1000)
    assert r.dtype is dt.float32 and 0 <= r.min().item() and r.max().item() < 1
    assert T.rand(2, 3).shape == (2, 3) and T.rand((2, 3)).shape == (2, 3)
    assert T.rand(2, dtype=dt.float64).dtype is dt.float64 and T.rand(2, dtype=dt.float16).dtype is dt.float16
    n = T.randn(20000, dtype=dt.float64)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05
    assert T.rand(2, requires_grad=True).requires_grad
    with pytest.raises(NotImplementedError, match="not implemented for 'int64'"):
        T.rand(2, dtype=dt.int64)
    with pytest.raises(TypeError):
        T.rand(3, generator=5)


def test_randint():
    T.manual_seed(0)
    x = T.randint(3, 7, (1000,))
    assert x.dtype is dt.int64 and x.min().item() == 3 and x.max().item() == 6
    assert T.randint(10, (2, 2)).shape == (2, 2)
    assert T.randint(3, 5, (4,), dtype=dt.int32).dtype is dt.int32
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        T.randint(5, 5, (2,))
    with pytest.raises(TypeError):
        T.randint(0, 10)
    with pytest.raises(TypeError):
        T.randint(0, 10, 3)


def test_randperm():
    p = T.randperm(50)
    assert p.dtype is dt.int64 and sorted(p.tolist()) == list(range(50))
    assert T.randperm(0).shape == (0,)
    assert T.randperm(4, dtype=dt.float32).dtype is dt.float32
    with pytest.raises(RuntimeError, match="negative"):
        T.randperm(-1)


def test_normal_forms():
    T.manual_seed(0)
    x = T.normal(2.0, 3.0, (20000,))
    assert x.dtype is dt.float32 and abs(x.mean().item() - 2) < 0.1 and abs(x.std().item() - 3) < 0.1
    assert T.normal(T.zeros(3), 1.0).shape == (3,)
    assert T.normal(T.zeros(3), T.ones(2, 1)).shape == (2, 3)
    assert T.normal(T.zeros(3, dtype=dt.float64), 1.0).dtype is dt.float64
    far = T.normal(T.tensor([100.0, -100.0]), T.tensor([0.0, 0.0]))
    assert far.tolist() == [100.0, -100.0]
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        T.normal(0.0, -1.0, (2,))
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        T.normal(T.zeros(2), -1.0)
    with pytest.raises(TypeError):
        T.normal(0.0, 1.0)


def test_bernoulli():
    T.manual_seed(0)
    b = T.bernoulli(T.full((2000,), 0.3))
    assert b.dtype is dt.float32 and set(np.unique(b.numpy())) <= {0.0, 1.0}
    assert abs(b.mean().item() - 0.3) < 0.05
    assert T.bernoulli(T.ones(3, dtype=dt.float64)).tolist() == [1.0, 1.0, 1.0]
    assert T.bernoulli(T.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    assert T.ones(4).bernoulli(0.0).tolist() == [0.0] * 4
    with pytest.raises(RuntimeError, match="p_in >= 0 && p_in <= 1"):
        T.bernoulli(T.full((3,), 1.5))


def test_multinomial():
    T.manual_seed(0)
    w = T.tensor([0.0, 1.0, 3.0])
    s = T.multinomial(w, 2000, replacement=True)
    assert s.dtype is dt.int64 and s.shape == (2000,) and 0 not in s.tolist()
    frac = (s == 2).float().mean().item()
    assert abs(frac - 0.75) < 0.05
    no_rep = T.multinomial(T.tensor([1.0, 1.0, 1.0, 1.0]), 4)
    assert sorted(no_rep.tolist()) == [0, 1, 2, 3]
    assert T.multinomial(T.tensor([[0.2, 0.8], [0.5, 0.5]]), 2).shape == (2, 2)


@pytest.mark.parametrize("weights, n, kwargs, match", [
    ([-0.2, 0.8], 1, {}, "probability tensor contains"),
    ([float("nan"), 0.8], 1, {}, "probability tensor contains"),
    ([0.0, 0.0], 1, {}, "invalid multinomial distribution"),
    ([0.2, 0.8], 3, {}, "cannot sample n_sample > prob_dist.size"),
    ([0.2, 0.8], 0, {}, "cannot sample n_sample <= 0"),
])
def test_multinomial_errors(weights, n, kwargs, match):
    with pytest.raises(RuntimeError, match=match):
        T.multinomial(T.tensor(weights), n, **kwargs)


def test_multinomial_needs_1d_or_2d():
    with pytest.raises(RuntimeError, match="1 or 2 dim"):
        T.multinomial(T.ones(2, 2, 2), 1)


def test_like_samplers_and_in_place_samplers():
    assert T.rand_like(T.ones(2, dtype=dt.float64)).dtype is dt.float64
    assert T.randn_like(T.ones(2, 3)).shape == (2, 3)
    assert T.randint_like(T.ones(2, dtype=dt.int32), 3, 9).dtype is dt.int32
    x = T.empty(1000).uniform_(2, 3)
    assert 2 <= x.min().item() and x.max().item() < 3
    assert T.empty(1000).normal_(5, 0.1).mean().item() == pytest.approx(5, abs=0.05)
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        T.empty(3).normal_(0, -1)
    e = T.empty(500).exponential_(2.0)
    assert e.min().item() >= 0
    r = T.empty(100, dtype=dt.int64).random_(0, 3)
    assert set(r.tolist()) <= {0, 1, 2}


def test_in_place_sampler_on_leaf_requiring_grad_raises():
    x = T.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.uniform_()
