#!/usr/bin/env bash
# Set up a virtual environment from this repository's files and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
# no test collected (exit 5) is a failure too, as is any other non-zero exit
python -m pytest -q tests "$@"
