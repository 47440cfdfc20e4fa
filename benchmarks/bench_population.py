"""Benchmark: the time to read each population basis onto the 2011 LSOAs, and checks of the result.

For each basis of :data:`commissioning_atlas.sources.population.BASES` held per LSOA: the seconds to read
and validate it from the cached files (``rdata`` parsing dominates), England's total, and for
Census 2021 what the LSOA11 -> LSOA21 apportioning moved. Then Census 2021 per LSOA21 against the
second copy (``census21_pop.rda``, perturbed independently): how many LSOA21s differ and by how much.

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_population.py
"""

from __future__ import annotations

import time

import numpy as np

import commissioning_atlas as ca
from commissioning_atlas.sources import catalogue
from commissioning_atlas.sources import fetch
from commissioning_atlas.sources import population as P


def main() -> None:
    atlas = ca.load(progress=False)
    codes = atlas.lsoa["code"].to_numpy()
    cat = catalogue.load_catalogue()
    print(f"{'basis':<12} {'seconds':>8} {'England':>12}  method")
    for b in P.BASES.values():
        if not b.per_lsoa:
            print(f"{b.id:<12} {'-':>8} {'-':>12}  {b.method}")
            continue
        paths = fetch.fetch([cat[g] for g in b.groups], progress=False)
        t = time.perf_counter()
        got = P.read_basis(b.id, paths, codes)
        dt = time.perf_counter() - t
        print(f"{b.id:<12} {dt:>8.2f} {int(got.values.sum()):>12,}  {b.title}")
        if b.id == "census_2021":
            r = got.report
            print(f"{'':<12} apportioned: {r['people_apportioned']:,} people in {r['lsoa21_apportioned']} LSOA21s "
                  f"(onto {r['lsoa11_receiving_apportioned']} LSOA11s); lookup rows by change code {r['rows_by_change']}")
    paths = fetch.fetch([cat["census_2021_lsoa21"], cat["census_2021_lsoa21_alt"]], progress=False)
    main_ = P.read_census_2021_lsoa21(paths["census_2021_lsoa21"][0])
    alt = P.read_census_2021_bands(paths["census_2021_lsoa21_alt"][0])
    eng = main_[main_.index.str.startswith("E")]
    alt_e = alt.reindex(eng.index)
    diff = (alt_e - eng).abs()
    print(f"Census 2021 cross-check: {len(eng):,} England LSOA21; totals {int(eng.sum()):,} (disability21) and "
          f"{int(alt[alt.index.str.startswith('E')].sum()):,} (census21_pop); missing in the copy: "
          f"{int(alt_e.isna().sum())}; LSOA21s differing: {int((diff > 0).sum()):,}, "
          f"largest difference {int(np.nanmax(diff.to_numpy()))}")


if __name__ == "__main__":
    main()
