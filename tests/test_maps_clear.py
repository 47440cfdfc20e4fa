"""What a check page found is not hidden under its own panels: at the opening view on a laptop and printed
on A4, no panel (title box, legend, layers, search) covers the label point of a body of the subject layer or
of a finding; a numbered marker is never under a name placed before it; the legend's findings are seen
without scrolling.

Real checks on the England build (the shared cache). The changes of April 2026 are the hard case: what moved
lies in East Anglia, where the legend sat.
"""

from __future__ import annotations

import re

import pytest

from commissioning_atlas import checks, maps

PRESETS = ["icb-2026-changes", "icb-2026-vs-councils", "ccg-size"]
#: The map's box on an A4 landscape sheet less 8 mm margins (map.css), in CSS pixels.
A4 = (round(281 / 25.4 * 96), round(194 / 25.4 * 96))


@pytest.fixture(scope="module")
def pages(atlas, tmp_path_factory):
    out = tmp_path_factory.mktemp("clear")
    paths = {}
    for p in PRESETS:
        f, meta = checks.run_preset(atlas, p)
        paths[p] = maps.findings_map(atlas, f, out / f"check-{p}.html", meta["title"], meta["subject"],
                                     meta.get("against"), meta=meta)
    return paths




#: The label points (of the subject layer's bodies and of the findings) that a panel covers, with the panels'
#: boxes and how far England spans the map.
_COVERED = """() => {
  const ca = window.commissioningAtlas, m = ca.map, data = JSON.parse(document.getElementById('ca-data').textContent);
  const box = m.getContainer().getBoundingClientRect();
  const panels = [...m.getContainer().querySelectorAll('.leaflet-control')]
    .filter(e => !e.matches('.leaflet-control-attribution, .leaflet-control-scale'))
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
  const [sx, sy] = data.scale, out = [];
  const subject = data.layers.find(l => l.id === data.finding.layer), findings = data.layers.find(l => l.id === 'findings');
  for (const f of subject.features.concat(findings.features)) {
    if (!f.lp) continue;
    const p = m.latLngToContainerPoint([f.lp[1] / sy, f.lp[0] / sx]), x = box.left + p.x, y = box.top + p.y;
    if (panels.some(r => x > r.left && x < r.right && y > r.top && y < r.bottom)) out.push(f.name);
  }
  const a = m.latLngToContainerPoint(data.bounds[0]), b = m.latLngToContainerPoint(data.bounds[1]);
  const legend = document.querySelector('.ca-legend').getBoundingClientRect();
  return {covered: out, span: Math.max(Math.abs(b.x - a.x) / box.width, Math.abs(b.y - a.y) / box.height),
          legendTop: legend.top - box.top, legendBottom: legend.bottom - box.top, height: box.height};
}"""

#: Numbered markers that overlap another label's box.
_MARKS_UNDER = """() => {
  const all = [...document.querySelectorAll('.ca-label')].map(e => [e, e.getBoundingClientRect()]);
  return all.filter(([e]) => e.classList.contains('ca-num-mark')).filter(([e, r]) => all.some(([o, q]) =>
    o !== e && r.left < q.right - 1 && r.right > q.left + 1 && r.top < q.bottom - 1 && r.bottom > q.top + 1))
    .map(([e]) => e.getAttribute('data-text'));
}"""


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", PRESETS)
def test_no_panel_covers_a_body_at_the_opening_view(watched, pages, preset):
    for w, h in [(1440, 900), (1366, 768)]:
        page = watched(pages[preset], w, h)
        got = page.evaluate(_COVERED)
        assert not got["covered"], (preset, w, got["covered"])
        assert page.evaluate(_MARKS_UNDER) == [], (preset, w)
        # the legend's first findings row is inside the legend's visible box, without scrolling
        seen = page.evaluate("""() => { const l = document.querySelector('.ca-legend').getBoundingClientRect();
          const h = [...document.querySelectorAll('.ca-legend h3')].find(e => e.textContent === 'Findings');
          const row = h.nextElementSibling.getBoundingClientRect(); return row.bottom <= l.bottom + 1; }""")
        assert seen, (preset, w)
        page.close()


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", PRESETS)
def test_printed_england_fills_the_sheet_clear_of_title_and_legend(watched, pages, preset):
    page = watched(pages[preset], *A4, print_media=True)
    got = page.evaluate(_COVERED)
    assert got["height"] == pytest.approx(A4[1], abs=2)
    assert not got["covered"], (preset, got["covered"])
    assert got["span"] >= 0.8, got
    assert got["legendTop"] >= 0 and got["legendBottom"] <= got["height"] + 1, got  # the whole legend printed
    assert page.evaluate(_MARKS_UNDER) == [], preset
    page.close()


@pytest.mark.integration
def test_split_councils_named_with_their_date(atlas):
    """Councils of another vintage than the page's bodies carry their date in the sentence."""
    from commissioning_atlas.maps import headline

    got = headline.sentence(atlas, *checks.run_preset(atlas, "icb-2026-vs-councils"))
    assert got.startswith("3 councils of April 2023 are split between the 36 ICBs of 1 April 2026"), got


#: The (colour, dash) of every outline drawn on the map, and of every legend swatch.
_LINE_STYLES = """() => {
  const key = e => (e.getAttribute('stroke') || '').toLowerCase() + ' | ' +
    (e.getAttribute('stroke-dasharray') || 'none').replace(/[\\s,]+/g, ' ');
  const drawn = [...document.querySelectorAll('.leaflet-overlay-pane path')].filter(p =>
    (p.getAttribute('stroke') || 'none') !== 'none' && p.style.display !== 'none' && p.getAttribute('stroke-opacity') !== '0');
  const swatches = [...document.querySelectorAll('.ca-legend svg.ca-sw line, .ca-legend svg.ca-sw rect')];
  return {drawn: [...new Set(drawn.map(key))].sort(), legend: [...new Set(swatches.map(key))].sort()};
}"""


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.parametrize("preset", ["ccg-size", "icb-2026-changes"])
def test_the_legend_shows_every_line_the_map_draws(watched, pages, preset):
    """Every outline drawn (the filled layer's too) has its legend row; the coast is never under Findings."""
    page = watched(pages[preset], 1440, 900)
    got = page.evaluate(_LINE_STYLES)
    assert set(got["drawn"]) <= set(got["legend"]), got
    heading = page.evaluate("""() => { const rows = [...document.querySelectorAll('.ca-legend-body > *')];
      const coast = rows.findIndex(e => e.textContent.startsWith('Coast and tidal water'));
      return rows.slice(0, coast).filter(e => e.tagName === 'H3').pop().textContent; }""")
    assert heading == "Boundaries"
    page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_the_legend_counts_what_the_chosen_threshold_draws(watched, pages):
    """A size check with several thresholds: "N drawn on the map" is the chosen threshold's N, as drawn."""
    page = watched(pages["ccg-size"], 1440, 900)
    shown = page.evaluate("""() => window.commissioningAtlas.groups.findings.getLayers()
      .filter(p => p._path && p._path.style.display !== 'none').length""")
    said = page.locator(".ca-legend .ca-drawn").inner_text()
    page.close()
    assert 0 < shown and said.startswith(f"{shown} drawn on the map"), (shown, said)


@pytest.mark.integration
def test_bodies_moved_from_named_with_their_date(atlas):
    """The bodies parts moved from, of another date than the page's, carry their date in the sentence."""
    from commissioning_atlas.maps import headline

    got = headline.sentence(atlas, *checks.run_preset(atlas, "icb-2026-changes"))
    assert re.match(r"\d+ parts moved from the \d+ [\w ]+ of April 2023 to the 36 ICBs of 1 April 2026 \(", got), got
