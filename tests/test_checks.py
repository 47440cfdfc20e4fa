"""The rule engine: synthetic units for the rules' logic, the real England layers for the seeds' cases."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from commissioning_atlas import Atlas, cli
from commissioning_atlas import checks
from commissioning_atlas._errors import AtlasError, DataError
from commissioning_atlas.checks import Tolerance, classify, crosstab, run_check

# ------------------------------------------------------------------------------------------
# synthetic: six 1 km squares in a 3 x 2 grid
#   L1 L2 L3        SHA A = L1 L2 L3, SHA B = L4 L5 L6
#   L4 L5 L6        cluster X = L1 L2 L4 (straddles A/B), Y = L3 (within A), Z = L5 L6 (within B)
# L6 has 10 residents and a tiny area share, so a part made of it is below a 2% tolerance.


def _atlas(extra_sha_for_l6: str = "B", names: dict | None = None) -> Atlas:
    squares = [shapely.box(x * 1000, y * 1000, x * 1000 + 1000, y * 1000 + 1000)
               for y in (1, 0) for x in (0, 1, 2)]
    codes = [f"L{i}" for i in range(1, 7)]
    lsoa = gpd.GeoDataFrame({
        "code": codes, "name": codes,
        "population": [1000, 1000, 1000, 1000, 1000, 10],
        "area_m2": [1e6, 1e6, 1e6, 1e6, 1e6, 1e4],
        "sha_2011": ["A", "A", "A", "B", "B", extra_sha_for_l6],
        "pct_cluster_2011": ["X", "X", "Y", "X", "Z", "Z"],
        "pct_2011": codes,
    }, geometry=squares, crs="EPSG:27700")
    names = names or {}

    def layer(col):
        g = lsoa.dissolve(by=col, aggfunc={"population": "sum", "area_m2": "sum"}).reset_index()
        g = g.rename(columns={col: "code"})
        g["name"] = [names.get(c, f"Unit {c}") for c in g["code"]]
        g["ods_code"] = ""
        g["area_km2"] = g["area_m2"] / 1e6
        return g[["code", "name", "ods_code", "population", "area_km2", "geometry"]]

    layers = {c: layer(c) for c in ("sha_2011", "pct_cluster_2011", "pct_2011")}
    return Atlas.from_frames(lsoa, layers)


def test_crosstab_sums_area_and_people_over_lsoas():
    parts = crosstab(_atlas(), "pct_cluster_2011", "sha_2011").set_index(["subject_code", "against_code"])
    assert parts.loc[("X", "A"), "population"] == 2000
    assert parts.loc[("X", "B"), "population"] == 1000
    assert parts.loc[("X", "A"), "share_population"] == pytest.approx(2 / 3)
    assert parts.loc[("X", "B"), "cover_population"] == pytest.approx(1000 / 2010)
    assert parts.loc[("Z", "B"), "share_area"] == pytest.approx(1.0)


def test_coterminosity_classes_strict_and_tolerant():
    a = _atlas(extra_sha_for_l6="A")  # L6 (10 people, 1% of Z's area) now lies in A
    parts = crosstab(a, "pct_cluster_2011", "sha_2011")
    strict, tolerant = classify(parts, 0.0), classify(parts, 0.02)
    assert strict["X"] == tolerant["X"] == "straddling"
    assert strict["Y"] == tolerant["Y"] == "within"
    assert strict["Z"] == "straddling" and tolerant["Z"] == "within"  # the 10-person part is a sliver
    # PCTs (one LSOA each) against clusters: each PCT is within its cluster; Y's single PCT equals it
    pct = classify(crosstab(a, "pct_2011", "pct_cluster_2011"), 0.0)
    assert pct["L3"] == "equal" and pct["L1"] == "within"
    # clusters against PCTs: every cluster is a union of whole PCTs, or equal to one
    cl = classify(crosstab(a, "pct_cluster_2011", "pct_2011"), 0.0)
    assert cl["X"] == "union" and cl["Y"] == "equal"


def test_crosses_reports_every_part_with_severity_and_geometry():
    f = run_check(_atlas(), "pct_cluster_2011", "sha_2011", ["crosses"])
    assert set(f["subject_code"]) == {"X"}
    by = f.set_index("against_code")
    assert by.loc["A", "class"] == "main part" and by.loc["A", "severity"] == "info"
    assert by.loc["B", "class"] == "crossing part" and by.loc["B", "severity"] == "warning"
    assert by.loc["B", "area_km2"] == pytest.approx(1.0)
    assert by.loc["B", "geometry"].area == pytest.approx(1e6)  # the part is L4's square
    assert all(f["tolerance"].str.contains("2%"))
    assert checks.has_problems(f)


def test_sliver_part_is_not_a_crossing():
    f = run_check(_atlas(extra_sha_for_l6="A"), "pct_cluster_2011", "sha_2011", ["crosses"],
                  tol=Tolerance(share=0.02))
    z = f[f["subject_code"] == "Z"]
    assert list(z["class"]) == ["main part", "below tolerance"]
    assert not (z["severity"] == "warning").any()
    strict = run_check(_atlas(extra_sha_for_l6="A"), "pct_cluster_2011", "sha_2011", ["crosses"],
                       tol=Tolerance(share=0.0))
    assert (strict[strict["subject_code"] == "Z"]["class"] == "crossing part").any()


def test_coverage_finds_gaps_and_overlaps():
    a = _atlas()
    fp = a.layers["pct_cluster_2011"].iloc[:0].copy()
    fp = gpd.GeoDataFrame({"code": ["P", "Q"], "name": ["Org P", "Org Q"], "ods_code": "", "population": 0,
                           "area_km2": 0.0}, geometry=[shapely.box(0, 0, 1, 1)] * 2, crs="EPSG:27700")
    memb = pd.DataFrame({"lsoa_code": ["L1", "L2", "L2", "L3", "L4"], "code": ["P", "P", "Q", "Q", "Q"]})
    a._footprints["css_2012"] = (fp, memb)
    f = run_check(a, "css_2012", "sha_2011", ["coverage"])
    gaps = f[f["class"] == "gap"]
    overlaps = f[f["class"] == "overlap"]
    assert list(gaps["against_code"]) == ["B"] and gaps["population"].iloc[0] == 1010  # L5 + L6
    assert list(overlaps["subject_code"]) == ["P+Q"] and overlaps["population"].iloc[0] == 1000
    assert overlaps["subject_name"].iloc[0] == "Org P + Org Q"
    assert gaps.geometry.iloc[0].area == pytest.approx(1e6 + 1e6)  # L5 and L6's squares


def test_size_thresholds_with_basis():
    a = _atlas()
    th = pd.DataFrame({"id": ["min2k"], "applies_to": ["pct_cluster_2011"], "min_population": ["2,000"],
                       "max_population": ["2500"], "basis": ["resident"], "source": ["test"]})
    f = checks.check_size(a, "pct_cluster_2011", thresholds=th)
    got = dict(zip(f["subject_code"], f["class"]))
    assert got == {"Y": "below minimum", "X": "above maximum", "Z": "below minimum"}
    assert f.set_index("subject_code").loc["Y", "share_population"] == pytest.approx(0.5)


def test_thresholds_table_is_validated(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("id,applies_to,min_population,max_population,basis,source\nx,ccg_2013,lots,,resident,s\n")
    with pytest.raises(DataError, match=r"t.csv, row 2, column 'min_population'"):
        checks.read_thresholds(bad)
    bad.write_text("id,applies_to,min_population,max_population,basis,source\nx,ccg_2013,1,,resident,\n")
    with pytest.raises(DataError, match="needs a source"):
        checks.read_thresholds(bad)
    shipped = checks.read_thresholds()
    assert set(shipped["min_population"]) >= {"750000", "500000"}  # both BMA figures, each cited


def test_hostile_names_are_escaped_in_markdown_and_formulas_in_csv():
    hostile = "<img src=x onerror=alert(1)>|=HYPERLINK(\"http://x\")"
    a = _atlas(names={"X": hostile, "B": "=cmd|' /C calc'!A0"})
    f = run_check(a, "pct_cluster_2011", "sha_2011", ["crosses"], geometry=False)
    md = checks.to_markdown(f, {"title": "t", "subject": "s", "against": "a", "rules": ["crosses"]})
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;\\|" in md
    rows = list(pd.read_csv(__import__("io").StringIO(checks.to_csv(f)), dtype=str, keep_default_na=False)
                .itertuples(index=False))
    assert all(not str(v).startswith(("=", "+", "@")) for r in rows for v in r)
    table = checks.to_table(f, {"title": "t"})
    assert "\n" not in hostile and table.count("\n") == len(f) + 4


def test_unknown_rule_and_missing_reference():
    a = _atlas()
    with pytest.raises(AtlasError, match="did you mean crosses"):
        run_check(a, "pct_cluster_2011", "sha_2011", ["crossess"])
    with pytest.raises(AtlasError, match="needs a reference layer"):
        run_check(a, "pct_cluster_2011", None, ["crosses"])
    with pytest.raises(AtlasError, match="did you mean sha_2011"):
        run_check(a, "pct_cluster_2011", "sha_201", ["crosses"])


# ------------------------------------------------------------------------------------------
# the real England layers

@pytest.mark.integration
def test_luton_and_bedfordshire_reaches_beyond_its_cluster(atlas):
    f, meta = checks.run_preset(atlas, "proposal-vs-cluster", geometry=False)
    css28 = f[(f["rule"] == "crosses") & (f["subject_code"] == "CSS28")].set_index("against_code")
    cl = atlas.layer("pct_cluster_2011").set_index("code")
    assert css28.loc["CL31", "class"] == "home part"
    assert css28.loc["CL19", "class"] == "crossing part" and css28.loc["CL19", "severity"] == "warning"
    assert css28.loc["CL19", "population"] == cl.loc["CL19", "population"]
    assert css28["share_population"].sum() == pytest.approx(1.0)
    # multi-cluster services built from whole clusters (North East, London) do not "cross"
    crossing = set(f[(f["rule"] == "crosses") & (f["severity"] == "warning")]["subject_code"])
    assert crossing == {"CSS28"}
    # its partner cluster is also served by its own CSS: the coverage rule reports the overlap
    ov = f[(f["rule"] == "coverage") & (f["class"] == "overlap")]
    assert list(ov["against_code"]) == ["CL19"] and "CSS28" in ov["subject_code"].iloc[0]


@pytest.mark.integration
def test_clusters_that_took_a_pct_from_another_sha(atlas):
    f, _ = checks.run_preset(atlas, "cluster-vs-sha", geometry=False)
    cross = f[(f["rule"] == "crosses") & (f["class"] == "crossing part")]
    assert set(cross["subject_code"]) == {"CL12", "CL19"}
    pct = atlas.layer("pct_2011").set_index("name")
    bassetlaw = pct.filter(like="Bassetlaw", axis=0)["population"].sum()
    mk = pct.filter(like="Milton Keynes", axis=0)["population"].sum()
    got = dict(zip(cross["subject_code"], cross["population"]))
    assert got == {"CL12": bassetlaw, "CL19": mk}
    assert dict(zip(cross["subject_code"], cross["against_name"])) == {"CL12": "East Midlands",
                                                                       "CL19": "South Central"}
    cot = f[f["rule"] == "coterminosity"]
    assert set(cot[cot["class"] == "straddling"]["subject_code"]) == {"CL12", "CL19"}
    assert (cot[~cot["subject_code"].isin(["CL12", "CL19"])]["class"] == "within").all()


@pytest.mark.integration
def test_ccgs_straddling_upper_tier_authorities(atlas):
    f, _ = checks.run_preset(atlas, "ccg-vs-utla", geometry=False)
    cot = f[f["rule"] == "coterminosity"].set_index("subject_name")
    assert len(cot) == 211
    tg = cot.loc["NHS Tameside and Glossop"]
    assert tg["class"] == "straddling" and tg["class_strict"] == "straddling"
    part = f[(f["rule"] == "crosses") & (f["subject_name"] == "NHS Tameside and Glossop")
             & (f["class"] == "crossing part")]
    assert list(part["against_name"]) == ["Derbyshire"]
    assert 30_000 < part["population"].iloc[0] < 36_000  # Glossop (High Peak part of the PCT)
    # classes are exhaustive, and strict is never less strict than tolerant
    assert set(cot["class"]) <= {"equal", "union", "within", "straddling"}
    assert (cot["class_strict"] == "straddling").sum() >= (cot["class"] == "straddling").sum()


@pytest.mark.integration
def test_shares_agree_with_geopandas_overlay(atlas):
    """The LSOA sums give the same area shares as a polygon overlay of the same layers."""
    s, r = atlas.layer("pct_cluster_2011"), atlas.layer("sha_2011")
    ov = gpd.overlay(s[["code", "geometry"]], r[["code", "geometry"]].rename(columns={"code": "rcode"}),
                     how="intersection", keep_geom_type=True)
    ov["area_m2"] = ov.area
    ov = ov[ov["area_m2"] > 1.0].groupby(["code", "rcode"])["area_m2"].sum()
    parts = crosstab(atlas, "pct_cluster_2011", "sha_2011").set_index(["subject_code", "against_code"])
    assert set(ov.index) == set(parts.index)
    np.testing.assert_allclose(parts.loc[ov.index, "area_m2"].to_numpy(), ov.to_numpy(), rtol=1e-6, atol=1.0)


@pytest.mark.integration
def test_every_preset_runs_on_the_real_data(atlas):
    for name in checks.declared_presets():
        f, meta = checks.run_preset(atlas, name, geometry=False)
        assert list(f.columns[:-1]) == checks.FINDING_COLUMNS
        assert meta["tolerance"] and f["severity"].isin(checks.SEVERITIES).all()
    size, _ = checks.run_preset(atlas, "ccg-size", geometry=False)
    below_750 = size[size["against_code"] == "bma_750k_seed"]
    ccg = atlas.layer("ccg_2013")
    assert len(below_750) == int((ccg["registered_population"] < 750_000).sum())
    assert size["note"].str.contains("registered patients").all()


# ------------------------------------------------------------------------------------------
# the command line: formats and exit codes

@pytest.mark.integration
def test_cli_json_table_csv_md_gpkg(atlas, mirror, tmp_path, capsys):
    base = ["check", "--preset", "cluster-vs-sha", "--mirror", str(mirror), "--quiet"]
    assert cli.main(base + ["--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["findings"][0]) == set(checks.FINDING_COLUMNS)
    assert doc["counts"]["warning"] == 4 and len(doc["findings"]) == 54
    assert cli.main(base) == 1
    out = capsys.readouterr().out
    assert "54 rows: 0 error, 4 warning, 50 info" in out and "tolerance:" in out
    assert cli.main(base + ["--format", "csv", "-o", str(tmp_path / "f.csv")]) == 1
    assert len(pd.read_csv(tmp_path / "f.csv")) == 54
    assert cli.main(base + ["--format", "md", "-o", str(tmp_path / "f.md")]) == 1
    assert (tmp_path / "f.md").read_text().count("\n| ") == 55
    assert cli.main(base + ["--format", "gpkg", "-o", str(tmp_path / "f.gpkg")]) == 1
    g = gpd.read_file(tmp_path / "f.gpkg")
    # geometry for the four parts of the two crossing clusters and for the two straddling clusters
    assert len(g) == 54 and int(g.geometry.notna().sum()) == 6
    capsys.readouterr()


@pytest.mark.integration
def test_cli_exit_zero_without_findings(mirror, capsys):
    args = ["check", "--subject", "nhs_region_2013", "--against", "sha_cluster_2011", "--rule", "coterminosity",
            "--mirror", str(mirror), "--quiet", "--format", "json"]
    assert cli.main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["warning"] == 0 and {f["class"] for f in doc["findings"]} == {"equal"}


@pytest.mark.parametrize("args, words", [
    (["--preset", "cluster-vs-shaa"], "did you mean cluster-vs-sha"),
    (["--subject", "ccg_2013", "--against", "utla"], "did you mean utla_2023"),
    (["--preset", "ccg-size", "--rule", "size2"], "unknown rule"),
    (["--preset", "ccg-size", "--format", "gpkg"], "needs an output file"),
    (["--preset", "ccg-size", "--tolerance", "0.9"], "--tolerance must be"),
    (["--preset", "ccg-size", "--subject", "ccg_2013"], "not both"),
    ([], "nothing to check"),
    (["--subject", "ccg_2013", "--against", "ccg_2013"], "same layer"),
])
def test_cli_bad_options_exit_2(args, words, tmp_path, monkeypatch, capsys):
    """Bad options are one line and exit 2 before any data is read: the mirror and the cache are empty
    folders here, so a run that tried to load England would fail on a missing file instead."""
    monkeypatch.setenv("COMMISSIONING_ATLAS_CACHE", str(tmp_path / "cache"))
    (tmp_path / "mirror").mkdir()
    assert cli.main(["check", "--mirror", str(tmp_path / "mirror"), "--quiet"] + args) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "cache").exists() and not list((tmp_path / "mirror").iterdir())


def test_cli_bad_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["check", "--preset", "ccg-size", "--format", "xml"])
    assert e.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.integration
def test_worked_scenario_runs_through_check_and_export(mirror, tmp_path, capsys):
    from pathlib import Path

    scen = Path(__file__).resolve().parents[1] / "src/commissioning_atlas/data/geo" / "scenarios" / "birmingham_black_country_2012.yaml"
    args = ["--mirror", str(mirror), "--quiet", "--scenario", str(scen)]
    assert cli.main(["check", "--preset", "proposal-vs-cluster", "--format", "json"] + args) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["subject"] == "scenario"
    merged = [f for f in doc["findings"] if f["subject_code"] == "WHATIF1" and f["rule"] == "coterminosity"]
    assert merged and merged[0]["class"] == "union"  # two whole clusters, CL20 + CL21
    assert cli.main(["export", "scenario", "-o", str(tmp_path / "s.gpkg")] + args) == 0
    g = gpd.read_file(tmp_path / "s.gpkg")
    assert len(g) == 41 and "WHATIF1" in set(g["code"])
    capsys.readouterr()


def test_overlap_under_one_square_metre_is_not_a_finding():
    a = _atlas()
    a.lsoa.loc[a.lsoa["code"] == "L6", "area_m2"] = 0.5  # a generalisation sliver, not a real overlap
    fp = gpd.GeoDataFrame({"code": ["P", "Q"], "name": ["Org P", "Org Q"], "ods_code": "", "population": 0,
                           "area_km2": 0.0}, geometry=[shapely.box(0, 0, 1, 1)] * 2, crs="EPSG:27700")
    memb = pd.DataFrame({"lsoa_code": ["L1", "L2", "L3", "L4", "L5", "L6", "L6"],
                         "code": ["P", "P", "P", "Q", "Q", "Q", "P"]})
    a._footprints["css_2012"] = (fp, memb)
    f = run_check(a, "css_2012", "sha_2011", ["coverage"], geometry=False)
    assert len(f) == 0
    f = run_check(a, "css_2012", "sha_2011", ["coverage"], tol=Tolerance(area_m2=0.1), geometry=False)
    assert list(f["class"]) == ["overlap"] and f["tolerance"].iloc[0].endswith("areas under 0.1 m2 ignored")


def test_splits_lists_each_council_split_between_bodies():
    # the councils' view: SHA A is split between clusters X (L1 L2) and Y (L3); B between Z (L5 L6) and X (L4)
    f = run_check(_atlas(), "pct_cluster_2011", "sha_2011", ["splits"], geometry=True)
    got = {(r.against_code, r.subject_code): (r["class"], r.severity, r.population) for _, r in f.iterrows()}
    assert got[("A", "X")] == ("largest part", "info", 2000)
    assert got[("A", "Y")] == ("split part", "warning", 1000)
    assert got[("B", "Z")] == ("largest part", "info", 1010)
    assert got[("B", "X")] == ("split part", "warning", 1000)
    assert f.geometry.notna().all() and set(f["population_basis"]) == {"census_2011"}


def test_splits_lists_fringes_under_the_share_as_info():
    # L6 (10 people, 0.3% of SHA A's residents) in SHA A: a fringe of cluster Z, listed but not splitting A
    a = _atlas(extra_sha_for_l6="A")
    f = run_check(a, "pct_cluster_2011", "sha_2011", ["splits"], geometry=False).set_index(["against_code", "subject_code"])
    assert f.loc[("A", "Z"), "class"] == "fringe" and f.loc[("A", "Z"), "class_strict"] == "split part"
    assert f.loc[("A", "Z"), "severity"] == "info" and f.loc[("A", "Z"), "population"] == 10
    assert f.loc[("A", "Y"), "class"] == "split part"  # 1,000 people, a third of A
    assert f["tolerance"].iloc[0] == Tolerance().describe_splits()


def test_splits_minimum_number_of_people():
    # with a floor of 1,001 people, cluster Y's 1,000 in SHA A and cluster X's 1,000 in SHA B are fringes
    tol = Tolerance(split_people=1001)
    f = run_check(_atlas(), "pct_cluster_2011", "sha_2011", ["splits"], tol, geometry=False)
    assert set(f["class"]) == {"largest part", "fringe"} and checks.councils_split(f) == []
    assert tol.describe_splits().endswith("at least 2% of the council's residents and at least 1,001 people")
    f = run_check(_atlas(), "pct_cluster_2011", "sha_2011", ["splits"], Tolerance(split_people=1000), geometry=False)
    assert checks.councils_split(f) == ["A", "B"]


@pytest.mark.parametrize("kwargs, words", [({"split_by": "area"}, "unknown split rule"),
                                           ({"split_share": 0.6}, "between 0 and 0.5"),
                                           ({"split_people": -1}, "must not be negative")])
def test_split_rule_is_validated(kwargs, words):
    with pytest.raises(AtlasError, match=words):
        Tolerance(**kwargs)


def test_changes_classifies_recoded_merged_split_and_moved():
    # older: clusters X Y Z; newer: SHA A, B (as if clusters were regrouped): X's L4 went to B
    f = run_check(_atlas(), "sha_2011", "pct_cluster_2011", ["changes"], geometry=False)
    got = {(r.against_code, r.subject_code): r["class"] for _, r in f.iterrows()}
    assert got[("Y", "A")] == "merged"     # all of Y went into A, with most of X
    assert got[("X", "A")] == "split"      # A's main predecessor is X: X split, not moved
    assert got[("X", "B")] == "moved"      # part of X went to B, which is made mostly of Z
    assert got[("Z", "B")] == "merged"
    assert (f.loc[f["class"] == "moved", "severity"] == "warning").all()
