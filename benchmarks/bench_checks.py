"""Benchmark: every check preset on the real data, the project's way and the naive overlay way.

- project: ``checks.run_preset`` (sums over LSOAs, geometry of the findings by coverage union);
- naive: ``geopandas.overlay(subject, against, how="intersection")`` of the same layers, areas of
  the pieces, shares of each subject's area, parts under the stated 1 m² tolerance dropped.
Both routes give the area of every (subject, reference) part; the script checks they agree within
1 m² + 1e-6 relative and prints the seconds and the ratio per preset and in total. The size preset
has no overlay; it is timed but left out of the ratio. The footprint sets are loaded (validated,
resolved to LSOAs, their polygons dissolved or read from the cache) before the timing, as the boundary
layers are: both routes read them; their load times are printed first.

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_checks.py
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np

import commissioning_atlas as ca
from commissioning_atlas import checks, settings


def naive(atlas, subject: str, against: str):
    """The overlay route: intersection pieces, their areas and each subject's area shares."""
    s = atlas.layer(subject)[["code", "geometry"]]
    r = atlas.layer(against)[["code", "geometry"]].rename(columns={"code": "rcode"})
    ov = gpd.overlay(s, r, how="intersection", keep_geom_type=True)
    ov["area_m2"] = ov.area
    ov = ov[ov["area_m2"] > settings.COVERAGE_TOLERANCE_M2]
    parts = ov.groupby(["code", "rcode"])["area_m2"].sum()
    total = s.set_index("code").area
    share = parts / total.reindex(parts.index.get_level_values(0)).to_numpy()
    return parts, share


def main() -> None:
    atlas = ca.load(progress=False)
    for lid in atlas.footprint_set_ids():  # read the footprint sets before timing: both routes use them
        t0 = time.perf_counter()
        atlas.layer(lid)
        print(f"footprint set {lid:<17} read, resolved and dissolved (or read from the cache) in "
              f"{time.perf_counter() - t0:.2f} s")
    print(f"{'preset':<24} {'project s':>9} {'overlay s':>9} {'ratio':>7}  parts agree")
    tot_p = tot_n = 0.0
    for name, p in checks.declared_presets().items():
        t0 = time.perf_counter()
        findings, _ = checks.run_preset(atlas, name)
        tp = time.perf_counter() - t0
        if p["against"] is None:
            print(f"{name:<24} {tp:>9.2f} {'-':>9} {'-':>7}  (no overlay for size thresholds)")
            continue
        t0 = time.perf_counter()
        parts, share = naive(atlas, p["subject"], p["against"])
        tn = time.perf_counter() - t0
        ours = checks.crosstab(atlas, p["subject"], p["against"])
        ours = ours[ours["area_m2"] > settings.COVERAGE_TOLERANCE_M2].set_index(["subject_code", "against_code"])
        same_keys = set(ours.index) == set(parts.index)
        diff = np.abs(ours.loc[parts.index, "area_m2"].to_numpy() - parts.to_numpy()) if same_keys else [np.inf]
        ok = same_keys and bool(np.all(diff <= 1.0 + 1e-6 * parts.to_numpy()))
        sdiff = float(np.max(np.abs(ours.loc[share.index, "share_area"].to_numpy() - share.to_numpy()))) if same_keys else np.inf
        tot_p += tp
        tot_n += tn
        print(f"{name:<24} {tp:>9.2f} {tn:>9.2f} {tn / tp:>6.1f}x  {ok} ({len(parts)} parts, "
              f"max area diff {max(diff):.3f} m2, max share diff {sdiff:.1e})")
    print(f"{'all overlay presets':<24} {tot_p:>9.2f} {tot_n:>9.2f} {tot_n / tot_p:>6.1f}x")


if __name__ == "__main__":
    main()
