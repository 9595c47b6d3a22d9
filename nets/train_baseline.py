"""A simple non-neural baseline for the text task: ``python -m nets.train baseline``.

TF-IDF of token n-grams + logistic regression (scikit-learn). The tokens are the neural models'
own (``nets.text.corpus_tokens``: Chinese character by character, English word by word), so the
n-grams are character n-grams in Chinese and word n-grams in English. Same data and split as
the neural text models (``nets.data.load_text``). The settings (largest n-gram, C) are chosen on
the validation split only; the chosen model, fitted on the training split, is then read once on
the test split. Writes ``<out>/metrics/tfidf_baseline.json`` with the same keys as the neural
models' metrics and a ``card`` entry, so the home page's model card lists it.

No fitted model is shipped: the n-gram vocabulary alone would be megabytes of JSON, while the
fit is deterministic (liblinear with a fixed seed) and takes a few seconds, so the tests re-fit
it with the recorded settings and compare the metrics (``tests/test_truth_baseline.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import SEED, load_text
from .train import accuracy_report

NGRAM_MAX = (1, 2, 3)  # largest n-gram tried (all n-grams from 1 to this)
CS = (0.3, 1.0, 3.0, 10.0)  # inverse regularisation strengths tried
MIN_DF = 2  # an n-gram must occur in 2 training sentences (like the neural vocabulary)
DRY_LIMIT = 600


def ngrams(tokens: list[str], n_max: int) -> list[str]:
    """All 1…``n_max``-grams of a token list, joined by a space (in order)."""
    out = list(tokens)
    for k in range(2, n_max + 1):
        out += [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]
    return out


class _Analyzer:
    """A picklable n-gram analyzer for ``TfidfVectorizer(analyzer=...)``."""

    def __init__(self, n_max: int):
        self.n_max = n_max

    def __call__(self, tokens: list[str]) -> list[str]:
        return ngrams(tokens, self.n_max)


@dataclass
class Baseline:
    """A fitted TF-IDF + logistic-regression baseline."""

    n_max: int
    C: float
    vectorizer: object
    classifier: object

    @property
    def n_features(self) -> int:
        return len(self.vectorizer.vocabulary_)

    def predict(self, docs: list[list[str]]) -> np.ndarray:
        """0/1 predictions (1 = positive) for token lists."""
        return self.classifier.predict(self.vectorizer.transform(docs))


def fit(docs: list[list[str]], labels: np.ndarray, n_max: int, C: float) -> Baseline:
    """Fit the vectoriser and the classifier on token lists (deterministic: fixed seed)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer=_Analyzer(n_max), min_df=MIN_DF, sublinear_tf=True)
    X = vec.fit_transform(docs)
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=SEED)
    clf.fit(X, labels)
    return Baseline(n_max, C, vec, clf)


def splits(dry: bool) -> dict[str, np.ndarray]:
    """The neural models' split (a strided slice of each part for a dry run)."""
    from .train import subsample

    t = load_text()
    return {k: subsample(t.split[k], DRY_LIMIT if dry else None) for k in ("train", "val", "test")}


def select(idx: dict[str, np.ndarray]) -> tuple[int, float, list[dict]]:
    """Grid search on the validation split: (n_max, C, every setting's val accuracy).

    Ties go to the first setting in grid order (the smaller n-gram, the stronger regularisation).
    """
    t = load_text()
    docs = t.tokens
    tr = [docs[i] for i in idx["train"]]
    va = [docs[i] for i in idx["val"]]
    grid, best = [], None
    for n_max in NGRAM_MAX:
        for C in CS:
            model = fit(tr, t.labels[idx["train"]], n_max, C)
            acc = float((model.predict(va) == t.labels[idx["val"]]).mean())
            grid.append({"ngram_max": n_max, "C": C, "val_accuracy": acc})
            print(f"  n-grams 1–{n_max}, C={C}: val accuracy {acc:.4f}", flush=True)
            if best is None or acc > best[2]:
                best = (n_max, C, acc)
    return best[0], best[1], grid


def report(model: Baseline, idx: np.ndarray) -> dict:
    """Accuracy overall, per language and per length bucket on the given split indices (the
    same figures as ``nets.train.text_report`` gives for the neural models)."""
    t = load_text()
    docs = [t.tokens[i] for i in idx]
    langs = np.array([t.langs[i] for i in idx])
    lengths = np.array([len(d) for d in docs])
    return accuracy_report(model.predict(docs) == t.labels[idx], langs, lengths)


def architecture(n_max: int, C: float) -> str:
    return (
        f"TF-IDF of token 1–{n_max}-grams (Chinese characters, English words; sublinear tf, "
        f"min_df {MIN_DF}) → logistic regression (C={C:g})"
    )


def run(out: Path, dry: bool) -> dict:
    """Choose the settings on the validation split, fit on the training split, report on test.

    Args:
        out: the CLI's output folder (``assets/`` or a temporary folder for a dry run).
        dry: a strided slice of ``DRY_LIMIT`` sentences per split.
    """
    import sklearn

    idx = splits(dry)
    t = load_text()
    print(f"TF-IDF baseline: {len(idx['train'])} training sentences", flush=True)
    n_max, C, grid = select(idx)
    t0 = time.perf_counter()
    model = fit([t.tokens[i] for i in idx["train"]], t.labels[idx["train"]], n_max, C)
    fit_seconds = time.perf_counter() - t0
    rep = report(model, idx["test"])
    metrics = {
        "name": "tfidf_baseline",
        "architecture": architecture(n_max, C),
        "params": int(model.classifier.coef_.size + model.classifier.intercept_.size),
        "date": dt.date.today().isoformat(),
        "seed": SEED,
        "dry_run": dry,
        "settings": {"ngram_max": n_max, "C": C, "min_df": MIN_DF, "sublinear_tf": True},
        "selection": {"split": "val", "grid": grid},
        "val_accuracy": max(g["val_accuracy"] for g in grid),
        "fit_seconds": fit_seconds,
        "test_accuracy": rep["accuracy"],
        "test_accuracy_by_language": rep["by_language"],
        "test_n_by_language": rep["n_by_language"],
        "accuracy_by_length": rep["by_length"],
        "data": {
            "train": len(idx["train"]),
            "val": len(idx["val"]),
            "test": len(idx["test"]),
            "features": model.n_features,
        },
        "code": "nets/train_baseline.py (python -m nets.train baseline)",
        "sklearn_version": sklearn.__version__,
        "card": {"data_key": "card.data.text", "order": 10},
    }
    (out / "metrics").mkdir(parents=True, exist_ok=True)
    path = out / "metrics" / "tfidf_baseline.json"
    path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"  tfidf_baseline: test accuracy {rep['accuracy']:.4f} "
        f"(zh {rep['by_language']['zh']:.4f}, en {rep['by_language']['en']:.4f}); wrote {path}",
        flush=True,
    )
    return metrics
