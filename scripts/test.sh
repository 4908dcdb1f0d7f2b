#!/usr/bin/env bash
# Set up a virtual environment from this repository's files and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# the browser tests (tests/ui) drive Debian's chromium; Playwright never downloads a browser
if ! command -v chromium >/dev/null 2>&1; then
    echo "jupyter-llmdev: installing Debian's chromium for the browser tests (apt-get, a minute or two)"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    else
        echo "chromium is not installed and cannot be installed without root: the browser tests will fail" >&2
        echo "(install it with: sudo apt-get install chromium)" >&2
    fi
fi
# .venv with this checkout installed; skipped while nothing it depends on changed (see the script)
. scripts/setup_venv.sh
# no test collected (exit 5) is a failure too, as is any other non-zero exit
python -m pytest -q tests "$@"
