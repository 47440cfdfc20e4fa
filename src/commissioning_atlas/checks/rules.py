"""The rules: crosses, splits, changes, coterminosity, coverage and size, each a reading of the crosstab."""
from __future__ import annotations

import math
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from commissioning_atlas import settings
from commissioning_atlas._errors import AtlasError, DataError
from commissioning_atlas.build.coverage import dissolve_geoms
from commissioning_atlas.checks.crosstab import (
    _EPS,
    RULES,
    Tolerance,
    _frame,
    _home_units,
    _membership,
    _names,
    _part_geometries,
    _significant,
    _totals,
    basis_of,
    classify,
    crosstab,
)

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas

#: The basis held on practice-built layers that the size rule can read (``--population registered_2022``).
REGISTERED_2022 = "registered_2022"  # commissioning_atlas.registered.BASIS (that module reads the registry)


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

    The part holding most of a split council's residents is ``largest part`` (info); each other part large
    enough by the split rule (:meth:`Tolerance.splits`: by default at least ``split_share`` of the council's
    residents and ``split_people`` people) is ``split part`` (warning). Smaller parts are ``fringe`` (info): they
    are listed with their people but do not split the council. Every row's ``tolerance`` names the rule.
    """
    parts = crosstab(atlas, subject, against)
    # the rest of England outside every unit of the against layer (no combined authority) is not a council
    parts = parts[(parts["against_code"] != "") & ~parts["against_code"].isin(_outside_units(against))].copy()
    parts["sig"] = tol.splits(parts["cover_population"], parts["cover_area"], parts["population"])
    n_any = parts.groupby("against_code")["sig"].transform("size")
    parts = parts[(n_any > 1).to_numpy()]
    parts = parts.sort_values(["against_code", "population", "area_m2", "subject_code"],
                              ascending=[True, False, False, True], kind="stable")
    parts["rank"] = parts.groupby("against_code").cumcount()
    # a council is split when a part beyond its largest passes the rule
    parts["beyond"] = parts["sig"] & (parts["rank"] > 0)
    n_beyond = parts.groupby("against_code")["beyond"].transform("sum")
    sn, an = _names(atlas, subject), _names(atlas, against)
    rule = tol.describe_splits()
    rows = []
    for r, nb in zip(parts.itertuples(index=False), n_beyond.to_numpy()):
        strict = "largest part" if r.rank == 0 else "split part"
        cls = "largest part" if r.rank == 0 else ("split part" if r.beyond else "fringe")
        sev = "warning" if cls == "split part" else "info"
        note = (f"{r.cover_population:.1%} of {an.get(r.against_code, r.against_code)}'s residents are in "
                f"{sn.get(r.subject_code, r.subject_code)}")
        if nb == 0:
            note += "; only fringes beyond its largest part (not split by the rule)"
        row = _part_row("splits", subject, against, r, sn, an, cls, strict, sev, tol, note)
        row["tolerance"] = rule
        rows.append(row)
    geoms = _part_geometries(atlas, subject, against, parts) if geometry else [None] * len(rows)
    return _frame(rows, geoms, atlas.lsoa.crs)


def _outside_units(layer_id: str) -> set[str]:
    """The unit a layer declares for the LSOAs outside all its units (``outside`` in ``layers.toml``)."""
    from commissioning_atlas.registry import registry

    spec = registry().get(layer_id)
    return {spec.params["outside"]} if spec is not None and spec.params.get("outside") else set()


def councils_split(findings: pd.DataFrame) -> list[str]:
    """The councils (``against_code``) a ``splits`` finding table counts as split: those with a split part."""
    if not len(findings) or "rule" not in findings.columns:
        return []
    split = (findings["rule"].to_numpy() == "splits") & (findings["class"].to_numpy() == "split part")
    return sorted({str(c) for c in findings["against_code"].to_numpy()[split]})


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
        # the first LSOA (in LSOA order) of each unit that kept its code: one pass, not one per unit
        kept = np.flatnonzero(unit == old_unit)
        kept_codes, first = np.unique(unit[kept].astype(str), return_index=True)
        first_row = dict(zip(kept_codes, kept[first]))
        for code in same["subject_code"]:
            if code not in first_row:
                continue
            new_p, old_p = ns[first_row[code]], no[first_row[code]]
            if psucc.get(old_p) == new_p:
                continue
            sel = (unit == code) & (old_unit == code)  # only for a unit that moved parent (a handful)
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
    held = atlas.held_basis if hasattr(atlas, "held_basis") else None
    rows, geoms = [], []
    for t in th.itertuples(index=False):
        lb = layer.attrs.get("population_basis", basis_of(atlas, subject))
        if held == REGISTERED_2022:  # --population registered_2022: the layer's own registered patients
            from commissioning_atlas import registered

            pop = layer["registered_2022"].astype(float)
            split = set(layer.attrs.get("registered_2022_apportioned", ()))
            basis = np.array([f"{registered.TITLE}" + (
                "; part of a sub-ICB location split between units apportioned by its residents"
                if c in split else "") for c in layer["code"].astype(str)], dtype=object)
            bid = np.full(len(layer), held, dtype=object)
        elif t.basis == "registered" and "registered_population" in layer.columns:
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


def _check_held(atlas: Atlas, subject: str, rules: tuple[str, ...]) -> None:
    """With ``--population`` a basis held on layers (registered patients of May 2022), only the size rule of a
    subject that holds it can run: one line saying why not otherwise, and which layers hold it."""
    from commissioning_atlas import registered

    held = getattr(atlas, "held_basis", None)
    if held is None:
        return
    if held != REGISTERED_2022:
        from commissioning_atlas.sources.population import get_basis

        b = get_basis(held)
        raise AtlasError(f"--population {held}: {b.title} is held on {b.held_on}, not per LSOA; checks count "
                         f"{REGISTERED_2022} (GP registered patients, 1 May 2022) or a per-LSOA basis")
    for rule in rules:
        if rule != "size":
            raise AtlasError(registered.not_per_lsoa(rule))
    if not registered.holds(atlas, subject):
        raise AtlasError(registered.not_held(subject))


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
    _check_held(atlas, subject, rules)
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
    basis = getattr(atlas, "held_basis", None) or basis_of(atlas, subject)
    # size findings on registered patients say so; every other figure is on the subject's basis
    out["population_basis"] = out["population_basis"].where(out["population_basis"].notna(), basis)
    return out
