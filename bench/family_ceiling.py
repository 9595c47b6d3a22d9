"""How close the text models are to this corpus's ceiling on the Chinese test split. Prints only.

    python bench/family_ceiling.py

For every shipped text model (the TextCNN, the GRU and the RNN family members) it predicts the
held-out test split and prints the Chinese accuracy with a 95 % Wilson interval, then the share
of Chinese test sentences that every model gets wrong and that at least one gets right (an
oracle over the models: an upper bound for any choice among them), and the accuracy of the
members' average P(positive) (an ensemble, for reference; the app shows single models).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nets.data import load_text  # noqa: E402
from nets.family import MEMBERS, vocab_source  # noqa: E402
from nets.registry import load_model, load_vocab  # noqa: E402
from nets.stats import wilson  # noqa: E402
from nets.train import text_ids, text_predictions  # noqa: E402
from nets.train_family import sequences  # noqa: E402


def main() -> None:
    t = load_text()
    te = t.split["test"]
    zh = np.array([t.langs[i] == "zh" for i in te])
    y = t.labels[te]
    probs = {"text_cnn": text_predictions(load_model("text_cnn"), text_ids(load_vocab(), te))}
    for name in MEMBERS:
        vocab = load_vocab(vocab_source(name))
        probs[name] = text_predictions(load_model(name), sequences(MEMBERS[name], vocab, te))
    right = {}
    n = int(zh.sum())
    for name, p in probs.items():
        ok = ((p >= 0.5) == y)[zh]
        right[name] = ok
        lo, hi = wilson(int(ok.sum()), n)
        print(f"{name:16s} Chinese test accuracy {ok.mean():.2%}  (95 % CI {lo:.2%}–{hi:.2%})")
    ok = np.stack(list(right.values()))
    print(f"Chinese test sentences: {n}")
    print(f"wrong for every one of the {len(right)} models: {(~ok).all(0).mean():.2%}")
    print(f"right for at least one (oracle upper bound): {ok.any(0).mean():.2%}")
    avg = np.mean([probs[m] for m in MEMBERS], axis=0)
    print(
        f"average of the {len(MEMBERS)} members' P(positive): {((avg >= 0.5) == y)[zh].mean():.2%}"
    )
    print("load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
