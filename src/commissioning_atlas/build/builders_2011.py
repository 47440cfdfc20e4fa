"""The 2011-13 builders: districts, counties, PCTs and their groupings, CCG best fit, area teams.

These layers have no LSOA lookup of their own, so each is reconstructed: districts from the LSOA file
names, counties from the December 2011 boundaries, PCTs from ``geo/pct_composition.csv`` (plus 2005 PCT
polygons inside split districts), clusters and SHAs from ``geo/`` tables, CCGs by best fit of LSOA points
in the April 2013 polygons, area teams from the GP registered lists. Each builder takes the build context
and returns a :class:`~commissioning_atlas.build.kinds.Column`; :data:`BUILDERS` names them for
``layers.toml``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from commissioning_atlas import settings
from commissioning_atlas._errors import DataError
from commissioning_atlas.build.kinds import Column, assign_points
from commissioning_atlas.sources.readers import normalise, read_pct_2011_list, read_table, read_vector


def _geo_table(name: str, required: list[str]) -> tuple[pd.DataFrame, Path]:
    path = settings.geo_dir() / name
    return read_table(path, required=required), path


def _unknown(path: Path, df: pd.DataFrame, col: str, known: set[str], what: str) -> None:
    bad = ~df[col].isin(known)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"unknown {what} {df[col].iloc[i]!r}", path=path, row=i + 2, column=col)


def _lad_raw(ctx) -> pd.DataFrame:
    """Codes, names and old ONS codes of the December 2011 districts (attributes only: the drawn districts are
    unions of their LSOAs, so the polygons, slow to repair, are not needed)."""
    def read():
        path = ctx.path("lad_2011_raw")
        raw = read_vector(path, engine=ctx.engine)
        for col in ("lad11cd", "lad11nm", "lad11cdo"):
            if col not in raw.columns:
                raise DataError(f"missing column {col!r}", path=path, column=col)
        lad = pd.DataFrame({"code": raw["lad11cd"].astype(str).str.strip(), "name": raw["lad11nm"].astype(str),
                            "old_code": raw["lad11cdo"].astype(str).str.strip()})
        if lad["code"].duplicated().any():
            raise DataError(f"duplicate code {lad['code'][lad['code'].duplicated()].iloc[0]!r}", path=path,
                            column="lad11cd")
        return lad[lad["code"].str.startswith("E")].reset_index(drop=True)
    return ctx.memo("lad_2011_raw", read)


def district_2011(ctx, spec) -> Column:
    """Districts of December 2011: the LSOA file each LSOA came from."""
    lad = _lad_raw(ctx)
    codes = ctx.base["lad_2011"].to_numpy(dtype=object)
    unknown = set(codes) - set(lad["code"])
    if unknown:
        raise DataError(f"LSOA file names district(s) not in the LAD 2011 list: {sorted(unknown)[:3]}",
                        path=ctx.path("lad_2011_raw"))
    return Column(codes, lad.set_index("code")["name"])


def county_2011(ctx, spec) -> Column:
    """Upper tier: unitaries, metropolitan and London districts are their own upper tier; shire districts
    go to the county whose Dec 2011 polygon holds most of the district's LSOA points."""
    lad_raw = _lad_raw(ctx)
    utla_path = ctx.path("utla_2011_raw")
    utla_raw = normalise(read_vector(utla_path, engine=ctx.engine), utla_path, code="AREACD", name="AREANM")
    counties, cpath = _geo_table("county_codes_2011.csv", ["old_code", "name", "gss_code", "source"])
    old_to_gss = dict(zip(lad_raw["old_code"], lad_raw["code"]))
    old_to_gss.update(dict(zip(counties["old_code"], counties["gss_code"])))
    utla_raw["gss"] = utla_raw["code"].map(old_to_gss)
    utla_e = utla_raw[utla_raw["gss"].notna() & utla_raw["gss"].astype(str).str.startswith("E")]
    for code, nm in zip(counties["gss_code"], counties["name"]):
        row = utla_e[utla_e["gss"] == code]
        if row.empty or row["name"].iloc[0] != nm:
            raise DataError(f"county {nm!r} ({code}) not found by its old code in the Dec 2011 boundaries",
                            path=cpath)
    county_polys = utla_e[utla_e["gss"].str.startswith("E10")]
    lad_code = ctx.column("lad_2011").astype(str)
    shire = np.char.startswith(lad_code, "E07")
    cc, _, _ = assign_points(ctx.points()[shire], county_polys.rename(columns={"code": "old", "gss": "code"}))
    votes = pd.DataFrame({"lad": lad_code[shire], "county": cc}).value_counts().reset_index()
    votes = votes.sort_values(["lad", "count", "county"], ascending=[True, False, True]).drop_duplicates("lad")
    lad_to_county = dict(zip(votes["lad"], votes["county"]))
    out = pd.Series(lad_code).map(lambda c: lad_to_county.get(c, c)).to_numpy(dtype=object)
    return Column(out, utla_e.set_index("gss")["name"])


def _pct_list(ctx) -> pd.DataFrame:
    return ctx.memo("pct_2011_list", lambda: read_pct_2011_list(ctx.path("pct_2011_list")))


def pct_2011(ctx, spec) -> Column:
    """PCTs of April 2011 from geo/pct_composition.csv (whole districts, or parts by Dec 2005 PCTs)."""
    lad_raw = _lad_raw(ctx)
    pct_list = _pct_list(ctx)
    comp, cpath = _geo_table("pct_composition.csv", ["pct_code", "lad_code", "part", "source", "confidence"])
    _unknown(cpath, comp, "lad_code", set(lad_raw["code"]), "district")
    _unknown(cpath, comp, "pct_code", set(pct_list["code"]), "PCT code")
    whole = comp[comp["part"].str.strip() == "whole"]
    parts = comp[comp["part"].str.strip() != "whole"]
    bad = ~parts["part"].str.match(r"^pct2005:\s*\S")
    if bad.any():
        i = parts.index[np.flatnonzero(bad.to_numpy())[0]]
        raise DataError(f"part must be 'whole' or 'pct2005:<ODS codes>', got {comp.loc[i, 'part']!r}",
                        path=cpath, row=int(i) + 2, column="part")
    dup = whole["lad_code"].duplicated() | whole["lad_code"].isin(parts["lad_code"])
    if dup.any():
        i = whole.index[np.flatnonzero(dup.to_numpy())[0]]
        raise DataError(f"district {comp.loc[i, 'lad_code']} is claimed whole and by another row",
                        path=cpath, row=int(i) + 2, column="lad_code")
    missing = set(lad_raw["code"]) - set(comp["lad_code"])
    if missing:
        raise DataError(f"district(s) {sorted(missing)[:3]} belong to no PCT", path=cpath)
    lad_code = ctx.column("lad_2011")
    out = pd.Series(lad_code).map(dict(zip(whole["lad_code"], whole["pct_code"]))).to_numpy(dtype=object)
    split_report: dict = {}
    if len(parts):
        p05_path = ctx.path("pct_2005")
        p05 = normalise(read_vector(p05_path, engine=ctx.engine), p05_path, code="AREACD", name="AREANM")
        owner05 = {}
        for i, row in parts.iterrows():
            for ods in row["part"].split(":", 1)[1].split():
                if ods not in set(p05["code"]):
                    raise DataError(f"unknown Dec 2005 PCT {ods!r}", path=cpath, row=int(i) + 2, column="part")
                owner05[(row["lad_code"], ods)] = row["pct_code"]
        points = ctx.points()
        for lad in sorted(parts["lad_code"].unique()):
            sel = np.flatnonzero(lad_code == lad)
            listed = sorted({o for (l_, o) in owner05 if l_ == lad})
            got, outside, _ = assign_points(points[sel], p05[p05["code"].isin(listed)])
            out[sel] = [owner05[(lad, c)] for c in got]
            split_report[lad] = {"outside_listed_2005_pcts": outside,
                                 **pd.Series(out[sel]).value_counts().sort_index().to_dict()}
    if pd.isna(out).any():
        raise DataError("some LSOAs belong to no PCT", path=cpath)
    pl = pct_list.set_index("code")
    m = _memberships(ctx)[0].set_index("pct_code")
    attrs = pd.DataFrame({"cluster_code": m["cluster_code"], "sha_code": m["sha_code"], "confidence": m["confidence"]})
    return Column(out, pl["name"], pl["ods_code"], attrs=attrs, report={"pct_split_districts": split_report})


def _memberships(ctx) -> tuple[pd.DataFrame, Path]:
    def read():
        pct_list = _pct_list(ctx)
        memb, path = _geo_table("pct_memberships.csv",
                                ["pct_code", "cluster_code", "sha_code", "source", "confidence"])
        _unknown(path, memb, "pct_code", set(pct_list["code"]), "PCT code")
        if memb["pct_code"].duplicated().any():
            i = int(np.flatnonzero(memb["pct_code"].duplicated().to_numpy())[0])
            raise DataError(f"PCT {memb['pct_code'].iloc[i]} listed twice", path=path, row=i + 2, column="pct_code")
        missing = set(pct_list["code"]) - set(memb["pct_code"])
        if missing:
            raise DataError(f"no cluster for PCT(s) {sorted(missing)[:3]}", path=path)
        sha_list = _sha_list(ctx)
        _unknown(path, memb, "sha_code", set(sha_list["SHA12CD"]), "SHA code")
        return memb, path
    return ctx.memo("pct_memberships", read)


def _sha_list(ctx) -> pd.DataFrame:
    return ctx.memo("sha_2012_list", lambda: read_table(ctx.path("sha_2012_list"),
                                                        required=["SHA12CD", "SHA12CDO", "SHA12NM"]))


def _check_pct_sha(ctx, memb: pd.DataFrame) -> dict:
    """Compare names and SHAs with the ONS PCT-to-SHA lookup of 2012 (a PCT may be listed under two SHAs)."""
    pct_list = _pct_list(ctx)
    lk = read_table(ctx.path("pct_sha_2012"), required=["PCO12CD", "PCO12NM", "SHA12CD"])
    name_mismatch = []
    names12 = lk.drop_duplicates("PCO12CD").set_index("PCO12CD")["PCO12NM"]
    for code, nm in zip(pct_list["code"], pct_list["name"]):
        if code not in names12.index:
            name_mismatch.append(f"{code} missing from lookup")
        elif names12[code].strip().lower() != nm.strip().lower():
            name_mismatch.append(f"{code}: {nm!r} vs {names12[code]!r}")
    pairs = set(zip(lk["PCO12CD"], lk["SHA12CD"]))
    sha_mismatch = [c for c, s in zip(memb["pct_code"], memb["sha_code"]) if (c, s) not in pairs]
    if sha_mismatch:
        raise DataError(f"SHA of PCT(s) {sha_mismatch[:3]} disagrees with the ONS PCT-to-SHA lookup",
                        path=settings.geo_dir() / "pct_memberships.csv")
    return {"pcts": len(pct_list), "name_differences": name_mismatch,
            "pcts_listed_under_two_shas": sorted(lk.loc[lk["PCO12CD"].duplicated(), "PCO12CD"].tolist())}


def pct_cluster_2011(ctx, spec) -> Column:
    """PCT clusters: PCTs grouped by geo/pct_memberships.csv, named by geo/pct_clusters.csv."""
    memb, memb_path = _memberships(ctx)
    clusters, _ = _geo_table("pct_clusters.csv", ["cluster_code", "cluster_name", "sha_code", "source"])
    _unknown(memb_path, memb, "cluster_code", set(clusters["cluster_code"]), "cluster code")
    m = memb.set_index("pct_code")
    codes = m["cluster_code"].reindex(ctx.column("pct_2011")).to_numpy(dtype=object)
    cl = clusters.set_index("cluster_code")
    members = memb.sort_values("pct_code").groupby("cluster_code")["pct_code"].apply(" ".join)
    # the SHAs a cluster's PCTs answer to (more than one where a PCT came from another SHA)
    shas = memb.groupby("cluster_code")["sha_code"].apply(lambda s: " ".join(sorted(set(s))))
    attrs = pd.DataFrame({"members": members, "sha_code": cl["sha_code"],
                          "confidence": cl["confidence"] if "confidence" in cl else "",
                          "pct_sha_codes": shas})
    return Column(codes, cl["cluster_name"], attrs=attrs, report={"pct_sha_check": _check_pct_sha(ctx, memb)})


def sha_2011(ctx, spec) -> Column:
    """Strategic health authorities: each PCT's managing SHA (geo/pct_memberships.csv, checked against ONS)."""
    memb, _ = _memberships(ctx)
    codes = memb.set_index("pct_code")["sha_code"].reindex(ctx.column("pct_2011")).to_numpy(dtype=object)
    sha = _sha_list(ctx).set_index("SHA12CD")
    shac, _ = _geo_table("sha_clusters.csv", ["sha_code", "sha_cluster_code", "sha_cluster_name", "source"])
    attrs = pd.DataFrame({"sha_cluster_code": shac.set_index("sha_code")["sha_cluster_code"]})
    return Column(codes, sha["SHA12NM"], sha["SHA12CDO"], attrs=attrs)


def sha_cluster_2011(ctx, spec) -> Column:
    """SHA clusters of October 2011 (geo/sha_clusters.csv)."""
    shac, path = _geo_table("sha_clusters.csv", ["sha_code", "sha_cluster_code", "sha_cluster_name", "source"])
    _unknown(path, shac, "sha_code", set(_sha_list(ctx)["SHA12CD"]), "SHA code")
    codes = shac.set_index("sha_code")["sha_cluster_code"].reindex(ctx.column("sha_2011")).to_numpy(dtype=object)
    names = shac.drop_duplicates("sha_cluster_code").set_index("sha_cluster_code")["sha_cluster_name"]
    return Column(codes, names)


def registered_by_practice(path: Path) -> pd.DataFrame:
    """GP practice lists of April-June 2013: ``ccg_ods`` (first three characters of the commissioner
    code), ``area_team`` (ODS), ``area_team_name``, ``patients``."""
    df = read_table(path, required=["PCO Code", "Practice Code", "Area Team Code", "Area Team Name"])
    counts = [c for c in df.columns if c.startswith(("Male", "Female"))]
    if not counts:
        raise DataError("no Male/Female count columns", path=path)
    total = df[counts].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
    return pd.DataFrame({"ccg_ods": df["PCO Code"].str[:3], "area_team": df["Area Team Code"].str.strip(),
                         "area_team_name": df["Area Team Name"].str.strip(), "patients": total.astype("int64")})


def registered_population(path: Path, ods_codes: pd.Series) -> pd.Series:
    """Registered patients per CCG (sum of GP practice lists, April-June 2013), aligned with ``ods_codes``
    (0 where no practice matched)."""
    by = registered_by_practice(path).groupby("ccg_ods")["patients"].sum()
    return by.reindex(ods_codes.to_numpy()).fillna(0).astype("int64").set_axis(ods_codes.index)


def _area_teams(ctx, keys: np.ndarray, ods: pd.Series, order=("ccg_at_region_2013", "gp_list_size_2013"),
                ) -> pd.DataFrame:
    """Each CCG's area team (index: CCG code), the published lookup first: a CCG whose team the ONS 25-team
    lookup names is in that team; inference (the team of most of its registered patients, 27 teams with ODS
    codes Q44-Q70 in the GP list file) fills the gap the lookup leaves, London's three teams (Q61-Q63, one ONS
    team E39000018, which keep their ODS codes). Column ``inferred`` holds the GP-list team of every CCG, so
    the disagreements can be listed.

    ``order`` is the declared precedence (``area_teams_from`` in ``layers.toml``): the ONS lookup
    (``ccg_at_region_2013``) then the GP lists, or the GP lists alone.
    """
    if tuple(order) not in (("ccg_at_region_2013", "gp_list_size_2013"), ("gp_list_size_2013",)):
        raise DataError(f"area_teams_from must be ['ccg_at_region_2013', 'gp_list_size_2013'] or "
                        f"['gp_list_size_2013'], not {list(order)}", path="layers.toml")
    gp_path = ctx.path("gp_list_size_2013")
    gp = registered_by_practice(gp_path)
    gp = gp[gp["ccg_ods"].isin(set(ods))]
    votes = gp.groupby(["ccg_ods", "area_team"])["patients"].sum().reset_index()
    votes = votes.sort_values(["ccg_ods", "patients", "area_team"], ascending=[True, False, True])
    top = votes.drop_duplicates("ccg_ods").set_index("ccg_ods")["area_team"]
    missing = sorted(set(ods) - set(top.index))
    if missing:
        raise DataError(f"no registered patients for CCG(s) {missing[:3]}", path=gp_path)
    look = read_table(ctx.path("ccg_at_region_2013"), required=["CCG13CD", "NHSAT13CD", "NHSAT13NM"])
    look = look[look["CCG13CD"].str.startswith("E38")].set_index("CCG13CD")
    out = pd.DataFrame({"team_ods": top.reindex(ods.to_numpy()).to_numpy(),
                        "ons": look["NHSAT13CD"].reindex(keys).to_numpy(),
                        "ons_name": look["NHSAT13NM"].reindex(keys).to_numpy()}, index=keys)
    # an ODS team takes the GSS code and name of the ONS team it shares most CCGs with, where that ONS
    # team also shares most of its CCGs with it (mutual majority); London's three teams share one ONS team
    n = out.groupby(["team_ods", "ons"]).size().rename("n").reset_index()
    n = n.sort_values(["n", "team_ods", "ons"], ascending=[False, True, True], kind="stable")
    best_ons = n.drop_duplicates("team_ods").set_index("team_ods")["ons"]
    best_team = n.drop_duplicates("ons").set_index("ons")["team_ods"]
    gp_names = registered_by_practice(gp_path).drop_duplicates("area_team").set_index("area_team")["area_team_name"]
    ons_names = out.drop_duplicates("ons").set_index("ons")["ons_name"]
    code, name, gss = {}, {}, {}
    ons_total = n.groupby("ons")["n"].sum()
    for team, ons in best_ons.items():
        shared = int(n.loc[(n["team_ods"] == team) & (n["ons"] == ons), "n"].iloc[0])
        if best_team[ons] == team and shared >= 0.75 * ons_total[ons]:
            code[team], name[team], gss[team] = ons, ons_names[ons], ons
        else:
            nm = str(gp_names.get(team, team)).replace(" AREA TEAM", "").strip().title()
            code[team], name[team], gss[team] = team, nm, ""
    # the published lookup beats the inference: an ONS team that is one ODS team gets all its CCGs
    out["inferred"] = out["team_ods"].map(code)
    published = {ons: team for team, ons in best_ons.items() if gss[team] and order[0] == "ccg_at_region_2013"}
    named = out["ons"].map(published)
    out["team_ods"] = named.fillna(out["team_ods"])
    out["from"] = np.where(named.notna(), "ONS CCG13-NHSAT13 lookup", "GP lists (majority of patients)")
    out["team_code"] = out["team_ods"].map(code)
    out["team_name"] = out["team_ods"].map(name)
    out["team_gss"] = out["team_ods"].map(gss)
    return out


def area_team_2013(ctx, spec) -> Column:
    """The 27 NHS England area teams of April 2013: each CCG goes to the team of most of its registered
    patients; the 25-team ONS lookup (one London team) is kept as a cross-check in the build report."""
    ccg = ctx.layer_frame("ccg_2013")
    teams = _area_teams(ctx, ccg["code"].to_numpy(), ccg["ods_code"], spec.params["area_teams_from"])
    codes = pd.Series(ctx.column("ccg_2013")).map(teams["team_code"]).to_numpy(dtype=object)
    t = teams.drop_duplicates("team_code").set_index("team_code")
    differs = teams[teams["team_gss"].ne(teams["ons"]) & teams["team_gss"].ne("")]
    names = ccg.set_index("code")["name"]
    disagree = teams[teams["inferred"] != teams["team_code"]]
    report = {"teams": int(len(t)), "ccgs_whose_team_differs_from_ons_25_team_lookup": int(len(differs)),
              "ccgs_placed_by_ons_lookup": int((teams["from"] != "GP lists (majority of patients)").sum()),
              "ccgs_placed_by_gp_lists": int((teams["from"] == "GP lists (majority of patients)").sum()),
              "lookup_overrides_inference": [
                  {"ccg": str(c), "name": str(names.get(c, "")), "ons_lookup": str(r["team_code"]),
                   "gp_list_majority": str(r["inferred"])} for c, r in disagree.iterrows()],
              "teams_without_gss_code": sorted(t.index[t["team_gss"] == ""].tolist()),
              "ons_teams_split": sorted({o for o in teams["ons"] if teams.loc[teams["ons"] == o, "team_ods"].nunique() > 1})}
    return Column(codes, t["team_name"], t["team_ods"], attrs=pd.DataFrame({"gss_code": t["team_gss"]}),
                  report={"nhs_area_team_2013": report})


def ccg_2013(ctx, spec) -> Column:
    """CCGs of April 2013: each LSOA to the CCG whose (200 m) April 2013 polygon holds its point on surface."""
    ccg_path = ctx.path("ccg_2013_raw")
    ccg_raw = normalise(read_vector(ccg_path, engine=ctx.engine), ccg_path, code="AREACD", name="AREANM")
    codes, outside, multi = assign_points(ctx.points(), ccg_raw)
    ccg_list = read_table(ctx.path("ccg_2013_list"), required=["CCG13CD", "CCG13CDH", "CCG13NM"]).set_index("CCG13CD")
    keys = np.unique(codes.astype(str))
    ods = ccg_list["CCG13CDH"].reindex(keys)
    attrs = pd.DataFrame(index=keys)
    attrs["registered_population"] = registered_population(ctx.path("gp_list_size_2013"), ods).to_numpy()
    look = read_table(ctx.path("ccg_at_region_2013"), required=["CCG13CD", "NHSAT13CD", "NHSCR13CD"])
    look = look[look["CCG13CD"].str.startswith("E38")].set_index("CCG13CD")
    attrs["nhs_area_team_code"] = _area_teams(ctx, keys, ods, spec.params["area_teams_from"])["team_code"].to_numpy()
    attrs["nhs_region_code"] = look["NHSCR13CD"].reindex(keys).to_numpy()
    # predecessor PCTs from the geometry: the PCTs whose LSOAs make the CCG, by share of its residents
    pop = ctx.population("census_2011")
    parts = (pd.DataFrame({"ccg": codes, "pct": ctx.column("pct_2011"), "pop": pop})
             .groupby(["ccg", "pct"], sort=True)["pop"].sum().reset_index())
    parts["share"] = parts["pop"] / parts.groupby("ccg")["pop"].transform("sum")
    parts = parts.sort_values(["ccg", "share", "pct"], ascending=[True, False, True], kind="stable")
    pct_ods = _pct_list(ctx).set_index("code")["ods_code"]
    parts["label"] = [f"{pct_ods.get(c) or c} {sh:.1%}" for c, sh in zip(parts["pct"], parts["share"])]
    attrs["predecessor_pcts"] = parts.groupby("ccg", sort=False)["label"].agg("; ".join).reindex(keys).to_numpy()
    attrs["predecessor_pct_count"] = parts.groupby("ccg")["pct"].size().reindex(keys).to_numpy()
    report = {"ccg_assignment": {"outside_every_polygon": outside, "inside_several": multi,
                                 **_compare_ccg15(ctx, codes, pop)}}
    return Column(codes, ccg_list["CCG13NM"], ccg_list["CCG13CDH"], attrs=attrs, report=report)


def _compare_ccg15(ctx, ours: np.ndarray, pop: np.ndarray) -> dict:
    """Compare the 2013 best-fit CCG of each LSOA with ONS's July 2015 LSOA-to-CCG lookup."""
    lk = read_table(ctx.path("lsoa_ccg15_lookup"), required=["LSOA11CD", "CCG15CD"])
    ccg15 = lk.set_index("LSOA11CD")["CCG15CD"].reindex(ctx.base["code"]).to_numpy()
    differ = ours != ccg15
    # a difference is explained when our 2013 CCG no longer exists in 2015 or the 2015 CCG is new
    in_changed = (~pd.Series(ours).isin(lk["CCG15CD"]) | ~pd.Series(ccg15).isin(ours)).to_numpy()
    return {"lsoas_differing_from_ons_2015": int(differ.sum()),
            "of_which_in_ccgs_whose_code_changed_by_2015": int((differ & in_changed).sum()),
            "population_differing": int(pop[differ].sum()),
            "ccg15_codes": len(set(lk["CCG15CD"]))}


#: Builder name (``builder = ...`` in layers.toml) -> function.
BUILDERS = {
    "district_2011": district_2011, "county_2011": county_2011, "pct_2011": pct_2011,
    "pct_cluster_2011": pct_cluster_2011, "sha_2011": sha_2011, "sha_cluster_2011": sha_cluster_2011,
    "ccg_2013": ccg_2013, "area_team_2013": area_team_2013,
}

