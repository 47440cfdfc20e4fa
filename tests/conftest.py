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


@pytest.fixture(scope="session")
def england_timeline(atlas, tmp_path_factory) -> Path:
    """The timeline page of England (packed, linking back to ``index.html``), for every file that reads it;
    its tests are one group (:data:`SHARED_PAGES`), so one worker writes it once."""
    from commissioning_atlas.maps import timeline

    return timeline.timeline_map(atlas, tmp_path_factory.mktemp("timeline") / "timeline.html", index="index.html")


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


@pytest.fixture
def watched(browser):
    """Opens one of our pages and collects its script errors (uncaught, and console errors) in
    ``page.errors``: ``watched(uri_or_path, width, height, print_media=False)`` returns the page once it
    says it is ready (with print media, once two frames have been drawn in it)."""
    opened = []

    def open_page(uri: str | Path, width: int = 1200, height: int = 900, print_media: bool = False):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        opened.append(page)
        page.goto(uri.as_uri() if isinstance(uri, Path) else uri)
        page.wait_for_selector("html[data-ca-ready]", state="attached", timeout=30000)
        if print_media:
            page.emulate_media(media="print")
            page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return page

    yield open_page
    for page in opened:
        page.close()


#: Fixtures that read the real England data (the mirror, or the atlas built from it).
REAL_DATA = {"mirror", "atlas"}


#: Session fixtures that write an England page which several files read: the tests that use one are one group
#: (named after it), so the page is written once.
SHARED_PAGES = ("england_timeline",)


#: Work that takes a minute or more on the 2-core machine (CI's ``--durations=25``), as node-id prefixes,
#: longest first: started before the rest so that neither worker is left alone with one of them at the end.
#: The first is the group that builds England (it needs it first); a new slow test belongs here.
LONG = (
    "tests/test_maps.py",  # the written pages and every browser test of them (one group, one Chromium)
    "tests/test_build.py::test_build_writes_layers_reports_and_maps",  # the main job, then `map -o maps`
    "tests/test_readme_commands.py::test_the_readme_whatif_map",  # every page of England with a scenario
    "tests/test_hostile.py",
    "tests/test_notebooks.py",  # one kernel runs every notebook
    "tests/test_declarations.py::test_a_throwaway_layer_set_and_preset_from_declarations_alone",
    "england_timeline",  # the timeline page: test_timeline and test_timeline_search (one group, SHARED_PAGES)
)


def pytest_configure(config):
    """Under ``--dist loadgroup`` the groups go out in the order :func:`_schedule` gives them, not largest
    group first (pytest-xdist's default)."""
    if config.getoption("dist", "no") == "loadgroup":
        config.option.loadscopereorder = False


def _shares_fixtures(item) -> bool:
    """Whether the test uses a fixture made once per module (written pages, a browser, a kernel), so its
    file's tests must share a worker for the fixture to be made once."""
    defs = getattr(item, "_fixtureinfo", None)
    return defs is not None and any(
        d[-1].scope in ("module", "class", "package") for d in defs.name2fixturedefs.values() if d)


def _schedule(items) -> None:
    """Group and order the tests for two workers (pytest-xdist ``--dist loadgroup``, scripts/test.sh).

    A test that uses a page of :data:`SHARED_PAGES` is in that page's group; else a test that uses a module fixture
    is grouped with its file; any other test is a group alone (so the long ones spread over both workers). The first group is the longest that needs England: its worker builds
    England into the cache (:func:`_england`) while the other worker runs every group that needs no real
    data (the fast tier, the small-atlas pages, the packaging environments) instead of waiting for the
    build; then the groups that need England, the long ones (:data:`LONG`) first."""
    def group(item) -> str:
        shared = [name for name in SHARED_PAGES if name in getattr(item, "fixturenames", ())]
        if shared:
            return shared[0]
        return item.nodeid.split("::")[0] if _shares_fixtures(item) else item.nodeid

    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(group(item), []).append(item)
        item.add_marker(pytest.mark.xdist_group(group(item)))

    def long_rank(name: str) -> int:
        return next((i for i, prefix in enumerate(LONG) if name.startswith(prefix)), len(LONG))

    def real(members) -> int:
        """0: no test needs England; 1: some do (run last of these, when the build is nearly done); 2: all."""
        uses = [bool(REAL_DATA & set(getattr(i, "fixturenames", ()))) for i in members]
        return 2 if all(uses) else int(any(uses))

    england = sorted((g for g in groups if real(groups[g])), key=lambda g: (long_rank(g), -len(groups[g])))
    first = england[:1]
    rest = sorted((g for g in groups if g not in first), key=lambda g: (real(groups[g]), long_rank(g), -len(groups[g])))
    items[:] = [item for g in first + rest for item in groups[g]]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Refuse to run a suite whose tiers lie: ``integration`` marks exactly the tests that use the real
    data (the ``mirror`` or ``atlas`` fixture, directly or through another fixture), ``browser`` exactly
    those that start Chromium (the ``browser`` fixture). ``-m "not integration and not browser"`` then
    runs every test that needs neither, and only those. Under pytest-xdist's ``--dist loadgroup``, the
    tests are grouped and ordered for the workers (:func:`_schedule`)."""
    if getattr(config.option, "loadgroup", False) or config.getoption("dist", "no") == "loadgroup":
        _schedule(items)
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
