"""GP practices of May 2022: reading the lists and the July 2022 moves (small fixtures)."""

from __future__ import annotations

import pandas as pd
import pytest

from commissioning_atlas._errors import DataError
from commissioning_atlas.sources.practices import practices_july_2022, read_patients_2022, read_practice_map

HEAD = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"


def _list(tmp_path, rows: str):
    p = tmp_path / "gp.csv"
    p.write_text(HEAD + rows, encoding="utf-8")
    return p


def test_reads_one_all_row_per_practice(tmp_path):
    p = _list(tmp_path, "X,01May2022,GP,AAA,E1,P1,Z,ALL,ALL,100\nX,01May2022,GP,AAA,E1,P1,Z,MALE,ALL,40\n"
                        "X,01May2022,GP,BBB,E2,P2,Z,ALL,ALL,50\n")
    got = read_patients_2022(p)
    assert list(got["practice"]) == ["P1", "P2"] and list(got["patients"]) == [100, 50]


@pytest.mark.parametrize("rows, words", [
    ("X,01May2022,GP,AAA,E1,P1,Z,ALL,ALL,many\n", "row 2.*'many' is not a count"),
    ("X,01May2022,GP,AAA,E1,P1,Z,ALL,ALL,1\nX,01May2022,GP,AAA,E1,P1,Z,ALL,ALL,2\n", "row 3.*P1 is listed twice")])
def test_bad_rows_name_their_row(tmp_path, rows, words):
    with pytest.raises(DataError, match=words):
        read_patients_2022(_list(tmp_path, rows))


def test_only_moves_between_icbs_are_the_july_2022_moves(tmp_path):
    patients = pd.DataFrame({"practice": ["P1", "P2", "P3", "P4"], "ccg_ods": ["A", "A", "B", "C"],
                             "ccg_gss": ["E1", "E1", "E2", "E3"], "patients": [10, 20, 30, 40]})
    icb_of = pd.Series({"A": "I1", "B": "I1", "C": "I2"})
    # P1 went to B (same ICB: a later change, not applied), P2 to C (another ICB: moved), P4 closed since
    map_2025 = pd.Series({"P1": "B", "P2": "C", "P3": "B"})
    got, report = practices_july_2022(patients, map_2025, icb_of)
    assert list(got["sicbl_ods"]) == ["A", "C", "B", "C"] and list(got["moved"]) == [False, True, False, False]
    assert report["moved_between_icbs"] == [{"from": "A", "to": "C", "practices": 1, "patients": 20}]
    assert report["not_in_2025_map"] == {"practices": 1, "patients": 40}
    with pytest.raises(DataError, match="CCG Q of the May 2022 practice list"):
        practices_july_2022(patients.assign(ccg_ods=["Q", "A", "B", "C"]), map_2025, icb_of)


def test_practice_map_names_a_duplicate(tmp_path):
    p = tmp_path / "map.csv"
    p.write_text("PRACTICE_CODE,SUB_ICB_LOCATION_CODE\nP1,A\nP1,B\n", encoding="utf-8")
    with pytest.raises(DataError, match="P1 is listed twice"):
        read_practice_map(p)
