"""torsh.save / torsh.load without pickle: tensor data in the safetensors format, the object's structure as JSON.

A checkpoint is a valid ``.safetensors`` file. Each tensor is one safetensors entry named after where it sits in
the saved object (``fc.weight``, ``state.0.exp_avg``); the header's ``__metadata__`` holds a format marker, the
object's structure as JSON, and a sha256 over structure and tensor bytes that ``load`` checks. Loading only
parses JSON and copies bytes, so it never runs code from the file. ``save_file`` / ``load_file`` read and write
plain ``.safetensors`` files, interchangeable with the ``safetensors`` library (numpy and torch flavours).

Differences from torch.save: views are stored as independent copies (the same tensor object reached twice is
stored once and loads as one object); tensor subclasses (nn.Parameter) load as plain tensors with their
``requires_grad``; complex tensors are stored as (real, imag) pairs in a trailing axis of a real entry; a
map_location function receives a CPU tensor rather than a storage; ``mmap=True`` and pickle options raise
TorshNotImplementedError.
"""

import hashlib
import json
import math
import os
import secrets
from collections import Counter, OrderedDict

import numpy as np
import safetensors
import safetensors.numpy
from torsh_core import dtypes as _dt
from torsh_core.device import device as _device
from torsh_core.errors import (
    DeviceError,
    SerializationError,
    TorshNotImplementedError,
    TorshRuntimeError,
    TorshTypeError,
    TorshValueError,
)
from torsh_core.shape import Size

from ._tensor import Tensor, _wrap

__all__ = ["load", "load_file", "save", "save_file"]

_FORMAT_KEY, _FORMAT = "torsh.format", "checkpoint-v1"
_STRUCTURE_KEY, _DIGEST_KEY = "torsh.structure", "torsh.sha256"

# safetensors dtype codes torsh has a dtype for (F8*, U16/U32/U64 have none)
_CODES = {
    "BOOL": _dt.bool, "U8": _dt.uint8, "I8": _dt.int8, "I16": _dt.int16, "I32": _dt.int32, "I64": _dt.int64,
    "F16": _dt.float16, "BF16": _dt.bfloat16, "F32": _dt.float32, "F64": _dt.float64, "C64": _dt.complex64,
}
_CODE_OF = {d.np: code for code, d in _CODES.items()}
_DICTS = {dict: "dict", OrderedDict: "OrderedDict", Counter: "Counter"}
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_ZIP_MAGIC, _PICKLE_MAGIC = b"PK\x03\x04", b"\x80"


# -- public API ------------------------------------------------------------------------------------------------
def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write ``obj`` (tensors, state_dicts: nested dict/list/tuple of tensors, numbers, str, None) to ``f``.

    ``f`` is a path (written atomically: a temporary file in the same folder, then ``os.replace``) or a binary
    file object. Tensors that are views of one another are stored as independent copies; the same tensor object
    reached twice is stored once and loads as one object. ``.grad`` is not saved; ``requires_grad`` is.
    """
    if pickle_module is not None:
        raise TorshNotImplementedError("torsh.save never pickles, so pickle_module is not supported (leave it None)")
    _write(f, _encode(obj))


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read an object written by ``torsh.save``; a damaged, truncated or foreign file raises SerializationError.

    ``map_location`` moves tensors as torch.load does: None (back to the saved device), 'cpu'/'cuda'/a device,
    a dict {saved location: new location} of strings, or ``fn(cpu_tensor, saved_location)`` returning a tensor
    (or None for the default). ``weights_only`` is accepted either way: loading never runs code from the file.
    """
    if pickle_module is not None:
        raise TorshNotImplementedError("torsh.load never unpickles, so pickle_module is not supported (leave it None)")
    if mmap:
        raise TorshNotImplementedError("torsh.load(mmap=True) is not supported: tensors are always read into memory")
    if pickle_load_args:
        raise TorshNotImplementedError(f"torsh.load never unpickles, so {sorted(pickle_load_args)} do not apply")
    _check_map_location(map_location)
    entries, meta = _parse(_read(f))
    if meta.get(_FORMAT_KEY) != _FORMAT:
        if _FORMAT_KEY in meta:
            raise SerializationError(f"unsupported torsh checkpoint format {meta[_FORMAT_KEY]!r} "
                                     f"(expected {_FORMAT!r})")
        raise SerializationError("this is a plain .safetensors file, not a torsh checkpoint: read it with "
                                 "torsh.serialization.load_file")
    structure, digest = meta.get(_STRUCTURE_KEY), meta.get(_DIGEST_KEY)
    if not isinstance(structure, str) or not isinstance(digest, str):
        raise SerializationError("torsh checkpoint header lacks its structure or checksum")
    if _digest(structure, entries) != digest:
        raise SerializationError("torsh checkpoint is corrupted: its sha256 does not match the one stored at save "
                                 "time (the file was altered or damaged)")
    try:
        return _Reader(entries, map_location).node(json.loads(structure))
    except (json.JSONDecodeError, _Malformed, RecursionError) as e:
        raise SerializationError(f"torsh checkpoint structure is malformed: {e}") from None


def save_file(tensors, filename, metadata=None):
    """Write a {name: tensor} dict as a plain .safetensors file (what ``safetensors.torch.save_file`` writes)."""
    if not isinstance(tensors, dict):
        raise TorshTypeError(f"save_file expects a dict of tensors, got {type(tensors).__name__}")
    if metadata is not None and not (isinstance(metadata, dict)
                                     and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TorshTypeError("save_file: metadata must be a dict of str to str")
    arrays = {}
    for name, t in tensors.items():
        if not isinstance(name, str) or not isinstance(t, Tensor):
            raise TorshTypeError(f"save_file expects str keys and Tensor values, got {name!r}: {type(t).__name__}")
        if t.dtype is _dt.complex128:
            raise TorshTypeError(f"tensor {name!r}: the safetensors format has no complex128 dtype")
        arrays[name] = _contiguous(t._cpu_array())
    _atomic_write(os.fspath(filename), safetensors.numpy.save(arrays, metadata=metadata))


def load_file(filename, device="cpu"):
    """Read a plain .safetensors file (any writer) into a {name: tensor} dict on ``device``."""
    target = _device(device) if not isinstance(device, int) else _device("cuda", device)
    entries, _ = _parse(_read(os.fspath(filename)))
    return {name: _wrap(_array(name, *entry)).to(target) for name, entry in entries.items()}


# -- writing ---------------------------------------------------------------------------------------------------
def _encode(obj):
    """The checkpoint bytes of ``obj``: structure and checksum in the header, tensors as entries."""
    writer = _Writer()
    structure = json.dumps(writer.node(obj, ()), allow_nan=False, separators=(",", ":"))
    entries = {name: (_CODE_OF[a.dtype], a.shape, _bytes(a)) for name, a in writer.arrays.items()}
    meta = {_FORMAT_KEY: _FORMAT, _STRUCTURE_KEY: structure, _DIGEST_KEY: _digest(structure, entries)}
    return safetensors.numpy.save(writer.arrays, metadata=meta)


class _Writer:
    """Turns an object into a JSON tree; tensors become named arrays referenced from the tree."""

    def __init__(self):
        self.arrays = {}
        self._tensors = {}  # id(tensor) -> its tree node (the same tensor twice is stored once)
        self._open = set()  # ids of the containers on the current path (cycle check)

    def node(self, obj, path):
        kind = type(obj)
        if obj is None or kind in (bool, int, str):
            return obj
        if kind is float:
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, Tensor):
            return self._tensor(obj, path)
        if kind in (list, tuple, Size) or kind in _DICTS:
            return self._container(obj, kind, path)
        if kind is complex:
            return {"complex": [self.node(obj.real, path), self.node(obj.imag, path)]}
        if kind is _dt.dtype:
            return {"dtype": obj.name}
        if kind is _device:
            return {"device": str(obj)}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biufc":
            return self.node(obj.item(), path)  # NumPy scalars load back as Python numbers
        raise TorshTypeError(
            f"torsh.save can't store an object of type {kind.__module__}.{kind.__qualname__} (at {_where(path)}): "
            "only tensors, dict/OrderedDict/Counter, list, tuple, int, float, complex, bool, str, None, dtype and "
            "device are supported"
        )

    def _container(self, obj, kind, path):
        if id(obj) in self._open:
            raise TorshValueError(f"torsh.save can't store a container that contains itself (at {_where(path)})")
        self._open.add(id(obj))
        try:
            if kind in _DICTS:
                return {_DICTS[kind]: [[self.node(k, path), self.node(v, (*path, k))] for k, v in obj.items()]}
            items = [self.node(v, (*path, i)) for i, v in enumerate(obj)]
            return items if kind is list else {kind.__name__: items}
        finally:
            self._open.discard(id(obj))

    def _tensor(self, t, path):
        known = self._tensors.get(id(t))
        if known is not None:
            return known
        arr = _contiguous(t._cpu_array())
        if arr.dtype.kind == "c":  # safetensors has no complex128: store (real, imag) pairs in a last axis
            arr = np.stack([arr.real, arr.imag], axis=-1)
        name = self._name(path)
        self.arrays[name] = arr
        node = {"tensor": {"name": name, "dtype": t.dtype.name, "device": str(t.device),
                           "requires_grad": t.requires_grad}}
        self._tensors[id(t)] = node
        return node

    def _name(self, path):
        base = ".".join(str(k) for k in path) or "tensor"
        name, n = base, 1
        while name in self.arrays or name == "__metadata__":
            n += 1
            name = f"{base}#{n}"
        return name


def _where(path):
    return "obj" + "".join(f"[{k!r}]" for k in path)


def _contiguous(arr):
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


def _bytes(arr):
    """The raw bytes of a C-contiguous array as a flat uint8 view (works for bfloat16 and 0-d arrays)."""
    return arr.reshape(-1).view(np.uint8)


def _digest(structure, entries):
    """sha256 over the structure JSON and every entry's name, dtype, shape and bytes, in name order."""
    h = hashlib.sha256(structure.encode())
    for name in sorted(entries):
        code, shape, data = entries[name]
        h.update(json.dumps([name, code, list(shape), len(data)]).encode())
        h.update(data)
    return h.hexdigest()


def _write(f, data):
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TorshTypeError(f"f must be a path or a binary file object, got {type(f).__name__}")


def _atomic_write(path, data):
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``: never a half-written file."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise TorshRuntimeError(f"Parent directory {folder} does not exist.")
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- reading ---------------------------------------------------------------------------------------------------
def _read(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    if hasattr(f, "read"):
        data = f.read()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TorshTypeError(f"expected a file opened in binary mode, but read() returned {type(data).__name__}")
        return bytes(data)
    raise TorshTypeError(f"f must be a path or a binary file object, got {type(f).__name__}")


def _parse(buf):
    """{name: (dtype code, shape, bytes)} and the header metadata of safetensors bytes; SerializationError if bad."""
    try:
        entries = {name: (e["dtype"], tuple(e["shape"]), e["data"]) for name, e in safetensors.deserialize(buf)}
    except Exception as e:  # the Rust parser raises SafetensorError (an Exception) for every malformed input
        if buf[:4] == _ZIP_MAGIC or buf[:1] == _PICKLE_MAGIC:
            raise SerializationError("this looks like a PyTorch (pickle) checkpoint; torsh never unpickles. Convert "
                                     "it in PyTorch with safetensors.torch.save_file(state_dict, path) and read that "
                                     "with torsh.serialization.load_file") from None
        raise SerializationError(f"not a valid checkpoint: truncated or damaged safetensors data "
                                 f"({len(buf)} bytes; {e})") from None
    header_len = int.from_bytes(buf[:8], "little")
    try:
        meta = json.loads(buf[8:8 + header_len]).get("__metadata__") or {}
    except (ValueError, AttributeError) as e:
        raise SerializationError(f"safetensors header is not a JSON object: {e}") from None
    if not isinstance(meta, dict):
        raise SerializationError("safetensors __metadata__ is not a JSON object")
    return entries, meta


def _array(name, code, shape, data):
    """A writable NumPy array over one entry's bytes."""
    dtype = _CODES.get(code)
    if dtype is None:
        raise TorshNotImplementedError(f"tensor {name!r} has safetensors dtype {code}, which torsh has no dtype for")
    arr = np.frombuffer(data, dtype=dtype.np).reshape(shape)
    return arr if arr.flags.writeable else arr.copy()


class _Malformed(ValueError):
    """A structure that json parsed but torsh.save could not have written."""


def _expect(ok, what):
    if not ok:
        raise _Malformed(what)


class _Reader:
    """Rebuilds the saved object from its JSON tree and the safetensors entries."""

    def __init__(self, entries, map_location):
        self.entries = entries
        self.map_location = map_location
        self.tensors = {}  # entry name -> Tensor (one object per saved tensor)

    def node(self, node):
        kind = type(node)
        if node is None or kind in (bool, int, str, float):
            return node
        if kind is list:
            return [self.node(x) for x in node]
        _expect(kind is dict and len(node) == 1, f"unexpected node {str(node)[:80]}")
        ((tag, body),) = node.items()
        decode = getattr(self, "_" + tag, None) if tag in _TAGS else None
        _expect(decode is not None, f"unknown tag {tag!r}")
        return decode(body)

    def _items(self, body):
        _expect(type(body) is list, "container body is not a list")
        return [self.node(x) for x in body]

    def _tuple(self, body):
        return tuple(self._items(body))

    def _Size(self, body):
        items = self._items(body)
        _expect(all(type(x) is int for x in items), "Size holds non-integers")
        return Size(items)

    def _pairs(self, body, kind):
        _expect(type(body) is list and all(type(p) is list and len(p) == 2 for p in body), "bad mapping body")
        out = kind()
        for k, v in body:
            key = self.node(k)
            try:
                hash(key)
            except TypeError:
                raise _Malformed(f"unhashable mapping key {key!r}") from None
            out[key] = self.node(v)
        return out

    def _dict(self, body):
        return self._pairs(body, dict)

    def _OrderedDict(self, body):
        return self._pairs(body, OrderedDict)

    def _Counter(self, body):
        return self._pairs(body, Counter)

    def _float(self, body):
        _expect(body in _NON_FINITE, f"bad float {body!r}")
        return _NON_FINITE[body]

    def _complex(self, body):
        parts = self._items(body)
        _expect(len(parts) == 2 and all(type(x) in (int, float) for x in parts), "bad complex")
        return complex(*parts)

    def _dtype(self, body):
        _expect(type(body) is str and body in {d.name for d in _dt.ALL}, f"unknown dtype {body!r}")
        return _dt.by_name(body)

    def _device(self, body):
        _expect(type(body) is str, "bad device")
        try:
            return _device(body)
        except TorshRuntimeError as e:
            raise _Malformed(str(e)) from None

    def _tensor(self, spec):
        _expect(type(spec) is dict and set(spec) == {"name", "dtype", "device", "requires_grad"}, "bad tensor node")
        name = spec["name"]
        if name in self.tensors:
            return self.tensors[name]
        _expect(name in self.entries, f"tensor {name!r} is missing from the file")
        dtype = self._dtype(spec["dtype"])
        saved = self._device(spec["device"])
        _expect(type(spec["requires_grad"]) is bool, "bad requires_grad")
        arr = _array(name, *self.entries[name])
        if dtype.is_complex:
            _expect(arr.dtype == dtype.to_real().np and arr.shape[-1:] == (2,), f"tensor {name!r}: bad complex data")
            arr = np.ascontiguousarray(arr).view(dtype.np)[..., 0]
        _expect(arr.dtype == dtype.np, f"tensor {name!r} holds {arr.dtype} data, not {dtype.name}")
        t = self._place(_wrap(arr), saved)
        if spec["requires_grad"] and t.is_leaf:
            t.requires_grad_(True)
        self.tensors[name] = t
        return t

    def _place(self, t, saved):
        """Move a freshly read CPU tensor where ``map_location`` says."""
        where = self.map_location
        if callable(where):
            moved = where(t, str(saved))
            if moved is not None:
                if not isinstance(moved, Tensor):
                    raise TorshTypeError(f"map_location function must return a Tensor or None, got "
                                         f"{type(moved).__name__}")
                return moved
            where = None
        if isinstance(where, dict):
            where = where.get(str(saved), saved)
        target = saved if where is None else _device(where)
        try:
            return t.to(target)
        except DeviceError as e:
            if self.map_location is None and target.type == "cuda":
                raise DeviceError(f"this checkpoint holds tensors saved on {saved}, but {e}. To load them on the "
                                  "CPU, pass map_location='cpu' (or torsh.device('cpu')) to torsh.load") from None
            raise


_TAGS = {"tuple", "Size", "dict", "OrderedDict", "Counter", "float", "complex", "dtype", "device", "tensor"}


def _check_map_location(where):
    if where is None or callable(where) or isinstance(where, _device):
        return
    if isinstance(where, str):
        _device(where)
        return
    if isinstance(where, dict):
        for k, v in where.items():
            if not isinstance(k, str) or not isinstance(v, (str, _device)):
                raise TorshTypeError(f"map_location dict must map location strings to devices, got {k!r}: {v!r}")
            _device(v)
        return
    raise TorshTypeError(f"map_location must be None, a string, a device, a dict or a callable, "
                         f"got {type(where).__name__}")
