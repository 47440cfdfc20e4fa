"""The map pages' two coordinate transformers (EPSG:27700 to longitude/latitude and back), made once.

Making a pyproj ``Transformer`` reads PROJ's database (tens of milliseconds, far more on a loaded machine);
``map`` used to make two per page and one per layer labelled, 169 in all. A transformer is immutable and
gives the same numbers however often it is used, so one of each serves every page.
"""

from __future__ import annotations

from functools import cache

from pyproj import Transformer

from commissioning_atlas import settings


@cache
def to_web() -> Transformer:
    """EPSG:27700 (metres) to WGS84 longitude, latitude."""
    return Transformer.from_crs(settings.CRS, settings.WEB_CRS, always_xy=True)


@cache
def from_web() -> Transformer:
    """WGS84 longitude, latitude to EPSG:27700 (metres)."""
    return Transformer.from_crs(settings.WEB_CRS, settings.CRS, always_xy=True)
