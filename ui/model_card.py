"""The model card: one row per model, read from ``assets/metrics/<name>.json``.

Pure data shaping (no Streamlit calls) so it can be unit-tested; the home page only displays
the rows. No number is typed here: every figure comes from the training run's metrics file.
"""

from __future__ import annotations

import math
from pathlib import Path

from nets.metrics import read_metrics
from nets.paths import METRICS
from ui.i18n import t

MODEL_NAMES = ("image_cnn", "row_gru", "text_gru", "text_cnn")
# Which training set each model was trained on (i18n key of its description).
DATA_KEY = {
    "image_cnn": "card.data.digits",
    "row_gru": "card.data.digits",
    "text_gru": "card.data.text",
    "text_cnn": "card.data.text",
}
# Column order of the card; each is an i18n key whose text is the column header. Short figures
# first, long text last: on a phone the table scrolls sideways and the accuracy stays in view.
COLUMNS = (
    "card.col.model",
    "card.col.test_acc",
    "card.col.test_zh",
    "card.col.test_en",
    "card.col.params",
    "card.col.epochs",
    "card.col.sec_epoch",
    "card.col.arch",
    "card.col.data",
)
DASH = "—"


def _dir(metrics_dir: Path | None) -> Path:
    """The metrics folder: ``metrics_dir``, else ``METRICS`` looked up at call time."""
    return Path(metrics_dir if metrics_dir is not None else METRICS)


def extra_models(metrics_dir: Path | None = None) -> list[str]:
    """Models beyond the four core ones that ask for a card row: a metrics file with a
    ``"card"`` entry (``{"data_key": <i18n key of its data>, "order": <int>}``), in that order.
    Their title is the i18n key ``card.model.<name>``."""
    found = []
    for path in sorted(_dir(metrics_dir).glob("*.json")):
        m = read_metrics(path.stem, path.parent)
        if path.stem not in MODEL_NAMES and m and isinstance(m.get("card"), dict):
            found.append((m["card"].get("order", 1000), path.stem))
    return [name for _, name in sorted(found)]


def card_models(metrics_dir: Path | None = None) -> list[str]:
    """Every model the card lists: the four core ones, then :func:`extra_models`."""
    return [*MODEL_NAMES, *extra_models(metrics_dir)]


def missing_models(metrics_dir: Path | None = None) -> list[str]:
    """Names of the models without a readable metrics file."""
    return [n for n in MODEL_NAMES if read_metrics(n, _dir(metrics_dir)) is None]


def fmt_pct(x) -> str:
    """0.9789 → '97.9%'; anything not a number → '—'."""
    return f"{float(x) * 100:.1f}%" if _is_number(x) else DASH


def fmt_int(x) -> str:
    """206922 → '206,922'."""
    return f"{int(x):,}" if _is_number(x) else DASH


def fmt_seconds(x) -> str:
    """0.8474 → '0.85'."""
    return f"{float(x):.2f}" if _is_number(x) else DASH


def _is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _data_cell(name: str, m: dict, lang: str) -> str:
    sizes = m.get("data") if isinstance(m.get("data"), dict) else {}
    key = DATA_KEY.get(name) or (m.get("card") or {}).get("data_key")
    text = t(key, lang) if key else DASH
    if all(_is_number(sizes.get(k)) for k in ("train", "val", "test")):
        text += " · " + t(
            "card.sizes",
            lang,
            train=fmt_int(sizes["train"]),
            val=fmt_int(sizes["val"]),
            test=fmt_int(sizes["test"]),
        )
    if _is_number(sizes.get("vocab")):
        text += " · " + t("card.vocab", lang, vocab=fmt_int(sizes["vocab"]))
    return text


def model_card_row(name: str, m: dict | None, lang: str) -> dict[str, str]:
    """One row of the card, keyed by the column headers in ``lang``."""
    title = t(f"card.model.{name}", lang)
    if m is None:
        cells = {"card.col.model": title, "card.col.test_acc": t("card.missing", lang)}
    else:
        if m.get("dry_run"):
            title += " " + t("card.dry_run", lang)
        by_lang = m.get("test_accuracy_by_language")
        by_lang = by_lang if isinstance(by_lang, dict) else {}
        cells = {
            "card.col.model": title,
            "card.col.test_acc": fmt_pct(m.get("test_accuracy")),
            "card.col.test_zh": fmt_pct(by_lang.get("zh")),
            "card.col.test_en": fmt_pct(by_lang.get("en")),
            "card.col.params": fmt_int(m.get("params")),
            "card.col.epochs": fmt_int(m.get("epochs")),
            "card.col.sec_epoch": fmt_seconds(m.get("seconds_per_epoch")),
            "card.col.arch": str(m.get("architecture") or DASH),
            "card.col.data": _data_cell(name, m, lang),
        }
    return {t(c, lang): cells.get(c, DASH) for c in COLUMNS}


def model_card_rows(lang: str, metrics_dir: Path | None = None) -> list[dict[str, str]]:
    """The model card in ``lang``: one row per model of :func:`card_models`, all cells strings.

    A core model without a metrics file still gets a row, saying it has not been trained yet.
    """
    return [
        model_card_row(n, read_metrics(n, _dir(metrics_dir)), lang)
        for n in card_models(metrics_dir)
    ]


BASELINE = "tfidf_baseline"
TEXT_MODELS = ("text_gru", "text_cnn")


def baseline_reading(lang: str, metrics_dir: Path | None = None) -> str | None:
    """One sentence, computed from the card's own numbers: on which test sets (all, Chinese,
    English) the non-neural baseline is more accurate than every neural text model, or None
    when a metrics file is missing.

    The rule is "more accurate than both", strictly, on the held-out test split.
    """
    base = read_metrics(BASELINE, _dir(metrics_dir))
    nets_ = [read_metrics(n, _dir(metrics_dir)) for n in TEXT_MODELS]
    if base is None or any(m is None for m in nets_):
        return None

    def acc(m: dict, where: str):
        return m.get("test_accuracy") if where == "all" else (
            m.get("test_accuracy_by_language") or {}).get(where)  # fmt: skip

    wins = [
        w for w in ("all", "zh", "en")
        if _is_number(acc(base, w)) and all(
            _is_number(acc(m, w)) and acc(base, w) > acc(m, w) for m in nets_)
    ]  # fmt: skip
    if not wins:
        return t("card.baseline.none", lang)
    sep = t("tables.sep", lang)
    return t("card.baseline.wins", lang, where=sep.join(t(f"card.split.{w}", lang) for w in wins))
