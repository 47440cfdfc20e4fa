"""Read vector files and tables, and normalise them to the project's conventions.

Vector layers come back in EPSG:27700 with valid geometry and uniform columns
``code`` (GSS), ``name``, ``ods_code`` and ``population``.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from commissioning_atlas import settings
from commissioning_atlas._errors import DataError
from commissioning_atlas.sources.verified import is_verified

#: Suffixes the vector reader understands.
VECTOR_SUFFIXES = {".geojson", ".json", ".topojson", ".kml", ".gpkg", ".shp", ".zip"}

# Bounds (EPSG:4326) that any England layer must fall inside: a quick guard against a wrong CRS.
_GB_LONLAT = (-9.5, 49.0, 2.5, 61.5)  # Great Britain: some files hold Scotland and Wales too
_GB_BNG = (0.0, 0.0, 700_000.0, 1_300_000.0)


def _is_topojson(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(4096)
    return b'"Topology"' in head


def _check_json_complete(path: Path) -> None:
    """Raise a one-line error for truncated or malformed (Geo/Topo)JSON before GDAL sees it (a pinned file
    whose sha256 the fetch step matched in this process is whole: not parsed twice)."""
    if is_verified(path):
        return
    try:
        with open(path, "rb") as f:
            json.load(f)
    except json.JSONDecodeError as exc:
        raise DataError(f"malformed or truncated JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})",
                        path=path) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text ({exc.reason})", path=path) from None


def read_vector(path: str | Path, engine: str = "pyogrio", layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file into a GeoDataFrame (CRS as stored; TopoJSON is EPSG:4326).

    Parameters
    ----------
    path : str or Path
        GeoJSON, TopoJSON, KML, GeoPackage, shapefile or zipped shapefile.
    engine : {"pyogrio", "fiona"}
        I/O engine; pyogrio is the default and the faster.
    layer : str, optional
        Layer name inside a multi-layer file.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    DataError
        Missing, unreadable, truncated or empty files.
    """
    path = Path(path)
    if engine not in ("pyogrio", "fiona"):
        raise DataError(f"unknown engine {engine!r}; use 'pyogrio' or 'fiona'", path=path)
    if not path.exists():
        raise DataError("file not found", path=path)
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        raise DataError(f"unsupported file type {suffix!r}; expected one of {sorted(VECTOR_SUFFIXES)}", path=path)
    target = str(path)
    topo = False
    if suffix in (".json", ".geojson", ".topojson"):
        _check_json_complete(path)
        topo = _is_topojson(path)
    elif suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as z:
                shps = sorted(n for n in z.namelist() if n.lower().endswith(".shp"))
        except zipfile.BadZipFile:
            raise DataError("not a valid zip archive", path=path) from None
        if not shps:
            raise DataError("zip archive holds no .shp file", path=path)
        target = f"/vsizip/{path}/{shps[0]}"
    kwargs = {"layer": layer} if layer else {}
    if engine == "fiona" and suffix == ".kml":
        import fiona

        fiona.drvsupport.supported_drivers.setdefault("KML", "r")  # fiona ships KML read support disabled
    try:
        gdf = gpd.read_file(target, engine=engine, **kwargs)
    except Exception as exc:  # GDAL/fiona raise many types; report one line
        raise DataError(f"cannot read as a vector file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})",
                        path=path) from None
    if topo and gdf.crs is None:
        gdf = gdf.set_crs(settings.WEB_CRS)  # TopoJSON carries no CRS: it is WGS84 lon/lat
    if len(gdf) == 0:
        raise DataError("file holds no features", path=path)
    return gdf


def _guard_crs(gdf: gpd.GeoDataFrame, path: Path | str) -> gpd.GeoDataFrame:
    """Check the coordinates are plausible for England in the declared CRS."""
    minx, miny, maxx, maxy = gdf.total_bounds
    if gdf.crs is None:
        # Plausible lon/lat or BNG metres: say so rather than guess silently.
        raise DataError("file has no CRS; declare one (EPSG:4326 or EPSG:27700)", path=path)
    if gdf.crs.is_geographic:
        lo = _GB_LONLAT
        if not (minx >= lo[0] and miny >= lo[1] and maxx <= lo[2] and maxy <= lo[3]):
            raise DataError(f"coordinates ({minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f}) are not lon/lat in Great Britain "
                            f"although the CRS is {gdf.crs.to_string()}: wrong CRS?", path=path)
    else:
        gdf = gdf.to_crs(settings.CRS)
        minx, miny, maxx, maxy = gdf.total_bounds
        lo = _GB_BNG
        if not (minx >= lo[0] and miny >= lo[1] and maxx <= lo[2] and maxy <= lo[3]):
            raise DataError("coordinates fall outside Great Britain in EPSG:27700: wrong CRS?", path=path)
    return gdf


def normalise(gdf: gpd.GeoDataFrame, path: str | Path, code: str, name: str | None = None,
              ods_code: str | None = None, population: str | None = None) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:27700 with valid geometry and columns code, name, ods_code, population.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        As read by :func:`read_vector`.
    path : str or Path
        The file it came from (for error messages).
    code, name, ods_code, population : str
        Source column names; ``code`` is required.

    Raises
    ------
    DataError
        A missing column, empty or duplicate codes, an implausible CRS, or geometry
        that cannot be made valid.
    """
    for col in (code, name, ods_code, population):
        if col is not None and col not in gdf.columns:
            raise DataError(f"missing column {col!r} (columns are {', '.join(map(str, gdf.columns[:12]))})",
                            path=path, column=col)
    codes = gdf[code].astype("string").str.strip()
    missing = codes.isna() | (codes == "")
    if missing.any():
        raise DataError("empty code", path=path, row=int(np.flatnonzero(missing.to_numpy())[0]) + 1, column=code)
    dup = codes.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"duplicate code {codes.iloc[i]!r}", path=path, row=i + 1, column=code)
    # an empty geometry first: its NaN bounds would otherwise read as a wrong CRS
    raw = gdf.geometry.values
    empty = shapely.is_empty(raw) | shapely.is_missing(raw)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise DataError(f"feature {codes.iloc[i]!r} has no geometry (empty or null)", path=path, row=i + 1)
    gdf = _guard_crs(gdf, path)
    out = gpd.GeoDataFrame(
        {
            "code": codes.to_numpy(dtype=object),
            "name": gdf[name].astype("string").to_numpy(dtype=object) if name else codes.to_numpy(dtype=object),
            "ods_code": gdf[ods_code].astype("string").to_numpy(dtype=object) if ods_code else None,
            "population": pd.to_numeric(gdf[population], errors="coerce").to_numpy() if population else np.nan,
        },
        geometry=gdf.geometry.to_crs(settings.CRS).values,
        crs=settings.CRS,
    )
    geoms = out.geometry.values
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise DataError(f"feature {out['code'].iloc[i]!r} has no geometry", path=path, row=i + 1)
    fixed = shapely.make_valid(geoms)
    # make_valid can return collections with stray lines: keep the polygonal part only
    fixed = _polygonal(fixed)
    bad = shapely.is_empty(fixed)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"feature {out['code'].iloc[i]!r} has invalid geometry with no area after repair",
                        path=path, row=i + 1)
    out = out.set_geometry(fixed)
    return out


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only polygon parts of each geometry (make_valid may add lines or points)."""
    types = shapely.get_type_id(geoms)
    needs = ~np.isin(types, (3, 6))
    if not needs.any():
        return geoms
    out = geoms.copy()
    for i in np.flatnonzero(needs):  # rare: a handful of features at most
        parts = shapely.get_parts(geoms[i])
        polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[i] = shapely.multipolygons(shapely.get_parts(polys)) if len(polys) else shapely.Polygon()
    return out


def read_census_lc2101(path: str | Path) -> pd.DataFrame:
    """Parse the raw Nomis export of Census 2011 table LC2101EW into usual residents per LSOA.

    The file holds a block of males then a block of females, each with its own
    header and footer lines; persons are the sum of the two blocks over the age bands.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (LSOA 2011) and ``population`` (int), one row per LSOA.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", path=path)
    rows: list[tuple[str, int]] = []
    blocks = 0
    in_block = False
    block_rows = 0
    n_bands = None
    with open(path, encoding="utf-8-sig", newline="") as f:
        for lineno, rec in enumerate(csv.reader(f), start=1):
            if rec and rec[0].startswith("2011 super output area"):
                blocks += 1
                in_block = True
                block_rows = 0
                n_bands = len(rec) - 2
                continue
            if not in_block:
                continue
            if not rec or not rec[0].strip():
                if block_rows:
                    in_block = False  # blank line after data: the footer follows
                continue
            if len(rec) < 3 or not re.fullmatch(r"[EW]0[0-9]{7}", rec[1].strip()):
                in_block = False
                continue
            try:
                vals = [int(v) for v in rec[2:2 + n_bands]]
            except ValueError:
                raise DataError(f"non-numeric count {rec[2:2 + n_bands]}", path=path, row=lineno) from None
            rows.append((rec[1].strip(), sum(vals)))
            block_rows += 1
    if blocks != 2:
        raise DataError(f"expected a males block and a females block, found {blocks} blocks", path=path)
    df = pd.DataFrame(rows, columns=["code", "population"])
    out = df.groupby("code", sort=True, as_index=False)["population"].sum()
    counts = df.groupby("code").size()
    if (counts != 2).any():
        bad = counts[counts != 2].index[0]
        raise DataError(f"LSOA {bad} appears {counts[bad]} times; expected once per sex block", path=path)
    return out


def read_table(path: str | Path, required: list[str] | tuple[str, ...] = (), **kwargs) -> pd.DataFrame:
    """Read a CSV table as strings, checking required columns.

    Raises
    ------
    DataError
        Missing file or a missing required column.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", path=path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # ONS/HSCIC files of 2013 are often Windows-1252
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot parse CSV ({str(exc).splitlines()[0]})", path=path) from None
    df.columns = [c.strip() for c in df.columns]
    for col in required:
        if col not in df.columns:
            raise DataError(f"missing required column {col!r}", path=path, column=col)
    return df


def read_pct_2011_list(path: str | Path) -> pd.DataFrame:
    """Read the April 2011 PCT code list (two names hold unquoted commas; CRLF; trailing blank line).

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (E16/E17), ``ods_code``, ``name``.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", path=path)
    text = path.read_text(encoding="utf-8-sig")
    rows = []
    for lineno, line in enumerate(io.StringIO(text), start=1):
        line = line.rstrip("\r\n")
        if lineno == 1 or not line.replace(",", "").strip():
            continue
        parts = line.split(",")
        if len(parts) < 3 or not re.fullmatch(r"E1[67]\d{6}", parts[0]):
            raise DataError(f"unexpected line {line[:60]!r}", path=path, row=lineno)
        # code, ods code, then a name that may itself hold commas, then an optional empty field
        name = ",".join(parts[2:]).rstrip(",").strip()
        rows.append((parts[0], parts[1], name))
    return pd.DataFrame(rows, columns=["code", "ods_code", "name"])


def read_rda(path: str | Path) -> pd.DataFrame:
    """Read an R data file (``.rda``) holding one data frame, with the PyPI package ``pyreadr`` (librdata).

    A file read twice in one process (the LSOA11 -> LSOA21 lookup serves Census 2021 and a cross-check) is
    parsed once; every call gets its own copy. Text columns come back as pandas' ``string`` dtype, missing
    values as ``<NA>``.

    Returns
    -------
    pandas.DataFrame
        With a fresh RangeIndex (data row ``i`` of the file is index ``i - 1``).

    Raises
    ------
    DataError
        If the file is missing, is not a readable R data file, or holds anything but one data frame.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found" if not path.exists() else "not a file", path=path)
    st = path.stat()
    return _parse_rda(str(path.resolve()), st.st_size, st.st_mtime_ns).copy()


@functools.lru_cache(maxsize=8)
def _parse_rda(path: str, size: int, mtime_ns: int) -> pd.DataFrame:
    import pyreadr

    try:
        objects = pyreadr.read_r(path)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a corrupt file, reported as one line
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise DataError(f"not a readable R data file ({type(exc).__name__}: {detail})", path=path) from None
    frames = [v for v in objects.values() if isinstance(v, pd.DataFrame)]
    if len(objects) != 1 or len(frames) != 1:
        kinds = ", ".join(f"{k} ({type(v).__name__})" for k, v in objects.items()) or "nothing"
        raise DataError(f"expected one data frame, found {kinds}", path=path)
    df = frames[0].reset_index(drop=True)
    df.columns = [str(c) for c in df.columns]
    for c in df.columns:
        if not pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            df[c] = df[c].astype("string")
    return df


def read_lookup(path: str | Path) -> pd.DataFrame:
    """Read a lookup table (CSV, or R data) as strings, rows numbered from 0."""
    path = Path(path)
    if path.suffix == ".rda":
        df = read_rda(path)
        return df.astype(str).where(df.notna(), "")
    return read_table(path)
