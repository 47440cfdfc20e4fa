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

__all__ = ["advise", "check", "map_page"]


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
        ``rules``, ``tolerance`` and ``population_basis``.
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

    return advice_frame(run(atlas, units, floor, **options))


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
