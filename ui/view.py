"""The view contract: a page is an input block plus a list of views; only the opened view runs.

A :class:`View` has an id (``cnn.kernels``, ``rnn.gates``…: ``<page>.<name>``), a title key and
a function that draws it from a :class:`Ctx` (the page's analysis and the language). The ids are
the one registry that table links, deep links (``?view=<id>``) and lessons point to.

:func:`render` shows a page's views as tabs and runs only the selected one — inside a fragment
(its own widgets rerun only it), behind the bilingual error guard, with widget keys namespaced
by the view. Mechanism, chosen by measurement: ``st.tabs(on_change=<callback>, key=…)`` makes
Streamlit 1.67 track the selected tab, and each tab's ``.open`` says whether it is selected, so
the other views neither compute nor send charts (the browser redrew every view's charts on
every input before: 3–11× a one-chart page). The opened view is kept in the URL as
``?view=<id>`` by the callback: ids, not labels, because labels are translated (Streamlit's own
``bind="query-params"`` stores the label, so a link would break when the language changes).

Every chart goes through :func:`chart` (one plotly config for the whole app).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from ui.callbacks import view_opened
from ui.guard import guarded
from ui.i18n import t

log = logging.getLogger(__name__)

VIEW_KEY = "view"  # query-string key: ?view=<id> opens that view
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
ERROR_KEY = "view.error"  # the bilingual message when a view fails unexpectedly


@dataclass(frozen=True)
class View:
    """One view of a page.

    Attributes:
        id: ``"<page>.<name>"``, unique across the app (deep links, table links, lessons).
        title_key: i18n key of its tab title.
        draw: a module-level function ``draw(ctx)`` (never a page closure: Streamlit keeps
            widget callbacks for a session's life, see ui/callbacks.py).
        heavy: computes something slow when opened (attributions…): shown with a spinner.
        fragment: run in a fragment, so the view's own widgets rerun only the view. False for
            a view whose widgets change page-level state (e.g. clicking a step in the unrolled
            RNN moves the page's step slider).
    """

    id: str
    title_key: str
    draw: Callable[[Ctx], None]
    heavy: bool = False
    fragment: bool = True

    @property
    def page(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass
class Ctx:
    """What a view draws from: the page's values (``ctx.a``, ``ctx.text``…) and the language.

    Attributes:
        lang: "zh" or "en".
        ns: widget-key namespace (the page, or a lesson showing the view).
        values: the page's analysis and inputs, read as attributes (``ctx.a``).
        view: the id of the view being drawn (set by the renderer).
    """

    lang: str
    ns: str
    values: dict[str, Any] = field(default_factory=dict)
    view: str = ""

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def key(self, name: str) -> str:
        """A widget key unique to this view in this namespace: ``"<view id>.<name>"`` on the
        view's own page, ``"<ns>.<view id>.<name>"`` elsewhere (e.g. in a lesson)."""
        own = self.view.split(".", 1)[0] == self.ns
        return f"{self.view}.{name}" if own else f"{self.ns}.{self.view}.{name}"

    def t(self, key: str, **fmt) -> str:
        """A UI string in the context's language."""
        return t(key, self.lang, **fmt)

    def chart(self, fig, name: str, **kw):
        """:func:`chart` with a key namespaced by this view."""
        return chart(fig, self.key(name), **kw)


REGISTRY: dict[str, View] = {}


def register(*views: View) -> tuple[View, ...]:
    """Add views to the app-wide registry (ids must be new) and return them as a tuple."""
    for v in views:
        old = REGISTRY.get(v.id)
        if old is not None and _where(old.draw) != _where(v.draw):
            raise ValueError(f"view id {v.id!r} registered twice")
        REGISTRY[v.id] = v
    return tuple(views)


def _where(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def chart(fig, key: str, **kw):
    """Every chart of the app: full width, one plotly config, a stable key.

    Args:
        fig: a ``go.Figure`` from a ``viz`` builder (never a dict: Streamlit re-validates dicts).
        key: the widget key (use :meth:`Ctx.chart` inside a view).
        **kw: more ``st.plotly_chart`` arguments (``on_select``, ``selection_mode``).

    Returns:
        What ``st.plotly_chart`` returns (the selection event with ``on_select``).
    """
    return st.plotly_chart(fig, width="stretch", config=CHART_CONFIG, key=key, **kw)


def wanted(ids: Sequence[str]) -> str | None:
    """The view the URL asks for (``?view=``) if it is one of ``ids``."""
    q = st.query_params.get(VIEW_KEY)
    return q if q in ids else None


def opened_view(ns: str, ids: Sequence[str], default: str | None = None) -> str:
    """Which of ``ids`` is open: the URL's, else this session's last one, else ``default``."""
    remembered = st.session_state.get(f"_{ns}.view")
    for candidate in (wanted(ids), remembered, default):
        if candidate in ids:
            return candidate
    return ids[0]


def _run(v: View, ctx: Ctx) -> None:
    ctx.view = v.id
    with guarded(v.id, ERROR_KEY, log):
        if v.heavy:
            with st.spinner():
                v.draw(ctx)
        else:
            v.draw(ctx)


_fragment = st.fragment(_run)  # one fragment per place it is called (its id hashes the path)


def draw(v: View, ctx: Ctx) -> None:
    """Draw one view on its own (a lesson step): fragment, error guard, namespaced keys."""
    (_fragment if v.fragment else _run)(v, ctx)


def render(views: Sequence[View], ctx: Ctx, default: str | None = None) -> str:
    """Show ``views`` as tabs; run only the opened one. Keeps ``?view=<id>`` in the URL.

    Args:
        views: the page's views, in tab order.
        ctx: the page's context (its ``ns`` namespaces the tabs' state too).
        default: the view opened when neither the URL nor the session names one (the one the
            learner came for); the first view when None.

    Returns:
        The id of the opened view.
    """
    ids = [v.id for v in views]
    opened = opened_view(ctx.ns, ids, default)
    st.session_state[f"_{ctx.ns}.view"] = opened
    if st.query_params.get(VIEW_KEY) != opened:
        st.query_params[VIEW_KEY] = opened  # a copied link opens the same view
    labels = [t(v.title_key, ctx.lang) for v in views]
    tab_key = f"{ctx.ns}._views"
    if st.session_state.get(tab_key) not in (None, labels[ids.index(opened)]):
        st.session_state[tab_key] = labels[ids.index(opened)]  # the URL moved (a link, back)
    tabs = st.tabs(
        labels,
        key=tab_key,
        default=labels[ids.index(opened)],
        on_change=view_opened,
        args=(ctx.ns, tuple(ids), tuple(labels)),
    )
    for v, tab in zip(views, tabs, strict=True):
        if v.id == opened:
            with tab:
                draw(v, ctx)
    return opened
