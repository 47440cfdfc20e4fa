"""The browser code on its own: assets/arcs.js (the arc decoding both page scripts share) run in Debian
Chromium against the Python encoder, outside any page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from commissioning_atlas.maps.encode import encode_arcs
from commissioning_atlas.maps.page import asset

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]


@pytest.fixture(scope="module")
def page():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = b.new_page()
        pg.set_content("<!doctype html><title>arcs</title>")
        pg.add_script_tag(content=asset("arcs.js"))
        yield pg
        b.close()


def _arcs(seed: int, n: int = 40) -> list[list[int]]:
    """Random arcs as the page carries them: first vertex absolute, then deltas (both signs, large values)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(2, 30))
        a = rng.integers(-2_000_000, 2_000_000, size=2 * k)
        a[:2] = rng.integers(-30_000_000, 30_000_000, size=2)
        out.append([int(v) for v in a])
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unpack_reads_what_the_python_encoder_wrote(page, seed):
    arcs = _arcs(seed)
    packed = list(encode_arcs(arcs))
    got = page.evaluate("b => unpackArcs(Uint8Array.from(b))", packed)
    assert got == arcs


def test_points_and_rings_follow_the_arcs(page):
    arcs = [[0, 0, 10, 0, 0, 10], [0, 10, -10, -10]]  # (0,0)->(10,0)->(10,10); (0,10)->(0,10)... closes
    pts = page.evaluate("a => arcPoints(a, 10, 100)", arcs)
    assert pts[0] == [[0, 0], [0, 1], [0.1, 1]]  # [lat, lng] = [y / sy, x / sx]
    ring = page.evaluate("a => ringOfArcs(arcPoints(a, 1, 1), [0, 1])", [[0, 0, 10, 0, 0, 10], [10, 10, -10, -10]])
    assert ring == [[0, 0], [0, 10], [10, 10]]  # shared junctions once, the closing point dropped
    back = page.evaluate("a => ringOfArcs(arcPoints(a, 1, 1), [~0])", [[0, 0, 10, 0, 0, 10]])
    assert back == [[10, 10], [0, 10]]  # ~i: the arc reversed
    assert json.dumps(page.evaluate("() => typeof unpackArcs")) == '"function"'


@pytest.mark.parametrize("name", sorted(p.name for p in (Path(__file__).resolve().parents[1] / "src" /
                                                         "commissioning_atlas" / "maps" / "assets").glob("*.js")))
def test_every_script_parses(name, tmp_path):
    """Each browser script is a syntactically valid file on its own (node --check), as shipped."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed")
    path = tmp_path / name
    path.write_text(asset(name), encoding="utf-8")
    done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
