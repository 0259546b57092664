#!/usr/bin/env bash
# Sets up what is missing, then runs the whole local system until Ctrl-C: every process
# supervised by devtools/run.py (the test fixtures' supervisor), restarted when it crashes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/setup.sh
export PATH="$repo/.venv/bin:$PATH"
python -m devtools.preflight
exec python -m devtools.run
