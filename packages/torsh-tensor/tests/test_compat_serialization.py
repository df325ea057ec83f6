"""Files move between torsh and PyTorch through safetensors: torch's safetensors.torch reads and writes them."""

import numpy as np
import pytest
import torsh_tensor as tt
from torsh_core import dtypes as dt

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

PAIRS = [(torch.bool, dt.bool), (torch.uint8, dt.uint8), (torch.int8, dt.int8), (torch.int16, dt.int16),
         (torch.int32, dt.int32), (torch.int64, dt.int64), (torch.float16, dt.float16),
         (torch.bfloat16, dt.bfloat16), (torch.float32, dt.float32), (torch.float64, dt.float64),
         (torch.complex64, dt.complex64)]


def _torch_tensors():
    g = torch.Generator().manual_seed(0)
    out = {}
    for tdtype, _ in PAIRS:
        x = torch.randn(3, 4, generator=g, dtype=torch.float64) * 50
        out[str(tdtype)] = (x + 1j * x.flip(0)).to(tdtype) if tdtype.is_complex else x.to(tdtype)
    out["scalar"] = torch.tensor(2.5)
    out["empty"] = torch.zeros(0, 3)
    return out


def _bits_equal(t_torch, t_torsh):
    a = t_torch.contiguous().view(torch.uint8).numpy() if t_torch.dim() else t_torch.reshape(1).view(
        torch.uint8).numpy()
    return a.tobytes() == np.ascontiguousarray(t_torsh.numpy()).tobytes()


def test_torsh_reads_torch_safetensors(tmp_path):
    tensors = _torch_tensors()
    st_torch.save_file(tensors, str(tmp_path / "t.safetensors"), metadata={"format": "pt"})
    out = tt.serialization.load_file(tmp_path / "t.safetensors")
    for (tdtype, dtype) in PAIRS:
        assert out[str(tdtype)].dtype is dtype
    for name, t in tensors.items():
        assert tuple(out[name].shape) == tuple(t.shape) and _bits_equal(t, out[name]), name


def test_torch_reads_torsh_safetensors(tmp_path):
    source = _torch_tensors()
    st_torch.save_file(source, str(tmp_path / "t.safetensors"))
    tensors = tt.serialization.load_file(tmp_path / "t.safetensors")
    tt.serialization.save_file(tensors, tmp_path / "back.safetensors")
    back = st_torch.load_file(str(tmp_path / "back.safetensors"))
    for name, t in source.items():
        assert back[name].dtype == t.dtype and torch.equal(back[name], t), name


def test_torch_reads_a_torsh_checkpoint_of_a_flat_state_dict(tmp_path):
    sd = {"fc.weight": tt.randn(4, 3), "fc.bias": tt.zeros(4), "bn.num_batches_tracked": tt.tensor(7)}
    tt.save(sd, tmp_path / "model.pt")
    loaded = st_torch.load_file(str(tmp_path / "model.pt"))
    assert set(loaded) == set(sd)
    for name, t in sd.items():
        assert np.array_equal(loaded[name].numpy(), t.numpy()), name
