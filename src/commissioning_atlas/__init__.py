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

__all__ = ["AtlasError", "Atlas", "DataError", "ScenarioError", "SourceError", "geo_dir", "load", "over_time_chart",
           "write_advice"]

#: Functions a notebook uses beside the Atlas's methods, each from the module that holds it (imported on first use).
_TOP_LEVEL = {"Atlas": "commissioning_atlas.atlas", "load": "commissioning_atlas.atlas",
              "geo_dir": "commissioning_atlas.settings", "write_advice": "commissioning_atlas.advise.scenario",
              "over_time_chart": "commissioning_atlas.over_time:chart"}

try:
    __version__ = version("commissioning-atlas")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"


def __getattr__(name: str):
    """``Atlas`` and ``load`` on first use: importing the package (as the command line does first) reads no
    declaration, so a damaged package file is reported by the command line in one line (exit 3)."""
    if name in _TOP_LEVEL:
        from importlib import import_module

        module, _, attr = _TOP_LEVEL[name].partition(":")
        return getattr(import_module(module), attr or name)
    raise AttributeError(f"module 'commissioning_atlas' has no attribute {name!r}")
