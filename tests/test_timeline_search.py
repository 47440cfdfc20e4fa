"""The timeline's search (the atlas's search.js and places.js) and its downloaded view (the atlas's legend
reader in takeaway.js), on the timeline page of the England build.

The timeline carries every neighbourhood (MSOA) by its own name, not only the places the atlas carries: a
name that only one neighbourhood has is found there. Its download's legend is the one on screen, the
"Name" sample lettered in the swatches' column, clear of its words.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import shapely
from pyproj import Transformer

from commissioning_atlas import maps, settings
from commissioning_atlas.maps.places import page_places
from commissioning_atlas.sources.readers import read_table

pytestmark = pytest.mark.integration
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def page(england_timeline):
    """The session's timeline page of England (conftest.py; test_timeline reads the same page)."""
    return {"path": england_timeline, "data": maps.read_page_data(england_timeline)}


@pytest.fixture(scope="module")
def opened(browser, page):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, offline=True, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(page["path"].as_uri() + "#era=2022")
    pg.wait_for_selector("html[data-ca-ready]", timeout=60_000)
    yield pg, errors
    ctx.close()


def _hoods(data: dict) -> list[tuple[str, str]]:
    """The page's neighbourhoods as (name, district), decoded from their columns."""
    n = data["places"]["neighbourhoods"]
    districts = [d for d, k in zip(n["districts"], n["per"]) for _ in range(k)]
    return list(zip(n["names"].split("|"), districts))


def _body_at(atlas, layer_id: str, lon: float, lat: float) -> str:
    """The name of the layer's feature holding a point given in degrees."""
    x, y = Transformer.from_crs(settings.WEB_CRS, atlas.layer(layer_id).crs, always_xy=True).transform(lon, lat)
    layer = atlas.layer(layer_id)
    hit = shapely.contains_xy(layer.geometry.to_numpy(), x, y)
    return str(layer["name"][hit].iloc[0])


def _era(pg, key: str) -> None:
    """Show one era alone (the tests share one page)."""
    pg.evaluate("k => { if (document.querySelector('#tl-compare').checked) { document.querySelector('#tl-compare').click(); }"
                " location.hash = '#era=' + k; }", key)
    pg.wait_for_function("k => document.querySelector('#map').dataset.era === k", arg=key)


def _popup(pg) -> str:
    """The open place popup's text (a closed one fades out for a moment: the one left)."""
    pg.wait_for_function("() => document.querySelectorAll('.tl-place-popup').length === 1")
    return pg.inner_text(".tl-place-popup .leaflet-popup-content")


def _search(pg, text: str) -> list[str]:
    pg.fill("#tl-search-input", text)
    return pg.eval_on_selector_all(".tl-search li", "els => els.map(e => e.innerText)")


def test_the_page_carries_every_neighbourhood_within_its_budget(atlas, page):
    assert page["path"].stat().st_size <= 600_000
    names = read_table(atlas.ctx.path("msoa_names_2011"), required=["msoa11cd", "msoa11hclnm"])
    english = names[names["msoa11cd"].str.strip().str.startswith("E")]
    assert sorted(n for n, _d in _hoods(page["data"])) == sorted(english["msoa11hclnm"].str.strip())


@pytest.mark.browser
def test_a_single_neighbourhood_name_is_found_named_and_placed(atlas, page, opened):
    """A name only one neighbourhood has, and which names no place or town of the atlas: found, the map
    zooms to it, names it, and its popup says which body of the era shown holds its centre, dated."""
    pg, errors = opened
    _era(pg, "2022")
    hoods = _hoods(page["data"])
    count = {}
    for name, _d in hoods:
        count[name] = count.get(name, 0) + 1
    atlas_places = page_places(atlas, "places")
    known = {t[0] for t in atlas_places["towns"]} | set(atlas_places["places"]["names"].split("|"))
    name, district = next((n, d) for n, d in sorted(hoods) if count[n] == 1 and n not in known
                          and re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", n))
    found = _search(pg, name)
    assert found[0] == f"{name} \u2013 neighbourhood in {district}", found
    pg.keyboard.press("Enter")
    text = _popup(pg)
    assert text.startswith(f"{name}\nNeighbourhood (MSOA of 2011) in {district}"), text
    zoom, lat, lng = pg.evaluate("() => { const m = window.caTimeline.maps()[0], c = m.getCenter(); "
                                 "return [m.getZoom(), c.lat, c.lng]; }")
    assert zoom >= 11
    assert name in pg.evaluate("() => window.caTimeline.labels()")
    era = next(e for e in page["data"]["eras"] if e["key"] == "2022")
    layer = page["data"]["layers"][era["layer"]]
    body = _body_at(atlas, era["layer"], lng, lat)  # the map is centred on the neighbourhood
    assert f"2022: {layer['title']} ({layer['vintage']})\t{body} ({layer['vintage']})" in text, text
    assert "p=hood%3A" in pg.evaluate("() => location.hash")
    assert not errors


@pytest.mark.browser
def test_dunstable_finds_the_place_and_its_neighbourhoods_in_both_eras(page, opened, browser):
    """"Dunstable": the place named by its four neighbourhoods first, then the neighbourhoods; chosen, the
    popup lists what each era shown has there, and follows the eras (side by side: both); the link restores it."""
    pg, errors = opened
    _era(pg, "2022")
    found = _search(pg, "Dunstable")
    assert found[0] == "Dunstable \u2013 4 neighbourhoods in Central Bedfordshire", found
    assert {f"Dunstable {w} \u2013 neighbourhood in Central Bedfordshire" for w in ("East", "West")} <= set(found)
    pg.keyboard.press("Enter")
    text = _popup(pg)
    assert "2022: Integrated care boards (July 2022)\tNHS Bedfordshire, Luton and Milton Keynes Integrated Care " \
           "Board (July 2022)" in text, text
    pg.check("#tl-compare")
    pg.select_option("#tl-other", label=next(e["label"] for e in page["data"]["eras"] if e["key"] == "2011"))
    text = _popup(pg)
    assert "2022: Integrated care boards (July 2022)" in text and "\n2011: Primary care trusts (April 2011)\t" in text
    link = pg.evaluate("() => location.hash")
    fresh = browser.new_page(viewport={"width": 1440, "height": 900})
    fresh.goto(page["path"].as_uri() + link)
    fresh.wait_for_selector(".tl-place-popup .leaflet-popup-content", timeout=60_000)
    assert fresh.inner_text(".tl-place-popup .leaflet-popup-content h2") == "Dunstable"
    fresh.close()
    assert not errors


@pytest.mark.browser
def test_the_downloaded_view_carries_the_legend_shown(page, opened, tmp_path):
    """"Download view (SVG)": the legend read from the one on screen (the atlas's reader), screen-only words
    left out, the "Name" sample lettered as on the map in the swatches' column and clear of its words."""
    pg, _errors = opened
    _era(pg, "2026")
    pg.click(".ca-take-sum")
    with pg.expect_download() as got:
        pg.click("text=Download view (SVG)")
    got.value.save_as(tmp_path / "view.svg")
    root = ET.parse(tmp_path / "view.svg").getroot()
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ca-x-legend")
    drawn = " ".join(t.text or "" for t in legend.iter(f"{SVG}text"))
    shown = pg.evaluate("""() => Array.from(document.querySelectorAll('#map .tl-legend .ca-row')).map(r => {
        const c = r.cloneNode(true); c.querySelectorAll('.ca-screen, .ca-ref-sample').forEach(x => x.remove());
        return c.textContent; })""")
    assert len(shown) >= 3 and all(s in drawn for s in shown), (shown, drawn)
    assert "hover or tap" not in drawn and "2026" in drawn
    sample = next(t for t in legend.iter(f"{SVG}text") if t.get("class") == "ca-x-sample")
    assert sample.text == "Name" and sample.get("font-weight") == "600"
    words = next(t for t in legend.iter(f"{SVG}text") if (t.text or "").startswith("Bodies named where"))
    width = pg.evaluate("() => { const c = document.createElement('canvas').getContext('2d');"
                        "c.font = '600 11px system-ui,-apple-system,\\'Segoe UI\\',Arial,sans-serif';"
                        "return c.measureText('Name').width; }")
    assert float(words.get("x")) - float(sample.get("x")) >= width + 6  # a gap, not one space
    swatch_words = [t for t in legend.iter(f"{SVG}text") if t.get("class") != "ca-x-sample"]
    assert len({t.get("x") for t in swatch_words}) == 1  # every row's words in one column
