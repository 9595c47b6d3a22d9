"""The lab's models and the sizes that make a CNN and an RNN comparable.

Beside the app's four models (nets/models.py) the lab needs:

- :class:`SeqRNN`: embedding → a plain tanh RNN or a GRU → the last state at each sentence's
  length → linear (the first document's ``RNNClassifier``; no attention).
- :class:`TextTransformer`: embedding → linear to d → + sinusoidal positional encoding →
  2 encoder layers (self-attention, feed-forward, post-norm) → mean over the sentence → linear.
- Matched sizes: :func:`matched_text_cnn` picks the TextCNN's filters so that its parameters
  without the embedding table are within 10 % of the attention GRU's; :data:`DIGIT_CNN` is an
  image CNN of the document's shape sized like the row GRU (parameters and multiply-accumulates).

Every text model here is called as ``model(ids, lengths)`` through :func:`text_logits`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn

from .. import models as M

EMBED = 64  # every text model's embedding size (the app's models use 64)
HIDDEN = 64  # the GRUs' hidden size (the app's models use 64)
MATCH_TOLERANCE = 0.10  # "matched": within 10 % of each other


# ----------------------------------------------------------------------------- plain RNN / GRU


@dataclass
class SeqRNNConfig:
    vocab_size: int
    embed_dim: int = EMBED
    hidden: int = HIDDEN
    cell: str = "gru"  # "gru" or "rnn" (tanh)
    num_classes: int = 2
    pad_id: int = 0


class SeqRNN(nn.Module):
    """Embedding → RNN (tanh) or GRU → the state after each sentence's last token → linear.

    A tanh RNN step is h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh); a GRU step is
    nets/gru.py's. The classifier reads h at the sentence's own last token (padding after it
    is never read: the RNN is causal).
    """

    def __init__(self, cfg: SeqRNNConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=cfg.pad_id)
        rnn_cls = {"gru": nn.GRU, "rnn": nn.RNN}[cfg.cell]
        self.rnn = rnn_cls(cfg.embed_dim, cfg.hidden, batch_first=True)
        self.fc = nn.Linear(cfg.hidden, cfg.num_classes)

    def trace_embedded(self, emb: torch.Tensor, lengths: torch.Tensor) -> dict:
        """emb (B, T, E), lengths (B,) → hidden (B, T, H), last (B, H), logits (B, C)."""
        hidden, _ = self.rnn(emb)  # (B, T, H)
        idx = (lengths.clamp(min=1) - 1).view(-1, 1, 1).expand(-1, 1, hidden.shape[-1])
        last = hidden.gather(1, idx).squeeze(1)  # (B, H)
        return {"hidden": hidden, "last": last, "logits": self.fc(last)}

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if lengths is None:
            lengths = (ids != self.cfg.pad_id).sum(-1)
        return self.trace_embedded(self.embedding(ids), lengths)["logits"]


# ----------------------------------------------------------------------------- Transformer


def positional_encoding(T: int, d: int) -> torch.Tensor:
    """Sinusoidal positions (no parameters): PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos.

    Returns:
        (T, d) float32.
    """
    pos = torch.arange(T, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(T, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)[:, : d // 2]
    return pe


@dataclass
class TransformerConfig:
    vocab_size: int
    embed_dim: int = EMBED
    d_model: int = 40
    heads: int = 2
    ff: int = 80
    layers: int = 2
    num_classes: int = 2
    dropout: float = 0.1
    pad_id: int = 0


class EncoderLayer(nn.Module):
    """One post-norm encoder layer, as ``nn.TransformerEncoderLayer`` (ReLU):
    x ← LN(x + SelfAttention(x)); x ← LN(x + W₂ ReLU(W₁ x)). Keeps its attention weights."""

    def __init__(self, d: int, heads: int, ff: int, dropout: float):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
        self.ff1 = nn.Linear(d, ff)
        self.ff2 = nn.Linear(ff, d)
        self.norm1 = nn.LayerNorm(d)
        self.norm2 = nn.LayerNorm(d)
        self.drop = nn.Dropout(dropout)

    def forward(
        self, x: torch.Tensor, pad: torch.Tensor, weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x (B, T, d), pad (B, T) True at padding → x (B, T, d) and, when ``weights``, the
        attention weights (B, T, T) averaged over heads (else None: the fused kernel is used)."""
        a, w = self.attn(x, x, x, key_padding_mask=pad, need_weights=weights)
        x = self.norm1(x + self.drop(a))
        x = self.norm2(x + self.drop(self.ff2(self.drop(torch.relu(self.ff1(x))))))
        return x, w


class TextTransformer(nn.Module):
    """Embedding (64) → Linear(64→d) + sinusoidal positions → encoder layers → masked mean →
    linear. Every position is computed at once (no step-by-step recurrence)."""

    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=cfg.pad_id)
        self.proj = nn.Linear(cfg.embed_dim, cfg.d_model)
        self.layers = nn.ModuleList(
            EncoderLayer(cfg.d_model, cfg.heads, cfg.ff, cfg.dropout) for _ in range(cfg.layers)
        )
        self.fc = nn.Linear(cfg.d_model, cfg.num_classes)

    def trace_embedded(
        self, emb: torch.Tensor, lengths: torch.Tensor, weights: bool = False
    ) -> dict:
        """emb (B, T, E), lengths (B,) → states (B, T, d), attention per layer (B, T, T) when
        ``weights`` (else an empty list), pooled (B, d), logits (B, C)."""
        B, T, _ = emb.shape
        pad = torch.arange(T, device=emb.device)[None, :] >= lengths.clamp(min=1)[:, None]
        x = self.proj(emb) + positional_encoding(T, self.cfg.d_model)[None]  # (B, T, d)
        attention = []
        for layer in self.layers:
            x, w = layer(x, pad, weights)
            if w is not None:
                attention.append(w)
        keep = (~pad).unsqueeze(-1).float()  # (B, T, 1)
        pooled = (x * keep).sum(1) / keep.sum(1)  # (B, d)
        return {"states": x, "attention": attention, "pooled": pooled, "logits": self.fc(pooled)}

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if lengths is None:
            lengths = (ids != self.cfg.pad_id).sum(-1)
        return self.trace_embedded(self.embedding(ids), lengths)["logits"]


# ----------------------------------------------------------------------------- one interface


def text_logits(model: nn.Module, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Logits (B, C) of any text model (TextGRU, TextCNN, SeqRNN, TextTransformer).

    Args:
        ids: (B, T) token ids, right-padded with 0.
        lengths: (B,) tokens per sentence.
    """
    if isinstance(model, M.TextGRU):
        mask = torch.arange(ids.shape[1])[None, :] < lengths.clamp(min=1)[:, None]
        return model(ids, mask)
    return model(ids, lengths)


def embedding_params(model: nn.Module) -> int:
    """Parameters of the model's embedding table (0 without one)."""
    emb = getattr(model, "embedding", None)
    return emb.weight.numel() if isinstance(emb, nn.Embedding) else 0


def body_params(model: nn.Module) -> int:
    """Parameters without the embedding table: what the architecture itself adds."""
    return M.param_count(model) - embedding_params(model)


# ----------------------------------------------------------------------------- matched sizes


def text_gru(vocab_size: int, **kw) -> M.TextGRU:
    """The attention GRU of the app (E = 64, H = 64, attention 64)."""
    return M.TextGRU(M.TextGRUConfig(vocab_size=vocab_size, **kw))


def text_cnn_body(filters: int, kernels=(3, 4, 5), embed: int = EMBED, classes: int = 2) -> int:
    """Parameters of a TextCNN without its embedding: Σ_k (k·E·F + F) + (F·K·C + C)."""
    return (
        sum(k * embed * filters + filters for k in kernels)
        + filters * len(kernels) * classes
        + classes
    )


def matched_filters(target: int, kernels=(3, 4, 5)) -> int:
    """The filter count whose TextCNN body is closest to ``target`` parameters."""
    return min(range(1, 1024), key=lambda f: abs(text_cnn_body(f, kernels) - target))


def text_cnn(vocab_size: int, filters: int, **kw) -> M.TextCNN:
    return M.TextCNN(M.TextCNNConfig(vocab_size=vocab_size, num_filters=filters, **kw))


def matched_text_cnn(vocab_size: int) -> M.TextCNN:
    """A TextCNN (k = 3, 4, 5) whose body matches the attention GRU's body in parameters."""
    target = body_params(text_gru(vocab_size))
    return text_cnn(vocab_size, matched_filters(target))


def text_transformer(vocab_size: int, **kw) -> TextTransformer:
    """The lab's 2-layer Transformer encoder (d = 40, 2 heads, feed-forward 80): its body is
    within 10 % of the attention GRU's."""
    return TextTransformer(TransformerConfig(vocab_size=vocab_size, **kw))


def seq_rnn(vocab_size: int, cell: str, **kw) -> SeqRNN:
    return SeqRNN(SeqRNNConfig(vocab_size=vocab_size, cell=cell, **kw))


# The image CNN of the document's shape (conv 3×3 → pool → conv 3×3 → pool → fc → fc) sized
# like the row GRU (H = 64): parameters and multiply-accumulates per digit both within 10 %.
DIGIT_CNN = M.ImageCNNConfig(c1=12, c2=20, hidden=16, dropout=0.1)
DIGIT_GRU = M.RowGRUConfig(hidden=64)


def digit_cnn() -> M.ImageCNN:
    return M.ImageCNN(DIGIT_CNN)


def digit_gru() -> M.RowGRU:
    return M.RowGRU(DIGIT_GRU)


def relative_gap(a: float, b: float) -> float:
    """|a − b| / max(a, b): 0.05 means the two differ by 5 % of the larger."""
    return abs(a - b) / max(abs(a), abs(b))
