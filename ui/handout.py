"""A lesson as one self-contained HTML file: every step's text, the figures of its view for its
input, its question and, in the teacher's version, the answer computed now and why.

The figures are the views' own: each step's view function runs with a :class:`Recorder`
context that keeps the figures it would chart, on a worker thread that has no Streamlit script
run, so the view's widgets return their defaults and draw nothing (Streamlit's "bare" mode;
its warnings from that thread are filtered out of the log). plotly.js is inlined once, so the
file opens with no network. Nothing is written to disk: the caller gets bytes.
"""

from __future__ import annotations

import html
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import plotly.io as pio

from nets import lessons as L
from ui import lessons_cache
from ui.i18n import t
from ui.lessons import explanation, label_text, values, view_of
from ui.view import CHART_CONFIG, Ctx

log = logging.getLogger(__name__)
THREAD = "lessons-handout"
CSS = """
body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem; line-height: 1.55; color: #222; }
h1 { margin-bottom: .2rem; } .meta { color: #666; font-size: .9rem; }
section.step { border-top: 1px solid #ccc; margin-top: 1.5rem; padding-top: .5rem; }
.q { background: #f4f6fa; border-left: 4px solid #4a6fa5; padding: .5rem 1rem; margin: .8rem 0; }
.a { background: #eef7ee; border-left: 4px solid #3a8a3a; padding: .5rem 1rem; margin: .8rem 0; }
.blank { display: inline-block; min-width: 8rem; border-bottom: 1px solid #444; }
.note { color: #666; font-style: italic; }
@media print { section.step { page-break-inside: avoid; } }
"""


@dataclass
class Recorder(Ctx):
    """A view context that keeps the charts instead of drawing them."""

    figures: list = field(default_factory=list)

    def chart(self, fig, name: str, **kw):
        self.figures.append(fig)
        return None


class _FromThread(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.threadName.startswith(THREAD)


_QUIET = _FromThread()
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD)


def _quiet_streamlit() -> None:
    """Drop Streamlit's "missing ScriptRunContext" warnings raised on the handout thread (its
    loggers do not propagate: the filter goes on each)."""
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        streamlit_logger = name.startswith("streamlit") and isinstance(logger, logging.Logger)
        if streamlit_logger and _QUIET not in logger.filters:
            logger.addFilter(_QUIET)


@lru_cache(maxsize=1)
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def step_figures(step: dict, lang: str) -> list:
    """The figures the step's view draws for the step's input, in order (run headless)."""
    v = view_of(step)
    ctx = Recorder(lang, "handout", values(step, lang))
    ctx.view = v.id
    v.draw(ctx)
    return ctx.figures


def _text(s: str) -> str:
    """Escape, then the lesson texts' only markup: **bold**."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(s))


def _figure_html(fig) -> str:
    return pio.to_html(
        fig, config=CHART_CONFIG, include_plotlyjs=False, full_html=False, validate=False
    )


def _question_html(lid: str, i: int, step: dict, lang: str, teacher: bool) -> str:
    q = step["question"]
    sol = lessons_cache.solution(lid, i)
    parts = [f'<div class="q"><b>{html.escape(t("lessons.question", lang))}</b> ']
    parts.append(_text(q["ask"][lang]))
    if sol.form == "number":
        guess = t("lessons.guess.number", lang, lo=sol.lo, hi=sol.hi)
        parts.append(f'<p>{html.escape(guess)} <span class="blank"></span></p>')
    else:
        opts = "".join(f"<li>☐ {html.escape(label_text(lab, lang))}</li>" for _, lab in sol.options)
        parts.append(f"<ul>{opts}</ul>")
    parts.append("</div>")
    if teacher:
        answer = html.escape(label_text(sol.answer_label(), lang))
        why = _text(explanation(q, sol, lang, escape=str))
        parts.append(
            f'<div class="a"><b>{html.escape(t("lessons.handout.answer", lang))}</b> '
            f"{answer}<br>{why}</div>"
        )
    return "".join(parts)


def build(lid: str, lang: str, teacher: bool) -> bytes:
    """The lesson's handout, UTF-8 HTML, built on the handout thread (no script run there).

    Args:
        lid: the lesson id.
        lang: "zh" or "en".
        teacher: add each question's answer and explanation.

    Returns:
        The file's bytes (≈ 5 MB: plotly.js is inlined).
    """
    _quiet_streamlit()
    return _pool.submit(_build, lid, lang, teacher).result()


def _build(lid: str, lang: str, teacher: bool) -> bytes:
    lesson = L.load_lesson(lid)
    version = t("lessons.handout.teacher" if teacher else "lessons.handout.student", lang)
    body = [
        f"<h1>{_text(lesson['title'][lang])}</h1>",
        f'<p class="meta">{html.escape(version)} · CNN × RNN Explorer</p>',
        f"<p>{_text(lesson['summary'][lang])}</p>",
    ]
    for i, step in enumerate(lesson["steps"]):
        head = t("lessons.step", lang, k=i + 1, n=len(lesson["steps"]))
        body.append(
            f'<section class="step"><h2>{html.escape(head)} · {_text(step["title"][lang])}</h2>'
        )
        body.append(f"<p>{_text(step['text'][lang])}</p>")
        hidden = step.get("reveal_view") and "question" in step and not teacher
        if hidden:
            body.append(f'<p class="note">{html.escape(t("lessons.handout.hidden", lang))}</p>')
        if "question" in step:
            body.append(_question_html(lid, i, step, lang, teacher))
        if not hidden:
            try:
                figs = step_figures(step, lang)
            except Exception:
                log.exception("handout: step %d of %s failed", i + 1, lid)
                body.append(f'<p class="note">{html.escape(t("view.error", lang))}</p>')
                figs = []
            body += [f'<div class="fig">{_figure_html(f)}</div>' for f in figs]
        body.append("</section>")
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(lesson['title'][lang])}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{plotly_js()}</script></head><body>'
        + "\n".join(body)
        + "</body></html>"
    )
    return page.encode("utf-8")
