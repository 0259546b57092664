#!/usr/bin/env bash
# Sets up what is missing, then runs the whole local system until Ctrl-C.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/setup.sh
export PATH="$repo/.venv/bin:$PATH"
python -m devtools.preflight
python -m devtools.launch migrate
exec honcho start --procfile Procfile
