"""The membership core: a layer as (LSOA row, unit index, codes), joins and crosstabs, owned by the Atlas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from commissioning_atlas import Atlas, checks
from commissioning_atlas._errors import DataError
from commissioning_atlas.core import membership as M

LSOAS = pd.Index(["L1", "L2", "L3", "L4", "L5"])


def test_from_column_sorts_codes_and_drops_lsoas_in_no_unit():
    m = M.from_column("x", np.array(["B", "A", None, "B", ""], dtype=object))
    assert list(m.codes) == ["A", "B"]
    assert list(m.rows) == [0, 1, 3] and list(m.units) == [1, 0, 1]
    assert list(m.per_lsoa) == [1, 1, 0, 1, 0] and not m.is_partition
    assert list(m.sums(np.array([1.0, 2, 4, 8, 16]))) == [2.0, 9.0]


def test_from_pairs_drops_duplicates_and_names_an_unknown_lsoa():
    m = M.from_pairs("fp", LSOAS, ["L1", "L2", "L2", "L1"], ["P", "P", "P", "Q"])
    assert list(m.rows) == [0, 1, 0] and list(m.codes[m.units]) == ["P", "P", "Q"]
    with pytest.raises(DataError, match=r"^layer fp: LSOA 'L9' is not an atlas LSOA \(2 in all\)$"):
        M.from_pairs("fp", LSOAS, ["L1", "L9", "L8"], ["P", "P", "Q"])


def test_join_is_the_left_join_on_the_lsoa_in_both_orders():
    subject = M.from_pairs("s", LSOAS, ["L3", "L1", "L2", "L5", "L4"], ["S1", "S1", "S2", "S2", "S2"])
    against = M.from_pairs("a", LSOAS, ["L2", "L1", "L2", "L3"], ["A2", "A1", "A1", "A2"])  # L2 twice, L4/L5 none
    j = M.join(subject, against)
    left = pd.DataFrame({"i": subject.rows, "ks": subject.units})
    right = pd.DataFrame({"i": against.rows, "ka": against.units})
    want = left.merge(right, on="i", how="left")
    assert list(j.rows) == list(want["i"]) and list(j.ks) == list(want["ks"])
    assert list(j.ka) == list(want["ka"].fillna(-1).astype(int))
    part = M.from_column("p", np.array(["X", "Y", "X", "Y", "Y"], dtype=object))
    assert part.is_partition and list(M.join(subject, part).ka) == list(part.unit_of[subject.rows])


def test_crosstab_sums_every_weight_per_part_with_outside_first():
    subject = M.from_column("s", np.array(["S1", "S1", "S2", "S2", "S2"], dtype=object))
    against = M.from_pairs("a", LSOAS, ["L1", "L2", "L3", "L3"], ["A1", "A2", "A1", "A2"])
    ct = subject.crosstab(against, {"w": np.array([1.0, 2, 4, 8, 16])})
    got = [(subject.codes[s], against.codes[a] if a >= 0 else "", n, w)
           for s, a, n, w in zip(ct.ks, ct.ka, ct.lsoas, ct.sums["w"])]
    assert got == [("S1", "A1", 1, 1.0), ("S1", "A2", 1, 2.0),
                   ("S2", "", 2, 24.0), ("S2", "A1", 1, 4.0), ("S2", "A2", 1, 4.0)]


# ------------------------------------------------------------------------------------------ on an Atlas

def _atlas() -> Atlas:
    squares = [shapely.box(x * 1000, 0, x * 1000 + 1000, 1000) for x in range(4)]
    lsoa = gpd.GeoDataFrame({"code": ["L1", "L2", "L3", "L4"], "name": ["a", "b", "c", "d"],
                             "population": [10, 20, 30, 40], "area_m2": 1e6,
                             "sha_2011": ["A", "A", "B", "B"], "pct_2011": ["P1", "P2", "P3", "P4"],
                             "pct_cluster_2011": ["C1", "C1", "C2", "C2"]},
                            geometry=squares, crs="EPSG:27700")

    def layer(col):
        g = lsoa.dissolve(by=col, aggfunc={"population": "sum", "area_m2": "sum"}).reset_index()
        g = g.rename(columns={col: "code"})
        g["name"], g["ods_code"], g["area_km2"] = "Unit " + g["code"], "", g["area_m2"] / 1e6
        return g[["code", "name", "ods_code", "population", "area_km2", "geometry"]]

    return Atlas.from_frames(lsoa, {c: layer(c) for c in ("sha_2011", "pct_2011", "pct_cluster_2011")})


def _with_footprints(a: Atlas, lsoa_codes: list[str], codes: list[str]) -> Atlas:
    fp = gpd.GeoDataFrame({"code": sorted(set(codes)), "name": "Org", "ods_code": "", "population": 0,
                           "area_km2": 0.0}, geometry=[shapely.box(0, 0, 1, 1)] * len(set(codes)),
                          crs="EPSG:27700")
    a._footprints["css_2012"] = (fp, pd.DataFrame({"lsoa_code": lsoa_codes, "code": codes}))
    return a


def test_atlas_caches_one_membership_per_layer_and_lsoa_keeps_its_columns():
    a = _atlas()
    columns = list(a.lsoa.columns)
    m = a.membership_index("sha_2011")
    assert m is a.membership_index("sha_2011") and list(m.codes) == ["A", "B"]
    a.layer("lsoa_2011"), a.membership_index("lsoa_2011"), a.join("pct_2011", "sha_2011")
    assert list(a.lsoa.columns) == columns  # loading layers adds no column to the LSOA table
    t = a.lsoa_table(["lsoa_2011"])  # a copy with the asked columns
    assert list(t["lsoa_2011"]) == ["L1", "L2", "L3", "L4"] and "lsoa_2011" not in a.lsoa.columns
    ct = a.crosstab("pct_2011", "sha_2011", {"people": a.population()})
    assert list(ct.sums["people"]) == [10, 20, 30, 40] and list(ct.ka) == [0, 0, 1, 1]
    assert a.derived("k", lambda: [1]) is a.derived("k", lambda: [2])


def test_an_unknown_lsoa_is_the_same_error_in_checks_crosswalk_and_advise():
    from commissioning_atlas import crosswalk
    from commissioning_atlas.advise.instance import _pairs

    want = r"layer css_2012: LSOA 'E01999999' is not an atlas LSOA \(1 in all\)"
    calls = [lambda a: checks.crosstab(a, "css_2012", "sha_2011"),
             lambda a: crosswalk.crosswalk(a, "css_2012", "sha_2011"),
             lambda a: _pairs(a, "css_2012")]
    for call in calls:
        a = _with_footprints(_atlas(), ["L1", "L2", "E01999999"], ["P", "P", "Q"])
        with pytest.raises(DataError, match=want):
            call(a)
