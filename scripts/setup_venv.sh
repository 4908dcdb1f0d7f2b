# Sourced by scripts/run.sh and scripts/test.sh from the repository root: make .venv, install this
# checkout into it (editable, with the test extra) and activate it.
#
# The install is skipped while nothing it depends on changed: scripts/install_stamp.py hashes the
# inputs (pyproject.toml, the labextension's sources and package files, the Python package's file
# list, ...) and the hash of the last successful install is kept in .venv/.llmdev-install-stamp.
# A fresh clone (CI) has no .venv, so it always installs. Every slow step says what it does first;
# pip's own progress shows, and a heartbeat line comes every 20 s while pip is busy (npm builds
# the JupyterLab extension inside pip's "Building editable" step, which prints nothing itself).

llmdev_say() { echo "jupyter-llmdev: $*"; }

if [ ! -x .venv/bin/python ]; then
    llmdev_say "creating the virtual environment .venv (python3 -m venv)"
    python3 -m venv .venv
fi
. .venv/bin/activate

llmdev_stamp_file=.venv/.llmdev-install-stamp
llmdev_stamp=$(python scripts/install_stamp.py .)
if [ -f "$llmdev_stamp_file" ] && [ "$(cat "$llmdev_stamp_file")" = "$llmdev_stamp" ]; then
    llmdev_say ".venv is up to date with this checkout; skipping pip install (delete $llmdev_stamp_file to force it)"
else
    if [ ! -f jupyter_llmdev/labextension/static/style.js ] && ! command -v npm >/dev/null 2>&1; then
        echo "jupyter-llmdev: npm is not installed; building the JupyterLab extension needs Node.js 20.19+ (or 22.12+) and npm." >&2
        echo "  Install them (https://nodejs.org, or your system's package manager) and run this again." >&2
        exit 1
    fi
    rm -f "$llmdev_stamp_file"
    llmdev_say "installing this checkout and its Python packages into .venv (pip install -e \".[test]\")."
    llmdev_say "npm builds the JupyterLab extension during it (the first time: downloads, a few minutes)."
    llmdev_started=$SECONDS
    # the heartbeat runs beside pip; the trap ends it however this script ends (Ctrl-C included)
    ( n=0; while sleep 1; do n=$((n + 1)); if [ $((n % 20)) = 0 ]; then llmdev_say "still installing ($n s)..."; fi; done ) &
    llmdev_heartbeat=$!
    trap 'kill "$llmdev_heartbeat" 2>/dev/null || true' EXIT
    if ! python -m pip install --disable-pip-version-check -e ".[test]"; then
        echo "jupyter-llmdev: pip install -e \".[test]\" failed (see above); run this again once it is fixed." >&2
        exit 1
    fi
    kill "$llmdev_heartbeat" 2>/dev/null || true
    trap - EXIT
    # hashed again: the install built the extension, and its being there is one of the inputs
    python scripts/install_stamp.py . > "$llmdev_stamp_file"
    llmdev_say "installed in $((SECONDS - llmdev_started)) s; later runs skip this step while nothing it depends on changes."
fi
