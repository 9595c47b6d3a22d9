"""A manual LSTM unroll with the trained ``nn.LSTM`` weights, exposing the gates and the cell.

PyTorch's LSTM (gate order i, f, g, o in the stacked weights)::

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)        input gate
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)        forget gate
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)     candidate
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)        output gate
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                       cell state (the long memory)
    h_t = o_t ⊙ tanh(c_t)                                 hidden state (what is read out)

So f ≈ 1 keeps the old cell, i ≈ 1 writes the candidate into it, o ≈ 0 hides the cell from h.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn


@dataclass
class LSTMSteps:
    hidden: np.ndarray  # (T, H) h_t after each step
    cell: np.ndarray  # (T, H) c_t
    input_gate: np.ndarray  # (T, H) i_t
    forget_gate: np.ndarray  # (T, H) f_t
    output_gate: np.ndarray  # (T, H) o_t
    candidate: np.ndarray  # (T, H) g_t


@torch.inference_mode()
def unroll(lstm: nn.LSTM, x: torch.Tensor, reverse: bool = False) -> LSTMSteps:
    """Run one direction of a single-layer LSTM step by step.

    Args:
        lstm: the trained module (its weights are read, not changed).
        x: inputs (T, I) for one sequence.
        reverse: run the backward direction of a bidirectional LSTM (reads x_T first); the
            results are returned in sentence order either way.

    Returns:
        Hidden states, cell states and gates at every step, as numpy arrays.
    """
    H = lstm.hidden_size
    sfx = "_reverse" if reverse else ""
    w_ih, w_hh = getattr(lstm, f"weight_ih_l0{sfx}"), getattr(lstm, f"weight_hh_l0{sfx}")  # (4H, ·)
    b = getattr(lstm, f"bias_ih_l0{sfx}") + getattr(lstm, f"bias_hh_l0{sfx}")  # (4H,)
    gi_all = x @ w_ih.T + b  # (T, 4H): the input part of every step at once
    if reverse:
        gi_all = gi_all.flip(0)
    h = torch.zeros(H, dtype=x.dtype)
    c = torch.zeros(H, dtype=x.dtype)
    out: dict[str, list] = {k: [] for k in ("h", "c", "i", "f", "o", "g")}
    for gi in gi_all:
        gates = gi + w_hh @ h  # (4H,)
        i = torch.sigmoid(gates[:H])
        f = torch.sigmoid(gates[H : 2 * H])
        g = torch.tanh(gates[2 * H : 3 * H])
        o = torch.sigmoid(gates[3 * H :])
        c = f * c + i * g
        h = o * torch.tanh(c)
        for k, v in zip("hcifog", (h, c, i, f, o, g), strict=True):
            out[k].append(v)

    def stack(v):
        if not v:
            return np.zeros((0, H), np.float32)
        a = torch.stack(v)
        return (a.flip(0) if reverse else a).numpy()

    return LSTMSteps(*(stack(out[k]) for k in ("h", "c", "i", "f", "o", "g")))
