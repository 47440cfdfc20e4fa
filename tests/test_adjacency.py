"""LSOA adjacency: the packed-key search gives exactly what the five-key sort gave (random coverages and the
real LSOAs), and an atlas's adjacency is found once per LSOA base and kept in the layer cache beside it."""

from __future__ import annotations

import os

import numpy as np
import pytest
import shapely

from commissioning_atlas.advise import adjacency
from commissioning_atlas.advise.adjacency import GRID_M, base_adjacency, lsoa_adjacency


def _reference(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The implementation :func:`lsoa_adjacency` replaced: both endpoints of every segment quantised apart,
    ordered, and sorted by five keys (x and y of each end, then the owner)."""
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    owner_of_ring = part_of[ring_of]
    xy, ci = shapely.get_coordinates(rings, return_index=True)
    same = ci[1:] == ci[:-1]
    p0, p1 = xy[:-1][same], xy[1:][same]
    owner = owner_of_ring[ci[:-1][same]]
    q0 = np.round(p0 / GRID_M).astype(np.int64)
    q1 = np.round(p1 / GRID_M).astype(np.int64)
    swap = (q0[:, 0] > q1[:, 0]) | ((q0[:, 0] == q1[:, 0]) & (q0[:, 1] > q1[:, 1]))
    a0, a1 = np.where(swap[:, None], q1, q0), np.where(swap[:, None], q0, q1)
    order = np.lexsort((owner, a1[:, 1], a1[:, 0], a0[:, 1], a0[:, 0]))
    key = np.concatenate([a0, a1], axis=1)[order]
    own = owner[order]
    dup = (key[1:] == key[:-1]).all(axis=1) & (own[1:] != own[:-1])
    length = np.hypot(*(p1 - p0).T)[order][:-1][dup]
    i, j = own[:-1][dup], own[1:][dup]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    n = len(geoms)
    pair, inv = np.unique(lo * n + hi, return_inverse=True)
    total = np.bincount(inv, weights=length, minlength=len(pair))
    return (pair // n).astype(np.int64), (pair % n).astype(np.int64), total


def _assert_identical(got, want) -> None:
    assert len(got) == len(want) == 3
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g, w)  # lengths too: the same float64 sums, bit for bit


def _coverage(seed: int, offset: float = 400_000.0) -> np.ndarray:
    """A random coverage: Voronoi cells of 300 points on the 1 mm grid, each cell's vertices then moved by
    less than half the grid on their own (so matching needs the quantising, and the two copies of a shared
    segment differ in length), some rings run backwards, some cells put together as one multi-part polygon
    (touching parts: their shared segments belong to one owner), a square with a hole and an island in it."""
    rng = np.random.default_rng(seed)
    pts = shapely.multipoints(rng.uniform(0, 10_000, (300, 2)))
    frame = shapely.box(0, 0, 10_000, 10_000)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=frame))

    def jittered(cell):
        xy = np.round(shapely.get_coordinates(cell.exterior), 3) + offset
        xy[:-1] += rng.uniform(-0.4, 0.4, xy[:-1].shape) * GRID_M
        xy[-1] = xy[0]
        return shapely.Polygon(xy)

    cells = np.array([jittered(c) for c in cells], dtype=object)
    flip = rng.random(len(cells)) < 0.3
    cells[flip] = shapely.reverse(cells[flip])
    groups = rng.integers(0, len(cells) // 2, len(cells))  # about half the cells share an owner
    geoms = [shapely.multipolygons(cells[groups == g]) if (groups == g).sum() > 1 else cells[groups == g][0]
             for g in np.unique(groups)]
    hole = shapely.box(12_000, 0, 14_000, 2_000)
    frame = shapely.Polygon(shapely.box(11_000, 0, 15_000, 3_000).exterior.coords, [hole.exterior.coords])
    extra = shapely.transform(np.array([frame, hole, shapely.box(15_000, 0, 16_000, 3_000)]), lambda c: c + offset)
    return np.array(geoms + list(extra), dtype=object)


@pytest.mark.parametrize("seed", range(5))
def test_packed_keys_give_what_the_five_key_sort_gave(seed):
    geoms = _coverage(seed)
    got = lsoa_adjacency(geoms)
    assert len(got[0]) > len(geoms)  # a real coverage: most cells have several neighbours
    _assert_identical(got, _reference(geoms))


def test_wide_and_negative_coordinates_are_ranked_not_packed():
    """A span over 2,147 km at 1 mm does not fit 31 bits: the vertices are ranked instead, same answer."""
    geoms = np.concatenate([_coverage(7, offset=-2e6), _coverage(8, offset=2e6)])
    assert np.ptp(shapely.get_coordinates(geoms)[:, 0]) / GRID_M >= 1 << 31
    _assert_identical(lsoa_adjacency(geoms), _reference(geoms))


def test_no_polygons_no_pairs():
    _assert_identical(lsoa_adjacency(np.array([], dtype=object)), _reference(np.array([], dtype=object)))
    _assert_identical(lsoa_adjacency(np.array([shapely.Polygon()], dtype=object)),
                      _reference(np.array([shapely.Polygon()], dtype=object)))


@pytest.mark.integration
def test_the_real_lsoas_give_what_the_five_key_sort_gave(atlas):
    """The LSOAs of the first 3,000 rows (whole districts of the clean coverage): a second of CPU, not the
    two of all England (identical there too when measured)."""
    geoms = atlas.lsoa.geometry.to_numpy()[:3000]
    _assert_identical(lsoa_adjacency(geoms), _reference(geoms))


@pytest.fixture
def cold(atlas, tmp_path, monkeypatch):
    """A cache holding the session's LSOA base alone (hard links), behind $COMMISSIONING_ATLAS_CACHE."""
    layers = tmp_path / "cache" / "layers"
    layers.mkdir(parents=True)
    for p in atlas.ctx.cache.folder.glob(f"lsoa_2011-{atlas.ctx.base_key()}.*"):
        os.link(p, layers / p.name)
    os.symlink(atlas.ctx.cache.folder.parent / "upstream", tmp_path / "cache" / "upstream")
    monkeypatch.setenv("COMMISSIONING_ATLAS_CACHE", str(tmp_path / "cache"))
    return layers


@pytest.mark.integration
def test_adjacency_is_found_once_per_base_and_read_from_the_cache(atlas, mirror, cold, monkeypatch):
    import dataclasses

    import commissioning_atlas as ca

    want = base_adjacency(atlas)
    calls = []
    real = adjacency.lsoa_adjacency
    monkeypatch.setattr(adjacency, "lsoa_adjacency", lambda g: calls.append(len(g)) or real(g))
    first = ca.load(mirror=mirror, progress=False)
    _assert_identical(base_adjacency(first), want)
    assert calls == [32_844]
    entry = sorted(p.name for p in cold.glob(f"{adjacency.CACHE_NAME}-*"))
    assert [n.rsplit(".", 1)[1] for n in entry] == ["json", "npy"] and not list(cold.glob(".tmp-*"))

    copy = dataclasses.replace(first, basis="census_2011")  # as with_scenario and with_layer copy: same build
    _assert_identical(base_adjacency(copy), want)
    assert calls == [32_844]

    again = ca.load(mirror=mirror, progress=False)  # a new process's context reads the entry
    _assert_identical(base_adjacency(again), want)
    assert calls == [32_844]
    assert sorted(p.name for p in cold.glob(f"{adjacency.CACHE_NAME}-*")) == entry

    monkeypatch.setattr(adjacency, "ADJACENCY_VERSION", adjacency.ADJACENCY_VERSION + "x")
    _assert_identical(adjacency._cached_adjacency(first.ctx), want)  # a changed key: found again, entry replaced
    assert calls == [32_844, 32_844]
    now = sorted(p.name for p in cold.glob(f"{adjacency.CACHE_NAME}-*"))
    assert len(now) == 2 and now != entry


@pytest.mark.integration
def test_a_cache_that_cannot_be_written_still_gives_the_adjacency(atlas, monkeypatch):
    """The entry is a saving, not an output: where it cannot be written (read-only, full) the run goes on."""
    want = base_adjacency(atlas)
    tried = []

    def refuse(*args, **kwargs):
        tried.append(args[0])
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atlas.ctx.cache, "read_array", lambda name, key: None)  # no entry yet
    monkeypatch.setattr(atlas.ctx.cache, "write_array", refuse)
    _assert_identical(adjacency._cached_adjacency(atlas.ctx), want)
    assert tried == [adjacency.CACHE_NAME]
