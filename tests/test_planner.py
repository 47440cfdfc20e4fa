"""The planner page: its precomputed tables, its size, and (in Chromium) editing real plans whose figures must
equal `check --scenario` on the exported CSV (on residents, and on registered patients of May 2022), plans in and
out (CSV, YAML, the link) and every bad import."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from commissioning_atlas import cli
from commissioning_atlas.maps.planner import MAX_PAGE_BYTES, best_fit, planner_map

SHOTS = Path("/work/shots/planner")


@pytest.fixture(scope="module")
def pages(atlas, tmp_path_factory):
    out = tmp_path_factory.mktemp("planner")
    return {"default": planner_map(atlas, out / "planner.html"),  # sub-ICB locations of 2026, the ICBs of 2026
            "sicbl": planner_map(atlas, out / "sicbl_2023.html", "sicbl_2023", "icb_2023"),
            "utla": planner_map(atlas, out / "councils.html", "utla_2023", "icb_2026")}


# ------------------------------------------------------------------------------------------------ no browser
@pytest.mark.integration
def test_page_within_budget_and_offline(pages):
    text = pages["default"].read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= MAX_PAGE_BYTES
    assert "http://" not in text.split("ca-pack")[0] and "<script src" not in text


@pytest.mark.integration
def test_best_fit_of_real_sets(atlas):
    """The ICBs of 2026 and the proposals of 2027 are exact unions of the sub-ICB locations of 2026; councils split
    between ICBs are put in the ICB holding most of their residents, and the page says how many."""
    assign, groups, note = best_fit(atlas, "sicbl_2026", "icb_2026")
    assert len(groups) == 36 and (assign >= 0).all() and note.startswith("exact")
    assign, groups, note = best_fit(atlas, "sicbl_2026", "icb_merger_2027")
    assert (assign >= 0).all() and note.startswith("exact")
    assign, groups, note = best_fit(atlas, "utla_2023", "icb_2023")
    assert len(groups) == 42 and note.startswith("best fit") and "lie in more than one group" in note


# ------------------------------------------------------------------------------------------------ browser
def _open(browser, path: Path, width=1440, height=900, hash_: str = ""):
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:", "about:")) else requests.append(r.url))
    page.goto(path.as_uri() + hash_)
    page.wait_for_function("window.caPlanner !== undefined", timeout=20000)
    page.errors, page.requests = errors, requests
    return page


def _state(page) -> dict:
    return page.evaluate("caPlanner.state()")


def _cli_json(argv: list[str], out: Path) -> list[dict]:
    code = cli.main(argv + ["--quiet", "-o", str(out)])
    assert code in (0, 1), argv
    return json.loads(out.read_text(encoding="utf-8"))["findings"]


def _assert_same_as_cli(page, csv_path: Path, units: str, councils: str, regions: str, tmp_path: Path,
                        literal_cli: bool = True) -> dict:
    """The page's figures against `check --scenario csv_path`: sizes, councils split with the people on each
    side, region crossings, unassigned units; and every group's population against the scenario layer."""
    import commissioning_atlas as ca
    from commissioning_atlas import checks

    fig = page.evaluate("caPlanner.figures()")
    scen = ["check", "--scenario", str(csv_path), "--subject", "scenario"]
    if literal_cli:  # the command line itself, as a user runs it
        size_splits = _cli_json(scen + ["--against", councils, "--rule", "splits", "--rule", "size"], tmp_path / "a.json")
        crosses = _cli_json(scen + ["--against", regions, "--rule", "crosses"], tmp_path / "b.json")
        gaps = _cli_json(scen + ["--against", units, "--rule", "coverage"], tmp_path / "c.json")
        atlas = ca.load(scenario=csv_path, progress=False)
    else:  # the same functions the command calls, on one loaded atlas
        atlas = ca.load(scenario=csv_path, progress=False)
        rec = lambda f: checks._records(f)  # noqa: E731
        size_splits = rec(checks.run_check(atlas, "scenario", councils, ("splits", "size"), geometry=False))
        crosses = rec(checks.run_check(atlas, "scenario", regions, ("crosses",), geometry=False))
        gaps = rec(checks.run_check(atlas, "scenario", units, ("coverage",), geometry=False))
    layer = atlas.layer("scenario")
    pop = dict(zip(layer["code"], layer["population"].astype(int)))
    assert {g["code"]: g["pop"] for g in fig["groups"]} == pop
    # size: the groups under the floor and their people
    th = page.evaluate("document.getElementById('pl-threshold').value")
    below = {r["subject_code"]: r["population"] for r in size_splits if r["rule"] == "size" and r["against_code"] == th}
    assert {g["code"]: g["sized"] for g in fig["groups"] if g["low"] or g["high"]} == below
    # councils split: which, and the people of every part on each side
    split = {}
    for r in size_splits:
        if r["rule"] == "splits" and r["class"] == "split part":
            split.setdefault(r["against_code"], None)
    cli_parts = {(r["against_code"], r["subject_code"]): r["population"] for r in size_splits
                 if r["rule"] == "splits" and r["against_code"] in split}
    assert {s["code"] for s in fig["splits"]} == set(split)
    assert {(s["code"], q["group"]): q["pop"] for s in fig["splits"] for q in s["parts"]} == cli_parts
    # region lines: the crossing parts and their people
    cli_cross = {(r["subject_code"], r["against_code"]): r["population"] for r in crosses if r["class"] == "crossing part"}
    assert {(g["code"], c["code"]): c["pop"] for g in fig["groups"] for c in g["crossing"]} == cli_cross
    # unassigned: the gaps of the plan's coverage of its own units
    assert set(fig["unassigned"]) == {r["against_code"] for r in gaps if r["class"] == "gap"}
    return fig


def _canonical(plan: dict) -> dict:
    """A plan as unit -> group code and group code -> name (a CSV lists groups in the order units meet them)."""
    codes = [g["code"] for g in plan["groups"]]
    return {"units": [codes[a] if a >= 0 else None for a in plan["assign"]],
            "names": {g["code"]: g["name"] for g in plan["groups"]}}


def _download(page, button: str, path: Path) -> Path:
    with page.expect_download() as d:
        page.get_by_role("button", name=button).click()
    d.value.save_as(path)
    return path


@pytest.mark.browser
@pytest.mark.integration
def test_edit_a_real_plan_same_figures_as_the_command_line(browser, pages, atlas, tmp_path):
    page = _open(browser, pages["default"])
    start = _state(page)
    codes = [g["code"] for g in start["groups"]]
    units = page.evaluate("JSON.parse(document.getElementById('ca-data').textContent).units.codes")
    # move Norfolk and Waveney's unit... any unit: the first unit of the 2nd ICB goes to the 1st ICB, by a map click
    g_to, g_from = 0, 1
    moved = units[start["assign"].index(g_from)]
    page.select_option("#pl-active", str(g_to))
    pt = page.evaluate("c => caPlanner.unitPoint(c)", moved)
    page.mouse.click(pt["x"], pt["y"])
    after = _state(page)
    assert after["assign"][units.index(moved)] == g_to, "the click moved the unit"
    assert sum(1 for a, b in zip(start["assign"], after["assign"]) if a != b) == 1
    # merge the 3rd ICB into the 4th, by the editor
    page.select_option("#pl-active", str(3))
    page.select_option("#pl-merge", str(2))
    page.get_by_role("button", name="Merge").click()
    merged = _state(page)
    assert len(merged["groups"]) == len(start["groups"]) - 1
    assert codes[2] not in [g["code"] for g in merged["groups"]]
    summary = page.evaluate("caPlanner.summary()")
    assert summary.startswith("35 groups;") and "under 1,000,000 (Census 2021 usual residents)" in summary
    csv_path = _download(page, "Export CSV", tmp_path / "plan.csv")
    fig = _assert_same_as_cli(page, csv_path, "sicbl_2026", "utla_2023", "nhs_region_2023", tmp_path)
    n_low = sum(g["low"] for g in fig["groups"])
    assert f"; {n_low} group{'' if n_low == 1 else 's'} under 1,000,000" in summary
    n_split = len(fig["splits"])
    assert f"; {n_split} council{'' if n_split == 1 else 's'} split: " in summary
    # undo twice brings the real plan back; redo the merge again
    page.get_by_role("button", name="Undo").click()
    page.get_by_role("button", name="Undo").click()
    assert _state(page) == start
    page.keyboard.press("Control+y")
    assert _state(page)["assign"] == after["assign"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "desktop-edited.png"))
    assert page.errors == [] and page.requests == []
    page.close()


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.parametrize("which,start,units,councils,regions", [
    ("sicbl", "icb_cluster_2025", "sicbl_2023", "utla_2023", "nhs_region_2023"),
    ("default", "icb_merger_2027", "sicbl_2026", "utla_2023", "nhs_region_2023"),
    ("utla", "icb_2026", "utla_2023", "utla_2023", "nhs_region_2023"),
])
def test_real_starting_plans_same_figures(browser, pages, which, start, units, councils, regions, tmp_path):
    page = _open(browser, pages[which])
    page.select_option("#pl-start", start)
    page.get_by_role("button", name="Load").click()
    csv_path = tmp_path / "plan.csv"
    csv_path.write_text(page.evaluate("caPlanner.csv()"), encoding="utf-8")  # what Export CSV downloads
    _assert_same_as_cli(page, csv_path, units, councils, regions, tmp_path, literal_cli=False)
    assert page.errors == []
    page.close()


@pytest.mark.browser
@pytest.mark.integration
def test_advice_offered_as_a_starting_plan_same_figures_as_advise(browser, pages, atlas, tmp_path):
    """The default page offers the advice of data/planner.toml (the 2025 instance); loading it gives the groups
    `advise` prints, and every group no straddling unit touches has the population `advise` gives it."""
    import re

    import numpy as np

    csv_path = tmp_path / "advice.csv"
    assert cli.main(["advise", "--units", "icb_2022", "--floor", "1000000", "--within", "nhs_region_2022",
                     "--closest-to", "icb_cluster_2025", "--quiet", "-o", str(csv_path)]) == 0
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    cli_pop = {r["code"]: int(re.match(r"([\d,]+) people", r["note"]).group(1).replace(",", "")) for r in rows}
    group_of = {m: r["code"] for r in rows for m in r["members"].split()}
    page = _open(browser, pages["default"])
    offered = page.evaluate("Array.from(document.querySelectorAll('#pl-start option')).map(o => [o.value, o.text])")
    advice = [(v, t) for v, t in offered if v.startswith("advice-")]
    assert len(advice) == 1
    value, title = advice[0]
    assert title.startswith(f"Advice: {len(rows)} groups of the integrated care boards (July 2022), each at least "
                            "1,000,000, within NHS England regions (July 2022)") and "proven optimal" in title
    page.select_option("#pl-start", value)
    page.get_by_role("button", name="Load").click()
    fig = page.evaluate("caPlanner.figures()")
    assert len(fig["groups"]) == len(rows) == 32 and fig["unassigned"] == []
    # the sub-ICB locations of 2026 lying in more than one 2022 ICB: the groups they touch are a best fit
    su, sk, scodes = (lambda m: (m.rows, m.units, m.codes))(atlas.membership_index("sicbl_2026"))
    im = atlas.membership_index("icb_2022")
    icb = np.full(len(atlas.lsoa), -1, dtype=np.int64)
    icb[im.rows] = im.units
    touched = set()
    for u in range(len(scodes)):
        icbs = {str(im.codes[i]) for i in icb[su[sk == u]] if i >= 0}
        if len(icbs) > 1:
            touched |= {group_of[c] for c in icbs}
    page_pop = {g["code"]: g["pop"] for g in fig["groups"]}
    assert set(page_pop) == set(cli_pop) and 0 < len(touched) <= 6
    assert {c: p for c, p in page_pop.items() if c not in touched} == \
        {c: p for c, p in cli_pop.items() if c not in touched}
    assert sum(page_pop.values()) == pytest.approx(sum(cli_pop.values()), abs=len(page_pop))
    assert "lie in more than one group" in page.text_content("body") or "lies in more than one group" in \
        page.text_content("body")
    assert page.errors == []
    page.close()


@pytest.mark.browser
@pytest.mark.integration
def test_plans_round_trip_csv_yaml_and_link(browser, pages, tmp_path):
    page = _open(browser, pages["default"])
    page.select_option("#pl-start", "icb_merger_2027")
    page.get_by_role("button", name="Load").click()
    page.select_option("#pl-active", "0")
    page.fill("#pl-name", "=SUM(A1) <b>Norfolk, \"Suffolk\" & Essex</b>")
    page.press("#pl-name", "Enter")
    plan = _state(page)
    assert plan["groups"][0]["name"] == "=SUM(A1) <b>Norfolk, \"Suffolk\" & Essex</b>"
    csv_path = _download(page, "Export CSV", tmp_path / "plan.csv")
    yaml_path = _download(page, "Export YAML", tmp_path / "plan.yaml")
    assert "'=SUM(A1)" in csv_path.read_text(encoding="utf-8")  # defused like every CSV the tool writes
    link = page.url
    for path in (csv_path, yaml_path):
        page.select_option("#pl-start", "empty")
        page.get_by_role("button", name="Load").click()
        assert len(_state(page)["groups"]) == 0
        page.set_input_files("#pl-import", str(path))
        page.wait_for_function("document.querySelector('.pl-msg').textContent.indexOf('Imported') === 0")
        got = _canonical(_state(page))
        want = _canonical(plan)
        assert got["units"] == want["units"]  # every unit in the group of the same code
        first = plan["groups"][0]["code"]
        assert {k: v for k, v in got["names"].items() if k != first} == {k: v for k, v in want["names"].items() if k != first}
        assert got["names"][first] in (want["names"][first], "'" + want["names"][first])  # CSV keeps the apostrophe
    # the CLI reads the YAML too, with the same groups
    from commissioning_atlas.footprints import read_proposals
    df = read_proposals(yaml_path)
    assert list(df["code"]) == [g["code"] for g in plan["groups"]] and df.attrs["vintage"] == "2026"
    assert set(read_proposals(csv_path)["code"]) == set(df["code"])
    # the link reopens the plan in a fresh page
    fresh = _open(browser, pages["default"], hash_="#" + link.split("#", 1)[1])
    assert _state(fresh) == plan
    assert fresh.locator(".pl-panel b").count() == 0 and "<b>Norfolk" in fresh.locator(".pl-table").inner_text()
    fresh.close()
    page.close()


BAD = [
    ("notaplan.csv", "hello,world\n1,2\n", "not a plan"),
    ("unknown.csv", "unit_code,group\nE38000006,A\nE38999999,A\n", "row 2: unknown unit code 'E38999999'"),
    ("duplicate.csv", "unit_code,group\nE38000006,A\nE38000007,B\nE38000006,B\n", "appears twice (rows 1 and 3)"),
    ("council.csv", "unit_code,group\nE06000001,A\n", "E06000001 is the code of a council"),
    ("empty.yaml", "organisations:\n  - code: A\n    name: An empty group\n    members: []\n", "has no units (an empty group)"),
    ("many.csv", "code,name,members\n" + "".join(f"G{i},Group {i},E38000006\n" for i in range(10_000)),
     "too many groups (10,000; a plan holds at most 1,000)"),
    ("latin1.csv", None, "not UTF-8"),
    ("prose.yaml", "Dear planner,\nplease merge us.\n", "not a plan"),
]


@pytest.mark.browser
@pytest.mark.integration
def test_bad_imports_leave_the_plan_unchanged(browser, pages, tmp_path):
    page = _open(browser, pages["default"])
    before = _state(page)
    for name, text, expected in BAD:
        path = tmp_path / name
        if text is None:
            path.write_bytes("unit_code,group\nE38000006,Caf\xe9\n".encode("latin-1"))
        else:
            path.write_text(text, encoding="utf-8")
        page.set_input_files("#pl-import", str(path))
        page.wait_for_function("document.querySelector('.pl-msg').className.indexOf('pl-msg-error') >= 0")
        msg = page.locator(".pl-msg").inner_text()
        assert expected in msg and msg.startswith(name) and msg.endswith("The plan is unchanged."), msg
        assert _state(page) == before, name
        page.evaluate("document.querySelector('.pl-msg').className = 'pl-msg'")
    # a 50 MB file is refused by its size, unread
    big = tmp_path / "big.csv"
    with big.open("wb") as f:
        f.write(b"unit_code,group\n")
        f.truncate(50 * 1024 * 1024)
    page.set_input_files("#pl-import", str(big))
    page.wait_for_function("document.querySelector('.pl-msg').className.indexOf('pl-msg-error') >= 0")
    assert "52.4 MB; a plan file is at most 5 MB" in page.locator(".pl-msg").inner_text()
    assert _state(page) == before
    # HTML in a group name is text: imported, shown literally, never markup
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("unit_code,group,group_name\nE38000006,A,<img src=x onerror=\"document.title='pwned'\">\n",
                       encoding="utf-8")
    page.set_input_files("#pl-import", str(hostile))
    page.wait_for_function("document.querySelector('.pl-msg').textContent.indexOf('Imported') === 0")
    assert page.locator(".pl-panel img").count() == 0 and page.title() != "pwned"
    assert "<img src=x" in page.locator(".pl-table").inner_text()
    page.screenshot(path=str(SHOTS / "desktop-hostile-import.png"))
    assert page.errors == [] and page.requests == []
    page.close()


@pytest.mark.browser
@pytest.mark.integration
def test_phone_and_keyboard(browser, pages):
    page = _open(browser, pages["default"], width=390, height=844)
    page.screenshot(path=str(SHOTS / "phone.png"))
    start = _state(page)
    # keyboard: choose a group, then press a unit of another group in the list (Enter on a focused button)
    units = page.evaluate("JSON.parse(document.getElementById('ca-data').textContent).units.codes")
    k = next(i for i, g in enumerate(start["assign"]) if g not in (1, -1) and start["assign"].count(g) > 1)
    page.locator(".pl-fold summary", has_text="Units").click()
    page.select_option("#pl-active", "1")
    page.locator(".pl-unit", has_text=f"({units[k]})").focus()
    page.keyboard.press("Enter")
    after = _state(page)
    changed = [i for i, (a, b) in enumerate(zip(start["assign"], after["assign"])) if a != b]
    assert changed == [k] and after["assign"][k] == 1
    # lock the group: a click no longer takes units out of it
    page.check("#pl-lock")
    page.select_option("#pl-active", "-1")
    unit = units[after["assign"].index(1)]
    page.locator(".pl-unit", has_text=f"({unit})").click()
    assert "is locked" in page.locator(".pl-msg").inner_text()
    assert _state(page)["assign"] == after["assign"]
    box = page.locator(".pl-panel").bounding_box()
    assert box["width"] <= 390 and box["y"] > 300  # the panel is below the map, full width
    page.screenshot(path=str(SHOTS / "phone-locked.png"), full_page=True)
    assert page.errors == []
    page.close()


@pytest.mark.browser
@pytest.mark.integration
def test_planner_counts_registered_patients_as_check_does_on_the_exported_plan(browser, pages, atlas, mirror,
                                                                               tmp_path, capsys):
    """The planner over the 2026 sub-ICB locations offers registered patients; chosen, its size rule reads them,
    and its figures equal `check --scenario plan.csv --population registered_2022` (two ICBs that share Frimley's
    apportioned location merged, so a group holds two apportioned pieces)."""
    import commissioning_atlas as ca

    path = pages["default"]  # the planner over the 2026 sub-ICB locations
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function("window.caPlanner !== undefined", timeout=20000)
    assert "registered_2022" in page.eval_on_selector_all("#pl-basis option", "os => os.map(o => o.value)")
    page.select_option("#pl-basis", "registered_2022")
    groups = [g["code"] for g in page.evaluate("caPlanner.state()")["groups"]]
    split = atlas.layer("icb_2026").attrs["registered_2022_apportioned"]  # the ICBs sharing Frimley's location
    page.select_option("#pl-active", str(groups.index(split[0])))
    page.select_option("#pl-merge", str(groups.index(split[1])))
    page.get_by_role("button", name="Merge").click()
    fig = page.evaluate("caPlanner.figures()")
    summary = page.evaluate("caPlanner.summary()")
    notes = page.evaluate("document.body.textContent")  # the notes fold is closed
    assert "under 1,000,000 (GP registered patients, 1 May 2022 (size rule only))" in summary
    assert "the size rule reads them and councils split and region lines still count residents" in notes
    csv_path = tmp_path / "plan.csv"
    csv_path.write_text(page.evaluate("caPlanner.csv()"), encoding="utf-8")
    assert errors == []
    page.close()
    code = cli.main(["check", "--mirror", str(mirror), "--quiet", "--scenario", str(csv_path), "--subject", "scenario",
                     "--rule", "size", "--population", "registered_2022", "--format", "json"])
    out = capsys.readouterr().out
    flagged = {f["subject_code"]: f["population"] for f in json.loads(out)["findings"]}
    assert code == 1 and flagged == {g["code"]: g["sized"] for g in fig["groups"] if g["low"]}
    scen = ca.load(mirror=mirror, scenario=csv_path, progress=False).layer("scenario")
    assert {g["code"]: g["held"] for g in fig["groups"]} == dict(zip(scen["code"], scen["registered_2022"].astype(int)))
    assert {g["code"]: g["pop"] for g in fig["groups"]} == dict(zip(scen["code"], scen["population"].astype(int)))
    assert len(fig["groups"]) == 35 and sum(g["held"] for g in fig["groups"]) == 61_654_788


@pytest.mark.integration
def test_plan_command_starts_from_a_scenario_file(atlas, tmp_path):
    """`plan --start FILE` opens on a plan from a file (as one `advise` wrote); a bad -o is refused first."""
    from commissioning_atlas.maps.encode import read_page_data

    units, icbs = atlas.membership_index("sicbl_2023"), atlas.membership_index("icb_2023")
    icb = dict(zip(icbs.rows.tolist(), icbs.codes[icbs.units].tolist()))  # LSOA row -> ICB
    codes, first = units.codes, {}
    for r, u in zip(units.rows.tolist(), units.units.tolist()):
        first.setdefault(u, icb[r])
    plan = tmp_path / "advice.csv"
    plan.write_text("unit_code,group\n" + "".join(f"{codes[u]},{g}\n" for u, g in sorted(first.items())), encoding="utf-8")
    out = tmp_path / "p.html"
    assert cli.main(["plan", "--quiet", "--units", "sicbl_2023", "--start", str(plan), "-o", str(out)]) == 0
    data = read_page_data(out)
    start = next(p for p in data["plans"] if p["id"] == data["start"])
    assert data["start"] == "scenario" and len(start["groups"]) == 42 and start["note"].startswith("exact")
    assert cli.main(["plan", "--quiet", "-o", str(tmp_path / "p.txt")]) == 2 and not (tmp_path / "p.txt").exists()


@pytest.mark.integration
@pytest.mark.browser
def test_print_shows_england_whole_beside_the_groups(browser, pages):
    """Printed on A4: the map (England whole, at least 80% of its height, no zoom buttons) beside the summary
    and the groups' table; the screen gets its view back."""
    page = _open(browser, pages["default"])
    screen = page.evaluate("""() => { const r = document.getElementById('map').getBoundingClientRect();
      return [r.width, r.height]; }""")
    page.emulate_media(media="print")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    got = page.evaluate("""() => {
      const box = document.getElementById('map').getBoundingClientRect();
      const data = JSON.parse(document.getElementById('ca-data').textContent);
      const paths = [...document.querySelectorAll('#map path.leaflet-interactive')].map(p => p.getBoundingClientRect())
        .filter(r => r.width > 0);
      const x0 = Math.min(...paths.map(r => r.left)), x1 = Math.max(...paths.map(r => r.right));
      const y0 = Math.min(...paths.map(r => r.top)), y1 = Math.max(...paths.map(r => r.bottom));
      const zoom = document.querySelector('.leaflet-control-zoom');
      const panel = document.querySelector('.pl-panel').getBoundingClientRect();
      return {w: box.width, h: box.height, inside: x0 >= box.left - 1 && x1 <= box.right + 1 && y0 >= box.top - 1 &&
              y1 <= box.bottom + 1, span: Math.max((x1 - x0) / box.width, (y1 - y0) / box.height),
              zoom: zoom ? getComputedStyle(zoom).display : 'none', beside: panel.left >= box.right - 1,
              groups: document.querySelectorAll('.pl-panel table tr').length};
    }""")
    assert got["w"] == pytest.approx(165 / 25.4 * 96, abs=2) and got["h"] == pytest.approx(194 / 25.4 * 96, abs=2)
    assert got["inside"] and got["span"] >= 0.8, got  # England whole, filling the map's height
    assert got["zoom"] == "none" and got["beside"] and got["groups"] > 36, got
    page.emulate_media(media="screen")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.evaluate("""() => { const r = document.getElementById('map').getBoundingClientRect();
      return [r.width, r.height]; }""") == screen
    assert page.errors == []
    page.close()


@pytest.mark.integration
@pytest.mark.browser
def test_size_rules_in_words(browser, pages):
    """The size rules are offered by their range and whom they count, never by their id ("icb_floor_2025")."""
    page = _open(browser, pages["default"])
    got = page.evaluate("[...document.querySelectorAll('#pl-threshold option')].map(o => [o.value, o.textContent])")
    texts = dict(got)
    assert texts["icb_floor_2025"] == "at least 1,000,000 residents"
    assert texts["bma_range_2012"].startswith("at least 100,000, at most 750,000 registered patients")
    assert not any(v in t for v, t in got), got
    page.close()
