"""Derived assets computed from the trained models and the training data, committed in assets/.

- the image CNN's out-of-distribution statistics (stored in its checkpoint as ``extras``);
- fixed 3-D projections (PCA) of the GRUs' hidden states, fitted on the training corpus, and
  a background cloud of held-out final states, so trajectories have stable axes;
- the sample gallery of held-out digits, including ones the CNN gets wrong;
- held-out accuracy of both digit models under shifts of −6…+6 px (``nets/train_shift.py``).

Run by ``python -m nets.train derive`` (and at the end of ``all``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import models as M
from .data import SEED, load_digits, load_text


def _load(out: Path, name: str) -> tuple[dict, torch.nn.Module]:
    ck = torch.load(out / "models" / f"{name}.pt", weights_only=True)
    return ck, M.from_checkpoint(ck)


def pca(x: np.ndarray, k: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean (D,), components (k, D) and explained-variance ratios (k,) of rows of x."""
    mean = x.mean(0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    var = s**2
    return mean, vt[:k], var[:k] / var.sum()


def image_ood(out: Path) -> None:
    """fc1 class means on the training digits; threshold = 99th pct of held-out distances."""
    ck, model = _load(out, "image_cnn")
    d = load_digits()

    def fc1(idx):
        with torch.inference_mode():
            return model.trace(torch.from_numpy(d.x[idx])[:, None])["fc1"].numpy()

    tr, va = d.split["train"], d.split["val"]
    f_tr = fc1(tr)
    means = np.stack([f_tr[d.y[tr] == c].mean(0) for c in range(10)])
    dist = np.linalg.norm(fc1(va)[:, None, :] - means[None], axis=2).min(1)
    ck["extras"] = {
        "fc1_means": torch.from_numpy(means.astype(np.float32)),
        "fc1_threshold": float(np.percentile(dist, 99)),
    }
    torch.save(ck, out / "models" / "image_cnn.pt")


def digit_samples(out: Path, per_class: int = 2, wrong: int = 8) -> None:
    """Held-out digits: ``per_class`` correct ones per class and up to ``wrong`` mistakes."""
    _, model = _load(out, "image_cnn")
    d = load_digits()
    te = d.split["test"]
    with torch.inference_mode():
        pred = model(torch.from_numpy(d.x[te])[:, None]).argmax(-1).numpy()
    rng = np.random.default_rng(SEED)
    chosen = []
    for c in range(10):
        ok = te[(d.y[te] == c) & (pred == d.y[te])]
        chosen.extend(rng.choice(ok, min(per_class, len(ok)), replace=False))
    bad = te[pred != d.y[te]][:wrong]
    chosen.extend(bad)
    chosen = np.array(chosen)
    pos = {int(i): j for j, i in enumerate(te)}
    preds = np.array([pred[pos[int(i)]] for i in chosen])
    (out / "samples").mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "samples" / "digits.npz",
        images=(d.x[chosen] * 255).round().astype(np.uint8),
        labels=d.y[chosen],
        preds=preds,
        wrong=preds != d.y[chosen],
        index=chosen,
    )


def text_projection(out: Path, fit_sentences: int = 3000, background: int = 400) -> None:
    """PCA of the text GRU's hidden states over training sentences + held-out final states."""
    ck, model = _load(out, "text_gru")
    vocab = {t: i for i, t in enumerate(ck["vocab"])}
    t = load_text()
    rng = np.random.default_rng(SEED)

    def states(i):
        ids = torch.tensor([[vocab.get(tok, 1) for tok in t.tokens[i]]])
        with torch.inference_mode():
            tr = model.trace_embedded(model.embedding(ids))
        return tr["hidden"][0].numpy(), float(torch.softmax(tr["logits"][0], -1)[1])

    fit_idx = rng.choice(t.split["train"], fit_sentences, replace=False)
    mean, comps, ratio = pca(np.concatenate([states(i)[0] for i in fit_idx]))
    bg_idx = rng.choice(t.split["test"], background, replace=False)
    finals, probs = zip(*((states(i)[0][-1], states(i)[1]) for i in bg_idx), strict=True)
    (out / "projections").mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "projections" / "text_gru.npz",
        mean=mean.astype(np.float32),
        components=comps.astype(np.float32),
        explained=ratio.astype(np.float32),
        bg_points=((np.stack(finals) - mean) @ comps.T).astype(np.float32),
        bg_labels=t.labels[bg_idx],
        bg_prob=np.array(probs, dtype=np.float32),
        bg_lang=np.array([t.langs[i] == "zh" for i in bg_idx]),  # True = Chinese
        bg_index=bg_idx,
    )


def row_projection(out: Path, fit_digits: int = 1000, background: int = 300) -> None:
    """PCA of the row GRU's hidden states over training digits + held-out final states."""
    _, model = _load(out, "row_gru")
    d = load_digits()
    rng = np.random.default_rng(SEED)
    fit_idx = rng.choice(d.split["train"], fit_digits, replace=False)
    bg_idx = rng.choice(d.split["test"], background, replace=False)
    with torch.inference_mode():
        h_fit = model.trace(torch.from_numpy(d.x[fit_idx]))["hidden"].reshape(-1, 64).numpy()
        h_bg = model.trace(torch.from_numpy(d.x[bg_idx]))["hidden"][:, -1].numpy()
    mean, comps, ratio = pca(h_fit)
    (out / "projections").mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "projections" / "row_gru.npz",
        mean=mean.astype(np.float32),
        components=comps.astype(np.float32),
        explained=ratio.astype(np.float32),
        bg_points=((h_bg - mean) @ comps.T).astype(np.float32),
        bg_labels=d.y[bg_idx],
        bg_index=bg_idx,
    )


def derive_all(out: Path, dry: bool = False) -> None:
    """Every derived asset; ``dry`` uses small samples (for the training dry run)."""
    print("deriving image OOD statistics and the sample gallery", flush=True)
    image_ood(out)
    digit_samples(out)
    print("deriving hidden-state projections", flush=True)
    text_projection(out, *((200, 50) if dry else ()))
    row_projection(out, *((100, 50) if dry else ()))
    from .train_shift import run as shift_accuracy

    shift_accuracy(out, dry)
