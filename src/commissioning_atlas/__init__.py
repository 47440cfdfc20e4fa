"""Commissioning Atlas: the English NHS commissioning reorganisation of 2011-13, mapped and checked.

Examples
--------
>>> import commissioning_atlas as ca
>>> atlas = ca.load()                        # doctest: +SKIP
>>> atlas.layer("pct_cluster_2011")          # doctest: +SKIP
>>> atlas.footprints("css_2012")             # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import settings
from ._errors import AtlasError, DataError, ScenarioError, SourceError
from .layers import EXPECTED_FEATURES, LAYER_INFO, LSOA_LAYERS, build_or_load

__all__ = ["Atlas", "load", "AtlasError", "DataError", "ScenarioError", "SourceError"]
__version__ = "0.1.0"

#: Footprint sets shipped in ``geo/``: layer id -> table.
FOOTPRINT_SETS = {"css_2012": "css_2012.csv", "csu_2013": "csu_2013.csv"}
FOOTPRINT_TITLES = {"css_2012": "Commissioning support proposals", "csu_2013": "Commissioning support units"}
FOOTPRINT_VINTAGE = {"css_2012": "early 2012", "csu_2013": "April 2013"}


@dataclass
class Atlas:
    """Every layer of 2011-13 England, built from LSOAs, plus footprint sets.

    Attributes
    ----------
    lsoa : geopandas.GeoDataFrame
        The 32,844 LSOAs with ``population``, ``area_m2`` and one code column per LSOA-based layer.
    report : dict
        What the build measured (slivers repaired, split districts, CCG best-fit disagreements).
    scenario : Path or None
        The user's proposal file, if any; it becomes the layer ``scenario``.
    """

    lsoa: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    report: dict = field(default_factory=dict)
    scenario: Path | None = None
    _footprints: dict[str, tuple[gpd.GeoDataFrame, pd.DataFrame]] = field(default_factory=dict, repr=False)
    #: derived tables reused between checks and maps (memberships by LSOA position, joins, simplified
    #: layers); never user-visible, and not copied by ``dataclasses.replace`` (a changed copy starts empty)
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def footprint_set_ids(self) -> list[str]:
        """Footprint sets available: those whose table exists in ``geo/``, then ``scenario`` if given."""
        try:  # footprint sets need their builder; until footprints.py provides it there are none
            from .footprints import load_footprint_set  # noqa: F401
        except ImportError:
            return []
        ids = [k for k, f in FOOTPRINT_SETS.items() if (settings.geo_dir() / f).exists()]
        return ids + (["scenario"] if self.scenario is not None else [])

    def layer_ids(self) -> list[str]:
        """All layer ids: boundary layers, then footprint sets."""
        return list(EXPECTED_FEATURES) + self.footprint_set_ids()

    def _check_id(self, layer_id: str) -> None:
        ids = self.layer_ids()
        if layer_id not in ids:
            near = get_close_matches(layer_id, ids, n=3, cutoff=0.4)
            hint = f"; did you mean {', '.join(near)}?" if near else f"; known layers: {', '.join(ids)}"
            raise AtlasError(f"unknown layer {layer_id!r}{hint}")

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        """Return a layer (boundaries or footprints) as a GeoDataFrame in EPSG:27700.

        Parameters
        ----------
        layer_id : str
            e.g. ``"pct_cluster_2011"``, ``"ccg_2013"``, ``"css_2012"``, ``"csu_2013"``, ``"scenario"``.
        """
        self._check_id(layer_id)
        if layer_id in self.layers:
            return self.layers[layer_id]
        return self._footprint_set(layer_id)[0]

    def membership(self, layer_id: str) -> pd.DataFrame:
        """Return which LSOAs make each unit of a layer: columns ``lsoa_code``, ``code``."""
        self._check_id(layer_id)
        if layer_id == "lsoa_2011":
            return pd.DataFrame({"lsoa_code": self.lsoa["code"].to_numpy(), "code": self.lsoa["code"].to_numpy()})
        if layer_id in LSOA_LAYERS:
            return pd.DataFrame({"lsoa_code": self.lsoa["code"].to_numpy(), "code": self.lsoa[layer_id].to_numpy()})
        return self._footprint_set(layer_id)[1]

    def footprints(self, set_id: str = "css_2012") -> gpd.GeoDataFrame:
        """Return a footprint set (one dissolved polygon per organisation)."""
        return self.layer(set_id)

    def _footprint_set(self, set_id: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        if set_id not in self._footprints:
            from .footprints import load_footprint_set

            self._footprints[set_id] = load_footprint_set(self, set_id)
        return self._footprints[set_id]

    def info(self, layer_id: str) -> dict[str, str]:
        """Title, vintage and source of a layer."""
        if layer_id in LAYER_INFO:
            return LAYER_INFO[layer_id]
        path = self.scenario if layer_id == "scenario" else settings.geo_dir() / FOOTPRINT_SETS[layer_id]
        return {"title": FOOTPRINT_TITLES.get(layer_id, "Scenario"), "vintage": FOOTPRINT_VINTAGE.get(layer_id, "user"),
                "source": f"{Path(path).name}, dissolved from LSOAs"}


def load(mirror: str | Path | None = None, engine: str = "pyogrio", rebuild: bool = False,
         scenario: str | Path | None = None, progress: bool = True) -> Atlas:
    """Load every layer, building and caching them on first use.

    Parameters
    ----------
    mirror : str or Path, optional
        Local mirror of the pinned upstream files (default ``$COMMISSIONING_ATLAS_MIRROR``);
        without one, files are downloaded from their pinned URLs.
    engine : {"pyogrio", "fiona"}
        Vector I/O engine for the raw files.
    rebuild : bool
        Ignore the cache and rebuild from the raw files.
    scenario : str or Path, optional
        A proposal set of your own (CSV or YAML, the schema of ``geo/css_2012.csv``); it becomes
        the layer ``scenario`` and is validated on load.
    progress : bool
        Show download progress bars.

    Returns
    -------
    Atlas
    """
    built = build_or_load(mirror=mirror, engine=engine, rebuild=rebuild, progress=progress)
    atlas = Atlas(lsoa=built.lsoa, layers=built.layers, report=built.report,
                  scenario=Path(scenario) if scenario else None)
    if atlas.scenario is not None:
        atlas.layer("scenario")  # validate now: a bad scenario fails at load, not halfway through a report
    return atlas
