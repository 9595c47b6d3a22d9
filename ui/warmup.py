"""Warm the server once per process: start the image-decoding workers, import torch and load the
models in the background.

The home page needs neither torch nor a model (``nets`` resolves names lazily), so the first
page is drawn without waiting seconds for them; this thread then loads them while the learner
reads, and the first visit to a model page finds them ready. Started at the end of ``app.py``
(after the first script run has produced its page), once per process, never blocking.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)
_started = threading.Event()
done = threading.Event()  # set when the warm-up has finished (tests and benchmarks wait on it)
MODELS = ("image_cnn", "row_gru", "text_gru", "text_cnn")
# The RNN page's other family members (nets/family.py) with the word vocabulary and the word
# cutter's dictionary: ≈ 40 MB in all after one analysis each (bench/family_mem.py).
FAMILY = ("text_lstm", "text_bigru", "text_gru_word", "text_lstm_word", "text_bigru_word")


def _run() -> None:
    try:
        from nets import decode_pool

        decode_pool.pool()  # image-decoding workers start now, in their own processes
    except Exception:  # the first upload starts them instead
        log.exception("decode pool did not start")
    try:
        import nets
        import viz.cnn  # noqa: F401  (plotly's figure classes, the builders' strings)
        import viz.rnn  # noqa: F401

        for name in MODELS:
            nets.load_model(name)
        nets.load_vocab()
        from nets import words

        for name in FAMILY:
            nets.load_model(name)
        nets.load_vocab("text_gru_word")
        words.cut_chinese("预热")  # loads the segmenter's dictionary
    except Exception:  # a missing checkpoint shows on its page; never break the server
        log.exception("warm-up failed")
    finally:
        done.set()


def start() -> None:
    """Start the background warm-up unless it already ran in this process."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_run, name="warmup", daemon=True).start()
