"""Build every boundary layer of 2011-13 England from LSOAs and the ``geo/`` tables.

Each LSOA is assigned to one unit per layer: by its district (file name) for
districts, counties and whole-district PCTs; by its point on surface for PCTs
that split a district (December 2005 PCT polygons) and for CCGs (April 2013
polygons). Every layer is then a coverage union of its LSOAs, so layers nest
exactly and populations are sums of Census 2011 usual residents.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from . import settings
from ._errors import DataError
from .catalogue import SourceGroup, load_catalogue
from .coverage import dissolve_geoms, repair_coverage
from .fetch import fetch
from .readers import (normalise, read_census_lc2101, read_pct_2011_list, read_table,
                      read_vector)

#: Bump when the build logic changes, so old caches are rebuilt.
BUILD_VERSION = "4"

#: Layer ids in display order, with the feature count checked on every build.
EXPECTED_FEATURES: dict[str, int] = {
    "lsoa_2011": 32_844,
    "lad_2011": 326,
    "utla_2011": 152,
    "pct_2011": 151,
    "pct_cluster_2011": 50,
    "sha_2011": 10,
    "sha_cluster_2011": 4,
    "ccg_2013": 211,
    "nhs_area_team_2013": 25,
    "nhs_region_2013": 4,
}

#: England's Census 2011 usual residents (ONS), the check on the LSOA populations.
ENGLAND_POPULATION_2011 = 53_012_456

#: Layers assigned to LSOAs (columns of the LSOA table), in build order.
LSOA_LAYERS = [k for k in EXPECTED_FEATURES if k != "lsoa_2011"]

LAYER_INFO: dict[str, dict[str, str]] = {
    "lsoa_2011": {"title": "Lower layer super output areas", "vintage": "2011",
                  "source": "ONS LSOA 2011 BGC via martinjc/UK-GeoJSON; Census 2011 LC2101EW (Nomis)"},
    "lad_2011": {"title": "Local authority districts", "vintage": "December 2011",
                 "source": "LSOA 2011 by district; names from ONS LAD Dec 2011 BGC"},
    "utla_2011": {"title": "Upper-tier local authorities", "vintage": "December 2011",
                  "source": "districts grouped by ONS counties and unitary authorities Dec 2011"},
    "pct_2011": {"title": "Primary care trusts", "vintage": "April 2011",
                 "source": "reconstructed: geo/pct_composition.csv over LSOAs (+ Dec 2005 PCT polygons for split districts)"},
    "pct_cluster_2011": {"title": "PCT clusters", "vintage": "2011-12",
                         "source": "PCTs grouped by geo/pct_memberships.csv"},
    "sha_2011": {"title": "Strategic health authorities", "vintage": "2011-12",
                 "source": "PCTs grouped by managing SHA (ONS PCO12_SHA12 lookup)"},
    "sha_cluster_2011": {"title": "SHA clusters", "vintage": "October 2011",
                         "source": "SHAs grouped by geo/sha_clusters.csv"},
    "ccg_2013": {"title": "Clinical commissioning groups", "vintage": "April 2013",
                 "source": "LSOA best fit (point on surface) in ONS CCG April 2013 BSC polygons"},
    "nhs_area_team_2013": {"title": "NHS England area teams", "vintage": "April 2013",
                           "source": "CCGs grouped by ONS CCG13-NHSAT13-NHSCR13 lookup"},
    "nhs_region_2013": {"title": "NHS commissioning regions", "vintage": "April 2013",
                        "source": "CCGs grouped by ONS CCG13-NHSAT13-NHSCR13 lookup"},
}

COLUMNS = ["code", "name", "ods_code", "population", "area_km2"]

#: Layers dissolved from an already-built layer they nest in exactly, rather than from 32,844 LSOAs.
DISSOLVE_FROM = {"utla_2011": "lad_2011", "pct_cluster_2011": "pct_2011", "sha_2011": "pct_2011",
                 "sha_cluster_2011": "sha_2011", "nhs_area_team_2013": "ccg_2013",
                 "nhs_region_2013": "nhs_area_team_2013"}


@dataclass
class Built:
    """The result of a build: the LSOA table, every layer, and what was measured."""

    lsoa: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    report: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers

def _group_paths(paths: dict[str, list[Path]], gid: str) -> list[Path]:
    if gid not in paths:
        raise DataError(f"source group {gid!r} was not fetched")
    return paths[gid]


def _one(paths: dict[str, list[Path]], gid: str) -> Path:
    return _group_paths(paths, gid)[0]


def _check_count(layer_id: str, n: int) -> None:
    expected = EXPECTED_FEATURES[layer_id]
    if n != expected:
        raise DataError(f"layer {layer_id} has {n} features; expected {expected}")


def _geo_table(name: str, required: list[str]) -> tuple[pd.DataFrame, Path]:
    path = settings.geo_dir() / name
    return read_table(path, required=required), path


def _unknown(path: Path, df: pd.DataFrame, col: str, known: set[str], what: str) -> None:
    bad = ~df[col].isin(known)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"unknown {what} {df[col].iloc[i]!r}", path=path, row=i + 2, column=col)


# --------------------------------------------------------------------------- base inputs

def read_lsoas(paths: list[Path], engine: str = "pyogrio") -> gpd.GeoDataFrame:
    """Read the per-district LSOA files into one GeoDataFrame with ``lad_2011`` from each file name."""
    frames = []
    for p in paths:
        g = read_vector(p, engine=engine)
        for col in ("LSOA11CD", "LSOA11NM"):
            if col not in g.columns:
                raise DataError(f"missing column {col!r}", path=p, column=col)
        g = g[["LSOA11CD", "LSOA11NM", "geometry"]]
        g["lad_2011"] = Path(p).stem
        frames.append(g)
    raw = pd.concat(frames, ignore_index=True)
    invalid_raw = int((~shapely.is_valid(raw.geometry.values)).sum())
    out = normalise(gpd.GeoDataFrame(raw, geometry="geometry", crs=frames[0].crs), paths[0].parent,
                    code="LSOA11CD", name="LSOA11NM")
    out["lad_2011"] = raw["lad_2011"].to_numpy()
    out.attrs["invalid_raw"] = invalid_raw
    return out.drop(columns=["ods_code", "population"])


def _assign_points(points: np.ndarray, polys: gpd.GeoDataFrame, code_col: str = "code") -> tuple[np.ndarray, int, int]:
    """Code of the polygon containing each point; outside all -> nearest; in several -> the first code.

    Returns the codes, how many points fell outside every polygon and how many in several.
    """
    tree = shapely.STRtree(polys.geometry.values)
    pi, gi = tree.query(points, predicate="within")
    codes = polys[code_col].to_numpy()
    df = pd.DataFrame({"p": pi, "c": codes[gi]}).sort_values(["p", "c"])
    multi = int(df.duplicated("p").sum())
    first = df.drop_duplicates("p")
    out = np.full(len(points), None, dtype=object)
    out[first["p"].to_numpy()] = first["c"].to_numpy()
    outside = np.flatnonzero(pd.isna(out))
    if len(outside):
        near = tree.nearest(points[outside])
        out[outside] = codes[near]
    return out, len(outside), multi


# --------------------------------------------------------------------------- the build

def build_layers(paths: dict[str, list[Path]], engine: str = "pyogrio") -> Built:
    """Build the LSOA table and every layer from fetched source files.

    Parameters
    ----------
    paths : dict
        Source group id -> cached file paths, as returned by :func:`fetch.fetch`.
    engine : {"pyogrio", "fiona"}
        Vector I/O engine.

    Returns
    -------
    Built
    """
    report: dict = {}
    # LSOAs, their coverage and their people
    lsoa = read_lsoas(_group_paths(paths, "lsoa_2011"), engine)
    _check_count("lsoa_2011", len(lsoa))
    geoms, slivers = repair_coverage(lsoa.geometry.values)
    if not slivers.valid_coverage:
        raise DataError("LSOA polygons could not be repaired into a clean coverage")
    lsoa = lsoa.set_geometry(geoms)
    report["slivers"] = {**slivers.__dict__, "invalid_input": lsoa.attrs.get("invalid_raw", slivers.invalid_input)}
    census_path = _one(paths, "census_2011_lc2101ew")
    census = read_census_lc2101(census_path)
    pop = census.set_index("code")["population"]
    lsoa["population"] = pop.reindex(lsoa["code"]).to_numpy()
    if lsoa["population"].isna().any():
        missing = lsoa.loc[lsoa["population"].isna(), "code"].iloc[0]
        raise DataError(f"no Census 2011 population for LSOA {missing}", path=census_path)
    lsoa["population"] = lsoa["population"].astype("int64")
    if int(lsoa["population"].sum()) != ENGLAND_POPULATION_2011:
        raise DataError(f"England population sums to {int(lsoa['population'].sum())}, expected "
                        f"{ENGLAND_POPULATION_2011}", path=census_path)
    lsoa["area_m2"] = shapely.area(lsoa.geometry.values)
    points = shapely.point_on_surface(lsoa.geometry.values)

    # districts and upper tier
    lad_path = _one(paths, "lad_2011_raw")
    lad_raw = read_vector(lad_path, engine=engine)
    lad_raw = normalise(lad_raw, lad_path, code="lad11cd", name="lad11nm")
    lad_raw["old_code"] = read_vector(lad_path, engine=engine)["lad11cdo"].to_numpy()
    lad_raw = lad_raw[lad_raw["code"].str.startswith("E")]
    _check_count("lad_2011", len(lad_raw))
    unknown_lad = set(lsoa["lad_2011"]) - set(lad_raw["code"])
    if unknown_lad:
        raise DataError(f"LSOA file names district(s) not in the LAD 2011 list: {sorted(unknown_lad)[:3]}")
    lsoa["utla_2011"], utla_names = _utla_codes(paths, lsoa, lad_raw, engine)

    # PCTs and their groupings
    pct_list_path = _one(paths, "pct_2011_list")
    pct_list = read_pct_2011_list(pct_list_path)
    lsoa["pct_2011"], report["pct_split_districts"] = _pct_codes(paths, lsoa, points, lad_raw, pct_list, engine)
    memb, memb_path = _geo_table("pct_memberships.csv", ["pct_code", "cluster_code", "sha_code", "source", "confidence"])
    _unknown(memb_path, memb, "pct_code", set(pct_list["code"]), "PCT code")
    if memb["pct_code"].duplicated().any():
        i = int(np.flatnonzero(memb["pct_code"].duplicated().to_numpy())[0])
        raise DataError(f"PCT {memb['pct_code'].iloc[i]} listed twice", path=memb_path, row=i + 2, column="pct_code")
    missing = set(pct_list["code"]) - set(memb["pct_code"])
    if missing:
        raise DataError(f"no cluster for PCT(s) {sorted(missing)[:3]}", path=memb_path)
    clusters, clusters_path = _geo_table("pct_clusters.csv", ["cluster_code", "cluster_name", "sha_code", "source"])
    _unknown(memb_path, memb, "cluster_code", set(clusters["cluster_code"]), "cluster code")
    sha_list = read_table(_one(paths, "sha_2012_list"), required=["SHA12CD", "SHA12CDO", "SHA12NM"])
    _unknown(memb_path, memb, "sha_code", set(sha_list["SHA12CD"]), "SHA code")
    shac, shac_path = _geo_table("sha_clusters.csv", ["sha_code", "sha_cluster_code", "sha_cluster_name", "source"])
    _unknown(shac_path, shac, "sha_code", set(sha_list["SHA12CD"]), "SHA code")
    report["pct_sha_check"] = _check_pct_sha(paths, pct_list, memb)
    m = memb.set_index("pct_code")
    lsoa["pct_cluster_2011"] = m["cluster_code"].reindex(lsoa["pct_2011"]).to_numpy()
    lsoa["sha_2011"] = m["sha_code"].reindex(lsoa["pct_2011"]).to_numpy()
    lsoa["sha_cluster_2011"] = shac.set_index("sha_code")["sha_cluster_code"].reindex(lsoa["sha_2011"]).to_numpy()

    # CCGs (best fit) and NHS England geography
    ccg_path = _one(paths, "ccg_2013_raw")
    ccg_raw = normalise(read_vector(ccg_path, engine=engine), ccg_path, code="AREACD", name="AREANM")
    lsoa["ccg_2013"], outside, multi = _assign_points(points, ccg_raw)
    ccg_list = read_table(_one(paths, "ccg_2013_list"), required=["CCG13CD", "CCG13CDH", "CCG13NM"])
    look = read_table(_one(paths, "ccg_at_region_2013"),
                      required=["CCG13CD", "NHSAT13CD", "NHSAT13NM", "NHSCR13CD", "NHSCR13NM"])
    look = look[look["CCG13CD"].str.startswith("E38")]
    lk = look.set_index("CCG13CD")
    lsoa["nhs_area_team_2013"] = lk["NHSAT13CD"].reindex(lsoa["ccg_2013"]).to_numpy()
    lsoa["nhs_region_2013"] = lk["NHSCR13CD"].reindex(lsoa["ccg_2013"]).to_numpy()
    report["ccg_assignment"] = {"outside_every_polygon": outside, "inside_several": multi,
                                **_compare_ccg15(paths, lsoa)}

    # dissolve every layer
    layers: dict[str, gpd.GeoDataFrame] = {}
    g = lsoa.geometry.values
    names = {
        "lad_2011": lad_raw.set_index("code")["name"],
        "utla_2011": utla_names,
        "pct_2011": pct_list.set_index("code")["name"],
        "pct_cluster_2011": clusters.set_index("cluster_code")["cluster_name"],
        "sha_2011": sha_list.set_index("SHA12CD")["SHA12NM"],
        "sha_cluster_2011": shac.drop_duplicates("sha_cluster_code").set_index("sha_cluster_code")["sha_cluster_name"],
        "ccg_2013": ccg_list.set_index("CCG13CD")["CCG13NM"],
        "nhs_area_team_2013": look.drop_duplicates("NHSAT13CD").set_index("NHSAT13CD")["NHSAT13NM"],
        "nhs_region_2013": look.drop_duplicates("NHSCR13CD").set_index("NHSCR13CD")["NHSCR13NM"],
    }
    ods = {
        "pct_2011": pct_list.set_index("code")["ods_code"],
        "sha_2011": sha_list.set_index("SHA12CD")["SHA12CDO"],
        "ccg_2013": ccg_list.set_index("CCG13CD")["CCG13CDH"],
    }
    sums = lsoa[["population", "area_m2"]]
    for lid in LSOA_LAYERS:
        parent = DISSOLVE_FROM.get(lid)
        if parent is None:
            keys, polys = dissolve_geoms(g, lsoa[lid].to_numpy())
        else:
            # nested layers: union the (far fewer) polygons of the layer they are made of
            up = lsoa.drop_duplicates(parent).set_index(parent)[lid]
            src = layers[parent]
            keys, polys = dissolve_geoms(src.geometry.values, up.reindex(src["code"]).to_numpy())
        agg = sums.groupby(lsoa[lid].to_numpy()).sum().loc[keys]
        n = names[lid].reindex(keys)
        if n.isna().any():
            raise DataError(f"layer {lid}: no name for code {keys[n.isna().to_numpy()][0]}")
        layer = gpd.GeoDataFrame({
            "code": keys,
            "name": n.to_numpy(dtype=object),
            "ods_code": ods[lid].reindex(keys).fillna("").to_numpy(dtype=object) if lid in ods else "",
            "population": agg["population"].to_numpy().astype("int64"),
            "area_km2": agg["area_m2"].to_numpy() / 1e6,
        }, geometry=polys, crs=settings.CRS)
        _check_count(lid, len(layer))
        layers[lid] = layer
    _add_layer_attributes(layers, lsoa, memb, clusters, shac, paths)
    lsoa_out = lsoa.drop(columns=[]).copy()
    layers["lsoa_2011"] = lsoa_out
    return Built(lsoa=lsoa_out, layers=layers, report=report)


def _utla_codes(paths, lsoa, lad_raw, engine) -> tuple[np.ndarray, pd.Series]:
    """Upper-tier code per LSOA: unitaries, metropolitan and London districts are their own upper tier;
    shire districts go to the county whose Dec 2011 polygon holds the district's point on surface."""
    utla_path = _one(paths, "utla_2011_raw")
    utla_raw = normalise(read_vector(utla_path, engine=engine), utla_path, code="AREACD", name="AREANM")
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
    _check_count("utla_2011", len(utla_e))
    county_polys = utla_e[utla_e["gss"].str.startswith("E10")]
    lad_code = lsoa["lad_2011"].to_numpy()
    shire = np.char.startswith(lad_code.astype(str), "E07")
    # a district's county: the county holding most of the district's LSOA points
    pts = shapely.point_on_surface(lsoa.geometry.values[shire])
    cc, _, _ = _assign_points(pts, county_polys.rename(columns={"code": "old", "gss": "code"}))
    votes = pd.DataFrame({"lad": lad_code[shire], "county": cc}).value_counts().reset_index()
    votes = votes.sort_values(["lad", "count", "county"], ascending=[True, False, True]).drop_duplicates("lad")
    lad_to_county = dict(zip(votes["lad"], votes["county"]))
    out = np.array([lad_to_county.get(c, c) if s else c for c, s in zip(lad_code, shire)], dtype=object)
    names = utla_e.set_index("gss")["name"]
    return out, names


def _pct_codes(paths, lsoa, points, lad_raw, pct_list, engine) -> tuple[np.ndarray, dict]:
    """PCT code per LSOA from geo/pct_composition.csv (whole districts, or parts by Dec 2005 PCTs)."""
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
    out = pd.Series(lsoa["lad_2011"].to_numpy()).map(dict(zip(whole["lad_code"], whole["pct_code"]))).to_numpy(dtype=object)
    split_report: dict = {}
    if len(parts):
        p05_path = _one(paths, "pct_2005")
        p05 = normalise(read_vector(p05_path, engine=engine), p05_path, code="AREACD", name="AREANM")
        owner05 = {}
        for i, row in parts.iterrows():
            for ods in row["part"].split(":", 1)[1].split():
                if ods not in set(p05["code"]):
                    raise DataError(f"unknown Dec 2005 PCT {ods!r}", path=cpath, row=int(i) + 2, column="part")
                owner05[(row["lad_code"], ods)] = row["pct_code"]
        for lad in sorted(parts["lad_code"].unique()):
            sel = np.flatnonzero(lsoa["lad_2011"].to_numpy() == lad)
            listed = sorted({o for (l_, o) in owner05 if l_ == lad})
            polys = p05[p05["code"].isin(listed)]
            got, outside, _ = _assign_points(points[sel], polys)
            out[sel] = [owner05[(lad, c)] for c in got]
            split_report[lad] = {"outside_listed_2005_pcts": outside,
                                 **pd.Series(out[sel]).value_counts().sort_index().to_dict()}
    if pd.isna(out).any():
        raise DataError("some LSOAs belong to no PCT", path=cpath)
    return out, split_report


def _check_pct_sha(paths, pct_list, memb) -> dict:
    """Compare names and SHAs with the ONS PCT-to-SHA lookup of 2012 (a PCT may be listed under two SHAs)."""
    lk = read_table(_one(paths, "pct_sha_2012"), required=["PCO12CD", "PCO12NM", "SHA12CD"])
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


def _compare_ccg15(paths, lsoa) -> dict:
    """Compare the 2013 best-fit CCG of each LSOA with ONS's July 2015 LSOA-to-CCG lookup."""
    lk = read_table(_one(paths, "lsoa_ccg15_lookup"), required=["LSOA11CD", "CCG15CD"])
    ccg15 = lk.set_index("LSOA11CD")["CCG15CD"].reindex(lsoa["code"]).to_numpy()
    ours = lsoa["ccg_2013"].to_numpy()
    differ = ours != ccg15
    # a difference is explained when our 2013 CCG no longer exists in 2015 or the 2015 CCG is new
    in_changed = (~pd.Series(ours).isin(lk["CCG15CD"]) | ~pd.Series(ccg15).isin(ours)).to_numpy()
    return {"lsoas_differing_from_ons_2015": int(differ.sum()),
            "of_which_in_ccgs_whose_code_changed_by_2015": int((differ & in_changed).sum()),
            "population_differing": int(lsoa["population"].to_numpy()[differ].sum()),
            "ccg15_codes": len(set(lk["CCG15CD"]))}


def _add_layer_attributes(layers, lsoa, memb, clusters, shac, paths) -> None:
    """Extra columns users ask for: parents, members and registered populations."""
    pct = layers["pct_2011"]
    m = memb.set_index("pct_code")
    pct["cluster_code"] = m["cluster_code"].reindex(pct["code"]).to_numpy()
    pct["sha_code"] = m["sha_code"].reindex(pct["code"]).to_numpy()
    pct["confidence"] = m["confidence"].reindex(pct["code"]).to_numpy()
    cl = layers["pct_cluster_2011"]
    members = memb.sort_values("pct_code").groupby("cluster_code")["pct_code"].apply(" ".join)
    cl["members"] = members.reindex(cl["code"]).to_numpy()
    cl["sha_code"] = clusters.set_index("cluster_code")["sha_code"].reindex(cl["code"]).to_numpy()
    cl["confidence"] = clusters.set_index("cluster_code")["confidence"].reindex(cl["code"]).to_numpy() \
        if "confidence" in clusters else ""
    # the SHAs a cluster's PCTs answer to (more than one where a PCT came from another SHA)
    shas = memb.groupby("cluster_code")["sha_code"].apply(lambda s: " ".join(sorted(set(s))))
    cl["pct_sha_codes"] = shas.reindex(cl["code"]).to_numpy()
    sha = layers["sha_2011"]
    sha["sha_cluster_code"] = shac.set_index("sha_code")["sha_cluster_code"].reindex(sha["code"]).to_numpy()
    ccg = layers["ccg_2013"]
    ccg["registered_population"] = registered_population(_one(paths, "gp_list_size_2013"),
                                                         ccg["ods_code"]).to_numpy()
    look = pd.DataFrame({"ccg": lsoa["ccg_2013"], "at": lsoa["nhs_area_team_2013"], "r": lsoa["nhs_region_2013"]})
    first = look.drop_duplicates("ccg").set_index("ccg")
    ccg["nhs_area_team_code"] = first["at"].reindex(ccg["code"]).to_numpy()
    ccg["nhs_region_code"] = first["r"].reindex(ccg["code"]).to_numpy()
    # predecessor PCTs from the geometry: the PCTs whose LSOAs make the CCG, by share of its residents
    parts = (pd.DataFrame({"ccg": lsoa["ccg_2013"], "pct": lsoa["pct_2011"], "pop": lsoa["population"]})
             .groupby(["ccg", "pct"], sort=True)["pop"].sum().reset_index())
    parts["share"] = parts["pop"] / parts.groupby("ccg")["pop"].transform("sum")
    parts = parts.sort_values(["ccg", "share", "pct"], ascending=[True, False, True], kind="stable")
    ods = pct.set_index("code")["ods_code"]
    parts["label"] = [f"{ods.get(c) or c} {sh:.1%}" for c, sh in zip(parts["pct"], parts["share"])]
    ccg["predecessor_pcts"] = parts.groupby("ccg", sort=False)["label"].agg("; ".join).reindex(ccg["code"]).to_numpy()
    ccg["predecessor_pct_count"] = parts.groupby("ccg")["pct"].size().reindex(ccg["code"]).to_numpy()


def registered_population(path: Path, ods_codes: pd.Series) -> pd.Series:
    """Registered patients per CCG (sum of GP practice lists, April-June 2013).

    The HSCIC file codes each practice's commissioner as a 5-character code whose first
    three characters are the CCG's ODS code; practices under other codes are left out.

    Returns
    -------
    pandas.Series
        Registered population aligned with ``ods_codes`` (0 where no practice matched).
    """
    df = read_table(path, required=["PCO Code", "Practice Code"])
    counts = [c for c in df.columns if c.startswith(("Male", "Female"))]
    if not counts:
        raise DataError("no Male/Female count columns", path=path)
    total = df[counts].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
    by = total.groupby(df["PCO Code"].str[:3]).sum()
    return by.reindex(ods_codes.to_numpy()).fillna(0).astype("int64").set_axis(ods_codes.index)


# --------------------------------------------------------------------------- cache

def cache_key(catalogue: Path | None = None) -> str:
    """Hash of everything a build depends on: the catalogue, the geo/ tables and the build version."""
    h = hashlib.sha256(BUILD_VERSION.encode())
    cat = catalogue or settings.boundaries_dir() / "sources.toml"
    h.update(Path(cat).read_bytes())
    geo = settings.geo_dir()
    for p in sorted(geo.glob("*.csv")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _gpkg_path() -> Path:
    return settings.cache_dir() / "atlas.gpkg"


def write_cache(built: Built, key: str) -> None:
    """Write every layer to one GeoPackage, then a small JSON manifest; both atomically."""
    gpkg = _gpkg_path()
    gpkg.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=gpkg.parent, prefix=".atlas-", suffix=".gpkg")
    os.close(fd)
    os.unlink(tmp)
    try:
        for lid, layer in built.layers.items():
            pyogrio.write_dataframe(layer, tmp, layer=lid, driver="GPKG")
        os.replace(tmp, gpkg)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    manifest = {"key": key, "layers": list(built.layers), "report": built.report}
    _atomic_write_text(gpkg.with_suffix(".json"), json.dumps(manifest, indent=1, sort_keys=True, default=str))


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_cache(key: str) -> Built | None:
    """Return the cached build if its manifest key matches, else None."""
    gpkg = _gpkg_path()
    man = gpkg.with_suffix(".json")
    if not (gpkg.exists() and man.exists()):
        return None
    try:
        manifest = json.loads(man.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if manifest.get("key") != key:
        return None
    layers = {lid: pyogrio.read_dataframe(gpkg, layer=lid) for lid in manifest["layers"]}
    return Built(lsoa=layers["lsoa_2011"], layers=layers, report=manifest.get("report", {}))


def build_or_load(mirror: str | Path | None = None, engine: str = "pyogrio", rebuild: bool = False,
                  progress: bool = True) -> Built:
    """Return every layer, from the cache when nothing it depends on has changed.

    Parameters
    ----------
    mirror : str or Path, optional
        Local mirror of the upstream files (defaults to ``$COMMISSIONING_ATLAS_MIRROR``).
    engine : {"pyogrio", "fiona"}
        Vector I/O engine for the raw files.
    rebuild : bool
        Ignore the cache.
    progress : bool
        Show download progress.
    """
    key = cache_key()
    if not rebuild:
        cached = read_cache(key)
        if cached is not None:
            return cached
    catalogue = load_catalogue()
    paths = fetch(catalogue.values(), mirror=mirror, progress=progress)
    built = build_layers(paths, engine=engine)
    write_cache(built, key)
    return built


def source_groups() -> dict[str, SourceGroup]:
    """The catalogue's groups (for attribution and the ``layers`` listing)."""
    return load_catalogue()
