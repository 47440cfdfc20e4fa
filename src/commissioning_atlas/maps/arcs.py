"""Shared arcs: rings cut at their junctions, each piece of boundary stored once, and simplified edge by edge.

The TopoJSON idea on integer grids: :func:`quantised_rings` rounds polygons to integer steps,
:func:`shared_arcs` cuts the rings where boundaries meet and stores each arc once, :func:`arc_rings`
joins them back, and :func:`arc_simplify` simplifies a whole coverage through its arcs (GEOS's
topology-preserving Douglas-Peucker), so neighbours keep sharing every vertex.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
import shapely

from commissioning_atlas._errors import AtlasError

#: screen; finer maps: ``--simplify``.
DEFAULT_TOLERANCE_M = 200.0
#: Integer steps per degree of longitude and latitude on the page: 1.6e-5 degrees of longitude is
#: 1.15 m at 49.9 N (Scilly) and 1.03 m at 55.8 N (Berwick); 1e-5 degrees of latitude is 1.11 m.
#: So about 1 m both ways (plain 5-decimal longitude would be 0.6-0.7 m: bits the eye cannot see).
COORD_SCALE = (62_500, 100_000)
#: Fill palette for neighbours (ColorBrewer Set2 plus two darker tones); 8 colours.


def _farthest(a: np.ndarray) -> tuple[int, float]:
    """The vertex of a line farthest from its chord (from its start if closed), and that distance."""
    a = np.asarray(a, dtype=float)
    if len(a) < 3:
        return 0, 0.0
    d = a[-1] - a[0]
    norm = float(np.hypot(*d))
    rel = a - a[0]
    dist = np.abs(rel[:, 0] * d[1] - rel[:, 1] * d[0]) / norm if norm > 0 else np.hypot(rel[:, 0], rel[:, 1])
    i = int(np.argmax(dist[1:-1])) + 1
    return i, float(dist[i])


def arc_simplify(geoms: Sequence | np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify a polygon coverage edge by edge, so that neighbours keep sharing every vertex.

    The rings are cut into shared arcs (:func:`shared_arcs`, on a 1 mm grid) and all arcs go at once
    through GEOS's topology-preserving Douglas-Peucker simplifier: each simplified arc stays within
    ``tolerance`` of the original everywhere (Hausdorff distance), keeps its end points (the junctions
    where three or more areas meet) and crosses no other arc. Each polygon is then rebuilt from its
    simplified arcs. Unlike ``shapely.coverage_simplify`` (Visvalingam-Whyatt, an area threshold of
    ``tolerance**2``), no part of a boundary moves further than ``tolerance``: a narrow estuary is not
    cut off kilometres inland, and fewer vertices are kept for the same largest displacement.

    Where several arcs join the same two junctions, all but the flattest are cut at their farthest
    vertex first, and a closed arc at two, so that no ring can collapse to a line.

    Parameters
    ----------
    geoms : sequence of (Multi)Polygon
        A coverage (no overlaps; neighbours share vertices exactly) in a metric CRS.
    tolerance : float
        Largest distance (in CRS units) a simplified boundary may be from the original.

    Returns
    -------
    numpy.ndarray of MultiPolygon
        Same length and order; a polygon of fewer than three vertices after the 1 mm grid is dropped.

    Examples
    --------
    Two squares whose shared edge has a 0.4 m kink; at 1 m both lose it, and stay glued:

    >>> import shapely
    >>> a = shapely.Polygon([(0, 0), (10, 0), (10.4, 5), (10, 10), (0, 10)])
    >>> b = shapely.Polygon([(10, 0), (20, 0), (20, 10), (10, 10), (10.4, 5)])
    >>> sa, sb = arc_simplify([a, b], 1.0)
    >>> int(shapely.get_num_coordinates(sa)), int(shapely.get_num_coordinates(sb)), sa.area + sb.area
    (5, 5, 200.0)
    """
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return geoms
    structure, rings = [], []
    for g in geoms:
        polygons = []
        for polygon_rings in quantised_rings(g, 1000):
            polygons.append(list(range(len(rings), len(rings) + len(polygon_rings))))
            rings.extend(polygon_rings)
        structure.append(polygons)
    arcs, refs = shared_arcs(rings)
    # Where several arcs join the same two junctions, all but the flattest are cut at their farthest
    # vertex (one Douglas-Peucker keeps anyway, unless the whole arc is within tolerance): then at most
    # one of them can become the straight segment, and no ring collapses. A closed arc is cut twice.
    far = [_farthest(a) for a in arcs]
    ends = pd.Series([tuple(sorted((tuple(a[0]), tuple(a[-1])))) for a in arcs], dtype=object)
    flattest = pd.Series([d for _, d in far]).groupby(ends.to_numpy()).transform("idxmin").to_numpy()
    pieces, first = [], []
    for n, a in enumerate(arcs):
        last = len(a) - 1
        if (a[0] == a[-1]).all():
            i = far[n][0]  # farthest from the start; then the farthest from either chord
            (i1, d1), (i2, d2) = _farthest(a[:i + 1]), _farthest(a[i:])
            cuts = sorted({0, i, i1 if d1 >= d2 else i + i2, last})
        elif flattest[n] != n:
            cuts = sorted({0, far[n][0], last})
        else:
            cuts = [0, last]
        first.append(len(pieces))
        pieces.extend(shapely.linestrings(a[s:e + 1] / 1000.0) for s, e in pairwise(cuts))
    first.append(len(pieces))
    simple = shapely.get_parts(shapely.simplify(shapely.GeometryCollection(pieces), tolerance,
                                                preserve_topology=True))
    if len(simple) != len(pieces):  # pragma: no cover - GEOS keeps every line of a collection
        raise AtlasError(f"simplification lost lines ({len(simple)} of {len(pieces)})")
    coords = [shapely.get_coordinates(p) for p in simple]
    joined = [np.vstack([coords[a]] + [c[1:] for c in coords[a + 1:b]]) for a, b in pairwise(first)]
    ring_xy = arc_rings(joined, refs)
    out = []
    for polygons in structure:
        parts = [shapely.Polygon(ring_xy[r[0]], [ring_xy[i] for i in r[1:]]) for r in polygons]
        out.append(shapely.MultiPolygon(parts))
    return np.array(out, dtype=object)


def quantised_rings(geom: shapely.Geometry,
                    scale: float | tuple[float, float] = COORD_SCALE) -> list[list[np.ndarray]]:
    """Round a (multi)polygon to integer steps of ``1 / scale`` (degrees, or metres).

    Parameters
    ----------
    geom : shapely Polygon or MultiPolygon
        Longitude/latitude (or EPSG:27700 metres: ``scale=1000`` rounds to 1 mm).
    scale : float or (float, float)
        Steps per unit, for x and y (:data:`COORD_SCALE`: about 1 m).

    Returns
    -------
    list
        Polygons -> rings (shell first) -> ``(n, 2)`` int64 arrays of x, y without the closing vertex.
        Vertices that rounding made equal to the previous one are dropped, and so are rings left with
        fewer than 3 vertices (a polygon whose shell collapses is dropped whole).
    """
    scale = np.broadcast_to(np.asarray(scale, dtype=float), (2,))
    out = []
    for poly in shapely.get_parts(geom):
        if not isinstance(poly, shapely.Polygon) or poly.is_empty:
            continue
        rings = []
        for n, ring in enumerate([poly.exterior, *poly.interiors]):
            xy = np.rint(shapely.get_coordinates(ring) * scale).astype(np.int64)
            keep = np.ones(len(xy), dtype=bool)
            keep[1:] = (xy[1:] != xy[:-1]).any(axis=1)
            xy = xy[keep]
            if len(xy) > 1 and (xy[0] == xy[-1]).all():
                xy = xy[:-1]  # the page closes rings itself
            if len(xy) >= 3:
                rings.append(xy)
            elif n == 0:  # the shell collapsed: so does the polygon
                break
        if rings:
            out.append(rings)
    return out


def shared_arcs(rings: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[list[int]]]:
    """Cut rings into arcs at their junctions and store each arc once (the TopoJSON idea).

    A junction is a vertex with more than two distinct neighbours over all rings: where a boundary that
    two features share ends. Every ring is cut at its junctions; an arc that another ring already holds,
    in either direction, is reused. A ring without junctions (an island, or an enclave and the hole it
    fills) is one closed arc, started at its smallest vertex so that both of its users find it.

    Parameters
    ----------
    rings : sequence of (n, 2) int arrays
        Quantised rings without the closing vertex (:func:`quantised_rings`).

    Returns
    -------
    arcs : list of (m, 2) int64 arrays
        Each arc's vertices, first and last included (a closed arc repeats its first vertex).
    refs : list of list of int
        Per ring, its arcs in order; ``~i`` (that is ``-i - 1``) means arc ``i`` reversed.
    """
    if not len(rings):
        return [], []
    lengths = np.array([len(r) for r in rings], dtype=np.int64)
    xy = np.concatenate([np.asarray(r, dtype=np.int64) for r in rings])
    if np.abs(xy).max() < (1 << 31):  # one int64 per vertex (page steps, or EPSG:27700 millimetres)
        key = (xy[:, 0] << 32) + (xy[:, 1] + (1 << 31))
    else:  # larger coordinates: number the distinct vertices instead
        key = np.unique(xy, axis=0, return_inverse=True)[1].ravel().astype(np.int64)
    starts = np.cumsum(lengths) - lengths
    ring = np.repeat(np.arange(len(lengths)), lengths)
    idx = np.arange(len(xy))
    pos = idx - starts[ring]
    prev = np.where(pos == 0, idx + lengths[ring] - 1, idx - 1)
    nxt = np.where(pos == lengths[ring] - 1, starts[ring], idx + 1)
    # distinct (vertex, neighbour) pairs; lexsort is several times faster than np.unique(axis=0)
    a, b = np.concatenate([key, key]), np.concatenate([key[prev], key[nxt]])
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    points, degree = np.unique(a[first], return_counts=True)
    junction = np.isin(key, points[degree > 2])

    arcs: list[np.ndarray] = []
    index: dict[bytes, int] = {}

    def arc_id(a: np.ndarray) -> int:
        a = np.ascontiguousarray(a)
        k = a.tobytes()
        if k in index:
            return index[k]
        r = np.ascontiguousarray(a[::-1]).tobytes()
        if r in index:
            return ~index[r]
        index[k] = len(arcs)
        arcs.append(a)
        return index[k]

    refs = []
    for s, n in zip(starts.tolist(), lengths.tolist()):
        pts = xy[s:s + n]
        cuts = np.flatnonzero(junction[s:s + n])
        if len(cuts) == 0:
            first = int(np.lexsort((pts[:, 1], pts[:, 0]))[0])
            pts = np.roll(pts, -first, axis=0)
            refs.append([arc_id(np.vstack([pts, pts[:1]]))])
            continue
        pts = np.roll(pts, -int(cuts[0]), axis=0)
        closed = np.vstack([pts, pts[:1]])
        bounds = (cuts - cuts[0]).tolist() + [n]
        refs.append([arc_id(closed[a:b + 1]) for a, b in zip(bounds[:-1], bounds[1:])])
    return arcs, refs


def arc_rings(arcs: Sequence[np.ndarray], refs: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """Join arcs back into rings (inverse of :func:`shared_arcs`; what the page does).

    Returns
    -------
    list of (n, 2) arrays
        One per ring, without the closing vertex.
    """
    out = []
    for ring in refs:
        pieces = [arcs[r] if r >= 0 else arcs[~r][::-1] for r in ring]
        pts = np.vstack([pieces[0]] + [p[1:] for p in pieces[1:]])
        out.append(pts[:-1])
    return out
