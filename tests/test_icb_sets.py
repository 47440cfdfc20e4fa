"""The reorganisation under way, on the real data: ICB clusters (2025), the 36 ICBs of April 2026, the
2027 proposals, the rules of 2025 and a worked scenario."""

from __future__ import annotations

import numpy as np
import pytest

from commissioning_atlas.checks import run_check, run_preset

pytestmark = pytest.mark.integration
SCENARIO = "src/commissioning_atlas/data/geo/scenarios/east_midlands_one_icb_2027.yaml"


def test_icb_2026_is_the_approved_36_in_seven_regions(atlas):
    icb = atlas.layer("icb_2026").set_index("ods_code")
    assert len(icb) == 36
    regions = atlas.column("nhs_region_2023")
    per_icb = {c: set(regions[atlas.column("icb_2026") == c]) for c in icb["code"]}
    assert all(len(r) == 1 for r in per_icb.values()) and len(set().union(*per_icb.values())) == 7
    new = {"T6Y0W": "Norfolk and Suffolk", "D7T5G": "Essex", "S1Y5D": "Central East", "Z9B2Z": "West and North London",
           "S0E4D": "Thames Valley", "S9B9J": "Surrey and Sussex"}
    for ods, words in new.items():
        assert words in icb.loc[ods, "name"] and icb.loc[ods, "gss_code"] == ""  # no GSS code published
    assert icb.loc["QRL", "status"] == "boundary change"
    rep = atlas.report["icb_2026"]["contains"]
    assert rep == ["QRL holds all of utla_2023 E10000014",
                   "S9B9J holds all of utla_2023 E10000030 E10000032 E10000011 E06000043"]


def test_frimley_is_split_three_ways_by_council(atlas):
    f = run_check(atlas, "icb_2026", "icb_2023", ("changes",), geometry=False)
    frimley = f[f["against_name"].str.contains("Frimley")].set_index("subject_name")
    assert set(frimley.index) == {"NHS Thames Valley Integrated Care Board", "NHS Surrey and Sussex Integrated Care Board",
                                  "NHS Hampshire and Isle of Wight Integrated Care Board"}
    assert frimley["population"].sum() == atlas.layer("icb_2023").set_index("ods_code").loc["QNQ", "population"]
    assert (frimley["population_basis"] == "census_2021").all()


def test_clusters_cover_england_once_and_split_two_east_of_england_icbs(atlas):
    cl = atlas.layer("icb_cluster_2025")
    assert len(cl) == 26 and cl.attrs["vintage"] == "2023"
    assert int(cl["population"].sum()) == 56_490_046  # Census 2021: every LSOA in exactly one cluster
    f, _ = run_preset(atlas, "cluster-2025-vs-region", geometry=False)
    assert not (f["rule"] == "coverage").any()  # no gap, no overlap
    memb = atlas.membership("icb_cluster_2025")
    icb = dict(zip(atlas.lsoa["code"], atlas.column("icb_2023")))
    clusters_of = memb.assign(icb=memb["lsoa_code"].map(icb)).groupby("icb")["code"].nunique()
    names = dict(zip(atlas.layer("icb_2023")["code"], atlas.layer("icb_2023")["ods_code"]))
    assert {names[c] for c in clusters_of.index[clusters_of > 1]} == {"QJG", "QM7"}  # SNEE and HWE


def test_headline_sizes_and_council_splits(atlas):
    under = {}
    for lid in ("icb_2022", "icb_2026"):
        for basis in ("census_2021", "census_2011"):
            under[(lid, basis)] = int((atlas.layer(lid, population=basis)["population"] < 1_000_000).sum())
    assert under[("icb_2022", "census_2021")] == 15 and under[("icb_2026", "census_2021")] == 11
    assert under[("icb_2022", "census_2011")] == 17 and under[("icb_2026", "census_2011")] == 11
    assert under[("icb_2022", "census_2011")] >= under[("icb_2022", "census_2021")]
    split = {}
    for key in ("icb-2022-vs-councils", "icb-2026-vs-councils", "merger-2027-vs-councils"):
        f, meta = run_preset(atlas, key, geometry=False)
        split[key] = sorted(set(f.loc[f["severity"].eq("warning") & f["rule"].eq("splits"), "against_name"]))
    assert {"Cumbria", "Essex", "Hampshire", "Surrey"} <= set(split["icb-2022-vs-councils"])
    assert not {"Essex", "Hampshire", "Surrey", "Suffolk"} & set(split["icb-2026-vs-councils"])
    # by residents: Buckinghamshire's 6,996 in Central East are a fringe (info), not a split
    assert split["icb-2026-vs-councils"] == split["merger-2027-vs-councils"] == \
        ["Cumberland", "North Yorkshire", "Westmorland and Furness"]


def test_2027_proposals_all_pass_the_floor_and_regions(atlas):
    m = atlas.layer("icb_merger_2027")
    assert len(m) == 26 and (m["status"] == "proposed").sum() == 8
    assert m["population"].min() >= 1_000_000
    for key in ("merger-2027-size", "merger-2027-vs-region"):
        assert len(run_preset(atlas, key, geometry=False)[0]) == 0, key


def test_worked_scenario_one_east_midlands_icb(mirror):
    import commissioning_atlas as ca

    a = ca.load(mirror=mirror, progress=False, scenario=SCENARIO)
    sc = a.layer("scenario").set_index("code")
    assert len(sc) == 25 and sc.attrs["vintage"] == "2026"
    assert sc.loc["EM2027", "population"] == 4_880_010
    assert "M2027-05" not in sc.index and "M2027-01" in sc.index
    f, meta = run_preset(a, "merger-2027-size", geometry=False)
    assert meta["subject"] == "scenario" and len(f) == 0
    f, _ = run_preset(a, "merger-2027-vs-councils", geometry=False)
    em = f[f["subject_code"] == "EM2027"]
    assert set(em["rule"]) == {"coterminosity"} and (em["class"] == "union").all()
    assert np.isclose(em["share_population"].iloc[0], 1.0) or em["class"].iloc[0] == "union"
