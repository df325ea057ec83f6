"""torsh.save / torsh.load: round trips of tensors and state_dicts, files and paths, map_location, bad input."""

import io
import math
import os
import pathlib
from collections import Counter, OrderedDict

import ml_dtypes
import numpy as np
import pytest
import safetensors
import safetensors.numpy
import torsh_tensor as tt
from torsh_core import dtypes as dt
from torsh_core.device import device
from torsh_core.errors import DeviceError, SerializationError
from torsh_core.shape import Size
from torsh_tensor import serialization

ALL_DTYPES = [dt.bool, dt.uint8, dt.int8, dt.int16, dt.int32, dt.int64, dt.float16, dt.bfloat16, dt.float32,
              dt.float64, dt.complex64, dt.complex128]


def _roundtrip(obj, **load_kwargs):
    buf = io.BytesIO()
    tt.save(obj, buf)
    buf.seek(0)
    return tt.load(buf, **load_kwargs)


def _values(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape) * 100
    if dtype.is_complex:
        x = x + 1j * rng.normal(size=shape)
    return np.asarray(x).astype(dtype.np)


def _same_bits(a, b):
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3, 4)])
def test_every_dtype_and_shape_round_trips_bit_for_bit(dtype, shape):
    arr = _values(dtype, shape)
    out = _roundtrip(tt.from_numpy(arr.copy()))
    assert out.dtype is dtype and tuple(out.shape) == shape
    assert _same_bits(out.numpy(), arr)


def test_special_float_values_survive():
    arr = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324], dtype=np.float64)
    assert _same_bits(_roundtrip(tt.from_numpy(arr.copy())).numpy(), arr)
    half = np.array([np.nan, np.inf, -0.0, 1e-8], dtype=ml_dtypes.bfloat16)
    assert _same_bits(_roundtrip(tt.from_numpy(half.copy())).numpy(), half)


def test_state_dict_structure_and_python_types_are_preserved():
    w = tt.from_numpy(_values(dt.float32, (3, 2)))
    obj = {
        "model": OrderedDict([("fc.weight", w), ("fc.bias", tt.zeros(2))]),
        "optimizer": {
            "state": {0: {"step": tt.tensor(3.0), "exp_avg": tt.ones(3, 2)}, 1: {}},
            "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "foreach": None,
                              "nesterov": False, "name": "group α"}],
        },
        "epoch": 7, "big": 2**80, "best": math.inf, "worst": -math.inf, "nan": math.nan, "z": 1 - 2j,
        "milestones": Counter({3: 1, 5: 2}), "dtype": dt.bfloat16, "device": device("cpu"), "shape": Size([2, 3]),
        "empty": ([], (), {}), "nested": [[[1, [2.5]]]], 0.5: "float key", (1, "a"): "tuple key", None: True,
    }
    out = _roundtrip(obj)
    assert type(out["model"]) is OrderedDict and list(out["model"]) == ["fc.weight", "fc.bias"]
    assert np.array_equal(out["model"]["fc.weight"].numpy(), w.numpy())
    opt = out["optimizer"]
    assert set(opt["state"]) == {0, 1} and opt["state"][1] == {}
    assert opt["state"][0]["step"].item() == 3.0 and opt["state"][0]["step"].dtype is dt.float32
    group = opt["param_groups"][0]
    assert group == {"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "foreach": None, "nesterov": False,
                     "name": "group α"}
    assert type(group["betas"]) is tuple and type(group["nesterov"]) is bool
    assert out["epoch"] == 7 and type(out["epoch"]) is int and out["big"] == 2**80
    assert out["best"] == math.inf and out["worst"] == -math.inf and math.isnan(out["nan"])
    assert out["z"] == 1 - 2j
    assert type(out["milestones"]) is Counter and out["milestones"] == Counter({3: 1, 5: 2})
    assert out["dtype"] is dt.bfloat16 and out["device"] == device("cpu")
    assert type(out["shape"]) is Size and out["shape"] == (2, 3)
    assert out["empty"] == ([], (), {}) and out["nested"] == [[[1, [2.5]]]]
    assert out[0.5] == "float key" and out[(1, "a")] == "tuple key" and out[None] is True


def test_plain_scalars_and_containers_at_top_level():
    for obj in (None, 3, 2.5, "text", [1, 2], (1, (2,)), {"a": None}, True):
        assert _roundtrip(obj) == obj


def test_numpy_scalars_load_as_python_numbers():
    out = _roundtrip({"lr": np.float64(0.5), "n": np.int64(4), "flag": np.bool_(True)})
    assert out == {"lr": 0.5, "n": 4, "flag": True}
    assert (type(out["lr"]), type(out["n"]), type(out["flag"])) == (float, int, bool)


def test_requires_grad_is_kept_and_grad_is_not_saved():
    w = tt.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    assert w.grad is not None
    out = _roundtrip({"w": w, "y": w * 2, "frozen": tt.tensor([1.0])})
    assert out["w"].requires_grad and out["w"].is_leaf and out["w"].grad is None
    assert out["y"].requires_grad and out["y"].is_leaf  # a non-leaf loads as a leaf, as in torch
    assert not out["frozen"].requires_grad


def test_the_same_tensor_twice_loads_as_one_object():
    t = tt.arange(4.0)
    out = _roundtrip({"a": t, "b": [t, t]})
    assert out["a"] is out["b"][0] is out["b"][1]


def test_views_load_with_their_values_as_independent_copies():
    base = tt.arange(12.0).reshape(3, 4)
    views = {"base": base, "row": base[1], "col": base[:, 2], "t": base.t(), "step": base[::2, ::3],
             "flat": base.reshape(-1)[3:7]}
    out = _roundtrip(views)
    for name, v in views.items():
        assert np.array_equal(out[name].numpy(), v.numpy()), name
        assert out[name].is_contiguous()
    out["row"].add_(100)
    assert np.array_equal(out["base"].numpy(), base.numpy())  # documented: views become copies


def test_saved_file_is_a_safetensors_file_named_by_key_path(tmp_path):
    path = tmp_path / "ckpt.pt"
    sd = {"fc.weight": tt.ones(2, 3), "state": {0: {"exp_avg": tt.zeros(3)}}, "items": [tt.tensor([1, 2])]}
    tt.save(sd, path)
    arrays = safetensors.numpy.load_file(str(path))
    assert set(arrays) == {"fc.weight", "state.0.exp_avg", "items.0"}
    assert np.array_equal(arrays["fc.weight"], np.ones((2, 3), np.float32))
    with safetensors.safe_open(str(path), framework="np") as f:
        assert f.metadata()["torsh.format"] == "checkpoint-v1"


def test_colliding_names_get_a_suffix():
    out = _roundtrip({"a.b": tt.tensor([1.0]), "a": {"b": tt.tensor([2.0])}, "__metadata__": tt.tensor([3.0])})
    assert [out["a.b"].item(), out["a"]["b"].item(), out["__metadata__"].item()] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("kind", ["str", "pathlib"])
def test_paths(tmp_path, kind):
    path = tmp_path / "x.pt"
    target = str(path) if kind == "str" else pathlib.Path(path)
    tt.save({"x": tt.arange(3)}, target)
    assert tt.load(target)["x"].tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["x.pt"]  # no temporary file left behind


def test_file_objects_read_from_the_current_position(tmp_path):
    with open(tmp_path / "f.bin", "wb") as f:
        f.write(b"preamble")
        tt.save([tt.ones(2)], f)
    with open(tmp_path / "f.bin", "rb") as f:
        f.read(8)
        assert tt.load(f)[0].tolist() == [1.0, 1.0]


def test_overwrite_is_atomic_when_encoding_fails(tmp_path):
    path = tmp_path / "ckpt.pt"
    tt.save({"v": 1}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        tt.save({"v": object()}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.pt"]


def test_overwrite_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    tt.save({"v": 1}, path)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        tt.save({"v": tt.ones(1000)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.pt"]


def test_new_file_gets_normal_permissions(tmp_path):
    path = tmp_path / "p.pt"
    tt.save(1, path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_missing_parent_directory(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory"):
        tt.save(1, tmp_path / "no" / "such" / "dir.pt")


def test_missing_file_and_directory_raise_os_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        tt.load(tmp_path / "missing.pt")
    with pytest.raises(IsADirectoryError):
        tt.load(tmp_path)


# -- unsupported input -------------------------------------------------------------------------------------------
class Custom:
    pass


@pytest.mark.parametrize("obj, where, typename", [
    (Custom(), "obj", "Custom"),
    ({"a": [1, {"b": Custom()}]}, "obj['a'][1]['b']", "Custom"),
    ({"state": {0: {"buf": np.zeros(2)}}}, "obj['state'][0]['buf']", "numpy.ndarray"),
    ([{1, 2}], "obj[0]", "set"),
    ({"f": len}, "obj['f']", "builtin_function_or_method"),
])
def test_unsupported_objects_name_type_and_key_path(obj, where, typename):
    with pytest.raises(TypeError, match=r"can't store an object of type .*" + typename) as info:
        _roundtrip(obj)
    assert f"(at {where})" in str(info.value)


def test_self_containing_container():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        _roundtrip({"x": loop})


def test_bad_f_and_pickle_options():
    with pytest.raises(TypeError, match="path or a binary file"):
        tt.save(1, 42)
    with pytest.raises(TypeError, match="path or a binary file"):
        tt.load(42)
    with pytest.raises(NotImplementedError, match="pickle"):
        tt.save(1, io.BytesIO(), pickle_module=object())
    with pytest.raises(NotImplementedError, match="pickle"):
        tt.load(io.BytesIO(), pickle_module=object())
    with pytest.raises(NotImplementedError, match="encoding"):
        tt.load(io.BytesIO(), encoding="latin1")
    with pytest.raises(NotImplementedError, match="mmap"):
        tt.load(io.BytesIO(), mmap=True)


def test_text_mode_file_is_rejected(tmp_path):
    tt.save(1, tmp_path / "a.pt")
    with open(tmp_path / "a.pt", encoding="latin-1") as f, pytest.raises(TypeError, match="binary mode"):
        tt.load(f)


def test_weights_only_is_accepted_either_way():
    assert _roundtrip({"x": 1}, weights_only=False) == {"x": 1}
    assert _roundtrip({"x": 1}, weights_only=True) == {"x": 1}


# -- map_location ------------------------------------------------------------------------------------------------
def _checkpoint_saved_on(location, obj):
    """Checkpoint bytes whose tensors claim to have been saved on ``location`` (to test CUDA remapping on a CPU)."""
    data = serialization._encode(obj)
    entries, meta = serialization._parse(data)
    structure = meta["torsh.structure"].replace('"device":"cpu"', f'"device":"{location}"')
    meta = dict(meta, **{"torsh.structure": structure, "torsh.sha256": serialization._digest(structure, entries)})
    arrays = {name: serialization._array(name, *e) for name, e in entries.items()}
    return io.BytesIO(safetensors.numpy.save(arrays, metadata=meta))


@pytest.mark.parametrize("where", ["cpu", device("cpu"), {"cpu": "cpu"}, {"cuda:1": "cuda:0"}, None])
def test_map_location_to_cpu(where):
    out = _roundtrip({"x": tt.arange(3.0, requires_grad=True)}, map_location=where)
    assert out["x"].device == device("cpu") and out["x"].requires_grad


def test_map_location_callable_gets_a_cpu_tensor_and_the_saved_location():
    seen = []

    def keep(t, location):
        seen.append((t.device, location))
        return t * 2

    out = tt.load(_checkpoint_saved_on("cuda:0", {"x": tt.ones(2)}), map_location=keep)
    assert seen == [(device("cpu"), "cuda:0")] and out["x"].tolist() == [2.0, 2.0]
    out = tt.load(_checkpoint_saved_on("cuda:0", {"x": tt.ones(2)}), map_location=lambda s, loc: s)
    assert out["x"].device == device("cpu")


def test_map_location_callable_must_return_a_tensor():
    with pytest.raises(TypeError, match="must return a Tensor"):
        _roundtrip({"x": tt.ones(1)}, map_location=lambda s, loc: 3)


def test_cuda_checkpoint_remapped_to_cpu():
    for where in ("cpu", {"cuda:0": "cpu"}, device("cpu")):
        out = tt.load(_checkpoint_saved_on("cuda:0", {"x": tt.ones(2, requires_grad=True)}), map_location=where)
        assert out["x"].device == device("cpu") and out["x"].requires_grad


def test_cuda_checkpoint_without_cuda_says_to_use_map_location():
    from torsh_backend import cuda_available

    if cuda_available():
        pytest.skip("a GPU is present, so the tensors load onto it")
    with pytest.raises(DeviceError, match="map_location='cpu'"):
        tt.load(_checkpoint_saved_on("cuda:0", {"x": tt.ones(2)}))


def test_bad_map_location():
    with pytest.raises(TypeError, match="map_location"):
        _roundtrip(1, map_location=3)
    with pytest.raises(TypeError, match="map_location dict"):
        _roundtrip(1, map_location={"cpu": 3})
    with pytest.raises(RuntimeError):
        _roundtrip(1, map_location="tpu")


def test_header_length_that_looks_like_a_pickle_opcode_still_loads():
    for n in range(300):
        buf = io.BytesIO()
        tt.save({"pad": "x" * n}, buf)
        if buf.getvalue()[0] == 0x80:
            buf.seek(0)
            assert tt.load(buf) == {"pad": "x" * n}
            return
    pytest.fail("no padding gave a header length whose first byte is 0x80")


# -- plain .safetensors files ------------------------------------------------------------------------------------
def test_save_file_load_file_round_trip(tmp_path):
    tensors = {name: tt.from_numpy(_values(d, (2, 3), seed=i)) for i, (name, d) in enumerate(
        [("b", dt.bool), ("u8", dt.uint8), ("i64", dt.int64), ("h", dt.float16), ("bf", dt.bfloat16),
         ("f", dt.float32), ("d", dt.float64), ("c", dt.complex64)])}
    tensors["strided"] = tt.arange(12.0).reshape(3, 4).t()
    tt.serialization.save_file(tensors, tmp_path / "m.safetensors", metadata={"format": "pt"})
    out = tt.serialization.load_file(tmp_path / "m.safetensors")
    assert set(out) == set(tensors)
    for name, t in tensors.items():
        assert out[name].dtype is t.dtype and _same_bits(out[name].numpy(), t.numpy()), name
    with safetensors.safe_open(str(tmp_path / "m.safetensors"), framework="np") as f:
        assert f.metadata() == {"format": "pt"}
        assert np.array_equal(f.get_tensor("d"), tensors["d"].numpy())


def test_load_file_reads_what_safetensors_numpy_writes(tmp_path):
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.array([1, -2], np.int8),
              "s": np.array(3.5), "m": np.array([True, False])}
    safetensors.numpy.save_file(arrays, str(tmp_path / "np.safetensors"))
    out = tt.serialization.load_file(str(tmp_path / "np.safetensors"))
    for name, arr in arrays.items():
        assert _same_bits(out[name].numpy(), arr), name


def test_load_file_rejects_dtypes_torsh_lacks(tmp_path):
    safetensors.numpy.save_file({"u": np.array([1, 2], np.uint16)}, str(tmp_path / "u.safetensors"))
    with pytest.raises(NotImplementedError, match="U16"):
        tt.serialization.load_file(tmp_path / "u.safetensors")


def test_load_file_of_damaged_file(tmp_path):
    (tmp_path / "bad.safetensors").write_bytes(b"\x10" + b"\0" * 7 + b"{")
    with pytest.raises(SerializationError):
        tt.serialization.load_file(tmp_path / "bad.safetensors")


def test_save_file_bad_input(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="dict of tensors"):
        tt.serialization.save_file([tt.ones(1)], path)
    with pytest.raises(TypeError, match="str keys and Tensor values"):
        tt.serialization.save_file({"a": 1.0}, path)
    with pytest.raises(TypeError, match="metadata"):
        tt.serialization.save_file({"a": tt.ones(1)}, path, metadata={"a": 1})
    with pytest.raises(TypeError, match="complex128"):
        tt.serialization.save_file({"a": tt.from_numpy(np.ones(1, np.complex128))}, path)
    assert not path.exists()
