"""Clean coverages: repair the LSOA polygons, measure slivers, dissolve groups.

The LSOA files are a near-coverage: neighbours share edges up to floating-point
noise, with a few real slivers. Snapping to a 1 mm grid makes almost every shared
edge match exactly; the few places that still overlap are re-noded locally
(polygonize the linework, hand each face to one LSOA), and holes in the union
are handed to the neighbour sharing most of their boundary. After that,
``shapely.coverage_union`` dissolves any grouping exactly and fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from commissioning_atlas import settings


@dataclass(frozen=True)
class SliverReport:
    """What the repair found and changed (areas in m^2)."""

    features: int
    invalid_input: int
    invalid_edges_raw: int
    invalid_edges_after_snap: int
    overlap_pairs: int
    overlap_area_m2: float
    overlap_pairs_over_tolerance: int
    gaps: int
    gap_area_m2: float
    gaps_over_tolerance: int
    repaired_features: int
    valid_coverage: bool

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        return [
            f"{self.features} polygons; {self.invalid_input} invalid in the raw files",
            f"shared edges not matching exactly: {self.invalid_edges_raw} polygons raw, "
            f"{self.invalid_edges_after_snap} after snapping to a {settings.SNAP_GRID_M * 1000:g} mm grid",
            f"overlaps: {self.overlap_pairs} pairs, {self.overlap_area_m2:.2f} m^2 in all, "
            f"{self.overlap_pairs_over_tolerance} over {settings.COVERAGE_TOLERANCE_M2:g} m^2",
            f"gaps: {self.gaps}, {self.gap_area_m2:.2f} m^2 in all, {self.gaps_over_tolerance} over "
            f"{settings.COVERAGE_TOLERANCE_M2:g} m^2",
            f"repaired {self.repaired_features} polygons; clean coverage: {self.valid_coverage}",
        ]


def _polygonal_parts(g) -> np.ndarray:
    parts = shapely.get_parts(g)
    return parts[np.isin(shapely.get_type_id(parts), (3, 6))]


def _renode(geoms: np.ndarray, idx: np.ndarray, grid: float) -> tuple[np.ndarray, int, float, list[float]]:
    """Rebuild polygons ``idx`` from the faces of their noded linework.

    Each face goes to the lowest-index polygon that covers its interior point, so
    an overlap is kept by exactly one side. Returns the new geometries, the number
    of overlapping pairs, their total area and the list of overlap areas.
    """
    local = geoms[idx]
    # overlaps before the repair, measured pairwise among the local set
    tree = shapely.STRtree(local)
    a, b = tree.query(local, predicate="overlaps")
    keep = a < b
    a, b = a[keep], b[keep]
    ov_areas = list(shapely.area(shapely.intersection(local[a], local[b]))) if len(a) else []
    lines = shapely.union_all(shapely.boundary(local), grid_size=grid)
    faces = _polygonal_parts(shapely.polygonize(shapely.get_parts(lines)))
    pts = shapely.point_on_surface(faces)
    ftree = shapely.STRtree(local)
    fi, li = ftree.query(pts, predicate="within")
    owner = np.full(len(faces), -1)
    order = np.lexsort((li, fi))  # per face, the lowest local index first
    fi, li = fi[order], li[order]
    first = np.unique(fi, return_index=True)[1]
    owner[fi[first]] = li[first]
    out = geoms.copy()
    for k in range(len(idx)):
        mine = faces[owner == k]
        if len(mine):
            out[idx[k]] = shapely.coverage_union_all(mine)
    return out, len(a), float(np.sum(ov_areas)) if ov_areas else 0.0, ov_areas


def _invalid_within(g: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Indices of polygons among ``idx`` and their neighbours whose shared edges do not match."""
    if len(idx) == 0:
        return np.empty(0, dtype=np.int64)
    if len(idx) > len(g) // 4:  # most of the coverage: checking it all is cheaper than finding neighbours
        return np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(g)))
    _, nb = shapely.STRtree(g).query(g[idx], predicate="intersects")
    local = np.unique(np.concatenate([idx, nb]))
    return local[~shapely.is_empty(shapely.coverage_invalid_edges(g[local]))]


def repair_coverage(geoms: np.ndarray, grid: float | None = None) -> tuple[np.ndarray, SliverReport]:
    """Turn near-coverage polygons into a clean coverage.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Polygons in a projected CRS (metres), one per feature.
    grid : float, optional
        Snapping grid in CRS units; defaults to :data:`settings.SNAP_GRID_M`.

    Returns
    -------
    geoms : numpy.ndarray
        Repaired polygons: valid, no overlaps, no holes between neighbours.
    report : SliverReport
        What was measured and changed.
    """
    grid = settings.SNAP_GRID_M if grid is None else grid
    n = len(geoms)
    invalid = ~shapely.is_valid(geoms)
    invalid_input = int(invalid.sum())
    # make_valid returns a valid polygon as it is (GEOS clones it), so only the invalid ones are repaired
    g = np.array(geoms, dtype=object)
    if invalid_input:
        g[invalid] = shapely.make_valid(g[invalid])
    g = np.array([shapely.multipolygons(_polygonal_parts(x)) if shapely.get_type_id(x) not in (3, 6) else x
                  for x in g], dtype=object) if (~np.isin(shapely.get_type_id(g), (3, 6))).any() else g
    raw_idx = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(g)))
    raw_bad = len(raw_idx)
    g = shapely.set_precision(g, grid)
    # snapping moves every vertex the same way, so only the raw mismatches and their neighbours
    # can still mismatch: re-check that neighbourhood, not the whole coverage
    bad = _invalid_within(g, raw_idx)
    n_bad_snap = len(bad)
    ov_pairs, ov_area, ov_list = 0, 0.0, []
    repaired = set()
    if len(bad):
        # the bad polygons and everything touching them, so the re-noded patch meets its surroundings exactly
        tree = shapely.STRtree(g)
        _, nb = tree.query(g[bad], predicate="intersects")
        patch = np.unique(np.concatenate([bad, nb]))
        g, ov_pairs, ov_area, ov_list = _renode(g, patch, grid)
        repaired.update(patch.tolist())
    # gaps: holes in the union of the coverage
    union = shapely.coverage_union_all(g)
    holes = []
    for poly in shapely.get_parts(union):
        for i in range(shapely.get_num_interior_rings(poly)):
            holes.append(shapely.polygons(shapely.get_interior_ring(poly, i)))
    holes = np.array(holes, dtype=object)
    gap_areas = shapely.area(holes) if len(holes) else np.array([])
    if len(holes):
        tree = shapely.STRtree(g)
        hi, gi = tree.query(holes, predicate="intersects")
        shared = shapely.length(shapely.intersection(shapely.boundary(holes[hi]), shapely.boundary(g[gi])))
        df = pd.DataFrame({"h": hi, "g": gi, "len": shared}).sort_values(["h", "len", "g"], ascending=[True, False, True])
        best = df.drop_duplicates("h")
        for h, target in zip(best["h"], best["g"]):
            g[target] = shapely.coverage_union_all(np.array([g[target], holes[h]], dtype=object))
            repaired.add(int(target))
    # only repaired polygons changed: the coverage is clean if they and their neighbours are
    valid = len(_invalid_within(g, np.array(sorted(repaired), dtype=np.int64))) == 0
    report = SliverReport(
        features=n, invalid_input=invalid_input, invalid_edges_raw=raw_bad,
        invalid_edges_after_snap=n_bad_snap, overlap_pairs=ov_pairs, overlap_area_m2=ov_area,
        overlap_pairs_over_tolerance=int(sum(a > settings.COVERAGE_TOLERANCE_M2 for a in ov_list)),
        gaps=len(holes), gap_area_m2=float(gap_areas.sum()) if len(holes) else 0.0,
        gaps_over_tolerance=int((gap_areas > settings.COVERAGE_TOLERANCE_M2).sum()) if len(holes) else 0,
        repaired_features=len(repaired), valid_coverage=valid,
    )
    return g, report


def _coverage_union(pieces: np.ndarray, unions: dict | None) -> object:
    """``shapely.coverage_union_all(pieces)``, looked up in ``unions`` first (see :func:`dissolve_geoms`)."""
    if unions is None:
        return shapely.coverage_union_all(pieces)
    key = tuple(map(id, pieces))
    got = unions.get(key)
    if got is None:
        # the pieces are kept beside their union: an id stays a key only while its object is alive
        got = unions[key] = (tuple(pieces), shapely.coverage_union_all(pieces))
    return got[1]


def dissolve_geoms(geoms: np.ndarray, keys: np.ndarray, unions: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Coverage-union geometries by key.

    Parameters
    ----------
    geoms : numpy.ndarray
        Polygons forming a clean coverage.
    keys : numpy.ndarray
        Group key per geometry.
    unions : dict, optional
        Unions already made, keyed on the identity of their pieces in order (filled here): the same
        geometry objects in the same order give the same polygon, so a unit unchanged from one layer to
        the next (a CCG of 2016 in 2017) is dissolved once. Without it every group is dissolved.

    Returns
    -------
    unique_keys, unions : numpy.ndarray
        Sorted unique keys and one (multi)polygon per key.
    """
    keys = np.asarray(keys, dtype=object)
    geoms = np.asarray(geoms, dtype=object)  # a GeometryArray's pieces would be read one by one through pandas
    order = np.argsort(keys, kind="stable")
    k, g = keys[order], geoms[order]
    uniq, starts = np.unique(k, return_index=True)
    bounds = list(starts[1:]) + [len(k)]
    out = np.empty(len(uniq), dtype=object)
    for i, (s, e) in enumerate(zip(starts, bounds)):
        out[i] = _coverage_union(g[s:e], unions)
    return uniq, out


def dissolve(lsoa: gpd.GeoDataFrame, membership: pd.DataFrame, layer: str = "footprints",
             unions: dict | None = None) -> gpd.GeoDataFrame:
    """Dissolve LSOAs into units.

    Parameters
    ----------
    lsoa : geopandas.GeoDataFrame
        LSOAs with ``code``, ``population``, ``area_m2`` and a clean-coverage geometry.
    membership : pandas.DataFrame
        Columns ``lsoa_code`` and ``code``; an LSOA may belong to several units.
    layer : str
        Named in the error on an LSOA ``lsoa`` does not hold.
    unions : dict, optional
        Unions already made (:func:`dissolve_geoms`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit in sorted code order: ``code``, ``population``, ``area_km2``, geometry.
    """
    from commissioning_atlas.core.membership import lsoa_rows

    m = membership[["lsoa_code", "code"]].drop_duplicates()
    rows = lsoa_rows(pd.Index(lsoa["code"].to_numpy(dtype=object)), m["lsoa_code"].to_numpy(), layer)
    keys, geoms = dissolve_geoms(lsoa.geometry.values[rows], m["code"].to_numpy(), unions)
    sums = pd.DataFrame({
        "code": m["code"].to_numpy(),
        "population": lsoa["population"].to_numpy()[rows],
        "area_m2": lsoa["area_m2"].to_numpy()[rows],
    }).groupby("code", sort=True).sum()
    return gpd.GeoDataFrame(
        {"code": keys, "population": sums.loc[keys, "population"].to_numpy(),
         "area_km2": sums.loc[keys, "area_m2"].to_numpy() / 1e6},
        geometry=geoms, crs=lsoa.crs,
    )
