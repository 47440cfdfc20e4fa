"""Page atoms: the groups of LSOAs with the same owner in every layer a page draws, simplified once.

Atoms form a coverage even where a layer's own features overlap (footprint sets), and every feature is a
union of atoms; so the layers of one page, simplified together through their atoms, share every boundary
vertex for vertex. The simplified atoms are memoised on the Atlas.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from commissioning_atlas import settings
from commissioning_atlas.maps.arcs import COORD_SCALE, DEFAULT_TOLERANCE_M, arc_simplify
from commissioning_atlas.maps.transform import from_web, to_web, web_points


def _cache(atlas: Any) -> dict:
    """The simplified page atoms kept on the Atlas (:meth:`Atlas.derived`; a copied Atlas starts empty);
    an object without it gets a throw-away dict, so nothing is cached."""
    derived = getattr(atlas, "derived", None)
    return derived("maps.atoms", dict) if callable(derived) else {}


def _owners(atlas: Any, layer_id: str, n_lsoas: int) -> tuple[np.ndarray, np.ndarray]:
    """Each LSOA's owners in a layer as a row of code ids (sorted, padded with -1), and the codes (made once
    per layer: every page that draws the layer cuts its atoms with them)."""
    m = atlas.membership_index(layer_id)
    cache = _cache(atlas)
    hit = cache.get(("owners", layer_id, n_lsoas))
    if hit is not None and hit[0] is m:
        return hit[1]
    codes = m.codes.astype(str)
    # the distinct (LSOA, code) pairs, sorted by LSOA, then code
    width = int(m.units.max()) + 1 if len(m.units) else 1
    pairs = np.unique(np.asarray(m.rows, dtype=np.int64) * width + np.asarray(m.units, dtype=np.int64))
    li, ci = pairs // width, pairs % width
    first = np.r_[True, li[1:] != li[:-1]] if len(li) else np.zeros(0, dtype=bool)
    rank = np.arange(len(li)) - np.maximum.accumulate(np.where(first, np.arange(len(li)), 0))
    owners = np.full((n_lsoas, int(rank.max()) + 1 if len(rank) else 1), -1, dtype=np.int64)
    owners[li, rank] = ci
    cache[("owners", layer_id, n_lsoas)] = (m, (owners, codes))
    return owners, codes


def unique_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(a, axis=0, return_inverse=True)`` of a 2-D integer array, through one lexsort (several
    times faster): the distinct rows in lexicographic order, and each row's index among them."""
    a = np.asarray(a)
    if not len(a):
        return a.copy(), np.zeros(0, dtype=np.int64)
    order = np.lexsort(a.T[::-1])  # the first column the primary key
    s = a[order]
    new = np.r_[True, (s[1:] != s[:-1]).any(axis=1)]
    inverse = np.empty(len(a), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return s[new], inverse


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
    per_layer = [_owners(atlas, lid, len(atlas.lsoa)) for lid in layer_ids]
    owners = np.hstack([o for o, _ in per_layer])
    covered = (owners >= 0).any(axis=1)  # an LSOA no drawn layer owns is not drawn
    rows, inverse = unique_rows(owners[covered])
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(rows)))
    bounds = list(starts[1:]) + [len(order)]
    lsoa_rows = np.flatnonzero(covered)[order]
    groups = [lsoa_rows[a:b] for a, b in zip(starts, bounds)]
    atoms, snapped = _unions(atlas, cache, groups)
    # pages whose layers cut England into the same atoms in the same order (a size check and the check of
    # the same units against regions they nest in) simplify them once: the same input, the same result
    same = ("simple", hashlib.sha256((np.asarray(bounds) - starts).astype(np.int64).tobytes()
                                     + lsoa_rows.tobytes()).hexdigest(), float(tolerance))
    if same not in cache:
        cache[same] = arc_simplify(snapped, tolerance)
    widths = np.cumsum([0] + [o.shape[1] for o, _ in per_layer])
    out = {"layers": layer_ids, "atoms": atoms, "simple": cache[same],
           "unions": cache.setdefault(("layer unions", *same[1:]), {}),  # and their layers
           "web": cache.setdefault(("web points", *same[1:]), {}),  # and their vertices in lon/lat
           "owners": {lid: (rows[:, widths[n]:widths[n + 1]], per_layer[n][1]) for n, lid in enumerate(layer_ids)}}
    cache[key] = (layers, out)
    return out


def _unions(atlas: Any, cache: dict, groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The coverage union of each group of LSOA rows, and it snapped to the page grid, each made once per
    atlas: pages of different layers share most of their atoms (a unit no other layer of either page cuts),
    and a union of the same LSOAs in the same order is the same geometry, vertex for vertex."""
    done = cache.setdefault("unions", {})
    keys = [g.tobytes() for g in groups]
    todo = {}
    for k, g in zip(keys, groups):
        if k not in done:
            todo.setdefault(k, g)
    if todo:
        lsoa = atlas.lsoa.geometry.to_numpy()
        made = np.array([shapely.coverage_union_all(lsoa[g]) for g in todo.values()], dtype=object)
        for k, atom, snapped in zip(todo, made, _snap_to_page_grid(made)):
            done[k] = (atom, snapped)
    return (np.array([done[k][0] for k in keys], dtype=object),
            np.array([done[k][1] for k in keys], dtype=object))


def _snap_to_page_grid(geoms: np.ndarray) -> np.ndarray:
    """Move every vertex (EPSG:27700) to the point the page will round it to (:data:`COORD_SCALE`).

    Simplifying the snapped vertices means the page draws exactly the vertices the simplifier checked:
    rounding afterwards could make two nearly touching edges (a neck under a metre wide) cross.
    """
    fwd, back = to_web(), from_web()
    scale = np.asarray(COORD_SCALE, dtype=float)

    def snap(xy: np.ndarray) -> np.ndarray:
        lon, lat = fwd.transform(xy[:, 0], xy[:, 1])
        grid = np.rint(np.c_[lon, lat] * scale) / scale
        return np.c_[back.transform(grid[:, 0], grid[:, 1])]

    return shapely.transform(np.asarray(geoms, dtype=object), snap)


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


def page_web_points(page: dict) -> tuple[np.ndarray, np.ndarray]:
    """The vertices of a page's simplified atoms in longitude, latitude (:func:`.transform.web_points`),
    made once per page: every layer the page draws is a union of those atoms, vertex for vertex."""
    done = page.setdefault("web", {})
    if "points" not in done:
        done["points"] = web_points(shapely.get_coordinates(page["simple"]))
    return done["points"]


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
