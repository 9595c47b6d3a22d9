"""CNN page: one image through the convolutional network, layer by layer.

Layout only: widgets → ``ui.cache`` / ``ui.cnn_cache`` (which call ``nets``) → pure builders in
``viz.cnn`` → display. Heavy views live in lazily-run tabs; sliders rerun only their fragment.
"""

from __future__ import annotations

import logging
from functools import wraps

import numpy as np
import streamlit as st

from nets import InputError, cnn_explain
from nets.attribution import IMAGE_METHODS
from ui import cache, cnn_cache
from ui.guard import guarded as guard_section
from ui.i18n import current_lang, t
from ui.image_input import image_input
from ui.shell import require_shell
from viz import cnn as vz

log = logging.getLogger(__name__)
require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()
P = "cnn."  # session-state namespace
CHART = {"width": "stretch", "config": {"displayModeBar": False}}
SURE = 0.9  # below this top probability the page says the CNN is not sure
MAP_LAYERS = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2")


def guarded(where: str):
    """Show a bilingual message instead of a traceback if a section fails."""
    return guard_section(where, "cnn.error.section", log, input_as="error")


def safe(fn):
    """Run a view inside :func:`guarded`, also when its fragment reruns on its own."""

    @wraps(fn)
    def run(*args, **kwargs):
        with guarded(fn.__name__):
            fn(*args, **kwargs)

    return run


def pct(p: float) -> str:
    return f"{p:.1%}"


def analyse(choice):
    """Analyse the chosen input; on rejection show the message and keep the previous result."""
    if choice is None:
        prev = st.session_state.get(P + "last")
        if prev is not None:
            st.caption(t("cnn.kept_previous"))
        return prev
    kind, payload = choice
    try:
        a = cache.image_analysis(payload) if kind == "bytes" else cache.array_analysis(payload)
    except InputError as err:
        st.error(err.message(lang), icon=":material/error:")
        prev = st.session_state.get(P + "last")
        if prev is not None:
            st.caption(t("cnn.kept_previous"))
        return prev
    st.session_state[P + "last"] = a
    return a


# ----------------------------------------------------------------------------- header + input

st.title(t("cnn.title"))
st.caption(t("cnn.subtitle"))

col_in, col_out = st.columns([1, 1.3], gap="medium")
with col_in:
    st.subheader(t("cnn.input.header"))
    choice = None
    with guarded("input"):
        choice = image_input("cnn")
    a = analyse(choice)

if a is None:
    with col_out:
        st.info(t("cnn.none"), icon=":material/upload:")
    st.stop()

with col_out, guarded("prediction"):
    st.subheader(t("cnn.pred.header"))
    if a.empty:
        st.warning(t("cnn.pred.empty"), icon=":material/draw:")
    elif a.unlike_training:
        st.warning(t("cnn.pred.unlike", p=pct(a.confidence), ood=f"{a.ood_score:.2f}"))
    elif a.confidence < SURE:
        st.info(t("cnn.pred.unsure", label=a.label, p=pct(a.confidence)))
    else:
        st.success(t("cnn.pred.confident", label=a.label, p=pct(a.confidence)))
    st.plotly_chart(
        vz.probs_fig(a.probs, t("cnn.pred.bars"), muted=a.unlike_training), key=P + "probs", **CHART
    )

with guarded("preprocessing"):
    st.subheader(t("cnn.pre.header"))
    st.caption(t("cnn.pre.caption"))
    steps = cnn_explain.preprocessing_steps(a.pre)
    names = {
        "original": t("cnn.pre.original"),
        "gray": t("cnn.pre.gray"),
        "ink": t("cnn.pre.inverted" if a.pre.inverted else "cnn.pre.not_inverted"),
        "input28": t("cnn.pre.input28"),
    }
    st.image([img for _, img in steps], caption=[names[k] for k, _ in steps], width=84)

# ----------------------------------------------------------------------------- views

TABS = ("layers", "conv", "ops", "rf", "attr", "fullres", "exp")
tabs = st.tabs([t(f"cnn.tab.{k}") for k in TABS], key=P + "tab", on_change="rerun", width="stretch")
tab = dict(zip(TABS, tabs, strict=True))


def is_open(key: str) -> bool:
    """A tab's content runs only while it is selected (None: state not tracked → run)."""
    return tab[key].open is not False


@st.fragment
@safe
def layers_view(a) -> None:
    blocks = cnn_cache.architecture()
    names = [b.name for b in blocks]
    st.markdown(f"**{t('cnn.arch.header')}**")
    st.caption(t("cnn.arch.caption"))
    layer_key = P + "layer"
    sel = st.session_state.get(layer_key, "conv1")
    labels = {k: t(f"cnn.arch.{k}") for k in ("values", "params", "shape")}
    event = st.plotly_chart(
        vz.architecture_fig(
            names, [b.shape for b in blocks], [b.params for b in blocks], labels, sel
        ),
        key=P + "arch",
        on_select="rerun",
        selection_mode="points",
        **CHART,
    )
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points:
        picked = names[int(points[0].get("point_index", points[0].get("pointIndex", 0)))]
        if picked != st.session_state.get(P + "arch_pick"):
            st.session_state[P + "arch_pick"] = picked
            st.session_state[layer_key] = picked
    st.caption(t("cnn.arch.total", n=f"{sum(b.params for b in blocks):,}"))
    layer = st.selectbox(t("cnn.layer"), names, index=names.index(sel), key=layer_key)
    if layer == "input":
        st.caption(t("cnn.act.input"))
        st.plotly_chart(vz.image_fig(a.input28, colorscale="gray"), key=P + "act_in", **CHART)
    elif layer in MAP_LAYERS:
        maps = a.activations[layer]
        shared = st.toggle(t("cnn.act.shared"), key=P + "shared", help=t("cnn.act.shared_help"))
        c, h, w = maps.shape
        st.caption(t("cnn.act.caption", layer=layer, c=c, h=h, w=w))
        st.plotly_chart(vz.map_grid_fig(maps, shared), key=P + "grid", **CHART)
    elif layer == "fc1":
        st.plotly_chart(vz.bars_fig(a.activations["fc1"], title=t("cnn.act.fc1")), **CHART)
    elif layer == "logits":
        st.plotly_chart(
            vz.bars_fig(a.activations["logits"], title=t("cnn.act.logits"), highlight=a.label),
            **CHART,
        )
    else:
        st.plotly_chart(
            vz.bars_fig(a.probs, title=t("cnn.act.softmax"), highlight=a.label), **CHART
        )


@st.fragment
@safe
def kernels_view() -> None:
    st.markdown(f"**{t('cnn.kernels.header')}**")
    w1, _ = cnn_cache.kernels("conv1")
    st.caption(t("cnn.kernels.conv1"))
    st.plotly_chart(
        vz.kernels_fig(w1[:, 0], [f"conv1 {i}" for i in range(len(w1))]),
        key=P + "k1",
        **CHART,
    )
    w2, _ = cnn_cache.kernels("conv2")
    st.caption(t("cnn.kernels.conv2"))
    oc = st.slider(t("cnn.kernels.out_channel"), 0, len(w2) - 1, 0, key=P + "k2_out")
    titles = [t("cnn.kernels.in_slice", i=i) for i in range(w2.shape[1])]
    st.plotly_chart(vz.kernels_fig(w2[oc], titles), key=P + "k2", **CHART)


@st.fragment
@safe
def step_view(a) -> None:
    st.markdown(f"**{t('cnn.step.header')}**")
    st.caption(t("cnn.step.caption"))
    c1, c2 = st.columns(2)
    layer = c1.segmented_control(
        t("cnn.step.layer"), ("conv1", "conv2"), default="conv1", required=True, key=P + "s_layer"
    )
    out = a.activations[layer]  # (C, H, W)
    ch = c2.number_input(t("cnn.step.channel"), 0, out.shape[0] - 1, 0, key=P + "s_ch")
    c3, c4 = st.columns(2)
    y0, x0 = cnn_explain.strongest_position(out[int(ch)])
    y = c3.slider(t("cnn.step.row"), 0, out.shape[1] - 1, y0, key=P + f"s_y.{layer}")
    x = c4.slider(t("cnn.step.col"), 0, out.shape[2] - 1, x0, key=P + f"s_x.{layer}")
    s = cnn_explain.conv_step(layer, int(ch), int(y), int(x), a.input28, a.activations)
    ic = 0
    if s.patch.shape[0] > 1:
        ic = st.slider(t("cnn.step.in_channel"), 0, s.patch.shape[0] - 1, 0, key=P + "s_ic")
    titles = [t("cnn.step.patch"), t("cnn.step.kernel"), t("cnn.step.products")]
    st.plotly_chart(
        vz.conv_step_fig(s.patch[ic], s.kernel[ic], s.products[ic], titles), key=P + "step", **CHART
    )
    if s.patch.shape[0] > 1:
        st.plotly_chart(
            vz.bars_fig(s.channel_sums, title=t("cnn.step.channel_sums"), highlight=ic),
            key=P + "step_sums",
            **CHART,
        )
    st.markdown(
        t(
            "cnn.step.equation",
            total=f"{s.total:.4f}",
            bias=f"{s.bias:.4f}",
            value=f"{s.value:.4f}",
            act=f"{float(out[ch, y, x]):.4f}",
        )
    )
    if st.toggle(t("cnn.step.animate"), key=P + "anim"):
        st.caption(t("cnn.step.anim_caption"))
        src = cnn_explain.conv_input(layer, a.input28, a.activations)[ic]
        fig = vz.conv_animation_fig(
            src,
            out[ch],
            [t("cnn.step.anim_in"), t("cnn.step.anim_out", c=int(ch))],
            step=2 if layer == "conv1" else 1,
        )
        st.plotly_chart(fig, key=P + "anim_fig", **CHART)


@st.fragment
@safe
def ops_view(a) -> None:
    c1, c2 = st.columns(2)
    block = c1.segmented_control(
        t("cnn.ops.block"), ("1", "2"), default="1", required=True, key=P + "o_block"
    )
    n = a.activations[f"conv{block}"].shape[0]
    ch = int(c2.number_input(t("cnn.ops.channel"), 0, n - 1, 0, key=P + "o_ch"))
    conv, relu = a.activations[f"conv{block}"][ch], a.activations[f"relu{block}"][ch]
    st.markdown(f"**{t('cnn.ops.relu')}**")
    st.caption(t("cnn.ops.relu_caption", layer=f"conv{block}", c=ch, neg=int((conv < 0).sum())))
    st.plotly_chart(
        vz.pair_fig(conv, relu, [t("cnn.ops.before"), t("cnn.ops.after")], colorscale=vz.DIV),
        key=P + "relu",
        **CHART,
    )
    st.markdown(f"**{t('cnn.ops.pool')}**")
    pool = f"pool{block}"
    # the strongest pooled unit of this channel: a window with something in it
    py, px = cnn_explain.strongest_position(a.activations[pool][ch])
    win, val = cnn_explain.pool_window(a.activations, pool, ch, py, px)
    st.caption(
        t(
            "cnn.ops.pool_caption",
            window=np.array2string(np.round(win, 3), separator=", ").replace("\n", ""),
            max=f"{float(win.max()):.4f}",
            layer=pool,
            y=int(py),
            x=int(px),
            value=f"{val:.4f}",
        )
    )
    st.plotly_chart(
        vz.pair_fig(win, np.array([[val]]), [t("cnn.ops.window"), t("cnn.ops.pooled")], text=True),
        key=P + "pool",
        **CHART,
    )
    st.markdown(f"**{t('cnn.ops.softmax')}**")
    z, e, p = cnn_explain.softmax_steps(a.activations["logits"])
    st.caption(t("cnn.ops.softmax_caption", sum=f"{float(e.sum()):.4f}"))
    st.plotly_chart(
        vz.softmax_fig(z, e, p, [t("cnn.ops.logits"), t("cnn.ops.exp"), t("cnn.ops.probs")]),
        key=P + "softmax",
        **CHART,
    )


@st.fragment
@safe
def rf_view(a) -> None:
    st.caption(t("cnn.rf.caption"))
    c1, c2 = st.columns(2)
    layer = c1.segmented_control(
        t("cnn.rf.layer"),
        ("conv1", "pool1", "conv2", "pool2"),
        default="conv2",
        required=True,
        key=P + "rf_layer",
    )
    maps = a.activations[layer]
    ch = int(c2.number_input(t("cnn.step.channel"), 0, maps.shape[0] - 1, 0, key=P + "rf_ch"))
    c3, c4 = st.columns(2)
    y = int(c3.slider(t("cnn.step.row"), 0, maps.shape[1] - 1, maps.shape[1] // 2, key=P + "rf_y"))
    x = int(c4.slider(t("cnn.step.col"), 0, maps.shape[2] - 1, maps.shape[2] // 2, key=P + "rf_x"))
    box = cnn_explain.receptive_field(layer, y, x)
    support = cnn_cache.gradient_support(layer, ch, y, x)
    match = bool((support == cnn_explain.geometry_mask(layer, y, x)).all())
    grad = cnn_cache.unit_gradient(layer, ch, y, x, a.input28)
    top, bottom, left, right = box
    st.markdown(
        t(
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
            match=t("cnn.rf.match" if match else "cnn.rf.nomatch"),
        )
    )
    st.plotly_chart(
        vz.receptive_field_fig(a.input28, grad, box, [t("cnn.rf.input"), t("cnn.rf.grad")]),
        key=P + "rf",
        **CHART,
    )


@st.fragment
@safe
def attr_view(a) -> None:
    st.caption(t("cnn.attr.caption"))
    target = st.segmented_control(
        t("cnn.attr.target"), list(range(10)), default=a.label, required=True, key=P + "attr_t"
    )
    target = a.label if target is None else int(target)
    maps = cache.image_attributions(a.input28, target, IMAGE_METHODS)
    titles = [t(f"cnn.attr.{m}") for m in IMAGE_METHODS]
    st.plotly_chart(
        vz.attribution_fig(a.input28, [maps[m] for m in IMAGE_METHODS], titles, cols=2),
        key=P + "attr",
        **CHART,
    )
    for m in IMAGE_METHODS:
        st.caption(t(f"cnn.attr.desc.{m}"))


@st.fragment
@safe
def fullres_view(a) -> None:
    st.caption(t("cnn.full.caption"))
    c1, c2 = st.columns(2)
    layer = c1.segmented_control(
        t("cnn.full.layer"), ("relu1", "relu2"), default="relu1", required=True, key=P + "f_layer"
    )
    maps = a.fullres[layer]
    ch = int(
        c2.number_input(
            t("cnn.full.channel"),
            0,
            maps.shape[0] - 1,
            cnn_explain.most_active_channel(maps),
            key=P + f"f_ch.{layer}",
        )
    )
    h, w = maps.shape[1:]
    c3, c4 = st.columns(2)
    with c3:
        st.plotly_chart(
            vz.image_fig(cnn_explain.downsample(a.fullres_input, 128), t("cnn.full.input"), "gray"),
            key=P + "f_in",
            **CHART,
        )
    with c4:
        st.plotly_chart(
            vz.image_fig(
                cnn_explain.downsample(maps[ch], 128),
                t("cnn.full.map", layer=layer, c=ch, h=h, w=w),
            ),
            key=P + "f_map",
            **CHART,
        )


@st.fragment
@safe
def translation_view(a) -> None:
    st.markdown(f"**{t('cnn.exp.translation')}**")
    st.caption(t("cnn.exp.translation_caption"))
    c1, c2, c3 = st.columns(3)
    dy = int(c1.slider(t("cnn.exp.dy"), -8, 8, 0, key=P + "t_dy"))
    dx = int(c2.slider(t("cnn.exp.dx"), -8, 8, 3, key=P + "t_dx"))
    ch = int(c3.number_input(t("cnn.exp.channel"), 0, 15, 0, key=P + "t_ch"))
    tr = cnn_cache.translate(a.input28, dy, dx)
    orig_map, new_map = a.activations["conv1"][ch], tr.activations["conv1"][ch]
    diff, n = cnn_explain.equivariance_error(orig_map, new_map, dy, dx)
    titles = [
        t(k) for k in ("cnn.exp.orig", "cnn.exp.shifted", "cnn.exp.orig_map", "cnn.exp.shifted_map")
    ]
    st.plotly_chart(
        vz.translation_fig([a.input28, tr.input28], [orig_map, new_map], titles),
        key=P + "trans",
        **CHART,
    )
    st.markdown(t("cnn.exp.equivariance", diff=f"{diff:.2e}", n=n))
    st.caption(t("cnn.exp.curve", label=a.label, dy=dy))
    st.plotly_chart(
        vz.shift_curve_fig(
            list(range(-8, 9)),
            cnn_cache.shift_curve(a.input28, dy),
            a.label,
            dx,
            [f"P({a.label})", t("cnn.exp.dx"), t("cnn.exp.winner")],
        ),
        key=P + "curve",
        **CHART,
    )
    st.markdown(
        t(
            "cnn.exp.pred",
            a=a.label,
            pa=pct(a.confidence),
            b=tr.label,
            pb=pct(float(tr.probs[tr.label])),
        )
    )


def sharing_view() -> None:
    st.markdown(f"**{t('cnn.exp.sharing')}**")
    s = cnn_cache.parameter_sharing("conv1")
    dims = lambda shape: "×".join(str(d) for d in shape)  # noqa: E731
    st.caption(
        t(
            "cnn.exp.sharing_caption",
            layer=s.layer,
            inp=dims(s.in_shape),
            out=dims(s.out_shape),
            conv=f"{s.conv_params:,}",
            dense=f"{s.dense_params:,}",
            ratio=f"{s.dense_params / s.conv_params:,.0f}",
        )
    )
    st.plotly_chart(
        vz.sharing_fig(
            s.conv_params, s.dense_params, [t("cnn.exp.conv_bar"), t("cnn.exp.dense_bar")]
        ),
        key=P + "share",
        **CHART,
    )


with tab["layers"]:
    if is_open("layers"):
        with guarded("layers"):
            layers_view(a)
with tab["conv"]:
    if is_open("conv"):
        with guarded("kernels"):
            kernels_view()
        with guarded("step"):
            step_view(a)
with tab["ops"]:
    if is_open("ops"):
        with guarded("ops"):
            ops_view(a)
with tab["rf"]:
    if is_open("rf"):
        with guarded("rf"):
            rf_view(a)
with tab["attr"]:
    if is_open("attr"):
        with guarded("attr"):
            attr_view(a)
with tab["fullres"]:
    if is_open("fullres"):
        with guarded("fullres"):
            fullres_view(a)
with tab["exp"]:
    if is_open("exp"):
        with guarded("translation"):
            translation_view(a)
        with guarded("sharing"):
            sharing_view()
