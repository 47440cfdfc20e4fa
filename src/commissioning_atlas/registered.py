"""Registered patients of 1 May 2022 on the layers made of GP practices (the basis of published ICB sizes).

Residents (Census 2021) are summed over LSOAs; registered patients are not per LSOA: they are summed over GP
practices (:mod:`commissioning_atlas.sources.practices`). The sub-ICB locations of July 2022 are made of
practices, so they hold their practices' patients exactly; the CCGs of 2021 hold their May 2022 practices'. A
later layer made of those locations (the ICBs of 2022 and 2023, the 2025 clusters, the ICBs of 2026, the 2027
proposals) takes each location whole where at least ``1 - share`` of its residents lie in one of its units:
a boundary change that moved a few LSOAs' residents (Chichester, April 2023) moved no practice. A location
split further (Frimley, April 2026) is apportioned by its residents, with largest-remainder rounding, and the
units that took part of one are marked ``registered_2022_apportioned``.
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


def practices(atlas: Any) -> tuple[pd.DataFrame, dict]:
    """The May 2022 practices with their sub-ICB location of July 2022 (read once per atlas)."""
    from commissioning_atlas.sources.practices import practices_july_2022, read_patients_2022, read_practice_map

    def make():
        sicbl = atlas.layer("sicbl_2022")
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
    if layer_id not in PRACTICE_LAYERS:
        raise KeyError(f"registered patients of May 2022 are held on {', '.join(PRACTICE_LAYERS)}, not {layer_id}")
    prac, _ = practices(atlas)
    codes = atlas.layer(layer_id)["code"].astype(str)
    if layer_id == "ccg_2021":
        got = prac.groupby("ccg_gss")["patients"].sum()
        return pd.DataFrame({"registered_2022": got.reindex(codes).fillna(0).astype("int64").to_numpy(),
                             "registered_2022_apportioned": False}, index=codes.to_numpy())
    sicbl = atlas.layer("sicbl_2022")
    by_ods = prac.groupby("sicbl_ods")["patients"].sum()
    per_sicbl = pd.Series(by_ods.reindex(sicbl["ods_code"].astype(str)).fillna(0).astype("int64").to_numpy(),
                          index=sicbl["code"].astype(str).to_numpy())
    if layer_id == "sicbl_2022":
        return pd.DataFrame({"registered_2022": per_sicbl.reindex(codes).to_numpy(),
                             "registered_2022_apportioned": False}, index=codes.to_numpy())
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
    total = pd.Series(got, index=parts["against_code"].to_numpy()).groupby(level=0).sum()
    apportioned = set(parts.loc[split, "against_code"])
    return pd.DataFrame({"registered_2022": total.reindex(codes).fillna(0).astype("int64").to_numpy(),
                         "registered_2022_apportioned": codes.isin(apportioned).to_numpy()}, index=codes.to_numpy())
