"""Population bases (placeholder until the bases module is merged: census_2011 only)."""

from __future__ import annotations

from ._errors import AtlasError

BASE_IDS = ("census_2011", "mid_2017", "mid_2019", "mid_2020", "census_2021")
_SOURCES = {"census_2011": ("census_2011_lc2101ew",), "mid_2017": ("population_mid_2017",),
            "mid_2019": ("population_mid_2019",), "mid_2020": ("population_mid_2020",),
            "census_2021": ("census_2021_lsoa21", "lsoa11_lsoa21_rda", "population_mid_2020")}


def check_basis(basis: str) -> None:
    if basis not in BASE_IDS:
        from .registry import suggest
        raise suggest(basis, list(BASE_IDS), "population basis")


def population_sources(basis: str):
    return _SOURCES[basis]


def lsoa_population(basis, paths, codes):
    raise AtlasError(f"population basis {basis} is not available yet")
