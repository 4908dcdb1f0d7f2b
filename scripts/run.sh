#!/usr/bin/env bash
# Set up .venv and open JupyterLab with jupyter-llmdev on the example project (examples/).
# Uses OPENAI_API_KEY / OPENAI_BASE_URL when set; otherwise starts the canned demo server.
set -euo pipefail
cd "$(dirname "$0")/.."
# .venv with this checkout installed; skipped while nothing it depends on changed (see the script)
. scripts/setup_venv.sh
if [ -z "${OPENAI_API_KEY:-}" ] && [ -z "${OPENAI_BASE_URL:-}" ]; then
    echo "jupyter-llmdev: starting the scripted demo server (scripts/demo_server.py)"
    log=$(mktemp)
    python scripts/demo_server.py > "$log" &
    demo_pid=$!
    trap 'kill $demo_pid 2>/dev/null || true' EXIT
    for _ in $(seq 50); do [ -s "$log" ] && break; sleep 0.1; done
    export OPENAI_BASE_URL="$(head -n 1 "$log")"
    export LLMDEV_MODEL="${LLMDEV_MODEL:-demo}"
    echo "jupyter-llmdev: no OPENAI_API_KEY or OPENAI_BASE_URL set; using the scripted demo server at"
    echo "  $OPENAI_BASE_URL (its replies are canned). Set them to use a real model."
fi
root_flag=()
if [ "$(id -u)" = 0 ]; then root_flag=(--allow-root); fi
cd examples
echo "jupyter-llmdev: starting JupyterLab on examples/ (it prints its URL below; Ctrl-C stops it)"
jupyter lab --ServerApp.ip=127.0.0.1 "${root_flag[@]}" "$@"
