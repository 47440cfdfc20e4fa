#!/usr/bin/env bash
# The test suite on a fresh machine: Debian's chromium for the browser tests, node and npm for the
# JavaScript lint (ESLint, pinned in tools/js/package-lock.json, installed with `npm ci`), the package
# with its test extras, then pytest (unit tests, real-data integration tests, browser tests, the lint,
# notebooks, packaging) on two workers (pytest-xdist --dist loadgroup; tests/conftest.py groups and orders
# the tests: one worker builds England into the cache while the other runs the tests that need no real
# data, then the longest first), with the 25 slowest tests listed at the end. Arguments go to pytest, e.g.
# `bash scripts/test.sh -m "not integration and not browser and not packaging"`. Installs into the active virtual environment, else into python3 where pip may install,
# else into ./.venv, made here (see scripts/_python.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
APT=()
command -v chromium >/dev/null 2>&1 || APT+=(chromium)
command -v npm >/dev/null 2>&1 || APT+=(nodejs npm)
if [ "${#APT[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT[@]}" >/dev/null
fi
(cd tools/js && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# shellcheck source=scripts/_python.sh
. scripts/_python.sh
select_python
"$PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'
if [ -z "${COMMISSIONING_ATLAS_MIRROR:-}" ] && [ -d ../shared/data ]; then
  export COMMISSIONING_ATLAS_MIRROR="$(cd ../shared/data && pwd)"
fi
"$PY" -m pytest -q -n 2 --dist loadgroup --durations=25 "$@"
