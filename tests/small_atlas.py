"""A small synthetic atlas for logic tests: 288 LSOAs (an 18 x 16 grid of 500 m squares) and five layers.

Made in memory (well under a second) through :meth:`Atlas.from_frames`, so rules, crosswalks and
apportioning are tested without building England. The layers use declared ids and real code formats,
and nest and cross like the real ones::

    columns   0-5     6-11    12-17          districts (lad_2011): six blocks of 6 x 8 LSOAs, d0..d5
    rows 0-7  d0=P1   d1=P2   d2=P3          PCTs (pct_2011): one per district, but d4 is split at row 12
    rows 8-15 d3=P4   d4=P5/P6 d5=P7         councils (utla_2011): U1 = d0 d1 d3 d4, U2 = d2 d5
                                             SHAs (sha_2011): S1 = P1 P2 P4, S2 = P3 P5 P6 P7

CCGs (ccg_2015) are the cells of columns [0, 6), [6, 13), [13, 18) by rows [0, 8), [8, 12), [12, 16): C1
(the top-left cell) is exactly P1, P5 lies wholly inside C5, and the CCGs of columns 6-12 reach one column
into P3 and P7. Residents are drawn once from a seeded generator (1,000 to 2,499 per LSOA).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from commissioning_atlas import Atlas

COLS, ROWS, SIDE = 18, 16, 500.0
#: the grid's top-left corner on the British National Grid (inland, in the Midlands)
X0, Y0 = 440_000.0, 300_000.0
#: ids of the layers; none is the unit layer of a shipped footprint set, so only these are available
LAYERS = ("lad_2011", "utla_2011", "pct_2011", "sha_2011", "ccg_2015")


def _cells() -> tuple[np.ndarray, np.ndarray]:
    col, row = np.meshgrid(np.arange(COLS), np.arange(ROWS))
    return col.ravel(), row.ravel()


def memberships() -> dict[str, np.ndarray]:
    """The unit code of every LSOA (row-major over the grid) in each layer."""
    col, row = _cells()
    d = col // 6 + 3 * (row // 8)  # district 0..5
    pct = np.where((d == 4) & (row >= 12), 5, np.where(d >= 5, d + 1, d)) + 1  # P1..P7
    ccg = np.searchsorted([6, 13], col, side="right") + 3 * np.searchsorted([8, 12], row, side="right") + 1
    return {
        "lad_2011": np.array([f"E0700000{i + 1}" for i in d], dtype=object),
        "utla_2011": np.where(np.isin(d, [2, 5]), "E10000002", "E10000001").astype(object),
        "pct_2011": np.array([f"E1600000{i}" for i in pct], dtype=object),
        "sha_2011": np.where(np.isin(pct, [1, 2, 4]), "E18000001", "E18000002").astype(object),
        "ccg_2015": np.array([f"E3800000{i}" for i in ccg], dtype=object),
    }


#: Names and ODS codes of the units (the ODS code is what a user's table names a PCT or CCG by).
NAMES = {
    **{f"E0700000{i}": (f"District {i}", "") for i in range(1, 7)},
    "E10000001": ("Westshire", ""), "E10000002": ("Eastshire", ""),
    **{f"E1600000{i}": (f"PCT {i}", f"5P{i}") for i in range(1, 8)},
    "E18000001": ("West SHA", "Q01"), "E18000002": ("East SHA", "Q02"),
    **{f"E3800000{i}": (f"NHS CCG {i}", f"0{i}A") for i in range(1, 10)},
}


def small_atlas() -> Atlas:
    """The atlas of the module docstring (a new object each call: its memo starts empty)."""
    col, row = _cells()
    squares = [shapely.box(X0 + c * SIDE, Y0 - (r + 1) * SIDE, X0 + (c + 1) * SIDE, Y0 - r * SIDE)
               for c, r in zip(col, row)]
    codes = [f"E0100{i:04d}" for i in range(len(col))]
    members = memberships()
    population = np.random.default_rng(2011).integers(1000, 2500, len(col))
    lsoa = gpd.GeoDataFrame({"code": codes, "name": [f"Grid {c}" for c in codes], "population": population,
                             "area_m2": SIDE * SIDE, **members},
                            geometry=squares, crs="EPSG:27700")
    layers = {}
    for lid in LAYERS:
        g = lsoa[[lid, "geometry"]].dissolve(by=lid).reset_index().rename(columns={lid: "code"})
        g["name"] = [NAMES[c][0] for c in g["code"]]
        g["ods_code"] = [NAMES[c][1] for c in g["code"]]
        g["area_km2"] = g.geometry.area / 1e6
        layers[lid] = g[["code", "name", "ods_code", "area_km2", "geometry"]]
    # every figure on the one basis a frame atlas holds
    return Atlas.from_frames(lsoa, layers, basis="census_2011")
