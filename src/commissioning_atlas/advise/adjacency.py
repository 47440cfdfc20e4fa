"""Which units touch: shared-boundary adjacency from the LSOA coverage, islands joined across water.

The LSOA coverage is clean (neighbours share their vertices exactly, on a 1 mm grid), so two LSOAs
are neighbours exactly when they share a boundary segment. :func:`lsoa_adjacency` finds every shared
segment at once (all ring segments, endpoints quantised and sorted, duplicates between two LSOAs)
and sums their lengths per pair: about 0.5 s for the 32,844 LSOAs, the same 94,624 pairs as an STRtree
query with boundary intersections (12 s). Any grouping of LSOAs then has its adjacency by summing
over pairs whose ends lie in different units (:func:`unit_adjacency`). :func:`base_adjacency` gives
an atlas's pairs, made once per LSOA base and kept in the layer cache beside it, so a new process reads
them instead of finding them again.

A unit with no land neighbour in its area (the Isle of Wight among PCTs, the Isles of Scilly among
districts) would make every grouping containing it non-contiguous. :func:`connect_areas` joins each
such piece to the nearest unit of the same area and records the link, its length and whether the
straight line crosses only water (``across water``) or other areas' land (``across land``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

if TYPE_CHECKING:
    from commissioning_atlas.atlas import Atlas
    from commissioning_atlas.build.context import BuildContext

__all__ = ["lsoa_adjacency", "base_adjacency", "unit_adjacency", "connect_areas", "Link"]

log = logging.getLogger(__name__)

#: Grid (metres) vertices are quantised to before matching segments (the coverage's snap grid).
GRID_M = 0.001
#: Bump when :func:`lsoa_adjacency` changes what it returns, so cached adjacencies are remade.
ADJACENCY_VERSION = "1"
#: Name of the cache entry (``<name>-<key>.npy`` and ``.json`` beside the LSOA base's entry).
CACHE_NAME = "lsoa_adjacency"
_FIELDS = np.dtype([("i", np.int64), ("j", np.int64), ("length_m", np.float64)])


@dataclass(frozen=True)
class Link:
    """A join between two units that share no boundary.

    Attributes
    ----------
    a, b : int
        Unit indices (``a`` in the piece that was cut off).
    distance_m : float
        Shortest distance between the two units' LSOAs.
    kind : str
        ``"across water"`` when the shortest line between them touches no other LSOA, else
        ``"across land"`` (the area's units are separated by another area's land).
    """

    a: int
    b: int
    distance_m: float
    kind: str


def lsoa_adjacency(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of polygons of a clean coverage that share boundary, with the shared length.

    Parameters
    ----------
    geoms : array of shapely (Multi)Polygons
        A coverage whose neighbours share vertices exactly (up to :data:`GRID_M`).

    Returns
    -------
    i, j : numpy.ndarray of int64
        Row indices with ``i < j``, sorted.
    length_m : numpy.ndarray of float
        Shared boundary length of each pair (coordinate units, metres in EPSG:27700).

    Examples
    --------
    >>> import shapely, numpy as np
    >>> sq = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)])
    >>> lsoa_adjacency(sq)
    (array([0]), array([1]), array([1.]))
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, ci = shapely.get_coordinates(rings, return_index=True)
    point = _grid_keys(xy)
    seg = np.flatnonzero(ci[1:] == ci[:-1])  # segment k runs from vertex seg[k] to seg[k] + 1
    owner = part_of[ring_of][ci[seg]]
    a, b = point[seg], point[seg + 1]
    lo, hi = np.minimum(a, b), np.maximum(a, b)  # a segment's key whichever way its ring runs
    # three keys, not five: each packed end sorts as its (x, y) pair did; the sort is stable, so equal
    # segments of one polygon stay in ring order and the length read below is that of the same segment
    order = np.lexsort((owner, hi, lo))
    lo, hi, own = lo[order], hi[order], owner[order]
    dup = (lo[1:] == lo[:-1]) & (hi[1:] == hi[:-1]) & (own[1:] != own[:-1])
    first = seg[order[:-1][dup]]
    length = np.hypot(*(xy[first + 1] - xy[first]).T)
    i, j = own[:-1][dup], own[1:][dup]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    pair, inv = np.unique(lo * n + hi, return_inverse=True)
    total = np.bincount(inv, weights=length, minlength=len(pair))
    return (pair // n).astype(np.int64), (pair % n).astype(np.int64), total


def _grid_keys(xy: np.ndarray) -> np.ndarray:
    """One int64 per vertex, equal for vertices on the same :data:`GRID_M` cell, ordered as ``(x, y)``.

    Each coordinate is quantised and shifted to start at 0; where both spans fit in 31 bits (2,147 km at
    1 mm) they are packed into one integer, x above y, else the vertices are ranked in ``(x, y)`` order.
    """
    q = np.round(xy / GRID_M).astype(np.int64)
    if not len(q):
        return np.zeros(0, dtype=np.int64)
    q -= q.min(axis=0)
    if q.max() < 1 << 31:
        return (q[:, 0] << 31) | q[:, 1]
    return np.unique(q, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def base_adjacency(atlas: "Atlas") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`lsoa_adjacency` of the atlas's LSOAs, made once per LSOA base.

    An atlas built from sources keeps it on its build context (shared by the copies
    :meth:`~commissioning_atlas.Atlas.with_scenario` and :meth:`~commissioning_atlas.Atlas.with_layer` make)
    and in the layer cache, keyed on the base's key, so another process reads it; an atlas of frames in
    memory keeps it on the atlas.

    Parameters
    ----------
    atlas : Atlas

    Returns
    -------
    i, j, length_m : numpy.ndarray
        As :func:`lsoa_adjacency` returns them for ``atlas.lsoa``.
    """
    ctx = atlas.ctx
    if not hasattr(ctx, "base_key"):  # frames in memory: nothing to key a cache entry on
        return atlas.derived("advise.lsoa_adjacency", lambda: lsoa_adjacency(atlas.lsoa.geometry.to_numpy()))
    return ctx.memo(CACHE_NAME, lambda: _cached_adjacency(ctx))


def _cached_adjacency(ctx: "BuildContext") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The adjacency of ``ctx.base`` from the layer cache, else found and written there."""
    key = hashlib.sha256(repr((ADJACENCY_VERSION, GRID_M, ctx.base_key())).encode()).hexdigest()[:20]
    got = None if ctx.rebuild else ctx.cache.read_array(CACHE_NAME, key)
    if got is not None:
        return tuple(np.ascontiguousarray(got[0][f]) for f in _FIELDS.names)
    i, j, length = lsoa_adjacency(ctx.base.geometry.to_numpy())
    rows = np.empty(len(i), dtype=_FIELDS)
    rows["i"], rows["j"], rows["length_m"] = i, j, length
    try:
        ctx.cache.write_array(CACHE_NAME, key, rows)
    except OSError as exc:  # a read-only or full cache: the answer stands, the next run finds it again
        log.debug("adjacency not cached: %s", exc)
    return i, j, length


def unit_adjacency(i: np.ndarray, j: np.ndarray, length_m: np.ndarray, labels: np.ndarray,
                   n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate LSOA adjacency to units.

    Parameters
    ----------
    i, j, length_m : numpy.ndarray
        From :func:`lsoa_adjacency`.
    labels : numpy.ndarray of int
        Unit index of each LSOA row (-1: in no unit).
    n_units : int

    Returns
    -------
    edges : numpy.ndarray, shape (m, 2)
        Unit pairs ``(a, b)`` with ``a < b`` that share boundary, sorted.
    length_m : numpy.ndarray
        Shared boundary length of each pair.
    """
    a, b = labels[i], labels[j]
    keep = (a >= 0) & (b >= 0) & (a != b)
    a, b, w = a[keep], b[keep], length_m[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair, inv = np.unique(lo.astype(np.int64) * n_units + hi, return_inverse=True)
    total = np.bincount(inv, weights=w, minlength=len(pair))
    return np.stack([pair // n_units, pair % n_units], axis=1).astype(np.int64), total


def connect_areas(edges: np.ndarray, area: np.ndarray, labels: np.ndarray,
                  geoms: np.ndarray) -> list[Link]:
    """Join every piece of an area cut off from the rest of it to the nearest unit of that area.

    Parameters
    ----------
    edges : numpy.ndarray, shape (m, 2)
        Unit adjacency (:func:`unit_adjacency`).
    area : numpy.ndarray of int
        Area index of each unit (all zeros for one area); the links stay inside areas.
    labels : numpy.ndarray of int
        Unit index of each LSOA row (-1: in no unit).
    geoms : numpy.ndarray
        LSOA geometries, aligned with ``labels``.

    Returns
    -------
    list of Link
        In the order they were added (largest piece of each area first kept, every other piece
        linked from its nearest LSOA), deterministic for the same input.
    """
    n = len(area)
    links: list[Link] = []
    tree_all = None
    for w in np.unique(area):
        units = np.flatnonzero(area == w)
        if len(units) < 2:
            continue
        while True:
            inside = np.isin(edges[:, 0], units) & np.isin(edges[:, 1], units)
            extra = np.array([[l.a, l.b] for l in links], dtype=np.int64).reshape(-1, 2)
            e = np.concatenate([edges[inside], extra[np.isin(extra[:, 0], units)]])
            g = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
            _, comp = connected_components(g, directed=False)
            comps = comp[units]
            ids, counts = np.unique(comps, return_counts=True)
            if len(ids) == 1:
                break
            # the smallest piece (fewest units; ties by its first unit) joins its nearest neighbour
            first = np.array([units[comps == c].min() for c in ids])
            piece = ids[np.lexsort((first, counts))[0]]
            own = units[comps == piece]
            rest = units[comps != piece]
            src = np.flatnonzero(np.isin(labels, own))
            dst = np.flatnonzero(np.isin(labels, rest))
            tree = shapely.STRtree(geoms[dst])
            (qi, ti), dist = tree.query_nearest(geoms[src], return_distance=True, all_matches=False)
            k = int(np.lexsort((ti, qi, dist))[0])
            s, d = src[qi[k]], dst[ti[k]]
            line = shapely.shortest_line(geoms[s], geoms[d])
            if tree_all is None:
                tree_all = shapely.STRtree(geoms)
            hit = tree_all.query(line, predicate="intersects")
            hit = hit[(hit != s) & (hit != d)]
            across = "across water"
            if len(hit) and np.any(shapely.length(shapely.intersection(geoms[hit], line)) > 1.0):
                across = "across land"
            links.append(Link(int(labels[s]), int(labels[d]), float(dist[k]), across))
    return links
