"""长文本处理 on real sentences: accuracy by length, per language, with confidence intervals.

The app's two text models (the attention GRU and the TextCNN: same data, split, vocabulary,
optimiser and seed; 743,682 and 764,098 parameters, 96 % of each in the shared-size embedding)
read every held-out test sentence. Per language and length bucket: each model's accuracy with a
bootstrap 95 % CI, the paired difference (same sentences) with its CI, and the exact McNemar
test. Buckets with fewer than ``MIN_BUCKET`` sentences are kept in the file but not drawn and
not used by a verdict.
"""

from __future__ import annotations

import numpy as np

from ..data import load_text
from ..registry import load_model, load_vocab
from ..stats import bootstrap_ci, mcnemar_exact, paired_difference_ci
from ..train import LENGTH_BUCKETS, text_predictions

MIN_BUCKET = 50
MODELS = {"cnn": "text_cnn", "rnn": "text_gru"}


def test_correctness(limit: int | None = None) -> dict:
    """Per held-out test sentence: language, length (tokens) and whether each app model reads
    it right. ``limit``: an evenly strided slice (quick runs)."""
    t, vocab = load_text(), load_vocab()
    idx = t.split["test"]
    if limit:
        idx = idx[:: max(1, len(idx) // limit)][:limit]
    seqs = [vocab.encode(t.tokens[i]) for i in idx]
    out = {
        "lang": np.array([t.langs[i] for i in idx]),
        "length": np.array([len(s) for s in seqs]),
    }
    for key, name in MODELS.items():
        pred = text_predictions(load_model(name), seqs) >= 0.5
        out[key] = pred == t.labels[idx].astype(bool)
    return out


def _ci(x: np.ndarray) -> list[float]:
    return [round(v, 4) for v in bootstrap_ci(x.astype(float))]


def bucket_table(c: dict) -> dict:
    """lang → one row per length bucket: bucket, n, cnn/rnn [acc, lo, hi], diff (rnn − cnn)
    [d, lo, hi], mcnemar [b01 (CNN right, GRU wrong), b10, p], drawn (n ≥ MIN_BUCKET)."""
    out: dict = {}
    for lang in ("zh", "en"):
        rows = []
        for lo, hi in LENGTH_BUCKETS:
            m = (c["lang"] == lang) & (c["length"] >= lo) & (c["length"] <= hi)
            n = int(m.sum())
            if not n:
                continue
            cnn, rnn = c["cnn"][m], c["rnn"][m]
            rows.append({
                "bucket": f"{lo}-{hi}",
                "n": n,
                "cnn": _ci(cnn),
                "rnn": _ci(rnn),
                "diff": [round(v, 4) for v in paired_difference_ci(rnn, cnn)],
                "mcnemar": list(mcnemar_exact(cnn, rnn)),
                "drawn": n >= MIN_BUCKET,
            })  # fmt: skip
        out[lang] = rows
    return out


def long_text(limit: int | None = None) -> dict:
    """The whole section's numbers (see module docstring)."""
    c = test_correctness(limit)
    return {
        "models": MODELS,
        "min_bucket": MIN_BUCKET,
        "n": int(len(c["lang"])),
        "overall": {
            lang: {k: _ci(c[k][c["lang"] == lang]) for k in ("cnn", "rnn")} for lang in ("zh", "en")
        },
        "langs": bucket_table(c),
    }
