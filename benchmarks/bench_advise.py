"""Benchmark: the exact advisor (CP-SAT) against spopt's max-p heuristic on the same instances.

For each instance both methods get the same time limit and the same instance (units, floor, within
areas, keep-whole merges, island links); the script prints groups found, reference units split
(extra pieces), seconds, whether the exact plan is proven optimal (else its bound and gap), whether
the heuristic was cut by the limit, and the ratios: groups exact / heuristic and seconds heuristic /
exact. It checks that the exact solver never finds fewer groups than the heuristic.

Instances on today's layers (2011-13); the 2022-25 instances of the issue (42 ICBs within regions,
106 sub-ICB locations with councils kept whole, each England-wide too) run as soon as the atlas has
``icb_2022``, ``sicbl_2022``, ``nhs_region_2022`` and ``utla_2023`` (the lead's registry).

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_advise.py [--time-limit S]
"""

from __future__ import annotations

import argparse
import time

import commissioning_atlas as ca
from commissioning_atlas.advise import build_instance, solve

#: (label, units, floor, within, keep_whole, reference, England-wide)
INSTANCES = [
    ("50 PCT clusters, 750k, within SHAs", "pct_cluster_2011", 750_000, "sha_2011", None, "utla_2011"),
    ("50 PCT clusters, 750k, England", "pct_cluster_2011", 750_000, None, None, "utla_2011"),
    ("151 PCTs, 500k, within SHAs", "pct_2011", 500_000, "sha_2011", "utla_2011", "utla_2011"),
    ("211 CCGs, 1M, within area teams", "ccg_2013", 1_000_000, "nhs_area_team_2013", None, "utla_2011"),
    ("211 CCGs, 500k, within regions", "ccg_2013", 500_000, "nhs_region_2013", None, "utla_2011"),
    # the 2022-25 instances, when the layers exist
    ("42 ICBs, 1M, within regions", "icb_2022", 1_000_000, "nhs_region_2022", None, "utla_2023"),
    ("42 ICBs, 1M, England", "icb_2022", 1_000_000, None, None, "utla_2023"),
    ("106 sub-ICBs, 1M, councils whole, within regions", "sicbl_2022", 1_000_000, "nhs_region_2022", "utla_2023",
     "utla_2023"),
    ("106 sub-ICBs, 1M, councils whole, England", "sicbl_2022", 1_000_000, None, "utla_2023", "utla_2023"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per method and instance (default 60)")
    ap.add_argument("--match", default="", help="run only the instances whose label holds this text")
    args = ap.parse_args()
    atlas = ca.load(progress=False)
    have = set(atlas.layer_ids())
    head = (f"{'instance':<50} {'nodes':>5} | {'exact':>5} {'split':>5} {'s':>6} {'proof':<16} | "
            f"{'heur.':>5} {'split':>5} {'s':>6} {'cut':<3} | {'groups x':>8} {'time x':>7}")
    print(head)
    print("-" * len(head))
    totals = {"exact": 0.0, "heuristic": 0.0}
    worse = []
    for label, units, floor, within, keep, ref in INSTANCES:
        if args.match not in label:
            continue
        need = {units, ref} | ({within} if within else set()) | ({keep} if keep else set())
        if not need <= have:
            print(f"{label:<50} skipped: the atlas has no {', '.join(sorted(need - have))} yet")
            continue
        inst = build_instance(atlas, units, floor, within=within, keep_whole=keep, reference=ref)
        t0 = time.perf_counter()
        ex = solve(inst, method="exact", time_limit=args.time_limit, count_plans=False)
        te = time.perf_counter() - t0
        t0 = time.perf_counter()
        he = solve(inst, method="heuristic", time_limit=args.time_limit, count_plans=False)
        th = time.perf_counter() - t0
        totals["exact"] += te
        totals["heuristic"] += th
        nodes = int(ex.areas["nodes"].sum())
        proof = "optimal" if ex.optimal else f"bound {ex.groups_bound}, gap {ex.gap():.0%}"
        cut = "yes" if any("cut" in n for n in he.notes) else "no"
        print(f"{label:<50} {nodes:>5} | {ex.groups:>5} {ex.crossings:>5} {te:>6.1f} {proof:<16} | "
              f"{he.groups:>5} {he.crossings:>5} {th:>6.1f} {cut:<3} | {ex.groups / he.groups:>8.2f} "
              f"{th / te:>7.2f}")
        if ex.groups < he.groups:
            worse.append(label)
    print(f"total seconds: exact {totals['exact']:.1f}, heuristic {totals['heuristic']:.1f}")
    print("exact never found fewer groups than the heuristic" if not worse else
          f"exact found fewer groups than the heuristic on: {', '.join(worse)}")


if __name__ == "__main__":
    main()
