"""Commissioning Atlas: the English NHS commissioning reorganisation of 2011-13, mapped and checked.

Examples
--------
>>> import commissioning_atlas as ca
>>> atlas = ca.load()                        # doctest: +SKIP
>>> atlas.layer("pct_cluster_2011")          # doctest: +SKIP
>>> atlas.footprints("css_2012")             # doctest: +SKIP
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from commissioning_atlas._errors import AtlasError, DataError, ScenarioError, SourceError
from commissioning_atlas.atlas import Atlas, load

__all__ = ["AtlasError", "Atlas", "DataError", "ScenarioError", "SourceError", "load"]

try:
    __version__ = version("commissioning-atlas")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
