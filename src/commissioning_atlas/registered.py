"""Registered patients of 1 May 2022 on the layers made of GP practices (the basis of published ICB sizes).

Residents (Census 2021) are summed over LSOAs; registered patients are not per LSOA: they are summed over GP
practices (:mod:`commissioning_atlas.sources.practices`). The sub-ICB locations of July 2022 are made of
practices, so they hold their practices' patients exactly; the CCGs of 2021 hold their May 2022 practices'. A
later layer made of those locations (the ICBs of 2022 and 2023, the 2025 clusters, the ICBs of 2026, the 2027
proposals) takes each location whole where at least ``1 - share`` of its residents lie in one of its units:
a boundary change that moved a few LSOAs' residents (Chichester, April 2023) moved no practice. A location
split further (Frimley, April 2026) is apportioned by its residents, with largest-remainder rounding, and the
units that took part of one are marked ``registered_2022_apportioned``. A footprint set or a scenario whose
members are all units of those layers (a plan drawn over the 2026 sub-ICB locations) holds the sum of its
members' patients.

Registered patients are counted per practice, not per LSOA: they are a figure of whole units (the ``size``
rule, a layer's figures, the planner's groups) and of pairs of practice-built units (a crosswalk), never of a
part of a unit cut by LSOAs (a council split, a region crossing), which would need an apportionment of
patients over LSOAs that no published figure supports.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from commissioning_atlas import registry
from commissioning_atlas.core.rounding import largest_remainder

#: The layers registered patients of May 2022 are held on (units made of 2022 practices or their locations),
#: declared in ``data/populations.toml``.
PRACTICE_LAYERS = registry.practice_layers()
#: The basis's name in every output that shows it.
BASIS = "registered_2022"
TITLE = "GP registered patients, 1 May 2022 (NHS Digital practice lists; July 2022 moves applied)"
#: A location with at least this share of its residents in one unit counts wholly there.
WHOLE_SHARE = 0.98
#: The basis as a sentence or a bracket names it.
WORDS = "registered patients, May 2022"


def _members(atlas: Any, layer_id: str, frame: pd.DataFrame | None = None) -> list[list[tuple[str, str]]] | None:
    """Each unit's members as (layer, code) of its vintage's practice-built member layers, in the layer's row
    order; None when ``layer_id`` is not a footprint set or scenario, or a member is not such a unit.

    ``frame`` is the layer's frame where the caller has it (while its figures are being added)."""
    from commissioning_atlas.registry import member_vintages

    if layer_id in registry.registry():
        return None
    frame = atlas.layer(layer_id) if frame is None else frame
    vintages = member_vintages()
    vintage = str(frame.attrs.get("vintage") or "")
    held = [lid for lid in vintages[vintage].members if lid in PRACTICE_LAYERS] if vintage in vintages else []
    if "members" not in frame.columns or not held:
        return None
    look: dict[str, tuple[str, str]] = {}
    for lid in held:  # the vintage's order: its usual member layer first
        lay = atlas.layer(lid)
        for c, o in zip(lay["code"].astype(str), lay["ods_code"].fillna("").astype(str)):
            look.setdefault(c.upper(), (lid, c))
            if o:
                look.setdefault(o.upper(), (lid, c))
    out = []
    for members in frame["members"].fillna("").astype(str):
        tokens = members.replace(",", " ").replace(";", " ").split()
        if not tokens or any(t.upper() not in look for t in tokens):
            return None
        out.append([look[t.upper()] for t in tokens])
    return out


def holds(atlas: Any, layer_id: str) -> bool:
    """Whether registered patients of May 2022 are held on ``layer_id``: a layer made of practices
    (:data:`PRACTICE_LAYERS`), or a footprint set or scenario whose members are all units of such layers."""
    if layer_id in PRACTICE_LAYERS:
        return True
    try:
        return _members(atlas, layer_id) is not None
    except Exception:  # noqa: BLE001 - a layer that cannot say its members does not hold the figure
        return False


def where_held() -> str:
    """The layers that hold the basis, as a refusal names them."""
    return (f"{', '.join(PRACTICE_LAYERS)} (the layers made of GP practices, data/populations.toml) and plans "
            "or footprint sets whose members are all units of those")


def not_held(layer_id: str, what: str = "") -> str:
    """One line: ``layer_id`` does not hold registered patients, and which layers do."""
    return (f"--population {BASIS}: {layer_id} does not hold registered patients of May 2022{what}; they are "
            f"held on {where_held()}")


def not_per_lsoa(rule: str) -> str:
    """One line: a rule that counts parts of units cut by LSOAs cannot count registered patients."""
    return (f"--population {BASIS}: rule {rule!r} counts the people in parts of units cut by LSOAs, and registered "
            "patients are counted per GP practice, not per LSOA (no published figure apportions them over LSOAs, "
            "and the tool does not invent one); run it on residents (e.g. --population census_2021), or run the "
            "size rule, which reads whole units' registered patients")


def practices(atlas: Any) -> tuple[pd.DataFrame, dict]:
    """The May 2022 practices with their sub-ICB location of July 2022 (read once per atlas)."""
    from commissioning_atlas.sources.practices import practices_july_2022, read_patients_2022, read_practice_map

    def make():
        sicbl = atlas.unit_table("sicbl_2022")  # not atlas.layer: its registered figures are made from this table
        icb = pd.Series(atlas.column("icb_2022"), index=atlas.column("sicbl_2022")).groupby(level=0).first()
        icb_of = pd.Series(icb.reindex(sicbl["code"]).to_numpy(), index=sicbl["ods_code"].astype(str).to_numpy())
        pts = read_patients_2022(atlas.ctx.path("gp_patients_2022"))
        return practices_july_2022(pts, read_practice_map(atlas.ctx.path("gp_practice_map_2025")), icb_of)

    return atlas.derived(("registered", "practices_2022"), make)


def registered_2022(atlas: Any, layer_id: str) -> pd.DataFrame:
    """Registered patients of 1 May 2022 of every unit of a practice-built layer.

    Returns
    -------
    pandas.DataFrame
        Indexed by unit code: ``registered_2022`` (int64) and ``registered_2022_apportioned`` (bool: part of
        a location split between units was apportioned by residents).

    Raises
    ------
    KeyError
        For a layer not in :data:`PRACTICE_LAYERS`.
    """
    frame = atlas.layer(layer_id)
    members = _members(atlas, layer_id, frame)
    if members is not None:  # a union of held units: the sum of its members' figures
        figs = {lid: atlas.layer(lid) for lid in {m[0] for ms in members for m in ms}}
        fig = {lid: dict(zip(f["code"].astype(str), f["registered_2022"])) for lid, f in figs.items()}
        split = {lid: set(f.attrs.get("registered_2022_apportioned", ())) for lid, f in figs.items()}
        return pd.DataFrame({
            "registered_2022": np.array([sum(int(fig[lid][c]) for lid, c in ms) for ms in members], dtype=np.int64),
            "registered_2022_apportioned": [any(c in split[lid] for lid, c in ms) for ms in members]},
            index=frame["code"].astype(str).to_numpy())
    if layer_id not in PRACTICE_LAYERS:
        raise KeyError(not_held(layer_id))
    codes = frame["code"].astype(str)
    pieces = _pieces(atlas, layer_id)
    total = pieces.groupby("unit")["patients"].sum()
    apportioned = set(pieces.loc[pieces["split"], "unit"])
    return pd.DataFrame({"registered_2022": total.reindex(codes).fillna(0).astype("int64").to_numpy(),
                         "registered_2022_apportioned": codes.isin(apportioned).to_numpy()}, index=codes.to_numpy())


def _per_sicbl(atlas: Any) -> pd.Series:
    """Patients of each sub-ICB location of July 2022, by its GSS code."""
    prac, _ = practices(atlas)
    sicbl = atlas.unit_table("sicbl_2022")
    by_ods = prac.groupby("sicbl_ods")["patients"].sum()
    return pd.Series(by_ods.reindex(sicbl["ods_code"].astype(str)).fillna(0).astype("int64").to_numpy(),
                     index=sicbl["code"].astype(str).to_numpy())


def _pieces(atlas: Any, layer_id: str) -> pd.DataFrame:
    """The patients of a practice-built layer piece by piece: ``source`` (a practice's CCG code for
    ``ccg_2021``, else a sub-ICB location of July 2022), ``unit``, ``patients`` (int64) and ``split`` (the piece
    is part of a location apportioned by residents)."""
    def make() -> pd.DataFrame:
        if layer_id == "ccg_2021":
            got = practices(atlas)[0].groupby("ccg_gss")["patients"].sum()
            return pd.DataFrame({"source": got.index.astype(str), "unit": got.index.astype(str),
                                 "patients": got.to_numpy(dtype=np.int64), "split": False})
        per_sicbl = _per_sicbl(atlas)
        if layer_id == "sicbl_2022":
            return pd.DataFrame({"source": per_sicbl.index, "unit": per_sicbl.index,
                                 "patients": per_sicbl.to_numpy(dtype=np.int64), "split": False})
        from commissioning_atlas.checks import crosstab

        parts = crosstab(atlas, "sicbl_2022", layer_id)
        parts = parts[parts["against_code"] != ""].sort_values(["subject_code", "population", "against_code"],
                                                                ascending=[True, False, True], kind="stable")
        top = parts.groupby("subject_code")["share_population"].transform("max").to_numpy()
        # a location held (almost) whole by one unit goes there whole (its first, largest part); a split one is
        # apportioned over all its parts by residents
        keep = ~parts["subject_code"].duplicated().to_numpy() | (top < WHOLE_SHARE)
        parts, split = parts[keep], (top < WHOLE_SHARE)[keep]
        group, sub = pd.factorize(parts["subject_code"])
        weights = np.where(split, parts["population"].to_numpy(dtype=np.int64), 1)
        got = largest_remainder(group, weights, per_sicbl.reindex(sub).to_numpy(dtype=np.int64))
        return pd.DataFrame({"source": parts["subject_code"].astype(str).to_numpy(),
                             "unit": parts["against_code"].astype(str).to_numpy(), "patients": got, "split": split})

    return atlas.derived(("registered", "pieces", layer_id), make)


def _shares(atlas: Any, layer_id: str) -> pd.DataFrame:
    """Each practice's share in each unit of a layer holding the basis: ``practice``, ``unit``, ``share``
    (a practice of a location split between units is shared by the pieces' patients)."""
    prac, _ = practices(atlas)
    frame = atlas.layer(layer_id)
    members = _members(atlas, layer_id, frame)
    if members is not None:  # each member unit's practices, under the set's unit
        rows = [(lid, c, unit) for unit, ms in zip(frame["code"].astype(str), members) for lid, c in ms]
        out = []
        for lid in sorted({r[0] for r in rows}):
            sub = _shares(atlas, lid)
            mine = pd.DataFrame([(c, u) for m, c, u in rows if m == lid], columns=["unit", "set_unit"])
            out.append(sub.merge(mine, on="unit")[["practice", "set_unit", "share"]].rename(columns={"set_unit": "unit"}))
        return pd.concat(out, ignore_index=True)
    if layer_id == "ccg_2021":
        return pd.DataFrame({"practice": prac["practice"].astype(str).to_numpy(),
                             "unit": prac["ccg_gss"].astype(str).to_numpy(), "share": 1.0})
    pieces = _pieces(atlas, layer_id)
    sicbl = atlas.unit_table("sicbl_2022")
    gss = dict(zip(sicbl["ods_code"].astype(str), sicbl["code"].astype(str)))
    of = pd.DataFrame({"practice": prac["practice"].astype(str).to_numpy(),
                       "source": prac["sicbl_ods"].astype(str).map(gss).to_numpy()})
    whole = pieces.groupby("source")["patients"].transform("sum").to_numpy(dtype=float)
    pieces = pieces.assign(share=np.where(whole > 0, pieces["patients"] / np.where(whole > 0, whole, 1), 0.0))
    return of.merge(pieces[["source", "unit", "share"]], on="source")[["practice", "unit", "share"]]


def pairs(atlas: Any, from_id: str, to_id: str) -> pd.DataFrame:
    """Registered patients of May 2022 of every (FROM unit, TO unit) pair of two layers holding the basis,
    practice by practice: ``from_code``, ``to_code``, ``patients`` (int64; each FROM unit's pairs sum to its
    figure, :func:`registered_2022`), ``apportioned`` (a practice of a split location is shared by residents).

    Raises
    ------
    KeyError
        Where either layer does not hold the basis (:func:`not_held`).
    """
    for lid in (from_id, to_id):
        if not holds(atlas, lid):
            raise KeyError(not_held(lid))
    prac, _ = practices(atlas)
    patients = pd.Series(prac["patients"].to_numpy(dtype=float),
                         index=prac["practice"].astype(str).to_numpy().astype(str))
    f, t = _shares(atlas, from_id), _shares(atlas, to_id)
    m = f.merge(t, on="practice", suffixes=("_f", "_t"))
    m["w"] = patients.reindex(m["practice"]).to_numpy() * m["share_f"].to_numpy() * m["share_t"].to_numpy()
    m["part"] = (m["share_f"] < 1) | (m["share_t"] < 1)
    g = m.groupby(["unit_f", "unit_t"], sort=True).agg(w=("w", "sum"), apportioned=("part", "any")).reset_index()
    fig = atlas.layer(from_id).set_index(atlas.layer(from_id)["code"].astype(str))["registered_2022"]
    group, fcodes = pd.factorize(g["unit_f"], sort=True)
    # integer patients per pair: each FROM unit's own figure split by the pairs' exact shares (milli-patients)
    got = largest_remainder(group, np.rint(g["w"].to_numpy() * 1000).astype(np.int64),
                            fig.reindex(fcodes).fillna(0).to_numpy(dtype=np.int64))
    return pd.DataFrame({"from_code": g["unit_f"].to_numpy(), "to_code": g["unit_t"].to_numpy(),
                         "patients": got.astype(np.int64), "apportioned": g["apportioned"].to_numpy()})
