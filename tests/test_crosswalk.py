"""Crosswalks and apportioning: their logic on the small synthetic atlas (tests/small_atlas.py), England's
figures on the real 2011-13 layers, their one-line errors, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from commissioning_atlas import AtlasError
from commissioning_atlas.crosswalk import CROSSWALK_COLUMNS, apportion, crosswalk, write_apportioned, write_crosswalk

# --------------------------------------------------------------------------- logic: the small atlas


@pytest.fixture(scope="module")
def small_cw(small_atlas):
    return crosswalk(small_atlas, "pct_2011", "ccg_2015")


def _conserves(atlas, cw, from_id, to_id) -> None:
    """Every FROM and TO unit's people and area are the sum of its rows; one best fit per FROM unit,
    the row holding most of its people."""
    assert list(cw.columns) == CROSSWALK_COLUMNS
    frm = atlas.layer(from_id).set_index("code")
    to = atlas.layer(to_id).set_index("code")
    by_from = cw.groupby("from_code")["population"].sum()
    assert by_from.index.tolist() == sorted(frm.index)
    assert (by_from == frm["population"].reindex(by_from.index)).all()
    by_to = cw.groupby("to_code")["population"].sum()
    assert by_to.index.tolist() == sorted(to.index)
    assert (by_to == to["population"].reindex(by_to.index)).all()
    assert np.allclose(cw.groupby("from_code")["share_of_from"].sum(), 1)
    assert np.allclose(cw.groupby("to_code")["share_of_to"].sum(), 1)
    assert np.allclose(cw.groupby("from_code")["area_km2"].sum(), frm["area_km2"].reindex(by_from.index))
    assert (cw.groupby("from_code")["best_fit"].sum() == 1).all()
    best = cw[cw["best_fit"]].set_index("from_code")
    most = cw.groupby("from_code")["population"].max()
    assert (best["population"] == most.reindex(best.index)).all()


def test_crosswalk_conserves_every_unit_and_finds_the_parts(small_atlas, small_cw):
    """People and area are conserved per unit; the rows are exactly the (PCT, CCG) pairs sharing LSOAs."""
    _conserves(small_atlas, small_cw, "pct_2011", "ccg_2015")
    assert int(small_cw["population"].sum()) == int(small_atlas.lsoa["population"].sum())
    lsoa = small_atlas.lsoa
    pairs = lsoa.groupby(["pct_2011", "ccg_2015"]).size()
    assert list(zip(small_cw["from_code"], small_cw["to_code"])) == sorted(pairs.index)
    assert small_cw["lsoas"].tolist() == pairs.sort_index().tolist()


def test_a_unit_that_is_exactly_another_maps_one_to_one(small_cw):
    """PCT 1 is exactly CCG 1: one row, both shares 1, best fit; PCT 5 lies inside CCG 5: all of its
    people go there, but they are only part of CCG 5's."""
    pct1 = small_cw[small_cw["from_name"] == "PCT 1"]
    assert len(pct1) == 1
    r = pct1.iloc[0]
    assert r["to_name"] == "NHS CCG 1" and r["share_of_from"] == 1.0 and r["share_of_to"] == 1.0 and r["best_fit"]
    r = small_cw[small_cw["from_name"] == "PCT 5"].iloc[0]
    assert r["to_name"] == "NHS CCG 5" and r["share_of_from"] == 1.0 and 0 < r["share_of_to"] < 1


def test_every_output_states_basis_lsoas_and_best_fit(small_cw, tmp_path):
    """The statement names the LSOAs, the basis and the people a best-fit lookup would move, in every
    format; the same crosswalk writes the same bytes; an unknown output type is one error."""
    meta = small_cw.attrs["meta"]
    moved = meta["best_fit_population_moved"]
    assert moved == small_cw.loc[~small_cw["best_fit"], "population"].sum() > 0
    st = meta["statement"]
    assert meta["from_overlapping_lsoas"] == 0 and "overlap" not in st
    assert "288 LSOAs of 2011" in st and "census_2011 (Census 2011 usual residents)" in st
    assert f"{moved:,}" in st and "3 of 7 pct_2011 units are split" in st
    write_crosswalk(small_cw, tmp_path / "cw.json")
    doc = json.loads((tmp_path / "cw.json").read_text(encoding="utf-8"))
    assert doc["statement"] == st and doc["basis"] == "census_2011" and len(doc["rows"]) == len(small_cw)
    assert st in write_crosswalk(small_cw)  # Markdown
    write_crosswalk(small_cw, tmp_path / "cw.csv")
    first = (tmp_path / "cw.csv").read_bytes()
    write_crosswalk(small_cw, tmp_path / "cw.csv")
    assert (tmp_path / "cw.csv").read_bytes() == first  # same crosswalk, same bytes
    with pytest.raises(AtlasError, match=r"cw.xlsx: unknown output type '.xlsx'"):
        write_crosswalk(small_cw, tmp_path / "cw.xlsx")


def test_crosswalk_geopackage(small_atlas, small_cw, tmp_path):
    """Each row of the GeoPackage is the union of its LSOAs, and the file carries the statement."""
    import geopandas as gpd
    import pyogrio

    write_crosswalk(small_cw, tmp_path / "cw.gpkg", atlas=small_atlas)
    g = gpd.read_file(tmp_path / "cw.gpkg")
    assert len(g) == len(small_cw) and g.geometry.is_valid.all() and g.crs.to_epsg() == 27700
    assert np.allclose(g.area / 1e6, g["area_km2"], rtol=1e-6)
    assert np.allclose(g.area / 1e6, small_cw["lsoas"] * 0.25)  # whole 500 m squares
    meta = pyogrio.read_info(tmp_path / "cw.gpkg")["dataset_metadata"]
    assert meta["statement"] == small_cw.attrs["meta"]["statement"]


def _pct_table(atlas) -> pd.DataFrame:
    """A user's table of figures per PCT, by ODS code: a count and a rate."""
    pct = atlas.layer("pct_2011")
    n = len(pct)
    return pd.DataFrame({"pct": pct["ods_code"].to_numpy(), "deaths": [str((i * 7919) % 100_003) for i in range(n)],
                         "rate": ["2.5"] * n})


def test_apportion_conserves_each_count_exactly(small_atlas):
    """Counts are shared out in whole numbers that sum to the input exactly; a uniform rate stays
    uniform; a PCT that is exactly one CCG hands it its count unchanged; same input, same text."""
    table = _pct_table(small_atlas)
    out = apportion(small_atlas, table, "pct", "pct_2011", "ccg_2015", counts=["deaths"], rates=["rate"])
    total = int(table["deaths"].astype(int).sum())
    assert out["deaths"].dtype == np.int64 and int(out["deaths"].sum()) == total
    assert len(out) == 9 and np.allclose(out["rate"], 2.5)
    assert np.allclose(out["share_covered"], 1)
    pct1 = table.set_index("pct").loc["5P1", "deaths"]
    assert out.set_index("to_name").loc["NHS CCG 1", "deaths"] == int(pct1)
    # CCG 5 holds all of PCT 5 and a sliver of PCT 7: at least PCT 5's count, less than both whole
    by = table.set_index("pct")["deaths"].astype(int)
    assert by["5P5"] <= out.set_index("to_name").loc["NHS CCG 5", "deaths"] < by["5P5"] + by["5P7"]
    meta = out.attrs["meta"]
    assert meta["totals"] == {"deaths": total} and "conserved exactly" in meta["statement"]
    assert "census_2011" in meta["statement"]
    again = apportion(small_atlas, table, "pct", "pct_2011", "ccg_2015", counts=["deaths"], rates=["rate"])
    assert write_apportioned(out, None) == write_apportioned(again, None)


@pytest.mark.parametrize("edit, pattern", [
    (lambda t: t.assign(pct=t["pct"].where(t.index != 4, "ZZZ")), r"row 5, column 'pct': unknown pct_2011 code 'ZZZ'"),
    (lambda t: t.assign(pct=t["pct"].where(t.index != 5, t["pct"].iloc[2])),
     r"row 6, column 'pct': pct_2011 unit E16\d+ appears twice \(rows 3 and 6\)"),
    (lambda t: t.assign(pct=t["pct"].where(t.index != 0, "E38000003")),
     r"row 1, column 'pct': code 'E38000003' belongs to ccg_2015 \(Clinical commissioning groups, July 2015\), "
     r"not to pct_2011$"),
    (lambda t: t.assign(deaths=t["deaths"].where(t.index != 6, "")), r"row 7, column 'deaths': missing value"),
    (lambda t: t.assign(deaths=t["deaths"].where(t.index != 6, "n/a")), r"row 7, column 'deaths': not a number: 'n/a'"),
    (lambda t: t.assign(deaths=t["deaths"].where(t.index != 2, "3.5")), r"row 3, column 'deaths': a count must be a whole"),
    (lambda t: t.assign(rate=t["rate"].where(t.index != 3, "x")), r"row 4, column 'rate': not a number"),
])
def test_apportion_bad_input_is_one_line(small_atlas, edit, pattern):
    """A bad cell of the user's table is one line naming file, row, column and value."""
    table = edit(_pct_table(small_atlas))
    with pytest.raises(AtlasError, match=pattern) as err:
        apportion(small_atlas, table, "pct", "pct_2011", "ccg_2015", counts=["deaths"], rates=["rate"], path="d.csv")
    assert "\n" not in str(err.value) and str(err.value).startswith("d.csv, row ")


# --------------------------------------------------------------------------- England


@pytest.mark.integration
def test_crosswalk_pct_to_ccg_holds_all_of_england(atlas):
    """The 151 PCTs of 2011 to the 211 CCGs of 2013: every unit conserved, England's 53,012,456 residents."""
    cw = crosswalk(atlas, "pct_2011", "ccg_2013")
    _conserves(atlas, cw, "pct_2011", "ccg_2013")
    assert int(cw["population"].sum()) == 53_012_456


@pytest.mark.integration
def test_tameside_and_glossop_goes_wholly_to_its_ccg(atlas):
    cw = crosswalk(atlas, "pct_2011", "ccg_2013")
    rows = cw[cw["from_name"] == "Tameside and Glossop"]
    assert len(rows) == 1
    r = rows.iloc[0]
    assert r["to_name"] == "NHS Tameside and Glossop"
    assert r["share_of_from"] == 1.0 and r["share_of_to"] == 1.0 and r["best_fit"]


@pytest.mark.integration
def test_apportion_conserves_england_exactly(atlas):
    """151 PCT figures onto 211 CCGs, conserved; Tameside and Glossop's count passes unchanged."""
    table = _pct_table(atlas)
    out = apportion(atlas, table, "pct", "pct_2011", "ccg_2013", counts=["deaths"], rates=["rate"])
    assert int(out["deaths"].sum()) == int(table["deaths"].astype(int).sum()) and len(out) == 211
    pct = atlas.layer("pct_2011").set_index("name")
    tg = table.set_index("pct").loc[pct.loc["Tameside and Glossop", "ods_code"], "deaths"]
    assert out.set_index("to_name").loc["NHS Tameside and Glossop", "deaths"] == int(tg)


@pytest.mark.integration
def test_footprint_sets_and_other_bases(atlas):
    cw = crosswalk(atlas, "css_2012", "ccg_2013")
    css = atlas.layer("css_2012").set_index("code")
    by = cw.groupby("from_code")["population"].sum()
    assert (by == css["population"].reindex(by.index)).all()
    assert cw.attrs["meta"]["from_overlapping_lsoas"] > 0 and "units overlap" in cw.attrs["meta"]["statement"]
    doubled = crosswalk(atlas, "pct_2011", "ccg_2013", population=atlas.lsoa["population"].to_numpy() * 2,
                        basis="mid_2019")
    assert doubled["basis"].eq("mid_2019").all() and "mid_2019 (ONS mid-2019" in doubled.attrs["meta"]["statement"]
    assert int(doubled["population"].sum()) == 2 * 53_012_456
    with pytest.raises(AtlasError, match="without its basis"):
        crosswalk(atlas, "pct_2011", "ccg_2013", population=atlas.lsoa["population"].to_numpy())
    with pytest.raises(AtlasError, match="one value per LSOA"):
        crosswalk(atlas, "pct_2011", "ccg_2013", population=np.ones(5), basis="mid_2019")
    with pytest.raises(AtlasError, match="unknown layer 'pct_2012'; did you mean"):
        crosswalk(atlas, "pct_2012", "ccg_2013")


@pytest.mark.integration
def test_cli_crosswalk_and_apportion(atlas, mirror, tmp_path, capsys):
    from commissioning_atlas.cli import main

    out = tmp_path / "cw.csv"
    assert main(["crosswalk", "pct_2011", "ccg_2013", "-o", str(out), "--mirror", str(mirror), "--quiet"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CROSSWALK_COLUMNS) and len(text.splitlines()) == 240
    assert "people (" in capsys.readouterr().out
    data = tmp_path / "d.csv"
    t = _pct_table(atlas)
    t.to_csv(data, index=False)
    res = tmp_path / "a.json"
    args = ["apportion", str(data), "--code-column", "pct", "--from", "pct_2011", "--to", "ccg_2013",
            "--counts", "deaths", "--rates", "rate", "--mirror", str(mirror), "--quiet"]
    assert main(args + ["-o", str(res)]) == 0
    doc = json.loads(res.read_text(encoding="utf-8"))
    assert sum(r["deaths"] for r in doc["rows"]) == int(t["deaths"].astype(int).sum())
    t.loc[11, "pct"] = "5XX"
    t.to_csv(data, index=False)
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "d.csv, row 12, column 'pct': unknown pct_2011 code '5XX'" in err
    assert main(["crosswalk", "pct_2011", "ccg_2013", "--population", "mid_2091", "--quiet"]) == 2
    assert "did you mean mid_2019" in capsys.readouterr().err


@pytest.mark.integration
def test_crosswalk_2021_to_2022_moves_glossop_to_derbyshire(atlas):
    cw = atlas.crosswalk("ccg_2021", "sicbl_2022")
    tg = cw[cw["from_name"] == "NHS Tameside and Glossop CCG"].set_index("to_name")
    glossop = tg.loc["NHS Derby and Derbyshire ICB - 15M"]
    assert not glossop["best_fit"] and glossop["basis"] == "mid_2020"  # the 2021 CCGs' default basis
    assert glossop["population"] == atlas.layer("ccg_2021").set_index("name").loc[
        "NHS Tameside and Glossop CCG", "population"] - tg.loc["NHS Greater Manchester ICB - 01Y", "population"]
    assert 30_000 < glossop["population"] < 36_000
    on_2021 = atlas.crosswalk("ccg_2021", "sicbl_2022", population="census_2021")
    assert set(on_2021["basis"]) == {"census_2021"}
    assert on_2021.loc[(on_2021["from_name"] == "NHS Tameside and Glossop CCG") & ~on_2021["best_fit"],
                       "population"].item() == 33_332
