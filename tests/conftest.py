"""Shared fixtures: the real atlas (built once per session from ../shared/data or the cache)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def _mirror() -> Path | None:
    env = os.environ.get("COMMISSIONING_ATLAS_MIRROR")
    if env:
        return Path(env).resolve()
    return SHARED if SHARED.is_dir() else None


@pytest.fixture(scope="session")
def mirror() -> Path:
    m = _mirror()
    if m is None:
        pytest.skip("no mirror of the upstream data (../shared/data or $COMMISSIONING_ATLAS_MIRROR)")
    return m


@pytest.fixture(scope="session")
def atlas(mirror):
    import commissioning_atlas as ca

    return ca.load(mirror=mirror, progress=False)
