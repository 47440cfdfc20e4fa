"""Named checks: the questions of 2011-2027, each a subject, a reference layer and rules."""
from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING

import geopandas as gpd

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.checks.crosstab import Tolerance, basis_of
from commissioning_atlas.checks.rules import councils_split, run_check

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas


#: Named presets: the questions of the early-2012 reports, of the 2012 SHA assessment and of the 2025 guidance.
PRESETS: dict[str, dict] = {
    "cluster-vs-sha": {
        "title": "PCT clusters against SHAs", "subject": "pct_cluster_2011", "against": "sha_2011",
        "rules": ("crosses", "coterminosity"),
        "question": "Which 2011-12 PCT clusters took in a PCT from another SHA?"},
    "proposal-vs-cluster": {
        "title": "2012 support proposals against PCT clusters", "subject": "css_2012",
        "against": "pct_cluster_2011", "rules": ("crosses", "coterminosity", "coverage"),
        "question": "Which proposed support services reach beyond their cluster, and do they cover England once?"},
    "proposal-vs-sha": {
        "title": "2012 support proposals against SHAs", "subject": "css_2012", "against": "sha_2011",
        "rules": ("crosses", "coterminosity"),
        "question": "Which proposed support services cross an SHA boundary?"},
    "proposal-vs-sha-cluster": {
        "title": "2012 support proposals against SHA clusters", "subject": "css_2012",
        "against": "sha_cluster_2011", "rules": ("crosses",),
        "question": "Does any proposed support service cross one of the four SHA clusters?"},
    "csu-vs-region": {
        "title": "2013 CSUs against NHS England regions", "subject": "csu_2013", "against": "nhs_region_2013",
        "rules": ("crosses", "coverage"),
        "question": "Which April 2013 CSUs served CCGs in more than one region, and is every CCG served once?"},
    "ccg-vs-utla": {
        "title": "CCGs against upper-tier local authorities", "subject": "ccg_2013", "against": "utla_2011",
        "rules": ("coterminosity", "crosses"),
        "question": "Which CCGs respect upper-tier council boundaries?"},
    "ccg-vs-pct": {
        "title": "CCGs against PCTs", "subject": "ccg_2013", "against": "pct_2011",
        "rules": ("coterminosity", "crosses"),
        "question": "Which CCGs straddle the PCTs they replaced?"},
    "ccg-size": {
        "title": "CCG sizes against the thresholds", "subject": "ccg_2013", "against": None,
        "rules": ("size",),
        "question": "Which CCGs fall below the BMA's size figures?"},
    "sicbl-2022-changes": {
        "title": "What the 2021 boundary review moved", "subject": "sicbl_2022", "against": "ccg_2021",
        "rules": ("changes",),
        "question": "Which parts of the 2021 CCGs changed body when the sub-ICB locations of July 2022 began?"},
    "icb-2023-changes": {
        "title": "What moved on 1 April 2023", "subject": "icb_2023", "against": "icb_2022",
        "rules": ("changes",),
        "question": "Which part of Surrey Heartlands went to Sussex when both ICBs were recoded in April 2023?"},
}
# The 2022-27 sets against the rules of 2025: each council in one ICB, no body across a region line, no gaps
# or overlaps, at least 1 million people.
for _key, _subject, _councils, _region, _what in [
        ("icb-2022", "icb_2022", "utla_2021", "nhs_region_2022", "the 42 ICBs of July 2022"),
        ("cluster-2025", "icb_cluster_2025", "utla_2023", "nhs_region_2023", "the 26 ICB clusters of 2025"),
        ("icb-2026", "icb_2026", "utla_2023", "nhs_region_2023", "the 36 ICBs of April 2026"),
        ("merger-2027", "icb_merger_2027", "utla_2023", "nhs_region_2023", "the mergers proposed for April 2027")]:
    PRESETS[f"{_key}-vs-councils"] = {
        "title": f"{_what[0].upper()}{_what[1:]} against councils", "subject": _subject, "against": _councils,
        "rules": ("splits", "coterminosity"),
        "question": f"Which upper-tier councils are split between several bodies under {_what}?"}
    PRESETS[f"{_key}-vs-region"] = {
        "title": f"{_what[0].upper()}{_what[1:]} against NHS England regions", "subject": _subject,
        "against": _region, "rules": ("crosses", "coverage"),
        "question": f"Does any of {_what} cross a region line, and do they cover England once?"}
    PRESETS[f"{_key}-size"] = {
        "title": f"{_what[0].upper()}{_what[1:]} against the 1 million floor", "subject": _subject, "against": None,
        "rules": ("size",), "question": f"Which of {_what} have fewer than 1 million people?"}
# Strategic authorities: the 2025 guidance asks ICBs to be coterminous with them where feasible
for _key, _subject, _what in [("cluster-2025", "icb_cluster_2025", "the 26 ICB clusters of 2025"),
                              ("icb-2026", "icb_2026", "the 36 ICBs of April 2026"),
                              ("merger-2027", "icb_merger_2027", "the mergers proposed for April 2027")]:
    PRESETS[f"{_key}-vs-authorities"] = {
        "title": f"{_what[0].upper()}{_what[1:]} against the combined authorities of May 2025", "subject": _subject,
        "against": "ca_2025", "rules": ("splits",),
        "question": f"Which strategic authorities are split between several bodies under {_what}, and by how many "
                    f"people?"}
PRESETS["icb-2026-changes"] = {
    "title": "What moved on 1 April 2026", "subject": "icb_2026", "against": "icb_2023", "rules": ("changes",),
    "question": "Which ICBs merged, and where did Frimley's area go?"}
PRESETS["sicbl-2026-changes"] = {
    "title": "What moved on 1 April 2026, by sub-ICB location", "subject": "sicbl_2026", "against": "sicbl_2023",
    "rules": ("changes",),
    "question": "Which sub-ICB locations took Frimley's three parts, and which were recoded?"}
#: Proposal sets a ``--scenario`` of the same vintage replaces as the subject of their presets.
_PROPOSAL_SUBJECTS = ("css_2012", "icb_merger_2027")

def resolve_preset(name: str, atlas: Atlas | None = None) -> dict:
    """The preset's definition; with a scenario loaded, proposal presets check the scenario."""
    if name not in PRESETS:
        near = get_close_matches(name, PRESETS, n=1, cutoff=0.4)
        raise AtlasError(f"unknown preset {name!r}" + (f"; did you mean {near[0]}?" if near else
                                                         f"; presets are {', '.join(PRESETS)}"))
    p = dict(PRESETS[name])
    if atlas is not None and atlas.scenario is not None and p["subject"] in _PROPOSAL_SUBJECTS \
            and atlas.layer("scenario").attrs.get("vintage") == atlas.layer(p["subject"]).attrs.get("vintage"):
        p["subject"] = "scenario"
        p["title"] = (p["title"].replace("2012 support proposals", f"Scenario {atlas.scenario.name}")
                      .replace("The mergers proposed for April 2027", f"Scenario {atlas.scenario.name}"))
    return p


def run_preset(atlas: Atlas, name: str, tol: Tolerance = Tolerance(), geometry: bool = True,
               rules=None) -> tuple[gpd.GeoDataFrame, dict]:
    """Run a named preset; return ``(findings, meta)`` where meta has title, subject, against, rules."""
    p = resolve_preset(name, atlas)
    use = tuple(rules) if rules else p["rules"]
    findings = run_check(atlas, p["subject"], p["against"], use, tol, geometry)
    meta = {"preset": name, "title": p["title"], "question": p["question"], "subject": p["subject"],
            "against": p["against"], "rules": list(use), "tolerance": tol.describe(),
            "population_basis": basis_of(atlas, p["subject"])}
    if "splits" in use:  # the headline count of the councils' view names its rule
        meta["split_rule"] = tol.describe_splits()
        meta["councils_split"] = len(councils_split(findings))
    return findings, meta
