"""Shared fixtures: the real atlas (built once per session from ../shared/data or the cache), Chromium, and
the check that every test carries the marks of the tiers it belongs to."""

from __future__ import annotations

import fcntl
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


def _england(mirror: Path, lock_dir: Path):
    """The atlas of England; under pytest-xdist, built whole by the first worker while the others wait on a
    file lock and then read the warm cache (instead of building England twice on two cores)."""
    import commissioning_atlas as ca
    from commissioning_atlas.sources.population import BASES

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return ca.load(mirror=mirror, progress=False)  # one process: layers are built when first used
    with open(lock_dir / "england.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        atlas = ca.load(mirror=mirror, progress=False)
        atlas.build_all()
        for basis in sorted(b for b, v in BASES.items() if v.per_lsoa):  # the others live on layers
            atlas.population(basis)
        return atlas


@pytest.fixture(scope="session")
def mirror(tmp_path_factory) -> Path:
    """The mirror of the pinned upstream files; under xdist, the England cache is warm once this returns
    (tests that build through the command line then read it too)."""
    m = _mirror()
    if m is None:
        pytest.skip("no mirror of the upstream data (../shared/data or $COMMISSIONING_ATLAS_MIRROR)")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _session_england(m, tmp_path_factory)
    return m


#: The session's atlas of each mirror, or the error its build raised (one per process).
_ENGLAND: dict = {}


def _session_england(mirror: Path, tmp_path_factory):
    """Build (or read) England once per process; a failed build fails every later test at once instead of
    being tried again for each (pytest retries a session fixture that raised)."""
    if mirror not in _ENGLAND:
        try:
            _ENGLAND[mirror] = _england(mirror, tmp_path_factory.getbasetemp().parent)
        except Exception as err:  # noqa: BLE001 - kept and re-raised below
            _ENGLAND[mirror] = err
    got = _ENGLAND[mirror]
    if isinstance(got, Exception):
        raise got
    return got


@pytest.fixture(scope="session")
def atlas(mirror, tmp_path_factory):
    """The atlas of England (see :func:`_england`)."""
    return _session_england(mirror, tmp_path_factory)


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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Refuse to run a suite whose tiers lie: ``integration`` marks exactly the tests that use the real
    data (the ``mirror`` or ``atlas`` fixture, directly or through another fixture), ``browser`` exactly
    those that start Chromium (the ``browser`` fixture). ``-m "not integration and not browser"`` then
    runs every test that needs neither, and only those.

    Under pytest-xdist (``--dist loadgroup``, scripts/test.sh) a file's tests share one worker, so its
    module fixtures (the written maps, one Chromium) are made once; each notebook and each packaging test
    is a group of its own, as they are long and share nothing."""
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            alone = item.get_closest_marker("packaging") or item.originalname == "test_notebook_runs"
            item.add_marker(pytest.mark.xdist_group(item.nodeid if alone else item.nodeid.split("::")[0]))
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


@pytest.fixture(scope="session")
def small_atlas():
    """The small synthetic atlas of tests/small_atlas.py (288 LSOAs, five layers), made in memory."""
    from small_atlas import small_atlas as make

    return make()
