"""Page assembly: a builder's layers, Leaflet and the browser code (``assets/``) into one HTML page."""

from __future__ import annotations

import base64
import html
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template

import rjsmin

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.io.export import atomic_write
from commissioning_atlas.io.safe import OutputPolicy
from commissioning_atlas.maps.arcs import COORD_SCALE
from commissioning_atlas.maps.builder import _Builder
from commissioning_atlas.maps.encode import _NOT_IN_PACK, _json_for_script
from commissioning_atlas.maps.figures import check_choice
from commissioning_atlas.maps.encode import pack as pack_text
from commissioning_atlas.maps.style import (
    ATTRIBUTION,
    CHOROPLETH,
    COAST_STYLE,
    CROSSING_COLOUR,
    SEVERITY_COLOURS,
    SEVERITY_CUES,
)


@cache
def asset(name: str) -> str:
    """The text of a file of ``maps/assets`` (browser code, styles, page templates)."""
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


@cache
def script(name: str, extras: tuple[str, ...] = ()) -> str:
    """A page's script: the shared arc decoding (``assets/arcs.js``) and DOM helpers (``assets/dom.js``), the
    ``extras`` (``search.js``: the search; ``takeaway.js``: copy link and downloads; ``places.js``: towns,
    places and neighbourhoods; ``maptake.js``: the atlas and check pages' use of those), then the page's own file, minified by ``rjsmin`` (comments and spaces out:
    3.6 KB less in the packed CCG map; the readable files are in ``maps/assets``)."""
    own = asset(name)
    if "maptake.js" not in extras:  # map.js's parts for maptake.js (marked /*take{*/ ... /*}take*/) go too
        own = re.sub(r"/\*take\{\*/.*?/\*\}take\*/", "", own, flags=re.S)
    return rjsmin.jsmin("\n".join([*(asset(n).strip() for n in ("arcs.js", "dom.js", *extras)), own.strip()]))


#: The search every map page has (``map.js``) and the timeline too.
SEARCH = ("search.js",)
#: The scripts of a map page that offers "Share and download" and towns (the atlas, a check's page); a plain
#: layer map (the CCG map of the API, 200 KB at most) goes without. The timeline shares all but maptake.js.
TAKEAWAY = ("takeaway.js", "places.js", "maptake.js")


def template(name: str) -> Template:
    """A page template of ``maps/assets`` (``${name}`` placeholders, filled in one pass)."""
    return Template(asset(name))


@cache
def _leaflet_assets() -> tuple[str, str]:
    """Return (leaflet.js, leaflet.css) from xstatic-leaflet: images inlined, source-map comment removed,
    the CSS minified."""
    try:
        import xstatic.pkg.leaflet as xl
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise AtlasError("maps need the PyPI package xstatic-leaflet (pip install xstatic-leaflet)") from e
    base = Path(xl.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match) -> str:
        name = m.group(1)
        p = base / "images" / name
        if name.startswith("layers") and p.exists():
            return "url(data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii") + ")"
        return "none"

    css = re.sub(r"url\(images/([^)]+)\)", inline, css)
    # Leaflet ships its CSS unminified: drop comments and spaces that carry nothing (it has no strings)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};:,>])\s*", r"\1", css).replace(";}", "}").strip()
    return js, css


def _render(builder: _Builder, title: str, tiles: bool, counts: dict[str, int] | None = None,
            pack: bool = True, index: str | None = None, whatif: bool = False, places: dict | None = None,
            takeaway: bool = False) -> str:
    """The page's HTML: the builder's layers as one data block, with Leaflet and ``assets/map.js``.

    Parameters
    ----------
    builder : _Builder
        The page's layers (:func:`.pages.page_builder`).
    title : str
        The page's heading.
    tiles : bool
        Add OpenStreetMap tiles.
    counts : dict, optional
        Findings by severity (a check's page).
    pack : bool
        One gzip stream unpacked by ``assets/boot.js`` (else plain text, ``assets/page.html``).
    index : str, optional
        Relative link to the folder's index, shown as "All maps".
    whatif : bool
        The page shows a scenario: it says so.
    places : dict, optional
        Towns (and places named by neighbourhoods) for the search and the low-zoom names
        (:func:`.places.page_places`).
    takeaway : bool
        Offer "Share and download" (copy link, the view as SVG or PNG, the data as CSV) and the towns.

    Returns
    -------
    str
    """
    check_choice(builder.choropleth, builder.offered())
    arcs, geometry = builder.topology()
    data = {
        "title": title,
        "scale": list(COORD_SCALE),
        "choropleth": CHOROPLETH,
        "colour_by": builder.choropleth,
        "crossing": {"colour": CROSSING_COLOUR},  # a crossing part is hatched: the choropleth is the one scale
        "severity": {k: {"colour": c, **SEVERITY_CUES[k]} for k, c in SEVERITY_COLOURS.items()},
        "coast": COAST_STYLE,
        "arcs": arcs,
        "geometry": geometry,
        "layers": builder.layers,
        "bounds": builder.bounds(),
        "attribution": ATTRIBUTION,
        "sources": builder.sources,
        "index": index,
        "whatif": whatif,
        "tiles": ({"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                   "attribution": "\u00a9 OpenStreetMap contributors"} if tiles else None),
    }
    if counts is not None:
        data["counts"] = counts
    if builder.finding:
        data["finding"] = builder.finding
    if places:
        data["places"] = places
        data["sources"] = [*data["sources"], places["source"]]
    if pack:  # the arcs travel as bytes after the text parts (see encode_arcs)
        data["arcs"] = None
    return page_html(title, "map.css", "map.js", _json_for_script(data), arcs, pack, SEARCH + (TAKEAWAY if takeaway else ()))


def page_html(title: str, style: str, code: str, data_json: str, arcs, pack: bool, extras: tuple[str, ...] = ()) -> str:
    """A page's HTML from its data block: Leaflet, ``assets/<style>``, the data and ``assets/<code>``.

    Packed, the parts and the arcs (as bytes, after the text parts) are one gzip stream unpacked by
    ``assets/boot.js``; else plain text (``assets/page.html``), where the data block carries its own arcs.
    ``extras`` are scripts inlined before ``code`` (:func:`script`).
    """
    js, css = _leaflet_assets()
    parts = [css, asset(style).strip(), js, data_json, script(code, extras)]  # boot.js order
    if not pack:
        return template("page.html").substitute(title=html.escape(title), leaflet_css=parts[0], css=parts[1],
                                                leaflet_js=parts[2], data=parts[3], js=parts[4])
    boot = asset("boot.js").strip().replace("__NOT_IN_PACK__", json.dumps(list(_NOT_IN_PACK)))
    return template("packed.html").substitute(title=html.escape(title), pack=pack_text(parts, arcs), boot=boot)


def _write_text(path: str | Path, text: str, policy: OutputPolicy | None = None) -> Path:
    data = text.encode("utf-8")
    return atomic_write(Path(path), lambda p: Path(p).write_bytes(data), policy)
