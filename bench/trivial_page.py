"""The floor for page benchmarks: a trivial Streamlit page with one input and one chart.

``streamlit run bench/trivial_page.py`` (or AppTest) — a 28×28 heatmap of the uploaded image's
byte values or of the typed sentence's character codes, so an interaction costs one rerun and
one small chart, nothing else.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.title("Trivial page")
up = st.file_uploader("Image", key="trivial.upload")
text = st.text_area("Sentence", key="trivial.text")
raw = up.getvalue() if up is not None else text.encode()
z = np.frombuffer(raw[: 28 * 28].ljust(28 * 28, b"\0"), dtype=np.uint8).reshape(28, 28)  # (28, 28)
fig = go.Figure(go.Heatmap(z=z, colorscale="gray", showscale=False))
fig.update_layout(height=300, margin=dict(l=0, r=0, t=0, b=0))
st.plotly_chart(fig, width="stretch", key="trivial.chart")
