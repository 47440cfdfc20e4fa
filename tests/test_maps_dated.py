"""Popups that cannot be misquoted: every body a popup names carries its date, where a line lists several
bodies too ("Shares of residents (Census 2021): NHS Frimley Integrated Care Board (April 2023), 12.8%; ..."),
and every figure its basis; the advice map's popups (its groups and the councils it splits) likewise.

Real pages of the England build (the shared cache): the atlas, and the advice map of the README's command.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from commissioning_atlas import cli, maps
from commissioning_atlas.io import formatting
from commissioning_atlas.maps.describe import basis_label

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _rows(text: str) -> dict[str, str]:
    """A popup's table as label -> text (innerText: a tab between the cells)."""
    return dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)


def _shares(atlas, frame_layer: str, parent: str, members: pd.DataFrame | None = None) -> dict[str, list]:
    """Each feature's parents with the share of its residents in each, largest first (at least 1%), counted
    here from the LSOAs: the feature's and the parent's membership and each LSOA's residents."""
    pop = pd.Series(atlas.population(atlas.default_basis(frame_layer)), index=atlas.lsoa["code"].to_numpy())
    mine = members if members is not None else atlas.membership(frame_layer)
    theirs = atlas.membership(parent).rename(columns={"code": "parent"})
    both = mine.merge(theirs, on="lsoa_code")
    both["pop"] = both["lsoa_code"].map(pop)
    sums = both.groupby(["code", "parent"])["pop"].sum().reset_index()
    sums["share"] = sums["pop"] / sums.groupby("code")["pop"].transform("sum")
    sums = sums[sums["share"] >= 0.01].sort_values(["code", "share", "parent"], ascending=[True, False, True])
    return {c: list(zip(g["parent"], g["share"])) for c, g in sums.groupby("code")}


def _expected_line(atlas, layer: str, parent: str, got: list) -> str:
    names = dict(zip(atlas.layer(parent)["code"].astype(str), atlas.layer(parent)["name"].astype(str)))
    vintage = atlas.info(parent)["vintage"]
    return (f"Shares of residents ({basis_label(atlas.default_basis(layer))}): "
            + "; ".join(f"{names[p]} ({vintage}), {formatting.share(s)}" for p, s in got[:6])
            + (f"; {len(got) - 6} more" if len(got) > 6 else ""))


def _open(browser, page: str, w: int = 1440, h: int = 900):
    pg = browser.new_page(viewport={"width": w, "height": h})
    pg.goto(page)
    pg.wait_for_selector("html[data-ca-ready]", timeout=60_000)
    return pg


@pytest.fixture(scope="module")
def atlas_page(atlas, tmp_path_factory):
    return maps.atlas_map(atlas, tmp_path_factory.mktemp("dated") / "atlas.html")


@pytest.mark.parametrize("layer, parent", [("utla_2023", "icb_2023"), ("ccg_2013", "pct_2011")])
def test_a_line_of_several_parents_dates_every_body_with_its_share(browser, atlas, atlas_page, layer, parent):
    """A council of April 2023 in two ICBs of that date, a CCG across PCTs: each body named with its date
    and its share of the feature's residents, the basis of the shares named first."""
    shares = _shares(atlas, layer, parent)
    code = next(c for c in sorted(shares) if len(shares[c]) >= 2)
    pg = _open(browser, atlas_page.as_uri() + f"#l={layer}&f={layer}%3A{code}")
    pg.wait_for_selector(".leaflet-popup-content")
    rows = _rows(pg.inner_text(".leaflet-popup-content"))
    pg.close()
    info = atlas.info(parent)
    line = rows[f"{info['title']} ({info['vintage']})"]
    assert line == _expected_line(atlas, layer, parent, shares[code])
    bodies = line.split(": ", 1)[1].split("; ")
    assert len(bodies) >= 2 and all(re.search(rf"\({re.escape(info['vintage'])}\), [\d.]+%$", b) for b in bodies), bodies


def test_a_place_found_dates_every_body_at_its_centre(browser, atlas, atlas_page):
    """"Dunstable" on the atlas: each body its popup names carries the date of its layer."""
    pg = _open(browser, atlas_page.as_uri())
    pg.fill("#ca-search-input", "Dunstable")
    pg.keyboard.press("Enter")
    pg.wait_for_selector(".leaflet-popup-content")
    rows = _rows(pg.inner_text(".leaflet-popup-content"))
    pg.close()
    assert len(rows) >= 5, rows
    for title, bodies in rows.items():
        vintage = re.search(r"\(([^()]*)\)$", title).group(1)
        assert all(b.endswith(f" ({vintage})") for b in bodies.split("; ")), (title, bodies)
    icb = atlas.info("icb_2022")
    assert rows[f"{icb['title']} ({icb['vintage']})"] == \
        f"NHS Bedfordshire, Luton and Milton Keynes Integrated Care Board ({icb['vintage']})"


# ------------------------------------------------------------------------------------------------ advice map
@pytest.fixture(scope="module")
def advice(atlas, mirror, tmp_path_factory):
    """The README's advice: 41 groups of the PCT clusters of 2011 at 750,000 within SHAs, against the councils
    of 2011, written with its map by the command line."""
    out = tmp_path_factory.mktemp("advice")
    assert cli.main(["advise", "--units", "pct_cluster_2011", "--floor", "750000", "--within", "sha_2011",
                     "--reference", "utla_2011", "--closest-to", "css_2012", "-o", str(out / "advice.yaml"),
                     "--map", str(out / "advice"), "--mirror", str(mirror), "--quiet"]) == 0
    copy = atlas.with_scenario(out / "advice.yaml")
    return {"page": out / "advice" / "advice.html", "atlas": copy, "groups": copy.layer("scenario")}


def test_advice_group_popup_names_its_figures_basis_and_dated_parents(browser, atlas, advice):
    """The group holding the cluster that crosses an SHA line (Milton Keynes and Northamptonshire): its name,
    residents on the advice's basis, and its SHAs each dated with its share."""
    copy, groups = advice["atlas"], advice["groups"]
    shares = _shares(copy, "scenario", "sha_2011", copy.membership("scenario"))
    code = next(c for c in sorted(shares) if len(shares[c]) >= 2)
    group = groups.set_index("code").loc[code]
    pg = _open(browser, advice["page"].as_uri() + f"#f=scenario%3A{code}")
    pg.wait_for_selector(".leaflet-popup-content")
    assert pg.inner_text(".leaflet-popup-content h2") == group["name"]
    rows = _rows(pg.inner_text(".leaflet-popup-content"))
    pg.close()
    assert rows["Residents (Census 2011)"] == formatting.people(group["population"])
    sha = atlas.info("sha_2011")
    assert rows[f"{sha['title']} ({sha['vintage']})"] == _expected_line(copy, "scenario", "sha_2011", shares[code])
    clusters = atlas.info("pct_cluster_2011")
    assert rows[f"{clusters['title']} ({clusters['vintage']})"].endswith(f"({clusters['vintage']})")
    assert not re.search(r"\b[a-z]+_\d{4}\b|\bE\d{8}\b", " ".join(rows.values())), rows  # no ids, no codes


def test_advice_split_council_popup_gives_part_whole_and_dates(browser, atlas, advice):
    """A council the advice splits: the sentence names the council, the group and the residents in the part;
    the group is said to be proposed, the council dated; the part's residents beside the whole council's
    and the whole group's, each on the Census 2011 basis."""
    copy, groups = advice["atlas"], advice["groups"]
    pg = _open(browser, advice["page"].as_uri())
    got = pg.evaluate("""() => { const ca = window.commissioningAtlas; let hit = null;
      ca.groups.findings.eachLayer(p => { const f = p.caFinding;
        if (f && f.p.rule === 'splits' && f.sev === 'warning' && !hit) { hit = p; } });
      hit.openPopup(); return [hit.caFinding.p, document.querySelector('.leaflet-popup-content').innerText]; }""")
    pg.close()
    p, text = got
    rows = _rows(text)
    councils = atlas.layer("utla_2011").set_index("code")
    council, group = councils.loc[p["against_code"]], groups.set_index("code").loc[p["subject_code"]]
    # the part: the council's residents in the group, counted here from the LSOAs
    pop = pd.Series(atlas.population("census_2011"), index=atlas.lsoa["code"].to_numpy())
    inside = set(copy.membership("scenario").query("code == @p['subject_code']")["lsoa_code"])
    mine = atlas.membership("utla_2011").query("code == @p['against_code']")["lsoa_code"]
    part = pop[[c for c in mine if c in inside]].sum()
    share = formatting.share(part / pop[list(mine)].sum())
    assert f"{formatting.people(part)} residents of {council['name']} ({share} of the council's) live in " \
           f"{group['name']}, outside the proposed organisation holding most of the council." in text
    assert rows["Subject"] == f"{group['name']} (proposed organisation)"
    assert rows["Against"] == f"{council['name']} ({atlas.info('utla_2011')['vintage']})"
    assert rows["Residents (Census 2011)"] == formatting.people(part)
    assert rows[f"Residents of the whole {council['name']}"] == formatting.people(council["population"])
    assert rows[f"Residents of the whole {group['name']}"] == formatting.people(group["population"])
