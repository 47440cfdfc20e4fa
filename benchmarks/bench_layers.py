"""Benchmark: build every declared layer from the raw files, the project's way and the naive geopandas way.

All routes start from the same raw files (fetched into a fresh cache from the mirror first):
- project, 2011-13: the ten layers of 2011-13 from a cold cache (the build of earlier versions);
- project, every era: every declared layer from a cold cache (target: at most twice the 2011-13 build);
- project, one layer: ``icb_2022`` alone from a cold cache (builds the LSOA base and what it needs only);
- naive: the same LSOAs, ``make_valid``, the same LSOA-to-unit assignment, then ``GeoDataFrame.dissolve(by=...)``
  (unary union) once per layer, straight from the LSOAs (target: the project at least 10x faster);
- cached: every layer read back from the cache.
Prints seconds and ratios of the same run.

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_layers.py [--naive-layers N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import shapely

import commissioning_atlas as ca
from commissioning_atlas import settings
from commissioning_atlas.registry import layer_ids, registry


def _fresh_cache(upstream: Path) -> Path:
    d = Path(tempfile.mkdtemp(prefix="bench-layers-"))
    shutil.copytree(upstream, d / "upstream")
    os.environ[settings.CACHE_ENV] = str(d)
    return d


def _timed_build(ids: list[str] | None) -> tuple[float, ca.Atlas]:
    """Time a cold build of ``ids`` (None: every layer, as ``build`` does it: Atlas.build_all)."""
    t0 = time.perf_counter()
    atlas = ca.load(progress=False)
    if ids is None:
        atlas.build_all(parallel=True)
    else:
        for lid in ids:
            atlas.layer(lid)
    return time.perf_counter() - t0, atlas


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--naive-layers", type=int, default=0,
                    help="dissolve only this many layers the naive way and scale (0: every layer)")
    args = ap.parse_args()
    warm = ca.load(progress=False)  # fetch every file once, so no route pays for copying from the mirror
    from commissioning_atlas.sources.catalogue import load_catalogue
    from commissioning_atlas.sources.fetch import fetch

    fetch(load_catalogue().values(), progress=False)
    upstream = settings.cache_dir() / "upstream"
    del warm

    old = [k for k in layer_ids() if registry()[k].year <= 2013]
    dirs = []
    dirs.append(_fresh_cache(upstream))
    t_old, _ = _timed_build(old)
    dirs.append(_fresh_cache(upstream))
    t0 = time.perf_counter()
    frames_only = ca.load(progress=False)
    for lid in layer_ids():
        frames_only.ctx.layer_frame(lid)  # the layers themselves, without reading the population bases
    t_frames = time.perf_counter() - t0
    del frames_only
    dirs.append(_fresh_cache(upstream))
    t_all, atlas = _timed_build(None)
    t0 = time.perf_counter()
    again = ca.load(progress=False)
    for lid in layer_ids():
        again.layer(lid)
    t_cached = time.perf_counter() - t0
    dirs.append(_fresh_cache(upstream))
    t_one, _ = _timed_build(["icb_2022"])

    # naive: the same assignment, unary-union dissolve of every layer from the LSOAs
    lsoa = atlas.lsoa
    t0 = time.perf_counter()
    geoms = shapely.make_valid(lsoa.geometry.values)
    t_read = time.perf_counter() - t0
    ids = [k for k in layer_ids() if k != "lsoa_2011"]
    naive_ids = ids if not args.naive_layers else ids[:: max(1, len(ids) // args.naive_layers)]
    frame = gpd.GeoDataFrame({k: atlas.column(k) for k in naive_ids}, geometry=geoms, crs=lsoa.crs)
    stage = {}
    for lid in naive_ids:
        t1 = time.perf_counter()
        d = frame[[lid, "geometry"]].dissolve(by=lid)
        stage[lid] = time.perf_counter() - t1
        assert len(d) == len(atlas.layer(lid)), lid
    t_naive = t_read + sum(stage.values()) * len(ids) / len(naive_ids)
    worst = 0.0
    for lid in naive_ids[-3:]:
        d = frame[[lid, "geometry"]].dissolve(by=lid)
        a = d.area.sort_index().to_numpy()
        b = atlas.layer(lid).set_index("code").area.sort_index().to_numpy()
        worst = max(worst, float(abs(a - b).max() / b.max()))
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)

    print("naive dissolve per layer (s): " + ", ".join(f"{k} {v:.1f}" for k, v in stage.items()))
    print(f"layers: {len(old)} of 2011-13, {len(layer_ids())} in all")
    print(f"project, cold build of the 2011-13 layers:  {t_old:7.1f} s")
    print(f"project, cold build of every layer:         {t_all:7.1f} s  ({t_all / t_old:.2f}x the 2011-13 build; target <= 2x)")
    print(f"project, every layer without the population bases: {t_frames:7.1f} s  ({t_frames / t_old:.2f}x)")
    print(f"project, icb_2022 alone from a cold cache:  {t_one:7.1f} s")
    print(f"project, every layer read from the cache:   {t_cached:7.2f} s")
    scaled = "" if len(naive_ids) == len(ids) else f", {len(naive_ids)} layers timed and scaled to {len(ids)}"
    print(f"naive build (make_valid {t_read:.1f} s + unary-union dissolves{scaled}): {t_naive:7.1f} s")
    print(f"ratio naive / project, every layer:          {t_naive / t_all:6.1f}x (target >= 10x)")
    print(f"largest area difference, naive vs project: {worst:.2e} of the largest unit")


if __name__ == "__main__":
    main()
