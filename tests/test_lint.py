"""The Python code linted by ruff (pyflakes, bugbear, McCabe complexity; the rules and the complexity
baseline are in pyproject.toml), as tests/test_assets_js.py lints the browser code with ESLint. ruff is in
the ``test`` extras, so the test runs wherever the tests do."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ["src", "tests", "benchmarks", "tools"]


@pytest.fixture(scope="module")
def ruff() -> list[str]:
    """The command that runs ruff: the installed module, else a ``ruff`` on the PATH."""
    try:
        import ruff as _ruff  # noqa: F401 - only whether it is installed

        return [sys.executable, "-m", "ruff"]
    except ImportError:
        exe = shutil.which("ruff")
        if exe is None:
            pytest.skip("ruff is not installed: pip install -e '.[test]'")
        return [exe]


def _lint(cmd: list[str], *args: str, stdin: str | None = None) -> list[str]:
    """ruff's problems as "file:line:code message", with the project's configuration (pyproject.toml)."""
    done = subprocess.run([*cmd, "check", "--output-format", "json", "--no-cache", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), f"ruff could not run (exit {done.returncode}): {done.stderr[-2000:]}"
    problems = []
    for m in json.loads(done.stdout):
        name = Path(m["filename"])
        name = name.relative_to(ROOT) if name.is_absolute() else name
        problems.append(f"{name}:{m['location']['row']}:{m['code']} {m['message']}")
    return problems


def test_ruff_finds_no_problem_in_the_python_code(ruff):
    """src, tests, benchmarks and tools pass pyflakes, bugbear and the complexity baseline."""
    problems = _lint(ruff, *FOLDERS)
    assert problems == [], "ruff:\n" + "\n".join(problems)


def test_the_complexity_baseline_is_set():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert {"F", "B", "C901"} <= set(lint["select"])
    assert lint["mccabe"]["max-complexity"] <= 32  # today's worst function; only ever lowered


def _branchy(n: int) -> str:
    """A function of complexity ``n + 1``: ``n`` if statements in a row."""
    body = "".join(f"    if x == {i}:\n        x += 1\n" for i in range(n))
    return f"def f(x):\n{body}    return x\n"


@pytest.mark.parametrize("snippet, expected", [
    ("import os\n", ":1:F401 `os` imported but unused"),
    ("def f(a=[]):\n    return a\n", ":1:B006 Do not use mutable data structures for argument defaults"),
    ("def f():\n    return undefined_name\n", ":2:F821 Undefined name `undefined_name`"),
    (_branchy(32), ":1:C901 `f` is too complex (33 > 32)"),
])
def test_ruff_sees_a_bad_snippet(ruff, snippet, expected):
    """The lint can fail: a snippet linted as if it were a module of the package shows the rule it breaks."""
    fake = "src/commissioning_atlas/snippet.py"
    problems = _lint(ruff, "--stdin-filename", fake, stdin=snippet)
    assert any(p.startswith(fake + expected) for p in problems), problems
    assert len(problems) == 1, problems


def test_a_function_at_the_baseline_passes(ruff):
    assert _lint(ruff, "--stdin-filename", "src/commissioning_atlas/snippet.py", stdin=_branchy(31)) == []
