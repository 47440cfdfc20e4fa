"""Regenerate src/commissioning_atlas/data/sources.toml from a SOURCES.csv listing (one-off maintenance script).

Usage: python tools/make_catalogue.py ../shared/data/SOURCES.csv > src/commissioning_atlas/data/sources.toml
Group metadata (id, format, vintage, expected features, attribution) is kept here, by hand.
"""
import csv
import sys

GROUPS = [
    # (group id, match on SOURCES.csv path, format, vintage, expected features, role)
    ("lsoa_2011", "lsoa_by_lad/", "geojson", "2011 (BGC 20 m)", 32844, "LSOA 2011 polygons, one file per 2011 district"),
    ("lad_2011_raw", "Local_Authority_Districts_December_2011", "topojson", "December 2011 (BGC 20 m)", 380, "LAD Dec 2011, GB; GSS and old ONS codes"),
    ("utla_2011_raw", "Counties_and_Unitary_Authorities_December_2011", "topojson", "December 2011 (BGC 20 m)", 174, "Counties and unitary authorities Dec 2011, E+W; old ONS codes"),
    ("lad_2013_raw", "topo_lad.json", "topojson", "2013 (BGC 20 m)", 326, "LAD 2013 England"),
    ("ccg_2013_raw", "CCG_2013_EN_BSC.json", "topojson", "April 2013 (BSC 200 m)", 211, "CCG April 2013, GSS codes"),
    ("ccg_2013_kml", "CCC_Feb2013.KML", "kml", "February 2013 (BSC 200 m)", 211, "CCG Feb 2013, ODS codes"),
    ("nhs_area_team_2013_raw", "NHSAT_2013_EN_BSC.json", "topojson", "April 2013 (BSC)", 25, "NHS area teams 2013"),
    ("nhs_region_2013_raw", "NHSCR_2013_EN_BSC.json", "topojson", "April 2013 (BSC)", 4, "NHS commissioning regions 2013"),
    ("pct_2005", "PCO_DEC_2005_EN_BGC.json", "topojson", "December 2005 (BGC)", 303, "PCTs of Dec 2005 (pre-2006 reorganisation)"),
    ("sha_2005", "SHA_DEC_2005_EN_BGC.json", "topojson", "December 2005 (BGC)", 28, "SHAs of Dec 2005"),
    ("lsoa_ccg15_lookup", "csv/212.csv", "csv", "July 2015", 32844, "LSOA11 -> CCG15 -> LAD15 lookup (cross-check)"),
    ("lsoa01_lsoa11_lookup", "csv/220.csv", "csv", "December 2011", None, "LSOA01 -> LSOA11 -> LAD11 lookup"),
    ("pct_sha_2012", "PCO12_SHA12_EN_LU.csv", "csv", "2012", 155, "PCT 2012 -> SHA 2012 lookup"),
    ("pct_2012_list", "PCO_2012.csv", "csv", "2012", 151, "PCT 2012 codes and names"),
    ("sha_2012_list", "SHA_2012.csv", "csv", "2012", 10, "SHA 2012 codes and names"),
    ("ccg_2013_list", "CCG_APR_2013.csv", "csv", "April 2013", 211, "CCG April 2013 codes and names"),
    ("ccg_at_region_2013", "CCG13_NHSAT13_NHSCR13_EW_LU.csv", "csv", "April 2013", 211, "CCG13 -> area team -> region lookup"),
    ("nhs_area_team_2013_list", "NHSAT_APR_2013_EN_NC.csv", "csv", "April 2013", 25, "NHS area team codes and names"),
    ("gp_list_size_2013", "Patient_List_Size_2013_04-06.csv", "csv", "April-June 2013", None, "GP practice registered patients"),
    ("pct_2011_list", "PCO names and codes EN as at 04_11.csv", "csv", "April 2011", 151, "PCT April 2011 code list"),
    ("pct_ccg_postcode_shares", "ccg2ons.js", "json", "2013", 237, "PCT 2011 -> CCG 2013 postcode shares (third-party copy; cross-check only)"),
    ("census_2011_lc2101ew", "591013939 all.csv", "nomis_csv", "Census 2011", 34753, "Census 2011 usual residents by LSOA (LC2101EW, raw Nomis export, E+W)"),
    ("martinjc_licence", "licence.ons.md", "text", "-", None, "Licence text of martinjc/UK-GeoJSON"),
    # 2015-2027: lookups, populations and validation boundaries on the 2011 LSOA base
    ("lsoa_ccg16_lookup", "csv/211.csv", "csv", "April 2016", 32844, "LSOA11 -> CCG16 -> LAD16 lookup"),
    ("lsoa_ccg17_lookup", "csv/226.csv", "csv", "April 2017", 32844, "LSOA11 -> CCG17 -> LAD17 lookup (v4)"),
    ("lsoa_ccg18_lookup", "csv/216.csv", "csv", "April 2018", 32844, "LSOA11 -> CCG18 -> LAD18 lookup"),
    ("lsoa_ccg19_lookup", "csv/217.csv", "csv", "April 2019", 32844, "LSOA11 -> CCG19 -> LAD19 lookup"),
    ("lsoa_ccg20_lookup", "csv/219.csv", "csv", "April 2020", 32844, "LSOA11 -> CCG20 -> LAD20 lookup"),
    ("lsoa_ccg21_lookup", "Lower_Layer_Super_Output_Area_(2011)_to_Clinical_Commissioning_Group_to_Local_Authority_District_(April_2021)", "csv", "April 2021", 32844, "LSOA11 -> CCG21 -> LAD21 lookup (BOM)"),
    ("lsoa_ccg21_stp21_rda", "lookup_lsoa11_ccg21_stp21_ltla21.rda", "rda", "April 2021", 32844, "LSOA11 -> CCG21 -> STP21 -> LTLA21 lookup (R data)"),
    ("lsoa_stp17_lookup", "csv/143.csv", "csv", "April 2017", 32844, "LSOA11 -> CCG17 -> STP17 -> LAD17 lookup"),
    ("lsoa_stp18_lookup", "csv/181.csv", "csv", "April 2018", 32844, "LSOA11 -> CCG18 -> STP18 -> LAD18 lookup (v3)"),
    ("ccg19_stp19_lookup", "csv/028.csv", "csv", "April 2019", 191, "CCG19 -> STP19 lookup"),
    ("ccg20_stp20_lookup", "csv/031.csv", "csv", "April 2020", 135, "CCG20 -> STP20 lookup"),
    ("ccg20_stp20_region_lookup", "Clinical_Commissioning_Group_to_STP_and_NHS_England__Region___April_2020_", "csv", "April 2020", 135, "CCG20 -> STP20 -> NHSER20 lookup (BOM)"),
    ("ccg21_stp21_region_lookup", "Clinical_Commissioning_Group_to_STP_and_NHS_England_(Region)_(April_2021)", "csv", "April 2021", 106, "CCG21 -> STP21 -> NHSER21 lookup (BOM)"),
    ("ccg17_region_lookup", "csv/222.csv", "csv", "April 2017", 207, "CCG17 -> NHSRLO17 -> NHSER17 lookup"),
    ("ccg18_region_lookup", "csv/202.csv", "csv", "April 2018", 195, "CCG18 -> NHSRLO18 -> NHSER18 lookup"),
    ("region19_names", "csv/246.csv", "csv", "April 2019", 7, "NHSER19 codes and names"),
    ("lsoa_sicbl22_lookup", "LSOA_(2011)_to_Sub_ICB_Locations_(July_2022)", "csv", "July 2022", 32844, "LSOA11 -> SICBL22 lookup (BOM)"),
    ("lsoa_sicbl22_icb22_rda", "lookup_lsoa11_sicbl22_icb22_ltla22.rda", "rda", "July 2022", 32844, "LSOA11 -> SICBL22 -> ICB22 -> LTLA22 lookup (R data)"),
    ("sicbl22_icb22_region_lookup", "Sub_ICB_Locations_to_Integrated_Care_Boards_to_NHS_England_(Region)_(July_2022)", "csv", "July 2022", 106, "SICBL22 -> ICB22 -> NHSER22 lookup (BOM)"),
    ("sicbl23_icb23_region_lookup", "Sub_ICB_Locations_to_Integrated_Care_Boards_to_NHS_England_(Region)_(April_2023)", "csv", "April 2023", 106, "SICBL23 -> ICB23 -> NHSER23 lookup (BOM)"),
    ("lsoa21_icb24_rda", "lookup_lsoa21_icb24.rda", "rda", "April 2024", 33755, "LSOA21 -> SICBL24 -> ICB24 lookup (R data)"),
    ("lsoa11_lsoa21_rda", "lookup_lsoa11_lsoa21_ltla22.rda", "rda", "2021", None, "LSOA11 -> LSOA21 lookup with change codes (R data)"),
    ("lsoa_ltla19_rda", "lookup_lsoa11_ltla19.rda", "rda", "April 2019", 32844, "LSOA11 -> LTLA19 lookup (R data)"),
    ("lsoa_ltla20_rda", "lookup_lsoa11_ltla20.rda", "rda", "April 2020", 32844, "LSOA11 -> LTLA20 lookup (R data)"),
    ("lsoa_ltla21_rda", "lookup_lsoa11_ltla21.rda", "rda", "April 2021", 32844, "LSOA11 -> LTLA21 lookup (R data)"),
    ("ltla19_utla19_rda", "lookup_ltla19_utla19.rda", "rda", "April 2019", None, "LTLA19 -> UTLA19 lookup (R data)"),
    ("ltla20_utla20_rda", "lookup_ltla20_utla20.rda", "rda", "April 2020", None, "LTLA20 -> UTLA20 lookup (R data)"),
    ("ltla21_utla21_rda", "lookup_ltla21_utla21.rda", "rda", "April 2021", None, "LTLA21 -> UTLA21 lookup (R data)"),
    ("ltla23_utla23_rda", "lookup_ltla23_utla23.rda", "rda", "April 2023", None, "LTLA23 -> UTLA23 lookup (R data)"),
    ("ltla22_ltla23_rda", "lookup_ltla22_ltla23.rda", "rda", "April 2023", None, "LTLA22 -> LTLA23 lookup (R data)"),
    ("lsoa21_ltla24_rda", "lookup_lsoa21_ward24_ltla24.rda", "rda", "2024", None, "LSOA21 -> ward24 -> LTLA24 lookup (R data)"),
    ("population_mid_2017", "population17_lsoa11.rda", "rda", "mid-2017", 32844, "ONS mid-2017 population estimates by LSOA11 (R data)"),
    ("population_mid_2019", "population19_lsoa11.rda", "rda", "mid-2019", 32844, "ONS mid-2019 population estimates by LSOA11 (R data)"),
    ("population_mid_2020", "population20_lsoa11.rda", "rda", "mid-2020", 32844, "ONS mid-2020 population estimates by LSOA11 (R data)"),
    ("census_2021_lsoa21", "disability21_lsoa21_ew.rda", "rda", "Census 2021", None, "Census 2021 usual residents by LSOA21, E+W (R data, total_residents)"),
    ("census_2021_lsoa21_alt", "census21_pop.rda", "rda", "Census 2021", None, "Census 2021 usual residents by LSOA21 in 6 age bands (R data; cross-check)"),
    ("icb_2022_raw", "ICB_JUL_2022_EN_BGC_V3.json", "topojson", "July 2022 (BGC)", 42, "ICB July 2022 boundaries (validation)"),
    ("icb_2023_raw", "Integrated_Care_Boards_April_2023_EN_BSC.json", "topojson", "April 2023 (BSC)", 42, "ICB April 2023 boundaries (validation)"),
    ("sicbl_2022_raw", "SICBL_JUL_2022_EN_BUC.json", "topojson", "July 2022 (BUC)", 106, "SICBL July 2022 boundaries (validation)"),
    ("sicbl_2023_raw", "Sub_Integrated_Care_Board_Locations_April_2023_EN_BSC.json", "topojson", "April 2023 (BSC)", 106, "SICBL April 2023 boundaries (validation)"),
    ("nhs_region_2018_raw", "NHS_England_Regions_April_2018_EN_BUC_2022.json", "topojson", "April 2018 (BUC)", 5, "NHS England regions April 2018 (validation)"),
    ("nhs_region_2019_raw", "NHS_England_Regions_April_2019_EN_BUC.json", "topojson", "April 2019 (BUC)", 7, "NHS England regions April 2019 (validation)"),
    ("nhs_region_2021_raw", "NHS_England_Regions_April_2021_EN_BUC_2022.json", "topojson", "April 2021 (BUC)", 7, "NHS England regions April 2021 (validation)"),
    ("nhs_region_2022_raw", "NHS_England_Regions_July_2022_EN_BUC_2022.json", "topojson", "July 2022 (BUC)", 7, "NHS England regions July 2022 (validation)"),
    ("nhs_region_2023_raw", "NHS_England_Regions_December_2023_EN_BSC.json", "topojson", "December 2023 (BSC)", 7, "NHS England regions December 2023 (validation)"),
    ("nhs_region_2024_raw", "NHS_England_Regions_January_2024_EN_BSC.json", "topojson", "January 2024 (BSC)", 7, "NHS England regions January 2024 (validation)"),
    # December 2026: registered patients, strategic authorities, place names
    ("gp_patients_2022", "assets/data/gp_pop_data.csv", "csv", "1 May 2022", None, "Patients registered at each GP practice, with its CCG (NHS Digital gp-reg-pat-prac-all)"),
    ("gp_practice_map_2022", "data/gp-reg-pat-prac-map.csv", "csv", "1 January 2022", None, "GP practice -> PCN -> CCG -> STP -> region (NHS Digital gp-reg-pat-prac-map)"),
    ("gp_practice_map_2025", "Data/gp-reg-pat-prac-map.csv", "csv", "1 October 2025", None, "GP practice -> PCN -> sub-ICB location -> ICB -> region (NHS England gp-reg-pat-prac-map)"),
    ("lad_ca_2025_lookup", "Combined_Authority_(May_2025)", "csv", "May 2025", 106, "LAD -> combined authority lookup, May 2025 (BOM; districts outside any authority not listed)"),
    ("lad_ca_2024_lookup", "Combined_Authority_(May_2024)", "csv", "May 2024", 72, "LAD -> combined authority lookup, May 2024 (BOM; districts outside any authority not listed)"),
    ("msoa_names_2011", "inputs/msoanames.csv", "csv", "2011", 7201, "MSOA 2011 readable names, House of Commons Library (BOM, CRLF)"),
    ("msoa_centroids_2011", "msoa-2011-centroids-hcl.json", "geojson", "2011", 7200, "MSOA 2011 names with population-weighted centroids"),
    ("msoa_towns_2015", "csv/187.csv", "csv", "December 2015", None, "MSOA 2011 -> major towns and cities (December 2015)"),
]

ATTRIBUTION = {
    "martinjc/UK-GeoJSON": "Contains OS data © Crown copyright and database right; contains National Statistics data © Crown copyright (OGL v3). GeoJSON conversion © Martin Chorley, CC-BY-4.0.",
    "henryjameslau/geoportal-boundaries-as-topojson": "Contains OS data © Crown copyright and database right; contains National Statistics data © Crown copyright (OGL v3). Source: ONS Open Geography Portal.",
    "ebmdatalab/openprescribing": "Contains public sector information licensed under the Open Government Licence v3.0 (ONS, HSCIC). Compiled by EBM DataLab (OpenPrescribing).",
    "jtrim-ons/ons-lookups": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS lookups.",
    "martinjc/CCG--Constituencies": "Contains National Statistics data © Crown copyright (OGL v3).",
    "elahmo/dsfood": "Third-party copy of an ONS/NHS lookup; no licence stated. Used only to cross-check.",
    "ChristK/IMPACTncd_Engl": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS Census 2011 via Nomis.",
    "gqlNU/publicWW": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS lookup, copied in gqlNU/publicWW.",
    "humaniverse/geographr": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS, via the geographr R package (humaniverse).",
    "humaniverse/demographr": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS, via the demographr R package (humaniverse).",
    "ngatho1/DNA-Rates-Across-NHS-England": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS lookup, copied in ngatho1/DNA-Rates-Across-NHS-England.",
    "ploginovic/hpdm139_A2": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS lookup, copied in ploginovic/hpdm139_A2.",
    "nhsx/open-cyber": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS lookup, copied in nhsx/open-cyber.",
    "Eleanor-D33/LSHTM_Dream_Team": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS lookup, copied in Eleanor-D33/LSHTM_Dream_Team.",
    "mattia-ficarelli/gp_mapping": "Contains public sector information licensed under the Open Government Licence v3.0 (NHS Digital). Copied in mattia-ficarelli/gp_mapping.",
    "nhsx-mirror/SystemHierarchies": "Contains public sector information licensed under the Open Government Licence v3.0 (NHS Digital). Copied in nhsx-mirror/SystemHierarchies.",
    "glovs1/SSOT_PCN_Boundaries": "Contains public sector information licensed under the Open Government Licence v3.0 (NHS England). Copied in glovs1/SSOT_PCN_Boundaries.",
    "dfe-analytical-services/lsip_dashboard": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS lookup, copied in dfe-analytical-services/lsip_dashboard.",
    "houseofcommonslibrary/msoanames-geojson": "Contains Parliamentary information licensed under the Open Parliament Licence v3.0 (House of Commons Library); contains National Statistics data © Crown copyright (OGL v3).",
    "cwthom/hack25usefuldata": "Contains National Statistics data © Crown copyright (OGL v3). Source: ONS Census 2021, via cwthom/hack25usefuldata.",
}


def q(s: str) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(path: str) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    out = ["# Boundary and table sources: every upstream file the project reads.",
           "# Generated by tools/make_catalogue.py from SOURCES.csv; each URL is pinned to a commit and",
           "# each file's bytes are checked against sha256 on every fetch.", ""]
    for gid, match, fmt, vintage, features, role in GROUPS:
        members = [r for r in rows if match in r["path"]]
        if not members:
            raise SystemExit(f"no source matches group {gid}")
        out.append("[[group]]")
        out.append(f"id = {q(gid)}")
        out.append(f"description = {q(role)}")
        out.append(f"format = {q(fmt)}")
        out.append(f"vintage = {q(vintage)}")
        if features is not None:
            out.append(f"expected_features = {features}")
        out.append(f"licence = {q(members[0]['licence'])}")
        out.append(f"attribution = {q(ATTRIBUTION[members[0]['repository']])}")
        out.append("")
        for r in members:
            out.append("[[group.file]]")
            out.append(f"repository = {q(r['repository'])}")
            out.append(f"commit = {q(r['commit'])}")
            out.append(f"path = {q(r['path'])}")
            out.append(f"url = {q(r['raw_url'])}")
            out.append(f"sha256 = {q(r['sha256'])}")
            out.append(f"bytes = {int(r['bytes'])}")
            out.append("")
        rows = [r for r in rows if r not in members]
    if rows:
        raise SystemExit(f"unassigned sources: {[r['path'] for r in rows]}")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
