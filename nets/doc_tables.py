"""Bilingual comparison tables transcribed from the two source documents.

The data lives in ``assets/doc_tables.json``; this module only reads it (no streamlit import),
so pages and tests can share the same accessors.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

TABLES_PATH = Path(__file__).resolve().parent.parent / "assets" / "doc_tables.json"
LANGS = ("zh", "en")
# What a table is in its source document. Only the two pipe tables of the first note are tables
# there; every other table is our arrangement of a list (or of text in a code block), with
# column headers of ours. The Chinese cells are the source's words in every case.
PROVENANCES = ("verbatim_table", "restructured_list", "restructured_code_block")


@lru_cache(maxsize=1)
def load_tables() -> dict:
    """Return the parsed JSON (``sources`` and ``tables``), read once and cached."""
    with TABLES_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    return lang


@lru_cache(maxsize=1)
def _index() -> dict[str, dict]:
    return {t["id"]: t for t in load_tables()["tables"]}


def table_ids() -> list[str]:
    """Ids of all tables, in document order."""
    return [t["id"] for t in load_tables()["tables"]]


def table(table_id: str) -> dict:
    """Return one table dict (id, source, title, columns, rows); KeyError if unknown."""
    try:
        return _index()[table_id]
    except KeyError:
        raise KeyError(f"unknown table id {table_id!r}; known: {sorted(_index())}") from None


def rows_for(table_id: str, lang: str) -> tuple[list[str], list[list[str]]]:
    """Column headers and row cells of a table in ``lang`` ("zh" or "en"), in column order."""
    _check_lang(lang)
    t = table(table_id)
    keys = [c["key"] for c in t["columns"]]
    headers = [c[lang] for c in t["columns"]]
    rows = [[row["cells"][k][lang] for k in keys] for row in t["rows"]]
    return headers, rows


def row_ids(table_id: str) -> list[str]:
    """Stable row ids of a table, in row order (same order as ``rows_for``)."""
    return [row["id"] for row in table(table_id)["rows"]]


def source_label(table_id: str, lang: str) -> str:
    """Human-readable source of a table: document title and file name, e.g. "《…》 (004_….txt)"."""
    _check_lang(lang)
    t = table(table_id)
    src = load_tables()["sources"][t["source"]]
    title = src["title"][lang]
    if lang == "zh":
        return f"《{title}》（{src['file']}）"
    return f"“{title}” ({src['file']})"


def provenance(table_id: str) -> str:
    """What the table is in its source: one of ``PROVENANCES``."""
    return table(table_id)["provenance"]


def derived_columns(table_id: str) -> list[str]:
    """Keys of the columns we derived from the source's text (not the source's words), e.g. the
    performance table's "winner" column; empty for most tables."""
    return list(table(table_id).get("derived_columns", []))


def column_header(table_id: str, key: str, lang: str) -> str:
    """The header of column ``key`` in ``lang``."""
    _check_lang(lang)
    for c in table(table_id)["columns"]:
        if c["key"] == key:
            return c[lang]
    raise KeyError(f"table {table_id!r} has no column {key!r}")


def notes(table_id: str, lang: str) -> list[str | None]:
    """Our note on each row in ``lang`` (None where we have none), in row order.

    A note says where the source is wrong or oversimplified; it is ours, never the source's.
    """
    _check_lang(lang)
    return [row["note"][lang] if "note" in row else None for row in table(table_id)["rows"]]
