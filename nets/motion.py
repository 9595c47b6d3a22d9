"""Which way is the digit moving? A CNN looks at every frame, a GRU reads the frames in order.

The model (``kind="gru"``)::

    clip (F=10 frames, 1, 40, 40)
      → the same small CNN on every frame (shared weights):
        conv 3×3 (1→8) → ReLU → max-pool 2×2      (8, 20, 20)
        conv 3×3 (8→16) → ReLU → max-pool 2×2     (16, 10, 10)
        flatten (1600) → Linear(1600→64) → ReLU    frame features f_t (64)
      → GRU(64→64) over the frames                 h_t has seen frames 1..t (nets/gru.py)
      → Linear(64→5) on every h_t                  the direction after t frames
                                                   (up, down, left, right, still); the answer is
                                                   the last one

Two ablations, same CNN, trained the same way:

- ``kind="one_frame"``: the CNN on the middle frame only → Linear(64→5). One frame shows where
  the digit is, not where it goes (the clips are built so the middle position does not depend
  on the direction), so it should be near chance (20 %).
- ``kind="diff"``: the CNN on the difference of two neighbouring middle frames (frame 6 −
  frame 5) → Linear(64→5): the change between two frames carries the motion, blurred by jitter.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from .strips import CLIP_SIZE, DIRECTIONS, FRAMES

KINDS = ("gru", "one_frame", "diff")


@dataclass
class MotionConfig:
    kind: str = "gru"  # "gru" | "one_frame" | "diff"
    frames: int = FRAMES
    size: int = CLIP_SIZE
    c1: int = 8
    c2: int = 16
    feat: int = 64
    hidden: int = 64
    num_classes: int = len(DIRECTIONS)


class MotionNet(nn.Module):
    """A clip → the direction of motion (see the module docstring)."""

    LAYERS = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "features")

    def __init__(self, cfg: MotionConfig):
        super().__init__()
        if cfg.kind not in KINDS:
            raise ValueError(f"unknown motion kind {cfg.kind!r}")
        self.cfg = cfg
        self.conv1 = nn.Conv2d(1, cfg.c1, 3, padding=1)
        self.conv2 = nn.Conv2d(cfg.c1, cfg.c2, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(cfg.c2 * (cfg.size // 4) ** 2, cfg.feat)
        if cfg.kind == "gru":
            self.gru = nn.GRU(cfg.feat, cfg.hidden, batch_first=True)
            self.head = nn.Linear(cfg.hidden, cfg.num_classes)
        else:
            self.head = nn.Linear(cfg.feat, cfg.num_classes)

    @property
    def middle(self) -> int:
        """The frame the one-frame model sees (0-based); the diff model sees it and the next."""
        return self.cfg.frames // 2 - 1  # strips.MIDDLE for the clips' 10 frames

    def cnn(self, frames: torch.Tensor) -> dict:
        """The per-frame CNN. frames: (N, 1, 40, 40) → every layer, features (N, 64)."""
        out = {}
        out["conv1"] = self.conv1(frames)  # (N, 8, 40, 40)
        out["relu1"] = torch.relu(out["conv1"])
        out["pool1"] = self.pool(out["relu1"])  # (N, 8, 20, 20)
        out["conv2"] = self.conv2(out["pool1"])  # (N, 16, 20, 20)
        out["relu2"] = torch.relu(out["conv2"])
        out["pool2"] = self.pool(out["relu2"])  # (N, 16, 10, 10)
        out["features"] = torch.relu(self.fc(out["pool2"].flatten(1)))  # (N, 64)
        return out

    def inputs(self, clip: torch.Tensor) -> torch.Tensor:
        """What the CNN looks at. clip (B, F, 40, 40) → (B, F', 1, 40, 40): all F frames
        (``gru``), the middle one (``one_frame``) or the difference of two (``diff``)."""
        m = self.middle
        if self.cfg.kind == "gru":
            return clip[:, :, None]
        if self.cfg.kind == "one_frame":
            return clip[:, m : m + 1, None]
        return (clip[:, m + 1] - clip[:, m])[:, None, None]

    def trace(self, clip: torch.Tensor) -> dict:
        """Every layer's output. clip: (B, F, 40, 40) in [0, 1].

        Returns:
            dict with ``inputs`` (B, F', 40, 40) what the CNN saw, the CNN layers per frame
            (B, F', …), ``features`` (B, F', 64), for ``gru``: ``hidden`` (B, F, 64) and
            ``step_logits`` (B, F, 5) the direction after each frame; ``logits`` (B, 5).
        """
        x = self.inputs(clip)  # (B, F', 1, 40, 40)
        B, Fp = x.shape[:2]
        layers = self.cnn(x.flatten(0, 1))
        out = {"inputs": x[:, :, 0]}
        out.update({k: v.reshape(B, Fp, *v.shape[1:]) for k, v in layers.items()})
        if self.cfg.kind == "gru":
            out["hidden"], _ = self.gru(out["features"])  # (B, F, 64)
            out["step_logits"] = self.head(out["hidden"])  # (B, F, 5)
            out["logits"] = out["step_logits"][:, -1]
        else:
            out["logits"] = self.head(out["features"][:, 0])  # (B, 5)
        return out

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        return self.trace(clip)["logits"]


def checkpoint(name: str, model: MotionNet) -> dict:
    return {"name": name, "config": asdict(model.cfg), "state_dict": model.state_dict()}


def from_checkpoint(ck: dict) -> MotionNet:
    """Rebuild a motion model in eval mode, parameters frozen."""
    model = MotionNet(MotionConfig(**ck["config"]))
    model.load_state_dict(ck["state_dict"])
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
