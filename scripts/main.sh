#!/usr/bin/env bash
# The main job on a fresh machine: install the package, then build every layer, the check
# reports and the maps into ./out from the pinned sources (../shared/data as a local mirror when present).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e .
if [ -z "${COMMISSIONING_ATLAS_MIRROR:-}" ] && [ -d ../shared/data ]; then
  export COMMISSIONING_ATLAS_MIRROR="$(cd ../shared/data && pwd)"
fi
commissioning-atlas build -o out "$@"
