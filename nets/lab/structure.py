"""参数共享 / 参数循环利用 and 静态结构 vs 输入长度可变, computed by building and running models.

- Sharing: each convolution of the app's models against a *locally connected* layer of the
  same shape (a separate kernel at every output position, built here as a real parameter
  tensor and counted), and the GRU's parameter count when it reads 1 … 1,000 steps (the same
  cell at every step) against an unrolled network with a separate cell per step.
- Input sizes: the app's models (and the lab's Transformer) run on inputs of other sizes than
  they were trained on; each run is recorded as it went (output shape, or the error's type).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from ..registry import load_model
from . import models as LM

IMAGE_SIZES = (14, 20, 28, 36, 56, 112)
TEXT_LENGTHS = (1, 2, 4, 5, 8, 50, 200, 1000)
GRU_STEPS = (1, 10, 100, 1000)


def local_params(conv: nn.Conv2d | nn.Conv1d, out_shape: tuple[int, ...]) -> int:
    """Parameters of a locally connected layer shaped like ``conv`` whose output has spatial
    shape ``out_shape``: one (kernel, bias) per output position, counted on a real tensor."""
    positions = int(np.prod(out_shape))
    k = int(np.prod(conv.kernel_size))
    weight = torch.empty(positions, conv.out_channels, conv.in_channels * k, device="meta")
    bias = torch.empty(positions, conv.out_channels, device="meta")
    return weight.numel() + bias.numel()


def sharing() -> dict:
    """Convolutions: shared vs locally connected parameters; the GRUs: parameters by length.

    Returns:
        {"conv": [{"model", "layer", "positions", "shared", "local"}…], "gru": [{"model",
        "steps", "params", "unshared"}…]}.
    """
    conv_rows = []
    img = load_model("image_cnn")
    with torch.no_grad():
        out = img.features(torch.zeros(1, 1, 28, 28))
    for layer in ("conv1", "conv2"):
        conv = getattr(img, layer)
        shape = tuple(out[layer].shape[-2:])
        conv_rows.append({
            "model": "image_cnn", "layer": layer, "positions": int(np.prod(shape)),
            "shared": sum(p.numel() for p in conv.parameters()),
            "local": local_params(conv, shape),
        })  # fmt: skip
    txt = load_model("text_cnn")
    T = 50  # a sentence of 50 tokens
    for k, conv in zip(txt.cfg.kernel_sizes, txt.convs, strict=True):
        conv_rows.append({
            "model": "text_cnn", "layer": f"conv k={k}", "positions": T - k + 1,
            "shared": sum(p.numel() for p in conv.parameters()),
            "local": local_params(conv, (T - k + 1,)),
        })  # fmt: skip
    gru_rows = []
    for name in ("text_gru", "row_gru"):
        gru = load_model(name).gru
        cell = sum(p.numel() for p in gru.parameters())
        for steps in GRU_STEPS:
            x = torch.zeros(1, steps, gru.input_size)
            with torch.no_grad():
                h, _ = gru(x)  # the same module reads every length
            gru_rows.append({
                "model": name, "steps": steps, "ran": list(h.shape),
                "params": sum(p.numel() for p in gru.parameters()), "unshared": cell * steps,
            })  # fmt: skip
    return {"conv": conv_rows, "gru": gru_rows}


def _run(fn) -> tuple[bool, str]:
    try:
        with torch.no_grad():
            out = fn()
        return True, "×".join(str(s) for s in out.shape)
    except (RuntimeError, ValueError) as exc:
        return False, type(exc).__name__ + ": " + str(exc).splitlines()[0][:120]


def sizes() -> list[dict]:
    """Run the models on other input sizes. Each row: family ("cnn"/"rnn"/"transformer"),
    model, part, size, native (the training size), ok, and the output shape or the error."""
    rows = []
    img = load_model("image_cnn")
    for s in IMAGE_SIZES:
        x = torch.rand(1, 1, s, s)
        for part, fn in (
            ("conv", lambda x=x: img.features(x)["pool2"]),
            ("full", lambda x=x: img(x)),
        ):
            ok, what = _run(fn)
            rows.append({"family": "cnn", "model": "image_cnn", "part": part, "size": s,
                         "native": s == 28, "ok": ok, "out": what})  # fmt: skip
    txt = load_model("text_cnn")
    gru = load_model("text_gru")
    trf = LM.text_transformer(txt.cfg.vocab_size).eval()
    for T in TEXT_LENGTHS:
        ids = torch.randint(2, txt.cfg.vocab_size, (1, T))
        emb = txt.embedding(ids)
        lengths = torch.tensor([T])
        for family, model, part, fn in (
            ("cnn", "text_cnn", "conv", lambda emb=emb, lengths=lengths: txt.trace_embedded(emb, lengths)["logits"]),
            ("rnn", "text_gru", "full", lambda ids=ids: gru(ids)),
            ("transformer", "transformer", "full", lambda ids=ids, lengths=lengths: trf(ids, lengths)),
        ):  # fmt: skip
            ok, what = _run(fn)
            rows.append({"family": family, "model": model, "part": part, "size": T,
                         "native": False, "ok": ok, "out": what})  # fmt: skip
    rows_gru = load_model("row_gru")
    for h in (7, 14, 28, 56):
        x = torch.rand(1, h, 28)
        ok, what = _run(lambda x=x: rows_gru(x))
        rows.append({"family": "rnn", "model": "row_gru", "part": "rows", "size": h,
                     "native": h == 28, "ok": ok, "out": what})  # fmt: skip
    # the number of steps is free, the size of each step's input is not (28 pixels per row)
    ok, what = _run(lambda: rows_gru(torch.rand(1, 28, 20)))
    rows.append({"family": "rnn_width", "model": "row_gru", "part": "row width", "size": 20,
                 "native": False, "ok": ok, "out": what})  # fmt: skip
    return rows
