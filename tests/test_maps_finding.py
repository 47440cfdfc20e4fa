"""Check pages that say what they found: the opening sentence, every flagged feature named at the opening view
(on the map, or by a number keyed in the list beside it) on screen and in print, legends in words, classes
that break at a size check's threshold, popups that carry each parent's vintage and the whole body's total.

Real checks on the England build (the shared cache): one page per kind of rule.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from commissioning_atlas import checks, maps
from commissioning_atlas.io import formatting
from commissioning_atlas.maps import headline
from commissioning_atlas.maps.classes import classify_at
from commissioning_atlas.maps.describe import in_words
from commissioning_atlas.maps.labels import short_text

#: One preset per kind of finding: size (one threshold, several), crossing, splits, changes, none.
PRESETS = ["icb-2026-size", "ccg-size", "cluster-vs-sha", "icb-2026-vs-councils", "icb-2026-changes",
           "icb-2026-vs-region"]
#: A layer id, a basis id or a raw status code: what a reader should never see (a cited file,
#: "geo/icb_2026.csv" in the layer sources, is a citation).
RAW = re.compile(r"(?<![/\w])[a-z]+(?:_[a-z]+)*_\d{4}\b(?!\.)|status: |\b(?:error|warning|info) \(0\)|\(census_")


#: Pages the popup test opens beyond :data:`PRESETS`: the strategic authorities (a splits check of its own).
MORE = ["icb-2026-vs-authorities"]


@pytest.fixture(scope="module")
def results(atlas):
    return {p: checks.run_preset(atlas, p) for p in PRESETS + MORE}


@pytest.fixture(scope="module")
def pages(atlas, results, tmp_path_factory):
    out = tmp_path_factory.mktemp("finding")
    paths = {}
    for p, (f, meta) in results.items():
        paths[p] = maps.findings_map(atlas, f, out / f"check-{p}.html", meta["title"], meta["subject"],
                                     meta.get("against"), meta=meta)
    return paths


def _flagged_subjects(findings) -> set[str]:
    bad = findings[findings["severity"].isin(["warning", "error"])]
    return {c for joined in bad["subject_code"].astype(str) for c in joined.split("+")}


# ------------------------------------------------------------------------------------------------ no browser
def test_short_forms_and_words():
    assert short_text("NHS Shropshire, Telford and Wrekin Integrated Care Board") == "Shropshire, T&W"
    assert short_text("NHS Luton CCG") == "Luton"
    assert in_words("residents (census_2021)") == "residents (Census 2021)"
    assert in_words("from X (stp_2021) to Y") == "from X to Y"


def test_classes_break_at_the_threshold():
    values = np.array([509_127, 942_126, 999_999, 1_000_000, 1_375_026, 3_503_312, np.nan])
    c = classify_at(values, formatting.people, [1_000_000])
    k = np.array(c["k"])
    # no class holds a value on each side of the threshold
    for cls in set(k[k >= 0]):
        side = values[k == cls] >= 1_000_000
        assert side.all() or not side.any()
    assert k[-1] == -1
    multi = classify_at(np.array([50, 150, 600, 800]), formatting.people, [100, 500, 750])
    assert multi["k"] == [0, 1, 2, 3]  # one class per interval between thresholds


@pytest.mark.integration
def test_sentence_states_the_finding_with_figures_and_basis(atlas, results):
    icb = headline.sentence(atlas, *results["icb-2026-size"])
    assert icb.startswith("11 of the 36 ICBs of 1 April 2026 are under 1,000,000 residents (Census 2021)")
    assert "Shropshire, Telford and Wrekin (509,127)" in icb
    ccg = headline.sentence(atlas, *results["ccg-size"])
    assert "208 of the 211 CCGs" in ccg and "registered patients" in ccg and "195 are under 500,000" in ccg
    sha = headline.sentence(atlas, *results["cluster-vs-sha"])
    assert sha.startswith("2 of the 50 PCT clusters") and "26.4%" in sha and "7.7%" in sha and "Census 2011" in sha
    none = headline.sentence(atlas, *results["icb-2026-vs-region"])
    assert none.startswith("None of the 36 ICBs")
    for p, (f, meta) in results.items():
        s = headline.sentence(atlas, f, meta)
        assert not RAW.search(s), (p, s)
        flagged = headline.flagged(atlas, f, meta["subject"])
        assert set(flagged) == _flagged_subjects(f) & set(atlas.layer(meta["subject"])["code"].astype(str))


@pytest.mark.integration
def test_page_carries_sentence_key_and_threshold_classes(atlas, results, pages):
    for p, path in pages.items():
        data = maps.read_page_data(path)
        f, meta = results[p]
        assert data["finding"]["sentence"] == headline.sentence(atlas, f, meta)
        layer = next(l for l in data["layers"] if l["id"] == meta["subject"])
        keyed = {layer["codes"][i] for i, _ in data["finding"]["key"]}
        assert keyed == _flagged_subjects(f)
        for row in next(l for l in data["layers"] if l["id"] == "findings")["rows"]:
            assert row["n"] > 0 and not RAW.search(row["text"])
    data = maps.read_page_data(pages["icb-2026-size"])
    icb = next(l for l in data["layers"] if l["id"] == "icb_2026")
    cls = next(c for c in icb["classes"] if c["key"] == "population")
    pops = atlas.layer("icb_2026").set_index("code").loc[icb["codes"], "population"].to_numpy()
    for k in set(cls["k"]):
        side = pops[np.array(cls["k"]) == k] >= 1_000_000
        assert side.all() or not side.any()
    assert data["colour_by"] == "population"


@pytest.mark.integration
def test_popups_carry_vintages_and_whole_totals(atlas, pages):
    data = maps.read_page_data(pages["cluster-vs-sha"])
    f = next(l for l in data["layers"] if l["id"] == "findings")
    cross = [x for x in f["features"] if x.get("x")]
    assert cross
    for x in cross:
        rows = dict(map(tuple, x["rows"]))
        whole = rows["Residents of the whole " + x["name"].split(" / ")[0]]
        assert int(whole.replace(",", "")) > int(rows["Residents (Census 2011)"].replace(",", ""))
    icb = next(l for l in data["layers"] if l["id"] == "pct_cluster_2011")
    assert any(r[0] == "Strategic health authorities (2011-12)" for r in icb["features"][0]["rows"])


# ------------------------------------------------------------------------------------------------ browser


_NAMED = """() => {
  const d = window.commissioningAtlas, data = JSON.parse(document.getElementById('ca-data').textContent);
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const layer = data.layers.find(l => l.id === data.finding.layer);
  const inView = e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.left >= -1 && r.top >= -1 && r.right <= vw + 1 && r.bottom <= vh + 1; };
  const labels = [...document.querySelectorAll('.ca-label')].filter(inView).map(e => e.getAttribute('data-text'));
  const keyed = [...document.querySelectorAll('.ca-key li')].map(li => li.textContent);
  const key = data.finding.thresholds ? data.finding.thresholds[0].key : data.finding.key;
  return key.map((item, n) => {
    const f = layer.features[item[0]];
    const named = labels.includes(f.name);
    const numbered = labels.includes((n + 1) + ': ' + f.name) &&
      keyed.some(t => t.startsWith(String(n + 1)) && t.includes(f.t.replace(/\\n/g, ' ')));
    return {name: f.name, named, numbered};
  });
}"""


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", PRESETS)
def test_every_flagged_feature_named_at_the_opening_view(watched, pages, results, preset):
    for print_media in (False, True):
        page = watched(pages[preset], 1440, 900, print_media)
        sentence = page.locator(".ca-finding").inner_text()
        assert sentence == maps.read_page_data(pages[preset])["finding"]["sentence"]
        named = page.evaluate(_NAMED)
        assert len(named) == len(_flagged_subjects(results[preset][0])) or preset == "ccg-size"
        missing = [n["name"] for n in named if not (n["named"] or n["numbered"])]
        assert not missing, (preset, print_media, missing)
        page.close()


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", PRESETS)
def test_legends_and_panels_in_words(watched, pages, preset):
    page = watched(pages[preset], 1440, 900)
    text = page.evaluate("""() => [...document.querySelectorAll(
        '.ca-legend, .ca-title-box, .leaflet-control-layers, .leaflet-control-attribution')]
        .map(e => e.textContent).join('\\n')""")
    assert not RAW.search(text), RAW.search(text).group(0)
    page.close()


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", ["icb-2026-size", "cluster-vs-sha"])
def test_print_fills_the_page_with_england(watched, pages, preset):
    page = watched(pages[preset], 1440, 900, print_media=True)
    span = page.evaluate("""() => {
      const m = window.commissioningAtlas.map, data = JSON.parse(document.getElementById('ca-data').textContent);
      const a = m.latLngToContainerPoint(data.bounds[0]), b = m.latLngToContainerPoint(data.bounds[1]);
      const box = document.getElementById('map').getBoundingClientRect();
      const ctl = [...document.querySelectorAll('.leaflet-control-zoom, .leaflet-control-layers, .ca-search')]
        .filter(e => e.getBoundingClientRect().width > 0).length;
      return {w: Math.abs(b.x - a.x) / box.width, h: Math.abs(b.y - a.y) / box.height, ctl: ctl,
              labels: document.querySelectorAll('.ca-label').length};
    }""")
    assert max(span["w"], span["h"]) >= 0.8, span
    assert span["ctl"] == 0 and span["labels"] > 0
    page.close()


# ------------------------------------------------------------------------------------------------ reference names
def test_reference_names_follow_the_era():
    from commissioning_atlas.registry import reference_names

    # districts of 2011 under the 2011-2018 layers, those of April 2023 under 2023-2027, the latest before otherwise
    assert reference_names("2011") == reference_names("2013") == "lad_2011"
    assert reference_names("2026") == reference_names("2027") == "lad_2023"
    assert reference_names("2022") == "lad_2021" and reference_names("2014") == "lad_2011"


_BUCKS = """() => { const ca = window.commissioningAtlas;
  ca.map.setView([51.75, -0.85], 10, {animate: false}); ca.updateLabels(); return ca.labels(); }"""
#: Districts abolished on 1 April 2020 (into Buckinghamshire).
ABOLISHED_2020 = {"Aylesbury Vale", "Wycombe"}


@pytest.mark.integration
@pytest.mark.browser
def test_reference_names_are_of_the_era_shown(watched, pages):
    page = watched(pages["icb-2026-size"], 1440, 900)
    new = set(page.evaluate(_BUCKS))
    legend = page.locator(".ca-legend").inner_text()
    page.close()
    assert not new & ABOLISHED_2020 and "Buckinghamshire" in new, sorted(new)
    assert "Local authority districts (April 2023)" in legend
    page = watched(pages["cluster-vs-sha"], 1440, 900)
    old = set(page.evaluate(_BUCKS))
    page.close()
    assert ABOLISHED_2020 <= old and "Buckinghamshire" not in old, sorted(old)


#: The contrast of a label's text against its own background laid over the darkest and the lightest ground
#: there could be (WCAG 2: relative luminance).
_CONTRAST = """() => {
  const rgba = s => { const v = s.match(/[\\d.]+/g).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const over = (c, g) => [0, 1, 2].map(i => c[3] * c[i] + (1 - c[3]) * g[i]);
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const out = {};
  document.querySelectorAll('.ca-label').forEach(e => {
    const s = getComputedStyle(e), fg = rgba(s.color), bg = rgba(s.backgroundColor), cls = e.className;
    const worst = Math.min(...[[0, 0, 0], [255, 255, 255]].map(g => { const b = over(bg, g); return ratio(over(fg, b), b); }));
    out[cls] = Math.min(out[cls] === undefined ? Infinity : out[cls], worst);
  });
  return out;
}"""


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", ["icb-2026-size", "cluster-vs-sha"])
def test_labels_keep_their_contrast_over_any_ground(watched, pages, preset):
    page = watched(pages[preset], 1440, 900)
    near = page.evaluate("() => { window.commissioningAtlas.map.setView([52.2, -1.2], 9.5, {animate: false}); }")
    assert near is None
    got = page.evaluate(_CONTRAST)
    page.close()
    assert any("ca-ref" in k for k in got) and any("ca-name" in k for k in got), got
    assert min(got.values()) >= 4.5, got


# ------------------------------------------------------------------------------------------------ the legend shows what the map shows
#: Every colour the map fills with (a fill at its opacity over the land; a hatch's lines) and every colour of
#: the legend's swatches (over the legend's white); the land itself is the ground, not a class.
_FILLS = """() => {
  const rgba = s => { const v = s.match(/[\\d.]+/g).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const LAND = [238, 240, 242], WHITE = [255, 255, 255];
  const over = (c, a, g) => [0, 1, 2].map(i => Math.round(a * c[i] + (1 - a) * g[i])).join(',');
  const colours = (fill, opacity, ground) => {
    const m = fill.match(/url\\("?#([^")]+)"?\\)/);
    if (!m) { const c = rgba(fill); return [over(c, c[3] * opacity, ground)]; }
    return [...document.getElementById(m[1]).querySelectorAll('rect')].map(r => {
      const s = getComputedStyle(r); return over(rgba(s.fill), Number(s.fillOpacity) * opacity, ground); });
  };
  const map = new Set(), legend = new Set();
  document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').forEach(p => {
    const s = getComputedStyle(p);
    if (s.fill === 'none' || Number(s.fillOpacity) === 0 || s.display === 'none') { return; }
    colours(s.fill, Number(s.fillOpacity), LAND).forEach(c => map.add(c));
  });
  document.querySelectorAll('.ca-legend .ca-bar-sw, .ca-legend .ca-row > span.ca-bar-sw').forEach(e =>
    legend.add(over(rgba(getComputedStyle(e).backgroundColor), 1, WHITE)));
  document.querySelectorAll('.ca-legend svg.ca-sw rect').forEach(r => {
    const s = getComputedStyle(r);
    if (s.fill !== 'none' && Number(s.fillOpacity) > 0) { colours(s.fill, Number(s.fillOpacity), WHITE).forEach(c => legend.add(c)); }
  });
  return {map: [...map], legend: [...legend]};
}"""


def _near(colour: str, palette: list[str], tol: int = 2) -> bool:
    c = np.array(colour.split(","), dtype=int)
    return any(np.abs(c - np.array(p.split(","), dtype=int)).max() <= tol for p in palette)


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", ["icb-2026-vs-councils", "cluster-vs-sha", "icb-2026-size", "icb-2026-changes"])
def test_every_fill_colour_of_the_map_is_in_the_legend(watched, pages, preset):
    page = watched(pages[preset], 1440, 900)
    page.evaluate("() => { document.querySelector('.ca-legend details').open = true; }")
    got = page.evaluate(_FILLS)
    page.close()
    assert got["map"] and got["legend"]
    missing = [c for c in got["map"] if not _near(c, got["legend"])]
    assert not missing, (missing, got["legend"])


# ------------------------------------------------------------------------------------------------ phone
def _phone(browser, url):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector("html[data-ca-ready]", state="attached", timeout=15000)
    return ctx, page


_TARGETS = """() => [...document.querySelectorAll(['a', 'button', 'summary', 'select', 'input:not([type=checkbox])',
    '.leaflet-control-layers label', '[role=button]'].map(s => '.leaflet-control-container ' + s).join(','))]
  .filter(e => e.checkVisibility()).map(e => { const r = e.getBoundingClientRect();
    return [(e.textContent || e.getAttribute('aria-label') || e.className).trim().slice(0, 40), r.width, r.height]; })"""


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", ["icb-2026-vs-councils", "cluster-vs-sha"])
def test_phone_tap_targets_popups_and_shared_links(browser, watched, pages, preset):
    ctx, page = _phone(browser, pages[preset].as_uri())
    # every control opened: the search with its results, the legend, the layers list, the sources
    page.locator(".ca-search summary").click()
    page.locator("#ca-search-input").fill("North")
    page.locator(".ca-legend summary").first.click()
    page.evaluate("() => document.querySelector('.leaflet-control-layers').classList.add('leaflet-control-layers-expanded')")
    page.locator(".ca-src summary").click()
    targets = page.evaluate(_TARGETS)
    assert len(targets) > 10 and any(t[0] == "Layer sources" for t in targets)
    small = [t for t in targets if t[1] < 24 - 0.5 or t[2] < 24 - 0.5]
    assert not small, small
    page.close()
    # a tap opens the popup, and no tooltip beside it
    ctx.close()
    ctx, page = _phone(browser, pages[preset].as_uri())
    data = maps.read_page_data(pages[preset])
    layer = next(l for l in data["layers"] if l["id"] == data["finding"]["layer"])
    i = max(range(len(layer["features"])), key=lambda n: layer["features"][n]["lr"])
    xy = page.evaluate("""(lp) => { const m = window.commissioningAtlas.map, d = JSON.parse(
        document.getElementById('ca-data').textContent); const p = m.latLngToContainerPoint([lp[1] / d.scale[1],
        lp[0] / d.scale[0]]); return [p.x, p.y]; }""", layer["features"][i]["lp"])
    page.touchscreen.tap(xy[0], xy[1])
    page.wait_for_selector(".leaflet-popup-content", timeout=3000)
    assert page.locator(".leaflet-tooltip").count() == 0
    page.close()
    ctx.close()
    # the popup of a link shared from a laptop opens on a phone clear of the controls, as one opened by a tap
    # (the tallest popup: the most lines)
    i = max(range(len(layer["features"])), key=lambda n: (len(layer["features"][n]["rows"]), -n))
    page = watched(pages[preset], 1440, 900)
    assert page.evaluate("(q) => window.commissioningAtlas.search(q)", layer["features"][i]["name"])
    link = page.evaluate("() => window.commissioningAtlas.state()")
    page.close()
    assert f"f={layer['id']}%3A{layer['codes'][i]}" in link.replace(":", "%3A")
    ctx, page = _phone(browser, pages[preset].as_uri() + "#" + link)
    page.wait_for_selector(".leaflet-popup-content", timeout=3000)
    page.wait_for_timeout(300)
    assert page.locator(".leaflet-popup-content h2").inner_text() == layer["features"][i]["name"]
    covered = page.evaluate("""() => { const p = document.querySelector('.leaflet-popup').getBoundingClientRect();
        return [...document.querySelectorAll('.leaflet-control')].map(e => [e.className, e.getBoundingClientRect()])
          .filter(([c, x]) => x.width && x.left < p.right && x.right > p.left && x.top < p.bottom && x.bottom > p.top)
          .map(([c]) => c); }""")
    box = page.evaluate("() => { const b = document.querySelector('.leaflet-popup').getBoundingClientRect();"
                        " return [b.left, b.top, b.right, b.bottom]; }")
    page.close()
    ctx.close()
    assert covered == [], covered
    assert box[0] >= 0 and box[1] >= 0 and box[2] <= 390 and box[3] <= 844, box


# ------------------------------------------------------------------------------------------------ popups
_FINDING_POPUP = """(rule) => { const ca = window.commissioningAtlas; let got = null;
  ca.groups.findings.eachLayer(p => { const f = p.caFinding;
    if (f && f.p.rule === rule && f.sev !== 'info' && (!got || (f.x && !got.caFinding.x))) { got = p; } });
  got.openPopup(); return document.querySelector('.leaflet-popup-content').innerText; }"""


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset, rule", [("icb-2026-size", "size"), ("cluster-vs-sha", "crosses"),
                                          ("icb-2026-vs-councils", "splits"), ("icb-2026-changes", "changes"),
                                          ("icb-2026-vs-authorities", "splits")])
def test_finding_popups_date_every_body_and_give_the_whole(watched, atlas, pages, results, preset, rule):
    f, meta = results[preset]
    page = watched(pages[preset], 1440, 900)
    text = page.evaluate(_FINDING_POPUP, rule)
    page.close()
    rows = dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)
    for layer, label in ((meta["subject"], "Subject"), (meta.get("against"), "Against")):
        if layer and label in rows and rule != "size":
            assert rows[label].endswith(f"({atlas.info(layer)['vintage']})"), (label, rows[label])
    assert rows["Subject"].endswith(f"({atlas.info(meta['subject'])['vintage']})"), rows
    if rule != "size":  # a part's residents beside the whole body's
        whole = [k for k in rows if k.startswith("Residents of the whole ")]
        assert whole, rows
        part = next(v for k, v in rows.items() if k.startswith("Residents ("))
        for k in whole:
            assert int(rows[k].replace(",", "")) > int(part.replace(",", "")), (k, rows)


@pytest.fixture(scope="module")
def atlas_page(atlas, tmp_path_factory):
    return maps.atlas_map(atlas, tmp_path_factory.mktemp("atlas") / "atlas.html")


@pytest.mark.integration
@pytest.mark.browser
def test_atlas_popup_dates_every_parent(browser, atlas, atlas_page):
    # Luton's council of April 2023: its ICB of that date (Bedfordshire, Luton and Milton Keynes) and of 2026
    code = atlas.layer("utla_2023").set_index("name").loc["Luton", "code"]
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(atlas_page.as_uri() + f"#l=utla_2023&f=utla_2023%3A{code}")
    page.wait_for_selector(".leaflet-popup-content", timeout=15000)
    text = page.inner_text(".leaflet-popup-content")
    page.close()
    rows = dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)
    icb23, icb26 = (atlas.info(l)["vintage"] for l in ("icb_2023", "icb_2026"))
    assert rows[f"Integrated care boards ({icb23})"] == f"NHS Bedfordshire, Luton and Milton Keynes Integrated Care Board ({icb23})"
    assert rows[f"Integrated care boards ({icb26})"].endswith(f"({icb26})")
    styles = {s.id: s for s in maps.style.atlas_layers()}
    for line, value in rows.items():  # every parent line is dated
        if any(line.startswith(atlas.info(p)["title"]) for p in styles["utla_2023"].parents):
            assert line.endswith(")") and value.endswith(")"), (line, value)


@pytest.mark.integration
def test_the_rest_of_england_is_no_authority_on_the_authorities_page(atlas, tmp_path):
    """The districts outside every combined authority ("none") are the land under the map: no feature, name,
    popup, search entry or class of their own, and the layer's count is of the authorities alone; the lines
    between an authority and the rest are still drawn (they are the authorities' own edges)."""
    from commissioning_atlas.maps.encode import read_page_data

    f, meta = checks.run_preset(atlas, "icb-2026-vs-authorities")
    path = maps.findings_map(atlas, f, tmp_path / "ca.html", meta["title"], meta["subject"], meta["against"],
                             meta=meta, pack=False)
    page = read_page_data(path)
    ca = next(lay for lay in page["layers"] if lay["id"] == "ca_2025")
    authorities = atlas.layer("ca_2025")
    real = sorted(c for c in authorities["code"].astype(str) if c != "none")
    assert "none" in set(authorities["code"]) and len(real) == len(authorities) - 1
    assert ca["codes"] == real and len(ca["features"]) == len(real) == len(page["geometry"]["ca_2025"])
    assert all(len(c["k"]) == len(real) for c in ca["classes"])
    assert "No combined authority" not in {feat["name"] for feat in ca["features"]}
    assert "No combined authority" not in path.read_text(encoding="utf-8")  # nowhere on the (plain) page
    # the largest population class is an authority's, not the 33.7 million people outside them all
    biggest = authorities[authorities["code"] != "none"]["population"].max()
    pop_class = next(c for c in ca["classes"] if c["key"] == "population")
    assert pop_class["labels"][-1].endswith(formatting.people(biggest))


@pytest.mark.integration
@pytest.mark.browser
def test_atlas_names_the_districts_of_the_topmost_layer(browser, atlas_page):
    # the atlas opens on the CCGs of 2013 (the districts of 2011); with the ICBs of 2026 on top, those of 2023
    found = {}
    for hash_ in ("#l=sha_2011,ccg_2013&z=10&c=51.75,-0.85", "#l=sha_2011,icb_2026&z=10&c=51.75,-0.85"):
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(atlas_page.as_uri() + hash_)
        page.wait_for_selector("html[data-ca-ready]", state="attached", timeout=15000)
        found[hash_] = set(page.evaluate(_BUCKS))
        page.close()
    old, new = found.values()
    assert ABOLISHED_2020 <= old and "Buckinghamshire" not in old, sorted(old)
    assert not new & ABOLISHED_2020 and "Buckinghamshire" in new, sorted(new)
