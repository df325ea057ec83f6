"""default_collate / default_convert: how a list of samples becomes one batch, exactly as torch.utils.data does.

``collate(batch, collate_fn_map=...)`` is the extensible core: ``collate_fn_map`` maps a type (or tuple of types)
to ``fn(batch, *, collate_fn_map)``; ``default_collate_fn_map`` holds the defaults for users to copy and extend.
"""

import collections.abc
import copy
import functools
import re

import numpy as np
from torsh_core import dtypes
from torsh_core.errors import TorshRuntimeError, TorshTypeError
from torsh_tensor import Tensor, as_tensor, stack, tensor

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

# NumPy dtype codes that cannot become tensors: byte and unicode strings, objects.
_NOT_NUMERIC = re.compile(r"[SaUO]")

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _rebuild_like(sample, items):
    """A container like ``sample`` holding ``items``: a copy when mutable, its type when that takes a sequence,
    otherwise a plain list/dict (what PyTorch falls back to)."""
    if isinstance(sample, collections.abc.Mapping):
        try:
            if isinstance(sample, collections.abc.MutableMapping):
                clone = copy.copy(sample)
                clone.update(items)
                return clone
            return type(sample)(items)
        except TypeError:
            return dict(items)
    try:
        if isinstance(sample, collections.abc.MutableSequence):
            clone = copy.copy(sample)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(sample)(items)
    except TypeError:
        return list(items)


def default_convert(data):
    """NumPy arrays and scalars to tensors (sharing memory), recursively through containers; the rest as is.

    Used instead of default_collate when automatic batching is off (``batch_size=None``).
    """
    if isinstance(data, Tensor):
        return data
    kind = type(data)
    if kind.__module__ == "numpy" and kind.__name__ not in ("str_", "string_", "bytes_"):
        if isinstance(data, np.ndarray) and _NOT_NUMERIC.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_like(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return kind(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_like(data, [default_convert(d) for d in data])
    return data


def collate(batch, *, collate_fn_map=None):
    """Batch a list of samples: per-type functions from ``collate_fn_map`` first (exact type, then isinstance),
    then containers field by field (dicts by key, namedtuples, sequences: tuples give lists)."""
    sample = batch[0]
    if collate_fn_map is not None:
        fn = collate_fn_map.get(type(sample))
        if fn is None:
            fn = next((f for kinds, f in collate_fn_map.items() if isinstance(sample, kinds)), None)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
    recurse = functools.partial(collate, collate_fn_map=collate_fn_map)
    if isinstance(sample, collections.abc.Mapping):
        return _rebuild_like(sample, {key: recurse([d[key] for d in batch]) for key in sample})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(recurse(field) for field in zip(*batch)))
    if isinstance(sample, collections.abc.Sequence):
        size = len(sample)
        if any(len(s) != size for s in batch):
            raise TorshRuntimeError("each element in list of batch should be of equal size")
        fields = [recurse(field) for field in zip(*batch)]
        return fields if isinstance(sample, tuple) else _rebuild_like(sample, fields)
    raise TorshTypeError(_ERROR.format(type(sample)))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack along a new first dimension (sizes must agree: RuntimeError naming them otherwise)."""
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    if _NOT_NUMERIC.search(batch[0].dtype.str):
        raise TorshTypeError(_ERROR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """A 1-D tensor whose dtype is the promotion of the scalars' own dtypes (np.float32 scalars stay float32)."""
    dtype = functools.reduce(dtypes.promote_types, (dtypes.from_numpy(np.asarray(b).dtype) for b in batch))
    return tensor(np.asarray(batch, dtype=dtype.np))


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats become float64, whatever the default dtype (as in PyTorch)."""
    return tensor(batch, dtype=dtypes.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints become int64 (bools, being ints, become a bool tensor)."""
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Stack a list of samples into a batch: tensors/arrays/numbers along a new first dim, containers by field."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
