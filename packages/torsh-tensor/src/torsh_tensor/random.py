"""Random numbers: a seedable Generator (NumPy's PCG64) and the global default one behind torsh.manual_seed.

Streams are reproducible within torsh, but differ from PyTorch's (different algorithms).
"""

import numpy as np
from torsh_core import config
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_core.shape import check_shape

from ._tensor import Tensor, _wrap
from .creation import _to_device


class Generator:
    """A random number generator with PyTorch's interface (manual_seed, seed, get_state/set_state)."""

    def __init__(self, device="cpu"):
        self.device = device
        self.manual_seed(67280421310721)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= (1 << 64) - 1
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator state as a uint8 tensor (round-trips through set_state)."""
        import json

        state = self._rng.bit_generator.state
        blob = json.dumps({"seed": self._seed, "state": _jsonable(state)}).encode()
        return _wrap(np.frombuffer(blob, dtype=np.uint8).copy())

    def set_state(self, new_state):
        import json

        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TorshTypeError("set_state expects a torsh.ByteTensor (from get_state())")
        try:
            data = json.loads(new_state._cpu_array().tobytes().decode())
            self._seed = data["seed"]
            self._rng.bit_generator.state = data["state"]
        except (ValueError, KeyError, TypeError) as e:
            raise TorshRuntimeError(f"invalid generator state: {e}") from None
        return self

    def __repr__(self):
        return f"<torsh.Generator object at {id(self):#x}>"


def _jsonable(state):
    if isinstance(state, dict):
        return {k: _jsonable(v) for k, v in state.items()}
    if isinstance(state, np.integer):
        return int(state)
    return state


default_generator = Generator()


def _rng(generator):
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TorshTypeError(f"generator must be a torsh.Generator, got {type(generator).__name__}")
    return generator._rng


def manual_seed(seed):
    """Seed the default generator so runs are reproducible."""
    default_generator.manual_seed(seed)  # CUDA tensors draw from it too (sampled on the host, then moved)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _float_dtype(dtype):
    dtype = dtype or config.get_default_dtype()
    if not (dtype.is_floating_point or dtype.is_complex):
        raise TorshNotImplementedError(f"\"check_uniform_bounds\" not implemented for '{dtype.name}'")
    return dtype


def _finish(arr, dtype, device, requires_grad):
    t = _wrap(_to_device(arr.astype(dtype.np, copy=False), device))
    return t.requires_grad_() if requires_grad else t


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    dtype = _float_dtype(dtype)
    shape = check_shape(size)
    return _finish(_rng(generator).random(shape, dtype=np.float64 if dtype.itemsize > 4 else np.float32), dtype,
                   device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    dtype = _float_dtype(dtype)
    shape = check_shape(size)
    return _finish(_rng(generator).standard_normal(shape, dtype=np.float64 if dtype.itemsize > 4 else np.float32),
                   dtype, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    if size is None:
        if high is None or isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TorshTypeError("randint() missing required argument 'size'")
    if not isinstance(size, (tuple, list)):
        raise TorshTypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    if high is None:
        low, high = 0, low
    if low >= high:
        raise TorshRuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    from torsh_core import dtypes as _dt

    dtype = dtype or _dt.int64
    arr = _rng(generator).integers(low, high, size=check_shape((tuple(size),)), dtype=np.int64)
    return _finish(arr, dtype, device, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    from torsh_core import dtypes as _dt

    if n < 0:
        raise TorshRuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return _finish(_rng(generator).permutation(n).astype(np.int64), dtype or _dt.int64, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Samples with the given mean(s) and std(s); tensors broadcast like PyTorch."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        if np.any(np.asarray(s) < 0):
            raise TorshRuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        ref = mean if isinstance(mean, Tensor) else std
        arr = _rng(generator).standard_normal(shape) * s + m
        return _finish(np.asarray(arr), ref.dtype, ref.device, False)
    if size is None:
        raise TorshTypeError("normal() with float mean and std requires 'size'")
    if std < 0:
        raise TorshRuntimeError(f"normal expects std >= 0.0, but found std {std}")
    dtype = _float_dtype(dtype)
    arr = _rng(generator).standard_normal(check_shape((tuple(size),))) * std + mean
    return _finish(arr, dtype, device, requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None):
    probs = input._data if p is None else np.broadcast_to(np.asarray(p), input._data.shape)
    if np.any((probs < 0) | (probs > 1)):
        raise TorshRuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    arr = (_rng(generator).random(input._data.shape) < probs).astype(input._data.dtype)
    return _wrap(_to_device(arr, input.device))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Sample category indices from (rows of) non-negative weights."""
    probs = np.asarray(input._cpu_array(), dtype=np.float64)
    if probs.ndim not in (1, 2):
        raise TorshRuntimeError("prob_dist must be 1 or 2 dim")
    if np.any(probs < 0) or not np.all(np.isfinite(probs)):
        raise TorshRuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(-1, probs.shape[-1])
    n_cat = rows.shape[1]
    if not replacement and num_samples > n_cat:
        raise TorshRuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if num_samples <= 0:
        raise TorshRuntimeError("cannot sample n_sample <= 0 samples")
    rng = _rng(generator)
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(rows):
        total = row.sum()
        if total <= 0:
            raise TorshRuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and np.count_nonzero(row) < num_samples:
            raise TorshRuntimeError("invalid multinomial distribution (with replacement=False, not enough "
                                    "non-negative category to sample)")
        out[i] = rng.choice(n_cat, size=num_samples, replace=replacement, p=row / total)
    if probs.ndim == 1:
        out = out[0]
    return _wrap(_to_device(out, input.device))


def poisson(input, generator=None):
    return _wrap(_to_device(_rng(generator).poisson(input._cpu_array()).astype(input._data.dtype), input.device))


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device)


# in-place samplers ------------------------------------------------------------------------------------------------
def _fill_(self, arr):
    from .ops._inplace import check_inplace_allowed

    if self._rg and self.grad_fn is None:
        from torsh_autograd.grad_mode import is_grad_enabled

        if is_grad_enabled():
            check_inplace_allowed(self)
    self._data[...] = _to_device(np.asarray(arr).astype(self._data.dtype, copy=False), self.device)
    self._version[0] += 1
    return self


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    return _fill_(self, _rng(generator).uniform(a, b, self._data.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if std < 0:
        raise TorshRuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill_(self, _rng(generator).standard_normal(self._data.shape) * std + mean)


def bernoulli_(self, p=0.5, *, generator=None):
    probs = p._data if isinstance(p, Tensor) else p
    return _fill_(self, _rng(generator).random(self._data.shape) < probs)


def exponential_(self, lambd=1.0, *, generator=None):
    return _fill_(self, _rng(generator).exponential(1.0 / lambd, self._data.shape))


def geometric_(self, p, *, generator=None):
    return _fill_(self, _rng(generator).geometric(p, self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    return _fill_(self, _rng(generator).lognormal(mean, std, self._data.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    return _fill_(self, median + sigma * _rng(generator).standard_cauchy(self._data.shape))


def random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        if self.is_floating_point():
            to = 2 ** min(np.finfo(self._data.dtype).nmant + 1, 63) if self._data.dtype.kind == "f" else 2 ** 24
        else:
            to = int(np.iinfo(self._data.dtype).max) + 1 if self._data.dtype != np.bool_ else 2
    if from_ >= to:
        raise TorshValueError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    return _fill_(self, _rng(generator).integers(from_, to, self._data.shape))
