"""Overlap checks: which footprints cross which lines, by how much, affecting how many people.

Every layer is a set of LSOAs (see ``docs/design.md``), so "how much of subject *s* lies in
reference unit *r*" is a sum over the LSOAs the two share, by area (``area_m2``) and by
residents (Census 2011 ``population``). No polygon overlay is needed for the figures; the
geometry of a finding (a crossing part, a gap) is a coverage union of its LSOAs.

Rules
-----
``crosses``
    A subject feature lies in more than one reference feature. Every part is reported with its
    shares; parts below the tolerance are reported as ``below tolerance`` and never make a
    subject cross.
``coterminosity``
    Each subject feature is classed ``equal`` (one reference feature, exactly), ``union`` (several
    whole reference features), ``within`` (part of one reference feature) or ``straddling``
    (anything else). ``class_strict`` uses every LSOA; ``class`` ignores parts holding less than
    the tolerance share of both area and residents (default 2%).
``coverage``
    Within a footprint set: the gaps (reference area in no subject feature) and overlaps (area in
    two or more), grouped by reference feature.
``size``
    Population below or above thresholds from ``geo/size_thresholds.csv``, each with its source.

Severity: ``warning`` for a crossing part, a straddling feature, a gap, an overlap or a size
breach; ``info`` for classifications that are not problems (equal, union, within, a main part,
a part below tolerance). The CLI exits 1 when any warning or error is present.

Examples
--------
>>> import commissioning_atlas as ca
>>> from commissioning_atlas.checks import run_preset
>>> atlas = ca.load()                                          # doctest: +SKIP
>>> findings, meta = run_preset(atlas, "cluster-vs-sha")       # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from commissioning_atlas import settings
from commissioning_atlas.io import formatting
from commissioning_atlas._errors import AtlasError, DataError
from commissioning_atlas.build.coverage import dissolve_geoms

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas

RULES = ("crosses", "coterminosity", "coverage", "size", "changes", "splits")
SEVERITIES = ("error", "warning", "info")
#: Columns of a findings table, in order (QGIS topology-checker style, plus the tolerance used).
FINDING_COLUMNS = [
    "rule", "subject_layer", "subject_code", "subject_name", "against_layer", "against_code",
    "against_name", "class", "class_strict", "area_km2", "share_area", "population",
    "share_population", "population_basis", "severity", "tolerance", "note",
]
#: Default tolerance: a part holding less than this share of a feature's area AND of its
#: residents is ignored by the tolerant results. 2% is about one LSOA in a 100,000-person
#: area: it absorbs best-fit (point-on-surface) assignment differences, not real straddles.
DEFAULT_SHARE_TOLERANCE = 0.02
_EPS = 1e-9

#: Named presets: the questions of the early-2012 reports, of the 2012 SHA assessment and of the 2025 guidance.
PRESETS: dict[str, dict] = {
    "cluster-vs-sha": {
        "title": "PCT clusters against SHAs", "subject": "pct_cluster_2011", "against": "sha_2011",
        "rules": ("crosses", "coterminosity"),
        "question": "Which 2011-12 PCT clusters took in a PCT from another SHA?"},
    "proposal-vs-cluster": {
        "title": "2012 support proposals against PCT clusters", "subject": "css_2012",
        "against": "pct_cluster_2011", "rules": ("crosses", "coterminosity", "coverage"),
        "question": "Which proposed support services reach beyond their cluster, and do they cover England once?"},
    "proposal-vs-sha": {
        "title": "2012 support proposals against SHAs", "subject": "css_2012", "against": "sha_2011",
        "rules": ("crosses", "coterminosity"),
        "question": "Which proposed support services cross an SHA boundary?"},
    "proposal-vs-sha-cluster": {
        "title": "2012 support proposals against SHA clusters", "subject": "css_2012",
        "against": "sha_cluster_2011", "rules": ("crosses",),
        "question": "Does any proposed support service cross one of the four SHA clusters?"},
    "csu-vs-region": {
        "title": "2013 CSUs against NHS England regions", "subject": "csu_2013", "against": "nhs_region_2013",
        "rules": ("crosses", "coverage"),
        "question": "Which April 2013 CSUs served CCGs in more than one region, and is every CCG served once?"},
    "ccg-vs-utla": {
        "title": "CCGs against upper-tier local authorities", "subject": "ccg_2013", "against": "utla_2011",
        "rules": ("coterminosity", "crosses"),
        "question": "Which CCGs respect upper-tier council boundaries?"},
    "ccg-vs-pct": {
        "title": "CCGs against PCTs", "subject": "ccg_2013", "against": "pct_2011",
        "rules": ("coterminosity", "crosses"),
        "question": "Which CCGs straddle the PCTs they replaced?"},
    "ccg-size": {
        "title": "CCG sizes against the thresholds", "subject": "ccg_2013", "against": None,
        "rules": ("size",),
        "question": "Which CCGs fall below the BMA's size figures?"},
    "sicbl-2022-changes": {
        "title": "What the 2021 boundary review moved", "subject": "sicbl_2022", "against": "ccg_2021",
        "rules": ("changes",),
        "question": "Which parts of the 2021 CCGs changed body when the sub-ICB locations of July 2022 began?"},
}
# The 2022-27 sets against the rules of 2025: each council in one ICB, no body across a region line, no gaps
# or overlaps, at least 1 million people.
for _key, _subject, _councils, _region, _what in [
        ("icb-2022", "icb_2022", "utla_2021", "nhs_region_2022", "the 42 ICBs of July 2022"),
        ("cluster-2025", "icb_cluster_2025", "utla_2023", "nhs_region_2023", "the 26 ICB clusters of 2025"),
        ("icb-2026", "icb_2026", "utla_2023", "nhs_region_2023", "the 36 ICBs of April 2026"),
        ("merger-2027", "icb_merger_2027", "utla_2023", "nhs_region_2023", "the mergers proposed for April 2027")]:
    PRESETS[f"{_key}-vs-councils"] = {
        "title": f"{_what[0].upper()}{_what[1:]} against councils", "subject": _subject, "against": _councils,
        "rules": ("splits", "coterminosity"),
        "question": f"Which upper-tier councils are split between several bodies under {_what}?"}
    PRESETS[f"{_key}-vs-region"] = {
        "title": f"{_what[0].upper()}{_what[1:]} against NHS England regions", "subject": _subject,
        "against": _region, "rules": ("crosses", "coverage"),
        "question": f"Does any of {_what} cross a region line, and do they cover England once?"}
    PRESETS[f"{_key}-size"] = {
        "title": f"{_what[0].upper()}{_what[1:]} against the 1 million floor", "subject": _subject, "against": None,
        "rules": ("size",), "question": f"Which of {_what} have fewer than 1 million people?"}
PRESETS["icb-2026-changes"] = {
    "title": "What moved on 1 April 2026", "subject": "icb_2026", "against": "icb_2023", "rules": ("changes",),
    "question": "Which ICBs merged, and where did Frimley's area go?"}
#: Proposal sets a ``--scenario`` of the same vintage replaces as the subject of their presets.
_PROPOSAL_SUBJECTS = ("css_2012", "icb_merger_2027")


@dataclass(frozen=True)
class Tolerance:
    """The tolerances of a check run, printed with every finding.

    Parameters
    ----------
    share : float
        Parts holding less than this share of a feature's area and of its residents are ignored
        by the tolerant results (``class``, ``crosses``).
    area_m2 : float
        Geometric floor: a gap or overlap smaller than this is never a finding (generalised
        boundaries leave slivers of about 1 m²).
    """

    share: float = DEFAULT_SHARE_TOLERANCE
    area_m2: float = settings.COVERAGE_TOLERANCE_M2

    def describe(self) -> str:
        """One-line description used in the ``tolerance`` column."""
        return (f"parts under {self.share:.0%} of both area and residents ignored; "
                f"areas under {self.area_m2:g} m2 ignored")


# --------------------------------------------------------------------------------------------
# sums over LSOAs

def _membership(atlas: Atlas, layer_id: str) -> pd.DataFrame:
    """``i`` (LSOA position), ``code`` and ``k`` (index into the sorted unit codes) of every
    (LSOA, unit) pair of a layer; memoised on the atlas. :func:`_codes` gives the codes."""
    key = ("membership", layer_id)
    if key not in atlas._memo:
        from commissioning_atlas.build.context import LSOA_LAYERS

        if layer_id in LSOA_LAYERS and layer_id in atlas.lsoa.columns:
            i = np.arange(len(atlas.lsoa), dtype=np.int64)
            code = atlas.lsoa[layer_id].astype(str).to_numpy()
        else:
            mm = atlas.membership(layer_id)[["lsoa_code", "code"]].drop_duplicates()
            pos = pd.Series(np.arange(len(atlas.lsoa)), index=atlas.lsoa["code"].to_numpy())
            i = pos.reindex(mm["lsoa_code"].to_numpy()).to_numpy().astype(np.int64)
            code = mm["code"].astype(str).to_numpy()
        k, codes = pd.factorize(code, sort=True)
        atlas._memo[key] = pd.DataFrame({"i": i, "code": code, "k": k.astype(np.int64)})
        atlas._memo[("codes", layer_id)] = np.asarray(codes, dtype=object)
    return atlas._memo[key]


def _codes(atlas: Atlas, layer_id: str) -> np.ndarray:
    """Sorted unit codes of a layer's membership (``k`` indexes them)."""
    _membership(atlas, layer_id)
    return atlas._memo[("codes", layer_id)]


def _join(atlas: Atlas, subject: str, against: str) -> pd.DataFrame:
    """Every (LSOA, subject unit, reference unit) triple as integer columns ``i``, ``ks``, ``ka``
    (``ka`` = -1 where the LSOA is in no reference unit) and ``pair``. Memoised."""
    memo = ("join", subject, against)
    if memo not in atlas._memo:
        ms, ma = _membership(atlas, subject), _membership(atlas, against)
        n = len(atlas.lsoa)
        if len(ma) == n and np.array_equal(ma["i"].to_numpy(), np.arange(n)):
            # one reference unit per LSOA (every boundary layer): a lookup, no merge
            i = ms["i"].to_numpy()
            j = pd.DataFrame({"i": i, "ks": ms["k"].to_numpy(), "ka": ma["k"].to_numpy()[i]})
        else:
            j = ms[["i", "k"]].merge(ma[["i", "k"]], on="i", how="left", suffixes=("s", "a"))
            j = pd.DataFrame({"i": j["i"].to_numpy(), "ks": j["ks"].to_numpy(),
                              "ka": j["ka"].fillna(-1).to_numpy().astype(np.int64)})
        j["pair"] = _pair(j["ks"].to_numpy(), j["ka"].to_numpy(), len(_codes(atlas, against)))
        atlas._memo[memo] = j
    return atlas._memo[memo]


def _pair(ks: np.ndarray, ka: np.ndarray, n_against: int) -> np.ndarray:
    """One integer per (subject index, reference index); ``ka`` = -1 (outside) sorts first."""
    return ks * (n_against + 1) + ka + 1


def basis_of(atlas: Atlas, subject: str) -> str:
    """The population basis a check of ``subject`` uses: ``--population``, else the subject's default."""
    return atlas.default_basis(subject)


def _sums(atlas: Atlas, i: np.ndarray, k: np.ndarray, size: int, basis: str
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area, residents (on ``basis``) and LSOA count per group index ``k`` (bincount over LSOAs)."""
    area = np.bincount(k, weights=atlas.lsoa["area_m2"].to_numpy()[i], minlength=size)
    pop = np.bincount(k, weights=atlas.population(basis)[i].astype(float), minlength=size)
    return area, pop, np.bincount(k, minlength=size)


def crosstab(atlas: Atlas, subject: str, against: str) -> pd.DataFrame:
    """Area and residents of every part (subject unit x reference unit), summed over LSOAs.

    Parameters
    ----------
    atlas : Atlas
    subject, against : str
        Layer ids.

    Returns
    -------
    pandas.DataFrame
        One row per part: ``subject_code``, ``against_code`` (``""`` where the subject lies in
        no reference unit), ``area_m2``, ``population``, ``share_area`` and
        ``share_population`` (of the subject), ``cover_area`` and ``cover_population`` (the
        share of the reference unit the part covers), sorted by subject then reference code.
    """
    memo = ("crosstab", subject, against, basis_of(atlas, subject))
    if memo not in atlas._memo:
        atlas._memo[memo] = _crosstab(atlas, subject, against)
    return atlas._memo[memo].copy()


def _crosstab(atlas: Atlas, subject: str, against: str) -> pd.DataFrame:
    s_codes, a_codes = _codes(atlas, subject), _codes(atlas, against)
    j = _join(atlas, subject, against)
    width = len(a_codes) + 1
    basis = basis_of(atlas, subject)
    area, pop, count = _sums(atlas, j["i"].to_numpy(), j["pair"].to_numpy(), len(s_codes) * width, basis)
    pair = np.flatnonzero(count)  # sorted: by subject, then "" (outside), then reference code
    ks, ka = pair // width, pair % width - 1
    ts, ta = _totals(atlas, subject, basis), _totals(atlas, against, basis)
    s_area, s_pop = ts["area_m2"].to_numpy(), ts["population"].to_numpy().astype(float)
    a_area = np.append(ta["area_m2"].to_numpy(), np.nan)  # index -1: outside
    a_pop = np.append(ta["population"].to_numpy().astype(float), 0.0)
    parts = pd.DataFrame({
        "subject_code": s_codes[ks], "against_code": np.where(ka >= 0, a_codes[ka], ""),
        "area_m2": area[pair], "population": pop[pair].round().astype(np.int64)})
    with np.errstate(invalid="ignore", divide="ignore"):
        parts["share_area"] = area[pair] / s_area[ks]
        parts["share_population"] = np.where(s_pop[ks] > 0, pop[pair] / s_pop[ks], 0.0)
        parts["cover_area"] = np.nan_to_num(area[pair] / a_area[ka])
        parts["cover_population"] = np.where(a_pop[ka] > 0, pop[pair] / a_pop[ka], 0.0)
    return parts


def _totals(atlas: Atlas, layer_id: str, basis: str | None = None) -> pd.DataFrame:
    """Area and residents (on ``basis``, default the layer's) per unit of a layer's membership, by code."""
    m, codes = _membership(atlas, layer_id), _codes(atlas, layer_id)
    area, pop, _ = _sums(atlas, m["i"].to_numpy(), m["k"].to_numpy(), len(codes), basis or basis_of(atlas, layer_id))
    return pd.DataFrame({"area_m2": area, "population": pop.round().astype(np.int64)},
                        index=pd.Index(codes, name="code"))


def _significant(parts: pd.DataFrame, share: float) -> np.ndarray:
    """A part counts unless it holds less than ``share`` of the subject's area AND residents."""
    if share <= 0:
        return (parts["area_m2"] > 0).to_numpy() | (parts["population"] > 0).to_numpy()
    return ((parts["share_area"] >= share) | (parts["share_population"] >= share)).to_numpy()


def _whole(parts: pd.DataFrame, share: float) -> np.ndarray:
    """The part covers its whole reference unit (what is left out is below tolerance)."""
    slack = max(share, _EPS)
    return (((1 - parts["cover_area"]) < slack) & ((1 - parts["cover_population"]) < slack)).to_numpy()


def classify(parts: pd.DataFrame, share: float) -> pd.Series:
    """Coterminosity class per subject code: ``equal``, ``union``, ``within`` or ``straddling``.

    Parameters
    ----------
    parts : pandas.DataFrame
        From :func:`crosstab`.
    share : float
        Tolerance (0 for the strict result).
    """
    p = parts[parts["against_code"] != ""]
    sig = _significant(p, share)
    whole = _whole(p, share)
    df = pd.DataFrame({"s": p["subject_code"].to_numpy(), "sig": sig, "sig_whole": sig & whole})
    g = df.groupby("s", sort=True).sum()
    outside = parts.loc[parts["against_code"] == ""].set_index("subject_code")
    out = pd.Series("straddling", index=g.index, dtype=object)
    one, all_whole = g["sig"] == 1, g["sig"] == g["sig_whole"]
    out[one & all_whole] = "equal"
    out[one & ~all_whole] = "within"
    out[(g["sig"] > 1) & all_whole] = "union"
    if len(outside):  # a subject reaching outside every reference unit is never coterminous
        reach = _significant(outside.reset_index(), share)
        out[outside.index[reach].intersection(out.index)] = "straddling"
    return out


# --------------------------------------------------------------------------------------------
# rules

def _names(atlas: Atlas, layer_id: str) -> dict[str, str]:
    memo = ("names", layer_id)
    if memo not in atlas._memo:
        layer = atlas.layer(layer_id)
        atlas._memo[memo] = dict(zip(layer["code"].astype(str), layer["name"].astype(str)))
    return atlas._memo[memo]


def _unit_index(atlas: Atlas) -> dict[str, tuple[str, str]]:
    """Any unit a proposal may name (the member layers of footprints.py), by code or ODS code ->
    (layer id, code). Memoised."""
    if "units" not in atlas._memo:
        from commissioning_atlas.footprints import MEMBER_LAYERS

        units: dict[str, tuple[str, str]] = {}
        for lid in MEMBER_LAYERS:
            lay = atlas.layers[lid]
            for c, o in zip(lay["code"].astype(str), lay["ods_code"].fillna("").astype(str)):
                units.setdefault(c, (lid, c))
                if o:
                    units.setdefault(o, (lid, c))
        atlas._memo["units"] = units
    return atlas._memo["units"]


def _part_geometries(atlas: Atlas, subject: str, against: str, keys: pd.DataFrame) -> np.ndarray:
    """Coverage union of the LSOAs of each (subject, against) pair in ``keys``."""
    if keys.empty:
        return np.empty(0, dtype=object)
    j = _join(atlas, subject, against)
    s_codes, a_codes = _codes(atlas, subject), _codes(atlas, against)
    ks = pd.Series(np.arange(len(s_codes)), index=s_codes).reindex(keys["subject_code"].to_numpy()).to_numpy()
    ka = (pd.Series(np.arange(len(a_codes)), index=a_codes).reindex(keys["against_code"].to_numpy())
          .fillna(-1).to_numpy().astype(np.int64))
    want = _pair(ks, ka, len(a_codes))
    out = np.empty(len(want), dtype=object)
    # a part that is a whole subject or a whole reference unit already has its geometry
    s_geom = dict(zip(atlas.layer(subject)["code"].astype(str), atlas.layer(subject).geometry.values))
    a_geom = dict(zip(atlas.layer(against)["code"].astype(str), atlas.layer(against).geometry.values))
    whole_s = (keys["share_area"] >= 1 - _EPS).to_numpy()
    whole_a = (keys["cover_area"] >= 1 - _EPS).to_numpy() & (keys["against_code"] != "").to_numpy()
    for n, (s_, a_) in enumerate(zip(keys["subject_code"], keys["against_code"])):
        out[n] = s_geom.get(s_) if whole_s[n] else (a_geom.get(a_) if whole_a[n] else None)
    todo = np.flatnonzero(~(whole_s | whole_a))
    if len(todo):
        sel = j[np.isin(j["pair"].to_numpy(), want[todo])]
        uniq, geoms = dissolve_geoms(atlas.lsoa.geometry.values[sel["i"].to_numpy()], sel["pair"].to_numpy())
        lookup = dict(zip(uniq, geoms))
        for n in todo:
            out[n] = lookup.get(want[n])
    return out


def _frame(rows: list[dict], geoms: list, crs) -> gpd.GeoDataFrame:
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)


def _home_units(atlas: Atlas, subject: str, against: str) -> dict[str, set[str]]:
    """Reference units a footprint calls home, from its own ``members`` (partners excluded).

    When the members are units of ``against`` (a proposal of clusters checked against clusters),
    home is those units: only parts beyond them cross. Otherwise home is the one ``against`` unit
    holding most of the members' residents (Luton and Bedfordshire's home SHA is East of England,
    whatever its partners add). Layers without ``members`` have no home; their largest part is
    the main part.
    """
    layer = atlas.layer(subject)
    if "members" not in layer.columns:
        return {}
    ref = atlas.layer(against)
    known = dict(zip(ref["code"].astype(str), ref["code"].astype(str)))
    if "ods_code" in ref.columns:
        known.update({str(o): str(c) for o, c in zip(ref["ods_code"], ref["code"]) if isinstance(o, str) and o})
    units = _unit_index(atlas)
    out: dict[str, set[str]] = {}
    via = []  # (subject, layer, unit) for members that are not units of `against`
    for code, members in zip(layer["code"].astype(str), layer["members"].fillna("").astype(str)):
        tokens = members.replace(",", " ").replace(";", " ").split()
        direct = {known[t] for t in tokens if t in known}
        if direct:
            out[code] = direct
        else:
            via.extend((code, *units[t]) for t in tokens if t in units)
    if via and against in atlas.layers:
        atlas.column(against)
        v = pd.DataFrame(via, columns=["subject", "lid", "unit"])
        pieces = [v[v["lid"] == lid].merge(_membership(atlas, lid), left_on="unit", right_on="code")
                  for lid in v["lid"].unique()]
        m = pd.concat(pieces, ignore_index=True)[["subject", "i"]]
        m["a"] = atlas.lsoa[against].to_numpy()[m["i"].to_numpy()]
        m["population"] = atlas.population(basis_of(atlas, subject))[m["i"].to_numpy()]
        best = (m.groupby(["subject", "a"], sort=True)["population"].sum().reset_index()
                .sort_values(["subject", "population"], ascending=[True, False], kind="stable")
                .drop_duplicates("subject"))
        out.update({s_: {str(a_)} for s_, a_ in zip(best["subject"], best["a"])})
    return out


def check_crosses(atlas: Atlas, subject: str, against: str, tol: Tolerance = Tolerance(),
                  geometry: bool = True) -> gpd.GeoDataFrame:
    """Rule ``crosses``: every part of each subject feature that lies in more than one reference feature.

    Parameters
    ----------
    atlas : Atlas
    subject, against : str
        Layer ids.
    tol : Tolerance
    geometry : bool
        Attach each part's geometry (a coverage union of its LSOAs).

    Returns
    -------
    geopandas.GeoDataFrame
        Findings (see :data:`FINDING_COLUMNS`), for every subject with more than one part. The
        subject's home (its own member units, see :func:`_home_units`) is ``home part``; without a
        home, the largest part by residents is ``main part`` (both info). Other parts are
        ``crossing part`` (warning) or ``below tolerance`` (info); a subject that crosses only
        within the tolerance says so in ``note``.
    """
    parts = crosstab(atlas, subject, against)
    parts["sig"] = _significant(parts, tol.share)
    parts["any"] = _significant(parts, 0.0)
    n_any = parts.groupby("subject_code")["any"].transform("sum")
    parts = parts[(n_any > 1).to_numpy()].copy()
    parts = parts.sort_values(["subject_code", "population", "area_m2", "against_code"],
                              ascending=[True, False, False, True], kind="stable")
    parts["rank"] = parts.groupby("subject_code").cumcount()
    home = _home_units(atlas, subject, against)
    has_home = parts["subject_code"].map(lambda c: bool(home.get(c)))
    parts["home"] = [a in home.get(s, ()) for s, a in zip(parts["subject_code"], parts["against_code"])]
    parts["main"] = np.where(has_home, parts["home"], parts["rank"] == 0)
    # a subject crosses when a significant part lies outside its home (own members, else largest part)
    parts["beyond"] = parts["sig"] & ~parts["main"]
    n_beyond = parts.groupby("subject_code")["beyond"].transform("sum")
    sn, an = _names(atlas, subject), _names(atlas, against)
    rows = []
    for r, nb in zip(parts.itertuples(index=False), n_beyond.to_numpy()):
        if r.main:
            cls, sev = ("home part" if r.home else "main part"), "info"
        elif r.sig:
            cls, sev = "crossing part", "warning"
        else:
            cls, sev = "below tolerance", "info"
        notes = []
        if r.home:
            notes.append("one of the organisation's own member units")
        if nb == 0:
            notes.append("no part beyond tolerance outside its home: does not cross (tolerant result)")
        if r.against_code == "":
            notes.append(f"outside every {against} feature")
        else:
            notes.append(f"covers {r.cover_population:.1%} of {r.against_code}'s residents")
        note = "; ".join(notes)
        rows.append({
            "rule": "crosses", "subject_layer": subject, "subject_code": r.subject_code,
            "subject_name": sn.get(r.subject_code, ""), "against_layer": against,
            "against_code": r.against_code, "against_name": an.get(r.against_code, ""),
            "class": cls, "class_strict": cls if r.main else "crossing part",
            "area_km2": r.area_m2 / 1e6, "share_area": r.share_area, "population": int(r.population),
            "share_population": r.share_population, "severity": sev, "tolerance": tol.describe(), "note": note,
        })
    geoms = _part_geometries(atlas, subject, against, parts) if geometry else [None] * len(rows)
    return _frame(rows, geoms, atlas.lsoa.crs)


def _part_row(rule: str, subject: str, against: str, r, sn: dict, an: dict, cls: str, strict: str, sev: str,
              tol: Tolerance, note: str) -> dict:
    """One finding about a part (a crosstab row ``r``) whose shares are of the against unit."""
    return {"rule": rule, "subject_layer": subject, "subject_code": r.subject_code,
            "subject_name": sn.get(r.subject_code, ""), "against_layer": against, "against_code": r.against_code,
            "against_name": an.get(r.against_code, ""), "class": cls, "class_strict": strict,
            "area_km2": r.area_m2 / 1e6, "share_area": r.cover_area, "population": int(r.population),
            "share_population": r.cover_population, "severity": sev, "tolerance": tol.describe(), "note": note}


def check_splits(atlas: Atlas, subject: str, against: str, tol: Tolerance = Tolerance(),
                 geometry: bool = True) -> gpd.GeoDataFrame:
    """Rule ``splits``, the councils' view: every ``against`` unit (a council) split between several
    ``subject`` units (commissioners), one row per part with its residents and share of the council.

    The part holding most of a split council's residents is ``largest part`` (info); each other part is
    ``split part`` (warning). Parts under the tolerance (share of the council's area and residents) are
    ``below tolerance`` and do not split it.
    """
    parts = crosstab(atlas, subject, against)
    parts = parts[parts["against_code"] != ""].copy()
    parts["sig"] = (parts["cover_population"] >= tol.share) | (parts["cover_area"] >= tol.share)
    n_sig = parts.groupby("against_code")["sig"].transform("sum")
    n_any = parts.groupby("against_code")["sig"].transform("size")
    parts = parts[(n_any > 1).to_numpy()]
    parts = parts.sort_values(["against_code", "population", "area_m2", "subject_code"],
                              ascending=[True, False, False, True], kind="stable")
    parts["rank"] = parts.groupby("against_code").cumcount()
    sn, an = _names(atlas, subject), _names(atlas, against)
    rows = []
    for r, ns in zip(parts.itertuples(index=False), n_sig.reindex(parts.index).to_numpy()):
        strict = "largest part" if r.rank == 0 else "split part"
        cls = strict if (r.sig and ns > 1) or r.rank == 0 else "below tolerance"
        if ns <= 1 and r.rank == 0:
            cls = "largest part"
        sev = "warning" if cls == "split part" else "info"
        note = (f"{r.cover_population:.1%} of {an.get(r.against_code, r.against_code)}'s residents are in "
                f"{sn.get(r.subject_code, r.subject_code)}")
        if ns <= 1:
            note += "; split only within the tolerance (tolerant result: not split)"
        rows.append(_part_row("splits", subject, against, r, sn, an, cls, strict, sev, tol, note))
    geoms = _part_geometries(atlas, subject, against, parts) if geometry else [None] * len(rows)
    return _frame(rows, geoms, atlas.lsoa.crs)


def _successors(parts: pd.DataFrame, frm: str, to: str) -> pd.Series:
    """For each ``frm`` unit, the ``to`` unit holding most of its residents (then most area, then code)."""
    best = parts.sort_values([frm, "population", "area_m2", to], ascending=[True, False, False, True], kind="stable")
    return best.drop_duplicates(frm).set_index(frm)[to]


def check_changes(atlas: Atlas, subject: str, against: str, tol: Tolerance = Tolerance(),
                  geometry: bool = True) -> gpd.GeoDataFrame:
    """Rule ``changes``: what moved between an older layer (``against``) and a newer one (``subject``).

    Every LSOA whose unit code differs between the two is summed by (old unit, new unit), by residents
    (on the subject's basis) and area. A part is ``recoded`` (the whole old unit is the whole new unit),
    ``merged`` (the whole old unit went into a larger new unit), ``split`` (the new unit is made from part
    of the old one only) or ``moved`` (part of an old unit joined a new unit built mostly from others; a
    warning). Where both layers declare a parent (a CCG's STP, a sub-ICB location's ICB), units that kept
    their code but went to a parent that is not their old parent's successor are ``moved parent``
    (Bassetlaw, 2022). Parts under the tolerance (share of the old unit's area and residents) are
    ``below tolerance``.
    """
    from commissioning_atlas.registry import registry

    parts = crosstab(atlas, subject, against)
    parts = parts[parts["against_code"] != ""]
    changed = parts[parts["subject_code"] != parts["against_code"]].copy()
    pred = _successors(parts, "subject_code", "against_code")
    whole_old = changed["cover_population"] >= 1 - tol.share
    whole_new = changed["share_population"] >= 1 - tol.share
    strict_old = changed["cover_population"] >= 1 - _EPS
    strict_new = changed["share_population"] >= 1 - _EPS

    def kind(wo, wn, r):
        if wo and wn:
            return "recoded"
        if wo:
            return "merged"
        if wn or pred.get(r.subject_code) == r.against_code:
            return "split"
        return "moved"
    sig = (changed["cover_population"] >= tol.share) | (changed["cover_area"] >= tol.share)
    sn, an = _names(atlas, subject), _names(atlas, against)
    rows, keys = [], []
    for r, wo, wn, so, sw, g in zip(changed.itertuples(index=False), whole_old, whole_new, strict_old, strict_new, sig):
        cls, strict = kind(wo, wn, r), kind(so, sw, r)
        if not g:
            cls = "below tolerance"
        sev = "warning" if cls == "moved" else "info"
        note = (f"{r.cover_population:.1%} of {an.get(r.against_code, r.against_code)}'s residents "
                f"went to {sn.get(r.subject_code, r.subject_code)}")
        if cls == "moved":
            note += f" (whose main predecessor is {an.get(pred.get(r.subject_code), pred.get(r.subject_code))})"
        rows.append(_part_row("changes", subject, against, r, sn, an, cls, strict, sev, tol, note))
        keys.append((r.subject_code, r.against_code))
    reg = registry()
    sp, ap = (reg[subject].parent if subject in reg else None), (reg[against].parent if against in reg else None)
    if sp and ap:
        same = parts[parts["subject_code"] == parts["against_code"]]
        pp = crosstab(atlas, sp, ap)
        psucc = _successors(pp[pp["against_code"] != ""], "against_code", "subject_code")
        ns, no = atlas.column(sp), atlas.column(ap)
        unit = atlas.column(subject)
        old_unit = atlas.column(against)
        pop = atlas.population(basis_of(atlas, subject))
        area = atlas.lsoa["area_m2"].to_numpy()
        psn, pan = _names(atlas, sp), _names(atlas, ap)
        for code in same["subject_code"]:
            sel = (unit == code) & (old_unit == code)
            if not sel.any():
                continue
            new_p, old_p = ns[sel][0], no[sel][0]
            if psucc.get(old_p) == new_p:
                continue
            share = float(pop[sel].sum() / max(pop[old_unit == code].sum(), 1))
            rows.append({
                "rule": "changes", "subject_layer": subject, "subject_code": code, "subject_name": sn.get(code, ""),
                "against_layer": against, "against_code": code, "against_name": an.get(code, ""),
                "class": "moved parent", "class_strict": "moved parent", "area_km2": float(area[sel].sum() / 1e6),
                "share_area": 1.0, "population": int(pop[sel].sum()), "share_population": share,
                "severity": "warning", "tolerance": tol.describe(),
                "note": f"kept its code; moved from {pan.get(old_p, old_p)} ({ap}) to {psn.get(new_p, new_p)} ({sp}), "
                        f"not to {psn.get(psucc.get(old_p), psucc.get(old_p))}, the successor of its old {ap}"})
            keys.append((code, code))
    if geometry and keys:
        kdf = pd.DataFrame(keys, columns=["subject_code", "against_code"]).merge(
            parts, on=["subject_code", "against_code"], how="left")
        geoms = _part_geometries(atlas, subject, against, kdf)
    else:
        geoms = [None] * len(rows)
    return _frame(rows, geoms, atlas.lsoa.crs)


def check_coterminosity(atlas: Atlas, subject: str, against: str, tol: Tolerance = Tolerance(),
                        geometry: bool = True) -> gpd.GeoDataFrame:
    """Rule ``coterminosity``: one row per subject feature with its tolerant and strict class.

    ``against_code`` lists the significant reference features, largest first (``;``-separated);
    ``share_area`` and ``share_population`` are the largest one's shares. Straddling features carry
    their geometry.
    """
    parts = crosstab(atlas, subject, against)
    tolerant, strict = classify(parts, tol.share), classify(parts, 0.0)
    parts["sig"] = _significant(parts, tol.share)
    sig = parts[parts["sig"] & (parts["against_code"] != "")].sort_values(
        ["subject_code", "population", "area_m2", "against_code"], ascending=[True, False, False, True],
        kind="stable")
    sn, an = _names(atlas, subject), _names(atlas, against)
    layer = atlas.layer(subject)
    geom_by_code = dict(zip(layer["code"].astype(str), layer.geometry.values))
    rows, geoms = [], []
    codes_s = sig["subject_code"].to_numpy()
    starts = np.flatnonzero(np.r_[True, codes_s[1:] != codes_s[:-1]]) if len(codes_s) else np.empty(0, int)
    ends = np.r_[starts[1:], len(codes_s)]
    a_codes, pops = sig["against_code"].to_numpy(), sig["share_population"].to_numpy()
    areas, people, sa = sig["area_m2"].to_numpy(), sig["population"].to_numpy(), sig["share_area"].to_numpy()
    for b, e in zip(starts, ends):
        code = codes_s[b]
        cls = tolerant.get(code, "straddling")
        codes = list(a_codes[b:e])
        note = ""
        if len(codes) > 1:
            note = "parts by residents: " + "; ".join(f"{c} {p:.1%}" for c, p in zip(codes, pops[b:e]))
        rows.append({
            "rule": "coterminosity", "subject_layer": subject, "subject_code": code,
            "subject_name": sn.get(code, ""), "against_layer": against, "against_code": ";".join(codes),
            "against_name": "; ".join(an.get(c, "") for c in codes), "class": cls,
            "class_strict": strict.get(code, "straddling"), "area_km2": areas[b] / 1e6,
            "share_area": sa[b], "population": int(people[b]), "share_population": pops[b],
            "severity": "warning" if cls == "straddling" else "info", "tolerance": tol.describe(), "note": note,
        })
        geoms.append(geom_by_code.get(code) if geometry and cls == "straddling" else None)
    return _frame(rows, geoms, atlas.lsoa.crs)


def check_coverage(atlas: Atlas, subject: str, against: str, tol: Tolerance = Tolerance(),
                   geometry: bool = True) -> gpd.GeoDataFrame:
    """Rule ``coverage``: gaps and overlaps of a footprint set, grouped by reference feature.

    A gap is reference area that no subject feature covers; an overlap is area covered by two or
    more (``subject_code`` then lists them, ``+``-separated). Shares are of the reference feature.
    """
    ms, ma = _membership(atlas, subject), _membership(atlas, against)
    n = np.bincount(ms["i"].to_numpy(), minlength=len(atlas.lsoa))
    multi = ms[n[ms["i"].to_numpy()] > 1]
    who = multi.sort_values(["i", "code"]).groupby("i")["code"].agg("+".join)
    ta = _totals(atlas, against, basis_of(atlas, subject))
    sn, an = _names(atlas, subject), _names(atlas, against)
    area = atlas.lsoa["area_m2"].to_numpy()
    pop = atlas.population(basis_of(atlas, subject))
    sel = ma[n[ma["i"].to_numpy()] != 1].copy()
    sel["kind"] = np.where(n[sel["i"].to_numpy()] == 0, "gap", "overlap")
    sel["who"] = who.reindex(sel["i"]).fillna("").to_numpy()
    sel["area_m2"], sel["population"] = area[sel["i"].to_numpy()], pop[sel["i"].to_numpy()]
    grp = sel.groupby(["kind", "who", "code"], sort=True)
    sums = grp[["area_m2", "population"]].sum().reset_index()
    sums = sums[sums["area_m2"] >= tol.area_m2]
    rows, keys = [], []
    for r in sums.itertuples(index=False):
        names = " + ".join(sn.get(c, "") for c in r.who.split("+")) if r.who else ""
        rows.append({
            "rule": "coverage", "subject_layer": subject, "subject_code": r.who, "subject_name": names,
            "against_layer": against, "against_code": r.code, "against_name": an.get(r.code, ""),
            "class": r.kind, "class_strict": r.kind, "area_km2": r.area_m2 / 1e6,
            "share_area": r.area_m2 / ta.loc[r.code, "area_m2"], "population": int(r.population),
            "share_population": (r.population / ta.loc[r.code, "population"]) if ta.loc[r.code, "population"] else 0.0,
            "severity": "warning", "tolerance": tol.describe(),
            "note": "covered by no organisation" if r.kind == "gap" else "covered by more than one organisation",
        })
        keys.append(f"{r.kind}\x1f{r.who}\x1f{r.code}")
    geoms = [None] * len(rows)
    if geometry and rows:
        k = (sel["kind"] + "\x1f" + sel["who"] + "\x1f" + sel["code"]).to_numpy()
        uniq, g = dissolve_geoms(atlas.lsoa.geometry.values[sel["i"].to_numpy()], k)
        lookup = dict(zip(uniq, g))
        geoms = [lookup[k] for k in keys]
    return _frame(rows, geoms, atlas.lsoa.crs)


def read_thresholds(path: str | Path | None = None) -> pd.DataFrame:
    """Read the size thresholds table (``geo/size_thresholds.csv``), validating every row.

    Columns: ``id``, ``applies_to`` (layer ids, ``;``-separated, or ``*``), ``min_population``,
    ``max_population`` (either may be empty), ``basis`` (``registered`` or ``resident``),
    ``source``, ``confidence``, ``note``.
    """
    path = Path(path) if path else settings.geo_dir() / "size_thresholds.csv"
    if not path.exists():
        raise DataError("size thresholds table not found", path=path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    need = ["id", "applies_to", "min_population", "max_population", "basis", "source"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}", path=path, row=1)
    for i, r in df.iterrows():
        for col in ("min_population", "max_population"):
            v = r[col].replace(",", "").strip()
            if v and not v.isdigit():
                raise DataError(f"not a whole number: {r[col]!r}", path=path, row=i + 2, column=col)
        if r["basis"] not in ("registered", "resident"):
            raise DataError("basis must be 'registered' or 'resident'", path=path, row=i + 2, column="basis")
        if not r["source"].strip():
            raise DataError("every threshold needs a source", path=path, row=i + 2, column="source")
    return df


def check_size(atlas: Atlas, subject: str, tol: Tolerance = Tolerance(), thresholds: pd.DataFrame | None = None,
               geometry: bool = True) -> gpd.GeoDataFrame:
    """Rule ``size``: features whose population is below a minimum or above a maximum.

    A ``registered`` threshold uses the subject's ``registered_population`` (GP lists) where the
    layer has it, else residents, and says which in ``note``. ``share_population`` is the
    population over the threshold.
    """
    th = read_thresholds() if thresholds is None else thresholds
    # a scenario's thresholds are those of its vintage (scenario:2013, scenario:2026, ...)
    vintage = atlas.layer(subject).attrs.get("vintage")
    names = {subject, f"{subject}:{vintage}"} if vintage else {subject}
    applies = th["applies_to"].map(lambda s: s.strip() == "*" or bool(names & {x.strip() for x in s.split(";")}))
    th = th[applies.to_numpy()]
    layer = atlas.layer(subject).sort_values("code", kind="stable")
    rows, geoms = [], []
    for t in th.itertuples(index=False):
        lb = layer.attrs.get("population_basis", basis_of(atlas, subject))
        if t.basis == "registered" and "registered_population" in layer.columns:
            pop = pd.to_numeric(layer["registered_population"], errors="coerce")
            basis = np.where(pop.notna(), "registered patients (GP lists, April-June 2013)",
                             f"residents ({lb}; no GP list figure)")
            bid = np.where(pop.notna(), "registered_2013", lb)
            pop = pop.fillna(layer["population"])
        else:
            pop = layer["population"].astype(float)
            basis = np.full(len(layer), f"residents ({lb})" + (
                "; the threshold counts patients" if t.basis == "registered" else ""), dtype=object)
            bid = np.full(len(layer), lb, dtype=object)
        lo = float(t.min_population.replace(",", "")) if t.min_population.strip() else -math.inf
        hi = float(t.max_population.replace(",", "")) if t.max_population.strip() else math.inf
        for (_, f), p, b, bi in zip(layer.iterrows(), pop.to_numpy(), basis, bid):
            if lo <= p <= hi:
                continue
            below = p < lo
            limit = lo if below else hi
            rows.append({
                "rule": "size", "subject_layer": subject, "subject_code": str(f["code"]),
                "subject_name": str(f["name"]), "against_layer": "threshold", "against_code": t.id,
                "against_name": f"{'minimum' if below else 'maximum'} {limit:,.0f} ({t.source})",
                "class": "below minimum" if below else "above maximum", "class_strict": "",
                "area_km2": float(f["area_km2"]), "share_area": math.nan, "population": int(p),
                "share_population": p / limit, "population_basis": bi, "severity": "warning",
                "tolerance": "none (exact threshold)",
                "note": f"population basis: {b}",
            })
            geoms.append(f.geometry if geometry else None)
    return _frame(rows, geoms, atlas.lsoa.crs)


# --------------------------------------------------------------------------------------------
# running checks

def _check_rules(rules) -> tuple[str, ...]:
    out = []
    for r in rules:
        if r not in RULES:
            near = get_close_matches(r, RULES, n=1)
            raise AtlasError(f"unknown rule {r!r}" + (f"; did you mean {near[0]}?" if near else
                                                       f"; rules are {', '.join(RULES)}"))
        out.append(r)
    return tuple(out)


def run_check(atlas: Atlas, subject: str, against: str | None, rules=RULES, tol: Tolerance = Tolerance(),
              geometry: bool = True) -> gpd.GeoDataFrame:
    """Run rules of ``subject`` against ``against`` and return one findings table.

    Parameters
    ----------
    atlas : Atlas
    subject : str
        Layer id of the features checked.
    against : str or None
        Reference layer id (not needed for ``size`` alone).
    rules : iterable of str
        Any of :data:`RULES`.
    tol : Tolerance
    geometry : bool
        Attach geometries (parts, gaps, straddling features).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`FINDING_COLUMNS` + geometry, EPSG:27700, in rule order then code order.
    """
    rules = _check_rules(rules)
    atlas.layer(subject)  # unknown layer ids fail here, with suggestions
    if against is not None:
        atlas.layer(against)
    needs_against = [r for r in rules if r != "size"]
    if needs_against and against is None:
        raise AtlasError(f"rule {needs_against[0]!r} needs a reference layer (--against LAYER)")
    if against == subject and needs_against:
        raise AtlasError(f"--subject and --against are the same layer ({subject})")
    parts = []
    for rule in rules:
        if rule == "crosses":
            parts.append(check_crosses(atlas, subject, against, tol, geometry))
        elif rule == "coterminosity":
            parts.append(check_coterminosity(atlas, subject, against, tol, geometry))
        elif rule == "coverage":
            parts.append(check_coverage(atlas, subject, against, tol, geometry))
        elif rule == "changes":
            parts.append(check_changes(atlas, subject, against, tol, geometry))
        elif rule == "splits":
            parts.append(check_splits(atlas, subject, against, tol, geometry))
        else:
            parts.append(check_size(atlas, subject, tol, geometry=geometry))
    parts = [p for p in parts if len(p)]
    if not parts:
        return _frame([], [], atlas.lsoa.crs)
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=atlas.lsoa.crs)
    basis = basis_of(atlas, subject)
    # size findings on registered patients say so; every other figure is on the subject's basis
    out["population_basis"] = out["population_basis"].where(out["population_basis"].notna(), basis)
    return out


def resolve_preset(name: str, atlas: Atlas | None = None) -> dict:
    """The preset's definition; with a scenario loaded, proposal presets check the scenario."""
    if name not in PRESETS:
        near = get_close_matches(name, PRESETS, n=1, cutoff=0.4)
        raise AtlasError(f"unknown preset {name!r}" + (f"; did you mean {near[0]}?" if near else
                                                         f"; presets are {', '.join(PRESETS)}"))
    p = dict(PRESETS[name])
    if atlas is not None and atlas.scenario is not None and p["subject"] in _PROPOSAL_SUBJECTS \
            and atlas.layer("scenario").attrs.get("vintage") == atlas.layer(p["subject"]).attrs.get("vintage"):
        p["subject"] = "scenario"
        p["title"] = (p["title"].replace("2012 support proposals", f"Scenario {atlas.scenario.name}")
                      .replace("The mergers proposed for April 2027", f"Scenario {atlas.scenario.name}"))
    return p


def run_preset(atlas: Atlas, name: str, tol: Tolerance = Tolerance(), geometry: bool = True,
               rules=None) -> tuple[gpd.GeoDataFrame, dict]:
    """Run a named preset; return ``(findings, meta)`` where meta has title, subject, against, rules."""
    p = resolve_preset(name, atlas)
    use = tuple(rules) if rules else p["rules"]
    findings = run_check(atlas, p["subject"], p["against"], use, tol, geometry)
    meta = {"preset": name, "title": p["title"], "question": p["question"], "subject": p["subject"],
            "against": p["against"], "rules": list(use), "tolerance": tol.describe(),
            "population_basis": basis_of(atlas, p["subject"])}
    return findings, meta


def counts(findings: pd.DataFrame | None) -> dict[str, int]:
    """Number of rows by severity: every one of :data:`SEVERITIES` (zeros included), then any other."""
    out = {s: 0 for s in SEVERITIES}
    if findings is not None and len(findings) and "severity" in findings.columns:
        for k, v in findings["severity"].astype(str).str.lower().value_counts().items():
            out[k] = int(v)
    return out


def has_problems(findings: pd.DataFrame) -> bool:
    """True when a finding is a warning or an error (the CLI then exits 1)."""
    return bool(len(findings)) and bool(findings["severity"].isin(["error", "warning"]).any())


# --------------------------------------------------------------------------------------------
# output formats

FORMATS = ("table", "csv", "json", "md", "gpkg")


def _records(findings: pd.DataFrame) -> list[dict]:
    out = []
    for r in findings[FINDING_COLUMNS].itertuples(index=False):
        d = {}
        for k, v in zip(FINDING_COLUMNS, r):
            if isinstance(v, (float, np.floating)):
                v = None if math.isnan(v) else round(float(v), 6)
            elif isinstance(v, (np.integer,)):
                v = int(v)
            d[k] = v
        out.append(d)
    return out


def to_json(findings: pd.DataFrame, meta: dict) -> str:
    """One JSON object: the run's metadata, counts by severity and ``findings`` (no geometry)."""
    doc = {**meta, "counts": counts(findings), "findings": _records(findings)}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def to_csv(findings: pd.DataFrame) -> str:
    """CSV without geometry; text cells that a spreadsheet would run as formulas are defused
    (:func:`commissioning_atlas.io.text.rows_csv`, the one CSV writer of the tool)."""
    from commissioning_atlas.io.text import rows_csv

    return rows_csv(FINDING_COLUMNS, ([rec[c] for c in FINDING_COLUMNS] for rec in _records(findings)))


def _pct(v) -> str:
    return formatting.share(v)


def _clean(s: str, width: int | None = None, encoding: str = "utf-8") -> str:
    """One cell: whitespace collapsed, control characters escaped, fitted to ``encoding`` and ``width``."""
    from commissioning_atlas.io.text import cut

    return cut(s, width if width is not None else 1 << 30, encoding)


_TABLE_COLS = [("rule", 13), ("subject_code", 11), ("subject_name", 34), ("against_code", 22),
               ("against_name", 30), ("class", 15), ("share_area", 7), ("population", 10),
               ("share_population", 7), ("severity", 8)]
_HEAD = {"share_area": "area%", "share_population": "pop%", "population": "people"}


def to_table(findings: pd.DataFrame, meta: dict, encoding: str = "utf-8") -> str:
    """Aligned plain-text table with a header and a summary line.

    Every cell has its control characters escaped and is fitted to ``encoding`` (a name too long
    for its column ends in ``…``, or ``...`` where the encoding has no ``…``), so the table is safe
    to print on any terminal.
    """
    from commissioning_atlas.io.text import for_terminal

    head = (f"# {meta.get('title', '')}: {meta.get('subject')} against {meta.get('against') or 'thresholds'}"
            f" ({', '.join(meta.get('rules', []))})")
    lines = [for_terminal(head, encoding=encoding, keep=""),
             for_terminal(f"# tolerance: {meta.get('tolerance', '')}", encoding=encoding, keep="")]
    if meta.get("population_basis"):
        from commissioning_atlas.sources.population import get_basis

        lines.append(for_terminal(f"# population: {get_basis(meta['population_basis']).title} "
                                  f"({meta['population_basis']}), summed over 2011 LSOAs", encoding=encoding, keep=""))
    lines.append("  ".join(f"{_HEAD.get(c, c):<{w}}" for c, w in _TABLE_COLS))
    for rec in _records(findings):
        cells = []
        for c, w in _TABLE_COLS:
            v = rec[c]
            if c.startswith("share_"):
                v = _pct(v)
            elif c == "population":
                v = formatting.people(v)
            cells.append(f"{_clean(v, w, encoding):<{w}}"
                         if c not in ("population",) + tuple(k for k in _HEAD if k.startswith("share"))
                         else f"{_clean(v, w, encoding):>{w}}")
        lines.append("  ".join(cells).rstrip())
    c = counts(findings)
    lines.append(f"{len(findings)} rows: {c['error']} error, {c['warning']} warning, {c['info']} info")
    return "\n".join(lines) + "\n"


def _md_cell(v) -> str:
    s = _clean("" if v is None else v)
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
            .replace("`", "\\`").replace("[", "\\[").replace("]", "\\]"))


def to_markdown(findings: pd.DataFrame, meta: dict) -> str:
    """A Markdown report; table text is escaped so it renders as text, never as HTML."""
    c = counts(findings)
    out = [f"# {_md_cell(meta.get('title', 'Check'))}", "",
           f"{_md_cell(meta.get('question', ''))}", "",
           f"- subject: `{meta.get('subject')}`; against: `{meta.get('against') or 'thresholds'}`; "
           f"rules: {', '.join(meta.get('rules', []))}",
           f"- tolerance: {_md_cell(meta.get('tolerance', ''))}",
           f"- {len(findings)} rows: {c['error']} error, {c['warning']} warning, {c['info']} info", ""]
    cols = ["rule", "subject_code", "subject_name", "against_code", "against_name", "class", "class_strict",
            "area_km2", "share_area", "population", "share_population", "severity"]
    out.append("| " + " | ".join(cols) + " |")
    out.append("|" + "---|" * len(cols))
    for rec in _records(findings):
        vals = []
        for k in cols:
            v = rec[k]
            if k.startswith("share_"):
                v = _pct(v)
            elif k == "area_km2":
                v = formatting.area(v)
            elif k == "population":
                v = formatting.people(v)
            vals.append(_md_cell(v))
        out.append("| " + " | ".join(vals) + " |")
    return "\n".join(out) + "\n"


def write_findings(findings: gpd.GeoDataFrame, meta: dict, fmt: str, path: str | Path | None,
                   encoding: str = "utf-8") -> str | None:
    """Render findings in ``fmt``; write atomically to ``path`` or return the text for stdout.

    Files go through :mod:`commissioning_atlas.io.safe`: written whole or not at all, never over
    an input of the run, a file of ``geo/``, the cache or a read-only file; ``gpkg`` adds (or
    replaces) the layer ``findings`` of an existing GeoPackage and keeps its other layers.
    ``encoding`` is that of the stream a returned table is printed on.
    """
    from commissioning_atlas.io.safe import write_gpkg_layer, write_text

    if fmt not in FORMATS:
        raise AtlasError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    if fmt == "gpkg":
        if path is None:
            raise AtlasError("--format gpkg needs an output file (-o FILE.gpkg)")
        write_gpkg_layer(path, findings.reset_index(drop=True), "findings", promote_to_multi=True)
        return None
    text = {"table": lambda: to_table(findings, meta, encoding="utf-8" if path else encoding),
            "csv": lambda: to_csv(findings), "json": lambda: to_json(findings, meta),
            "md": lambda: to_markdown(findings, meta)}[fmt]()
    if path is None:
        return text
    write_text(path, text)
    return None
