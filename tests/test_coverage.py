"""coverage: snapping, overlap and gap repair, dissolve by group."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from commissioning_atlas.coverage import dissolve, dissolve_geoms, repair_coverage


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
