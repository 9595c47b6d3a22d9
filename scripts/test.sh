#!/usr/bin/env bash
# Install what the tests need on a fresh Debian machine, then run them.
# Usage: bash scripts/test.sh [pytest arguments]   e.g. bash scripts/test.sh -m "not browser"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python -m pip install -r requirements-dev.txt

# Browser tests drive the Debian Chromium (never a Playwright download) and need a CJK font;
# classroom mode's tests run the app behind Debian's HAProxy.
WQY_FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [[ ! -x /usr/bin/chromium || ! -f "$WQY_FONT" || ! -x /usr/sbin/haproxy ]]; then
    SUDO=""
    if [[ "$(id -u)" != "0" ]] && command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    fi
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends chromium fonts-wqy-microhei haproxy
fi

# pytest exits 5 when it collected no tests: that is a failure here, as is any other non-zero.
status=0
python -m pytest "$@" || status=$?
if [[ "$status" == "5" ]]; then
    echo "scripts/test.sh: no tests were collected" >&2
fi
exit "$status"
