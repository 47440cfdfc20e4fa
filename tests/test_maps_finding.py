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


@pytest.fixture(scope="module")
def results(atlas):
    return {p: checks.run_preset(atlas, p) for p in PRESETS}


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
def _open(browser, path, w, h, print_media=False):
    page = browser.new_page(viewport={"width": w, "height": h})
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-ca-ready]")
    if print_media:
        page.emulate_media(media="print")
        page.wait_for_timeout(200)
    return page


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
def test_every_flagged_feature_named_at_the_opening_view(browser, pages, results, preset):
    for print_media in (False, True):
        page = _open(browser, pages[preset], 1440, 900, print_media)
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
def test_legends_and_panels_in_words(browser, pages, preset):
    page = _open(browser, pages[preset], 1440, 900)
    text = page.evaluate("""() => [...document.querySelectorAll(
        '.ca-legend, .ca-title-box, .leaflet-control-layers, .leaflet-control-attribution')]
        .map(e => e.textContent).join('\\n')""")
    assert not RAW.search(text), RAW.search(text).group(0)
    page.close()


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", ["icb-2026-size", "cluster-vs-sha"])
def test_print_fills_the_page_with_england(browser, pages, preset):
    page = _open(browser, pages[preset], 1440, 900, print_media=True)
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
