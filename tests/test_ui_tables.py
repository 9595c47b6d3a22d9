"""ui/tables.py: every row of the documents' tables renders, and every "live view" link opens an
existing view on its page."""

from __future__ import annotations

import pytest
from conftest import open_view
from streamlit.testing.v1 import AppTest

from nets import doc_tables
from ui.i18n import t
from ui.tables import ROW_VIEWS, linked_frame, table_frame, view_title
from ui.views import all_views

pytestmark = pytest.mark.timeout(300)


def test_every_table_row_renders():
    def script():
        from ui.tables import show_all_tables

        show_all_tables("zh")

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception
    tables = [tb.value for tb in at.table]
    data = doc_tables.load_tables()
    ids = [tb["id"] for src in data["sources"] for tb in data["tables"] if tb["source"] == src]
    assert sorted(ids) == sorted(doc_tables.table_ids())
    assert len(tables) == len(ids)
    for df, tid in zip(tables, ids, strict=True):
        headers, rows = doc_tables.rows_for(tid, "zh")
        assert len(df) == len(rows)
        for row_cells, (_, df_row) in zip(rows, df.iterrows(), strict=True):
            assert [str(df_row[h]) for h in headers] == row_cells
    captions = " ".join(c.value for c in at.caption)
    for tid in ids:
        assert doc_tables.source_label(tid, "zh") in captions


def test_rows_name_their_live_view():
    registry = all_views()
    for (tid, rid), view in ROW_VIEWS.items():
        assert view in registry, view  # every link target exists
        assert rid in doc_tables.row_ids(tid), (tid, rid)
        assert view_title(view, "zh") == t(registry[view].title_key, "zh")
    df = table_frame("performance", "en")
    assert list(df[t("tables.col.view", "en")]) == [
        view_title(ROW_VIEWS[("performance", r)], "en") for r in doc_tables.row_ids("performance")
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_table_rows_link_to_their_live_view(lang):
    col = t("tables.col.view", lang)
    linked = 0
    for table_id in doc_tables.table_ids():
        df = linked_frame(table_id, lang)
        for rid, cell in zip(doc_tables.row_ids(table_id), df.get(col, []), strict=False):
            view = ROW_VIEWS.get((table_id, rid))
            if view:
                page = view.split(".")[0]
                assert cell == f"[{view_title(view, lang)}]({page}?view={view}&lang={lang})"
                linked += 1
            else:
                assert cell == "—"
    assert linked == len(ROW_VIEWS)


@pytest.mark.parametrize("view", sorted(set(ROW_VIEWS.values())))
def test_every_link_target_opens_that_view(view):
    """The link's page, opened with the link's query string, draws that exact view."""
    at = open_view(view.split(".")[0], view, "en")
    assert at.query_params["view"] in (view, [view])  # an unknown id would fall back
    assert t("view.error", "en") not in [e.value for e in at.error]
