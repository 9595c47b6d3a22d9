"""The learner's own series (view 7 of the time-series page): upload a CSV or paste numbers, then
fit the GRU, the CNN and the baselines live.

Uploads stay in memory (Streamlit's uploader keeps them there; nothing here writes a file) and
are parsed with bounded size, rows and columns (``nets.series_csv``). The fit is time-limited
and runs one at a time per server process (``nets.series_fit``); a progress bar shows it. The
fitted bundle lives in this session only (``st.session_state[YOURS_STATE]``).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from nets import InputError
from nets import series_csv as csvr
from nets import series_fit as fit
from ui import series_cache as cache
from ui.callbacks import translated
from ui.view import Ctx
from viz.rnn import md_escape

YOURS_STATE = "_series.yours"  # {"bundle", "token", "source", "labels"}
SWITCH = "_series.switch"  # read by ui.views.series.controls on the next run
UPLOAD_TYPES = ["csv", "txt", "tsv"]
AFTER_FIT = "series.forecast"
KEYS = {
    "source": "series.yours.source",
    "file": "series.yours.file",
    "column": "series.yours.column",
    "text": "series.yours.text",
    "season": "series.yours.season",
    "go": "series.yours.go",
    "forget": "series.yours.forget",
}


def need_fit(ctx: Ctx) -> None:
    """What a view shows for "your series" before any fit."""
    st.info(ctx.t("series.yours.first"), icon=":material/upload_file:")


def _column_name(names: tuple[str, ...], i: int) -> str:
    return names[i]


def _progress(bar, lang: str, frac: float, what: str) -> None:
    """The fit's progress callback (module level: holds only the bar and the language)."""
    what = what if what in ("gru", "tcn", "done") else "done"
    bar.progress(min(max(frac, 0.0), 1.0), text=translated("series.yours.step.", lang, what))


def _read(ctx: Ctx) -> tuple[np.ndarray, list[str] | None, str] | None:
    """The learner's values (checked), their row labels and a description, or None."""
    limit = cache.upload_limit_bytes()
    source = st.segmented_control(
        ctx.t("series.yours.source"),
        options=("upload", "paste"),
        format_func=partial(translated, "series.yours.src.", ctx.lang),
        default="upload",
        required=True,
        key=KEYS["source"],
    )
    if source == "paste":
        text = st.text_area(
            ctx.t("series.yours.paste"),
            key=KEYS["text"],
            height=140,
            max_chars=cache.paste_limit_chars(),
            placeholder=ctx.t("series.yours.paste.placeholder"),
        )
        if not text or not text.strip():
            return None
        values = cache.pasted_series(text, cache.paste_limit_chars())
        return values, None, ctx.t("series.yours.pasted")
    f = st.file_uploader(
        ctx.t("series.yours.upload"),
        type=UPLOAD_TYPES,
        key=KEYS["file"],
        max_upload_size=max(1, limit // (1024 * 1024)),
        help=ctx.t("series.yours.upload.help"),
    )
    if f is None:
        return None
    data = f.getvalue()
    names, numeric, _ = cache.csv_columns(data, limit)
    col = numeric[0]
    if len(numeric) > 1:
        if st.session_state.get(KEYS["column"]) not in numeric:
            st.session_state[KEYS["column"]] = numeric[0]
        col = st.selectbox(
            ctx.t("series.yours.column"),
            options=numeric,
            format_func=partial(_column_name, tuple(names)),
            key=KEYS["column"],
        )
    values, labels = cache.csv_series(data, limit, col)
    return values, labels, f"{f.name} · {names[col]}"


def _summary(ctx: Ctx, fitted: dict) -> None:
    b = fitted["bundle"]
    info = b.info
    st.success(
        ctx.t(
            "series.yours.done",
            src=md_escape(fitted["source"]),
            n=f"{len(b.values):,}",
            s=f"{info['seconds']:.1f}",
            limit=f"{info['limit_seconds']:.0f}",
            w=b.cfg.window,
            h=b.cfg.horizon,
            eg=info["epochs"]["gru"],
            ec=info["epochs"]["tcn"],
        ),
        icon=":material/check_circle:",
    )
    pers = np.asarray(b.metrics["persistence"]["mae"])
    rows = [
        {
            ctx.t("series.col.model"): ctx.t("series.model.seasonal", m=b.cfg.season)
            if m == "seasonal"
            else ctx.t(f"series.model.{m}"),
            "MASE h=1": f"{b.metrics[m]['mase'][0]:.3f}",
            ctx.t("series.metric.ratio") + " h=1": f"{b.metrics[m]['mae'][0] / pers[0]:.3f}",
        }
        for m in b.models
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(
        ctx.t(
            "series.yours.sizes",
            train=f"{info['data']['train']:,}",
            used=f"{info['train_windows_used']:,}",
            val=f"{info['data']['val']:,}",
            test=f"{info['data']['test']:,}",
            tused=f"{info['test_origins_used']:,}",
        )
    )
    if st.button(ctx.t("series.yours.forget"), key=KEYS["forget"], icon=":material/delete:"):
        st.session_state.pop(YOURS_STATE, None)
        st.session_state[SWITCH] = "stock"
        st.rerun()


def yours_view(ctx: Ctx) -> None:
    """View 7: read the learner's series, fit it live, then the other views show it."""
    st.caption(
        ctx.t(
            "series.yours.caption",
            min=csvr.MIN_ROWS,
            max=f"{csvr.MAX_ROWS:,}",
            mb=f"{cache.upload_limit_bytes() / 1024 / 1024:.0f}",
            s=f"{fit.FIT_SECONDS:.0f}",
        )
    )
    try:
        got = _read(ctx)
    except InputError as exc:
        st.error(exc.message(ctx.lang), icon=":material/block:")
        got = None
    fitted = st.session_state.get(YOURS_STATE)
    if got is not None:
        values, labels, source = got
        n = len(values)
        season = st.number_input(
            ctx.t("series.yours.season"),
            min_value=0,
            max_value=fit.max_season(n),
            value=0,
            step=1,
            key=KEYS["season"],
            help=ctx.t("series.yours.season.help"),
        )
        cfg = fit.live_config(n, int(season))
        st.caption(ctx.t("series.yours.plan", n=f"{n:,}", w=cfg.window, h=cfg.horizon))
        if fit.is_busy():
            st.info(ctx.t("series.yours.wait"), icon=":material/hourglass_top:")
        if st.button(
            ctx.t("series.yours.fit"),
            key=KEYS["go"],
            type="primary",
            icon=":material/model_training:",
        ):
            bar = st.progress(0.0, text=ctx.t("series.yours.step.start"))
            try:
                bundle = fit.fit_values(
                    values, season=int(season), progress=partial(_progress, bar, ctx.lang)
                )
            except InputError as exc:
                bar.empty()
                st.warning(exc.message(ctx.lang), icon=":material/hourglass_top:")
                return
            st.session_state[YOURS_STATE] = {
                "bundle": bundle,
                "token": cache.new_token(),
                "source": source,
                "labels": labels,
            }
            st.session_state[SWITCH] = "yours"
            st.query_params["view"] = AFTER_FIT  # the forecasts, now of the learner's series
            st.rerun()
    if fitted is not None:
        _summary(ctx, fitted)
