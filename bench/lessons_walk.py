"""Lessons page: how long each lesson takes to click through. Prints, never asserts.

    python bench/lessons_walk.py [--browser] [--lessons cnn-1,rnn-2]

- Server side (AppTest, this process): the page's rerun for every step of every lesson, reached
  with "next", and for every "reveal". First pass cold (a fresh process: models, analyses and
  answers computed on the way, as for the first learner on a fresh server), second pass warm
  (cached: every later learner). Per lesson: total and slowest step.
- ``--browser``: a real server and Chromium at 1280×720 in presenter mode, the lesson played with
  the keyboard (Enter reveals, → next): the time from the key press until the app is idle again
  (rerun + sending + drawing), per lesson.
- The teacher's handout build per lesson (every step's view run headless; the analyses are
  cached by then, as on a server where the class has opened the lesson).
- A human estimate per lesson, by a stated rule: step text read aloud at 130 words a minute
  (Chinese: 1.7 characters a word, as ``nets.lessons.words``), 30 s looking at each view, and
  60 s for each question (think, guess, reveal, read the explanation aloud).

The load average is printed before and after (other engineers share these 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("VIZ_STRICT", "0")

from nets import lessons as L  # noqa: E402

READ_WPM, VIEW_S, QUESTION_S = 130, 30, 60


def load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def human_minutes(lid: str, lang: str) -> float:
    steps = L.load_lesson(lid)["steps"]
    words = sum(L.words(s["text"][lang], lang) for s in steps)
    seconds = 60 * words / READ_WPM + VIEW_S * len(steps)
    seconds += QUESTION_S * sum("question" in s for s in steps)
    return seconds / 60


def app_walk(lid: str, lang: str = "en") -> tuple[list[float], list[float]]:
    """(rerun seconds per "next", per "reveal") walking one lesson under AppTest."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "lessons.py"), default_timeout=300)
    at.query_params.update(lang=lang, lesson=lid, step="1")
    t0 = time.perf_counter()
    at.run()
    nexts, reveals = [time.perf_counter() - t0], []
    steps = L.load_lesson(lid)["steps"]
    for i, step in enumerate(steps):
        if "question" in step:
            btn = [b for b in at.button if (b.key or "").startswith("lessons.reveal")][0]
            t0 = time.perf_counter()
            btn.click().run()
            reveals.append(time.perf_counter() - t0)
        if i < len(steps) - 1:
            t0 = time.perf_counter()
            at.button(key="lessons.next").click().run()
            nexts.append(time.perf_counter() - t0)
        assert not at.exception, [e.value for e in at.exception]
    return nexts, reveals


def browser_walk(ids: list[str]) -> dict[str, list[float]]:
    """Seconds from key press to idle for each step and reveal, per lesson, in Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM_ARGS, started_server, wait_for_app

    out = {}
    log = Path("/tmp") / f"bench-lessons-{os.getpid()}.log"
    with started_server(log) as base, sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for lid in ids:
            page = b.new_page(viewport={"width": 1280, "height": 720})
            t0 = time.perf_counter()
            page.goto(f"{base}/lessons?lesson={lid}&step=1&present=1&lang=en")
            wait_for_app(page)
            times = [time.perf_counter() - t0]
            steps = L.load_lesson(lid)["steps"]
            for i, step in enumerate(steps):
                keys = (["Enter"] if "question" in step else []) + (
                    ["ArrowRight"] if i < len(steps) - 1 else []
                )
                for key in keys:
                    page.evaluate("document.activeElement && document.activeElement.blur()")
                    t0 = time.perf_counter()
                    page.keyboard.press(key)
                    page.wait_for_timeout(150)  # the rerun starts
                    wait_for_app(page)
                    times.append(time.perf_counter() - t0 - 0.3)  # wait_for_app's settle pause
            out[lid] = times
            page.close()
        b.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--browser", action="store_true")
    ap.add_argument("--lessons", default=",".join(L.lesson_ids()))
    args = ap.parse_args()
    ids = args.lessons.split(",")
    print(f"load average before: {load()}")
    print("\nServer reruns under AppTest (seconds): cold = fresh process, warm = cached")
    for lid in ids:
        cold_n, cold_r = app_walk(lid)
        warm_n, warm_r = app_walk(lid)
        cold, warm = cold_n + cold_r, warm_n + warm_r
        print(
            f"  {lid:<9} {len(cold_n)} steps {len(cold_r)} reveals  cold total {sum(cold):6.1f}"
            f" (slowest {max(cold):5.2f})  warm total {sum(warm):5.2f}"
            f" (median {statistics.median(warm):.2f}, slowest {max(warm):.2f})"
        )
    print("\nTeacher's handout build, analyses cached by the walk (seconds, size)")
    from ui.handout import build

    for lid in ids:
        t0 = time.perf_counter()
        data = build(lid, "en", True)
        print(f"  {lid:<9} {time.perf_counter() - t0:6.1f} s  {len(data) / 1e6:.1f} MB")
    if args.browser:
        print("\nChromium 1280×720, presenter mode, keyboard (seconds from key to idle)")
        for lid, times in browser_walk(ids).items():
            print(
                f"  {lid:<9} open {times[0]:5.1f}  {len(times) - 1} keys: total"
                f" {sum(times[1:]):5.1f}, median {statistics.median(times[1:]):.2f},"
                f" slowest {max(times[1:]):.2f}"
            )
    print(f"\nHuman estimate ({READ_WPM} wpm aloud, {VIEW_S} s a view, {QUESTION_S} s a question)")
    for lid in ids:
        en, zh = human_minutes(lid, "en"), human_minutes(lid, "zh")
        print(f"  {lid:<9} en {en:4.1f} min  zh {zh:4.1f} min")
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
