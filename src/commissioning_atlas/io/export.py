"""Write layers to files: GeoPackage, GeoJSON (EPSG:4326) or CSV, chosen by suffix.

Every writer goes through :func:`safe_io.atomic_write` (a temp file in the target folder, then a
rename), so a failed write never leaves half a file, and refuses targets that are inputs of the
run, files of ``geo/``, the cache or read-only files. A layer written to an existing GeoPackage is
added to it (or replaces the layer of that name); the other layers are kept. CSV cells that a
spreadsheet would run as formulas are defused (:func:`text.frame_csv`). The same layer always
gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from commissioning_atlas import settings
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.io.safe import FIXED_DATE as _FIXED_DATE  # noqa: F401 - kept for importers
from commissioning_atlas.io.safe import (
    OutputPolicy,
    atomic_write,
    guard_gpkg,
    guard_output,
    write_gpkg_layer,
    write_text,
)
from commissioning_atlas.io.text import frame_csv

__all__ = ["SUFFIXES", "atomic_write", "export_layer", "check_output"]

SUFFIXES = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".csv": "CSV"}


def check_output(path: str | Path, policy: OutputPolicy | None = None) -> str:
    """Check an export target before any work: known suffix and a writable file the output rule allows
    (``policy``: the run's inputs and protected folders, :class:`~commissioning_atlas.io.safe.OutputPolicy`).

    Returns
    -------
    str
        The format: ``GPKG``, ``GeoJSON`` or ``CSV``.
    """
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise AtlasError(f"unknown output type {path.suffix or '(none)'!r}; use .gpkg, .geojson or .csv", path=path)
    if fmt == "GPKG":
        guard_gpkg(path, policy)  # an existing GeoPackage gets the layer added; any other file is refused
    else:
        guard_output(path, policy)
    return fmt


def _no_nul(table: pd.DataFrame, path: Path) -> None:
    """GDAL stores text as C strings: refuse a NUL byte rather than cut the text at it."""
    for c in table.columns:
        if not (table[c].dtype == object or pd.api.types.is_string_dtype(table[c].dtype)):
            continue
        hit = table[c].map(lambda v: isinstance(v, str) and "\x00" in v)
        if hit.any():
            i = int(hit.to_numpy().nonzero()[0][0])
            raise AtlasError("text holds a NUL byte, which a GeoPackage or GeoJSON file cannot store",
                             path=path, row=i + 1, column=str(c))


def export_layer(layer: gpd.GeoDataFrame, path: str | Path, layer_name: str = "layer",
                 policy: OutputPolicy | None = None) -> Path:
    """Write a layer to ``path``; the suffix picks GeoPackage, GeoJSON (EPSG:4326) or CSV.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Any layer or footprint set.
    path : str or Path
        ``.gpkg``, ``.geojson``/``.json`` or ``.csv``. An existing GeoPackage keeps its other layers.
    layer_name : str
        Layer name inside a GeoPackage.
    policy : OutputPolicy, optional
        The run's output rule (default: the fixed places only).

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    fmt = check_output(path, policy)
    layer = layer.sort_values("code", kind="stable").reset_index(drop=True)
    if fmt == "CSV":
        return write_text(path, frame_csv(pd.DataFrame(layer.drop(columns=layer.geometry.name))), policy)
    _no_nul(pd.DataFrame(layer.drop(columns=layer.geometry.name)), path)
    if fmt == "GeoJSON":
        out = layer.to_crs(settings.WEB_CRS)
        return atomic_write(path, lambda p: pyogrio.write_dataframe(
            out, p, driver="GeoJSON", layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"}), policy)
    write_gpkg_layer(path, layer, layer_name, policy)
    return path


def export_table(table: pd.DataFrame, path: str | Path, policy: OutputPolicy | None = None) -> Path:
    """Write a plain table (no geometry) as CSV, atomically, formula cells defused."""
    path = Path(path)
    guard_output(path, policy)
    return write_text(path, frame_csv(table), policy)
