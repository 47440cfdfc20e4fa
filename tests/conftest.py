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


#: Fixtures that read the real England data (the mirror, or the atlas built from it).
REAL_DATA = {"mirror", "atlas"}


def pytest_collection_modifyitems(config, items):
    """Refuse to run a suite whose tiers lie: ``integration`` marks exactly the tests that use the real
    data (the ``mirror`` or ``atlas`` fixture, directly or through another fixture), ``browser`` exactly
    those that start Chromium (the ``browser`` fixture). ``-m "not integration and not browser"`` then
    runs every test that needs neither, and only those."""
    wrong = []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        marks = {m.name for m in item.iter_markers()}
        for mark, uses in (("integration", bool(names & REAL_DATA)), ("browser", "browser" in names)):
            if uses and mark not in marks:
                wrong.append(f"{item.nodeid}: uses {mark} fixtures without @pytest.mark.{mark}")
            elif mark in marks and not uses:
                wrong.append(f"{item.nodeid}: marked {mark} but uses no {mark} fixture")
    if wrong:
        raise pytest.UsageError("mislabelled tests:\n  " + "\n  ".join(wrong))
