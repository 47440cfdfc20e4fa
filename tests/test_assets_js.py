"""The browser code on its own: assets/arcs.js (the arc decoding both page scripts share) run in Debian
Chromium against the Python encoder, outside any page; every script parsed by node and linted by ESLint
(tools/js: pinned in package-lock.json, installed by scripts/test.sh with `npm ci`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from commissioning_atlas.maps.encode import encode_arcs
from commissioning_atlas.maps.page import asset

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "src" / "commissioning_atlas" / "maps" / "assets"
JS_TOOLS = ROOT / "tools" / "js"
ESLINT = JS_TOOLS / "node_modules" / "eslint" / "bin" / "eslint.js"


@pytest.fixture(scope="module")
def page(browser):  # the browser fixture: tests/conftest.py
    pg = browser.new_page()
    pg.set_content("<!doctype html><title>arcs</title>")
    pg.add_script_tag(content=asset("arcs.js"))
    yield pg
    pg.close()


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


@pytest.mark.browser
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unpack_reads_what_the_python_encoder_wrote(page, seed):
    arcs = _arcs(seed)
    packed = list(encode_arcs(arcs))
    got = page.evaluate("b => unpackArcs(Uint8Array.from(b))", packed)
    assert got == arcs


@pytest.mark.browser
def test_points_and_rings_follow_the_arcs(page):
    arcs = [[0, 0, 10, 0, 0, 10], [0, 10, -10, -10]]  # (0,0)->(10,0)->(10,10); (0,10)->(0,10)... closes
    pts = page.evaluate("a => arcPoints(a, 10, 100)", arcs)
    assert pts[0] == [[0, 0], [0, 1], [0.1, 1]]  # [lat, lng] = [y / sy, x / sx]
    ring = page.evaluate("a => ringOfArcs(arcPoints(a, 1, 1), [0, 1])", [[0, 0, 10, 0, 0, 10], [10, 10, -10, -10]])
    assert ring == [[0, 0], [0, 10], [10, 10]]  # shared junctions once, the closing point dropped
    back = page.evaluate("a => ringOfArcs(arcPoints(a, 1, 1), [~0])", [[0, 0, 10, 0, 0, 10]])
    assert back == [[10, 10], [0, 10]]  # ~i: the arc reversed
    assert json.dumps(page.evaluate("() => typeof unpackArcs")) == '"function"'


@pytest.mark.parametrize("name", sorted(p.name for p in ASSETS.glob("*.js")))
def test_every_script_parses(name, tmp_path):
    """Each browser script is a syntactically valid file on its own (node --check), as shipped."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed")
    path = tmp_path / name
    path.write_text(asset(name), encoding="utf-8")
    done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------------------------------------ ESLint
@pytest.fixture(scope="module")
def eslint() -> list[str]:
    """The command that runs the pinned ESLint; installed here with `npm ci` when node_modules is absent."""
    node = shutil.which("node")
    if not ESLINT.exists():
        npm = shutil.which("npm")
        if npm is None or node is None:
            pytest.skip("ESLint is not installed (tools/js/node_modules is absent) and npm is not available: "
                        "run scripts/test.sh, or apt-get install nodejs npm && (cd tools/js && npm ci)")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS_TOOLS,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0 and ESLINT.exists(), f"npm ci in tools/js failed: {done.stderr[-2000:]}"
    assert node is not None, "tools/js/node_modules is there but node is not"
    return [node, str(ESLINT), "--config", str(JS_TOOLS / "eslint.config.js"), "--format", "json",
            "--no-warn-ignored"]


def _lint(cmd: list[str], *args: str, stdin: str | None = None) -> list[str]:
    """ESLint's problems as "file:line:rule message" (rule "-" for a parse error or a config problem)."""
    done = subprocess.run([*cmd, *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), f"ESLint could not run (exit {done.returncode}): {done.stderr[-2000:]}"
    problems = []
    for result in json.loads(done.stdout):
        name = Path(result["filePath"]).relative_to(ROOT) if Path(result["filePath"]).is_absolute() else \
            result["filePath"]
        for m in result["messages"]:
            problems.append(f"{name}:{m.get('line', 0)}:{m.get('ruleId') or '-'} {m['message']}")
    return problems


def test_eslint_finds_no_problem_in_the_browser_code(eslint):
    """Every .js file of maps/assets passes @eslint/js's recommended rules (browser globals, Leaflet's L,
    plain ES5); a file the config does not cover would be reported too (no silent skip)."""
    files = sorted(str(p.relative_to(ROOT)) for p in ASSETS.rglob("*.js"))
    assert len(files) >= 4
    problems = _lint(eslint, *files)
    assert problems == [], "ESLint:\n" + "\n".join(problems)


@pytest.mark.parametrize("snippet, expected", [
    ('(function () {\n"use strict";\nvar shown = 1;\nundefinedThing(shown);\n})();\n',
     ":4:no-undef 'undefinedThing' is not defined."),
    ('(function () {\n"use strict";\nvar unused = L.map("map");\n})();\n',
     ":3:no-unused-vars 'unused' is assigned a value but never used."),
    ('(function () {\n"use strict";\nvar f = () => 1;\nf();\n})();\n',
     ":3:- Parsing error"),  # map.js is plain ES5: no arrow functions
])
def test_eslint_sees_a_bad_snippet(eslint, snippet, expected):
    """The lint can fail: a snippet linted as if it were one of the assets shows the rule it breaks."""
    fake = "src/commissioning_atlas/maps/assets/snippet.js"
    problems = _lint(eslint, "--stdin", "--stdin-filename", fake, stdin=snippet)
    assert any(p.startswith(fake + expected) for p in problems), problems
    assert len(problems) == 1, problems  # Leaflet's L and the browser globals are known
