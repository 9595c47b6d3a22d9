"""How long the CRNN alone takes to train (the issue's ≤ 10 minutes), with the load average.

Runs exactly what ``python -m nets.train crnn`` runs for the CRNN (same seed, strips, schedule,
validation after each epoch, one torch thread) and writes nothing; prints every epoch's time
and the total (prints, never asserts).

    python bench/crnn_train.py [--epochs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from nets import strips as S  # noqa: E402
from nets import train_crnn as T  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=T.EPOCHS)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"load average at start {T.load_average()}", flush=True)
    t0 = time.perf_counter()
    d = T.load_digits()
    val = S.strip_set(d.x, d.y, d.split["val"], T.VAL_PER_LENGTH, T.SEED + 2)
    _, info = T.train_model("crnn", args.epochs, T.STRIPS_PER_EPOCH, val, dry=False)
    total = time.perf_counter() - t0
    print(
        f"CRNN, {args.epochs} epochs: {total / 60:.1f} min in all (training epochs "
        f"{info['train_seconds'] / 60:.1f} min, median {info['seconds_per_epoch']:.1f} s per "
        f"epoch), best validation number accuracy {info['val_number_accuracy']:.3f}; "
        f"load average at the end {T.load_average()}"
    )


if __name__ == "__main__":
    main()
