"""Memory the RNN family adds to one process, and how long it takes to load. Prints only.

    python bench/family_mem.py [--repeat 3]

Each run is a fresh Python process: it imports torch and ``nets``, loads the four core models
(what ``ui/warmup.py`` loaded before the family existed) and analyses one sentence with the GRU
and the TextCNN (baseline RSS), then loads every other family member, the word vocabulary and
the word segmenter, and analyses one Chinese sentence with each member (family RSS). RSS is read
from /proc/self/statm; the load average is printed beside each figure. The last run also prints
the median time of ``analyze_text`` per member, for a short sentence and at the 200-token cap
(1 torch thread, as the app runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, time
import torch
torch.set_num_threads(1)

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

import nets
from nets.family import MEMBERS
text = "虽然价格有点贵，但是质量很好 but the delivery was slow"
for name in ("image_cnn", "row_gru", "text_gru", "text_cnn"):
    nets.load_model(name)
nets.analyze_text(text); nets.analyze_text_cnn(text)
base = rss()
t0 = time.perf_counter()
for name in MEMBERS:
    nets.load_model(name)
    nets.load_vocab(nets.family.vocab_source(name))
loaded = time.perf_counter() - t0
models = rss()
for name in MEMBERS:
    nets.analyze_text(text, name)
after = rss()
params = {n: sum(p.numel() for p in nets.load_model(n).parameters()) for n in MEMBERS}
lat = {}
for label, sentence in (("short", text), ("200 tokens", "服务很好但是房间太小了 the room was clean " * 30)):
    for name in MEMBERS:
        ts = []
        for _ in range(7):
            t0 = time.perf_counter(); nets.analyze_text(sentence, name); ts.append(time.perf_counter() - t0)
        lat[f"{name} ({label})"] = sorted(ts)[3] * 1000
print(json.dumps(dict(base=base, models=models, after=after, load_s=loaded, params=params, lat=lat)))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for i in range(args.repeat):
        out = subprocess.run(
            [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        la = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"run {i + 1}: baseline {r['base']:.0f} MB (torch + 4 core models + 2 analyses); "
            f"+{r['models'] - r['base']:.1f} MB after loading the 5 new members and the word "
            f"vocabulary ({r['load_s']:.2f} s), +{r['after'] - r['base']:.1f} MB after one "
            f"analysis per member (incl. the word segmenter); load average {la}"
        )
    la = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"analyze_text median of 7 (last run, 1 torch thread), load average {la}:")
    for k, v in r["lat"].items():
        print(f"  {k:32s} {v:7.1f} ms")
    total = sum(v for k, v in r["params"].items() if k != "text_gru")
    print(f"parameters of the 5 new members: {total:,} ({total * 4 / 2**20:.1f} MB as float32)")


if __name__ == "__main__":
    main()
