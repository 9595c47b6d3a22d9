"""What a model costs: parameters (with their formulas), multiply-accumulates and memory.

- Parameters: each layer's count from its formula, filled with the real sizes, and checked
  against PyTorch's own count (``param_rows``).
- Multiply-accumulates (MACs) of one forward pass, from the real input and output shapes of
  every leaf layer (forward hooks on a private copy).
- Training memory: the bytes autograd keeps for the backward pass, seen through
  ``torch.autograd.graph.saved_tensors_hooks`` (each saved tensor's storage counted once;
  parameters are not activations and are left out); and the peak of the bytes PyTorch's CPU
  allocator holds during one forward+backward step (``torch.profiler`` with
  ``profile_memory=True``: the running sum of every operator's own allocations minus frees).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import models as M
from .models import EncoderLayer, SeqRNN, TextTransformer, text_logits

# ----------------------------------------------------------------------------- parameters


@dataclass
class ParamRow:
    """One layer's parameters: its formula, the formula with the real sizes, and the count.

    Attributes:
        layer: module name; kind: "embedding", "conv", "gru", "rnn", "linear", "attention",
            "norm"; formula: symbolic; filled: with the numbers; count: the formula's value;
            actual: PyTorch's count of the module's parameters (equal to ``count``).
    """

    layer: str
    kind: str
    formula: str
    filled: str
    count: int
    actual: int


def _row(name: str, mod: nn.Module) -> ParamRow | None:
    actual = sum(p.numel() for p in mod.parameters(recurse=False))
    if isinstance(mod, nn.Embedding):
        V, E = mod.num_embeddings, mod.embedding_dim
        return ParamRow(name, "embedding", "V·E", f"{V:,}·{E}", V * E, actual)
    if isinstance(mod, (nn.Conv1d, nn.Conv2d)):
        k = int(np.prod(mod.kernel_size))
        ci, co = mod.in_channels, mod.out_channels
        sym = "k²·C_in·C_out + C_out" if isinstance(mod, nn.Conv2d) else "k·C_in·C_out + C_out"
        ks = f"{mod.kernel_size[0]}²" if isinstance(mod, nn.Conv2d) else f"{k}"
        return ParamRow(name, "conv", sym, f"{ks}·{ci}·{co} + {co}", k * ci * co + co, actual)
    if isinstance(mod, nn.GRU):
        H, In = mod.hidden_size, mod.input_size
        return ParamRow(
            name, "gru", "3(H·I + H² + 2H)", f"3({H}·{In} + {H}² + 2·{H})",
            3 * (H * In + H * H + 2 * H), actual,
        )  # fmt: skip
    if isinstance(mod, nn.RNN):
        H, In = mod.hidden_size, mod.input_size
        return ParamRow(
            name, "rnn", "H·I + H² + 2H", f"{H}·{In} + {H}² + 2·{H}",
            H * In + H * H + 2 * H, actual,
        )  # fmt: skip
    if isinstance(mod, nn.Linear):
        i, o = mod.in_features, mod.out_features
        b = o if mod.bias is not None else 0
        sym = "I·O + O" if b else "I·O"
        filled = f"{i}·{o} + {o}" if b else f"{i}·{o}"
        return ParamRow(name, "linear", sym, filled, i * o + b, actual)
    if isinstance(mod, nn.MultiheadAttention):
        d = mod.embed_dim
        return ParamRow(name, "attention", "4(d² + d)", f"4({d}² + {d})", 4 * (d * d + d), actual)
    if isinstance(mod, nn.LayerNorm):
        d = int(np.prod(mod.normalized_shape))
        return ParamRow(name, "norm", "2d", f"2·{d}", 2 * d, actual)
    return None


def param_rows(model: nn.Module) -> list[ParamRow]:
    """Every parameterised layer of ``model`` with its formula; the counts add up to the
    model's parameter count (``MultiheadAttention``'s output projection is inside its row)."""
    rows = []
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Linear) and name.endswith("out_proj"):
            continue  # counted by the attention's 4(d² + d)
        row = _row(name, mod)
        if row is not None and row.actual + _inner(mod) > 0:
            rows.append(row)
    return rows


def _inner(mod: nn.Module) -> int:
    """Parameters of an attention's output projection (a child module, counted in its row)."""
    if isinstance(mod, nn.MultiheadAttention):
        return sum(p.numel() for p in mod.out_proj.parameters())
    return 0


# ----------------------------------------------------------------------------- MACs


def _module_macs(mod: nn.Module, inp: tuple, out) -> int:
    """Multiply-accumulates of one leaf module call, from its real input/output shapes."""
    if isinstance(mod, (nn.Conv1d, nn.Conv2d)):
        k = int(np.prod(mod.kernel_size))
        return int(out.numel() * (mod.in_channels // mod.groups) * k)
    if isinstance(mod, nn.Linear):
        return int(out.numel() * mod.in_features)
    if isinstance(mod, (nn.GRU, nn.RNN)):
        x = inp[0]  # (B, T, I) batch_first
        steps = x.shape[0] * x.shape[1]
        H, In = mod.hidden_size, mod.input_size
        if isinstance(mod, nn.GRU):
            # three gates: input and hidden projections, then r ⊙ (W_hn h) and the
            # interpolation (1 − z) ⊙ n + z ⊙ h, element-wise
            return int(steps * (3 * H * (In + H) + 3 * H))
        return int(steps * H * (In + H))
    if isinstance(mod, nn.MultiheadAttention):
        q = inp[0]  # (B, T, d)
        B, T, d = q.shape
        # Q, K, V and output projections (4·T·d²), scores Q·Kᵀ and weights·V (2·T²·d)
        return int(B * (4 * T * d * d + 2 * T * T * d))
    return 0


def _leaves(model: nn.Module):
    for name, mod in model.named_modules():
        if name and (not list(mod.children()) or isinstance(mod, nn.MultiheadAttention)):
            if isinstance(mod, nn.Linear) and name.endswith("out_proj"):
                continue
            yield name, mod


def forward_macs(model: nn.Module, x: torch.Tensor, lengths: torch.Tensor | None = None) -> dict:
    """MACs of one forward pass of ``model`` on ``x`` (token ids with ``lengths``, or images),
    per layer. Runs on a private copy in inference mode."""
    model = copy.deepcopy(model).eval()
    macs: dict[str, int] = {}
    handles = [
        mod.register_forward_hook(
            lambda m, i, o, n=name: macs.__setitem__(n, macs.get(n, 0) + _module_macs(m, i, o))
        )
        for name, mod in _leaves(model)
    ]
    try:
        with torch.inference_mode():
            if lengths is not None:
                text_logits(model, x, lengths)
            else:
                model(x)
    finally:
        for h in handles:
            h.remove()
    if isinstance(model, M.TextGRU):  # attention pooling: weights (T,) · hidden (T, H)
        macs["attention_pool"] = int(x.shape[0] * x.shape[1] * model.cfg.hidden)
    return {k: v for k, v in macs.items() if v}


# ----------------------------------------------------------------------------- memory


def _step_loss(model: nn.Module, x: torch.Tensor, lengths, y: torch.Tensor) -> torch.Tensor:
    logits = text_logits(model, x, lengths) if lengths is not None else model(x)
    return F.cross_entropy(logits, y)


def saved_bytes(model: nn.Module, x: torch.Tensor, lengths, y: torch.Tensor) -> int:
    """Bytes of the tensors autograd saves for the backward pass of one training step
    (forward in training mode), each storage counted once, parameters left out."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor):
        st = t.untyped_storage()
        if st.data_ptr() not in params:
            seen[st.data_ptr()] = st.nbytes()
        return t

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = _step_loss(model, x, lengths, y)
    del loss
    return int(sum(seen.values()))


def peak_step_bytes(model: nn.Module, x: torch.Tensor, lengths, y: torch.Tensor) -> int:
    """Peak bytes held by PyTorch's CPU allocator during one forward+backward step, above what
    was held before it (``torch.profiler``, ``profile_memory=True``)."""
    from torch.profiler import ProfilerActivity, profile

    model.train()
    model.zero_grad(set_to_none=True)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        _step_loss(model, x, lengths, y).backward()
    model.zero_grad(set_to_none=True)
    cur = peak = 0
    for ev in sorted(prof.events(), key=lambda e: e.time_range.start):
        cur += ev.self_cpu_memory_usage
        peak = max(peak, cur)
    return int(peak)


# ----------------------------------------------------------------------------- per model


@dataclass
class Cost:
    """A model's parameters, MACs and training memory on one batch.

    Attributes:
        params / body: all parameters / without the embedding table; embedding: its size;
        macs: forward multiply-accumulates per example; saved: bytes autograd keeps for the
        backward pass (batch ``batch``); peak: peak allocator bytes of one training step.
    """

    params: int
    body: int
    embedding: int
    macs: int
    saved: int
    peak: int
    batch: int
    length: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def model_cost(model: nn.Module, batch: int, length: int | None, seed: int = 0) -> Cost:
    """Measure ``model`` on a seeded random batch: token ids of ``length`` (text models) or
    28×28 digits (``length`` None)."""
    g = torch.Generator().manual_seed(seed)
    if length is not None:
        V = model.embedding.num_embeddings
        x = torch.randint(1, V, (batch, length), generator=g)
        lengths = torch.full((batch,), length)
    else:
        x = torch.rand(batch, 1, 28, 28, generator=g)
        lengths = None
    y = torch.randint(0, 2 if length is not None else 10, (batch,), generator=g)
    model = copy.deepcopy(model)
    for p in model.parameters():
        p.requires_grad_(True)
    emb = model.embedding.weight.numel() if hasattr(model, "embedding") else 0
    total = M.param_count(model)
    macs = sum(forward_macs(model, x[:1], None if lengths is None else lengths[:1]).values())
    return Cost(
        params=total,
        body=total - emb,
        embedding=emb,
        macs=int(macs),
        saved=saved_bytes(model, x, lengths, y),
        peak=peak_step_bytes(model, x, lengths, y),
        batch=batch,
        length=length if length is not None else 28,
    )


def is_recurrent(model: nn.Module) -> bool:
    return isinstance(model, (M.TextGRU, M.RowGRU, SeqRNN))


def is_attention(model: nn.Module) -> bool:
    return isinstance(model, (TextTransformer, EncoderLayer))


# ----------------------------------------------------------------------------- the section


def _rows(model: nn.Module) -> list[dict]:
    return [dict(r.__dict__) for r in param_rows(model)]


def cost_section(lengths: tuple[int, ...], batch: int, progress=None) -> dict:
    """The resource section's numbers.

    Returns:
        {"median_length", "batch", "text": {"models": name → Cost at the median length,
        "by_length": name → {"lengths", "saved", "peak", "macs"}, "formulas": name → rows},
        "digits": {"models", "formulas"}, "app": name → {"params", "body", "embedding",
        "formulas"}}.
    """
    import numpy as np

    from ..data import load_text
    from ..registry import load_model, load_vocab
    from .models import digit_cnn, digit_gru, matched_text_cnn, text_cnn, text_gru, text_transformer
    from .speed import macs_filters

    t = load_text()
    median = int(np.median([len(t.tokens[i]) for i in t.split["train"]]))
    V = len(load_vocab())
    torch.manual_seed(0)
    text = {
        "cnn": matched_text_cnn(V),
        "cnn_macs": text_cnn(V, macs_filters(median)),
        "gru": text_gru(V),
        "transformer": text_transformer(V),
    }
    out: dict = {"median_length": median, "batch": batch, "text": {"models": {}, "by_length": {},
                                                                  "formulas": {}}}  # fmt: skip
    for name, model in text.items():
        out["text"]["models"][name] = model_cost(model, batch, median).as_dict()
        out["text"]["formulas"][name] = _rows(model)
        rows = [model_cost(model, batch, L) for L in lengths]
        out["text"]["by_length"][name] = {
            "lengths": list(lengths),
            "saved": [c.saved for c in rows],
            "peak": [c.peak for c in rows],
            "macs": [c.macs for c in rows],
        }
        if progress:
            progress(f"cost {name}")
    digits = {"cnn": digit_cnn(), "gru": digit_gru()}
    out["digits"] = {
        "models": {k: model_cost(m, batch, None).as_dict() for k, m in digits.items()},
        "formulas": {k: _rows(m) for k, m in digits.items()},
    }
    out["app"] = {}
    for name in ("image_cnn", "row_gru", "text_gru", "text_cnn"):
        m = load_model(name)
        emb = m.embedding.weight.numel() if hasattr(m, "embedding") else 0
        total = M.param_count(m)
        out["app"][name] = {"params": total, "body": total - emb, "embedding": emb,
                            "formulas": _rows(m)}  # fmt: skip
    return out
