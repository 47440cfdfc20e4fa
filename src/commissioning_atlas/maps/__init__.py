"""Self-contained Leaflet HTML maps: every asset inlined, geometry simplified without gaps, text escaped.

A map is one HTML file that opens from ``file://`` with no network: Leaflet's JavaScript and CSS come from
the installed ``xstatic-leaflet`` wheel and are inlined; there are no base tiles unless asked for
(``tiles=True``). The modules follow the data:

``atoms``
    The page's atoms: groups of LSOAs with the same owner in every layer the page draws (a coverage even
    where a layer's features overlap), simplified once and memoised on the Atlas; each feature is the union
    of its atoms, so a boundary two layers share has the same vertices in both.
``arcs``
    Rings cut into shared arcs (:func:`shared_arcs`) and the coverage simplified arc by arc with GEOS's
    topology-preserving Douglas-Peucker (:func:`arc_simplify`): no drawn boundary is further than the
    tolerance from the true one, junctions stay put and neighbours stay glued.
``report``
    :func:`simplification_report`: the gaps and overlaps simplification opened.
``style``
    Palettes, the atlas's layers and their styles, colouring of neighbours.
``figures``
    A layer's figures: every numeric column (residents, patients, area, residents per km², any other) as a
    choropleth the legend offers and a popup line, titled with its unit or basis.
``builder``
    One page's layers, features and findings, their rings pooled into one set of shared arcs.
``encode``
    Arcs as bytes (:func:`encode_arcs`), JSON safe inside a script element, the gzip pack as text, and
    reading a page back (:func:`read_page_data`, :func:`decode_page_geometry`).
``page``
    A builder, Leaflet and the browser code (``assets/map.js``, ``assets/map.css``, ``assets/boot.js``) into
    one HTML page (``assets/page.html`` plain, ``assets/packed.html`` packed).
``pages``, ``index``
    The public maps (:func:`atlas_map`, :func:`ccg_map`, :func:`layer_map`, :func:`findings_map`,
    :func:`write_maps`) and ``index.html`` (:func:`write_index`).
``timeline``
    :func:`timeline_map`: every era 2011-2027 on one shared-arc page, with an era control, what moved,
    a side-by-side view and the chart of commissioners over time (``assets/timeline.js``, ``timeline.css``).
``planner``
    :func:`planner_map`: click units into groups; size, contiguity, council splits, region lines and unassigned
    units recomputed in the page after every edit, from per-unit tables precomputed here
    (``assets/planner.js``, ``planner.css``; units and starting plans declared in ``data/planner.toml``).

All table text travels as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&``
escaped; the page builds tooltips and popups with ``textContent`` (never ``innerHTML`` of table text).

Examples
--------
>>> import commissioning_atlas as ca
>>> from commissioning_atlas import maps
>>> atlas = ca.load()                                   # doctest: +SKIP
>>> maps.atlas_map(atlas, "out/atlas.html")             # doctest: +SKIP
>>> maps.ccg_map(atlas, "out/ccg.html")                 # doctest: +SKIP
"""

from __future__ import annotations

from commissioning_atlas.maps.arcs import (
                    COORD_SCALE,
                    DEFAULT_TOLERANCE_M,
                    arc_rings,
                    arc_simplify,
                    quantised_rings,
                    shared_arcs,
)
from commissioning_atlas.maps.atoms import simplified_layer, simplified_layers
from commissioning_atlas.maps.encode import (  # noqa: F401 - for the tests and the benchmark
                    _from_text,
                    _page_parts,
                    _to_text,
                    decode_arcs,
                    decode_page_geometry,
                    encode_arcs,
                    read_page_data,
)
from commissioning_atlas.maps.index import write_index
from commissioning_atlas.maps.page import _leaflet_assets  # noqa: F401 - for the benchmark
from commissioning_atlas.maps.planner import planner_map
from commissioning_atlas.maps.pages import atlas_map, ccg_map, choropleths, findings_map, layer_map, page_builder, write_maps
from commissioning_atlas.maps.report import simplification_report
from commissioning_atlas.maps.style import (
                    ATTRIBUTION,
                    BASE_LAYER,
                    CROSSING_COLOUR,
                    PALETTE,
                    SEVERITY_COLOURS,
                    LayerStyle,
                    atlas_layers,
                    greedy_colouring,
                    style_of,
)
from commissioning_atlas.maps.timeline import declared_eras, timeline_data, timeline_map

__all__ = [
    "ATTRIBUTION",
    "BASE_LAYER",
    "COORD_SCALE",
    "CROSSING_COLOUR",
    "DEFAULT_TOLERANCE_M",
    "PALETTE",
    "SEVERITY_COLOURS",
    "arc_rings",
    "arc_simplify",
    "atlas_layers",
    "atlas_map",
    "planner_map",
    "ccg_map",
    "choropleths",
    "declared_eras",
    "decode_arcs",
    "decode_page_geometry",
    "encode_arcs",
    "findings_map",
    "greedy_colouring",
    "LayerStyle",
    "page_builder",
    "style_of",
    "timeline_data",
    "timeline_map",
    "layer_map",
    "quantised_rings",
    "read_page_data",
    "shared_arcs",
    "simplification_report",
    "simplified_layer",
    "simplified_layers",
    "write_index",
    "write_maps",
]
