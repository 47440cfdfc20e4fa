"""Registered patients of May 2022 as a basis the commands read (``--population registered_2022``): the size
rule of the layers that hold them, a crosswalk of two such layers practice by practice, and one line where a
layer or a rule cannot count them. (The planner's size rule on them: test_planner, on its written pages.)"""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from commissioning_atlas import cli

ICB_2026_SIZE = ["check", "--preset", "icb-2026-size", "--population", "registered_2022"]


def _run(mirror, argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv[:1] + ["--mirror", str(mirror), "--quiet"] + argv[1:])
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.mark.integration
def test_icb_2026_size_in_registered_patients_flags_by_the_published_sizes(atlas, mirror, capsys):
    code, out, _ = _run(mirror, ICB_2026_SIZE + ["--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["population_basis"] == "registered_2022"
    got = {f["subject_code"]: f["population"] for f in doc["findings"]}
    assert {f["population_basis"] for f in doc["findings"]} == {"registered_2022"}
    assert all(f["note"].startswith("population basis: GP registered patients, 1 May 2022") for f in doc["findings"])
    # the bodies flagged are exactly those under 1,000,000 patients on their practices' lists
    icb = atlas.layer("icb_2026").set_index("code")
    assert got == {c: int(v) for c, v in icb["registered_2022"].items() if v < 1_000_000}
    # Shropshire, Telford and Wrekin: published 519,648 patients, flagged with its own figure (within 0.2%)
    assert abs(got["E54000011"] - 519_648) <= 0.002 * 519_648
    # Bristol, North Somerset and South Gloucestershire: published 1,059,770 patients, so not under the floor,
    # though its 979,612 residents are; the residents' run flags it
    assert "E54000039" not in got and icb.loc["E54000039", "population"] < 1_000_000
    code, out, _ = _run(mirror, ["check", "--preset", "icb-2026-size", "--format", "json"], capsys)
    residents = {f["subject_code"] for f in json.loads(out)["findings"]}
    assert "E54000039" in residents and set(got) < residents
    # the table names the basis in its header
    code, out, _ = _run(mirror, ICB_2026_SIZE, capsys)
    assert "# population: GP registered patients, 1 May 2022 (registered_2022), held on the layers made of GP " \
           "practices" in out


@pytest.mark.integration
def test_the_page_headline_names_registered_patients(atlas):
    from commissioning_atlas.maps.headline import page_finding

    reg = dataclasses.replace(atlas, basis="registered_2022")
    findings = reg.check("merger-2027-size", geometry=False)
    sentence = page_finding(reg, findings, findings.attrs["meta"])["sentence"]
    # no proposal of 2027 is under 1,000,000 patients, and the sentence says so on that basis
    assert (reg.layer("icb_merger_2027")["registered_2022"] >= 1_000_000).all()
    assert sentence.startswith("None of the ") and "under 1,000,000 registered patients (GP lists, 1 May 2022)" in sentence
    findings = reg.check("icb-2026-size", geometry=False)
    sentence = page_finding(reg, findings, findings.attrs["meta"])["sentence"]
    n = int((reg.layer("icb_2026")["registered_2022"] < 1_000_000).sum())
    assert sentence.startswith(f"{n} of the 36 ICBs") and "under 1,000,000 registered patients (GP lists, 1 May 2022)" \
        in sentence
    assert atlas.check("merger-2027-size", geometry=False).attrs["meta"]["population_basis"] == "census_2021"


@pytest.mark.integration
@pytest.mark.parametrize("argv, words", [
    (["check", "--preset", "ccg-size"], ["ccg_2013 does not hold registered patients of May 2022",
                                         "held on ccg_2021, sicbl_2022, icb_2022"]),
    (["check", "--preset", "icb-2026-vs-councils"], ["rule 'splits'", "not per LSOA", "does not invent one"]),
    (["check", "--subject", "icb_2026", "--against", "icb_2022", "--rule", "crosses"], ["rule 'crosses'"]),
    (["crosswalk", "icb_2026", "utla_2023"], ["utla_2023 does not hold registered patients",
                                              "both layers must hold them"]),
    (["layers"], ["not per LSOA", "read by check (size), crosswalk and plan"]),
])
def test_where_registered_patients_are_not_held_one_line(mirror, argv, words, capsys):
    code, out, err = _run(mirror, argv + ["--population", "registered_2022"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert all(w in err for w in words), err


@pytest.mark.integration
def test_crosswalk_weighted_by_registered_patients_practice_by_practice(atlas, mirror, tmp_path, capsys):
    from commissioning_atlas.registered import practices

    out = tmp_path / "cw.csv"
    code, _, _ = _run(mirror, ["crosswalk", "ccg_2021", "icb_2022", "--population", "registered_2022", "-o", str(out)],
                      capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["basis"] for r in rows} == {"registered_2022"}
    pairs = {(r["from_code"], r["to_code"]): int(r["population"]) for r in rows if int(r["population"])}
    # expected: each practice's patients from its CCG of May 2022 to the ICB of its sub-ICB location of July 2022
    prac = practices(atlas)[0]
    sicbl = atlas.layer("sicbl_2022")
    icb_of_lsoa = dict(zip(atlas.column("sicbl_2022"), atlas.column("icb_2022")))
    icb_of = {o: icb_of_lsoa[c] for o, c in zip(sicbl["ods_code"].astype(str), sicbl["code"].astype(str))}
    want = prac.assign(icb=prac["sicbl_ods"].map(icb_of)).groupby(["ccg_gss", "icb"])["patients"].sum()
    assert pairs == {k: int(v) for k, v in want.items()}
    # the July 2022 moves are pairs of their own: Oundle's practices of Cambridgeshire and Peterborough CCG
    assert pairs[("E38000026", "E54000059")] == int(prac.loc[(prac["ccg_gss"] == "E38000026") & prac["moved"],
                                                             "patients"].sum()) > 0
    # totals are each layer's own figures
    assert sum(pairs.values()) == int(atlas.layer("icb_2022")["registered_2022"].sum()) == 61_654_788


@pytest.mark.integration
def test_crosswalk_shares_a_split_location_by_residents_and_says_so(atlas):
    cw = atlas.crosswalk("icb_2022", "icb_2026", population="registered_2022")
    frimley = cw[(cw["from_code"] == "E54000034") & (cw["population"] > 0)]
    assert len(frimley) == 3 and frimley["population"].sum() == \
        int(atlas.layer("icb_2022").set_index("code").loc["E54000034", "registered_2022"])
    assert sorted(frimley["to_code"]) == atlas.layer("icb_2026").attrs["registered_2022_apportioned"]
    assert "3 pairs hold patients of a sub-ICB location split between units, apportioned by its residents" in \
        cw.attrs["meta"]["statement"]
