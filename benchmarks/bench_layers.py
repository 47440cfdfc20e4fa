"""Benchmark: build every layer from the raw files, the project's way and the naive geopandas way.

Both routes start from the same raw files in the cache (fetched from the mirror first):
- project: ``layers.build_layers`` (read, repair the coverage, assign LSOAs, coverage-union each layer);
- naive: read the same LSOAs, ``make_valid``, take the same LSOA-to-unit assignment, then
  ``GeoDataFrame.dissolve(by=...)`` (unary union) once per layer, straight from the LSOAs.
Then the cached re-run (``build_or_load``) is timed. Prints seconds and ratios.

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_layers.py
"""

from __future__ import annotations

import time

import geopandas as gpd
import shapely

from commissioning_atlas import layers as L
from commissioning_atlas.catalogue import load_catalogue
from commissioning_atlas.fetch import fetch


def main() -> None:
    paths = fetch(load_catalogue().values(), progress=False)

    t0 = time.perf_counter()
    built = L.build_layers(paths)
    t_project = time.perf_counter() - t0

    # naive: same read, no coverage repair, unary-union dissolve of every layer from LSOAs
    t0 = time.perf_counter()
    lsoa = L.read_lsoas(paths["lsoa_2011"])
    lsoa = lsoa.set_geometry(shapely.make_valid(lsoa.geometry.values))
    t_read = time.perf_counter() - t0
    assign = built.lsoa.set_index("code")[L.LSOA_LAYERS].reindex(lsoa["code"]).reset_index(drop=True)
    naive = gpd.GeoDataFrame(assign, geometry=lsoa.geometry.values, crs=lsoa.crs)
    stage = {}
    for lid in L.LSOA_LAYERS:
        t1 = time.perf_counter()
        d = naive[[lid, "geometry"]].dissolve(by=lid)
        stage[lid] = time.perf_counter() - t1
        assert len(d) == len(built.layers[lid]), lid
    t_naive = time.perf_counter() - t0

    # the project's dissolve stage alone, for a like-for-like ratio
    from commissioning_atlas.coverage import dissolve_geoms

    t0 = time.perf_counter()
    for lid in L.LSOA_LAYERS:
        dissolve_geoms(built.lsoa.geometry.values, built.lsoa[lid].to_numpy())
    t_project_dissolve = time.perf_counter() - t0

    L.write_cache(built, L.cache_key())
    t0 = time.perf_counter()
    L.build_or_load(progress=False)
    t_cached = time.perf_counter() - t0

    # answers agree: every layer's area within 0.01 % of the naive union's
    worst = 0.0
    for lid in L.LSOA_LAYERS:
        d = naive[[lid, "geometry"]].dissolve(by=lid) if lid in ("sha_cluster_2011", "nhs_region_2013") else None
        if d is not None:
            a = d.area.sort_index().to_numpy()
            b = built.layers[lid].set_index("code").area.sort_index().to_numpy()
            worst = max(worst, float(abs(a - b).max() / b.max()))

    print("naive dissolve per layer (s): " + ", ".join(f"{k} {v:.1f}" for k, v in stage.items()))
    print(f"project build, all layers from raw files: {t_project:7.1f} s")
    print(f"naive build (read {t_read:.1f} s + unary-union dissolves): {t_naive:7.1f} s")
    print(f"ratio naive / project, whole build:      {t_naive / t_project:6.1f}x")
    print(f"ratio naive / project, dissolve stage:   {(t_naive - t_read) / t_project_dissolve:6.1f}x "
          f"({t_naive - t_read:.1f} s vs {t_project_dissolve:.2f} s)")
    print(f"cached re-run (build_or_load):          {t_cached:7.2f} s  ({t_project / t_cached:.0f}x faster than a build)")
    print(f"largest area difference, naive vs project (SHA clusters, regions): {worst:.2e} of the largest unit")


if __name__ == "__main__":
    main()
