"""GP practices of 2022: the patients registered at each, and the sub-ICB location of July 2022 it belonged to.

Published ICB sizes are counts of the patients registered with the ICB's practices, not residents. NHS Digital's
list of 1 May 2022 gives every practice's patients and its CCG of April 2021; the sub-ICB locations of July 2022
are those CCGs after the 2021 boundary review, which moved some practices to a location of another ICB (West
Birmingham, Glossop, Oundle). NHS England's practice map of 1 October 2025 records where each practice then was:
a practice whose 2025 location lies in another ICB of July 2022 than its May 2022 CCG moved with the review, and
takes that location; a move within one ICB (Vale of York into North Yorkshire) came later and is not applied.
Practices closed or merged by 2025 keep their May 2022 CCG.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from commissioning_atlas._errors import DataError
from commissioning_atlas.sources.readers import read_table


def read_patients_2022(path: str | Path) -> pd.DataFrame:
    """Patients registered at each practice (NHS Digital ``gp-reg-pat-prac-all``, one ALL/ALL row per practice).

    Returns
    -------
    pandas.DataFrame
        ``practice``, ``ccg_ods``, ``ccg_gss``, ``patients`` (int64), one row per practice.
    """
    cols = ["TYPE", "CCG_CODE", "ONS_CCG_CODE", "CODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"]
    df = read_table(path, required=cols)
    df = df[(df["SEX"] == "ALL") & (df["AGE"] == "ALL")]
    n = pd.to_numeric(df["NUMBER_OF_PATIENTS"], errors="coerce")
    if n.isna().any() or (n < 0).any():
        i = int(df.index[np.flatnonzero((n.isna() | (n < 0)).to_numpy())[0]])
        raise DataError(f"patients {df.loc[i, 'NUMBER_OF_PATIENTS']!r} is not a count", path=path, row=i + 2,
                        column="NUMBER_OF_PATIENTS")
    dup = df["CODE"].duplicated()
    if dup.any():
        i = int(df.index[np.flatnonzero(dup.to_numpy())[0]])
        raise DataError(f"practice {df.loc[i, 'CODE']} is listed twice", path=path, row=i + 2, column="CODE")
    return pd.DataFrame({"practice": df["CODE"].to_numpy(), "ccg_ods": df["CCG_CODE"].to_numpy(),
                         "ccg_gss": df["ONS_CCG_CODE"].to_numpy(), "patients": n.astype("int64").to_numpy()})


def read_practice_map(path: str | Path) -> pd.Series:
    """Practice -> sub-ICB location (ODS code) of an NHS ``gp-reg-pat-prac-map`` file."""
    df = read_table(path, required=["PRACTICE_CODE", "SUB_ICB_LOCATION_CODE"])
    dup = df["PRACTICE_CODE"].duplicated()
    if dup.any():
        i = int(df.index[np.flatnonzero(dup.to_numpy())[0]])
        raise DataError(f"practice {df.loc[i, 'PRACTICE_CODE']} is listed twice", path=path, row=i + 2,
                        column="PRACTICE_CODE")
    return df.set_index("PRACTICE_CODE")["SUB_ICB_LOCATION_CODE"]


def practices_july_2022(patients: pd.DataFrame, map_2025: pd.Series, icb_of: pd.Series) -> tuple[pd.DataFrame, dict]:
    """Each May 2022 practice with its sub-ICB location of July 2022 (ODS code).

    Parameters
    ----------
    patients : pandas.DataFrame
        From :func:`read_patients_2022`.
    map_2025 : pandas.Series
        Practice -> sub-ICB location of October 2025 (:func:`read_practice_map`).
    icb_of : pandas.Series
        Sub-ICB location of July 2022 (ODS code) -> its ICB of July 2022.

    Returns
    -------
    practices : pandas.DataFrame
        ``patients`` columns plus ``sicbl_ods`` (July 2022) and ``moved`` (bool).
    report : dict
        The moves by (CCG, location): practices and patients; practices not in the 2025 map.
    """
    unknown = sorted(set(patients["ccg_ods"]) - set(icb_of.index))
    if unknown:
        raise DataError(f"CCG {unknown[0]} of the May 2022 practice list is no sub-ICB location of July 2022")
    later = map_2025.reindex(patients["practice"].to_numpy()).to_numpy(dtype=object)
    known = pd.notna(later) & pd.Series(later).isin(icb_of.index).to_numpy()
    other_icb = np.zeros(len(patients), dtype=bool)
    other_icb[known] = (icb_of.reindex(later[known]).to_numpy() != icb_of.reindex(patients["ccg_ods"].to_numpy()[known]).to_numpy())
    out = patients.copy()
    out["sicbl_ods"] = np.where(other_icb, later, patients["ccg_ods"].to_numpy())
    out["moved"] = other_icb
    moves = (out[other_icb].groupby(["ccg_ods", "sicbl_ods"])["patients"].agg(["size", "sum"]).reset_index())
    gone = ~pd.notna(later)
    report = {"practices": int(len(out)), "patients": int(out["patients"].sum()),
              "moved_between_icbs": [{"from": str(r.ccg_ods), "to": str(r.sicbl_ods), "practices": int(r.size),
                                      "patients": int(r.sum)} for r in moves.itertuples()],
              "not_in_2025_map": {"practices": int(gone.sum()), "patients": int(out.loc[gone, "patients"].sum())}}
    return out, report
