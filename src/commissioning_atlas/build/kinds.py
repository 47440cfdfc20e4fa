"""The build kinds of ``layers.toml``: how each LSOA gets its unit in a layer.

Each kind is a function ``(ctx, spec) -> Column``: the unit code of every LSOA (in the order of the LSOA
base), the units' names and ODS codes, optional extra columns and what was measured. The engine
(:mod:`commissioning_atlas.build.context`) validates, dissolves and caches the result; a kind only reads and
maps. ``lsoa_lookup`` reads a column of an LSOA11 lookup; ``group`` maps the units of a built layer
through a lookup file or ``geo/`` table; ``regroup`` regroups a built layer by a ``geo/`` table, splitting
units by another layer where the table says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from commissioning_atlas import settings
from commissioning_atlas._errors import DataError
from commissioning_atlas.sources.readers import read_lookup, read_table


@dataclass
class Column:
    """A layer as LSOA codes: ``codes[i]`` is the unit of LSOA ``i``.

    Attributes
    ----------
    codes : numpy.ndarray
        Unit code per LSOA (object array of str), aligned with the LSOA base.
    names : pandas.Series
        Unit code -> name.
    ods : pandas.Series, optional
        Unit code -> ODS code.
    attrs : pandas.DataFrame, optional
        Extra columns indexed by unit code (members, parents, registered patients ...).
    report : dict
        What the build measured, for the build report.
    """

    codes: np.ndarray
    names: pd.Series
    ods: pd.Series | None = None
    attrs: pd.DataFrame | None = None
    report: dict = field(default_factory=dict)


def assign_points(points: np.ndarray, polys, code_col: str = "code") -> tuple[np.ndarray, int, int]:
    """Code of the polygon containing each point; outside all -> nearest; in several -> the first code.

    Returns
    -------
    codes : numpy.ndarray
    outside, several : int
        How many points fell outside every polygon, and how many in more than one.
    """
    geoms = np.asarray(polys.geometry.values, dtype=object)
    # the same pairs as the points' query "within" the polygons, but each polygon is prepared once and
    # tested against the points near it, instead of every point against an unprepared polygon
    gi, pi = shapely.STRtree(points).query(geoms, predicate="contains")
    codes = polys[code_col].to_numpy()
    df = pd.DataFrame({"p": pi, "c": codes[gi]}).sort_values(["p", "c"])
    multi = int(df.duplicated("p").sum())
    first = df.drop_duplicates("p")
    out = np.full(len(points), None, dtype=object)
    out[first["p"].to_numpy()] = first["c"].to_numpy()
    outside = np.flatnonzero(pd.isna(out))
    if len(outside):
        out[outside] = codes[shapely.STRtree(geoms).nearest(points[outside])]
    return out, len(outside), multi


def _table(ctx, source: str) -> tuple[pd.DataFrame, Path, int]:
    """A lookup by catalogue group, or a project table ``geo:<file>``; with the first data row's number."""
    if source.startswith("geo:"):
        path = settings.geo_dir() / source[4:]
        return ctx.memo(("table", source), lambda: read_table(path)), path, 2
    path = ctx.path(source)
    return ctx.memo(("table", source), lambda: read_lookup(path)), path, 2 if path.suffix == ".csv" else 1


def _require(df: pd.DataFrame, path: Path, cols: list[str]) -> None:
    for c in cols:
        if c not in df.columns:
            raise DataError(f"missing column {c!r} (columns are {', '.join(map(str, df.columns[:12]))})",
                            path=path, column=c)


def _named(df: pd.DataFrame, path: Path, first_row: int, code: str, col: str | None) -> pd.Series | None:
    """Code -> value of ``col``, one value per code (a code given two names is an error)."""
    if not col:
        return None
    pairs = df[[code, col]].drop_duplicates()
    dup = pairs[code].duplicated()
    if dup.any():
        i = int(pairs.index[np.flatnonzero(dup.to_numpy())[0]])
        raise DataError(f"code {df.loc[i, code]!r} has two values of {col!r}", path=path,
                        row=i + first_row, column=col)
    return pairs.set_index(code)[col]


def lsoa_lookup(ctx, spec) -> Column:
    """A column of an LSOA11 lookup: every England LSOA once, every unit named."""
    p = spec.params
    df, path, first = _table(ctx, spec.sources[0])
    _require(df, path, [c for c in (p["lsoa"], p["code"], p["name"], p.get("ods")) if c])
    df = df[df[p["lsoa"]].astype(str).str.startswith("E01")]
    dup = df[p["lsoa"]].duplicated()
    if dup.any():
        i = int(df.index[np.flatnonzero(dup.to_numpy())[0]])
        raise DataError(f"LSOA {df.loc[i, p['lsoa']]} is listed twice", path=path, row=i + first, column=p["lsoa"])
    empty = df[p["code"]].astype(str).str.strip() == ""
    if empty.any():
        i = int(df.index[np.flatnonzero(empty.to_numpy())[0]])
        raise DataError("empty unit code", path=path, row=i + first, column=p["code"])
    base = ctx.base["code"].to_numpy()
    extra = sorted(set(df[p["lsoa"]]) - set(base))
    if extra:
        raise DataError(f"LSOA {extra[0]} is not one of the 32,844 LSOAs of 2011", path=path, column=p["lsoa"])
    codes = df.set_index(p["lsoa"])[p["code"]].reindex(base)
    if codes.isna().any():
        raise DataError(f"LSOA {codes.index[codes.isna().to_numpy()][0]} is missing ({int(codes.isna().sum())} "
                        f"LSOAs in all)", path=path, column=p["lsoa"])
    return Column(codes.to_numpy(dtype=object), _named(df, path, first, p["code"], p["name"]),
                  _named(df, path, first, p["code"], p.get("ods")))


def group(ctx, spec) -> Column:
    """Units of a built layer (``of``) grouped through a lookup: each unit to exactly one group."""
    p = spec.params
    child = ctx.layer_frame(p["of"])
    df, path, first = _table(ctx, spec.sources[0])
    _require(df, path, [c for c in (p["key"], p["code"], p["name"], p.get("ods")) if c])
    # the child's units are found by code, ODS code or name (districts recoded since: Barnsley and Sheffield, 2025)
    key_of_child = child[{"ods": "ods_code", "name": "name"}.get(p.get("match"), "code")]
    keys = set(key_of_child.astype(str))
    unknown = sorted(set(df[p["key"]].astype(str)) - keys)
    if unknown and p.get("outside"):  # a lookup of some units only: every unit it names must exist
        raise DataError(f"{p['of']} has no unit {unknown[0]!r} ({len(unknown)} in all)", path=path, column=p["key"])
    df = df[df[p["key"]].astype(str).isin(keys)]
    pairs = df[[p["key"], p["code"]]].drop_duplicates()
    dup = pairs[p["key"]].duplicated()
    if dup.any():
        i = int(pairs.index[np.flatnonzero(dup.to_numpy())[0]])
        raise DataError(f"{p['of']} unit {df.loc[i, p['key']]!r} is given two groups", path=path,
                        row=i + first, column=p["key"])
    mapping = pairs.set_index(p["key"])[p["code"]]
    missing = sorted(keys - set(mapping.index))
    report = {}
    if missing and p.get("outside"):  # units in no group (districts outside every combined authority)
        mapping = pd.concat([mapping, pd.Series(p["outside"], index=missing)])
        report["outside"] = {"code": p["outside"], p["of"] + "_units": len(missing)}
    elif missing:
        raise DataError(f"no group for {p['of']} unit {missing[0]!r} ({len(missing)} in all)", path=path,
                        column=p["key"])
    unit_group = pd.Series(mapping.reindex(key_of_child.astype(str)).to_numpy(), index=child["code"].to_numpy())
    codes = pd.Series(ctx.column(p["of"])).map(unit_group).to_numpy(dtype=object)
    names, ods = _named(df, path, first, p["code"], p["name"]), _named(df, path, first, p["code"], p.get("ods"))
    if missing and p.get("outside"):
        names = pd.concat([names, pd.Series({p["outside"]: p.get("outside_name", p["outside"])})])
    if p.get("moves"):
        codes, report["lsoa21_moves"] = lsoa21_moves(ctx, p["moves"], codes, ods if p.get("match") == "ods" else None)
    return Column(codes, names, ods, report=report)


def lsoa21_tables(ctx, lookup: str, via: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An LSOA21 lookup and the LSOA11 -> LSOA21 pairs (England), each read once per context (or taken from
    the worker process that read them beside the build, see ``BuildContext.prefetch_populations``)."""
    from commissioning_atlas.sources.population import read_lsoa11_lsoa21

    future = getattr(ctx, "_futures", {}).pop("april_2024", None)
    if future is not None and lookup == "lsoa21_icb24_rda":
        ctx._memo[("table", lookup)], ctx._memo["lsoa11_lsoa21"] = future.result()
    look = ctx.memo(("table", lookup), lambda: read_lookup(ctx.path(lookup)))
    pairs = ctx.memo("lsoa11_lsoa21", lambda: read_lsoa11_lsoa21(ctx.path(via)))
    return look, pairs[pairs["lsoa11_code"].str.startswith("E01")]


def lsoa21_moves(ctx, moves: dict, codes: np.ndarray, ods: pd.Series | None) -> tuple[np.ndarray, dict]:
    """Move each 2011 LSOA that a later LSOA21 lookup places, whole, in another unit of this layer.

    A published boundary change that moved LSOAs (the April 2023 transfer between Surrey Heartlands and
    Sussex) is in the next lookup, on 2021 LSOAs: a 2011 LSOA moves when *every* 2021 LSOA made from it is
    given to the same other unit. One whose pieces the lookup gives to different units (a complex change,
    code X) keeps its unit: that is the lookup redrawing a split LSOA, not a transfer.

    Parameters
    ----------
    moves : dict
        ``lookup`` (catalogue group of the LSOA21 lookup), ``column`` (its unit column), ``via`` (catalogue
        group of the LSOA11 -> LSOA21 lookup).
    codes : numpy.ndarray
        The unit of every LSOA before the moves.
    ods : pandas.Series, optional
        Unit code -> ODS code, when ``column`` holds ODS codes.

    Returns
    -------
    codes : numpy.ndarray
        The units after the moves.
    report : dict
        Every moved LSOA with its old and new unit and Census 2011 residents, and the split LSOAs kept.
    """
    look, pairs = lsoa21_tables(ctx, moves["lookup"], moves["via"])
    path = ctx.path(moves["lookup"])
    _require(look, path, ["lsoa21_code", moves["column"]])
    to_code = {str(v): k for k, v in ods.items()} if ods is not None else {str(c): c for c in set(codes)}
    unit21 = look.set_index("lsoa21_code")[moves["column"]].astype(str).map(to_code)
    pieces = pd.DataFrame({"lsoa11": pairs["lsoa11_code"].to_numpy(),
                           "unit": unit21.reindex(pairs["lsoa21_code"].to_numpy()).to_numpy()})
    unknown = pieces["unit"].isna()
    if unknown.any():
        raise DataError(f"LSOA21 of LSOA11 {pieces['lsoa11'].iat[int(np.flatnonzero(unknown)[0])]} has no unit "
                        f"of this layer in column {moves['column']!r} ({int(unknown.sum())} in all)", path=path)
    per = pieces.groupby("lsoa11")["unit"].agg(["nunique", "first"])
    whole = per[per["nunique"] == 1]["first"]
    lsoas = ctx.base["code"].to_numpy()
    later = whole.reindex(lsoas).to_numpy(dtype=object)
    move = pd.notna(later) & (later != codes)
    pop = ctx.population("census_2011")
    out = codes.copy()
    out[move] = later[move]
    moved = [{"lsoa": str(l), "from": str(a), "to": str(b), "residents_2011": int(n)}
             for l, a, b, n in zip(lsoas[move], codes[move], later[move], pop[move])]
    return out, {"lookup": moves["lookup"], "column": moves["column"], "lsoas_moved": int(move.sum()),
                 "residents_2011_moved": int(pop[move].sum()), "moved": moved,
                 "split_lsoas_kept": int((per["nunique"] > 1).sum())}


def regroup(ctx, spec) -> Column:
    """Units of ``base`` (e.g. the ICBs of 2023), with the units of ``of`` (their sub-ICB locations) that a
    ``geo/`` table moves given to new or changed units; a table row naming a unit of ``by`` (a council) moves
    only that part of its ``of`` unit, so one location can be split by council (Frimley, 2026).

    The table has one row per moved part: ``sicbl_code`` (code or ODS code of an ``of`` unit), the ``by``
    unit's code (``<by>_code``, empty: the whole unit), ``icb_code`` (the new unit's code), ``icb_name``,
    ``gss_code`` (only where a source gives one), optional ``ods_code``, ``change_id``, ``kind``, ``source``,
    ``confidence``, ``note``.
    """
    p = spec.params
    of, base, by = p["of"], p["base"], p["by"]
    table, path, first = _table(ctx, p["table"])
    by_col = f"{by}_code"
    _require(table, path, ["sicbl_code", by_col, "icb_code", "icb_name", "gss_code", "change_id", "kind",
                           "source", "confidence"])
    of_frame, base_frame, by_frame = ctx.layer_frame(of), ctx.layer_frame(base), ctx.layer_frame(by)
    unit_of = {**dict(zip(of_frame["ods_code"].astype(str), of_frame["code"])), **dict(zip(of_frame["code"], of_frame["code"]))}
    of_col, by_codes = ctx.column(of), ctx.column(by)
    codes = ctx.column(base).copy()
    names = dict(zip(base_frame["code"], base_frame["name"]))
    ods = dict(zip(base_frame["code"], base_frame["ods_code"]))
    status = {c: "unchanged" for c in base_frame["code"]}
    change = {c: "" for c in base_frame["code"]}
    conf = {c: "high" for c in base_frame["code"]}
    gss = {c: c for c in base_frame["code"]}
    source = {c: spec.source for c in base_frame["code"]}
    done = np.zeros(len(codes), dtype=bool)
    seen: dict[tuple[str, str], int] = {}
    split_units: dict[str, int] = {}
    for i, r in table.iterrows():
        row = int(i) + first
        unit = unit_of.get(str(r["sicbl_code"]).strip())
        if unit is None:
            raise DataError(f"unknown {of} unit {r['sicbl_code']!r}", path=path, row=row, column="sicbl_code")
        part = str(r[by_col]).strip()
        if part and part not in set(by_frame["code"]):
            raise DataError(f"unknown {by} unit {part!r}", path=path, row=row, column=by_col)
        if (unit, part) in seen or (unit, "") in seen or (part == "" and unit in split_units):
            raise DataError(f"{of} unit {r['sicbl_code']} is moved twice (first at row {seen.get((unit, part), seen.get((unit, ''), split_units.get(unit)))})",
                            path=path, row=row, column="sicbl_code")
        seen[(unit, part)] = row
        if part:
            split_units.setdefault(unit, row)
        sel = (of_col == unit) & ((by_codes == part) if part else True)
        if not sel.any():
            raise DataError(f"{of} unit {r['sicbl_code']} has no LSOA in {by} unit {part}", path=path, row=row,
                            column=by_col)
        new = str(r["icb_code"]).strip()
        codes[sel] = new
        done |= sel
        # the new unit's ODS code: the table's ``ods_code`` where it has one (empty: none published), else the
        # code itself (the ICBs of 2026 are recorded under their ODS codes)
        names[new], ods[new] = str(r["icb_name"]).strip(), str(r["ods_code"]).strip() if "ods_code" in table else new
        status[new] = str(r["kind"]).strip() or "changed"
        change[new] = ", ".join(sorted({*change.get(new, "").split(", "), str(r["change_id"])} - {""}))
        conf[new] = min(conf.get(new, "high"), str(r["confidence"]).strip() or "medium",
                        key=lambda x: {"low": 0, "medium": 1, "high": 2}.get(x, 0))
        gss[new] = str(r["gss_code"]).strip()
        source[new] = str(r["source"]).strip()
    pop = ctx.population("census_2011")
    for unit, row in split_units.items():
        left = (of_col == unit) & ~done
        if left.any():
            where = pd.Series(pop[left]).groupby(by_codes[left]).sum()
            raise DataError(f"{of} unit {unit} is split by {by}, but its LSOAs in "
                            f"{', '.join(f'{k} ({v:,} residents 2011)' for k, v in where.items())} have no row",
                            path=path, row=row)
    keys = sorted(set(codes))
    # the units each new unit is made from (members of 2023, by ODS code)
    made = pd.DataFrame({"new": codes, "old": ctx.column(base)}).drop_duplicates()
    made["old"] = made["old"].map(ods)
    members = made.groupby("new")["old"].agg(lambda s: " ".join(sorted(s)))
    attrs = pd.DataFrame({"status": pd.Series(status), "change_id": pd.Series(change), "gss_code": pd.Series(gss),
                          "confidence": pd.Series(conf), f"made_from_{base}": members, "source": pd.Series(source)}
                         ).reindex(keys)
    return Column(codes, pd.Series(names), pd.Series(ods), attrs=attrs)


#: Kind name -> function (``builder`` and ``lsoa_base`` are handled by the engine).
KIND_FUNCTIONS = {"lsoa_lookup": lsoa_lookup, "group": group, "regroup": regroup}
