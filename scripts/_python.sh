# shellcheck shell=bash
# Sourced by scripts/main.sh and scripts/test.sh: sets PY, the Python that the project is installed
# into and run with.
#   1. an active virtual environment ($VIRTUAL_ENV): its python;
#   2. else the project's own .venv, when an earlier run made it;
#   3. else python3, when pip may install into it (pip present, and no PEP 668 "externally managed"
#      marker: a pyenv, conda or self-built Python);
#   4. else (the system Python of Debian 12, Ubuntu 24.04, ...) a new .venv made by `python3 -m venv`,
#      with Debian's python3-venv installed first where it is missing.
# After 2 or 4 the CLI is .venv/bin/commissioning-atlas (or run `. .venv/bin/activate` first).

_pip_may_install() {
  "$1" - >/dev/null 2>&1 <<'PYEOF'
import os, sys, sysconfig
import pip  # noqa: F401 - no pip: make a virtual environment
in_venv = sys.prefix != sys.base_prefix
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
sys.exit(0 if in_venv or not os.path.isfile(marker) else 1)
PYEOF
}

_make_venv() {
  local base="$1" sudo="" ver
  if "$base" -m venv .venv >/dev/null 2>&1 && [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; then
    return 0
  fi
  rm -rf .venv
  echo "python3 -m venv needs Debian's python3-venv: installing it" >&2
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  ver="$("$base" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null \
    || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "python${ver}-venv" >/dev/null
  "$base" -m venv .venv
}

select_python() {
  if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
    PY="$VIRTUAL_ENV/bin/python"
    return 0
  fi
  if [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; then
    PY="$PWD/.venv/bin/python"
    return 0
  fi
  local base
  base="$(command -v python3 || true)"
  if [ -z "$base" ]; then
    echo "error: python3 not found: install Python 3.11 or later" >&2
    exit 2
  fi
  if _pip_may_install "$base"; then
    PY="$base"
    return 0
  fi
  echo "no virtual environment is active and $base refuses pip installs (PEP 668): using ./.venv" >&2
  rm -rf .venv
  _make_venv "$base"
  PY="$PWD/.venv/bin/python"
}
