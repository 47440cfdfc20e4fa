"""Population bases: a static registry, and readers that put each basis on the 2011 LSOAs.

Like ``boundaries/sources.toml`` for files, :data:`BASES` is data: one record per
basis with its date, its catalogue groups, England's expected total and how it is
put on the 32,844 LSOAs of 2011. :func:`lsoa_population` returns one basis as an
integer vector aligned with the atlas' LSOA codes, validated against that total.

Census 2021 counts are published on 2021 LSOAs. They reach the 2011 LSOAs through
the ONS LSOA11 -> LSOA21 lookup: an LSOA21 fed by one LSOA11 (unchanged, or one piece
of a split) gives all its people to it, so splits sum exactly; an LSOA21 fed by
several LSOA11 (merges, some complex changes) is apportioned by the mid-2020
populations of those LSOA11 (an LSOA11 that feeds several LSOA21 counts its mid-2020
population evenly over them), rounded by largest remainder so that every LSOA21 and
England keep their exact totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from difflib import get_close_matches
from pathlib import Path

import numpy as np
import pandas as pd

from commissioning_atlas._errors import AtlasError, DataError
from commissioning_atlas.sources.readers import read_census_lc2101, read_rda
from commissioning_atlas.core.rounding import common_weights, largest_remainder

__all__ = [
    "BASES",
    "BasisValues",
    "PopulationBasis",
    "get_basis",
    "lsoa21_to_lsoa11",
    "lsoa_population",
    "read_basis",
    "read_census_2021_bands",
    "read_census_2021_lsoa21",
    "read_lsoa11_lsoa21",
    "read_mid_year",
    "read_rda",
]


@dataclass(frozen=True)
class PopulationBasis:
    """One population basis.

    Attributes
    ----------
    id : str
        e.g. ``"mid_2019"``.
    title : str
        Human label used in tables and maps.
    reference_date : datetime.date
        The date the figures describe.
    groups : tuple of str
        Catalogue groups (``boundaries/sources.toml``) the basis is read from.
    england_total : int or None
        England's total on the 2011 LSOAs, checked on every read (None: not held per LSOA).
    per_lsoa : bool
        False for bases held on a layer only (registered patients on CCGs).
    method : str
        How the figures reach the 2011 LSOAs.
    check_groups : tuple of str
        Groups used only to cross-check the basis.
    held_on : str
        Where a basis not held per LSOA is held, as a sentence says it.
    """

    id: str
    title: str
    reference_date: date
    groups: tuple[str, ...]
    england_total: int | None
    per_lsoa: bool
    method: str
    check_groups: tuple[str, ...] = field(default_factory=tuple)
    held_on: str = ""

    @property
    def label(self) -> str:
        """Short basis label for outputs, e.g. ``"mid_2019 (ONS mid-2019 population estimates)"``."""
        return f"{self.id} ({self.title})"


def _mid(year: int, group: str, total: int) -> PopulationBasis:
    return PopulationBasis(
        id=f"mid_{year}", title=f"ONS mid-{year} population estimates", reference_date=date(year, 6, 30),
        groups=(group,), england_total=total, per_lsoa=True,
        method=f"ONS mid-{year} estimates on 2011 LSOAs, single years of age 0-90+ summed to totals")


#: Every population basis, in date order. England totals are ONS's published figures
#: (Census 2021: 56,490,046 after cell perturbation; published 56,490,048).
BASES: dict[str, PopulationBasis] = {b.id: b for b in (
    PopulationBasis(
        id="census_2011", title="Census 2011 usual residents", reference_date=date(2011, 3, 27),
        groups=("census_2011_lc2101ew",), england_total=53_012_456, per_lsoa=True,
        method="Census 2011 table LC2101EW on 2011 LSOAs, males and females summed over age bands"),
    PopulationBasis(
        id="registered_2013", title="GP registered patients, April-June 2013", reference_date=date(2013, 4, 1),
        groups=("gp_list_size_2013",), england_total=None, per_lsoa=False,
        method="GP practice list sizes summed to each practice's CCG; held on CCG layers only "
               "(ccg_2013 registered_population), not per LSOA", held_on="CCG layers only (ccg_2013)"),
    _mid(2017, "population_mid_2017", 55_619_430),
    _mid(2019, "population_mid_2019", 56_286_961),
    _mid(2020, "population_mid_2020", 56_550_138),
    PopulationBasis(
        id="census_2021", title="Census 2021 usual residents", reference_date=date(2021, 3, 21),
        groups=("census_2021_lsoa21", "lsoa11_lsoa21_rda", "population_mid_2020"), england_total=56_490_046,
        per_lsoa=True, check_groups=("census_2021_lsoa21_alt",),
        method="Census 2021 usual residents on 2021 LSOAs put on 2011 LSOAs through the ONS LSOA11 -> LSOA21 "
               "lookup: unchanged LSOAs and splits sum exactly; LSOA21s formed from several LSOA11 (merges, "
               "complex changes) apportioned by mid-2020 LSOA11 populations, largest-remainder rounding that "
               "keeps each LSOA21's and England's totals exact"),
    PopulationBasis(
        id="registered_2022", title="GP registered patients, 1 May 2022", reference_date=date(2022, 5, 1),
        groups=("gp_patients_2022", "gp_practice_map_2025"), england_total=None, per_lsoa=False,
        method="NHS Digital practice lists of 1 May 2022 summed practice by practice to the units of the layers "
               "made of practices (data/populations.toml), July 2022 moves applied; a sub-ICB location split "
               "between units (Frimley, April 2026) apportioned by its residents; held on those layers, not per "
               "LSOA (commissioning_atlas.registered)",
        held_on="the layers made of GP practices (data/populations.toml), summed practice by practice"),
)}


@dataclass(frozen=True)
class BasisValues:
    """One basis on the 2011 LSOAs, with what reading it measured.

    Attributes
    ----------
    basis : PopulationBasis
    values : numpy.ndarray of int64
        Aligned with the LSOA codes asked for.
    report : dict
        e.g. for ``census_2021``: people and LSOA21s apportioned, rows per change code.
    """

    basis: PopulationBasis
    values: np.ndarray
    report: dict


def get_basis(basis: str) -> PopulationBasis:
    """Return a basis record; an unknown id raises one line with suggestions.

    Raises
    ------
    AtlasError
        For an unknown basis.
    """
    if basis in BASES:
        return BASES[basis]
    near = get_close_matches(str(basis), list(BASES), n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise AtlasError(f"unknown population basis {basis!r}{hint} (known: {', '.join(BASES)})")


# --------------------------------------------------------------------------- R data files

def _require(df: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns[:12]))}",
                        path=path)


def _codes(df: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    s = df[column]
    bad = s.isna().to_numpy()
    if bad.any():
        raise DataError("missing code", path=path, row=int(np.flatnonzero(bad)[0]) + 1, column=column)
    return s.astype(str).str.strip().to_numpy()


def _counts(df: pd.DataFrame, columns: list[str], path: Path) -> np.ndarray:
    """Whole, non-negative counts as int64 (rows x columns); one line naming the first bad cell."""
    block = df[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    for problem, bad in (("missing or non-numeric count", ~np.isfinite(block)),
                         ("negative count", block < 0),
                         ("count is not a whole number", block != np.round(block))):
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise DataError(f"{problem} ({df[columns[c]].iloc[r]!r})", path=path, row=int(r) + 1,
                            column=str(columns[c]))
    return block.astype(np.int64)


def _unique_series(codes: np.ndarray, values: np.ndarray, path: Path, column: str) -> pd.Series:
    s = pd.Series(values, index=pd.Index(codes))
    dup = s.index.duplicated()
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        raise DataError(f"code {codes[r]} appears more than once", path=path, row=r + 1, column=column)
    return s


def read_mid_year(path: str | Path) -> pd.Series:
    """Read an ONS mid-year estimate by LSOA11 (single years of age) into totals per LSOA.

    The ages (columns named ``0`` ... ``89``, ``90+``) are summed; where the file has a
    ``total_population`` column, every row's sum must equal it.

    Returns
    -------
    pandas.Series of int64
        Indexed by LSOA11 code, in file order (England and Wales).
    """
    path = Path(path)
    df = read_rda(path)
    _require(df, ["lsoa11_code"], path)
    ages = [c for c in df.columns if re.fullmatch(r"\d{1,3}\+?", str(c))]
    if len(ages) < 2:
        raise DataError("no single-year-of-age columns (named 0, 1, ... 90+)", path=path)
    codes = _codes(df, "lsoa11_code", path)
    total = _counts(df, ages, path).sum(axis=1)
    if "total_population" in df.columns:
        stated = _counts(df, ["total_population"], path)[:, 0]
        off = np.flatnonzero(stated != total)
        if len(off):
            r = int(off[0])
            raise DataError(f"ages sum to {total[r]:,} but total_population is {stated[r]:,}", path=path,
                            row=r + 1, column="total_population")
    return _unique_series(codes, total, path, "lsoa11_code")


def read_census_2021_lsoa21(path: str | Path, column: str = "total_residents") -> pd.Series:
    """Read Census 2021 usual residents per LSOA21 from a long table (several rows per LSOA).

    Every row of an LSOA must carry the same total (``disability21_lsoa21_ew.rda``
    repeats ``total_residents`` on its two rows per LSOA).

    Returns
    -------
    pandas.Series of int64
        Indexed by LSOA21 code (England and Wales), sorted by code.
    """
    path = Path(path)
    df = read_rda(path)
    _require(df, ["lsoa21_code", column], path)
    codes = _codes(df, "lsoa21_code", path)
    vals = _counts(df, [column], path)[:, 0]
    s = pd.Series(vals, index=codes)
    per = s.groupby(level=0, sort=True)
    differ = (per.max() != per.min()).to_numpy()
    if differ.any():
        code = per.max().index[np.flatnonzero(differ)[0]]
        r = int(np.flatnonzero(codes == code)[1])
        raise DataError(f"LSOA21 {code} has different totals on its rows", path=path, row=r + 1, column=column)
    return per.first().astype(np.int64)


def read_census_2021_bands(path: str | Path) -> pd.Series:
    """Read the cross-check copy of Census 2021 (``census21_pop.rda``: usual residents in age bands).

    Returns
    -------
    pandas.Series of int64
        Usual residents per LSOA21 (bands summed), sorted by code.
    """
    path = Path(path)
    df = read_rda(path)
    _require(df, ["lsoa21_code", "usual_residents"], path)
    codes = _codes(df, "lsoa21_code", path)
    vals = _counts(df, ["usual_residents"], path)[:, 0]
    return pd.Series(vals, index=codes).groupby(level=0, sort=True).sum().astype(np.int64)


_CHANGE_CODES = {"U": "unchanged", "S": "split", "M": "merged", "X": "complex"}


def read_lsoa11_lsoa21(path: str | Path) -> pd.DataFrame:
    """Read the ONS LSOA11 -> LSOA21 lookup (one row per pair, with a change code U/S/M/X).

    Returns
    -------
    pandas.DataFrame
        Columns ``lsoa11_code``, ``lsoa21_code``, ``change_code``, in file order.
    """
    path = Path(path)
    df = read_rda(path)
    cols = ["lsoa11_code", "lsoa21_code", "change_code"]
    _require(df, cols, path)
    out = pd.DataFrame({c: _codes(df, c, path) for c in cols})
    bad = ~out["change_code"].isin(list(_CHANGE_CODES)).to_numpy()
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"unknown change code {out['change_code'].iloc[r]!r} (expected U, S, M or X)",
                        path=path, row=r + 1, column="change_code")
    dup = out.duplicated(["lsoa11_code", "lsoa21_code"]).to_numpy()
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        raise DataError("pair listed twice", path=path, row=r + 1, column="lsoa21_code")
    return out


# --------------------------------------------------------------------------- LSOA21 -> LSOA11

def lsoa21_to_lsoa11(pairs: pd.DataFrame, pop21: pd.Series, weight11: np.ndarray, lsoa_codes: np.ndarray,
                     path: str | Path | None = None, pop_path: str | Path | None = None) -> tuple[np.ndarray, dict]:
    """Put counts on LSOA21s onto LSOA11s through the lookup, conserving every LSOA21's total.

    An LSOA21 fed by one LSOA11 gives it all its count (unchanged LSOAs and splits). An
    LSOA21 fed by several is apportioned by ``weight11`` (an LSOA11 that feeds ``k`` LSOA21s
    counts ``weight / k`` towards each), with largest-remainder rounding (ties: lookup order).

    Parameters
    ----------
    pairs : pandas.DataFrame
        ``lsoa11_code``, ``lsoa21_code``, ``change_code`` (as :func:`read_lsoa11_lsoa21` returns);
        rows whose LSOA11 is not in ``lsoa_codes`` are ignored.
    pop21 : pandas.Series of int
        Count per LSOA21 code.
    weight11 : numpy.ndarray of int
        Apportioning weight per LSOA11, aligned with ``lsoa_codes`` (e.g. mid-2020 populations).
    lsoa_codes : numpy.ndarray of str
        The LSOA11 codes to return, in order.
    path, pop_path : str or Path, optional
        The lookup file and the LSOA21 count file, named in errors.

    Returns
    -------
    values : numpy.ndarray of int64
        Count per LSOA11, aligned with ``lsoa_codes``.
    report : dict
        ``people_apportioned``, ``lsoa21_apportioned``, ``lsoa11_receiving_apportioned``,
        ``rows_by_change`` (U/S/M/X), ``people_by_change`` (people of the LSOA21s on each change code).

    Raises
    ------
    DataError
        An LSOA11 missing from the lookup, an LSOA21 without a count, or a change code that
        contradicts the lookup's shape (e.g. a ``U`` row whose LSOA21 has several LSOA11).
    """
    lsoa_codes = np.asarray(lsoa_codes, dtype=object)
    weight11 = np.asarray(weight11, dtype=np.int64)
    pos11 = pd.Index(lsoa_codes)
    if not pos11.is_unique:
        raise DataError("LSOA11 codes asked for are not unique")
    keep = pos11.get_indexer(pairs["lsoa11_code"].to_numpy()) >= 0
    rows = np.flatnonzero(keep)  # file rows (0-based) that matter
    p = pairs.iloc[rows]
    i11 = pos11.get_indexer(p["lsoa11_code"].to_numpy())
    missing = np.setdiff1d(np.arange(len(lsoa_codes)), i11)
    if len(missing):
        raise DataError(f"LSOA11 {lsoa_codes[missing[0]]} is not in the LSOA11 -> LSOA21 lookup "
                        f"({len(missing)} missing)", path=path)
    codes21, i21 = np.unique(p["lsoa21_code"].to_numpy(dtype=str), return_inverse=True)
    have = pd.Index(pop21.index).get_indexer(codes21)
    if (have < 0).any():
        j = int(np.flatnonzero(have < 0)[0])
        r = int(rows[np.flatnonzero(i21 == j)[0]])
        raise DataError(f"LSOA21 {codes21[j]} of the lookup has no count in {Path(pop_path).name if pop_path else 'the count table'}",
                        path=path, row=r + 1, column="lsoa21_code")
    totals21 = pop21.to_numpy(dtype=np.int64)[have]
    n11 = np.bincount(i21, minlength=len(codes21))[i21]  # LSOA11s feeding this row's LSOA21
    n21 = np.bincount(i11, minlength=len(lsoa_codes))[i11]  # LSOA21s fed by this row's LSOA11
    change = p["change_code"].to_numpy(dtype=str)
    shape_ok = {"U": (n11 == 1) & (n21 == 1), "S": (n11 == 1) & (n21 > 1), "M": (n11 > 1) & (n21 == 1)}
    for code, ok in shape_ok.items():
        bad = (change == code) & ~ok
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataError(f"change code {code} ({_CHANGE_CODES[code]}) but LSOA11 {p['lsoa11_code'].iloc[k]} feeds "
                            f"{n21[k]} LSOA21 and LSOA21 {p['lsoa21_code'].iloc[k]} has {n11[k]} LSOA11",
                            path=path, row=int(rows[k]) + 1, column="change_code")
    weights = common_weights(weight11[i11], n21)
    parts = largest_remainder(i21, weights, totals21)
    values = np.bincount(i11, weights=parts, minlength=len(lsoa_codes)).astype(np.int64)
    shared = np.bincount(i21, weights=(n11 > 1), minlength=len(codes21)) > 0
    report = {
        "people_apportioned": int(totals21[shared].sum()),
        "lsoa21_apportioned": int(shared.sum()),
        "lsoa11_receiving_apportioned": len(np.unique(i11[n11 > 1])),
        "rows_by_change": {c: int((change == c).sum()) for c in _CHANGE_CODES},
        "people_by_change": {c: int(totals21[np.unique(i21[change == c])].sum()) for c in _CHANGE_CODES},
        "lsoa21": len(codes21),
        "total": int(values.sum()),
    }
    return values, report


# --------------------------------------------------------------------------- bases on LSOA11

def _one(paths: dict[str, list[Path]], gid: str, basis: str) -> Path:
    files = paths.get(gid)
    if not files:
        raise AtlasError(f"population basis {basis} needs catalogue group {gid!r}; fetch it first "
                         f"(commissioning_atlas.sources.fetch.fetch)")
    if len(files) != 1:
        raise AtlasError(f"catalogue group {gid!r} should hold one file, has {len(files)}")
    return Path(files[0])


def _align(s: pd.Series, lsoa_codes: np.ndarray, path: Path, what: str) -> np.ndarray:
    idx = pd.Index(s.index).get_indexer(lsoa_codes)
    if (idx < 0).any():
        k = np.flatnonzero(idx < 0)
        raise DataError(f"no {what} for LSOA {lsoa_codes[k[0]]} ({len(k)} LSOAs missing)", path=path)
    return s.to_numpy(dtype=np.int64)[idx]


def read_basis(basis: str, paths: dict[str, list[Path]], lsoa_codes) -> BasisValues:
    """Read one population basis onto the 2011 LSOAs, validated, with a report.

    Parameters
    ----------
    basis : str
        A key of :data:`BASES`.
    paths : dict of str to list of Path
        What :func:`commissioning_atlas.sources.fetch.fetch` returns for (at least) the basis' groups.
    lsoa_codes : array-like of str
        The 32,844 LSOA11 codes, in the atlas' order.

    Returns
    -------
    BasisValues

    Raises
    ------
    AtlasError
        Unknown basis (with suggestions), a basis not held per LSOA, or a group missing from ``paths``.
    DataError
        A corrupt or unexpected file, a missing or duplicated LSOA, a bad value, or an
        England total different from the basis' expected figure (naming file, row and problem).
    """
    b = get_basis(basis)
    if not b.per_lsoa:
        raise AtlasError(f"population basis {b.id} ({b.title}) is held on {b.held_on}, not per LSOA")
    codes = np.asarray(lsoa_codes, dtype=object)
    report: dict = {"basis": b.id, "method": b.method}
    if b.id == "census_2011":
        path = _one(paths, b.groups[0], b.id)
        df = read_census_lc2101(path)
        values = _align(_unique_series(df["code"].to_numpy(), df["population"].to_numpy(), path, "code"),
                        codes, path, "Census 2011 population")
    elif b.id.startswith("mid_"):
        path = _one(paths, b.groups[0], b.id)
        values = _align(read_mid_year(path), codes, path, b.title)
    elif b.id == "census_2021":
        pop_path, lookup_path, mid_path = (_one(paths, g, b.id) for g in b.groups)
        pop21 = read_census_2021_lsoa21(pop_path)
        pairs = read_lsoa11_lsoa21(lookup_path)
        weights = _align(read_mid_year(mid_path), codes, mid_path, "mid-2020 population")
        values, rep = lsoa21_to_lsoa11(pairs, pop21, weights, codes, path=lookup_path, pop_path=pop_path)
        report.update(rep)
        path = pop_path
    else:  # a record added to BASES without a reader
        raise AtlasError(f"population basis {b.id} has no reader")
    total = int(values.sum())
    if b.england_total is not None and total != b.england_total:
        raise DataError(f"{b.id}: England total is {total:,}, expected {b.england_total:,}", path=path)
    report["england_total"] = total
    return BasisValues(basis=b, values=values, report=report)


def lsoa_population(basis: str, paths: dict[str, list[Path]], lsoa_codes) -> np.ndarray:
    """Return one population basis per 2011 LSOA as an int64 vector aligned with ``lsoa_codes``.

    Parameters
    ----------
    basis : str
        ``census_2011``, ``mid_2017``, ``mid_2019``, ``mid_2020`` or ``census_2021``
        (``registered_2013`` is held on CCG layers only).
    paths : dict of str to list of Path
        What :func:`commissioning_atlas.sources.fetch.fetch` returns for the basis' groups
        (``BASES[basis].groups``).
    lsoa_codes : array-like of str
        The 32,844 LSOA11 codes in the atlas' order (``atlas.lsoa["code"]``).

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> from commissioning_atlas import catalogue, fetch, population  # doctest: +SKIP
    >>> groups = [catalogue.load_catalogue()[g] for g in population.BASES["mid_2019"].groups]  # doctest: +SKIP
    >>> pop = population.lsoa_population("mid_2019", fetch.fetch(groups), atlas.lsoa["code"])  # doctest: +SKIP
    """
    return read_basis(basis, paths, lsoa_codes).values
