"""One trace per (model, input): every layer's output as numpy arrays, computed once.

Views on the pages only slice these dataclasses. Nothing here imports Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import decode_pool, lstm
from .decode import Decoded, decode_array, decode_pil, err_bad_type
from .family import DEFAULT as DEFAULT_MEMBER
from .family import MEMBERS, vocab_source
from .gru import unroll
from .preprocess import Preprocessed, preprocess
from .registry import checkpoint_extras, load_model, load_vocab
from .text import EncodedText, encode_user_text
from .words import encode_user_words

LABELS = ("negative", "positive")

# ----------------------------------------------------------------------------- image


@dataclass
class ImageAnalysis:
    """The image CNN's full trace for one input.

    Attributes:
        pre: the preprocessing steps (original → gray → ink → 28×28).
        input28: (28, 28) what the network reads, white ink on black, in [0, 1].
        activations: layer name → array without the batch axis, in order conv1 (16, 28, 28),
            relu1, pool1 (16, 14, 14), conv2 (32, 14, 14), relu2, pool2 (32, 7, 7),
            fc1 (128,), logits (10,).
        probs: (10,) softmax of the logits.
        label: the predicted digit.
        fullres: relu1 (16, H, W) and relu2 (32, H/2, W/2) on the full-resolution ink image.
        fullres_input: (H, W) that image, long side ≤ 256 px.
        ood_score: distance of fc1 to the nearest training class mean, divided by the
            99th percentile seen on held-out digits (> 1: unlike the training digits).
        empty: no ink found (blank canvas, all-black or all-white image).
    """

    pre: Preprocessed
    input28: np.ndarray
    activations: dict[str, np.ndarray]
    probs: np.ndarray
    label: int
    fullres: dict[str, np.ndarray]
    fullres_input: np.ndarray
    ood_score: float
    empty: bool

    @property
    def confidence(self) -> float:
        return float(self.probs[self.label])

    @property
    def unlike_training(self) -> bool:
        """True when the prediction should not be presented as a confident digit."""
        return self.empty or self.ood_score > 1.0 or self.confidence < 0.6


def image_tensor(input28: np.ndarray) -> torch.Tensor:
    """(28, 28) array → (1, 1, 28, 28) float tensor."""
    return torch.from_numpy(np.ascontiguousarray(input28, dtype=np.float32))[None, None]


def ood_score(fc1: np.ndarray) -> float:
    """Nearest-class-mean distance of fc1 features, in units of the held-out 99th percentile."""
    ex = checkpoint_extras("image_cnn")
    if "fc1_means" not in ex:
        return 0.0
    d = np.linalg.norm(ex["fc1_means"].numpy() - fc1[None, :], axis=1).min()
    return float(d / float(ex["fc1_threshold"]))


def trace_image28(input28: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output of the image CNN for a 28×28 input (no batch axis)."""
    model = load_model("image_cnn")
    with torch.inference_mode():
        out = model.trace(image_tensor(input28))
    return {k: v[0].numpy() for k, v in out.items()}


def decode_input(data) -> Decoded:
    """Decode what a page passes: file bytes in the worker pool (always: they are untrusted),
    a numpy array (a drawing, a gallery digit) or a PIL image in this process."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return decode_pool.decode(data)
    if isinstance(data, np.ndarray):
        return decode_array(data)
    if isinstance(data, Image.Image):
        return decode_pil(data)
    raise err_bad_type(data)


def analyze_image(data) -> ImageAnalysis:
    """Decode, preprocess and trace one image through the image CNN.

    Args:
        data: file bytes (decoded in a worker process with time and memory limits: see
            ``nets.decode_pool``), a numpy array or a PIL image (decoded here: app-side data).

    Returns:
        The full trace (see :class:`ImageAnalysis`).

    Raises:
        InputError: the input is not an image the app can read safely, or the decoders are
            busy (``code == "busy"``: try again).
    """
    decoded = decode_input(data)
    pre = preprocess(decoded.gray, decoded.rgb)
    acts = trace_image28(pre.input28)
    probs = np.exp(acts["logits"] - acts["logits"].max())
    probs = (probs / probs.sum()).astype(np.float32)
    model = load_model("image_cnn")
    ink = pre.ink.astype(np.float32)
    if min(ink.shape) < 4:  # two 2×2 pools need at least 4 px a side (1×1, 8000×3 strips)
        ink = np.pad(ink, [(0, max(0, 4 - n)) for n in ink.shape])
    with torch.inference_mode():
        feats = model.features(torch.from_numpy(np.ascontiguousarray(ink))[None, None])
    fullres = {"relu1": feats["relu1"][0].numpy(), "relu2": feats["relu2"][0].numpy()}
    return ImageAnalysis(
        pre=pre,
        input28=pre.input28.astype(np.float32),
        activations=acts,
        probs=probs,
        label=int(probs.argmax()),
        fullres=fullres,
        fullres_input=ink,
        ood_score=ood_score(acts["fc1"]),
        empty=bool(pre.empty),
    )


# ----------------------------------------------------------------------------- row GRU


@dataclass
class RowAnalysis:
    """The row GRU reading a 28×28 digit one row per step.

    Attributes:
        hidden: (28, 64) h_t after each row; update_gate / reset_gate: (28, 64).
        step_probs: (28, 10) the prediction after reading t rows.
        probs: (10,) the final prediction; label: its argmax.
    """

    hidden: np.ndarray
    update_gate: np.ndarray
    reset_gate: np.ndarray
    step_probs: np.ndarray
    probs: np.ndarray
    label: int


def analyze_rows(input28: np.ndarray) -> RowAnalysis:
    """Trace the row GRU on a preprocessed 28×28 digit (e.g. ``ImageAnalysis.input28``)."""
    model = load_model("row_gru")
    x = image_tensor(input28)
    with torch.inference_mode():
        out = model.trace(x)
        steps = unroll(model.gru, x[0, 0])
    step_probs = torch.softmax(out["step_logits"][0], -1).numpy()
    return RowAnalysis(
        hidden=out["hidden"][0].numpy(),
        update_gate=steps.update_gate,
        reset_gate=steps.reset_gate,
        step_probs=step_probs,
        probs=step_probs[-1],
        label=int(step_probs[-1].argmax()),
    )


# ----------------------------------------------------------------------------- text GRU


@dataclass
class TextAnalysis:
    """One RNN family member's full trace for one sentence (the attention GRU by default).

    Attributes:
        tokens: what the model reads (``<unk>`` where unknown); raw_tokens: as written.
        token_ids: vocabulary ids.
        hidden: (T, H·dirs) the state after each token (the recurrent module's own output;
            bidirectional: [h→_t ; h←_t], forward units first).
        update_gate, reset_gate, candidate: (T, H·dirs) GRU gates z, r and candidate n from a
            manual unroll with the same weights (None for the LSTM).
        attention: (T,) attention weights, summing to 1.
        attention_scores: (T,) the scores before the softmax.
        prefix_prob_positive: (T,) P(positive) reading only the first t tokens. One direction:
            the prediction so far (the states h_1..h_t are the ones the whole sentence uses).
            Bidirectional (``prefix_kind == "reread"``): the model run again on tokens 1..t
            alone, both directions; not a reading "so far", because the backward reader of
            the prefix starts at token t, not at the sentence's end.
        prob_positive: P(positive) for the whole sentence; label: "negative" / "positive".
        truncated: the text was cut to the length cap.
        model: the family member's checkpoint name (``nets.family.MEMBERS``).
        directions: 1, or 2 for a bidirectional member.
        gates: every gate by its letter, (T, H·dirs): GRU "z", "r", "n"; LSTM "i", "f", "o", "g".
        cell: (T, H) the LSTM's cell state c_t (None for a GRU).
        suffix_prob_positive: (T,) bidirectional only: the model run on tokens t..T alone.
    """

    tokens: list[str]
    raw_tokens: list[str]
    token_ids: list[int]
    hidden: np.ndarray
    update_gate: np.ndarray
    reset_gate: np.ndarray
    candidate: np.ndarray
    attention: np.ndarray
    attention_scores: np.ndarray
    prefix_prob_positive: np.ndarray
    prob_positive: float
    label: str
    truncated: bool
    logits: np.ndarray = field(repr=False, default=None)
    model: str = DEFAULT_MEMBER
    directions: int = 1
    gates: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    cell: np.ndarray | None = field(default=None, repr=False)
    suffix_prob_positive: np.ndarray | None = field(default=None, repr=False)

    @property
    def prefix_kind(self) -> str:
        """``"so_far"`` (one direction) or ``"reread"`` (bidirectional: each prefix re-read)."""
        return "reread" if self.directions == 2 else "so_far"

    @property
    def units(self) -> int:
        """H, the units of one reader."""
        return self.hidden.shape[1] // self.directions

    def direction_states(self, direction: str = "forward", what: str = "hidden") -> np.ndarray:
        """(T, H) one reader's half of ``hidden`` (or of a gate, ``what`` = its letter, or the
        ``"cell"``) : forward = units 0..H−1, backward = H..2H−1."""
        arr = {"hidden": self.hidden, "cell": self.cell}.get(what)
        arr = self.gates[what] if arr is None and what in self.gates else arr
        H = self.units
        return arr[:, H:] if direction == "backward" else arr[:, :H]


def encode(text: str, model: str = DEFAULT_MEMBER) -> EncodedText:
    """Validate and tokenise a sentence the way ``model`` reads it (raises InputError).

    Chinese by characters (the TextCNN, ``text_gru`` and the ``*`` family members) or by words
    (the ``*_word`` members, ``nets.words``); English word by word either way.
    """
    vocab = load_vocab(vocab_source(model))
    if model in MEMBERS and MEMBERS[model].tok == "word":
        return encode_user_words(text, vocab)
    return encode_user_text(text, vocab)


def prefix_probs(model, hidden: torch.Tensor) -> torch.Tensor:
    """P(positive) of the attention GRU after each prefix. hidden: (T, H) → (T,).

    The GRU is causal, so h_1..h_t are the same for the prefix; only the attention
    softmax is taken over the first t states.
    """
    T = hidden.shape[0]
    scores = model.attention_scores(hidden[None])[0]  # (T,)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))  # row t sees tokens ≤ t
    w = torch.softmax(scores[None, :].masked_fill(~causal, float("-inf")), -1)  # (T, T)
    return torch.softmax(model.fc(w @ hidden), -1)[:, 1]  # (T,)


def _one_direction(rnn: torch.nn.Module, reverse: bool) -> torch.nn.Module:
    """A one-direction module sharing one reader's weights of a bidirectional ``rnn`` (built per
    call: a few small tensors, never a change to the shared model)."""
    one = type(rnn)(rnn.input_size, rnn.hidden_size, batch_first=True)
    sfx = "_reverse" if reverse else ""
    one.load_state_dict(
        {k: getattr(rnn, f"{k}{sfx}") for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                                 "bias_hh_l0")},
        assign=True,
    )  # fmt: skip
    return one.eval()


def reread_probs(model, emb: torch.Tensor, hidden: torch.Tensor, suffix: bool = False):
    """P(positive) of a bidirectional model run anew on each prefix 1..t (or suffix t..T) alone.

    Reading a prefix alone leaves its forward states h→_1..h→_t as in the whole sentence; only
    the backward reader changes (it starts at token t). So the backward reader is run once over
    a batch of the T reversed prefixes (row t: tokens t, t−1, …, 1, then padding, which comes
    after every real step and so changes none), and attention and the classifier read
    [h→_s ; h←^(t)_s] for s ≤ t. A suffix is the mirror image. Equals running the model on each
    piece (tested); ≈ one extra one-direction pass over T × T tokens instead of 2T packed ones.

    Args:
        model: the bidirectional member; emb: (T, E) the sentence's embeddings; hidden:
            (T, 2H) its states in the whole sentence.

    Returns:
        (T,) P(positive) per prefix (row t = tokens 1..t+1) or suffix (row t = tokens t+1..T).
    """
    T, H = emb.shape[0], model.cfg.hidden
    pos = torch.arange(T)
    if suffix:  # row t reads tokens t, t+1, …, T−1 forward
        src = pos[:, None] + pos[None, :]  # (T, T): row t, step k → token t + k
        valid = src < T
        run = _one_direction(model.gru, reverse=False)
    else:  # row t reads tokens t, t−1, …, 0 backward
        src = pos[:, None] - pos[None, :]
        valid = src >= 0
        run = _one_direction(model.gru, reverse=True)
    x = emb[src.clamp(0, T - 1)] * valid[..., None]  # (T, T, E), padding after each piece
    out = run(x)[0]  # (T, T, H): row t, step k
    # State of piece t at sentence position s: step |s − t| of row t.
    step = (pos[None, :] - pos[:, None]).abs().clamp(max=T - 1)  # (T, T)
    mask = (pos[None, :] >= pos[:, None]) if suffix else (pos[None, :] <= pos[:, None])
    moving = out.gather(1, step[..., None].expand(T, T, H))  # (T, T, H)
    kept = (hidden[:, H:] if suffix else hidden[:, :H])[None].expand(T, T, H)
    states = torch.cat([moving, kept] if suffix else [kept, moving], dim=-1)  # [h→ ; h←]
    context, _ = model.pool(states, mask)  # masked attention over each piece
    return torch.softmax(model.fc(context), -1)[:, 1]


def _gates(cell: str, rnn, x: torch.Tensor, directions: int) -> tuple[dict, np.ndarray | None]:
    """Manual unrolls of every direction: gates by letter (T, H·dirs) and the LSTM cell (T, H·dirs)."""
    runs = [False, True][:directions]
    if cell == "lstm":
        steps = [lstm.unroll(rnn, x, reverse=r) for r in runs]
        names = {"i": "input_gate", "f": "forget_gate", "o": "output_gate", "g": "candidate"}
        cell_state = np.concatenate([s.cell for s in steps], axis=1)
    else:
        steps = [unroll(rnn, x, reverse=r) for r in runs]
        names = {"z": "update_gate", "r": "reset_gate", "n": "candidate"}
        cell_state = None
    gates = {k: np.concatenate([getattr(s, a) for s in steps], axis=1) for k, a in names.items()}
    return gates, cell_state


def analyze_text(text: str, model: str = DEFAULT_MEMBER) -> TextAnalysis:
    """Tokenise one sentence and trace it through an RNN family member (the attention GRU).

    Args:
        text: Chinese, English or mixed; cleaned and capped at 200 tokens.
        model: a member of ``nets.family.MEMBERS`` (``text_gru``, ``text_lstm``, ``text_bigru``,
            and their ``*_word`` versions that read Chinese by words).

    Returns:
        The full trace (see :class:`TextAnalysis`).

    Raises:
        InputError: empty text, or nothing the model can read.
        ValueError: ``model`` is not a family member.
    """
    if model not in MEMBERS:
        raise ValueError(f"{model!r} is not an RNN family member")
    m = MEMBERS[model]
    enc = encode(text, model)
    net = load_model(model)
    dirs = 2 if m.bidirectional else 1
    ids = torch.tensor([enc.token_ids])
    suffix = None
    with torch.inference_mode():
        emb = net.embedding(ids)  # (1, T, E)
        out = net.trace_embedded(emb)
        gates, cell = _gates(m.cell, net.gru, emb[0], dirs)
        hidden = out["hidden"][0]  # (T, H·dirs)
        if dirs == 1:
            prefix = prefix_probs(net, hidden).numpy()
        else:
            prefix = reread_probs(net, emb[0], hidden).numpy()
            suffix = reread_probs(net, emb[0], hidden, suffix=True).numpy()
        scores = net.attention_scores(out["hidden"])[0].numpy()
    probs = torch.softmax(out["logits"][0], -1).numpy()
    return TextAnalysis(
        tokens=enc.tokens,
        raw_tokens=enc.raw_tokens,
        token_ids=enc.token_ids,
        hidden=hidden.numpy(),
        update_gate=gates.get("z"),
        reset_gate=gates.get("r"),
        candidate=gates.get("n", gates.get("g")),
        attention=out["attention"][0].numpy(),
        attention_scores=scores,
        prefix_prob_positive=prefix,
        prob_positive=float(probs[1]),
        label=LABELS[int(probs.argmax())],
        truncated=enc.truncated,
        logits=out["logits"][0].numpy(),
        model=model,
        directions=dirs,
        gates=gates,
        cell=cell,
        suffix_prob_positive=suffix,
    )


# ----------------------------------------------------------------------------- TextCNN


@dataclass
class NgramHit:
    """One filter's max-pool winner: where it fired and how much it pushes each class."""

    kernel: int
    filter: int
    start: int  # first token of the winning window
    value: float  # the pooled activation
    contribution: np.ndarray  # (2,) value × fc weight toward negative / positive

    @property
    def net(self) -> float:
        """The push toward positive minus the push toward negative."""
        return float(self.contribution[1] - self.contribution[0])


@dataclass
class TextCNNAnalysis:
    """TextCNN's trace for one sentence.

    Attributes:
        tokens, token_ids, truncated: as for the GRU (same tokenisation).
        maps: kernel size → (F, T') feature maps along the sentence (T' = max(T, 5) − k + 1).
        hits: every filter's max-pool winner.
        prob_positive, label: the prediction; bias: (2,) the final layer's bias.
    """

    tokens: list[str]
    token_ids: list[int]
    truncated: bool
    maps: dict[int, np.ndarray]
    hits: list[NgramHit]
    prob_positive: float
    label: str
    bias: np.ndarray
    logits: np.ndarray

    @property
    def kernel_sizes(self) -> list[int]:
        return sorted(self.maps)

    def top_hits(self, k: int, n: int = 3) -> list[NgramHit]:
        """The ``n`` filters of kernel size ``k`` whose winning n-gram pushes hardest (either way)."""
        hits = [h for h in self.hits if h.kernel == k]
        return sorted(hits, key=lambda h: -abs(h.net))[:n]

    def strongest_filter(self, k: int) -> int:
        """The filter of kernel size ``k`` with the largest |net push|."""
        return self.top_hits(k, 1)[0].filter

    def hit(self, k: int, f: int) -> NgramHit:
        """Filter ``f`` of kernel size ``k``'s max-pool winner."""
        return next(h for h in self.hits if h.kernel == k and h.filter == f)

    def ngram_grid(self) -> np.ndarray:
        """(K, T): per kernel size and token, the summed net push (positive − negative) of every
        filter's winning window that covers the token."""
        T = len(self.tokens)
        out = np.zeros((len(self.maps), T))
        for row, k in enumerate(self.kernel_sizes):
            for h in self.hits:
                if h.kernel == k:
                    out[row, h.start : min(h.start + k, T)] += h.net
        return out


def analyze_text_cnn(text: str) -> TextCNNAnalysis:
    """Trace one sentence through the TextCNN (same validation as :func:`analyze_text`)."""
    enc = encode(text)
    model = load_model("text_cnn")
    T = len(enc.token_ids)
    ids = torch.tensor([enc.token_ids])
    if model.min_len > T:
        ids = F.pad(ids, (0, model.min_len - T), value=model.cfg.pad_id)
    with torch.inference_mode():
        out = model.trace_embedded(model.embedding(ids), torch.tensor([T]))
    W = model.fc.weight.detach().numpy()  # (2, F*K)
    pooled = out["pooled"][0].numpy()
    hits, maps = [], {}
    nf = model.cfg.num_filters
    for ki, k in enumerate(model.cfg.kernel_sizes):
        maps[k] = out["maps"][ki][0].numpy()
        for f in range(nf):
            j = ki * nf + f
            hits.append(
                NgramHit(k, f, int(out["argmax"][ki][0, f]), float(pooled[j]), pooled[j] * W[:, j])
            )
    probs = torch.softmax(out["logits"][0], -1).numpy()
    return TextCNNAnalysis(
        tokens=enc.tokens,
        token_ids=enc.token_ids,
        truncated=enc.truncated,
        maps=maps,
        hits=hits,
        prob_positive=float(probs[1]),
        label=LABELS[int(probs.argmax())],
        bias=model.fc.bias.detach().numpy(),
        logits=out["logits"][0].numpy(),
    )
