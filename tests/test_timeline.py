"""The timeline page: every era 2011-2027 on one shared-arc page, its figures, what moved, and the page in Chromium.

The page is written once per module (packed, plain and a second packed copy) and reused; browser tests drive
Debian's Chromium through the launch helpers of ``test_maps`` (never ``playwright install``).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_maps import Page, page_text

from commissioning_atlas import maps
from commissioning_atlas.maps import timeline
from commissioning_atlas.over_time import coterminosity_over_time

pytestmark = pytest.mark.integration

BUDGET = 600_000
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def pages(atlas, tmp_path_factory):
    out = tmp_path_factory.mktemp("timeline")
    packed = timeline.timeline_map(atlas, out / "timeline.html", index="index.html")
    again = timeline.timeline_map(atlas, out / "again.html", index="index.html")
    plain = timeline.timeline_map(atlas, out / "plain.html", index="index.html", pack=False)
    return {"dir": out, "packed": packed, "again": again, "plain": plain, "data": maps.read_page_data(packed)}


# ------------------------------------------------------------------------------------------------ no browser
def test_page_is_small_self_contained_and_reproducible(pages):
    assert pages["packed"].stat().st_size <= BUDGET
    assert pages["packed"].read_bytes() == pages["again"].read_bytes()
    text = page_text(pages["packed"])
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", pages["packed"].read_text("utf-8"), re.IGNORECASE)
    assert "tile.openstreetmap" not in text and "sourceMappingURL" not in text
    assert "Open Government Licence v3.0" in text


def test_plain_page_carries_the_same_data(pages):
    assert maps.read_page_data(pages["plain"]) == pages["data"]


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
def test_hostile_names_render_as_text(browser, atlas, tmp_path):  # noqa: F811
    layer = atlas.layer("icb_merger_2027").copy()
    layer.loc[layer.sort_values("code").index[0], "name"] = HOSTILE
    path = timeline.timeline_map(atlas.with_layer("icb_merger_2027", layer), tmp_path / "hostile.html")
    assert HOSTILE not in path.read_text("utf-8")
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
def test_a_malformed_address_still_draws_every_shape(browser, pages, hash_):  # noqa: F811
    """A malformed escape or an absurd era in the address opens an era whole (every body drawn), no script
    error, and the address follows the era control again."""
    eras = {e["key"]: e for e in pages["data"]["eras"]}
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(pages["packed"].as_uri() + hash_)
    page.wait_for_selector("html[data-ca-ready]", state="attached", timeout=15000)
    era = page.get_attribute("#map", "data-era")
    assert era in eras, era
    assert page.locator("#map path.tl-f").count() == eras[era]["bodies"]
    page.locator("body").press("End")
    last = pages["data"]["eras"][-1]
    assert page.get_attribute("#map", "data-era") == last["key"]
    assert page.locator("#map path.tl-f").count() == last["bodies"]
    assert page.evaluate("location.hash") == f"#era={last['key']}"
    assert errors == []
    page.close()


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
