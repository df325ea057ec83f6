"""Recurrent layers RNN/LSTM/GRU (multi-layer, bidirectional, PackedSequence) and their single-step cells.

Parameters carry PyTorch's names (weight_ih_l0, bias_hh_l1_reverse, weight_hr_l0 for LSTM projections) and
gate layouts, so PyTorch state_dicts load unchanged. Each direction precomputes the input projection for all
steps with one matmul, then runs the hidden-to-hidden recurrence step by step with Tensor ops (autograd for free).
"""

import math
import numbers
import warnings

import torsh_functional as F
from torsh_core.errors import TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_tensor import cat, empty, stack, zeros

from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ._rnn_steps import GATES, STEPS
from .module import Module


class RNNBase(Module):
    """The layers × directions stack shared by RNN, LSTM and GRU; ``mode`` picks the cell."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1):
            raise TorshValueError("dropout should be a number in range [0, 1] representing the probability of an "
                                  "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        _check_type("bias", bias, bool)
        _check_type("batch_first", batch_first, bool)
        _check_type("input_size", input_size, int)
        if input_size <= 0:
            raise TorshValueError("input_size must be greater than zero")
        _check_type("hidden_size", hidden_size, int)
        if hidden_size <= 0:
            raise TorshValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise TorshValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise TorshValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise TorshValueError("proj_size has to be smaller than hidden_size")
        if mode not in GATES:
            raise TorshValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(empty(shape, device=device, dtype=dtype)))
                    names.append(name + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """PyTorch packs weights into one buffer for cuDNN; torsh keeps them separate, so nothing to do."""

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- argument checks ------------------------------------------------------------------------------------
    def _hidden_sizes(self, batch):
        """Expected shapes of h0 (and c0 for LSTM)."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (layers, batch, real_hidden), (layers, batch, self.hidden_size)

    def _check_input(self, input, packed):
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise TorshValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                                  f"Convert input: input.to({weight_dtype}), or convert model: model.to({input.dtype})")
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise TorshRuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise TorshRuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                                    f"{input.size(-1)}")

    def forward(self, input, hx=None):
        is_lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = [int(b) for b in batch_sizes_t.tolist()]
            batch = batch_sizes[0]
            is_batched = True
            if hx is not None and sorted_indices is not None:
                hx = tuple(h.index_select(1, sorted_indices) for h in hx) if is_lstm else hx.index_select(
                    1, sorted_indices)
        else:
            name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)
            if input.dim() not in (2, 3):
                tail = " tensor instead" if name == "RNN" else " instead"
                raise TorshValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
            hx = self._batched_hidden(hx, is_batched, is_lstm)
            if self.batch_first:
                input = input.transpose(0, 1)
            steps, batch = input.shape[0], input.shape[1]
            batch_sizes = [batch] * steps
            data = input.reshape((steps * batch, input.shape[2]))
        self._check_input(data if packed else input, packed)
        h_size, c_size = self._hidden_sizes(batch)
        if hx is None:
            h0 = zeros(h_size, dtype=data.dtype, device=data.device)
            hx = (h0, zeros(c_size, dtype=data.dtype, device=data.device)) if is_lstm else h0
        elif is_lstm:
            _check_hidden(hx[0], h_size, "Expected hidden[0] size {}, got {}")
            _check_hidden(hx[1], c_size, "Expected hidden[1] size {}, got {}")
        else:
            _check_hidden(hx, h_size, "Expected hidden size {}, got {}")
        states = hx if is_lstm else (hx,)
        out, finals = self._run(data, batch_sizes, states)
        if packed:
            if unsorted_indices is not None:
                finals = tuple(f.index_select(1, unsorted_indices) for f in finals)
            output = PackedSequence(out, batch_sizes_t, sorted_indices, unsorted_indices)
        else:
            output = out.reshape((len(batch_sizes), batch, out.shape[-1]))
            if self.batch_first:
                output = output.transpose(0, 1)
            if not is_batched:
                output = output.squeeze(batch_dim)
                finals = tuple(f.squeeze(1) for f in finals)
        return output, (finals if is_lstm else finals[0])

    def _batched_hidden(self, hx, is_batched, is_lstm):
        """Validate hx's rank against the input's and add the batch dim for unbatched input."""
        if hx is None:
            return None
        want = 3 if is_batched else 2
        if is_lstm:
            if hx[0].dim() != want or hx[1].dim() != want:
                kind = "batched 3-D" if is_batched else "unbatched 2-D"
                raise TorshRuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                        f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            return hx if is_batched else (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        if hx.dim() != want:
            kind = "batched 3-D" if is_batched else "unbatched 2-D"
            raise TorshRuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")
        return hx if is_batched else hx.unsqueeze(1)

    # -- computation ----------------------------------------------------------------------------------------
    def _run(self, data, batch_sizes, states):
        """All layers and directions over time-major flat rows ``data``; returns (last layer's rows, final states)."""
        step = STEPS[self.mode]
        directions = 2 if self.bidirectional else 1
        offsets = [0]
        for b in batch_sizes[:-1]:
            offsets.append(offsets[-1] + b)
        finals = [[] for _ in states]
        x = data
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                index = layer * directions + direction
                params = [getattr(self, name) for name in self._all_weights[index]]
                w_ih, w_hh = params[0], params[1]
                b_ih, b_hh = (params[2], params[3]) if self.bias else (None, None)
                w_hr = params[-1] if self.proj_size > 0 else None
                gi = F.linear(x, w_ih, b_ih)
                state0 = tuple(s[index] for s in states)
                run = _run_backward_in_time if direction == 1 else _run_forward_in_time
                out, final = run(step, gi, offsets, batch_sizes, state0, (w_hh, b_hh, w_hr))
                outs.append(out)
                for k, f in enumerate(final):
                    finals[k].append(f)
            x = outs[0] if directions == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, tuple(stack(f) for f in finals)


def _run_forward_in_time(step, gi, offsets, batch_sizes, state0, weights):
    """Steps t = 0..T-1; rows that end early (packed input) leave their final state behind."""
    active = batch_sizes[0]
    state = tuple(s[:active] for s in state0)
    done = []
    outputs = []
    for start, size in zip(offsets, batch_sizes):
        if size < active:
            done.append(tuple(s[size:active] for s in state))
            state = tuple(s[:size] for s in state)
            active = size
        state = step(gi[start:start + size], state, *weights)
        outputs.append(state[0])
    done.append(state)
    pieces = done[::-1]
    final = pieces[0] if len(pieces) == 1 else tuple(cat([p[k] for p in pieces]) for k in range(len(state)))
    return _join(outputs), final


def _run_backward_in_time(step, gi, offsets, batch_sizes, state0, weights):
    """Steps t = T-1..0; rows join (from their initial state) when their sequences begin, counted from the end."""
    active = 0
    state = None
    outputs = [None] * len(batch_sizes)
    for t in range(len(batch_sizes) - 1, -1, -1):
        size = batch_sizes[t]
        if size > active:
            fresh = tuple(s[active:size] for s in state0)
            state = fresh if state is None else tuple(cat([a, b]) for a, b in zip(state, fresh))
            active = size
        state = step(gi[offsets[t]:offsets[t] + size], state, *weights)
        outputs[t] = state[0]
    return _join(outputs), state


def _join(outputs):
    return outputs[0] if len(outputs) == 1 else cat(outputs)


def _check_type(name, value, kind):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TorshTypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")


def _check_hidden(hx, expected, msg):
    if tuple(hx.shape) != expected:
        raise TorshRuntimeError(msg.format(expected, list(hx.shape)))


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise TorshValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity not in ("tanh", "relu"):
            raise TorshValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory; returns (output, (h_n, c_n)); proj_size > 0 projects h with weight_hr."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (PyTorch's variant: the reset gate multiplies W_hn h + b_hn)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise TorshValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """weight_ih (chunks*hidden, input), weight_hh (chunks*hidden, hidden) and biases, U(-1/sqrt(h), 1/sqrt(h))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += f", bias={self.bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, mode, input, state):
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        return STEPS[mode](gi, state, self.weight_hh, self.bias_hh)

    def _prepare(self, input, hx, name, what="hidden"):
        """(batched input, batched hidden tensors or None, is_batched) with PyTorch's rank checks."""
        if input.dim() not in (1, 2):
            raise TorshValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        hidden = hx if isinstance(hx, tuple) else (hx,)
        for idx, h in enumerate(hidden):
            if h is not None and h.dim() not in (1, 2):
                label = f"hx[{idx}]" if isinstance(hx, tuple) else what
                raise TorshValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            return input, None, is_batched
        return input, tuple(h if is_batched else h.unsqueeze(0) for h in hidden), is_batched

    def _zeros(self, input):
        return zeros((input.size(0), self.hidden_size), dtype=input.dtype, device=input.device)


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, hidden, is_batched = self._prepare(input, hx, "RNNCell")
        h = hidden[0] if hidden is not None else self._zeros(input)
        if self.nonlinearity not in ("tanh", "relu"):
            raise TorshRuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        (out,) = self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, (h,))
        return out if is_batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, hidden, is_batched = self._prepare(input, hx, "LSTMCell")
        if hidden is None:
            hidden = (self._zeros(input), self._zeros(input))
        h, c = self._step("LSTM", input, hidden)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, hidden, is_batched = self._prepare(input, hx, "GRUCell")
        h = hidden[0] if hidden is not None else self._zeros(input)
        (out,) = self._step("GRU", input, (h,))
        return out if is_batched else out.squeeze(0)
