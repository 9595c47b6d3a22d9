"""Memory one session keeps per fresh sentence on the RNN page (AppTest, no server).

    python bench/mem_session.py [--page pages/rnn.py] [--blocks 4] [--size 60]

Runs the page under AppTest, types ``--size`` fresh sentences (``bench/load.py``'s generator)
per block, clears ``st.cache_data`` and collects garbage after each block, and prints the
traced Python memory the session kept per sentence in each block (tracemalloc). A flat
non-zero figure is a per-interaction leak; one that falls to zero is a cache or a one-off.
Prints, never asserts.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, fresh_sentence  # noqa: E402

sys.path.insert(0, str(ROOT))
logging.disable(logging.WARNING)  # AppTest's "missing ScriptRunContext" chatter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", default="pages/rnn.py", help="relative to the repo root")
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--size", type=int, default=60, help="sentences per block")
    args = ap.parse_args()
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    rng = random.Random(0)
    at = AppTest.from_file(str(ROOT / args.page), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()

    def block(n: int) -> int:
        for _ in range(n):
            at.text_area(key="rnn.text").input(fresh_sentence(rng)).run()
            if at.exception:
                raise SystemExit(at.exception[0].value)
        st.cache_data.clear()
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    block(3)  # imports, models, first figures
    tracemalloc.start()
    sizes = [block(args.size // 2)]
    for _ in range(args.blocks):
        sizes.append(block(args.size))
    per = [(b - a) / args.size / 1024 for a, b in zip(sizes, sizes[1:], strict=False)]
    print(
        f"{args.page}: KiB kept per sentence in {args.blocks} blocks of {args.size}: "
        + " ".join(f"{x:.2f}" for x in per)
        + f" (load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
