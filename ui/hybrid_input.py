"""The CNN + RNN page's inputs: a number (sample strip, wide drawing canvas, upload) and a clip
(a direction and a digit, sample or drawn).

The widgets return plain values for ``ui.hybrid_cache``; they analyse nothing. Shareable state
lives in the URL: ``?part=``, ``?sample=`` (the sample strip), ``?dir=`` and ``?digit=``. A drawn
array is kept in session state (``DRAWN``), so a rerun (another view, the language) keeps it;
AppTest, which cannot drive the canvas component, sets it there too.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from nets import hybrid as H
from nets import strips as S
from ui.callbacks import translated
from ui.i18n import t

PARTS = ("ocr", "motion")
SOURCES = ("samples", "draw", "upload")
DIGIT_SOURCES = ("samples", "draw")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]
CANVAS = {"wide": (640, 128, 11), "narrow": (340, 96, 8)}  # width, height, stroke px
DIGIT_CANVAS = (200, 200, 16)
DRAWN = {"ocr": "_hybrid.drawn", "motion": "_hybrid.drawn_digit"}
KEYS = {
    "part": "hybrid.part",
    "source": "hybrid.source",
    "sample": "hybrid.sample",
    "upload": "hybrid.upload",
    "canvas_size": "hybrid.canvas_size",
    "dir": "hybrid.dir",
    "digit_source": "hybrid.digit_source",
    "digit": "hybrid.digit",
}
QUERY = {"part": "part", "sample": "sample", "dir": "dir", "digit": "digit"}


# ----------------------------------------------------------------------------- URL state


def _seed(name: str, options, default) -> None:
    """Seed widget ``name`` from ``?<name>=`` once per value in the URL (a shared link), else
    with ``default`` (set here, so the widget itself is created without a default)."""
    raw = st.query_params.get(QUERY[name])
    seen_key = f"_hybrid.url.{name}"
    if raw is not None and st.session_state.get(seen_key) != raw:
        st.session_state[seen_key] = raw
        value = int(raw) if raw.isdigit() and isinstance(options[0], int) else raw
        if value in options:
            st.session_state[KEYS[name]] = value
    if st.session_state.get(KEYS[name]) not in options:
        st.session_state[KEYS[name]] = default


def to_url(name: str) -> None:
    """Widget callback: mirror the widget's value in the URL (``?<name>=``)."""
    value = st.session_state.get(KEYS[name])
    if value is not None:
        st.query_params[QUERY[name]] = str(value)
        st.session_state[f"_hybrid.url.{name}"] = str(value)


def part_from_url() -> str | None:
    """The part a link asks for: ``?part=``, else the part of ``?view=``."""
    part = st.query_params.get("part")
    if part in PARTS:
        return part
    view = st.query_params.get("view", "")
    from ui.views import hybrid as views  # the view ids decide which part they belong to

    for p, vs in (("ocr", views.OCR_VIEWS), ("motion", views.MOTION_VIEWS)):
        if view in {v.id for v in vs}:
            return p
    return None


def part_picker(lang: str) -> str:
    """The two parts of the page (a segmented control kept in ``?part=``)."""
    wanted = part_from_url()
    if wanted and st.session_state.get("_hybrid.url.part") != wanted:
        st.session_state["_hybrid.url.part"] = wanted
        st.session_state[KEYS["part"]] = wanted
    if st.session_state.get(KEYS["part"]) not in PARTS:
        st.session_state[KEYS["part"]] = "ocr"
    part = st.segmented_control(
        t("hybrid.part.label", lang),
        options=PARTS,
        format_func=partial(translated, "hybrid.part.", lang),
        required=True,
        key=KEYS["part"],
        on_change=to_url,
        args=("part",),
    )
    return part or "ocr"


# ----------------------------------------------------------------------------- canvas


def _sample_label(numbers: tuple[str, ...], lang: str, i: int) -> str:
    return t("hybrid.input.sample_item", lang, i=i + 1, number=numbers[i])


def _digit_label(labels: tuple[int, ...], lang: str, i: int) -> str:
    return t("hybrid.motion.digit_item", lang, label=labels[i])


def _default_canvas() -> str:
    try:
        agent = st.context.headers.get("User-Agent", "") or ""
    except Exception:  # outside a browser session (AppTest)
        agent = ""
    return "narrow" if "Mobi" in agent else "wide"


def clear_drawing(part: str, gen_key: str) -> None:
    """Button callback: a new, empty canvas (a new key) and no kept drawing."""
    st.session_state[gen_key] = st.session_state.get(gen_key, 0) + 1
    st.session_state.pop(DRAWN[part], None)


def _canvas(part: str, width: int, height: int, stroke: int, lang: str) -> np.ndarray | None:
    """A drawing canvas (white ink on black); the last drawing is kept in ``DRAWN[part]``."""
    gen_key = f"_hybrid.canvas_gen.{part}"
    gen = st.session_state.get(gen_key, 0)
    try:
        from streamlit_drawable_canvas import st_canvas  # only inside a running page
    except Exception:  # missing package or an incompatible Streamlit
        st.info(t("hybrid.input.canvas_missing", lang))
        return st.session_state.get(DRAWN[part])
    st.space("medium")  # room for the canvas's floating toolbar above it
    result = st_canvas(
        stroke_width=stroke,
        stroke_color="#ffffff",
        background_color="#000000",
        height=height,
        width=width,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"hybrid.canvas.{part}.{width}.{gen}",
    )
    st.button(
        t("hybrid.input.clear", lang),
        key=f"hybrid.clear.{part}",
        icon=":material/delete:",
        on_click=clear_drawing,
        args=(part, gen_key),
    )
    data = result.image_data if result is not None else None
    if data is not None and data.ndim == 3:
        st.session_state[DRAWN[part]] = np.ascontiguousarray(data[:, :, :3].max(axis=2))
    return st.session_state.get(DRAWN[part])


# ----------------------------------------------------------------------------- part 1


def strip_input(lang: str):
    """The number to read.

    Returns:
        ``("sample", i)``, ``("bytes", data)``, ``("array", (H, W) uint8)`` for a drawing,
        ``("empty", None)`` for an untouched canvas, or ``None`` when nothing is chosen yet.
    """
    source = st.segmented_control(
        t("hybrid.input.source", lang),
        options=SOURCES,
        format_func=partial(translated, "hybrid.input.", lang),
        default="samples",
        required=True,
        key=KEYS["source"],
    )
    if source == "upload":
        f = st.file_uploader(
            t("hybrid.input.upload_label", lang),
            type=UPLOAD_TYPES,
            key=KEYS["upload"],
            help=t("hybrid.input.upload_hint", lang),
        )
        return ("bytes", f.getvalue()) if f is not None else None
    if source == "draw":
        st.session_state.setdefault(KEYS["canvas_size"], _default_canvas())
        size = st.segmented_control(
            t("hybrid.input.canvas_size", lang),
            options=tuple(CANVAS),
            format_func=partial(translated, "hybrid.input.canvas.", lang),
            required=True,
            key=KEYS["canvas_size"],
        )
        w, h, stroke = CANVAS[size or "wide"]
        drawn = _canvas("ocr", w, h, stroke, lang)
        st.caption(t("hybrid.input.draw_hint", lang))
        if drawn is None or not drawn.any():
            return ("empty", None)
        return ("array", drawn)
    numbers = H.sample_strips()
    options = list(range(len(numbers)))
    _seed("sample", options, 0)
    i = st.selectbox(
        t("hybrid.input.sample_label", lang),
        options,
        format_func=partial(_sample_label, numbers, lang),
        key=KEYS["sample"],
        on_change=to_url,
        args=("sample",),
    )
    st.caption(t("hybrid.input.sample_caption", lang))
    return ("sample", int(i if i is not None else 0))


# ----------------------------------------------------------------------------- part 2


def clip_input(lang: str):
    """The direction and the digit that make the clip.

    Returns:
        (direction, digit): digit is a sample index, a drawn (H, W) uint8 array, or None for
        an untouched canvas.
    """
    _seed("dir", list(S.DIRECTIONS), "right")
    left, right = st.columns([1.2, 1], gap="medium")
    with left:
        direction = st.segmented_control(
            t("hybrid.motion.dir_label", lang),
            options=S.DIRECTIONS,
            format_func=partial(translated, "hybrid.dir.", lang),
            required=True,
            key=KEYS["dir"],
            on_change=to_url,
            args=("dir",),
        )
        source = st.segmented_control(
            t("hybrid.motion.digit_source", lang),
            options=DIGIT_SOURCES,
            format_func=partial(translated, "hybrid.input.", lang),
            default="samples",
            required=True,
            key=KEYS["digit_source"],
        )
    with right:
        if source == "draw":
            w, h, stroke = DIGIT_CANVAS
            drawn = _canvas("motion", w, h, stroke, lang)
            st.caption(t("hybrid.motion.draw_hint", lang))
            digit = drawn if drawn is not None and drawn.any() else None
        else:
            labels = tuple(int(v) for v in H.sample_digits())
            options = list(range(len(labels)))
            _seed("digit", options, 0)
            digit = st.selectbox(
                t("hybrid.motion.digit_label", lang),
                options,
                format_func=partial(_digit_label, labels, lang),
                key=KEYS["digit"],
                on_change=to_url,
                args=("digit",),
            )
            digit = int(digit if digit is not None else 0)
    return direction or "right", digit
