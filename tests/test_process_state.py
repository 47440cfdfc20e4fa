"""No hidden process state: progress through logging, GDAL options restored, no process started by a
library call."""

from __future__ import annotations

import logging

import geopandas as gpd
import pyogrio
import shapely

from commissioning_atlas import Atlas
from commissioning_atlas.build.context import FrameContext
from commissioning_atlas.cli.common import log_to_stderr
from commissioning_atlas.io import safe

LINE = "built sha_2011 (2 strategic health authorities) in 0.1 s"


def test_progress_is_logged_and_the_cli_prints_the_same_line(capsys, caplog):
    log = logging.getLogger("commissioning_atlas.build.context")
    with caplog.at_level(logging.INFO, logger="commissioning_atlas"):
        log.info(LINE)
    assert [r.getMessage() for r in caplog.records] == [LINE]
    assert capsys.readouterr().err == ""  # a library call prints nothing itself
    with log_to_stderr():
        log.info(LINE)
        logging.getLogger("commissioning_atlas.build.cache").warning("warning: cache file %s is damaged", "x.json")
    assert capsys.readouterr().err == f"{LINE}\nwarning: cache file x.json is damaged\n"
    log.info(LINE)  # the handler goes with the command
    assert capsys.readouterr().err == "" and not logging.getLogger("commissioning_atlas").handlers


def test_gdal_date_option_is_restored_after_a_geopackage_write(tmp_path):
    frame = gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:27700")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    safe.write_gpkg_layer(tmp_path / "a.gpkg", frame, "a")
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None
    safe.write_gpkg_layer(tmp_path / "b.gpkg", frame, "a")
    assert (tmp_path / "a.gpkg").read_bytes() == (tmp_path / "b.gpkg").read_bytes()  # the date was pinned


class _Ctx(FrameContext):
    """A context that records whether anyone asked it to start its worker process."""

    asked: list = []

    def prefetch_populations(self, bases, with_2024: bool = True) -> None:
        self.asked.append(sorted(bases))


def test_build_all_starts_a_worker_only_when_asked():
    lsoa = gpd.GeoDataFrame({"code": ["L1", "L2"], "name": ["a", "b"], "population": [1, 2], "area_m2": 1.0,
                             "sha_2011": ["A", "B"]},
                            geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs="EPSG:27700")
    sha = lsoa.rename(columns={"sha_2011": "c"})[["c", "geometry"]].rename(columns={"c": "code"})
    sha["name"], sha["ods_code"], sha["area_km2"] = ["SHA A", "SHA B"], "", 1e-6
    atlas = Atlas(ctx=_Ctx(lsoa, {"sha_2011": sha}))
    atlas.build_all()
    assert _Ctx.asked == []
    atlas.build_all(parallel=True)
    assert _Ctx.asked == [["census_2011"]]
