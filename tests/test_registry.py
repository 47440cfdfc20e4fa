"""The layer registry and the build kinds: declarations, validation of lookups, the changes rule, eras."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from commissioning_atlas import cli, registry
from commissioning_atlas._errors import AtlasError, DataError
from commissioning_atlas.build.kinds import Column, group, lsoa_lookup
from commissioning_atlas.build.context import _finish
from commissioning_atlas.registry import LayerSpec, _parse


def test_every_declaration_is_complete_and_refers_to_declared_layers():
    reg = registry.registry()
    assert len(reg) >= 40
    for spec in reg.values():
        assert spec.kind in registry.KINDS
        assert spec.expected > 0 and spec.source and spec.date[:4] == spec.era or spec.era in spec.vintage
        for dep in (*spec.needs(), spec.parent):
            assert dep is None or dep in reg


def test_bad_declarations_are_one_line_errors():
    good = {"id": "x_2020", "title": "X", "body": "x", "vintage": "2020", "date": "2020-01-01", "era": "2020",
            "kind": "lsoa_lookup", "sources": ["s"], "expected": 1, "basis": "mid_2020", "source": "s"}
    with pytest.raises(DataError, match="unknown kind"):
        _parse({"layer": [{**good, "kind": "magic"}]}, "t.toml")
    with pytest.raises(DataError, match="missing field"):
        _parse({"layer": [{k: v for k, v in good.items() if k != "expected"}]}, "t.toml")
    with pytest.raises(DataError, match="declared twice"):
        _parse({"layer": [good, good]}, "t.toml")
    with pytest.raises(DataError, match="undeclared layer 'nowhere'"):
        _parse({"layer": [{**good, "parent": "nowhere"}]}, "t.toml")
    with pytest.raises(DataError, match="unknown field"):
        _parse({"layer": [{**good, "colour": "red"}]}, "t.toml")


def test_unknown_layer_era_and_basis_suggest():
    with pytest.raises(AtlasError, match="did you mean .*ccg_2019"):
        registry.layer_spec("ccg_2091")
    with pytest.raises(AtlasError, match="unknown era '2014'"):
        registry.layers_of_era("2014")


# ------------------------------------------------------------------------------------------ kinds on toy data

class _Ctx:
    """The part of a build context the kinds use, over four toy LSOAs."""

    def __init__(self, tables: dict[str, pd.DataFrame], columns: dict[str, np.ndarray] | None = None,
                 frames: dict | None = None):
        self.base = gpd.GeoDataFrame({"code": ["E01000001", "E01000002", "E01000003", "E01000004"],
                                      "area_m2": [1e6] * 4},
                                     geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:27700")
        self._tables, self._columns, self._frames = tables, columns or {}, frames or {}

    def memo(self, key, fn):
        return self._tables[key[1]]

    def path(self, group):
        return Path(f"{group}.csv")

    def column(self, lid):
        return self._columns[lid]

    def layer_frame(self, lid):
        return self._frames[lid]

    def population(self, basis):
        return np.array([10, 20, 30, 40])


def _spec(**params) -> LayerSpec:
    return LayerSpec(id="toy", title="Toy", body="toy", vintage="2020", date="2020-01-01", era="2020",
                     kind=params.pop("kind", "lsoa_lookup"), sources=("lookup",), expected=params.pop("expected", 2),
                     basis="mid_2020", source="toy", parent=params.pop("parent", None), params=params)


_LSOA = dict(lsoa="L", code="C", name="N")


def _lookup(rows):
    return pd.DataFrame(rows, columns=["L", "C", "N"])


def test_lsoa_lookup_reads_every_lsoa_once():
    ctx = _Ctx({"lookup": _lookup([("E01000001", "A", "Alpha"), ("E01000002", "A", "Alpha"),
                                   ("E01000003", "B", "Beta"), ("E01000004", "B", "Beta"),
                                   ("W01000001", "Z", "Wales")])})
    col = lsoa_lookup(ctx, _spec(**_LSOA))
    assert list(col.codes) == ["A", "A", "B", "B"]
    assert col.names.to_dict() == {"A": "Alpha", "B": "Beta"}


@pytest.mark.parametrize("rows, words", [
    ([("E01000001", "A", "Alpha"), ("E01000002", "A", "Alpha"), ("E01000003", "B", "Beta")],
     "LSOA E01000004 is missing"),
    ([("E01000001", "A", "Alpha"), ("E01000001", "A", "Alpha"), ("E01000002", "A", "Alpha"),
      ("E01000003", "B", "Beta"), ("E01000004", "B", "Beta")], "row 3, column 'L': LSOA E01000001 is listed twice"),
    ([("E01000001", "A", "Alpha"), ("E01000002", "A", "Other"), ("E01000003", "B", "Beta"),
      ("E01000004", "B", "Beta")], "code 'A' has two values of 'N'"),
    ([("E01000001", "", "Alpha"), ("E01000002", "A", "Alpha"), ("E01000003", "B", "Beta"),
      ("E01000004", "B", "Beta")], "empty unit code"),
    ([("E01000001", "A", "Alpha"), ("E01000002", "A", "Alpha"), ("E01000003", "B", "Beta"),
      ("E01000004", "B", "Beta"), ("E01099999", "B", "Beta")], "not one of the 32,844 LSOAs"),
])
def test_lsoa_lookup_bad_rows_name_the_file_and_row(rows, words):
    ctx = _Ctx({"lookup": _lookup(rows)})
    with pytest.raises(DataError, match=words) as e:
        lsoa_lookup(ctx, _spec(**_LSOA))
    assert str(e.value).startswith("lookup.csv") and "\n" not in str(e.value)


def test_group_maps_each_unit_once_and_names_the_unknown():
    child = gpd.GeoDataFrame({"code": ["A", "B"], "ods_code": ["a1", "b1"]},
                             geometry=[shapely.box(0, 0, 2, 1), shapely.box(2, 0, 4, 1)])
    table = pd.DataFrame({"K": ["A", "B", "Q"], "G": ["G1", "G1", "G9"], "GN": ["Group", "Group", "Far"]})
    ctx = _Ctx({"lookup": table}, {"child": np.array(["A", "A", "B", "B"], dtype=object)}, {"child": child})
    col = group(ctx, _spec(kind="group", of="child", key="K", code="G", name="GN", expected=1))
    assert list(col.codes) == ["G1"] * 4 and col.names["G1"] == "Group"
    ctx._tables["lookup"] = table[table["K"] != "B"]
    with pytest.raises(DataError, match="no group for child unit 'B'"):
        group(ctx, _spec(kind="group", of="child", key="K", code="G", name="GN", expected=1))
    ctx._tables["lookup"] = pd.concat([table, pd.DataFrame({"K": ["A"], "G": ["G2"], "GN": ["Two"]})],
                                      ignore_index=True)
    with pytest.raises(DataError, match="child unit 'A' is given two groups"):
        group(ctx, _spec(kind="group", of="child", key="K", code="G", name="GN", expected=1))


def test_group_puts_units_the_lookup_omits_in_the_declared_outside_unit():
    # a lookup of some units only (districts -> combined authority): the rest go to "none", found by name
    child = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["Ay", "Bee"], "ods_code": ["", ""]},
                             geometry=[shapely.box(0, 0, 2, 1), shapely.box(2, 0, 4, 1)])
    table = pd.DataFrame({"K": ["Ay"], "G": ["G1"], "GN": ["Group"]})
    ctx = _Ctx({"lookup": table}, {"child": np.array(["A", "A", "B", "B"], dtype=object)}, {"child": child})
    spec = _spec(kind="group", of="child", key="K", code="G", name="GN", match="name", outside="none",
                 outside_name="No group", expected=2)
    col = group(ctx, spec)
    assert list(col.codes) == ["G1", "G1", "none", "none"] and col.names["none"] == "No group"
    assert col.report["outside"] == {"code": "none", "child_units": 1}
    ctx._tables["lookup"] = pd.DataFrame({"K": ["Ay", "Sea"], "G": ["G1", "G2"], "GN": ["Group", "Two"]})
    with pytest.raises(DataError, match="child has no unit 'Sea'"):
        group(ctx, spec)


def test_finish_checks_count_names_and_nesting():
    ctx = _Ctx({}, {"stp_2017": np.array(["P", "P", "P", "Q"], dtype=object)})
    col = Column(np.array(["A", "A", "B", "B"], dtype=object), pd.Series({"A": "Alpha", "B": "Beta"}))
    with pytest.raises(DataError, match="has 2 features; expected 3"):
        _finish(ctx, _spec(expected=3), col)
    with pytest.raises(DataError, match="no name for unit B"):
        _finish(ctx, _spec(), Column(col.codes, pd.Series({"A": "Alpha"})))
    with pytest.raises(DataError, match="unit B of toy is not nested in stp_2017: it lies in Q .*, P"):
        _finish(ctx, _spec(parent="stp_2017"), col)
    frame, index, report = _finish(ctx, _spec(parent="stp_2017", nest_exceptions=["B"]), col)
    assert report["nesting"]["straddling_units"] == {"B": {"Q": 40, "P": 30}}
    assert list(frame["code"]) == ["A", "B"] and list(index) == [0, 0, 1, 1]
    with pytest.raises(DataError, match="LSOA E01000002 has no unit"):
        _finish(ctx, _spec(), Column(np.array(["A", None, "B", "B"], dtype=object), col.names))


# ------------------------------------------------------------------------------------------ real data

pytestmark_integration = pytest.mark.integration


@pytest.mark.integration
def test_changes_2021_to_2022_finds_glossop_bassetlaw_and_west_birmingham(atlas):
    from commissioning_atlas.checks import run_check

    f = run_check(atlas, "sicbl_2022", "ccg_2021", ("changes",), geometry=True).set_index(["against_name", "class"])
    glossop = f.loc[("NHS Tameside and Glossop CCG", "moved")]
    assert glossop["subject_name"] == "NHS Derby and Derbyshire ICB - 15M"
    assert glossop["population"] == 33_332  # Census 2021 residents, the sub-ICB locations' default basis
    west_brum = f.loc[("NHS Black Country and West Birmingham CCG", "moved")]
    assert west_brum["subject_name"] == "NHS Birmingham and Solihull ICB - 15E" and west_brum["population"] == 173_829
    bassetlaw = f.loc[("NHS Bassetlaw CCG", "moved parent")]
    assert bassetlaw["population"] == 117_793 and "Nottingham and Nottinghamshire" in bassetlaw["note"]
    assert set(f["population_basis"]) == {"census_2021"}
    assert f.geometry.notna().all()
    moved = f[f["severity"] == "warning"]
    assert len(moved) == 4  # the three of the 2021 review, and 17,064 people from Cambridgeshire to Northamptonshire


@pytest.mark.integration
def test_changes_on_another_basis_and_from_the_cli(atlas, mirror, capsys):
    code = cli.main(["check", "--mirror", str(mirror), "--quiet", "--subject", "sicbl_2022", "--against", "ccg_2021",
                     "--rule", "changes", "--population", "census_2011", "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 1  # warnings
    assert "NHS Tameside and Glossop CCG" in out and ",census_2011," in out


@pytest.mark.integration
def test_coterminosity_over_time(atlas, tmp_path):
    from commissioning_atlas.over_time import chart, coterminosity_over_time, councils_of_their_time

    assert councils_of_their_time("pct_2011") == "utla_2011"
    assert councils_of_their_time("ccg_2018") == "utla_2011"
    assert councils_of_their_time("icb_2022") == "utla_2021"
    assert councils_of_their_time("icb_2023") == "utla_2023"
    t = coterminosity_over_time(atlas, ["pct_2011", "ccg_2013", "ccg_2021", "icb_2022"]).set_index("layer")
    assert t.loc["ccg_2013", ["bodies", "equal", "union", "within", "straddling"]].tolist() == [211, 88, 5, 97, 21]
    assert (t[["equal", "union", "within", "straddling"]].sum(axis=1) == t["bodies"]).all()
    assert t.loc["icb_2022", "bodies"] == 42 and t.loc["icb_2022", "population_basis"] == "census_2021"
    a, b = chart(t.reset_index(), tmp_path / "a.png"), chart(t.reset_index(), tmp_path / "b.png")
    assert a.read_bytes() == b.read_bytes() and a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.integration
@pytest.mark.parametrize("args, words", [
    (["layers", "--era", "2014"], "unknown era '2014'; did you mean"),
    (["layers", "--population", "mid2019"], "unknown population basis 'mid2019'; did you mean mid_2019"),
    (["check", "--subject", "icb_2022", "--against", "utla_2021", "--population", "registered_2013"],
     "held on CCG layers only"),
])
def test_unknown_era_and_basis_are_one_line(args, words, mirror, capsys):
    code = cli.main(args[:1] + ["--mirror", str(mirror), "--quiet"] + args[1:])
    err = capsys.readouterr().err
    assert code == 2 and words in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.integration
def test_layers_listing_groups_by_era_with_each_basis(mirror, capsys):
    assert cli.main(["layers", "--mirror", str(mirror), "--quiet", "--era", "2019"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== 2019\n")
    assert "ccg_2019" in out and "mid_2019" in out and "ccg_2020" not in out
    assert "bases: mid_2019 = ONS mid-2019 population estimates" in out


@pytest.mark.integration
def test_checks_and_exports_work_across_eras(atlas, mirror, tmp_path, capsys):
    f = run_check_any(atlas)
    assert {"crosses", "coterminosity"} == set(f["rule"])
    assert set(f["population_basis"]) == {"census_2021"}  # the subject's basis
    out = tmp_path / "icb.gpkg"
    assert cli.main(["export", "icb_2026", "-o", str(out), "--mirror", str(mirror), "--quiet"]) == 0
    import pyogrio

    assert len(pyogrio.read_dataframe(out)) == 36


def run_check_any(atlas):
    from commissioning_atlas.checks import run_check

    return run_check(atlas, "icb_2022", "utla_2021", ("crosses", "coterminosity"), geometry=False)
