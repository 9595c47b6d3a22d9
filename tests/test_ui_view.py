"""ui/view.py: the view contract — only the opened view runs, ?view= opens it, errors are contained,
keys are namespaced, the registry holds every page's views."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui.i18n import t
from ui.nav import PAGES
from ui.view import REGISTRY, Ctx, View, register
from ui.views import all_views

pytestmark = pytest.mark.timeout(120)


def _app():
    """Three views on a test page: two that write, one that fails."""
    import streamlit as st

    from ui.view import Ctx, View, register, render

    def first(ctx):
        st.markdown(f"first {ctx.x}")
        st.slider("s", 0, 5, key=ctx.key("s"))

    def second(ctx):
        st.markdown(f"second {ctx.x}")

    def broken(ctx):
        raise RuntimeError("boom")

    views = register(
        View("test.first", "nav.home", first),
        View("test.second", "nav.cnn", second),
        View("test.broken", "nav.rnn", broken),
    )
    lang = st.query_params.get("lang", "en")
    render(views, Ctx(lang, "test", {"x": 42}), default="test.second")


def run(**query) -> AppTest:
    at = AppTest.from_function(_app, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def md(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def test_only_the_default_view_runs_and_the_url_names_it():
    at = run()
    assert md(at) == ["second `42`"] or md(at) == ["second 42"]
    assert at.query_params["view"] in ("test.second", ["test.second"])
    assert [tb.label for tb in at.tabs] == [t(k, "en") for k in ("nav.home", "nav.cnn", "nav.rnn")]


def test_the_url_opens_a_view_and_widget_keys_are_namespaced():
    at = run(view="test.first")
    assert any(m.startswith("first") for m in md(at)) and not any("second" in m for m in md(at))
    assert at.slider(key="test.first.s").value == 0


def test_an_unknown_view_falls_back_to_the_default():
    at = run(view="rnn.gates")  # another page's view
    assert any(m.startswith("second") for m in md(at))


def test_a_failing_view_shows_the_bilingual_message_not_a_traceback():
    for lang in ("zh", "en"):
        at = run(view="test.broken", lang=lang)
        assert [e.value for e in at.error] == [t("view.error", lang)]


def test_the_language_switch_keeps_the_opened_view():
    at = run(view="test.first")
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception
    assert any(m.startswith("first") for m in md(at))
    assert [tb.label for tb in at.tabs][0] == t("nav.home", "zh")


def test_ctx_keys_outside_their_page_carry_the_namespace():
    ctx = Ctx("en", "lesson", {"a": 1}, view="rnn.gates")
    assert ctx.key("x") == "lesson.rnn.gates.x" and ctx.a == 1
    assert Ctx("en", "rnn", view="rnn.gates").key("x") == "rnn.gates.x"
    with pytest.raises(AttributeError):
        _ = ctx.missing


def test_registry_refuses_a_second_view_with_the_same_id():
    def a(ctx):
        pass

    register(View("test.unique", "nav.home", a))
    register(View("test.unique", "nav.home", a))  # the same function again: fine (re-import)
    with pytest.raises(ValueError):
        register(View("test.unique", "nav.home", lambda ctx: None))
    REGISTRY.pop("test.unique")


def test_every_page_view_is_registered_with_a_bilingual_title():
    views = all_views()
    pages = {p.url_path for p in PAGES}
    real = {vid: v for vid, v in views.items() if not vid.startswith("test.")}
    assert {v.page for v in real.values()} <= pages
    for vid, v in real.items():
        assert vid.count(".") == 1 and vid.startswith(v.page + "."), vid
        page, name = vid.split(".")
        assert v.title_key == f"{page}.view.{name}", vid  # ui/tables relies on the convention
        assert t(v.title_key, "zh") and t(v.title_key, "en"), vid
