#!/usr/bin/env bash
# Sets up what is missing, then runs every test (unit and integration); pytest args pass through.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
