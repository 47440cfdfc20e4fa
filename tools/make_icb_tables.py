"""Compile the 2025-27 ICB tables of geo/ from the compiled fact tables (one-off maintenance script).

Usage: python tools/make_icb_tables.py ../shared/data/facts
Writes geo/icb_cluster_2025.csv, geo/icb_2026.csv and geo/icb_merger_2027.csv. Every row keeps the
published sources and the confidence of the fact it comes from; what had to be decided here (codes
of 2023 for the two ICBs recoded that April, sub-ICB locations of the split ICBs) is said in `note`.
The product never reads the fact tables: it reads these geo/ tables.
"""
import csv
import sys
from pathlib import Path

GEO = Path(__file__).resolve().parents[1] / "src/commissioning_atlas/data/geo"
#: April 2023 recoding (ONS SICBL23-ICB23-NHSER23 lookup): the 2022 code -> the 2023 code.
RECODED_2023 = {"E54000052": "E54000063", "E54000053": "E54000064"}
#: ICBs split between 2025 clusters: 2022 code -> {cluster id: sub-ICB locations (ODS)} (icb_changes rows 2026-01..03).
SPLIT = {"E54000025": {"C14": ["06K", "06N"], "C13": ["07H"]},
         "E54000023": {"C15": ["06L", "07K"], "C13": ["06T"]}}
PROPOSAL = ["code", "name", "status", "date", "members", "partners", "partners_in_footprint", "service_model",
            "source", "confidence", "note"]

#: The approved changes of 1 April 2026 (icb_changes_2026_2027.csv rows 2026-01..07), sub-ICB location by
#: sub-ICB location; Frimley's single location (D4U1Y) is split by upper-tier council of April 2023.
CHANGES_2026 = [
    ("2026-01", "T6Y0W", "NHS Norfolk and Suffolk Integrated Care Board", [("26A", ""), ("06L", ""), ("07K", "")]),
    ("2026-02", "D7T5G", "NHS Essex Integrated Care Board",
     [("99E", ""), ("99F", ""), ("99G", ""), ("06Q", ""), ("07G", ""), ("06T", ""), ("07H", "")]),
    ("2026-03", "S1Y5D", "NHS Central East Integrated Care Board", [("M1J4Y", ""), ("06H", ""), ("06K", ""), ("06N", "")]),
    ("2026-04", "Z9B2Z", "NHS West and North London Integrated Care Board", [("W2U3Z", ""), ("93C", "")]),
    ("2026-05", "S0E4D", "NHS Thames Valley Integrated Care Board",
     [("14Y", ""), ("10Q", ""), ("15A", ""), ("D4U1Y", "E06000036"), ("D4U1Y", "E06000039"), ("D4U1Y", "E06000040")]),
    ("2026-06", "S9B9J", "NHS Surrey and Sussex Integrated Care Board",
     [("92A", ""), ("09D", ""), ("70F", ""), ("97R", ""), ("D4U1Y", "E10000030")]),
    ("2026-07", "QRL", "NHS Hampshire and Isle of Wight Integrated Care Board",
     [("10R", ""), ("D9Y0V", ""), ("D4U1Y", "E10000014")]),
]
COUNCIL_NAMES = {"E06000036": "Bracknell Forest", "E06000039": "Slough", "E06000040": "Windsor and Maidenhead",
                 "E10000030": "Surrey", "E10000014": "Hampshire"}


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, header: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def clusters(facts: Path) -> list[dict]:
    rows = _rows(facts / "icb_clusters_2025.csv")
    by: dict[str, dict] = {}
    for r in rows:
        c = by.setdefault(r["cluster_id"], {"code": r["cluster_id"], "name": r["cluster_name"], "members": [],
                                            "status": set(), "date": set(), "source": [], "confidence": set(),
                                            "note": []})
        code = r["icb22_code"]
        if code in SPLIT:
            c["members"] += SPLIT[code][r["cluster_id"]]
            c["note"].append(f"{r['icb_name']} is split between clusters: its sub-ICB locations "
                             f"{' '.join(SPLIT[code][r['cluster_id']])} are in this one (icb_changes rows 2026-01..03)")
            other = [k for k in SPLIT[code] if k != r["cluster_id"]]
            for k in other:  # the split ICB's other part belongs to another cluster
                by.setdefault(k, {"code": k, "name": "", "members": [], "status": set(), "date": set(),
                                  "source": [], "confidence": set(), "note": []})
        else:
            c["members"].append(RECODED_2023.get(code, code))
            if code in RECODED_2023:
                c["note"].append(f"{r['icb_name']}: 2023 code {RECODED_2023[code]} (2022: {code})")
        c["status"].add(r["status"] or "none")
        if r["date_announced"]:
            c["date"].add(r["date_announced"])
        for s in r["source_url"].split(" ; "):
            if s.strip() and s.strip() not in c["source"]:
                c["source"].append(s.strip())
        c["confidence"].add(r["confidence"])
        if r["note"]:
            c["note"].append(r["note"])
    for r in rows:  # the split ICBs' other parts
        for k, sicbls in SPLIT.get(r["icb22_code"], {}).items():
            if sicbls[0] not in by[k]["members"]:
                by[k]["members"] += sicbls
    out = []
    rank = {"low": 0, "medium": 1, "high": 2}
    for k in sorted(by):
        c = by[k]
        status = "agreed cluster" if "agreed" in c["status"] else "no cluster (one ICB)"
        out.append({"code": k, "name": c["name"], "status": status, "date": max(c["date"]) if c["date"] else "",
                    "members": " ".join(c["members"]), "partners": "", "partners_in_footprint": "no",
                    "service_model": "shared leadership team (2025 clustering)", "source": " ; ".join(c["source"]),
                    "confidence": min(c["confidence"], key=lambda x: rank.get(x, 0)),
                    "note": " | ".join(dict.fromkeys(c["note"]))})
    return out


def icb_2026(facts: Path) -> list[dict]:
    facts_rows = {r["change_id"]: r for r in _rows(facts / "icb_changes_2026_2027.csv")}
    out = []
    for cid, ods, name, parts in CHANGES_2026:
        f = facts_rows[cid]
        for sicbl, council in parts:
            note = f["note"]
            if council:
                note = f"Frimley's sub-ICB location D4U1Y, the part in {COUNCIL_NAMES[council]} ({council}). " + note
            elif cid == "2026-07":
                note = ("HIOW's own sub-ICB location, unchanged; the ICB is recorded under its ODS code QRL because its "
                        "boundary changed (its 2023 GSS code E54000042 no longer describes it). " + note)
            out.append({"sicbl_code": sicbl, "utla_2023_code": council, "icb_code": ods, "icb_name": name,
                        "gss_code": "", "change_id": cid, "kind": f["kind"], "source": f["source_url"],
                        "confidence": f["confidence"], "note": note})
    return out


def mergers(facts: Path) -> list[dict]:
    out = []
    for r in _rows(facts / "icb_changes_2026_2027.csv"):
        if not r["change_id"].startswith("2027") or r["kind"] != "merger":
            continue
        members = [part.strip().split()[0] for part in r["icbs_involved"].split(";")]
        name = "Merger of " + ", ".join(p.strip().split(" ", 1)[1] for p in r["icbs_involved"].split(";"))
        out.append({"code": f"M{r['change_id']}", "name": name + " (proposed)", "status": r["status"],
                    "date": r["effective_date"], "members": " ".join(members), "partners": "",
                    "partners_in_footprint": "no", "service_model": r["what_moves"], "source": r["source_url"],
                    "confidence": r["confidence"], "note": r["note"]})
    return out


def main(facts: str) -> None:
    facts = Path(facts)
    _write(GEO / "icb_cluster_2025.csv", PROPOSAL, clusters(facts))
    _write(GEO / "icb_2026.csv", ["sicbl_code", "utla_2023_code", "icb_code", "icb_name", "gss_code", "change_id",
                                  "kind", "source", "confidence", "note"], icb_2026(facts))
    _write(GEO / "icb_merger_2027.csv", PROPOSAL, mergers(facts))


if __name__ == "__main__":
    main(sys.argv[1])
