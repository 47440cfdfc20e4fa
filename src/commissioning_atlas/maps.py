"""Self-contained Leaflet HTML maps: every asset inlined, geometry simplified without gaps, text escaped.

A map is one HTML file that opens from ``file://`` with no network: Leaflet's JavaScript and CSS come from
the installed ``xstatic-leaflet`` wheel and are inlined; there are no base tiles unless asked for
(``tiles=True``); a grey outline drawn from our own layers stands in for them.

Geometry goes through four steps:

1. Atoms: the groups of LSOAs with the same owner in every layer the page draws. They form a coverage
   even where a layer's own features overlap (footprint sets), and every feature is a union of atoms.
2. The atoms' boundaries are cut into shared arcs in EPSG:27700 and simplified all at once by GEOS's
   topology-preserving Douglas-Peucker (:func:`arc_simplify`): every point of a simplified edge lies
   within the tolerance of the true boundary, junctions stay put, no edge crosses another, and
   neighbours stay glued (per-polygon ``simplify`` opens slivers). Each feature is the union of its
   simplified atoms, so a boundary two layers share has the same vertices in both.
3. Reprojection to EPSG:4326 and rounding to steps of about 1 m (:data:`COORD_SCALE`).
   Shared vertices round identically, so rounding opens no gap either; :func:`simplification_report`
   measures it.
4. Shared arcs (the TopoJSON idea): rings are cut where boundaries meet and each piece of boundary is
   stored once, as integer deltas, whichever features and layers use it (:func:`shared_arcs`).

All table text travels as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&``
escaped as ``\\u003c``, ``\\u003e``, ``\\u0026``; the page builds tooltips and popups with ``textContent``
(never ``innerHTML`` of table text), so a name like ``</script><script>alert(1)</script>`` is shown as text.

By default (``pack=True``) Leaflet, the script, that JSON and the arcs (as bytes: :func:`encode_arcs`) travel
as one gzip stream, written as text 7 characters per 6 bytes (:func:`_to_text`), which a short boot script
unpacks with the browser's ``DecompressionStream`` (Chrome/Edge 80, Firefox 113, Safari 16.4) and runs as
the plain page would: 2.6 times fewer bytes. In an older browser the page says what it needs;
``pack=False`` writes the plain page. :func:`read_page_data` reads either back.

Examples
--------
>>> import commissioning_atlas as ca
>>> from commissioning_atlas import maps
>>> atlas = ca.load()                                   # doctest: +SKIP
>>> maps.atlas_map(atlas, "out/atlas.html")             # doctest: +SKIP
>>> maps.ccg_map(atlas, "out/ccg.html")                 # doctest: +SKIP
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.strtree import STRtree

from . import settings
from ._errors import AtlasError
from .checks import counts as checks_counts
from .export import atomic_write

__all__ = [
    "ATLAS_LAYERS",
    "ATTRIBUTION",
    "arc_rings",
    "arc_simplify",
    "atlas_map",
    "ccg_map",
    "decode_arcs",
    "decode_page_geometry",
    "encode_arcs",
    "findings_map",
    "greedy_colouring",
    "layer_map",
    "quantised_rings",
    "read_page_data",
    "shared_arcs",
    "simplification_report",
    "simplified_layer",
    "simplified_layers",
    "write_index",
    "write_maps",
]

#: Simplification tolerance (metres, EPSG:27700): no drawn boundary is further than this from the true
#: one (Douglas-Peucker, :func:`arc_simplify`). 200 m is 1-2 pixels at zoom 10, where one CCG fills the
#: screen; finer maps: ``--simplify``.
DEFAULT_TOLERANCE_M = 200.0
#: Integer steps per degree of longitude and latitude on the page: 1.6e-5 degrees of longitude is
#: 1.15 m at 49.9 N (Scilly) and 1.03 m at 55.8 N (Berwick); 1e-5 degrees of latitude is 1.11 m.
#: So about 1 m both ways (plain 5-decimal longitude would be 0.6-0.7 m: bits the eye cannot see).
COORD_SCALE = (62_500, 100_000)
#: Fill palette for neighbours (ColorBrewer Set2 plus two darker tones); 8 colours.
PALETTE = ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#7fb3d5"]
#: Severity colours for findings.
SEVERITY_COLOURS = {"error": "#d7191c", "warning": "#f28e2b", "info": "#2c7bb6"}
#: Colour of a crossing part (hatched on top).
CROSSING_COLOUR = "#ff0000"
#: Layer whose outline is drawn in grey under every map in place of base tiles.
BASE_LAYER = "sha_2011"
#: The open-data statement every map carries.
ATTRIBUTION = ("Contains National Statistics data \u00a9 Crown copyright and database right 2011-2015; "
               "Contains OS data \u00a9 Crown copyright and database right. Open Government Licence v3.0")
#: Layers of the atlas map, bottom to top: (layer id, shown by default, outline colour, line weight).
ATLAS_LAYERS: list[tuple[str, bool, str, float]] = [
    ("sha_cluster_2011", False, "#333333", 3.0),
    ("sha_2011", True, "#1b3a6b", 2.5),
    ("pct_cluster_2011", False, "#6a3d9a", 2.0),
    ("pct_2011", False, "#555555", 1.0),
    ("utla_2011", False, "#8c510a", 1.0),
    ("ccg_2013", True, "#2f4f4f", 0.8),
    ("css_2012", False, "#b2182b", 1.5),
    ("csu_2013", False, "#01665e", 1.5),
    ("nhs_area_team_2013", False, "#4d4d4d", 2.0),
]
#: Columns carried into popups when a layer has them (in this order).
POPUP_COLUMNS = ["code", "ods_code", "population", "registered_population", "area_km2", "status", "members",
                 "partners", "confidence", "note", "source"]
#: Findings columns carried into popups.
FINDING_COLUMNS = ["rule", "class", "class_strict", "severity", "subject_layer", "subject_code", "subject_name",
                   "against_layer", "against_code", "against_name", "area_km2", "share_area", "population",
                   "share_population", "tolerance", "note"]
#: css_2012 / csu_2013 status -> (legend label, SVG dash pattern); matched on the lower-cased status.
STATUS_STYLES: list[tuple[str, str, str]] = [
    ("in-house", "in-house", "2 4"),
    ("merg", "merger", "8 4"),
    ("proposed;", "proposed, qualified", "10 3 2 3"),
    ("proposed", "proposed", ""),
    ("csu", "CSU (April 2013)", ""),
]

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


# --------------------------------------------------------------------------------------------- geometry
def _cache(atlas: Any) -> dict:
    """The Atlas's memo of simplified page atoms (shared with the checks' memo; a copied Atlas starts
    empty); an object without one gets a throw-away dict, so nothing is cached."""
    memo = getattr(atlas, "_memo", None)
    return memo.setdefault("maps", {}) if isinstance(memo, dict) else {}


def _owners(atlas: Any, layer_id: str, lsoa_codes: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Each LSOA's owners in a layer as a row of code ids (sorted, padded with -1), and the codes."""
    members = atlas.membership(layer_id)
    li = lsoa_codes.get_indexer(members["lsoa_code"])
    codes, ci = np.unique(members["code"].astype(str).to_numpy(), return_inverse=True)
    pairs = np.unique(np.stack([li, ci], axis=1)[li >= 0], axis=0)  # sorted by LSOA, then code
    li, ci = pairs[:, 0], pairs[:, 1]
    first = np.r_[True, li[1:] != li[:-1]] if len(li) else np.zeros(0, dtype=bool)
    rank = np.arange(len(li)) - np.maximum.accumulate(np.where(first, np.arange(len(li)), 0))
    owners = np.full((len(lsoa_codes), int(rank.max()) + 1 if len(rank) else 1), -1, dtype=np.int64)
    owners[li, rank] = ci
    return owners, codes


def _page_atoms(atlas: Any, layer_ids: Sequence[str], tolerance: float) -> dict:
    """The page's atoms: groups of LSOAs with the same owners in every layer (a coverage), simplified.

    Returns a dict with ``layers`` (sorted ids), ``owners`` (layer id -> (atom x k code ids, codes)),
    ``atoms`` (EPSG:27700 geometries) and ``simple`` (the atoms after :func:`arc_simplify`). Cached in
    the Atlas's memo.
    """
    layer_ids = sorted(dict.fromkeys(layer_ids))  # atoms do not depend on the order the page draws in
    cache = _cache(atlas)
    key = ("atoms", tuple(layer_ids), float(tolerance))
    layers = [atlas.layer(lid) for lid in layer_ids]
    hit = cache.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], layers)):
        return hit[1]
    lsoa_codes = pd.Index(atlas.lsoa["code"].astype(str))
    per_layer = [_owners(atlas, lid, lsoa_codes) for lid in layer_ids]
    owners = np.hstack([o for o, _ in per_layer])
    covered = (owners >= 0).any(axis=1)  # an LSOA no drawn layer owns is not drawn
    rows, inverse = np.unique(owners[covered], axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(rows)))
    bounds = list(starts[1:]) + [len(order)]
    geoms = atlas.lsoa.geometry.to_numpy()[covered][order]
    atoms = np.array([shapely.coverage_union_all(geoms[a:b]) for a, b in zip(starts, bounds)], dtype=object)
    widths = np.cumsum([0] + [o.shape[1] for o, _ in per_layer])
    out = {"layers": layer_ids, "atoms": atoms,
           "simple": arc_simplify(_snap_to_page_grid(atoms), tolerance),
           "owners": {lid: (rows[:, widths[n]:widths[n + 1]], per_layer[n][1]) for n, lid in enumerate(layer_ids)}}
    cache[key] = (layers, out)
    return out


def _snap_to_page_grid(geoms: np.ndarray) -> np.ndarray:
    """Move every vertex (EPSG:27700) to the point the page will round it to (:data:`COORD_SCALE`).

    Simplifying the snapped vertices means the page draws exactly the vertices the simplifier checked:
    rounding afterwards could make two nearly touching edges (a neck under a metre wide) cross.
    """
    from pyproj import Transformer

    fwd = Transformer.from_crs(settings.CRS, settings.WEB_CRS, always_xy=True)
    back = Transformer.from_crs(settings.WEB_CRS, settings.CRS, always_xy=True)
    scale = np.asarray(COORD_SCALE, dtype=float)

    def snap(xy: np.ndarray) -> np.ndarray:
        lon, lat = fwd.transform(xy[:, 0], xy[:, 1])
        grid = np.rint(np.c_[lon, lat] * scale) / scale
        return np.c_[back.transform(grid[:, 0], grid[:, 1])]

    return shapely.transform(np.asarray(geoms, dtype=object), snap)


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


def simplified_layers(atlas: Any, layer_ids: Sequence[str],
                      tolerance: float = DEFAULT_TOLERANCE_M) -> dict[str, gpd.GeoSeries]:
    """Simplify several layers together, so that every boundary they share is simplified once.

    The layers are cut into atoms (groups of LSOAs with the same owner in every layer: a coverage,
    even when a layer's own features overlap, as footprint sets do); :func:`arc_simplify` simplifies
    the atoms at once and each feature is the union of its simplified atoms. So neighbours
    stay glued (per-polygon ``simplify`` opens slivers) and a boundary two layers share, such as an SHA
    edge that is also a PCT edge, has the same vertices in both: the page stores it once.

    Parameters
    ----------
    atlas : Atlas
        Gives the layers and their LSOA membership.
    layer_ids : sequence of str
        Layer ids, e.g. ``["sha_2011", "ccg_2013"]``.
    tolerance : float
        Largest distance (m) a simplified edge may move.

    Returns
    -------
    dict
        Layer id -> GeoSeries (EPSG:27700) with the layer's index and order.

    Examples
    --------
    >>> s = simplified_layers(atlas, ["sha_2011", "ccg_2013"], 150)   # doctest: +SKIP
    >>> simplification_report(atlas.layer("ccg_2013"), s["ccg_2013"])  # doctest: +SKIP
    """
    page = _page_atoms(atlas, layer_ids, tolerance)
    return {lid: _layer_from_atoms(atlas, page, lid) for lid in dict.fromkeys(layer_ids)}


def _layer_from_atoms(atlas: Any, page: dict, lid: str) -> gpd.GeoSeries:
    """One layer of a page as unions of its simplified atoms (memoised in the page)."""
    done = page.setdefault("unions", {})
    if lid not in done:
        ids, codes = page["owners"][lid]
        atom, col = np.nonzero(ids >= 0)
        code = ids[atom, col]
        order = np.lexsort((atom, code))
        atom, code = atom[order], code[order]
        starts = np.searchsorted(code, np.arange(len(codes)))
        bounds = np.searchsorted(code, np.arange(len(codes)), side="right")
        union = {c: shapely.coverage_union_all(page["simple"][atom[a:b]])
                 for c, a, b in zip(codes, starts, bounds) if b > a}
        layer = atlas.layer(lid)
        geoms = [union.get(c, shapely.Polygon()) for c in layer["code"].astype(str)]
        done[lid] = gpd.GeoSeries(np.array(geoms, dtype=object), index=layer.index, crs=layer.crs or settings.CRS)
    return done[lid]


def simplified_layer(atlas: Any, layer_id: str, tolerance: float = DEFAULT_TOLERANCE_M) -> gpd.GeoSeries:
    """Return one layer's geometry simplified without opening gaps or overlaps (EPSG:27700).

    Parameters
    ----------
    atlas : Atlas
        Gives the layer and its LSOA membership.
    layer_id : str
        Layer id, e.g. ``"ccg_2013"``.
    tolerance : float
        Largest distance (m) a simplified edge may move.

    Returns
    -------
    geopandas.GeoSeries
        Same index and order as the layer.

    Examples
    --------
    >>> s = simplified_layer(atlas, "ccg_2013", 150)          # doctest: +SKIP
    >>> simplification_report(atlas.layer("ccg_2013"), s)     # doctest: +SKIP
    """
    return simplified_layers(atlas, [layer_id], tolerance)[layer_id]


def _holes(geom: shapely.Geometry) -> list[shapely.Polygon]:
    return [shapely.Polygon(r) for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon)
            for r in p.interiors]


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
    ua, ub = shapely.union_all(a), shapely.union_all(b)
    over_a = float(shapely.area(a).sum() - ua.area)
    over_b = float(shapely.area(b).sum() - ub.area)
    i, j = STRtree(b).query(b, predicate="intersects")
    i, j = i[i < j], j[i < j]
    apart = shapely.area(shapely.intersection(a[i], a[j])) < 1.0
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


def encode_arcs(arcs: Sequence[Sequence[int]]) -> bytes:
    """Pack a page's arcs into bytes that gzip well (what a packed page carries).

    The values are one stream of unsigned 32-bit integers: the number of arcs, each arc's vertex
    count, then each arc's coordinates as zigzag-coded deltas (an arc's first vertex is a delta from
    the previous arc's first vertex). The stream is stored as four byte planes (all low bytes, then
    all second bytes, ...), so the nearly constant high bytes compress to almost nothing: about 20%
    fewer gzip bytes than the same deltas written as JSON.

    Parameters
    ----------
    arcs : sequence of sequence of int
        Flat ``x0, y0, dx1, dy1, ...`` per arc, first vertex absolute (:meth:`_Builder.topology`).

    Returns
    -------
    bytes

    Examples
    --------
    >>> decode_arcs(encode_arcs([[5, 7, 1, -1], [2, 2, 0, 3, -4, 0]]))
    [[5, 7, 1, -1], [2, 2, 0, 3, -4, 0]]
    """
    lengths = [len(a) // 2 for a in arcs]
    flat = np.concatenate([np.asarray(a, dtype=np.int64) for a in arcs]) if arcs else np.zeros(0, np.int64)
    starts = np.cumsum([0] + [2 * n for n in lengths])[:-1]
    if len(starts):
        idx = (starts[:, None] + np.arange(2)).ravel()  # each arc's first x, y
        flat[idx] = np.diff(flat[idx].reshape(-1, 2), axis=0, prepend=0).ravel()
    zz = (flat << 1) ^ (flat >> 63)
    values = np.concatenate([[len(arcs)], lengths, zz]).astype(np.uint64)
    if values.max(initial=0) >= 1 << 32:
        raise AtlasError("a coordinate delta does not fit in 32 bits: the page cannot pack its arcs")
    return values.astype("<u4").view(np.uint8).reshape(-1, 4).T.tobytes()


def decode_arcs(blob: bytes) -> list[list[int]]:
    """Unpack :func:`encode_arcs` (what the page's script does)."""
    if len(blob) % 4:
        raise ValueError("arc bytes are not whole 32-bit values")
    values = np.frombuffer(blob, dtype=np.uint8).reshape(4, -1).T.copy().view("<u4").ravel().astype(np.int64)
    n = int(values[0]) if len(values) else 0
    lengths = values[1:1 + n]
    flat = (values[1 + n:] >> 1) ^ -(values[1 + n:] & 1)
    if len(flat) != 2 * int(lengths.sum()):
        raise ValueError("arc bytes do not match their counts")
    starts = np.cumsum(np.r_[0, 2 * lengths])[:-1]
    if n:
        idx = (starts[:, None] + np.arange(2)).ravel()
        flat[idx] = np.cumsum(flat[idx].reshape(-1, 2), axis=0).ravel()
    return [flat[a:a + 2 * int(k)].tolist() for a, k in zip(starts, lengths)]


def decode_page_geometry(data: dict, geometry: str) -> list[shapely.Geometry]:
    """Rebuild the (multi)polygons a page draws for one geometry set, in EPSG:4326.

    Parameters
    ----------
    data : dict
        A page's data (:func:`read_page_data`).
    geometry : str
        Key of ``data["geometry"]``, e.g. ``"ccg_2013"`` or ``"findings"``.

    Returns
    -------
    list of shapely MultiPolygon
    """
    scale = np.asarray(data["scale"], dtype=float)
    arcs = [np.cumsum(np.asarray(a, dtype=np.int64).reshape(-1, 2), axis=0) for a in data["arcs"]]
    out = []
    for feature in data["geometry"][geometry]:
        polys = []
        for polygon in feature:
            rings = [r / scale for r in arc_rings(arcs, polygon)]
            polys.append(shapely.Polygon(rings[0], rings[1:]))
        out.append(shapely.MultiPolygon(polys) if polys else shapely.MultiPolygon())
    return out


def greedy_colouring(geoms: Sequence | np.ndarray, n_colours: int = len(PALETTE)) -> np.ndarray:
    """Colour polygons so that neighbours differ (greedy, largest degree first).

    Parameters
    ----------
    geoms : sequence of geometries
        Any CRS; neighbours are polygons whose geometries intersect (share an edge or a point).
    n_colours : int
        Palette size; if the greedy order needs more, colours are reused (the least used neighbour colour).

    Returns
    -------
    numpy.ndarray
        One colour index per polygon, deterministic for the same input order.
    """
    geoms = np.asarray(list(geoms), dtype=object)
    n = len(geoms)
    if n == 0:
        return np.zeros(0, dtype=int)
    tree = STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    mask = i != j
    neigh: list[set[int]] = [set() for _ in range(n)]
    for a, b in zip(i[mask].tolist(), j[mask].tolist()):
        neigh[a].add(b)
        neigh[b].add(a)
    order = sorted(range(n), key=lambda k: (-len(neigh[k]), k))
    colour = np.full(n, -1, dtype=int)
    for k in order:
        used = [colour[m] for m in neigh[k] if colour[m] >= 0]
        free = [c for c in range(n_colours) if c not in used]
        colour[k] = free[0] if free else min(range(n_colours), key=lambda c: (used.count(c), c))
    return colour


# --------------------------------------------------------------------------------------------- payload
def _plain(value: Any) -> Any:
    """A JSON-safe, deterministic value (None for missing)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return int(v) if v.is_integer() and abs(v) < 2**53 else round(v, 4)
    text = str(value)
    return text if text.strip() else None


def _props(row: pd.Series, columns: Iterable[str]) -> dict[str, Any]:
    out = {}
    for c in columns:
        if c in row.index:
            v = _plain(row[c])
            if v is not None:
                if c == "area_km2" and isinstance(v, float):
                    v = round(v, 2)
                out[c] = v
    return out


def _status_class(status: Any) -> str | None:
    s = _plain(status)
    if s is None:
        return None
    low = str(s).lower()
    for needle, label, _ in STATUS_STYLES:
        if needle in low:
            return label
    return "other"


_STATUS_DASH = {label: dash for _, label, dash in STATUS_STYLES} | {"other": "1 3"}


@dataclass
class _Builder:
    """Collects one page's layers and geometry; every ring goes into one pool, stored as shared arcs.

    ``page_layers`` are all the layers the page draws: they are simplified together (their atoms), so a
    boundary two of them share is one arc in the page.
    """

    atlas: Any
    tolerance: float
    page_layers: list[str]
    geometry: dict[str, list] = field(default_factory=dict)  # key -> features -> polygons -> ring ids
    rings: list[np.ndarray] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    colours: dict[str, np.ndarray] = field(default_factory=dict)

    def _source(self, layer_id: str) -> None:
        try:
            info = self.atlas.info(layer_id)
        except Exception:  # noqa: BLE001 - a layer without metadata still maps
            return
        text = f"{info.get('title', layer_id)} ({info.get('vintage', '')}): {info.get('source', '')}"
        if text not in self.sources:
            self.sources.append(text)

    def _frame(self, layer_id: str) -> gpd.GeoDataFrame:
        layer = self.atlas.layer(layer_id)
        return layer.assign(_row=np.arange(len(layer))).sort_values("code", kind="stable")

    def _page(self) -> dict:
        """The page's simplified atoms (memoised in the Atlas)."""
        return _page_atoms(self.atlas, self.page_layers, self.tolerance)

    def encode(self, layer_id: str) -> gpd.GeoDataFrame:
        """Encode a layer's simplified geometry once; return the layer sorted by code."""
        frame = self._frame(layer_id)
        if layer_id not in self.geometry:
            simple = _layer_from_atoms(self.atlas, self._page(), layer_id)
            simple = simple.iloc[frame["_row"].to_numpy()]
            self.geometry[layer_id] = self._add(simple)
            self.colours[layer_id] = greedy_colouring(simple.to_numpy())
        frame = frame.assign(_colour=self.colours[layer_id])
        self._source(layer_id)
        return frame

    def _add(self, geoms: gpd.GeoSeries) -> list[list[list[int]]]:
        """Quantise features (EPSG:27700) into the ring pool; return features -> polygons -> ring ids."""
        out = []
        for g in geoms.to_crs(settings.WEB_CRS).to_numpy():
            feature = []
            for rings in quantised_rings(g):
                feature.append(list(range(len(self.rings), len(self.rings) + len(rings))))
                self.rings.extend(rings)
            out.append(feature)
        return out

    def topology(self) -> tuple[list[list[int]], dict[str, list]]:
        """The page's arcs (flat integer deltas, first vertex absolute) and its geometry as arc refs."""
        arcs, refs = shared_arcs(self.rings)
        flat = []
        for a in arcs:
            d = a.copy()
            d[1:] -= a[:-1]
            flat.append(d.ravel().tolist())
        geometry = {k: [[[refs[r] for r in polygon] for polygon in feature] for feature in features]
                    for k, features in self.geometry.items()}
        return flat, geometry

    def base(self, layer_id: str = BASE_LAYER) -> None:
        self.encode(layer_id)
        self.layers.append({"id": "base", "geometry": layer_id, "title": "Outline", "kind": "base",
                            "show": True, "control": False,
                            "style": {"color": "#9e9e9e", "weight": 1.2, "fill": True, "fillColor": "#eeeeee",
                                      "fillOpacity": 0.6}})

    def polygons(self, layer_id: str, show: bool, colour: str, weight: float, fill: bool = True,
                 title: str | None = None) -> None:
        frame = self.encode(layer_id)
        info = self.atlas.info(layer_id) if hasattr(self.atlas, "info") else {}
        cols = [c for c in POPUP_COLUMNS if c in frame.columns]
        features = []
        has_status = "status" in frame.columns
        for _, row in frame.iterrows():
            f = {"name": _plain(row.get("name")) or str(row["code"]), "p": _props(row, cols),
                 "k": int(row["_colour"])}
            if has_status:
                sc = _status_class(row["status"])
                if sc:
                    f["s"] = sc
            features.append(f)
        statuses = sorted({f["s"] for f in features if "s" in f})
        self.layers.append({
            "id": layer_id, "geometry": layer_id, "kind": "fill" if fill else "line", "show": bool(show),
            "control": True,
            "title": title or f"{info.get('title', layer_id)} ({info.get('vintage', '')})",
            "style": {"color": colour, "weight": weight, "fill": fill, "fillOpacity": 0.35 if fill else 0.0},
            "status": [{"label": s, "dash": _STATUS_DASH.get(s, "")} for s in statuses],
            "features": features,
        })

    def findings(self, findings: gpd.GeoDataFrame, title: str = "Findings",
                 subject_layer: str | None = None) -> dict[str, int]:
        """Add the findings layer; a finding whose geometry is its whole subject feature reuses its encoding."""
        counts = {k: 0 for k in SEVERITY_COLOURS}
        self.geometry["findings"] = []
        layer = {"id": "findings", "geometry": "findings", "kind": "findings", "show": True, "control": True,
                 "title": title, "style": {}, "features": []}
        self.layers.append(layer)
        if findings is None or len(findings) == 0:
            return counts
        f = findings[~(findings.geometry.isna() | findings.geometry.is_empty)].copy()
        if f.crs is None:
            f = f.set_crs(settings.CRS)
        elif f.crs != settings.CRS:
            f = f.to_crs(settings.CRS)
        sev = f["severity"].astype(str).str.lower() if "severity" in f.columns else pd.Series("info", index=f.index)
        f["_sev"] = sev.map(_SEVERITY_ORDER).fillna(3)
        # draw info first, errors last (on top); crossings on top of everything
        # only a part beyond the feature's home is a crossing; home, main and below-tolerance parts are context
        f["_cross"] = ((f["rule"].astype(str) == "crosses") & (f["class"].astype(str) == "crossing part")
                       if {"rule", "class"} <= set(f.columns) else False)
        sort_cols = [c for c in ["_cross", "_sev", "subject_code", "against_code", "rule"] if c in f.columns]
        f = f.sort_values(sort_cols, ascending=[True, False] + [True] * (len(sort_cols) - 2), kind="stable")
        geoms = f.geometry.to_numpy()
        # whole-feature findings (coterminosity, size) point at the subject layer's geometry
        refs: list[list | None] = [None] * len(f)
        if subject_layer in self.geometry and "subject_code" in f.columns:
            subject = self._frame(subject_layer)
            pos = {str(c): i for i, c in enumerate(subject["code"])}
            sgeo = subject.geometry.to_numpy()
            area, bounds = shapely.area(geoms), shapely.bounds(geoms)
            sarea, sbounds = shapely.area(sgeo), shapely.bounds(sgeo)
            for n, code in enumerate(f["subject_code"].astype(str)):
                i = pos.get(code)
                if i is not None and abs(area[n] - sarea[i]) <= 1.0 and np.allclose(bounds[n], sbounds[i], atol=1.0):
                    refs[n] = [subject_layer, i]
        own = np.array([r is None for r in refs])
        enc_own = iter(self._add(gpd.GeoSeries(self._from_atoms(geoms[own]), crs=settings.CRS)))
        for n, (_, row) in enumerate(f.iterrows()):
            feat: dict[str, Any] = {}
            if refs[n] is None:
                g = next(enc_own)
                if not g:
                    continue
                feat["gi"] = len(self.geometry["findings"])
                self.geometry["findings"].append(g)
            else:
                feat["r"] = refs[n]
            s = str(row.get("severity", "info")).lower()
            counts[s] = counts.get(s, 0) + 1
            name = " / ".join(str(x) for x in (_plain(row.get("subject_name")), _plain(row.get("against_name")))
                              if x) or str(_plain(row.get("rule")) or "finding")
            feat.update({"name": name, "p": _props(row, [c for c in FINDING_COLUMNS if c in row.index]),
                         "sev": s, "x": bool(row["_cross"])})
            layer["features"].append(feat)
        return counts

    def _from_atoms(self, geoms: np.ndarray) -> np.ndarray:
        """Simplify finding geometries as unions of the page's atoms, so a part lies exactly on the
        drawn boundaries and reuses their arcs. A geometry that is not a union of atoms (its atoms'
        area differs from its own) is simplified on its own, finer (at most 25 m), as a fallback."""
        out = np.empty(len(geoms), dtype=object)
        if not len(geoms):
            return out
        page = self._page()
        atoms, simple = page["atoms"], page["simple"]
        gi, ai = STRtree(shapely.point_on_surface(atoms)).query(geoms, predicate="contains")
        order = np.lexsort((ai, gi))
        gi, ai = gi[order], ai[order]
        starts = np.searchsorted(gi, np.arange(len(geoms)))
        ends = np.searchsorted(gi, np.arange(len(geoms)), side="right")
        atom_area, area = shapely.area(atoms), shapely.area(geoms)
        for n, (a, b) in enumerate(zip(starts, ends)):
            sel = ai[a:b]
            if b > a and abs(atom_area[sel].sum() - area[n]) <= max(1.0, 1e-6 * area[n]):
                out[n] = shapely.coverage_union_all(simple[sel])
            else:
                out[n] = shapely.make_valid(shapely.simplify(geoms[n], min(self.tolerance, 50.0) / 2,
                                                             preserve_topology=True))
        return out

    def bounds(self) -> list[list[float]]:
        if not self.rings:
            return [[49.9, -6.4], [55.9, 1.8]]
        xy = np.concatenate(self.rings) / np.asarray(COORD_SCALE, dtype=float)
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        return [[float(y0), float(x0)], [float(y1), float(x1)]]


# --------------------------------------------------------------------------------------------- HTML
def _leaflet_assets() -> tuple[str, str]:
    """Return (leaflet.js, leaflet.css) from xstatic-leaflet: images inlined, source-map comment removed,
    the CSS minified."""
    try:
        import xstatic.pkg.leaflet as xl
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise AtlasError("maps need the PyPI package xstatic-leaflet (pip install xstatic-leaflet)") from e
    base = Path(xl.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match) -> str:
        name = m.group(1)
        p = base / "images" / name
        if name.startswith("layers") and p.exists():
            return "url(data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii") + ")"
        return "none"

    css = re.sub(r"url\(images/([^)]+)\)", inline, css)
    # Leaflet ships its CSS unminified: drop comments and spaces that carry nothing (it has no strings)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};:,>])\s*", r"\1", css).replace(";}", "}").strip()
    return js, css


def read_page_data(path: str | Path) -> dict:
    """Read back the data a map page carries (layers, features, arcs, geometry).

    Parameters
    ----------
    path : str or Path
        A page written by this module.

    Returns
    -------
    dict
        The page's data; :func:`decode_page_geometry` turns its geometry back into polygons.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        packed = _page_parts(text)
        if packed is not None:
            data = json.loads(packed[0][3])
            data["arcs"] = decode_arcs(packed[1])
            return data
    except (ValueError, OSError, EOFError) as e:  # bad base85, gzip, UTF-8 or arc bytes
        raise AtlasError(f"{path}: the map's packed data are damaged ({e})") from None
    m = re.search(r'<script type="application/json" id="ca-data">(.*?)</script>', text, re.S)
    if m is None:
        raise AtlasError(f"{path}: not a Commissioning Atlas map (no ca-data or ca-pack block)")
    return json.loads(m.group(1))


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_CSS = """
html,body{height:100%;margin:0;padding:0}
#map{position:absolute;inset:0;background:#f4f7fa;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Arial,sans-serif}
body.ca-max #map{position:fixed;z-index:10000}
.ca-box{background:#fff;padding:6px 8px;border-radius:4px;box-shadow:0 1px 5px rgba(0,0,0,.4);max-width:320px}
.ca-title{font-weight:600;font-size:15px}
.ca-legend{max-height:45vh;overflow:auto}
.ca-legend h4{margin:6px 0 2px;font-size:12px}
.ca-legend div{display:flex;align-items:center;gap:6px;margin:1px 0}
.ca-sw{display:inline-block;width:18px;height:12px;border:2px solid #333;box-sizing:border-box;flex:none}
.ca-hatch{background:repeating-linear-gradient(45deg,#ff0000 0 2px,#ffd6d6 2px 6px)}
.ca-search input{width:200px;font:inherit;padding:3px}
.ca-search ul{list-style:none;margin:4px 0 0;padding:0;max-height:200px;overflow:auto}
.ca-search li button{all:unset;cursor:pointer;display:block;padding:2px 4px;width:100%;box-sizing:border-box}
.ca-search li button:hover,.ca-search li button:focus{background:#e8eef7}
.ca-search small{color:#666}
.ca-full{width:30px;height:30px;padding:7px;cursor:pointer;background:#fff;border:none;display:block;box-sizing:border-box}
.ca-full svg{display:block}
.leaflet-control-attribution{max-width:55vw;font-size:11px}
.ca-src{display:inline}
.ca-src summary{display:inline;cursor:pointer;text-decoration:underline}
.ca-src[open]{display:block;max-width:60vw}
.ca-popup table{border-collapse:collapse}
.ca-popup th{text-align:left;vertical-align:top;padding:1px 8px 1px 0;color:#555;font-weight:500;white-space:nowrap}
.ca-popup td{padding:1px 0;word-break:break-word}
.ca-popup h3{margin:0 0 4px;font-size:14px}
.ca-tt b{display:block}
"""

_JS = r"""
(function () {
"use strict";
var DATA = JSON.parse(document.getElementById("ca-data").textContent);
var SX = DATA.scale[0], SY = DATA.scale[1];
var PALETTE = DATA.palette, SEV = DATA.severity, CROSS = DATA.crossing;
var LABELS = {code: "Code", ods_code: "ODS code", population: "Population (2011)",
  registered_population: "Registered population", area_km2: "Area (km\u00b2)", status: "Status",
  members: "Members", partners: "Partners", confidence: "Confidence", note: "Note", source: "Source",
  rule: "Rule", "class": "Class", severity: "Severity", subject_layer: "Subject layer",
  subject_code: "Subject code", subject_name: "Subject", against_layer: "Against layer",
  against_code: "Against code", against_name: "Against", share_area: "Share of area",
  share_population: "Share of population", class_strict: "Class (strict)", tolerance: "Tolerance"};

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
  });
}
function fmtInt(n) {
  if (n === null || n === undefined || n === "" || isNaN(Number(n))) { return String(n); }
  var s = String(Math.round(Math.abs(Number(n))));
  return (Number(n) < 0 ? "-" : "") + s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
function fmtNum(n, d) {
  var x = Number(n); if (isNaN(x)) { return String(n); }
  var parts = x.toFixed(d).split("."); return fmtInt(parts[0]) + (parts[1] ? "." + parts[1] : "");
}
function fmtPct(x) { var v = Number(x); if (isNaN(v)) { return String(x); } return (v * 100).toFixed(1) + "%"; }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) { e.className = cls; }
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  return e;
}
// arcs: flat integer deltas (first vertex absolute); a ring lists its arcs, ~i meaning arc i reversed.
// A packed page carries them as bytes (encode_arcs): 32-bit values in four byte planes, zigzag deltas.
function unpackArcs(b) {
  var k = b.length >> 2, v = new Array(k), i, j;
  for (i = 0; i < k; i++) { v[i] = (b[i] | b[k + i] << 8 | b[2 * k + i] << 16 | b[3 * k + i] << 24) >>> 0; }
  function z(u) { return (u >>> 1) ^ -(u & 1); }
  var n = v[0], p = 1 + n, fx = 0, fy = 0, out = [];
  for (i = 0; i < n; i++) {
    var a = new Array(2 * v[1 + i]);
    fx += z(v[p]); fy += z(v[p + 1]); a[0] = fx; a[1] = fy;
    for (j = 2; j < a.length; j++) { a[j] = z(v[p + j]); }
    p += a.length; out.push(a);
  }
  return out;
}
var ARCS = (DATA.arcs || unpackArcs(window.caArcBytes)).map(function (a) {
  var out = [], x = 0, y = 0;
  for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out.push([y / SY, x / SX]); }
  return out;
});
function decodeRing(refs) {
  var pts = [];
  refs.forEach(function (r) {
    var a = r < 0 ? ARCS[~r].slice().reverse() : ARCS[r];
    for (var i = pts.length ? 1 : 0; i < a.length; i++) { pts.push(a[i]); }
  });
  pts.pop();  // the last arc ends where the ring began
  return pts;
}
function decode(parts) { return parts.map(function (rings) { return rings.map(decodeRing); }); }
function formatValue(key, v) {
  if (key === "population" || key === "registered_population") { return fmtInt(v); }
  if (key === "area_km2") { return fmtNum(v, 1); }
  if (key === "share_area" || key === "share_population") { return fmtPct(v); }
  return String(v);
}
function linkify(td, text) {
  var re = /https?:\/\/[^\s()<>"']+/g, last = 0, m;
  text = String(text);
  while ((m = re.exec(text)) !== null) {
    td.appendChild(document.createTextNode(text.slice(last, m.index)));
    var a = el("a", null, m[0]);
    a.setAttribute("href", m[0]); a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener noreferrer");
    td.appendChild(a); last = m.index + m[0].length;
  }
  td.appendChild(document.createTextNode(text.slice(last)));
}
function tooltipEl(layer, f) {
  var d = el("div", "ca-tt");
  d.appendChild(el("b", null, f.name));
  var p = f.p || {};
  if (layer.kind === "findings") {
    d.appendChild(el("span", null, (p.rule || "") + " \u2013 " + (f.sev || "")));
    if (p.share_population !== undefined) {
      d.appendChild(el("div", null, fmtPct(p.share_population) + " of population, " +
        (p.share_area !== undefined ? fmtPct(p.share_area) : "?") + " of area"));
    }
  } else {
    if (p.code !== undefined) { d.appendChild(el("div", null, p.code)); }
    if (p.population !== undefined) { d.appendChild(el("div", null, "Population " + fmtInt(p.population))); }
  }
  return d;
}
function popupEl(layer, f) {
  var d = el("div", "ca-popup");
  d.appendChild(el("h3", null, f.name));
  d.appendChild(el("div", null, layer.title));
  var t = el("table"), p = f.p || {};
  Object.keys(LABELS).forEach(function (k) {
    if (p[k] === undefined || p[k] === null) { return; }
    var tr = el("tr"); tr.appendChild(el("th", null, LABELS[k]));
    var td = el("td");
    if (k === "source") { linkify(td, p[k]); } else { td.textContent = formatValue(k, p[k]); }
    tr.appendChild(td); t.appendChild(tr);
  });
  d.appendChild(t);
  return d;
}

var map = L.map("map", {zoomSnap: 0.25, preferCanvas: false});
map.attributionControl.setPrefix("Leaflet");
map.fitBounds(DATA.bounds);
var renderer = L.svg({padding: 0.5}).addTo(map);
(function addHatch() {
  var ns = "http://www.w3.org/2000/svg", svg = renderer._container;
  var defs = document.createElementNS(ns, "defs"), pat = document.createElementNS(ns, "pattern");
  pat.setAttribute("id", "ca-hatch"); pat.setAttribute("patternUnits", "userSpaceOnUse");
  pat.setAttribute("width", "8"); pat.setAttribute("height", "8");
  pat.setAttribute("patternTransform", "rotate(45)");
  var bg = document.createElementNS(ns, "rect");
  bg.setAttribute("width", "8"); bg.setAttribute("height", "8"); bg.setAttribute("fill", "#ffd6d6");
  var ln = document.createElementNS(ns, "rect");
  ln.setAttribute("width", "3"); ln.setAttribute("height", "8"); ln.setAttribute("fill", CROSS);
  pat.appendChild(bg); pat.appendChild(ln); defs.appendChild(pat); svg.insertBefore(defs, svg.firstChild);
})();
if (DATA.tiles) {
  L.tileLayer(DATA.tiles.url, {attribution: escapeHtml(DATA.tiles.attribution), maxZoom: 18}).addTo(map);
}
function styleFor(layer, f) {
  var s = {renderer: renderer, color: layer.style.color, weight: layer.style.weight,
    fill: layer.style.fill !== false, fillOpacity: layer.style.fillOpacity, interactive: layer.kind !== "base"};
  if (layer.kind === "base") { s.fillColor = layer.style.fillColor; s.opacity = 0.9; return s; }
  if (layer.kind === "findings") {
    if (f.x) {
      s.color = CROSS; s.weight = 2.5; s.fillColor = "url(#ca-hatch) " + CROSS; s.fillOpacity = 0.85;
    } else {
      s.color = SEV[f.sev] || "#666"; s.weight = 2; s.fillColor = SEV[f.sev] || "#666"; s.fillOpacity = 0.45;
    }
    return s;
  }
  s.fillColor = PALETTE[f.k % PALETTE.length];
  if (f.s && layer.dash && layer.dash[f.s]) { s.dashArray = layer.dash[f.s]; }
  return s;
}
var groups = {}, overlays = {}, index = [], counts = {};
DATA.layers.forEach(function (layer) {
  var geoms = DATA.geometry[layer.geometry] || [];
  var group = L.featureGroup();
  layer.dash = {};
  (layer.status || []).forEach(function (st) { layer.dash[st.label] = st.dash; });
  var feats = layer.features || geoms.map(function () { return {}; });
  feats.forEach(function (f, i) {
    var st = styleFor(layer, f);
    var g = f.r ? DATA.geometry[f.r[0]][f.r[1]] : geoms[f.gi !== undefined ? f.gi : i];
    var poly = L.polygon(decode(g), st);
    if (layer.kind !== "base") {
      poly.bindTooltip(function () { return tooltipEl(layer, f); }, {sticky: true});
      poly.bindPopup(function () { return popupEl(layer, f); }, {maxWidth: 380});
      poly.on("mouseover", function () { poly.setStyle({weight: st.weight + 2}); });
      poly.on("mouseout", function () { poly.setStyle({weight: st.weight}); });
      index.push({name: String(f.name), lower: String(f.name).toLowerCase(), layer: layer, group: group, poly: poly});
    }
    group.addLayer(poly);
  });
  groups[layer.id] = group; counts[layer.id] = feats.length;
  if (layer.show) { group.addTo(map); }
  if (layer.control) { overlays[escapeHtml(layer.title) + " <small>(" + feats.length + ")</small>"] = group; }
});

L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
L.control.scale({position: "bottomleft"}).addTo(map);
map.attributionControl.addAttribution(escapeHtml(DATA.attribution) +
  " <details class=\"ca-src\"><summary>Layer sources</summary>" +
  DATA.sources.map(escapeHtml).join("<br>") + "</details>");

// title
var Title = L.Control.extend({options: {position: "topright"}, onAdd: function () {
  var d = el("div", "ca-box ca-title", DATA.title); L.DomEvent.disableClickPropagation(d); return d; }});
new Title().addTo(map);

// legend
function fillLegend(d) {
  d.textContent = "";
  d.appendChild(el("h4", null, "Legend"));
  DATA.layers.forEach(function (layer) {
    if (layer.kind === "base" || layer.kind === "findings") { return; }
    if (!map.hasLayer(groups[layer.id])) { return; }
    var row = el("div"), sw = el("span", "ca-sw");
    sw.style.borderColor = layer.style.color;
    sw.style.background = layer.style.fill === false ? "transparent" :
      "linear-gradient(90deg," + PALETTE[0] + " 33%," + PALETTE[1] + " 33% 66%," + PALETTE[2] + " 66%)";
    row.appendChild(sw); row.appendChild(el("span", null, layer.title)); d.appendChild(row);
    (layer.status || []).forEach(function (st) {
      var r = el("div"), s2 = el("span", "ca-sw");
      s2.style.borderStyle = st.dash ? "dashed" : "solid"; s2.style.borderColor = layer.style.color;
      if (st.dash === "2 4" || st.dash === "1 3") { s2.style.borderStyle = "dotted"; }
      r.appendChild(s2); r.appendChild(el("span", null, "status: " + st.label)); d.appendChild(r);
    });
  });
  if (DATA.layers.some(function (l) { return l.kind === "findings"; })) {
    d.appendChild(el("h4", null, "Findings"));
    var rx = el("div"), sx = el("span", "ca-sw ca-hatch"); sx.style.borderColor = CROSS;
    rx.appendChild(sx); rx.appendChild(el("span", null, "crossing part (outside its boundary)")); d.appendChild(rx);
    Object.keys(SEV).forEach(function (k) {
      var r = el("div"), s3 = el("span", "ca-sw");
      s3.style.borderColor = SEV[k]; s3.style.background = SEV[k];
      r.appendChild(s3); r.appendChild(el("span", null, k + (DATA.counts && DATA.counts[k] !== undefined ?
        " (" + DATA.counts[k] + ")" : ""))); d.appendChild(r);
    });
  }
  var rb = el("div"), sb = el("span", "ca-sw"); sb.style.borderColor = "#9e9e9e"; sb.style.background = "#eeeeee";
  rb.appendChild(sb); rb.appendChild(el("span", null, "Outline: " + DATA.base_title)); d.appendChild(rb);
}
var Legend = L.Control.extend({options: {position: "bottomright"}, onAdd: function () {
  var d = el("div", "ca-box ca-legend");
  L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
  fillLegend(d);
  map.on("overlayadd overlayremove", function () { fillLegend(d); });
  return d; }});
new Legend().addTo(map);

// fullscreen
var Full = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
  var wrap = el("div", "leaflet-bar"), b = el("button", "ca-full");
  var ns = "http://www.w3.org/2000/svg", icon = document.createElementNS(ns, "svg"), ip = document.createElementNS(ns, "path");
  icon.setAttribute("viewBox", "0 0 16 16"); icon.setAttribute("width", "16"); icon.setAttribute("height", "16");
  ip.setAttribute("d", "M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5"); ip.setAttribute("fill", "none");
  ip.setAttribute("stroke", "#333"); ip.setAttribute("stroke-width", "2");
  icon.appendChild(ip); b.appendChild(icon);
  b.type = "button"; b.title = "Full screen"; b.setAttribute("aria-label", "Full screen");
  L.DomEvent.disableClickPropagation(wrap);
  b.addEventListener("click", function () {
    var de = document.documentElement;
    if (document.fullscreenElement) { document.exitFullscreen(); return; }
    if (document.body.classList.contains("ca-max")) {
      document.body.classList.remove("ca-max"); map.invalidateSize(); return; }
    var fallback = function () { document.body.classList.add("ca-max"); map.invalidateSize(); };
    if (de.requestFullscreen) {
      try { de.requestFullscreen().then(function () { map.invalidateSize(); }, fallback); } catch (e) { fallback(); }
    } else { fallback(); }
  });
  wrap.appendChild(b); return wrap; }});
new Full().addTo(map);

// search
function visibleMatches(q) {
  q = q.trim().toLowerCase();
  if (!q) { return []; }
  var vis = index.filter(function (e) { return map.hasLayer(e.group); });
  var exact = vis.filter(function (e) { return e.lower === q; });
  var starts = vis.filter(function (e) { return e.lower !== q && e.lower.indexOf(q) === 0; });
  var inner = vis.filter(function (e) { return e.lower.indexOf(q) > 0; });
  return exact.concat(starts, inner);
}
function go(entry) {
  map.fitBounds(entry.poly.getBounds(), {maxZoom: 11, animate: false});
  entry.poly.openPopup();
  return entry.name;
}
var Search = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
  var d = el("div", "ca-box ca-search");
  L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
  var input = el("input"); input.type = "search"; input.placeholder = "Find an area by name";
  input.setAttribute("aria-label", "Find an area by name"); input.setAttribute("list", "ca-names");
  var dl = el("datalist"); dl.id = "ca-names";
  var seen = {};
  index.slice().sort(function (a, b) { return a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : 0; })
    .forEach(function (e) { if (!seen[e.name]) { seen[e.name] = 1; var o = el("option"); o.value = e.name; dl.appendChild(o); } });
  var list = el("ul"), note = el("small");
  function show() {
    list.textContent = "";
    var m = visibleMatches(input.value);
    note.textContent = input.value.trim() && !m.length ? "No match in the visible layers" : "";
    m.slice(0, 8).forEach(function (e) {
      var li = el("li"), b = el("button", null, e.name + " \u2013 " + e.layer.title);
      b.type = "button"; b.addEventListener("click", function () { go(e); });
      li.appendChild(b); list.appendChild(li);
    });
    return m;
  }
  input.addEventListener("input", show);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var m = show(); if (m.length) { go(m[0]); } ev.preventDefault(); }
  });
  d.appendChild(input); d.appendChild(dl); d.appendChild(list); d.appendChild(note);
  return d; }});
new Search().addTo(map);

window.commissioningAtlas = {map: map, groups: groups, counts: counts, escapeHtml: escapeHtml,
  search: function (q) { var m = visibleMatches(q); return m.length ? go(m[0]) : null; },
  visiblePaths: function () { return document.querySelectorAll("path.leaflet-interactive").length; }};
document.documentElement.setAttribute("data-ca-ready", "1");
})();
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{leaflet_css}</style>
<style>{css}</style>
<script>{leaflet_js}</script>
</head>
<body>
<div id="map" role="application" aria-label="{title}"></div>
<script type="application/json" id="ca-data">{data}</script>
<script>{js}</script>
</body>
</html>
"""

#: A packed page: Leaflet, our script and the data travel as one gzip stream (7 characters per 6 bytes), which
#: the boot script unpacks with the browser's own DecompressionStream and then runs as the plain page would.
_PACKED_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>html,body{{height:100%;margin:0}}
.ca-fail{{font:16px/1.5 system-ui,Arial,sans-serif;padding:2em;max-width:40em}}</style>
</head>
<body>
<div id="map" role="application" aria-label="{title}"></div>
<noscript><p class="ca-fail">This map needs JavaScript.</p></noscript>
<script type="application/octet-stream" id="ca-pack">{pack}</script>
<script>{boot}</script>
</body>
</html>
"""

_BOOT = r"""
(function () {
"use strict";
var box = document.getElementById("map");
function fail(msg) { box.removeAttribute("role"); box.className = "ca-fail"; box.textContent = msg; }
if (typeof DecompressionStream === "undefined" || typeof Blob === "undefined" || !Blob.prototype.stream) {
  fail("This map needs a browser from 2023 or later (Chrome or Edge 80, Firefox 113, Safari 16.4): its data " +
    "are compressed. A copy written with 'commissioning-atlas map --no-pack' opens in older browsers.");
  return;
}
// the pack's text -> bytes: 7 base-121 digits per 6 bytes; a last group of m + 1 digits holds m bytes
var D = new Int16Array(128).fill(-1), nd = 0;
for (var c = 1; c < 128; c++) { if (__NOT_IN_PACK__.indexOf(c) < 0) { D[c] = nd++; } }
var t = document.getElementById("ca-pack").textContent, n = t.length;
if (n > 0 && t.charCodeAt(n - 1) === 10) { n--; }  // a newline an editor added at the end
var bytes = new Uint8Array(Math.floor(n / 7) * 6 + Math.max(0, n % 7 - 1));
for (var g = 0, o = 0; g < n; g += 7) {
  var w = Math.min(7, n - g), v = 0, j, d, c2;
  for (j = 0; j < w; j++) {
    c2 = t.charCodeAt(g + j); d = c2 < 128 ? D[c2] : -1;
    if (d < 0 || w === 1) { fail("This map could not be unpacked: its data are damaged."); return; }
    v = v * nd + d;
  }
  for (j = w - 2; j >= 0; j--) { bytes[o + j] = v % 256; v = Math.floor(v / 256); }
  o += w - 1;
}
new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer().then(function (buf) {
  // Leaflet CSS, our CSS, Leaflet, the data (JSON), our script, each ended by NUL; then the arcs' bytes
  var all = new Uint8Array(buf), parts = [], start = 0, dec = new TextDecoder("utf-8", {fatal: true});
  for (var k = 0; k < all.length && parts.length < 5; k++) {
    if (all[k] === 0) { parts.push(dec.decode(all.subarray(start, k))); start = k + 1; }
  }
  if (parts.length < 5) { throw new Error("the data are incomplete"); }
  window.caArcBytes = all.subarray(start);
  var style = document.createElement("style");
  style.textContent = parts[0] + "\n" + parts[1];
  document.head.appendChild(style);
  var data = document.createElement("script");
  data.type = "application/json"; data.id = "ca-data"; data.textContent = parts[3];
  document.body.appendChild(data);
  [parts[2], parts[4]].forEach(function (code) {
    var s = document.createElement("script"); s.textContent = code; document.body.appendChild(s);
  });
}).catch(function (e) { fail("This map could not be unpacked: " + e); });
})();
"""


def _render(builder: _Builder, title: str, tiles: bool, counts: dict[str, int] | None = None,
            pack: bool = True) -> str:
    js, css = _leaflet_assets()
    arcs, geometry = builder.topology()
    data = {
        "title": title,
        "scale": list(COORD_SCALE),
        "palette": PALETTE,
        "severity": SEVERITY_COLOURS,
        "crossing": CROSSING_COLOUR,
        "arcs": arcs,
        "geometry": geometry,
        "layers": builder.layers,
        "bounds": builder.bounds(),
        "attribution": ATTRIBUTION,
        "sources": builder.sources,
        "base_title": builder.atlas.info(BASE_LAYER)["title"] if hasattr(builder.atlas, "info") else BASE_LAYER,
        "tiles": ({"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                   "attribution": "\u00a9 OpenStreetMap contributors"} if tiles else None),
    }
    if counts is not None:
        data["counts"] = counts
    if pack:  # the arcs travel as bytes after the text parts (see encode_arcs)
        data["arcs"] = None
    parts = [css, _CSS.strip(), js, _json_for_script(data), _JS.strip()]  # the order _BOOT unpacks
    if not pack:
        return _TEMPLATE.format(title=html.escape(title), leaflet_css=parts[0], css=parts[1], leaflet_js=parts[2],
                                data=parts[3], js=parts[4])
    if any("\x00" in part for part in parts):  # the separator; json.dumps escapes it in the data
        raise AtlasError("Leaflet's files contain a NUL character: write the map with pack=False")
    blob = "\x00".join(parts).encode("utf-8") + b"\x00" + encode_arcs(arcs)
    # mtime=0: the same page gives the same bytes
    packed = gzip.compress(blob, compresslevel=9, mtime=0)
    boot = _BOOT.strip().replace("__NOT_IN_PACK__", json.dumps(list(_NOT_IN_PACK)))
    return _PACKED_TEMPLATE.format(title=html.escape(title), pack=_to_text(packed), boot=boot)


#: The 121 ASCII characters a packed page's data are written with: every one but NUL, the five HTML
#: whitespace characters (an editor or mail client may rewrite those) and '<' (so the text can never
#: close or open a tag). HTML keeps the others in a script element's text as they are.
_NOT_IN_PACK = b"\t\n\x0c\r <"
_ALPHABET = bytes(c for c in range(1, 128) if c not in _NOT_IN_PACK)
_DIGITS = np.full(256, -1, dtype=np.int64)
_DIGITS[np.frombuffer(_ALPHABET, dtype=np.uint8)] = np.arange(len(_ALPHABET))


def _to_text(blob: bytes) -> str:
    """Bytes as page text, 6 bytes in 7 characters (base64 needs 8): each group of 6 bytes, read as a
    48-bit big-endian number, is written as 7 base-121 digits; a last group of m < 6 bytes takes m + 1
    digits. JavaScript numbers hold 48 bits exactly, so the page decodes it with plain arithmetic."""
    b = np.frombuffer(blob, dtype=np.uint8)
    whole, rest = divmod(len(b), 6)
    out = []
    for nbytes, ndigits, chunk in ((6, 7, b[:whole * 6]), (rest, rest + 1, b[whole * 6:])):
        if not len(chunk):
            continue
        groups = chunk.reshape(-1, nbytes).astype(np.uint64)
        value = np.zeros(len(groups), dtype=np.uint64)
        for k in range(nbytes):
            value = value * np.uint64(256) + groups[:, k]
        digits = np.empty((len(groups), ndigits), dtype=np.uint8)
        for k in range(ndigits - 1, -1, -1):
            digits[:, k] = value % np.uint64(len(_ALPHABET))
            value //= np.uint64(len(_ALPHABET))
        out.append(np.frombuffer(_ALPHABET, dtype=np.uint8)[digits].tobytes())
    return b"".join(out).decode("ascii")


def _from_text(text: str) -> bytes:
    """Inverse of :func:`_to_text`; ValueError on a character or length it cannot have written."""
    t = np.frombuffer(text.removesuffix("\n").encode("utf-8"), dtype=np.uint8)
    digits = _DIGITS[t]
    if (digits < 0).any():
        raise ValueError(f"character {chr(int(t[np.argmax(digits < 0)]))!r} is not in the page's alphabet")
    whole, rest = divmod(len(digits), 7)
    if rest == 1:
        raise ValueError("the packed text has a stray last character")
    out = []
    for ndigits, nbytes, chunk in ((7, 6, digits[:whole * 7]), (rest, rest - 1, digits[whole * 7:])):
        if not len(chunk):
            continue
        value = np.zeros(len(chunk) // ndigits, dtype=np.uint64)
        for k in range(ndigits):
            value = value * np.uint64(len(_ALPHABET)) + chunk.reshape(-1, ndigits)[:, k].astype(np.uint64)
        if (value >> np.uint64(8 * nbytes)).any():
            raise ValueError("the packed text holds a number too large for its group")
        groups = np.empty((len(value), nbytes), dtype=np.uint8)
        for k in range(nbytes - 1, -1, -1):
            groups[:, k] = (value & np.uint64(255)).astype(np.uint8)
            value >>= np.uint64(8)
        out.append(groups.tobytes())
    return b"".join(out)


def _page_parts(text: str) -> tuple[list[str], bytes] | None:
    """The parts of a packed page: (Leaflet CSS, our CSS, Leaflet, data, our script) and the arc bytes;
    None if the page is plain."""
    m = re.search(r'<script type="application/octet-stream" id="ca-pack">(.*?)</script>', text, re.S)
    if m is None:
        return None
    blob = gzip.decompress(_from_text(m.group(1)))
    chunks = blob.split(b"\x00", 5)
    if len(chunks) != 6:
        raise ValueError(f"{len(chunks)} parts, not 6")
    return [c.decode("utf-8") for c in chunks[:5]], chunks[5]


def _write_text(path: str | Path, text: str) -> Path:
    data = text.encode("utf-8")
    return atomic_write(Path(path), lambda p: Path(p).write_bytes(data))


def _style_of(layer_id: str) -> tuple[str, float]:
    for lid, _, colour, weight in ATLAS_LAYERS:
        if lid == layer_id:
            return colour, weight
    return "#333333", 1.2


# --------------------------------------------------------------------------------------------- public maps
def layer_map(atlas: Any, layer_ids: Sequence[str], path: str | Path, title: str | None = None, *,
              show: Sequence[str] | None = None, tolerance: float = DEFAULT_TOLERANCE_M,
              tiles: bool = False, pack: bool = True) -> Path:
    """Write a map of one or more layers (each toggleable) over a grey outline.

    Parameters
    ----------
    atlas : Atlas
        From :func:`commissioning_atlas.load`.
    layer_ids : sequence of str
        Layers, bottom to top.
    path : str or Path
        The HTML file to write (atomically).
    title : str, optional
        Page and map title (default: the layers' titles).
    show : sequence of str, optional
        Layers shown when the page opens (default: all of ``layer_ids``).
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles (needs the internet; off by default).
    pack : bool
        Carry Leaflet, the script and the data as one gzip stream that the browser unpacks (about half
        the bytes; needs a browser from 2023 or later). False writes them as plain text.

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> layer_map(atlas, ["ccg_2013"], "out/ccg.html")   # doctest: +SKIP
    """
    layer_ids = list(layer_ids)
    shown = set(layer_ids if show is None else show)
    b = _Builder(atlas, tolerance, [BASE_LAYER, *layer_ids])
    b.base()
    for lid in layer_ids:
        colour, weight = _style_of(lid)
        b.polygons(lid, lid in shown, colour, weight)
    title = title or " + ".join(atlas.info(l)["title"] for l in layer_ids)
    return _write_text(path, _render(b, title, tiles, pack=pack))


def ccg_map(atlas: Any, path: str | Path, title: str = "Clinical commissioning groups, April 2013", *,
            tolerance: float = DEFAULT_TOLERANCE_M, tiles: bool = False, pack: bool = True) -> Path:
    """Write the all-England map of the 211 CCGs (the size budget: at most 1 MB).

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
    title : str
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles.
    pack : bool
        Compress the page's scripts and data (see :func:`layer_map`).

    Returns
    -------
    Path
    """
    return layer_map(atlas, ["ccg_2013"], path, title, tolerance=tolerance, tiles=tiles, pack=pack)


def atlas_map(atlas: Any, path: str | Path, title: str = "Commissioning Atlas: England's NHS commissioning, 2011-13",
              *, tolerance: float = DEFAULT_TOLERANCE_M, tiles: bool = False, pack: bool = True) -> Path:
    """Write the atlas map: every layer of 2011-13 as a toggleable overlay (SHAs and CCGs shown first).

    Layers: SHA clusters, SHAs, PCT clusters, PCTs, upper-tier authorities, CCGs, the 2012
    commissioning-support proposals, a scenario when one is loaded, the 2013 CSUs and NHS England
    area teams.

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
        The HTML file to write (atomically); at most about 3 MB.
    title : str
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles.
    pack : bool
        Compress the page's scripts and data (see :func:`layer_map`).

    Returns
    -------
    Path

    Examples
    --------
    >>> atlas_map(ca.load(), "out/atlas.html")   # doctest: +SKIP
    """
    available = set(atlas.layer_ids())
    layers = list(ATLAS_LAYERS)
    if "scenario" in available:  # the user's own proposals, just above the 2012 set
        after = next(n for n, row in enumerate(layers) if row[0] == "css_2012")
        layers.insert(after + 1, ("scenario", False, "#e66101", 1.5))
    b = _Builder(atlas, tolerance, [BASE_LAYER] + [row[0] for row in layers if row[0] in available])
    b.base()
    for lid, show, colour, weight in layers:
        if lid in available:
            b.polygons(lid, show, colour, weight)
    return _write_text(path, _render(b, title, tiles, pack=pack))


def findings_map(atlas: Any, findings: gpd.GeoDataFrame, path: str | Path, title: str, subject_layer: str,
                 against_layer: str | None, *, tolerance: float = DEFAULT_TOLERANCE_M, tiles: bool = False,
                 pack: bool = True) -> Path:
    """Write a map of a check: subject footprints, the reference layer's lines, findings on top.

    Findings are coloured by severity (error red, warning orange, info blue); crossing parts
    (``rule == "crosses"`` and ``class == "crossing part"``) are hatched bright red and their popup
    gives the share of area and of population outside, with the population and area. Rows with
    empty geometry are not drawn.

    Parameters
    ----------
    atlas : Atlas
    findings : geopandas.GeoDataFrame
        EPSG:27700, columns ``rule, subject_layer, subject_code, subject_name, against_layer, against_code,
        against_name, class, area_km2, share_area, population, share_population, severity, geometry``.
    path : str or Path
    title : str
    subject_layer : str
        Layer checked (drawn filled).
    against_layer : str or None
        Reference layer (drawn as lines); None for rules without one (size).
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles.
    pack : bool
        Compress the page's scripts and data (see :func:`layer_map`).

    Returns
    -------
    Path
    """
    b = _Builder(atlas, tolerance, [BASE_LAYER, subject_layer] + ([against_layer] if against_layer else []))
    b.base()
    colour, weight = _style_of(subject_layer)
    b.polygons(subject_layer, True, colour, max(weight, 1.0))
    if against_layer and against_layer != subject_layer:
        b.polygons(against_layer, True, "#111111", 2.0, fill=False,
                   title=f"{atlas.info(against_layer)['title']} (lines)")
    counts = b.findings(findings, title="Findings", subject_layer=subject_layer)
    return _write_text(path, _render(b, title, tiles, counts=counts, pack=pack))


_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:2em auto;max-width:52em;padding:0 1em}}
li{{margin:.8em 0}} .n{{display:inline-block;padding:0 .5em;border-radius:3px;color:#fff;font-size:13px;margin-right:.3em}}
.error{{background:#d7191c}} .warning{{background:#c46a14}} .info{{background:#2c7bb6}}
footer{{color:#666;font-size:12px;margin-top:3em}}
</style>
</head>
<body>
<h1>{title}</h1>
<ul>
{items}
</ul>
<footer>{attribution}</footer>
</body>
</html>
"""


def write_index(entries: Sequence[dict], path: str | Path, title: str = "Commissioning Atlas maps") -> Path:
    """Write ``index.html`` linking every map with its summary and counts by severity.

    Parameters
    ----------
    entries : sequence of dict
        Each with ``title``, ``href`` (relative link), optional ``summary`` text and optional ``counts``
        (``{"error": n, "warning": n, "info": n}``).
    path : str or Path
        Where to write (atomically).
    title : str
        Page heading.

    Returns
    -------
    Path
    """
    items = []
    for e in entries:
        href = str(e.get("href", ""))
        if re.match(r"^\s*(javascript|data|vbscript):", href, re.I):
            href = "#"
        line = f'<li><a href="{html.escape(href, quote=True)}">{html.escape(str(e.get("title", href)))}</a>'
        counts = e.get("counts") or {}
        badges = "".join(f'<span class="n {html.escape(k)}">{html.escape(k)}: {int(v)}</span>'
                         for k, v in sorted(counts.items(), key=lambda kv: (_SEVERITY_ORDER.get(kv[0], 9), kv[0])))
        if badges:
            line += f"<br>{badges}"
        if e.get("summary"):
            line += f"<br>{html.escape(str(e['summary']))}"
        items.append(line + "</li>")
    text = _INDEX_TEMPLATE.format(title=html.escape(title), items="\n".join(items),
                                  attribution=html.escape(ATTRIBUTION))
    return _write_text(path, text)


def _flagged(atlas: Any, findings: gpd.GeoDataFrame, subject_layer: str, shown: int = 8) -> str:
    """' k of N <layer> flagged: name, name, ... and m more.' for the subjects with an error or warning.

    An overlap's subject code joins its features with '+': each counts. Codes the layer does not know
    (a gap has no subject) are left to the severity counts.
    """
    if findings is None or not len(findings) or not {"severity", "subject_code"} <= set(findings.columns):
        return ""
    try:
        layer = atlas.layer(subject_layer)
        title = atlas.info(subject_layer)["title"].split(" (")[0]
    except Exception:  # noqa: BLE001 - an unknown layer: no summary rather than no index
        return ""
    names = dict(zip(layer["code"].astype(str), layer["name"].astype(str)))
    bad = findings[findings["severity"].astype(str).str.lower().isin(["error", "warning"])]
    if len(bad) and {"against_layer", "against_code", "against_name", "class"} <= set(bad.columns) \
            and (bad["against_layer"].astype(str) == "threshold").all():
        return _flagged_sizes(bad, names, len(layer), title)
    codes = [c for joined in bad["subject_code"].astype(str) for c in joined.split("+") if c in names]
    flagged = [names[c] for c in dict.fromkeys(codes)]
    if not flagged:
        return ""
    more = f" and {len(flagged) - shown} more" if len(flagged) > shown else ""
    return f" {len(flagged)} of {len(layer)} {title} flagged: {', '.join(flagged[:shown])}{more}."


def _flagged_sizes(bad: pd.DataFrame, names: dict[str, str], total: int, title: str, shown: int = 5) -> str:
    """' 208 of 211 <layer> below minimum 750,000; 195 below minimum 500,000. Smallest: name (n), ...'

    A size check flags most features under each threshold it knows: a count per threshold, and the
    smallest features, says more than the first eight names in code order.
    """
    counts = []
    for _, grp in bad.groupby("against_code", sort=False):
        label = str(grp["against_name"].iloc[0]).split(" (")[0]  # "minimum 750,000 (source ...)"
        side = str(grp["class"].iloc[0]).split(" ")[0]            # "below minimum" -> "below"
        counts.append((grp["subject_code"].astype(str).nunique(), f"{side} {label}"))
    counts.sort(key=lambda c: -c[0])
    (n, what), rest = counts[0], counts[1:]
    out = f" {n} of {total} {title} {what}" + "".join(f"; {k} {w}" for k, w in rest)
    if "population" in bad.columns:
        sizes = (bad.assign(_code=bad["subject_code"].astype(str)).drop_duplicates("_code")
                 .sort_values(["population", "_code"]))
        smallest = [f"{names.get(c, c)} ({int(v):,})" for c, v in zip(sizes["_code"], sizes["population"])][:shown]
        note = str(sizes["note"].iloc[0]) if "note" in sizes.columns else ""
        basis = note.split("population basis: ", 1)[1].split(" (")[0] if "population basis: " in note else ""
        out += f". Smallest{f' ({basis})' if basis else ''}: {', '.join(smallest)}"
    return out + "."


def _safe_name(preset: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(preset)).strip(".-")
    if not name:
        raise AtlasError(f"preset name {preset!r} gives an empty file name")
    return name


def write_maps(atlas: Any, out_dir: str | Path,
               findings_by_preset: dict[str, tuple[gpd.GeoDataFrame, dict]] | None = None, *,
               tolerance: float = DEFAULT_TOLERANCE_M, tiles: bool = False, pack: bool = True) -> list[Path]:
    """Write ``atlas.html``, one ``check-<preset>.html`` per preset and ``index.html`` into ``out_dir``.

    Parameters
    ----------
    atlas : Atlas
    out_dir : str or Path
        Existing or new folder.
    findings_by_preset : dict
        ``preset -> (findings, meta)`` where ``meta`` has ``title``, ``subject`` (layer id) and ``against``
        (layer id), optionally ``summary``.
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles.
    pack : bool
        Compress the page's scripts and data (see :func:`layer_map`).

    Returns
    -------
    list of Path
        Every file written, index last.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [atlas_map(atlas, out / "atlas.html", tolerance=tolerance, tiles=tiles,
                         pack=pack)]
    entries = [{"title": "Atlas: every layer of 2011-13", "href": "atlas.html",
                "summary": "SHA clusters, SHAs, PCT clusters, PCTs, upper-tier authorities, CCGs, 2012 "
                           "commissioning-support proposals, 2013 CSUs and NHS England area teams."}]
    for preset, (findings, meta) in (findings_by_preset or {}).items():
        name = f"check-{_safe_name(preset)}.html"
        title = str(meta.get("title") or preset)
        written.append(findings_map(atlas, findings, out / name, title, meta["subject"], meta.get("against"),
                                    tolerance=tolerance, tiles=tiles, pack=pack))
        counts = checks_counts(findings)
        against = meta.get("against")
        summary = meta.get("summary") or meta.get("question") or (
            f"{meta['subject']} checked" + (f" against {against}" if against else ""))
        summary = f"{summary} {sum(counts.values())} findings.{_flagged(atlas, findings, meta['subject'])}"
        entries.append({"title": title, "href": name, "summary": summary, "counts": counts})
    written.append(write_index(entries, out / "index.html"))
    return written
