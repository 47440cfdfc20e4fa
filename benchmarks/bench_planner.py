"""Benchmark: the planner page's recomputation after an edit, in Chromium, against a naive recomputation.

For the default units (the sub-ICB locations of April 2026), those of 2023 and the 153 upper-tier councils of
2023, each starting from the ICBs of 2023, the page is written (bytes against the issue's budget: at most 350 KB for the default units) and
opened in headless Chromium. Then, for 100 random edits (a unit moved into the group of one of its neighbours,
the same seeded sequence for every method), in the page's own clock:

- ``evaluate``: the page's one function that recomputes every check of a plan (sizes on the stated basis,
  contiguity, councils split, region crossings, unassigned units), timed over 20 calls per edit;
- ``naive``: the same figures computed group by group, each group scanning every unit and every row of the
  sparse council and region tables (what a page without the sums-over-units layout would do), once per edit;
- ``edit``: a whole edit as a click makes it (``caPlanner.move``: the checks, the map's colours, group
  borders and labels, the side list), JavaScript time;

at 1x and at a 4x CPU slowdown (``Emulation.setCPUThrottlingRate`` over CDP). The issue's target: the
median recomputation after an edit at most 16 ms (one frame) at 1x. The naive figures are checked equal to
evaluate's (every tenth plan) before timing.

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_planner.py [--edits N]
Uses Debian's ``/usr/bin/chromium`` through Playwright (never ``playwright install``). About 2 minutes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import commissioning_atlas as ca
from commissioning_atlas.maps.planner import MAX_PAGE_BYTES, planner_config, planner_map

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
FRAME_MS = 16.0

# the naive recomputation and the timing loop, run in the page
BENCH_JS = r"""
([edits, reps]) => {
  const D = JSON.parse(document.getElementById('ca-data').textContent), N = D.units.codes.length;
  const P = window.caPlanner;
  const nb = Array.from({length: N}, () => []);
  for (let e = 0; e < D.adjacency.length; e += 2) { nb[D.adjacency[e]].push(D.adjacency[e + 1]); nb[D.adjacency[e + 1]].push(D.adjacency[e]); }
  D.links.forEach(l => { nb[l.a].push(l.b); nb[l.b].push(l.a); });
  const basis = D.bases[0];
  function naive(plan) {  // group by group, each scanning everything
    const G = plan.groups.length, out = [];
    for (let g = 0; g < G; g++) {
      let pop = 0, area = 0, first = -1;
      for (let u = 0; u < N; u++) { if (plan.assign[u] === g) { pop += basis.pop[u]; area += D.units.area[u]; if (first < 0) first = u; } }
      let pieces = 0; const seen = new Set();
      for (let u = 0; u < N; u++) {
        if (plan.assign[u] !== g || seen.has(u)) continue;
        pieces++; const st = [u]; seen.add(u);
        while (st.length) { const x = st.pop(); for (const y of nb[x]) if (plan.assign[y] === g && !seen.has(y)) { seen.add(y); st.push(y); } }
      }
      const reg = {};
      for (let k = 0; k < D.regions.u.length; k++) if (plan.assign[D.regions.u[k]] === g) {
        const r = D.regions.o[k]; reg[r] = reg[r] || [0, 0]; reg[r][0] += D.regions.part[basis.id][k]; reg[r][1] += D.regions.part.area[k];
      }
      let home = -1; Object.keys(reg).forEach(r => { if (home < 0 || reg[r][0] > reg[home][0] || (reg[r][0] === reg[home][0] && +r < home)) home = +r; });
      const crossing = Object.keys(reg).filter(r => +r !== home && (reg[r][1] >= D.tolerance * area || (pop > 0 && reg[r][0] / pop >= D.tolerance))).length;
      out.push({pop, pieces, crossing});
    }
    let split = 0; const S = D.split_rule;
    for (let c = 0; c < D.councils.codes.length; c++) {
      const ps = [];
      for (let g = 0; g < G; g++) {
        let p = 0, a = 0, any = false;
        for (let k = 0; k < D.councils.u.length; k++) if (D.councils.o[k] === c && plan.assign[D.councils.u[k]] === g) { any = true; p += D.councils.part[basis.id][k]; a += D.councils.part.area[k]; }
        if (any) ps.push([p, a]);
      }
      ps.sort((x, y) => y[0] - x[0] || y[1] - x[1]);
      const tp = D.councils.total[basis.id][c], ta = D.councils.total.area[c];
      if (ps.slice(1).some(([p, a]) => S.by === 'area-or-residents' ? (tp > 0 && p / tp >= S.share) || a >= S.share * ta
                                                                  : tp > 0 && p / tp >= S.share && p >= S.people)) split++;
    }
    return {groups: out, split};
  }
  // a seeded sequence of edits: a unit into the group of one of its neighbours
  let seed = 12345; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const start = P.state(), plans = [];
  let plan = P.state();
  for (let i = 0; i < edits; i++) {
    const u = Math.floor(rnd() * N), v = nb[u][Math.floor(rnd() * nb[u].length)];
    if (v !== undefined && plan.assign[v] >= 0) plan.assign[u] = plan.assign[v];
    const g = plan.assign[u];
    plans.push({groups: plan.groups, assign: plan.assign.slice(), u: D.units.codes[u], g: g >= 0 ? plan.groups[g].code : null});
  }
  // the naive figures equal evaluate's (sizes, pieces, crossings, councils split) on every plan
  for (const p of plans) {
    if (plans.indexOf(p) % 10) continue;  // every tenth plan: the naive way is slow
    const a = P.evaluate(p), b = naive(p);
    for (let g = 0; g < p.groups.length; g++) {
      if (a.groups[g].pop !== b.groups[g].pop || a.groups[g].pieces !== b.groups[g].pieces ||
          a.groups[g].crossing.length !== b.groups[g].crossing) throw new Error('naive differs at group ' + g);
    }
    if (a.splits.length !== b.split) throw new Error('naive differs on splits');
  }
  function time(fn, n) {
    const out = [];
    for (const p of plans) { const t0 = performance.now(); for (let r = 0; r < n; r++) fn(p); out.push((performance.now() - t0) / n); }
    return out;
  }
  const ev = time(p => P.evaluate(p), reps), nv = time(p => naive(p), 1);
  const ed = [];
  for (const p of plans) { const t0 = performance.now(); if (P.move(p.u, p.g)) ed.push(performance.now() - t0); }
  const groups = start.groups.length;
  return {ev, nv, ed, groups, units: N};
}
"""


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--reps", type=int, default=20, help="calls of evaluate per edit (the clock is coarse)")
    ap.add_argument("--draws", type=int, default=7, help="paired rounds of first draw, planner against atlas")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    atlas = ca.load(progress=False)
    default = planner_config()["default_units"]
    out = Path(tempfile.mkdtemp(prefix="bench_planner_"))
    pages = {}
    for units in dict.fromkeys([default, "sicbl_2023", "utla_2023"]):
        if not atlas.has_layer(units):
            continue
        path = planner_map(atlas, out / f"{units}.html", units, "icb_2023")
        pages[units] = path
        size = path.stat().st_size
        note = f" (budget {MAX_PAGE_BYTES:,}: {'within' if size <= MAX_PAGE_BYTES else 'OVER'})" if units == default else ""
        print(f"page {units}: {size:,} bytes{note}")
    print(f"{'units':<12} {'CPU':>4} {'groups':>6} {'evaluate ms':>12} {'p95':>7} {'naive ms':>9} {'naive/eval':>10} "
          f"{'edit ms':>8} {'p95':>7}  target")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for units, path in pages.items():
            for rate in (1, 4):
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                cdp = page.context.new_cdp_session(page)
                page.goto(path.as_uri())
                page.wait_for_function("window.caPlanner !== undefined", timeout=30000)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                r = page.evaluate(BENCH_JS, [args.edits, args.reps])
                ev, nv, ed = _median(r["ev"]), _median(r["nv"]), _median(r["ed"])
                p95 = lambda xs: sorted(xs)[int(0.95 * (len(xs) - 1))]  # noqa: E731
                ok = "" if rate != 1 else ("met" if ev <= FRAME_MS else "MISSED")
                print(f"{units:<12} {rate:>3}x {r['groups']:>6} {ev:>12.3f} {p95(r['ev']):>7.3f} {nv:>9.3f} "
                      f"{nv / ev:>9.1f}x {ed:>8.2f} {p95(r['ed']):>7.2f}  {ok}")
                page.close()
        first_draw(browser, atlas, pages[default], len(atlas.layer(default)), out, args.draws)
        browser.close()


def first_draw(browser, atlas, planner_page: Path, n_units: int, out: Path, rounds: int) -> None:
    """The planner's first draw against the atlas page's, in Chromium's own clock (bench_maps.time_draw: first
    contentful paint once the expected paths exist), in interleaved rounds; the issue asks "comparable"."""
    from bench_maps import time_draw

    from commissioning_atlas import maps

    atlas_page = maps.atlas_map(atlas, out / "atlas.html")
    n_atlas = len(atlas.layer("sha_2011")) + len(atlas.layer("ccg_2013"))  # shown when the atlas opens
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(time_draw(browser, planner_page, n_units)[0])
        theirs.append(time_draw(browser, atlas_page, n_atlas)[0])
    a, b = _median([x for x in ours if x is not None]), _median([x for x in theirs if x is not None])
    print(f"first draw, median of {rounds}: planner {a:.3f} s ({n_units} units), atlas {b:.3f} s "
          f"({n_atlas} features): {a / b:.2f}x")


if __name__ == "__main__":
    main()
