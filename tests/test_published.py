"""Published figures and boundaries of 2013-2026, reproduced on the real data."""

from __future__ import annotations

import pytest

from commissioning_atlas.checks import run_preset

pytestmark = pytest.mark.integration


def test_april_2023_transfer_moves_north_chichester_to_sussex(atlas):
    atlas.layer("sicbl_2023"), atlas.layer("icb_2023")
    moved = atlas.report["sicbl_2023"]["lsoa21_moves"]
    # the four LSOAs the April 2024 lookup (same sets as April 2023) places in Sussex: Chichester 001A-D
    assert moved["lsoas_moved"] == 4 and moved["residents_2011_moved"] == 6740
    lsoa = atlas.lsoa.set_index("code")
    assert {lsoa.loc[m["lsoa"], "name"][:-1] for m in moved["moved"]} == {"Chichester 001"}
    assert atlas.report["icb_2023"]["april_2024_lookup"]["lsoas_differing"] == 0
    findings, meta = run_preset(atlas, "icb-2023-changes", geometry=False)
    assert meta["population_basis"] == "census_2021"
    left = findings[findings["class"] == "moved"]
    assert len(left) == 1
    row = left.iloc[0]
    assert (row["against_code"], row["subject_code"]) == ("E54000052", "E54000064")  # Surrey Heartlands -> Sussex
    assert 6_500 < row["population"] < 7_000
    # everything else of the two ICBs was recoded, not moved; no other ICB changed
    assert set(findings["class"]) == {"moved", "recoded"} and len(findings) == 3


def test_north_east_hampshire_and_farnham_is_in_wessex_as_published(atlas):
    teams = atlas.layer("nhs_area_team_2013").set_index("code")
    ccg = atlas.layer("ccg_2013").set_index("code")
    assert teams.loc[ccg.loc["E38000118", "nhs_area_team_code"], "name"] == "Wessex"
    lsoa_team = dict(zip(atlas.column("ccg_2013"), atlas.column("nhs_area_team_2013")))
    assert lsoa_team["E38000118"] == "E39000025"
    report = atlas.report["nhs_area_team_2013"]["nhs_area_team_2013"]
    # the GP lists alone would put it in Surrey and Sussex: the build report lists the disagreement
    assert report["lookup_overrides_inference"] == [
        {"ccg": "E38000118", "name": "NHS North East Hampshire and Farnham", "ons_lookup": "E39000025",
         "gp_list_majority": "E39000023"}]
    # only London's one ONS team is split (into three) by the GP lists; every other CCG is where ONS puts it
    assert report["ons_teams_split"] == ["E39000018"] and report["ccgs_whose_team_differs_from_ons_25_team_lookup"] == 0


def test_sicbl_2026_takes_the_three_new_codes_with_the_published_shares(atlas):
    import csv

    from commissioning_atlas import settings

    s26 = atlas.layer("sicbl_2026", population="census_2021").set_index("code")
    assert len(s26) == 106
    new = {"E38000266", "E38000267", "E38000268"}
    assert new <= set(s26.index) and not {"E38000252", "E38000253", "E38000264"} & set(s26.index)
    # each new location lies in one 2026 ICB (nesting is checked on build): Hampshire and Isle of Wight,
    # Surrey and Sussex, Thames Valley
    icb = dict(zip(atlas.column("sicbl_2026"), atlas.column("icb_2026")))
    assert [icb[c] for c in sorted(new)] == ["QRL", "S9B9J", "S0E4D"]
    # Frimley's people split as the crosswalk says (its shares, on its own population basis), within 1 point
    rows = list(csv.DictReader(open(settings.geo_dir() / "sicbl_2026.csv", encoding="utf-8")))
    published = {r["icb_code"]: float(r["share_published"]) for r in rows if r["sicbl_code"] == "D4U1Y"}
    pop = atlas.population("census_2021")
    frimley = atlas.column("sicbl_2023") == "E38000252"
    total = pop[frimley].sum()
    for code, share in published.items():
        ours = pop[frimley & (atlas.column("sicbl_2026") == code)].sum() / total
        assert abs(ours - share) < 0.01, (code, ours, share)
    findings, _ = run_preset(atlas, "sicbl-2026-changes", geometry=False)
    moved = findings[findings["against_code"] == "E38000252"]
    assert set(moved["subject_code"]) == new


def test_councils_view_counts_people_and_names_its_rule(atlas):
    from commissioning_atlas.checks import Tolerance, councils_split

    by_people, meta = run_preset(atlas, "icb-2022-vs-councils", geometry=False, rules=["splits"])
    by_area, meta_area = run_preset(atlas, "icb-2022-vs-councils", Tolerance(split_by="area-or-residents"),
                                    geometry=False, rules=["splits"])
    # residents: the published six (Cumbria, Essex, Hampshire, North Yorkshire, Suffolk, Surrey) ...
    assert meta["councils_split"] == 6 and meta["split_rule"] == Tolerance().describe_splits()
    names = dict(zip(by_people["against_code"], by_people["against_name"]))
    assert sorted(names[c] for c in councils_split(by_people)) == [
        "Cumbria", "Essex", "Hampshire", "North Yorkshire", "Suffolk", "Surrey"]
    # ... area or residents: nine, the three rural fringes listed as info under the residents rule
    assert meta_area["councils_split"] == 9 and "area" in meta_area["split_rule"]
    fringes = by_people[by_people["against_code"].isin(set(councils_split(by_area)) - set(councils_split(by_people)))]
    fringes = fringes[fringes["class"] == "fringe"].set_index("against_name")["population"]
    assert fringes.to_dict() == {"Buckinghamshire": 6996, "Hertfordshire": 20236, "West Sussex": 6705}
    assert (by_people.loc[by_people["class"] == "fringe", "severity"] == "info").all()
    # a floor of people: Cumberland's 8,514 in Lancashire and South Cumbria is a fringe at 10,000
    f, m = run_preset(atlas, "icb-2026-vs-councils", Tolerance(split_people=10_000), geometry=False, rules=["splits"])
    assert m["councils_split"] == 2 and m["split_rule"].endswith("and at least 10,000 people")
    assert run_preset(atlas, "icb-2026-vs-councils", geometry=False, rules=["splits"])[1]["councils_split"] == 3


def test_combined_authorities_of_2024_and_2025_with_none_outside(atlas):
    ca25, ca24 = atlas.layer("ca_2025", population="census_2021"), atlas.layer("ca_2024", population="census_2021")
    assert len(ca25) == 15 + 1 and len(ca24) == 11 + 1  # the authorities and "none" for the rest of England
    assert ca25.set_index("code").loc["none", "name"] == "No combined authority"
    lad_ca = dict(zip(atlas.column("lad_2023"), atlas.column("ca_2025")))
    assert sum(v == "E47000017" for v in lad_ca.values()) == 9  # Greater Lincolnshire, a combined county authority
    assert sum(v != "none" for v in lad_ca.values()) == 106 and atlas.report["ca_2025"]["outside"]["lad_2023_units"] == 190
    # Barnsley and Sheffield (recoded in 2025) found by name, in South Yorkshire
    names = dict(zip(atlas.layer("lad_2023")["code"], atlas.layer("lad_2023")["name"]))
    assert {names[c] for c, v in lad_ca.items() if v == "E47000002"} == {"Barnsley", "Doncaster", "Rotherham", "Sheffield"}
    # every district of a May 2024 authority is in the same authority in May 2025 (four authorities were added)
    lad24 = dict(zip(atlas.column("lad_2023"), atlas.column("ca_2024")))
    assert all(lad_ca[d] == a for d, a in lad24.items() if a != "none")


def test_combined_authorities_split_by_the_2026_icbs(atlas):
    findings, meta = run_preset(atlas, "icb-2026-vs-authorities", geometry=False)
    assert "none" not in set(findings["against_code"])  # the rest of England is not an authority
    split = findings[findings["class"] == "split part"]
    assert meta["councils_split"] == 5 and sorted(set(split["against_name"])) == [
        "East Midlands", "Greater Lincolnshire", "West Midlands", "West of England", "York and North Yorkshire"]
    people = split.groupby("against_name")["population"].sum()
    assert people["West Midlands"] == 1_213_199 + 345_326  # Black Country, Coventry and Warwickshire beside Birmingham
    assert people["Greater Lincolnshire"] == 326_633  # North and North East Lincolnshire in Humber and North Yorkshire
    assert meta["population_basis"] == "census_2021"
    # the 2025 clusters and 2027 proposals join Birmingham and the Black Country: four authorities split
    assert run_preset(atlas, "cluster-2025-vs-authorities", geometry=False)[1]["councils_split"] == 4
    assert run_preset(atlas, "merger-2027-vs-authorities", geometry=False)[1]["councils_split"] == 4


def test_registered_patients_of_may_2022_reproduce_the_published_sizes(atlas):
    from commissioning_atlas.registered import practices

    icb22 = atlas.layer("icb_2022").set_index("name")
    assert icb22["registered_2022"].sum() == 61_654_788  # every practice of England once

    def within(got, published, share=0.002):
        return abs(got - published) <= share * published

    # Bristol, North Somerset and South Gloucestershire 1,059,770; Shropshire, Telford and Wrekin 519,648
    assert within(icb22.loc["NHS Bristol, North Somerset and South Gloucestershire Integrated Care Board",
                            "registered_2022"], 1_059_770)
    assert within(icb22.loc["NHS Shropshire, Telford and Wrekin Integrated Care Board", "registered_2022"], 519_648)
    # North Central plus North West London, "4.5 million": the West and North London ICB of 2026
    icb26 = atlas.layer("icb_2026").set_index("code")
    assert 4_450_000 <= icb26.loc["Z9B2Z", "registered_2022"] < 4_550_000
    assert icb26.loc["Z9B2Z", "population"] == 3_503_312  # its residents (Census 2021), side by side
    # Frimley's location, split by council in 2026, is apportioned by residents, and the layer says where
    assert atlas.layer("icb_2026").attrs["registered_2022_apportioned"] == ["QRL", "S0E4D", "S9B9J"]
    assert atlas.layer("icb_2022").attrs["registered_2022_apportioned"] == []
    # the July 2022 moves, practice by practice: West Birmingham, Glossop, Oundle, one practice back
    moves = {(m["from"], m["to"]): m["practices"] for m in practices(atlas)[1]["moved_between_icbs"]}
    assert moves == {("D2P2L", "15E"): 25, ("01Y", "15M"): 4, ("06H", "78H"): 1, ("15E", "D2P2L"): 1}
    # no practice moved in April 2023: the 2023 ICBs hold the 2022 ICBs' patients
    assert sorted(atlas.layer("icb_2023")["registered_2022"]) == sorted(icb22["registered_2022"])
