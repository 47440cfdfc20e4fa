"""Regenerate geo/pct_composition.csv, geo/pct_memberships.csv and geo/sha_clusters.csv.

The composition of each April 2011 PCT is written here by hand, by district name (a maintenance
record of where each row comes from); this script resolves names to Dec 2011 district codes,
expands 'county:' entries through the Dec 2011 county boundaries, and checks that every district
of England is used exactly once (split districts once per PCT part).

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data python tools/make_pct_tables.py
"""

from __future__ import annotations

import csv
import sys

import pandas as pd
import shapely

from commissioning_atlas import layers as L
from commissioning_atlas.catalogue import load_catalogue
from commissioning_atlas.fetch import fetch
from commissioning_atlas.readers import normalise, read_pct_2011_list, read_table, read_vector

SRC_LIST = "ONS PCT code list April 2011 (martinjc/CCG--Constituencies, PCO names and codes EN as at 04_11.csv)"
SRC_2005 = "ONS PCT boundaries Dec 2005 (henryjameslau/geoportal-boundaries-as-topojson PCO_DEC_2005_EN_BGC.json)"
SRC_CHECK = "cross-checked with the PCT-to-CCG postcode shares (elahmo/dsfood ccg2ons.js)"

# PCT name (April 2011 list) -> districts. '@ODS ODS' = only the part inside those Dec 2005 PCTs.
SPEC: dict[str, list[str]] = {
    "City and Hackney Teaching": ["City of London", "Hackney"],
    "Kingston": ["Kingston upon Thames"], "Greenwich Teaching": ["Greenwich"], "Haringey Teaching": ["Haringey"],
    "Herefordshire": ["Herefordshire, County of"], "Newcastle": ["Newcastle upon Tyne"],
    "Stockton-on-Tees Teaching": ["Stockton-on-Tees"], "Nottingham City": ["Nottingham"],
    "Plymouth Teaching": ["Plymouth"], "Portsmouth City Teaching": ["Portsmouth"],
    "Ashton, Leigh and Wigan": ["Wigan"], "Brent Teaching": ["Brent"], "Sunderland Teaching": ["Sunderland"],
    "Southampton City": ["Southampton"], "Tameside and Glossop": ["Tameside", "High Peak@5LH"],
    "Brighton and Hove City": ["Brighton and Hove"], "South Birmingham": ["Birmingham@5M1"],
    "Shropshire County": ["Shropshire"], "Walsall Teaching": ["Walsall"],
    "Richmond and Twickenham": ["Richmond upon Thames"], "Sutton and Merton": ["Sutton", "Merton"],
    "Coventry Teaching": ["Coventry"], "Wolverhampton City": ["Wolverhampton"],
    "Heart of Birmingham Teaching": ["Birmingham@5MX"], "Wakefield District": ["Wakefield"],
    "Derbyshire County": ["county:Derbyshire -High Peak", "High Peak@5HN"], "Derby City": ["Derby"],
    "Nottinghamshire County Teaching": ["county:Nottinghamshire -Bassetlaw"],
    "Lincolnshire Teaching": ["county:Lincolnshire"], "Cumbria Teaching": ["county:Cumbria"],
    "North Lancashire Teaching": ["Lancaster", "Wyre", "Fylde"],
    "Central Lancashire": ["Chorley", "Preston", "South Ribble", "West Lancashire"],
    "East Lancashire Teaching": ["Burnley", "Hyndburn", "Pendle", "Ribble Valley", "Rossendale"],
    "Halton and St Helens": ["Halton", "St. Helens"], "Western Cheshire": ["Cheshire West and Chester"],
    "Central and Eastern Cheshire": ["Cheshire East"], "Heywood, Middleton and Rochdale": ["Rochdale"],
    "North Yorkshire and York": ["county:North Yorkshire", "York"],
    "Hull Teaching": ["Kingston upon Hull, City of"], "Bradford and Airedale Teaching": ["Bradford"],
    "South East Essex": ["Castle Point", "Rochford", "Southend-on-Sea"],
    "Bedfordshire": ["Bedford", "Central Bedfordshire"], "Surrey": ["county:Surrey"],
    "West Sussex": ["county:West Sussex"], "East Sussex Downs and Weald": ["Eastbourne", "Lewes", "Wealden"],
    "Hastings and Rother": ["Hastings", "Rother"],
    "West Kent": ["Dartford", "Gravesham", "Maidstone", "Sevenoaks", "Tonbridge and Malling", "Tunbridge Wells"],
    "Leicestershire County and Rutland": ["county:Leicestershire", "Rutland"], "Leicester City": ["Leicester"],
    "Northamptonshire Teaching": ["county:Northamptonshire"],
    "Birmingham East and North": ["Birmingham@5MW 5MY"],
    "North Staffordshire": ["Newcastle-under-Lyme", "Staffordshire Moorlands"], "Stoke on Trent": ["Stoke-on-Trent"],
    "South Staffordshire": ["county:Staffordshire -Newcastle-under-Lyme -Staffordshire Moorlands"],
    "Worcestershire": ["county:Worcestershire"], "Warwickshire": ["county:Warwickshire"],
    "Cambridgeshire": ["county:Cambridgeshire"], "Norfolk": ["county:Norfolk -Great Yarmouth"],
    "Great Yarmouth and Waveney": ["Great Yarmouth", "Waveney"], "Suffolk": ["county:Suffolk -Waveney"],
    "West Essex": ["Epping Forest", "Harlow", "Uttlesford"], "North East Essex": ["Colchester", "Tendring"],
    "Mid Essex": ["Braintree", "Chelmsford", "Maldon"], "South West Essex": ["Basildon", "Brentwood", "Thurrock"],
    "Eastern and Coastal Kent": ["Ashford", "Canterbury", "Dover", "Shepway", "Swale", "Thanet"],
    "Hampshire": ["county:Hampshire"], "Buckinghamshire": ["county:Buckinghamshire"],
    "Oxfordshire": ["county:Oxfordshire"], "Berkshire West": ["Reading", "West Berkshire", "Wokingham"],
    "Berkshire East": ["Bracknell Forest", "Slough", "Windsor and Maidenhead"],
    "Gloucestershire": ["county:Gloucestershire"], "Bristol": ["Bristol, City of"],
    "Somerset": ["county:Somerset"], "Dorset": ["county:Dorset"],
    "Bournemouth and Poole Teaching": ["Bournemouth", "Poole"],
    "Cornwall and Isles of Scilly": ["Cornwall", "Isles of Scilly"], "Devon": ["county:Devon"],
    "Isle of Wight National Health Service": ["Isle of Wight"], "Bolton Teaching": ["Bolton"],
    "Manchester Teaching": ["Manchester"], "Hertfordshire": ["county:Hertfordshire"],
    "Blackburn with Darwen Teaching": ["Blackburn with Darwen"],
}

MULTI_NOTE = {
    "county": "whole county (districts grouped by the Dec 2011 county boundary)",
    "named": "district named in the PCT's title or its standard description",
}


def main() -> None:
    paths = fetch(load_catalogue().values(), progress=False)
    lsoa = L.read_lsoas(paths["lsoa_2011"])
    lad_path = L._one(paths, "lad_2011_raw")
    lad = normalise(read_vector(lad_path), lad_path, code="lad11cd", name="lad11nm")
    lad["old_code"] = read_vector(lad_path)["lad11cdo"].to_numpy()
    lad = lad[lad["code"].str.startswith("E")]
    utla, utla_names = L._utla_codes(paths, lsoa, lad, "pyogrio")
    lad_county = pd.Series(utla, index=lsoa["lad_2011"].to_numpy()).groupby(level=0).first()
    by_name = dict(zip(lad["name"], lad["code"]))
    name_of = dict(zip(lad["code"], lad["name"]))
    county_code = {v: k for k, v in utla_names.items()}
    pcts = read_pct_2011_list(L._one(paths, "pct_2011_list"))
    rows, used = [], []
    for code, ods, name in pcts.itertuples(index=False):
        spec = SPEC.get(name, [name])
        for item in spec:
            if item.startswith("county:"):
                words = item[len("county:"):].split(" -")
                county = county_code[words[0]]
                excluded = {by_name[w] for w in words[1:]}
                members = sorted(c for c, k in lad_county.items() if k == county and c not in excluded)
                for c in members:
                    rows.append([code, ods, name, c, name_of[c], "whole",
                                 f"{SRC_LIST}; districts of {words[0]} from ONS Counties and UAs Dec 2011",
                                 "high", f"{MULTI_NOTE['county']}" + (f" less {', '.join(words[1:])}" if excluded else "")])
                    used.append((c, "whole"))
            elif "@" in item:
                dname, p05 = item.split("@")
                c = by_name[dname]
                rows.append([code, ods, name, c, dname, f"pct2005:{p05}", f"{SRC_LIST}; {SRC_2005}", "medium",
                             f"{dname} is split between PCTs: this PCT has the part inside Dec 2005 PCT(s) {p05}; "
                             "assumes no boundary change between Dec 2005 and April 2011 inside the district"])
                used.append((c, p05))
            else:
                c = by_name[item]
                rows.append([code, ods, name, c, item, "whole", SRC_LIST, "high", MULTI_NOTE["named"]])
                used.append((c, "whole"))
    counts = pd.Series([u[0] for u in used]).value_counts()
    split = {c for c, p in used if p != "whole"}
    dup = [c for c, n in counts.items() if n > 1 and c not in split]
    missing = set(lad["code"]) - set(counts.index)
    if dup or missing:
        sys.exit(f"districts used twice: {dup}; unused: {sorted(missing)}")
    with open("geo/pct_composition.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pct_code", "pct_ods", "pct_name", "lad_code", "lad_name", "part", "source", "confidence", "note"])
        w.writerows(sorted(rows))
    print(f"{len(rows)} rows, {len(pcts)} PCTs, {len(set(counts.index))} districts, split: {sorted(split)}")


def memberships() -> None:
    """PCT -> cluster (facts table, checked by hand) and PCT -> managing SHA (ONS lookup); SHA -> SHA cluster."""
    facts = read_table("../shared/data/facts/pct_2012.csv")
    clusters = read_table("geo/pct_clusters.csv")
    cl_code = dict(zip(clusters["cluster_name"], clusters["cluster_code"]))
    paths = fetch(load_catalogue().values(), progress=False)
    lk = read_table(L._one(paths, "pct_sha_2012"))
    twice = set(lk.loc[lk["PCO12CD"].duplicated(), "PCO12CD"])
    pcts = read_pct_2011_list(L._one(paths, "pct_2011_list"))
    f = facts.set_index("ons_code")
    rows = []
    for code, ods, name in pcts.itertuples(index=False):
        fr = f.loc[code]
        shas = lk.loc[lk["PCO12CD"] == code, "SHA12CD"].tolist()
        sha = fr["sha_ons"] if code in twice else shas[0]
        assert sha in shas, (code, sha, shas)
        note = []
        if code in twice:
            note.append(f"listed under {len(shas)} SHAs in the ONS PCO12_SHA12 lookup ({' '.join(shas)}); "
                        f"managing SHA {sha} per the compiled facts table")
        if fr["cluster_sha_if_different"]:
            note.append(f"PCT managed by this SHA but clustered with a cluster of {fr['cluster_sha_if_different']} "
                        "(HSJ, April 2011, as compiled in the facts table)")
        note.append("cluster membership compiled from fragments (facts table: HSJ cluster reports, press); "
                    "not confirmed against a published cluster list")
        conf = "medium" if not fr["cluster_sha_if_different"] else "high"
        rows.append([code, ods, name, sha, cl_code[fr["pct_cluster_2011_12"]],
                     "SHA: ONS PCO12_SHA12 lookup (ebmdatalab/openprescribing 2aab031b6); cluster: shared/data/facts/pct_2012.csv "
                     "and pct_clusters.csv (https://www.hsj.co.uk/cluster-landscape-shows-52-commissioners/5028980.article ; "
                     "https://en.wikipedia.org/wiki/List_of_primary_care_trusts_in_England)", conf, " | ".join(note)])
    with open("geo/pct_memberships.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["pct_code", "pct_ods", "pct_name", "sha_code", "cluster_code", "source", "confidence", "note"])
        w.writerows(rows)
    sha = read_table("../shared/data/facts/sha.csv")
    sc = {"NHS North of England": ("SC1", "North of England"), "NHS Midlands and East": ("SC2", "Midlands and East"),
          "NHS London": ("SC3", "London"), "NHS South of England": ("SC4", "South of England")}
    with open("geo/sha_clusters.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["sha_code", "sha_ods", "sha_name", "sha_cluster_code", "sha_cluster_name", "source", "confidence", "note"])
        for r in sha.itertuples():
            code, nm = sc[r.sha_cluster_from_oct_2011]
            w.writerow([r.ons_code, r.ods_code, r.name, code, nm,
                        "DH/NHS: four SHA clusters from October 2011 (as compiled in shared/data/facts/sha.csv; "
                        "https://en.wikipedia.org/wiki/List_of_primary_care_trusts_in_England)", "high",
                        "SHA codes from ONS SHA_2012; the grouping is the standard one (not read from a table)"])
    print(f"{len(rows)} PCT memberships; {len(sha)} SHAs")


if __name__ == "__main__":
    main()
    memberships()
