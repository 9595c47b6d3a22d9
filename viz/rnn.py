"""Pure figure builders for the RNN page (and the side-by-side page): arrays in, figures out.

No Streamlit, no torch, no translation: every label arrives translated, colours come from
``viz.style``. User tokens are escaped (``viz.style.esc``) before they reach plotly, whose text
accepts a few HTML-like tags: ``<b>`` or ``<unk>`` in a sentence show literally. Token positions
are numeric x values with tick labels, so repeated tokens never merge; hover shows the 1-based
step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz import style
from viz.fig import figure
from viz.style import esc, step_labels, token_axis

POS_COLOR, NEG_COLOR = style.POS, style.NEG
PROB = style.SENTIMENT  # P(positive)
MARGIN = dict(l=8, r=8, t=36, b=8)
WINDOW = 8  # steps drawn in the unrolled network (fits a phone)
HEAT_WINDOW = 80  # steps drawn in the unit × step heatmaps (keeps a long sentence's JSON small)
DIV_SCALE, VIRIDIS = style.scale(style.DIV), style.scale(style.SEQ)
_r = style.f32


def unit_labels(order: np.ndarray, unit_word: str) -> list[str]:
    """Category labels for hidden units in display order (``unit_word``: "unit" translated)."""
    return [f"{unit_word} {int(u)}" for u in order]


def _hover(tokens: Sequence[str], start: int = 0) -> np.ndarray:
    """customdata for one-value-per-token traces: (1-based step, escaped token) per position."""
    return np.array([[start + i + 1, esc(t)] for i, t in enumerate(tokens)], dtype=object).reshape(
        len(tokens), 2
    )


def _layout(height: int = 300, title: str = "", **extra) -> dict:
    """The layout every RNN figure shares (plus ``extra`` keys)."""
    lay = dict(
        margin=dict(MARGIN),
        height=height,
        hoverlabel=dict(font=dict(size=13)),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    if title:
        lay["title"] = dict(text=title, font=dict(size=14))
    lay.update(extra)
    return lay


def _vline(x: float, yref: str = "y domain", xref: str = "x") -> dict:
    """A dotted vertical line shape (a plain dict: much cheaper than ``add_vline``)."""
    return dict(
        type="line", x0=x, x1=x, y0=0, y1=1, xref=xref, yref=yref,
        line=dict(color="#333", width=1.5, dash="dot"),
    )  # fmt: skip


def _marker(layout: dict, selected: int | None, T: int, axes: tuple[str, ...] = ("",)) -> dict:
    """Mark the selected step on each x axis suffix in ``axes`` ("" for x/y, "2" for x2/y2)."""
    if selected is not None and 0 <= selected < T:
        layout["shapes"] = layout.get("shapes", []) + [
            _vline(selected, f"y{a} domain", f"x{a}") for a in axes
        ]
    return layout


def _bars_layout(tokens: Sequence[str], y_title: str | None, selected=None, **yaxis) -> dict:
    """Layout of a one-value-per-token chart: token ticks on x, ``yaxis`` options on y."""
    if y_title:
        yaxis["title"] = dict(text=y_title)
    lay = _layout(260, xaxis=token_axis(tokens), yaxis=yaxis)
    return _marker(lay, selected, len(tokens))


# ----------------------------------------------------------------------------- 1. tokens


def tokens_table(
    tokens: Sequence[str],
    raw_tokens: Sequence[str],
    token_ids: Sequence[int],
    headers: Sequence[str],
) -> go.Figure:
    """The tokens as a table: step, as written, what the model reads (``<unk>`` in orange), id.

    Args:
        tokens, raw_tokens, token_ids: (T) what the model reads, as written, vocabulary ids.
        headers: the four column titles (step, as written, model reads, id), translated.
    """
    T = len(tokens)
    unk = ["#fff1d6" if tok == "<unk>" else "white" for tok in tokens]
    table = dict(
        type="table",
        columnwidth=[1, 3, 3, 2],
        header=dict(
            values=list(headers),
            fill=dict(color="#eeeeee"),
            align="left",
        ),
        cells=dict(
            values=[
                list(range(1, T + 1)),
                [esc(t) for t in raw_tokens],
                [esc(t) for t in tokens],
                list(token_ids),
            ],
            fill=dict(color=[unk] * 4),
            align="left",
            height=24,
        ),
    )
    lay = _layout(min(60 + 24 * T, 320))
    lay["margin"] = dict(l=2, r=2, t=4, b=2)
    return figure([table], lay)


# ----------------------------------------------------------------------------- 2. unrolled


def unroll_window(T: int, selected: int, width: int = WINDOW) -> tuple[int, int]:
    """The steps [a, b) the unrolled drawing shows: ``width`` steps around ``selected``."""
    if width >= T:
        return 0, T
    a = min(max(0, selected - width // 2), T - width)
    return a, a + width


def unrolled_fig(
    tokens: Sequence[str],
    prefix_prob: np.ndarray,
    norms: np.ndarray,
    prob_label: str,
    output_label: str,
    selected: int | None = None,
) -> go.Figure:
    """h₀ → h₁ → … → h_T → output, with x_t feeding each step, for a window of steps.

    Args:
        tokens: (T) tokens; prefix_prob: (T,) P(positive) after each step; norms: (T,) ‖h_t‖.
        prob_label: the colour bar's title ("P(positive)"); output_label: the output node's.
        selected: the selected step (0-based), drawn larger; the window follows it.

    Returns:
        A scatter figure; each h_t marker's customdata is its step index, for selection.
    """
    T = len(tokens)
    sel = 0 if selected is None else int(selected)
    a, b = unroll_window(T, sel)
    steps = np.arange(a, b)
    xs = steps - a + 1.0  # h_t at x = 1..W; h_0 at 0; output at W + 1
    out_x = len(steps) + 1.0
    # Arrows: h_{t−1} → h_t along the top, x_t → h_t from below: one line trace (None breaks
    # the segments) plus arrowhead markers, far cheaper than one annotation per arrow.
    chain_x = [0.0, *xs.tolist(), out_x]
    lx, ly, hx, hy, hs = [], [], [], [], []
    for x0, x1 in zip(chain_x[:-1], chain_x[1:], strict=True):
        lx += [x0 + 0.2, x1 - 0.26, None]
        ly += [1.0, 1.0, None]
        hx.append(x1 - 0.26)
        hy.append(1.0)
        hs.append("triangle-right")
    for x in xs:
        lx += [x, x, None]
        ly += [0.22, 0.74, None]
        hx.append(x)
        hy.append(0.74)
        hs.append("triangle-up")
    toks = np.array([esc(t) for t in tokens[a:b]], dtype=object)
    p = _r(prefix_prob[a:b])
    is_sel = steps == sel
    first = "h0" if a == 0 else f"h{a}"
    last_p = float(prefix_prob[-1]) if T else 0.5
    data = [
        dict(
            type="scatter", x=lx, y=ly, mode="lines", line=dict(color="#999", width=1.5),
            hoverinfo="skip", showlegend=False,
        ),
        dict(
            type="scatter", x=hx, y=hy, mode="markers",
            marker=dict(symbol=hs, size=9, color="#999"), hoverinfo="skip", showlegend=False,
        ),
        dict(
            type="scatter", x=xs, y=np.zeros(len(xs)), mode="text", text=toks,
            textfont=dict(size=14), customdata=np.stack([steps, steps + 1, toks], axis=1),
            hovertemplate="x<sub>%{customdata[1]}</sub> = %{customdata[2]}<extra></extra>",
            showlegend=False,
        ),
        dict(
            type="scatter", x=xs, y=np.ones(len(xs)), mode="markers+text",
            marker=dict(
                size=np.where(is_sel, 34, 24), color=p, colorscale=PROB, cmin=0, cmax=1,
                line=dict(color=np.where(is_sel, "#000", "#666"), width=np.where(is_sel, 3, 1)),
                colorbar=dict(
                    title=dict(text=prob_label), thickness=10, len=0.9
                ),
            ),
            text=[f"h{i + 1}" for i in steps],
            textposition="top center",
            customdata=np.stack([steps, steps + 1, toks, _r(norms[a:b])], axis=1),
            hovertemplate=(
                "h<sub>%{customdata[1]}</sub> · %{customdata[2]}<br>"
                "P(+) = %{marker.color:.4f}<br>‖h‖ = %{customdata[3]:.4f}<extra></extra>"
            ),
            name="h",
            showlegend=False,
        ),
        dict(
            type="scatter", x=[0.0, out_x], y=[1.0, 1.0], mode="markers+text",
            marker=dict(
                size=[18, 28], symbol=["circle-open", "square"], color=["#999", last_p],
                colorscale=PROB, cmin=0, cmax=1, line=dict(color="#333", width=1),
            ),
            text=[
                first if a == 0 else f"…{first}",
                output_label + ("" if b == T else "…"),
            ],
            textposition="top center",
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
        ),
    ]  # fmt: skip
    lay = _layout(
        200,
        xaxis=dict(visible=False, range=[-0.6, out_x + 0.8]),
        yaxis=dict(visible=False, range=[-0.35, 1.55]),
        dragmode=False,
        clickmode="event+select",
    )
    return figure(data, lay)


# ----------------------------------------------------------------------------- 3. hidden heatmap


def hidden_heatmap(
    hidden: np.ndarray,
    tokens: Sequence[str],
    order: np.ndarray,
    unit_word: str,
    selected: int | None = None,
    start: int = 0,
) -> go.Figure:
    """Units × time steps of the hidden state.

    Args:
        hidden: (T, H) states; order: (H,) unit indices, top row first.
        unit_word: "unit", translated (row labels "unit 7").
        selected: the step to mark, relative to this slice; start: the slice's first step
            in the sentence (for the labels), when the page shows a window of a long sentence.

    Returns:
        A heatmap whose z is ``hidden[:, order].T`` (H, T); hover shows unit, step, token, value.
    """
    T, H = hidden.shape
    heat = dict(
        type="heatmap",
        z=_r(hidden[:, order].T),  # (H, T)
        x=step_labels(tokens, start),
        y=unit_labels(order, unit_word),
        colorscale=DIV_SCALE,
        zmin=-1,
        zmax=1,
        hovertemplate="%{y} · %{x}<br>h = %{z:.4f}<extra></extra>",
        colorbar=dict(thickness=10),
    )
    lay = _layout(
        360,
        xaxis=dict(type="category", tickangle=0 if T <= 12 else -60, nticks=style.MAX_TICKS),
        yaxis=dict(autorange="reversed", showticklabels=False, type="category"),
    )
    return figure([heat], _marker(lay, selected, T))


# ----------------------------------------------------------------------------- 4. trajectory


def trajectory_fig(
    points: np.ndarray,
    tokens: Sequence[str],
    probs: np.ndarray,
    bg_points: np.ndarray,
    bg_labels: np.ndarray,
    labels: dict[str, str],
    compare: tuple[np.ndarray, Sequence[str], np.ndarray] | None = None,
    dims: int = 2,
    selected: int | None = None,
    explained: np.ndarray | None = None,
) -> go.Figure:
    """The path of h_t on the shipped PCA axes, over a cloud of held-out final states.

    Args:
        points: (T, 3) projected states; probs: (T,) P(positive) after each step.
        bg_points: (N, 3) held-out final states; bg_labels: (N,) their true labels (1 = +).
        labels: translated names: ``bg_neg``, ``bg_pos`` (the two clouds), ``main``,
            ``compare`` (the two paths) and ``prob`` (the colour bar).
        compare: (points (T2, 3), tokens, probs (T2,)) of a second sentence, drawn as its own path.
        dims: 2 (PC1, PC2) or 3 (PC1..PC3).

    Returns:
        Background traces first (negative, positive), then one path per sentence; the path's
        markers are coloured by P(positive) and labelled with their tokens.
    """
    three = dims == 3
    kind = "scatter3d" if three else "scatter"

    def xyz(p: np.ndarray) -> dict:
        p = _r(p)
        d = dict(type=kind, x=p[:, 0], y=p[:, 1])
        if three:
            d["z"] = p[:, 2]
        return d

    data = []
    for lab, key, color in ((0, "bg_neg", NEG_COLOR), (1, "bg_pos", POS_COLOR)):
        m = np.asarray(bg_labels) == lab
        data.append(
            dict(
                **xyz(bg_points[m]),
                mode="markers",
                marker=dict(size=3 if three else 6, color=color, opacity=0.35),
                name=labels[key],
                hoverinfo="skip",
            )
        )
    paths = [(points, tokens, probs, "#222", labels["main"])]
    if compare is not None:
        paths.append((*compare, style.CMP, labels["compare"]))
    for k, (pts, toks, pr, color, name) in enumerate(paths):
        T = len(toks)
        htoks = np.array([esc(t) for t in toks], dtype=object)
        show_text = T <= 30
        marker = dict(
            size=np.where(np.arange(T) == selected, 16, 9)
            if (k == 0 and selected is not None)
            else 9,
            color=_r(pr),
            colorscale=PROB,
            cmin=0,
            cmax=1,
            line=dict(color=color, width=2),
            symbol="circle" if k == 0 else "diamond",
        )
        if k == 0:
            marker["colorbar"] = dict(title=dict(text=labels["prob"]), thickness=10, len=0.7)
        trace = dict(
            **xyz(pts),
            mode="lines+markers+text" if show_text else "lines+markers",
            line=dict(color=color, width=2 if three else 1.5),
            marker=marker,
            textposition="top center",
            textfont=dict(color=color, size=12),
            customdata=np.stack([np.arange(1, T + 1), htoks, _r(pr)], axis=1),
            hovertemplate=(
                f"{name} · t = %{{customdata[0]}} · %{{customdata[1]}}"
                "<br>P(+) = %{customdata[2]:.4f}<extra></extra>"
            ),
            name=name,
        )
        if show_text:
            trace["text"] = htoks
        data.append(trace)
    ax = [
        dict(text=f"PC{i + 1}" + (f" ({explained[i]:.0%})" if explained is not None else ""))
        for i in range(3)
    ]
    if three:
        lay = _layout(
            480, scene=dict(**{f"{c}axis": dict(title=ax[i]) for i, c in enumerate("xyz")})
        )
    else:
        lay = _layout(420, xaxis=dict(title=ax[0]), yaxis=dict(title=ax[1]))
    return figure(data, lay)


# ----------------------------------------------------------------------------- 5. gates


def gates_fig(
    update_gate: np.ndarray,
    reset_gate: np.ndarray,
    tokens: Sequence[str],
    order: np.ndarray,
    titles: tuple[str, str],
    unit_word: str,
    selected: int | None = None,
    start: int = 0,
) -> go.Figure:
    """Update gate z and reset gate r, units × steps, as two heatmaps (values 0..1).

    Args:
        update_gate, reset_gate: (T, H); order: (H,) unit indices, top row first.
        titles: the two panels' titles (update gate, reset gate); unit_word: "unit".
        selected, start: as for :func:`hidden_heatmap`.
    """
    T, H = update_gate.shape
    xl, yl = step_labels(tokens, start), unit_labels(order, unit_word)
    data = [
        dict(
            type="heatmap",
            z=_r(g[:, order].T),  # (H, T)
            x=xl,
            y=yl,
            zmin=0,
            zmax=1,
            colorscale=VIRIDIS,
            showscale=row == 1,
            colorbar=dict(thickness=10),
            hovertemplate=f"%{{y}} · %{{x}}<br>{name} = %{{z:.4f}}<extra></extra>",
            name=name,
            xaxis="x" if row == 1 else "x2",
            yaxis="y" if row == 1 else "y2",
        )
        for row, (g, name) in enumerate(((update_gate, "z"), (reset_gate, "r")), start=1)
    ]
    units = dict(autorange="reversed", showticklabels=False, type="category")
    lay = _layout(
        480,
        yaxis=dict(domain=[0.54, 0.96], **units),
        yaxis2=dict(domain=[0.0, 0.42], **units),
        xaxis=dict(anchor="y", matches="x2", showticklabels=False, type="category"),
        xaxis2=dict(
            anchor="y2", type="category", tickangle=0 if T <= 12 else -60, nticks=style.MAX_TICKS
        ),
        annotations=[
            dict(text=titles[0], x=0.5, y=1.0, xref="paper", yref="paper",
                 showarrow=False, xanchor="center", yanchor="bottom"),
            dict(text=titles[1], x=0.5, y=0.44, xref="paper", yref="paper",
                 showarrow=False, xanchor="center", yanchor="bottom"),
        ],
    )  # fmt: skip
    return figure(data, _marker(lay, selected, T, axes=("", "2")))


def gate_means_fig(
    z_mean: np.ndarray,
    r_mean: np.ndarray,
    tokens: Sequence[str],
    names: tuple[str, str],
    selected: int | None = None,
) -> go.Figure:
    """Mean update and reset gate per step (over the hidden units), two lines over the tokens.

    Args:
        z_mean, r_mean: (T,) the gates averaged over the units; names: their legend names.
    """
    data = [
        _token_trace("scatter", tokens, _r(vals), name, mode="lines+markers", line=dict(color=c))
        for vals, name, c in ((z_mean, names[0], "#440154"), (r_mean, names[1], "#21918c"))
    ]
    return figure(data, _bars_layout(tokens, None, selected, range=[0, 1]))


# ----------------------------------------------------------------------------- 6/8. bars


def _token_trace(kind: str, tokens: Sequence[str], y: np.ndarray, name: str, **kw) -> dict:
    """One value per token position, hover showing the 1-based step, the token and the value."""
    return dict(
        type=kind,
        x=np.arange(len(tokens)),
        y=y,
        customdata=_hover(tokens),
        name=name,
        hovertemplate=f"{esc(name)}<br>t = %{{customdata[0]}} · %{{customdata[1]}}"
        "<br>%{y:.4f}<extra></extra>",
        **kw,
    )


def attention_bars(
    tokens: Sequence[str],
    weights: np.ndarray,
    name: str,
    selected: int | None = None,
    color: str = style.RNN,
) -> go.Figure:
    """The attention weight of each token as bars (one bar per position, in order).

    Args:
        tokens, weights: (T,) tokens and attention weights (summing to 1).
        name: the axis title / legend name ("attention weight"), translated.
        selected: the step to mark; color: the bars' colour (the RNN's orange by default).
    """
    bars = _token_trace("bar", tokens, _r(weights), name, marker=dict(color=color))
    return figure([bars], _bars_layout(tokens, name, selected, rangemode="tozero"))


def attribution_bars(tokens: Sequence[str], values: np.ndarray, name: str) -> go.Figure:
    """Signed token attributions as bars: green toward positive, orange toward negative."""
    v = _r(values)
    colors = np.where(v >= 0, POS_COLOR, NEG_COLOR)
    bars = _token_trace("bar", tokens, v, name, marker=dict(color=colors))
    return figure([bars], _bars_layout(tokens, name, zeroline=True))


def memory_fig(
    tokens: Sequence[str],
    curves: Sequence[tuple[np.ndarray, str, str]],
    y_title: str,
    log: bool = False,
) -> go.Figure:
    """Gradient norms per token, each curve divided by its own largest value.

    Args:
        tokens: (T) tokens.
        curves: (values (T,), name, colour) per curve, raw gradient norms; each is drawn as
            ``values / values.max()`` so curves of different units share one axis, and the hover
            shows the raw value.
        y_title: the y axis title ("share of the strongest token").
        log: log y axis.

    Returns:
        One line per curve, in order; ``customdata[:, 2]`` holds the raw values.
    """
    data = []
    for values, name, color in curves:
        v = np.asarray(values, dtype=np.float64)
        top = float(v.max()) if v.size and v.max() > 0 else 1.0
        trace = _token_trace("scatter", tokens, _r(v / top), name, mode="lines+markers")
        trace["line"] = dict(color=color)
        trace["customdata"] = np.concatenate(
            [_hover(tokens), _r(v).astype(object)[:, None]], axis=1
        )
        trace["hovertemplate"] = (
            f"{esc(name)}<br>t = %{{customdata[0]}} · %{{customdata[1]}}"
            "<br>%{customdata[2]:.4g} (%{y:.1%})<extra></extra>"
        )
        data.append(trace)
    lay = _bars_layout(tokens, y_title, type="log" if log else "linear")
    if not log:
        lay["yaxis"]["range"] = [0, 1.05]
    return figure(data, lay)


# ----------------------------------------------------------------------------- 7. prefix


def prefix_curve(
    lines: Sequence[tuple[Sequence[str], np.ndarray, str, str]],
    prob_label: str,
    threshold_label: str,
    selected: int | None = None,
) -> go.Figure:
    """P(positive) after each prefix, one line per sentence (or model), with the 0.5 line.

    Args:
        lines: (tokens, probs (T,), name, colour) per line; the first is the main sentence and
            sets the token axis.
        prob_label: the y axis title ("P(positive)"); threshold_label: the 0.5 line's label.
        selected: the step to mark on the first line.

    Returns:
        One trace per line, in order (the first line's last y is the sentence's P(positive)).
    """
    data = [
        dict(
            type="scatter",
            x=np.arange(len(toks)),
            y=_r(pr),
            mode="lines+markers",
            line=dict(color=color, width=2),
            marker=dict(color=_r(pr), colorscale=PROB, cmin=0, cmax=1, size=9,
                        line=dict(color=color, width=1)),
            customdata=_hover(toks),
            name=name,
            hovertemplate=f"{esc(name)} · t = %{{customdata[0]}} · %{{customdata[1]}}"
            "<br>P(+) = %{y:.4f}<extra></extra>",
        )
        for toks, pr, name, color in lines
    ]  # fmt: skip
    tokens = lines[0][0]
    lay = _layout(
        300,
        shapes=[
            dict(type="line", x0=0, x1=1, xref="x domain", y0=0.5, y1=0.5, yref="y",
                 line=dict(color="#999", dash="dash"))
        ],
        annotations=[
            dict(text=threshold_label, x=1, xref="x domain", y=0.5, yref="y",
                 xanchor="right", yanchor="top", showarrow=False, font=dict(color="#777"))
        ],
        xaxis=token_axis(tokens),
        yaxis=dict(range=[-0.02, 1.02], title=dict(text=prob_label)),
    )  # fmt: skip
    return figure(data, _marker(lay, selected, len(tokens)))


# ----------------------------------------------------------------------------- highlighted text

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&\"'=%^@;,?/])")


def verdict_badge(label: str, word: str) -> str:
    """Markdown badge for a verdict: green for positive, orange for negative (``word``: the
    translated label, a UI string, escaped anyway)."""
    color = "green" if label == "positive" else "orange"
    return f":{color}-badge[**{md_escape(word)}**]"


def md_escape(text: str) -> str:
    """Escape text for ``st.markdown``: every ASCII punctuation gets a backslash, so neither
    Markdown, Streamlit directives (``:red[...]``, ``:material/x:``), LaTeX (``$``) nor HTML
    can be formed from it."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _is_punct(tok: str) -> bool:
    return bool(tok) and unicodedata.category(tok[0])[0] in "PS"


def _join_space(prev: str, cur: str) -> str:
    """Space between two tokens as written: none around CJK characters, none before
    punctuation, none after opening symbols (``<``, ``(``, quotes); one between words."""
    if not prev or style.is_cjk(prev) or style.is_cjk(cur) or _is_punct(cur):
        return ""
    if _is_punct(prev) and prev[0] not in ",.;:!?)]}…":
        return ""
    return " "


def token_highlight(
    tokens: Sequence[str],
    values: np.ndarray,
    signed: bool = False,
    top: int = 3,
    spaces: Sequence[bool] | None = None,
) -> str:
    """The text as Markdown with each token shaded by its value (escaped, no HTML).

    Unsigned values (attention): blue background for tokens ≥ 50 % of the maximum, bold
    for the ``top`` largest. Signed values (attribution): green (+) or orange (−) background for
    |value| ≥ 50 % of the maximum |value|, bold for the ``top`` strongest.

    Args:
        tokens: (T) tokens to show (e.g. ``raw_tokens``); values: (T,).
        spaces: (T) whether a space preceded each token in the text (e.g.
            ``nets.rnn_explain.token_spacing``); guessed from the tokens when None.

    Returns:
        A Markdown string for ``st.markdown`` (Streamlit's ``:color-background[...]`` syntax).
    """
    v = np.asarray(values, dtype=np.float64)
    mag = np.abs(v) if signed else v
    m = float(mag.max()) if len(mag) else 0.0
    strong = set(np.argsort(-mag, kind="stable")[: min(top, len(mag))].tolist()) if m > 0 else set()
    parts, prev = [], ""
    for i, tok in enumerate(tokens):
        body = md_escape(tok) or "\\ "
        if i in strong:
            body = f"**{body}**"
        if m > 0 and mag[i] >= 0.5 * m:
            color = ("green" if v[i] >= 0 else "orange") if signed else "blue"
            body = f":{color}-background[{body}]"
        gap = (" " if spaces[i] else "") if spaces is not None else _join_space(prev, tok)
        parts.append(gap + body)
        prev = tok
    return "".join(parts)
