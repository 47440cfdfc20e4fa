"""How far simplification moved the map: gaps and overlaps opened between neighbours."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.strtree import STRtree


def _holes(geom: shapely.Geometry) -> list[shapely.Polygon]:
    return [shapely.Polygon(r) for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon)
            for r in p.interiors]


def _is_coverage(parts: np.ndarray) -> bool:
    """Whether ``parts`` are a valid coverage: no two overlap and shared edges match vertex for vertex (a layer
    built from LSOAs, and its arc-simplified drawing; not a footprint set, whose proposals overlap)."""
    return bool(shapely.coverage_is_valid(parts))


def _union(parts: np.ndarray, coverage: bool) -> shapely.Geometry:
    """The union of ``parts``, normalised (so the areas measured on it do not hang on the vertex order each union
    method leaves).

    A valid coverage (``coverage``) is dissolved by coverage union, which only drops the shared edges: the same
    geometry as :func:`shapely.union_all` for a fraction of the time (England's union: 0.05 s rather than 0.6 s).
    """
    return shapely.normalize(shapely.coverage_union_all(parts) if coverage else shapely.union_all(parts))


def simplification_report(original: gpd.GeoSeries | gpd.GeoDataFrame | Sequence,
                          simplified: gpd.GeoSeries | gpd.GeoDataFrame | Sequence) -> dict[str, float]:
    """Measure the gaps and overlaps that simplification opened between neighbours (m²).

    Both inputs must be in a metric CRS (EPSG:27700) and hold the same features in the same order.
    Overlap is the area two simplified features share where the originals shared none (less than 1 m²):
    slivers between neighbours. Footprint sets that overlap by design keep their overlaps; how much those
    changed is ``simplified_overlap_m2 - original_overlap_m2`` (sum of areas minus the area of the union).
    A gap is a hole in the union of the simplified layer over ground the original layer covered (the part
    of each hole that lies inside the original union, for holes that are at least half inside it). Holes
    mostly outside the original union are water the simplified coastline closed off (a tidal river whose
    mouth narrowed to nothing): reported as ``pinched_m2``, not as a gap between neighbours.

    Parameters
    ----------
    original, simplified : GeoSeries, GeoDataFrame or sequence of geometries
        The same features, before and after.

    Returns
    -------
    dict
        ``gap_m2``, ``overlap_m2`` (between neighbours, opened by simplification), ``pinched_m2``,
        ``area_change_m2`` (change of the union's area: the coastline moves), ``original_overlap_m2``,
        ``simplified_overlap_m2``, ``original_gap_m2`` (holes in the original union), ``vertices_before``,
        ``vertices_after``.

    Examples
    --------
    >>> r = simplification_report(layer.geometry, simplified_layer(atlas, "ccg_2013"))  # doctest: +SKIP
    >>> r["gap_m2"] < 1 and r["overlap_m2"] < 1                                          # doctest: +SKIP
    True
    """
    def arr(x):
        if isinstance(x, gpd.GeoDataFrame):
            x = x.geometry
        return shapely.make_valid(np.asarray(list(x), dtype=object))

    a, b = arr(original), arr(simplified)
    if len(a) != len(b):
        raise ValueError(f"{len(a)} original features but {len(b)} simplified ones")
    keep = ~(shapely.is_empty(a) | shapely.is_empty(b))
    a, b = a[keep], b[keep]
    tiled_a, tiled_b = _is_coverage(a), _is_coverage(b)
    ua, ub = _union(a, tiled_a), _union(b, tiled_b)
    over_a = float(shapely.area(a).sum() - ua.area)
    over_b = float(shapely.area(b).sum() - ub.area)
    i, j = STRtree(b).query(b, predicate="intersects")
    i, j = i[i < j], j[i < j]
    # features of a coverage share edges, never area: no need to intersect them to know they were apart
    apart = np.ones(len(i), bool) if tiled_a else shapely.area(shapely.intersection(a[i], a[j])) < 1.0
    sliver = float(shapely.area(shapely.intersection(b[i[apart]], b[j[apart]])).sum())
    gap = pinched = 0.0
    for h in _holes(ub):
        inside = shapely.intersection(h, ua).area
        if inside >= 0.5 * h.area:
            gap += inside
        else:
            pinched += h.area
    return {
        "gap_m2": float(gap),
        "overlap_m2": sliver,
        "pinched_m2": float(pinched),
        "area_change_m2": float(ub.area - ua.area),
        "original_overlap_m2": over_a,
        "simplified_overlap_m2": over_b,
        "original_gap_m2": float(sum(h.area for h in _holes(ua))),
        "vertices_before": int(shapely.get_num_coordinates(a).sum()),
        "vertices_after": int(shapely.get_num_coordinates(b).sum()),
    }
