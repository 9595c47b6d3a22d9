"""The shared image-input widget: upload, draw on a canvas, or pick a sample.

``image_input(prefix)`` draws the widgets and returns what the user chose, without analysing it:
the caller passes bytes to ``ui.cache.image_analysis`` and arrays to ``ui.cache.array_analysis``
and reports any ``InputError`` itself. The chosen gallery entry is kept in the URL
(``?sample=digit:14``), so a copied link, or a lesson's "try it yourself", opens the same one.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Literal

import numpy as np
import streamlit as st

from nets.decode import MAX_BYTES, MAX_UPLOAD_MB
from nets.paths import ASSETS
from nets.registry import load_npz
from ui.callbacks import translated
from ui.i18n import current_lang, t

SOURCES = ("samples", "upload", "draw")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]
PHOTOS_DIR = ASSETS / "samples" / "photos"
PHOTOS = ("camera", "coffee", "chelsea", "astronaut")
CANVAS_SIZE = 224  # px; fits a phone's width
SAMPLE_QUERY = "sample"  # query-string key of the chosen gallery entry

Kind = Literal["bytes", "array"]


@lru_cache(maxsize=1)
def sample_ids() -> tuple[str, ...]:
    """Gallery ids: ``digit:<i>`` for held-out digits, ``photo:<name>`` for photos."""
    digits = load_npz("samples/digits.npz")
    ids = [f"digit:{i}" for i in range(len(digits["labels"]))]
    ids += [f"photo:{p}" for p in PHOTOS if (PHOTOS_DIR / f"{p}.jpg").is_file()]
    return tuple(ids)


def sample_label(sid: str, lang: str | None = None) -> str:
    """The gallery entry's name in ``lang`` (default: the current language)."""
    kind, name = sid.split(":", 1)
    if kind == "photo":
        return t("cnn.input.sample_photo", lang, name=t(f"cnn.photo.{name}", lang))
    digits = load_npz("samples/digits.npz")
    i = int(name)
    key = "cnn.input.sample_hard" if bool(digits["wrong"][i]) else "cnn.input.sample_digit"
    return t(key, lang, label=int(digits["labels"][i]), i=i)


def load_sample(sid: str) -> tuple[Kind, bytes | np.ndarray]:
    """A gallery entry as the widget returns it: photos as file bytes, digits as (28, 28) uint8."""
    kind, name = sid.split(":", 1)
    if kind == "photo":
        return "bytes", (PHOTOS_DIR / f"{name}.jpg").read_bytes()
    return "array", load_npz("samples/digits.npz")["images"][int(name)]


def _canvas(prefix: str) -> tuple[Kind, np.ndarray] | None:
    try:
        from streamlit_drawable_canvas import st_canvas  # only inside a running page
    except Exception:  # missing package or an incompatible Streamlit
        st.info(t("cnn.input.canvas_missing"))
        st.caption(t("cnn.input.draw_hint"))
        return None
    gen_key = f"{prefix}.canvas_gen"
    gen = st.session_state.get(gen_key, 0)
    st.space("medium")  # room for the canvas's floating toolbar above it
    result = st_canvas(
        stroke_width=18,
        stroke_color="#ffffff",
        background_color="#000000",
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"{prefix}.canvas.{gen}",
    )
    st.caption(t("cnn.input.draw_hint"))
    if st.button(t("cnn.input.clear"), key=f"{prefix}.clear", icon=":material/delete:"):
        st.session_state[gen_key] = gen + 1
        st.rerun()
    data = result.image_data if result is not None else None
    if data is None or data.ndim != 3:
        return None
    return "array", np.ascontiguousarray(data[:, :, :3].max(axis=2))  # (H, W) uint8, white ink


def upload_help() -> str:
    """The uploader's help: what happens, and the size limit (``server.maxUploadSize``)."""
    limit = t("upload.limit_hint", mb=MAX_UPLOAD_MB, bytes=f"{MAX_BYTES:,}")
    return f"{t('cnn.input.upload_hint')} {limit}"


def image_input(prefix: str) -> tuple[Kind, bytes | np.ndarray] | None:
    """Show the input widgets and return the chosen input.

    Args:
        prefix: session-state namespace (e.g. ``"cnn"``); every widget key starts with it.

    Returns:
        ``("bytes", file bytes)`` for an upload or a sample photo, ``("array", (H, W) uint8)``
        for a drawing or a sample digit, or ``None`` when nothing is chosen yet.
    """
    source = st.segmented_control(
        t("cnn.input.source"),
        options=SOURCES,
        format_func=partial(translated, "cnn.input.", current_lang()),
        default="samples",
        required=True,
        key=f"{prefix}.source",
    )
    if source == "upload":
        f = st.file_uploader(
            t("cnn.input.upload_label"),
            type=UPLOAD_TYPES,
            key=f"{prefix}.upload",
            help=upload_help(),
        )
        return ("bytes", f.getvalue()) if f is not None else None
    if source == "draw":
        return _canvas(prefix)
    ids = sample_ids()
    key = f"{prefix}.sample"
    q = st.query_params.get(SAMPLE_QUERY)
    if q in ids and key not in st.session_state:  # a shared link: its entry, once per arrival
        st.session_state[key] = q
    sid = st.selectbox(
        t("cnn.input.sample_label"),
        ids,
        format_func=partial(sample_label, lang=current_lang()),
        key=key,
    )
    st.caption(t("cnn.input.sample_caption"))
    if sid and st.query_params.get(SAMPLE_QUERY) != sid:
        st.query_params[SAMPLE_QUERY] = sid
    return load_sample(sid) if sid else None
