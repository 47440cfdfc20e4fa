"""What the maps look like: palettes, the atlas's layers and their styles, colouring of neighbours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from shapely.strtree import STRtree

from commissioning_atlas.maps.encode import _plain

#: Palette of :func:`greedy_colouring` (ColorBrewer Set2 plus two darker tones); 8 colours. The maps colour
#: by a figure (:data:`CHOROPLETH`); this stays for users who want neighbours apart.
PALETTE = ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#7fb3d5"]
#: Classes of a choropleth, light to dark (ColorBrewer YlGnBu, 5 classes: colour-blind safe, prints in grey).
CHOROPLETH = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
#: Shades of a crossing part by its share of residents, light to dark (ColorBrewer RdPu, 4 classes), with
#: the upper bounds of the classes.
CROSSING_SHADES = ["#fbb4b9", "#f768a1", "#c51b8a", "#7a0177"]
CROSSING_BREAKS = [0.05, 0.10, 0.25]
#: The key of a layer's "each feature apart from its neighbours" colouring (:meth:`_Builder.distinct`).
DISTINCT = "distinct"
#: Severity colours (Okabe-Ito, colour-blind safe) and each severity's second cue, so that warning, info and
#: a crossing part stay apart in greyscale and under deuteranopia: the pattern of its fill and the dash of
#: its outline.
SEVERITY_COLOURS = {"error": "#d55e00", "warning": "#e69f00", "info": "#0072b2"}
SEVERITY_CUES = {"error": {"pattern": "cross", "dash": ""}, "warning": {"pattern": "hatch", "dash": "6 3"},
                 "info": {"pattern": "", "dash": "2 3"}}
#: Outline of a crossing part (its fill is its shade of :data:`CROSSING_SHADES`).
CROSSING_COLOUR = "#49006a"
#: Layer whose outline is drawn in grey under every map in place of base tiles.
BASE_LAYER = "sha_2011"
#: Style of the coast and of every edge with no neighbour (tidal channels that stop inland).
COAST_STYLE = {"color": "#7a9cbf", "weight": 0.8, "dash": ""}
#: The open-data statement every map carries.
ATTRIBUTION = ("Contains National Statistics data \u00a9 Crown copyright and database right 2011-2015; "
               "Contains OS data \u00a9 Crown copyright and database right. Open Government Licence v3.0")


class LayerStyle(NamedTuple):
    """How a page draws one layer: a declaration, one per layer id.

    Attributes
    ----------
    id : str
        Layer id (``atlas.layer(id)``).
    show : bool
        Shown when the atlas page opens.
    colour : str
        Outline colour.
    weight : float
        Outline width (px); coarser layers heavier.
    dash : str
        SVG dash array of the outline ("" solid), so that outlines of different layers differ in more than
        colour.
    noun : str
        What one feature is called in a sentence ("cluster", "SHA").
    parents : tuple of str
        Layers whose features a popup names as this feature's parents (the residents' shares).
    """

    id: str
    show: bool
    colour: str
    weight: float
    dash: str = ""
    noun: str = "area"
    parents: tuple[str, ...] = ()


def atlas_layers() -> list[LayerStyle]:
    """The layers of the atlas map, bottom to top, as declared in ``maps.toml``. A page draws the layers of
    its list in this order; a layer not declared there gets :func:`style_of`'s default. The topmost layer
    shown is filled (a choropleth), the others are outlines."""
    from commissioning_atlas.registry import map_styles

    return [LayerStyle(**d) for d in map_styles()]


#: (A popup's figures, and a choropleth's, are every numeric column of the layer: see :mod:`.figures`.)
#: Text columns a popup names (members are written as names).
POPUP_TEXT = [("members", "Members"), ("partners", "Partners"), ("status", "Status"), ("date", "Date"),
              ("confidence", "Confidence"), ("note", "Note"), ("source", "Source")]
#: css_2012 / csu_2013 status -> (legend label, SVG dash pattern); matched on the lower-cased status.
STATUS_STYLES: list[tuple[str, str, str]] = [
    ("in-house", "support kept in-house", "2 4"),
    ("merg", "merged or merging", "8 4"),
    ("proposed;", "proposed, with a condition", "10 3 2 3"),
    ("proposed", "proposed", ""),
    ("csu", "a CSU of April 2013", ""),
]
#: The legend's words for a status no pattern above matches.
OTHER_STATUS = "any other status (unchanged, boundary change, no cluster)"
#: A finding's class in the legend's words ("{against}": what one feature of the reference layer is called).
CLASS_WORDS = {
    "crossing part": "part outside its home {against}", "straddling": "straddles {against} boundaries",
    "split part": "part of a council in another body", "moved": "part moved to another body",
    "moved parent": "moved whole to another body", "overlap": "covered more than once", "gap": "covered by none",
    "home part": "part in its home {against}", "main part": "main part", "within": "lies within one {against}",
    "equal": "same area as one {against}", "union": "a union of whole {against}s", "merged": "merged",
    "recoded": "new code, same area", "split": "split", "below tolerance": "part too small to count",
    "largest part": "a council's largest part",
}

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def style_of(layer_id: str) -> LayerStyle:
    """The declared style of a layer, or a thin grey outline for a layer not in :func:`atlas_layers`.

    Parameters
    ----------
    layer_id : str

    Returns
    -------
    LayerStyle
    """
    for style in atlas_layers():
        if style.id == layer_id:
            return style
    return LayerStyle(layer_id, False, "#333333", 1.2, "", "area")


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
    return OTHER_STATUS


_STATUS_DASH = {label: dash for _, label, dash in STATUS_STYLES} | {OTHER_STATUS: "1 3"}
