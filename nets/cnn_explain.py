"""Numbers behind the CNN page's explainers: architecture, kernels, one convolution step,
receptive fields, translation and parameter sharing. Reads the image CNN's real weights.

Nothing here imports Streamlit; every function returns plain numpy arrays or dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .registry import load_model

# Spatial geometry of the image CNN, in order: (layer, kernel, stride, padding).
GEOMETRY = (
    ("conv1", 3, 1, 1),
    ("relu1", 1, 1, 0),
    ("pool1", 2, 2, 0),
    ("conv2", 3, 1, 1),
    ("relu2", 1, 1, 0),
    ("pool2", 2, 2, 0),
)
SPATIAL_LAYERS = tuple(g[0] for g in GEOMETRY)
CONV_INPUT = {"conv1": "input", "conv2": "pool1"}  # which map each conv layer reads


@dataclass(frozen=True)
class Block:
    """One block of the architecture strip."""

    name: str
    shape: tuple[int, ...]  # output shape without the batch axis, e.g. (16, 28, 28)
    params: int  # learned parameters in this block


def architecture() -> list[Block]:
    """The image CNN's blocks with their real output shapes and parameter counts.

    Returns:
        input, conv1, relu1, pool1, conv2, relu2, pool2, fc1, fc2 (logits), softmax.
    """
    model = load_model("image_cnn")
    with torch.inference_mode():
        out = model.trace(torch.zeros(1, 1, model.cfg.image_size, model.cfg.image_size))

    def count(mod) -> int:
        return int(sum(p.numel() for p in mod.parameters()))

    params = {"conv1": count(model.conv1), "conv2": count(model.conv2)}
    params |= {"fc1": count(model.fc1), "logits": count(model.fc2)}
    s = model.cfg.image_size
    blocks = [Block("input", (model.cfg.in_channels, s, s), 0)]
    for name in model.LAYERS:
        blocks.append(Block(name, tuple(out[name].shape[1:]), params.get(name, 0)))
    blocks.append(Block("softmax", (model.cfg.num_classes,), 0))
    return blocks


def kernels(layer: str) -> tuple[np.ndarray, np.ndarray]:
    """A conv layer's learned weights and biases.

    Args:
        layer: ``"conv1"`` or ``"conv2"``.

    Returns:
        weight (C_out, C_in, 3, 3) and bias (C_out,), float32.
    """
    conv = getattr(load_model("image_cnn"), layer)
    return conv.weight.detach().numpy().copy(), conv.bias.detach().numpy().copy()


@dataclass
class ConvStep:
    """One output value of a conv layer, taken apart.

    Attributes:
        patch: (C_in, 3, 3) the input window (zero padding included).
        kernel: (C_in, 3, 3) the filter's weights.
        products: (C_in, 3, 3) patch × kernel, element-wise.
        channel_sums: (C_in,) the products summed per input channel.
        total: all products summed; bias: the filter's bias.
        value: total + bias, which equals the layer's activation at that position.
    """

    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    total: float
    bias: float
    value: float


ONE_SIGN = 0.6  # |Σw| / Σ|w| at or above this: a kernel of (mostly) one sign


def kernel_kinds(weights: np.ndarray) -> np.ndarray:
    """Which 3×3 kernels mix signs (edge/stroke detectors) and which are mostly one sign.

    A kernel whose weights are mostly positive responds to ink anywhere in its window (a blob
    or "ink here" detector); mostly negative, to its absence; mixed signs respond to a change
    of brightness across the window (an edge or stroke of some direction).

    Args:
        weights: (N, k, k) kernels of one input channel.

    Returns:
        (N,) strings: "mixed", "positive" or "negative" (balance |Σw| / Σ|w| ≥ ``ONE_SIGN``).
    """
    w = np.asarray(weights, dtype=np.float64).reshape(len(weights), -1)
    balance = w.sum(1) / np.maximum(np.abs(w).sum(1), 1e-12)
    kinds = np.where(balance >= ONE_SIGN, "positive", "mixed")
    return np.where(balance <= -ONE_SIGN, "negative", kinds)


def conv_input(layer: str, input28: np.ndarray, activations: dict[str, np.ndarray]) -> np.ndarray:
    """The map a conv layer reads: (1, 28, 28) for conv1, pool1 (16, 14, 14) for conv2."""
    src = CONV_INPUT[layer]
    return input28[None].astype(np.float32) if src == "input" else activations[src]


def conv_step(
    layer: str,
    channel: int,
    y: int,
    x: int,
    input28: np.ndarray,
    activations: dict[str, np.ndarray],
) -> ConvStep:
    """Take apart one output of ``layer`` (channel, y, x): patch · kernel + bias.

    Args:
        layer: ``"conv1"`` or ``"conv2"``.
        channel: output channel.
        y, x: output position (same size as the input: padding 1).
        input28: (28, 28) the network input.
        activations: the trace (``ImageAnalysis.activations``), for conv2's input pool1.

    Returns:
        The :class:`ConvStep`.
    """
    w, b = kernels(layer)
    src = conv_input(layer, input28, activations)  # (C_in, H, W)
    padded = np.pad(src, ((0, 0), (1, 1), (1, 1)))
    patch = padded[:, y : y + 3, x : x + 3].astype(np.float64)  # (C_in, 3, 3)
    kern = w[channel].astype(np.float64)
    prod = patch * kern
    total = float(prod.sum())
    return ConvStep(
        patch=patch.astype(np.float32),
        kernel=kern.astype(np.float32),
        products=prod.astype(np.float32),
        channel_sums=prod.sum(axis=(1, 2)).astype(np.float32),
        total=total,
        bias=float(b[channel]),
        value=total + float(b[channel]),
    )


def strongest_position(fmap: np.ndarray) -> tuple[int, int]:
    """(y, x) of the largest |value| in a (H, W) map: a position worth explaining first."""
    y, x = np.unravel_index(int(np.argmax(np.abs(fmap))), fmap.shape)
    return int(y), int(x)


def most_active_channel(maps: np.ndarray) -> int:
    """The channel of a (C, H, W) stack with the largest mean activation."""
    return int(np.argmax(maps.reshape(maps.shape[0], -1).mean(axis=1)))


def pool_window(
    activations: dict[str, np.ndarray], layer: str, channel: int, y: int, x: int
) -> tuple[np.ndarray, float]:
    """The 2×2 window a max-pool output reads, and that output.

    Args:
        activations: the trace.
        layer: ``"pool1"`` or ``"pool2"``.
        channel, y, x: the pooled unit.

    Returns:
        window (2, 2) from relu1/relu2 and the pooled value (its max).
    """
    src = activations["relu1" if layer == "pool1" else "relu2"]
    win = src[channel, 2 * y : 2 * y + 2, 2 * x : 2 * x + 2]
    return win.copy(), float(activations[layer][channel, y, x])


def softmax_steps(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """logits → exp(logits − max) → normalised probabilities, each (10,)."""
    z = logits.astype(np.float64)
    e = np.exp(z - z.max())
    return z, e, e / e.sum()


# ----------------------------------------------------------------------------- receptive field


def receptive_field(layer: str, y: int, x: int, size: int = 28) -> tuple[int, int, int, int]:
    """The input region a spatial unit can see, from the layer geometry alone.

    Args:
        layer: one of ``SPATIAL_LAYERS``.
        y, x: the unit's position in that layer's map.
        size: input side.

    Returns:
        (top, bottom, left, right), inclusive bounds clipped to the image.
    """
    jump, rf, start = 1, 1, 0.0  # standard recurrence: stride product, size, first centre
    for name, k, s, p in GEOMETRY:
        rf = rf + (k - 1) * jump
        start = start + ((k - 1) / 2 - p) * jump
        jump = jump * s
        if name == layer:
            break
    else:
        raise ValueError(f"unknown layer {layer!r}")
    half = (rf - 1) / 2

    def span(i: int) -> tuple[int, int]:
        c = start + i * jump
        return max(0, int(np.floor(c - half))), min(size - 1, int(np.ceil(c + half)))

    top, bottom = span(y)
    left, right = span(x)
    return top, bottom, left, right


def geometry_mask(layer: str, y: int, x: int, size: int = 28) -> np.ndarray:
    """(size, size) bool: True inside :func:`receptive_field`."""
    top, bottom, left, right = receptive_field(layer, y, x, size)
    m = np.zeros((size, size), bool)
    m[top : bottom + 1, left : right + 1] = True
    return m


def unit_gradient(layer: str, channel: int, y: int, x: int, inputs: np.ndarray) -> np.ndarray:
    """∂ unit / ∂ input for each image in ``inputs``.

    Args:
        layer: a spatial layer; channel, y, x: the unit.
        inputs: (B, 28, 28) or (28, 28).

    Returns:
        (B, 28, 28) or (28, 28) gradients.
    """
    single = inputs.ndim == 2
    x_in = torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32))
    x_in = (x_in[None] if single else x_in)[:, None].requires_grad_(True)  # (B, 1, 28, 28)
    model = load_model("image_cnn")
    with torch.enable_grad():
        unit = model.features(x_in)[layer][:, channel, y, x]  # (B,)
        (grad,) = torch.autograd.grad(unit.sum(), x_in)
    g = grad[:, 0].numpy()
    return g[0] if single else g


def gradient_support(layer: str, channel: int, y: int, x: int) -> np.ndarray:
    """Pixels that can move the unit: where its gradient is non-zero once nothing blocks it.

    For one input, inactive ReLUs and the max-pool's losing positions pass no gradient, so the
    gradient's support is only part of the field. Here every ReLU is open (identity), every
    pool window passes gradient to all four positions (average pool, same geometry) and the
    weights are taken by absolute value (no cancellation): the support of that gradient is the
    set of input pixels connected to the unit through the real layers.

    Returns:
        (28, 28) bool.
    """
    model = load_model("image_cnn")
    w1, b1 = model.conv1.weight.detach().abs(), model.conv1.bias.detach()
    w2, b2 = model.conv2.weight.detach().abs(), model.conv2.bias.detach()
    x_in = torch.ones(1, 1, 28, 28, requires_grad=True)
    with torch.enable_grad():
        out = {"conv1": F.conv2d(x_in, w1, b1, padding=1)}
        out["relu1"] = out["conv1"]
        out["pool1"] = F.avg_pool2d(out["relu1"], 2, 2)
        out["conv2"] = F.conv2d(out["pool1"], w2, b2, padding=1)
        out["relu2"] = out["conv2"]
        out["pool2"] = F.avg_pool2d(out["relu2"], 2, 2)
        (grad,) = torch.autograd.grad(out[layer][0, channel, y, x], x_in)
    return grad[0, 0].numpy() > 0


# ----------------------------------------------------------------------------- translation


# ----------------------------------------------------------------------------- sharing


@dataclass(frozen=True)
class Sharing:
    """Parameters of a conv layer next to a fully connected layer with the same in/out sizes."""

    layer: str
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    conv_params: int
    dense_params: int


def parameter_sharing(layer: str = "conv1") -> Sharing:
    """Count ``layer``'s parameters and those of a dense layer mapping the same input to the
    same output (every output connected to every input, plus one bias per output)."""
    blocks = {b.name: b for b in architecture()}
    src = "input" if layer == "conv1" else "pool1"
    n_in = int(np.prod(blocks[src].shape))
    n_out = int(np.prod(blocks[layer].shape))
    return Sharing(
        layer,
        blocks[src].shape,
        blocks[layer].shape,
        blocks[layer].params,
        n_in * n_out + n_out,
    )


# ----------------------------------------------------------------------------- display helpers


def upscale(img: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement, so small maps stay crisp as images: (H, W) → (H·f, W·f)."""
    return np.repeat(np.repeat(img, factor, axis=0), factor, axis=1)


DISPLAY_ASPECT = 8  # no displayed image is more than 8× wider than tall (or taller than wide)


def letterbox(img: np.ndarray, max_aspect: int = DISPLAY_ASPECT) -> np.ndarray:
    """Pad the short side with mid-grey bars, centred, so it is at least 1/``max_aspect`` of the
    long side: a 256 × 1 strip becomes 256 × 32, and any display width keeps a height ≥ 1 px.

    Args:
        img: (H, W) or (H, W, C), uint8 (bars 128) or float in [0, 1] (bars 0.5).

    Returns:
        ``img`` itself when it is within the aspect ratio, else a padded copy.
    """
    h, w = img.shape[:2]
    pad_h = max(0, -(-w // max_aspect) - h)
    pad_w = max(0, -(-h // max_aspect) - w)
    if not pad_h and not pad_w:
        return img
    grey = 128 if img.dtype == np.uint8 else 0.5
    pad = [(pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)]
    return np.pad(img, pad + [(0, 0)] * (img.ndim - 2), constant_values=grey)


def preprocessing_steps(pre) -> list[tuple[str, np.ndarray]]:
    """The stages of ``nets.preprocess.Preprocessed`` as displayable images, in order.

    Returns:
        (step id, image) pairs: ``original`` (uint8 gray or RGB), ``gray``, ``ink`` (float in
        [0, 1]) and ``input28`` (enlarged ×4 for display, values unchanged); each letterboxed
        to at most ``DISPLAY_ASPECT``:1 (values unchanged, mid-grey bars added).
    """
    return [
        ("original", letterbox(pre.original)),
        ("gray", letterbox(pre.gray)),
        ("ink", letterbox(pre.ink)),
        ("input28", upscale(pre.input28, 4)),
    ]


def _rgb8(img: np.ndarray) -> np.ndarray:
    """A display image as uint8 RGB (H, W, 3): floats in [0, 1] scaled, gray repeated."""
    a = np.asarray(img)
    if a.dtype != np.uint8:
        a = np.rint(np.clip(a, 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(a[..., None], 3, axis=2) if a.ndim == 2 else a


def preprocessing_strip(pre, height: int = 84, gap: int = 8) -> np.ndarray:
    """Every stage of :func:`preprocessing_steps` side by side in ONE image (uint8 RGB).

    One image instead of four: the browser fetches one media file per image after each upload,
    and each fetch came after the rerun had finished. Each stage is scaled to ``height`` pixels
    (nearest neighbour: a 28×28 input keeps its pixels), white gaps between.

    Returns:
        (height, W, 3) uint8, stages in the order of :func:`preprocessing_steps`.
    """
    from PIL import Image

    tiles = []
    for _, img in preprocessing_steps(pre):
        rgb = _rgb8(img)
        w = max(1, round(rgb.shape[1] * height / rgb.shape[0]))
        tiles.append(np.asarray(Image.fromarray(rgb).resize((w, height), Image.Resampling.NEAREST)))
        tiles.append(np.full((height, gap, 3), 255, np.uint8))
    return np.concatenate(tiles[:-1], axis=1)


def downsample(img: np.ndarray, max_side: int) -> np.ndarray:
    """Every k-th pixel so the long side is ≤ ``max_side`` (display only): (H, W) → (h, w)."""
    k = max(1, int(np.ceil(max(img.shape[-2:]) / max_side)))
    return img[..., ::k, ::k]
