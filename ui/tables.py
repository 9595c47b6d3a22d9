"""The source documents' tables (``assets/doc_tables.json``), shown with their source named.

Each table says what it is in its source (a table there, or a list / code block we arranged as a
table, with headers of ours), which columns we derived, and carries our notes where the source
is wrong or oversimplified in a column of its own, marked as ours; the source's words are never
changed.
``show_all_tables(lang)`` is called by the home page; ``show_table(table_id, lang, …)`` sits next
to the matching live views. A row that a live view shows gets a "live view" cell linking to it:
``<page>?view=<id>&lang=<lang>`` opens that exact view (a Markdown link inside ``st.table``, so
it is an ordinary anchor).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nets import doc_tables
from ui.i18n import t

# (table id, row id) → the live view (``<page>.<name>``, see ui/view.py) that shows it; every row
# that makes a testable claim points to its claims-lab section (``lab.*``). The view ids are
# checked against the registry by tests/test_ui_tables.py; titles follow the contract's
# convention ``<page>.view.<name>``, so the home page needs no view module (and no torch).
ROW_VIEWS: dict[tuple[str, str], str] = {
    ("core_differences", "data_structure"): "compare.row_scan",
    ("core_differences", "model_memory"): "lab.long",
    ("core_differences", "network_structure"): "lab.structure",
    ("core_differences", "feature_extraction"): "lab.shift",
    ("core_differences", "information_flow"): "rnn.unrolled",
    ("summary", "image_classification_detection"): "cnn.layers",
    ("summary", "generation_translation"): "lab.transformer",
    ("selection_advice", "sequential_data"): "rnn.unrolled",
    ("selection_advice", "grid_data"): "cnn.layers",
    ("selection_advice", "long_term_dependencies"): "lab.long",
    ("selection_advice", "local_features"): "cnn.kernels",
    ("performance", "training_speed"): "lab.speed",
    ("performance", "long_text"): "lab.long",
    ("performance", "resource_use"): "lab.cost",
    ("cnn_features", "spatial_locality"): "cnn.rf",
    ("cnn_features", "parameter_sharing"): "lab.sharing",
    ("cnn_features", "translation_invariance"): "lab.shift",
    ("cnn_features", "hierarchical_features"): "cnn.layers",
    ("rnn_features", "temporal_modeling"): "rnn.hidden",
    ("rnn_features", "recurrent_parameter_reuse"): "lab.sharing",
    ("rnn_features", "sequence_length_flexibility"): "lab.structure",
    ("rnn_features", "memory_mechanism"): "lab.long",
    ("compute_pattern", "cnn_compute_pattern"): "cnn.ops",
    ("compute_pattern", "rnn_compute_pattern"): "rnn.unrolled",
    ("complaint_sentiment", "keyword_patterns"): "lab.pairs",
    ("complaint_sentiment", "position_insensitive"): "lab.shift",
    ("complaint_sentiment", "fast_convergence"): "lab.speed",
    ("complaint_sentiment", "context_logic"): "lab.pairs",
    ("complaint_sentiment", "negation_contrast"): "lab.pairs",
    ("complaint_sentiment", "sentiment_evolution"): "rnn.prefix",
    ("complaint_selection", "short_text_classification"): "lab.speed",
    ("complaint_selection", "long_text_analysis"): "lab.long",
    ("typical_applications", "rnn_nlp"): "rnn.unrolled",
    ("typical_applications", "cnn_computer_vision"): "cnn.layers",
    ("complementary_strengths", "cnn_strength_parallel"): "lab.speed",
    ("transformer_advantages", "attention_parallel"): "lab.transformer",
    ("transformer_advantages", "attention_long_range"): "lab.transformer",
    ("transformer_advantages", "attention_avoids_limits"): "lab.transformer",
    ("engineering_practice", "optimisation_rnn"): "rnn.attention",
    ("engineering_practice", "convergence_analysis"): "lab.race",
    ("engineering_practice", "feature_visualisation"): "cnn.layers",
}


def view_title(view: str, lang: str) -> str:
    """A view's tab title by the contract's convention (``cnn.kernels`` → ``cnn.view.kernels``)."""
    page, name = view.split(".", 1)
    return t(f"{page}.view.{name}", lang)


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
        df[t("tables.col.view", lang)] = [view_title(v, lang) if v else "—" for v in views]
    return df


def view_link(view: str, lang: str) -> str:
    """A Markdown link opening ``view`` on its page (relative to the app root)."""
    name = view_title(view, lang).replace("[", "(").replace("]", ")")
    return f"[{name}]({view.split('.', 1)[0]}?view={view}&lang={lang})"


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
            st.caption(t("tables.views", lang, views=names))


def show_all_tables(lang: str) -> None:
    """Every table of both documents, grouped by source document, each with its source named."""
    data = doc_tables.load_tables()
    for key, src in data["sources"].items():
        tables = [tab for tab in data["tables"] if tab["source"] == key]
        label = t("tables.doc", lang, title=src["title"][lang], n=len(tables))
        with st.expander(label, expanded=key == "doc_a"):
            for tab in tables:
                show_table(tab["id"], lang)
