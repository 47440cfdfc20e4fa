"""Everything that is data is declared: footprint sets, presets, map styles, eras, commissioners and their labels
live in the package's TOML files, read by the registry with one-line errors; a folder of one's own
(``$COMMISSIONING_ATLAS_DECLARATIONS``) adds a layer, a set and a preset without a line of code."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from commissioning_atlas import cli, registry, settings
from commissioning_atlas._errors import AtlasError, DataError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "commissioning_atlas"


def _declare(tmp_path: Path, monkeypatch, files: dict[str, str]) -> Path:
    folder = tmp_path / "declarations"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv(settings.DECLARATIONS_ENV, str(folder))
    return folder


def test_the_shipped_declarations_are_read_and_refer_to_declared_layers():
    d = registry.declarations()
    known = set(d.layers) | set(d.sets)
    assert set(d.sets) == {"css_2012", "csu_2013", "icb_cluster_2025", "icb_merger_2027"}
    assert all(s.path.is_file() and s.units in d.layers for s in d.sets.values())
    assert {"ccg-size", "merger-2027-vs-region"} <= set(d.presets)
    assert all(p["subject"] in known and p["against"] in known | {None} for p in d.presets.values())
    assert [e["key"] for e in d.eras] == sorted(e["key"] for e in d.eras)
    assert [s["id"] for s in d.styles][:2] == ["sha_cluster_2011", "sha_2011"]
    assert d.commissioners["icb_merger_2027"] == "ICB proposed" and d.commissioners["ccg_2013"] == "CCG"
    assert d.vintages["2026"].members[0] == "icb_2026" and d.vintages["2013"].atom == "ccg_2013"


def _string_constants(path: Path) -> set[str]:
    """String literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docs}


def test_no_footprint_set_or_preset_is_spelled_in_the_code():
    names = set(registry.footprint_sets()) | set(registry.presets())
    found = {f"{p.relative_to(PACKAGE)}: {s}" for p in PACKAGE.rglob("*.py") for s in _string_constants(p) & names}
    assert not found


#: A unit layer of ``planner.toml`` (``extra``: more lines of its table).
_PLANNER_UNITS = ('[units.{layer}]\nlabel = "l"\nnoun = "n"\ncouncils = "utla_2011"\nregions = "sha_2011"\n'
                  'vintage = "2011"\nstarts = ["pct_cluster_2011"]\n{extra}')


def test_the_planner_is_declared_through_the_registry():
    from commissioning_atlas.maps.planner import planner_config

    cfg = registry.planner()
    assert planner_config() is cfg and cfg["default_units"] in cfg["units"]
    assert cfg["units"]["sicbl_2026"]["advice"][0] == {"units": "icb_2022", "floor": 1_000_000,
                                                       "within": "nhs_region_2022", "closest_to": "icb_cluster_2025"}
    assert cfg["prefixes"]["E38"] == "a CCG or sub-ICB location"


def test_a_planner_unit_layer_from_declarations_alone(tmp_path, monkeypatch):
    _declare(tmp_path, monkeypatch, {"planner.toml": _PLANNER_UNITS.format(layer="ccg_2015", extra="")})
    cfg = registry.planner()
    assert list(cfg["units"])[-1] == "ccg_2015" and cfg["units"]["ccg_2015"]["starts"] == ["pct_cluster_2011"]
    assert "sicbl_2026" in cfg["units"] and cfg["default_units"] == "sicbl_2026"  # the package's kept


@pytest.mark.parametrize("name, text, words", [
    ("presets.toml", '[[preset]]\nid = "x"\ntitle = "t"\nsubject = "icb_2026"\nrules = ["size"]\nquestion = "q"\n'
                     'colour = "red"\n', "presets.toml, row 1: unknown field(s) ['colour']"),
    ("presets.toml", '[[preset]]\nid = "ccg-size"\ntitle = "t"\nsubject = "ccg_2013"\nrules = ["size"]\n'
                     'question = "q"\n', "row 1: preset ccg-size declared twice"),
    ("presets.toml", '[[preset]]\nid = "x"\ntitle = "t"\nsubject = "icb_2099"\nrules = ["size"]\nquestion = "q"\n',
     "row 1: preset x refers to undeclared layer 'icb_2099'"),
    ("presets.toml", '[[preset]]\nid = "x"\ntitle = "t"\nsubject = "icb_2026"\nrules = ["sizes"]\nquestion = "q"\n',
     "row 1: preset x: unknown rule 'sizes'"),
    ("footprints.toml", '[[set]]\nid = "css_2012"\ntable = "a.csv"\ntitle = "t"\nvintage = "v"\nera = "2030"\n'
                        'date = "2030-01-01"\nbasis = "census_2021"\nunits = "icb_2026"\n', "set css_2012 declared twice"),
    ("footprints.toml", '[[set]]\nid = "x"\ntable = "a.csv"\ntitle = "t"\nvintage = "v"\nera = "2030"\n'
                        'date = "2030-01-01"\nbasis = "census_2021"\nunits = "icb_2030"\n',
     "set x refers to undeclared layer 'icb_2030'"),
    ("footprints.toml", '[[set]]\nid = "x"\ntable = "a.csv"\ntitle = "t"\nera = "2030"\n'
                        'date = "2030-01-01"\nbasis = "census_2021"\nunits = "icb_2026"\n',
     "set declaration is missing field 'vintage'"),
    ("footprints.toml", '[[noun]]\nlayer = "ccg_2099"\nnoun = "CCG"\n', "noun ccg_2099 refers to undeclared layer"),
    ("maps.toml", '[[style]]\nid = "icb_2026"\nshow = true\ncolour = "#000"\nweight = 1\nnoun = "ICB"\n',
     "style icb_2026 declared twice"),
    ("maps.toml", '[[style]]\nid = "x_1999"\nshow = true\ncolour = "#000"\nweight = 1\nnoun = "X"\n',
     "style x_1999 refers to undeclared layer 'x_1999'"),
    ("maps.toml", '[[style]]\nid = "icb_2023"\nshow = "yes"\ncolour = "#000"\nweight = 1\nnoun = "ICB"\n',
     "style icb_2023: field 'show' must be true or false"),
    ("maps.toml", '[[names]]\nlayer = "lad_2099"\neras = ["2099"]\n', "names lad_2099 refers to undeclared layer 'lad_2099'"),
    ("maps.toml", '[[names]]\nlayer = "utla_2023"\neras = ["2026"]\n', "names: era 2026 is named by both lad_2023 and utla_2023"),
    ("timeline.toml", '[[era]]\nkey = "2030"\nlabel = "l"\nlayer = "icb_2026"\nchanges = ["icb_2026"]\n',
     "era 2030: 'changes' must name two layers"),
    ("timeline.toml", '[[commissioner]]\nlayer = "pct_2011"\nshort = "PCT"\n', "commissioner pct_2011 declared twice"),
    ("timeline.toml", '[[eras]]\nkey = "2030"\n', "unknown table(s) ['eras']"),
    ("layers.toml", '[[layer]]\nid = "x_2030"\ntitle = "X"\nbody = "x"\nvintage = "2030"\ndate = "2030-01-01"\n'
                    'era = "2030"\nkind = "group"\nof = "icb_2099"\nsources = ["s"]\nexpected = 1\n'
                    'basis = "census_2021"\nsource = "s"\n', "row 1: layer x_2030 refers to undeclared layer 'icb_2099'"),
    ("presets.toml", 'id = [', "presets.toml: not valid TOML"),
    ("planner.toml", _PLANNER_UNITS.format(layer="ccg_2015", extra='colour = "red"\n'),
     "planner.toml, row 1: unknown field(s) ['colour']"),
    ("planner.toml", _PLANNER_UNITS.format(layer="pct_2011", extra=""), "row 1: planner units pct_2011 declared twice"),
    ("planner.toml", _PLANNER_UNITS.format(layer="ccg_2099", extra=""),
     "row 1: planner units ccg_2099 refers to undeclared layer 'ccg_2099'"),
    ("planner.toml", _PLANNER_UNITS.format(layer="ccg_2015", extra='[[units.ccg_2015.advice]]\nunits = "x_2011"\n'
                                                                   'floor = 1000\n'),
     "row 1: planner units ccg_2015 refers to undeclared layer 'x_2011'"),
    ("planner.toml", _PLANNER_UNITS.format(layer="ccg_2015", extra='[[units.ccg_2015.advice]]\nunits = "pct_2011"\n'
                                                                   'floor = "many"\n'),
     "row 1: planner units ccg_2015, advice 1: field 'floor' must be a number"),
    ("planner.toml", 'default_units = "ccg_2015"\n', "planner default_units declared twice"),
])
def test_a_bad_declaration_is_one_line_naming_file_row_and_problem(name, text, words, tmp_path, monkeypatch):
    folder = _declare(tmp_path, monkeypatch, {name: text})
    with pytest.raises(DataError) as err:
        registry.declarations()
    msg = str(err.value)
    assert words in msg and "\n" not in msg
    assert msg.startswith(str(folder / name))


def test_the_cli_reports_a_bad_declaration_in_one_line(tmp_path, monkeypatch, capsys):
    _declare(tmp_path, monkeypatch, {"presets.toml": '[[preset]]\nid = "x"\n'})
    assert cli.main(["check", "--list-presets"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "presets.toml, row 1: preset declaration is missing field 'title'" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------------------------------------ a throw-away layer

#: A region layer, a footprint set of two mergers of 2026 ICBs, a preset, a style, an era and a commissioner:
#: declarations only.
THROWAWAY = {
    "layers.toml": """
[[layer]]
id = "zz_region_2023"
title = "Throw-away regions"
body = "region"
vintage = "test"
date = "2023-04-01"
era = "2023"
kind = "group"
of = "sicbl_2023"
sources = ["sicbl23_icb23_region_lookup"]
key = "SICBL23CD"
code = "NHSER23CD"
name = "NHSER23NM"
expected = 7
basis = "census_2021"
source = "a throw-away copy of the 2023 regions"
""",
    "footprints.toml": """
[[set]]
id = "zz_pairs_2028"
table = "zz_pairs_2028.csv"
title = "Throw-away pairs of ICBs"
vintage = "test 2028"
era = "2028"
date = "2028-04-01"
basis = "census_2021"
units = "icb_2026"
member_vintage = "2026"
complete_with = "icb_2026"
""",
    "zz_pairs_2028.csv": "code,name,members\nZZ1,Pair one,QOC QNC\nZZ2,Pair two,QT6 QJK\n",
    "presets.toml": """
[[preset]]
id = "zz-pairs-vs-regions"
title = "Throw-away pairs against throw-away regions"
subject = "zz_pairs_2028"
against = "zz_region_2023"
rules = ["crosses", "coverage"]
question = "Does a throw-away pair cross a region?"
""",
    "maps.toml": """
[[style]]
id = "zz_pairs_2028"
show = false
colour = "#123456"
weight = 2.5
dash = "5 5"
noun = "throw-away pair"
parents = ["zz_region_2023"]
""",
    "timeline.toml": """
[[era]]
key = "2028"
label = "2028: throw-away pairs"
layer = "zz_pairs_2028"
lines = ["zz_region_2023"]
changes = ["zz_pairs_2028", "icb_2026"]

[[commissioner]]
layer = "zz_pairs_2028"
short = "ZZ pairs"
""",
}

#: A vintage of footprint sets whose members are the throw-away regions, with their noun.
THROWAWAY_VINTAGE = """
[[vintage]]
id = "zz-regions"
members = ["zz_region_2023"]
atom = "zz_region_2023"
basis = "census_2021"

[[noun]]
layer = "zz_region_2023"
noun = "throw-away region"
"""


def test_member_vintages_are_read_when_asked_not_when_imported(tmp_path, monkeypatch):
    """A vintage declared after the package is imported (the declarations folder set later, as a notebook may)
    is seen by the footprint reader: the sets' views are read from the registry on each use."""
    from commissioning_atlas import footprints
    from commissioning_atlas.footprints import read_proposals, sets

    assert "zz-regions" not in footprints.MEMBER_VINTAGES
    scenario = tmp_path / "regions.yaml"
    scenario.write_text("vintage: zz-regions\norganisations:\n  - {code: R1, name: North, members: E40000012}\n",
                        encoding="utf-8")
    with pytest.raises(AtlasError, match="'vintage' must be one of"):
        read_proposals(scenario)
    _declare(tmp_path, monkeypatch, {"layers.toml": THROWAWAY["layers.toml"],
                                     "footprints.toml": THROWAWAY["footprints.toml"] + THROWAWAY_VINTAGE,
                                     "zz_pairs_2028.csv": THROWAWAY["zz_pairs_2028.csv"]})
    assert footprints.MEMBER_VINTAGES["zz-regions"] == ("zz_region_2023",)
    assert sets.member_layers()["zz_region_2023"] == "zz-regions" and sets.ATOM_LAYER["zz-regions"] == "zz_region_2023"
    assert footprints.LAYER_LABEL["zz_region_2023"] == "throw-away region"
    assert "zz_pairs_2028" in registry.footprint_sets()
    assert read_proposals(scenario).attrs["vintage"] == "zz-regions"


#: Run in a fresh process with the declarations folder set: the atlas page and the timeline.
_RUN = """
import contextlib, io, json, sys
import commissioning_atlas as ca
from commissioning_atlas import cli, maps


def run(*args):
    buf = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(buf):
        code = cli.main(list(args))
    assert code in (0, 1), (args, code)
    buf.flush()
    return buf.buffer.getvalue().decode("utf-8")


got = {"layers": run("layers", "--quiet"), "presets": run("check", "--list-presets"),
       "report": run("check", "--preset", "zz-pairs-vs-regions", "--quiet", "--format", "json")}
atlas = ca.load(progress=False)
out = sys.argv[1]
page = maps.read_page_data(maps.atlas_map(atlas, out + "/atlas.html"))
tl = maps.read_page_data(maps.timeline_map(atlas, out + "/timeline.html"))
pairs = [l for l in page["layers"] if l["id"] == "zz_pairs_2028"][0]
era = [e for e in tl["eras"] if e["key"] == "2028"][0]
got.update({"atlas": [l["id"] for l in page["layers"]], "style": pairs["style"], "noun": pairs.get("noun"),
            "eras": [e["key"] for e in tl["eras"]], "era": {k: era[k] for k in ("layer", "lines", "bodies")},
            "moved": era["changes"]["total"], "chart": [(r["layer"], r["label"]) for r in tl["chart"]]})
print(json.dumps(got))
"""


@pytest.mark.integration
def test_a_throwaway_layer_set_and_preset_from_declarations_alone(tmp_path, mirror):
    """A folder of declarations alone adds a layer, a footprint set, a preset, a style, an era and a
    commissioner: `layers` lists them, `check --list-presets` and a check run use them, the atlas page and the
    timeline draw them."""
    folder = tmp_path / "declarations"
    folder.mkdir()
    for name, text in THROWAWAY.items():
        (folder / name).write_text(text.lstrip(), encoding="utf-8")
    env = {**os.environ, settings.DECLARATIONS_ENV: str(folder), settings.MIRROR_ENV: str(mirror),
           "PYTHONPATH": str(ROOT / "src")}
    cache = settings.cache_dir() / "layers"
    try:  # one process (the CLI's three commands, then the pages), as a user's new shell would see it
        res = subprocess.run([sys.executable, "-c", _RUN, str(tmp_path)], capture_output=True, text=True,
                             env=env, timeout=1200, cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        got = json.loads(res.stdout)
        listing = got["layers"]
        rows = {ln.split()[0]: ln for ln in listing.splitlines() if ln and not ln.startswith(("==", "layer", "bases"))}
        assert "zz_region_2023" in rows and rows["zz_region_2023"].split()[2] == "7"
        assert "== 2028" in listing and rows["zz_pairs_2028"].split()[3] == "34"  # 36 ICBs, two pairs merged
        assert "zz_pairs_2028.csv, dissolved from LSOAs" in rows["zz_pairs_2028"]
        assert ("zz-pairs-vs-regions      zz_pairs_2028 vs zz_region_2023 (crosses, coverage): "
                "Does a throw-away pair cross a region?") in got["presets"].splitlines()
        doc = json.loads(got["report"])
        assert doc["title"] == "Throw-away pairs against throw-away regions" and doc["against"] == "zz_region_2023"
        assert doc["counts"]["warning"] == 0  # each pair lies in one region, and with the other ICBs covers England once
        assert "zz_pairs_2028" in got["atlas"] and got["style"]["color"] == "#123456"
        assert got["eras"][-1] == "2028"
        assert got["era"] == {"layer": "zz_pairs_2028", "lines": ["zz_region_2023"], "bodies": 34}
        assert got["moved"] > 0  # the merged ICBs left their 2026 bodies
        assert got["chart"][-1] == ["zz_pairs_2028", "ZZ pairs"]
    finally:  # the throw-away layer's and set's cache entries (their keys are their own: no other is touched)
        for p in [*cache.glob("zz_region_2023-*"), *cache.glob("footprints_zz_pairs_2028-*")]:
            p.unlink()
