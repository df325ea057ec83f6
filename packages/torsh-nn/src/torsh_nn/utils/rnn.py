"""Variable-length batches for RNNs: PackedSequence, pack/pad helpers (differentiable, built on Tensor ops)."""

from collections import namedtuple

import numpy as np
from torsh_core.errors import TorshRuntimeError, TorshValueError
from torsh_tensor import Tensor, cat, from_numpy, full, stack, tensor


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Time-major concatenation of the valid steps of a batch of sequences sorted by decreasing length.

    ``batch_sizes[t]`` is how many sequences are still running at step t; ``sorted_indices`` maps the
    packed order back to the caller's batch order (``unsorted_indices`` is its inverse).
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            raise TorshValueError("PackedSequence needs batch_sizes; build it with pack_padded_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """Move/cast ``data``; the indices follow data's device, batch_sizes stays on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = lambda t: None if t is None else t.to(data.device)
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        return self.to("cuda", *args, **kwargs)

    def cpu(self):
        return self.to("cpu")

    def double(self):
        return self.to(dtype=self.data.double().dtype)

    def float(self):
        return self.to(dtype=self.data.float().dtype)

    def half(self):
        return self.to(dtype=self.data.half().dtype)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def invert_permutation(permutation):
    """The permutation p' with p'[p[i]] = i."""
    if permutation is None:
        return None
    out = np.empty(permutation.numel(), dtype=np.int64)
    out[permutation.numpy(force=True)] = np.arange(permutation.numel())
    return from_numpy(out).to(permutation.device)


def _lengths_array(lengths):
    arr = np.asarray(lengths.numpy(force=True) if isinstance(lengths, Tensor) else lengths, dtype=np.int64)
    if arr.ndim != 1:
        raise TorshValueError(f"lengths must be a 1-D sequence of ints, got shape {tuple(arr.shape)}")
    return arr


def _valid_steps(steps, lengths):
    """(steps, batch) mask of the steps each sequence really has."""
    return np.arange(steps)[:, None] < lengths[None, :]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``(T, B, *)`` (or ``(B, T, *)``) given each sequence's length."""
    lengths = _lengths_array(lengths)
    if lengths.size and lengths.min() <= 0:
        raise TorshRuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                                "that is <= 0")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise TorshRuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if "
                "you do not need ONNX exportability."
            )
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = from_numpy(order).to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lengths.size != batch:
        raise TorshValueError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                              f"(batch_size={batch})")
    if lengths.size and lengths[0] > steps:
        raise TorshRuntimeError(f"Expected sequence length to be smaller than or equal to {steps}, but got "
                                f"{lengths[0]}")
    valid = _valid_steps(int(lengths[0]), lengths)
    positions, batch_sizes = np.flatnonzero(valid), valid.sum(axis=1).astype(np.int64)
    flat = input.reshape((steps * batch,) + tuple(input.shape[2:]))
    data = flat.index_select(0, from_numpy(positions).to(input.device))
    return PackedSequence(data, from_numpy(batch_sizes), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded batch, lengths) in the caller's original batch order."""
    data, batch_sizes = sequence.data, sequence.batch_sizes.numpy(force=True)
    steps, batch = len(batch_sizes), int(batch_sizes[0])
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1).astype(np.int64)
    if total_length is not None:
        if total_length < steps:
            raise TorshValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {steps}"
            )
        steps = total_length
    valid = _valid_steps(steps, lengths)
    source = np.full(steps * batch, data.shape[0], dtype=np.int64)  # the appended padding row
    source[np.flatnonzero(valid)] = np.arange(data.shape[0])
    pad_row = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded = cat([data, pad_row]).index_select(0, from_numpy(source).to(data.device))
    padded = padded.reshape((steps, batch) + tuple(data.shape[1:]))
    lengths_t = from_numpy(lengths)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths_t = lengths_t[sequence.unsorted_indices.cpu()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths_t


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths ``(L_i, *)`` into ``(max L, B, *)`` (or ``(B, max L, *)``)."""
    if padding_side not in ("left", "right"):
        raise TorshValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise TorshRuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            pad = full((missing,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, pad] if padding_side == "right" else [pad, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of unpadded sequences (inverse of pad_sequence)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences.unbind(0), _lengths_array(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences ``(L_i, *)`` (sorted by decreasing length unless enforce_sorted=False)."""
    lengths = tensor([s.shape[0] for s in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
