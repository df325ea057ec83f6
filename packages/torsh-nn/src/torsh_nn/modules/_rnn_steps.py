"""One time step of each recurrent cell, from the input projection ``gi = x W_ih^T + b_ih`` already computed.

Gate order follows PyTorch so its checkpoints load: LSTM (i, f, g, o), GRU (r, z, n).
"""

import torsh_functional as F


def _hidden_proj(h, w_hh, b_hh):
    return F.linear(h, w_hh, b_hh)


def rnn_tanh_step(gi, state, w_hh, b_hh, w_hr=None):
    (h,) = state
    return ((gi + _hidden_proj(h, w_hh, b_hh)).tanh(),)


def rnn_relu_step(gi, state, w_hh, b_hh, w_hr=None):
    (h,) = state
    return (F.relu(gi + _hidden_proj(h, w_hh, b_hh)),)


def lstm_step(gi, state, w_hh, b_hh, w_hr=None):
    h, c = state
    i, f, g, o = (gi + _hidden_proj(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def gru_step(gi, state, w_hh, b_hh, w_hr=None):
    (h,) = state
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = _hidden_proj(h, w_hh, b_hh).chunk(3, -1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return ((1 - z) * n + z * h,)


STEPS = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "LSTM": lstm_step, "GRU": gru_step}
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
