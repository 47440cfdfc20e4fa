"""The real England layers: counts, populations, clean coverages, the PCT reconstruction, the cache."""

from __future__ import annotations

import pytest
import shapely

from commissioning_atlas import layers as L

pytestmark = pytest.mark.integration


def test_every_layer_has_its_count(atlas):
    for lid, n in L.EXPECTED_FEATURES.items():
        layer = atlas.layer(lid)
        assert len(layer) == n, lid
        assert layer["code"].is_unique, lid
        assert layer.crs.to_epsg() == 27700
        assert {"code", "name", "population", "geometry"} <= set(layer.columns)
        assert int(layer["population"].sum()) == 53_012_456, lid


def test_lsoa_population_and_membership(atlas):
    lsoa = atlas.lsoa
    assert int(lsoa["population"].sum()) == 53_012_456
    assert lsoa["population"].min() > 0
    for lid in L.LSOA_LAYERS:
        assert lsoa[lid].notna().all(), lid
        assert set(lsoa[lid]) == set(atlas.layer(lid)["code"]), lid


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
    s = atlas.report["slivers"]
    assert s["valid_coverage"]
    assert s["overlap_pairs"] > 0 and s["gaps"] > 0  # the raw files do have slivers
    # the build checks only the repaired neighbourhood; the whole repaired coverage must agree
    assert shapely.coverage_is_valid(atlas.lsoa.geometry.values)


def test_nesting_is_exact(atlas):
    lsoa = atlas.lsoa
    for child, parent in [("pct_2011", "pct_cluster_2011"), ("pct_2011", "sha_2011"),
                          ("sha_2011", "sha_cluster_2011"), ("lad_2011", "utla_2011"),
                          ("ccg_2013", "nhs_area_team_2013"), ("nhs_area_team_2013", "nhs_region_2013")]:
        per_child = lsoa.groupby(child)[parent].nunique()
        assert (per_child == 1).all(), f"{child} splits across {parent}"


def test_pcts_match_the_april_2011_list(atlas):
    pct = atlas.layer("pct_2011").set_index("code")
    assert len(pct) == 151
    assert set(pct.index.str[:3]) <= {"E16", "E17"}
    assert pct["ods_code"].str.fullmatch(r"5\w\w|TA\w").all()
    assert atlas.report["pct_sha_check"]["pcts"] == 151
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
    rep = atlas.report["ccg_assignment"]
    unexplained = rep["lsoas_differing_from_ons_2015"] - rep["of_which_in_ccgs_whose_code_changed_by_2015"]
    assert unexplained <= 20, rep
    ccg = atlas.layer("ccg_2013")
    assert ccg["ods_code"].str.fullmatch(r"\d\d[A-Z0-9]").all()
    assert (ccg["registered_population"] > 0).all()
    # registered lists exceed residents nationally (list inflation), but within 10 %
    assert 0.95 < ccg["registered_population"].sum() / ccg["population"].sum() < 1.1


def test_cache_is_reused_and_invalidated(atlas, mirror, monkeypatch):
    key = L.cache_key()
    assert L.read_cache(key) is not None
    monkeypatch.setattr(L, "build_layers", lambda *a, **k: pytest.fail("a cached run must not rebuild"))
    again = L.build_or_load(mirror=mirror, progress=False)
    assert len(again.layers["pct_2011"]) == 151
    assert L.read_cache("0" * 64) is None  # any change to sources or geo/ tables changes the key


def test_ccg_predecessor_pcts_come_from_the_geometry(atlas):
    ccg = atlas.layer("ccg_2013").set_index("name")
    cp = ccg.loc["NHS Cambridgeshire and Peterborough", "predecessor_pcts"]
    assert {p.split()[0] for p in cp.split("; ")} >= {"5PP", "5PN"}  # Cambridgeshire PCT, Peterborough PCT
    assert ccg.loc["NHS Tameside and Glossop", "predecessor_pcts"] == "5LH 100.0%"
    shares = ccg["predecessor_pcts"].str.split("; ").map(lambda ps: sum(float(p.split()[1][:-1]) for p in ps))
    assert ((shares - 100).abs() < 0.05 * ccg["predecessor_pct_count"]).all()  # rounding only
