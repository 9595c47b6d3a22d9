"""View pieces shared by several pages' views (drawn inside a view, from its ctx)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui import cache
from ui.view import Ctx
from viz import compare as vc


def shift_accuracy(
    ctx: Ctx,
    models: Sequence[tuple[str, str, str]],
    dx: int,
    dy: int,
    caption_key: str = "compare.shift.acc_caption",
) -> None:
    """The shipped held-out accuracy under shifts, one solid (sideways) and one dashed (up/down)
    line per model, the sliders' shifts marked, and the reading rule under it.

    Args:
        ctx: the view's context.
        models: (metrics key such as ``"image_cnn"``, display name or "", colour) per model.
        dx, dy: the current shift, marked on the chart.
        caption_key: the reading under the chart (one model or both).
    """
    acc = cache.shift_accuracy()
    st.markdown(f"**{ctx.t('compare.shift.acc_heading')}**")
    if acc is None:
        st.info(ctx.t("compare.shift.acc_missing"))
        return
    curves = [
        (acc.accuracy[model][axis],
         " · ".join(p for p in (name, ctx.t(f"compare.shift.axis.{axis}")) if p),
         color, "solid" if axis == "x" else "dash")
        for model, name, color in models
        for axis in ("x", "y")
    ]  # fmt: skip
    fig = vc.shift_accuracy_fig(
        acc.shifts, curves, ctx.t("compare.shift.px"), ctx.t("compare.shift.acc"), (dx, dy)
    )
    ctx.chart(fig, "accuracy")
    st.caption(ctx.t(caption_key, n=acc.n))
