"""The pages' own behaviour in Chromium, on the small atlas (tests/small_atlas.py): the address keeps the view,
keyboard and list view, the phone layout, contrast, colour-blind cues, old browsers.

What the browser code does does not depend on England: these pages are written once per module in seconds and
open at once, so the tier ``-m "browser and not integration"`` runs them without building England. The pages
of England (names, counts, figures of the README) are tested in test_maps.py.
"""

from __future__ import annotations

import pytest
from test_maps import ARTIFACTS, Page, _controls_over_popup, _data

from commissioning_atlas import maps

pytestmark = pytest.mark.browser

#: Text in the controls and the list view whose contrast with its background is under 4.5 (WCAG AA).
_CONTRAST_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const bg = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c; } return [255, 255, 255]; };
  const bad = [];
  document.querySelectorAll('.leaflet-control *, .ca-list *').forEach(e => {
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) return;
    const s = getComputedStyle(e); if (s.display === 'none' || s.visibility === 'hidden') return;
    const a = lum(rgb(s.color)), b = lum(bg(e)), r = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (r < 4.5) bad.push([e.tagName, e.className, e.textContent.slice(0, 30), r.toFixed(2)]);
  });
  return bad; }"""


@pytest.fixture(scope="module")
def written(small_atlas, tmp_path_factory):
    """The small atlas's atlas page (SHAs and, shown on top, PCTs), a check page (its CCGs against its PCTs:
    three CCGs cross into a second PCT) and the index."""
    out = tmp_path_factory.mktemp("small-pages")
    findings = small_atlas.check(subject="ccg_2015", against="pct_2011")
    paths = maps.write_maps(small_atlas, out, {"ccg-vs-pct": (findings, findings.attrs["meta"])}, timeline=False,
                            planner=False)
    assert [p.name for p in paths] == ["atlas.html", "check-ccg-vs-pct.html", "index.html"]
    shown = [maps.style_of("sha_2011"), maps.style_of("pct_2011")._replace(show=True)]
    atlas = maps.atlas_map(small_atlas, out / "atlas.html", declarations=shown, index="index.html")
    return {"atlas": atlas, "check": out / "check-ccg-vs-pct.html", "index": out / "index.html",
            "pct": {n: c for c, n in zip(small_atlas.layer("pct_2011")["code"], small_atlas.layer("pct_2011")["name"])}}


def _top(path):
    """The topmost shown filled layer of a page (the one its list view lists)."""
    return [l for l in _data(path)["layers"] if l["kind"] == "fill" and l["show"]][-1]


@pytest.mark.parametrize("hash_", ["#%", "#f=%E0%A4%A", "#z=1e999&f=pct_2011%3A%"])
def test_a_malformed_address_leaves_the_view_in_the_url(browser, watched, written, hash_):
    """After a malformed escape or an absurd number in the address, the page still opens and still writes its
    view into the address as the user moves."""
    page = watched(written["atlas"].as_uri() + hash_)
    assert page.locator("path.leaflet-interactive").count() > 0
    page.evaluate("window.commissioningAtlas.search('PCT 5')")
    page.wait_for_function("location.hash.includes('pct_2011')", timeout=5000)
    assert page.evaluate("location.hash.slice(1)") == page.evaluate("window.commissioningAtlas.state()")
    assert page.errors == []


def test_the_view_lives_in_the_url(browser, written):
    """The open feature and the layers shown are in the address; the address opens the same view."""
    page = Page(browser, written["atlas"])
    page.page.evaluate("window.commissioningAtlas.search('PCT 5')")
    sha = next(l["title"] for l in _data(written["atlas"])["layers"] if l["id"] == "sha_2011")
    page.page.locator(".leaflet-control-layers-overlays label").filter(has_text=sha).locator("input").click()
    state = page.page.evaluate("window.commissioningAtlas.state()")
    url = page.page.url
    code = written["pct"]["PCT 5"]
    assert "#" in url and url.split("#", 1)[1] == state and f"f=pct_2011%3A{code}" in url.replace(":", "%3A")
    again = Page(browser, written["atlas"])
    again.page.goto(url)
    again.page.reload()
    again.page.wait_for_selector("html[data-ca-ready]", state="attached", timeout=15000)
    assert again.page.evaluate("window.commissioningAtlas.state()") == state
    assert again.page.locator(".leaflet-popup-content h2").inner_text() == "PCT 5"
    for p in (page, again):
        p.clean()
        p.page.close()


def test_keyboard_reaches_search_and_the_list_view(browser, written):
    """Tab reaches the search within five presses, no shape is a tab stop; the list view is a sortable table
    of the shown layer whose rows zoom to their feature; a click leaves no focus rectangle."""
    page = Page(browser, written["atlas"])
    for _ in range(1, 6):
        page.page.keyboard.press("Tab")
        if page.page.evaluate("document.activeElement.id") == "ca-search-input":
            break
    else:
        pytest.fail("the search is not within 5 Tab presses")
    assert page.page.evaluate("document.querySelectorAll('.leaflet-pane [tabindex]:not([tabindex=\"-1\"])').length") == 0
    assert page.page.locator("h1").count() == 1 and page.page.locator("[role=region][aria-labelledby]").count() >= 1
    page.page.locator("button.ca-listbtn").click()
    rows = page.page.locator(".ca-list tbody tr")
    assert rows.count() == len(_top(written["atlas"])["features"]) == 7  # the PCTs, shown on top
    page.page.locator(".ca-list th button", has_text="Residents").click()
    first = rows.first.locator("td").nth(1).inner_text()
    page.page.locator(".ca-list th button", has_text="Residents").click()
    assert rows.first.locator("td").nth(1).inner_text() != first
    rows.first.locator("button").click()
    page.page.locator(".leaflet-popup-content").wait_for(timeout=3000)
    page.screenshot("small-list-view")
    page.page.mouse.click(600, 450)
    outline = page.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline in ("none", "")
    page.clean()
    page.page.close()


def test_phone_controls_cover_at_most_a_fifth(browser, written):
    """On a phone the controls cover at most a fifth of the screen; a popup opens inside the screen, no
    control covers it and a figure stays on one line."""
    for key in ("atlas", "check"):
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        errors = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(written[key].as_uri())
        page.wait_for_selector("html[data-ca-ready]", state="attached", timeout=15000)
        area = page.evaluate("""() => { const W = innerWidth, H = innerHeight, step = 4; let hit = 0, all = 0;
            const boxes = Array.from(document.querySelectorAll('.leaflet-control')).map(e => e.getBoundingClientRect());
            for (let x = 0; x < W; x += step) for (let y = 0; y < H; y += step) { all++;
              if (boxes.some(r => x >= r.left && x < r.right && y >= r.top && y < r.bottom)) hit++; }
            return hit / all; }""")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"small-phone-{key}.png"))
        assert area <= 0.20, area
        name = next(l for l in _data(written[key])["layers"] if l["kind"] == "fill")["features"][0]["name"]
        assert page.evaluate("(q) => window.commissioningAtlas.search(q)", name) == name
        page.wait_for_selector(".leaflet-popup-content", timeout=3000)
        page.wait_for_timeout(400)
        r = page.evaluate("(() => { const b = document.querySelector('.leaflet-popup').getBoundingClientRect();"
                          " return [b.left, b.top, b.right, b.bottom]; })()")
        assert r[0] >= 0 and r[1] >= 0 and r[2] <= 390 and r[3] <= 844, r
        assert _controls_over_popup(page) == []
        lines = page.evaluate("""() => Array.from(document.querySelectorAll('.leaflet-popup td.ca-fig')).map(td => {
            const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; })""")
        assert lines and set(lines) == {1}, lines
        assert errors == []
        page.close()


def test_control_text_contrast_is_at_least_4_5(browser, written):
    """Every text of the controls and the list view has a contrast of at least 4.5 with its background."""
    for key in ("atlas", "check"):
        page = Page(browser, written[key])
        page.page.locator("button.ca-listbtn").click()
        assert page.page.evaluate(_CONTRAST_JS) == []
        page.clean()
        page.page.close()


def test_colour_blind_and_greyscale_keep_findings_apart(browser, written):
    """Warning, info and crossing parts differ in more than hue: pattern, dash and outline."""
    data = _data(written["check"])
    sev = {k: (v["pattern"], v["dash"]) for k, v in data["severity"].items()}
    assert len(set(sev.values())) == len(sev)  # each severity has its own second cue
    page = Page(browser, written["check"])
    page.page.add_style_tag(content="html{filter:grayscale(1)}")
    page.screenshot("small-check-greyscale")
    # deuteranopia (Machado et al. 2009, severity 1) as an SVG colour matrix over the whole page
    matrix = "0.367 0.861 -0.228 0 0 0.280 0.673 0.047 0 0 -0.012 0.043 0.969 0 0 0 0 0 1 0"
    page.page.evaluate("""(m) => { const ns = 'http://www.w3.org/2000/svg', svg = document.createElementNS(ns, 'svg');
        svg.setAttribute('width', 0); svg.setAttribute('height', 0); svg.style.position = 'absolute';
        svg.innerHTML = '<filter id="ca-deut"><feColorMatrix type="matrix" values="' + m + '"/></filter>';
        document.body.appendChild(svg); document.documentElement.style.filter = 'url(#ca-deut)'; }""", matrix)
    page.screenshot("small-check-deuteranopia")
    page.clean()
    page.page.close()


def test_packed_page_explains_itself_in_an_old_browser(browser, written):
    """Without DecompressionStream (browsers before 2023) the page says what it needs, without an error."""
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script("delete window.DecompressionStream;")
    page.goto(written["atlas"].as_uri())
    assert "needs a browser from 2023 or later" in page.locator("#map").inner_text()
    assert "--no-pack" in page.locator("#map").inner_text() and errors == []
    page.close()
