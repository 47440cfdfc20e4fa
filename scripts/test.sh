#!/usr/bin/env bash
# The test suite on a fresh machine: Debian's chromium for the browser tests, the package with its
# test extras, then pytest (unit tests, real-data integration tests, browser tests, notebooks).
# Installs into the active virtual environment, else into python3 where pip may install, else into
# ./.venv, made here (see scripts/_python.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# shellcheck source=scripts/_python.sh
. scripts/_python.sh
select_python
"$PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'
if [ -z "${COMMISSIONING_ATLAS_MIRROR:-}" ] && [ -d ../shared/data ]; then
  export COMMISSIONING_ATLAS_MIRROR="$(cd ../shared/data && pwd)"
fi
"$PY" -m pytest -q "$@"
