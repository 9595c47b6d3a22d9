"""Captum attributions and gradient measurements, safe on shared models.

Methods that register hooks on a module (LayerGradCam, LayerIntegratedGradients) run on a
private copy of the model made for that call, so two sessions attributing at once can never
see each other's hooks. Hook-free methods (Saliency, IntegratedGradients, Occlusion) use the
shared model directly; a fresh captum object is made per call (they keep state).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from .analyze import encode, image_tensor
from .family import MEMBERS
from .registry import load_model
from .stats import spearman

IG_STEPS = 32
IMAGE_METHODS = ("saliency", "integrated_gradients", "grad_cam", "occlusion")
SIGNED_METHODS = ("integrated_gradients", "occlusion")  # saliency is |gradient|, Grad-CAM a ReLU


def _captum():
    """captum.attr, imported on first use (it costs ~1 s of the app's cold start)."""
    import captum.attr

    return captum.attr


def _private(name: str) -> torch.nn.Module:
    """A copy of a shared model for one call that registers hooks."""
    return copy.deepcopy(load_model(name))


# ----------------------------------------------------------------------------- image


def image_attributions(
    input28: np.ndarray, target: int, methods: tuple[str, ...] = IMAGE_METHODS
) -> dict[str, np.ndarray]:
    """Where the image CNN looks, for class ``target``.

    Args:
        input28: (28, 28) the preprocessed digit.
        target: the class to explain (0–9).
        methods: any of ``IMAGE_METHODS``.

    Returns:
        method → (28, 28) map of the class score (the logit of ``target``):
        ``saliency`` |∂score/∂pixel| (≥ 0: sensitivity, no sign); ``integrated_gradients``
        signed, summing to score(x) − score(black image) up to the quadrature error;
        ``grad_cam`` ReLU(Σ_c mean(∂score/∂conv2_c) · conv2_c) at 14×14 (conv2 before its ReLU),
        bilinearly upsampled (≥ 0); ``occlusion`` signed, score(x) − score(x with a 4×4 patch
        set to 0), averaged over the windows covering each pixel.
    """
    model = load_model("image_cnn")
    x = image_tensor(input28).requires_grad_(True)
    out: dict[str, np.ndarray] = {}
    for m in methods:
        if m == "saliency":
            a = _captum().Saliency(model).attribute(x, target=target, abs=True)
        elif m == "integrated_gradients":
            a = (
                _captum()
                .IntegratedGradients(model)
                .attribute(x, baselines=torch.zeros_like(x), target=target, n_steps=IG_STEPS)
            )
        elif m == "grad_cam":
            private = _private("image_cnn")
            cam = (
                _captum()
                .LayerGradCam(private, private.conv2)
                .attribute(x, target=target, relu_attributions=True)
            )
            a = _captum().LayerAttribution.interpolate(cam, (28, 28), interpolate_mode="bilinear")
        elif m == "occlusion":
            a = (
                _captum()
                .Occlusion(model)
                .attribute(
                    x,
                    sliding_window_shapes=(1, 4, 4),
                    strides=(1, 2, 2),
                    baselines=0.0,
                    target=target,
                    perturbations_per_eval=196,
                )
            )
        else:
            raise ValueError(f"unknown method {m!r}")
        out[m] = a.detach()[0, 0].numpy().astype(np.float32)
    return out


def row_gru_attributions(input28: np.ndarray, target: int) -> np.ndarray:
    """Integrated Gradients of the row GRU for class ``target``: (28, 28)."""
    model = load_model("row_gru")
    x = image_tensor(input28)
    a = (
        _captum()
        .IntegratedGradients(model)
        .attribute(x, baselines=torch.zeros_like(x), target=target, n_steps=IG_STEPS)
    )
    return a.detach()[0, 0].numpy().astype(np.float32)


# ----------------------------------------------------------------------------- text


def _text_forward(model_name: str, model: torch.nn.Module, T: int):
    """ids (B, T') → logit₊ − logit₋ (B,): what both text models' attributions explain."""
    if model_name == "text_cnn":

        def forward(i):
            z = model(i, torch.full((i.shape[0],), T, dtype=torch.long))
            return z[:, 1] - z[:, 0]
    else:

        def forward(i):
            z = model(i, torch.ones_like(i, dtype=torch.bool))
            return z[:, 1] - z[:, 0]

    return forward


def _text_ids(enc, model: torch.nn.Module) -> torch.Tensor:
    """(1, T') ids, right-padded with ``<pad>`` to the TextCNN's widest kernel when shorter."""
    ids = torch.tensor([enc.token_ids])
    min_len = getattr(model, "min_len", 1)
    if min_len > ids.shape[1]:
        ids = torch.nn.functional.pad(ids, (0, min_len - ids.shape[1]), value=model.cfg.pad_id)
    return ids


def text_attributions(text: str, model_name: str = "text_gru") -> np.ndarray:
    """Signed token attributions of the log-odds logit₊ − logit₋ (LayerIntegratedGradients).

    Integrated Gradients through the embedding layer, along the straight path from the
    all-``<pad>`` baseline to the sentence, summed over the embedding dimension. The values add
    up to (logit₊ − logit₋)(sentence) − (logit₊ − logit₋)(baseline) (completeness, up to the
    integral's quadrature error). Both text models explain the same quantity, so their signs
    are comparable: > 0 pushes toward "positive", < 0 toward "negative".

    Args:
        text: the sentence (validated and tokenised as ``analyze_text(text, model_name)``).
        model_name: ``"text_cnn"`` or any RNN family member (``nets.family.MEMBERS``:
            ``text_gru``, ``text_lstm``, ``text_bigru`` and their ``*_word`` versions, whose
            tokens are Chinese words).

    Returns:
        (T,) one value per token.
    """
    enc = encode(text, model_name)
    model = _private(model_name)
    T = len(enc.token_ids)
    ids = _text_ids(enc, model)
    baseline = torch.full_like(ids, model.cfg.pad_id)
    lig = _captum().LayerIntegratedGradients(_text_forward(model_name, model, T), model.embedding)
    a = lig.attribute(ids, baselines=baseline, n_steps=IG_STEPS)
    return a.sum(-1)[0, :T].detach().numpy().astype(np.float32)


def text_log_odds(text: str, model_name: str = "text_gru") -> tuple[float, float]:
    """(logit₊ − logit₋) of ``model_name`` on the sentence and on its all-``<pad>`` baseline:
    the two ends of the path :func:`text_attributions` integrates along."""
    enc = encode(text, model_name)
    model = load_model(model_name)
    ids = _text_ids(enc, model)
    forward = _text_forward(model_name, model, len(enc.token_ids))
    with torch.inference_mode():
        both = forward(torch.cat([ids, torch.full_like(ids, model.cfg.pad_id)]))
    return float(both[0]), float(both[1])


def _state_jacobian_norms(
    model: torch.nn.Module, emb: torch.Tensor, backward: bool = False
) -> np.ndarray:
    """‖∂s/∂x_t‖_F for each t, s = a reader's final state: one vectorised Jacobian. emb: (T, E).

    s = h_T of the (forward) recurrent layer (the LSTM's h_T, not its cell), or, with
    ``backward``, h←₁: the backward reader of a bidirectional model after the whole sentence.
    """
    H = model.cfg.hidden

    def last_state(e):  # (T, E) → (H,)
        out = model.gru(e[None])[0][0]  # (T, H·dirs)
        return out[0, H:] if backward else out[-1, :H]

    with torch.enable_grad():
        jac = torch.autograd.functional.jacobian(last_state, emb, vectorize=True)  # (H, T, E)
    return jac.pow(2).sum(dim=(0, 2)).sqrt().numpy().astype(np.float32)


def text_memory(text: str) -> np.ndarray:
    """How strongly each token can still move the final hidden state: ‖∂h_T/∂x_t‖ over t.

    The Frobenius norm of the Jacobian of the last GRU state with respect to each token's
    embedding; small values for early tokens are the vanishing-gradient effect, measured.

    Returns:
        (T,) one norm per token.
    """
    enc = encode(text)
    model = load_model("text_gru")
    with torch.no_grad():
        emb = model.embedding(torch.tensor([enc.token_ids]))[0]  # (T, E)
    return _state_jacobian_norms(model, emb)


@dataclass
class MemoryCurves:
    """Two answers to "how much does token t still matter at the end?" for an RNN family member.

    Attributes:
        tokens: what the model reads.
        state: (T,) ‖∂h_T/∂x_t‖_F — how much token t's embedding x_t still moves the last
            hidden state h_T (fades for early tokens: vanishing gradients). The LSTM's h_T (not
            its cell); the forward reader's h→_T for a bidirectional member.
        decision: (T,) ‖∂(logit₊ − logit₋)/∂x_t‖₂ — how much it still moves the decision. The
            classifier reads an attention-weighted average of every h_t, not h_T alone, so an
            early token can move the decision strongly even when it barely moves h_T.
        state_backward: (T,) bidirectional members only: ‖∂h←₁/∂x_t‖_F, the backward reader's
            final state (it reads from the end, so its memory fades toward the sentence's end).
        model: the member.
    """

    tokens: list[str]
    state: np.ndarray
    decision: np.ndarray
    state_backward: np.ndarray | None = None
    model: str = "text_gru"

    def ratio_first_last(self) -> tuple[float, float]:
        """(state, decision) of the first token divided by those of the last token."""

        def r(v: np.ndarray) -> float:
            return float(v[0] / v[-1]) if v[-1] > 0 else float("nan")

        return r(self.state), r(self.decision)


def memory_curves(text: str, model_name: str = "text_gru") -> MemoryCurves:
    """Both memory curves of an RNN family member (the attention GRU by default), from autograd.

    Cost: one vectorised Jacobian of h_T (64 outputs; one more for a bidirectional member's
    backward reader) and one backward pass of the log-odds, whatever the sentence length
    (never one forward pass per token).

    Raises:
        InputError: the sentence cannot be read.
        ValueError: ``model_name`` is not a family member.
    """
    if model_name not in MEMBERS:
        raise ValueError(f"{model_name!r} is not an RNN family member")
    enc = encode(text, model_name)
    model = load_model(model_name)  # inputs get gradients, weights do not: no hooks, shared is safe
    with torch.no_grad():
        emb = model.embedding(torch.tensor([enc.token_ids]))[0]  # (T, E)
    state = _state_jacobian_norms(model, emb)
    back = _state_jacobian_norms(model, emb, True) if MEMBERS[model_name].bidirectional else None
    with torch.enable_grad():
        e = emb.clone().requires_grad_(True)
        z = model.trace_embedded(e[None])["logits"][0]  # eval mode: no dropout
        (grad,) = torch.autograd.grad(z[1] - z[0], e)  # (T, E)
    decision = grad.norm(dim=1).numpy().astype(np.float32)
    return MemoryCurves(list(enc.tokens), state, decision, back, model_name)


# ----------------------------------------------------------------------------- attention vs IG

AGREE_RHO = 0.5  # ρ at or above this: attention and |attribution| rank the tokens alike
DISAGREE_RHO = 0.0  # ρ at or below this: they do not (in between: weak agreement)


def attention_attribution_rho(attention: np.ndarray, attributions: np.ndarray) -> float:
    """Spearman ρ between the GRU's attention weights and |attribution| over the tokens.

    Attention weights hidden states h_t (each already mixes all earlier tokens); the
    attribution splits the log-odds among the tokens. ρ says how far the two rank the
    positions alike.

    Args:
        attention: (T,) ``TextAnalysis.attention``.
        attributions: (T,) :func:`text_attributions` of ``"text_gru"`` (the sign is dropped).

    Returns:
        ρ in [−1, 1]; NaN with fewer than 3 tokens or when either is constant. Ties get
        average ranks.
    """
    return spearman(np.asarray(attention), np.abs(np.asarray(attributions)))


def agreement(rho: float) -> str:
    """A reading of ρ by the rule ρ ≥ ``AGREE_RHO`` → "agree", ρ ≤ ``DISAGREE_RHO`` →
    "disagree", in between → "weak", NaN → "undefined"."""
    if not np.isfinite(rho):
        return "undefined"
    if rho >= AGREE_RHO:
        return "agree"
    if rho <= DISAGREE_RHO:
        return "disagree"
    return "weak"
