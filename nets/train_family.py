"""Train the RNN family (``python -m nets.train family``): LSTM, BiGRU and the by-words members.

Same data and split as the text GRU (``nets.data.load_text``), the same character vocabulary for
the by-characters members (rebuilt from the training split exactly as ``nets.train`` builds it),
one word vocabulary for the by-words members (``nets.words``; words seen at least
``WORD_MIN_COUNT`` times in the training split). Seeded; gradient clipping (the source
document's 梯度裁剪) at norm ``CLIP``, with the gradient norms recorded per epoch (its 梯度范数监控);
the weights with the best validation accuracy are kept. Writes ``<out>/models/<name>.pt`` and
``<out>/metrics/<name>.json`` (with a model-card entry) for each member except ``text_gru``,
which ``python -m nets.train text_gru`` trains.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import models as M
from .data import SEED, load_text
from .derive import pca
from .family import MEMBERS, Member, vocab_source
from .text import Vocab
from .train import (
    build_vocab,
    fit,
    length_batches,
    pad_batch,
    set_seed,
    subsample,
    text_ids,
    text_predictions,
    text_report,
)
from .words import corpus_words, encode_words

EPOCHS = 10
CLIP = 1.0
WORD_MIN_COUNT = 3
LR = {"gru": 3e-3, "lstm": 3e-3, "bigru": 3e-3}
CARD_ORDER = {name: 20 + i for i, name in enumerate(MEMBERS)}  # after the core models, baseline
ARCH = {
    "gru": "Embedding(V→64) → GRU(64→64) → additive attention → Linear(64→2)",
    "lstm": "Embedding(V→64) → LSTM(64→64) → additive attention → Linear(64→2)",
    "bigru": "Embedding(V→64) → BiGRU(64→64+64) → additive attention → Linear(128→2)",
}


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def corpus_runs() -> set[str]:
    """Every run of adjacent Chinese characters in the cleaned corpus (what the cutter sees)."""
    import html

    from .text import _TOKEN_RE, clean_text

    runs: set[str] = set()
    for text in load_text().texts:
        run, end = [], -1
        for m in _TOKEN_RE.finditer(clean_text(html.unescape(text)).text):
            if m.lastgroup == "cjk":
                if m.start() != end and run:
                    runs.add("".join(run))
                    run = []
                run.append(m.group())
                end = m.end()
            elif run:
                runs.add("".join(run))
                run = []
        if run:
            runs.add("".join(run))
    return runs


def derive_dictionary(out: Path) -> Path:
    """Write ``<out>/words/zh_dict.txt``: the words of jieba's dictionary (``dict.txt``, which
    rjieba builds in) that occur in any Chinese run of the corpus, with their frequencies, and
    the full dictionary's total on the first line (see ``nets.words``). Needs ``jieba``
    (requirements-dev.txt) for the file itself."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed: pip install -r requirements-dev.txt")
    freq = {}
    for line in (Path(spec.origin).parent / "dict.txt").read_text(encoding="utf-8").splitlines():
        word, f, *_ = line.split(" ")
        freq[word] = int(f)
    longest = max(map(len, freq))
    keep = {}
    for run in corpus_runs():
        for i in range(len(run)):
            for j in range(i + 1, min(len(run), i + longest) + 1):
                if run[i:j] in freq:
                    keep[run[i:j]] = freq[run[i:j]]
    path = out / "words" / "zh_dict.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# total {sum(freq.values())}", *(f"{w} {keep[w]}" for w in sorted(keep))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def word_vocab(dry: bool) -> Vocab:
    """The by-words members' vocabulary, from the training split only."""
    t = load_text()
    idx = subsample(t.split["train"], 600 if dry else None)
    return Vocab.build(
        (corpus_words(t.texts[i]) for i in idx), min_count=1 if dry else WORD_MIN_COUNT
    )


def sequences(m: Member, vocab: Vocab, idx: np.ndarray) -> list[list[int]]:
    """Id lists of the sentences ``idx`` as member ``m`` reads them."""
    if m.tok == "char":
        return text_ids(vocab, idx)
    t = load_text()
    return [encode_words(corpus_words(t.texts[i]), vocab) for i in idx]


def build_model(m: Member, vocab: Vocab, **cfg) -> M.TextRNN:
    return M.TextRNN(
        M.TextRNNConfig(vocab_size=len(vocab), cell=m.cell, bidirectional=m.bidirectional, **cfg)
    )


def train_member(
    name: str, vocab: Vocab, dry: bool, epochs: int = EPOCHS, lr: float | None = None, **cfg
) -> tuple[nn.Module, dict]:
    """Train one family member; returns the model (best validation epoch) and its metrics."""
    m = MEMBERS[name]
    set_seed()
    gen = torch.Generator().manual_seed(SEED)
    t = load_text()
    lim = 600 if dry else None
    tr, va, te = (subsample(t.split[k], lim) for k in ("train", "val", "test"))
    seqs, va_seqs = sequences(m, vocab, tr), sequences(m, vocab, va)
    ytr = torch.from_numpy(t.labels[tr])
    lengths = np.array([len(s) for s in seqs])
    model = build_model(m, vocab, **cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr or LR[m.arch], weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    grad_norms: list[dict] = []

    def run_epoch():
        norms = []
        for chunk in length_batches(lengths, 64, gen):
            ids, _ = pad_batch([seqs[i] for i in chunk])
            loss = F.cross_entropy(model(ids), ytr[chunk])
            opt.zero_grad()
            loss.backward()
            norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), CLIP)))
            opt.step()
        sched.step()
        n = np.array(norms)
        grad_norms.append(
            {"median": round(float(np.median(n)), 4), "max": round(float(n.max()), 4),
             "clipped_share": round(float((n > CLIP).mean()), 4)}
        )  # fmt: skip

    def evaluate():
        pred = text_predictions(model, va_seqs) >= 0.5
        return float((pred == t.labels[va]).mean())

    t0 = time.perf_counter()
    info = fit(model, epochs, run_epoch, evaluate)
    info["train_seconds"] = round(time.perf_counter() - t0, 1)
    info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    rep = text_report(model, vocab, te, sequences(m, vocab, te))
    info["test_accuracy"] = rep["accuracy"]
    info["test_accuracy_by_language"] = rep["by_language"]
    info["accuracy_by_length"] = rep["by_length"]
    info["data"] = {"train": len(tr), "val": len(va), "test": len(te), "vocab": len(vocab)}
    info["train_samples_per_second"] = len(tr) / info["seconds_per_epoch"]
    info["gradient_norms"] = grad_norms
    info["gradient_clip"] = CLIP
    info["tokenisation"] = {"zh": m.tok, "en": "word"}
    return model, info


def vocab_sha256(itos: list[str]) -> str:
    """A fingerprint of a vocabulary (its tokens in order)."""
    import hashlib

    return hashlib.sha256("\n".join(itos).encode("utf-8")).hexdigest()


def checkpoint(name: str, model: nn.Module, vocab: Vocab) -> dict:
    """``models.checkpoint`` with the vocabulary stored once per tokenisation: in the member that
    ``nets.family.vocab_source`` names (``text_gru`` holds the characters' one), the others keep
    its name and fingerprint. (Unpickling a 16k-token list with ``weights_only=True`` holds the
    GIL ≈ 0.5 s on a busy server: stored five times, it delayed the first page's cold start.)"""
    source = vocab_source(name)
    ck = M.checkpoint(name, model, vocab.itos if source == name else None)
    ck["vocab_source"] = source
    ck["vocab_sha256"] = vocab_sha256(vocab.itos)
    return ck


def save(name: str, model: nn.Module, vocab: Vocab, info: dict, out: Path, dry: bool) -> dict:
    """Write the checkpoint and the metrics (with the model-card entry) of one member."""
    m = MEMBERS[name]
    (out / "models").mkdir(parents=True, exist_ok=True)
    (out / "metrics").mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint(name, model, vocab), out / "models" / f"{name}.pt")
    metrics = {
        "name": name,
        "architecture": ARCH[m.arch]
        + (" · 中文按词 / Chinese by words" if m.tok == "word" else ""),
        "params": M.param_count(model),
        "epochs": len(info["history"]),
        "date": dt.date.today().isoformat(),
        "seed": SEED,
        "torch_threads": torch.get_num_threads(),
        "dry_run": dry,
        "card": {"data_key": "card.data.text", "order": CARD_ORDER[name]},
        **info,
    }
    (out / "metrics" / f"{name}.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return metrics


def derive_projection(
    out: Path, name: str, vocab: Vocab, fit_sentences: int = 3000, background: int = 400
) -> None:
    """Fixed PCA axes of member ``name``'s states, like ``nets.derive.text_projection``.

    Fitted on the states of ``fit_sentences`` training sentences; the background cloud is the
    final states of ``background`` held-out sentences (same seeded choice as the GRU's). A
    bidirectional member gets one basis per reader: forward (final state h→_T) and backward
    (``bwd_*`` arrays; final state h←₁, after reading the whole sentence from its end).
    """
    m = MEMBERS[name]
    model = M.from_checkpoint(torch.load(out / "models" / f"{name}.pt", weights_only=True))
    t = load_text()
    rng = np.random.default_rng(SEED)
    H = model.cfg.hidden

    def states(i):
        ids = torch.tensor([sequences(m, vocab, np.array([i]))[0]])
        with torch.inference_mode():
            tr = model.trace_embedded(model.embedding(ids))
        return tr["hidden"][0].numpy(), float(torch.softmax(tr["logits"][0], -1)[1])

    fit_idx = rng.choice(t.split["train"], fit_sentences, replace=False)
    bg_idx = rng.choice(t.split["test"], background, replace=False)
    fit = np.concatenate([states(i)[0] for i in fit_idx])  # (ΣT, H·dirs)
    bg = [states(i) for i in bg_idx]
    arrays = {
        "bg_labels": t.labels[bg_idx],
        "bg_prob": np.array([p for _, p in bg], dtype=np.float32),
        "bg_lang": np.array([t.langs[i] == "zh" for i in bg_idx]),  # True = Chinese
        "bg_index": bg_idx,
    }
    readers = [("", slice(0, H), -1)]  # forward: units 0..H−1, final state at the last step
    if m.bidirectional:
        readers.append(("bwd_", slice(H, 2 * H), 0))  # backward: units H..2H−1, final at step 1
    for prefix, units, final in readers:
        mean, comps, ratio = pca(fit[:, units])
        finals = np.stack([h[final, units] for h, _ in bg])
        arrays |= {
            f"{prefix}mean": mean.astype(np.float32),
            f"{prefix}components": comps.astype(np.float32),
            f"{prefix}explained": ratio.astype(np.float32),
            f"{prefix}bg_points": ((finals - mean) @ comps.T).astype(np.float32),
        }
    (out / "projections").mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "projections" / f"{name}.npz", **arrays)


def run(out: Path, dry: bool, names: tuple[str, ...] | None = None) -> None:
    """Train every family member except ``text_gru`` (or ``names``) into ``out``."""
    names = names or tuple(n for n in MEMBERS if n != "text_gru")
    if not dry:  # the word cutter's dictionary (assets/words/); the dry run reads the shipped one
        print(f"dictionary: {derive_dictionary(out)}", flush=True)
    vocabs = {"char": build_vocab(dry)}
    if any(MEMBERS[n].tok == "word" for n in names):
        vocabs["word"] = word_vocab(dry)
    epochs = 1 if dry else EPOCHS
    for name in names:
        m = MEMBERS[name]
        print(
            f"training {name} ({epochs} epochs{', dry run' if dry else ''}; {_load()})", flush=True
        )
        model, info = train_member(name, vocabs[m.tok], dry, epochs)
        metrics = save(name, model, vocabs[m.tok], info, out, dry)
        derive_projection(out, name, vocabs[m.tok], *((200, 50) if dry else ()))
        by = metrics["test_accuracy_by_language"]
        print(
            f"  {name}: test {metrics['test_accuracy']:.4f} (zh {by['zh']:.4f}, en {by['en']:.4f}),"
            f" {metrics['params']:,} params, {info['train_seconds']:.0f} s ({_load()})",
            flush=True,
        )
