"""The notebook API behind :meth:`Atlas.check`, :meth:`Atlas.advise` and :meth:`Atlas.map`: one result convention.

A result is a frame whose metadata is in ``attrs["meta"]`` (a check's findings, an advice's groups, a crosswalk's
pairs): what was asked, on which population basis, and what was found. A map is a :class:`~.maps.view.Page`,
which displays itself in Jupyter and can be saved; :func:`map_page` draws a layer, several layers, the atlas,
the timeline, a check's findings or an advice.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from commissioning_atlas._errors import AtlasError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from commissioning_atlas import Atlas
    from commissioning_atlas.maps.view import Page

__all__ = ["advise", "advise_units", "check", "compare", "map_page", "over_time", "unit_options"]


def check(atlas: "Atlas", preset: str | None = None, *, subject: str | None = None, against: str | None = None,
          rules: Sequence[str] | None = None, tolerance: float | None = None,
          geometry: bool = True) -> "gpd.GeoDataFrame":
    """Run a named check, or ``subject`` against ``against``; the findings with their metadata.

    Parameters
    ----------
    atlas : Atlas
    preset : str, optional
        A preset name (``commissioning-atlas check --list-presets``); with a scenario loaded, the presets of the
        set it replaces check the scenario.
    subject, against : str, optional
        Layers, instead of a preset (``against`` None: the size rule).
    rules : sequence of str, optional
        The rules to run (default the preset's; crosses and coterminosity; size without ``against``).
    tolerance : float, optional
        Share of a unit's residents under which a part is a sliver (default 2%).
    geometry : bool
        Keep the findings' shapes (for maps).

    Returns
    -------
    geopandas.GeoDataFrame
        The findings table; ``attrs["meta"]``: ``preset``, ``title``, ``question``, ``subject``, ``against``,
        ``rules``, ``tolerance``, ``population_basis`` and ``counts`` (rows by severity); with the ``splits``
        rule also ``split_rule``, ``councils_split`` (how many) and ``councils_split_codes``.
    """
    from commissioning_atlas import checks

    if preset is not None and (subject is not None or against is not None):
        raise AtlasError("give either a preset or subject/against, not both")
    if preset is None and subject is None:
        raise AtlasError("nothing to check: give a preset name or subject= (and against=)")
    tol = checks.Tolerance() if tolerance is None else checks.Tolerance(share=tolerance)
    if rules:
        checks._check_rules(list(rules))
    if preset is not None:
        findings, meta = checks.run_preset(atlas, preset, tol, geometry=geometry, rules=rules)
    else:
        use = tuple(rules) if rules else (("size",) if against is None else ("crosses", "coterminosity"))
        findings = checks.run_check(atlas, subject, against, use, tol, geometry=geometry)
        meta = {"preset": None, "title": f"{subject} against {against or 'thresholds'}", "question": "",
                "subject": subject, "against": against, "rules": list(use), "tolerance": tol.describe(),
                "population_basis": atlas.held_basis or checks.basis_of(atlas, subject)}
    if "splits" in meta["rules"] and "councils_split" not in meta:
        meta["split_rule"] = tol.describe_splits()
        meta["councils_split"] = len(checks.councils_split(findings))
    meta["counts"] = checks.counts(findings)  # rows by severity
    if "splits" in meta["rules"]:
        meta["councils_split_codes"] = checks.councils_split(findings)
    findings.attrs["meta"] = {"kind": "check", **meta}
    return findings


def advise(atlas: "Atlas", units: str, floor: float, **options: Any) -> pd.DataFrame:
    """Propose groupings of ``units`` of at least ``floor`` people (:func:`commissioning_atlas.advise.advise`).

    Parameters
    ----------
    atlas : Atlas
    units : str
        The layer whose units are grouped.
    floor : float
        Least population of a group (on ``basis``, default Census 2011).
    **options
        ``within``, ``keep_whole``, ``tolerance``, ``fix``, ``reference``, ``closest_to``, ``basis``,
        ``objective``, ``method``, ``time_limit``, ``count_plans``, as :func:`commissioning_atlas.advise.advise`.

    Returns
    -------
    pandas.DataFrame
        One row per group in the proposal schema (:func:`commissioning_atlas.advise.advice_frame`);
        ``attrs["meta"]`` says what was asked and found (``summary``, ``groups``, ``optimal``, ...).
    """
    from commissioning_atlas.advise import advice_frame
    from commissioning_atlas.advise import advise as run

    plan = run(atlas, units, floor, **options)
    frame = advice_frame(plan)
    frame.attrs["plan"] = plan  # what :func:`compare` sets beside a real set
    return frame


def _plan_of(advice: Any):
    if not _is_result(advice, "advice") or "plan" not in advice.attrs:
        raise AtlasError("compare what? give an advice (atlas.advise(...)) to set beside a real set")
    return advice.attrs["plan"]


def compare(atlas: "Atlas", advice: pd.DataFrame, real: str | Path, councils: str | None = None) -> pd.DataFrame:
    """An advice beside a real set: one row each (:func:`commissioning_atlas.advise.compare.compare_plans`).

    Parameters
    ----------
    atlas : Atlas
    advice : pandas.DataFrame
        An advice (:func:`advise`).
    real : str or Path
        The real set: a layer or footprint set id (e.g. ``css_2012``) or a proposal file.
    councils : str, optional
        The layer whose split units are counted (default: the advice's keep-whole or reference layer).

    Returns
    -------
    pandas.DataFrame
        Rows ``advice`` and ``real``: ``plan``, ``groups``, ``counted``, ``identical_groups``,
        ``adjusted_rand_index``, ``councils_split`` (and codes), ``groups_under_floor``, ``units_under_floor``
        (and codes), ``basis``; ``attrs["meta"]``: ``title``, ``units``, ``floor``, ``real``, ``councils``,
        ``basis``.
    """
    from commissioning_atlas.advise.compare import compare_plans

    plan = _plan_of(advice)
    inst = plan.instance
    table = compare_plans(atlas, plan, real, councils)
    councils = councils or inst.keep_whole or inst.reference
    table.attrs["meta"] = {"kind": "comparison", "title": f"{advice.attrs['meta']['title']} beside {real}",
                           "units": inst.units, "floor": inst.floor, "real": str(real), "councils": councils,
                           "basis": inst.basis}
    return table


def advise_units(atlas: "Atlas", units: str, *, within: str | None = None, basis: str | None = None) -> pd.DataFrame:
    """The units an advice would group, as its search sees them (:func:`commissioning_atlas.advise.build_instance`).

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``code``, ``name``, ``area_code`` and ``area_name`` (the ``within`` area holding most of
        its residents; England without one), ``population``; ``attrs["meta"]``: ``units``, ``within``, ``basis``,
        ``neighbouring_pairs`` (shared boundaries), ``island_links`` (pieces without a land link joined to their
        nearest unit) and ``outside`` (units that do not nest in ``within``).
    """
    from commissioning_atlas.advise import build_instance

    inst = build_instance(atlas, units, 1, within=within, basis=basis)
    frame = pd.DataFrame({"code": inst.codes, "name": inst.names, "area_code": inst.area_codes[inst.area],
                          "area_name": inst.area_names[inst.area], "population": inst.population})
    frame.attrs["meta"] = {"kind": "units", "title": f"The units of {units}" + (f" within {within}" if within else ""),
                           "units": units, "within": within, "basis": inst.basis,
                           "neighbouring_pairs": int(len(inst.edges)), "island_links": int(len(inst.links)),
                           "outside": list(inst.outside)}
    return frame


def unit_options(atlas: "Atlas", unit: str, floors: Sequence[float], units: str, **options: Any) -> pd.DataFrame:
    """Which neighbours would make ``unit`` viable at each floor, and what each pairing costs
    (:func:`commissioning_atlas.advise.compare.unit_options`; ``options``: ``within``, ``keep_whole``,
    ``tolerance``, ``time_limit``, ``basis``). ``attrs["meta"]``: ``unit``, ``units``, ``floors``, ``within``."""
    from commissioning_atlas.advise.compare import unit_options as run

    table = run(atlas, unit, list(floors), units, **options)
    table.attrs["meta"] = {"kind": "unit_options", "title": f"Options for {unit} among the {units}", "unit": unit,
                           "units": units, "floors": [int(f) for f in floors], "within": options.get("within")}
    return table


def over_time(atlas: "Atlas", layers: Sequence[str] | None = None) -> pd.DataFrame:
    """Commissioners against the councils of their time, one row per layer
    (:func:`commissioning_atlas.over_time.coterminosity_over_time`); ``attrs["meta"]``: ``layers``. Draw it with
    :func:`commissioning_atlas.over_time_chart`."""
    from commissioning_atlas.over_time import coterminosity_over_time

    table = coterminosity_over_time(atlas, list(layers) if layers is not None else None)
    table.attrs["meta"] = {"kind": "over_time", "title": "Commissioners and the councils of their time",
                           "layers": list(table["layer"])}
    return table


def _is_result(what: Any, kind: str) -> bool:
    return isinstance(what, pd.DataFrame) and (what.attrs.get("meta") or {}).get("kind") == kind


def map_page(atlas: "Atlas", what: Any = None, *, title: str | None = None, height: int = 520,
             **options: Any) -> "Page":
    """Draw a map page of ``what``.

    Parameters
    ----------
    atlas : Atlas
    what : optional
        None: the atlas page (every layer declared in ``maps.toml``); ``"timeline"``: the timeline; a layer id
        or a list of them: those layers; a check's findings (:func:`check`): the findings map of its subject
        against its reference; an advice (:func:`advise`): the advised groups over its reference's lines.
    title : str, optional
        The page's title (default: the result's, or the layers' titles).
    height : int
        Height of the frame a notebook shows it in.
    **options
        Passed to the page writer (``tolerance``, ``tiles``, ``pack``, ``choropleth``, ``show``).

    Returns
    -------
    Page
    """
    from commissioning_atlas import maps
    from commissioning_atlas.maps.view import render

    if what is None:
        name = title or "Commissioning Atlas: England's NHS commissioning, 2011-2027"
        return render(lambda d: maps.atlas_map(atlas, d / "atlas.html", name, **options), name, height)
    if isinstance(what, str) and what == "timeline":
        return render(lambda d: maps.timeline_map(atlas, d / "timeline.html", **options),
                      title or "Timeline, 2011-2027", height)
    if isinstance(what, str) or (isinstance(what, (list, tuple)) and all(isinstance(x, str) for x in what)):
        ids = [what] if isinstance(what, str) else list(what)
        name = title or "; ".join(atlas.info(i)["title"] for i in ids)
        return render(lambda d: maps.layer_map(atlas, ids, d / "map.html", name, **options), name, height)
    if _is_result(what, "check"):
        meta = what.attrs["meta"]
        if "geometry" not in what or (len(what) and what.geometry.isna().all()):
            raise AtlasError("these findings have no shapes: run the check with geometry=True to map it")
        name = title or meta["title"]
        return render(lambda d: maps.findings_map(atlas, what, d / "check.html", name, meta["subject"],
                                                  meta["against"], **options), name, height)
    if _is_result(what, "advice"):
        from commissioning_atlas.advise import write_advice
        from commissioning_atlas.advise.advice_map import advice_page

        meta = what.attrs["meta"]

        def write(d: Path) -> Path:
            scenario = write_advice(what, d / "advice.yaml")
            return advice_page(atlas, meta, scenario, d / "advice.html", title=title, **options)

        return render(write, title or meta["title"], height)
    raise AtlasError("map what? give nothing (the atlas), 'timeline', layer ids, a check's findings or an advice")
