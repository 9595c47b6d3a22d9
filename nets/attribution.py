"""Captum attributions and gradient measurements, safe on shared models.

Methods that register hooks on a module (LayerGradCam, LayerIntegratedGradients) run on a
private copy of the model made for that call, so two sessions attributing at once can never
see each other's hooks. Hook-free methods (Saliency, IntegratedGradients, Occlusion) use the
shared model directly; a fresh captum object is made per call (they keep state).
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from .analyze import encode, image_tensor
from .registry import load_model

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
        method → (28, 28) signed attribution map (Saliency: gradient magnitude;
        Grad-CAM: conv2 map upsampled to 28×28, after ReLU).
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


def text_attributions(text: str, model_name: str = "text_gru", target: int = 1) -> np.ndarray:
    """Signed token attributions toward ``target`` (1 = positive) with LayerIntegratedGradients.

    Attributes through the embedding layer against an all-``<pad>`` baseline and sums over
    the embedding dimension.

    Args:
        text: the sentence (validated as in ``analyze_text``).
        model_name: ``"text_gru"`` or ``"text_cnn"``.
        target: class index.

    Returns:
        (T,) one value per token; positive pushes toward ``target``.
    """
    enc = encode(text)
    model = _private(model_name)
    T = len(enc.token_ids)
    ids = torch.tensor([enc.token_ids])
    min_len = getattr(model, "min_len", 1)
    if min_len > T:
        ids = torch.nn.functional.pad(ids, (0, min_len - T), value=model.cfg.pad_id)
    baseline = torch.full_like(ids, model.cfg.pad_id)
    if model_name == "text_cnn":

        def forward(i):
            return model(i, torch.full((i.shape[0],), T, dtype=torch.long))
    else:

        def forward(i):
            return model(i, torch.ones_like(i, dtype=torch.bool))

    lig = _captum().LayerIntegratedGradients(forward, model.embedding)
    a = lig.attribute(ids, baselines=baseline, target=target, n_steps=IG_STEPS)
    return a.sum(-1)[0, :T].detach().numpy().astype(np.float32)


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

    def last_state(e):  # (T, E) → (H,)
        return model.gru(e[None])[0][0, -1]

    with torch.enable_grad():
        jac = torch.autograd.functional.jacobian(last_state, emb, vectorize=True)  # (H, T, E)
    return jac.pow(2).sum(dim=(0, 2)).sqrt().numpy().astype(np.float32)
