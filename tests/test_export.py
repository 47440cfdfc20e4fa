"""export: format by suffix, EPSG:4326 GeoJSON, CSV without geometry, byte-identical reruns."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from commissioning_atlas.cli import main

pytestmark = pytest.mark.integration


def test_export_formats_and_determinism(atlas, tmp_path, mirror, monkeypatch, capsys):
    monkeypatch.setenv("COMMISSIONING_ATLAS_MIRROR", str(mirror))
    for suffix in (".gpkg", ".geojson", ".csv"):
        a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        assert main(["export", "pct_cluster_2011", "-o", str(a), "--quiet"]) == 0
        assert main(["export", "pct_cluster_2011", "-o", str(b), "--quiet"]) == 0
        assert a.read_bytes() == b.read_bytes(), suffix
    g = gpd.read_file(tmp_path / "a.gpkg")
    assert len(g) == 50 and g.crs.to_epsg() == 27700
    gj = json.loads((tmp_path / "a.geojson").read_text())
    assert len(gj["features"]) == 50
    lon, lat = gj["features"][0]["geometry"]["coordinates"][0][0][0][:2] if \
        gj["features"][0]["geometry"]["type"] == "MultiPolygon" else gj["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert -6 < lon < 2 and 49 < lat < 56
    csv = pd.read_csv(tmp_path / "a.csv")
    assert "geometry" not in csv.columns and len(csv) == 50
    assert csv["population"].sum() == 53_012_456
    assert list(tmp_path.glob(".*")) == []  # no temp files left behind
    assert "wrote 50 features" in capsys.readouterr().out
