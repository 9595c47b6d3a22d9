"""The lessons page under AppTest: every step of every lesson in both languages, questions
revealed and graded, the URL as the one source of the place, presenter mode, the handouts."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

import numpy as np
import pytest

from nets import lessons as L
from tests.conftest import chart_specs, open_view, plotly_array
from ui import lessons as ul
from ui.i18n import t
from ui.views import all_views

IDS = L.lesson_ids()


class Tags(HTMLParser):
    """Collects what an HTML file would fetch (src/href of scripts, links, images, frames)
    and the size of each inline script."""

    def __init__(self):
        super().__init__()
        self.external, self.script_sizes = [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        url = a.get("src") or (a.get("href") if tag == "link" else None)
        if url and tag in ("script", "link", "img", "iframe"):
            self.external.append(url)
        if tag == "script":
            self._in_script = True
            self.script_sizes.append(0)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_sizes[-1] += len(data)


VERDICT_ENDS = tuple(t("lab.scope", lang) for lang in ("zh", "en"))


def errors(at) -> list[str]:
    """Exceptions and error boxes; a claims-lab verdict "contradicts" is drawn as an error box
    too, but it is a result (it ends with the lab's scope sentence), not an error."""
    boxes = [e.body for e in at.error if not e.body.endswith(VERDICT_ENDS)]
    return [e.value for e in at.exception] + boxes


def reveal_button(at):
    found = [b for b in at.button if (b.key or "").startswith("lessons.reveal")]
    return found[0] if found else None


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("lid", IDS)
def test_walk_every_step(lid, lang):
    """Step 1 → the last with "next"; each step shows its title and view, each question
    reveals the answer the models compute, with its explanation."""
    lesson = L.load_lesson(lid)
    at = open_view("lessons", None, lang, lesson=lid)
    for i, step in enumerate(lesson["steps"]):
        assert at.query_params["step"] == [str(i + 1)] or at.query_params["step"] == str(i + 1)
        assert [s.value for s in at.subheader][:1] == [step["title"][lang]], (lid, i)
        assert not errors(at), (lid, i, errors(at))
        gated = step.get("reveal_view") and "question" in step
        view = all_views()[step["view"]]
        titles = [m.value for m in at.markdown]
        if not gated:
            assert f"##### {t(view.title_key, lang)}" in titles, (lid, i)
        if "question" in step:
            sol = L.solve(step["question"], step["input"])
            reveal_button(at).click().run()
            assert not errors(at), (lid, i, errors(at))
            answer = ul.label_text(sol.answer_label(), lang)
            info = " ".join(x.body for x in at.info)
            by = "" if sol.source == "models" else f".{sol.source}"
            assert t(f"lessons.answer{by}", lang, answer="").split("*")[0] in info
            assert ul.md_escape(answer) in info, (lid, i, answer, info)
            explained = ul.explanation(step["question"], sol, lang)
            assert explained in [m.value for m in at.markdown]
            if gated:  # the view appears once the answer is out
                assert f"##### {t(view.title_key, lang)}" in [m.value for m in at.markdown]
        nxt = at.button(key="lessons.next")
        if i == len(lesson["steps"]) - 1:
            assert nxt.disabled
        else:
            nxt.click().run()
    assert not errors(at)


def test_a_link_opens_its_step_directly():
    at = open_view("lessons", None, "zh", lesson="rnn-2", step="3")
    step = L.load_lesson("rnn-2")["steps"][2]
    assert at.subheader[0].value == step["title"]["zh"]
    assert at.selectbox(key="lessons.pick").value == "rnn-2"
    at.button(key="lessons.prev").click().run()
    assert at.query_params["step"] in (["2"], "2")
    assert at.subheader[0].value == L.load_lesson("rnn-2")["steps"][1]["title"]["zh"]


@pytest.mark.parametrize(
    ("query", "lid", "step"),
    [
        ({"lesson": "nope", "step": "2"}, IDS[0], 2),
        ({"lesson": "cnn-2", "step": "99"}, "cnn-2", len(L.load_lesson("cnn-2")["steps"])),
        ({"lesson": "cnn-2", "step": "-3"}, "cnn-2", 1),
        ({"lesson": "cnn-2", "step": "x<b>"}, "cnn-2", 1),
    ],
)
def test_a_bad_link_opens_the_nearest_step(query, lid, step):
    at = open_view("lessons", None, "en", **query)
    assert at.query_params["lesson"] in ([lid], lid)
    assert at.query_params["step"] in ([str(step)], str(step))
    assert at.subheader[0].value == L.load_lesson(lid)["steps"][step - 1]["title"]["en"]


def test_the_lesson_picker_and_step_chips_write_the_url():
    at = open_view("lessons", None, "en", lesson="cnn-1", step="2")
    at.selectbox(key="lessons.pick").set_value("series-1").run()
    assert at.query_params["lesson"] in (["series-1"], "series-1")
    assert at.query_params["step"] in (["1"], "1")
    at.button_group(key="lessons.steps.series-1").set_value(4).run()
    assert at.query_params["step"] in (["4"], "4")
    assert at.subheader[0].value == L.load_lesson("series-1")["steps"][3]["title"]["en"]


def _find_question(kind_form: str):
    for lid in IDS:
        for i, step in enumerate(L.load_lesson(lid)["steps"]):
            if "question" in step:
                sol = L.solve(step["question"], step["input"])
                if sol.form == kind_form:
                    return lid, i, sol
    raise AssertionError(kind_form)


def test_a_right_and_a_wrong_choice_are_graded():
    lid, i, sol = _find_question("choice")
    at = open_view("lessons", None, "en", lesson=lid, step=str(i + 1))
    key = f"lessons.guess.{lid}.{i}"
    at.button_group(key=key).set_value(sol.answer).run()
    reveal_button(at).click().run()
    assert at.success and "Right" in at.success[0].body
    chips = at.button_group(key=f"lessons.steps.{lid}")
    assert chips.format_func(i + 1) == f"{i + 1} ✓", "the chip shows the step as done"
    at.button(key=f"lessons.again.{lid}.{i}").click().run()
    wrong = next(v for v, _ in sol.options if v != sol.answer)
    at.button_group(key=key).set_value(wrong).run()
    reveal_button(at).click().run()
    assert at.error and "You guessed" in at.error[0].body
    assert f"{i + 1} ✓" == at.button_group(key=f"lessons.steps.{lid}").format_func(i + 1)


def test_a_number_guess_is_graded_with_its_tolerance():
    lid, i, sol = _find_question("number")
    at = open_view("lessons", None, "en", lesson=lid, step=str(i + 1))
    far = sol.lo if int(sol.answer) - sol.lo > sol.tol else sol.hi
    at.number_input(key=f"lessons.guess.{lid}.{i}").set_value(far).run()
    reveal_button(at).click().run()
    assert at.error and not at.success
    at.button(key=f"lessons.again.{lid}.{i}").click().run()
    at.number_input(key=f"lessons.guess.{lid}.{i}").set_value(int(sol.answer)).run()
    reveal_button(at).click().run()
    assert at.success and sol.answer in at.success[0].body


def test_progress_is_per_session():
    lid, i, _ = _find_question("choice")
    at = open_view("lessons", None, "en", lesson=lid, step=str(i + 1))
    reveal_button(at).click().run()
    fresh = open_view("lessons", None, "en", lesson=lid, step=str(i + 1))
    assert reveal_button(fresh) is not None, "another session starts with nothing revealed"


def test_presenter_mode_shows_only_the_step():
    at = open_view("lessons", None, "en", lesson="cnn-1", step="1", present="1")
    assert not [x for x in at.title], "no page title in presenter mode"
    assert not at.get("download_button")
    assert at.toggle(key="lessons.present").value is True
    assert at.get("progress"), "a progress bar instead of the chips"
    assert {b.key for b in at.button} >= {"lessons.prev", "lessons.next"}
    specs = chart_specs(at)
    assert specs, "the view's charts"
    for spec in specs.values():  # charts enlarged for the projector
        assert spec["layout"]["font"]["size"] >= round(12 * ul.PRESENT_SCALE)
    at.toggle(key="lessons.present").set_value(False).run()
    assert "present" not in at.query_params
    assert at.title and at.get("download_button")


def test_keyboard_shortcuts_on_the_step_buttons():
    at = open_view("lessons", None, "en", lesson="cnn-1", step="2")
    shortcuts = {b.key: b.proto.shortcut.lower() for b in at.button}
    assert shortcuts["lessons.prev"] == "left" and shortcuts["lessons.next"] == "right"
    assert [v for k, v in shortcuts.items() if k.startswith("lessons.reveal")] == ["enter"]


def test_try_it_yourself_links_the_page_with_the_input():
    for lid in IDS:
        for step in L.load_lesson(lid)["steps"]:
            q = ul.try_query(step, "zh")
            assert q["view"] == step["view"] and q["lang"] == "zh"
            for value in shown_values(step["input"]):
                assert str(value) in q.values(), (lid, step["view"], q)
    at = open_view("lessons", None, "en", lesson="rnn-1", step="5")
    link = [m.value for m in at.markdown if "Try it yourself" in m.value][0]
    href = re.search(r"\((\./rnn\?[^)]+)\)", link).group(1)
    assert "view=rnn.gates" in href and "model=lstm" in href


def shown_values(inp: dict) -> list:
    """What the page's input widgets must hold for a step's input."""
    if "clip" in inp:
        digit, direction = inp["clip"].split(":")
        return [int(digit), direction]
    if "lab" in inp or "pair" in inp:  # the claims lab has no input block: the view id only
        return []
    key = next(k for k in ("sample", "text", "series", "strip") if k in inp)
    return [inp[key]]


@pytest.mark.parametrize(
    ("lid", "i"), [("rnn-1", 4), ("cnn-1", 3), ("series-1", 4), ("hybrid-1", 4), ("hybrid-1", 6)]
)
def test_try_it_yourself_opens_the_page_on_the_step(lid, i):
    """The page opened with the link's query shows the step's input and view."""
    step = L.load_lesson(lid)["steps"][i]
    q = ul.try_query(step, "en")
    page = step["view"].split(".")[0]
    lang, view_id = q.pop("lang"), q.pop("view")
    at = open_view(page, view_id, lang, **q)
    assert not errors(at)
    widgets = (*at.text_area, *at.selectbox, *at.text_input, *at.get("button_group"))
    shown = [w.value for w in widgets]
    for value in shown_values(step["input"]):
        assert value in shown, (value, shown)
    view = all_views()[step["view"]]
    assert any(t(view.title_key, "en") in str(x.label) for x in at.tabs) or chart_specs(at)


@pytest.mark.parametrize(
    ("lid", "lang", "teacher"),
    [("cnn-1", "zh", False)] + [(lid, "en", True) for lid in IDS],
)
def test_handout_is_self_contained(lid, lang, teacher):
    from ui.handout import build, step_figures

    html = build(lid, lang, teacher).decode("utf-8")
    lesson = L.load_lesson(lid)
    tags = Tags()
    tags.feed(html)
    assert tags.external == [], "nothing fetched from the network"
    assert max(tags.script_sizes) > 1_000_000, "plotly.js inlined"
    expected = 0
    for step in lesson["steps"]:
        hidden = step.get("reveal_view") and "question" in step and not teacher
        if not hidden:
            expected += len(step_figures(step, lang))
        assert escape(step["title"][lang]) in html
    assert html.count('class="plotly-graph-div"') == expected > 0
    assert t("view.error", lang) not in html, "a step's view failed"
    answers = html.count(t("lessons.handout.answer", lang))
    n_questions = sum("question" in s for s in lesson["steps"])
    assert answers == (n_questions if teacher else 0)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_claims_lesson_charts_the_numbers_it_asks_about(lang):
    """claims-1, step 3 (time against length): after the reveal the lab's own timing chart is
    drawn inside the lesson, its GRU line at one thread ends at the median the explanation
    quotes, read here from assets/metrics/lab/timing.json."""
    import json

    from nets.paths import METRICS

    tm = json.loads((METRICS / "lab" / "timing.json").read_text(encoding="utf-8"))
    step = L.load_lesson("claims-1")["steps"][2]
    assert step["view"] == "lab.speed" and step["question"]["kind"] == "timing_growth"
    at = open_view("lessons", None, lang, lesson="claims-1", step="3")
    assert "lessons.claims-1.3.lab.speed.timing" not in chart_specs(at), "waits for the reveal"
    reveal_button(at).click().run()
    assert not errors(at)
    fig = chart_specs(at)["lessons.claims-1.3.lab.speed.timing"]
    label = f"{t('lab.model.gru_attn', lang)} · {t('lab.threads', lang, n=1)}"
    trace = next(d for d in fig["data"] if d.get("name") == label)
    want = [float(np.median(tm["times"]["1"]["gru"][str(n)]["cpu_ms"])) for n in tm["lengths"]]
    np.testing.assert_allclose(plotly_array(trace["y"]), want, rtol=1e-9)
    shown = " ".join(m.value for m in at.markdown)
    for number in (f"{want[-1]:.1f}", f"{want[-1] / want[0]:.1f}"):  # the explanation's facts
        assert ul.md_escape(number) in shown, number
