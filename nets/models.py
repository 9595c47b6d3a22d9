"""The four small models: image CNN, row GRU, text GRU with attention, TextCNN.

Each is a plain ``nn.Module`` with a dataclass config. A checkpoint is
``{"name", "config": asdict(cfg), "state_dict", "vocab"?}``, loadable with
``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------- image CNN


@dataclass
class ImageCNNConfig:
    in_channels: int = 1
    c1: int = 16
    c2: int = 32
    hidden: int = 128
    num_classes: int = 10
    image_size: int = 28
    dropout: float = 0.25


class ImageCNN(nn.Module):
    """The source document's ``CNNClassifier``: two conv+pool blocks, then two linear layers."""

    LAYERS = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "fc1", "logits")

    def __init__(self, cfg: ImageCNNConfig):
        super().__init__()
        self.cfg = cfg
        self.conv1 = nn.Conv2d(cfg.in_channels, cfg.c1, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(cfg.c1, cfg.c2, kernel_size=3, padding=1)
        side = cfg.image_size // 4
        self.fc1 = nn.Linear(cfg.c2 * side * side, cfg.hidden)
        self.drop = nn.Dropout(cfg.dropout)
        self.fc2 = nn.Linear(cfg.hidden, cfg.num_classes)

    def features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The convolutional part on any image size. x: (B, 1, H, W)."""
        out = {}
        out["conv1"] = self.conv1(x)  # (B, 16, H, W)
        out["relu1"] = torch.relu(out["conv1"])
        out["pool1"] = self.pool(out["relu1"])  # (B, 16, H/2, W/2)
        out["conv2"] = self.conv2(out["pool1"])  # (B, 32, H/2, W/2)
        out["relu2"] = torch.relu(out["conv2"])
        out["pool2"] = self.pool(out["relu2"])  # (B, 32, H/4, W/4)
        return out

    def trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every layer's output, in order (see ``LAYERS``). x: (B, 1, 28, 28)."""
        out = self.features(x)
        flat = out["pool2"].flatten(1)  # (B, 32*7*7)
        out["fc1"] = torch.relu(self.fc1(flat))  # (B, 128), after ReLU
        out["logits"] = self.fc2(self.drop(out["fc1"]))  # (B, 10)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trace(x)["logits"]


# ----------------------------------------------------------------------------- row GRU


@dataclass
class RowGRUConfig:
    input_size: int = 28
    hidden: int = 64
    num_classes: int = 10


class RowGRU(nn.Module):
    """Reads a digit as 28 time steps of 28 pixels (one row per step)."""

    def __init__(self, cfg: RowGRUConfig):
        super().__init__()
        self.cfg = cfg
        self.gru = nn.GRU(cfg.input_size, cfg.hidden, batch_first=True)
        self.fc = nn.Linear(cfg.hidden, cfg.num_classes)

    def trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """x: (B, 1, 28, 28) or (B, 28, 28). Returns hidden (B, T, H), step_logits, logits."""
        if x.dim() == 4:
            x = x[:, 0]  # (B, T=28 rows, 28 pixels)
        hidden, _ = self.gru(x)  # (B, T, H)
        step_logits = self.fc(hidden)  # (B, T, C): the prediction after reading t rows
        return {"hidden": hidden, "step_logits": step_logits, "logits": step_logits[:, -1]}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trace(x)["logits"]


# ----------------------------------------------------------------------------- text GRU


@dataclass
class TextGRUConfig:
    vocab_size: int
    embed_dim: int = 64
    hidden: int = 64
    attn_dim: int = 64
    num_classes: int = 2
    dropout: float = 0.3
    embed_dropout: float = 0.3
    pad_id: int = 0


class TextGRU(nn.Module):
    """Embedding → GRU → additive (Bahdanau) attention pooling → linear."""

    def __init__(self, cfg: TextGRUConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=cfg.pad_id)
        self.gru = nn.GRU(cfg.embed_dim, cfg.hidden, batch_first=True)
        self.attn_proj = nn.Linear(cfg.hidden, cfg.attn_dim)
        self.attn_v = nn.Linear(cfg.attn_dim, 1, bias=False)
        self.embed_drop = nn.Dropout(cfg.embed_dropout)
        self.drop = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(cfg.hidden, cfg.num_classes)

    def attention_scores(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (B, T, H) → unnormalised scores (B, T)."""
        return self.attn_v(torch.tanh(self.attn_proj(hidden))).squeeze(-1)

    def pool(self, hidden: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Attention pooling. hidden (B, T, H), mask (B, T) bool → context (B, H), weights (B, T)."""
        scores = self.attention_scores(hidden).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, T)
        context = torch.bmm(weights.unsqueeze(1), hidden).squeeze(1)  # (B, H)
        return context, weights

    def trace_embedded(self, emb: torch.Tensor, mask: torch.Tensor | None = None):
        """From embeddings (B, T, E): hidden (B, T, H), attention (B, T), logits (B, C)."""
        if mask is None:
            mask = torch.ones(emb.shape[:2], dtype=torch.bool, device=emb.device)
        hidden, _ = self.gru(self.embed_drop(emb))  # (B, T, H)
        context, weights = self.pool(hidden, mask)
        logits = self.fc(self.drop(context))  # (B, C)
        return {"hidden": hidden, "attention": weights, "context": context, "logits": logits}

    def forward(self, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is None:
            mask = ids != self.cfg.pad_id
        return self.trace_embedded(self.embedding(ids), mask)["logits"]


# ----------------------------------------------------------------------------- the RNN family


@dataclass
class TextRNNConfig:
    vocab_size: int
    cell: str = "lstm"  # "gru" or "lstm"
    bidirectional: bool = False
    embed_dim: int = 64
    hidden: int = 64  # per direction
    attn_dim: int = 64
    num_classes: int = 2
    dropout: float = 0.3
    embed_dropout: float = 0.3
    pad_id: int = 0


class TextRNN(TextGRU):
    """The RNN family: Embedding → GRU or LSTM (one or two directions) → additive attention → linear.

    With ``cell="lstm"`` this is the source document's ``TextRNN`` (``LSTM(128,
    return_sequences=True)`` + ``AttentionLayer``), at our size. Bidirectional: the state at step t
    is [h→_t ; h←_t] (forward read tokens 1..t, backward read tokens T..t), 2H wide, and attention
    weighs those concatenated states. The recurrent layer is ``self.rnn``.
    """

    def __init__(self, cfg: TextRNNConfig):
        nn.Module.__init__(self)
        self.cfg = cfg
        dirs = 2 if cfg.bidirectional else 1
        width = cfg.hidden * dirs
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=cfg.pad_id)
        cls = {"gru": nn.GRU, "lstm": nn.LSTM}[cfg.cell]
        self.rnn = cls(cfg.embed_dim, cfg.hidden, batch_first=True, bidirectional=cfg.bidirectional)
        self.attn_proj = nn.Linear(width, cfg.attn_dim)
        self.attn_v = nn.Linear(cfg.attn_dim, 1, bias=False)
        self.embed_drop = nn.Dropout(cfg.embed_dropout)
        self.drop = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(width, cfg.num_classes)

    @property
    def gru(self) -> nn.Module:  # the recurrent layer under TextGRU's name (its helpers read it)
        return self.rnn

    def trace_embedded(self, emb: torch.Tensor, mask: torch.Tensor | None = None):
        """From embeddings (B, T, E): hidden (B, T, H·dirs), attention (B, T), logits (B, C).

        ``mask`` (B, T) marks real tokens (right padding). A bidirectional batch with padding is
        packed, so the backward direction starts at each sentence's own last token; one direction
        needs no packing (a state never sees the padding after it; 3× faster on this CPU).
        """
        if mask is None:
            mask = torch.ones(emb.shape[:2], dtype=torch.bool, device=emb.device)
        x = self.embed_drop(emb)
        lengths = mask.sum(-1)
        if self.cfg.bidirectional and bool((lengths < emb.shape[1]).any()):
            packed = nn.utils.rnn.pack_padded_sequence(
                x, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            out, _ = self.rnn(packed)
            hidden, _ = nn.utils.rnn.pad_packed_sequence(
                out, batch_first=True, total_length=emb.shape[1]
            )  # (B, T, H·dirs), zeros past each end
        else:
            hidden, _ = self.rnn(x)  # (B, T, H·dirs)
        context, weights = self.pool(hidden, mask)
        logits = self.fc(self.drop(context))  # (B, C)
        return {"hidden": hidden, "attention": weights, "context": context, "logits": logits}


# ----------------------------------------------------------------------------- TextCNN


@dataclass
class TextCNNConfig:
    vocab_size: int
    embed_dim: int = 64
    num_filters: int = 64
    kernel_sizes: list[int] = field(default_factory=lambda: [3, 4, 5])
    num_classes: int = 2
    dropout: float = 0.5
    embed_dropout: float = 0.1
    pad_id: int = 0


class TextCNN(nn.Module):
    """Embedding → Conv1d with kernel sizes 3, 4, 5 (n-gram filters) → global max pool → linear."""

    def __init__(self, cfg: TextCNNConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed_dim, padding_idx=cfg.pad_id)
        self.convs = nn.ModuleList(
            nn.Conv1d(cfg.embed_dim, cfg.num_filters, k) for k in cfg.kernel_sizes
        )
        self.embed_drop = nn.Dropout(cfg.embed_dropout)
        self.drop = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(cfg.num_filters * len(cfg.kernel_sizes), cfg.num_classes)

    @property
    def min_len(self) -> int:
        return max(self.cfg.kernel_sizes)

    def trace_embedded(self, emb: torch.Tensor, lengths: torch.Tensor | None = None):
        """From embeddings (B, T, E) with T ≥ max kernel size.

        Windows that reach past a sentence's end (into padding) are masked out of the max
        pool, except the first window of a sentence shorter than the kernel.

        Returns feature maps per kernel (B, F, T-k+1), the argmax position of each filter
        (B, F), pooled features (B, F*K) and logits (B, C).
        """
        B, T, _ = emb.shape
        if lengths is None:
            lengths = torch.full((B,), T, dtype=torch.long, device=emb.device)
        x = self.embed_drop(emb).transpose(1, 2)  # (B, E, T)
        maps, argmax, pooled = [], [], []
        for k, conv in zip(self.cfg.kernel_sizes, self.convs, strict=True):
            fmap = torch.relu(conv(x))  # (B, F, T-k+1)
            pos = torch.arange(fmap.shape[-1], device=emb.device)
            valid = pos[None, :] < torch.clamp(lengths - k + 1, min=1)[:, None]  # (B, T-k+1)
            masked = fmap.masked_fill(~valid[:, None, :], float("-inf"))
            val, idx = masked.max(dim=-1)  # (B, F)
            maps.append(fmap)
            argmax.append(idx)
            pooled.append(val)
        feats = torch.cat(pooled, dim=-1)  # (B, F*K)
        logits = self.fc(self.drop(feats))
        return {"maps": maps, "argmax": argmax, "pooled": feats, "logits": logits}

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if lengths is None:
            lengths = (ids != self.cfg.pad_id).sum(-1)
        if ids.shape[1] < self.min_len:
            ids = F.pad(ids, (0, self.min_len - ids.shape[1]), value=self.cfg.pad_id)
        return self.trace_embedded(self.embedding(ids), lengths)["logits"]


# ----------------------------------------------------------------------------- checkpoints

# The family's checkpoints beyond text_gru (see nets/family.py): cell × direction × tokenisation.
FAMILY = ("text_lstm", "text_bigru", "text_gru_word", "text_lstm_word", "text_bigru_word")

MODEL_CLASSES = {
    "image_cnn": (ImageCNN, ImageCNNConfig),
    "row_gru": (RowGRU, RowGRUConfig),
    "text_gru": (TextGRU, TextGRUConfig),
    "text_cnn": (TextCNN, TextCNNConfig),
    **{name: (TextRNN, TextRNNConfig) for name in FAMILY},
}


def checkpoint(name: str, model: nn.Module, vocab: list[str] | None = None) -> dict:
    """A weights-only-loadable checkpoint: name, config, state_dict, optional vocabulary."""
    ck = {"name": name, "config": asdict(model.cfg), "state_dict": model.state_dict()}
    if vocab is not None:
        ck["vocab"] = list(vocab)
    return ck


def from_checkpoint(ck: dict) -> nn.Module:
    """Rebuild a model in eval mode from :func:`checkpoint`'s dict.

    The parameters are the checkpoint's own tensors (``assign=True``), not copies: a loader that
    keeps the checkpoint (``nets.registry``) then holds each weight once, not twice.
    """
    cls, cfg_cls = MODEL_CLASSES[ck["name"]]
    model = cls(cfg_cls(**ck["config"]))
    model.load_state_dict(ck["state_dict"], assign=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
