"""readers: every supported format, both engines, normalisation, and one-line errors."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from commissioning_atlas._errors import DataError
from commissioning_atlas.sources.readers import (normalise, read_census_lc2101, read_pct_2011_list, read_table,
                                         read_vector)

# two squares near Luton, lon/lat
SQUARES = gpd.GeoDataFrame(
    {"AREACD": ["E06000032", "E06000055"], "AREANM": ["Luton", "Bedford"], "pop": [203201, 157479]},
    geometry=[box(-0.50, 51.85, -0.40, 51.92), box(-0.40, 51.85, -0.30, 51.92)], crs="EPSG:4326")

TOPO = {
    "type": "Topology",
    "objects": {"data": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "arcs": [[0]], "properties": {"AREACD": "E06000032", "AREANM": "Luton"}}]}},
    "arcs": [[[-0.5, 51.85], [-0.4, 51.85], [-0.4, 51.92], [-0.5, 51.92], [-0.5, 51.85]]],
}


@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".kml", ".shp.zip"])
def test_formats_round_trip(tmp_path, engine, suffix):
    if suffix == ".shp.zip":
        shp_dir = tmp_path / "shp"
        shp_dir.mkdir()
        SQUARES.to_file(shp_dir / "areas.shp")
        path = tmp_path / "areas.zip"
        with zipfile.ZipFile(path, "w") as z:
            for f in sorted(shp_dir.iterdir()):
                z.write(f, f.name)
    else:
        path = tmp_path / f"areas{suffix}"
        driver = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".kml": "KML"}[suffix]
        SQUARES.to_file(path, driver=driver)
    g = read_vector(path, engine=engine)
    code_col = "AREACD" if "AREACD" in g.columns else "Name"
    if suffix == ".kml":  # KML keeps the name, other attributes go to ExtendedData
        g = g.assign(AREACD=["E06000032", "E06000055"])
        code_col = "AREACD"
    out = normalise(g, path, code=code_col)
    assert out.crs.to_epsg() == 27700
    assert list(out.columns[:4]) == ["code", "name", "ods_code", "population"]
    assert sorted(out["code"]) == ["E06000032", "E06000055"]
    # ~ 6.9 km x 7.8 km squares: area survives the round trip within 1 %
    assert abs(out.area.sum() / 1e6 - 2 * 6.9 * 7.8) / (2 * 6.9 * 7.8) < 0.05


def test_topojson_without_crs_is_wgs84(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(TOPO))
    g = read_vector(path)
    assert g.crs.to_epsg() == 4326
    out = normalise(g, path, code="AREACD", name="AREANM")
    x, y = out.geometry.iloc[0].centroid.coords[0]
    assert 500_000 < x < 520_000 and 215_000 < y < 230_000  # Luton in British National Grid


def test_truncated_geojson(tmp_path):
    path = tmp_path / "cut.geojson"
    SQUARES.to_file(path, driver="GeoJSON")
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(DataError, match="truncated") as exc:
        read_vector(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_missing_file_and_bad_suffix(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_vector(tmp_path / "absent.geojson")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(DataError, match="unsupported file type"):
        read_vector(tmp_path / "x.txt")
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a valid zip"):
        read_vector(tmp_path / "x.zip")


def test_missing_code_column(tmp_path):
    with pytest.raises(DataError, match="missing column 'LSOA11CD'") as exc:
        normalise(SQUARES, "layer.geojson", code="LSOA11CD")
    assert "layer.geojson" in str(exc.value) and "LSOA11CD" in str(exc.value)


def test_duplicate_and_empty_codes():
    dup = SQUARES.assign(AREACD=["E1", "E1"])
    with pytest.raises(DataError, match="row 2.*duplicate code 'E1'"):
        normalise(dup, "f.geojson", code="AREACD")
    empty = SQUARES.assign(AREACD=["E1", " "])
    with pytest.raises(DataError, match="row 2.*empty code"):
        normalise(empty, "f.geojson", code="AREACD")


def test_wrong_crs_is_caught():
    # British National Grid metres labelled as lon/lat
    bng = SQUARES.to_crs(27700).set_crs(4326, allow_override=True)
    with pytest.raises(DataError, match="wrong CRS"):
        normalise(bng, "f.geojson", code="AREACD")
    with pytest.raises(DataError, match="no CRS"):
        normalise(SQUARES.set_crs(None, allow_override=True), "f.geojson", code="AREACD")


def test_invalid_geometry_is_repaired():
    bowtie = Polygon([(-0.5, 51.85), (-0.4, 51.92), (-0.4, 51.85), (-0.5, 51.92), (-0.5, 51.85)])
    g = SQUARES.copy()
    g.loc[0, "geometry"] = bowtie
    assert not g.is_valid.all()
    out = normalise(g, "f.geojson", code="AREACD")
    assert out.is_valid.all()
    assert set(shapely.get_type_id(out.geometry.values)) <= {3, 6}
    line_only = SQUARES.copy()
    line_only.loc[0, "geometry"] = Polygon([(-0.5, 51.85)] * 4)  # collapses to a point in any CRS
    with pytest.raises(DataError, match="row 1.*no area"):
        normalise(line_only, "f.geojson", code="AREACD")


def test_census_parser(tmp_path):
    block = ('"LC2101EW"\n"Sex :","{sex}"\n\n"2011 super output area - lower layer","mnemonic","A","B"\n\n'
             '"X 001A","E01000001",{a},{b}\n"X 001B","E01000002",1,2\n\n"","footer"\n\n')
    path = tmp_path / "c.csv"
    path.write_text(block.format(sex="Males", a=10, b=20) + block.format(sex="Females", a=5, b=5))
    df = read_census_lc2101(path)
    assert df.set_index("code")["population"].to_dict() == {"E01000001": 40, "E01000002": 6}
    path.write_text(block.format(sex="Males", a=10, b=20))
    with pytest.raises(DataError, match="found 1 blocks"):
        read_census_lc2101(path)
    path.write_text(block.format(sex="Males", a="x", b=20) + block.format(sex="Females", a=5, b=5))
    with pytest.raises(DataError, match="row 6.*non-numeric"):
        read_census_lc2101(path)


def test_pct_list_with_commas(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"PCO11CD,PCO11CDO,PCO11NM,\r\nE16000032,5HG,Ashton, Leigh and Wigan\r\n"
                     b"E16000001,5A3,South Gloucestershire,\r\n,,\r\n")
    df = read_pct_2011_list(path)
    assert df["name"].tolist() == ["Ashton, Leigh and Wigan", "South Gloucestershire"]
    path.write_bytes(b"PCO11CD,PCO11CDO,PCO11NM\r\nXX,5HG,Oops\r\n")
    with pytest.raises(DataError, match="row 2"):
        read_pct_2011_list(path)


def test_read_table_windows_1252(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("code,name\nE38000202,NHS West London (Queen\u2019s Park)\n".encode("cp1252"))
    df = read_table(path, required=["code"])
    assert df["name"].iloc[0].endswith("Queen\u2019s Park)")
    with pytest.raises(DataError, match="missing required column 'ods'"):
        read_table(path, required=["ods"])
