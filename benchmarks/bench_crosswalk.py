"""Benchmark: ``crosswalk pct_2011 ccg_2013`` against third-party PCT -> CCG postcode shares, and timings.

The cross-check file (catalogue group ``pct_ccg_postcode_shares``: ``elahmo/dsfood`` ``ccg2ons.js``, a
JSON array despite its name) gives, for each 2011 PCT, the share of its postcodes in each 2013
CCG. It is a third-party copy with no licence stated: it is read here only, never by the product.
Postcode shares are not people shares, so small differences are expected; the script prints how
many (PCT, CCG) pairs the two share, and of those how many agree within 2 and 5 percentage points.
It also times the crosswalk and an apportion of a synthetic per-PCT table (median of 5 runs).

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_crosswalk.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

import commissioning_atlas as ca
from commissioning_atlas.sources import catalogue
from commissioning_atlas.sources import fetch
from commissioning_atlas.crosswalk import apportion, crosswalk

#: CCGs of the copy that are later mergers of 2013 CCGs (April 2015: NHS Newcastle Gateshead CCG, 13T):
#: the crosswalk's pairs of their 2013 predecessors are summed before comparing.
MERGED_LATER = {"E38000212": ("NHS Newcastle North and East", "NHS Newcastle West", "NHS Gateshead")}


def postcode_shares(path) -> pd.DataFrame:
    """(pct, ccg ONS code, ccg ODS code, share in percent) per pair of ``ccg2ons.js``."""
    rows = []
    for rec in json.loads(Path(path).read_text(encoding="utf-8")):
        ccgs = rec["CCG"] if isinstance(rec["CCG"], list) else [rec["CCG"]]
        for c in ccgs:
            rows.append((rec["onscode"], c["onscode"], c["code"], float(c["pcd_percent"])))
    return pd.DataFrame(rows, columns=["pct", "ccg_ons", "ccg_ods", "pcd_percent"])


def _median_seconds(fn, n: int = 5) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> None:
    atlas = ca.load(progress=False)
    cw = crosswalk(atlas, "pct_2011", "ccg_2013")
    path = fetch.fetch([catalogue.load_catalogue()["pct_ccg_postcode_shares"]], progress=False)[
        "pct_ccg_postcode_shares"][0]
    ref = postcode_shares(path)
    ccg = atlas.layer("ccg_2013")
    by_ods = dict(zip(ccg["ods_code"], ccg["code"]))
    known = set(ccg["code"])
    # some CCG GSS codes of the copy are of a later vintage: fall back to the ODS code
    ref["ccg"] = [o if o in known else by_ods.get(d, o) for o, d in zip(ref["ccg_ons"], ref["ccg_ods"])]
    recoded = int((ref["ccg"] != ref["ccg_ons"]).sum())
    ref = ref.groupby(["pct", "ccg"], as_index=False)["pcd_percent"].sum()
    ours = cw[["from_code", "to_code", "share_of_from", "population"]].rename(
        columns={"from_code": "pct", "to_code": "ccg"})
    by_name = dict(zip(ccg["name"], ccg["code"]))
    later = {by_name[n]: code for code, names in MERGED_LATER.items() for n in names}
    ours["ccg"] = ours["ccg"].replace(later)
    ours = ours.groupby(["pct", "ccg"], as_index=False)[["share_of_from", "population"]].sum()
    ours["ours_percent"] = ours["share_of_from"] * 100
    m = ours.merge(ref, on=["pct", "ccg"], how="outer", indicator=True)
    both = m[m["_merge"] == "both"]
    diff = (both["ours_percent"] - both["pcd_percent"]).abs()
    only_ours, only_ref = m[m["_merge"] == "left_only"], m[m["_merge"] == "right_only"]
    print(f"crosswalk pct_2011 -> ccg_2013: {len(cw)} pairs ({len(ours)} after the merger); postcode-share copy: {len(ref)} pairs "
          f"({recoded} CCG codes matched by ODS code; {len(later)} 2013 CCGs summed into the 2015 merger "
          f"{', '.join(MERGED_LATER)})")
    print(f"pairs in both: {len(both)}; only in the crosswalk: {len(only_ours)} "
          f"({int(only_ours['population'].sum()):,} people); only in the copy: {len(only_ref)} "
          f"(postcode shares {', '.join(f'{v:.1f}%' for v in sorted(only_ref['pcd_percent'], reverse=True)[:6])})")
    within2 = int((diff <= 2).sum())
    print(f"agreement: {within2} of {len(both)} shared pairs within 2 percentage points ({within2 / len(both):.1%}), "
          f"{int((diff <= 5).sum())} within 5; largest difference {diff.max():.1f} points "
          f"({both.loc[diff.idxmax(), 'pct']} -> {both.loc[diff.idxmax(), 'ccg']}); "
          f"all {m['pct'].nunique()} PCTs, union of pairs {len(m)}: "
          f"{within2 / len(m):.1%} within 2 points counting one-sided pairs as disagreeing")
    best_ours = ours.sort_values(["pct", "population"], ascending=[True, False]).drop_duplicates("pct") \
        .set_index("pct")["ccg"]
    best_ref = ref.sort_values(["pct", "pcd_percent"], ascending=[True, False]).drop_duplicates("pct") \
        .set_index("pct")["ccg"]
    same = int((best_ours.reindex(best_ref.index) == best_ref).sum())
    print(f"best fit: the same CCG for {same} of {len(best_ref)} PCTs")
    pct = atlas.layer("pct_2011")
    table = pd.DataFrame({"pct": pct["code"], "n": (np.arange(len(pct)) * 7919) % 100_003})
    t_cw = _median_seconds(lambda: crosswalk(atlas, "pct_2011", "ccg_2013"))
    t_ap = _median_seconds(lambda: apportion(atlas, table, "pct", "pct_2011", "ccg_2013", counts=["n"]))
    t_fp = _median_seconds(lambda: crosswalk(atlas, "css_2012", "ccg_2013"))
    print(f"seconds (median of 5): crosswalk pct_2011 -> ccg_2013 {t_cw:.3f}; css_2012 -> ccg_2013 {t_fp:.3f}; "
          f"apportion of a 151-row table {t_ap:.3f}")


if __name__ == "__main__":
    main()
