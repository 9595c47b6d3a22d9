"""The two forecasters of the time-series page: a GRU and a causal dilated 1-D CNN (TCN-style).

Both read a window of W past values (normalised, see ``nets.series.Normaliser``) and predict
the next H values at once (one output per horizon h = 1..H), as changes from the window's last
value in normalised units. They are matched in size: :func:`matched_channels` picks the CNN's
width so its parameter count is within 10 % of the GRU's.

GRU forecaster (PyTorch's ``nn.GRU``, equations in ``nets/gru.py``)::

    h_t = GRU(x_t, h_{t-1}),  t = 1..W        x_t: one value, h_t: ``hidden`` numbers
    ŷ   = W_o h_W + b_o                        (H,): one output per horizon

Causal dilated CNN (layer l = 1..L, kernel k, dilation d_l = 2^(l-1))::

    a^l_t = ReLU( Σ_{j=0..k-1} W^l_j · a^{l-1}_{t - j·d_l} + b^l )   (+ a^{l-1}_t for l > 1)
    ŷ     = W_o a^L_W + b_o

Positions before the window's start count as 0 (left padding only), so an output at step t
never sees a step after t. The last step's output sees 1 + (k−1)·Σ d_l past steps (its
receptive field), which :func:`receptive_field` returns and the constructor checks covers W.

A checkpoint is ``{"config": asdict(cfg), "state_dict"}`` (``torch.load(weights_only=True)``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MATCH_TOLERANCE = 0.10  # the CNN's parameter count is within 10 % of the GRU's


# ----------------------------------------------------------------------------- GRU


@dataclass
class GRUForecasterConfig:
    window: int  # W: input steps
    horizon: int  # H: outputs (h = 1..H)
    hidden: int = 32


class GRUForecaster(nn.Module):
    """Window (B, W) → GRU(1→hidden) → last state → Linear(hidden→H)."""

    def __init__(self, cfg: GRUForecasterConfig):
        super().__init__()
        self.cfg = cfg
        self.gru = nn.GRU(1, cfg.hidden, batch_first=True)
        self.head = nn.Linear(cfg.hidden, cfg.horizon)

    def trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """x: (B, W). Returns ``hidden`` (B, W, hidden) h_t at every step, ``out`` (B, H)."""
        hidden, _ = self.gru(x.unsqueeze(-1))  # (B, W, hidden)
        return {"hidden": hidden, "out": self.head(hidden[:, -1])}  # out: (B, H)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trace(x)["out"]


# ----------------------------------------------------------------------------- causal CNN


def dilations_for(window: int, kernel: int = 3) -> list[int]:
    """Dilations 1, 2, 4, … until the last step's receptive field covers ``window`` steps."""
    dil = [1]
    while 1 + (kernel - 1) * sum(dil) < window:
        dil.append(dil[-1] * 2)
    return dil


def receptive_field(kernel: int, dilations: list[int]) -> int:
    """How many past steps (including the current one) one output of the last layer sees."""
    return 1 + (kernel - 1) * sum(dilations)


@dataclass
class TCNForecasterConfig:
    window: int
    horizon: int
    channels: int = 16
    kernel: int = 3
    dilations: list[int] = field(default_factory=list)  # empty: :func:`dilations_for`

    def __post_init__(self):
        if not self.dilations:
            self.dilations = dilations_for(self.window, self.kernel)


class TCNForecaster(nn.Module):
    """Window (B, W) → L causal dilated Conv1d + ReLU (residual after the first) → last step →
    Linear(channels→H)."""

    def __init__(self, cfg: TCNForecasterConfig):
        super().__init__()
        if receptive_field(cfg.kernel, cfg.dilations) < cfg.window:
            raise ValueError("the receptive field must cover the window")
        self.cfg = cfg
        self.convs = nn.ModuleList(
            nn.Conv1d(1 if i == 0 else cfg.channels, cfg.channels, cfg.kernel, dilation=d)
            for i, d in enumerate(cfg.dilations)
        )
        self.head = nn.Linear(cfg.channels, cfg.horizon)

    @property
    def layer_names(self) -> list[str]:
        return [f"conv{i + 1}" for i in range(len(self.convs))]

    def trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """x: (B, W). Returns each layer's feature maps ``conv1``… (B, C, W) and ``out`` (B, H)."""
        out: dict[str, torch.Tensor] = {}
        a = x.unsqueeze(1)  # (B, 1, W)
        for i, (conv, d) in enumerate(zip(self.convs, self.cfg.dilations, strict=True)):
            pad = (self.cfg.kernel - 1) * d
            z = torch.relu(conv(F.pad(a, (pad, 0))))  # left padding only: causal, (B, C, W)
            a = z if i == 0 else z + a  # residual connection from layer 2 on
            out[f"conv{i + 1}"] = a
        out["out"] = self.head(a[:, :, -1])  # the last step's features → (B, H)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trace(x)["out"]


def receptive_tree(
    window: int, kernel: int, dilations: list[int], pos: int
) -> tuple[list[np.ndarray], list[tuple[int, int, int]]]:
    """Which positions feed the output at step ``pos`` of the last layer, layer by layer.

    Args:
        window: W; kernel, dilations: the CNN's; pos: 0-based step of the last layer's output
            (W − 1 is the one the forecast reads).

    Returns:
        ``nodes``: for layer 0 (the input) … L, the sorted positions (inside the window) that
        reach the output; ``edges``: (layer, from position at layer − 1, to position at layer)
        for every kernel tap that connects them (taps before the window read the zero padding
        and are left out). The residual path (position t to t) is included from layer 2 on.
    """
    L = len(dilations)
    nodes: list[set[int]] = [set() for _ in range(L + 1)]
    nodes[L] = {pos}
    edges: list[tuple[int, int, int]] = []
    for layer in range(L, 0, -1):
        d = dilations[layer - 1]
        for t in sorted(nodes[layer]):
            srcs = [t - j * d for j in range(kernel)]
            if layer > 1:
                srcs.append(t)  # the residual connection
            for s in dict.fromkeys(srcs):
                if 0 <= s < window:
                    nodes[layer - 1].add(s)
                    edges.append((layer, s, t))
    return [np.array(sorted(n), dtype=np.int64) for n in nodes], edges


# ----------------------------------------------------------------------------- size matching


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def tcn_params(window: int, horizon: int, channels: int, kernel: int = 3) -> int:
    """Parameters of a :class:`TCNForecaster`, counted from its layer shapes (a test checks
    the count against a built model): first conv k·C + C, each later conv k·C² + C, head
    C·H + H."""
    L, C = len(dilations_for(window, kernel)), channels
    return (kernel * C + C) + (L - 1) * (kernel * C * C + C) + (C * horizon + horizon)


def matched_channels(gru: GRUForecasterConfig, kernel: int = 3) -> int:
    """The CNN width whose parameter count is closest to the GRU's (same window and horizon)."""
    target = param_count(GRUForecaster(gru))
    return min(
        range(2, 129), key=lambda c: abs(tcn_params(gru.window, gru.horizon, c, kernel) - target)
    )


def build_pair(
    window: int, horizon: int, hidden: int = 32, kernel: int = 3
) -> tuple[GRUForecaster, TCNForecaster]:
    """A GRU and a size-matched causal CNN for one series (parameters within 10 %)."""
    gcfg = GRUForecasterConfig(window, horizon, hidden)
    tcfg = TCNForecasterConfig(window, horizon, matched_channels(gcfg, kernel), kernel)
    return GRUForecaster(gcfg), TCNForecaster(tcfg)


# ----------------------------------------------------------------------------- checkpoints

KINDS = {"gru": (GRUForecaster, GRUForecasterConfig), "tcn": (TCNForecaster, TCNForecasterConfig)}


def checkpoint(model: nn.Module) -> dict:
    """``{"config", "state_dict"}``, loadable with ``torch.load(weights_only=True)``."""
    return {"config": asdict(model.cfg), "state_dict": model.state_dict()}


def from_checkpoint(kind: str, ck: dict) -> nn.Module:
    """Rebuild a ``"gru"`` or ``"tcn"`` forecaster in eval mode, weights frozen."""
    cls, cfg_cls = KINDS[kind]
    model = cls(cfg_cls(**ck["config"]))
    model.load_state_dict(ck["state_dict"])
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
