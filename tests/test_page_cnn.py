"""The CNN page under AppTest: inputs, charts against nets' own output, bad input, every tab."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from conftest import chart_specs, open_view
from conftest import plotly_array as arr
from PIL import Image
from streamlit.testing.v1 import AppTest

import nets
from nets.attribution import IMAGE_METHODS, SIGNED_METHODS
from nets.registry import load_npz
from ui.i18n import LANGS, t
from ui.views import cnn as views

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "cnn.py")
PHOTO = ROOT / "assets" / "samples" / "photos" / "coffee.jpg"
pytestmark = pytest.mark.timeout(180)


def run_page(lang: str = "en", view: str | None = None) -> AppTest:
    return open_view("cnn", view, lang)


def chart(at: AppTest, key: str) -> dict:
    specs = chart_specs(at)
    assert f"cnn.{key}" in specs, (key, list(specs))
    return specs[f"cnn.{key}"]


def prob_bars(at: AppTest) -> np.ndarray:
    return arr(chart(at, "probs")["data"][0]["y"])


def upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    at.segmented_control(key="cnn.source").set_value("upload").run()
    at.file_uploader(key="cnn.upload").set_value((name, data, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def png_digit(i: int = 4) -> bytes:
    buf = io.BytesIO()
    img = 255 - load_npz("samples/digits.npz")["images"][i]  # dark ink on white paper
    Image.fromarray(np.kron(img, np.ones((4, 4), np.uint8))).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("lang", LANGS)
def test_opens_with_a_sample_and_its_real_probabilities(lang):
    at = run_page(lang)
    assert at.title[0].value == t("cnn.title", lang)
    sample = load_npz("samples/digits.npz")["images"][0]
    np.testing.assert_allclose(prob_bars(at), nets.analyze_image(sample).probs, atol=1e-6)
    assert [tb.label for tb in at.tabs] == [t(v.title_key, lang) for v in views.VIEWS]
    assert set(chart_specs(at)) == {"cnn.probs", "cnn.layers.strip", "cnn.layers.maps"}


def test_png_upload_shows_its_probabilities():
    data = png_digit()
    at = upload(run_page(), "digit.png", data)
    ref = nets.analyze_image(data)
    np.testing.assert_allclose(prob_bars(at), ref.probs, atol=1e-6)


@pytest.mark.parametrize("name", ["coffee.jpg", "astronaut.jpg"])
def test_a_photo_is_never_presented_as_a_confident_digit(name):
    data = (PHOTO.parent / name).read_bytes()
    at = upload(run_page(), name, data, "image/jpeg")
    ref = nets.analyze_image(data)
    np.testing.assert_allclose(prob_bars(at), ref.probs, atol=1e-6)
    assert not at.success  # no "the CNN reads this as …" for a photo
    texts = [w.value for w in at.warning]
    if ref.ood_score > 1:  # far from every digit class
        assert t("cnn.pred.far", "en", ood=f"{ref.ood_score:.2f}") in texts, texts
    elif ref.unlike_training:  # near a class, but the top probability is low
        assert t("cnn.pred.low", "en", p=f"{ref.confidence:.1%}") in texts, texts


@pytest.mark.parametrize("lang", LANGS)
def test_malformed_upload_shows_the_message_then_a_good_upload_works(lang):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["lang"] = lang
    at.session_state["cnn.source"] = "upload"
    at.run()
    first = png_digit(4)
    at.file_uploader(key="cnn.upload").set_value(("first.png", first, "image/png")).run()
    np.testing.assert_allclose(prob_bars(at), nets.analyze_image(first).probs, atol=1e-6)
    bad = b"\x89PNG\r\n\x1a\n" + b"garbage" * 20
    with pytest.raises(nets.InputError) as err:
        nets.analyze_image(bad)
    at.query_params["lang"] = lang
    at.file_uploader(key="cnn.upload").set_value(("broken.png", bad, "image/png")).run()
    assert not at.exception
    assert err.value.message(lang) in [e.value for e in at.error]
    # the previous result is kept on screen, and says so
    np.testing.assert_allclose(prob_bars(at), nets.analyze_image(first).probs, atol=1e-6)
    assert t("cnn.kept_previous", lang) in [c.value for c in at.caption]
    data = png_digit(9)
    at.query_params["lang"] = lang
    at.file_uploader(key="cnn.upload").set_value(("good.png", data, "image/png")).run()
    assert not at.exception and not at.error
    np.testing.assert_allclose(prob_bars(at), nets.analyze_image(data).probs, atol=1e-6)


@pytest.mark.parametrize("view", [v.id for v in views.VIEWS])
def test_a_hard_sample_on_every_view(view):
    digits = load_npz("samples/digits.npz")
    hard = int(np.flatnonzero(digits["wrong"])[0])
    at = run_page(view=view)
    at.selectbox(key="cnn.sample").set_value(f"digit:{hard}").run()
    a = nets.analyze_image(digits["images"][hard])
    np.testing.assert_allclose(prob_bars(at), a.probs, atol=1e-6)
    assert not at.exception, (view, [e.value for e in at.exception])
    assert not at.error, (view, [e.value for e in at.error])
    charts = chart_specs(at)
    assert len(charts) >= 2 and all(k.startswith(("cnn.probs", view)) for k in charts), charts
    size = sum(len(c.proto.spec) for c in at.get("plotly_chart"))
    assert size < 300_000, (view, size)


def test_step_explorer_shows_the_real_activation():
    at = run_page(view="cnn.conv")
    at.segmented_control(key="cnn.conv.layer").set_value("conv2").run()
    at.slider(key="cnn.conv.y.conv2").set_value(3).run()
    at.slider(key="cnn.conv.x.conv2").set_value(9).run()
    at.number_input(key="cnn.conv.ch").set_value(5).run()
    a = nets.analyze_image(load_npz("samples/digits.npz")["images"][0])
    act = f"{float(a.activations['conv2'][5, 3, 9]):.4f}"
    eq = [m.value for m in at.markdown if "bias" in m.value]
    assert eq and f"**{act}**" in eq[0], eq
    value = eq[0].split("= **")[1].split("**")[0]
    assert value == act
    fig = chart(at, "conv.step")
    z_products = arr(fig["data"][2]["z"])
    assert z_products.shape == (3, 3)


def test_softmax_explainer_matches_the_probabilities():
    at = run_page(view="cnn.ops")
    a = nets.analyze_image(load_npz("samples/digits.npz")["images"][0])
    fig = chart(at, "ops.softmax")
    np.testing.assert_allclose(arr(fig["data"][0]["y"]), a.activations["logits"], atol=1e-5)
    np.testing.assert_allclose(arr(fig["data"][2]["y"]), a.probs, atol=1e-6)


def test_layer_grid_is_the_activation():
    at = run_page()
    at.selectbox(key="cnn.layers.layer").set_value("pool2").run()
    a = nets.analyze_image(load_npz("samples/digits.npz")["images"][0])
    fig = chart(at, "layers.maps")
    hover = fig["data"][-1]
    raw, where = arr(hover["z"]), arr(hover["customdata"])
    cells = where[..., 0] == 5
    ref = a.activations["pool2"][5][where[cells][:, 1], where[cells][:, 2]]
    np.testing.assert_allclose(raw[cells], ref, atol=1e-4)
    assert int((where[..., 0] >= 0).sum()) == a.activations["pool2"].size


def test_each_attribution_method_has_its_own_legend_and_scale():
    """Saliency (|gradient|) and Grad-CAM (after a ReLU) are drawn from 0 up, never blue, and
    their legends say so; IG and occlusion are drawn on a symmetric signed scale."""
    at = run_page("en", "cnn.attribution")
    data = chart(at, "attribution.maps")["data"]
    maps = [tr for tr in data if tr.get("hoverinfo") != "skip"]  # not the faint ink copies
    assert len(maps) == len(IMAGE_METHODS)
    for m, tr in zip(IMAGE_METHODS, maps, strict=True):
        z = arr(tr["z"])
        caption = t(f"cnn.attr.legend.{m}", "en")
        assert caption in [c.value for c in at.caption]
        if m in SIGNED_METHODS:
            assert tr["zmin"] == -tr["zmax"] and "signed" in caption
        else:
            assert (z >= 0).all() and tr["zmin"] == 0 and "never blue" in caption
            assert "never blue" not in t(f"cnn.attr.legend.{m}", "zh")  # the zh text says it in zh
            assert "不可能是蓝色" in t(f"cnn.attr.legend.{m}", "zh")


def test_kernel_caption_counts_the_real_kernels():
    from nets import cnn_explain

    at = run_page("en", "cnn.kernels")
    w, _ = cnn_explain.kernels("conv1")
    kinds = cnn_explain.kernel_kinds(w[:, 0])
    mixed = int((kinds == "mixed").sum())
    pos, neg = int((kinds == "positive").sum()), int((kinds == "negative").sum())
    caption = t("cnn.kernels.conv1", "en", n=len(w), mixed=mixed, pos=pos, neg=neg,
                share=f"{cnn_explain.ONE_SIGN:.0%}")  # fmt: skip
    assert caption in [c.value for c in at.caption]
    assert 0 < mixed < len(w)  # both kinds exist in the trained conv1


def test_architecture_caption_gives_the_traced_value_counts():
    a = nets.analyze_image(load_npz("samples/digits.npz")["images"][0])
    counts = [a.input28.size] + [
        a.activations[k].size for k in ("conv1", "pool1", "conv2", "pool2")
    ]
    assert counts == [784, 12_544, 3_136, 6_272, 1_568]
    at = run_page("en")
    text = " ".join(c.value for c in at.caption)
    assert " → ".join(f"{n:,}" for n in counts) in text


def test_translation_view_is_equivariant_and_shows_the_cnns_accuracy_curves():
    from nets.shift import load_shift_accuracy, shifted_predictions

    at = run_page("en", "cnn.translation")
    at.slider(key="cnn.translation.dx").set_value(4).run()
    assert not at.exception
    a = nets.analyze_image(load_npz("samples/digits.npz")["images"][0])
    live = shifted_predictions(a.input28, 0, 4)
    p = f"{float(live.cnn_probs[live.cnn_label]):.1%}"
    assert any(f"**{live.cnn_label}** ({p})" in m.value for m in at.markdown)
    assert any("0.00e+00" in m.value for m in at.markdown)  # conv1 moves exactly
    acc = load_shift_accuracy()
    lines = chart(at, "translation.accuracy")["data"]
    np.testing.assert_allclose(arr(lines[1]["y"]), acc.accuracy["image_cnn"]["y"])
