"""The timeline page: fifteen years of commissioners (2011-2027) in one map with an era control.

Every era's layers come from one page builder (:func:`.pages.page_builder`), so all eras share one set of
simplified atoms and one pool of arcs: a boundary that lasted from 2011 to 2027 is stored once. Everything
the page shows is computed here (counts, medians with their population basis, coterminosity from
:func:`commissioning_atlas.over_time.coterminosity_over_time`, what moved from the ``changes`` rule of
:mod:`commissioning_atlas.checks`); ``assets/timeline.js`` only displays it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.strtree import STRtree

from commissioning_atlas import settings
from commissioning_atlas.io import formatting
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.maps.arcs import COORD_SCALE, DEFAULT_TOLERANCE_M
from commissioning_atlas.maps.describe import basis_label, in_words, layer_basis
from commissioning_atlas.maps.encode import _json_for_script, _plain
from commissioning_atlas.io.safe import OutputPolicy
from commissioning_atlas.maps.era_pairs import era_pairs
from commissioning_atlas.maps.labels import circles, label_points, label_text, short_text
from commissioning_atlas.maps.page import SEARCH, _write_text, page_html
from commissioning_atlas.maps.places import page_places
from commissioning_atlas.maps.style import ATTRIBUTION, COAST_STYLE, PALETTE

#: Most moved parts listed per era (the rest are drawn and counted).
LISTED = 12


@dataclass(frozen=True)
class Era:
    """One step of the timeline: the layer drawn filled, layers drawn as lines over it, and the pair of
    layers whose ``changes`` say what moved since the era before (``None``: the first era)."""

    key: str
    label: str
    layer: str
    lines: tuple[str, ...] = ()
    changes: tuple[str, str] | None = None


def declared_eras() -> tuple[Era, ...]:
    """The eras declared in ``timeline.toml``, in date order."""
    from commissioning_atlas.registry import timeline_eras

    return tuple(Era(e["key"], e["label"], e["layer"], e["lines"], e["changes"]) for e in timeline_eras())


#: Classes of the ``changes`` rule the page lists (the others are counted): parts that left their body.
_LISTED_CLASSES = ("moved", "moved parent")


def eras_of(atlas: Any, eras: Sequence[Era] | None = None) -> list[Era]:
    """The eras whose layers the atlas has (a change pair it lacks is dropped, not the era); default: the
    declared eras."""
    have = set(atlas.layer_ids())
    out = []
    for e in declared_eras() if eras is None else eras:
        if e.layer not in have:
            continue
        lines = tuple(l for l in e.lines if l in have)
        changes = e.changes if e.changes and set(e.changes) <= have else None
        out.append(Era(e.key, e.label, e.layer, lines, changes))
    return out


def _page_layers(eras: Sequence[Era]) -> list[str]:
    """Every layer the page draws or compares (the moved parts are unions of their atoms)."""
    ids = []
    for e in eras:
        ids += [e.layer, *e.lines, *(e.changes or ())]
    return list(dict.fromkeys(ids))


def era_figures(atlas: Any, eras: Sequence[Era]) -> dict[str, dict]:
    """Count, median size with its basis, and share coterminous with the councils of the day, per era.

    Coterminosity comes from :func:`commissioning_atlas.over_time.coterminosity_over_time` on the eras'
    layers (a layer it cannot classify gets ``None``).

    Returns
    -------
    dict
        Era key -> ``{"bodies", "median", "basis", "coterminous", "councils", "classes"}``.
    """
    from commissioning_atlas.over_time import CLASSES, coterminosity_over_time

    out = {}
    for e in eras:
        layer = atlas.layer(e.layer)
        basis = layer_basis(atlas, e.layer)
        pop = np.asarray(layer["population"], dtype=float)
        out[e.key] = {"bodies": len(layer), "median": int(np.median(pop)) if len(pop) else 0,
                      "basis": basis_label(basis), "coterminous": None, "councils": None, "classes": None}
        try:
            row = coterminosity_over_time(atlas, [e.layer]).iloc[0]
        except (KeyError, IndexError, ValueError):  # no date or councils of its time: no share, and the page says so
            continue
        out[e.key].update(coterminous=float(row["share_coterminous"]),
                          councils=_titled(atlas, str(row["councils"])),  # a title, not a layer id
                          classes={c: int(row[c]) for c in CLASSES})
    return out


def era_changes(atlas: Any, era: Era) -> gpd.GeoDataFrame | None:
    """The ``changes`` findings of an era against the one before (None for the first era)."""
    from commissioning_atlas.checks import run_check

    if era.changes is None:
        return None
    new, old = era.changes
    return run_check(atlas, new, old, ("changes",))


def _moved_parts(f: gpd.GeoDataFrame) -> tuple[dict[str, int], gpd.GeoDataFrame, list[dict]]:
    """Counts of the changes by class; the parts that left their body (``moved``, ``moved parent``), largest
    by residents first; and those parts as the page lists them."""
    counts = {str(k): int(v) for k, v in f["class"].astype(str).value_counts().sort_index().items()}
    parts = f[f["class"].astype(str).isin(_LISTED_CLASSES)]
    parts = parts.sort_values(["population", "against_code", "subject_code"], ascending=[False, True, True],
                              kind="stable")
    rows = [{"from": str(r["against_name"]), "to": str(r["subject_name"]), "class": str(r["class"]),
             "people": formatting.people(r["population"]), "share": formatting.share(r["share_population"]),
             "note": in_words(str(r["note"]))}
            for r in parts.drop(columns="geometry").to_dict("records")]
    return counts, parts, rows


def _dated(atlas: Any, rows: list[dict], old_codes: list[str], new: str, old: str) -> None:
    """Date each moved part's bodies ("NHS Luton CCG (April 2013)"), so a name is never quoted as another
    year's body of that name, and give the whole old body's residents (``whole``) beside the part's."""
    v_new, v_old = (str(atlas.info(lid).get("vintage") or "") for lid in (new, old))
    layer = atlas.layer(old)
    pops = dict(zip(layer["code"].astype(str), layer["population"])) if "population" in layer.columns else {}
    for r, code in zip(rows, old_codes):
        r["whole"] = formatting.people(pops[code]) if code in pops else ""
        r["from"] = f"{r['from']} ({v_old})" if v_old else r["from"]
        r["to"] = f"{r['to']} ({v_new})" if v_new else r["to"]


def stable_colours(codes: dict[str, Sequence[str]], geoms: dict[str, np.ndarray],
                   n_colours: int = len(PALETTE)) -> dict[str, list[int]]:
    """One colour per code across all the eras' layers, so a body keeps its colour from era to era (and side
    by side), and neighbours in any era differ where the palette allows.

    The codes of every layer are the nodes of one graph, joined where two features of a layer touch; it is
    coloured greedily, most neighbours first (then by code), reusing the least used neighbour colour where
    the palette runs out.

    Parameters
    ----------
    codes : dict
        Layer id -> its features' codes.
    geoms : dict
        Layer id -> its features' geometries (any CRS), in the same order.
    n_colours : int

    Returns
    -------
    dict
        Layer id -> one colour index per feature.

    Examples
    --------
    >>> sq = lambda x: shapely.box(x, 0, x + 1, 1)
    >>> stable_colours({"a": ["P", "Q"], "b": ["Q", "R"]},
    ...                {"a": np.array([sq(0), sq(1)]), "b": np.array([sq(1), sq(2)])})
    {'a': [1, 0], 'b': [0, 1]}
    """
    keys = sorted({str(c) for cs in codes.values() for c in cs})
    index = {k: n for n, k in enumerate(keys)}
    neigh: list[set[int]] = [set() for _ in keys]
    for lid, cs in codes.items():
        node = np.array([index[str(c)] for c in cs], dtype=np.int64)
        g = np.asarray(geoms[lid], dtype=object)
        i, j = STRtree(g).query(g, predicate="intersects")
        for a, b in zip(node[i].tolist(), node[j].tolist()):
            if a != b:
                neigh[a].add(b)
                neigh[b].add(a)
    colour = np.full(len(keys), -1, dtype=int)
    for k in sorted(range(len(keys)), key=lambda k: (-len(neigh[k]), keys[k])):
        used = [colour[m] for m in neigh[k] if colour[m] >= 0]
        free = [c for c in range(n_colours) if c not in used]
        colour[k] = free[0] if free else min(range(n_colours), key=lambda c: (used.count(c), c))
    return {lid: [int(colour[index[str(c)]]) for c in cs] for lid, cs in codes.items()}


def _titled(atlas: Any, layer_id: str) -> str:
    """A layer's title with its vintage: "Integrated care boards (April 2023)"."""
    info = atlas.info(layer_id)
    vintage = str(info.get("vintage") or "")
    return f"{info['title']} ({vintage})" if vintage else str(info["title"])


def timeline_data(atlas: Any, tolerance: float = DEFAULT_TOLERANCE_M,
                  eras: Sequence[Era] | None = None) -> dict:
    """Everything the timeline page carries: eras, their features and figures, moved parts and the arcs.

    Parameters
    ----------
    atlas : Atlas
    tolerance : float
        Simplification tolerance in metres (shared by every era).
    eras : sequence of Era
        Default :func:`declared_eras` (those the atlas has).

    Returns
    -------
    dict
        JSON-ready; ``arcs`` are the page's shared arcs (flat integer deltas).
    """
    from commissioning_atlas.over_time import coterminosity_over_time
    from commissioning_atlas.maps.pages import page_builder

    eras = eras_of(atlas, eras)
    if not eras:
        raise AtlasError("the timeline needs at least one era's layer (timeline.toml); the atlas has none")
    b = page_builder(atlas, _page_layers(eras), tolerance)
    figures = era_figures(atlas, eras)
    layers: dict[str, dict] = {}
    frames = {lid: b.encode(lid) for lid in dict.fromkeys(lid for e in eras for lid in (e.layer, *e.lines))}
    filled = list(dict.fromkeys(e.layer for e in eras))
    colours = stable_colours({lid: frames[lid]["code"].astype(str).tolist() for lid in filled},
                             {lid: b.simple[lid].to_numpy() for lid in filled})

    def add_layer(lid: str) -> None:
        if lid in layers:
            return
        frame = frames[lid]
        simple = b.simple[lid].to_numpy()
        pts, radii = label_points(simple, circles(atlas))
        basis = basis_label(layer_basis(atlas, lid))
        info = atlas.info(lid)
        features = []
        for n, rec in enumerate(frame.drop(columns="geometry").to_dict("records")):
            name = str(_plain(rec.get("name")) or rec["code"])
            f = {"name": name, "code": str(rec["code"]), "pop": formatting.people(rec.get("population")),
                 "lp": pts[n], "lr": radii[n]}
            if lid in colours:  # a filled layer: its colour (by code, the same in every era) and its label
                f["c"] = colours[lid][n] % len(PALETTE)
                f["t"] = label_text(name)
                short = short_text(name)
                if short != f["t"].replace("\n", " "):
                    f["ts"] = short
            features.append(f)
        layers[lid] = {"id": lid, "title": str(info.get("title", lid)), "vintage": str(info.get("vintage", "")),
                       "basis": basis, "source": b.source_line(lid), "features": features}

    out_eras = []
    for e in eras:
        add_layer(e.layer)
        for lid in e.lines:
            add_layer(lid)
        fig = figures[e.key]
        era = {"key": e.key, "label": e.label, "layer": e.layer, "lines": list(e.lines), **fig,
               "median_text": f"{formatting.people(fig['median'])} ({fig['basis']})",
               "coterminous_text": (f"{formatting.share(fig['coterminous'])} coterminous with "
                                    f"{fig['councils']}" if fig["coterminous"] is not None else
                                    "not classified against councils"),
               "changes": None}
        f = era_changes(atlas, e)
        if f is not None:
            counts, parts, moved = _moved_parts(f)
            _dated(atlas, moved, parts["against_code"].astype(str).tolist(), e.changes[0], e.changes[1])
            geoms = parts.geometry.to_numpy()
            if not (~(shapely.is_missing(geoms) | shapely.is_empty(geoms))).all():
                raise AtlasError(f"{e.changes[0]} against {e.changes[1]}: a moved part has no shape")
            key = f"moved_{e.key}"
            simple = b._from_atoms(geoms)  # unions of the page's atoms: on the drawn boundaries, their arcs
            b.geometry[key] = b._add(gpd.GeoSeries(simple, crs=settings.CRS)) if len(simple) else []
            era["changes"] = {"new": e.changes[0], "old": e.changes[1], "counts": counts,
                              "total": int(sum(counts.values())), "parts": moved,
                              "more": max(0, len(moved) - LISTED), "geometry": key,
                              "new_title": _titled(atlas, e.changes[0]), "old_title": _titled(atlas, e.changes[1])}
        out_eras.append(era)
    table = coterminosity_over_time(atlas)
    arcs, geometry = b.topology()
    places = page_places(atlas, "neighbourhoods")  # the search: towns, places and every neighbourhood
    return {
        "title": "Fifteen years in one view: NHS commissioners of England, 2011-2027",
        "scale": list(COORD_SCALE), "palette": PALETTE, "coast": COAST_STYLE, "attribution": ATTRIBUTION,
        "tolerance": float(tolerance), "arcs": arcs, "geometry": geometry, "layers": layers,
        "base": b.layers[0]["geometry"], "eras": out_eras, "bounds": b.bounds(),
        "sources": [*b.sources, places["source"]] if places else b.sources,
        "chart": chart_rows(table), "pairs": era_pairs(atlas, eras), "places": places,
    }


def chart_rows(table) -> list[dict]:
    """The over-time table as the chart's rows: year, short label, bodies per class, share coterminous."""
    from commissioning_atlas.over_time import CLASSES, short_label

    return [{"year": str(r["date"])[:4], "label": short_label(str(r["layer"])),
             "layer": str(r["layer"]), "title": str(r["title"]), "bodies": int(r["bodies"]),
             "share": formatting.share(r["share_coterminous"]), **{c: int(r[c]) for c in CLASSES}}
            for _, r in table.iterrows()]


def timeline_map(atlas: Any, path: str | Path, *, tolerance: float = DEFAULT_TOLERANCE_M, pack: bool = True,
                 index: str | None = None, policy: OutputPolicy | None = None) -> Path:
    """Write ``timeline.html``: every era 2011-2027 on one map with an era control and a side-by-side view.

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
        The HTML file to write (atomically); at most 600 KB.
    tolerance : float
        Simplification tolerance in metres (the other maps' 200 m: all fifteen eras share one set of
        arcs, so the page stays near 230 KB, 340 KB with the names of every neighbourhood for its search).
    pack : bool
        One gzip stream unpacked by ``assets/boot.js`` (else plain text).
    index : str, optional
        Relative link to the folder's ``index.html``.

    Returns
    -------
    Path

    Examples
    --------
    >>> timeline_map(ca.load(), "out/timeline.html")   # doctest: +SKIP
    """
    data = timeline_data(atlas, tolerance)
    data["index"] = index
    arcs = data["arcs"]
    if pack:  # the arcs travel as bytes after the text parts
        data["arcs"] = None
    return _write_text(path, page_html(data["title"], "timeline.css", "timeline.js", _json_for_script(data), arcs, pack,
                                       (*SEARCH, "takeaway.js", "places.js")),
                       atlas.output_policy(policy))


def index_entry(path: str | Path, href: str = "timeline.html") -> dict:
    """The timeline's entry in ``index.html``: title, link, summary (its eras) and a thumbnail of its last era.

    Parameters
    ----------
    path : str or Path
        A page written by :func:`timeline_map`.
    href : str
        Its link relative to the index.

    Returns
    -------
    dict
        For :func:`.index.write_index`.
    """
    from commissioning_atlas.maps.encode import read_page_data
    from commissioning_atlas.maps.thumbnail import thumbnail_svg

    data = read_page_data(path)
    last = data["eras"][-1]
    page = {"bounds": data["bounds"], "scale": data["scale"], "arcs": data["arcs"], "geometry": data["geometry"],
            "layers": [{"id": "base", "kind": "base", "geometry": data["base"]},
                       {"id": last["layer"], "kind": "fill", "show": True, "geometry": last["layer"],
                        "style": {"color": "#555555"}}]}
    years = f"{data['eras'][0]['key']}-{last['key']}"
    return {"title": f"Timeline: fifteen years in one view, {years}", "href": href,
            "thumbnail": thumbnail_svg(page, "Thumbnail of the timeline map"),
            "summary": f"{len(data['eras'])} eras on one map ({', '.join(e['key'] for e in data['eras'])}): each "
                       "with its count of bodies, median size, share coterminous with councils and what moved "
                       "since the era before; two eras side by side; the chart of commissioners over time."}
