"""The source documents' tables (``assets/doc_tables.json``), shown with their source named.

Each table says what it is in its source (a table there, or a list / code block we arranged as a
table, with headers of ours), which columns we derived, and carries our notes where the source
is wrong or oversimplified in a column of its own, marked as ours; the source's words are never
changed.
``show_all_tables(lang)`` is called by the home page; ``show_table(table_id, lang, …)`` sits next
to the matching live views on the side-by-side page. A row that a live view shows gets a
"live view" cell linking to it: ``compare?cmp_view=<view>&lang=<lang>`` opens the side-by-side
page on that view (a Markdown link inside ``st.table``, so it is an ordinary anchor).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nets import doc_tables
from ui.i18n import t

VIEW_KEY = "cmp_view"  # query-string key the compare page reads to open a view
VIEWS = (
    "text",
    "ngrams",
    "gru",
    "attr_text",
    "contrast",
    "image",
    "row_scan",
    "translation",
    "ev_speed",
    "ev_long",
    "ev_cost",
)
# (table id, row id) → the live view of the compare page that shows it.
ROW_VIEWS: dict[tuple[str, str], str] = {
    ("core_differences", "data_structure"): "image",
    ("core_differences", "model_memory"): "gru",
    ("core_differences", "network_structure"): "contrast",
    ("core_differences", "feature_extraction"): "translation",
    ("core_differences", "information_flow"): "row_scan",
    ("summary", "image_classification_detection"): "image",
    ("selection_advice", "sequential_data"): "text",
    ("selection_advice", "grid_data"): "image",
    ("selection_advice", "long_term_dependencies"): "ev_long",
    ("selection_advice", "local_features"): "ngrams",
    ("performance", "training_speed"): "ev_speed",
    ("performance", "long_text"): "ev_long",
    ("performance", "resource_use"): "ev_cost",
    ("cnn_features", "spatial_locality"): "ngrams",
    ("cnn_features", "parameter_sharing"): "ev_cost",
    ("cnn_features", "translation_invariance"): "translation",
    ("cnn_features", "hierarchical_features"): "image",
    ("rnn_features", "temporal_modeling"): "row_scan",
    ("rnn_features", "recurrent_parameter_reuse"): "ev_cost",
    ("rnn_features", "sequence_length_flexibility"): "contrast",
    ("rnn_features", "memory_mechanism"): "gru",
    ("complaint_sentiment", "keyword_patterns"): "ngrams",
    ("complaint_sentiment", "position_insensitive"): "contrast",
    ("complaint_sentiment", "context_logic"): "contrast",
    ("complaint_sentiment", "negation_contrast"): "contrast",
    ("complaint_sentiment", "sentiment_evolution"): "gru",
    ("complaint_selection", "short_text_classification"): "text",
    ("complaint_selection", "long_text_analysis"): "ev_long",
}


def table_frame(table_id: str, lang: str) -> pd.DataFrame:
    """A table's rows in ``lang``, then our notes' column when any row has a note, then a
    "live view" column when any row has one.

    Args:
        table_id: id in ``assets/doc_tables.json``.
        lang: "zh" or "en".

    Returns:
        One row per document row, columns in the document's order.
    """
    headers, rows = doc_tables.rows_for(table_id, lang)
    df = pd.DataFrame(rows, columns=headers)
    notes = doc_tables.notes(table_id, lang)
    if any(notes):
        df[t("tables.col.note", lang)] = [n or "—" for n in notes]
    ids = doc_tables.row_ids(table_id)
    views = [ROW_VIEWS.get((table_id, rid)) for rid in ids]
    if any(views):
        df[t("tables.col.view", lang)] = [t(f"compare.view.{v}", lang) if v else "—" for v in views]
    return df


def view_link(view: str, lang: str) -> str:
    """A Markdown link to the side-by-side page opened on ``view`` (relative to the app root)."""
    name = t(f"compare.view.{view}", lang).replace("[", "(").replace("]", ")")
    return f"[{name}](compare?{VIEW_KEY}={view}&lang={lang})"


def linked_frame(table_id: str, lang: str) -> pd.DataFrame:
    """:func:`table_frame` with each "live view" cell turned into a link to that view."""
    df = table_frame(table_id, lang)
    col = t("tables.col.view", lang)
    if col in df.columns:
        views = [ROW_VIEWS.get((table_id, rid)) for rid in doc_tables.row_ids(table_id)]
        df[col] = [view_link(v, lang) if v else "—" for v in views]
    return df


def provenance_caption(table_id: str, lang: str) -> str:
    """What the table is in its source, which columns are ours, and (in English) that the
    wording is our translation: one caption under the table."""
    parts = [t(f"tables.provenance.{doc_tables.provenance(table_id)}", lang)]
    derived = doc_tables.derived_columns(table_id)
    if derived:
        cols = t("tables.sep", lang).join(
            doc_tables.column_header(table_id, k, lang) for k in derived
        )
        parts.append(t("tables.derived", lang, cols=cols))
    if any(doc_tables.notes(table_id, lang)):
        parts.append(t("tables.notes", lang, col=t("tables.col.note", lang)))
    if lang == "en":
        parts.append(t("tables.translation", lang))
    return ("" if lang == "zh" else " ").join(parts)


def show_table(
    table_id: str, lang: str, highlight_row: str | None = None, views: bool = True
) -> None:
    """One document table with its title and source; rows with a live view name it.

    Args:
        table_id: id in ``assets/doc_tables.json``.
        lang: "zh" or "en".
        highlight_row: a row id to highlight (e.g. the claim a panel measures).
        views: add a caption naming the live views of the table's rows.
    """
    tab = doc_tables.table(table_id)
    st.markdown(f"**{tab['title'][lang]}**")
    df = linked_frame(table_id, lang)
    ids = doc_tables.row_ids(table_id)
    if highlight_row in ids:
        hi = ids.index(highlight_row)
        styled = df.style.apply(
            lambda r: (
                ["background-color: rgba(255, 200, 0, 0.25)" if r.name == hi else ""] * len(r)
            ),
            axis=1,
        )
        st.table(styled, hide_index=True)
    else:
        st.table(df, hide_index=True)
    st.caption(t("tables.source", lang, source=doc_tables.source_label(table_id, lang)))
    st.caption(provenance_caption(table_id, lang))
    if views:
        seen = []
        for rid in ids:
            view = ROW_VIEWS.get((table_id, rid))
            if view and view not in seen:
                seen.append(view)
        if seen:
            names = t("tables.sep", lang).join(view_link(v, lang) for v in seen)
            st.caption(t("tables.views", lang, views=names, page=t("nav.compare", lang)))


def show_all_tables(lang: str) -> None:
    """Every table of both documents, grouped by source document, each with its source named."""
    data = doc_tables.load_tables()
    for key, src in data["sources"].items():
        tables = [tab for tab in data["tables"] if tab["source"] == key]
        label = t("tables.doc", lang, title=src["title"][lang], n=len(tables))
        with st.expander(label, expanded=key == "doc_a"):
            for tab in tables:
                show_table(tab["id"], lang)
