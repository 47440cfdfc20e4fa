"""The planner page: draw a proposal by clicking units into groups, with the tool's own checks live.

Everything the rules need is precomputed here, per unit, so the page recomputes every group's figures as
sums over its units on each edit (``assets/planner.js``, one code path, no incremental bookkeeping):

* each unit's residents on the plan's basis (and Census 2021, and GP registered patients where the layer
  holds them: those of May 2022 a basis the reader may choose, which the size rule then reads), its area;
* the unit adjacency from the LSOAs' shared edges, with cut-off pieces (islands) joined to their nearest
  unit as ``advise`` joins them (:func:`.advise.adjacency.connect_areas`);
* a sparse unit x council table and a sparse unit x region table of people and area (so a council split
  and a region crossing are judged exactly as ``check`` judges them, with its 2% tolerance);
* the size thresholds of ``geo/size_thresholds.csv`` and the starting plans (real sets put on the units by
  best fit, a scenario file such as one ``advise`` wrote, and the advice instances declared for the units,
  solved here by ``advise`` and put on the units by the same best fit).

Which unit layers a plan may use, and their councils, regions and starting plans, are declared in
``data/planner.toml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.io import formatting
from commissioning_atlas.maps.arcs import COORD_SCALE, DEFAULT_TOLERANCE_M
from commissioning_atlas.maps.encode import _json_for_script, _plain
from commissioning_atlas.maps.labels import circles, label_points
from commissioning_atlas.io.safe import OutputPolicy
from commissioning_atlas.maps.page import _write_text, page_html
from commissioning_atlas.maps.style import ATTRIBUTION, COAST_STYLE, PALETTE
from commissioning_atlas.registry import planner

__all__ = ["planner_config", "planner_data", "planner_map", "best_fit", "advice_plan", "index_entry"]

#: Largest page for the default units (bytes): the issue's budget.
MAX_PAGE_BYTES = 350_000


def planner_config() -> dict:
    """The declarations of ``data/planner.toml`` as the registry read them (:func:`.registry.planner`): unit
    layers, their councils, regions and starting plans."""
    return planner()


def _unit_spec(units: str) -> dict:
    spec = planner_config()["units"].get(units)
    if spec is None:
        raise AtlasError(f"the planner draws plans over {', '.join(planner_config()['units'])}; not {units!r}")
    return spec


def _pairs(atlas: Any, layer_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LSOA row, unit index, sorted codes) of a layer's membership: the same pairs ``advise`` and ``check`` sum
    (:meth:`Atlas.membership_index`)."""
    m = atlas.membership_index(layer_id)
    return m.rows, m.units, m.codes


def _crosstab(atlas: Any, labels: np.ndarray, n_units: int, other: str | tuple, weights: dict[str, np.ndarray]
              ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Sparse unit x ``other`` table: the (unit, other) pairs that share LSOAs, with each weight summed
    (``other``: a layer id, or its (LSOA row, index, sorted codes) pairs)."""
    rows, k, codes = _pairs(atlas, other) if isinstance(other, str) else other
    u = labels[rows]
    keep = u >= 0
    key = u[keep].astype(np.int64) * len(codes) + k[keep]
    pair, inv = np.unique(key, return_inverse=True)
    sums = {name: np.bincount(inv, weights=w[rows[keep]], minlength=len(pair)) for name, w in weights.items()}
    return np.stack([pair // len(codes), pair % len(codes)], axis=1), sums, codes


def best_fit(atlas: Any, units: str, plan: str) -> tuple[np.ndarray, list[dict], str]:
    """A real set (layer or footprint set id, or ``scenario``) put on ``units``: each unit in the group
    holding most of its residents (Census 2021 where held, then area; ties to the first code).

    Returns
    -------
    assign : numpy.ndarray of int
        Group index of each unit (sorted unit codes), -1 where no group holds any of it.
    groups : list of dict
        ``code`` and ``name`` of each group, sorted by code.
    note : str
        How exact the fit is ("exact: every unit lies wholly in one group" or how many units were split).
    """
    layer = atlas.layer(plan)
    names = dict(zip(layer["code"].astype(str), layer["name"].astype(str)))
    return _fit(atlas, units, _pairs(atlas, plan), names)


def _fit(atlas: Any, units: str, plan_pairs: tuple[np.ndarray, np.ndarray, np.ndarray], names: dict[str, str]
         ) -> tuple[np.ndarray, list[dict], str]:
    """:func:`best_fit` of a plan given as (LSOA row, group index, sorted group codes) pairs."""
    rows, k, codes = _pairs(atlas, units)
    labels = np.full(len(atlas.lsoa), -1, dtype=np.int64)
    labels[rows] = k
    pop = atlas.population("census_2021").astype(float) + 1e-6 * atlas.lsoa["area_m2"].to_numpy()
    pairs, sums, gcodes = _crosstab(atlas, labels, len(codes), plan_pairs, {"w": pop})
    w = sums["w"]
    order = np.lexsort((pairs[:, 1], -w, pairs[:, 0]))
    first = order[np.r_[True, pairs[order, 0][1:] != pairs[order, 0][:-1]]]
    assign = np.full(len(codes), -1, dtype=np.int64)
    assign[pairs[first, 0]] = pairs[first, 1]
    n_split = int((np.bincount(pairs[:, 0], minlength=len(codes)) > 1).sum())  # units in several groups
    used = np.unique(assign[assign >= 0])
    remap = np.full(len(gcodes), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    groups = [{"code": str(gcodes[g]), "name": str(_plain(names.get(str(gcodes[g]), "")) or gcodes[g])} for g in used]
    assign = np.where(assign >= 0, remap[np.maximum(assign, 0)], -1)
    lost = len(gcodes) - len(used)
    note = ("exact: every unit lies in one group" if n_split == 0 else
            f"best fit: {formatting.count(n_split, 'unit')} {'lies' if n_split == 1 else 'lie'} in more than one group; each is put in the group "
            "holding most of its residents")
    if lost:
        note += f"; {formatting.count(lost, 'group')} smaller than any unit left out"
    return assign, groups, note


def _words(atlas: Any, layer: str) -> str:
    """A layer's title inside a sentence: "integrated care boards (July 2022)", "NHS England regions (July 2022)"."""
    t = _start_title(atlas, layer)
    return t[:1].lower() + t[1:] if len(t) > 1 and not t[1].isupper() else t


def advice_plan(atlas: Any, units: str, spec: dict) -> dict:
    """An advice instance of ``data/planner.toml`` solved with :func:`.advise.advise` and put on ``units``.

    Parameters
    ----------
    atlas : Atlas
    units : str
        The page's unit layer.
    spec : dict
        ``units``, ``floor`` and optionally ``within``, ``keep_whole``, ``closest_to``: the arguments of
        ``commissioning-atlas advise`` (its defaults otherwise, so the page shows what the command prints).

    Returns
    -------
    dict
        A starting plan (``id``, ``title``, ``groups``, ``assign``, ``note``) whose groups are the advice's
        (``ADV01``...), each unit in the group holding most of its residents.
    """
    from commissioning_atlas.advise import advise
    from commissioning_atlas.advise.scenario import plan_frame

    plan = advise(atlas, spec["units"], spec["floor"], within=spec.get("within"), keep_whole=spec.get("keep_whole"),
                  closest_to=spec.get("closest_to"))
    inst = plan.instance
    frame = plan_frame(plan)
    m = atlas.membership_index(inst.units)
    at = {str(c): i for i, c in enumerate(inst.codes)}
    group = plan.group[np.array([at[str(c)] for c in m.codes], dtype=np.int64)][m.units]
    order = np.argsort(frame["code"].to_numpy().astype(str), kind="stable")  # group codes sorted, as _crosstab needs
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    gcodes = frame["code"].to_numpy().astype(str)[order]
    names = dict(zip(frame["code"].astype(str), frame["name"].astype(str)))
    assign, groups, note = _fit(atlas, units, (m.rows, rank[group], gcodes), names)
    status = "proven optimal" if plan.optimal else f"not proven optimal, bound {plan.groups_bound}"
    title = (f"Advice: {plan.groups} groups of the {_words(atlas, inst.units)}, each at least {inst.floor:,}"
             + (f", within {_words(atlas, inst.within)}" if inst.within else "")
             + (f", keeping {_words(atlas, inst.keep_whole)} whole" if inst.keep_whole else "")
             + (f", closest to {_words(atlas, spec['closest_to'])}" if spec.get("closest_to") else "")
             + f" ({plan.method.replace(' (', ', ').rstrip(')')}, {status})")
    command = (f"advise --units {inst.units} --floor {inst.floor}"
               + "".join(f" --{k.replace('_', '-')} {spec[k]}" for k in ("within", "keep_whole", "closest_to")
                         if spec.get(k)))
    kept = f"; {plan.kept} groups kept from {inst.target_label}" if plan.kept is not None else ""
    pid = "advice-" + "-".join(str(spec[k]) for k in ("units", "floor", "within", "keep_whole", "closest_to")
                               if spec.get(k))
    return {"id": pid, "title": title, "groups": groups, "assign": assign.tolist(),
            "note": f"`{command}` on {inst.basis}{kept}; {note}"}


def _start_title(atlas: Any, plan: str) -> str:
    if plan == "scenario":
        return f"Scenario {Path(atlas.scenario).name}" if atlas.scenario is not None else "Scenario"
    info = atlas.info(plan)
    vintage = str(info.get("vintage") or "")
    return f"{info.get('title', plan)} ({vintage})" if vintage else str(info.get("title", plan))


def _thresholds(vintage: str) -> list[dict]:
    from commissioning_atlas.checks import read_thresholds

    out = []
    for t in read_thresholds().itertuples(index=False):
        applies = {x.strip() for x in t.applies_to.split(";")}
        lo = int(t.min_population.replace(",", "")) if t.min_population.strip() else None
        hi = int(t.max_population.replace(",", "")) if t.max_population.strip() else None
        out.append({"id": t.id, "min": lo, "max": hi, "basis": t.basis, "source": t.source,
                    "applies": "*" in applies or f"scenario:{vintage}" in applies})
    return out


def _registered(atlas: Any, units: str, codes: np.ndarray) -> list[int | None] | None:
    layer = atlas.layer(units)
    if "registered_population" not in layer.columns:
        return None
    reg = pd.to_numeric(layer.set_index(layer["code"].astype(str))["registered_population"], errors="coerce")
    vals = reg.reindex([str(c) for c in codes])
    return [None if pd.isna(v) else int(v) for v in vals]


def _held(atlas: Any, units: str, codes: np.ndarray) -> dict | None:
    """Registered patients of May 2022 per unit where the unit layer holds them (:mod:`.registered`): a basis the
    reader may count people as; the size rule then reads it, councils and regions keep counting residents."""
    from commissioning_atlas.registered import BASIS, holds
    from commissioning_atlas.sources.population import get_basis

    if not holds(atlas, units):
        return None
    layer = atlas.layer(units)
    fig = dict(zip(layer["code"].astype(str), layer["registered_2022"].astype(int)))
    split = sorted(set(layer.attrs.get("registered_2022_apportioned", ())) & {str(c) for c in codes})
    note = (f"{get_basis(BASIS).title}: counted per GP practice, not per LSOA, so the size rule reads them and "
            "councils split and region lines still count residents")
    if split:
        names = dict(zip(layer["code"].astype(str), layer["name"].astype(str)))
        note += ("; " + ", ".join(str(_plain(names.get(c, c))) for c in split) +
                 " share a sub-ICB location of 2022, apportioned between them by its residents")
    return {"id": BASIS, "label": f"{get_basis(BASIS).title} (size rule only)", "held": True,
            "pop": [fig[str(c)] for c in codes], "note": note}


def planner_data(atlas: Any, units: str | None = None, start: str | None = None, *,
                 tolerance: float = DEFAULT_TOLERANCE_M) -> dict:
    """Everything the planner page carries (JSON-ready; ``arcs`` are the page's shared arcs).

    Parameters
    ----------
    atlas : Atlas
    units : str, optional
        Unit layer (default ``sicbl_2023``; see ``data/planner.toml``).
    start : str, optional
        The plan the page opens with: a layer or footprint set id, ``scenario`` (the atlas's scenario file, e.g.
        one ``advise`` wrote) or ``empty``; default ``icb_2023`` where offered. Every declared start is offered too.
    tolerance : float
        Simplification tolerance in metres.
    """
    from commissioning_atlas.advise.adjacency import base_adjacency, connect_areas, unit_adjacency
    from commissioning_atlas.checks import DEFAULT_SHARE_TOLERANCE
    from commissioning_atlas.registry import member_vintages
    from commissioning_atlas.maps.pages import page_builder
    from commissioning_atlas.sources.population import get_basis

    cfg = planner_config()
    units = units or cfg["default_units"]
    spec = _unit_spec(units)
    starts = [s for s in spec["starts"] if atlas.has_layer(s) or s in atlas.layer_ids()]
    if start is None:
        start = cfg["default_start"] if cfg["default_start"] in starts else (starts[0] if starts else "empty")
    if start not in ("empty", "scenario") and start not in starts:
        if not (atlas.has_layer(start) or start in atlas.layer_ids()):
            atlas.layer(start)  # raises with suggestions
        starts.append(start)
    if start == "scenario" and atlas.scenario is None:
        raise AtlasError("--start scenario needs a scenario file")

    b = page_builder(atlas, [units], tolerance)
    frame = b.encode(units)
    rows, k, codes = _pairs(atlas, units)
    if [str(c) for c in codes] != [str(c) for c in frame["code"]]:
        raise AtlasError(f"{units}: its features and its LSOA membership name different units")
    n = len(codes)
    labels = np.full(len(atlas.lsoa), -1, dtype=np.int64)
    labels[rows] = k

    vintage = str(spec["vintage"])
    vintages = member_vintages()  # the default basis of a set of the vintage (footprints.toml)
    basis_id = (atlas.basis if atlas.held_basis is None else None) or \
        (vintages[vintage].basis if vintage in vintages else "census_2021")
    basis_ids = [basis_id] + (["census_2021"] if basis_id != "census_2021" else [])
    area = atlas.lsoa["area_m2"].to_numpy().astype(float)
    weights = {"area": area} | {bid: atlas.population(bid).astype(float) for bid in basis_ids}
    bases = []
    for bid in basis_ids:
        pop = np.bincount(k, weights=weights[bid][rows], minlength=n)
        bases.append({"id": bid, "label": get_basis(bid).title, "pop": np.round(pop).astype(int).tolist()})
    held = _held(atlas, units, codes)
    if held is not None:
        bases.append(held)
    elif atlas.held_basis is not None:
        from commissioning_atlas.registered import not_held

        raise AtlasError(not_held(units, " (the planner's units)"))
    reg = _registered(atlas, units, codes)
    if reg is not None:
        bases.append({"id": "registered_2013", "label": "registered patients (GP lists, April-June 2013)",
                       "pop": reg, "registered": True})

    # shared with advise: the same LSOA edges, found once per LSOA base
    li, lj, ll = base_adjacency(atlas)
    edges, _ = unit_adjacency(li, lj, ll, labels, n)
    links = connect_areas(edges, np.zeros(n, dtype=np.int64), labels, atlas.lsoa.geometry.to_numpy())

    def sparse(other: str) -> dict:
        pairs, sums, ocodes = _crosstab(atlas, labels, n, other, weights)
        layer = atlas.layer(other)
        names = dict(zip(layer["code"].astype(str), layer["name"].astype(str)))
        orows, ok, _ = _pairs(atlas, other)
        totals = {w: np.bincount(ok, weights=v[orows], minlength=len(ocodes)) for w, v in weights.items()}
        return {"id": other, "title": _start_title(atlas, other),
                "codes": [str(c) for c in ocodes], "names": [str(_plain(names.get(str(c), c))) for c in ocodes],
                "total": {w: np.round(v).astype(int).tolist() for w, v in totals.items()},
                "u": pairs[:, 0].tolist(), "o": pairs[:, 1].tolist(),
                "part": {w: np.round(v).astype(int).tolist() for w, v in sums.items()}}

    plans = [{"id": "empty", "title": "Empty plan (every unit unassigned)", "groups": [], "assign": [-1] * n,
              "note": ""}]
    for s in starts + (["scenario"] if start == "scenario" else []):
        assign, groups, note = best_fit(atlas, units, s)
        plans.append({"id": s, "title": _start_title(atlas, s), "groups": groups, "assign": assign.tolist(),
                      "note": note})
    plans += [advice_plan(atlas, units, a) for a in spec.get("advice", [])]

    simple = b.simple[units].to_numpy()
    pts, _ = label_points(simple, circles(atlas))
    info = atlas.info(units)
    unit_names = [str(_plain(v) or c) for v, c in zip(frame["name"], frame["code"])]
    return {
        "title": f"Plan your own groups of {spec['label']}",
        "scale": list(COORD_SCALE), "palette": PALETTE, "coast": COAST_STYLE, "attribution": ATTRIBUTION,
        "units": {"id": units, "label": spec["label"], "noun": spec["noun"], "vintage": vintage,
                  "title": _start_title(atlas, units), "codes": [str(c) for c in codes], "names": unit_names,
                  "lp": pts, "area": np.round(np.bincount(k, weights=area[rows], minlength=n)).astype(int).tolist(),
                  "source": f"{info.get('title', units)}: {info.get('source', '')}"},
        "bases": bases, "basis": atlas.held_basis or basis_id, "lsoa_basis": basis_id,
        "adjacency": edges.ravel().tolist(),
        "links": [{"a": lk.a, "b": lk.b, "km": round(lk.distance_m / 1000, 1), "kind": lk.kind} for lk in links],
        "councils": sparse(spec["councils"]), "regions": sparse(spec["regions"]),
        "tolerance": DEFAULT_SHARE_TOLERANCE, "split_rule": _split_rule(), "thresholds": _thresholds(vintage),
        "threshold": cfg["default_threshold"], "plans": plans, "start": start,
        "prefixes": cfg["prefixes"], "max_groups": _max_groups(), "max_bytes": _max_bytes(),
        "geometry": None, "arcs": None, "bounds": b.bounds(), "sources": b.sources, "_builder": b,
    }


def _split_rule() -> dict:
    """check's default rule for a split council (:meth:`.checks.Tolerance.splits`), for the page to apply."""
    from commissioning_atlas.checks import Tolerance

    t = Tolerance()
    return {"by": t.split_by, "share": t.split_share, "people": t.split_people, "text": t.describe_splits()}


def _max_groups() -> int:
    from commissioning_atlas.footprints import MAX_ORGANISATIONS

    return MAX_ORGANISATIONS


def _max_bytes() -> int:
    from commissioning_atlas.footprints import MAX_FILE_BYTES

    return MAX_FILE_BYTES


def planner_map(atlas: Any, path: str | Path, units: str | None = None, start: str | None = None, *,
                tolerance: float = DEFAULT_TOLERANCE_M, pack: bool = True, index: str | None = None,
                policy: OutputPolicy | None = None) -> Path:
    """Write the planner page: click units into groups, every check recomputed after each edit.

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
        The HTML file (written atomically).
    units, start : str, optional
        See :func:`planner_data`.
    tolerance : float
        Simplification tolerance in metres.
    pack : bool
        One gzip stream unpacked by ``assets/boot.js`` (else plain text).
    index : str, optional
        Relative link to the folder's ``index.html``.
    policy : OutputPolicy, optional
        The run's output rule; the atlas's input files (a scenario started from) are added to it.

    Examples
    --------
    >>> planner_map(ca.load(), "out/planner.html", "sicbl_2023", "icb_merger_2027")   # doctest: +SKIP
    """
    data = planner_data(atlas, units, start, tolerance=tolerance)
    b = data.pop("_builder")
    arcs, geometry = b.topology()
    data["geometry"] = geometry[data["units"]["id"]]
    data["index"] = index
    if not pack:  # plain, the data block carries the arcs; packed, they travel as bytes
        data["arcs"] = arcs
    return _write_text(path, page_html(data["title"], "planner.css", "planner.js", _json_for_script(data), arcs, pack),
                       atlas.output_policy(policy))


def index_entry(path: str | Path, href: str = "planner.html") -> dict:
    """The planner's entry in ``index.html`` (title, link, summary, thumbnail of its starting plan)."""
    from commissioning_atlas.maps.encode import read_page_data
    from commissioning_atlas.maps.thumbnail import thumbnail_svg

    data = read_page_data(path)
    u = data["units"]
    page = {"bounds": data["bounds"], "scale": data["scale"], "arcs": data["arcs"],
            "geometry": {"units": data["geometry"]},
            "layers": [{"id": "base", "kind": "base", "geometry": "units"},
                       {"id": "units", "kind": "fill", "show": True, "geometry": "units", "style": {"color": "#555555"}}]}
    start = next((p for p in data["plans"] if p["id"] == data["start"]), data["plans"][0])
    return {"title": f"Planner: draw your own groups of {u['label']}", "href": href,
            "thumbnail": thumbnail_svg(page, "Thumbnail of the planner map"),
            "summary": f"Click the {len(u['codes'])} {u['label']} into groups, starting from "
                       f"{start['title']} or from nothing; population against the floor, contiguity, councils "
                       "split and region lines are checked after every edit, as `check --scenario` checks the "
                       "plan's CSV. Plans go out and in as CSV (unit_code,group) or YAML, and live in the link."}
