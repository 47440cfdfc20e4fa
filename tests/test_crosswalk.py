"""Crosswalks and apportioning on the real 2011-13 layers; their one-line errors; the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from commissioning_atlas import AtlasError
from commissioning_atlas.crosswalk import CROSSWALK_COLUMNS, apportion, crosswalk, write_apportioned, write_crosswalk

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pct_ccg(atlas):
    return crosswalk(atlas, "pct_2011", "ccg_2013")


def test_crosswalk_sums_to_every_pct_and_ccg(atlas, pct_ccg):
    cw = pct_ccg
    assert list(cw.columns) == CROSSWALK_COLUMNS
    pct = atlas.layer("pct_2011").set_index("code")
    ccg = atlas.layer("ccg_2013").set_index("code")
    by_pct = cw.groupby("from_code")["population"].sum()
    assert by_pct.index.tolist() == sorted(pct.index)
    assert (by_pct == pct["population"].reindex(by_pct.index)).all()
    by_ccg = cw.groupby("to_code")["population"].sum()
    assert (by_ccg == ccg["population"].reindex(by_ccg.index)).all()
    assert np.allclose(cw.groupby("from_code")["share_of_from"].sum(), 1)
    assert np.allclose(cw.groupby("to_code")["share_of_to"].sum(), 1)
    assert np.allclose(cw.groupby("from_code")["area_km2"].sum(), pct["area_km2"].reindex(by_pct.index))
    assert (cw.groupby("from_code")["best_fit"].sum() == 1).all()  # one best fit per PCT ...
    best = cw[cw["best_fit"]].set_index("from_code")
    most = cw.groupby("from_code")["population"].max()
    assert (best["population"] == most.reindex(best.index)).all()  # ... holding most of its people
    assert int(cw["population"].sum()) == 53_012_456


def test_tameside_and_glossop_goes_wholly_to_its_ccg(pct_ccg):
    rows = pct_ccg[pct_ccg["from_name"] == "Tameside and Glossop"]
    assert len(rows) == 1
    r = rows.iloc[0]
    assert r["to_name"] == "NHS Tameside and Glossop"
    assert r["share_of_from"] == 1.0 and r["share_of_to"] == 1.0 and r["best_fit"]


def test_every_output_states_basis_lsoas_and_best_fit(pct_ccg, tmp_path):
    meta = pct_ccg.attrs["meta"]
    moved = meta["best_fit_population_moved"]
    assert moved == pct_ccg.loc[~pct_ccg["best_fit"], "population"].sum() > 0
    st = meta["statement"]
    assert meta["from_overlapping_lsoas"] == 0 and "overlap" not in st
    assert "32,844 LSOAs of 2011" in st and "census_2011 (Census 2011 usual residents)" in st
    assert f"{moved:,}" in st
    write_crosswalk(pct_ccg, tmp_path / "cw.json")
    doc = json.loads((tmp_path / "cw.json").read_text(encoding="utf-8"))
    assert doc["statement"] == st and doc["basis"] == "census_2011" and len(doc["rows"]) == len(pct_ccg)
    assert st in write_crosswalk(pct_ccg)  # Markdown
    write_crosswalk(pct_ccg, tmp_path / "cw.csv")
    first = (tmp_path / "cw.csv").read_bytes()
    write_crosswalk(pct_ccg, tmp_path / "cw.csv")
    assert (tmp_path / "cw.csv").read_bytes() == first  # same crosswalk, same bytes
    with pytest.raises(AtlasError, match=r"cw.xlsx: unknown output type '.xlsx'"):
        write_crosswalk(pct_ccg, tmp_path / "cw.xlsx")


def test_crosswalk_geopackage(atlas, pct_ccg, tmp_path):
    import geopandas as gpd
    import pyogrio

    write_crosswalk(pct_ccg, tmp_path / "cw.gpkg", atlas=atlas)
    g = gpd.read_file(tmp_path / "cw.gpkg")
    assert len(g) == len(pct_ccg) and g.geometry.is_valid.all() and g.crs.to_epsg() == 27700
    assert np.allclose(g.area / 1e6, g["area_km2"], rtol=1e-6)  # each part is the union of its LSOAs
    assert pyogrio.read_info(tmp_path / "cw.gpkg")["dataset_metadata"]["statement"] == pct_ccg.attrs["meta"]["statement"]


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


def _pct_table(atlas) -> pd.DataFrame:
    pct = atlas.layer("pct_2011")
    n = len(pct)
    return pd.DataFrame({"pct": pct["ods_code"].to_numpy(), "deaths": [str((i * 7919) % 100_003) for i in range(n)],
                         "rate": ["2.5"] * n})


def test_apportion_conserves_england_exactly(atlas):
    table = _pct_table(atlas)
    out = apportion(atlas, table, "pct", "pct_2011", "ccg_2013", counts=["deaths"], rates=["rate"])
    total = int(table["deaths"].astype(int).sum())
    assert out["deaths"].dtype == np.int64 and int(out["deaths"].sum()) == total
    assert len(out) == 211 and np.allclose(out["rate"], 2.5)  # a uniform rate stays uniform
    assert np.allclose(out["share_covered"], 1)
    # Tameside and Glossop: a whole PCT in one CCG keeps its count unchanged
    pct = atlas.layer("pct_2011").set_index("name")
    tg = table.set_index("pct").loc[pct.loc["Tameside and Glossop", "ods_code"], "deaths"]
    assert out.set_index("to_name").loc["NHS Tameside and Glossop", "deaths"] == int(tg)
    meta = out.attrs["meta"]
    assert meta["totals"] == {"deaths": total} and "conserved exactly" in meta["statement"]
    assert "census_2011" in meta["statement"]
    again = apportion(atlas, table, "pct", "pct_2011", "ccg_2013", counts=["deaths"], rates=["rate"])
    assert write_apportioned(out, None) == write_apportioned(again, None)  # same input, same text


@pytest.mark.parametrize("edit, pattern", [
    (lambda t: t.assign(pct=t["pct"].where(t.index != 4, "ZZZ")), r"row 5, column 'pct': unknown pct_2011 code 'ZZZ'"),
    (lambda t: t.assign(pct=t["pct"].where(t.index != 9, t["pct"].iloc[2])),
     r"row 10, column 'pct': pct_2011 unit E16\d+ appears twice \(rows 3 and 10\)"),
    (lambda t: t.assign(pct=t["pct"].where(t.index != 0, "E38000182")),
     r"row 1, column 'pct': code 'E38000182' belongs to ccg_2013, .*\(Clinical commissioning groups"),
    (lambda t: t.assign(deaths=t["deaths"].where(t.index != 6, "")), r"row 7, column 'deaths': missing value"),
    (lambda t: t.assign(deaths=t["deaths"].where(t.index != 6, "n/a")), r"row 7, column 'deaths': not a number: 'n/a'"),
    (lambda t: t.assign(deaths=t["deaths"].where(t.index != 2, "3.5")), r"row 3, column 'deaths': a count must be a whole"),
    (lambda t: t.assign(rate=t["rate"].where(t.index != 8, "x")), r"row 9, column 'rate': not a number"),
])
def test_apportion_bad_input_is_one_line(atlas, edit, pattern):
    table = edit(_pct_table(atlas))
    with pytest.raises(AtlasError, match=pattern) as err:
        apportion(atlas, table, "pct", "pct_2011", "ccg_2013", counts=["deaths"], rates=["rate"], path="d.csv")
    assert "\n" not in str(err.value) and str(err.value).startswith("d.csv, row ")


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
