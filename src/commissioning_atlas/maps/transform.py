"""The map pages' two coordinate transformers (EPSG:27700 to longitude/latitude and back), made once.

Making a pyproj ``Transformer`` reads PROJ's database (tens of milliseconds, far more on a loaded machine);
``map`` used to make two per page and one per layer labelled, 169 in all. A transformer is immutable and
gives the same numbers however often it is used, so one of each serves every page.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
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


def _complex(xy: np.ndarray) -> np.ndarray:
    """Points as complex numbers ``x + yj``, exactly (numpy sorts and compares them by x, then y)."""
    out = np.empty(len(xy), dtype=complex)
    out.real, out.imag = xy[:, 0], xy[:, 1]
    return out


def web_points(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct points of ``xy`` (EPSG:27700), sorted, as complex numbers ``x + yj`` (numpy sorts those by
    x, then y), and each in longitude, latitude: a table for :func:`to_web_geometries`."""
    keys = np.unique(_complex(np.asarray(xy, dtype=float).reshape(-1, 2)))
    lon, lat = to_web().transform(keys.real, keys.imag)
    return keys, np.c_[lon, lat]


def to_web_geometries(geoms: np.ndarray, known: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Geometries (EPSG:27700, 2-D) in longitude, latitude: what ``GeoSeries.to_crs`` gives, vertex for vertex
    (the same transformer, point by point), with the vertices of ``known`` (:func:`web_points`) looked up
    instead of transformed again (the layers of a page are unions of the same simplified atoms)."""
    geoms = np.asarray(geoms, dtype=object)
    xy = shapely.get_coordinates(geoms)
    out = np.empty_like(xy)
    todo = np.ones(len(xy), dtype=bool)
    if known is not None and len(known[0]) and len(xy):
        keys = _complex(xy)
        at = np.minimum(np.searchsorted(known[0], keys), len(known[0]) - 1)
        hit = known[0][at] == keys
        out[hit] = known[1][at[hit]]
        todo = ~hit
    if todo.any():
        out[todo] = np.c_[to_web().transform(xy[todo, 0], xy[todo, 1])]
    return shapely.set_coordinates(geoms.copy(), out)
