"""Shared fixtures: the real atlas (built once per session from ../shared/data or the cache)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
#: Debian's Chromium, driven by Playwright (never ``playwright install``).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


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


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium for the browser tests (skipped where it is not installed)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
