"""Tasks a test's ``DecodePool(task="pooltasks:<name>")`` runs in its workers.

Each takes the uploaded bytes and returns a ``nets.decode.Decoded`` like the real task, so the
pool's limits can be driven on purpose: spin the CPU, allocate too much, sleep past the wall
clock, or decode without the pre-checks (the real decoder, as if a check were missing).
"""

from __future__ import annotations

import io
import sys
import time

import numpy as np
from PIL import Image

from nets.decode import Decoded, _small, decode_untrusted


def spin(raw: bytes) -> Decoded:
    """``b"spin"``: burn CPU until the kernel's RLIMIT_CPU stops the process."""
    while True:
        pass


def hog(raw: bytes) -> Decoded:
    """``b"alloc"``: ask for 2 GiB, beyond the worker's address-space limit."""
    block = bytearray(2 * 2**30)
    return Decoded(np.zeros((1, 1), np.uint8) + len(block) % 2)


def by_command(raw: bytes) -> Decoded:
    """``spin``, ``alloc``, ``sleep``, ``huge`` (a 300×300 reply), ``probe`` (which heavy modules
    the worker imported: pixel 0 = torch, 1 = streamlit), else the real decoder."""
    if raw == b"spin":
        return spin(raw)
    if raw == b"alloc":
        return hog(raw)
    if raw == b"sleep":
        time.sleep(30)
    if raw == b"huge":
        return Decoded(np.zeros((300, 300), np.uint8))
    if raw == b"probe":
        flags = ["torch" in sys.modules, "streamlit" in sys.modules]
        return Decoded(np.array([flags], dtype=np.uint8))
    return decode_untrusted(raw)


def decode_unchecked(raw: bytes) -> Decoded:
    """The real decoder without ``precheck``: what a hostile file would cost if a check missed."""
    img = Image.open(io.BytesIO(raw))
    img.load()
    return _small(img)
