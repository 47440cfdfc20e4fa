"""Benchmark: our all-England CCG map against ``GeoDataFrame.explore()``, in the same run.

For the 211 CCGs of April 2013:
- HTML bytes of ``maps.ccg_map`` (packed, the default, and plain text) vs
  ``gdf.to_crs(4326).explore().save()`` on the same CCG layer (the issue's target: ours >= 50x smaller);
- for reference, ``explore()`` of the 32,844 LSOAs coloured by CCG (the undissolved layer; the issue's
  "87.6 MB for the CCGs at 20 m" matches this one);
- seconds to write each file;
- seconds until headless Chromium has drawn the polygons (``time_draw``): open the ``file://`` page and take,
  in the page's own clock from navigation start, Chromium's first contentful paint once the 211 interactive
  ``path`` elements exist (Paint Timing: the frame's presentation time); and when the main thread was last
  busy for 50 ms or more ("settled": our pages draw their outlines, land, labels and hidden layers after the
  first paint). Every request that leaves ``file://`` is aborted (offline, as a user without internet, and
  reproducible): explore() links Leaflet from a CDN, so it never draws; it is then measured a second time
  with Leaflet inlined from xstatic-leaflet in place of its CDN scripts (its other CDN assets dropped), to
  compare drawing speed fairly;
- the atlas map (every layer of 2011-13) the same way, and the timeline page (every era 2011-2027 on one
  set of shared arcs; first draw: its first era's 151 PCTs), all against the issue's budgets (CCG map at most
  200 KB, atlas at most 320 KB, with labels, timeline at most 600 KB); ``--baseline DIR`` also times the ``ccg.html`` and
  ``atlas.html`` of an earlier version in the same run, ``--repeat`` rounds interleaved with ours, and compares
  the medians (time to first draw must be no worse: at most 5% above the baseline's median);
- turning a layer on in the atlas page (``time_toggle``, the issue's budget: at most 100 ms): in Chromium's own
  clock, from the click on the layer's box in the layers list until the frame after it (a requestAnimationFrame,
  then a task: the new paths are drawn), 1.5 s after the page said it was ready; each of ``TOGGLED`` turned on,
  off and on again, on a fresh page per round; with ``--baseline`` against the earlier ``atlas.html``,
  interleaved, medians compared; ``--toggle-only`` times just this;
- the packed size at other simplification tolerances, and what each costs in truth (largest boundary
  displacement, largest area change of a CCG), beside stop 9's Visvalingam-Whyatt simplification.

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python benchmarks/bench_maps.py [--out DIR] [--skip-lsoa]
       [--skip-sweep] [--baseline DIR [--repeat N]] [--toggle-only]
Uses Debian's ``/usr/bin/chromium`` through Playwright (never ``playwright install``). About 2 minutes.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

import commissioning_atlas as ca
from commissioning_atlas import maps

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
EXPECTED = 211
DRAW_TIMEOUT_S = 45.0
#: The issue's size budgets (bytes), with labels.
BUDGETS = {"ccg": 200_000, "atlas": 320_000, "timeline": 600_000}


def inline_explore(src: Path, dst: Path) -> None:
    """Copy an explore() page with its CDN Leaflet replaced by the inlined xstatic-leaflet, other CDN tags cut."""
    js, css = maps._leaflet_assets()
    text = src.read_text(encoding="utf-8")
    text = re.sub(r'<script src="[^"]*leaflet[^"]*\.js"></script>', lambda m: f"<script>{js}</script>", text,
                  count=1)
    text = re.sub(r'<link rel="stylesheet" href="[^"]*leaflet(\.min)?\.css"\s*/?>', lambda m: f"<style>{css}</style>",
                  text, count=1)
    text = re.sub(r'<script src="https?://[^"]+"></script>', "", text)
    text = re.sub(r'<link rel="stylesheet" href="https?://[^"]+"\s*/?>', "", text)
    dst.write_text(text, encoding="utf-8")


#: Injected before a page's own scripts: marks when the features exist (``expected`` interactive paths), the
#: long tasks of the main thread (Long Tasks API), and two frames after the features for pages without a paint
#: entry after them.
PROBE = """(() => {
  const n = %d, b = window.__caBench = {lt: []};
  try {
    new PerformanceObserver(l => l.getEntries().forEach(e => b.lt.push(e.startTime + e.duration)))
      .observe({type: "longtask", buffered: true});
  } catch (e) {}
  const obs = new MutationObserver(() => {
    if (b.features === undefined && document.querySelectorAll("path.leaflet-interactive").length >= n) {
      obs.disconnect(); b.features = performance.now();
      requestAnimationFrame(() => requestAnimationFrame(() => { b.frame = performance.now(); }));
    }
  });
  obs.observe(document, {childList: true, subtree: true});
})();"""
READ = """(() => {
  const b = window.__caBench, p = performance.getEntriesByName("first-contentful-paint")[0];
  return {features: b.features, fcp: p ? p.startTime : null, frame: b.frame,
          settled: Math.max.apply(null, [b.features].concat(b.lt))};
})()"""


def time_draw(browser, path: Path, expected: int = EXPECTED) -> tuple[float | None, float | None, int, int]:
    """Time one page's first draw in Chromium's own clock (seconds from navigation start).

    Returns ``(drawn, settled, paths, blocked)``:

    - ``drawn``: when the features were first on screen: Chromium's first contentful paint (Paint Timing, the
      frame's presentation time) if the ``expected`` interactive paths existed by then, else two frames after
      they appeared; None if they never did. Our pages also draw outlines, the coast, land and labels; they
      are not counted, so the clock stops when every feature is drawn, on every page alike.
    - ``settled``: when the main thread was last busy for 50 ms or more (the end of the last long task), i.e.
      from when the page answers a click at once; our pages do their deferred work (hidden layers, outlines,
      land, labels) after the first draw, so this is later than ``drawn``.
    - ``paths`` seen and ``requests`` blocked (every request that leaves ``file://``).

    Measured inside the page, not by polling from Python: a poll's round trip (and its 20 ms interval) waits
    behind whatever task runs after the first frame, so it measured ``drawn`` plus part of the deferred work.
    """
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    blocked = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.add_init_script(PROBE % expected)
    drawn = settled = None
    try:
        page.goto(path.as_uri(), wait_until="commit", timeout=DRAW_TIMEOUT_S * 1000)
        page.wait_for_function("window.__caBench && window.__caBench.frame !== undefined",
                               timeout=DRAW_TIMEOUT_S * 1000)
        # our pages say when their deferred work is done; others get 1.5 s, then 0.2 s for the last reports
        page.wait_for_function("document.documentElement.hasAttribute('data-ca-ready') || "
                               "performance.now() > window.__caBench.features + 1500", timeout=DRAW_TIMEOUT_S * 1000)
        page.wait_for_timeout(200)
        t = page.evaluate(READ)
        drawn = (t["fcp"] if t["fcp"] is not None and t["fcp"] >= t["features"] else t["frame"]) / 1000
        settled = t["settled"] / 1000
    except Exception:  # noqa: BLE001 - a page that never draws is a result, not a failure
        pass
    try:
        n = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
    except Exception:  # noqa: BLE001
        n = -1
    page.close()
    return drawn, settled, n, len(blocked)


#: Layers of the atlas page turned on by ``time_toggle`` (start of their title in the layers list): hidden when
#: the page opens, and under, among and over the CCGs (the filled layer).
TOGGLED = ("Primary care trusts", "Upper-tier local authorities (April 2023)", "Integrated care boards (1 April 2026)")
TOGGLE = """async (title) => {
  const label = [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
    .find(l => l.textContent.trim().startsWith(title));
  performance.mark('ca-toggle-start');
  const t0 = performance.now();
  label.querySelector('input').click();
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const t = performance.now() - t0;
  performance.mark('ca-toggle-end');
  return t;
}"""
TRACE = ["devtools.timeline", "blink.user_timing", "toplevel", "disabled-by-default-devtools.timeline"]


def main_thread_cpu(trace: bytes) -> float:
    """Milliseconds of CPU (thread time) the page's main thread spent in its tasks between the marks
    ``ca-toggle-start`` and ``ca-toggle-end`` of a Chromium trace (the task holding the click included).

    On a machine loaded by other work a task's wall time stretches while the thread waits for a core; its
    thread time does not, so this is what the toggle costs on an idle machine's main thread."""
    import json

    data = json.loads(trace)
    events = data["traceEvents"] if isinstance(data, dict) else data
    main = {(e["pid"], e["tid"]) for e in events if e.get("name") == "thread_name"
            and e.get("args", {}).get("name") == "CrRendererMain"}
    marks = {e["name"]: e["ts"] for e in events if e.get("name") in ("ca-toggle-start", "ca-toggle-end")}
    start, end = marks["ca-toggle-start"], marks["ca-toggle-end"]
    return sum(e.get("tdur", 0) for e in events if e.get("name") == "ThreadControllerImpl::RunTask"
               and e.get("ph") == "X" and (e.get("pid"), e.get("tid")) in main
               and e["ts"] + e.get("dur", 0) >= start and e["ts"] <= end) / 1000


def time_toggle(browser, path: Path, titles=TOGGLED) -> dict[str, tuple[float, float, float, float]]:
    """Milliseconds to turn each layer of ``titles`` on, off and on again in ``path`` (Chromium's clock), and
    the main thread's CPU milliseconds for the first turning on (:func:`main_thread_cpu`).

    The page is opened at 1440x900 (its layers list open), every request leaving ``file://`` aborted; the
    clicks start 1.5 s after it set ``data-ca-ready`` (its deferred work done).
    """
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "about:"))
               else r.abort())
    out = {}
    try:
        page.goto(path.as_uri(), timeout=DRAW_TIMEOUT_S * 1000)
        page.wait_for_function("document.documentElement.hasAttribute('data-ca-ready')",
                               timeout=DRAW_TIMEOUT_S * 1000)
        page.wait_for_timeout(1500)
        for title in titles:
            browser.start_tracing(page=page, categories=TRACE)
            on = page.evaluate(TOGGLE, title)
            cpu = main_thread_cpu(browser.stop_tracing())
            out[title] = (on, page.evaluate(TOGGLE, title), page.evaluate(TOGGLE, title), cpu)
    finally:
        page.close()
    return out


def toggle_report(rounds_now: list[dict], rounds_then: list[dict] | None) -> None:
    """Print the medians of turning each layer on (first time, and again after off), ours and the baseline's."""
    print(f"turning a layer on in the atlas page (ms, median of {len(rounds_now)} rounds; budget 100 ms): 'on' from "
          "the click to the next frame in Chromium's clock, 'again' the same after turning it off, 'CPU' the main "
          "thread's CPU time of the first 'on'")
    print(f"  {'layer':<44s}{'on now':>8s}{'again':>7s}{'CPU':>6s}" + (
        f"{'on then':>9s}{'again':>7s}{'CPU':>6s}{'on x':>6s}{'CPU x':>7s}" if rounds_then else ""))
    for title in TOGGLED:
        now = [float(np.median([r[title][k] for r in rounds_now])) for k in (0, 2, 3)]
        line = f"  {title:<44s}{now[0]:8.0f}{now[1]:7.0f}{now[2]:6.0f}"
        if rounds_then:
            then = [float(np.median([r[title][k] for r in rounds_then])) for k in (0, 2, 3)]
            line += f"{then[0]:9.0f}{then[1]:7.0f}{then[2]:6.0f}{then[0] / now[0]:5.1f}x{then[2] / now[2]:6.1f}x"
        print(line + ("  within budget" if now[0] <= 100 else "  over budget (wall)"))


def _median(xs: list[float | None]) -> float | None:
    """Median of the rounds, None if any round never drew."""
    return None if not xs or any(x is None for x in xs) else float(np.median(xs))


def compare(what: str, now_s: list[float | None], then_s: list[float | None], rule: float | None) -> str:
    """One line comparing our rounds with the baseline's: medians, their ratio, the paired differences and,
    given a ``rule``, whether ours is no worse (its median at most ``rule`` times the baseline's)."""
    now, then = _median(now_s), _median(then_s)
    if now is None or then is None:
        return f"{what}: did not draw in every round (now {now_s}, baseline {then_s})"
    spread = lambda xs: f"{min(xs):.2f}-{max(xs):.2f}"  # noqa: E731
    verdict = "" if rule is None else (", no worse" if now <= then * rule else ", WORSE")
    # paired: each round timed ours and the baseline back to back, so load falls on both alike
    diffs = np.array(now_s) - np.array(then_s)
    return (f"{what}: median {now:.3f} s now ({spread(now_s)}), {then:.3f} s baseline ({spread(then_s)}), "
            f"{len(now_s)} interleaved rounds: {now / then:.2f}x{verdict}; paired: ours no slower in "
            f"{int((diffs <= 0).sum())} of {len(diffs)} rounds, median difference {np.median(diffs) * 1000:+.0f} ms")


def explore_page(gdf, path: Path, **kwargs) -> tuple[str, float]:
    """Write ``gdf.to_crs(4326).explore(**kwargs)``; return a label and the seconds it took."""
    t0 = time.perf_counter()
    label = "explore().save()"
    try:
        m = gdf.to_crs(4326).explore(**kwargs)
    except ImportError:  # explore() needs matplotlib and mapclassify (pip install -e '.[bench]')
        import folium

        label = "folium.GeoJson (explore eq.)"
        web = gdf.to_crs(4326)
        m = folium.Map(tiles="OpenStreetMap")
        folium.GeoJson(web.to_json()).add_to(m)
        m.fit_bounds([[web.total_bounds[1], web.total_bounds[0]], [web.total_bounds[3], web.total_bounds[2]]])
    m.save(str(path))
    return label, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="folder for the HTML files (default: a temp folder)")
    ap.add_argument("--skip-lsoa", action="store_true", help="skip explore() of the 32,844 LSOAs (about 90 MB)")
    ap.add_argument("--skip-sweep", action="store_true", help="skip the sizes at other tolerances")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="folder with an earlier version's ccg.html and atlas.html, timed in the same run")
    ap.add_argument("--repeat", type=int, default=7,
                    help="rounds of first-draw timing against --baseline, interleaved (default 7)")
    ap.add_argument("--toggle-only", action="store_true",
                    help="only time turning layers on in the atlas page (against --baseline's atlas.html if given)")
    args = ap.parse_args()
    if args.toggle_only:
        toggle_only(args)
        return
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-maps-"))
    out.mkdir(parents=True, exist_ok=True)

    atlas = ca.load(progress=False)
    ccg = atlas.layer("ccg_2013")

    t0 = time.perf_counter()
    ours = maps.ccg_map(atlas, out / "ours.html")
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours_again = maps.ccg_map(atlas, out / "ours-cached.html")  # simplification cached in the Atlas
    t_ours_cached = time.perf_counter() - t0
    assert ours.read_bytes() == ours_again.read_bytes()
    t0 = time.perf_counter()
    plain = maps.ccg_map(atlas, out / "ours-plain.html", pack=False)
    t_plain = time.perf_counter() - t0

    t0 = time.perf_counter()
    atlas_page = maps.atlas_map(atlas, out / "atlas.html")
    t_atlas = time.perf_counter() - t0
    n_atlas = len(atlas.layer("sha_2011")) + len(ccg)  # shown when the atlas opens

    t0 = time.perf_counter()
    timeline_page = maps.timeline_map(atlas, out / "timeline.html")  # every era 2011-2027, one set of arcs
    t_timeline = time.perf_counter() - t0
    timeline_data = maps.read_page_data(timeline_page)
    n_timeline = timeline_data["eras"][0]["bodies"]  # the first era is drawn when the page opens

    label, t_explore = explore_page(ccg, out / "explore.html")
    explore = out / "explore.html"
    inline_explore(explore, out / "explore-inlined.html")
    s_lsoa = t_lsoa = None
    if not args.skip_lsoa:
        lsoa = atlas.lsoa_table(["ccg_2013"])[["code", "ccg_2013", "geometry"]]
        _, t_lsoa = explore_page(lsoa, out / "explore-lsoa.html", column="ccg_2013", legend=False)
        s_lsoa = (out / "explore-lsoa.html").stat().st_size
        (out / "explore-lsoa.html").unlink()  # 90 MB

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        d_ours, q_ours, n_ours, b_ours = time_draw(browser, ours)
        d_ours2, q_ours2, _, _ = time_draw(browser, ours)
        d_plain, q_plain, n_plain, b_plain = time_draw(browser, plain)
        d_exp, q_exp, n_exp, b_exp = time_draw(browser, explore)
        d_inl, q_inl, n_inl, b_inl = time_draw(browser, out / "explore-inlined.html")
        d_atlas, q_atlas, n_atlas_seen, b_atlas = time_draw(browser, atlas_page, n_atlas)
        d_timeline, q_timeline, n_timeline_seen, b_timeline = time_draw(browser, timeline_page, n_timeline)
        base, rounds = {}, {}
        if args.baseline:
            # ours and the earlier version's, interleaved round by round (which goes first alternates) so
            # that load on the machine falls on both alike; medians of --repeat rounds
            for key, mine, n in (("ccg", ours, EXPECTED), ("atlas", atlas_page, n_atlas)):
                old = args.baseline / f"{key}.html"
                if not old.exists():
                    continue
                now_s, then_s = [], []
                for r in range(args.repeat):
                    pair = [(now_s, mine), (then_s, old)]
                    for into, page_path in (pair if r % 2 == 0 else pair[::-1]):
                        into.append(time_draw(browser, page_path, n)[:2])
                base[key] = (old.stat().st_size, then_s)
                rounds[key] = now_s
        old_atlas = args.baseline / "atlas.html" if args.baseline else None
        tog_now, tog_then = [], []
        for r in range(args.repeat if old_atlas and old_atlas.exists() else 3):
            pair = [(tog_now, atlas_page)] + ([(tog_then, old_atlas)] if old_atlas and old_atlas.exists() else [])
            for into, page_path in (pair if r % 2 == 0 else pair[::-1]):
                into.append(time_toggle(browser, page_path))
        browser.close()

    s_ours, s_plain, s_exp = ours.stat().st_size, plain.stat().st_size, explore.stat().st_size

    def fmt(x):
        return "never" if x is None else f"{x:8.2f}"

    def row(label, size=None, write=None, draw=..., settled=..., paths=None, blocked=None, tail=""):
        """One line of the table; a column left as None (or ... for the draw times) is blank."""
        cells = [f"{label:30s}", f"{size:14,d}" if size is not None else " " * 14,
                 f"{write:10.2f}" if write is not None else " " * 10]
        cells += [f"{fmt(x):>10s}" if x is not ... else " " * 10 for x in (draw, settled)]
        cells += [f"{paths:7d}" if paths is not None else "", f"{blocked:9d}" if blocked is not None else ""]
        print(("".join(cells) + tail).rstrip())

    print(f"CCG map, {len(ccg)} polygons, {maps.DEFAULT_TOLERANCE_M:.0f} m; files in {out}")
    print("draw s: the features first on screen; settled s: the main thread's last long task ended (time_draw)")
    print(f"{'':30s}{'bytes':>14s}{'write s':>10s}{'draw s':>10s}{'settled s':>10s}{'paths':>7s}{'blocked':>9s}")
    row("ours (maps.ccg_map, packed)", s_ours, t_ours, d_ours, q_ours, n_ours, b_ours)
    row("ours, simplification cached", None, t_ours_cached, d_ours2, q_ours2)
    row("ours, plain (pack=False)", s_plain, t_plain, d_plain, q_plain, n_plain, b_plain)
    row(label, s_exp, t_explore, d_exp, q_exp, n_exp, b_exp)
    row("explore, Leaflet inlined", (out / "explore-inlined.html").stat().st_size, None, d_inl, q_inl, n_inl, b_inl)
    if s_lsoa is not None:
        row("explore, LSOAs by CCG", s_lsoa, t_lsoa)
    s_atlas = atlas_page.stat().st_size
    row("atlas (maps.atlas_map, packed)", s_atlas, t_atlas, d_atlas, q_atlas, n_atlas_seen, b_atlas)
    s_timeline = timeline_page.stat().st_size
    row("timeline (maps.timeline_map)", s_timeline, t_timeline, d_timeline, q_timeline, n_timeline_seen, b_timeline,
        f"  ({len(timeline_data['eras'])} eras, {len(timeline_data['layers'])} layers, "
        f"{len(timeline_data['arcs']):,d} shared arcs)")
    for key, (size, then_s) in base.items():
        row(f"baseline {key}.html", size, None, _median([x[0] for x in then_s]), _median([x[1] for x in then_s]),
            tail=f"  (medians of {len(then_s)})")
    print()
    for key, size in (("ccg", s_ours), ("atlas", s_atlas), ("timeline", s_timeline)):
        verdict = "within" if size <= BUDGETS[key] else "OVER"
        print(f"budget {key}: {size:,d} bytes, {verdict} {BUDGETS[key]:,d}")
    for key, now_s in rounds.items():
        for what, k, rule in (("first draw", 0, 1.05), ("settled", 1, None)):
            print(compare(f"{what} {key}", [x[k] for x in now_s], [x[k] for x in base[key][1]], rule))
    toggle_report(tog_now, tog_then or None)
    print()
    print(f"size ratio explore/ours (same CCG layer): {s_exp / s_ours:7.1f}x  (target >= 50x); "
          f"plain: {s_exp / s_plain:.1f}x")
    if s_lsoa is not None:
        print(f"size ratio explore(LSOAs by CCG)/ours:    {s_lsoa / s_ours:7.1f}x")
    print(f"write ratio explore/ours: {t_explore / t_ours:7.1f}x")
    if d_exp is None:
        print("explore: never drew offline (CDN blocked)")
    elif d_ours:
        print(f"draw ratio explore/ours:  {d_exp / d_ours:7.1f}x")
    if d_inl is not None and d_ours:
        print(f"draw ratio explore(inlined)/ours: {d_inl / d_ours:7.1f}x (plain: {d_inl / d_plain:.1f}x)")
    elif d_inl is None:
        print(f"explore with Leaflet inlined: did not draw {EXPECTED} paths within {DRAW_TIMEOUT_S:.0f} s")
    if args.skip_sweep:
        return
    print()
    print("packed CCG map by simplification tolerance, with what it costs in truth: the largest distance")
    print("between a CCG's drawn and true boundary (Hausdorff, m), and the largest change of a CCG's area:")
    true = ccg.geometry.to_numpy()
    print(f"  {'tolerance':>9s} {'bytes':>10s} {'ratio':>7s} {'vertices':>9s} {'max move':>9s} {'max area':>9s}")
    for tol in (50, 100, 150, 200, 300, 450):
        size = maps.ccg_map(atlas, out / f"ours-{tol}.html", tolerance=tol).stat().st_size
        print(f"  {tol:7d} m {size:10,d} {s_exp / size:6.1f}x" + truth(true, maps.simplified_layer(atlas, "ccg_2013", tol)))
    # stop 9's method, for comparison: Visvalingam-Whyatt coverage simplification (area threshold tol^2)
    vw = shapely.coverage_simplify(true, maps.DEFAULT_TOLERANCE_M)
    print(f"  shapely.coverage_simplify at {maps.DEFAULT_TOLERANCE_M:.0f} m (not used):{'':8s}" + truth(true, vw))


def toggle_only(args) -> None:
    """Write the atlas page and time turning its layers on, interleaved with the baseline's page if given."""
    from playwright.sync_api import sync_playwright

    out = args.out or Path(tempfile.mkdtemp(prefix="bench-maps-"))
    out.mkdir(parents=True, exist_ok=True)
    atlas_page = maps.atlas_map(ca.load(progress=False), out / "atlas.html")
    old = args.baseline / "atlas.html" if args.baseline else None
    now, then = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for r in range(args.repeat):
            pair = [(now, atlas_page)] + ([(then, old)] if old else [])
            for into, page_path in (pair if r % 2 == 0 else pair[::-1]):
                into.append(time_toggle(browser, page_path))
        browser.close()
    toggle_report(now, then or None)


def truth(true, simple) -> str:
    """Vertices drawn, largest boundary displacement (m) and largest area change of one feature."""
    simple = np.asarray(simple, dtype=object)
    move = shapely.hausdorff_distance(shapely.boundary(true), shapely.boundary(simple))
    area = np.abs(shapely.area(simple) / shapely.area(true) - 1)
    return f" {int(shapely.get_num_coordinates(simple).sum()):9,d} {move.max():9,.0f} {area.max():9.2%}"


if __name__ == "__main__":
    main()
