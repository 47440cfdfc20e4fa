"""coverage: snapping, overlap and gap repair, dissolve by group."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from commissioning_atlas.build.coverage import dissolve, dissolve_geoms, repair_coverage


def _grid(n=3, size=100.0):
    return np.array([box(i * size, j * size, (i + 1) * size, (j + 1) * size)
                     for j in range(n) for i in range(n)], dtype=object)


def test_clean_grid_is_untouched():
    g = _grid()
    out, rep = repair_coverage(g)
    assert rep.valid_coverage and rep.overlap_pairs == 0 and rep.gaps == 0 and rep.repaired_features == 0
    assert np.allclose(shapely.area(out), 10_000)


def test_float_noise_is_snapped():
    g = _grid()
    # move a shared edge by 0.1 mm on one side only: floating noise, not a real sliver
    g[0] = box(0, 0, 100.0001, 100)
    assert not shapely.coverage_is_valid(g)
    out, rep = repair_coverage(g)
    assert rep.valid_coverage
    assert rep.invalid_edges_raw >= 1


def test_overlap_goes_to_one_side_and_gap_is_filled():
    g = _grid()
    g[0] = box(0, 0, 103, 100)          # overlaps its right neighbour by 300 m^2
    g[4] = box(100, 100, 195, 200)      # leaves a 5 m wide hole between the middle and its right neighbour
    out, rep = repair_coverage(g)
    assert rep.valid_coverage
    assert rep.overlap_pairs == 1 and abs(rep.overlap_area_m2 - 300) < 1e-6
    assert rep.overlap_pairs_over_tolerance == 1
    assert rep.gaps == 1 and abs(rep.gap_area_m2 - 500) < 1e-6
    # no overlap left: the parts sum to the union; no hole left
    union = shapely.union_all(out)
    assert abs(shapely.area(out).sum() - union.area) < 1e-6
    assert shapely.get_num_interior_rings(union) == 0
    assert abs(union.area - 90_000) < 1e-6
    # the overlap is kept by the lower-index polygon
    assert abs(out[0].area - 10_300) < 1e-6 and abs(out[1].area - 9_700) < 1e-6
    # the gap went to the neighbour sharing most of its boundary (both share 100 m; the lower index wins)
    assert abs(out[4].area + out[5].area - 20_000) < 1e-6


def test_dissolve_groups_and_sums():
    g = _grid()
    lsoa = gpd.GeoDataFrame({"code": [f"L{i}" for i in range(9)], "population": np.arange(9) * 10,
                             "area_m2": shapely.area(g)}, geometry=g, crs="EPSG:27700")
    memb = pd.DataFrame({"lsoa_code": ["L0", "L1", "L2", "L2", "L8"], "code": ["A", "A", "A", "B", "B"]})
    out = dissolve(lsoa, memb)
    assert out["code"].tolist() == ["A", "B"]
    assert out["population"].tolist() == [30, 100]
    assert np.allclose(out["area_km2"], [0.03, 0.02])
    assert out.geometry.iloc[0].equals(box(0, 0, 300, 100))
    keys, geoms = dissolve_geoms(g, np.array(list("ABABABABA"), dtype=object))
    assert keys.tolist() == ["A", "B"] and abs(geoms[0].area - 50_000) < 1e-6


def test_dissolve_pieces_unions_whole_finer_units_and_the_lsoas_of_split_ones():
    from commissioning_atlas.build.context import dissolve_pieces

    lsoas = _grid(4)  # 16 squares, row by row
    # finer units: the four 2x2 blocks; the new units keep blocks 0, 1, 2 whole and split block 3
    block = np.array([(j // 2) * 2 + (i // 2) for j in range(4) for i in range(4)])
    codes = np.array(["A" if b in (0, 1) else "B" for b in block], dtype=object)
    codes[15] = "A"  # one LSOA of block 3 goes to A
    fine_index, fine_geoms = dissolve_geoms(lsoas, block)
    assert list(fine_index) == [0, 1, 2, 3]
    geoms, labels = dissolve_pieces(codes, block, fine_geoms, lsoas)
    assert len(geoms) == 3 + 4  # blocks 0, 1, 2 whole; the four LSOAs of block 3 one by one
    assert sorted(labels) == ["A", "A", "A", "B", "B", "B", "B"]
    k, got = dissolve_geoms(geoms, labels)
    k0, want = dissolve_geoms(lsoas, codes)
    assert list(k) == list(k0) == ["A", "B"]
    assert all(shapely.equals(a, b) for a, b in zip(got, want))
    assert shapely.area(got[0]) == 9 * 10_000


def test_dissolve_memo_reuses_a_union_of_the_same_pieces_only():
    g = _grid()
    unions: dict = {}
    keys1 = np.array(list("AAABBBCCC"), dtype=object)  # the three rows
    keys2 = np.array(list("AAABBCBCC"), dtype=object)  # row A unchanged; B and C swap a square
    _, first = dissolve_geoms(g, keys1, unions)
    _, second = dissolve_geoms(g, keys2, unions)
    assert second[0] is first[0]  # the same pieces in the same order: dissolved once
    assert second[1] is not first[1] and second[2] is not first[2]
    assert len(unions) == 5
    _, plain = dissolve_geoms(g, keys2)  # the memo changes nothing in the result
    assert list(shapely.to_wkb(second)) == list(shapely.to_wkb(plain))
    assert abs(second[1].area - 30_000) < 1e-6 and not second[1].equals(first[1])


def test_assign_points_gives_the_polygon_within_which_each_point_lies():
    from commissioning_atlas.build.kinds import assign_points

    g = _grid(2)  # L0 L1 (bottom), L2 L3 (top)
    g[3] = box(50, 100, 200, 200)  # L3 also covers half of L2: points there are in two polygons
    polys = gpd.GeoDataFrame({"code": ["L0", "L1", "L2", "L3"]}, geometry=g, crs="EPSG:27700")
    pts = shapely.points([(50, 50), (150, 50), (25, 150), (75, 150), (100, 20), (250, 50)])
    codes, outside, several = assign_points(pts, polys)
    # (100, 20) lies on the edge L0/L1, within neither: the nearest (L0, the first); (250, 50) beyond L1
    assert codes.tolist() == ["L0", "L1", "L2", "L2", "L0", "L1"]
    assert (outside, several) == (2, 1)
    within_pairs = shapely.STRtree(g).query(pts, predicate="within")
    assert sorted(zip(*within_pairs)) == [(0, 0), (1, 1), (2, 2), (3, 2), (3, 3)]
