"""Every command the README shows runs as shown: the exit code it implies, its error line word for word.

The README's command blocks are read (lines starting with ``commissioning-atlas`` or ``$ commissioning-atlas``,
with ``\\`` continuations); each runs in a scratch folder holding a link to the checkout's ``src/`` (so the shipped
scenarios resolve) and the files a reader would have made (``mine.yaml``, ``deaths.csv``, ...). A command whose
next README line is ``error: ...`` must exit 2 with that line; any other exits 0 or 1 (findings) with no traceback.
``build -o out`` and ``map -o maps`` are only parsed here: ``test_build`` runs both as shown, in one process
(England's shapes simplified once for the two), checks what build wrote and that map writes the same pages.
The what-if map (``map --scenario``) is only parsed by the test of every command: a test of its own runs it as
shown and reads the pages it writes.
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


def _work(tmp_path: Path, monkeypatch) -> Path:
    """The reader's folder: a link to the checkout's ``src/`` and the files the README has them make; the
    working folder from now on."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "src").symlink_to(ROOT / "src")
    _user_files(work)
    monkeypatch.chdir(work)
    return work


COMMANDS = readme_commands()
#: The README's what-if map (`map -o FOLDER --scenario FILE`): run as shown by its own test, which reads its pages.
WHATIF = next(argv for _, argv, _ in COMMANDS if argv[0] == "map" and "--scenario" in argv)


def test_the_readme_shows_commands():
    """The parser finds the README's commands (a renamed block or prompt would silently test nothing)."""
    names = {argv[0] for _, argv, _ in COMMANDS}
    assert {"fetch", "layers", "check", "export", "map", "build", "crosswalk", "apportion", "advise", "plan"} <= names


@pytest.mark.integration
@pytest.mark.parametrize("line,argv,error", COMMANDS, ids=[f"README:{n}" for n, _, _ in COMMANDS])
def test_readme_command_runs_as_shown(line, argv, error, mirror, tmp_path, monkeypatch, capsys):
    parser = cli.build_parser()
    parser.parse_args(argv)  # every command shown parses, the slow ones included
    if argv in BY_TEST_BUILD or argv == WHATIF:
        return
    _work(tmp_path, monkeypatch)
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


@pytest.mark.integration
def test_the_readme_whatif_map_writes_every_page_as_a_whatif(mirror, tmp_path, monkeypatch, capsys):
    """The README's what-if map runs as shown and maps every preset: the atlas page draws the scenario right
    after the set it proposes changes to, shown by default, within the page's size budget; the checks of that
    set check the scenario and say they are a what-if; every check page draws or lists (without a shape) each
    of its check's findings; the index says it is a what-if and links every page."""
    from commissioning_atlas import checks
    from commissioning_atlas.cli import commands
    from commissioning_atlas.maps import read_page_data
    from commissioning_atlas.maps.pages import scenario_title

    loaded = []  # the atlas the command loaded (England and the scenario), to count each check's findings on
    real_load = commands._load

    def load_and_keep(args):
        loaded.append(real_load(args))
        return loaded[-1]

    monkeypatch.setattr(commands, "_load", load_and_keep)
    work = _work(tmp_path, monkeypatch)
    assert cli.main([*WHATIF, "--mirror", str(mirror), "--quiet"]) == 0
    capsys.readouterr()
    out = work / WHATIF[WHATIF.index("-o") + 1]
    scenario = work / WHATIF[WHATIF.index("--scenario") + 1]
    presets = list(checks.declared_presets())
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["atlas.html", "timeline.html", "planner.html", "index.html", *(f"check-{n}.html" for n in presets)])
    # the checks run again on the atlas the command mapped (its joins already made): the findings to count
    (whatif,) = loaded
    assert Path(whatif.scenario).resolve() == scenario.resolve()
    title = scenario_title(whatif)
    assert scenario.name in title
    page = read_page_data(out / "atlas.html")
    assert page["whatif"] and page["title"].startswith(f"What-if: {title}")
    ids = [l["id"] for l in page["layers"]]
    assert ids.index("scenario") == ids.index("css_2012") + 1
    assert next(l for l in page["layers"] if l["id"] == "scenario")["show"] is True
    assert (out / "atlas.html").stat().st_size <= 3_000_000
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"what-if ({title})" in index
    assert all(f'href="{p.name}"' in index for p in out.iterdir() if p.name != "index.html")
    replaced = 0
    for name in presets:
        findings, meta = checks.run_preset(whatif, name)
        data = read_page_data(out / f"check-{name}.html")
        assert data["whatif"] == (meta["subject"] == "scenario") == data["title"].startswith("What-if"), name
        replaced += meta["subject"] == "scenario"
        layer = next(l for l in data["layers"] if l["id"] == "findings")
        assert layer["drawn"] + len(layer["unshaped"]) == len(findings), name
        shapeless = int((findings.geometry.isna() | findings.geometry.is_empty).sum())
        assert len(layer["unshaped"]) >= shapeless, name
    assert replaced == len([n for n in presets if n.startswith("proposal-")]) > 0  # the 2012 set's presets
