"""The source tables say what they are (issue 10, item 13): provenance, derived columns and our
notes where the source is wrong or oversimplified, shown on the home page, marked as ours."""

from __future__ import annotations

import inspect
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import SEEDS, open_app
from test_doc_tables import PIPE_TABLES, pipe_tables

from nets import doc_tables
from ui.i18n import t

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / "pages" / "home.py"

# The three statements issue 10 names, and a word each of our notes must contain.
NAMED_NOTES = {
    ("typical_applications", "rnn_nlp"): ("Transformer", "GPT"),  # "GPT 的基础架构"
    ("evolution_directions", "lstm_gru_optimisation"): ("缓解", "mitigate"),  # "解决梯度消失"
    ("core_differences", "network_structure"): ("全连接", "dense"),  # "需固定输入尺寸"
}


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed folder {SEEDS} not available")
    return {
        k: (SEEDS / s["file"]).read_text(encoding="utf-8")
        for k, s in doc_tables.load_tables()["sources"].items()
    }


def norm(s: str) -> str:
    """Only whitespace and full-/half-width forms are normalised (NFKC maps ，（） to ,())."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def test_every_table_has_a_provenance():
    for tid in doc_tables.table_ids():
        assert doc_tables.provenance(tid) in doc_tables.PROVENANCES, tid
        for key in doc_tables.derived_columns(tid):
            doc_tables.column_header(tid, key, "zh")  # a real column


def test_verbatim_tables_are_exactly_the_seeds_tables(seeds):
    verbatim = {
        tid for tid in doc_tables.table_ids() if doc_tables.provenance(tid) == "verbatim_table"
    }
    in_seeds = {PIPE_TABLES[first] for text in seeds.values() for first in pipe_tables(text)}
    assert verbatim == in_seeds == {"core_differences", "summary"}
    for tid in verbatim:
        text = norm(seeds[doc_tables.table(tid)["source"]])
        headers, rows = doc_tables.rows_for(tid, "zh")
        assert not doc_tables.derived_columns(tid)
        for cell in headers + [c for row in rows for c in row]:
            assert norm(cell) in text, (tid, cell)
        assert norm(" | ".join(headers)) in text  # the header row, in the source's order


def test_notes_for_the_three_named_statements():
    for (tid, rid), words in NAMED_NOTES.items():
        i = doc_tables.row_ids(tid).index(rid)
        for lang, word in zip(("zh", "en"), words, strict=True):
            note = doc_tables.notes(tid, lang)[i]
            assert note and word in note, (tid, rid, lang)


def test_every_note_is_bilingual_and_not_a_source_cell(seeds):
    n = 0
    for tid in doc_tables.table_ids():
        zh, en = doc_tables.notes(tid, "zh"), doc_tables.notes(tid, "en")
        for a, b in zip(zh, en, strict=True):
            assert (a is None) == (b is None)
            if a:
                n += 1
                assert a.strip() and b.strip()
                assert norm(a) not in norm(seeds[doc_tables.table(tid)["source"]])
    assert n >= len(NAMED_NOTES)


def test_notes_state_the_training_shift_range():
    """Notes that say the digit models were trained with ±3 px shifts match the training code."""
    from nets.train import augment_digits

    src = inspect.getsource(augment_digits)
    assert "±3 px" in src and "(3 / 14)" in src  # 3 px of a 28-px image in grid units [-1, 1]
    mentions = [
        note
        for tid in doc_tables.table_ids()
        for lang in ("zh", "en")
        for note in doc_tables.notes(tid, lang)
        if note and "±" in note
    ]
    assert mentions and all("±3 " in m for m in mentions)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_home_page_shows_provenance_and_notes(lang):
    from ui.tables import provenance_caption

    at = open_app(HOME, lang)
    captions = [c.value for c in at.caption]
    for tid in doc_tables.table_ids():
        assert provenance_caption(tid, lang) in captions, tid
    note_col = t("tables.col.note", lang)
    shown = [df for df in (tb.value for tb in at.table) if note_col in df.columns]
    with_notes = [tid for tid in doc_tables.table_ids() if any(doc_tables.notes(tid, lang))]
    assert len(shown) == len(with_notes)
    cells = {c for df in shown for c in df[note_col]}
    for tid in with_notes:
        assert {n for n in doc_tables.notes(tid, lang) if n} <= cells
    joined = " ".join(captions)
    assert (
        t("tables.derived", lang, cols=doc_tables.column_header("performance", "winner", lang))
        in joined
    )
