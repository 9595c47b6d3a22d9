"""Render deploy/haproxy.cfg.tmpl: the HAProxy config of classroom mode and of the compose file.

    python scripts/haproxy_cfg.py --bind :8501 --server app1:8501 --server app2:8501 \
        [--dns 127.0.0.11:53] [--stats-socket /tmp/haproxy-stats.sock] [--out haproxy.cfg]

The largest request body is read from ``server.maxUploadSize`` in ``.streamlit/config.toml`` at
render time (never copied), plus the 1 MiB multipart margin Streamlit itself allows.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "haproxy.cfg.tmpl"
CONFIG = ROOT / ".streamlit" / "config.toml"
MULTIPART_MARGIN = 1024 * 1024  # bytes Streamlit allows above maxUploadSize for the framing


def max_body(config: Path = CONFIG) -> int:
    """Bytes of the largest request body: the app's upload limit plus the multipart margin."""
    with config.open("rb") as f:
        mb = tomllib.load(f)["server"]["maxUploadSize"]
    return int(mb * 1024 * 1024) + MULTIPART_MARGIN


def render(
    bind: str,
    servers: list[str],
    dns: str | None = None,
    stats_socket: str = "/tmp/haproxy-stats.sock",
) -> str:
    """The HAProxy config text.

    Args:
        bind: HAProxy's listening address, e.g. ``0.0.0.0:8501`` or ``:8501``.
        servers: ``host:port`` of each worker; worker ``i`` is named and cookied ``w<i>``.
        dns: a DNS server to re-resolve worker host names at run time (containers), or None.
        stats_socket: path of HAProxy's stats socket (``show stat``; only its owner may use it).

    Returns:
        The config, ready for ``haproxy -f``.
    """
    opts = " resolvers dns init-addr last,libc,none" if dns else ""
    lines = [f"    server w{i} {addr} cookie w{i}{opts}" for i, addr in enumerate(servers)]
    text = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        bind=bind, stats_socket=stats_socket, max_body=max_body(), servers="\n".join(lines)
    )
    if dns:
        text += f"\nresolvers dns\n    nameserver dns1 {dns}\n    hold valid 10s\n"
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bind", required=True)
    ap.add_argument("--server", action="append", required=True, help="host:port, repeat")
    ap.add_argument("--dns", help="nameserver host:port (compose: 127.0.0.11:53)")
    ap.add_argument("--stats-socket", default="/tmp/haproxy-stats.sock")
    ap.add_argument("--out", type=Path, help="file to write (default: stdout)")
    args = ap.parse_args()
    text = render(args.bind, args.server, args.dns, args.stats_socket)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
