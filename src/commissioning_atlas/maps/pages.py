"""The maps themselves: layers, the CCG map, the atlas, a check's findings, and a folder of them."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.checks import counts as checks_counts
from commissioning_atlas.io import formatting
from commissioning_atlas.io.safe import OutputPolicy
from commissioning_atlas.maps.arcs import DEFAULT_TOLERANCE_M
from commissioning_atlas.maps.builder import _Builder
from commissioning_atlas.maps.encode import read_page_data
from commissioning_atlas.maps.figures import FIRST, SHARE_CROSSING, check_choice, crossing_parts, offered
from commissioning_atlas.maps.headline import page_finding
from commissioning_atlas.maps.index import _flagged, people_affected, write_index
from commissioning_atlas.maps.page import _render, _write_text
from commissioning_atlas.maps.places import page_places
from commissioning_atlas.maps.style import BASE_LAYER, DISTINCT, LayerStyle, atlas_layers, style_of
from commissioning_atlas.maps.thumbnail import thumbnail_svg
from commissioning_atlas.maps.planner import index_entry as planner_index_entry
from commissioning_atlas.maps.planner import planner_config, planner_map
from commissioning_atlas.maps.timeline import eras_of, timeline_map
from commissioning_atlas.maps.timeline import index_entry as timeline_index_entry

log = logging.getLogger(__name__)


def layer_map(atlas: Any, layer_ids: Sequence[str], path: str | Path, title: str | None = None, *,
              show: Sequence[str] | None = None, tolerance: float = DEFAULT_TOLERANCE_M,
              tiles: bool = False, pack: bool = True, index: str | None = None,
              choropleth: str | None = None, policy: OutputPolicy | None = None) -> Path:
    """Write a map of one or more layers (each toggleable) over a grey outline.

    Parameters
    ----------
    atlas : Atlas
        From :func:`commissioning_atlas.load`.
    layer_ids : sequence of str
        Layers, bottom to top.
    path : str or Path
        The HTML file to write (atomically).
    title : str, optional
        Page and map title (default: the layers' titles).
    show : sequence of str, optional
        Layers shown when the page opens (default: all of ``layer_ids``).
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles (needs the internet; off by default).
    pack : bool
        Carry Leaflet, the script and the data as one gzip stream that the browser unpacks (about half
        the bytes; needs a browser from 2023 or later). False writes them as plain text.
    index : str, optional
        Relative link to the folder's ``index.html``, shown as "All maps" (write_maps sets it).
    choropleth : str, optional
        The figure the topmost layer is coloured by when the page opens: a numeric column of the layers
        (``population``, the default, ``registered_population``, ``area_km2``, ``density``: residents per
        km², or any other, see :mod:`.figures`); the legend's "Colour by" offers them all. An unknown one
        raises :class:`AtlasError` naming those there are.

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> layer_map(atlas, ["ccg_2013"], "out/ccg.html")   # doctest: +SKIP
    """
    layer_ids = list(layer_ids)
    shown = set(layer_ids if show is None else show)
    b = page_builder(atlas, layer_ids, tolerance)
    b.choropleth = choropleth
    for lid in layer_ids:
        b.polygons(lid, lid in shown)
    title = title or " + ".join(atlas.info(l)["title"] for l in layer_ids)
    return _write_text(path, _render(b, title, tiles, pack=pack, index=index), atlas.output_policy(policy))


def ccg_map(atlas: Any, path: str | Path, title: str = "Clinical commissioning groups, April 2013", *,
            tolerance: float = DEFAULT_TOLERANCE_M, tiles: bool = False, pack: bool = True,
            index: str | None = None, choropleth: str | None = None, policy: OutputPolicy | None = None) -> Path:
    """Write the all-England map of the 211 CCGs (the size budget: at most 200 KB).

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
    title : str
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles.
    pack : bool
        Compress the page's scripts and data (see :func:`layer_map`).
    choropleth : str, optional
        The figure the CCGs are coloured by when the page opens (see :func:`layer_map`).

    Returns
    -------
    Path
    """
    return layer_map(atlas, ["ccg_2013"], path, title, tolerance=tolerance, tiles=tiles, pack=pack, index=index,
                     choropleth=choropleth, policy=policy)


def atlas_map(atlas: Any, path: str | Path, title: str = "Commissioning Atlas: England's NHS commissioning, 2011-2027",
              *, tolerance: float = DEFAULT_TOLERANCE_M, tiles: bool = False, pack: bool = True,
              index: str | None = None, declarations: Sequence[LayerStyle] | None = None,
              choropleth: str | None = None, policy: OutputPolicy | None = None) -> Path:
    """Write the atlas map: the layers of 2011-2027 declared in ``maps.toml`` as toggleable overlays (SHAs and CCGs shown first).

    Layers: those of :func:`.style.atlas_layers` the atlas has, from the SHA clusters of 2011 to the ICB mergers proposed
    for 2027 and the councils of 2011 and 2023, with a scenario (shown first) when one is loaded.

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
        The HTML file to write (atomically); at most about 3 MB.
    title : str
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles.
    pack : bool
        Compress the page's scripts and data (see :func:`layer_map`).
    index : str, optional
        Link back to the folder's index page.
    declarations : sequence of LayerStyle, optional
        The page's layers and their styles, bottom to top (default :func:`.style.atlas_layers`; layers the atlas
        does not have are left out).
    choropleth : str, optional
        The figure the topmost layer shown is coloured by when the page opens (see :func:`layer_map`); a
        layer without it is coloured by its residents.

    Returns
    -------
    Path

    Examples
    --------
    >>> atlas_map(ca.load(), "out/atlas.html")   # doctest: +SKIP
    """
    available = set(atlas.layer_ids())
    layers = [s for s in (declarations if declarations is not None else atlas_layers()) if s.id in available]
    whatif = scenario_title(atlas)
    if whatif:
        title = f"What-if: {whatif}. {title}"
    b = page_builder(atlas, [s.id for s in layers], tolerance)
    b.choropleth = choropleth
    for s in layers:
        # a loaded scenario is what the page is about: shown first, over the 2012 set
        b.polygons(s.id, s.show or (s.id == "scenario"), s)
    return _write_text(path, _render(b, title, tiles, pack=pack, index=index, whatif=bool(whatif),
                                     places=page_places(atlas, "places"), takeaway=True),
                       atlas.output_policy(policy))


def findings_map(atlas: Any, findings: gpd.GeoDataFrame, path: str | Path, title: str, subject_layer: str,
                 against_layer: str | None, *, tolerance: float = DEFAULT_TOLERANCE_M, tiles: bool = False,
                 pack: bool = True, index: str | None = None, choropleth: str | None = None,
                 meta: dict | None = None, distinct: bool = False, subject_title: str | None = None,
                 policy: OutputPolicy | None = None) -> Path:
    """Write a map of a check: subject footprints, the reference layer's lines, findings on top.

    Findings are coloured by severity (error red, warning orange, info blue); crossing parts
    (``rule == "crosses"`` and ``class == "crossing part"``) are hatched bright red and their popup
    gives the share of area and of population outside, with the population and area. Rows with
    empty geometry are not drawn.

    Parameters
    ----------
    atlas : Atlas
    findings : geopandas.GeoDataFrame
        EPSG:27700, columns ``rule, subject_layer, subject_code, subject_name, against_layer, against_code,
        against_name, class, area_km2, share_area, population, share_population, severity, geometry``.
    path : str or Path
    title : str
    subject_layer : str
        Layer checked (drawn filled).
    against_layer : str or None
        Reference layer (drawn as lines); None for rules without one (size).
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles.
    pack : bool
        Compress the page's scripts and data (see :func:`layer_map`).
    choropleth : str, optional
        The figure the subject layer is coloured by when the page opens (default: the share of residents
        outside their home where the check has crossing parts, else residents; see :func:`layer_map`).
    meta : dict, optional
        The check's ``rules`` and ``population_basis`` (:func:`commissioning_atlas.checks.run_preset`): the
        page opens with the sentence of :func:`.headline.sentence` and names every flagged feature.
    distinct : bool
        Colour the subject's features each apart from its neighbours (the advice's groups), outlined in
        dark grey, and open the page so coloured; each named where its name (or short form) fits.
    subject_title : str, optional
        The subject layer's title in the legend and the layers list (default: its title and vintage); a page
        with its own title (an advice's) is not prefixed "What-if".

    Returns
    -------
    Path
    """
    b = page_builder(atlas, [subject_layer] + ([against_layer] if against_layer else []), tolerance)
    b.choropleth = choropleth
    if distinct:  # the advice's groups: each its own colour, outlined apart from the councils' dots
        b.polygons(subject_layer, True, style_of(subject_layer)._replace(colour="#222222", dash="", weight=1.6),
                   title=subject_title)
        b.distinct(subject_layer)
        b.choropleth = b.choropleth or DISTINCT
    else:
        b.polygons(subject_layer, True, title=subject_title)
    if against_layer and against_layer != subject_layer:
        b.polygons(against_layer, True, line=True)
    meta = {"rules": tuple(dict.fromkeys(findings["rule"].astype(str))) if findings is not None and len(findings)
            and "rule" in findings.columns else (), **(meta or {}), "subject": subject_layer, "against": against_layer}
    finding = page_finding(atlas, findings, meta) if subject_layer in atlas.layer_ids() else None
    counts = b.findings(findings, title="Findings", subject_layer=subject_layer, finding=finding)
    whatif = scenario_title(atlas) if subject_layer == "scenario" else None
    if whatif and not subject_title:
        title = f"What-if: {whatif}. {title}"
    return _write_text(path, _render(b, title, tiles, counts=counts, pack=pack, index=index, whatif=bool(whatif),
                                     places=page_places(atlas, "towns"), takeaway=True),
                       atlas.output_policy(policy))


def page_builder(atlas: Any, layer_ids: Sequence[str], tolerance: float = DEFAULT_TOLERANCE_M) -> _Builder:
    """A page's builder with the land and the reference names in place, ready for its layers.

    The layers a page will draw are simplified together (their atoms), so name them all here; a later
    page kind (a timeline with an era control) builds on this the same way.

    Parameters
    ----------
    atlas : Atlas
    layer_ids : sequence of str
        Every layer the page will draw.
    tolerance : float
        Simplification tolerance in metres.

    Returns
    -------
    _Builder
    """
    b = _Builder(atlas, tolerance, [BASE_LAYER, *layer_ids])
    b.base()
    b.names(list(layer_ids))
    return b


def _atlas_figures(atlas: Any, declarations: Sequence[LayerStyle] | None = None) -> list[str]:
    available = set(atlas.layer_ids())
    return offered([atlas.layer(s.id) for s in (declarations if declarations is not None else atlas_layers())
                    if s.id in available])


def _crossing(findings: gpd.GeoDataFrame | None) -> bool:
    """Whether a check's page classes its subject by the share of residents outside their home (as
    :meth:`_Builder._subject_figures` does: drawn crossing parts with a share)."""
    if findings is None or not len(findings) or "share_population" not in findings.columns:
        return False
    cross = crossing_parts(findings)
    geoms = findings.geometry
    return bool((cross & ~(geoms.isna() | geoms.is_empty)).any())


def _findings_figures(atlas: Any, findings: gpd.GeoDataFrame | None, subject: str) -> list[str]:
    return offered([atlas.layer(subject)], crossing=_crossing(findings) and "subject_code" in findings.columns)


def choropleths(atlas: Any, presets: dict | None = None) -> list[str]:
    """The figures ``write_maps`` can open its maps coloured by (``commissioning-atlas map --choropleth``):
    every numeric column of the atlas's layers and of the check presets' subjects, residents per km², and
    the share of residents outside their home (a check's page).

    Parameters
    ----------
    atlas : Atlas
    presets : dict, optional
        Check presets (:func:`commissioning_atlas.checks.declared_presets`, the default) whose subject layers
        count.

    Returns
    -------
    list of str
        Keys, residents first.
    """
    if presets is None:
        from commissioning_atlas.checks import declared_presets

        presets = declared_presets()
    available = set(atlas.layer_ids())
    subjects = [p["subject"] for p in presets.values() if p.get("subject") in available]
    keys = list(dict.fromkeys(_atlas_figures(atlas) + offered([atlas.layer(s) for s in dict.fromkeys(subjects)])))
    first = [k for k in FIRST if k in keys]
    return first + [k for k in keys if k not in first] + [SHARE_CROSSING]


def scenario_title(atlas: Any) -> str | None:
    """The loaded scenario's title ("scenario one.csv"), or None when the atlas has none."""
    if "scenario" not in atlas.layer_ids():
        return None
    info = atlas.info("scenario")
    source = str(info.get("source", "")).split(",")[0].strip()
    return f"{info.get('title', 'Scenario').lower()} {source}".strip().capitalize()


def _safe_name(preset: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(preset)).strip(".-")
    if not name:
        raise AtlasError(f"preset name {preset!r} gives an empty file name")
    return name


def _atlas_entry(path: Path, whatif: str | None) -> dict:
    """The index's entry for the atlas page: its layers as drawn, and the what-if shown first."""
    data = read_page_data(path)
    titles = [layer["title"] for layer in data["layers"] if layer["kind"] in ("fill", "line")]  # as drawn
    return {"title": "Atlas: the commissioners of 2011-2027", "href": "atlas.html",
            "thumbnail": thumbnail_svg(data, "Thumbnail of the atlas map"),
            "summary": f"{len(titles)} layers, any of them on or off: " + "; ".join(titles) + "."
                       + (f" The what-if ({whatif}) is shown first." if whatif else "")}


def _check_entry(atlas: Any, path: Path, name: str, title: str, findings: gpd.GeoDataFrame, meta: dict) -> dict:
    """The index's entry for a check's page: what was checked, the findings drawn and listed, the councils' view."""
    data = read_page_data(path)
    layer = next(l for l in data["layers"] if l["id"] == "findings")
    counts = checks_counts(findings)
    against = meta.get("against")
    summary = meta.get("summary") or (
        f"{atlas.info(meta['subject'])['title']} checked" + (f" against {atlas.info(against)['title']}" if against else "")
        + ".")
    summary = (f"{summary} {sum(counts.values())} findings: {layer['drawn']} drawn on the map, "
               f"{len(layer['unshaped'])} listed without a shape.{_flagged(atlas, findings, meta['subject'])}")
    if meta.get("split_rule"):  # the councils' view: its headline count names its rule
        summary += f" {formatting.count(meta['councils_split'], 'council')} {meta['split_rule']}."
    return {"title": data["title"], "href": name, "summary": summary, "counts": counts,
            "finding": (data.get("finding") or {}).get("sentence"),
            "question": meta.get("question"), "people": people_affected(findings),
            "thumbnail": thumbnail_svg(data, f"Thumbnail of the map: {title}")}


def write_maps(atlas: Any, out_dir: str | Path,
               findings_by_preset: dict[str, tuple[gpd.GeoDataFrame, dict]] | None = None, *,
               tolerance: float = DEFAULT_TOLERANCE_M, tiles: bool = False, pack: bool = True,
               timeline: bool = True, choropleth: str | None = None, planner: bool = True,
               policy: OutputPolicy | None = None) -> list[Path]:
    """Write ``atlas.html``, ``timeline.html``, ``planner.html``, one ``check-<preset>.html`` per preset and
    ``index.html`` into ``out_dir``.

    Parameters
    ----------
    atlas : Atlas
    out_dir : str or Path
        Existing or new folder.
    findings_by_preset : dict
        ``preset -> (findings, meta)`` where ``meta`` has ``title``, ``subject`` (layer id) and ``against``
        (layer id), optionally ``summary``.
    tolerance : float
        Simplification tolerance in metres.
    tiles : bool
        Add OpenStreetMap tiles.
    pack : bool
        Compress the page's scripts and data (see :func:`layer_map`).
    timeline : bool
        Also write ``timeline.html`` (:func:`.timeline.timeline_map`: every era 2011-2027 on one map).
    planner : bool
        Also write ``planner.html`` (:func:`.planner.planner_map`: the default units and starting plan).
    choropleth : str, optional
        The figure every map opens coloured by (see :func:`layer_map`), where its filled layer has it; one
        that no map has raises :class:`AtlasError` (naming those there are) before anything is written.
    policy : OutputPolicy, optional
        The run's output rule (:class:`~commissioning_atlas.io.safe.OutputPolicy`); the atlas's input files
        are added to it (by default they alone are).

    Returns
    -------
    list of Path
        Every file written, index last.
    """
    pages = {"atlas": _atlas_figures(atlas)}
    for preset, (findings, meta) in (findings_by_preset or {}).items():
        pages[preset] = _findings_figures(atlas, findings, meta["subject"])
    check_choice(choropleth, list(dict.fromkeys(k for keys in pages.values() for k in keys)))

    def pick(page: str) -> str | None:
        return choropleth if choropleth in pages[page] else None

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    policy = atlas.output_policy(policy)
    whatif = scenario_title(atlas)
    # an atlas without any era's layer (a small test mirror) has no timeline; the planner needs its default units
    timeline = bool(timeline and eras_of(atlas))
    planner = bool(planner and atlas.has_layer(planner_config()["default_units"]))
    n_pages = 2 + timeline + planner + len(findings_by_preset or {})  # atlas, pages, index
    done = 0

    def step(name: str) -> None:  # one progress line per page: a whole run takes minutes
        nonlocal done
        done += 1
        log.info("map %d of %d: %s", done, n_pages, name)

    atlas_path = atlas_map(atlas, out / "atlas.html", tolerance=tolerance, tiles=tiles, pack=pack, index="index.html",
                           choropleth=pick("atlas"), policy=policy)
    written = [atlas_path]
    step("atlas.html")
    entries = [_atlas_entry(atlas_path, whatif)]
    if timeline:
        timeline_path = timeline_map(atlas, out / "timeline.html", tolerance=tolerance, pack=pack, index="index.html",
                                     policy=policy)
        written.append(timeline_path)
        step("timeline.html")
        entries.append(timeline_index_entry(timeline_path))
    if planner:  # the planner page (assets/planner.js)
        planner_path = planner_map(atlas, out / "planner.html", tolerance=tolerance, pack=pack, index="index.html",
                                   policy=policy)
        written.append(planner_path)
        step("planner.html")
        entries.append(planner_index_entry(planner_path))
    for preset, (findings, meta) in (findings_by_preset or {}).items():
        name = f"check-{_safe_name(preset)}.html"
        title = str(meta.get("title") or preset)
        path = findings_map(atlas, findings, out / name, title, meta["subject"], meta.get("against"),
                            tolerance=tolerance, tiles=tiles, pack=pack, index="index.html", choropleth=pick(preset),
                            meta=meta, policy=policy)
        written.append(path)
        step(name)
        entries.append(_check_entry(atlas, path, name, title, findings, meta))
    step("index.html")
    written.append(write_index(entries, out / "index.html",
                               title="Commissioning Atlas maps" + (f": what-if ({whatif})" if whatif else ""),
                               policy=policy))
    return written
