"""Taking a map away: the copied link reopens the view offline, the SVG/PNG download carries the title, the
legend and every drawn path, and the CSV download defuses exactly as the project's CSV writer (io/text.py).

The small atlas (tests/small_atlas.py) serves every property; one page load per page (module fixtures). The
search for towns and neighbourhoods ("Dunstable") on the real atlas page is test_maps's (its written pages).
"""

from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from commissioning_atlas import maps
from commissioning_atlas.io.text import defuse, rows_csv
from commissioning_atlas.maps.places import _phrases

SVG = "{http://www.w3.org/2000/svg}"
#: Cells a spreadsheet would run, and look-alikes it would not: the JS and Python rules must agree on each.
HOSTILE_CELLS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "x\r=cmd", " =1",
                 "  -x", "-1.5", "+2", "-inf", "-Infinity", "-nan", "+1_000", "-1__0", "-1e5", "-.5e-3", "-1.",
                 "-\u0661\u0662", "-1\u00a0", " -1 ", "-\u0031\u2009", "-", "=", "", "plain", "a=b", "'=x", "-x\r\n-y",
                 "\n-1", "\x1c-1", "-1\x1f", "-0x1F", "-1e", "-e5", "-_1", "-1_"]
#: Names given to two PCTs of the small atlas: a formula and a number-like name.
HOSTILE_NAMES = ["=HYPERLINK(\"http://x\",\"a, b\")", "-1.5"]


def test_phrases_take_the_place_out_of_a_neighbourhood_name():
    assert _phrases("Dunstable East") == ["Dunstable"]
    assert _phrases("North Lancing") == ["Lancing"]
    assert _phrases("Shoreham Central & Beach") == ["Shoreham", "Beach"]
    assert _phrases("Boltons, Warnell and Sebergham") == ["Boltons", "Warnell", "Sebergham"]
    assert _phrases("Town Centre") == []


# ------------------------------------------------------------------------------------------------ small pages
@pytest.fixture(scope="module")
def small_pages(tmp_path_factory):
    from small_atlas import small_atlas

    atlas = small_atlas()
    pct = atlas.layer("pct_2011").sort_values("code").copy()
    pct.loc[pct.index[0], "name"] = HOSTILE_NAMES[0]
    pct.loc[pct.index[1], "name"] = HOSTILE_NAMES[1]
    atlas = atlas.with_layer("pct_2011", pct)
    out = tmp_path_factory.mktemp("takeaway")
    styles = [s._replace(show=True) for s in maps.atlas_layers() if s.id in ("sha_2011", "pct_2011")]
    page = maps.atlas_map(atlas, out / "small.html", "Small <atlas> & its PCTs", declarations=styles)
    return {"atlas": atlas, "file": page, "data": maps.read_page_data(page)}


@pytest.fixture(scope="module")
def small(browser, small_pages):
    ctx = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True, offline=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(small_pages["file"].as_uri())
    page.wait_for_selector("html[data-ca-ready]")
    page.click(".ca-take-sum")
    yield {"page": page, "ctx": ctx, "errors": errors, **small_pages}
    ctx.close()


def _download(page, button: str, path: Path) -> Path:
    with page.expect_download() as got:
        page.click(f"text={button}")
    got.value.save_as(path)
    return path


@pytest.mark.browser
def test_js_defuse_matches_the_python_writer(small):
    """The browser's rule and io/text.py's give the same cell for every hostile string, and the same CSV text
    for a table of them with numbers (-1.5 stays a number, 1e-05 and 1e+16 as Python writes them)."""
    page = small["page"]
    got = page.evaluate("cells => cells.map(c => window.commissioningAtlas.defuse(c))", HOSTILE_CELLS)
    assert got == [defuse(c) for c in HOSTILE_CELLS]
    assert got[HOSTILE_CELLS.index("-1.5")] == "-1.5" and got[0].startswith("'=")
    rows = [[c, n] for c, n in zip(HOSTILE_CELLS, [-1.5, 2, 0.25, 1e-05, 1e16, 123456789, None, -0.001] * 5)]
    js = page.evaluate("([h, r]) => window.commissioningAtlas.csv(h, r)", [["=name", "value"], rows])
    assert js == rows_csv(["=name", "value"], rows)
    assert not small["errors"]


@pytest.mark.browser
def test_csv_download_defuses_a_hostile_name_as_the_python_writer(small, tmp_path):
    """"Download data" of the shown layer (the PCTs, coloured) is rows_csv over the page's features: code,
    name, then each popup row, figures as numbers."""
    path = _download(small["page"], "Download data (CSV)", tmp_path / "pct.csv")
    layer = next(l for l in small["data"]["layers"] if l["id"] == "pct_2011")
    labels = list(dict.fromkeys(r[0] for f in layer["features"] for r in f["rows"]))

    def cell(v: str) -> str:  # a figure without its thousands separators, as the page shows it
        return v.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?", v) else v

    rows = [[code, f["name"], *[cell(dict(f["rows"]).get(k)) if k in dict(f["rows"]) else None for k in labels]]
            for code, f in zip(layer["codes"], layer["features"])]
    expected = rows_csv(["code", "name", *labels], rows)
    text = path.read_bytes().decode("utf-8")
    assert text == expected
    assert "'=HYPERLINK" in text and "\n" + layer["codes"][1] + ",-1.5," in text
    assert path.name == "pct.csv"


@pytest.mark.browser
def test_svg_download_has_title_legend_and_every_drawn_path(small, tmp_path):
    page = small["page"]
    path = _download(page, "Download view (SVG)", tmp_path / "view.svg")
    root = ET.parse(path).getroot()  # parses as XML
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "Small <atlas> & its PCTs" in texts  # the title, its text escaped in the file
    legend = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.ca-legend-body .ca-row span:last-child, .ca-legend-body h3, .ca-bar-label')).map(x => x.textContent)""")
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ca-x-legend")
    drawn_legend = " ".join(t.text or "" for t in group.iter(f"{SVG}text"))  # wrapped lines joined again
    assert legend and all(s in drawn_legend for s in legend), (legend, drawn_legend)
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('.leaflet-overlay-pane svg path'))
        .filter(p => getComputedStyle(p).display !== 'none').map(p => p.getAttribute('d'))""")
    shapes = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ca-x-paths")
    assert [p.get("d") for p in shapes.iter(f"{SVG}path")] == drawn  # every drawn path, in drawing order
    assert len(drawn) >= 10  # the land, 2 SHAs, 7 PCTs and their outlines
    labels = small["page"].evaluate("() => window.commissioningAtlas.labels()")
    on_map = " ".join(t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == "ca-x-label")
    assert labels and all(l in on_map for l in labels), (labels, on_map)  # each label, its lines joined
    assert any("Open Government Licence" in t for t in texts)  # the attribution


@pytest.mark.browser
def test_png_download_is_the_view_drawn_at_twice_the_size(small, tmp_path):
    page = small["page"]
    svg = page.evaluate("() => { const v = window.commissioningAtlas.view(); return [v.width, v.height]; }")
    path = _download(page, "Download view (PNG)", tmp_path / "view.png")
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (2 * svg[0], 2 * svg[1])
    pil = pytest.importorskip("PIL.Image")
    img = pil.open(io.BytesIO(path.read_bytes())).convert("RGB").resize((60, 40))
    assert len(set(img.tobytes()[i:i + 3] for i in range(0, 60 * 40 * 3, 3))) > 8  # drawn, not blank


@pytest.mark.browser
def test_copied_link_reopens_the_same_view_offline(small, browser):
    page = small["page"]
    page.fill("#ca-search-input", "PCT 3")
    page.keyboard.press("Enter")
    page.evaluate("""() => { const m = window.commissioningAtlas.map, c = m.getCenter();
        m.setView([c.lat + 0.004, c.lng - 0.006], 12.5, {animate: false}); }""")  # moved, inside the grid
    state = page.evaluate("() => window.commissioningAtlas.state()")
    assert "f=pct_2011" in state
    page.click("text=Copy link")
    page.wait_for_function("() => document.querySelector('.ca-take-note').textContent !== ''")
    link = page.input_value(".ca-take-field")
    assert link.endswith("#" + state) and link.startswith("file://")
    other = browser.new_context(viewport={"width": 1200, "height": 800}, offline=True)
    again = other.new_page()
    again.goto(link)
    again.wait_for_selector("html[data-ca-ready]")
    assert again.evaluate("() => window.commissioningAtlas.state()") == state
    assert again.inner_text(".leaflet-popup-content h2") == "PCT 3"
    other.close()


@pytest.mark.browser
def test_copy_link_falls_back_to_a_selected_field(small):
    """Where the Clipboard API refuses, the link waits in a selected field and the note says how to copy."""
    page = small["page"]
    page.evaluate("""() => { Object.defineProperty(navigator, 'clipboard', {configurable: true, value:
        {writeText: () => Promise.reject(new Error('denied'))}}); document.execCommand = () => false; }""")
    page.click("text=Copy link")
    page.wait_for_function("() => /Ctrl\\+C/.test(document.querySelector('.ca-take-note').textContent)")
    sel = page.evaluate("""() => { const f = document.querySelector('.ca-take-field');
        return [document.activeElement === f, f.selectionStart, f.selectionEnd, f.value.length]; }""")
    assert sel[0] and sel[1] == 0 and sel[2] == sel[3] > 0
