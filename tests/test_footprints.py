"""Proposal tables, scenarios and footprints (synthetic LSOAs; the shipped geo/ tables; real data)."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from commissioning_atlas._errors import ScenarioError
from commissioning_atlas.footprints import MEMBER_LAYERS
from commissioning_atlas.footprints import (build_footprints, count_organisations, footprint_membership,
                                            load_proposal_set, read_proposals, unit_catalogue,
                                            validate_proposals)

FIX = Path(__file__).parent / "fixtures" / "footprints"
ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "src/commissioning_atlas/data/geo"
ORG_CODES = ROOT.parent / "shared" / "data" / "upstream" / "ebmdatalab" / "openprescribing" / "openprescribing" \
    / "data" / "org_codes"

# -- a synthetic England: 8 LSOAs in a 4 x 2 grid of 1 km squares -------------------------------
#   PCTs  P1 (CL01) L1 L2 | P2 (CL01) L3 L4 | P3 (CL02) L5 L6 | P4 (CL03) L7 L8
#   CCGs  C1 L1-L3 | C2 L4-L6 | C3 L7 L8
PCT = ["E16000001"] * 2 + ["E16000002"] * 2 + ["E16000003"] * 2 + ["E17000001"] * 2
CLU = ["CL01"] * 4 + ["CL02"] * 2 + ["CL03"] * 2
CCG = ["E38000001"] * 3 + ["E38000002"] * 3 + ["E38000003"] * 2


@pytest.fixture(scope="module")
def lsoa() -> gpd.GeoDataFrame:
    geoms = [box(1000 * (i % 4), 1000 * (i // 4), 1000 * (i % 4 + 1), 1000 * (i // 4 + 1)) for i in range(8)]
    return gpd.GeoDataFrame({
        "code": [f"E0100000{i}" for i in range(1, 9)], "name": [f"L{i}" for i in range(1, 9)],
        "population": [100 * i for i in range(1, 9)], "area_m2": [1e6] * 8,
        "pct_2011": PCT, "pct_cluster_2011": CLU, "sha_2011": ["E18000001"] * 8,
        "ccg_2013": CCG, "nhs_area_team_2013": ["E39000001"] * 8,
    }, geometry=geoms, crs="EPSG:27700")


@pytest.fixture(scope="module")
def layers() -> dict[str, pd.DataFrame]:
    def lay(codes, names, ods, **extra):
        return pd.DataFrame({"code": codes, "name": names, "ods_code": ods, **extra})
    return {
        "pct_2011": lay(["E16000001", "E16000002", "E16000003", "E17000001"],
                        ["South Gloucestershire", "Havering", "Kingston", "Northumberland"],
                        ["5A3", "5A4", "5A5", "TAC"]),
        "pct_cluster_2011": lay(["CL01", "CL02", "CL03"], ["NHS North Pair", "NHS Middle", "NHS South"], ["", "", ""]),
        "sha_2011": lay(["E18000001"], ["North East"], ["Q30"]),
        "ccg_2013": lay(["E38000001", "E38000002", "E38000003"], ["NHS Airedale", "NHS Ashford", "NHS Aylesbury Vale"],
                        ["02N", "09C", "10Y"], registered_population=[1000, 2000, 3000]),
        "nhs_area_team_2013": lay(["E39000001"], ["Everywhere"], [""]),
    }


@pytest.fixture(scope="module")
def units(lsoa, layers) -> pd.DataFrame:
    return unit_catalogue(lsoa, layers)


def _raises(path: Path, units, row, column, *words) -> str:
    with pytest.raises(ScenarioError) as ei:
        validate_proposals(read_proposals(path), path, units)
    msg = str(ei.value)
    assert path.name in msg, msg
    assert f"row {row}" in msg, msg
    assert f"column {column!r}" in msg, msg
    for w in words:
        assert w in msg, msg
    assert "\n" not in msg
    return msg


# -- reading and footprints -------------------------------------------------------------------

def test_unit_catalogue_atoms(units):
    cl01 = units[units.code == "CL01"].iloc[0]
    assert cl01.atoms == ("E16000001", "E16000002") and cl01.vintage == "2011"
    assert set(units.layer) == {"pct_2011", "pct_cluster_2011", "sha_2011", "ccg_2013", "nhs_area_team_2013"}


def test_build_footprints_csv_partners_and_in_house(lsoa, layers):
    df = read_proposals(FIX / "good.csv")
    assert count_organisations(df) == 2  # the in-house row has a footprint but does not count
    fp, memb = build_footprints(df, lsoa, layers)
    assert list(fp.code) == ["A1", "A2", "A3"]
    a1 = fp.set_index("code").loc["A1"]
    # CL01 (L1-L4) plus the partner CL02 (L5-L6): partners_in_footprint = yes
    assert a1.population == sum(range(100, 700, 100)) and a1.area_km2 == pytest.approx(6.0)
    assert bool(a1.partners_in_footprint) and a1.partners == "CL02" and a1.service_model == "hub and spoke"
    a2 = fp.set_index("code").loc["A2"]
    assert a2.population == 500 + 600  # 5A5 = PCT E16000003 by ODS code
    assert list(fp.counted) == [True, True, False]
    assert fp.registered_population.isna().all()  # 2011 units: no registered lists
    assert fp.crs == lsoa.crs and fp.geometry.is_valid.all()
    assert fp.geometry.iloc[0].area == pytest.approx(6e6)
    # A1's partner overlaps A2: the membership says so, the coverage check will report it
    shared = set(memb[memb.code == "A1"].lsoa_code) & set(memb[memb.code == "A2"].lsoa_code)
    assert shared == {"E01000005", "E01000006"}


def test_partners_left_out_when_asked(lsoa, layers):
    df = read_proposals(FIX / "good.csv")
    memb = footprint_membership(df, lsoa, unit_catalogue(lsoa, layers), include_partners=False)
    assert sorted(memb[memb.code == "A1"].lsoa_code) == [f"E0100000{i}" for i in range(1, 5)]


def test_build_footprints_yaml_2013_registered(lsoa, layers):
    df = read_proposals(FIX / "good.yaml")
    assert df.loc[1, "date"] == "2013-04-01"
    fp, memb = build_footprints(df, lsoa, layers)
    u = fp.set_index("code")
    assert u.loc["U1", "registered_population"] == 3000 and u.loc["U2", "registered_population"] == 3000
    assert u.loc["U1", "population"] == sum(range(100, 700, 100))
    assert set(fp.vintage) == {"2013"} and len(memb) == 8


def test_scenario_base_remove_replace(lsoa, layers):
    fp, memb = load_proposal_set(FIX / "scenario_merge.yaml", lsoa, layers)
    assert list(fp.code) == ["A3", "A1"]
    assert fp.set_index("code").loc["A1", "population"] == sum(range(100, 700, 100))
    assert memb.groupby("lsoa_code").size().max() == 1


def test_overlap_allowed_when_not_exclusive(lsoa, layers):
    df = read_proposals(FIX / "overlap_allowed.yaml")
    assert df.attrs["exclusive"] is False
    fp, memb = build_footprints(df, lsoa, layers)
    assert memb.groupby("lsoa_code").size().max() == 2
    with pytest.raises(ScenarioError, match="claimed twice"):
        build_footprints(df, lsoa, layers, exclusive=True)


def test_hostile_text_is_kept_as_data(lsoa, layers):
    df = read_proposals(FIX / "hostile_text.csv")
    assert df.loc[0, "name"].startswith("=HYPERLINK(")
    assert "<script>" in df.loc[0, "note"] and "\n" in df.loc[0, "note"]
    assert df.loc[1, "name"] == "{{ __import__('os').system('echo hi') }}"
    fp, _ = build_footprints(df, lsoa, layers)
    assert list(fp.name) == list(df.name)


# -- every error names file, row and column -----------------------------------------------------

def test_unknown_unit_suggests(units):
    msg = _raises(FIX / "unknown_unit.csv", units, 2, "members", "CL99", "did you mean")
    assert "CL01" in msg or "CL02" in msg or "CL03" in msg


def test_unknown_unit_suggests_by_name(units, tmp_path):
    p = tmp_path / "byname.csv"
    p.write_text("code,name,members\nA1,One,Kingstn\n")
    _raises(p, units, 1, "members", "Kingston")


def test_duplicate_code(units):
    _raises(FIX / "duplicate_code.csv", units, 3, "code", "duplicate", "row 1")


def test_unit_claimed_twice(units):
    _raises(FIX / "claimed_twice.csv", units, 2, "members", "claimed twice", "E16000002", "A1")


def test_unit_listed_twice_in_one_organisation(units):
    _raises(FIX / "listed_twice.csv", units, 1, "members", "E16000001", "twice")


def test_partner_overlapping_own_members(units):
    _raises(FIX / "partner_overlaps_member.csv", units, 1, "partners", "E16000002")


def test_empty_organisation(units):
    _raises(FIX / "empty_org.csv", units, 2, "members", "no members")


def test_mixed_vintages_in_one_organisation(units):
    _raises(FIX / "mixed_vintage.csv", units, 1, "members", "mixed vintages", "E38000003")


def test_mixed_vintages_in_one_set(units):
    _raises(FIX / "mixed_vintage_set.yaml", units, 2, "members", "mixed vintages", "10Y")


def test_missing_required_column(units):
    _raises(FIX / "missing_column.csv", units, "header", "members", "missing required column", "'member'")


def test_missing_required_key_yaml(units):
    _raises(FIX / "missing_key.yaml", units, 2, "name", "missing required key")


def test_malformed_csv(units):
    _raises(FIX / "malformed.csv", units, 2, "members", "malformed CSV", "line 3")


def test_malformed_yaml(units):
    _raises(FIX / "malformed.yaml", units, 4, "(text)", "malformed YAML", "line 4")


def test_hostile_yaml_is_not_evaluated(units, tmp_path):
    marker = Path("/tmp/pwned_by_scenario")
    marker.unlink(missing_ok=True)
    _raises(FIX / "hostile.yaml", units, 2, "(text)", "malformed YAML")
    assert not marker.exists()


def test_bad_yes_no_flag(units):
    _raises(FIX / "bad_flag.csv", units, 1, "partners_in_footprint", "yes or no")


def test_bad_organisation_code(units):
    _raises(FIX / "bad_code.csv", units, 1, "code", "letters")


def test_not_utf8(units):
    with pytest.raises(ScenarioError, match="UTF-8") as ei:
        read_proposals(FIX / "not_utf8.csv")
    assert "not_utf8.csv" in str(ei.value) and "row 1" in str(ei.value) and "column '(text)'" in str(ei.value)


def test_unknown_file_type(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("[]")
    with pytest.raises(ScenarioError, match=r"x\.json.*\.csv, \.yaml"):
        read_proposals(p)


def test_scenario_remove_unknown(tmp_path, units):
    p = tmp_path / "s.yaml"
    p.write_text(f"base: {FIX / 'good.csv'}\nremove: [A9]\norganisations: []\n")
    with pytest.raises(ScenarioError) as ei:
        read_proposals(p)
    msg = str(ei.value)
    assert "s.yaml" in msg and "column 'remove'" in msg and "A9" in msg


def test_error_rows_from_base_name_the_base_file(tmp_path, units):
    base = tmp_path / "base.csv"
    base.write_text("code,name,members\nB1,One,CL01\nB2,Two,CL02\n")
    p = tmp_path / "s.yaml"
    p.write_text("base: base.csv\norganisations:\n  - {code: N1, name: New, members: CL02}\n")
    msg = _raises(p, units, 1, "members", "claimed twice", "B2")  # row 1 of s.yaml's organisations
    assert "s.yaml" in msg


def test_self_base_refused(tmp_path):
    p = tmp_path / "loop.yaml"
    p.write_text("base: loop.yaml\norganisations: []\n")
    with pytest.raises(ScenarioError, match="own base"):
        read_proposals(p)


# -- the shipped tables ---------------------------------------------------------------------------

def _rows(name: str) -> list[dict]:
    with open(GEO / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_css_2012_table():
    rows = _rows("css_2012.csv")
    df = read_proposals(GEO / "css_2012.csv")
    assert count_organisations(df) == 41 and len(df) == 42
    clusters = [c for r in rows for c in r["members"].split()]
    assert sorted(clusters) == [f"CL{i:02d}" for i in range(1, 51)]  # every cluster exactly once
    assert all(r["source"] and r["confidence"] in {"high", "medium", "low"} for r in rows)
    by = {r["code"]: r for r in rows}
    luton = next(r for r in rows if r["members"] == "CL31")
    assert luton["partners"] and luton["partners_in_footprint"] == "yes"  # reaches beyond its cluster
    assert next(r for r in rows if r["members"] == "CL27")["status"] == "in-house"
    assert next(r for r in rows if r["members"] == "CL16")["service_model"] == "hub and spoke"
    london = [r for r in rows if set(r["members"].split()) <= {f"CL{i}" for i in range(32, 38)}]
    assert len(london) == 3
    assert by["CSS01"]["members"] == "CL01 CL02 CL03 CL04"


def test_csu_2013_table():
    rows = _rows("csu_2013.csv")
    df = read_proposals(GEO / "csu_2013.csv")
    assert count_organisations(df) == 19
    members = [c for r in rows for c in r["members"].split()]
    assert len(members) == len(set(members)) == 211
    path = ORG_CODES / "CCG_APR_2013.csv"
    if path.exists():
        official = set(pd.read_csv(path, dtype=str, encoding="cp1252")["CCG13CD"])
        assert set(members) == official
    css = {r["code"] for r in _rows("css_2012.csv")}
    formed = [c for r in rows for c in r["formed_from"].split()]
    assert set(formed) == css  # every 2012 organisation went somewhere


def test_worked_scenario_reads():
    for p in sorted((GEO / "scenarios").glob("*.y*ml")):
        df = read_proposals(p)
        assert len(df) > 1 and df["code"].is_unique


# -- real data (slow: builds or loads the atlas) ---------------------------------------------

@pytest.mark.integration
def test_real_footprints(atlas):
    from commissioning_atlas.footprints import load_footprint_set

    css, memb = load_footprint_set(atlas, "css_2012")
    assert len(css) == 42 and int(css.counted.sum()) == 41
    cl = atlas.layer("pct_cluster_2011").set_index("code")
    luton = css[css.members == "CL31"].iloc[0]
    assert luton.population > cl.loc["CL31", "population"]  # the partner is in the footprint
    assert memb.lsoa_code.nunique() == len(atlas.lsoa)  # England covered
    csu, m2 = load_footprint_set(atlas, "csu_2013")
    assert len(csu) == 20 and int(csu.counted.sum()) == 19
    assert m2.lsoa_code.is_unique and len(m2) == len(atlas.lsoa)
    assert int(csu.population.sum()) == 53_012_456
    assert (csu.registered_population > 0).all()
    lsoa = atlas.lsoa_table(MEMBER_LAYERS)  # the LSOAs with the code columns of every member layer
    for p in sorted((GEO / "scenarios").glob("*.y*ml")):
        fp, _ = load_proposal_set(p, lsoa, atlas.layers)
        assert np.isfinite(fp.area_km2).all()


# -- plan tables: one row per unit (unit_code, group), the planner page's export -------------------

def test_plan_table_groups_units(lsoa, layers, tmp_path):
    p = tmp_path / "plan.csv"
    p.write_text("unit_code,group,unit_name,group_name\nE16000001,A,x,North pair\nE16000002,A,y,\n"
                 "E16000003,<b>New & odd</b>,z,\nE17000001,,w,\n")
    df = read_proposals(p)
    assert list(df["code"]) == ["A", "G1"]
    assert list(df["name"]) == ["North pair", "<b>New & odd</b>"]  # a name is text, kept verbatim
    assert list(df["members"]) == ["E16000001 E16000002", "E16000003"]
    fp, memb = build_footprints(df, lsoa, layers)
    assert list(fp["population"]) == [100 + 200 + 300 + 400, 500 + 600]  # E17000001 unassigned: left out
    assert set(memb["code"]) == {"A", "G1"}


def test_plan_table_errors_name_the_unit_row(units, tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text("unit_code,group\nE16000001,A\nE16000002,B\nE16000001,B\n")
    with pytest.raises(ScenarioError, match=r"row 3.*'unit_code'.*appears twice \(rows 1 and 3\)"):
        read_proposals(p)
    p.write_text("unit_code,group\nE16000001,A\nE16000002,B\nE16000099,B\n")
    _raises(p, units, 3, "unit_code", "unknown unit code 'E16000099'")
    p.write_text("unit_code,group\nE16000001,A\nE38000001,B\n")  # a CCG among PCTs: another layer's unit
    _raises(p, units, 2, "unit_code", "mixed vintages")
    p.write_text("unit_code,group\nE16000001,\n")
    with pytest.raises(ScenarioError, match="every unit of the plan is unassigned"):
        read_proposals(p)
