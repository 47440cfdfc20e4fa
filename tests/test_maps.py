"""Maps: size budgets, reproducible bytes, gap-free simplification, escaping, and the pages in Chromium.

Browser tests drive Debian's headless Chromium through Playwright (never ``playwright install``); every
map is written once per module into a temp folder and screenshots go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from commissioning_atlas import cli, maps

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>"]


# ------------------------------------------------------------------------------------------------ fixtures
def demo_findings(atlas) -> gpd.GeoDataFrame:
    """A findings table like checks.py's: three CSUs cut by SHAs (crossing parts), plus an empty row."""
    csu = atlas.layer("csu_2013").sort_values("code").head(3)
    sha = atlas.layer("sha_2011")
    subj = csu[["code", "name", "population", "geometry"]].rename(
        columns={"code": "subject_code", "name": "subject_name", "population": "subject_population"})
    subj = subj.assign(subject_area=subj.geometry.area)
    ref = sha[["code", "name", "geometry"]].rename(columns={"code": "against_code", "name": "against_name"})
    parts = gpd.overlay(subj, ref, how="intersection", keep_geom_type=True)
    parts = parts[parts.geometry.area > 1e4].copy()
    parts["share_area"] = parts.geometry.area / parts["subject_area"]
    parts["population"] = (parts["share_area"] * parts["subject_population"]).round().astype(int)
    parts["share_population"] = parts["population"] / parts["subject_population"]
    main = parts.groupby("subject_code")["share_area"].transform("max") == parts["share_area"]
    parts["rule"] = np.where(main, "inside", "crosses")
    parts["class"] = np.where(main, "main part", "crossing part")
    parts["severity"] = np.where(main, "info", np.where(parts["share_population"] > 0.05, "error", "warning"))
    parts["subject_layer"], parts["against_layer"] = "csu_2013", "sha_2011"
    parts["area_km2"] = parts.geometry.area / 1e6
    cols = ["rule", "subject_layer", "subject_code", "subject_name", "against_layer", "against_code",
            "against_name", "class", "area_km2", "share_area", "population", "share_population", "severity",
            "geometry"]
    empty = gpd.GeoDataFrame([{"rule": "size", "subject_layer": "csu_2013", "subject_code": "CSU01",
                               "subject_name": "x", "against_layer": "", "against_code": "", "against_name": "",
                               "class": "small", "area_km2": 0.0, "share_area": 0.0, "population": 0,
                               "share_population": 0.0, "severity": "info", "geometry": shapely.Polygon()}],
                             geometry="geometry", crs=parts.crs)
    return pd.concat([parts[cols], empty], ignore_index=True)


def hostile_atlas(atlas):
    """A copy of the atlas whose first two CCGs (by code) carry hostile names, and whose CCGs carry two
    numeric columns (a user's joined table) with hostile names: choropleths titled in hostile text."""
    ccg = atlas.layer("ccg_2013").copy()
    first = ccg.sort_values("code").index[:2]
    ccg.loc[first[0], "name"] = HOSTILE[0]
    ccg.loc[first[1], "name"] = HOSTILE[1]
    ccg[HOSTILE[0]] = np.arange(len(ccg), dtype=float)
    ccg[HOSTILE[1]] = np.arange(len(ccg)) % 7
    return atlas.with_layer("ccg_2013", ccg)


@pytest.fixture(scope="module")
def findings(atlas):
    return demo_findings(atlas)


@pytest.fixture(scope="module")
def written(atlas, findings, tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    meta = {"title": "CSUs against SHAs <demo>", "subject": "csu_2013", "against": "sha_2011"}
    # the timeline and the planner are written by test_build (every page, as `build` writes them) and by
    # their own modules: here the atlas page, a check page and the index
    paths = maps.write_maps(atlas, out, {"csu-vs-sha": (findings, meta)}, timeline=False, planner=False)
    ccg = maps.ccg_map(atlas, out / "ccg.html")
    bad = hostile_atlas(atlas)
    hostile_findings = findings.copy()
    hostile_findings.loc[hostile_findings.index[0], "subject_name"] = HOSTILE[1]
    maps.layer_map(bad, ["ccg_2013"], out / "hostile.html", title=HOSTILE[0])
    maps.layer_map(bad, ["ccg_2013"], out / "hostile-plain.html", title=HOSTILE[0], pack=False)
    maps.findings_map(bad, hostile_findings, out / "hostile-check.html", HOSTILE[1], "ccg_2013", "sha_2011")
    return {"dir": out, "written": paths, "atlas": out / "atlas.html", "ccg": ccg,
            "check": out / "check-csu-vs-sha.html", "index": out / "index.html",
            "hostile": out / "hostile.html", "hostile_check": out / "hostile-check.html",
            "hostile_plain": out / "hostile-plain.html"}


@pytest.fixture(scope="module")
def cluster_vs_sha(atlas, tmp_path_factory):
    """The real check of PCT clusters against SHAs (two crossing parts), and its page."""
    from commissioning_atlas import checks

    findings, meta = checks.run_preset(atlas, "cluster-vs-sha")
    path = maps.findings_map(atlas, findings, tmp_path_factory.mktemp("cvs") / "cvs.html", meta["title"],
                             meta["subject"], meta["against"])
    return findings, meta, path


def page_text(path: Path) -> str:
    """A page's HTML followed by what its pack unpacks to (Leaflet, our script, the data)."""
    text = path.read_text(encoding="utf-8")
    packed = maps._page_parts(text)
    return text + ("\n".join(packed[0]) if packed else "")


# ------------------------------------------------------------------------------------------------ no browser
@pytest.mark.integration
def test_write_maps_files(written):
    names = [p.name for p in written["written"]]
    assert names == ["atlas.html", "check-csu-vs-sha.html", "index.html"]
    index = written["index"].read_text(encoding="utf-8")
    assert 'href="atlas.html"' in index and 'href="check-csu-vs-sha.html"' in index
    assert 'href="timeline.html"' not in index and 'href="planner.html"' not in index  # not written: not linked
    assert "CSUs against SHAs &lt;demo&gt;" in index and "<demo>" not in index
    assert re.search(r">\d+ errors?<", index) and "Open Government Licence" in index
    assert re.search(r"\d of 20 Commissioning support units flagged: NHS ", index)
    assert not list(written["dir"].glob(".*"))  # no temp files left behind


@pytest.mark.integration
def test_size_budgets(written):
    """The pages stay within their size budgets (CCG map 200 KB, atlas 320 KB; measured in
    benchmarks/bench_maps.py) with every numeric column of every layer classed."""
    assert written["ccg"].stat().st_size <= 200_000
    assert written["atlas"].stat().st_size <= 320_000


@pytest.mark.integration
@pytest.mark.parametrize("key", ["ccg", "atlas", "check", "index"])
def test_self_contained(written, key):
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", written[key].read_text(encoding="utf-8"),
                         re.I)
    text = page_text(written[key])
    for host in ("cdn.jsdelivr", "cdnjs", "unpkg.com", "code.jquery", "bootstrapcdn", "tile.openstreetmap"):
        assert host not in text
    assert "sourceMappingURL" not in text
    if key != "index":
        assert "Open Government Licence v3.0" in text
        assert ('id="ca-data"' in text or 'id="ca-pack"' in text) and "leaflet" in text.lower()


@pytest.mark.integration
def test_bytes_reproducible(atlas, written, tmp_path):
    fresh = dataclasses.replace(atlas)  # no cached simplification: the whole pipeline runs again
    assert maps.ccg_map(fresh, tmp_path / "b.html").read_bytes() == written["ccg"].read_bytes()


@pytest.mark.integration
@pytest.mark.parametrize("layer_id", ["ccg_2013", "pct_2011", "sha_cluster_2011", "css_2012"])
def test_simplification_opens_no_gap_or_overlap(atlas, layer_id):
    original = atlas.layer(layer_id).geometry
    simple = maps.simplified_layer(atlas, layer_id, maps.DEFAULT_TOLERANCE_M)
    report = maps.simplification_report(original, simple)
    assert report["gap_m2"] < 1.0 and report["overlap_m2"] < 1.0, report
    assert report["vertices_after"] < report["vertices_before"] / 2
    if layer_id == "css_2012":  # proposals overlap by design; simplification keeps that overlap (to 1%)
        assert report["original_overlap_m2"] > 1e9
        assert report["simplified_overlap_m2"] == pytest.approx(report["original_overlap_m2"], rel=0.01)


@pytest.mark.integration
def test_drawn_ccgs_open_no_gap(atlas, written):
    """What the CCG page draws (arcs rounded to about 1 m, joined into rings) is a gap-free coverage."""
    layer = atlas.layer("ccg_2013").sort_values("code")  # the page's order
    drawn = gpd.GeoSeries(maps.decode_page_geometry(maps.read_page_data(written["ccg"]), "ccg_2013"),
                          crs=4326).to_crs(27700)
    assert len(drawn) == 211
    assert np.allclose(drawn.area.to_numpy(), layer.geometry.area.to_numpy(), rtol=0.02)
    report = maps.simplification_report(layer.geometry, drawn)
    # Shared vertices round identically, and the simplifier worked on the vertices as the page rounds them,
    # so no sliver opens between neighbours and no narrow neck crosses itself (rounding each ring on its own
    # made the tidal Trent's banks touch: 1.3 m² of overlap); no water is closed off either.
    assert drawn.is_valid.all()
    assert report["gap_m2"] < 1.0 and report["overlap_m2"] < 1.0 and report["pinched_m2"] < 1.0, report


@pytest.fixture(scope="module")
def atlas_page(written):
    return maps.read_page_data(written["atlas"])


@pytest.mark.integration
@pytest.mark.parametrize("layer_id", [s.id for s in maps.atlas_layers() if s.id != "scenario"])
def test_drawn_atlas_layers_open_no_gap(atlas, atlas_page, layer_id):
    """Each of the atlas page's layers, as drawn, is valid, opens no gap or sliver between neighbours and
    moves no boundary further than the tolerance (measured from vertex to true boundary)."""
    layer = atlas.layer(layer_id).sort_values("code")
    drawn = gpd.GeoSeries(maps.decode_page_geometry(atlas_page, layer_id), crs=4326).to_crs(27700)
    assert len(drawn) == len(layer) and drawn.is_valid.all()
    report = maps.simplification_report(layer.geometry, drawn)
    assert report["gap_m2"] < 1.0 and report["overlap_m2"] < 1.0 and report["pinched_m2"] < 1.0, report
    # a footprint set's overlaps by design stay (to 0.1%)
    assert report["simplified_overlap_m2"] == pytest.approx(report["original_overlap_m2"], rel=1e-3, abs=1.0)
    # every drawn vertex lies on (within 1.5 m of: rounding) the true boundary, none is invented, and no
    # stretch of true boundary is further than the tolerance from the drawn one
    true, drawn = shapely.boundary(layer.geometry.to_numpy()), shapely.boundary(drawn.to_numpy())
    assert vertices_within(drawn, true, np.nextafter(1.5, 0))  # (distance < 1.5)
    if layer_id in ("pct_2011", "utla_2011", "ccg_2013"):
        # (every other layer's edges are PCT or CCG edges, drawn with the same arcs.) The discrete Hausdorff
        # distance is the larger of the two ways' vertex-to-line distances; the drawn vertices' way is the
        # check above, so this is the true vertices' way
        assert vertices_within(true, drawn, maps.DEFAULT_TOLERANCE_M + 1.5)


def vertices_within(geoms: np.ndarray, lines: np.ndarray, distance: float) -> bool:
    """Whether every vertex of each of ``geoms`` lies within ``distance`` (inclusive) of the matching one of
    ``lines``: one vectorised ``dwithin`` against prepared lines (as fast as an indexed search, where
    ``shapely.distance`` or ``hausdorff_distance`` tries every segment for every vertex)."""
    shapely.prepare(lines)  # (in place: the same geometries, indexed)
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    return bool(shapely.dwithin(lines[which], shapely.points(coords), distance).all())


@pytest.mark.integration
def test_report_sees_per_polygon_slivers(atlas):
    """The report is not blind: per-polygon simplify opens gaps and overlaps between neighbours."""
    layer = atlas.layer("ccg_2013")
    team = layer["nhs_area_team_code"].value_counts().index[0]  # one area team's CCGs: neighbours, and quick
    layer = layer[layer["nhs_area_team_code"] == team]
    naive = shapely.simplify(layer.geometry.to_numpy(), 500)
    report = maps.simplification_report(layer.geometry, naive)
    assert report["gap_m2"] + report["overlap_m2"] > 1e5


@pytest.mark.integration
def test_report_of_a_coverage_is_the_report_of_any_layer(atlas, monkeypatch):
    """For a coverage (an atlas layer, and its drawing), the report dissolves it by coverage union and skips
    intersecting neighbours; every figure is the same, number for number, as when it takes the general way
    (union_all, and each pair of neighbours intersected): on the CCGs, simplified and simplified per polygon."""
    from commissioning_atlas.maps import report as module

    layer = atlas.layer("ccg_2013").sort_values("code")
    team = layer["nhs_area_team_code"].value_counts().index[0]
    layer = layer[layer["nhs_area_team_code"] == team]
    drawn = shapely.simplify(layer.geometry.to_numpy(), 500)  # not a coverage: the general way for it
    tight = maps.arc_simplify(layer.geometry.to_numpy(), maps.DEFAULT_TOLERANCE_M)  # a coverage
    assert module._is_coverage(layer.geometry.to_numpy()) and module._is_coverage(tight)
    assert not module._is_coverage(drawn)
    short = [maps.simplification_report(layer.geometry, s) for s in (drawn, tight)]
    monkeypatch.setattr(module, "_is_coverage", lambda parts: False)
    assert short == [maps.simplification_report(layer.geometry, s) for s in (drawn, tight)]
    assert short[0]["gap_m2"] > 0 and short[0]["overlap_m2"] > 0


def test_colouring_separates_neighbours():
    squares = [shapely.box(x, y, x + 1, y + 1) for x in range(4) for y in range(4)]
    colours = maps.greedy_colouring(squares)
    for i, a in enumerate(squares):
        for j, b in enumerate(squares):
            if i < j and a.intersects(b):
                assert colours[i] != colours[j]
    assert colours.max() < len(maps.PALETTE)


def _ring_set(rings):
    """Rings as sets of directed edges (start vertex and direction do not matter)."""
    return sorted(sorted(map(tuple, np.hstack([r, np.roll(r, -1, axis=0)]).tolist())) for r in rings)


def test_shared_arcs_store_each_boundary_once():
    # two squares side by side, and a third polygon with a hole that an island fills exactly
    left = shapely.box(0, 0, 1, 1)
    right = shapely.box(1, 0, 2, 1)
    island = shapely.box(5.4, 0.4, 5.6, 0.6)
    holed = shapely.Polygon(shapely.box(5, 0, 6, 1).exterior.coords, [island.exterior.coords[::-1]])
    rings = [r for g in (left, right, holed, island) for poly in maps.quantised_rings(g, scale=10) for r in poly]
    assert [len(r) for r in rings] == [4, 4, 4, 4, 4]
    arcs, refs = maps.shared_arcs(rings)
    # the shared edge x=1 is one arc used by both squares, once in each direction
    shared = [i for i, a in enumerate(arcs) if (a[:, 0] == 10).all()]
    assert len(shared) == 1
    i = shared[0]
    assert (i in refs[0]) != (i in refs[1]) and (~i in refs[0]) != (~i in refs[1])
    # the island and the hole it fills are one closed arc, in opposite directions
    assert len(refs[3]) == len(refs[4]) == 1 and refs[3][0] == ~refs[4][0]
    # 20 vertices stored (2 + 4 + 4 for the squares, 5 for the shell, 5 for the island and hole), not 25
    assert sum(len(a) for a in arcs) == 20 and len(arcs) == 5
    # and the rings come back, whatever vertex they start at
    assert _ring_set(maps.arc_rings(arcs, refs)) == _ring_set(rings)


def test_pack_text_round_trips_and_stays_inert():
    rng = np.random.default_rng(0)
    for n in [*range(30), 6000, 6001]:
        blob = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        text = maps._to_text(blob)
        assert maps._from_text(text) == blob
        assert len(text) == n // 6 * 7 + (n % 6 + 1 if n % 6 else 0)  # 7 characters per 6 bytes
        # nothing the HTML parser would change or act on: no '<', NUL, whitespace or non-ASCII
        assert not set(text) & set("<\x00\t\n\x0c\r ") and text.isascii()
    assert len(maps._to_text(b"\xff" * 60_000)) == 70_000  # base64 would take 80,000


def test_arc_bytes_round_trip():
    arcs = [[512345, 5234567, 3, -4, -70000, 1], [-600000, 5600000, 0, 1], [1, 2, 3, 4, 5, 6, 7, 8]]
    assert maps.decode_arcs(maps.encode_arcs(arcs)) == arcs
    assert maps.decode_arcs(maps.encode_arcs([])) == []
    with pytest.raises(ValueError):
        maps.decode_arcs(maps.encode_arcs(arcs)[:-4])


def test_arc_simplify_bounds_the_displacement_and_keeps_neighbours_glued():
    # a wiggly shared edge between two polygons, an island in a hole of the right one
    t = np.linspace(0, 1, 400)
    edge = np.c_[1000 + 60 * np.sin(25 * t) + 5 * np.sin(400 * t), 1000 * t]
    left = shapely.Polygon(np.r_[[[0, 0]], edge, [[0, 1000]]])
    hole = shapely.Point(1500, 500).buffer(100, quad_segs=32)
    right = shapely.Polygon(np.r_[[[2000, 0]], [[2000, 1000]], edge[::-1]], [hole.exterior.coords])
    geoms = [left, right, hole]
    for tol in (2.0, 20.0, 100.0):
        simple = maps.arc_simplify(geoms, tol)
        for g, s in zip(geoms, simple):
            assert shapely.hausdorff_distance(g.boundary, s.boundary) <= tol + 1e-3
            assert s.is_valid and s.area > 0
        # neighbours share every vertex: the union has no seam and no hole, and areas add up exactly
        assert shapely.coverage_is_valid(simple)
        assert sum(s.area for s in simple) == pytest.approx(sum(g.area for g in geoms), rel=1e-9)
    fine, coarse = (maps.arc_simplify(geoms, tol) for tol in (2.0, 100.0))
    assert shapely.get_num_coordinates(coarse).sum() < shapely.get_num_coordinates(fine).sum() / 3


def test_arc_simplify_never_collapses_a_ring():
    # a lens: two halves of a disc meet along a chord, so three arcs join the same two junctions; and
    # a small island alone. A tolerance far above their size would flatten each arc to a straight line.
    disc = shapely.Point(0, 0).buffer(10, quad_segs=16)
    top, bottom = (shapely.clip_by_rect(disc, -20, y0, 20, y1) for y0, y1 in ((0, 20), (-20, 0)))
    island = shapely.Point(100, 100).buffer(3)
    simple = maps.arc_simplify([top, bottom, island], 1000.0)
    assert all(s.is_valid and s.area > 0 for s in simple)
    assert shapely.coverage_is_valid(simple)


@pytest.mark.integration
def test_atlas_layers_share_their_boundaries(written):
    """An SHA edge is a PCT edge: in the atlas page every arc the SHAs use is one the PCTs use."""
    data = maps.read_page_data(written["atlas"])

    def used(key):
        return {r if r >= 0 else ~r for feature in data["geometry"][key] for poly in feature for ring in poly
                for r in ring}

    sha, pct, cluster = used("sha_2011"), used("pct_2011"), used("pct_cluster_2011")
    assert sha and sha <= pct and cluster <= pct
    # ... but not every SHA edge is a cluster edge: CL12 (Bassetlaw) and CL19 (Milton Keynes) straddle SHAs
    straddled = sha - cluster
    layer = next(l for l in data["layers"] if l["id"] == "pct_cluster_2011")
    polys = dict(zip(layer["codes"],
                     maps.decode_page_geometry(data, "pct_cluster_2011")))
    scale = np.asarray(data["scale"], dtype=float)
    inside = set()
    for i in straddled:
        xy = np.cumsum(np.asarray(data["arcs"][i]).reshape(-1, 2), axis=0) / scale
        mid = shapely.Point(xy[len(xy) // 2])
        inside |= {code for code, g in polys.items() if g.buffer(1e-6).contains(mid)}
    assert straddled and inside == {"CL12", "CL19"}
    assert len(pct) < sum(len(ring) for f in data["geometry"]["pct_2011"] for poly in f for ring in poly)


_data = maps.read_page_data


@pytest.mark.integration
def test_hostile_names_escaped_in_html(written):
    for key in ["hostile", "hostile_check", "hostile_plain"]:
        raw = written[key].read_text(encoding="utf-8")
        text = page_text(written[key])  # packed: the unpacked data are escaped the same way
        for bad in HOSTILE:
            assert bad not in text
        assert "<img" not in text and "<script>alert" not in text
        # packed: the pack and the boot script; plain: leaflet.js, the data block, our script
        assert raw.count("</script>") == (3 if key == "hostile_plain" else 2)
        data = _data(written[key])  # the data survive intact for the page to show as text
        names = {f.get("name", f.get("t")) for layer in data["layers"] for f in layer.get("features") or []}
        assert set(HOSTILE) & names
        ccg = next(l for l in data["layers"] if l["id"] == "ccg_2013")
        assert {c["title"] for c in ccg["classes"]} >= set(HOSTILE)  # hostile column names: titles as text
        assert any(row[0] == HOSTILE[1] for row in ccg["features"][0]["rows"])
        assert "<title>&lt;" in raw and "<title><" not in raw


@pytest.mark.integration
def test_packed_and_plain_pages_carry_the_same_data(written, capsys):
    """`map --no-pack` writes the same data as plain text, at about the size ratio its help states."""
    packed, plain = written["hostile"], written["hostile_plain"]
    assert _data(packed) == _data(plain)
    with pytest.raises(SystemExit):
        cli.main(["map", "--help"])
    stated = float(re.search(r"\(([\d.]+) times the bytes", " ".join(capsys.readouterr().out.split())).group(1))
    assert plain.stat().st_size / packed.stat().st_size == pytest.approx(stated, rel=0.25)


@pytest.mark.integration
def test_damaged_pack_is_one_clear_error(written, tmp_path):
    from commissioning_atlas._errors import AtlasError

    bad = tmp_path / "bad.html"
    text = written["ccg"].read_text(encoding="utf-8")
    start = text.index('id="ca-pack">') + len('id="ca-pack">')
    for damaged in (text[:start] + "XXXX" + text[start + 4:],    # the gzip header
                    text[:start + 9] + "<" + text[start + 10:],  # a character the page never writes
                    text[:start + 9] + text[start + 10:]):       # one character lost
        bad.write_text(damaged, encoding="utf-8")
        with pytest.raises(AtlasError, match="packed data are damaged"):
            maps.read_page_data(bad)


def test_index_escapes_links(tmp_path):
    out = maps.write_index([{"title": "<b>x</b>", "href": "javascript:alert(1)", "summary": "a & b",
                             "counts": {"info": 2, "error": 1}}], tmp_path / "index.html")
    text = out.read_text(encoding="utf-8")
    assert "javascript:" not in text and "&lt;b&gt;x&lt;/b&gt;" in text and "a &amp; b" in text
    assert text.index(">1 error<") < text.index(">2 for context<")  # in words, errors first


@pytest.mark.integration
def test_findings_map_data(written, findings):
    data = _data(written["check"])
    layer = next(l for l in data["layers"] if l["id"] == "findings")
    drawn = len(layer["features"])
    assert drawn == int((~findings.geometry.is_empty).sum())  # the empty row is skipped
    assert len(layer["unshaped"]) == 1 and layer["unshaped"][0]["name"] == "x"  # listed, not dropped
    crossing = [f for f in layer["features"] if f["x"]]
    assert crossing and all(f["p"]["rule"] == "crosses" for f in crossing)
    labels = {row[0] for row in crossing[0]["rows"]}
    assert {"Share of residents", "Share of area", "Residents (Census 2011)", "Area (km\u00b2)"} <= labels
    assert all(re.fullmatch(r"\d+\.\d%", f["share"]) for f in crossing)
    assert data["counts"]["error"] + data["counts"]["warning"] == len(crossing)


# ------------------------------------------------------------------------------------------------ browser
class Page:
    """A page opened on a map, recording console errors, page errors, dialogs and outside requests."""

    def __init__(self, browser, path: Path):
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "about:"))
                     else self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("html[data-ca-ready]", state="attached", timeout=15000)

    def paths(self) -> int:
        return self.page.locator("path.leaflet-interactive").count()

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.requests == [], self.requests

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(400)  # let popups finish fading in
        out = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(out))
        return out

    def hover_feature(self, layer_id: str, point) -> bool:
        """Move the mouse over a lon/lat point; True if a polygon of the layer is under it."""
        xy = self.page.evaluate("([lat, lng]) => { const m = window.commissioningAtlas.map;"
                                " const p = m.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }",
                                [point.y, point.x])
        tag = self.page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y);"
                                 " return e ? e.tagName + ' ' + (e.getAttribute('class') || '') : ''; }", xy)
        if not tag.startswith("path") or "leaflet-interactive" not in tag:
            return False
        self.page.mouse.move(xy[0] - 3, xy[1] - 3)
        self.page.mouse.move(xy[0], xy[1])
        return True


def _hover_points(atlas, layer_id: str, n: int = 6):
    layer = atlas.layer(layer_id).copy()
    layer = layer.assign(_a=layer.geometry.area).sort_values("_a", ascending=False).head(n)
    pts = gpd.GeoSeries(layer.geometry.representative_point(), crs=layer.crs).to_crs(4326)
    return list(zip(layer["name"], pts))


@pytest.mark.integration
@pytest.mark.browser
def test_ccg_map_in_browser(browser, atlas, written):
    page = Page(browser, written["ccg"])
    assert page.paths() == len(atlas.layer("ccg_2013")) == 211
    assert page.page.evaluate("window.commissioningAtlas.counts['ccg_2013']") == 211
    for name, point in _hover_points(atlas, "ccg_2013"):
        if page.hover_feature("ccg_2013", point):
            tip = page.page.locator(".leaflet-tooltip")
            tip.wait_for(timeout=3000)
            assert name in tip.inner_text()
            assert re.search(r"Residents \(Census 2011\): \d{1,3}(,\d{3})+", tip.inner_text())
            break
    else:
        pytest.fail("no large CCG could be hovered")
    page.screenshot("ccg")
    page.clean()
    page.page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_atlas_map_toggle_search_in_browser(browser, atlas, written):
    page = Page(browser, written["atlas"])
    n_ccg, n_sha, n_pct = (len(atlas.layer(l)) for l in ("ccg_2013", "sha_2011", "pct_2011"))
    assert page.paths() == n_ccg + n_sha  # SHAs and CCGs shown by default
    page.screenshot("atlas")
    overlays = page.page.locator(".leaflet-control-layers-overlays label")
    overlays.filter(has_text="Clinical commissioning groups").locator("input").click()
    assert page.paths() == n_sha
    overlays.filter(has_text="Primary care trusts").locator("input").click()
    assert page.paths() == n_sha + n_pct
    overlays.filter(has_text="Clinical commissioning groups").locator("input").click()
    assert page.paths() == n_sha + n_pct + n_ccg
    # search: type, press Enter -> zoomed in, popup open
    box = page.page.locator(".ca-search input")
    box.fill("luton")
    assert page.page.locator(".ca-search li").count() >= 1
    box.press("Enter")
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert "Luton" in popup.locator("h2").inner_text()
    assert re.search(r"Residents \(Census 2011\)\s*\d{1,3}(,\d{3})+", popup.inner_text())
    assert page.page.evaluate("window.commissioningAtlas.map.getZoom()") >= 8
    assert _controls_over_popup(page.page) == []  # the map is panned so that the layers list does not cover it
    page.screenshot("atlas-search-luton")
    # full screen: the real API where the browser grants it, else the CSS fallback; no error either way
    page.page.locator("button.ca-full").click()
    page.page.wait_for_function("document.fullscreenElement !== null || document.body.classList.contains('ca-max')",
                                timeout=3000)
    page.clean()
    page.page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_atlas_popup_links_source(browser, written):
    page = Page(browser, written["atlas"])
    page.page.locator(".leaflet-control-layers-overlays label").filter(
        has_text="Commissioning support units").locator("input").click()
    assert page.page.evaluate("window.commissioningAtlas.search('North of England CSU')")
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    links = popup.locator("a")
    assert links.count() >= 1 and links.first.get_attribute("href").startswith("https://")
    assert "Members" in popup.inner_text()
    page.clean()
    page.page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_findings_map_in_browser(browser, atlas, written, findings):
    page = Page(browser, written["check"])
    _data(written["check"])  # the page carries its data block
    drawn = int((~findings.geometry.is_empty).sum())
    n_subject, n_against = len(atlas.layer("csu_2013")), len(atlas.layer("sha_2011"))
    assert page.paths() == drawn + n_subject + n_against
    fills = page.page.evaluate("Array.from(document.querySelectorAll('path.leaflet-interactive'))"
                               ".map(p => p.getAttribute('fill'))")
    # crossing parts hatched on a clear ground: the subject's share choropleth shows through, one scale
    assert "url(#ca-p-x)" in fills and not set(fills) & set(maps.style.CROSSING_SHADES)
    ok = page.page.evaluate("""() => { const g = window.commissioningAtlas.groups.findings; let done = false;
        g.eachLayer(l => { if (!done && l.options.color === '#49006a') { l.openPopup(); done = true; } });
        return done; }""")
    assert ok  # a crossing part: hatched, outlined in the crossing colour
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    text = popup.inner_text()
    assert re.search(r"residents, \d+\.\d% of the CSU, live in ", text)
    assert re.search(r"Share of residents\s*\d+\.\d%", text) and re.search(r"Share of area\s*\d+\.\d%", text)
    page.screenshot("check-csu-vs-sha")
    page.clean()
    page.page.close()


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("key", ["hostile", "hostile_plain"])
def test_hostile_names_render_as_text(browser, atlas, written, key):
    page = Page(browser, written[key])
    assert page.paths() == 211
    for bad in HOSTILE:
        assert page.page.evaluate("(q) => window.commissioningAtlas.search(q)", bad) == bad
        popup = page.page.locator(".leaflet-popup-content h2", has_text=bad)  # an older popup may be fading out
        popup.wait_for(timeout=3000)
        assert popup.inner_text() == bad
    # a choropleth of a column with a hostile name: its title is text in the chooser and the colour bar
    for bad in HOSTILE:
        page.page.select_option(".ca-legend select", label=bad)
        assert page.page.locator(".ca-bar").get_attribute("aria-label") == bad
        assert page.page.evaluate("window.commissioningAtlas.figure()") == bad
    assert page.page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.page.title() == HOSTILE[0]
    page.clean()  # no dialog fired, no error
    page.page.close()
    check = Page(browser, written["hostile_check"])
    assert check.page.locator(".ca-title").inner_text() == HOSTILE[1]
    check.clean()
    check.page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_index_in_browser(browser, written):
    p = browser.new_page()  # the index has no map: open it plainly
    requests = []
    p.on("request", lambda r: None if r.url.startswith(("file:", "data:", "about:")) else requests.append(r.url))
    p.goto(written["index"].as_uri())
    assert p.locator("a[href$='.html']").count() == 2  # the atlas, the check
    p.locator("a", has_text="CSUs against SHAs").click()
    p.wait_for_selector("html[data-ca-ready]", state="attached", timeout=15000)
    assert p.url.endswith("check-csu-vs-sha.html") and requests == []
    p.close()


def test_whole_feature_findings_reuse_subject_geometry(small_atlas, tmp_path):
    """Size/coterminosity findings cover their whole subject: the page points at the encoded subject."""
    ccg = small_atlas.layer("ccg_2015").sort_values("code").head(2)
    rows = gpd.GeoDataFrame({"rule": "size", "subject_layer": "ccg_2015", "subject_code": ccg["code"].to_numpy(),
                             "subject_name": ccg["name"].to_numpy(), "against_layer": None, "against_code": None,
                             "against_name": None, "class": "small", "area_km2": ccg["area_km2"].to_numpy(),
                             "share_area": 1.0, "population": ccg["population"].to_numpy(),
                             "share_population": 1.0, "severity": "warning"},
                            geometry=ccg.geometry.to_numpy(), crs=ccg.crs)
    out = maps.findings_map(small_atlas, rows, tmp_path / "size.html", "sizes", "ccg_2015", None)
    data = _data(out)
    feats = next(l for l in data["layers"] if l["id"] == "findings")["features"]
    assert [f["r"] for f in feats] == [["ccg_2015", 0], ["ccg_2015", 1]]
    assert all(f["sentence"].endswith(".") and "residents" in f["sentence"] for f in feats)
    assert data["geometry"]["findings"] == []


def test_tiles_only_on_request(small_atlas, tmp_path):
    """A page names a tile server only when asked (--tiles); without, it loads nothing from the network."""
    plain = maps.layer_map(small_atlas, ["sha_2011"], tmp_path / "plain.html")
    tiled = maps.layer_map(small_atlas, ["sha_2011"], tmp_path / "tiled.html", tiles=True)
    assert _data(plain)["tiles"] is None and "tile.openstreetmap" not in page_text(plain)
    assert _data(tiled)["tiles"]["url"].startswith("https://tile.openstreetmap.org/")


@pytest.mark.integration
def test_real_check_map_hatches_only_crossing_parts(atlas, tmp_path):
    """On the real proposals, only Luton and Bedfordshire's part in CL19 is a crossing (not home parts)."""
    from commissioning_atlas import checks

    findings, meta = checks.run_preset(atlas, "proposal-vs-cluster")
    path = maps.findings_map(atlas, findings, tmp_path / "pvc.html", meta["title"], meta["subject"], meta["against"])
    layer = next(l for l in _data(path)["layers"] if l["id"] == "findings")
    crossing = [f["p"] for f in layer["features"] if f["x"]]
    assert [(p["subject_code"], p["against_code"]) for p in crossing] == [("CSS28", "CL19")]
    assert any(f["p"].get("class") == "home part" and not f["x"] for f in layer["features"])
    # every part is a union of the page's atoms: its edges are arcs of the drawn proposals and clusters
    data = _data(path)

    def arcs_of(features):
        return {r if r >= 0 else ~r for feature in features for poly in feature for ring in poly for r in ring}

    drawn = arcs_of(data["geometry"]["css_2012"]) | arcs_of(data["geometry"]["pct_cluster_2011"])
    parts = arcs_of(data["geometry"]["findings"])
    assert parts and parts <= drawn


def test_finding_that_is_not_made_of_lsoas_is_still_drawn(small_atlas, tmp_path):
    """A hand-drawn geometry (a 5 km disc around PCT 1) is not a union of atoms: drawn on its own."""
    pct = small_atlas.layer("pct_2011").set_index("code").loc["E16000001"]
    disc = pct.geometry.representative_point().buffer(5000)
    rows = gpd.GeoDataFrame({"rule": ["coverage"], "subject_layer": ["pct_2011"], "subject_code": ["E16000001"],
                             "subject_name": ["PCT 1"], "class": ["gap"], "severity": ["warning"]},
                            geometry=[disc], crs=27700)
    path = maps.findings_map(small_atlas, rows, tmp_path / "disc.html", "disc", "pct_2011", None)
    data = _data(path)
    drawn = gpd.GeoSeries(maps.decode_page_geometry(data, "findings"), crs=4326).to_crs(27700)
    assert len(drawn) == 1 and drawn.area.iloc[0] == pytest.approx(disc.area, rel=0.01)


# A loaded scenario on the atlas page and on every check page, and the index of a what-if: the README's what-if
# map, run as shown (tests/test_readme_commands.py::test_the_readme_whatif_map_writes_every_page_as_a_whatif).


def test_findings_without_geometry_are_listed_not_dropped(small_atlas, tmp_path):
    """Findings with no shape (none, or an empty one) are listed beside the map with their names, and counted."""
    rows = gpd.GeoDataFrame({"rule": ["coverage", "size"], "subject_layer": "pct_2011",
                             "subject_code": ["E16000001", "E16000002"], "subject_name": ["Luton", "X"],
                             "class": ["gap", "small"], "severity": ["warning", "info"]},
                            geometry=[None, shapely.Polygon()], crs=27700)
    data = _data(maps.findings_map(small_atlas, rows, tmp_path / "none.html", "none", "pct_2011", None))
    layer = next(l for l in data["layers"] if l["id"] == "findings")
    assert layer["drawn"] == 0 and [f["name"] for f in layer["unshaped"]] == ["Luton", "X"]
    assert data["counts"] == {"error": 0, "warning": 1, "info": 1}


# ------------------------------------------------------------------------------------------------ readable maps
def _view(page, lat, lng, zoom):
    return page.page.evaluate("([a, b, z]) => { window.commissioningAtlas.map.setView([a, b], z, {animate: false});"
                              " return window.commissioningAtlas.labels(); }", [lat, lng, zoom])


@pytest.mark.integration
@pytest.mark.browser
def test_names_on_the_map_at_closer_zooms(browser, written):
    """Zoomed on Glossop, Luton or London, names say where you are; England at zoom 6 shows only a few."""
    page = Page(browser, written["atlas"])
    wide = page.page.evaluate("window.commissioningAtlas.labels()")
    glossop = [t.replace("\n", " ") for t in _view(page, 53.44, -1.95, 10)]
    page.screenshot("labels-glossop")
    luton = _view(page, 51.88, -0.42, 11)
    page.screenshot("labels-luton")
    london = _view(page, 51.51, -0.12, 11)
    page.screenshot("labels-london")
    assert len(wide) < len(glossop)
    assert "Tameside and Glossop" in " ".join(glossop) and "High Peak" in glossop  # CCG, district (reference)
    assert "Luton" in luton and {"Camden", "Islington", "Hackney"} & set(london)
    # no two labels overlap
    boxes = page.page.evaluate("Array.from(document.querySelectorAll('.ca-label')).map(e => {"
                               " const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1), (a, b)
    page.clean()
    page.page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_popups_name_before_codes_and_show_the_cli_figures(browser, written, cluster_vs_sha):
    """A crossing part's popup says in words what the CLI prints: the same people and share."""
    from commissioning_atlas import checks
    from commissioning_atlas.io import formatting

    findings, meta, path = cluster_vs_sha
    table = checks.to_table(findings, meta)
    cross = findings[findings["class"] == "crossing part"]
    page = Page(browser, path)
    texts = page.page.evaluate("""() => { const out = []; window.commissioningAtlas.groups.findings.eachLayer(l => {
        if (l.options.color === '#49006a') { l.openPopup(); out.push(l.getPopup().getElement().innerText); } });
        return out; }""")
    assert len(texts) == len(cross) == 2
    for _, row in cross.iterrows():
        people, share = formatting.people(row["population"]), formatting.share(row["share_population"])
        assert people in table and share in table  # the CLI's digits ...
        said = f"{people} residents, {share} of the PCT cluster, live in {row['against_name']}"
        assert any(said in text for text in texts), said  # ... here
    for text in texts:
        assert not re.search(r"\b(E\d{8}|CL\d\d)\b", text.split("\n")[0])
    assert "26.4%" in " ".join(texts) and "7.7%" in " ".join(texts)
    page.page.evaluate("void window.commissioningAtlas.map.setView([52.0, -0.75], 9, {animate: false})")
    assert "26.4%" in page.page.evaluate("window.commissioningAtlas.labels()")  # the crossing part's label
    page.screenshot("check-cluster-vs-sha-labels")
    # a CCG popup: name as heading, parents in words, code only in its own line
    atlas_page = Page(browser, written["atlas"])
    atlas_page.page.evaluate("window.commissioningAtlas.search('NHS Luton')")
    popup = atlas_page.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    text = popup.inner_text()
    assert popup.locator("h2").inner_text() == "NHS Luton"
    # every parent carries its vintage
    assert re.search(r"Primary care trusts \(April 2011\)\s+Luton", text)
    assert "Upper-tier local authorities (December 2011)" in text
    assert re.search(r"Source: Clinical commissioning groups", text) and "ccg_2013" not in text
    atlas_page.screenshot("popup-luton")
    for p in (page, atlas_page):
        p.clean()
        p.page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_search_tolerates_typos_across_layers(browser, written):
    page = Page(browser, written["atlas"])
    found = page.page.evaluate("window.commissioningAtlas.matches('Lutn')")
    assert found and "Luton" in found[0][0]
    assert {lid for _, lid in found} >= {"ccg_2013", "pct_2011"}  # every layer, not only the visible ones
    box = page.page.locator(".ca-search input")
    box.fill("Lutn")
    assert "Primary care trusts" in page.page.locator(".ca-search li").first.inner_text() or \
        "Clinical commissioning groups" in page.page.locator(".ca-search li").first.inner_text()
    page.page.locator(".ca-search li button").filter(has_text="Primary care trusts").first.click()
    assert page.page.evaluate("window.commissioningAtlas.map.hasLayer(window.commissioningAtlas.groups.pct_2011)")
    assert page.page.locator("path.ca-highlight").count() == 1
    page.screenshot("search-lutn")
    page.clean()
    page.page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_dunstable_finds_its_neighbourhoods_and_the_layers_around(browser, written):
    """On the real atlas, "Dunstable" finds the place named by Dunstable's four neighbourhoods (House of
    Commons Library MSOA names) in Central Bedfordshire, zooms there and names what each layer has there; a
    major town (ONS) is found too (the page's 320 KB budget: test_size_budgets)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, offline=True)
    page = ctx.new_page()
    page.goto(written["atlas"].as_uri())
    page.wait_for_selector("html[data-ca-ready]", timeout=60_000)
    towns = page.evaluate("() => window.commissioningAtlas.labels()")
    assert {"London", "Birmingham"} & set(towns)  # towns named at the opening view
    page.fill("#ca-search-input", "Dunstable")
    first = page.inner_text(".ca-search li")
    assert first.startswith("Dunstable") and "4 neighbourhoods in Central Bedfordshire" in first
    page.keyboard.press("Enter")
    view = page.evaluate("() => { const m = window.commissioningAtlas.map; return [m.getZoom(), m.getCenter()]; }")
    assert view[0] >= 11 and abs(view[1]["lat"] - 51.89) < 0.05 and abs(view[1]["lng"] + 0.52) < 0.05
    popup = page.inner_text(".leaflet-popup-content")
    assert "Central Bedfordshire" in popup and "NHS Bedfordshire" in popup  # the council and the CCG there
    assert "NHS Bedfordshire, Luton and Milton Keynes Integrated Care Board" in popup
    assert "p=place" in page.evaluate("() => location.hash")
    assert "Dunstable" in page.evaluate("() => window.commissioningAtlas.labels()")  # named in its box
    assert page.evaluate("() => window.commissioningAtlas.matches('Luton')").count(["Luton", "town:Luton"]) == 1
    ctx.close()


def _controls_over_popup(page) -> list[str]:
    """The class names of the controls that cover part of the open popup."""
    return page.evaluate("""() => { const p = document.querySelector('.leaflet-popup').getBoundingClientRect();
        return Array.from(document.querySelectorAll('.leaflet-control')).map(e => [e.className, e.getBoundingClientRect()])
          .filter(([c, x]) => x.width && x.left < p.right && x.right > p.left && x.top < p.bottom && x.bottom > p.top)
          .map(([c]) => c); }""")


@pytest.mark.integration
@pytest.mark.browser
def test_print_hides_the_controls_keeps_title_and_legend(browser, written):
    page = Page(browser, written["check"])
    view = "(() => { const m = window.commissioningAtlas.map, b = m.getBounds(), c = m.getCenter();" \
           " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast(), c.lat, c.lng, m.getZoom()]; })()"
    screen = page.page.evaluate(view)
    frames = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"  # media changes land
    page.page.emulate_media(media="print")
    page.page.evaluate(frames)
    shown = page.page.evaluate("""() => Object.fromEntries(['.ca-search', '.leaflet-control-layers',
        '.leaflet-control-zoom', '.ca-title-box', '.ca-legend', '.leaflet-control-attribution'].map(s =>
        [s, getComputedStyle(document.querySelector(s)).display !== 'none']))""")
    assert shown == {".ca-search": False, ".leaflet-control-layers": False, ".leaflet-control-zoom": False,
                     ".ca-title-box": True, ".ca-legend": True, ".leaflet-control-attribution": True}
    width, height = page.page.evaluate("(() => { const r = document.getElementById('map').getBoundingClientRect();"
                                       " return [r.width, r.height]; })()")
    assert width == pytest.approx(281 / 25.4 * 96, abs=2) and height == pytest.approx(194 / 25.4 * 96, abs=2)
    # the screen showed England whole, so England whole is fitted to the page (clear of the title and the
    # legend, tests/test_maps_clear.py) ...
    printed = page.page.evaluate(view)
    england = page.page.evaluate("JSON.parse(document.getElementById('ca-data').textContent).bounds")
    eps = 1e-6
    assert printed[0] <= england[0][0] + eps and printed[1] <= england[0][1] + eps, (printed, england)
    assert printed[2] >= england[1][0] - eps and printed[3] >= england[1][1] - eps, (printed, england)
    assert printed[6] != pytest.approx(screen[6]), (printed, screen)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.page.pdf(path=str(ARTIFACTS / "check-print.pdf"), format="A4", landscape=True)
    page.screenshot("check-print")
    # ... and the screen gets its own view back
    page.page.emulate_media(media="screen")
    page.page.evaluate(frames)
    assert page.page.evaluate(view)[4:] == pytest.approx(screen[4:], abs=1e-9)
    page.clean()
    page.page.close()


@pytest.mark.integration
def test_index_shows_thumbnails_questions_and_people(written, findings):
    index = written["index"].read_text(encoding="utf-8")
    assert index.count('<svg class="thumb"') == 2 and index.count('role="img"') == 2  # the atlas, the check
    assert re.search(r"People affected: \d{1,3}(,\d{3})* \(Census 2011 usual residents\)", index)
    data = _data(written["check"])
    layer = next(l for l in data["layers"] if l["id"] == "findings")
    assert f"{len(findings)} findings: {layer['drawn']} drawn on the map, 1 listed without a shape" in index
    assert 'href="index.html"' not in index and data["index"] == "index.html"  # every map links back
    # the atlas's line names the layers its page draws, from the page itself
    import html

    drawn = [l["title"] for l in _data(written["atlas"])["layers"] if l["kind"] in ("fill", "line")]
    assert f"{len(drawn)} layers, any of them on or off: " + html.escape("; ".join(drawn)) + "." in index


def test_people_affected_counts_in_words():
    from commissioning_atlas.maps.index import people_affected

    part = {"severity": "warning", "rule": "crosses", "class": "crossing part", "population": 248821,
            "population_basis": "census_2011"}
    one = people_affected(pd.DataFrame([part]))
    two = people_affected(pd.DataFrame([part, {**part, "population": 1000}]))
    assert "248,821" in one and "the 1 crossing part, outside" in one
    assert "249,821" in two and "the 2 crossing parts, outside" in two
    org = {"severity": "warning", "rule": "min_population", "subject_code": "A", "population": 5}
    assert "the 1 flagged organisation." in people_affected(pd.DataFrame([org]))
    assert "the 2 flagged organisations." in people_affected(pd.DataFrame([org, {**org, "subject_code": "B"}]))


@pytest.mark.integration
def test_the_map_and_the_cli_write_the_same_figures(cluster_vs_sha):
    from commissioning_atlas import checks
    from commissioning_atlas.io import formatting

    findings, meta, path = cluster_vs_sha
    layer = next(l for l in _data(path)["layers"] if l["id"] == "findings")
    table = checks.to_table(findings, meta)
    shares = sorted(f["share"] for f in layer["features"] if f["x"])
    assert shares == ["26.4%", "7.7%"] and all(s in table for s in shares)
    assert sorted(formatting.share(v) for v in findings.loc[findings["class"] == "crossing part", "share_population"]) \
        == shares


def test_atlas_layers_are_declarations(small_atlas, tmp_path):
    """The atlas page draws the declared layers, in their order and style (any layer id, any style)."""
    decl = [maps.style_of("sha_2011"), maps.LayerStyle("ccg_2015", True, "#123456", 1.5, "4 2", "CCG")]
    data = _data(maps.atlas_map(small_atlas, tmp_path / "a.html", declarations=decl))
    drawn = [l for l in data["layers"] if l["kind"] in ("fill", "line")]
    assert [l["id"] for l in drawn] == ["sha_2011", "ccg_2015"]
    assert drawn[1]["style"] == {"color": "#123456", "weight": 1.5, "dash": "4 2"}
    assert maps.style_of("icb_2022").id == "icb_2022"  # an undeclared layer still gets a style


@pytest.mark.integration
@pytest.mark.browser
def test_coast_is_drawn_light_not_as_a_boundary(browser, written):
    page = Page(browser, written["ccg"])
    coast = _data(written["ccg"])["coast"]["color"]
    # counted in the page (one number back, not a pair for each of the page's many drawn paths)
    long_coast = page.page.evaluate("(coast) => Array.from(document.querySelectorAll('path:not(.leaflet-interactive)'))"
                                    ".filter(p => p.getAttribute('stroke') === coast && p.getAttribute('d').length > 1000)"
                                    ".length", coast)
    assert long_coast >= 1  # one long coast line
    # `void`: setView returns the map, which Playwright would copy whole into Python (seconds of CPU)
    page.page.evaluate("void window.commissioningAtlas.map.setView([50.72, -1.9], 11, {animate: false})")  # Poole
    page.screenshot("coast-poole")
    page.clean()
    page.page.close()


# ------------------------------------------------------------------------------------------------ a choropleth of any numeric column
def test_every_numeric_column_is_a_figure():
    """Numeric columns are figures (residents, area, the derived residents per km², a user's column); codes,
    text, booleans and the page's helpers are not."""
    from commissioning_atlas.maps.figures import figures

    frame = pd.DataFrame({"code": ["A", "B", "C"], "name": ["a", "b", "c"], "ods_code": ["X", "Y", "Z"],
                          "nhs_region_code": [1, 2, 3], "_row": [0, 1, 2], "flag": [True, False, True],
                          "note": ["1", "2", "3"], "population": [100, 200, 300], "area_km2": [1.0, 4.0, 0.0],
                          "waiting_weeks": [1.5, np.nan, 12.25], "empty": [np.nan] * 3,
                          "patients": pd.array([5, None, 7], dtype="Int64")})
    figs = figures(frame, "Census 2021 usual residents", "Census 2021")
    assert [f.key for f in figs] == ["population", "area_km2", "density", "waiting_weeks", "patients"]
    by = {f.key: f for f in figs}
    assert by["density"].title == "Residents per km\u00b2 (Census 2021 usual residents)"
    assert by["density"].label == "Residents per km\u00b2 (Census 2021)"
    assert by["population"].title == "Residents (Census 2021 usual residents)" and by["area_km2"].title == "Area (km\u00b2)"
    assert by["density"].values[:2].tolist() == [100.0, 50.0] and np.isnan(by["density"].values[2])  # no area
    assert by["waiting_weeks"].title == "Waiting weeks"
    assert [by["waiting_weeks"].fmt(v) for v in by["waiting_weeks"].values] == ["1.5", "", "12.2"]
    assert np.isnan(by["patients"].values[1])


def test_a_layers_extra_numeric_column_is_a_choropleth(small_atlas, tmp_path):
    """A user's numeric column joined to a layer gets classes, a popup line and can be the page's default;
    a text column does not; an unknown one is one clear error naming those there are, and nothing is written."""
    from commissioning_atlas.io import formatting
    from commissioning_atlas._errors import AtlasError

    ccg = small_atlas.layer("ccg_2015").copy()
    ccg["waiting_weeks"] = np.linspace(2.0, 30.0, len(ccg))
    ccg["lead"] = "Dr " + ccg["name"].astype(str)
    joined = small_atlas.with_layer("ccg_2015", ccg)
    path = maps.layer_map(joined, ["ccg_2015"], tmp_path / "ccg.html", choropleth="waiting_weeks")
    data = _data(path)
    layer = next(l for l in data["layers"] if l["id"] == "ccg_2015")
    classes = {c["key"]: c for c in layer["classes"]}
    assert list(classes) == ["population", "area_km2", "density", "waiting_weeks"]
    assert "lead" not in classes and not any(k.endswith("_code") for k in classes)
    week = classes["waiting_weeks"]
    assert week["title"] == "Waiting weeks" and len(week["k"]) == len(ccg) and min(week["k"]) == 0
    assert week["labels"][0].split(" to ")[0] == formatting.number(2.0)  # the lowest class starts at the least
    assert data["colour_by"] == "waiting_weeks"
    codes = layer["codes"]
    i = codes.index(sorted(ccg["code"])[0])
    rows = dict(map(tuple, layer["features"][i]["rows"]))
    value = ccg.set_index("code").loc[codes[i]]
    population = joined.layer("ccg_2015").set_index("code").loc[codes[i], "population"]
    assert rows["Waiting weeks"] == formatting.number(value["waiting_weeks"])
    assert rows["Residents per km\u00b2 (Census 2011)"] == formatting.density(population / value["area_km2"])
    assert classes["density"]["title"] == "Residents per km\u00b2 (Census 2011 usual residents)"
    with pytest.raises(AtlasError, match=r"'lead' is not a numeric column .*: population, area_km2, density, "
                                         r"waiting_weeks$"):
        maps.layer_map(joined, ["ccg_2015"], tmp_path / "bad.html", choropleth="lead")
    assert not (tmp_path / "bad.html").exists()


@pytest.mark.integration
def test_write_maps_checks_the_choropleth_first(atlas, findings, tmp_path):
    from commissioning_atlas._errors import AtlasError

    results = {"csu-vs-sha": (findings, {"title": "t", "subject": "csu_2013", "against": "sha_2011"})}
    with pytest.raises(AtlasError, match="'nope' is not a numeric column"):
        maps.write_maps(atlas, tmp_path / "m", results, choropleth="nope", timeline=False)
    assert not (tmp_path / "m").exists()
    keys = maps.choropleths(atlas)
    # registered patients of 2013 (CCGs) and of May 2022 (the practice-built layers) beside residents
    assert keys[:5] == ["population", "registered_population", "registered_2022", "area_km2", "density"]
    assert keys[-1] == "share_crossing"


def _fills(page, layer_id):
    return page.page.evaluate("""(id) => { const out = {}; window.commissioningAtlas.groups[id].eachLayer(l => {
        if (l.caFeature !== undefined) out[l.caFeature] = l.options.fillColor; }); return out; }""", layer_id)


@pytest.mark.integration
@pytest.mark.browser
def test_choosing_a_choropleth_in_the_legend(browser, written):
    """"Colour by" Area then density: the fills follow each figure's classes, the colour bar's labels change,
    and the choice is in the link (a shared link opens the same choropleth)."""
    data = _data(written["ccg"])
    layer = next(l for l in data["layers"] if l["id"] == "ccg_2013")
    classes = {c["key"]: c for c in layer["classes"]}
    assert {"population", "area_km2", "density"} <= set(classes)

    def expected(key):
        return {str(i): data["choropleth"][k] for i, k in enumerate(classes[key]["k"])}

    page = Page(browser, written["ccg"])
    bar = page.page.locator(".ca-legend .ca-bar-label")
    assert bar.all_inner_texts() == classes["population"]["labels"]
    assert _fills(page, "ccg_2013") == expected("population")
    assert "ch=" not in page.page.url
    options = page.page.locator(".ca-legend select option").all_inner_texts()
    assert options[:4] == ["Residents (Census 2011 usual residents)", "Registered patients (GP lists, April-June 2013)",
                           "Area (km\u00b2)", "Residents per km\u00b2 (Census 2011 usual residents)"]
    page.page.select_option(".ca-legend select", label="Area (km\u00b2)")
    assert bar.all_inner_texts() == classes["area_km2"]["labels"] != classes["population"]["labels"]
    assert _fills(page, "ccg_2013") == expected("area_km2") != expected("population")
    assert "ch=area_km2" in page.page.url and page.page.evaluate("window.commissioningAtlas.figure()") == "area_km2"
    page.page.select_option(".ca-legend select", value="density")
    assert bar.all_inner_texts() == classes["density"]["labels"]
    assert _fills(page, "ccg_2013") == expected("density")
    url = page.page.url
    assert "ch=density" in url
    # the legend's swatches are the map's colours (at the fill's opacity over the land)
    swatch = page.page.locator(".ca-legend .ca-bar-sw").first.evaluate("e => getComputedStyle(e).backgroundColor")
    light = [round(0.62 * int(data["choropleth"][0][i:i + 2], 16) + 0.38 * int("eef0f2"[i - 1:i + 1], 16))
             for i in (1, 3, 5)]
    assert swatch == "rgb({}, {}, {})".format(*light)
    page.screenshot("ccg-density")
    # a shared link opens the same choropleth
    again = Page(browser, written["ccg"])
    again.page.goto(url)
    again.page.reload()
    again.page.wait_for_selector("html[data-ca-ready]", state="attached", timeout=15000)
    assert again.page.locator(".ca-legend select").input_value() == "density"
    assert again.page.locator(".ca-legend .ca-bar-label").all_inner_texts() == classes["density"]["labels"]
    assert _fills(again, "ccg_2013") == expected("density")
    assert again.page.evaluate("window.commissioningAtlas.state()") == url.split("#", 1)[1]
    for p in (page, again):
        p.clean()
        p.page.close()


@pytest.mark.browser
def test_a_page_opens_with_its_chosen_choropleth(browser, small_atlas, tmp_path):
    """choropleth="density": the atlas opens coloured by residents per km² on its top shown layer (the small
    atlas's SHAs), and the popup names the figure."""
    path = maps.atlas_map(small_atlas, tmp_path / "atlas.html", choropleth="density")
    data = _data(path)
    top = [l for l in data["layers"] if l["kind"] == "fill" and l["show"]][-1]
    assert top["id"] == "sha_2011" and data["colour_by"] == "density"
    density = next(c for c in top["classes"] if c["key"] == "density")
    page = Page(browser, path)
    assert page.page.locator(".ca-legend select").input_value() == "density"
    assert page.page.locator(".ca-legend .ca-bar-label").all_inner_texts() == density["labels"]
    assert "ch=density" not in page.page.url  # the page's own default: no need to say it
    page.page.evaluate("window.commissioningAtlas.search('West SHA')")
    page.page.locator(".leaflet-popup-content").wait_for(timeout=3000)
    assert re.search(r"Residents per km\u00b2 \(Census 2011\)\s*\d{1,3}(,\d{3})*", page.page.locator(
        ".leaflet-popup-content").inner_text())
    page.clean()
    page.page.close()


