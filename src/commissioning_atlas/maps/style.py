"""What the maps look like: palettes, the atlas's layers and their styles, colouring of neighbours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from shapely.strtree import STRtree

from .encode import _plain

#: Fill palette for neighbours (ColorBrewer Set2 plus two darker tones); 8 colours.
PALETTE = ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#7fb3d5"]
#: Severity colours for findings.
SEVERITY_COLOURS = {"error": "#d7191c", "warning": "#f28e2b", "info": "#2c7bb6"}
#: Colour of a crossing part (hatched on top).
CROSSING_COLOUR = "#ff0000"
#: Layer whose outline is drawn in grey under every map in place of base tiles.
BASE_LAYER = "sha_2011"
#: The open-data statement every map carries.
ATTRIBUTION = ("Contains National Statistics data \u00a9 Crown copyright and database right 2011-2015; "
               "Contains OS data \u00a9 Crown copyright and database right. Open Government Licence v3.0")
#: Layers of the atlas map, bottom to top: (layer id, shown by default, outline colour, line weight).
ATLAS_LAYERS: list[tuple[str, bool, str, float]] = [
    ("sha_cluster_2011", False, "#333333", 3.0),
    ("sha_2011", True, "#1b3a6b", 2.5),
    ("pct_cluster_2011", False, "#6a3d9a", 2.0),
    ("pct_2011", False, "#555555", 1.0),
    ("utla_2011", False, "#8c510a", 1.0),
    ("ccg_2013", True, "#2f4f4f", 0.8),
    ("css_2012", False, "#b2182b", 1.5),
    ("csu_2013", False, "#01665e", 1.5),
    ("nhs_area_team_2013", False, "#4d4d4d", 2.0),
]
#: Columns carried into popups when a layer has them (in this order).
POPUP_COLUMNS = ["code", "ods_code", "population", "registered_population", "area_km2", "status", "members",
                 "partners", "confidence", "note", "source"]
#: Findings columns carried into popups.
FINDING_COLUMNS = ["rule", "class", "class_strict", "severity", "subject_layer", "subject_code", "subject_name",
                   "against_layer", "against_code", "against_name", "area_km2", "share_area", "population",
                   "share_population", "tolerance", "note"]
#: css_2012 / csu_2013 status -> (legend label, SVG dash pattern); matched on the lower-cased status.
STATUS_STYLES: list[tuple[str, str, str]] = [
    ("in-house", "in-house", "2 4"),
    ("merg", "merger", "8 4"),
    ("proposed;", "proposed, qualified", "10 3 2 3"),
    ("proposed", "proposed", ""),
    ("csu", "CSU (April 2013)", ""),
]

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def greedy_colouring(geoms: Sequence | np.ndarray, n_colours: int = len(PALETTE)) -> np.ndarray:
    """Colour polygons so that neighbours differ (greedy, largest degree first).

    Parameters
    ----------
    geoms : sequence of geometries
        Any CRS; neighbours are polygons whose geometries intersect (share an edge or a point).
    n_colours : int
        Palette size; if the greedy order needs more, colours are reused (the least used neighbour colour).

    Returns
    -------
    numpy.ndarray
        One colour index per polygon, deterministic for the same input order.
    """
    geoms = np.asarray(list(geoms), dtype=object)
    n = len(geoms)
    if n == 0:
        return np.zeros(0, dtype=int)
    tree = STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    mask = i != j
    neigh: list[set[int]] = [set() for _ in range(n)]
    for a, b in zip(i[mask].tolist(), j[mask].tolist()):
        neigh[a].add(b)
        neigh[b].add(a)
    order = sorted(range(n), key=lambda k: (-len(neigh[k]), k))
    colour = np.full(n, -1, dtype=int)
    for k in order:
        used = [colour[m] for m in neigh[k] if colour[m] >= 0]
        free = [c for c in range(n_colours) if c not in used]
        colour[k] = free[0] if free else min(range(n_colours), key=lambda c: (used.count(c), c))
    return colour


def _status_class(status: Any) -> str | None:
    s = _plain(status)
    if s is None:
        return None
    low = str(s).lower()
    for needle, label, _ in STATUS_STYLES:
        if needle in low:
            return label
    return "other"


_STATUS_DASH = {label: dash for _, label, dash in STATUS_STYLES} | {"other": "1 3"}


def _style_of(layer_id: str) -> tuple[str, float]:
    for lid, _, colour, weight in ATLAS_LAYERS:
        if lid == layer_id:
            return colour, weight
    return "#333333", 1.2
