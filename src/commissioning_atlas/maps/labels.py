"""Where a feature's name goes: the pole of inaccessibility of its largest part, and how big it may be."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import shapely

from commissioning_atlas.maps.arcs import COORD_SCALE
from commissioning_atlas.maps.transform import to_web

_NHS = re.compile(r"^NHS\s+|\s+(CCG|PCT|CSU|CSS|Integrated Care Board|ICB|ICB - \w+)$")
#: A label longer than this has a short form (:func:`short_text`).
SHORT_AT = 18


def label_text(name: str, width: int = 18) -> str:
    """A feature's name as a map label: without "NHS " and a trailing "CCG", broken into two lines if long.

    Examples
    --------
    >>> label_text("NHS Luton CCG"), label_text("NHS Milton Keynes and Northamptonshire")
    ('Luton', 'Milton Keynes and\\nNorthamptonshire')
    """
    text = _NHS.sub("", str(name)).strip() or str(name)
    text = _NHS.sub("", text).strip() or text  # "NHS Luton ICB - 15E": the suffix, then "NHS "
    if len(text) <= width or " " not in text:
        return text
    spaces = [m.start() for m in re.finditer(" ", text)]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "\n" + text[cut + 1:]


def short_text(name: str, width: int = SHORT_AT) -> str:
    """A name as short as a label can make it: without "NHS " and its kind, "and" as "&", and, if still
    long, the words after the first as initials ("Shropshire, Telford and Wrekin" -> "Shropshire, T&W").

    Examples
    --------
    >>> short_text("NHS Shropshire, Telford and Wrekin Integrated Care Board")
    'Shropshire, T&W'
    >>> short_text("NHS Luton CCG"), short_text("Herefordshire and Worcestershire")
    ('Luton', 'Herefordshire & W')
    """
    text = " ".join(label_text(name, width=10_000).split())
    if len(text) <= width:
        return text
    text = text.replace(" and ", " & ")
    if len(text) <= width:
        return text
    m = re.match(r"^([^,&]+?)(,\s*|\s*&\s*)(.*)$", text)
    if not m:
        return text
    head, sep, rest = m.groups()
    initials = "".join(w[0] if w[0].isupper() else ("&" if w == "&" else "") for w in rest.split())
    return f"{head}{sep.rstrip() + ' ' if sep.strip() == ',' else ' & '}{initials}" if initials else head


def circles(atlas: Any) -> dict:
    """The largest inscribed circles already found for an atlas's pages (:meth:`Atlas.derived`), for
    :func:`label_points`: most features are drawn the same, vertex for vertex, on several pages (three in
    four of ``map``'s). An object without ``derived`` gets a throw-away dict."""
    derived = getattr(atlas, "derived", None)
    return derived("maps.label circles", dict) if callable(derived) else {}


def label_points(geoms: np.ndarray, memo: dict | None = None) -> tuple[list[list[int]], list[int]]:
    """Each feature's label point, on the page's integer grid, and the radius (m) of the circle it fills.

    The point is the centre of the largest circle inside the feature's largest part (its pole of
    inaccessibility, ``shapely.maximum_inscribed_circle``); the page shows a label at the zooms where its
    text fits in that circle.

    Parameters
    ----------
    geoms : numpy.ndarray of (Multi)Polygon
        EPSG:27700.
    memo : dict, optional
        Circles found before (:func:`circles`), by the largest part's WKB: the same part, the same circle.

    Returns
    -------
    points : list of [x, y]
        Longitude and latitude in steps of :data:`COORD_SCALE`; [0, 0] for an empty feature.
    radii : list of int
        Metres (0 for an empty feature).
    """
    geoms = np.asarray(geoms, dtype=object)
    out_xy, out_r = [[0, 0]] * len(geoms), [0] * len(geoms)
    ok = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not len(ok):
        return out_xy, out_r
    largest = []
    for g in geoms[ok]:
        parts = shapely.get_parts(g)
        largest.append(parts[int(np.argmax(shapely.area(parts)))])
    largest = np.asarray(largest, dtype=object)
    memo = {} if memo is None else memo
    keys = shapely.to_wkb(largest).tolist()  # bytes: hashed once, compared in full on a hit
    todo = {k: i for i, k in enumerate(keys) if k not in memo}
    if todo:
        new = largest[list(todo.values())]
        size = np.sqrt(shapely.area(new))  # the tolerance follows from the part: the key is enough
        lines = shapely.maximum_inscribed_circle(new, tolerance=np.maximum(size / 200.0, 10.0))
        centre = shapely.get_coordinates(shapely.get_point(lines, 0))
        for k, (x, y), r in zip(todo, centre, shapely.length(lines)):
            memo[k] = (float(x), float(y), float(r))
    found = np.array([memo[k] for k in keys], dtype=float).reshape(-1, 3)
    lon, lat = to_web().transform(found[:, 0], found[:, 1])
    grid = np.rint(np.c_[lon, lat] * np.asarray(COORD_SCALE, dtype=float)).astype(np.int64)
    for n, i in enumerate(ok):
        out_xy[i] = [int(grid[n, 0]), int(grid[n, 1])]
        out_r[i] = int(round(float(found[n, 2])))
    return out_xy, out_r
