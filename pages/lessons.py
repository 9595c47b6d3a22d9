"""Lessons page: guided tours through the pages' own views, with predict-then-reveal questions.

A lesson is data (``assets/lessons/<id>.json``, read by ``nets.lessons``); each step sets an
input, shows ONE view of another page (drawn by ``ui.view.draw`` from the values that page's
``lesson_context`` builds) and may ask a question whose answer the models compute now
(``ui.lessons_cache.solution``). The URL holds the lesson and the step (``ui/lessons.py``);
``?present=1`` is presenter mode (larger type and charts, no sidebar, only the step).
"""

from __future__ import annotations

import logging
from functools import partial

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from nets import lessons as L
from ui import lessons as ul
from ui import lessons_cache
from ui.guard import guarded
from ui.i18n import current_lang, t
from ui.shell import require_shell
from ui.view import draw

log = logging.getLogger(__name__)
require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()
p = ul.place()
lesson = L.load_lesson(p.lid)
step = lesson["steps"][p.i]
answered = tuple(sorted(ul.progress(p.lid)))
questions = [i for i, s in enumerate(lesson["steps"]) if "question" in s]
PRESENT_KEY, PICK_KEY, STEPS_KEY = "lessons.present", "lessons.pick", f"lessons.steps.{p.lid}"


def present_toggle() -> None:
    ul.sync(PRESENT_KEY, p.present)
    st.toggle(
        t("lessons.present"),
        key=PRESENT_KEY,
        on_change=ul.set_present,
        args=(PRESENT_KEY,),
        help=t("lessons.present.help"),
    )


def nav_button(which: str, delta: int, disabled: bool) -> None:
    st.button(
        t(f"lessons.{which}"),
        key=f"lessons.{which}",
        on_click=ul.move,
        args=(p.lid, p.i, p.n, delta),
        disabled=disabled,
        shortcut=ul.KEYS[which],
        width="stretch",
        help=t(f"lessons.{which}.help"),
    )


# ----------------------------------------------------------------------------- header
if p.present:
    st.set_page_config(initial_sidebar_state="collapsed")
    ul.presenter_style()
    st.caption(f"{lesson['title'][lang]} · {t('lessons.step', k=p.i + 1, n=p.n)}")
else:
    st.title(t("lessons.title"))
    st.caption(t("lessons.intro"))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    ul.sync(PICK_KEY, p.lid)
    left.selectbox(
        t("lessons.pick"),
        L.lesson_ids(),
        format_func=partial(ul.lesson_label, lang),
        key=PICK_KEY,
        on_change=ul.picked_lesson,
        args=(PICK_KEY,),
    )
    with right:
        present_toggle()
    st.markdown(lesson["summary"][lang])

# ----------------------------------------------------------------------------- step controls
with st.container(horizontal=True, vertical_alignment="center"):  # side by side on a phone too
    nav_button("prev", -1, p.i == 0)
    if p.present:
        st.progress((p.i + 1) / p.n, text=t("lessons.step", k=p.i + 1, n=p.n))
    nav_button("next", 1, p.i == p.n - 1)
if not p.present:
    ul.sync(STEPS_KEY, p.i + 1)
    st.segmented_control(
        t("lessons.steps"),
        options=list(range(1, p.n + 1)),
        format_func=partial(ul.step_label, answered),
        key=STEPS_KEY,
        required=True,
        on_change=ul.picked_step,
        args=(p.lid, STEPS_KEY),
        label_visibility="collapsed",
    )

# ----------------------------------------------------------------------------- the step
# Presenter mode: the question beside the view, so a 1280×720 projector shows both at once
# (the whole width for the question while its view waits for the reveal).
gated = bool(step.get("reveal_view")) and "question" in step and p.i not in ul.progress(p.lid)
text_box, view_box = (
    st.columns([2, 3], gap="large") if p.present and not gated else (st.container(), st.container())
)
with text_box:
    st.subheader(step["title"][lang])
    if p.present:  # the room reads the question; the teacher can open the text
        with st.expander(t("lessons.notes"), icon=":material/notes:"):
            st.markdown(step["text"][lang])
    else:
        st.markdown(step["text"][lang])
    revealed = True
    if "question" in step:
        with guarded("question", "view.error", log):
            revealed = ul.question(p, step, lessons_cache.solution(p.lid, p.i), lang)
view = ul.view_of(step)
with view_box:
    if revealed or not step.get("reveal_view"):
        st.markdown(f"##### {t(view.title_key)}")
        with guarded("lesson view", "view.error", log):
            draw(view, ul.ctx_for(p, lang, step))
    else:
        st.caption(t("lessons.view_after", view=t(view.title_key)))

if p.present:
    present_toggle()
    st.stop()

# ----------------------------------------------------------------------------- around the step
spec = ul.page_spec(step)
label = t("lessons.try")
try:
    st.page_link(
        spec.path, label=label, icon=":material/open_in_new:", query_params=ul.try_query(step, lang)
    )
except StreamlitPageNotFoundError:  # the page run on its own (tests), outside app.py's navigation
    st.markdown(f"[{label}]({ul.try_href(step, lang)})")
st.caption(t("lessons.try.caption", page=t(spec.title_key), view=t(view.title_key)))

st.divider()
done = sum(i in answered for i in questions)
st.caption(t("lessons.progress", done=done, n=len(questions)))
st.markdown(f"**{t('lessons.handout')}**")
st.caption(t("lessons.handout.caption"))
cols = st.columns(2)
for col, teacher in zip(cols, (False, True), strict=True):
    version = "teacher" if teacher else "student"
    col.download_button(
        t(f"lessons.handout.{version}"),
        data=partial(lessons_cache.handout, p.lid, lang, teacher),
        file_name=f"lesson-{p.lid}-{lang}-{version}.html",
        mime="text/html",
        icon=":material/download:",
        key=f"lessons.handout.{version}",
        on_click="ignore",
        width="stretch",
    )
