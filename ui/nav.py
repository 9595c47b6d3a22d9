"""The app's pages: file, URL path, title key and icon. Plain data, no Streamlit calls.

A page is listed only if its file exists, so pages written later slot in without touching
``app.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from nets.paths import ROOT


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the repo root, as st.Page / st.page_link expect
    url_path: str
    title_key: str  # i18n key of the title
    desc_key: str  # i18n key of a one-line description (home page)
    icon: str  # Material icon: emoji need a font the projector's PC may lack


HOME = PageSpec("pages/home.py", "home", "nav.home", "nav.home.desc", ":material/home:")
PAGES = (
    PageSpec("pages/cnn.py", "cnn", "nav.cnn", "nav.cnn.desc", ":material/grid_on:"),
    PageSpec("pages/rnn.py", "rnn", "nav.rnn", "nav.rnn.desc", ":material/repeat:"),
    PageSpec(
        "pages/compare.py", "compare", "nav.compare", "nav.compare.desc", ":material/compare:"
    ),
    PageSpec("pages/hybrid.py", "hybrid", "nav.hybrid", "nav.hybrid.desc", ":material/join_inner:"),
    PageSpec("pages/series.py", "series", "nav.series", "nav.series.desc", ":material/show_chart:"),
    PageSpec("pages/lab.py", "lab", "nav.lab", "nav.lab.desc", ":material/science:"),
    PageSpec("pages/lessons.py", "lessons", "nav.lessons", "nav.lessons.desc", ":material/school:"),
)


def existing_pages() -> list[PageSpec]:
    """The content pages (not home) whose script exists."""
    return [p for p in PAGES if (ROOT / p.path).is_file()]
