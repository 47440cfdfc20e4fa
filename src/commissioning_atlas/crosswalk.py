"""Crosswalks between any two layers, and re-basing a table of figures from one layer to another.

Every layer is a set of 2011 LSOAs, so the part of FROM unit *f* that lies in TO unit *t*
is the set of LSOAs the two share: its people and area are sums over those LSOAs
(``np.bincount`` on one integer key per pair, as :mod:`.checks` does). No polygon overlay
is involved, and whole LSOAs are never split: every figure is "built from 2011 LSOAs".

:func:`crosswalk` lists every (FROM, TO) pair that shares LSOAs, with each pair's share
of both units and a best-fit flag (the TO unit holding most of the FROM unit's people,
as ONS best-fit lookups do). :func:`apportion` re-bases a user's table: counts are split
by the population shares of the pairs with largest-remainder rounding (each FROM unit's
total and the grand total are conserved exactly), rates become population-weighted means.

Examples
--------
>>> import commissioning_atlas as ca
>>> from commissioning_atlas.crosswalk import crosswalk
>>> atlas = ca.load()                                     # doctest: +SKIP
>>> cw = crosswalk(atlas, "pct_2011", "ccg_2013")         # doctest: +SKIP
>>> cw.attrs["meta"]["statement"]                         # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.io.safe import OutputPolicy
from commissioning_atlas.sources.population import BASES, get_basis
from commissioning_atlas.core.rounding import largest_remainder

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas

__all__ = [
    "CROSSWALK_COLUMNS",
    "apportion",
    "check_output",
    "crosswalk",
    "population_vector",
    "write_apportioned",
    "write_crosswalk",
]

CROSSWALK_COLUMNS = ["from_code", "from_name", "to_code", "to_name", "lsoas", "population", "area_km2",
                     "share_of_from", "share_of_to", "area_share_of_from", "area_share_of_to", "best_fit", "basis"]

_OUTSIDE = "(outside every unit)"
#: Columns :func:`apportion` writes besides the user's counts and rates (a count or rate may not be named so).
APPORTION_COLUMNS = ("to_code", "to_name", "population", "share_covered", "basis")


# --------------------------------------------------------------------------- population

def population_vector(atlas: Atlas, basis: str = "census_2011", mirror: str | Path | None = None) -> np.ndarray:
    """One population basis per row of ``atlas.lsoa`` (int64): :meth:`Atlas.population`, read once and cached.

    ``mirror`` is accepted for compatibility; the atlas fetches from its own mirror.
    """
    b = get_basis(basis)
    if not b.per_lsoa:
        raise AtlasError(f"population basis {b.id} ({b.title}) is held on CCG layers only, not per LSOA")
    return atlas.population(b.id)


def _population(atlas: Atlas, population: np.ndarray | None, basis: str | None,
                from_id: str | None = None) -> tuple[np.ndarray, str, str]:
    """The population vector, its basis id and its label (checked: aligned, whole, non-negative).

    Without a vector, the basis is ``basis``, else the FROM layer's default (the figures carried are of
    its vintage)."""
    if population is None:
        basis = basis or (atlas.default_basis(from_id) if from_id else "census_2011")
        return population_vector(atlas, basis), basis, BASES[basis].label
    if basis is None:
        raise AtlasError("a population vector was given without its basis: name it (basis='mid_2019', ...)")
    pop = np.asarray(population)
    if pop.shape != (len(atlas.lsoa),):
        raise AtlasError(f"population vector has shape {pop.shape}; expected one value per LSOA ({len(atlas.lsoa)})")
    if not np.issubdtype(pop.dtype, np.number) or not np.all(np.isfinite(pop)) or np.any(pop < 0) \
            or np.any(pop != np.round(pop)):
        raise AtlasError("population vector must hold whole, non-negative numbers")
    label = BASES[basis].label if basis in BASES else str(basis)
    return pop.astype(np.int64), str(basis), label


# --------------------------------------------------------------------------- memberships

def _names(atlas: Atlas, layer_id: str) -> dict[str, str]:
    layer = atlas.layer(layer_id)
    return dict(zip(layer["code"].astype(str), layer["name"].fillna("").astype(str)))


def _parts(atlas: Atlas, from_id: str, to_id: str, pop: np.ndarray) -> dict:
    """Sums over LSOAs per (FROM, TO) pair; TO index -1 = the LSOA is in no TO unit."""
    mf, mt = atlas.membership_index(from_id), atlas.membership_index(to_id)
    area = atlas.lsoa["area_m2"].to_numpy(dtype=float)
    ct = atlas.crosstab(from_id, to_id, {"pop": pop, "area": area})
    return {"kf": ct.ks, "kt": ct.ka, "lsoas": ct.lsoas, "population": np.rint(ct.sums["pop"]).astype(np.int64),
            "area_m2": ct.sums["area"], "fcodes": mf.codes, "tcodes": mt.codes,
            "f_pop": np.rint(mf.sums(pop)).astype(np.int64), "f_area": mf.sums(area),
            "t_pop": np.rint(mt.sums(pop)).astype(np.int64), "t_area": mt.sums(area),
            "fi": mf.rows, "ti": mt.rows}


def _unit_population(atlas: Atlas, layer_id: str, pop: np.ndarray) -> pd.Series:
    """People per unit of a layer (sum over its LSOAs), indexed by code."""
    m = atlas.membership_index(layer_id)
    return pd.Series(np.rint(m.sums(pop)).astype(np.int64), index=pd.Index(m.codes, name="code"))


def _best_fit(kf: np.ndarray, kt: np.ndarray, pop: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Per pair: True for the TO unit holding most of its FROM unit's people (then area, then code order)."""
    inside = kt >= 0
    order = np.lexsort((kt, -area, -pop, ~inside, kf))  # within a FROM unit: inside first, most people first
    first = np.ones(len(kf), dtype=bool)
    first[1:] = kf[order][1:] != kf[order][:-1]
    best = np.zeros(len(kf), dtype=bool)
    best[order[first]] = True
    return best & inside


# --------------------------------------------------------------------------- crosswalk

def crosswalk(atlas: Atlas, from_id: str, to_id: str, population: np.ndarray | None = None,
              basis: str | None = None) -> pd.DataFrame:
    """Every (FROM unit, TO unit) pair that shares LSOAs, with its people, area and shares.

    Parameters
    ----------
    atlas : Atlas
    from_id, to_id : str
        Layer ids (boundary layers or footprint sets), e.g. ``"pct_2011"``, ``"ccg_2013"``.
    population : numpy.ndarray, optional
        People per row of ``atlas.lsoa`` (default: the atlas' Census 2011 ``population``).
    basis : str, optional
        The basis of ``population`` (required with it), e.g. ``"mid_2019"``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CROSSWALK_COLUMNS`, sorted by FROM then TO code. ``to_code`` is ``""``
        for the part of a FROM unit in no TO unit (footprint sets with gaps). Shares are of the
        people (``share_of_from``, ``share_of_to``) and of the area. ``best_fit`` marks, per FROM
        unit, the TO unit holding most of its people. ``attrs["meta"]`` holds the basis, the
        method and how many people best fit would misplace (``statement`` says it in one line).
    """
    if from_id == to_id:
        raise AtlasError(f"crosswalk from {from_id} to itself: give two different layers")
    atlas._check_id(from_id)
    atlas._check_id(to_id)
    if population is None and basis is not None and not get_basis(basis).per_lsoa:
        return _registered_crosswalk(atlas, from_id, to_id, basis)
    pop, basis_id, label = _population(atlas, population, basis, from_id)
    p = _parts(atlas, from_id, to_id, pop)
    kf, kt = p["kf"], p["kt"]
    fnames, tnames = _names(atlas, from_id), _names(atlas, to_id)
    fcodes, tcodes = p["fcodes"], p["tcodes"]
    f_pop, t_pop = p["f_pop"][kf].astype(float), np.append(p["t_pop"], 0)[kt].astype(float)
    f_area, t_area = p["f_area"][kf], np.append(p["t_area"], np.nan)[kt]
    to_code = np.where(kt >= 0, tcodes[np.maximum(kt, 0)], "")
    with np.errstate(invalid="ignore", divide="ignore"):
        df = pd.DataFrame({
            "from_code": fcodes[kf], "from_name": [fnames.get(c, "") for c in fcodes[kf]],
            "to_code": to_code, "to_name": [tnames.get(c, "") if c else _OUTSIDE for c in to_code],
            "lsoas": p["lsoas"], "population": p["population"], "area_km2": p["area_m2"] / 1e6,
            "share_of_from": np.where(f_pop > 0, p["population"] / f_pop, 0.0),
            "share_of_to": np.where(t_pop > 0, p["population"] / t_pop, 0.0),
            "area_share_of_from": np.nan_to_num(p["area_m2"] / f_area),
            "area_share_of_to": np.nan_to_num(p["area_m2"] / t_area),
            "best_fit": _best_fit(kf, kt, p["population"], p["area_m2"]),
            "basis": basis_id,
        })
    total = int(p["f_pop"].sum())
    kept = int(df.loc[df["best_fit"], "population"].sum())
    split = int((df[df["to_code"] != ""].groupby("from_code").size() > 1).sum())
    moved = total - kept
    meta = {
        "from": from_id, "to": to_id, "from_title": atlas.info(from_id)["title"],
        "to_title": atlas.info(to_id)["title"], "basis": basis_id, "basis_label": label,
        "built_from": f"the {len(atlas.lsoa):,} LSOAs of 2011 (whole LSOAs, no polygon overlay)",
        "from_units": len(fcodes), "to_units": len(tcodes), "pairs": len(df),
        "from_units_split": split, "population": total,
        "best_fit_population_moved": moved, "best_fit_share_moved": moved / total if total else 0.0,
    }
    meta["statement"] = (
        f"Built from {meta['built_from']}; population basis {label}. A best-fit lookup (each {from_id} unit "
        f"wholly to the {to_id} unit holding most of its people) would put {moved:,} of {total:,} people "
        f"({meta['best_fit_share_moved']:.2%}) in a {to_id} unit other than their own; {split} of {len(fcodes)} "
        f"{from_id} units are split.")
    overlap = len(p["fi"]) - len(np.unique(p["fi"]))
    meta["from_overlapping_lsoas"] = int(overlap)
    if overlap:
        meta["statement"] += (f" The {from_id} units overlap ({overlap:,} LSOAs in more than one): their people "
                              "are counted in each unit that holds them.")
    to_overlap = len(p["ti"]) - len(np.unique(p["ti"]))
    meta["to_overlapping_lsoas"] = int(to_overlap)
    if to_overlap:
        meta["statement"] += (f" The {to_id} units overlap ({to_overlap:,} LSOAs in more than one): a part may lie "
                              f"in several {to_id} units, so shares of a {from_id} unit add up to more than 1.")
    df.attrs["meta"] = meta
    return df


def _registered_crosswalk(atlas: Atlas, from_id: str, to_id: str, basis: str) -> pd.DataFrame:
    """:func:`crosswalk` weighted by registered patients of May 2022, where both layers hold them: each pair's
    patients counted practice by practice (:func:`commissioning_atlas.registered.pairs`), its LSOAs and area from
    the 2011 LSOAs as in every crosswalk. A pair may hold LSOAs and no practice (a fringe that moved no practice),
    or, rarely, practices and no LSOA."""
    from commissioning_atlas import registered

    b = get_basis(basis)
    if b.id != registered.BASIS:
        raise AtlasError(f"population basis {b.id} ({b.title}) is held on {b.held_on}, not per LSOA; a crosswalk "
                         f"counts {registered.BASIS} or a per-LSOA basis")
    for lid in (from_id, to_id):
        if not registered.holds(atlas, lid):
            raise AtlasError(registered.not_held(lid, f", so the {from_id} -> {to_id} crosswalk cannot be weighted "
                                                      "by them (both layers must hold them)"))
    p = _parts(atlas, from_id, to_id, atlas.population(atlas.default_basis(from_id)))
    fcodes, tcodes = p["fcodes"], p["tcodes"]
    lsoa_pairs = pd.DataFrame({"from_code": fcodes[p["kf"]].astype(str),
                               "to_code": np.where(p["kt"] >= 0, tcodes[np.maximum(p["kt"], 0)], "").astype(str),
                               "lsoas": p["lsoas"], "area_m2": p["area_m2"]})
    reg = registered.pairs(atlas, from_id, to_id)
    df = lsoa_pairs.merge(reg, on=["from_code", "to_code"], how="outer").sort_values(
        ["from_code", "to_code"], kind="stable").reset_index(drop=True)
    df["lsoas"] = df["lsoas"].fillna(0).astype(np.int64)
    df["area_m2"] = df["area_m2"].fillna(0.0)
    df["patients"] = df["patients"].fillna(0).astype(np.int64)
    fig = {lid: dict(zip(atlas.layer(lid)["code"].astype(str), atlas.layer(lid)["registered_2022"]))
           for lid in (from_id, to_id)}
    f_area = dict(zip(fcodes.astype(str), p["f_area"]))
    t_area = dict(zip(tcodes.astype(str), p["t_area"]))
    f_pop = df["from_code"].map(fig[from_id]).fillna(0).to_numpy(dtype=float)
    t_pop = df["to_code"].map(fig[to_id]).fillna(0).to_numpy(dtype=float)
    fa = df["from_code"].map(f_area).to_numpy(dtype=float)
    ta = df["to_code"].map(t_area).to_numpy(dtype=float)
    kf = pd.factorize(df["from_code"], sort=True)[0]
    kt = np.where(df["to_code"] != "", pd.factorize(df["to_code"], sort=True)[0], -1)
    fnames, tnames = _names(atlas, from_id), _names(atlas, to_id)
    pop, area = df["patients"].to_numpy(), df["area_m2"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "from_code": df["from_code"], "from_name": df["from_code"].map(fnames).fillna(""),
            "to_code": df["to_code"],
            "to_name": [tnames.get(c, "") if c else _OUTSIDE for c in df["to_code"]],
            "lsoas": df["lsoas"], "population": pop, "area_km2": area / 1e6,
            "share_of_from": np.where(f_pop > 0, pop / np.where(f_pop > 0, f_pop, 1), 0.0),
            "share_of_to": np.where(t_pop > 0, pop / np.where(t_pop > 0, t_pop, 1), 0.0),
            "area_share_of_from": np.nan_to_num(area / fa), "area_share_of_to": np.nan_to_num(area / ta),
            "best_fit": _best_fit(kf, kt, pop, area), "basis": b.id,
        })
    total = int(sum(fig[from_id].values()))
    kept = int(out.loc[out["best_fit"], "population"].sum())
    split = int((out[(out["to_code"] != "") & (out["population"] > 0)].groupby("from_code").size() > 1).sum())
    moved = total - kept
    shared = int(df["apportioned"].fillna(False).astype(bool).sum())
    label = b.label
    meta = {
        "from": from_id, "to": to_id, "from_title": atlas.info(from_id)["title"],
        "to_title": atlas.info(to_id)["title"], "basis": b.id, "basis_label": label,
        "built_from": "GP practices for the people (registered patients, practice by practice) and the "
                      f"{len(atlas.lsoa):,} LSOAs of 2011 for the area",
        "from_units": len(fcodes), "to_units": len(tcodes), "pairs": len(out),
        "from_units_split": split, "population": total, "pairs_apportioned": shared,
        "best_fit_population_moved": moved, "best_fit_share_moved": moved / total if total else 0.0,
        "from_overlapping_lsoas": int(len(p["fi"]) - len(np.unique(p["fi"]))),
        "to_overlapping_lsoas": int(len(p["ti"]) - len(np.unique(p["ti"]))),
    }
    meta["statement"] = (
        f"Built from {meta['built_from']}; population basis {label}. A best-fit lookup (each {from_id} unit "
        f"wholly to the {to_id} unit holding most of its patients) would put {moved:,} of {total:,} registered "
        f"patients ({meta['best_fit_share_moved']:.2%}) in a {to_id} unit other than their own; {split} of "
        f"{len(fcodes)} {from_id} units have patients in more than one."
        + (f" {shared} pairs hold patients of a sub-ICB location split between units, apportioned by its "
           "residents." if shared else "")
        + " Pairs of LSOAs without a practice's patients show 0 patients (a boundary change that moved no practice).")
    out.attrs["meta"] = meta
    return out


# --------------------------------------------------------------------------- apportion

def _unit_layers(atlas: Atlas) -> dict[str, list[str]]:
    """Every code and ODS code of every atlas layer -> the layers holding it (for error messages)."""
    def make() -> dict[str, list[str]]:
        units: dict[str, list[str]] = {}
        for lid in atlas.layer_ids():
            if lid == "lsoa_2011":
                continue
            lay = atlas.layer(lid)
            vals = list(lay["code"].astype(str))
            if "ods_code" in lay.columns:
                vals += [v for v in lay["ods_code"].dropna().astype(str) if v]
            for v in dict.fromkeys(vals):
                units.setdefault(v, []).append(lid)
        return units
    return atlas.derived("crosswalk.units", make)


def _resolve_codes(atlas: Atlas, df: pd.DataFrame, code_column: str, from_id: str,
                   path: str | Path | None) -> np.ndarray:
    """FROM unit code per row (codes or ODS codes accepted); one line for the first bad row."""
    if code_column not in df.columns:
        raise AtlasError(f"no column {code_column!r}; columns are {', '.join(map(str, df.columns))}", path=path)
    layer = atlas.layer(from_id)
    known = dict(zip(layer["code"].astype(str), layer["code"].astype(str)))
    if "ods_code" in layer.columns:
        for o, c in zip(layer["ods_code"], layer["code"].astype(str)):
            if isinstance(o, str) and o and o not in known:
                known[o] = c
    raw = df[code_column]
    out = np.empty(len(df), dtype=object)
    seen: dict[str, int] = {}
    for r, v in enumerate(raw, start=1):
        s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
        if not s:
            raise AtlasError("missing code", path=path, row=r, column=code_column)
        if s not in known:
            other = [lid for lid in _unit_layers(atlas).get(s, []) if lid != from_id]
            if other:
                msg = (f"code {s!r} belongs to {', '.join(other)} ({atlas.info(other[0])['title']}, "
                       f"{atlas.info(other[0])['vintage']}), not to {from_id}")
            else:
                near = get_close_matches(s, list(known), n=3, cutoff=0.6)
                msg = f"unknown {from_id} code {s!r}" + (f"; did you mean {', '.join(near)}?" if near else "")
            raise AtlasError(msg, path=path, row=r, column=code_column)
        c = known[s]
        if c in seen:
            raise AtlasError(f"{from_id} unit {c} appears twice (rows {seen[c]} and {r})", path=path, row=r,
                             column=code_column)
        seen[c] = r
        out[r - 1] = c
    return out


def _numbers(df: pd.DataFrame, col: str, path: str | Path | None, whole: bool) -> np.ndarray:
    if col not in df.columns:
        raise AtlasError(f"no column {col!r}; columns are {', '.join(map(str, df.columns))}", path=path)
    raw = df[col]
    vals = pd.to_numeric(raw.astype(str).str.strip().str.replace(",", "", regex=False), errors="coerce") \
        if raw.dtype == object else pd.to_numeric(raw, errors="coerce")
    vals = vals.to_numpy(dtype=float)
    bad = ~np.isfinite(vals)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        v = raw.iloc[r]
        what = "missing value" if v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip() \
            else f"not a number: {str(v)[:40]!r}"
        raise AtlasError(what, path=path, row=r + 1, column=col)
    if whole:
        frac = vals != np.round(vals)
        if frac.any():
            r = int(np.flatnonzero(frac)[0])
            raise AtlasError(f"a count must be a whole number, got {vals[r]:g} (give it as a rate with --rates)",
                             path=path, row=r + 1, column=col)
        if np.abs(vals).max(initial=0) >= 2**53:
            r = int(np.argmax(np.abs(vals)))
            raise AtlasError("count too large to split exactly", path=path, row=r + 1, column=col)
    return vals


def _check_columns(counts: list[str], rates: list[str], path: str | Path | None) -> None:
    """Some column to apportion, none both a count and a rate, none named as a column apportion writes."""
    if not counts and not rates:
        raise AtlasError("nothing to apportion: name count columns (--counts) and/or rate columns (--rates)",
                         path=path)
    both = set(counts) & set(rates)
    if both:
        raise AtlasError(f"column {min(both)!r} is given both as a count and as a rate", path=path)
    for c in counts + rates:
        if c in APPORTION_COLUMNS:
            raise AtlasError(f"column {c!r} has the name of a column apportion writes ({', '.join(APPORTION_COLUMNS)}"
                             f"): it would be overwritten; rename it in the table", path=path, row="header", column=c)


def _pairs_of_rows(cw: pd.DataFrame, codes: np.ndarray, from_id: str, path: str | Path | None,
                   code_column: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The crosswalk's pairs of the table's FROM units, and the data row of each; every unit must hold an LSOA."""
    row_of = pd.Index(codes).get_indexer(cw["from_code"].to_numpy())  # data row of each pair's FROM unit
    empty = np.setdiff1d(np.arange(len(codes)), row_of)
    if len(empty):  # a unit without LSOAs (an empty footprint): its figures would have nowhere to go
        r = int(empty[0])
        raise AtlasError(f"{from_id} unit {codes[r]} holds no LSOA, so its figures cannot be apportioned",
                         path=path, row=r + 1, column=code_column)
    return cw[row_of >= 0].reset_index(drop=True), row_of[row_of >= 0]


def _rebase(cw: pd.DataFrame, row_of: np.ndarray, values: dict[str, np.ndarray], counts: list[str],
            rates: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per TO unit: each count split by the people of each part (largest remainder: totals conserved
    exactly), each rate a population-weighted mean; with the people of the parts summed per TO unit."""
    tk, tcodes = pd.factorize(cw["to_code"].to_numpy(), sort=True)
    tnames = dict(zip(cw["to_code"], cw["to_name"]))
    pair_pop = cw["population"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({"to_code": np.asarray(tcodes, dtype=object),
                        "to_name": [tnames[c] for c in tcodes]})
    for c in counts:
        parts = largest_remainder(row_of, pair_pop, values[c].astype(np.int64))
        out[c] = np.bincount(tk, weights=parts, minlength=len(tcodes)).round().astype(np.int64)
        # exact integers end to end: the sum of the splits is the input total, to the unit
        if int(parts.sum()) != int(values[c].astype(np.int64).sum()):  # pragma: no cover - guarded by construction
            raise AtlasError(f"column {c!r}: apportioned total differs from the input total")
    covered = np.bincount(tk, weights=pair_pop.astype(float), minlength=len(tcodes))
    for c in rates:
        num = np.bincount(tk, weights=pair_pop * values[c][row_of], minlength=len(tcodes))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[c] = np.where(covered > 0, num / covered, np.nan)
    return out, covered


def apportion(atlas: Atlas, df: pd.DataFrame, code_column: str, from_id: str, to_id: str,
              counts: list[str] | tuple[str, ...] = (), rates: list[str] | tuple[str, ...] = (),
              population: np.ndarray | None = None, basis: str | None = None,
              path: str | Path | None = None) -> pd.DataFrame:
    """Re-base a table of figures per FROM unit onto the TO units, by population share.

    Counts are split over each FROM unit's parts (see :func:`crosswalk`) in proportion to
    their people, rounded by largest remainder, so that each FROM unit's count and the grand
    total are conserved exactly. Rates become population-weighted means over the parts.

    Parameters
    ----------
    atlas : Atlas
    df : pandas.DataFrame
        One row per FROM unit; its code (or ODS code) in ``code_column``.
    code_column : str
    from_id, to_id : str
        Layer ids.
    counts, rates : sequence of str
        Columns to split (whole numbers) and to average (numbers).
    population : numpy.ndarray, optional
        People per row of ``atlas.lsoa`` (default Census 2011); ``basis`` names it.
    basis : str, optional
    path : str or Path, optional
        The file ``df`` came from, named in errors.

    Returns
    -------
    pandas.DataFrame
        One row per TO unit reached: ``to_code``, ``to_name``, each count (int64) and rate column,
        ``population`` (the people of the TO unit lying in the FROM units given), ``share_covered``
        (that population as a share of the TO unit's) and ``basis``; ``to_code`` ``""`` collects
        parts of FROM units in no TO unit. ``attrs["meta"]`` states the basis and the rounding.

    Raises
    ------
    AtlasError
        Unknown, duplicated or other-layer codes, missing or non-numeric values: one line
        naming the row and column.
    """
    counts, rates = list(counts), list(rates)
    _check_columns(counts, rates, path)
    cw = crosswalk(atlas, from_id, to_id, population=population, basis=basis)
    meta = dict(cw.attrs["meta"])
    if meta["to_overlapping_lsoas"]:
        raise AtlasError(f"{to_id} is a set whose units overlap ({meta['to_overlapping_lsoas']:,} LSOAs in more than "
                         f"one unit): a count split onto it would be counted twice or split where one unit holds it "
                         f"all; apportion onto a layer whose units do not overlap (e.g. a boundary layer)", path=path)
    codes = _resolve_codes(atlas, df, code_column, from_id, path)
    values = {c: _numbers(df, c, path, whole=True) for c in counts}
    values.update({c: _numbers(df, c, path, whole=False) for c in rates})
    cw, row_of = _pairs_of_rows(cw, codes, from_id, path, code_column)
    out, covered = _rebase(cw, row_of, values, counts, rates)
    out["population"] = np.rint(covered).astype(np.int64)
    pop, _, _ = _population(atlas, population, basis, from_id)
    t_pop = _unit_population(atlas, to_id, pop).reindex(out["to_code"].to_numpy()).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_covered"] = np.where(t_pop > 0, covered / t_pop, np.nan)  # NaN: outside every TO unit
    out["basis"] = meta["basis"]
    out = out.sort_values("to_code", kind="stable").reset_index(drop=True)
    given = len(codes)
    meta.update({
        "data_rows": given, "counts": counts, "rates": rates,
        "totals": {c: int(values[c].astype(np.int64).sum()) for c in counts},
        "rounding": ("Counts split by the population share of each (FROM, TO) part, rounded to whole numbers by "
                     "largest remainder: each FROM unit's total and the grand total are conserved exactly"),
        "rate_method": "Rates are population-weighted means over the parts" if rates else "",
    })
    meta["statement"] = (f"{given} {from_id} units re-based onto {to_id}. {meta['rounding']}. "
                         + (f"{meta['rate_method']}. " if rates else "") + meta["statement"])
    out.attrs["meta"] = meta
    return out


# --------------------------------------------------------------------------- output

def _cell(v):
    """A JSON-ready value: floats rounded to 6 decimals (same inputs, same bytes), numpy scalars unwrapped."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else round(float(v), 6)
    return v


def _records(df: pd.DataFrame) -> list[dict]:
    cols = list(df.columns)
    return [{c: _cell(v) for c, v in zip(cols, row)} for row in df.itertuples(index=False)]


def _csv(df: pd.DataFrame) -> str:
    from commissioning_atlas.io.text import rows_csv

    return rows_csv(list(df.columns), (["" if v is None else v for v in rec.values()] for rec in _records(df)))


def _json(df: pd.DataFrame, meta: dict) -> str:
    doc = {**{k: _cell(v) for k, v in meta.items()}, "rows": _records(df)}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _markdown(df: pd.DataFrame, meta: dict, title: str) -> str:
    from commissioning_atlas.checks import _md_cell

    def fmt(c: str, v) -> str:
        if v is None:
            return ""
        if c.startswith("share") or "_share_" in c:
            return f"{v:.1%}"
        if c == "area_km2":
            return f"{v:,.2f}"
        if isinstance(v, bool):
            return "yes" if v else ""
        if isinstance(v, int):
            return f"{v:,}"
        if isinstance(v, float):
            return f"{v:,.4g}"
        return str(v)

    cols = [c for c in df.columns if c != "basis"]
    out = [f"# {_md_cell(title)}", "", _md_cell(meta["statement"]), "",
           "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for rec in _records(df):
        out.append("| " + " | ".join(_md_cell(fmt(c, rec[c])) for c in cols) + " |")
    return "\n".join(out) + "\n"


def _write_text(text: str, path: Path, policy: OutputPolicy | None) -> Path:
    from commissioning_atlas.io.export import atomic_write

    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"), policy)


def check_output(path: str | Path | None, kind: str = "crosswalk", policy: OutputPolicy | None = None) -> None:
    """Fail early (before any work) on an output that ``kind`` (crosswalk, apportion) cannot write: an unknown
    suffix, or a target the output rule refuses (:func:`commissioning_atlas.io.safe.guard_output`; an existing
    ``.gpkg`` must be a GeoPackage, which gains the layer)."""
    from commissioning_atlas.io.safe import guard_gpkg, guard_output

    suffix = _suffix(path, (".csv", ".json", ".md", ".gpkg") if kind == "crosswalk" else (".csv", ".json", ".md"))
    if path is not None:
        (guard_gpkg if suffix == ".gpkg" else guard_output)(path, policy)


def _suffix(path: str | Path | None, allowed: tuple[str, ...]) -> str:
    if path is None:
        return ".md"
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise AtlasError(f"unknown output type {suffix or '(none)'!r}; use {', '.join(allowed)}", path=path)
    return suffix


def write_crosswalk(cw: pd.DataFrame, path: str | Path | None = None, atlas: Atlas | None = None,
                    policy: OutputPolicy | None = None) -> str | None:
    """Write a crosswalk by suffix (``.csv``, ``.json``, ``.md``, ``.gpkg``); without a path, return Markdown.

    CSV rows carry the ``basis`` column; JSON and Markdown also state the method and the best-fit
    movement (``meta["statement"]``); a GeoPackage holds each pair's part (the union of its LSOAs)
    and the statement as dataset metadata. ``.gpkg`` needs ``atlas``. ``policy``: the run's output rule
    (:class:`~commissioning_atlas.io.safe.OutputPolicy`), with the atlas's input files added when it is given.
    """
    if atlas is not None:
        policy = atlas.output_policy(policy)
    meta = cw.attrs["meta"]
    suffix = _suffix(path, (".csv", ".json", ".md", ".gpkg"))
    title = f"Crosswalk from {meta['from']} ({meta['from_title']}) to {meta['to']} ({meta['to_title']})"
    if suffix == ".gpkg":
        if atlas is None:
            raise AtlasError("writing a crosswalk GeoPackage needs the atlas (for the LSOA geometries)")
        _write_gpkg(atlas, cw, Path(path), policy)
        return None
    text = {".csv": lambda: _csv(cw), ".json": lambda: _json(cw, meta),
            ".md": lambda: _markdown(cw, meta, title)}[suffix]()
    if path is None:
        return text
    _write_text(text, Path(path), policy)
    return None


def _write_gpkg(atlas: Atlas, cw: pd.DataFrame, path: Path, policy: OutputPolicy | None) -> list[str]:
    import geopandas as gpd

    from commissioning_atlas.build.coverage import dissolve_geoms
    from commissioning_atlas.io.safe import write_gpkg_layer

    meta = cw.attrs["meta"]
    j = atlas.join(meta["from"], meta["to"])
    to_code = np.where(j.ka >= 0, j.against.codes[np.maximum(j.ka, 0)], "") if len(j.against.codes) else \
        np.full(len(j.ka), "", dtype=object)
    keys = j.subject.codes[j.ks].astype(str) + "\t" + to_code.astype(str)
    uniq, geoms = dissolve_geoms(atlas.lsoa.geometry.values[j.rows], keys)
    lookup = dict(zip(uniq, geoms))
    want = cw["from_code"].astype(str).to_numpy() + "\t" + cw["to_code"].astype(str).to_numpy()
    layer = gpd.GeoDataFrame(pd.DataFrame(_records(cw)), geometry=[lookup[k] for k in want], crs=atlas.lsoa.crs)
    md = {"statement": meta["statement"], "basis": meta["basis_label"]}
    # an existing GeoPackage gains (or has replaced) the layer 'crosswalk'; its other layers are kept
    return write_gpkg_layer(path, layer, "crosswalk", policy, promote_to_multi=True, dataset_metadata=md)


def write_apportioned(out: pd.DataFrame, path: str | Path | None = None,
                      policy: OutputPolicy | None = None) -> str | None:
    """Write an :func:`apportion` result by suffix (``.csv``, ``.json``, ``.md``); without a path, return Markdown.
    ``policy``: the run's output rule (:class:`~commissioning_atlas.io.safe.OutputPolicy`)."""
    meta = out.attrs["meta"]
    suffix = _suffix(path, (".csv", ".json", ".md"))
    title = f"{meta['from']} figures re-based onto {meta['to']} ({meta['to_title']})"
    text = {".csv": lambda: _csv(out), ".json": lambda: _json(out, meta),
            ".md": lambda: _markdown(out, meta, title)}[suffix]()
    if path is None:
        return text
    _write_text(text, Path(path), policy)
    return None
