"""The thumbnail's path data (maps/thumbnail.py): one format per ring, against one per vertex."""

from __future__ import annotations

import numpy as np
import shapely

from commissioning_atlas.maps.thumbnail import _path


def _plain_path(geoms, project) -> str:
    out = []
    for g in geoms:
        for poly in shapely.get_parts(g):
            for ring in [poly.exterior, *poly.interiors]:
                xy = project(shapely.get_coordinates(ring))
                keep = np.r_[True, (np.abs(np.diff(xy, axis=0)) >= 0.8).any(axis=1)]
                xy = xy[keep]
                if len(xy) >= 3:
                    out.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + "Z")
    return "".join(out)


def test_path_is_the_plain_path():
    rng = np.random.default_rng(7)
    geoms = []
    for _ in range(30):
        pts = shapely.multipoints(rng.uniform(-3, 3, (int(rng.integers(3, 40)), 2)))
        hull = shapely.buffer(shapely.convex_hull(pts), float(rng.uniform(0, 0.5)))
        holed = shapely.difference(hull, shapely.Point(rng.uniform(-1, 1, 2)).buffer(0.3))
        geoms.append(holed)
    geoms += [shapely.MultiPolygon([shapely.box(0, 0, 0.01, 0.01), shapely.box(5, 5, 9, 9)]),
              shapely.MultiPolygon()]

    def project(xy):
        return np.c_[(xy[:, 0] + 3) * 17.3, (3 - xy[:, 1]) * 17.3]  # 0.8 px drops some vertices, not all

    got = _path(geoms, project)
    assert got == _plain_path(geoms, project)
    assert got.count("M") > 30


def test_land_is_the_union_of_a_coverage_and_of_overlaps():
    from commissioning_atlas.maps.thumbnail import _land

    cells = [shapely.box(x, y, x + 1, y + 1) for x in range(4) for y in range(3)]
    cells.append(shapely.box(10, 10, 11, 11))  # an island
    land = _land(cells)
    assert land.is_valid and shapely.equals(land, shapely.union_all(cells))
    assert shapely.get_num_interior_rings(shapely.get_parts(land)).sum() == 0
    overlapping = [shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3), shapely.box(1.5, 0, 4, 1)]
    got = _land(overlapping)
    assert got.is_valid and shapely.equals(got, shapely.union_all(overlapping))
    assert abs(got.area - shapely.union_all(overlapping).area) < 1e-9
