"""A truncated, altered or foreign file makes torsh.load raise SerializationError (a RuntimeError), never crash."""

import io
import json

import numpy as np
import pytest
import safetensors.numpy
import torsh_tensor as tt
from torsh_core.errors import SerializationError
from torsh_tensor import serialization


def _checkpoint():
    buf = io.BytesIO()
    tt.save({"w": tt.arange(6.0).reshape(2, 3), "step": tt.tensor(4), "lr": 0.01,
             "groups": [{"betas": (0.9, 0.999)}], "z": tt.from_numpy(np.array([1 + 2j]))}, buf)
    return buf.getvalue()


def _load(data):
    return tt.load(io.BytesIO(data))


def _header_end(data):
    return 8 + int.from_bytes(data[:8], "little")


def test_intact_checkpoint_loads():
    assert _load(_checkpoint())["lr"] == 0.01


def test_serialization_error_is_a_runtime_error():
    assert issubclass(SerializationError, RuntimeError)


def test_truncation_at_every_offset():
    data = _checkpoint()
    for cut in range(len(data)):
        with pytest.raises(SerializationError):
            _load(data[:cut])


def test_trailing_bytes():
    with pytest.raises(SerializationError):
        _load(_checkpoint() + b"\0")


@pytest.mark.parametrize("mask", [0x01, 0x20, 0x80, 0xFF])
def test_any_flipped_byte_is_detected(mask):
    data = _checkpoint()
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= mask
        with pytest.raises(SerializationError):
            _load(bytes(bad))


def test_changed_tensor_value_fails_the_checksum():
    data = bytearray(_checkpoint())
    data[_header_end(data) + 3] ^= 0x10
    with pytest.raises(SerializationError, match="sha256"):
        _load(bytes(data))


def _rewrite(data, edit, digest=True):
    """Checkpoint bytes with the metadata edited (and, by default, a recomputed, valid checksum)."""
    entries, meta = serialization._parse(data)
    meta = dict(meta)
    edit(meta)
    if digest and "torsh.structure" in meta:
        meta["torsh.sha256"] = serialization._digest(meta["torsh.structure"], entries)
    arrays = {name: serialization._array(name, *e) for name, e in entries.items()}
    return safetensors.numpy.save(arrays, metadata=meta)


def test_wrong_magic():
    data = _rewrite(_checkpoint(), lambda m: m.update({"torsh.format": "checkpoint-v9"}))
    with pytest.raises(SerializationError, match="unsupported torsh checkpoint format"):
        _load(data)


def test_plain_safetensors_file_points_to_load_file(tmp_path):
    data = safetensors.numpy.save({"a": np.zeros(2, np.float32)})
    with pytest.raises(SerializationError, match="load_file"):
        _load(data)


def test_structure_edit_without_checksum_update():
    def edit(meta):
        meta["torsh.structure"] = meta["torsh.structure"].replace("0.01", "0.02")

    with pytest.raises(SerializationError, match="sha256"):
        _load(_rewrite(_checkpoint(), edit, digest=False))


def test_missing_structure_or_checksum():
    for key in ("torsh.structure", "torsh.sha256"):
        with pytest.raises(SerializationError, match="lacks"):
            _load(_rewrite(_checkpoint(), lambda m, k=key: m.pop(k), digest=False))


@pytest.mark.parametrize("structure", [
    "not json",
    '{"unknown": 1}',
    '{"dict": 3}',
    '{"dict": [[[1], 2]]}',
    '{"float": "1.5"}',
    '{"complex": [1]}',
    '{"dtype": "float128"}',
    '{"device": "tpu"}',
    '{"Size": [1.5]}',
    '{"a": 1, "b": 2}',
    '{"tensor": {"name": "nope", "dtype": "float32", "device": "cpu", "requires_grad": false}}',
    '{"tensor": {"name": "w", "dtype": "int64", "device": "cpu", "requires_grad": false}}',
    '{"tensor": {"name": "w", "dtype": "complex64", "device": "cpu", "requires_grad": false}}',
    '{"tensor": {"name": "w", "dtype": "float32", "device": "cpu", "requires_grad": 1}}',
    '{"tensor": {"name": "w"}}',
    "[" * 5000 + "]" * 5000,
], ids=lambda s: s[:40])
def test_malformed_structure_with_valid_checksum(structure):
    data = _rewrite(_checkpoint(), lambda m: m.update({"torsh.structure": structure}))
    with pytest.raises(SerializationError, match="malformed"):
        _load(data)


@pytest.mark.parametrize("data", [
    b"",
    b"\0" * 7,
    b"hello world, this is text and not a checkpoint at all",
    bytes(range(256)) * 4,
    (2**63).to_bytes(8, "little") + b"{}",
    (2).to_bytes(8, "little") + b"[]",
    (2).to_bytes(8, "little") + b"{}",
])
def test_foreign_bytes(data):
    with pytest.raises(SerializationError):
        _load(data)


@pytest.mark.parametrize("data", [b"PK\x03\x04" + b"\0" * 100, b"\x80\x04\x95" + b"\0" * 100])
def test_pytorch_pickle_checkpoints_are_refused_with_a_hint(data):
    with pytest.raises(SerializationError, match="never unpickles"):
        _load(data)


def test_metadata_that_is_not_an_object():
    data = _checkpoint()
    header = json.loads(data[8:_header_end(data)])
    header["__metadata__"] = ["x"]
    raw = json.dumps(header).encode()
    with pytest.raises(SerializationError):
        _load(len(raw).to_bytes(8, "little") + raw + data[_header_end(data):])
