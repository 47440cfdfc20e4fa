"""Footprints from proposals: unions of member units' LSOAs, and the shipped and user sets loaded."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from commissioning_atlas._errors import ScenarioError
from commissioning_atlas.footprints.read import _YES, _complete_with, _tokens, read_proposals
from commissioning_atlas.footprints.resolve import _membership_from_resolved, _resolve, unit_catalogue
from commissioning_atlas.footprints.sets import atom_layers, member_layers, vintage_members
from commissioning_atlas.registry import footprint_sets, member_vintages

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas


def build_footprints(df: pd.DataFrame, lsoa: gpd.GeoDataFrame, layers: Mapping[str, pd.DataFrame] | None = None,
                     path: str | Path | None = None, include_partners: bool | None = None,
                     exclusive: bool | None = None, dissolver: Callable | None = None,
                     units: pd.DataFrame | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Dissolve each organisation of a proposal set into its footprint.

    Parameters
    ----------
    df : pandas.DataFrame
        A proposal set (:func:`read_proposals`).
    lsoa : geopandas.GeoDataFrame
        ``Atlas.lsoa``: ``code``, ``population``, ``area_m2``, geometry and the layer code columns.
    layers : mapping, optional
        Base layers (``Atlas.layers``) for names, ODS codes and CCG registered populations.
    path : str or Path, optional
        For error messages (default: the file ``df`` was read from).
    include_partners : bool, optional
        Override ``partners_in_footprint`` for every organisation.
    exclusive : bool, optional
        Override the file's exclusivity rule.
    dissolver : callable, optional
        ``dissolver(lsoa, membership)`` in place of :func:`~commissioning_atlas.build.coverage.dissolve`
        (the atlas passes one that caches the polygons).
    units : pandas.DataFrame, optional
        :func:`~commissioning_atlas.footprints.resolve.unit_catalogue` of ``lsoa`` and ``layers`` where the
        caller has it (made here if omitted).

    Returns
    -------
    footprints : geopandas.GeoDataFrame
        One row per organisation in the file's order: ``code``, ``name``, ``ods_code`` (empty),
        ``status``, ``members``, ``partners``, ``partners_in_footprint``, ``counted`` (false for
        in-house), ``vintage``, ``population`` (Census 2011 residents), ``registered_population``
        (GP lists Apr-Jun 2013, sum over CCGs; NA for 2011 sets), ``area_km2``, ``n_lsoas``, the
        remaining proposal columns (``date``, ``service_model``, ``formed_from``, ``mergers``,
        ``source``, ``confidence``, ``note``), geometry (EPSG:27700).
    membership : pandas.DataFrame
        ``lsoa_code``, ``code``.
    """
    from commissioning_atlas.build.coverage import dissolve

    path = path or df.attrs.get("path")
    units = unit_catalogue(lsoa, layers) if units is None else units
    members, partners, vintage = _resolve(df, path, units, exclusive)
    memb = _membership_from_resolved(df, lsoa, units, members, partners, include_partners)
    diss = (dissolver or dissolve)(lsoa, memb).set_index("code")
    codes = df["code"].str.strip().to_numpy()
    out = pd.DataFrame({"code": codes, "name": df["name"].to_numpy(), "ods_code": ""})
    out["status"] = df["status"].to_numpy()
    out["members"] = df["members"].map(lambda s: " ".join(_tokens(s))).to_numpy()
    out["partners"] = df["partners"].map(lambda s: " ".join(_tokens(s))).to_numpy()
    flags = df["partners_in_footprint"].str.lower().isin(_YES) if include_partners is None \
        else pd.Series(include_partners, index=df.index)
    out["partners_in_footprint"] = flags.to_numpy()
    out["counted"] = ~df["status"].str.lower().str.startswith("in-house").to_numpy()
    out["vintage"] = vintage or ""
    out["population"] = diss["population"].reindex(codes).fillna(0).astype("int64").to_numpy()
    out["registered_population"] = pd.array(_registered_2013(units, members, partners, flags)
                                            if vintage == "2013" else [pd.NA] * len(df), dtype="Int64")
    out["area_km2"] = diss["area_km2"].reindex(codes).to_numpy()
    out["n_lsoas"] = memb.groupby("code").size().reindex(codes).fillna(0).astype("int64").to_numpy()
    for c in ["date", "service_model", "formed_from", "mergers", "source", "confidence", "note"]:
        out[c] = df[c].to_numpy()
    extra = [c for c in df.columns if c not in out.columns and not c.startswith("_")]
    for c in extra:
        out[c] = df[c].to_numpy()
    gdf = gpd.GeoDataFrame(out, geometry=diss.geometry.reindex(codes).to_numpy(), crs=lsoa.crs)
    return gdf, memb


def _registered_2013(units: pd.DataFrame, members: list[list[int]], partners: list[list[int]],
                     flags: pd.Series) -> list:
    """GP registered patients (Apr-Jun 2013) of each organisation of a 2013 set: the sum over its CCGs (NA
    where one has no figure)."""
    ccg = units[units["layer"] == "ccg_2013"].set_index("code")["registered_population"]
    atoms_of = units["atoms"].to_numpy()
    reg = []
    for i in range(len(members)):
        idx = members[i] + (partners[i] if bool(flags.iat[i]) else [])
        vals = ccg.reindex(sorted({a for j in idx for a in atoms_of[j]}))
        reg.append(pd.NA if vals.isna().any() else int(vals.sum()))
    return reg


def load_proposal_set(path: str | Path, lsoa: gpd.GeoDataFrame, layers: Mapping[str, pd.DataFrame] | None = None,
                      ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read, validate and dissolve a proposal file: ``(footprints, membership)``."""
    df = read_proposals(path)
    return build_footprints(df, lsoa, layers, path=path)


def load_footprint_set(atlas: "Atlas", set_id: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The footprint set ``set_id`` of an atlas (one declared in ``footprints.toml``, or ``scenario``).

    Parameters
    ----------
    atlas : Atlas
        Supplies ``lsoa``, ``layers`` and, for ``"scenario"``, the scenario file.
    set_id : str

    Returns
    -------
    footprints : geopandas.GeoDataFrame
    membership : pandas.DataFrame
        ``lsoa_code``, ``code``.
    """
    if set_id == "scenario":
        if atlas.scenario is None:
            raise ScenarioError("no scenario given (use --scenario FILE)")
        path = Path(atlas.scenario)
    elif set_id in footprint_sets():
        path = footprint_sets()[set_id].path
    else:
        raise ScenarioError(f"unknown footprint set {set_id!r}; known: {', '.join([*footprint_sets(), 'scenario'])}")
    # a base may be an ICB layer of this atlas; names and codes only (no figures summed to resolve members)
    df = read_proposals(path, layers=atlas.unit_tables)
    shipped = footprint_sets().get(set_id)
    if shipped is not None and shipped.member_vintage and "vintage" not in df.attrs:
        df.attrs["vintage"] = shipped.member_vintage
    if shipped is not None and shipped.complete_with:
        df = _complete_with(df, atlas.unit_tables[shipped.complete_with], shipped.complete_with)
    cached = getattr(atlas.ctx, "dissolve_footprints", None)
    dissolver = (lambda frame, m: cached(set_id, frame, m)) if cached is not None else None
    declared = df.attrs.get("vintage")
    try:
        fp, memb = _build_on(atlas, df, path, dissolver, declared)
    except ScenarioError:
        if not declared:
            raise
        # the message may name units of every vintage (the nearest codes, the vintage of a stray code): the
        # same build over all of them raises it as a set of undeclared vintage would
        _build_on(atlas, df, path, dissolver, None)
        raise
    vintage = df.attrs.get("vintage") or _vintage_of(fp)
    fp.attrs["population_basis"] = member_vintages()[vintage].basis if vintage in member_vintages() else "census_2011"
    fp.attrs["vintage"] = vintage
    fp.attrs["inputs"] = list(df.attrs.get("inputs", [str(path)]))  # no output of a run may replace these
    return fp, memb


def _build_on(atlas: "Atlas", df: pd.DataFrame, path: Path, dissolver: Callable | None,
              vintage: str | None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """:func:`build_footprints` over the units of the member layers of ``vintage`` (every vintage if None).

    A set of declared vintage names units of that vintage alone: only those layers are read
    (:func:`atlas_units`)."""
    wanted = member_layers()
    if vintage in vintage_members():
        own = {*vintage_members()[vintage], atom_layers()[vintage]}
        wanted = {lid: v for lid, v in wanted.items() if lid in own}
    lsoa, units = atlas_units(atlas, wanted)
    return build_footprints(df, lsoa, atlas.unit_tables, path=path, dissolver=dissolver, units=units)


def atlas_units(atlas: "Atlas", layer_ids) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The LSOA table with a code column per layer of ``layer_ids`` the atlas has, and its
    :func:`~commissioning_atlas.footprints.resolve.unit_catalogue` (names and ODS codes from
    :meth:`Atlas.unit_table`, no figures).

    The catalogue's units and atoms are kept in the build context: the code columns come from
    :meth:`Atlas.lsoa_table`, the context's own, which neither a copy's layer nor a scenario can change."""
    lsoa = atlas.lsoa_table(lid for lid in layer_ids if atlas.has_layer(lid))
    return lsoa, unit_catalogue(lsoa, atlas.unit_tables, memo=getattr(atlas.ctx, "memo", None))


def _vintage_of(fp: pd.DataFrame) -> str:
    v = fp["vintage"].iat[0] if len(fp) and "vintage" in fp else ""
    return str(v) if v else "2011"
