"""The timeline page: every era 2011-2027 on one shared-arc page, its figures, what moved, and the page in Chromium.

The page is written once per module (packed, plain and a second packed copy) and reused; browser tests drive
Debian's Chromium through the launch helpers of ``test_maps`` (never ``playwright install``).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from shapely.strtree import STRtree
from test_maps import Page, page_text
from test_maps_finding import RAW

from commissioning_atlas import maps
from commissioning_atlas.checks.rules import check_changes
from commissioning_atlas.maps import era_pairs, timeline
from commissioning_atlas.maps.labels import label_text
from commissioning_atlas.over_time import coterminosity_over_time

pytestmark = pytest.mark.integration

BUDGET = 600_000
HOSTILE = "<img src=x onerror=alert(1)>"


def hostile_atlas(atlas):
    """The atlas with its first 2027 body (by code) named in hostile text, and that body's code."""
    layer = atlas.layer("icb_merger_2027").copy()
    first = layer.sort_values("code").index[0]
    layer.loc[first, "name"] = HOSTILE
    return atlas.with_layer("icb_merger_2027", layer), str(layer.loc[first, "code"])


@pytest.fixture(scope="module")
def pages(atlas, england_timeline, tmp_path_factory):
    """The packed page (the session's, conftest.py), and a plain one (``pack=False``) of the atlas whose first
    2027 body has a hostile name (one page serves the plain-data and the hostile-name tests). That the same
    atlas gives the same bytes twice is test_build's (build's and map's ``timeline.html`` byte for byte)."""
    bad, code = hostile_atlas(atlas)
    plain = timeline.timeline_map(bad, tmp_path_factory.mktemp("timeline") / "plain.html", index="index.html",
                                  pack=False)
    return {"packed": england_timeline, "plain": plain, "hostile_code": code,
            "data": maps.read_page_data(england_timeline)}


# ------------------------------------------------------------------------------------------------ no browser
def test_page_is_small_and_self_contained(pages):
    assert pages["packed"].stat().st_size <= BUDGET
    text = page_text(pages["packed"])
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", pages["packed"].read_text("utf-8"), re.IGNORECASE)
    assert "tile.openstreetmap" not in text and "sourceMappingURL" not in text
    assert "Open Government Licence v3.0" in text


def test_plain_page_carries_the_same_data(pages):
    """The plain page carries the packed page's data: the same but for the renamed body's name and short form."""
    plain = maps.read_page_data(pages["plain"])
    packed = pages["data"]
    renamed = [(i, f) for i, f in enumerate(plain["layers"]["icb_merger_2027"]["features"]) if f["name"] == HOSTILE]
    assert [f["code"] for _, f in renamed] == [pages["hostile_code"]]
    i, feature = renamed[0]
    was = packed["layers"]["icb_merger_2027"]["features"][i]
    assert feature["code"] == was["code"] and was["name"] != HOSTILE
    feature.update(name=was["name"], t=was["t"])
    assert plain == packed


def test_every_era_from_2011_to_2027_in_order(pages, atlas):
    eras = pages["data"]["eras"]
    layers = [e["layer"] for e in eras]
    assert layers[0] == "pct_2011" and layers[-1] == "icb_merger_2027"
    for lid in ("css_2012", "ccg_2013", "ccg_2015", "ccg_2021", "icb_2022", "icb_cluster_2025", "icb_2026"):
        assert lid in layers
    assert "pct_cluster_2011" in eras[0]["lines"] and "csu_2013" in eras[layers.index("ccg_2013")]["lines"]
    assert any(l.startswith("stp_") for e in eras for l in e["lines"])
    assert [e["key"] for e in eras] == sorted(e["key"] for e in eras)


def test_era_figures_match_the_layers_and_the_over_time_table(pages, atlas):
    table = coterminosity_over_time(atlas).set_index("layer")
    for era in pages["data"]["eras"]:
        layer = atlas.layer(era["layer"])
        assert era["bodies"] == len(layer) == len(pages["data"]["layers"][era["layer"]]["features"])
        assert era["median"] == int(np.median(layer["population"]))
        assert era["basis"] in era["median_text"]
        if era["layer"] in table.index:
            assert era["coterminous"] == pytest.approx(table.loc[era["layer"], "share_coterminous"])
            councils = table.loc[era["layer"], "councils"]  # named by title and vintage, not by layer id
            assert era["councils"].startswith(atlas.info(councils)["title"]) and councils not in era["councils"]
            assert str(atlas.info(councils)["vintage"]) in era["councils"]
    chart = pages["data"]["chart"]
    assert [r["layer"] for r in chart] == list(table.index)
    assert [r["bodies"] for r in chart] == list(table["bodies"])


def _moved(data, key):
    era = next(e for e in data["eras"] if e["key"] == key)
    return era, " | ".join(f"{r['from']} -> {r['to']}" for r in era["changes"]["parts"])


def test_what_moved_in_2022_and_2026(pages):
    data = pages["data"]
    era, text = _moved(data, "2022")
    assert (era["changes"]["new"], era["changes"]["old"]) == ("sicbl_2022", "ccg_2021")
    for place in ("Glossop", "Bassetlaw", "West Birmingham"):
        assert place in text
    # every listed part is drawn, from the page's shared arcs
    assert len(data["geometry"][era["changes"]["geometry"]]) == len(era["changes"]["parts"])
    assert all(len(g) for g in data["geometry"][era["changes"]["geometry"]])
    era, text = _moved(data, "2026")
    assert (era["changes"]["new"], era["changes"]["old"]) == ("icb_2026", "icb_2023")
    assert "Frimley" in text
    first = data["eras"][0]
    assert first["changes"] is None
    for era in data["eras"][1:]:  # every moved part is drawn; the panel lists the largest
        c = era["changes"]
        assert len(data["geometry"][c["geometry"]]) == len(c["parts"])
        assert c["more"] == max(0, len(c["parts"]) - timeline.LISTED)
    assert max(len(e["changes"]["parts"]) for e in data["eras"][1:]) > timeline.LISTED  # 2013: 18 parts


def test_eras_share_one_topology(pages):
    """A boundary that did not change is stored once: CCGs of 2015 and 2016 use the same arcs, and the
    2022 ICBs' arcs are all the sub-ICB locations' arcs (every ICB edge is a sub-ICB edge)."""
    data = pages["data"]

    def arcs_of(key):
        return {r if r >= 0 else ~r for f in data["geometry"][key] for p in f for ring in p for r in ring}

    assert arcs_of("ccg_2015") == arcs_of("ccg_2016")
    assert arcs_of("icb_2022") <= arcs_of("sicbl_2022")
    used = set().union(*(arcs_of(k) for k in data["geometry"]))
    assert used == set(range(len(data["arcs"])))


def test_a_body_keeps_its_colour_and_neighbours_differ(pages):
    """Colours follow the code across eras (the same body is the same colour side by side), and no two
    touching bodies of an era share a colour."""
    data, seen, clashes = pages["data"], {}, {}
    for era in data["eras"]:
        feats = data["layers"][era["layer"]]["features"]
        for f in feats:
            assert seen.setdefault(f["code"], f["c"]) == f["c"], (era["key"], f["code"])
        g = np.asarray(maps.decode_page_geometry(data, era["layer"]), dtype=object)
        c = np.array([f["c"] for f in feats])
        i, j = STRtree(g).query(g, predicate="intersects")
        clashes[era["key"]] = int(((i < j) & (c[i] == c[j])).sum())
    shared = {f["code"] for f in data["layers"]["ccg_2013"]["features"]} & {
        f["code"] for f in data["layers"]["ccg_2021"]["features"]}
    assert len(shared) > 50  # CCGs that lasted 2013-2021: the property is not empty
    assert clashes == dict.fromkeys(clashes, 0)


def test_filled_bodies_carry_labels_and_short_forms(pages):
    data = pages["data"]
    for era in data["eras"]:
        for f in data["layers"][era["layer"]]["features"]:
            assert f["t"] == label_text(f["name"]) and not RAW.search(f["t"])
            assert "ts" not in f or len(f["ts"]) < len(f["t"])
    icb = {f["code"]: f for f in data["layers"]["icb_2026"]["features"]}
    assert any(f.get("ts") == "Shropshire, T&W" for f in icb.values())


def test_every_pair_of_eras_says_what_differs(pages, atlas):
    data = pages["data"]
    keys = [e["key"] for e in data["eras"]]
    assert set(data["pairs"]) == {era_pairs.pair_key(a, b) for n, a in enumerate(keys) for b in keys[n + 1:]}
    layer = {e["key"]: e["layer"] for e in data["eras"]}
    for pair, fig in data["pairs"].items():
        old, new = pair.split("|")
        n_old = len(atlas.layer(layer[old]))
        # each old body is counted at most once as merged, split, recoded or kept
        assert fig["merged"] + fig["recoded"] + fig["kept"] <= n_old and fig["split"] <= n_old
        assert fig["text"].startswith(f"From {old} to {new}, {n_old} ") and not RAW.search(fig["text"])
        assert (fig["moved"] == 0) == (fig["people"] == 0)
        if fig["moved"]:
            assert f"{fig['people']:,} residents ({fig['basis']})" in fig["text"]
    # CCGs of 2015 and 2016 are the same bodies: nothing moved and every one kept its code and area
    same = data["pairs"]["2015|2016"]
    assert same["kept"] == len(atlas.layer("ccg_2016")) and same["moved"] == same["merged"] == 0
    # 2023: north Chichester (4 LSOAs) from Surrey Heartlands to Sussex, the one part that moved
    f = check_changes(atlas, "icb_2023", "icb_2022", geometry=False)
    moved = f[f["class"] == "moved"]
    chichester = data["pairs"]["2022|2023"]
    assert chichester["moved"] == len(moved) == 1 and chichester["people"] == int(moved["population"].iloc[0])
    assert "Sussex" in str(moved["subject_name"].iloc[0]) and chichester["basis"] == "Census 2021"


def test_index_lists_the_timeline(pages, tmp_path):
    entry = timeline.index_entry(pages["packed"])
    path = maps.write_index([entry], tmp_path / "index.html")
    text = path.read_text("utf-8")
    assert 'href="timeline.html"' in text and "<svg" in text and "Timeline: fifteen years in one view" in text


# ------------------------------------------------------------------------------------------------ browser
@pytest.fixture(scope="module")
def opened(browser, pages):
    p = Page(browser, pages["packed"])
    yield p
    p.page.close()


def _era(p, which="#map"):
    return p.page.get_attribute(which, "data-era"), p.page.locator(f"{which} path.tl-f").count()


@pytest.mark.browser
def test_era_control_changes_the_drawn_layer_and_its_count(opened, pages):
    p, eras = opened, pages["data"]["eras"]
    p.page.locator("body").press("Home")
    assert _era(p) == (eras[0]["key"], eras[0]["bodies"])
    assert p.page.inner_text("#tl-count").startswith(f"{eras[0]['bodies']} ")
    p.page.keyboard.press("ArrowRight")
    assert _era(p) == (eras[1]["key"], eras[1]["bodies"])
    assert p.page.inner_text("#tl-count").startswith(f"{eras[1]['bodies']} ")
    # the slider: set it as a user would (input event) to the 2022 era
    i = next(n for n, e in enumerate(eras) if e["key"] == "2022")
    p.page.eval_on_selector("#tl-slider", "(s, v) => { s.value = v; s.dispatchEvent(new Event('input')); }", str(i))
    assert _era(p) == ("2022", eras[i]["bodies"])
    panel = p.page.inner_text("#tl-changes")
    for place in ("Glossop", "Bassetlaw", "West Birmingham"):
        assert place in panel
    assert p.page.locator("#map path.tl-moved").count() == len(eras[i]["changes"]["parts"])
    assert p.page.inner_text("#tl-coterminous") == eras[i]["coterminous_text"]
    p.page.keyboard.press("End")
    assert _era(p) == (eras[-1]["key"], eras[-1]["bodies"])
    p.page.keyboard.press("ArrowLeft")
    assert _era(p) == (eras[-2]["key"], eras[-2]["bodies"])
    assert "Frimley" in p.page.inner_text("#tl-changes")
    p.screenshot("timeline-2026")
    p.clean()


def _linked_view(p, not_before=None, timeout_ms=10_000):
    """Wait until both maps show the same view (centres within a pixel, same zoom); return it."""
    for _ in range(timeout_ms // 100):
        a, b = (p.page.get_attribute(k, "data-view") for k in ("#map", "#map2"))
        if a and b:
            va, vb = [float(x) for x in a.split(",")], [float(x) for x in b.split(",")]
            pixel = 360 / (256 * 2 ** va[2])  # degrees of longitude per pixel at this zoom
            same = va[2] == vb[2] and abs(va[0] - vb[0]) < pixel and abs(va[1] - vb[1]) < pixel
            if same and (not_before is None or va != list(not_before)):
                return va
        p.page.wait_for_timeout(100)
    raise AssertionError(f"the two maps do not show the same view: {a} and {b}")


@pytest.mark.browser
def test_side_by_side_shows_two_eras_with_linked_pan_and_zoom(opened, pages):
    p, eras = opened, pages["data"]["eras"]
    p.page.locator("body").press("Home")
    assert p.page.locator("#map2").is_hidden()
    p.page.check("#tl-compare")
    p.page.select_option("#tl-other", str(len(eras) - 1))
    assert p.page.locator("#map2").is_visible()
    assert _era(p) == (eras[0]["key"], eras[0]["bodies"])
    assert _era(p, "#map2") == (eras[-1]["key"], eras[-1]["bodies"])
    start = _linked_view(p)
    p.page.click("#map .leaflet-control-zoom-in")  # zoom the left map: the right one follows
    view = _linked_view(p, not_before=start)
    assert view[2] == start[2] + 1
    box = p.page.locator("#map2").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    p.page.mouse.move(x, y)
    p.page.mouse.down()
    p.page.mouse.move(x + 120, y + 60, steps=5)  # pan the right map: the left one follows
    p.page.mouse.up()
    moved = _linked_view(p, not_before=view)
    assert moved[2] == view[2] and moved[1] < view[1] - 0.1
    p.screenshot("timeline-side-by-side")
    p.page.uncheck("#tl-compare")
    assert p.page.locator("#map2").is_hidden()
    p.clean()


@pytest.mark.browser
def test_the_address_keeps_the_eras(browser, pages):  # noqa: F811
    uri = pages["packed"].as_uri()
    fresh = browser.new_page(viewport={"width": 1200, "height": 900})
    fresh.goto(uri + "#era=2022&beside=2021")  # a copied link opens what it showed
    fresh.wait_for_selector("html[data-ca-ready]", state="attached")
    assert fresh.get_attribute("#map", "data-era") == "2022" and fresh.get_attribute("#map2", "data-era") == "2021"
    assert fresh.is_checked("#tl-compare")
    fresh.close()
    p = Page(browser, pages["packed"])
    assert p.page.evaluate("location.hash") == "#era=2011"
    p.page.keyboard.press("ArrowRight")
    assert p.page.evaluate("location.hash") == "#era=2012"
    p.page.evaluate("location.hash = '#era=2026'")  # edited by hand
    p.page.wait_for_function("document.querySelector('#map').dataset.era === '2026'")
    p.clean()
    p.page.close()


@pytest.mark.browser
def test_hostile_names_render_as_text(browser, pages):  # noqa: F811
    """A 2027 body named in hostile text: the plain page's data block escapes it, the tooltip shows it as text."""
    path = pages["plain"]
    assert HOSTILE not in path.read_text("utf-8")  # plain: the data are in the page's text, escaped
    p = Page(browser, path)
    p.page.locator("body").press("End")
    assert p.page.locator("img").count() == 0
    features = maps.read_page_data(path)["layers"]["icb_merger_2027"]["features"]
    n = next(i for i, f in enumerate(features) if f["name"] == HOSTILE)
    p.page.locator("#map path.tl-f").nth(n).dispatch_event("mouseover")
    p.page.wait_for_selector(".tl-tip")
    assert HOSTILE in p.page.inner_text(".leaflet-tooltip")
    assert p.page.locator("img").count() == 0
    p.clean()
    p.page.close()


@pytest.mark.browser
def test_no_shape_is_a_tab_stop_and_the_focused_map_pans(browser, pages):  # noqa: F811
    p = Page(browser, pages["packed"])
    for key in ("Home", "End"):  # the first era and the last: no path takes the focus
        p.page.locator("body").press(key)
        assert p.page.evaluate("document.querySelectorAll('#map path[tabindex]:not([tabindex=\"-1\"])').length") == 0
    era = p.page.get_attribute("#map", "data-era")
    p.page.focus("#map")
    before = p.page.evaluate("document.querySelector('#map .leaflet-map-pane').style.transform")
    p.page.keyboard.press("ArrowRight")
    p.page.wait_for_timeout(400)
    after = p.page.evaluate("document.querySelector('#map .leaflet-map-pane').style.transform")
    assert p.page.get_attribute("#map", "data-era") == era  # the era stays...
    assert after != before  # ...and the map pans
    p.clean()
    p.page.close()


@pytest.mark.browser
@pytest.mark.parametrize("hash_", ["#era=%", "#era=%E0%A4%A", "#era=2022%", "#era=1e308&beside=%", "#%&era=2022"])
def test_a_malformed_address_still_draws_every_shape(browser, watched, pages, hash_):  # noqa: F811
    """A malformed escape or an absurd era in the address opens an era whole (every body drawn), no script
    error, and the address follows the era control again."""
    eras = {e["key"]: e for e in pages["data"]["eras"]}
    page = watched(pages["packed"].as_uri() + hash_)
    era = page.get_attribute("#map", "data-era")
    assert era in eras, era
    assert page.locator("#map path.tl-f").count() == eras[era]["bodies"]
    page.locator("body").press("End")
    last = pages["data"]["eras"][-1]
    assert page.get_attribute("#map", "data-era") == last["key"]
    assert page.locator("#map path.tl-f").count() == last["bodies"]
    assert page.evaluate("location.hash") == f"#era={last['key']}"
    assert page.errors == []


@pytest.mark.browser
def test_moved_part_tooltip_dates_both_bodies_and_gives_the_whole(opened, pages):
    eras = pages["data"]["eras"]
    i = next(n for n, e in enumerate(eras) if e["key"] == "2022")
    p = opened
    p.page.eval_on_selector("#tl-slider", "(s, v) => { s.value = v; s.dispatchEvent(new Event('input')); }", str(i))
    p.page.locator("#map path.tl-moved").first.dispatch_event("mouseover")
    p.page.wait_for_selector(".tl-tip")
    tip = p.page.inner_text(".leaflet-tooltip")
    row = eras[i]["changes"]["parts"][0]
    assert row["from"] in tip and row["to"] in tip
    assert re.search(r"Moved: .+ \((April|July) 20\d\d\)", tip) and re.search(r"to .+ \(July 2022\):", tip), tip
    assert f"of the whole body's {row['whole']} residents" in tip and row["whole"], tip
    p.page.mouse.move(1, 1)


# ------------------------------------------------------------------------------------------------ issue 24, point 9
def _go(p, key):
    """Open an era from the address, one map, England whole (the shared page, whatever a test left)."""
    p.page.evaluate("k => { location.hash = '#era=' + k; }", key)
    p.page.wait_for_function("k => document.querySelector('#map').dataset.era === k", arg=key)
    if p.page.is_checked("#tl-compare"):
        p.page.uncheck("#tl-compare")
    p.page.evaluate("() => { const m = window.caTimeline.maps()[0]; m.fitBounds(window.caTimeline.bounds, {animate: false}); }")


@pytest.mark.browser
def test_the_slider_ticks_carry_their_years(opened, pages):
    p, eras = opened, pages["data"]["eras"]
    _go(p, eras[0]["key"])
    marks = p.page.evaluate("""() => { const s = document.querySelector('#tl-slider').getBoundingClientRect();
      return {s: [s.left, s.right], y: [...document.querySelectorAll('.tl-year')].map(e => {
        const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.right, r.width > 0, e.dataset.era]; })}; }""")
    assert [m[4] for m in marks["y"]] == [e["key"] for e in eras]
    for (text, left, right, shown, key) in marks["y"]:
        assert shown and text in (key, "\u2019" + key[2:])
        assert marks["s"][0] - 1 <= (left + right) / 2 <= marks["s"][1] + 1
    for a, b in zip(marks["y"], marks["y"][1:]):  # in order, none over its neighbour
        assert a[2] <= b[1] + 0.5
    p.page.click(".tl-year[data-era='2022']")
    assert p.page.get_attribute("#map", "data-era") == "2022" and p.page.input_value("#tl-slider") == str(
        [e["key"] for e in eras].index("2022"))
    p.clean()


@pytest.mark.browser
def test_legend_labels_and_scale_bar(opened, pages):
    p, data = opened, pages["data"]
    for era in (data["eras"][2], data["eras"][-2]):  # 2013 (lines and moved parts) and 2026
        _go(p, era["key"])
        legend = p.page.inner_text("#map .tl-legend")
        layer = data["layers"][era["layer"]]
        assert f"{era['bodies']} " in legend and layer["vintage"] in legend and "left their body" in legend
        for lid in era["lines"]:
            assert data["layers"][lid]["title"] in legend
        assert not RAW.search(legend), RAW.search(legend).group(0)
        panel = p.page.inner_text(".tl-panel")
        assert not RAW.search(panel), RAW.search(panel).group(0)
        assert p.page.locator("#map .leaflet-control-scale-line").first.is_visible()
        labels = p.page.evaluate("""() => [...document.querySelectorAll('#map .tl-label')].map(e => {
          const r = e.getBoundingClientRect(); return [e.dataset.code, e.textContent, r.left, r.top, r.right, r.bottom]; })""")
        codes = {f["code"]: f for f in layer["features"]}
        assert labels, era["key"]
        for code, text, *_box in labels:  # each a body of the era shown, by its name or its short form
            f = codes[code]
            assert text in (f["t"].replace("\n", ""), f.get("ts"))
        for n, a in enumerate(labels):  # no two overlap
            for b in labels[n + 1:]:
                assert a[4] <= b[2] or b[4] <= a[2] or a[5] <= b[3] or b[5] <= a[3], (a, b)
    assert "Devon" in [t for _, t, *_ in labels]  # 2026: the large bodies are named at the opening view
    p.clean()


def _view(p, n=0):
    return p.page.evaluate("""n => { const m = window.caTimeline.maps()[n], b = m.getBounds();
      return {z: m.getZoom(), b: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]}; }""", n)


@pytest.mark.browser
def test_a_moved_part_in_the_list_zooms_the_map_to_it(opened, pages):
    p, data = opened, pages["data"]
    era = next(e for e in data["eras"] if e["key"] == "2022")
    _go(p, "2022")
    start = _view(p)
    parts = maps.decode_page_geometry(data, era["changes"]["geometry"])
    for n, how in ((0, "click"), (1, "keyboard")):
        button = p.page.locator(f"#tl-changes button.tl-part[data-part='{n}']")
        assert era["changes"]["parts"][n]["from"] in button.inner_text()
        if how == "click":
            button.click()
        else:  # keyboard: Tab reaches the button, Enter presses it
            button.focus()
            p.page.keyboard.press("Enter")
        view = _view(p)
        x0, y0, x1, y1 = parts[n].bounds
        s, w, nn, e = view["b"]
        assert view["z"] > start["z"] + 1, (n, view)
        assert s <= y0 and w <= x0 and nn >= y1 and e >= x1  # the whole part is in view
        assert p.page.locator(".leaflet-tooltip").count() >= 1  # and named
    p.clean()


@pytest.mark.browser
def test_side_by_side_fits_both_halves_and_says_what_differs(opened, pages):
    p, data = opened, pages["data"]
    keys = [e["key"] for e in data["eras"]]
    _go(p, "2022")
    p.page.check("#tl-compare")
    p.page.select_option("#tl-other", str(keys.index("2023")))
    p.page.wait_for_function("() => window.caTimeline.maps()[1] && document.querySelector('#map2').dataset.era === '2023'")
    p.page.wait_for_timeout(300)
    assert p.page.evaluate("() => window.caTimeline.maps().map(m => window.caTimeline.england(m))") == [True, True]
    assert p.page.evaluate("() => document.querySelector('#map').getBoundingClientRect().width") < 700  # a half
    fills = p.page.evaluate("""() => ['#map', '#map2'].map(s => Object.fromEntries([...document.querySelectorAll(
      s + ' path.tl-f')].map(e => [e.dataset.code, e.getAttribute('fill')])))""")
    shared = set(fills[0]) & set(fills[1])
    assert len(shared) >= 40 and all(fills[0][c] == fills[1][c] for c in shared)
    assert p.page.inner_text("#tl-diff") == data["pairs"]["2022|2023"]["text"]
    for suffix, key in (("", "2022"), ("-2", "2023")):  # both eras described
        era = data["eras"][keys.index(key)]
        assert p.page.inner_text(f"#tl-count{suffix}").startswith(f"{era['bodies']} ")
        assert p.page.inner_text(f"#tl-coterminous{suffix}") == era["coterminous_text"]
    # the right era older than the left: the same sentence, in date order
    p.page.select_option("#tl-other", str(keys.index("2011")))
    assert p.page.inner_text("#tl-diff") == data["pairs"]["2011|2022"]["text"]
    p.screenshot("timeline-side-by-side-2022-2011")
    p.page.uncheck("#tl-compare")
    p.page.wait_for_timeout(300)
    assert p.page.evaluate("() => window.caTimeline.england(window.caTimeline.maps()[0])")
    p.clean()


@pytest.mark.browser
def test_the_link_restores_eras_zoom_and_centre(browser, opened, pages):
    p = opened
    _go(p, "2026")
    p.page.check("#tl-compare")
    p.page.select_option("#tl-other", "0")
    p.page.evaluate("() => { window.caTimeline.maps()[0].setView([51.45, -0.1], 9.25, {animate: false}); }")
    link = p.page.evaluate("location.href")
    assert "era=2026" in link and "beside=2011" in link and "z=9.25" in link
    lat, lng = map(float, re.search(r"c=([-\d.]+),([-\d.]+)", link).groups())
    assert abs(lat - 51.45) < 1e-3 and abs(lng + 0.1) < 1e-3
    fresh = browser.new_page(viewport={"width": 1200, "height": 900})
    fresh.goto(link)
    fresh.wait_for_selector("html[data-ca-ready]", state="attached")
    fresh.wait_for_timeout(300)
    assert fresh.get_attribute("#map", "data-era") == "2026" and fresh.get_attribute("#map2", "data-era") == "2011"
    views = fresh.evaluate("() => window.caTimeline.maps().map(m => [m.getZoom(), m.getCenter().lat, m.getCenter().lng])")
    for z, lat, lng in views:
        assert z == 9.25 and abs(lat - 51.45) < 1e-3 and abs(lng + 0.1) < 1e-3
    fresh.close()
    p.page.uncheck("#tl-compare")
    p.clean()


@pytest.mark.browser
def test_print_shows_england_whole_with_legend_and_description(browser, pages):
    data = pages["data"]
    for hash_ in ("#era=2026", "#era=2011&beside=2026"):
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(pages["packed"].as_uri() + hash_)
        page.wait_for_selector("html[data-ca-ready]", state="attached")
        page.emulate_media(media="print")
        page.wait_for_timeout(300)
        spans = page.evaluate("""() => window.caTimeline.maps().filter(m => m).map(m => {
          const t = window.caTimeline, a = m.latLngToContainerPoint(t.bounds[0]), b = m.latLngToContainerPoint(t.bounds[1]);
          const box = m.getContainer().getBoundingClientRect();
          return [Math.abs(b.x - a.x) / box.width, Math.abs(b.y - a.y) / box.height, t.england(m)]; })""")
        assert len(spans) == (2 if "beside" in hash_ else 1)
        for w, h, whole in spans:
            assert whole and max(w, h) >= 0.8, spans
        shown = page.evaluate("""() => [...document.querySelectorAll(
          '.leaflet-control-zoom, .tl-control, .tl-print-legend, .tl-figures, .tl-label')]
          .filter(e => e.getBoundingClientRect().width > 0).map(e => e.className.split(' ')[0])""")
        assert "leaflet-control-zoom" not in shown and "tl-control" not in shown
        assert "tl-print-legend" in shown and "tl-figures" in shown and "tl-label" in shown
        legend = page.inner_text(".tl-print-legend")
        assert "integrated care boards (1 April 2026)" in legend and not RAW.search(legend)
        pdf = page.pdf(format="A4", landscape=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        page.close()
    assert data["eras"][-2]["key"] == "2026"
