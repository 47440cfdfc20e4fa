"""Benchmark: every check preset on the real data, the project's way and the naive overlay way.

- project: ``checks.run_preset`` (sums over LSOAs, geometry of the findings by coverage union);
- naive: ``geopandas.overlay(subject, against, how="intersection")`` of the same layers, areas of
  the pieces, shares of each subject's area, parts under the stated 1 m² tolerance dropped.
Both routes give the area of every (subject, reference) part; the script checks they agree within
1 m² + 1e-6 relative and prints the seconds and the ratio per preset and in total. The size preset
has no overlay; it is timed but left out of the ratio. The footprint sets are loaded (validated,
resolved to LSOAs, their polygons dissolved or read from the cache) before the timing, as the boundary
layers and their memberships are: both routes read them; the sets' load times are printed first.

The machine may be shared and loaded, so both routes are timed ``--rounds`` times (default 5), interleaved
(each round runs every preset, ours then overlay), and the medians compared. Before each of our runs the
atlas forgets every value derived from earlier questions (joins, crosstabs, names), so every round is the
first question about that pair of layers, as the overlay's is.

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_checks.py [--rounds N] [--only PRESET ...]
"""

from __future__ import annotations

import argparse
import statistics
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


def forget_questions(atlas) -> None:
    """Drop the joins and derived values (crosstabs, names, unit indexes) earlier checks left in the atlas,
    keeping its layers and memberships: the next check starts as the first question about its layers."""
    for key in [k for k in atlas._cache if k[0] in ("derived", "join")]:
        del atlas._cache[key]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are compared (default 5)")
    ap.add_argument("--only", nargs="+", metavar="PRESET", help="time these presets only")
    args = ap.parse_args()
    atlas = ca.load(progress=False)
    for lid in atlas.footprint_set_ids():  # read the footprint sets before timing: both routes use them
        t0 = time.perf_counter()
        atlas.layer(lid)
        print(f"footprint set {lid:<17} read, resolved and dissolved (or read from the cache) in "
              f"{time.perf_counter() - t0:.2f} s")
    presets = {n: p for n, p in checks.declared_presets().items() if not args.only or n in args.only}
    for p in presets.values():  # every layer and its membership read before timing, for both routes
        for lid in (p["subject"], p["against"]):
            if lid is not None:
                atlas.layer(lid)
                atlas.membership_index(lid)
    ours: dict[str, list[float]] = {n: [] for n in presets}
    theirs: dict[str, list[float]] = {n: [] for n in presets}
    agree: dict[str, str] = {}
    for rnd in range(args.rounds):
        for name, p in presets.items():
            forget_questions(atlas)
            t0 = time.perf_counter()
            checks.run_preset(atlas, name)
            ours[name].append(time.perf_counter() - t0)
            if p["against"] is None:
                continue
            t0 = time.perf_counter()
            parts, share = naive(atlas, p["subject"], p["against"])
            theirs[name].append(time.perf_counter() - t0)
            if rnd == 0:
                agree[name] = compare(atlas, p, parts, share)
    print(f"medians of {args.rounds} interleaved rounds")
    print(f"{'preset':<28} {'project s':>9} {'overlay s':>9} {'ratio':>7}  parts agree")
    tot_p = tot_n = 0.0
    for name, p in presets.items():
        tp = statistics.median(ours[name])
        if p["against"] is None:
            print(f"{name:<28} {tp:>9.3f} {'-':>9} {'-':>7}  (no overlay for size thresholds)")
            continue
        tn = statistics.median(theirs[name])
        tot_p += tp
        tot_n += tn
        print(f"{name:<28} {tp:>9.3f} {tn:>9.2f} {tn / tp:>6.1f}x  {agree[name]}")
    print(f"{'all overlay presets':<28} {tot_p:>9.3f} {tot_n:>9.2f} {tot_n / tot_p:>6.1f}x")


def compare(atlas, p: dict, parts, share) -> str:
    """Whether our parts (area of every subject x reference part) are the overlay's, within 1 m2 + 1e-6."""
    ours = checks.crosstab(atlas, p["subject"], p["against"])
    ours = ours[ours["area_m2"] > settings.COVERAGE_TOLERANCE_M2].set_index(["subject_code", "against_code"])
    same_keys = set(ours.index) == set(parts.index)
    diff = np.abs(ours.loc[parts.index, "area_m2"].to_numpy() - parts.to_numpy()) if same_keys else [np.inf]
    ok = same_keys and bool(np.all(diff <= 1.0 + 1e-6 * parts.to_numpy()))
    sdiff = float(np.max(np.abs(ours.loc[share.index, "share_area"].to_numpy() - share.to_numpy()))) \
        if same_keys else np.inf
    return f"{ok} ({len(parts)} parts, max area diff {max(diff):.3f} m2, max share diff {sdiff:.1e})"


if __name__ == "__main__":
    main()
