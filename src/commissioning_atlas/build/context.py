"""Build the layers declared in ``layers.toml`` from LSOAs, lazily, one cached layer at a time.

Every layer is a set of LSOAs: its build kind (:mod:`build_kinds`, :mod:`builders_2011`) gives each of the
32,844 LSOAs of 2011 a unit code; this module validates the result (every LSOA once, every unit named,
the declared feature count, nesting in the declared parent), dissolves the units by coverage union (from
the finer layer they are grouped from where there is one), and caches each layer on its own, keyed on its
declaration and inputs (:mod:`layer_cache`). Asking for one layer builds only what it needs.
Populations are not part of a layer's cache: they are sums over its LSOAs on a chosen basis
(:mod:`population`), added when the layer is read.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from commissioning_atlas import settings
from commissioning_atlas._errors import DataError
from commissioning_atlas.build.kinds import KIND_FUNCTIONS, Column, assign_points
from commissioning_atlas.build.builders_2011 import BUILDERS
from commissioning_atlas.sources.catalogue import load_catalogue
from commissioning_atlas.build.coverage import dissolve_geoms, repair_coverage
from commissioning_atlas.sources.fetch import fetch
from commissioning_atlas.build.cache import LayerCache
from commissioning_atlas.sources.readers import normalise, read_census_lc2101, read_vector
from commissioning_atlas.registry import LayerSpec, layer_ids, layer_spec, registry

#: Bump when the build logic of layers changes, so cached layers are rebuilt.
BUILD_VERSION = "7"
#: Bump when the LSOA base (reading, coverage repair) changes: every layer is rebuilt.
BASE_VERSION = "5"
#: Bump when dissolving footprint sets changes, so cached footprint polygons are remade.
FOOTPRINT_VERSION = "1"

#: England's Census 2011 usual residents (ONS), the check on the LSOA populations.
ENGLAND_POPULATION_2011 = 53_012_456

#: Layers in display order with their feature count (from the registry).
EXPECTED_FEATURES: dict[str, int] = {k: registry()[k].expected for k in layer_ids()}
#: Layers assigned to LSOAs (every declared layer but the LSOAs themselves).
LSOA_LAYERS = [k for k in EXPECTED_FEATURES if k != "lsoa_2011"]


#: Progress of the build, one line per layer built or population read (the CLI shows INFO on stderr).
log = logging.getLogger(__name__)


def _hash(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


class BuildContext:
    """What a build reads and has built so far: fetched files, the LSOA base, layer columns.

    Parameters
    ----------
    mirror : str or Path, optional
        Local mirror of the upstream files (default ``$COMMISSIONING_ATLAS_MIRROR``).
    engine : {"pyogrio", "fiona"}
        Vector I/O engine for the raw files.
    rebuild : bool
        Ignore cached layers (each is rebuilt once in this context).
    progress : bool
        Show download progress bars and log one line per layer built (INFO on the ``commissioning_atlas``
        logger; the CLI prints these on stderr).
    """

    def __init__(self, mirror: str | Path | None = None, engine: str = "pyogrio", rebuild: bool = False,
                 progress: bool = True):
        self.mirror = mirror
        self.engine = engine
        self.rebuild = rebuild
        self.progress = progress
        self.catalogue = load_catalogue()
        self.cache = LayerCache(settings.cache_dir() / "layers")
        self.cache.sweep()
        self._paths: dict[str, list[Path]] = {}
        self._memo: dict = {}
        self._unions: dict = {}  # coverage unions made, by their pieces (coverage.dissolve_geoms)
        self._base: gpd.GeoDataFrame | None = None
        self._columns: dict[str, np.ndarray] = {}
        self._index: dict[str, np.ndarray] = {}
        self._frames: dict[str, gpd.GeoDataFrame] = {}
        self._pop: dict[str, np.ndarray] = {}
        self._futures: dict = {}  # population bases being read in a worker process
        self._rebuilt: set[str] = set()
        self.reports: dict[str, dict] = {}
        self._building: list[str] = []

    # ------------------------------------------------------------------------------ inputs

    def paths(self, group: str) -> list[Path]:
        """Cached files of a catalogue group, fetched (and sha256-checked) on first use."""
        if group not in self._paths:
            if group not in self.catalogue:
                raise DataError(f"source group {group!r} is not in the catalogue", path="boundaries/sources.toml")
            self._paths.update(fetch([self.catalogue[group]], mirror=self.mirror, progress=self.progress))
        return self._paths[group]

    def path(self, group: str) -> Path:
        """The (first) file of a catalogue group."""
        return self.paths(group)[0]

    def memo(self, key, fn: Callable):
        """Compute ``fn()`` once per context (tables read by several layers)."""
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]

    def _progress(self, text: str) -> None:
        """One line of progress, logged at INFO (unless this context was made quiet)."""
        if self.progress:
            log.info(text)

    def source_key(self, sources) -> str:
        """Hash of a layer's inputs: the pinned sha256 of catalogue files, the bytes of geo/ tables."""
        parts = []
        for s in sources:
            if s.startswith("geo:"):
                p = settings.geo_dir() / s[4:]
                parts.append((s, hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "missing"))
            elif s in self.catalogue:
                parts.append((s, [f.sha256 for f in self.catalogue[s].files]))
            else:
                raise DataError(f"layer source {s!r} is neither a catalogue group nor geo:<table>",
                                path="layers.toml")
        return _hash(parts)

    # ------------------------------------------------------------------------------ the LSOA base

    def base_key(self) -> str:
        return _hash(BASE_VERSION, self.source_key(layer_spec("lsoa_2011").sources), settings.SNAP_GRID_M,
                     settings.COVERAGE_TOLERANCE_M2)

    @property
    def base(self) -> gpd.GeoDataFrame:
        """The 32,844 LSOAs: ``code``, ``name``, ``population`` (Census 2011), ``area_m2``, the district file
        each came from (``lad_2011``), a clean-coverage geometry. Its columns never change: a layer's codes
        are :meth:`column`."""
        if self._base is None:
            key = self.base_key()
            got = None if self.rebuild else self.cache.read("lsoa_2011", key)
            if got is None:
                t = time.perf_counter()
                frame, report = _build_base(self)
                self.cache.write("lsoa_2011", key, frame, None, report)
                self._progress(f"built lsoa_2011 (32,844 LSOAs, clean coverage) in {time.perf_counter() - t:.1f} s")
                got = (frame, None, report)
            self._base = got[0]
            self.reports["lsoa_2011"] = got[2]
            self._columns["lad_2011_file"] = self._base["lad_2011"].to_numpy(dtype=object)
        return self._base

    def points(self) -> np.ndarray:
        """Point on surface of every LSOA (the best-fit point)."""
        return self.memo("points", lambda: shapely.point_on_surface(self.base.geometry.values))

    def atoms(self) -> tuple[np.ndarray, np.ndarray]:
        """The LSOAs grouped by district and name stem ("Hartlepool 009": the 2011 MSOA), each group
        dissolved once per process: the atom of every LSOA (row) and the atoms' polygons.

        A layer dissolved "from LSOAs" is dissolved from these 6,791 atoms, with the LSOAs of any atom it
        splits: half the vertices, the same result (see :func:`_dissolve`)."""
        def make():
            base = self.base
            stem = (base["lad_2011"].astype(str) + "|" + base["name"].astype(str).str[:-1]).to_numpy(dtype=object)
            _, index = np.unique(stem, return_inverse=True)
            _, geoms = dissolve_geoms(base.geometry.values, index, self._unions)
            return index.astype(np.int64), np.asarray(geoms, dtype=object)
        return self.memo("atoms", make)

    def _population_key(self, basis: str) -> str:
        from commissioning_atlas.sources.population import get_basis

        return _hash(BUILD_VERSION, basis, self.source_key(get_basis(basis).groups))

    def prefetch_populations(self, bases, with_2024: bool = True) -> None:
        """Start reading the population bases not yet cached in a forked worker process, so that reading the
        R data files (about 1-2 s each) runs beside the layer build on a second core.

        Only on request (:meth:`Atlas.build_all` with ``parallel=True``, which the CLI passes): a library
        call never forks on its own."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from commissioning_atlas.sources.population import get_basis, read_basis

        todo = []
        order = {"mid_2017": 0, "mid_2019": 1, "mid_2020": 2, "census_2021": 3}
        for basis in sorted(set(bases) - {"census_2011"} - set(self._pop) - set(self._futures),
                            key=lambda b: (order.get(b, 9), b)):
            if not get_basis(basis).per_lsoa:
                continue
            if not (self.rebuild and basis not in self._rebuilt) and \
                    self.cache.read_array(f"pop_{basis}", self._population_key(basis)) is not None:
                continue
            todo.append(basis)
        if not todo or "fork" not in multiprocessing.get_all_start_methods():
            return
        paths = {g: self.paths(g) for b in todo for g in get_basis(b).groups}
        codes = self.base["code"].to_numpy()
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        for basis in todo:  # in the order the layers need them (by date)
            self._futures[basis] = pool.submit(read_basis, basis, paths, codes)
        if with_2024 and not all(self.cache.read(k, self.layer_key(k)) for k in ("sicbl_2023", "icb_2023")):
            # the 2023 layers' cross-check parses two more R files: the same worker, after Census 2021 (which
            # parses the LSOA11 -> LSOA21 lookup too: its worker keeps the parse)
            self._futures["april_2024"] = pool.submit(read_2024_lookups, self.path("lsoa21_icb24_rda"),
                                                      self.path("lsoa11_lsoa21_rda"))
        pool.shutdown(wait=False)

    def population(self, basis: str) -> np.ndarray:
        """Residents of every LSOA on ``basis`` (int64, aligned with :attr:`base`), read once and cached."""
        if basis not in self._pop:
            from commissioning_atlas.sources.population import get_basis, read_basis

            b = get_basis(basis)
            if basis == "census_2011":  # read with the LSOA base
                self._pop[basis] = self.base["population"].to_numpy(dtype=np.int64)
                return self._pop[basis]
            key = self._population_key(basis)
            got = None if (self.rebuild and basis not in self._rebuilt) else self.cache.read_array(f"pop_{basis}", key)
            if got is None:
                t = time.perf_counter()
                future = self._futures.pop(basis, None)
                read = future.result() if future is not None else \
                    read_basis(basis, {g: self.paths(g) for g in b.groups}, self.base["code"].to_numpy())
                got = (read.values.astype(np.int64), read.report)
                self.cache.write_array(f"pop_{basis}", key, got[0], got[1])
                self._rebuilt.add(basis)
                self._progress(f"read population {basis} ({b.title}) in {time.perf_counter() - t:.1f} s")
            self._pop[basis] = got[0]
            self.reports.setdefault("population", {})[basis] = got[1]
        return self._pop[basis]

    def dissolve_footprints(self, name: str, lsoa: gpd.GeoDataFrame, membership: pd.DataFrame) -> gpd.GeoDataFrame:
        """:func:`~commissioning_atlas.build.coverage.dissolve` of a footprint set, cached like a layer.

        The key hashes the LSOA base and the membership itself (every ``lsoa_code``, ``code`` pair), so a
        changed table or scenario is dissolved anew; the cached frame is the one dissolved, read back.
        """
        from commissioning_atlas.build.coverage import dissolve

        pairs = membership[["lsoa_code", "code"]].astype(str)
        digest = hashlib.sha256("\n".join(pairs["lsoa_code"] + "\t" + pairs["code"]).encode()).hexdigest()
        key = _hash(FOOTPRINT_VERSION, self.base_key(), digest)
        got = None if self.rebuild else self.cache.read(f"footprints_{name}", key)
        if got is not None:
            frame = got[0]
            geoms = frame.geometry.values
            # the GeoPackage stores every feature as a MultiPolygon: a one-part one was a Polygon when dissolved
            one = (shapely.get_type_id(geoms) == 6) & (shapely.get_num_geometries(geoms) == 1)
            if one.any():
                geoms = np.asarray(geoms, dtype=object)
                geoms[one] = shapely.get_geometry(geoms[one], 0)
                frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
            return frame
        frame = dissolve(lsoa, membership, unions=self._unions)
        self.cache.write(f"footprints_{name}", key, frame, None, {})
        return frame

    # ------------------------------------------------------------------------------ layers

    def layer_key(self, layer_id: str) -> str:
        """Cache key of a layer: its declaration, its inputs and the keys of the layers it is made from."""
        spec = layer_spec(layer_id)
        if spec.kind == "lsoa_base":
            return self.base_key()
        deps = sorted(set(spec.needs()) | ({spec.params["dissolve_from"]} if "dissolve_from" in spec.params else set()))
        return _hash(BUILD_VERSION, spec.declaration(), self.source_key(spec.sources), self.base_key(),
                     [(d, self.layer_key(d)) for d in deps])

    def column(self, layer_id: str) -> np.ndarray:
        """Unit code of every LSOA in ``layer_id`` (object array aligned with :attr:`base`)."""
        if layer_id not in self._columns:
            self._load(layer_id)
        return self._columns[layer_id]

    def index(self, layer_id: str) -> np.ndarray:
        """Row of :meth:`layer_frame` holding every LSOA (int32 array)."""
        if layer_id not in self._index:
            self._load(layer_id)
        return self._index[layer_id]

    def layer_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The dissolved layer, without population: ``code``, ``name``, ``ods_code``, ``area_km2``, extra
        columns, geometry (EPSG:27700), sorted by code."""
        if layer_id not in self._frames:
            self._load(layer_id)
        return self._frames[layer_id]

    def built(self) -> list[str]:
        """Layers read or built in this context."""
        return [k for k in layer_ids() if k in self._frames]

    def available(self, layer_id: str) -> bool:
        """Every declared layer can be built."""
        return layer_id in registry()

    def _load(self, layer_id: str) -> None:
        spec = layer_spec(layer_id)
        if spec.kind == "lsoa_base":
            base = self.base
            frame = gpd.GeoDataFrame({"code": base["code"], "name": base["name"], "ods_code": "",
                                      "area_km2": base["area_m2"] / 1e6}, geometry=base.geometry.values,
                                     crs=settings.CRS)
            self._frames[layer_id] = frame
            self._columns[layer_id] = base["code"].to_numpy(dtype=object)
            self._index[layer_id] = np.arange(len(base), dtype=np.int32)
            return
        if layer_id in self._building:
            raise DataError(f"layer {layer_id} depends on itself ({' -> '.join(self._building)})", path="layers.toml")
        key = self.layer_key(layer_id)
        got = None
        if not (self.rebuild and layer_id not in self._rebuilt):
            got = self.cache.read(layer_id, key)
        if got is None:
            self._building.append(layer_id)
            try:
                t = time.perf_counter()
                frame, index, report = self._build(spec)
                self.cache.write(layer_id, key, frame, index, report)
                self._rebuilt.add(layer_id)
                self._progress(f"built {layer_id} ({len(frame)} {spec.title.lower()}) in {time.perf_counter() - t:.1f} s")
            finally:
                self._building.pop()
            got = (frame, index, report)
        frame, index, report = got
        self._frames[layer_id] = frame
        self._index[layer_id] = index
        self._columns[layer_id] = frame["code"].to_numpy(dtype=object)[index]
        self.reports[layer_id] = report

    def _build(self, spec: LayerSpec) -> tuple[gpd.GeoDataFrame, np.ndarray, dict]:
        if spec.kind == "builder":
            col = BUILDERS[spec.params["builder"]](self, spec)
        else:
            col = KIND_FUNCTIONS[spec.kind](self, spec)
        return _finish(self, spec, col)


# ---------------------------------------------------------------------------------- the build steps

def _source_path(ctx: BuildContext, spec: LayerSpec) -> str:
    s = spec.sources[0] if spec.sources else "layers.toml"
    if s.startswith("geo:"):
        return str(settings.geo_dir() / s[4:])
    known = getattr(ctx, "catalogue", None)
    return str(ctx.path(s)) if known is None or s in known else s


def _finish(ctx: BuildContext, spec: LayerSpec, col: Column) -> tuple[gpd.GeoDataFrame, np.ndarray, dict]:
    """Validate a layer's LSOA codes, dissolve it and make its frame."""
    codes = pd.Series(col.codes, dtype=object)
    bad = codes.isna() | (codes.astype(str).str.strip() == "")
    if bad.any():
        raise DataError(f"layer {spec.id}: LSOA {ctx.base['code'].iat[int(np.flatnonzero(bad.to_numpy())[0])]} "
                        f"has no unit ({int(bad.sum())} LSOAs in all)", path=_source_path(ctx, spec))
    codes = codes.astype(str).to_numpy(dtype=object)
    keys, index = np.unique(codes.astype(str), return_inverse=True)
    keys = keys.astype(object)
    if len(keys) != spec.expected:
        raise DataError(f"layer {spec.id} has {len(keys)} features; expected {spec.expected}",
                        path=_source_path(ctx, spec))
    names = col.names.reindex(keys) if col.names is not None else pd.Series(keys, index=keys)
    if names.isna().any():
        raise DataError(f"layer {spec.id}: no name for unit {keys[names.isna().to_numpy()][0]}",
                        path=_source_path(ctx, spec))
    report: dict = dict(col.report)
    if spec.parent and not _depends_on(spec.parent, spec.id):  # a group of this layer nests by construction
        report.update(_nesting(ctx, spec, codes))
    if spec.params.get("crosscheck_2024"):
        report["april_2024_lookup"] = _crosscheck_2024(ctx, spec, codes, col)
    for rule in spec.params.get("contains", []):
        report.setdefault("contains", []).append(_contains(ctx, spec, rule, codes, keys, col))
    geoms = _dissolve(ctx, spec, codes, keys)
    area = np.bincount(index, weights=ctx.base["area_m2"].to_numpy(), minlength=len(keys)) / 1e6
    frame = pd.DataFrame({
        "code": keys,
        "name": names.astype(str).to_numpy(dtype=object),
        "ods_code": col.ods.reindex(keys).fillna("").astype(str).to_numpy(dtype=object) if col.ods is not None else "",
        "area_km2": area,
    })
    if col.attrs is not None:
        attrs = col.attrs.reindex(keys)
        for c in attrs.columns:
            frame[c] = attrs[c].to_numpy()
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=settings.CRS)
    polygons = spec.params.get("polygons") or []
    for group in [polygons] if isinstance(polygons, str) else polygons:
        report.setdefault("ons_polygons", []).append(_against_polygons(ctx, group, codes, names))
    return gdf, index.astype(np.int32), report


def _contains(ctx, spec: LayerSpec, rule: str, codes: np.ndarray, keys: np.ndarray, col: Column) -> str:
    """``"UNIT: layer CODE ..."``: the unit (by code or ODS code) holds every LSOA of each listed unit."""
    unit, _, rest = rule.partition(":")
    layer, *wanted = rest.split()
    unit = unit.strip()
    if unit not in set(keys) and col.ods is not None:
        unit = next((k for k, o in col.ods.items() if o == unit), unit)
    other = ctx.column(layer)
    pop = ctx.population("census_2011")
    for w in wanted:
        sel = other == w
        if not sel.any():
            raise DataError(f"layer {spec.id}: contains-check names unknown {layer} unit {w}", path="layers.toml")
        out = sel & (codes != unit)
        if out.any():
            raise DataError(f"layer {spec.id}: {unit} must hold all of {layer} {w}, but {int(pop[out].sum()):,} "
                            f"residents (2011) of it lie in {', '.join(sorted(set(codes[out])))}",
                            path=_source_path(ctx, spec))
    return f"{unit} holds all of {layer} {' '.join(wanted)}"


def read_2024_lookups(icb24_path: Path, lsoa11_lsoa21_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The April 2024 LSOA21 lookup and the LSOA11 -> LSOA21 pairs (for the cross-check of the 2023 layers)."""
    from commissioning_atlas.sources.population import read_lsoa11_lsoa21
    from commissioning_atlas.sources.readers import read_lookup

    return read_lookup(icb24_path), read_lsoa11_lsoa21(lsoa11_lsoa21_path)


def _crosscheck_2024(ctx, spec: LayerSpec, codes: np.ndarray, col: Column) -> dict:
    """Compare a 2023 layer with the April 2024 lookup (on 2021 LSOAs) through the LSOA11 -> LSOA21 lookup:
    the 2011 LSOAs none of whose 2021 LSOAs the 2024 lookup gives to the same unit (matched by code)."""
    from commissioning_atlas.build.kinds import lsoa21_tables

    column = spec.params["crosscheck_2024"]
    look, pairs = lsoa21_tables(ctx, "lsoa21_icb24_rda", "lsoa11_lsoa21_rda")
    if column not in look.columns or "lsoa21_code" not in look.columns:
        raise DataError(f"missing column {column!r}", path=ctx.path("lsoa21_icb24_rda"), column=column)
    unit24 = look.set_index("lsoa21_code")[column]
    pos = pd.Series(np.arange(len(codes)), index=ctx.base["code"].to_numpy())
    i = pos.reindex(pairs["lsoa11_code"].to_numpy()).to_numpy()
    ok = ~np.isnan(i.astype(float))
    i = i[ok].astype(int)
    got = unit24.reindex(pairs["lsoa21_code"].to_numpy()[ok]).to_numpy()
    same = pd.Series(got == codes[i]).groupby(i).any()
    differ = np.flatnonzero(~same.reindex(np.arange(len(codes)), fill_value=False).to_numpy())
    pop = ctx.population("census_2011")
    return {"lookup": "LSOA21-SICBL24-ICB24 (April 2024) via LSOA11-LSOA21", "column": column,
            "lsoas_differing": int(len(differ)), "residents_2011_differing": int(pop[differ].sum()),
            "examples": [str(c) for c in ctx.base["code"].to_numpy()[differ][:10]],
            "units_in_2024": int(pd.Series(got).nunique())}


def _depends_on(layer_id: str, other: str) -> bool:
    """Whether building ``layer_id`` needs ``other``."""
    spec = layer_spec(layer_id)
    deps = set(spec.needs()) | ({spec.params["dissolve_from"]} if "dissolve_from" in spec.params else set())
    return other in deps or any(_depends_on(d, other) for d in deps)


def _nesting(ctx: BuildContext, spec: LayerSpec, codes: np.ndarray) -> dict:
    """Units straddling their declared parent: an error unless named in ``nest_exceptions``."""
    parent = ctx.column(spec.parent)
    pop = ctx.population("census_2011")
    df = pd.DataFrame({"u": codes, "p": parent, "pop": pop})
    n = df.groupby("u")["p"].nunique()
    straddle = sorted(n.index[n > 1])
    allowed = set(spec.params.get("nest_exceptions", []))
    unexpected = [u for u in straddle if u not in allowed]
    if unexpected:
        parts = df[df["u"] == unexpected[0]].groupby("p")["pop"].sum().sort_values(ascending=False)
        where = ", ".join(f"{p} ({v:,} residents 2011)" for p, v in parts.items())
        raise DataError(f"unit {unexpected[0]} of {spec.id} is not nested in {spec.parent}: it lies in {where} "
                        f"({len(unexpected)} such units)", path=_source_path(ctx, spec))
    out = {}
    for u in straddle:
        parts = df[df["u"] == u].groupby("p")["pop"].sum().sort_values(ascending=False)
        out[u] = {p: int(v) for p, v in parts.items()}
    return {"nesting": {"parent": spec.parent, "straddling_units": out}}


def _dissolve(ctx: BuildContext, spec: LayerSpec, codes: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Coverage union of each unit, from the finer layer it is declared to be made of where there is one,
    else from the LSOA atoms (:meth:`BuildContext.atoms`)."""
    finer = spec.params.get("dissolve_from") or (spec.params.get("of") if spec.kind in ("group", "regroup") else None)
    lsoas = np.asarray(ctx.base.geometry.values, dtype=object)
    if finer:
        fine_index, fine_geoms = ctx.index(finer), np.asarray(ctx.layer_frame(finer).geometry.values, dtype=object)
    elif hasattr(ctx, "atoms"):
        fine_index, fine_geoms = ctx.atoms()
    else:  # a context of given frames (tests): straight from the LSOAs
        fine_index, fine_geoms = np.arange(len(lsoas)), lsoas
    k, g = dissolve_geoms(*dissolve_pieces(codes, fine_index, fine_geoms, lsoas), getattr(ctx, "_unions", None))
    return pd.Series(g, index=k).reindex(keys).to_numpy()


def dissolve_pieces(codes: np.ndarray, fine_index: np.ndarray, fine_geoms: np.ndarray,
                    lsoas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pieces a layer is the coverage union of: each finer unit whole where all its LSOAs lie in one
    unit, else its LSOAs one by one (a CCG of 2019 across two of 2020).

    Every piece is a coverage union of the same clean LSOA coverage, so the pieces form a coverage too and
    their union per unit is the union of its LSOAs; only the number of vertices to union differs.

    Parameters
    ----------
    codes : numpy.ndarray
        The unit of every LSOA.
    fine_index : numpy.ndarray of int
        The finer unit (row of ``fine_geoms``) of every LSOA.
    fine_geoms, lsoas : numpy.ndarray of shapely geometries
        The finer units' and the LSOAs' polygons.

    Returns
    -------
    geoms, labels : numpy.ndarray
        The pieces and the unit each belongs to, for :func:`~commissioning_atlas.build.coverage.dissolve_geoms`.
    """
    codes = np.asarray(codes, dtype=object)
    n_fine = len(fine_geoms)
    rows, first_lsoa = np.unique(fine_index, return_index=True)
    first = np.zeros(n_fine, dtype=np.int64)
    first[rows] = first_lsoa  # an LSOA of each finer unit
    unit_of_row = codes[first]
    whole = np.zeros(n_fine, dtype=bool)
    whole[rows] = True  # a finer unit with no LSOA here has nothing to give
    whole[np.unique(fine_index[codes != unit_of_row[fine_index]])] = False
    loose = ~whole[fine_index]
    geoms = np.concatenate([fine_geoms[whole], lsoas[loose]])
    labels = np.concatenate([unit_of_row[whole], codes[loose]]).astype(object)
    return geoms, labels


def _against_polygons(ctx: BuildContext, group: str, codes: np.ndarray, names: pd.Series) -> dict:
    """How many LSOAs' point on surface falls outside the ONS polygon of their unit (matched by code,
    else by name: regions were recoded in January 2024)."""
    path = ctx.path(group)
    raw = read_vector(path, engine=ctx.engine)
    code_col = next((c for c in raw.columns if c.lower() in ("areacd",) or c.lower().endswith("cd")), None)
    name_col = next((c for c in raw.columns if c.lower() in ("areanm",) or c.lower().endswith("nm")), None)
    if code_col is None:
        raise DataError("no code column in the ONS polygons", path=path)
    polys = normalise(raw, path, code=code_col, name=name_col)
    polys = polys[polys["code"].str.startswith("E")]
    matched = set(polys["code"]) >= set(codes)
    if not matched and name_col:  # recoded since (e.g. regions in 2024): match by name
        by_name = dict(zip(polys["name"].str.lower(), polys["code"]))
        remap = {c: by_name.get(str(n).lower()) for c, n in names.items()}
        if all(remap.values()):
            codes = pd.Series(codes).map(remap).to_numpy(dtype=object)
            matched = True
    if not matched:
        return {"file": path.name, "matched": False}
    got, outside_all, _ = assign_points(ctx.points(), polys)
    differ = got != codes
    pop = ctx.population("census_2011")
    return {"file": path.name, "matched": True, "lsoas_outside_their_unit": int(differ.sum()),
            "residents_2011_outside": int(pop[differ].sum()), "outside_every_polygon": int(outside_all)}


def _build_base(ctx: BuildContext) -> tuple[gpd.GeoDataFrame, dict]:
    """The LSOA base: read the per-district files, repair the coverage, add Census 2011 residents."""
    paths = ctx.paths("lsoa_2011")
    frames = []
    for p in paths:
        g = read_vector(p, engine=ctx.engine)
        for col in ("LSOA11CD", "LSOA11NM"):
            if col not in g.columns:
                raise DataError(f"missing column {col!r}", path=p, column=col)
        g = g[["LSOA11CD", "LSOA11NM", "geometry"]]
        g["lad_2011"] = Path(p).stem
        frames.append(g)
    raw = pd.concat(frames, ignore_index=True)
    invalid_raw = int((~shapely.is_valid(raw.geometry.values)).sum())
    lsoa = normalise(gpd.GeoDataFrame(raw, geometry="geometry", crs=frames[0].crs), paths[0].parent,
                     code="LSOA11CD", name="LSOA11NM")
    lsoa["lad_2011"] = raw["lad_2011"].to_numpy()
    lsoa = lsoa.drop(columns=["ods_code", "population"])
    if len(lsoa) != 32_844:
        raise DataError(f"layer lsoa_2011 has {len(lsoa)} features; expected 32844", path=paths[0].parent)
    geoms, slivers = repair_coverage(lsoa.geometry.values)
    if not slivers.valid_coverage:
        raise DataError("LSOA polygons could not be repaired into a clean coverage", path=paths[0].parent)
    lsoa = lsoa.set_geometry(geoms)
    census_path = ctx.path("census_2011_lc2101ew")
    pop = read_census_lc2101(census_path).set_index("code")["population"].reindex(lsoa["code"])
    if pop.isna().any():
        raise DataError(f"no Census 2011 population for LSOA {pop.index[pop.isna().to_numpy()][0]}", path=census_path)
    if int(pop.sum()) != ENGLAND_POPULATION_2011:
        raise DataError(f"England population sums to {int(pop.sum()):,}, expected {ENGLAND_POPULATION_2011:,}",
                        path=census_path)
    lsoa.insert(2, "population", pop.to_numpy().astype("int64"))
    lsoa.insert(3, "area_m2", shapely.area(lsoa.geometry.values))
    report = {"slivers": {**slivers.__dict__, "invalid_input": invalid_raw}}
    return lsoa, report


class FrameContext:
    """A build context over frames already in memory (synthetic atlases in tests, user-built layers).

    Parameters
    ----------
    lsoa : geopandas.GeoDataFrame
        ``code``, ``population`` (Census 2011 basis), ``area_m2``, geometry and one code column per layer.
    layers : dict of str to GeoDataFrame
        Layer frames (``code``, ``name``, ``ods_code``, ``area_km2``, geometry) whose codes the LSOA
        columns name.
    """

    def __init__(self, lsoa: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]):
        self.base = lsoa
        self._frames = {k: v.sort_values("code", kind="stable").reset_index(drop=True) for k, v in layers.items()}
        self.reports: dict[str, dict] = {}

    def population(self, basis: str) -> np.ndarray:
        if basis != "census_2011":
            raise DataError(f"this atlas holds census_2011 residents only, not {basis}")
        return self.base["population"].to_numpy(dtype=np.int64)

    def layer_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        if layer_id == "lsoa_2011" and layer_id not in self._frames:
            b = self.base
            self._frames[layer_id] = gpd.GeoDataFrame(
                {"code": b["code"], "name": b.get("name", b["code"]), "ods_code": "", "area_km2": b["area_m2"] / 1e6},
                geometry=b.geometry.values, crs=b.crs).sort_values("code", kind="stable").reset_index(drop=True)
        if layer_id not in self._frames:
            raise DataError(f"layer {layer_id} is not in this atlas")
        return self._frames[layer_id].drop(columns=["population"], errors="ignore")

    def column(self, layer_id: str) -> np.ndarray:
        self.layer_frame(layer_id)
        return self.base["code" if layer_id == "lsoa_2011" else layer_id].to_numpy(dtype=object)

    def index(self, layer_id: str) -> np.ndarray:
        codes = self.layer_frame(layer_id)["code"].to_numpy()
        return np.searchsorted(codes, self.column(layer_id)).astype(np.int32)

    def built(self) -> list[str]:
        return list(self._frames)

    def available(self, layer_id: str) -> bool:
        return layer_id in self._frames or layer_id == "lsoa_2011"
