#!/usr/bin/env bash
# The main job on a fresh machine: install the package, then build every layer, the check
# reports and the maps into ./out from the pinned sources (../shared/data as a local mirror when present).
# Installs into the active virtual environment, else into python3 where pip may install, else into
# ./.venv, made here (see scripts/_python.sh); the CLI is then .venv/bin/commissioning-atlas.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/_python.sh
. scripts/_python.sh
select_python
"$PY" -m pip install --quiet --disable-pip-version-check -e .
if [ -z "${COMMISSIONING_ATLAS_MIRROR:-}" ] && [ -d ../shared/data ]; then
  export COMMISSIONING_ATLAS_MIRROR="$(cd ../shared/data && pwd)"
fi
"$PY" -m commissioning_atlas build -o out "$@"
