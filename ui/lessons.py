"""The lessons page's app side: URL state, a step's view and values, the question, presenter mode.

The URL is the one source of the lesson and the step (``?lesson=cnn-1&step=3&lang=zh``, step
1-based; ``&present=1`` for presenter mode): every run reads them from it, and the step buttons
only write it, so a shared link opens the same step and the browser's back and forward buttons
walk the steps (Streamlit pushes a history entry when a run changes the query string, and reruns
the page with the old one on "back"). Progress (what was guessed and revealed) lives in this
session only.

A step's view is one of the pages' own views (``ui.views``), drawn by ``ui.view.draw`` from the
values its page module's ``lesson_context(spec, lang)`` builds for the step's input.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

import streamlit as st

from nets import lessons as L
from nets.family import MEMBERS
from ui.family_input import ARCH_QUERY, DEFAULTS, TOK_QUERY
from ui.i18n import LANG_KEY, t
from ui.image_input import SAMPLE_QUERY
from ui.nav import PAGES, PageSpec
from ui.text_input import TEXT_KEY
from ui.view import VIEW_KEY, Ctx, View
from ui.views import all_views
from viz.rnn import md_escape

LESSON_Q, STEP_Q, PRESENT_Q = "lesson", "step", "present"  # query-string keys
PROGRESS = "_lessons.progress"  # {lesson id: {step index: {"guess": …}}}, this session only
PRESENT_SCALE = 1.3  # charts' height and font in presenter mode
KEYS = {"prev": "Left", "next": "Right", "reveal": "Enter"}  # st.button shortcuts


# ----------------------------------------------------------------------------- URL state


@dataclass(frozen=True)
class Place:
    """Where the URL says the learner is: lesson id, step index (0-based), step count, and
    whether presenter mode is on."""

    lid: str
    i: int
    n: int
    present: bool


def _int(v) -> int | None:
    try:
        return int(str(v))
    except (TypeError, ValueError):
        return None


def place() -> Place:
    """Read the lesson and step from the URL (an unknown lesson: the first; a step out of
    range: the nearest) and write back what is shown, so the URL is always a shareable link."""
    ids = L.lesson_ids()
    lid = st.query_params.get(LESSON_Q)
    lid = lid if lid in ids else ids[0]
    n = len(L.load_lesson(lid)["steps"])
    step = min(max(_int(st.query_params.get(STEP_Q)) or 1, 1), n)
    for key, val in ((LESSON_Q, lid), (STEP_Q, str(step))):
        if st.query_params.get(key) != val:
            st.query_params[key] = val
    return Place(lid, step - 1, n, st.query_params.get(PRESENT_Q) == "1")


def go(lid: str, i: int) -> None:
    """Open step ``i`` (0-based) of lesson ``lid``: one browser history entry."""
    st.query_params[LESSON_Q] = lid
    st.query_params[STEP_Q] = str(i + 1)


def move(lid: str, i: int, n: int, delta: int) -> None:
    """Previous / next button: step ``i + delta``, kept inside the lesson."""
    go(lid, min(max(i + delta, 0), n - 1))


def picked_lesson(key: str) -> None:
    """Lesson picker callback: the chosen lesson's first step."""
    lid = st.session_state.get(key)
    if lid in L.lesson_ids():
        go(lid, 0)


def picked_step(lid: str, key: str) -> None:
    """Step chips callback (1-based chips)."""
    i = _int(st.session_state.get(key))
    if i is not None:
        go(lid, i - 1)


def set_present(key: str) -> None:
    """Presenter toggle callback: ``?present=1`` on, nothing off."""
    if st.session_state.get(key):
        st.query_params[PRESENT_Q] = "1"
    elif PRESENT_Q in st.query_params:
        del st.query_params[PRESENT_Q]


def sync(key: str, value) -> None:
    """Make a widget show what the URL says (a link, back/forward) before it is drawn."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value


# ----------------------------------------------------------------------------- steps


def lesson_title(lid: str, lang: str) -> str:
    return L.load_lesson(lid)["title"][lang]


def lesson_label(lang: str, lid: str) -> str:
    """The lesson picker's label: order and title (a ``format_func`` via partial)."""
    lesson = L.load_lesson(lid)
    return f"{lesson['order']} · {lesson['title'][lang]}"


def step_label(answered: tuple[int, ...], i: int) -> str:
    """A step chip: its number, ✓ once its question was revealed (1-based)."""
    return f"{i} ✓" if i - 1 in answered else str(i)


def view_of(step: dict) -> View:
    return all_views()[step["view"]]


def values(step: dict, lang: str) -> dict:
    """The view's values for the step's input, from its page module's ``lesson_context``."""
    module = importlib.import_module(f"ui.views.{step['view'].split('.', 1)[0]}")
    return module.lesson_context(step["input"], lang)


@dataclass
class LessonCtx(Ctx):
    """A view's context inside a lesson: in presenter mode charts are taller, their type larger."""

    scale: float = 1.0

    def chart(self, fig, name: str, **kw):
        if self.scale != 1.0:
            enlarge(fig, self.scale)
        return super().chart(fig, name, **kw)


def enlarge(fig, scale: float) -> None:
    """Scale a figure's height and base font for a projector (this figure only)."""
    fig.layout.height = int((fig.layout.height or 450) * scale)
    fig.layout.font.size = round((fig.layout.font.size or 12) * scale)


def ctx_for(p: Place, lang: str, step: dict) -> LessonCtx:
    """The step's context: keys namespaced by lesson and step (``lessons.<id>.<n>.<view>…``),
    so two steps showing one view never share a widget's state."""
    ns = f"lessons.{p.lid}.{p.i + 1}"
    return LessonCtx(lang, ns, values(step, lang), scale=PRESENT_SCALE if p.present else 1.0)


def page_spec(step: dict) -> PageSpec:
    page = step["view"].split(".", 1)[0]
    return next(s for s in PAGES if s.url_path == page)


def try_query(step: dict, lang: str) -> dict[str, str]:
    """The query string that opens the step's page on its input and view ("try it yourself")."""
    inp = step["input"]
    q = {LANG_KEY: lang, VIEW_KEY: step["view"]}
    if "sample" in inp:
        q[SAMPLE_QUERY] = inp["sample"]
    if "text" in inp:
        q[TEXT_KEY] = inp["text"]
        m = MEMBERS[inp.get("model", "text_gru")]
        for key, val in ((ARCH_QUERY, m.arch), (TOK_QUERY, m.tok)):
            if val != DEFAULTS[key]:
                q[key] = val
    if "strip" in inp:  # the CNN + RNN page, part 1 (its own ?sample=: a strip's index)
        q.update(part="ocr", sample=str(inp["strip"]))
    if "clip" in inp:  # part 2: ?digit= and ?dir=
        digit, direction = str(inp["clip"]).split(":")
        q.update(part="motion", digit=digit, dir=direction)
    if "series" in inp:
        q["series"] = inp["series"]
        for key in ("point", "horizon"):
            if key in inp:
                q[key] = str(inp[key])
    return q


def try_href(step: dict, lang: str) -> str:
    """A relative link to the step's page (when ``st.page_link`` cannot be used)."""
    return f"./{page_spec(step).url_path}?{urlencode(try_query(step, lang))}"


# ----------------------------------------------------------------------------- questions


def progress(lid: str) -> dict[int, dict]:
    return st.session_state.setdefault(PROGRESS, {}).setdefault(lid, {})


def reveal(lid: str, i: int, key: str) -> None:
    """Reveal button callback: record the guess (or none) and show the answer."""
    progress(lid)[i] = {"guess": st.session_state.get(key)}


def ask_again(lid: str, i: int) -> None:
    progress(lid).pop(i, None)


def label_text(label: L.Label, lang: str) -> str:
    if label.key is None:
        return str(label.text)
    return t(label.key, lang, **dict(label.fmt))


def fact_texts(sol: L.Solution, lang: str, escape=md_escape) -> dict[str, str]:
    """The facts an explanation quotes, translated and escaped (tokens are model input)."""
    out = {}
    for k, v in sol.facts.items():
        out[k] = escape(label_text(v, lang) if isinstance(v, L.Label) else str(v))
    out["answer"] = escape(label_text(sol.answer_label(), lang))
    return out


def explanation(q: dict, sol: L.Solution, lang: str, escape=md_escape) -> str:
    """The question's explanation with the live facts filled in."""
    return q["explain"][lang].format(**fact_texts(sol, lang, escape))


def option_labels(sol: L.Solution, lang: str) -> dict[str, str]:
    return {v: label_text(lab, lang) for v, lab in sol.options}


def _lookup(labels: dict[str, str], value) -> str:
    return labels.get(value, str(value))


def guess_widget(sol: L.Solution, lang: str, key: str):
    """The guess: one of the options (chips) or a number in the range."""
    if sol.form == "number":
        return st.number_input(
            t("lessons.guess.number", lang, lo=sol.lo, hi=sol.hi),
            min_value=sol.lo,
            max_value=sol.hi,
            value=None,
            step=1,
            key=key,
        )
    labels = option_labels(sol, lang)
    return st.pills(
        t("lessons.guess.choice", lang),
        options=list(labels),
        format_func=partial(_lookup, labels),
        key=key,
    )


def question(p: Place, step: dict, sol: L.Solution, lang: str) -> bool:
    """Ask the step's question; after the reveal show the answer and why. Returns whether it
    has been revealed (a view that would give the answer away waits for it)."""
    q = step["question"]
    key = f"lessons.guess.{p.lid}.{p.i}"
    st.markdown(f"**{t('lessons.question', lang)}** {q['ask'][lang]}")
    rec = progress(p.lid).get(p.i)
    if rec is None:
        guess_widget(sol, lang, key)
        st.button(
            t("lessons.reveal", lang),
            type="primary",
            icon=":material/visibility:",
            shortcut=KEYS["reveal"],
            on_click=reveal,
            args=(p.lid, p.i, key),
            key=f"lessons.reveal.{p.lid}.{p.i}",
            width="stretch",
        )
        return False
    answer = md_escape(label_text(sol.answer_label(), lang))
    ok = sol.correct(rec["guess"])
    by = "" if sol.source == "models" else f".{sol.source}"  # the lab's results, not a model run
    if ok is None:
        st.info(t(f"lessons.answer{by}", lang, answer=answer), icon=":material/lightbulb:")
    elif ok:
        st.success(t("lessons.right", lang, answer=answer), icon=":material/check_circle:")
    else:
        guess = rec["guess"] if sol.form == "number" else option_labels(sol, lang)[rec["guess"]]
        st.error(
            t(f"lessons.wrong{by}", lang, guess=md_escape(str(guess)), answer=answer),
            icon=":material/cancel:",
        )
    if sol.form == "number" and sol.tol:
        st.caption(t("lessons.tolerance", lang, tol=sol.tol))
    st.markdown(explanation(q, sol, lang))
    st.button(
        t("lessons.again", lang),
        icon=":material/replay:",
        type="tertiary",
        on_click=ask_again,
        args=(p.lid, p.i),
        key=f"lessons.again.{p.lid}.{p.i}",
    )
    return True


# ----------------------------------------------------------------------------- presenter mode

PRESENTER_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapsedControl"] { display: none; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; max-width: 100%; }
[data-testid="stHeader"] { background: transparent; }  /* the lesson · step line shows under it */
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
.stButton button { min-height: 3rem; font-size: 1.1rem; }
[class*="st-key-lessons-guess"] [data-testid="stButtonGroup"] > div {
  flex-wrap: wrap; overflow-x: visible;  /* in a column, pills scroll sideways: wrap them */
}
[class*="st-key-lessons-reveal"] button {
  min-height: 4rem; font-size: 1.4rem;
}
</style>
"""


def presenter_style() -> None:
    """Projector styling: larger type and buttons, no sidebar. ``set_page_config`` alone cannot
    keep it closed: app.py's ``initial_sidebar_state="auto"`` on every rerun reopens it at 1280 px
    (seen in Chromium after a reveal), so it is hidden here; the presenter toggle and the URL
    (``&present=1``, ``&lang=``) stay. Our own constant CSS; no learner text goes into HTML."""
    st.html(PRESENTER_CSS)
