"""Every command the README shows runs as shown: the exit code it implies, its error line word for word.

The README's command blocks are read (lines starting with ``commissioning-atlas`` or ``$ commissioning-atlas``,
with ``\\`` continuations); each runs in a scratch folder holding a link to the checkout's ``src/`` (so the shipped
scenarios resolve) and the files a reader would have made (``mine.yaml``, ``deaths.csv``, ...). A command whose
next README line is ``error: ...`` must exit 2 with that line; any other exits 0 or 1 (findings) with no traceback.
``build -o out`` and ``map -o maps`` are only parsed here: ``test_build`` runs both as shown, in one process
(England's shapes simplified once for the two), checks what build wrote and that map writes the same pages.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from commissioning_atlas import cli

ROOT = Path(__file__).resolve().parents[1]
#: The README's commands that test_build runs as shown (in one process: build, then map on the same atlas).
BY_TEST_BUILD = (["build", "-o", "out"], ["map", "-o", "maps"])


def readme_commands() -> list[tuple[int, list[str], str | None]]:
    """(README line, argv, the ``error:`` line shown after it or None), in README order."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    out, in_block, i = [], False, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            in_block = not in_block
        elif in_block and re.match(r"^(\$ )?commissioning-atlas ", line):
            start, text = i, line.removeprefix("$ ")
            while text.rstrip().endswith("\\"):
                i += 1
                text = text.rstrip()[:-1] + " " + lines[i].strip()
            argv = shlex.split(text, comments=True)[1:]
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            out.append((start + 1, argv, nxt if nxt.startswith("error: ") else None))
        i += 1
    return out


def _user_files(folder: Path) -> None:
    """The files a reader makes before the README's commands that read them."""
    (folder / "mine.yaml").write_text(  # an organisation naming a cluster that does not exist, at line 5
        "# my proposal\norganisations:\n  - code: M1\n    name: Mine\n    members: CL99\n", encoding="utf-8")
    (folder / "deaths.csv").write_text("pct,deaths,rate\n5LC,574,3.1\n5LA,226,2.9\n", encoding="utf-8")
    (folder / "mixed.csv").write_text("pct,deaths\n5LC,3\n08F,10\n", encoding="utf-8")
    (folder / "plan.csv").write_text("unit_code,group\n" + "".join(
        f"{code},{group}\n" for code, group in [("E38000002", "A"), ("E38000003", "A")]), encoding="utf-8")


COMMANDS = readme_commands()


def test_the_readme_shows_commands():
    """The parser finds the README's commands (a renamed block or prompt would silently test nothing)."""
    names = {argv[0] for _, argv, _ in COMMANDS}
    assert {"fetch", "layers", "check", "export", "map", "build", "crosswalk", "apportion", "advise", "plan"} <= names


@pytest.mark.integration
@pytest.mark.parametrize("line,argv,error", COMMANDS, ids=[f"README:{n}" for n, _, _ in COMMANDS])
def test_readme_command_runs_as_shown(line, argv, error, mirror, tmp_path, monkeypatch, capsys):
    parser = cli.build_parser()
    parser.parse_args(argv)  # every command shown parses, the slow ones included
    if argv in BY_TEST_BUILD:
        return
    work = tmp_path / "work"
    work.mkdir()
    (work / "src").symlink_to(ROOT / "src")
    _user_files(work)
    monkeypatch.chdir(work)
    if argv[0] == "plan" and "advice.yaml" in argv:  # the README makes advice.yaml with `advise` first
        assert cli.main(["advise", "--units", "pct_cluster_2011", "--floor", "750000", "--within", "sha_2011",
                         "-o", "advice.yaml", "--mirror", str(mirror), "--quiet"]) == 0
        capsys.readouterr()
    code = cli.main([*argv, "--mirror", str(mirror), "--quiet"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if error is not None:
        assert code == 2 and captured.err.splitlines()[0] == error.replace(" (see --help)", "")
    else:
        assert code in (0, 1), captured.err
