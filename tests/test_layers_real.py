"""The real England layers: counts, populations, clean coverages, the PCT reconstruction, the cache."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from commissioning_atlas.build import context as L

pytestmark = pytest.mark.integration


def test_every_layer_counts_all_of_england_on_its_basis(atlas):
    """Every declared layer holds uniquely coded, named units in EPSG:27700 whose residents sum to England's
    total on the layer's stated basis, and to the Census 2011 total on that basis too."""
    from commissioning_atlas.sources.population import BASES

    assert len(L.EXPECTED_FEATURES) >= 40
    for lid in L.EXPECTED_FEATURES:
        layer = atlas.layer(lid)
        assert layer["code"].is_unique and layer["name"].str.strip().astype(bool).all(), lid
        assert layer.crs.to_epsg() == 27700
        basis = layer.attrs["population_basis"]
        assert basis == atlas.info(lid)["basis"]
        assert int(layer["population"].sum()) == BASES[basis].england_total, lid
        assert int(atlas.layer(lid, population="census_2011")["population"].sum()) == 53_012_456, lid


@pytest.mark.parametrize("name, residents", [
    ("Birmingham", 1_073_045), ("Kent", 1_463_740), ("Cornwall", 532_273), ("Hartlepool", 92_028),
    ("City of London", 7_375), ("Isles of Scilly", 2_203)])
def test_councils_hold_their_census_2011_residents(atlas, name, residents):
    """Summed over its LSOAs, an upper-tier council of 2011 holds the usual residents ONS published for it
    (Census 2011 table KS101EW): the LSOA base and the council membership are both right."""
    utla = atlas.layer("utla_2011", population="census_2011").set_index("name")
    assert int(utla.loc[name, "population"]) == residents


def test_largest_and_smallest_icbs_of_2022(atlas):
    """The 42 ICBs of July 2022 on the Census 2021 basis: North East and North Cumbria the largest (about
    3 million), Shropshire, Telford and Wrekin the smallest (about half a million)."""
    icb = atlas.layer("icb_2022").set_index("name")
    assert icb.attrs["population_basis"] == "census_2021"
    assert icb["population"].idxmax() == "NHS North East and North Cumbria Integrated Care Board"
    assert icb["population"].idxmin() == "NHS Shropshire, Telford and Wrekin Integrated Care Board"
    assert 2_900_000 < icb["population"].max() < 3_100_000 and 480_000 < icb["population"].min() < 540_000


def test_lsoa_population_and_membership(atlas):
    lsoa = atlas.lsoa
    assert int(lsoa["population"].sum()) == 53_012_456
    assert lsoa["population"].min() > 0
    for lid in L.LSOA_LAYERS:
        col = atlas.column(lid)
        assert pd.notna(col).all(), lid
        assert set(col) == set(atlas.layer(lid)["code"]), lid


@pytest.mark.parametrize("lid", ["lsoa_2011", "pct_2011", "ccg_2013", "utla_2011"])
def test_clean_coverage(atlas, lid):
    g = atlas.layer(lid).geometry.values
    assert shapely.is_valid(g).all()
    assert shapely.coverage_is_valid(g), f"{lid}: shared edges must match exactly"
    union = shapely.coverage_union_all(g)
    overlap = shapely.area(g).sum() - union.area
    assert abs(overlap) < 1.0, f"{lid}: {overlap:.2f} m^2 of overlap"
    holes = [shapely.polygons(shapely.get_interior_ring(p, i)) for p in shapely.get_parts(union)
             for i in range(shapely.get_num_interior_rings(p))]
    assert sum(h.area for h in holes) < 1.0, f"{lid}: gaps between neighbours"


def test_slivers_were_measured_and_repaired(atlas):
    s = atlas.report["lsoa_2011"]["slivers"]
    assert s["valid_coverage"]
    assert s["overlap_pairs"] > 0 and s["gaps"] > 0  # the raw files do have slivers
    # the build checks only the repaired neighbourhood; the whole repaired coverage must agree
    assert shapely.coverage_is_valid(atlas.lsoa.geometry.values)


def test_nesting_is_exact(atlas):
    for child, parent in [("pct_2011", "pct_cluster_2011"), ("pct_2011", "sha_2011"),
                          ("sha_2011", "sha_cluster_2011"), ("lad_2011", "utla_2011"),
                          ("ccg_2013", "nhs_area_team_2013"), ("nhs_area_team_2013", "nhs_region_2013"),
                          ("ccg_2017", "stp_2017"), ("ccg_2018", "stp_2018"), ("stp_2019", "nhs_region_2020"),
                          ("ccg_2021", "stp_2021"), ("sicbl_2022", "icb_2022"), ("icb_2022", "nhs_region_2022"),
                          ("sicbl_2023", "icb_2023"), ("icb_2023", "nhs_region_2023"), ("lad_2023", "utla_2023"),
                          ("lad_2019", "utla_2019"), ("lad_2021", "utla_2021")]:
        pairs = pd.DataFrame({"child": atlas.column(child), "parent": atlas.column(parent)})
        per_child = pairs.groupby("child")["parent"].nunique()
        assert (per_child == 1).all(), f"{child} splits across {parent}"


def test_pcts_match_the_april_2011_list(atlas):
    pct = atlas.layer("pct_2011").set_index("code")
    assert len(pct) == 151
    assert set(pct.index.str[:3]) <= {"E16", "E17"}
    assert pct["ods_code"].str.fullmatch(r"5\w\w|TA\w").all()
    assert atlas.report["pct_cluster_2011"]["pct_sha_check"]["pcts"] == 151
    largest, smallest = pct["population"].idxmax(), pct["population"].idxmin()
    assert pct.loc[largest, "name"] == "Hampshire"
    assert pct.loc[smallest, "name"] == "Hartlepool"
    ratio = pct.loc[largest, "population"] / pct.loc[smallest, "population"]
    assert 12 <= ratio <= 16, ratio  # King's Fund: about 14 times


def test_clusters_reach_across_sha_lines_where_expected(atlas):
    pct = atlas.layer("pct_2011").set_index("name")
    bassetlaw, mk = pct.loc["Bassetlaw"], pct.loc["Milton Keynes"]
    cl = atlas.layer("pct_cluster_2011").set_index("code")
    assert "South Yorkshire" in cl.loc[bassetlaw["cluster_code"], "name"]
    assert "Milton Keynes" in cl.loc[mk["cluster_code"], "name"]
    assert len(cl.loc[bassetlaw["cluster_code"], "pct_sha_codes"].split()) == 2
    assert len(cl.loc[mk["cluster_code"], "pct_sha_codes"].split()) == 2


def test_ccg_best_fit_agrees_with_ons_2015(atlas):
    rep = atlas.report["ccg_2013"]["ccg_assignment"]
    unexplained = rep["lsoas_differing_from_ons_2015"] - rep["of_which_in_ccgs_whose_code_changed_by_2015"]
    assert unexplained <= 20, rep
    ccg = atlas.layer("ccg_2013")
    assert ccg["ods_code"].str.fullmatch(r"\d\d[A-Z0-9]").all()
    assert (ccg["registered_population"] > 0).all()
    # registered lists exceed residents nationally (list inflation), but within 10 %
    assert 0.95 < ccg["registered_population"].sum() / ccg["population"].sum() < 1.1


def test_cache_is_reused_and_invalidated(atlas, mirror, monkeypatch):
    import commissioning_atlas as ca

    ctx = atlas.ctx
    key = ctx.layer_key("pct_cluster_2011")
    assert ctx.cache.read("pct_cluster_2011", key) is not None
    monkeypatch.setattr(L.BuildContext, "_build", lambda *a, **k: pytest.fail("a cached run must not rebuild"))
    again = ca.load(mirror=mirror, progress=False)
    assert len(again.layer("pct_2011")) == 151
    assert ctx.cache.read("pct_cluster_2011", "0" * 20) is None  # a change to sources or tables changes the key


def test_one_layer_from_a_cold_cache_builds_only_what_it_needs(atlas, mirror, tmp_path, monkeypatch):
    """icb_2022 needs sub-ICB locations (and its parent region for the nesting check), nothing of 2011-21."""
    import shutil

    import commissioning_atlas as ca

    cache = tmp_path / "cache"
    (cache / "layers").mkdir(parents=True)
    src = atlas.ctx.cache.folder
    for p in src.glob(f"lsoa_2011-{atlas.ctx.base_key()}.*"):  # keep the LSOA base: it takes 25 s
        shutil.copy(p, cache / "layers" / p.name)
    shutil.copytree(atlas.ctx.cache.folder.parent / "upstream", cache / "upstream")
    monkeypatch.setenv("COMMISSIONING_ATLAS_CACHE", str(cache))
    built = []
    real = L.BuildContext._build
    monkeypatch.setattr(L.BuildContext, "_build", lambda self, spec: built.append(spec.id) or real(self, spec))
    cold = ca.load(mirror=mirror, progress=False)
    assert len(cold.layer("icb_2022", population="census_2011")) == 42
    assert sorted(built) == ["icb_2022", "nhs_region_2022", "sicbl_2022"]


def test_ccg_predecessor_pcts_come_from_the_geometry(atlas):
    ccg = atlas.layer("ccg_2013").set_index("name")
    cp = ccg.loc["NHS Cambridgeshire and Peterborough", "predecessor_pcts"]
    assert {p.split()[0] for p in cp.split("; ")} >= {"5PP", "5PN"}  # Cambridgeshire PCT, Peterborough PCT
    assert ccg.loc["NHS Tameside and Glossop", "predecessor_pcts"] == "5LH 100.0%"
    shares = ccg["predecessor_pcts"].str.split("; ").map(lambda ps: sum(float(p.split()[1][:-1]) for p in ps))
    assert ((shares - 100).abs() < 0.05 * ccg["predecessor_pct_count"]).all()  # rounding only


def test_area_teams_of_2013_are_27_with_three_in_london(atlas):
    at = atlas.layer("nhs_area_team_2013").set_index("ods_code")
    assert len(at) == 27
    assert {"Q61", "Q62", "Q63"} <= set(at.index)
    assert at.loc[["Q61", "Q62", "Q63"], "population"].sum() == atlas.layer("nhs_region_2013").set_index("name").loc[
        "London", "population"]
    rep = atlas.report["nhs_area_team_2013"]["nhs_area_team_2013"]
    assert rep["teams_without_gss_code"] == ["Q61", "Q62", "Q63"]
    assert "E39000018" in rep["ons_teams_split"]  # the 25-team ONS list has one London team


def test_the_2021_review_moved_glossop_bassetlaw_and_west_birmingham(atlas):
    ccg21, sicbl = atlas.column("ccg_2021"), atlas.column("sicbl_2022")
    icb = atlas.column("icb_2022")
    names = dict(zip(atlas.layer("icb_2022")["code"], atlas.layer("icb_2022")["name"]))
    glossop = atlas.lsoa["name"].str.startswith("High Peak") & (atlas.column("ccg_2013") == atlas.layer(
        "ccg_2013").set_index("name").loc["NHS Tameside and Glossop", "code"])
    assert glossop.sum() == 21
    assert {names[c] for c in icb[glossop.to_numpy()]} == {"NHS Derby and Derbyshire Integrated Care Board"}
    bassetlaw = atlas.lsoa["name"].str.startswith("Bassetlaw").to_numpy()
    assert {names[c] for c in icb[bassetlaw]} == {"NHS Nottingham and Nottinghamshire Integrated Care Board"}
    assert (ccg21 != sicbl).sum() > 0
