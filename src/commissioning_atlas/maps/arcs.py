"""Shared arcs: rings cut at their junctions, each piece of boundary stored once, and simplified edge by edge.

The TopoJSON idea on integer grids: :func:`quantised_rings` rounds polygons to integer steps,
:func:`shared_arcs` cuts the rings where boundaries meet and stores each arc once, :func:`arc_rings`
joins them back, and :func:`arc_simplify` simplifies a whole coverage through its arcs (GEOS's
topology-preserving Douglas-Peucker), so neighbours keep sharing every vertex.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.maps.arctable import (ArcTable, _runs, arc_table, farthest, join_rings, junctions,
                                               offsets, ring_table)

#: screen; finer maps: ``--simplify``.
DEFAULT_TOLERANCE_M = 200.0
#: Integer steps per degree of longitude and latitude on the page: 1.6e-5 degrees of longitude is
#: 1.15 m at 49.9 N (Scilly) and 1.03 m at 55.8 N (Berwick); 1e-5 degrees of latitude is 1.11 m.
#: So about 1 m both ways (plain 5-decimal longitude would be 0.6-0.7 m: bits the eye cannot see).
COORD_SCALE = (62_500, 100_000)
#: Fill palette for neighbours (ColorBrewer Set2 plus two darker tones); 8 colours.



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
    rt = ring_table(geoms, 1000)
    out = np.array([shapely.MultiPolygon() for _ in geoms], dtype=object)
    if not len(rt.lengths):
        return out
    at = _arc_table(rt.xy, rt.lengths)
    # Where several arcs join the same two junctions, all but the flattest are cut at their farthest
    # vertex (one Douglas-Peucker keeps anyway, unless the whole arc is within tolerance): then at most
    # one of them can become the straight segment, and no ring collapses. A closed arc is cut twice.
    far, far_d = farthest(at.xy, at.lengths)
    start = offsets(at.lengths)
    end = start + at.lengths - 1
    p, q = at.xy[start], at.xy[end]
    swap = (q[:, 0] < p[:, 0]) | ((q[:, 0] == p[:, 0]) & (q[:, 1] < p[:, 1]))
    lo, hi = np.where(swap[:, None], q, p), np.where(swap[:, None], p, q)  # each arc's ends, sorted
    n_arcs = len(at.lengths)
    o = np.lexsort((np.arange(n_arcs), far_d, hi[:, 1], hi[:, 0], lo[:, 1], lo[:, 0]))
    group = np.r_[True, (lo[o][1:] != lo[o][:-1]).any(axis=1) | (hi[o][1:] != hi[o][:-1]).any(axis=1)]
    flattest = np.empty(n_arcs, dtype=np.int64)
    flattest[o] = o[group][np.cumsum(group) - 1]
    closed = (p == q).all(axis=1)
    cut = ~closed & (flattest != np.arange(n_arcs)) & (far > 0)
    cuts = [np.c_[np.arange(n_arcs), np.zeros(n_arcs, dtype=np.int64)],
            np.c_[np.arange(n_arcs), at.lengths - 1], np.c_[np.flatnonzero(cut), far[cut]]]
    # a closed arc: at its vertex farthest from the start, then at the farthest from either chord
    ring_arc = np.flatnonzero(closed)
    i = far[ring_arc]
    halves = np.r_[i + 1, at.lengths[ring_arc] - i]
    half, j = _runs(halves)
    h_at, h_d = farthest(at.xy[np.r_[start[ring_arc], start[ring_arc] + i][half] + j], halves)
    k = len(ring_arc)
    cuts += [np.c_[ring_arc, i], np.c_[ring_arc, np.where(h_d[:k] >= h_d[k:], h_at[:k], i + h_at[k:])]]
    cuts = np.concatenate(cuts)
    cuts = cuts[np.lexsort((cuts[:, 1], cuts[:, 0]))]  # by arc, then along it; each cut once
    cuts = cuts[np.r_[True, (cuts[1:] != cuts[:-1]).any(axis=1)]]
    # the pieces between cuts, all at once through the simplifier
    arc, s = cuts[:-1, 0], cuts[:-1, 1]
    same = cuts[1:, 0] == arc
    arc, s, e = arc[same], s[same], cuts[1:, 1][same]
    piece, j = _runs(e - s + 1)
    lines = shapely.linestrings(at.xy[start[arc][piece] + s[piece] + j] / 1000.0, indices=piece)
    simple = shapely.get_parts(shapely.simplify(shapely.GeometryCollection(lines), tolerance,
                                                preserve_topology=True))
    if len(simple) != len(lines):  # pragma: no cover - GEOS keeps every line of a collection
        raise AtlasError(f"simplification lost lines ({len(simple)} of {len(lines)})")
    xy, which = shapely.get_coordinates(simple, return_index=True)
    # each arc joined again: every piece but an arc's first without its first vertex (the cut)
    first_piece = np.r_[True, arc[1:] != arc[:-1]]
    drop = np.r_[True, which[1:] != which[:-1]] & ~first_piece[which]
    xy, joined_arc = xy[~drop], arc[which[~drop]]
    ring_xy, ring_len = join_rings(xy, np.bincount(joined_arc, minlength=n_arcs), at.refs, at.ref_lengths)
    shells = shapely.linearrings(ring_xy, indices=np.repeat(np.arange(len(ring_len)), ring_len))
    polygons = shapely.polygons(shells, indices=rt.polygon)
    shapely.multipolygons(polygons, indices=rt.geometry, out=out)
    return out


def _arc_table(xy: np.ndarray, lengths: np.ndarray) -> ArcTable:
    """:func:`.arctable.arc_table`, or the plain matching of :func:`_shared_arcs_plain` where it cannot tell
    two arcs apart by their ends."""
    table = arc_table(xy, lengths)
    if table is not None:
        return table
    rings = np.split(np.asarray(xy, dtype=np.int64), np.cumsum(lengths)[:-1])
    arcs, refs = _shared_arcs_plain(rings)
    return ArcTable(np.concatenate(arcs), np.array([len(a) for a in arcs], dtype=np.int64),
                    np.array([r for ring in refs for r in ring], dtype=np.int64),
                    np.array([len(ring) for ring in refs], dtype=np.int64))


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
    at = _arc_table(np.concatenate([np.asarray(r, dtype=np.int64) for r in rings]),
                    np.array([len(r) for r in rings], dtype=np.int64))
    arcs = np.split(at.xy, np.cumsum(at.lengths)[:-1])
    refs = at.refs.tolist()
    return arcs, [refs[i:i + n] for i, n in zip(offsets(at.ref_lengths).tolist(), at.ref_lengths.tolist())]


def _shared_arcs_plain(rings: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[list[int]]]:
    """:func:`shared_arcs` ring by ring, matching arcs by their bytes (the reference, and the fallback of
    :func:`_arc_table`)."""
    lengths = np.array([len(r) for r in rings], dtype=np.int64)
    xy = np.concatenate([np.asarray(r, dtype=np.int64) for r in rings])
    starts = offsets(lengths)
    junction = junctions(xy, lengths)

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
