"""Attributions and memory curves for every RNN family member (``nets.family.MEMBERS``).

The same quantities as ``nets.attribution`` computes for the attention GRU, for any member:

- :func:`text_attributions`: LayerIntegratedGradients through the embedding layer, from the
  all-``<pad>`` baseline to the sentence, of the log-odds logit₊ − logit₋, summed over the
  embedding dimension: one signed value per token (per word for the by-words members). The
  values add up to f(sentence) − f(baseline) up to the integral's quadrature error.
- :func:`memory_curves`: ‖∂state/∂x_t‖ (how much token t's embedding still moves the reader's
  final state) and ‖∂(logit₊ − logit₋)/∂x_t‖ (how much it still moves the decision). The final
  state is h_T for one direction (the LSTM's h_T, not its cell); a bidirectional member has two
  readers, so two state curves: the forward reader's h→_T and the backward reader's h←₁ (it
  reads from the end, so its memory fades toward the sentence's end, not its start).

Hooks (captum's layer methods) run on a private copy of the model per call; the gradient
measurements use the shared model (inputs get gradients, weights do not).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from .analyze import encode
from .family import MEMBERS
from .registry import load_model

IG_STEPS = 32


def _check(model: str) -> None:
    if model not in MEMBERS:
        raise ValueError(f"{model!r} is not an RNN family member")


def _log_odds(net: torch.nn.Module):
    def forward(ids):  # (B, T) → (B,)
        z = net(ids, torch.ones_like(ids, dtype=torch.bool))
        return z[:, 1] - z[:, 0]

    return forward


def text_attributions(text: str, model: str = "text_gru") -> np.ndarray:
    """Signed token attributions of logit₊ − logit₋ for ``model`` (Integrated Gradients).

    Args:
        text: the sentence (validated and tokenised as ``analyze_text(text, model)`` does).
        model: a family member.

    Returns:
        (T,) one value per token the member reads; > 0 pushes toward "positive".
    """
    _check(model)
    from captum.attr import LayerIntegratedGradients  # ≈ 1 s of import, on first use only

    enc = encode(text, model)
    net = copy.deepcopy(load_model(model))  # LayerIntegratedGradients hooks the embedding
    ids = torch.tensor([enc.token_ids])
    lig = LayerIntegratedGradients(_log_odds(net), net.embedding)
    a = lig.attribute(ids, baselines=torch.full_like(ids, net.cfg.pad_id), n_steps=IG_STEPS)
    return a.sum(-1)[0].detach().numpy().astype(np.float32)


def text_log_odds(text: str, model: str = "text_gru") -> tuple[float, float]:
    """(logit₊ − logit₋) on the sentence and on its all-``<pad>`` baseline (the two ends of the
    path :func:`text_attributions` integrates along)."""
    _check(model)
    enc = encode(text, model)
    net = load_model(model)
    ids = torch.tensor([enc.token_ids])
    with torch.inference_mode():
        both = _log_odds(net)(torch.cat([ids, torch.full_like(ids, net.cfg.pad_id)]))
    return float(both[0]), float(both[1])


@dataclass
class MemberMemory:
    """Two answers to "how much does token t still matter at the end?" for one member.

    Attributes:
        model: the member.
        tokens: what it reads.
        state: (T,) ‖∂h_T/∂x_t‖_F (the forward reader's final state h→_T when bidirectional).
        decision: (T,) ‖∂(logit₊ − logit₋)/∂x_t‖₂.
        state_backward: (T,) bidirectional only: ‖∂h←₁/∂x_t‖_F, the backward reader's final
            state (after reading the sentence from its end back to token 1).
    """

    model: str
    tokens: list[str]
    state: np.ndarray
    decision: np.ndarray
    state_backward: np.ndarray | None = None

    def ratio_first_last(self) -> tuple[float, float]:
        """(state, decision) of the first token divided by those of the last token."""

        def r(v: np.ndarray) -> float:
            return float(v[0] / v[-1]) if v[-1] > 0 else float("nan")

        return r(self.state), r(self.decision)


def _final_state_norms(net: torch.nn.Module, emb: torch.Tensor, backward: bool) -> np.ndarray:
    """‖∂s/∂x_t‖_F for each t, s = the reader's final state; one vectorised Jacobian. emb: (T, E)."""
    H = net.cfg.hidden

    def final(e):  # (T, E) → (H,)
        out = net.gru(e[None])[0][0]  # (T, H·dirs)
        return out[0, H:] if backward else out[-1, :H]

    with torch.enable_grad():
        jac = torch.autograd.functional.jacobian(final, emb, vectorize=True)  # (H, T, E)
    return jac.pow(2).sum(dim=(0, 2)).sqrt().numpy().astype(np.float32)


def memory_curves(text: str, model: str = "text_gru") -> MemberMemory:
    """Both memory curves (three for a bidirectional member) for one sentence, from autograd.

    Cost: one vectorised Jacobian per reader and one backward pass of the log-odds.

    Raises:
        InputError: the sentence cannot be read.
    """
    _check(model)
    enc = encode(text, model)
    net = load_model(model)
    with torch.no_grad():
        emb = net.embedding(torch.tensor([enc.token_ids]))[0]  # (T, E)
    state = _final_state_norms(net, emb, backward=False)
    back = _final_state_norms(net, emb, backward=True) if MEMBERS[model].bidirectional else None
    with torch.enable_grad():
        e = emb.clone().requires_grad_(True)
        z = net.trace_embedded(e[None])["logits"][0]  # eval mode: no dropout
        (grad,) = torch.autograd.grad(z[1] - z[0], e)  # (T, E)
    decision = grad.norm(dim=1).numpy().astype(np.float32)
    return MemberMemory(model, list(enc.tokens), state, decision, back)
