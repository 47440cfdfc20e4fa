"""Write layers to files: GeoPackage, GeoJSON (EPSG:4326) or CSV, chosen by suffix.

Every writer goes through a temp file in the target folder and renames it, so a
failed write never leaves half a file; the same layer always gives the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from . import settings
from ._errors import AtlasError

SUFFIXES = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".csv": "CSV"}

# GeoPackages record a modification time; pin it so the same layer gives the same bytes.
_FIXED_DATE = "2013-04-01T00:00:00Z"


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the temp file onto ``path``.

    Parameters
    ----------
    path : str or Path
        Final destination.
    write : callable
        Writes the complete file at the path it is given.
    """
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise AtlasError("output folder does not exist", path=path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(fd)
    os.unlink(tmp)  # let the writer create it (GDAL refuses to overwrite some formats)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def export_layer(layer: gpd.GeoDataFrame, path: str | Path, layer_name: str = "layer") -> Path:
    """Write a layer to ``path``; the suffix picks GeoPackage, GeoJSON (EPSG:4326) or CSV.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Any layer or footprint set.
    path : str or Path
        ``.gpkg``, ``.geojson``/``.json`` or ``.csv``.
    layer_name : str
        Layer name inside a GeoPackage.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise AtlasError(f"unknown output type {path.suffix or '(none)'!r}; use .gpkg, .geojson or .csv", path=path)
    layer = layer.sort_values("code", kind="stable").reset_index(drop=True)
    if fmt == "CSV":
        table = pd.DataFrame(layer.drop(columns=layer.geometry.name))
        return atomic_write(path, lambda p: table.to_csv(p, index=False, lineterminator="\n"))
    if fmt == "GeoJSON":
        out = layer.to_crs(settings.WEB_CRS)
        return atomic_write(path, lambda p: pyogrio.write_dataframe(
            out, p, driver="GeoJSON", layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"}))
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _FIXED_DATE})
    return atomic_write(path, lambda p: pyogrio.write_dataframe(layer, p, layer=layer_name, driver="GPKG"))


def export_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a plain table (no geometry) as CSV, atomically."""
    return atomic_write(path, lambda p: table.to_csv(p, index=False, lineterminator="\n"))
