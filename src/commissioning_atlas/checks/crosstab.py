"""Subject against reference: memberships joined on the LSOA, parts summed by area and people, and
the findings frame those parts become."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from commissioning_atlas import settings
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.build.coverage import dissolve_geoms
from commissioning_atlas.core.membership import pair_key

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
#: How the councils' view (rule ``splits``) decides that a part splits its council: ``residents`` (a share of
#: the council's residents and a minimum number of people; the rule ICBs are judged by, each council in one ICB,
#: is about people) or ``area-or-residents`` (the rule before December 2026: a share of its area or residents,
#: so rural fringes of a few thousand people counted).
SPLIT_RULES = ("residents", "area-or-residents")
_EPS = 1e-9


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
    split_by: str = "residents"
    split_share: float = DEFAULT_SHARE_TOLERANCE
    split_people: int = 0

    def __post_init__(self):
        if self.split_by not in SPLIT_RULES:
            raise AtlasError(f"unknown split rule {self.split_by!r}; rules are {', '.join(SPLIT_RULES)}")
        if not 0 <= self.split_share < 0.5:
            raise AtlasError(f"the split share must be between 0 and 0.5, got {self.split_share}")
        if self.split_people < 0:
            raise AtlasError(f"the minimum number of people must not be negative, got {self.split_people}")

    def describe(self) -> str:
        """One-line description used in the ``tolerance`` column."""
        return (f"parts under {self.share:.0%} of both area and residents ignored; "
                f"areas under {self.area_m2:g} m2 ignored")

    def describe_splits(self) -> str:
        """The rule by which the councils' view (rule ``splits``) counts a council as split, in words."""
        if self.split_by == "area-or-residents":
            return (f"split where a part beyond its largest holds at least {self.split_share:.0%} of the council's "
                    f"area or of its residents")
        people = f" and at least {self.split_people:,} people" if self.split_people else ""
        return f"split where a part beyond its largest holds at least {self.split_share:.0%} of the council's residents{people}"

    def splits(self, share_population, share_area, population) -> np.ndarray:
        """Whether each part (shares of its council, residents) is large enough to split its council."""
        share_population, population = np.asarray(share_population), np.asarray(population)
        if self.split_by == "area-or-residents":
            return (share_population >= self.split_share) | (np.asarray(share_area) >= self.split_share)
        return (share_population >= self.split_share) & (population >= self.split_people)


# --------------------------------------------------------------------------------------------
# sums over LSOAs

def _membership(atlas: Atlas, layer_id: str) -> pd.DataFrame:
    """``i`` (LSOA row), ``code`` and ``k`` (index into the sorted unit codes) of every (LSOA, unit)
    pair of a layer, from the atlas' membership core (:meth:`Atlas.membership_index`)."""
    m = atlas.membership_index(layer_id)
    return pd.DataFrame({"i": m.rows, "code": m.code_of_pair, "k": m.units})


def _codes(atlas: Atlas, layer_id: str) -> np.ndarray:
    """Sorted unit codes of a layer's membership (``k`` indexes them)."""
    return atlas.membership_index(layer_id).codes


def basis_of(atlas: Atlas, subject: str) -> str:
    """The population basis a check of ``subject`` uses: ``--population``, else the subject's default."""
    return atlas.default_basis(subject)


def _weights(atlas: Atlas, basis: str) -> dict[str, np.ndarray]:
    """The LSOA weights every part sums: area and residents on ``basis``."""
    return {"area": atlas.lsoa["area_m2"].to_numpy(), "pop": atlas.population(basis)}


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
    basis = basis_of(atlas, subject)
    key = ("checks.crosstab", subject, against, basis)
    return atlas.derived(key, lambda: _crosstab(atlas, subject, against, basis)).copy()


def _crosstab(atlas: Atlas, subject: str, against: str, basis: str) -> pd.DataFrame:
    s_codes, a_codes = _codes(atlas, subject), _codes(atlas, against)
    ct = atlas.crosstab(subject, against, _weights(atlas, basis))
    ks, ka = ct.ks, ct.ka
    area, pop = ct.sums["area"], ct.sums["pop"]
    ts, ta = _totals(atlas, subject, basis), _totals(atlas, against, basis)
    s_area, s_pop = ts["area_m2"].to_numpy(), ts["population"].to_numpy().astype(float)
    a_area = np.append(ta["area_m2"].to_numpy(), np.nan)  # index -1: outside
    a_pop = np.append(ta["population"].to_numpy().astype(float), 0.0)
    parts = pd.DataFrame({
        "subject_code": s_codes[ks], "against_code": np.where(ka >= 0, a_codes[ka], ""),
        "area_m2": area, "population": pop.round().astype(np.int64)})
    with np.errstate(invalid="ignore", divide="ignore"):
        parts["share_area"] = area / s_area[ks]
        parts["share_population"] = np.where(s_pop[ks] > 0, pop / s_pop[ks], 0.0)
        parts["cover_area"] = np.nan_to_num(area / a_area[ka])
        parts["cover_population"] = np.where(a_pop[ka] > 0, pop / a_pop[ka], 0.0)
    return parts


def _totals(atlas: Atlas, layer_id: str, basis: str | None = None) -> pd.DataFrame:
    """Area and residents (on ``basis``, default the layer's) per unit of a layer's membership, by code."""
    m = atlas.membership_index(layer_id)
    w = _weights(atlas, basis or basis_of(atlas, layer_id))
    return pd.DataFrame({"area_m2": m.sums(w["area"]), "population": m.sums(w["pop"]).round().astype(np.int64)},
                        index=pd.Index(m.codes, name="code"))


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
    inside = (parts["against_code"] != "").to_numpy()
    sig, whole = _significant(parts, share), _whole(parts, share)  # each part alone: rows outside are masked
    codes = parts["subject_code"].to_numpy(dtype=object)
    keys, k = np.unique(codes[inside], return_inverse=True)  # sorted codes, as groupby sorts them
    n_sig = np.bincount(k, weights=sig[inside], minlength=len(keys))
    n_sig_whole = np.bincount(k, weights=(sig & whole)[inside], minlength=len(keys))
    out = np.full(len(keys), "straddling", dtype=object)
    one, all_whole = n_sig == 1, n_sig == n_sig_whole
    out[one & all_whole] = "equal"
    out[one & ~all_whole] = "within"
    out[(n_sig > 1) & all_whole] = "union"
    # a subject reaching outside every reference unit is never coterminous
    out[np.isin(keys, codes[~inside & sig])] = "straddling"
    return pd.Series(out, index=pd.Index(keys, name="s"), dtype=object)


# --------------------------------------------------------------------------------------------
# rules

def _names(atlas: Atlas, layer_id: str) -> dict[str, str]:
    def make() -> dict[str, str]:
        layer = atlas.layer(layer_id)
        return dict(zip(layer["code"].astype(str), layer["name"].astype(str)))
    return atlas.derived(("checks.names", layer_id), make)


def _unit_index(atlas: Atlas) -> dict[str, tuple[str, str]]:
    """Any unit a proposal may name (the member layers of footprints.py), by code or ODS code ->
    (layer id, code). Made once per atlas."""
    def make() -> dict[str, tuple[str, str]]:
        from commissioning_atlas.footprints import member_layers

        units: dict[str, tuple[str, str]] = {}
        for lid in member_layers():
            lay = atlas.layers[lid]
            for c, o in zip(lay["code"].astype(str), lay["ods_code"].fillna("").astype(str)):
                units.setdefault(c, (lid, c))
                if o:
                    units.setdefault(o, (lid, c))
        return units
    return atlas.derived("checks.units", make)


def _part_geometries(atlas: Atlas, subject: str, against: str, keys: pd.DataFrame) -> np.ndarray:
    """Coverage union of the LSOAs of each (subject, against) pair in ``keys``."""
    if keys.empty:
        return np.empty(0, dtype=object)
    j = atlas.join(subject, against)
    ks = j.subject.index_of(keys["subject_code"].to_numpy())
    ka = j.against.index_of(keys["against_code"].to_numpy())  # "" (outside): -1
    want = pair_key(ks, ka, len(j.against.codes))
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
        sel = np.isin(j.pair, want[todo])
        uniq, geoms = dissolve_geoms(atlas.lsoa.geometry.values[j.rows[sel]], j.pair[sel])
        lookup = dict(zip(uniq, geoms))
        for n in todo:
            out[n] = lookup.get(want[n])
    return out


def _frame(rows: list[dict], geoms: list, crs) -> gpd.GeoDataFrame:
    # column by column: the same frame as from the records (a key a row lacks is NaN), several times faster
    df = pd.DataFrame({c: [r.get(c, np.nan) for r in rows] for c in FINDING_COLUMNS}, columns=FINDING_COLUMNS) \
        if rows else pd.DataFrame(rows, columns=FINDING_COLUMNS)
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
        v = pd.DataFrame(via, columns=["subject", "lid", "unit"])
        pieces = []
        for lid in v["lid"].unique():  # each member's LSOAs: an integer join on the unit index
            mi, vl = atlas.membership_index(lid), v[v["lid"] == lid]
            pairs = pd.DataFrame({"k": mi.units, "i": mi.rows})
            pieces.append(pd.DataFrame({"subject": vl["subject"].to_numpy(), "k": mi.index_of(vl["unit"])})
                          .merge(pairs, on="k"))
        m = pd.concat(pieces, ignore_index=True)[["subject", "i"]]
        m["a"] = atlas.column(against)[m["i"].to_numpy()]
        m["population"] = atlas.population(basis_of(atlas, subject))[m["i"].to_numpy()]
        best = (m.groupby(["subject", "a"], sort=True)["population"].sum().reset_index()
                .sort_values(["subject", "population"], ascending=[True, False], kind="stable")
                .drop_duplicates("subject"))
        out.update({s_: {str(a_)} for s_, a_ in zip(best["subject"], best["a"])})
    return out
