"""The flat-array core of the maps' arcs (maps/arctable.py) against the plain ring-by-ring functions."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import shapely.affinity

from commissioning_atlas.maps import arcs
from commissioning_atlas.maps.arctable import arc_table, farthest, join_rings, junctions, offsets, ring_table
from commissioning_atlas.maps.atoms import unique_rows


def _coverage(seed: int, n_cells: int = 40, n_groups: int = 7) -> list:
    """Random polygons that share their boundaries: Voronoi cells merged into groups (some in several
    parts, some with holes), plus an island filling a hole and an empty geometry."""
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(rng.uniform(0, 100, (n_cells, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=shapely.box(-10, -10, 110, 110)))
    cells = shapely.clip_by_rect(cells, 0, 0, 100, 100)
    labels = rng.integers(0, n_groups, len(cells))
    groups = [shapely.union_all(cells[labels == k]) for k in range(n_groups) if (labels == k).any()]
    island = shapely.box(200, 200, 210, 210)
    holed = shapely.Polygon(shapely.box(190, 190, 220, 220).exterior.coords, [island.exterior.coords[::-1]])
    tiny = shapely.box(300, 300, 300.0001, 300.0001)  # collapses to a point when rounded
    return [*groups, holed, island, shapely.Polygon(), shapely.MultiPolygon([tiny, shapely.box(310, 310, 320, 320)])]


def _plain_table(geoms, scale):
    rings, polygon, geometry = [], [], []
    for g, geom in enumerate(geoms):
        for polygon_rings in arcs.quantised_rings(geom, scale):
            geometry.append(g)
            polygon += [len(geometry) - 1] * len(polygon_rings)
            rings += polygon_rings
    return rings, polygon, geometry


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("scale", [1.0, 0.3, (2.0, 7.0)])
def test_ring_table_is_quantised_rings(seed, scale):
    geoms = _coverage(seed)
    rings, polygon, geometry = _plain_table(geoms, scale)
    t = ring_table(np.array(geoms, dtype=object), scale)
    assert t.lengths.tolist() == [len(r) for r in rings]
    assert t.polygon.tolist() == polygon and t.geometry.tolist() == geometry
    assert np.array_equal(t.xy, np.concatenate(rings))


def _random_rings(rng, n_rings: int, grid: int) -> list[np.ndarray]:
    """Rings on a tiny grid: vertices repeat, rings double back and touch themselves."""
    return [rng.integers(0, grid, (int(rng.integers(3, 9)), 2)) for _ in range(n_rings)]


def _same_arcs(table, plain):
    p_arcs, p_refs = plain
    assert table.lengths.tolist() == [len(a) for a in p_arcs]
    assert np.array_equal(table.xy, np.concatenate(p_arcs))
    assert table.ref_lengths.tolist() == [len(r) for r in p_refs]
    assert table.refs.tolist() == [r for ring in p_refs for r in ring]


@pytest.mark.parametrize("seed", range(6))
def test_arc_table_is_shared_arcs_on_coverages(seed):
    rings, _, _ = _plain_table(_coverage(seed), 1.0)
    t = arc_table(np.concatenate(rings), [len(r) for r in rings])
    assert t is not None
    _same_arcs(t, arcs._shared_arcs_plain(rings))
    # and the public function, which splits the table into lists
    a, r = arcs.shared_arcs(rings)
    assert r == arcs._shared_arcs_plain(rings)[1]


def test_arc_table_matches_or_declines_on_tangled_rings():
    """On rings that touch and retrace themselves the table either matches the plain function or says it
    cannot (None), and shared_arcs then falls back to the plain matching: the same result either way."""
    rng = np.random.default_rng(1)
    cases = [_random_rings(rng, int(rng.integers(1, 6)), int(rng.integers(2, 5))) for _ in range(300)]
    # two arcs from the junction J through B back to J, five vertices each: J B C B J (out to C and back)
    # and J B C D J; their ends and lengths agree, their middles do not
    j, b, c, d = [0, 0], [1, 0], [2, 0], [2, 1]
    cases.append([np.array(r) for r in ([j, b, c, b], [j, b, c, d], [j, [-1, 0], [-1, -1]])])
    declined = []
    for rings in cases:
        plain = arcs._shared_arcs_plain(rings)
        t = arc_table(np.concatenate(rings), [len(r) for r in rings])
        declined.append(t is None)
        if t is not None:
            _same_arcs(t, plain)
        _same_arcs(arcs._arc_table(np.concatenate(rings), np.array([len(r) for r in rings])), plain)
    assert declined[-1] and not all(declined)


@pytest.mark.parametrize("seed", range(4))
def test_join_rings_is_arc_rings(seed):
    rings, _, _ = _plain_table(_coverage(seed), 1.0)
    a, r = arcs.shared_arcs(rings)
    plain = arcs.arc_rings(a, r)
    xy, lengths = join_rings(np.concatenate(a), [len(x) for x in a], [i for ring in r for i in ring],
                             np.array([len(ring) for ring in r]))
    assert lengths.tolist() == [len(x) for x in plain]
    assert np.array_equal(xy, np.concatenate(plain))
    # arcs stored as floats (as arc_simplify joins them) come back the same way
    xy, _ = join_rings(np.concatenate(a) / 7.0, [len(x) for x in a], [i for ring in r for i in ring],
                       np.array([len(ring) for ring in r]))
    assert np.array_equal(xy, np.concatenate(plain) / 7.0)


def _farthest(a: np.ndarray) -> tuple[int, float]:
    """The reference for ``farthest``, line by line: the vertex of a line farthest from its chord (from its start if closed), and that distance."""
    a = np.asarray(a, dtype=float)
    if len(a) < 3:
        return 0, 0.0
    d = a[-1] - a[0]
    norm = float(np.hypot(*d))
    rel = a - a[0]
    dist = np.abs(rel[:, 0] * d[1] - rel[:, 1] * d[0]) / norm if norm > 0 else np.hypot(rel[:, 0], rel[:, 1])
    i = int(np.argmax(dist[1:-1])) + 1
    return i, float(dist[i])


def test_farthest_is_the_plain_farthest():
    rng = np.random.default_rng(2)
    lines = [rng.integers(-50, 50, (int(n), 2)) for n in rng.integers(1, 12, 200)]
    lines += [np.array([[0, 0], [5, 5], [9, 0], [0, 0]]),  # closed: from the start
              np.array([[0, 0], [1, 0], [2, 0], [3, 0]]),  # all on the chord: ties at 0
              np.array([[0, 0], [2, 3], [4, 0], [6, 3], [8, 0]])]  # two equally far: the first
    lines += [x * 1000 + 123456789 for x in lines[:50]]  # large coordinates (millimetres)
    index, dist = farthest(np.concatenate(lines), [len(x) for x in lines])
    for n, line in enumerate(lines):
        i, d = _farthest(line)
        assert (index[n], dist[n]) == (i, d)
    assert (index[-51], dist[-51]) == (1, 3.0)  # the first of two equally far


def test_offsets():
    assert offsets(np.array([3, 0, 2])).tolist() == [0, 3, 3]


def test_junctions_count_distinct_neighbours():
    rng = np.random.default_rng(3)
    for _ in range(100):
        rings = _random_rings(rng, int(rng.integers(1, 6)), int(rng.integers(2, 6)))
        near: dict[tuple, set] = {}
        for r in rings:
            pts = [tuple(p) for p in r.tolist()]
            for k, p in enumerate(pts):
                near.setdefault(p, set()).update({pts[k - 1], pts[(k + 1) % len(pts)]})
        got = junctions(np.concatenate(rings), np.array([len(r) for r in rings]))
        assert got.tolist() == [len(near[tuple(p)]) > 2 for r in rings for p in r.tolist()]


def test_unique_rows_is_numpy_unique():
    rng = np.random.default_rng(4)
    for shape in [(0, 3), (1, 1), (50, 1), (200, 3), (500, 4)]:
        a = rng.integers(-1, 4, shape)
        rows, inverse = unique_rows(a)
        want, want_inverse = np.unique(a, axis=0, return_inverse=True)
        assert np.array_equal(rows, want) and np.array_equal(inverse, want_inverse.ravel())


@pytest.mark.parametrize("seed", range(3))
def test_decode_page_geometry_is_the_plain_decoding(seed):
    """A page's geometry read back through the flat arcs, against arc by arc and ring by ring."""
    from commissioning_atlas.maps.encode import decode_page_geometry

    geoms = _coverage(seed)
    structure, rings = [], []
    for g in geoms:  # features -> polygons -> ring ids, as the page builder pools them
        feature = []
        for polygon_rings in arcs.quantised_rings(g, (62_500, 100_000)):
            feature.append(list(range(len(rings), len(rings) + len(polygon_rings))))
            rings += polygon_rings
        structure.append(feature)
    a, r = arcs.shared_arcs(rings)
    flat = [np.r_[x[:1], np.diff(x, axis=0)].ravel().tolist() for x in a]
    data = {"scale": [62_500, 100_000], "arcs": flat,
            "geometry": {"g": [[[r[i] for i in p] for p in f] for f in structure]}}
    scale = np.array(data["scale"], dtype=float)
    plain = []
    for feature in data["geometry"]["g"]:
        polys = []
        for polygon in feature:
            ring_xy = [x / scale for x in arcs.arc_rings(a, polygon)]
            polys.append(shapely.Polygon(ring_xy[0], ring_xy[1:]))
        plain.append(shapely.MultiPolygon(polys) if polys else shapely.MultiPolygon())
    got = decode_page_geometry(data, "g")
    assert [g.wkb for g in got] == [g.wkb for g in plain]
    assert any(g.is_empty for g in got) and not all(g.is_empty for g in got)


def test_web_geometries_are_to_crs():
    """Geometries taken to longitude/latitude with a table of known points: what GeoSeries.to_crs gives,
    vertex for vertex, for the points in the table and for the rest."""
    import geopandas as gpd

    from commissioning_atlas.maps.transform import to_web_geometries, web_points

    geoms = np.array([shapely.affinity.translate(shapely.affinity.scale(g, 900, 900, origin=(0, 0)), 400_000, 200_000)
                      for g in _coverage(0) if not g.is_empty], dtype=object)
    plain = gpd.GeoSeries(geoms, crs=27700).to_crs(4326).to_numpy()
    known = web_points(shapely.get_coordinates(geoms[: len(geoms) // 2]))  # half the features' vertices
    for table in (known, None, web_points(np.zeros((0, 2)))):
        got = to_web_geometries(geoms, table)
        assert [g.wkb for g in got] == [g.wkb for g in plain]
    assert len(known[0]) < len(shapely.get_coordinates(geoms))
