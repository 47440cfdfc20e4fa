#!/usr/bin/env bash
# The test suite on a fresh machine: Debian's chromium for the browser tests, the package with its
# test extras, then pytest (unit tests, real-data integration tests, browser tests, notebooks).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
if [ -z "${COMMISSIONING_ATLAS_MIRROR:-}" ] && [ -d ../shared/data ]; then
  export COMMISSIONING_ATLAS_MIRROR="$(cd ../shared/data && pwd)"
fi
python3 -m pytest -q "$@"
