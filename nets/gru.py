"""A manual GRU unroll with the trained ``nn.GRU`` weights, exposing the gates.

PyTorch's GRU (gate order r, z, n in the stacked weights)::

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

So z ≈ 1 keeps the old memory and z ≈ 0 overwrites it with the candidate n_t.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn


@dataclass
class GRUSteps:
    hidden: np.ndarray  # (T, H) h_t after each step
    update_gate: np.ndarray  # (T, H) z_t
    reset_gate: np.ndarray  # (T, H) r_t
    candidate: np.ndarray  # (T, H) n_t


@torch.inference_mode()
def unroll(
    gru: nn.GRU, x: torch.Tensor, h0: torch.Tensor | None = None, reverse: bool = False
) -> GRUSteps:
    """Run one direction of a single-layer GRU step by step.

    Args:
        gru: the trained module (its weights are read, not changed).
        x: inputs (T, I) for one sequence.
        h0: initial state (H,), zeros by default.
        reverse: run the backward direction of a bidirectional GRU (its ``*_reverse`` weights,
            reading x_T first); the results are returned in sentence order either way, so
            ``hidden[t]`` is h←_t, the state after reading tokens T..t.

    Returns:
        Hidden states and gates at every step, as numpy arrays.
    """
    H = gru.hidden_size
    sfx = "_reverse" if reverse else ""
    w_ih, w_hh = getattr(gru, f"weight_ih_l0{sfx}"), getattr(gru, f"weight_hh_l0{sfx}")
    b_ih, b_hh = getattr(gru, f"bias_ih_l0{sfx}"), getattr(gru, f"bias_hh_l0{sfx}")  # (3H,)
    gi_all = x @ w_ih.T + b_ih  # (T, 3H): the input part of every step at once
    if reverse:
        gi_all = gi_all.flip(0)
    h = torch.zeros(H, dtype=x.dtype) if h0 is None else h0
    hs, zs, rs, ns = [], [], [], []
    for gi in gi_all:
        gh = w_hh @ h + b_hh  # (3H,)
        r = torch.sigmoid(gi[:H] + gh[:H])
        z = torch.sigmoid(gi[H : 2 * H] + gh[H : 2 * H])
        n = torch.tanh(gi[2 * H :] + r * gh[2 * H :])
        h = (1 - z) * n + z * h
        hs.append(h)
        zs.append(z)
        rs.append(r)
        ns.append(n)

    def stack(v):
        if not v:
            return np.zeros((0, H), np.float32)
        a = torch.stack(v)
        return (a.flip(0) if reverse else a).numpy()

    return GRUSteps(stack(hs), stack(zs), stack(rs), stack(ns))
