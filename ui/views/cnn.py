"""The CNN page's views: one image through the convolutional network, each view one question.

Each view draws from a :class:`ui.view.Ctx` holding ``a`` (the image's
:class:`nets.ImageAnalysis`). Input-independent pieces (the learned kernels, the parameter
count) come from cached ``ui.cnn_cache`` resources.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from nets import cnn_explain
from nets.attribution import IMAGE_METHODS, SIGNED_METHODS
from ui import cache, cnn_cache
from ui.image_input import load_sample, sample_ids
from ui.view import Ctx, View, register
from ui.views import common
from viz import cnn as vz
from viz import style

MAP_LAYERS = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2")
FULL_SIDE = 128  # long side of the full-resolution maps as drawn


def pct(p: float) -> str:
    return f"{p:.1%}"


def layers(ctx: Ctx) -> None:
    a = ctx.a
    blocks = cnn_cache.architecture()
    names = [b.name for b in blocks]
    st.markdown(f"**{ctx.t('cnn.arch.header')}**")
    counts = " → ".join(f"{int(np.prod(b.shape)):,}" for b in blocks if b.name in (
        "input", "conv1", "pool1", "conv2", "pool2"))  # fmt: skip
    st.caption(ctx.t("cnn.arch.caption", counts=counts))
    layer_key = ctx.key("layer")
    sel = st.session_state.get(layer_key, "conv1")
    labels = {k: ctx.t(f"cnn.arch.{k}") for k in ("values", "params", "shape")}
    event = ctx.chart(
        vz.architecture_fig(
            names, [b.shape for b in blocks], [b.params for b in blocks], labels, sel
        ),
        "strip",
        on_select="rerun",
        selection_mode="points",
    )
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points:
        picked = names[int(points[0].get("point_index", points[0].get("pointIndex", 0)))]
        if picked != st.session_state.get(ctx.key("picked")):
            st.session_state[ctx.key("picked")] = picked
            st.session_state[layer_key] = picked
    st.caption(ctx.t("cnn.arch.total", n=f"{sum(b.params for b in blocks):,}"))
    layer = st.selectbox(ctx.t("cnn.layer"), names, index=names.index(sel), key=layer_key)
    if layer == "input":
        st.caption(ctx.t("cnn.act.input"))
        ctx.chart(vz.image_fig(a.input28, colorscale="gray"), "input")
    elif layer in MAP_LAYERS:
        maps = a.activations[layer]
        shared = st.toggle(
            ctx.t("cnn.act.shared"), key=ctx.key("shared"), help=ctx.t("cnn.act.shared_help")
        )
        c, h, w = maps.shape
        st.caption(ctx.t("cnn.act.caption", layer=layer, c=c, h=h, w=w))
        ctx.chart(vz.map_grid_fig(maps, shared), "maps")
    elif layer == "fc1":
        ctx.chart(vz.bars_fig(a.activations["fc1"], title=ctx.t("cnn.act.fc1")), "fc1")
    elif layer == "logits":
        fig = vz.bars_fig(a.activations["logits"], title=ctx.t("cnn.act.logits"), highlight=a.label)
        ctx.chart(fig, "logits")
    else:
        ctx.chart(vz.bars_fig(a.probs, title=ctx.t("cnn.act.softmax"), highlight=a.label), "probs")


def kernels(ctx: Ctx) -> None:
    w1, _ = cnn_cache.kernels("conv1")
    kinds = cnn_explain.kernel_kinds(w1[:, 0])
    st.caption(
        ctx.t(
            "cnn.kernels.conv1",
            n=len(w1),
            mixed=int((kinds == "mixed").sum()),
            pos=int((kinds == "positive").sum()),
            neg=int((kinds == "negative").sum()),
            share=f"{cnn_explain.ONE_SIGN:.0%}",
        )
    )
    ctx.chart(vz.kernels_fig(w1[:, 0], [f"conv1 {i}" for i in range(len(w1))]), "conv1")
    w2, _ = cnn_cache.kernels("conv2")
    st.caption(ctx.t("cnn.kernels.conv2"))
    oc = st.slider(ctx.t("cnn.kernels.out_channel"), 0, len(w2) - 1, 0, key=ctx.key("out"))
    titles = [ctx.t("cnn.kernels.in_slice", i=i) for i in range(w2.shape[1])]
    ctx.chart(vz.kernels_fig(w2[oc], titles), "conv2")


def conv(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("cnn.step.caption"))
    c1, c2 = st.columns(2)
    layer = c1.segmented_control(
        ctx.t("cnn.step.layer"),
        ("conv1", "conv2"),
        default="conv1",
        required=True,
        key=ctx.key("layer"),
    )
    out = a.activations[layer]  # (C, H, W)
    ch = int(c2.number_input(ctx.t("cnn.step.channel"), 0, out.shape[0] - 1, 0, key=ctx.key("ch")))
    c3, c4 = st.columns(2)
    y0, x0 = cnn_explain.strongest_position(out[ch])
    y = int(c3.slider(ctx.t("cnn.step.row"), 0, out.shape[1] - 1, y0, key=ctx.key(f"y.{layer}")))
    x = int(c4.slider(ctx.t("cnn.step.col"), 0, out.shape[2] - 1, x0, key=ctx.key(f"x.{layer}")))
    s = cnn_explain.conv_step(layer, ch, y, x, a.input28, a.activations)
    ic = 0
    if s.patch.shape[0] > 1:
        ic = st.slider(ctx.t("cnn.step.in_channel"), 0, s.patch.shape[0] - 1, 0, key=ctx.key("ic"))
    titles = [ctx.t("cnn.step.patch"), ctx.t("cnn.step.kernel"), ctx.t("cnn.step.products")]
    ctx.chart(vz.conv_step_fig(s.patch[ic], s.kernel[ic], s.products[ic], titles), "step")
    if s.patch.shape[0] > 1:
        fig = vz.bars_fig(s.channel_sums, title=ctx.t("cnn.step.channel_sums"), highlight=ic)
        ctx.chart(fig, "sums")
    st.markdown(
        ctx.t(
            "cnn.step.equation",
            total=f"{s.total:.4f}",
            bias=f"{s.bias:.4f}",
            value=f"{s.value:.4f}",
            act=f"{float(out[ch, y, x]):.4f}",
            layer=layer,
        )
    )
    if st.toggle(ctx.t("cnn.step.animate"), key=ctx.key("anim")):
        st.caption(ctx.t("cnn.step.anim_caption"))
        if layer == "conv2":
            st.caption(ctx.t("cnn.step.anim_conv2", i=ic))
        src = cnn_explain.conv_input(layer, a.input28, a.activations)[ic]
        titles = [ctx.t("cnn.step.anim_in"), ctx.t("cnn.step.anim_out", c=ch)]
        fig = vz.conv_animation_fig(src, out[ch], titles, step=2 if layer == "conv1" else 1)
        ctx.chart(fig, "animation")


def ops(ctx: Ctx) -> None:
    a = ctx.a
    c1, c2 = st.columns(2)
    block = c1.segmented_control(
        ctx.t("cnn.ops.block"), ("1", "2"), default="1", required=True, key=ctx.key("block")
    )
    n = a.activations[f"conv{block}"].shape[0]
    ch = int(c2.number_input(ctx.t("cnn.ops.channel"), 0, n - 1, 0, key=ctx.key("ch")))
    conv_map, relu = a.activations[f"conv{block}"][ch], a.activations[f"relu{block}"][ch]
    st.markdown(f"**{ctx.t('cnn.ops.relu')}**")
    neg = int((conv_map < 0).sum())
    st.caption(ctx.t("cnn.ops.relu_caption", layer=f"conv{block}", c=ch, neg=neg))
    titles = [ctx.t("cnn.ops.before"), ctx.t("cnn.ops.after")]
    ctx.chart(vz.pair_fig(conv_map, relu, titles, colorscale=vz.DIV), "relu")
    st.markdown(f"**{ctx.t('cnn.ops.pool')}**")
    pool = f"pool{block}"
    py, px = cnn_explain.strongest_position(a.activations[pool][ch])  # a window with ink in it
    win, val = cnn_explain.pool_window(a.activations, pool, ch, py, px)
    st.caption(
        ctx.t(
            "cnn.ops.pool_caption",
            window=np.array2string(np.round(win, 3), separator=", ").replace("\n", ""),
            max=f"{float(win.max()):.4f}",
            layer=pool,
            y=int(py),
            x=int(px),
            value=f"{val:.4f}",
        )
    )
    titles = [ctx.t("cnn.ops.window"), ctx.t("cnn.ops.pooled")]
    ctx.chart(vz.pair_fig(win, np.array([[val]]), titles, text=True), "pool")
    st.markdown(f"**{ctx.t('cnn.ops.softmax')}**")
    z, e, p = cnn_explain.softmax_steps(a.activations["logits"])
    st.caption(ctx.t("cnn.ops.softmax_caption", sum=f"{float(e.sum()):.4f}"))
    titles = [ctx.t("cnn.ops.logits"), ctx.t("cnn.ops.exp"), ctx.t("cnn.ops.probs")]
    ctx.chart(vz.softmax_fig(z, e, p, titles), "softmax")


def receptive_field(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("cnn.rf.caption"))
    c1, c2 = st.columns(2)
    layer = c1.segmented_control(
        ctx.t("cnn.rf.layer"),
        ("conv1", "pool1", "conv2", "pool2"),
        default="conv2",
        required=True,
        key=ctx.key("layer"),
    )
    maps = a.activations[layer]
    ch = int(c2.number_input(ctx.t("cnn.step.channel"), 0, maps.shape[0] - 1, 0, key=ctx.key("ch")))
    c3, c4 = st.columns(2)
    y = int(
        c3.slider(ctx.t("cnn.step.row"), 0, maps.shape[1] - 1, maps.shape[1] // 2, key=ctx.key("y"))
    )
    x = int(
        c4.slider(ctx.t("cnn.step.col"), 0, maps.shape[2] - 1, maps.shape[2] // 2, key=ctx.key("x"))
    )
    box = cnn_explain.receptive_field(layer, y, x)
    support = cnn_cache.gradient_support(layer, ch, y, x)
    match = bool((support == cnn_explain.geometry_mask(layer, y, x)).all())
    grad = cnn_cache.unit_gradient(layer, ch, y, x, a.input28)
    top, bottom, left, right = box
    st.markdown(
        ctx.t(
            "cnn.rf.summary",
            layer=layer,
            y=y,
            x=x,
            h=bottom - top + 1,
            w=right - left + 1,
            top=top,
            bottom=bottom,
            left=left,
            right=right,
            match=ctx.t("cnn.rf.match" if match else "cnn.rf.nomatch"),
        )
    )
    titles = [ctx.t("cnn.rf.input"), ctx.t("cnn.rf.grad")]
    ctx.chart(vz.receptive_field_fig(a.input28, grad, box, titles), "field")


def attribution(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("cnn.attr.caption"))
    target = st.segmented_control(
        ctx.t("cnn.attr.target"), list(range(10)), default=a.label, required=True,
        key=ctx.key("target"),
    )  # fmt: skip
    target = a.label if target is None else int(target)
    maps = cache.image_attributions(a.input28, target, IMAGE_METHODS)
    titles = [ctx.t(f"cnn.attr.{m}") for m in IMAGE_METHODS]
    signed = [m in SIGNED_METHODS for m in IMAGE_METHODS]
    fig = vz.attribution_fig(a.input28, [maps[m] for m in IMAGE_METHODS], titles, signed, cols=2)
    ctx.chart(fig, "maps")
    for m in IMAGE_METHODS:
        st.markdown(f"**{ctx.t(f'cnn.attr.{m}')}** — {ctx.t(f'cnn.attr.desc.{m}')}")
        st.caption(ctx.t(f"cnn.attr.legend.{m}"))


def fullres(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("cnn.full.caption"))
    c1, c2 = st.columns(2)
    layer = c1.segmented_control(
        ctx.t("cnn.full.layer"),
        ("relu1", "relu2"),
        default="relu1",
        required=True,
        key=ctx.key("layer"),
    )
    maps = a.fullres[layer]
    best = cnn_explain.most_active_channel(maps)
    ch = int(
        c2.number_input(ctx.t("cnn.full.channel"), 0, maps.shape[0] - 1, best, key=ctx.key(layer))
    )
    h, w = maps.shape[1:]
    k = max(1, -(-max(h, w) // FULL_SIDE))  # the display keeps every k-th pixel
    if k > 1:
        st.caption(ctx.t("cnn.full.every", k=k))
    c3, c4 = st.columns(2)
    with c3:
        img = cnn_explain.downsample(a.fullres_input, FULL_SIDE)
        ctx.chart(vz.image_fig(img, ctx.t("cnn.full.input"), "gray"), "input")
    with c4:
        title = ctx.t("cnn.full.map", layer=layer, c=ch, h=h, w=w)
        ctx.chart(vz.image_fig(cnn_explain.downsample(maps[ch], FULL_SIDE), title), "map")


def translation(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("cnn.exp.translation_caption"))
    c1, c2, c3 = st.columns(3)
    dy = int(c1.slider(ctx.t("cnn.exp.dy"), -6, 6, 0, key=ctx.key("dy")))
    dx = int(c2.slider(ctx.t("cnn.exp.dx"), -6, 6, 3, key=ctx.key("dx")))
    ch = int(c3.number_input(ctx.t("cnn.exp.channel"), 0, 15, 0, key=ctx.key("ch")))
    eq = cache.conv_equivariance(a.input28, dy, dx, "conv1")
    live = cache.shifted_predictions(a.input28, dy, dx)
    keys = ("cnn.exp.orig", "cnn.exp.shifted", "cnn.exp.orig_map", "cnn.exp.shifted_map")
    fig = vz.translation_fig(
        [a.input28, live.shifted], [eq.maps[ch], eq.maps_shifted[ch]], [ctx.t(k) for k in keys]
    )
    ctx.chart(fig, "maps")
    st.markdown(ctx.t("cnn.exp.equivariance", diff=f"{eq.max_abs_diff:.2e}", n=f"{eq.compared:,}"))
    p = float(live.cnn_probs[live.cnn_label])
    st.markdown(ctx.t("cnn.exp.pred", a=a.label, pa=pct(a.confidence), b=live.cnn_label, pb=pct(p)))
    st.caption(ctx.t("cnn.exp.curve", label=a.label, dy=dy))
    fig = vz.shift_curve_fig(
        list(range(-8, 9)),
        cnn_cache.shift_curve(a.input28, dy),
        a.label,
        dx,
        [f"P({a.label})", ctx.t("cnn.exp.dx"), ctx.t("cnn.exp.winner")],
    )
    ctx.chart(fig, "curve")
    common.shift_accuracy(ctx, [("image_cnn", "", style.CNN)], dx, dy, "cnn.shift.acc_caption")


def sharing(ctx: Ctx) -> None:
    s = cnn_cache.parameter_sharing("conv1")

    def dims(shape):
        return "×".join(str(d) for d in shape)

    st.caption(
        ctx.t(
            "cnn.exp.sharing_caption",
            layer=s.layer,
            inp=dims(s.in_shape),
            out=dims(s.out_shape),
            conv=f"{s.conv_params:,}",
            dense=f"{s.dense_params:,}",
            ratio=f"{s.dense_params / s.conv_params:,.0f}",
        )
    )
    labels = [ctx.t("cnn.exp.conv_bar"), ctx.t("cnn.exp.dense_bar")]
    ctx.chart(vz.sharing_fig(s.conv_params, s.dense_params, labels), "bars")


VIEWS = register(
    View("cnn.layers", "cnn.view.layers", layers),
    View("cnn.kernels", "cnn.view.kernels", kernels),
    View("cnn.conv", "cnn.view.conv", conv),
    View("cnn.ops", "cnn.view.ops", ops),
    View("cnn.rf", "cnn.view.rf", receptive_field),
    View("cnn.attribution", "cnn.view.attribution", attribution, heavy=True),
    View("cnn.fullres", "cnn.view.fullres", fullres),
    View("cnn.translation", "cnn.view.translation", translation),
    View("cnn.sharing", "cnn.view.sharing", sharing),
)
DEFAULT = "cnn.layers"


def lesson_context(spec: dict, lang: str) -> dict:
    """The views' values for a lesson step's input ``{"sample": "digit:<i>"}`` (or
    ``"photo:<name>"``): the gallery entry analysed through the page's caches.

    Raises:
        ValueError: the spec names no gallery sample.
    """
    sid = spec.get("sample")
    if sid not in sample_ids():
        raise ValueError(f"the CNN views need a gallery sample, not {spec!r}")
    kind, payload = load_sample(sid)
    a = cache.image_analysis(payload) if kind == "bytes" else cache.array_analysis(payload)
    return {"a": a}
