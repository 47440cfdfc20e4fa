"""No hidden process state: progress through logging, the output policy an object (no module-level lists),
GDAL options restored, no process started by a library call."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from commissioning_atlas import Atlas
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.build.context import FrameContext
from commissioning_atlas.cli.common import log_to_stderr
from commissioning_atlas.footprints import read_proposals
from commissioning_atlas.io import read, safe

FIX = Path(__file__).parent / "fixtures" / "footprints"

LINE = "built sha_2011 (2 strategic health authorities) in 0.1 s"


def test_progress_is_logged_and_the_cli_prints_the_same_line(capsys, caplog):
    log = logging.getLogger("commissioning_atlas.build.context")
    with caplog.at_level(logging.INFO, logger="commissioning_atlas"):
        log.info(LINE)
    assert [r.getMessage() for r in caplog.records] == [LINE]
    assert capsys.readouterr().err == ""  # a library call prints nothing itself
    with log_to_stderr():
        log.info(LINE)
        logging.getLogger("commissioning_atlas.build.cache").warning("warning: cache file %s is damaged", "x.json")
    assert capsys.readouterr().err == f"{LINE}\nwarning: cache file x.json is damaged\n"
    log.info(LINE)  # the handler goes with the command
    assert capsys.readouterr().err == "" and not logging.getLogger("commissioning_atlas").handlers


def _prints(path: Path) -> list[str]:
    """Calls of a module that print: ``print(...)``, ``sys.stdout.write``/``sys.stderr.write``, ``tqdm.write``."""
    import ast

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id == "print":
            out.append(f"{path.name}:{node.lineno} print")
        elif isinstance(f, ast.Attribute) and f.attr in ("write", "writelines") and isinstance(f.value, ast.Attribute) \
                and f.value.attr in ("stdout", "stderr"):
            out.append(f"{path.name}:{node.lineno} sys.{f.value.attr}.{f.attr}")
    return out


def test_library_code_never_prints_it_logs():
    """Only the CLI writes to the terminal (its handler prints the library's log records); every other module
    logs (``logging.getLogger(__name__)``). Download bars (tqdm) are drawn only when ``progress`` asks."""
    pkg = Path(safe.__file__).resolve().parents[1]
    found = [hit for p in sorted(pkg.rglob("*.py")) if "cli" not in p.relative_to(pkg).parts for hit in _prints(p)]
    assert found == []
    assert _prints(pkg / "cli" / "__init__.py")  # the scan sees a write where there is one (the damaged-package line)


def test_the_output_policy_is_an_object_not_process_state(tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text("code,name,members\n")
    read.read_user_csv(mine)  # reading records nothing anywhere: the caller lists its inputs
    assert safe.guard_output(mine) == mine
    policy = safe.OutputPolicy()
    policy.register_input(mine)
    for write in (lambda: safe.write_text(mine, "replaced", policy),
                  lambda: safe.write_text(tmp_path / "." / "mine.csv", "replaced", policy)):
        with pytest.raises(AtlasError, match="is an input of this run"):
            write()
    assert mine.read_text() == "code,name,members\n"
    safe.write_text(tmp_path / "out.csv", "x", policy)  # other files are fine
    assert safe.guard_output(mine) == mine  # another run (without this policy) is not bound by it
    policy.protect_folder(tmp_path / "keep", "the folder kept")
    with pytest.raises(AtlasError, match=r"is in the folder kept"):
        safe.guard_output_folder(tmp_path / "keep" / "maps", policy)
    with pytest.raises(AtlasError, match=r"is in the folder kept"):
        with safe.staged_folder(tmp_path / "keep", policy):
            pass
    # io keeps no list, set or dict that grows as a run goes (only constant tables)
    for module in (safe, read):
        grows = [n for n, v in vars(module).items() if isinstance(v, (list, set, dict)) and not n.isupper()
                 and not n.startswith("__") and n not in ("_PROBLEM",)]
        assert grows == [], module.__name__


def test_a_scenario_records_every_file_it_read():
    df = read_proposals(FIX / "scenario_merge.yaml")
    assert df.attrs["inputs"] == [str(FIX / "scenario_merge.yaml"), str((FIX / "good.csv").resolve())]
    assert read_proposals(FIX / "good.csv").attrs["inputs"] == [str(FIX / "good.csv")]


@pytest.mark.integration
def test_a_library_call_given_no_policy_never_replaces_what_its_atlas_read(atlas, tmp_path):
    """No CLI, no policy: a crosswalk written from an atlas with a scenario refuses the scenario's base file."""
    from commissioning_atlas.crosswalk import write_crosswalk

    codes = list(atlas.layer("pct_cluster_2011")["code"])
    base = tmp_path / "base.csv"
    base.write_text(f"code,name,members\nA,Alpha,{codes[0]} {codes[1]}\nB,Beta,{codes[2]}\n", encoding="utf-8")
    scen = tmp_path / "s.yaml"
    scen.write_text("base: base.csv\nremove: [B]\n", encoding="utf-8")
    copy = atlas.with_scenario(scen)
    assert copy.input_files() == [scen, base.resolve()] and atlas.input_files() == []
    cw = copy.crosswalk("scenario", "sha_2011")
    before = base.read_bytes()
    for target in (base, tmp_path / "." / "base.csv"):
        with pytest.raises(AtlasError, match="is an input of this run"):
            write_crosswalk(cw, target, atlas=copy)
    assert base.read_bytes() == before
    assert write_crosswalk(cw, tmp_path / "cw.csv", atlas=copy) is None and (tmp_path / "cw.csv").stat().st_size
    assert write_crosswalk(cw, base, atlas=atlas) is None  # the atlas without the scenario read nothing of it


def test_gdal_date_option_is_restored_after_a_geopackage_write(tmp_path):
    frame = gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:27700")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    safe.write_gpkg_layer(tmp_path / "a.gpkg", frame, "a")
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None
    safe.write_gpkg_layer(tmp_path / "b.gpkg", frame, "a")
    assert (tmp_path / "a.gpkg").read_bytes() == (tmp_path / "b.gpkg").read_bytes()  # the date was pinned


class _Ctx(FrameContext):
    """A context that records whether anyone asked it to start its worker process."""

    asked: list = []

    def prefetch_populations(self, bases, with_2024: bool = True) -> None:
        self.asked.append(sorted(bases))


def test_build_all_starts_a_worker_only_when_asked():
    lsoa = gpd.GeoDataFrame({"code": ["L1", "L2"], "name": ["a", "b"], "population": [1, 2], "area_m2": 1.0,
                             "sha_2011": ["A", "B"]},
                            geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs="EPSG:27700")
    sha = lsoa.rename(columns={"sha_2011": "c"})[["c", "geometry"]].rename(columns={"c": "code"})
    sha["name"], sha["ods_code"], sha["area_km2"] = ["SHA A", "SHA B"], "", 1e-6
    atlas = Atlas(ctx=_Ctx(lsoa, {"sha_2011": sha}))
    atlas.build_all()
    assert _Ctx.asked == []
    atlas.build_all(parallel=True)
    assert _Ctx.asked == [["census_2011"]]


def test_the_proposal_reader_keeps_no_context_of_its_own():
    """The atlas's layers reach the reader as an argument (no context variable set around the call)."""
    import contextvars

    from commissioning_atlas.footprints import read as proposal_read

    assert not [n for n, v in vars(proposal_read).items() if isinstance(v, contextvars.ContextVar)]


@pytest.mark.integration
def test_a_scenario_based_on_an_icb_layer_reads_the_atlas_layers_it_is_given(atlas, tmp_path):
    icbs = atlas.layer("icb_2026")
    a, b = [str(o or c) for o, c in zip(icbs["ods_code"].fillna(""), icbs["code"])][:2]
    scen = tmp_path / "two_merged.yaml"
    scen.write_text(f"base: icb_2026\nremove: [{a}, {b}]\norganisations:\n  - {{code: M1, name: Merged, "
                    f"members: {a} {b}}}\n", encoding="utf-8")
    with pytest.raises(AtlasError, match="base 'icb_2026' not found"):
        read_proposals(scen)  # without the atlas's layers an ICB layer is no base
    df = read_proposals(scen, layers=atlas.layers)
    assert len(df) == len(icbs) - 1 and df.attrs["vintage"] == "2026"
    merged = atlas.with_scenario(scen).layer("scenario").set_index("code")
    assert merged.loc["M1", "population"] == icbs.loc[icbs.index[:2], "population"].sum()


@pytest.mark.integration
def test_advise_never_replaces_a_base_file_of_the_plan_it_keeps(atlas, tmp_path, monkeypatch, capsys):
    """`advise --fix plan.yaml -o other.csv`, where plan.yaml builds on other.csv: refused, other.csv untouched
    (the advice records the files its fix plan read; no list outlives the command)."""
    from commissioning_atlas import cli

    other = tmp_path / "other.csv"
    other.write_text("code,name,members\nA,Alpha,CL01 CL02\n", encoding="utf-8")
    (tmp_path / "plan.yaml").write_text("base: other.csv\norganisations:\n  - {code: B, name: Beta, members: CL03}\n",
                                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = cli.main(["advise", "--units", "pct_cluster_2011", "--floor", "750000", "--within", "sha_2011", "--fix",
                     "plan.yaml", "--no-count", "--time-limit", "20", "-o", "other.csv", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "other.csv: is an input of this run" in err
    assert other.read_text(encoding="utf-8") == "code,name,members\nA,Alpha,CL01 CL02\n"
    assert cli.main(["advise", "--units", "pct_cluster_2011", "--floor", "750000", "--within", "sha_2011",
                     "--no-count", "--time-limit", "20", "-o", "other.csv", "--quiet"]) == 0  # another run may
