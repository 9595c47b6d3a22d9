"""``streamlit run app.py``, warmed first: torch and the models load before the server listens.

    python scripts/serve.py [streamlit options, e.g. --server.port 8502]

Streamlit answers ``/_stcore/health`` as soon as it listens, and ``app.py`` starts the warm-up
(``ui/warmup.py``) only after a first page has run, so a fresh ``streamlit run`` looks healthy
while still cold. Here the same warm-up runs to its end first, in this process, and then
Streamlit starts: healthy means warm, for HAProxy's checks (classroom mode) as for a container's
probes. ``app.py``'s own ``ui.warmup.start()`` then finds it done and does nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # .streamlit/config.toml is read from the working directory

from ui import warmup  # noqa: E402

if __name__ == "__main__":
    warmup.start()
    warmup.done.wait()
    from streamlit.web import cli

    cli.main(["run", "app.py", *sys.argv[1:]], prog_name="streamlit")
