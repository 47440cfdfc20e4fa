"""Resolving member tokens to units of one vintage: unit catalogue, lookups, suggestions, validation."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from difflib import get_close_matches
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from commissioning_atlas.footprints.read import (
    _CODE_OK,
    _NO,
    _YES,
    MAX_ORGANISATIONS,
    MAX_OVERLAP,
    MAX_UNITS_PER_ORGANISATION,
    _err,
    _tokens,
    _too_many,
)
from commissioning_atlas.footprints.sets import REQUIRED_COLUMNS, atom_layers, layer_labels, vintage_members

if TYPE_CHECKING:  # pragma: no cover
    pass


def unit_catalogue(lsoa: pd.DataFrame, layers: Mapping[str, pd.DataFrame] | None = None,
                   memo: Callable[[Hashable, Callable[[], Any]], Any] | None = None) -> pd.DataFrame:
    """Every unit a proposal may name, with its vintage and finest units.

    Parameters
    ----------
    lsoa : pandas.DataFrame
        The LSOA table with one code column per layer of :func:`.sets.member_layers` present.
    layers : mapping of layer id -> DataFrame, optional
        Layers with ``code``, ``name``, ``ods_code`` (and ``registered_population`` for ``ccg_2013``):
        names and ODS codes for suggestions and resolution. Without them only codes are known.
    memo : callable, optional
        ``memo(key, make)`` keeping each layer's units and atoms (:meth:`BuildContext.memo`); only for an LSOA
        table whose code columns are that context's own (:meth:`Atlas.lsoa_table`), which never change.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``ods_code``, ``layer``, ``vintage``, ``atoms`` (tuple of the PCT or CCG
        codes inside the unit), ``registered_population`` (CCGs only, else NaN).
    """
    layers = layers or {}
    frames = []
    factorized: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def codes_of(column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in factorized:
            factorized[column] = _factorize_codes(lsoa[column])
        return factorized[column]

    for vintage, member_layers in vintage_members().items():
        atom = atom_layers()[vintage]
        atom_column = "code" if atom == "lsoa_2011" else atom
        if atom_column not in lsoa.columns:
            continue
        for layer in member_layers:
            if layer not in lsoa.columns:
                continue
            def make(layer: str = layer, atom_column: str = atom_column) -> tuple[np.ndarray, list]:
                return _units_and_atoms(*codes_of(layer), *codes_of(atom_column))

            codes, atoms = memo(("footprints.units", layer, atom_column), make) if memo is not None else make()
            f = pd.DataFrame({"code": codes, "atoms": atoms})
            f["layer"], f["vintage"] = layer, vintage
            lay = layers.get(layer)
            if lay is not None and len(lay):
                idx = lay.set_index("code")
                f["name"] = idx["name"].reindex(f["code"]).fillna("").astype(str).to_numpy() if "name" in idx else ""
                f["ods_code"] = (idx["ods_code"].reindex(f["code"]).fillna("").astype(str).to_numpy()
                                 if "ods_code" in idx else "")
                f["registered_population"] = (idx["registered_population"].reindex(f["code"]).to_numpy(dtype=float)
                                              if "registered_population" in idx else np.nan)
            else:
                f["name"], f["ods_code"], f["registered_population"] = "", "", np.nan
            frames.append(f)
    cols = ["code", "name", "ods_code", "layer", "vintage", "atoms", "registered_population"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def _factorize_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Index of every LSOA's code (-1: none) into the sorted codes of a column (codes compare as text)."""
    vals = column.to_numpy(dtype=object).copy()
    na = pd.isna(vals)
    vals[~na] = pd.Series(vals[~na], dtype=object).astype(str).to_numpy()
    vals[na] = None
    k, uniq = pd.factorize(vals, sort=True)
    return k.astype(np.int64), np.asarray(uniq, dtype=object)


def _units_and_atoms(ku: np.ndarray, unit_codes: np.ndarray, ka: np.ndarray, atom_codes: np.ndarray,
                     ) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """The units of a layer holding LSOAs, in code order, each with its distinct atoms in code order.

    ``ku``, ``ka``: every LSOA's unit and atom as indices into ``unit_codes``, ``atom_codes`` (-1: none). One
    sort of integer keys (unit, atom), duplicates dropped, split where the unit changes."""
    n = max(len(atom_codes), 1)
    ok = (ku >= 0) & (ka >= 0)
    key = np.sort(ku[ok] * n + ka[ok])
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
    unit, atoms = key // n, atom_codes[key % n]
    if not len(unit):
        return np.zeros(0, dtype=object).astype(str), []
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
    return unit_codes[unit[starts]].astype(str), [tuple(c.tolist()) for c in np.split(atoms, starts[1:])]


def _lookup(units: pd.DataFrame, vintage: str | None = None) -> dict[str, int]:
    """Code or ODS code (upper case) -> row of ``units`` (of one vintage, if given)."""
    look: dict[str, int] = {}
    rows = range(len(units)) if vintage is None else np.flatnonzero(units["vintage"].to_numpy() == vintage)
    codes, ods = units["code"].to_numpy(), units["ods_code"].to_numpy()
    for i in rows:
        look.setdefault(str(codes[i]).upper(), int(i))
    for i in rows:
        o = str(ods[i]).strip().upper()
        if o and o not in look:
            look[o] = int(i)
    return look


def _set_vintage(df: pd.DataFrame, lookups: dict[str, dict[str, int]]) -> str:
    """A set's vintage: declared, else the latest whose units name every member and partner, else the one
    naming most of them (so the first unknown or other-vintage code is reported)."""
    declared = df.attrs.get("vintage")
    if declared:
        return declared
    cells = _cells(df)
    ordered = [t.upper() for i in range(len(df)) for c in ("members", "partners") if c in cells
               for t in _tokens(str(cells[c][i]))]
    toks = set(ordered)
    hits = {v: sum(t in look for t in toks) for v, look in lookups.items()}
    full = [v for v, n in hits.items() if n == len(toks)]
    if full:
        return full[-1]
    # no vintage names them all: the one naming most, ties to the vintage of the first code in the file
    first = next((v for t in ordered for v in reversed(list(lookups)) if t in lookups[v]), None)
    return max(hits, key=lambda v: (hits[v], v == first, v))


def _suggest(token: str, units: pd.DataFrame, look: Mapping[str, int]) -> str:
    keys = sorted(look)
    near = get_close_matches(token.upper(), keys, n=3, cutoff=0.5)
    names = {str(n).lower(): i for i, n in enumerate(units["name"]) if str(n)}
    near_names = get_close_matches(token.lower(), list(names), n=3, cutoff=0.6)
    out = [f"{k} ({units['name'].iat[look[k]] or layer_labels()[units['layer'].iat[look[k]]]})" for k in near]
    out += [f"{units['code'].iat[names[n]]} ({units['name'].iat[names[n]]})" for n in near_names
            if units["code"].iat[names[n]] not in near]
    return f"; did you mean {', '.join(out[:4])}?" if out else \
        ("; use PCT cluster codes CL01-CL50, PCT codes E16/E17 or ODS, CCG codes E38 or ODS (2013), ICB codes E54 or "
         "ODS, sub-ICB location codes E38 or ODS, council codes E06/E07/E08/E09/E10 (2022-26)")


def _cells(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every column of a proposal set as an object array: read once, as reading a column of the frame copies
    its ``attrs`` (the file's lines) each time."""
    return {c: df[c].to_numpy(dtype=object) for c in df.columns}


def _where(cells: Mapping[str, np.ndarray], i: int, default_path: Any) -> tuple[Any, Any]:
    """The file and row (with its line) of organisation ``i`` of a proposal set's :func:`_cells`."""
    path = cells["_path"][i] if "_path" in cells and pd.notna(cells["_path"][i]) else default_path
    row = cells["_row"][i] if "_row" in cells and pd.notna(cells["_row"][i]) else i + 1
    try:
        row = int(row)
    except (TypeError, ValueError):
        pass
    if "_line" in cells and pd.notna(cells["_line"][i]) and cells["_line"][i] != "":
        row = f"{row} (line {int(cells['_line'][i])})"
    return path, row


def _resolve(df: pd.DataFrame, path: Any, units: pd.DataFrame, exclusive: bool | None = None,
             ) -> tuple[list[list[int]], list[list[int]], str | None]:
    """Validate and resolve every organisation's members and partners to rows of ``units``."""
    lookups = {v: _lookup(units, v) for v in vintage_members()}
    set_vintage_id = _set_vintage(df, lookups)
    look = lookups[set_vintage_id]
    if exclusive is None:
        exclusive = bool(df.attrs.get("exclusive", True))
    for c in REQUIRED_COLUMNS:
        if c not in df.columns:
            raise _err(f"missing required column {c!r}", path, row="header", column=c)
    seen_codes: dict[str, Any] = {}
    claimed: dict[str, tuple[str, Any, str]] = {}  # atom -> (org code, row, via unit)
    members_out: list[list[int]] = []
    partners_out: list[list[int]] = []
    if len(df) > MAX_ORGANISATIONS:
        raise _too_many(len(df), path)
    # columns as arrays once: the loops below look up thousands of atoms (every LSOA of a council set)
    u_atoms, u_codes, u_layer = units["atoms"].to_numpy(), units["code"].to_numpy(), units["layer"].to_numpy()
    # England's finest units of the set's vintage (PCTs, CCGs or LSOAs): the atoms of its first member layer
    first = vintage_members()[set_vintage_id][0]
    n_atoms = {set_vintage_id: sum(len(a) for a, u, v in zip(u_atoms, u_layer, units["vintage"].to_numpy())
                                   if u == first and v == set_vintage_id)}
    held = 0  # memberships of the finest units in the whole set (partners in footprints included)
    cells = _cells(df)
    for i in range(len(df)):
        p, row = _where(cells, i, path)
        code = str(cells["code"][i]).strip()
        if not code:
            raise _err("empty organisation code", p, row, "code")
        if not _CODE_OK.match(code):
            raise _err(f"organisation code {code[:40]!r} must be 1-40 letters, digits, '_', '-' or '.'",
                       p, row, "code")
        if code in seen_codes:
            raise _err(f"duplicate organisation code {code!r} (first at row {seen_codes[code]})", p, row, "code")
        seen_codes[code] = row
        if not str(cells["name"][i]).strip():
            raise _err(f"organisation {code} has no name", p, row, "name")
        pif = str(cells["partners_in_footprint"][i]).strip().lower() if "partners_in_footprint" in cells else ""
        if pif not in _YES | _NO:
            raise _err(f"partners_in_footprint must be yes or no, not {pif[:20]!r}", p, row, "partners_in_footprint")
        resolved: dict[str, list[int]] = {}
        for column in ("members", "partners"):
            toks = _tokens(str(cells[column][i])) if column in cells else []
            if len(toks) > MAX_UNITS_PER_ORGANISATION:
                raise _err(f"too many unit codes ({len(toks):,}; at most {MAX_UNITS_PER_ORGANISATION:,} in one "
                           "organisation)", p, row, column)
            if column == "members" and not toks:
                raise _err(f"organisation {code} has no members (an empty organisation)", p, row, "members")
            idx: list[int] = []
            for t in toks:
                j = look.get(t.upper())
                if j is None:
                    where = df.attrs.get("unit_rows", {}).get(t.upper())  # a plan table: the unit's own row
                    if where is not None:
                        row, column = where, "unit_code"
                    other = next((v for v in reversed(list(lookups)) if t.upper() in lookups[v]), None)
                    if other is not None:
                        k = lookups[other][t.upper()]
                        example = next((x for c in ("members", "partners") if c in df.columns for v in df[c]
                                        for x in _tokens(str(v)) if x.upper() in look), "")
                        kinds = ", ".join(dict.fromkeys(layer_labels()[x] for x in vintage_members()[set_vintage_id]))
                        raise _err(f"mixed vintages: {t} is a {other} {layer_labels()[u_layer[k]]} but this "
                                   f"set's units are of {set_vintage_id} ({kinds}; e.g. {example}); a set uses units "
                                   "of one vintage", p, row, column)
                    raise _err(f"unknown unit code {t[:40]!r}{_suggest(t[:40], units, look)}", p, row, column)
                idx.append(j)
            resolved[column] = idx
        # a unit listed twice in one organisation (directly, or a PCT inside a listed cluster)
        own: dict[str, str] = {}
        for j in resolved["members"]:
            via, atoms = u_codes[j], u_atoms[j]
            if own.keys().isdisjoint(atoms) and len(set(atoms)) == len(atoms):  # no atom twice: all at once
                own.update(dict.fromkeys(atoms, via))
                continue
            for a in atoms:
                if a in own:
                    raise _err(f"{a} is listed twice in {code} (via {own[a]} and {via})", p, row, "members")
                own[a] = via
        for j in resolved["partners"]:
            hit = [a for a in u_atoms[j] if a in own]
            if hit:
                raise _err(f"partner {u_codes[j]} overlaps {code}'s own members ({hit[0]})", p, row, "partners")
        if exclusive:
            for a, via in (() if claimed.keys().isdisjoint(own) else own.items()):  # the first atom claimed before
                if a in claimed:
                    other, orow, ovia = claimed[a]
                    what = a if a == via else f"{a} (in {via})"
                    raise _err(f"unit claimed twice: {what} is already a member of {other} (row {orow}, via "
                               f"{ovia}); members must not overlap (a YAML scenario may set 'exclusive: false')",
                               p, row, "members")
            claimed.update(zip(own, zip(repeat(code), repeat(row), own.values())))
        held += len(own)
        if pif in _YES:
            held += sum(len(u_atoms[j]) for j in resolved["partners"])
        limit = MAX_OVERLAP * max(n_atoms.get(set_vintage_id, 0), 1)
        if held > limit:
            atom = layer_labels().get(atom_layers()[set_vintage_id], "LSOA")
            raise _err(f"organisations overlap too much: {held:,} {atom} memberships by this row, at most "
                       f"{limit:,} ({MAX_OVERLAP} times England's {n_atoms[set_vintage_id]:,} {atom}s)",
                       p, row, "members")
        members_out.append(resolved["members"])
        partners_out.append(resolved["partners"])
    return members_out, partners_out, (set_vintage_id if members_out else None)


def validate_proposals(df: pd.DataFrame, path: str | Path | None, units: pd.DataFrame,
                       exclusive: bool | None = None) -> None:
    """Check a proposal set; raise :class:`ScenarioError` naming file, row and column.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`read_proposals`.
    path : str or Path or None
        The file, for messages (rows read from a ``base`` file name that file instead).
    units : pandas.DataFrame
        From :func:`unit_catalogue`.
    exclusive : bool, optional
        Whether members of different organisations may not overlap; default from the file
        (``df.attrs["exclusive"]``, true unless a YAML scenario says ``exclusive: false``).

    Raises
    ------
    ScenarioError
        Missing column, empty or duplicate organisation code, empty organisation, unknown unit (with
        the nearest codes and names), mixed vintages, a unit claimed twice, bad yes/no value.
    """
    _resolve(df, path, units, exclusive)


def count_organisations(df: pd.DataFrame) -> int:
    """Count organisations as the reports do: every row except in-house arrangements."""
    status = df["status"].fillna("").astype(str).str.strip().str.lower() if "status" in df else pd.Series([], dtype=str)
    return int((~status.str.startswith("in-house")).sum()) if len(status) else len(df)


# --------------------------------------------------------------------------- footprints

def _membership_from_resolved(df: pd.DataFrame, lsoa: pd.DataFrame, units: pd.DataFrame,
                              members: list[list[int]], partners: list[list[int]],
                              include_partners: bool | None) -> pd.DataFrame:
    """``lsoa_code``, ``code``: the LSOAs of every organisation's units (partners where they count)."""
    u_layer, u_code = units["layer"].to_numpy(), units["code"].to_numpy()
    org, unit = [], []
    pif = df["partners_in_footprint"].to_numpy(dtype=object)
    for i in range(len(df)):
        flag = str(pif[i]).strip().lower() in _YES \
            if include_partners is None else include_partners
        idx = members[i] + (partners[i] if flag else [])
        org += [i] * len(idx)
        unit += idx
    org_codes = df["code"].astype(str).str.strip().to_numpy(dtype=object)
    org, unit = np.asarray(org, dtype=np.int64), np.asarray(unit, dtype=np.int64)
    lsoa_codes = lsoa["code"].to_numpy(dtype=object)
    parts_l, parts_c = [], []
    for layer in dict.fromkeys(u_layer[unit]):  # per member layer: every LSOA of every named unit at once
        sel = u_layer[unit] == layer
        column = pd.Series(lsoa[layer].to_numpy(dtype=object)).astype(str).to_numpy()
        rows_by_unit = pd.Series(np.arange(len(column))).groupby(column, sort=False).indices
        for o, u in zip(org[sel], unit[sel]):
            rows = rows_by_unit.get(str(u_code[u]))
            if rows is not None:
                parts_l.append(lsoa_codes[rows])
                parts_c.append(np.full(len(rows), org_codes[o], dtype=object))
    if not parts_l:
        return pd.DataFrame({"lsoa_code": pd.Series(dtype=object), "code": pd.Series(dtype=object)})
    out = pd.DataFrame({"lsoa_code": np.concatenate(parts_l), "code": np.concatenate(parts_c)}).drop_duplicates()
    return out.sort_values(["code", "lsoa_code"], kind="stable").reset_index(drop=True)


def footprint_membership(df: pd.DataFrame, lsoa: pd.DataFrame, units: pd.DataFrame | None = None,
                         include_partners: bool | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """Which LSOAs make each organisation's footprint.

    Parameters
    ----------
    df : pandas.DataFrame
        A proposal set (:func:`read_proposals`); it is validated first.
    lsoa : pandas.DataFrame
        LSOAs with ``code`` and the layer code columns.
    units : pandas.DataFrame, optional
        From :func:`unit_catalogue` (built from ``lsoa`` alone if omitted: codes only, no ODS codes).
    include_partners : bool, optional
        Override the per-row ``partners_in_footprint`` flag for every organisation.
    path : str or Path, optional
        For error messages.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``code``; an LSOA appears under several organisations where footprints overlap.
    """
    units = unit_catalogue(lsoa) if units is None else units
    members, partners, _ = _resolve(df, path or df.attrs.get("path"), units)
    return _membership_from_resolved(df, lsoa, units, members, partners, include_partners)
