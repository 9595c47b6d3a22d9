"""Any Unicode text into both text models gives a full, finite trace or an ``InputError``.

Hypothesis feeds arbitrary strings (≥ 1,000 examples per model); explicit cases cover the
awkward inputs students actually paste: nothing, whitespace, huge texts, NFKC growth, control,
zero-width and bidi characters, emoji only, markup.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import nets
from nets import InputError
from nets.text import MAX_TOKENS

ANALYZERS = {"gru": nets.analyze_text, "cnn": nets.analyze_text_cnn}

# Mixed alphabets: any code point (surrogates included), plus a bias toward text the model
# can read, so both outcomes (a trace, a rejection) are exercised often.
ANY_CHAR = st.characters(codec=None)
READABLE = st.sampled_from(
    ["good", "bad", "movie", "很", "好", "差", "不", " ", "!", "😀", "\u200d", "\u202e", "\u0000"]
)
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=120),
    st.lists(st.one_of(READABLE, st.text(ANY_CHAR, max_size=3)), max_size=40).map("".join),
)


def check_gru(a: nets.TextAnalysis) -> None:
    """Shapes agree, probabilities are probabilities, every number is finite."""
    T = len(a.token_ids)
    assert 1 <= T <= MAX_TOKENS
    assert len(a.tokens) == len(a.raw_tokens) == T
    for arr in (a.hidden, a.update_gate, a.reset_gate, a.candidate):
        assert arr.shape[0] == T and np.isfinite(arr).all()
    assert a.attention.shape == (T,) and np.isfinite(a.attention).all()
    assert np.isclose(a.attention.sum(), 1.0, atol=1e-4)
    assert a.prefix_prob_positive.shape == (T,)
    assert 0.0 <= a.prob_positive <= 1.0
    assert a.label in ("negative", "positive")


def check_cnn(a: nets.TextCNNAnalysis) -> None:
    T = len(a.token_ids)
    assert 1 <= T <= MAX_TOKENS and len(a.tokens) == T
    for fmap in a.maps.values():
        assert np.isfinite(fmap).all()
    assert all(0 <= h.start < max(T, 5) for h in a.hits)
    assert 0.0 <= a.prob_positive <= 1.0
    assert a.label in ("negative", "positive")


CHECKS = {"gru": check_gru, "cnn": check_cnn}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """These models are tiny: one intra-op thread is several times faster on a busy 2-core box."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def run(kind: str, text) -> str:
    """Analyse ``text``; return "ok" or the rejection code. Any other exception fails the test."""
    try:
        result = ANALYZERS[kind](text)
    except InputError as exc:
        assert exc.zh.strip() and exc.en.strip() and exc.code
        assert exc.message("zh") == exc.zh and exc.message("en") == exc.en
        return exc.code
    CHECKS[kind](result)
    return "ok"


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=TEXT)
def test_arbitrary_unicode(text):
    """Each example goes through both models; both must agree on accepting or rejecting it."""
    outcomes = {kind: run(kind, text) for kind in sorted(ANALYZERS)}
    assert outcomes["gru"] == outcomes["cnn"]  # one validation shared by both models
    event(outcomes["gru"])


HUGE = "good movie " * 10_000  # 110k characters


EXPLICIT = {
    "empty": "",
    "spaces": "   ",
    "whitespace_mix": " \t\n\r\u3000\u00a0\u2003",
    "huge_100k": HUGE[:100_000],
    "huge_one_word": "a" * 100_000,
    "nfkc_growth": "ﷺ" * 5000,  # each grows 18× under NFKC
    "nfkc_growth_mixed": "good " + "ﷺ" * 5000,
    "control": "".join(chr(c) for c in range(32)) + "good" + "\x7f\x85",
    "control_only": "".join(chr(c) for c in range(32)),
    "zero_width_only": "\u200b\u200c\u200d\u2060\ufeff" * 50,
    "zero_width_inside": "go\u200bod mo\u200cvie",
    "bidi_override": "\u202egood movie\u202c \u2066很好\u2069",
    "bidi_only": "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    "emoji_only": "😀😡👍🏽👨‍👩‍👧",
    "emoji_zwj_chain": "👨\u200d" * 500,
    "script_tag": "<script>alert(1)</script>",
    "img_onerror": "<img src=x onerror=alert(1)>",
    "markdown": "**good** [movie](javascript:alert(1)) `x` $x$ # h",
    "lone_surrogates": "\ud800good\udfff",
    "private_use": "\ue000\uf8ff good",
    "unassigned": "\U000e0001\U0010ffff",
    "combining_marks": "g\u0301\u0301\u0301ood" + "\u0300" * 1000,
    "many_tokens": "好" * 3000,
    "long_word": "supercalifragilistic" * 50 + " good",
    "chinese": "这家酒店很好，服务周到。",
    "mixed": "The room was 很干净 and the staff were great!",
    "url_user_num": "@bob https://example.com/x?y=1 123,456.7 good",
    "nul_bytes": "\x00" * 1000,
    "rtl_text": "مرحبا بالعالم שלום",
}


@pytest.mark.parametrize("kind", sorted(ANALYZERS))
@pytest.mark.parametrize("name", sorted(EXPLICIT))
def test_explicit_case(kind, name):
    run(kind, EXPLICIT[name])


@pytest.mark.parametrize("kind", sorted(ANALYZERS))
@pytest.mark.parametrize(
    "name", ["empty", "spaces", "whitespace_mix", "zero_width_only", "bidi_only", "control_only"]
)
def test_blank_rejected(kind, name):
    with pytest.raises(InputError) as info:
        ANALYZERS[kind](EXPLICIT[name])
    # A zero-width joiner between two invisible characters survives cleaning as a symbol the
    # model does not know: "unknown_text" rather than "empty_text"; both are clean rejections.
    assert info.value.code in ("empty_text", "unknown_text")


@pytest.mark.parametrize("kind", sorted(ANALYZERS))
@pytest.mark.parametrize("name", ["huge_100k", "nfkc_growth_mixed", "many_tokens"])
def test_long_texts_truncated_not_rejected(kind, name):
    a = ANALYZERS[kind](EXPLICIT[name])
    assert a.truncated and len(a.token_ids) == MAX_TOKENS


@pytest.mark.parametrize("kind", sorted(ANALYZERS))
def test_invisible_characters_do_not_change_the_result(kind):
    """Zero-width and bidi characters are dropped, and a control character is a space, before
    the model reads the text."""
    plain = ANALYZERS[kind]("good movie")
    noisy = ANALYZERS[kind]("\u202eg\u200bood\x00 \u2066movie\u2069\ufeff")
    assert noisy.tokens == plain.tokens
    assert np.isclose(noisy.prob_positive, plain.prob_positive, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(ANALYZERS))
@pytest.mark.parametrize("value", [None, 42, b"good movie", ["good"]])
def test_non_strings_rejected(kind, value):
    with pytest.raises(InputError):
        ANALYZERS[kind](value)
