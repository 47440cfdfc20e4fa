"""Rings and arcs as flat arrays: the vectorised core of :mod:`.arcs`.

A page has tens of thousands of rings and arcs; the plain functions of :mod:`.arcs` (one numpy call per
ring or arc) spent most of a page's time in Python. Here a set of rings is one ``(n, 2)`` array of vertices
and one array of ring lengths, a set of arcs likewise, and every step is a few numpy calls over all of them.
The results are the plain functions', element for element (``tests/test_arctable.py`` compares them).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import shapely


class RingTable(NamedTuple):
    """Quantised rings of many (multi)polygons (:func:`ring_table`)."""

    xy: np.ndarray  #: (n, 2) int64 vertices of every ring, without closing vertices
    lengths: np.ndarray  #: vertices per ring
    polygon: np.ndarray  #: each ring's polygon (its shell first), numbered 0, 1, ... in order
    geometry: np.ndarray  #: each polygon's geometry (index into the input)


class ArcTable(NamedTuple):
    """Rings cut into shared arcs (:func:`arc_table`)."""

    xy: np.ndarray  #: (m, 2) vertices of every arc, first and last included
    lengths: np.ndarray  #: vertices per arc
    refs: np.ndarray  #: every ring's arcs in order; ``~i`` is arc ``i`` reversed
    ref_lengths: np.ndarray  #: arcs per ring


def offsets(lengths: np.ndarray) -> np.ndarray:
    """Where each run of ``lengths`` starts in the flat array."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.cumsum(lengths) - lengths


def _runs(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every element of the flat array: its run and its place in the run."""
    lengths = np.asarray(lengths, dtype=np.int64)
    run = np.repeat(np.arange(len(lengths)), lengths)
    return run, np.arange(len(run)) - offsets(lengths)[run]


def ring_table(geoms: np.ndarray, scale: float | tuple[float, float]) -> RingTable:
    """:func:`.arcs.quantised_rings` of many geometries at once.

    Parameters
    ----------
    geoms : array of shapely geometries (or None)
    scale : float or (float, float)
        Steps per unit, for x and y.

    Returns
    -------
    RingTable
        The rings of the polygons :func:`.arcs.quantised_rings` keeps, in its order.
    """
    scale = np.broadcast_to(np.asarray(scale, dtype=float), (2,))
    parts, part_geom = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    ok = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & ~shapely.is_empty(parts)
    parts, part_geom = parts[ok], part_geom[ok]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    xy = np.rint(coords * scale).astype(np.int64)
    # vertices that rounding made equal to the previous one of the same ring go
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = (xy[1:] != xy[:-1]).any(axis=1) | (vertex_ring[1:] != vertex_ring[:-1])
    xy, vertex_ring = xy[keep], vertex_ring[keep]
    lengths = np.bincount(vertex_ring, minlength=len(rings)).astype(np.int64)
    start = offsets(lengths)
    last = start + lengths - 1
    some = lengths > 1
    closed = np.zeros(len(rings), dtype=bool)
    closed[some] = (xy[start[some]] == xy[last[some]]).all(axis=1)
    keep = np.ones(len(xy), dtype=bool)
    keep[last[closed]] = False  # the page closes rings itself
    xy, vertex_ring = xy[keep], vertex_ring[keep]
    lengths = lengths - closed
    good = lengths >= 3
    # a polygon whose shell collapsed is dropped whole (get_rings gives each polygon's shell first)
    shell = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(ring_part) else np.zeros(0, dtype=bool)
    part_ok = np.zeros(len(parts), dtype=bool)
    part_ok[ring_part[shell]] = good[shell]
    ring_ok = good & part_ok[ring_part]
    xy = xy[ring_ok[vertex_ring]]
    renumber = np.cumsum(part_ok) - 1
    return RingTable(xy, lengths[ring_ok], renumber[ring_part[ring_ok]], part_geom[part_ok])


def _vertex_keys(xy: np.ndarray) -> np.ndarray:
    """One int64 per vertex, equal for equal vertices and only for them."""
    if len(xy) and np.abs(xy).max() < (1 << 31):  # page steps, or EPSG:27700 millimetres
        return (xy[:, 0] << 32) + (xy[:, 1] + (1 << 31))
    return np.unique(xy, axis=0, return_inverse=True)[1].ravel().astype(np.int64)


def junctions(xy: np.ndarray, lengths: np.ndarray, key: np.ndarray | None = None) -> np.ndarray:
    """Which vertices of flat rings are junctions: vertices with more than two distinct neighbours over
    all rings (where a boundary that two features share ends)."""
    key = _vertex_keys(xy) if key is None else key
    ring, pos = _runs(lengths)
    starts = offsets(lengths)
    idx = np.arange(len(xy))
    prev = np.where(pos == 0, idx + lengths[ring] - 1, idx - 1)
    nxt = np.where(pos == lengths[ring] - 1, starts[ring], idx + 1)
    # the vertices numbered 0..n-1, so that a (vertex, neighbour) pair is one int64 and the distinct
    # pairs one sort (n * n < 2**63 for the 3e9 vertices no page comes near)
    # (a stable argsort and a plain sort: np.unique with return_inverse is several times slower)
    order = np.argsort(key, kind="stable")
    sk = key[order]
    vertex = np.empty(len(key), dtype=np.int64)
    vertex[order] = np.cumsum(np.r_[True, sk[1:] != sk[:-1]]) - 1
    n = int(vertex.max()) + 1 if len(vertex) else 0
    pairs = np.concatenate([vertex * n + vertex[prev], vertex * n + vertex[nxt]])
    pairs.sort()
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    return np.bincount(pairs // max(n, 1), minlength=n)[vertex] > 2


def arc_table(xy: np.ndarray, lengths: np.ndarray) -> ArcTable | None:
    """:func:`.arcs.shared_arcs` over flat rings: the same arcs, in the same order and direction.

    Every ring is cut at its junctions (vertices with more than two distinct neighbours over all rings);
    a ring without one is a closed arc started at its smallest vertex. Arcs that run along the same
    vertices, in either direction, are one arc: stored as first met, a later one referring to it (``~i``
    when reversed). Arcs are matched on their first two and last vertices and length, then compared
    vertex for vertex.

    Parameters
    ----------
    xy : (n, 2) int array
        The rings' vertices, without closing vertices.
    lengths : int array
        Vertices per ring.

    Returns
    -------
    ArcTable or None
        None when two different arcs share their first two and last vertices and length (a ring that
        doubles back on itself); :func:`.arcs.shared_arcs` then matches them the plain way.
    """
    xy = np.asarray(xy, dtype=np.int64).reshape(-1, 2)
    lengths = np.asarray(lengths, dtype=np.int64)
    n_rings = len(lengths)
    key = _vertex_keys(xy)
    junction = junctions(xy, lengths, key)
    starts = offsets(lengths)
    ring, pos = _runs(lengths)

    # every ring's arcs: from each junction to the next (the last to the first, round the ring) ...
    jpos = np.flatnonzero(junction)
    jring = ring[jpos]
    new_ring = np.r_[True, jring[1:] != jring[:-1]] if len(jpos) else np.zeros(0, dtype=bool)
    ring_first = np.zeros(n_rings, dtype=np.int64)
    ring_first[jring[new_ring]] = jpos[new_ring]
    jend = np.r_[jpos[1:], 0] if len(jpos) else jpos
    last_of_ring = np.r_[new_ring[1:], True] if len(jpos) else new_ring
    jend[last_of_ring] = ring_first[jring[last_of_ring]] + lengths[jring[last_of_ring]]
    # ... and a ring without junctions is one closed arc from its smallest vertex (x, then y)
    has_junction = np.zeros(n_rings, dtype=bool)
    has_junction[jring] = True
    free = np.flatnonzero(~has_junction[ring])
    o = np.lexsort((xy[free, 1], xy[free, 0], ring[free]))
    free = free[o]
    smallest = free[np.r_[True, ring[free][1:] != ring[free][:-1]]] if len(free) else free
    occ_ring = np.r_[jring, ring[smallest]]
    occ_start = np.r_[jpos - starts[jring], pos[smallest]]
    occ_len = np.r_[jend - jpos + 1, lengths[ring[smallest]] + 1]
    o = np.lexsort((occ_start, occ_ring))  # ring by ring, each from its first cut on
    occ_ring, occ_start, occ_len = occ_ring[o], occ_start[o], occ_len[o]

    # each occurrence's vertices, as indices into xy
    occ, j = _runs(occ_len)
    v = starts[occ_ring][occ] + (occ_start[occ] + j) % lengths[occ_ring][occ]
    kv = key[v]
    off = offsets(occ_len)
    f = np.stack([kv[off], kv[off + 1], kv[off + occ_len - 1]])
    r = np.stack([f[2], kv[off + occ_len - 2], f[0]])
    use_r = (r[0] < f[0]) | ((r[0] == f[0]) & ((r[1] < f[1]) | ((r[1] == f[1]) & (r[2] < f[2]))))
    c = np.where(use_r, r, f)
    n_occ = len(occ_len)
    o = np.lexsort((np.arange(n_occ), occ_len, c[2], c[1], c[0]))
    cs, ls = c[:, o], occ_len[o]
    head = np.r_[True, (cs[:, 1:] != cs[:, :-1]).any(axis=0) | (ls[1:] != ls[:-1])] if n_occ else \
        np.zeros(0, dtype=bool)
    leader = np.empty(n_occ, dtype=np.int64)
    leader[o] = o[head][np.cumsum(head) - 1]  # the first occurrence of each arc
    forward = (f == f[:, leader]).all(axis=0)
    # the same vertices, forward or backward, as the occurrence each refers to
    lj = np.where(forward[occ], j, occ_len[occ] - 1 - j)
    if not (kv == kv[off[leader][occ] + lj]).all():
        return None
    is_leader = leader == np.arange(n_occ)
    arc_id = np.cumsum(is_leader) - 1
    refs = np.where(forward, arc_id[leader], ~arc_id[leader])
    return ArcTable(xy[v[is_leader[occ]]], occ_len[is_leader], refs,
                    np.bincount(occ_ring, minlength=n_rings).astype(np.int64))


def join_rings(xy: np.ndarray, lengths: np.ndarray, refs: np.ndarray, ref_lengths: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`.arcs.arc_rings` over flat arcs: each ring's arcs joined, without the closing vertex.

    Returns
    -------
    xy : (n, 2) array
        Every ring's vertices.
    lengths : int array
        Vertices per ring.
    """
    xy = np.asarray(xy)
    lengths = np.asarray(lengths, dtype=np.int64)
    refs = np.asarray(refs, dtype=np.int64)
    arc = np.where(refs >= 0, refs, ~refs)
    # the first arc of a ring whole, each later one without its first vertex (the previous one's last)
    first_of_ring = np.zeros(len(refs), dtype=bool)
    first_of_ring[offsets(ref_lengths)[np.asarray(ref_lengths) > 0]] = True
    take = lengths[arc] - ~first_of_ring
    piece, j = _runs(take)
    j = j + ~first_of_ring[piece]
    m = lengths[arc][piece]
    at = offsets(lengths)[arc][piece] + np.where(refs[piece] >= 0, j, m - 1 - j)
    per_ring = np.bincount(np.repeat(np.arange(len(ref_lengths)), ref_lengths), weights=take,
                           minlength=len(ref_lengths)).astype(np.int64)
    # and without the closing vertex: the last of each ring goes
    keep = np.ones(len(at), dtype=bool)
    ends = np.cumsum(per_ring)[per_ring > 0] - 1
    keep[ends] = False
    return xy[at[keep]], np.maximum(per_ring - 1, 0)


def farthest(xy: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every line at once, the vertex farthest from its chord (from its start if closed) and that
    distance; (0, 0.0) for a line of fewer than three vertices."""
    a = np.asarray(xy, dtype=float)
    lengths = np.asarray(lengths, dtype=np.int64)
    n = len(lengths)
    index, dist = np.zeros(n, dtype=np.int64), np.zeros(n)
    line, j = _runs(lengths)
    start = offsets(lengths)
    s, e = a[start[lengths > 0]], a[(start + lengths - 1)[lengths > 0]]
    d = np.zeros((n, 2))
    d[lengths > 0] = e - s
    first = np.zeros((n, 2))
    first[lengths > 0] = s
    norm = np.hypot(d[:, 0], d[:, 1])
    rel = a - first[line]
    dl, nl = d[line], norm[line]
    with np.errstate(divide="ignore", invalid="ignore"):
        chord = np.abs(rel[:, 0] * dl[:, 1] - rel[:, 1] * dl[:, 0]) / nl
    dv = np.where(nl > 0, chord, np.hypot(rel[:, 0], rel[:, 1]))
    inner = (j >= 1) & (j <= lengths[line] - 2)
    if not inner.any():
        return index, dist
    at = np.flatnonzero(inner)
    top = np.maximum.reduceat(dv[at], np.r_[0, np.flatnonzero(line[at][1:] != line[at][:-1]) + 1])
    lines = line[at][np.r_[True, line[at][1:] != line[at][:-1]]]
    best = np.full(n, -np.inf)
    best[lines] = top
    hit = at[dv[at] == best[line[at]]]
    hit = hit[np.r_[True, line[hit][1:] != line[hit][:-1]]]  # the first of equals, as argmax
    index[line[hit]], dist[line[hit]] = j[hit], dv[hit]
    return index, dist
