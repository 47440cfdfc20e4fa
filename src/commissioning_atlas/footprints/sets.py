"""The shipped proposal sets and the layers their members may come from, by vintage."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    pass


#: Columns every proposal set must have.
REQUIRED_COLUMNS = ["code", "name", "members"]
#: Optional columns, in output order (missing ones are filled with "").
OPTIONAL_COLUMNS = ["status", "date", "partners", "partners_in_footprint", "service_model",
                    "formed_from", "mergers", "source", "confidence", "note"]
#: Shipped proposal sets: id -> file under ``geo/``.
SHIPPED_SETS = {"css_2012": "css_2012.csv", "csu_2013": "csu_2013.csv", "icb_cluster_2025": "icb_cluster_2025.csv",
                "icb_merger_2027": "icb_merger_2027.csv"}
#: Options of shipped sets: the vintage of their units, and a layer whose units not named by any
#: organisation stand alone (the ICBs with no 2027 proposal).
SET_OPTIONS = {"icb_cluster_2025": {"vintage": "2023"},
               "icb_merger_2027": {"vintage": "2026", "complete_with": "icb_2026"}}
#: Layers whose units may be members, by vintage of the set (a set's units are of one vintage).
MEMBER_VINTAGES: dict[str, tuple[str, ...]] = {
    "2011": ("pct_cluster_2011", "pct_2011", "sha_2011"),
    "2013": ("ccg_2013", "nhs_area_team_2013"),
    "2022": ("icb_2022", "sicbl_2022", "utla_2021", "lad_2021"),
    "2023": ("icb_2023", "sicbl_2023", "utla_2023", "lad_2023"),
    "2026": ("icb_2026", "utla_2023", "lad_2023"),
}
#: Every member layer with the first vintage it serves.
MEMBER_LAYERS: dict[str, str] = {}
for _v, _ls in MEMBER_VINTAGES.items():
    for _l in _ls:
        MEMBER_LAYERS.setdefault(_l, _v)
#: The finest unit of each vintage: exclusivity is checked on these (LSOAs where councils may be members).
ATOM_LAYER = {"2011": "pct_2011", "2013": "ccg_2013", "2022": "lsoa_2011", "2023": "lsoa_2011", "2026": "lsoa_2011"}
LAYER_LABEL = {"pct_cluster_2011": "PCT cluster", "pct_2011": "PCT", "sha_2011": "SHA",
               "ccg_2013": "CCG", "nhs_area_team_2013": "NHS area team", "icb_2022": "ICB", "icb_2023": "ICB",
               "icb_2026": "ICB", "sicbl_2022": "sub-ICB location", "sicbl_2023": "sub-ICB location",
               "utla_2021": "upper-tier council", "utla_2023": "upper-tier council", "lad_2021": "district",
               "lad_2023": "district", "lsoa_2011": "LSOA"}
#: Boundary layers a scenario may start from (``base: icb_2026``): each unit becomes an organisation.
#: Set by :func:`load_footprint_set` to the atlas' layers while a file is read.
