"""The notebook API: ``atlas.check``, ``atlas.advise``, ``atlas.map`` and ``atlas.with_scenario``; every result a
frame with its metadata in ``attrs["meta"]``, every map a page that displays itself and can be saved."""

from __future__ import annotations

import html
import re

import pytest

from commissioning_atlas import AtlasError, checks, maps
from commissioning_atlas.advise import advise, write_scenario
from commissioning_atlas.advise.advice_map import advice_map
from commissioning_atlas.maps.view import Page


def test_check_returns_the_findings_with_their_metadata(small_atlas):
    f = small_atlas.check(subject="ccg_2015", against="utla_2011")
    direct = checks.run_check(small_atlas, "ccg_2015", "utla_2011", ("crosses", "coterminosity"))
    assert f.drop(columns="geometry").equals(direct.drop(columns="geometry"))
    meta = f.attrs["meta"]
    assert meta["kind"] == "check" and meta["subject"] == "ccg_2015" and meta["against"] == "utla_2011"
    assert meta["rules"] == ["crosses", "coterminosity"] and meta["population_basis"] == "census_2011"
    size = small_atlas.check(subject="pct_2011", geometry=False)
    assert size.attrs["meta"]["rules"] == ["size"] and size.attrs["meta"]["against"] is None


@pytest.mark.parametrize("kwargs, words", [
    ({"preset": "ccg-size", "subject": "pct_2011"}, "either a preset or subject/against"),
    ({}, "nothing to check"),
    ({"preset": "ccg-sise"}, "unknown preset 'ccg-sise'; did you mean ccg-size?"),
    ({"subject": "pct_2011", "against": "sha_2011", "rules": ["cross"]}, "unknown rule"),
])
def test_check_refuses_bad_questions_in_one_line(small_atlas, kwargs, words):
    with pytest.raises(AtlasError, match=re.escape(words)):
        small_atlas.check(**kwargs)


def test_a_map_page_displays_itself_and_saves_the_same_bytes(small_atlas, tmp_path):
    page = small_atlas.map(["pct_2011", "sha_2011"], title="PCTs & SHAs <2011>")
    assert isinstance(page, Page) and page.title == "PCTs & SHAs <2011>"
    written = maps.layer_map(small_atlas, ["pct_2011", "sha_2011"], tmp_path / "direct.html", "PCTs & SHAs <2011>")
    assert page.html == written.read_text(encoding="utf-8")
    shown = page._repr_html_()
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" title="([^"]*)" style="width:100%;height:520px;border:0"></iframe>',
                     shown)
    assert m and html.unescape(m.group(1)) == page.html and html.unescape(m.group(2)) == page.title
    saved = page.save(tmp_path / "saved.html")
    assert saved.read_bytes() == written.read_bytes()
    assert not list(tmp_path.glob(".saved*"))  # the writer's temporary is gone


def test_a_check_maps_as_its_findings_page(small_atlas, tmp_path):
    f = small_atlas.check(subject="ccg_2015", against="pct_2011")
    page = small_atlas.map(f)
    direct = maps.findings_map(small_atlas, f, tmp_path / "f.html", f.attrs["meta"]["title"], "ccg_2015", "pct_2011")
    assert page.html == direct.read_text(encoding="utf-8") and page.title == "ccg_2015 against pct_2011"
    with pytest.raises(AtlasError, match="geometry=True"):
        small_atlas.map(small_atlas.check(subject="ccg_2015", against="pct_2011", geometry=False))
    with pytest.raises(AtlasError, match="map what"):
        small_atlas.map(42)


def test_advice_is_a_frame_with_its_metadata_and_writes_the_same_scenario(small_atlas, tmp_path):
    a = small_atlas.advise("pct_2011", 40_000, within="sha_2011", reference="utla_2011")
    plan = advise(small_atlas, "pct_2011", 40_000, within="sha_2011", reference="utla_2011")
    meta = a.attrs["meta"]
    assert meta["kind"] == "advice" and meta["groups"] == plan.groups == len(a) and meta["floor"] == 40_000
    assert meta["summary"] == plan.summary(timings=False) and meta["optimal"] == plan.optimal
    assert (a["population"] >= 40_000).all()
    assert a["population"].sum() == int(small_atlas.layer("pct_2011")["population"].sum())
    from commissioning_atlas.advise import write_advice

    for suffix in (".yaml", ".csv"):
        assert (write_advice(a, tmp_path / f"a{suffix}").read_bytes()
                == write_scenario(plan, tmp_path / f"p{suffix}").read_bytes())


@pytest.mark.integration
def test_an_advice_maps_like_the_advice_map(atlas, tmp_path):
    options = {"within": "sha_2011", "reference": "utla_2011", "count_plans": False}
    a = atlas.advise("pct_cluster_2011", 750_000, **options)
    plan = advise(atlas, "pct_cluster_2011", 750_000, **options)
    page = atlas.map(a)
    direct = advice_map(atlas, plan, write_scenario(plan, tmp_path / "advice.yaml"), tmp_path / "m")
    assert page.html == direct.read_text(encoding="utf-8") and page.title == a.attrs["meta"]["title"]


@pytest.mark.integration
def test_with_scenario_is_a_copy_and_the_original_is_unchanged(atlas, tmp_path):
    scen = tmp_path / "two.csv"
    codes = list(atlas.layer("pct_cluster_2011")["code"])
    scen.write_text(f"code,name,members\nA,Alpha,{codes[0]} {codes[1]}\nB,Beta,{codes[2]}\n", encoding="utf-8")
    copy = atlas.with_scenario(scen)
    assert "scenario" in copy.layer_ids() and "scenario" not in atlas.layer_ids()
    assert list(copy.layer("scenario")["code"]) == ["A", "B"]
    f = copy.check(subject="scenario", against="sha_2011", geometry=False)
    assert f.attrs["meta"]["subject"] == "scenario" and set(f["subject_code"]) <= {"A", "B"}
    with pytest.raises(AtlasError, match="two.csv"):
        scen.write_text("code,name,members\nA,Alpha,NOPE\n", encoding="utf-8")
        atlas.with_scenario(scen)


def test_an_advice_beside_a_real_set_its_units_and_a_units_options(small_atlas):
    """The comparison, the units an advice groups and a unit's options: each a frame with its metadata, the
    same figures as the advise modules give (what notebook 07 uses, through the Atlas only)."""
    from commissioning_atlas.advise import build_instance
    from commissioning_atlas.advise.compare import compare_plans, unit_options

    a = small_atlas.advise("pct_2011", 100_000, within="sha_2011", reference="utla_2011")
    t = small_atlas.compare(a, "sha_2011", councils="utla_2011")
    assert t.equals(compare_plans(small_atlas, a.attrs["plan"], "sha_2011", "utla_2011"))
    assert t.attrs["meta"]["kind"] == "comparison" and t.attrs["meta"]["real"] == "sha_2011"
    assert t.loc["advice", "groups"] == a.attrs["meta"]["groups"] and t.loc["real", "groups"] == 2
    assert a[a["population"] < 100_000].empty
    with pytest.raises(AtlasError, match="compare what"):
        small_atlas.compare(small_atlas.check(subject="pct_2011", geometry=False), "sha_2011")
    units = small_atlas.advise_units("pct_2011", within="sha_2011")
    inst = build_instance(small_atlas, "pct_2011", 1, within="sha_2011")
    assert list(units["code"]) == list(inst.codes) and units["population"].tolist() == inst.population.tolist()
    assert dict(zip(units["code"], units["area_name"]))["E16000001"] == "West SHA"
    assert units.attrs["meta"]["neighbouring_pairs"] == len(inst.edges) > 0
    assert units["population"].sum() == int(small_atlas.layer("pct_2011")["population"].sum())
    opts = small_atlas.unit_options("E16000006", [60_000, 100_000], "pct_2011", within="sha_2011")
    assert opts.equals(unit_options(small_atlas, "E16000006", [60_000, 100_000], "pct_2011", within="sha_2011"))
    assert opts.attrs["meta"]["floors"] == [60_000, 100_000] and set(opts["floor"]) == {60_000, 100_000}


def test_a_checks_metadata_counts_its_findings_and_the_councils_split(small_atlas):
    f = small_atlas.check(subject="ccg_2015", against="utla_2011", rules=["splits"], geometry=False)
    meta = f.attrs["meta"]
    assert meta["counts"] == checks.counts(f) and sum(meta["counts"].values()) == len(f)
    assert meta["councils_split_codes"] == checks.councils_split(f) and meta["councils_split"] == len(
        meta["councils_split_codes"])
    assert meta["split_rule"] == checks.Tolerance().describe_splits()
