"""The Atlas: every layer of every era, built from LSOAs when first used, and the footprint sets."""


from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.build.context import BuildContext
from commissioning_atlas.core import membership as _membership
from commissioning_atlas.core.membership import Crosstab, Join, Membership
from commissioning_atlas.io.safe import OutputPolicy
from commissioning_atlas.registry import footprint_sets, layer_spec, suggest
from commissioning_atlas.registry import layer_ids as _declared_ids
from commissioning_atlas.registry import registry as _specs

__all__ = ["Atlas", "load"]

class _LazyLayers(Mapping):
    """Every declared layer by id, built (or read from the cache) on first access by ``read`` (default
    :meth:`Atlas.layer`)."""

    def __init__(self, atlas: "Atlas", read: Callable[[str], gpd.GeoDataFrame] | None = None):
        self._atlas = atlas
        self._read = read or atlas.layer

    def __getitem__(self, layer_id: str) -> gpd.GeoDataFrame:
        if layer_id not in _specs():
            raise KeyError(layer_id)
        return self._read(layer_id)

    def __iter__(self):
        return iter(_declared_ids())

    def __len__(self) -> int:
        return len(_specs())


@dataclass
class Atlas:
    """Every layer of every era, built from LSOAs when first used, plus footprint sets.

    Attributes
    ----------
    ctx : BuildContext
        The build: fetched files, the LSOA base and the layers built or read so far.
    scenario : Path or None
        The user's proposal file, if any; it becomes the layer ``scenario``.
    basis : str or None
        Population basis for every figure (``--population``); None: each layer's default basis.
    """

    ctx: BuildContext
    scenario: Path | None = None
    basis: str | None = None
    _footprints: dict[str, tuple[gpd.GeoDataFrame, pd.DataFrame]] = field(default_factory=dict, repr=False)
    #: layer frames, memberships, joins and the values of :meth:`derived`; read and written by the Atlas
    #: alone, and not copied by ``dataclasses.replace`` (a changed copy starts empty)
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_frames(cls, lsoa: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame], **kwargs) -> "Atlas":
        """An atlas over frames in memory (synthetic tests, layers built elsewhere): see
        :class:`~commissioning_atlas.build.context.FrameContext`."""
        from commissioning_atlas.build.context import FrameContext

        return cls(ctx=FrameContext(lsoa, layers), **kwargs)

    @property
    def lsoa(self) -> gpd.GeoDataFrame:
        """The 32,844 LSOAs (EPSG:27700): ``code``, ``name``, ``population`` (Census 2011), ``area_m2``,
        geometry; the same columns however many layers are loaded (a layer's codes: :meth:`column`,
        :meth:`membership_index`)."""
        return self.ctx.base

    def lsoa_table(self, layer_ids: Iterable[str]) -> gpd.GeoDataFrame:
        """A copy of :attr:`lsoa` with one code column per layer of ``layer_ids`` (boundary layers)."""
        ids = list(dict.fromkeys(layer_ids))
        return self.lsoa.assign(**{lid: self.column(lid) for lid in ids})

    @property
    def lsoa_index(self) -> pd.Index:
        """The LSOA codes as an index (code -> row of :attr:`lsoa`)."""
        return self.derived("lsoa_index", lambda: pd.Index(self.lsoa["code"].to_numpy(dtype=object)))

    def lsoa_rows(self, codes, layer_id: str) -> np.ndarray:
        """Rows of :attr:`lsoa` holding ``codes``; an unknown LSOA raises the one :class:`DataError`
        naming ``layer_id`` (see :func:`commissioning_atlas.core.membership.lsoa_rows`)."""
        return _membership.lsoa_rows(self.lsoa_index, codes, layer_id)

    def derived(self, key: Hashable, make: Callable[[], object]):
        """A value derived from this atlas (a simplified page, an adjacency), made by ``make()`` once.

        Modules that reuse such values between questions keep them here, under a key naming the module,
        instead of in process-wide state; a copy made by :meth:`with_layer` starts empty.
        """
        key = ("derived", key)
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def membership_index(self, layer_id: str) -> Membership:
        """Which LSOAs make each unit of a layer, as integer arrays (LSOA row, unit index, sorted codes).

        Made once per atlas; checks, crosswalk, advise and maps all sum over it. An LSOA code the atlas
        does not hold (a footprint set built elsewhere) raises :class:`DataError` naming the layer.
        """
        key = ("membership", layer_id)
        if key not in self._cache:
            self._check_id(layer_id)
            if layer_id in _specs():
                m = _membership.from_index(layer_id, self.ctx.index(layer_id),
                                           self.ctx.layer_frame(layer_id)["code"].to_numpy(dtype=object)) \
                    or _membership.from_column(layer_id, self.ctx.column(layer_id))
            else:
                mm = self._footprint_set(layer_id)[1]
                m = _membership.from_pairs(layer_id, self.lsoa_index, mm["lsoa_code"].to_numpy(dtype=object),
                                           mm["code"].to_numpy(dtype=object))
            self._cache[key] = m
        return self._cache[key]

    def join(self, subject: str, against: str) -> Join:
        """The memberships of two layers joined on the LSOA (made once per pair of layers)."""
        key = ("join", subject, against)
        if key not in self._cache:
            self._cache[key] = _membership.join(self.membership_index(subject), self.membership_index(against))
        return self._cache[key]

    def crosstab(self, subject: str, against: str, weights: Mapping[str, np.ndarray]) -> Crosstab:
        """Each LSOA weight of ``weights`` summed over every (subject unit, reference unit) part.

        Parameters
        ----------
        subject, against : str
            Layer ids.
        weights : mapping of str to numpy.ndarray
            One value per LSOA each (``{"area": ..., "people": atlas.population(basis)}``).
        """
        return _membership.crosstab(self.join(subject, against), weights)

    @property
    def layers(self) -> Mapping[str, gpd.GeoDataFrame]:
        """Every declared boundary layer by id (built on first access)."""
        return _LazyLayers(self)

    @property
    def unit_tables(self) -> Mapping[str, gpd.GeoDataFrame]:
        """Every declared boundary layer by id as :meth:`unit_table` gives it: the units a proposal may name."""
        return _LazyLayers(self, self.unit_table)

    def unit_table(self, layer_id: str) -> gpd.GeoDataFrame:
        """A boundary layer's units as :meth:`layer` names them (``code``, ``name``, ``ods_code`` and the layer's
        own columns, in the same rows), without the figures :meth:`layer` adds.

        The frame given to :meth:`with_layer` where there is one, else the built layer: resolving a proposal's
        members needs names and codes, not residents summed or practice lists read (registered patients).
        """
        given = self._cache.get(("layer", layer_id, self.default_basis(layer_id)))
        return given if given is not None else self.ctx.layer_frame(layer_id)

    @property
    def report(self) -> dict:
        """What the build measured, for every layer built or read so far."""
        return {k: v for k, v in self.ctx.reports.items() if v}

    def footprint_set_ids(self) -> list[str]:
        """Footprint sets available: those declared whose table exists and whose units the atlas has, then
        ``scenario`` if given."""
        ids = [k for k, s in footprint_sets().items() if s.path.exists() and self.ctx.available(s.units)]
        return ids + (["scenario"] if self.scenario is not None else [])

    def layer_ids(self, era: str | None = None) -> list[str]:
        """All layer ids (boundary layers by date, then footprint sets), or those of one era."""
        ids = sorted([i for i in _declared_ids() if self.ctx.available(i)] + self.footprint_set_ids(),
                     key=lambda i: self.era(i) if i != "scenario" else "9")
        if era is None:
            return ids
        known = sorted({self.era(i) for i in ids})
        if str(era) not in known:
            raise suggest(str(era), known, "era")
        return [i for i in ids if self.era(i) == str(era)]

    def era(self, layer_id: str) -> str:
        """The era (year) of a layer."""
        if layer_id in _specs():
            return _specs()[layer_id].era
        sets = footprint_sets()
        return sets[layer_id].era if layer_id in sets else "scenario"

    def _check_id(self, layer_id: str) -> None:
        # a footprint set this atlas has read is known: no need to look for every set's table again
        if layer_id in _specs() or layer_id in self._footprints or layer_id in self.footprint_set_ids():
            return
        raise suggest(layer_id, self.layer_ids(), "layer")

    def default_basis(self, layer_id: str) -> str:
        """The population basis figures of ``layer_id`` use: ``--population`` if given (and held per LSOA), else
        the layer's own."""
        if self.basis and self.held_basis is None:
            return self.basis
        if layer_id in _specs():
            return _specs()[layer_id].basis
        if layer_id in footprint_sets():
            return footprint_sets()[layer_id].basis
        if layer_id == "scenario":
            return self._scenario_basis()
        return "census_2011"

    def _scenario_basis(self) -> str:
        fp = self._footprints.get("scenario")
        if fp is not None and "population_basis" in fp[0].attrs:
            return fp[0].attrs["population_basis"]
        return "census_2011"

    @property
    def held_basis(self) -> str | None:
        """``--population`` where it names a basis held on layers rather than per LSOA (``registered_2022``: the
        checks, crosswalks and planner read it from the layers that hold it); else None."""
        from commissioning_atlas.sources.population import get_basis

        return self.basis if self.basis and not get_basis(self.basis).per_lsoa else None

    def population(self, basis: str | None = None) -> np.ndarray:
        """Residents of every LSOA on ``basis`` (default census_2011), aligned with :attr:`lsoa`."""
        from commissioning_atlas.sources.population import get_basis

        basis = basis or (self.basis if self.held_basis is None else None) or "census_2011"
        b = get_basis(basis)
        if not b.per_lsoa:
            raise AtlasError(f"population basis {b.id} ({b.title}) is held on {b.held_on}, not per LSOA")
        return self.ctx.population(basis)

    def layer(self, layer_id: str, population: str | None = None) -> gpd.GeoDataFrame:
        """Return a layer (boundaries or footprints) as a GeoDataFrame in EPSG:27700.

        Parameters
        ----------
        layer_id : str
            e.g. ``"pct_cluster_2011"``, ``"ccg_2019"``, ``"icb_2022"``, ``"css_2012"``, ``"scenario"``.
        population : str, optional
            Population basis of the ``population`` column (``census_2011``, ``mid_2017``, ``mid_2019``,
            ``mid_2020``, ``census_2021``); default :meth:`default_basis`. The frame's
            ``attrs["population_basis"]`` names it.
        """
        self._check_id(layer_id)
        basis = population or self.default_basis(layer_id)
        memo = ("layer", layer_id, basis)
        if memo in self._cache:
            return self._cache[memo]
        if layer_id in _specs():
            frame = self.ctx.layer_frame(layer_id)
            pop = np.bincount(self.ctx.index(layer_id), weights=self.population(basis).astype(float),
                              minlength=len(frame)).astype("int64")
            out = frame.copy()
            out.insert(3, "population", pop)
            if layer_id == "lsoa_2011":
                out.insert(4, "area_m2", self.lsoa["area_m2"].to_numpy())
        else:
            fp = self._footprint_set(layer_id)[0]
            out = fp.copy()
            if basis != "census_2011":
                m = self.membership_index(layer_id)
                sums = pd.Series(np.rint(m.sums(self.population(basis))).astype("int64"), index=m.codes)
                out["population"] = sums.reindex(out["code"].astype(str)).fillna(0).astype("int64").to_numpy()
        out.attrs["population_basis"] = basis
        out = self._with_registered(layer_id, out)
        if ("registering", layer_id) not in self._cache:  # not the frame read while its figures are summed
            self._cache[memo] = out
        return out

    def _with_registered(self, layer_id: str, out: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The layer with ``registered_2022`` (GP registered patients, May 2022) beside its residents, where
        the layer is made of practices (:data:`commissioning_atlas.registered.PRACTICE_LAYERS`) and the
        practice lists can be read; ``attrs["registered_2022_apportioned"]`` lists the units holding an
        apportioned part of a split location."""
        from commissioning_atlas.registered import PRACTICE_LAYERS, _members, registered_2022

        if not hasattr(self.ctx, "paths") or ("registering", layer_id) in self._cache:
            return out
        if layer_id not in PRACTICE_LAYERS and layer_id in _specs():
            return out
        self._cache[("registering", layer_id)] = True  # registered_2022 reads layers (this one among them)
        try:
            if layer_id not in PRACTICE_LAYERS and _members(self, layer_id, out) is None:
                return out  # a footprint set or scenario not made of practice-built units
            reg = registered_2022(self, layer_id)
        finally:
            del self._cache[("registering", layer_id)]
        out = out.copy()
        out.insert(list(out.columns).index("population") + 1, "registered_2022",
                   reg["registered_2022"].reindex(out["code"].astype(str)).to_numpy())
        out.attrs = {**out.attrs, "registered_2022_apportioned": sorted(reg.index[reg["registered_2022_apportioned"]])}
        return out

    def registered(self, layer_id: str) -> pd.DataFrame:
        """Registered patients of 1 May 2022 of a practice-built layer's units, with the units holding an
        apportioned part (:func:`commissioning_atlas.registered.registered_2022`)."""
        from commissioning_atlas.registered import registered_2022

        return registered_2022(self, layer_id)

    def has_layer(self, layer_id: str) -> bool:
        """Whether this atlas can give ``layer_id`` (every declared layer; an atlas of frames, its own)."""
        return self.ctx.available(layer_id)

    def with_layer(self, layer_id: str, frame: gpd.GeoDataFrame) -> "Atlas":
        """A copy of this atlas whose ``layer_id`` reads as ``frame`` (e.g. renamed features); the units, and
        so every membership, stay those of the atlas."""
        copy = dataclasses.replace(self, _footprints=dict(self._footprints))
        frame = frame.copy()
        frame.attrs["population_basis"] = self.default_basis(layer_id)
        copy._cache[("layer", layer_id, self.default_basis(layer_id))] = frame
        return copy

    def column(self, layer_id: str) -> np.ndarray:
        """Unit code of every LSOA in a boundary layer (aligned with :attr:`lsoa`)."""
        layer_spec(layer_id)
        return self.ctx.column(layer_id)

    def membership(self, layer_id: str) -> pd.DataFrame:
        """Return which LSOAs make each unit of a layer: columns ``lsoa_code``, ``code``."""
        self._check_id(layer_id)
        if layer_id in _specs():
            return pd.DataFrame({"lsoa_code": self.lsoa["code"].to_numpy(), "code": self.ctx.column(layer_id)})
        return self._footprint_set(layer_id)[1]

    def footprints(self, set_id: str | None = None) -> gpd.GeoDataFrame:
        """Return a footprint set (one dissolved polygon per organisation); default the first declared."""
        return self.layer(set_id or next(iter(footprint_sets())))

    def input_files(self) -> list[Path]:
        """The user's files this atlas reads: the scenario and every ``base`` file it names (none without one)."""
        if self.scenario is None:
            return []
        return [Path(p) for p in self._footprint_set("scenario")[0].attrs.get("inputs", [self.scenario])]

    def output_policy(self, policy: OutputPolicy | None = None) -> OutputPolicy:
        """The output rule of a write from this atlas: ``policy`` (the CLI's, per command) or a new one, with
        :meth:`input_files` recorded, so no output replaces a file the atlas read."""
        policy = policy if policy is not None else OutputPolicy()
        for p in self.input_files():
            policy.register_input(p)
        return policy

    def _footprint_set(self, set_id: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        if set_id not in self._footprints:
            from commissioning_atlas.footprints import load_footprint_set

            self._footprints[set_id] = load_footprint_set(self, set_id)
        return self._footprints[set_id]

    def info(self, layer_id: str) -> dict[str, str]:
        """Title, vintage, era, date, default population basis and source of a layer."""
        if layer_id in _specs():
            s = _specs()[layer_id]
            return {"title": s.title, "vintage": s.vintage, "era": s.era, "date": s.date,
                    "basis": self.default_basis(layer_id), "source": s.source, "body": s.body}
        if layer_id == "scenario":
            path, title, vintage, era, date = self.scenario, "Scenario", "user", "scenario", ""
        else:
            s = footprint_sets()[layer_id]
            path, title, vintage, era, date = s.path, s.title, s.vintage, s.era, s.date
        return {"title": title, "vintage": vintage, "era": era, "date": date, "basis": self.default_basis(layer_id),
                "source": f"{Path(path).name}, dissolved from LSOAs", "body": "footprint"}

    def crosswalk(self, from_id: str, to_id: str, population: str | None = None) -> pd.DataFrame:
        """Every (FROM unit, TO unit) pair sharing LSOAs, with people, area, shares and best fit; see
        :func:`commissioning_atlas.crosswalk.crosswalk`. ``population``: a basis (default the FROM layer's)."""
        from commissioning_atlas.crosswalk import crosswalk

        return crosswalk(self, from_id, to_id, basis=population)

    def apportion(self, df: pd.DataFrame, code_column: str, from_id: str, to_id: str, counts=(), rates=(),
                  population: str | None = None) -> pd.DataFrame:
        """Re-base a table of figures per FROM unit onto the TO units; see
        :func:`commissioning_atlas.crosswalk.apportion`."""
        from commissioning_atlas.crosswalk import apportion

        return apportion(self, df, code_column, from_id, to_id, counts=list(counts), rates=list(rates), basis=population)

    def with_scenario(self, path: str | Path) -> "Atlas":
        """A copy of this atlas whose layer ``scenario`` is read from ``path`` (validated now: a bad file is one
        :class:`AtlasError`); the copy shares the build (layers already read are not read again) and has its own
        footprint sets and memo, so this atlas is unchanged."""
        copy = dataclasses.replace(self, scenario=Path(path), _footprints={})
        copy.layer("scenario")
        return copy

    def check(self, preset: str | None = None, *, subject: str | None = None, against: str | None = None,
              rules=None, tolerance: float | None = None, geometry: bool = True) -> gpd.GeoDataFrame:
        """Run a named check, or ``subject`` against ``against``: the findings, with ``attrs["meta"]`` (title,
        question, subject, against, rules, tolerance, population basis); see
        :func:`commissioning_atlas.results.check`."""
        from commissioning_atlas.results import check

        return check(self, preset, subject=subject, against=against, rules=rules, tolerance=tolerance,
                     geometry=geometry)

    def advise(self, units: str, floor: float, **options) -> pd.DataFrame:
        """Groupings of ``units`` of at least ``floor`` people: one row per group, ``attrs["meta"]`` saying what was
        asked and found; see :func:`commissioning_atlas.results.advise`."""
        from commissioning_atlas.results import advise

        return advise(self, units, floor, **options)

    def compare(self, advice: pd.DataFrame, real: str | Path, councils: str | None = None) -> pd.DataFrame:
        """An advice (:meth:`advise`) beside a real set, one row each, ``attrs["meta"]`` saying what was compared;
        see :func:`commissioning_atlas.results.compare`."""
        from commissioning_atlas.results import compare

        return compare(self, advice, real, councils)

    def advise_units(self, units: str, *, within: str | None = None, basis: str | None = None) -> pd.DataFrame:
        """The units an advice groups, each with its ``within`` area and population, ``attrs["meta"]`` counting
        neighbouring pairs and island links; see :func:`commissioning_atlas.results.advise_units`."""
        from commissioning_atlas.results import advise_units

        return advise_units(self, units, within=within, basis=basis)

    def unit_options(self, unit: str, floors, units: str, **options) -> pd.DataFrame:
        """Which neighbours would make ``unit`` viable at each floor; see
        :func:`commissioning_atlas.results.unit_options`."""
        from commissioning_atlas.results import unit_options

        return unit_options(self, unit, floors, units, **options)

    def over_time(self, layers=None) -> pd.DataFrame:
        """Commissioners against the councils of their time, one row per layer; see
        :func:`commissioning_atlas.results.over_time`."""
        from commissioning_atlas.results import over_time

        return over_time(self, layers)

    def map(self, what=None, *, title: str | None = None, height: int = 520, **options):
        """A map page (displays itself in Jupyter; ``.save(path)``) of the atlas (default), ``"timeline"``, layer
        ids, a check's findings or an advice; see :func:`commissioning_atlas.results.map_page`."""
        from commissioning_atlas.results import map_page

        return map_page(self, what, title=title, height=height, **options)

    def build_all(self, parallel: bool = False) -> None:
        """Build (or read) every declared layer and footprint set, so :attr:`report` is complete.

        Parameters
        ----------
        parallel : bool
            Read the population bases not yet cached in a forked worker process meanwhile (the CLI's
            ``build`` and ``map`` ask for it); by default everything is read in this process, one after
            another, so a library call starts no process.
        """
        ids = self.layer_ids()
        if parallel and hasattr(self.ctx, "prefetch_populations"):
            self.ctx.prefetch_populations({self.default_basis(lid) for lid in ids if lid != "scenario"})
        for lid in ids:
            self.layer(lid)


def load(mirror: str | Path | None = None, engine: str = "pyogrio", rebuild: bool = False,
         scenario: str | Path | None = None, progress: bool = True, population: str | None = None) -> Atlas:
    """Open the atlas; layers are built (and cached) when first used.

    Parameters
    ----------
    mirror : str or Path, optional
        Local mirror of the pinned upstream files (default ``$COMMISSIONING_ATLAS_MIRROR``);
        without one, files are downloaded from their pinned URLs.
    engine : {"pyogrio", "fiona"}
        Vector I/O engine for the raw files.
    rebuild : bool
        Ignore the cache and rebuild each layer from the raw files when first used.
    scenario : str or Path, optional
        A proposal set of your own (CSV or YAML, the schema of ``geo/css_2012.csv``); it becomes
        the layer ``scenario`` and is validated on load.
    progress : bool
        Show download progress bars, and log one line per layer built (INFO on the ``commissioning_atlas``
        logger: the CLI prints these on stderr; elsewhere ``logging.basicConfig(level=logging.INFO)`` shows them).
    population : str, optional
        Population basis for every figure; default: each layer's own (see ``layers`` listing).
        ``registered_2022`` (GP registered patients, May 2022) is held on layers, not per LSOA
        (:attr:`Atlas.held_basis`): the size rule, crosswalks and the planner read it where the layers hold
        it, and every other figure stays on each layer's own basis.

    Returns
    -------
    Atlas
    """
    if population is not None:
        from commissioning_atlas.sources.population import get_basis

        get_basis(population)
    ctx = BuildContext(mirror=mirror, engine=engine, rebuild=rebuild, progress=progress)
    atlas = Atlas(ctx=ctx, scenario=Path(scenario) if scenario else None, basis=population)
    _ = atlas.lsoa  # the LSOA base now: every layer needs it
    if atlas.scenario is not None:
        atlas.layer("scenario")  # validate now: a bad scenario fails at load, not halfway through a report
    return atlas
