"""处理否定、转折 and 快速识别关键词组合模式 on hand-written minimal pairs.

The app's TextCNN and attention GRU read every sentence of ``assets/minimal_pairs.json``
(nets/contrast.py). Per category and language: each model's accuracy over sentences with a
bootstrap 95 % CI (resampling whole pairs, since a pair's two sentences are not independent),
its pair accuracy (both sentences right) and the exact McNemar test between the models; and the
same pooled over both languages for the verdicts' category groups.
"""

from __future__ import annotations

import numpy as np

from ..contrast import CATEGORIES, CONTRAST_PAIRS, contrast_results
from ..stats import bootstrap_ci, mcnemar_exact
from .verdicts import KEYWORD_CATEGORIES, NEGATION_CATEGORIES


def _pair_ci(ok: np.ndarray) -> list[float]:
    """Sentence accuracy with a CI from resampling pairs. ok: (pairs, 2) bool."""
    point, lo, hi = bootstrap_ci(ok.astype(float), stat=np.mean)
    return [round(point, 4), round(lo, 4), round(hi, 4)]


def summarise(rows: list[dict]) -> dict:
    """Accuracies, CIs and the McNemar test for a group of sentences (both sides of each pair).

    Returns:
        {"n" (sentences), "pairs", "cnn"/"rnn" [acc, lo, hi], "cnn_pairs"/"rnn_pairs" (pairs
        with both sentences right), "mcnemar" [b01 (CNN right, GRU wrong), b10, p]}.
    """
    cnn = np.array([r["cnn_ok"] for r in rows], dtype=bool).reshape(-1, 2)
    rnn = np.array([r["rnn_ok"] for r in rows], dtype=bool).reshape(-1, 2)
    return {
        "n": int(cnn.size),
        "pairs": int(len(cnn)),
        "cnn": _pair_ci(cnn),
        "rnn": _pair_ci(rnn),
        "cnn_pairs": int(cnn.all(1).sum()),
        "rnn_pairs": int(rnn.all(1).sum()),
        "mcnemar": list(mcnemar_exact(cnn.ravel(), rnn.ravel())),
    }


def pair_results(rows: list[dict] | None = None) -> dict:
    """The section's numbers: every sentence's result, per (category, language) summaries and
    the pooled groups (``negation+contrast+double_negation`` and ``keyword``)."""
    rows = contrast_results() if rows is None else rows
    by_cat: dict = {}
    for cat in CATEGORIES:
        by_cat[cat] = {}
        for lang in ("zh", "en", "all"):
            sel = [r for r in rows if r["category"] == cat and lang in (r["lang"], "all")]
            if sel:
                by_cat[cat][lang] = summarise(sel)
    pooled = {}
    for group in (NEGATION_CATEGORIES, KEYWORD_CATEGORIES):
        sel = [r for r in rows if r["category"] in group]
        pooled["+".join(group)] = summarise(sel)
    keep = ("id", "category", "lang", "side", "text", "expected", "cnn", "rnn")
    return {
        "models": {"cnn": "text_cnn", "rnn": "text_gru"},
        "n_pairs": len(CONTRAST_PAIRS),
        "rows": [
            {k: (round(r[k], 4) if k in ("cnn", "rnn") else r[k]) for k in keep} for r in rows
        ],
        "categories": by_cat,
        "pooled": pooled,
    }
