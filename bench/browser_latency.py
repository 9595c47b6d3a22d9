"""Browser latency: input → all charts drawn, in Chromium, beside a trivial one-chart page.

    python bench/browser_latency.py [--runs 30] [--warmup 3] [--trace] [--only CNN,RNN,side]

(``BENCH_LOG=<dir>`` keeps the two servers' logs there.)

Starts two servers as README says, from the repo root: ``streamlit run app.py`` and
``streamlit run bench/trivial_page.py`` (one uploader, one text area, one heatmap). One headless
Chromium, one tab per measured view, 1280×900 (``--width 390``: a phone's width). Every interaction uses a fresh input (a cache
miss): digits from ``assets/samples/digits.npz`` rotated, shifted and scaled with PIL (dark ink
on white, unique bytes); sentences from ``assets/examples.json`` with a random suffix,
alternating Chinese and English. The views are measured in interleaved rounds, so the app and
its floor see the same machine load.

**"All charts drawn"** (checked in the page, on the page's own clock):

1. the page has received the rerun's ``script_finished`` message (counted by a listener on the
   app's websocket: a fast rerun can go running → notRunning within one React render, so the
   ``data-test-script-state`` attribute alone can miss it), the script state is
   ``notRunning`` and Streamlit's "running" status widget is gone;
2. the view shows exactly the number of ``stPlotlyChart`` elements it showed after warm-up,
   each with its ``.js-plotly-plot .main-svg`` drawn, and every ``<img>`` in the main area
   loaded (``complete`` with a width: a broken image is a failure, not a finished page);
3. nothing in the main area has changed (no DOM mutation) for ``--quiet`` ms, and the page's
   main thread answered every 50 ms poll on time (≤ 200 ms apart) during that time, so a long
   task that has not yet touched the DOM is not taken for a finished page.

The latency ("drawn") runs from just before the action to the latest of the last DOM mutation
in the main area, the ``script_finished`` message and the state turning ``notRunning`` (the
quiet wait is not counted; an unchanged element causes no mutation, so the page can look final
before Streamlit says it is done). Beside it: "fin", action → ``script_finished`` reaches the
page (upload, the server's rerun, transfer, and any backlog of the page's main thread: deltas
render while they stream in, so this overlaps with drawing); "tail" = drawn − fin; the server
process's CPU time per interaction (``/proc``); the tab's renderer main-thread time (CDP
``Performance.getMetrics``: all tasks, of which JS and layout + style); the websocket bytes
received per rerun (mostly chart JSON). ``--trace`` then records one Chromium trace per view
and splits the renderer main thread's CPU time (the trace's thread time, which leaves out
waiting for a core) by kind of work: JS, style + layout, paint, GC.

What each view's charts are (the page's default view, as a learner arriving there sees it;
only the opened view of a page computes and draws — ui/view.py):

- ``/cnn`` with the Upload source, default view "Layers": probability bars, the architecture
  strip, the conv1 feature-map grid (3 plotly charts) and the preprocessing strip (1 image);
- ``/rnn``, default view "Unrolled network": 1 chart;
- ``/compare`` sentence mode and digit mode (upload), view "Both predictions": 1 chart and a
  table each; the counts are printed.

Prints median / p95 and the ratio to the trivial page's figure for the same kind of input.
Never asserts. The browser runs on the same cores as the server, so figures include client
rendering; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from conftest import _healthy, stop_server, streamlit_cmd  # noqa: E402
from load import CHROMIUM, CHROMIUM_ARGS, IDLE, ROOT, free_port, open_tab, pct  # noqa: E402

STATUS = '[data-testid="stStatusWidget"]'
APP_STATE = """(a => a && [a.dataset.testScriptState, a.dataset.testConnectionState])(
  document.querySelector('[data-testid="stApp"]'))"""
FILE_INPUT = '[data-testid="stFileUploader"] input[type="file"]'
# Page-clock marks, installed before the app's own scripts: __fin / __finAt count the
# ``script_finished`` ForwardMsgs the page receives (a fast rerun can go running → notRunning
# inside one React render, so the script-state attribute alone misses it); __lastMut is the
# last DOM change in the main area; __doneAt the last running → notRunning of the attribute.
MARKS = """
window.__fin = 0; window.__finAt = 0; window.__doneAt = 0; window.__lastMut = 0;
window.__lastPoll = 0; window.__busyAt = 0;
const FINISHED = FIELD;  // ForwardMsg field number of script_finished
function topFields(buf) {  // field numbers of a protobuf message's top level
  const b = new Uint8Array(buf), out = [];
  let i = 0;
  const varint = () => { let v = 0, m = 1, c; do { c = b[i++]; v += (c & 127) * m; m *= 128; }
                         while (c & 128 && i < b.length); return v; };
  while (i < b.length) {
    const tag = varint(), wire = tag & 7;
    out.push(Math.floor(tag / 8));
    if (wire === 0) varint(); else if (wire === 1) i += 8; else if (wire === 5) i += 4;
    else if (wire === 2) i += varint(); else break;
  }
  return out;
}
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', e => {
      const seen = buf => { if (topFields(buf).includes(FINISHED)) {
        window.__fin += 1; window.__finAt = performance.now(); } };
      if (e.data instanceof ArrayBuffer) seen(e.data);
      else if (e.data instanceof Blob) e.data.arrayBuffer().then(seen);
    });
  }
};
new MutationObserver(records => {
  const now = performance.now();
  for (const r of records) {
    if (r.attributeName === 'data-test-script-state') {
      const v = r.target.getAttribute('data-test-script-state');
      if (r.oldValue === 'running' && v === 'notRunning') window.__doneAt = now;
      continue;
    }
    const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
    if (el && el.closest('[data-testid="stMain"]')) window.__lastMut = now;
  }
}).observe(document, {attributes: true, childList: true, characterData: true, subtree: true,
                      attributeOldValue: true});
""".replace("FIELD", str(ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number))
# Why the view is not drawn yet ("" once conditions 1–3 of the module docstring hold).
NOT_DRAWN = f"""
([f0, want, quiet]) => {{
  const now = performance.now();  // a late poll means a busy main thread: not quiet
  if (now - window.__lastPoll > 200) window.__busyAt = now;
  window.__lastPoll = now;
  if (window.__fin <= f0) return 'script not finished';
  if (!document.querySelector('{IDLE}')) return 'script running';
  if (document.querySelector('{STATUS}')) return 'status widget shown';
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  if (want >= 0 && charts.length !== want) return `${{charts.length}} charts, want ${{want}}`;
  if (!charts.every(c => c.querySelector('.js-plotly-plot .main-svg'))) return 'chart not drawn';
  const imgs = [...document.querySelectorAll('[data-testid="stMain"] img')];
  const bad = imgs.find(i => !(i.complete && i.naturalWidth > 0));
  if (bad) return `image not loaded: ${{bad.complete}} ${{bad.loading}} ${{bad.src.slice(-60)}}`;
  const still = now - Math.max(window.__lastMut, window.__busyAt);
  return still > quiet ? '' : `changed or busy ${{still.toFixed(0)}} ms ago`;
}}
"""
SUFFIX_EN = ["really", "truly", "honestly", "overall", "anyway", "today", "again", "still"]
SUFFIX_ZH = list("真的还是总之今天其实确实又挺")


def sentences() -> tuple[list[str], list[str]]:
    """Example sentences from assets/examples.json: (Chinese, English)."""
    data = json.loads((ROOT / "assets" / "examples.json").read_text(encoding="utf-8"))
    texts = [e["text"] for g in data["groups"] for e in g["examples"]]
    zh = [s for s in texts if any("\u4e00" <= ch <= "\u9fff" for ch in s)]
    return zh, [s for s in texts if s not in zh]


class Inputs:
    """Fresh inputs, never repeated within a run (so every interaction is a cache miss)."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.digits = np.load(ROOT / "assets" / "samples" / "digits.npz")["images"]  # (N, 28, 28)
        self.zh, self.en = sentences()
        self.n = 0

    def image(self) -> bytes:
        """A sample digit rotated, shifted and scaled, dark on white, as a unique PNG."""
        r = self.rng
        img = Image.fromarray(self.digits[r.randrange(len(self.digits))])
        img = img.rotate(r.uniform(-15, 15), resample=Image.BILINEAR)
        img = img.transform(
            img.size, Image.AFFINE, (1, 0, r.randint(-3, 3), 0, 1, r.randint(-3, 3))
        )
        side = r.choice((112, 140, 168, 196))
        arr = 255 - np.asarray(img.resize((side, side), Image.BILINEAR))  # (side, side) uint8
        arr = arr.copy()
        arr[0, 0] = r.randrange(200, 256)  # one pixel of corner noise: new bytes every time
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, "PNG")
        return buf.getvalue()

    def sentence(self) -> str:
        """An example sentence plus a random suffix; Chinese and English alternate."""
        self.n += 1
        r = self.rng
        if self.n % 2:
            return r.choice(self.zh) + "".join(r.choices(SUFFIX_ZH, k=3)) + str(self.n)
        return f"{r.choice(self.en)} {' '.join(r.choices(SUFFIX_EN, k=2))} {self.n}"


TICK = os.sysconf("SC_CLK_TCK")
# Chromium's cumulative main-thread times of a tab (CDP Performance.getMetrics), in seconds.
RENDERER = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


@dataclass
class View:
    """One measured view: a tab, how to prepare it, the action, and its figures."""

    name: str
    kind: str  # "image" or "text": which trivial figure it is compared with
    url: str
    pid: int  # its server's process id, for CPU time
    setup: list[str] = field(default_factory=list)  # button texts to click in order
    want: int = -1  # plotly charts expected once drawn (-1: learnt at the first warm-up)
    # per recorded run: drawn, fin, tail (s from the action), ws (bytes), server_cpu (s),
    # and the tab's renderer main-thread times (s) named as in RENDERER
    fig: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    n_actions: int = 0

    def add(self, **kw: float) -> None:
        for k, v in kw.items():
            self.fig.setdefault(k, []).append(v)


class WsTap:
    """Bytes the tab's websocket has received (CDP frame events)."""

    def __init__(self, page):
        self.bytes = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self.frame))

    def frame(self, payload) -> None:
        self.bytes += len(payload)


async def rerun_done(page, f0: int, timeout: float) -> None:
    """Wait until the page has received a ``script_finished`` after the first ``f0``."""
    await page.wait_for_function(f"window.__fin > {f0}", timeout=timeout)
    await page.wait_for_selector(IDLE, state="attached", timeout=timeout)


async def open_view(ctx, view: View, timeout: float):
    """Open the view's tab, install the marks, click its setup buttons; return the page."""
    page, _ = await open_tab(ctx, view.url, timeout)
    await page.add_init_script(MARKS)
    page.tap = WsTap(page)
    await page.reload(wait_until="commit")  # so the marks and the tap see the new connection
    await rerun_done(page, 0, timeout)
    for label in view.setup:
        f0 = await page.evaluate("window.__fin")
        await page.locator('[data-testid="stButtonGroup"] button', has_text=label).last.click()
        await rerun_done(page, f0, timeout)
    page.cdp = await ctx.new_cdp_session(page)
    await page.cdp.send("Performance.enable")
    return page


async def renderer_times(page) -> dict[str, float]:
    got = await page.cdp.send("Performance.getMetrics")
    return {m["name"]: m["value"] for m in got["metrics"] if m["name"] in RENDERER}


async def act(page, view: View, inputs: Inputs) -> None:
    if view.kind == "image":
        data = inputs.image()
        name = f"digit{inputs.rng.randrange(10**9)}.png"
        await page.locator(FILE_INPUT).set_input_files(
            {"name": name, "mimeType": "image/png", "buffer": data}
        )
    else:
        box = page.locator("textarea").first
        await box.fill(inputs.sentence())
        await box.press("Control+Enter")


async def measure(page, view: View, inputs: Inputs, args, record: bool) -> None:
    """One interaction: action → all charts drawn; appends to the view's figures if ``record``."""
    await page.bring_to_front()
    tap = page.tap
    f0, b0 = await page.evaluate("window.__fin"), tap.bytes
    r0, c0 = await renderer_times(page), cpu_seconds(view.pid)
    t0 = await page.evaluate("window.__lastPoll = performance.now()")
    arg = [f0, view.want, args.quiet]
    view.n_actions += 1
    try:
        await act(page, view, inputs)
        await page.wait_for_function(
            f"arg => ({NOT_DRAWN})(arg) === ''", arg=arg, polling=50, timeout=args.timeout * 1000
        )
    except Exception as exc:
        why = await page.evaluate(f"arg => [({NOT_DRAWN})(arg), window.__fin, {APP_STATE}]", arg)
        view.errors.append(
            f"{type(exc).__name__} ({why}) after {view.n_actions} actions: {exc}"[:240]
        )
        view.want = -1  # learn the count again (e.g. a view that changed)
        return
    c1, r1 = cpu_seconds(view.pid), await renderer_times(page)
    last, fin, done, n = await page.evaluate(
        "[window.__lastMut, window.__finAt, window.__doneAt,"
        " document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length]"
    )
    if view.want < 0:
        view.want = n
    if not record:
        return
    drawn = (max(last, fin, done if done > t0 else 0) - t0) / 1000
    fin_s = (fin - t0) / 1000
    view.add(
        drawn=drawn,
        fin=fin_s,
        tail=drawn - fin_s,
        ws=tap.bytes - b0,
        server_cpu=c1 - c0,
        **{k: r1[k] - r0[k] for k in RENDERER},
    )


def serve(script: str, log) -> tuple[subprocess.Popen, str]:
    """``streamlit run <script>`` from the repo root on a free port, as README says."""
    port = free_port()
    cmd = streamlit_cmd(port)
    cmd[cmd.index("app.py")] = script
    # Importing tests/conftest set VIZ_STRICT=1 in this process; the measured server must not
    # validate every figure with plotly (the tests' check), as a real server does not.
    env = {k: v for k, v in os.environ.items() if k != "VIZ_STRICT"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while not _healthy(f"{base}/_stcore/health"):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc, log)
            raise SystemExit(f"{script}: server did not start")
        time.sleep(0.25)
    return proc, base


def views(app: str, app_pid: int, trivial: str, trivial_pid: int) -> list[View]:
    """The measured views, floors first."""
    cmp = f"{app}/compare?lang=en"
    return [
        View("trivial page: upload → chart", "image", f"{trivial}/", trivial_pid),
        View("trivial page: sentence → chart", "text", f"{trivial}/", trivial_pid),
        View("CNN page: upload → all charts", "image", f"{app}/cnn?lang=en", app_pid, ["Upload"]),
        View("RNN page: sentence → all charts", "text", f"{app}/rnn?lang=en", app_pid),
        View("side by side: sentence → all charts", "text", cmp, app_pid),
        View("side by side: upload → all charts", "image", cmp, app_pid, ["Digit", "Upload"]),
    ]


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def ms(x: float) -> str:
    return f"{1000 * x:.0f} ms"


def report(vs: list[View], args, loads: list[float]) -> None:
    """Print the figures, then the same as a Markdown table."""
    floors = {v.kind: v for v in vs if v.name.startswith("trivial")}

    def ratio(v: View) -> str:
        floor = floors[v.kind]
        if v is floor:
            return "floor"
        return f"{p50(v.fig['drawn']) / p50(floor.fig['drawn']):.1f} ×" if floor.fig else "—"

    print(
        f"\n# browser latency: {args.runs} rounds after {args.warmup} warm-up, Chromium 1280×900,"
        f" quiet {args.quiet} ms; 1-min load average during the rounds "
        f"{min(loads):.1f}–{max(loads):.1f} (median {p50(loads):.1f}), {os.cpu_count()} cores"
    )
    print(
        "drawn: action → all charts drawn (module docstring); fin: action → the rerun's"
        " script_finished message reaches the page (upload + server rerun + transfer + any\n"
        "backlog of the page's main thread);"
        " tail: drawn − fin, what the browser still had to do; server CPU: the server process's"
        " CPU time per interaction;\nrenderer: the tab's main-thread task time (of which JS,"
        " layout + style); ws: websocket bytes received per rerun (mostly chart JSON).\n"
    )
    print(
        "| view | charts | drawn p50 | drawn p95 | p50 / trivial | fin p50 | tail p50"
        " | server CPU p50 | renderer p50 (JS, layout + style) | ws KB | n | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for v in vs:
        f = v.fig
        if not f:
            print(f"| {v.name} | — | no figures | | | | | | | | 0 | {len(v.errors)} |")
            continue
        lay = p50(
            [a + b for a, b in zip(f["LayoutDuration"], f["RecalcStyleDuration"], strict=True)]
        )
        print(
            f"| {v.name} | {v.want} | {ms(p50(f['drawn']))} | {ms(pct(f['drawn'], 0.95))}"
            f" | {ratio(v)} | {ms(p50(f['fin']))} | {ms(p50(f['tail']))}"
            f" | {ms(p50(f['server_cpu']))} | {ms(p50(f['TaskDuration']))}"
            f" ({1000 * p50(f['ScriptDuration']):.0f}, {1000 * lay:.0f})"
            f" | {p50(f['ws']) / 1024:.0f} | {len(f['drawn'])} | {len(v.errors)} |"
        )
    for v in vs:
        for e in v.errors[:3]:
            print(f"  error ({v.name}): {e}")


TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "v8.execute",
    "blink.user_timing",
]


def main_thread_profile(trace: bytes) -> tuple[float, float, dict[str, float]]:
    """The busiest renderer main thread of a Chromium trace.

    Returns:
        (task wall ms, task CPU ms, self CPU ms per event name); CPU is the trace's thread time
        (``tdur``), which does not count time the thread waited for a core.
    """
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
        if e.get("args", {}).get("name") == "CrRendererMain"
    }
    spans: dict[tuple, list[dict]] = {m: [] for m in mains}
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if e.get("ph") == "X" and key in spans and e.get("dur"):
            spans[key].append(e)
    wall = {k: sum(e["dur"] for e in v if e["name"] == "RunTask") for k, v in spans.items()}
    if not wall:
        return 0.0, 0.0, {}
    key = max(wall, key=wall.get)
    busiest = sorted(spans[key], key=lambda e: (e["ts"], -e["dur"]))
    cpu = sum(e.get("tdur", e["dur"]) for e in busiest if e["name"] == "RunTask")
    self_us: dict[str, float] = {}
    stack: list[list] = []  # [end ts, name, children's CPU, own CPU]

    def close(entry) -> None:
        self_us[entry[1]] = self_us.get(entry[1], 0.0) + max(0.0, entry[3] - entry[2])

    for e in busiest:
        while stack and stack[-1][0] <= e["ts"]:
            close(stack.pop())
        t = e.get("tdur", e["dur"])
        if stack:
            stack[-1][2] += t
        stack.append([e["ts"] + e["dur"], e["name"], 0.0, t])
    while stack:
        close(stack.pop())
    return wall[key] / 1000, cpu / 1000, {n: us / 1000 for n, us in self_us.items()}


def event_group(name: str) -> str:
    """A trace event's kind of work: JS, GC, style+layout, paint, or other."""
    if "GC" in name or "Scavenge" in name or "Sweep" in name:
        return "GC"
    if name in ("Layout", "UpdateLayoutTree", "RecalculateStyles", "ScheduleStyleRecalculation"):
        return "style+layout"
    if name in ("Paint", "PrePaint", "Layerize", "Commit", "UpdateLayer", "CompositeLayers"):
        return "paint"
    js = ("FunctionCall", "RunMicrotasks", "EvaluateScript", "TimerFire", "FireAnimationFrame")
    if name in js or name.startswith(("V8.", "v8.", "EventDispatch")):
        return "JS"
    return "other"


async def trace_views(browser, pages, vs: list[View], inputs: Inputs, args) -> None:
    """One more interaction per view under Chromium tracing: where the renderer's time goes."""
    print("\n## one traced interaction per view: busiest renderer main thread, self time")
    for page, v in zip(pages, vs, strict=True):
        await browser.start_tracing(categories=TRACE_CATEGORIES)
        n = len(v.fig.get("drawn", []))
        await measure(page, v, inputs, args, record=True)
        trace = await browser.stop_tracing()
        if len(v.fig.get("drawn", [])) == n:
            print(f"  {v.name}: failed ({v.errors[-1:]})")
            continue
        drawn, cpu = v.fig["drawn"].pop(), v.fig["server_cpu"].pop()
        for k in v.fig:
            if len(v.fig[k]) > n:
                v.fig[k].pop()  # the traced run is not one of the timed ones
        wall, cpu_ms, self_ms = main_thread_profile(trace)
        groups: dict[str, float] = {}
        for name, t in self_ms.items():
            groups[event_group(name)] = groups.get(event_group(name), 0.0) + t
        top = sorted(self_ms.items(), key=lambda kv: -kv[1])[:6]
        names = ", ".join(f"{name} {t:.0f}" for name, t in top)
        kinds = ", ".join(f"{g} {t:.0f}" for g, t in sorted(groups.items(), key=lambda kv: -kv[1]))
        print(
            f"  {v.name}: drawn {ms(drawn)}; server CPU {ms(cpu)}; renderer main thread: tasks"
            f" {wall:.0f} ms wall, {cpu_ms:.0f} ms CPU = {kinds}\n"
            f"      top events by self CPU time (ms): {names}"
        )


async def run(args) -> None:
    from playwright.async_api import async_playwright

    logs = os.environ.get("BENCH_LOG")  # e.g. /tmp/bl: app.log and trivial.log go there
    log_app, log_triv = (
        open(Path(logs) / name if logs else os.devnull, "w")  # noqa: SIM115
        for name in ("app.log", "trivial.log")
    )
    app_proc, app = serve("app.py", log_app)
    triv_proc, trivial = serve("bench/trivial_page.py", log_triv)
    inputs = Inputs(args.seed)
    vs = views(app, app_proc.pid, trivial, triv_proc.pid)
    if args.only:
        keep = args.only.split(",")
        vs = [v for v in vs if v.name.startswith("trivial") or any(k in v.name for k in keep)]
    loads: list[float] = []
    timeout = args.timeout * 1000
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            ctx = await browser.new_context(viewport={"width": args.width, "height": 900})
            pages = [await open_view(ctx, v, timeout) for v in vs]
            print(f"load average at start {os.getloadavg()[0]:.1f}")
            for i in range(args.warmup + args.runs):
                for page, v in zip(pages, vs, strict=True):
                    await measure(page, v, inputs, args, record=i >= args.warmup)
                loads.append(os.getloadavg()[0])
                if i == args.warmup - 1:
                    print("warm-up done; plotly charts per view:", {v.name: v.want for v in vs})
                elif i >= args.warmup and (i - args.warmup + 1) % 10 == 0:
                    print(f"  {i - args.warmup + 1} rounds, load average {loads[-1]:.1f}")
            if args.trace:
                await trace_views(browser, pages, vs, inputs, args)
            await browser.close()
    finally:
        stop_server(app_proc, log_app)
        stop_server(triv_proc, log_triv)
    report(vs, args, loads[args.warmup :] or loads)


def main() -> None:
    ap = argparse.ArgumentParser(description="browser latency benchmark (prints, never asserts)")
    ap.add_argument("--runs", type=int, default=30, help="timed rounds (each view once a round)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed rounds first")
    ap.add_argument("--quiet", type=int, default=500, help="ms without DOM change = drawn")
    ap.add_argument("--timeout", type=float, default=90, help="per interaction, seconds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trace", action="store_true", help="then one traced run per view")
    ap.add_argument("--only", help="comma list of views besides the floors: CNN,RNN,side")
    ap.add_argument("--width", type=int, default=1280, help="viewport width (390: a phone)")
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
