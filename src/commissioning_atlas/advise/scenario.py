"""A plan written out as a scenario the other commands read, and the instance summarised."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from commissioning_atlas import registry
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.advise.instance import Instance
from commissioning_atlas.advise.solve import Plan
from commissioning_atlas.io import formatting
from commissioning_atlas.io.safe import OutputPolicy

if TYPE_CHECKING:  # pragma: no cover
    pass


def plan_frame(plan: Plan) -> pd.DataFrame:
    """The plan in the proposal schema: one row per group (``code``, ``name``, ``status``, ``members``,
    ``source``, ``confidence``, ``note``), plus ``population`` and ``area`` for reading."""
    inst = plan.instance
    rows = []
    width = max(2, len(str(plan.groups)))
    for g in range(plan.groups):
        members = np.flatnonzero(plan.group == g)
        members = members[np.argsort(inst.codes[members].astype(str), kind="stable")]
        by_size = members[np.argsort(-inst.population[members], kind="stable")]
        names = [str(inst.names[u]) for u in by_size]
        name = " + ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        pop = int(inst.population[members].sum())
        area = inst.area_codes[inst.area[by_size[0]]]
        fixed = bool(plan.fixed_group[g])
        if fixed:
            f = int(inst.fixed[members[0]])
            code, name, status = str(inst.fixed_codes[f]), str(inst.fixed_names[f]), "fixed"
        else:
            code, status = f"ADV{g + 1:0{width}d}", "advised"
        note = group_note(inst, pop, len(members), str(inst.area_names[inst.area[by_size[0]]]))
        rows.append({"code": code, "name": name, "status": status, "members": " ".join(map(str, inst.codes[members])),
                     "source": "commissioning-atlas advise", "confidence": "", "note": note,
                     "population": pop, "area": str(area)})
    return pd.DataFrame(rows)


def group_note(inst: Instance, people: int, n_units: int, area_name: str) -> str:
    """A group's note in words, as a page quotes it: its people on the basis named, its units by their noun,
    the area it lies within with that layer's noun and vintage (ids only for a layer the registry lacks).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> inst = SimpleNamespace(basis="Census 2011 usual residents (census_2011)", units="pct_cluster_2011",
    ...                        within="sha_2011")
    >>> group_note(inst, 1799880, 3, "North East")
    '1,799,880 people (Census 2011 usual residents); 3 PCT clusters; within North East (SHA, 2011-12)'
    """
    nouns, specs = registry.member_nouns(), registry.registry()
    basis = re.sub(r" \([a-z]+_\d{4}\)$", "", str(inst.basis))  # the id beside the basis's name: left for files
    units = (formatting.count(n_units, nouns[inst.units]) if inst.units in nouns
             else f"{formatting.count(n_units, 'unit')} of {inst.units}")
    note = f"{people:,} people ({basis}); {units}"
    if inst.within:
        spec = specs.get(inst.within)
        what = f"{nouns.get(inst.within, spec.title)}, {spec.vintage}" if spec else inst.within
        note += f"; within {area_name} ({what})"
    return note


def _describe(plan: Plan, command: str | None) -> str:
    inst = plan.instance
    rules = [f"units {inst.units}", f"floor {inst.floor:,} ({inst.basis})"]
    if inst.within:
        rules.append(f"within {inst.within}")
    if inst.keep_whole:
        rules.append(f"keep whole {inst.keep_whole} at {inst.tolerance:.0%}")
    if inst.fix_label:
        rules.append(f"fixed groups of {inst.fix_label}")
    if inst.target_label:
        rules.append(f"closest to {inst.target_label}")
    text = "Advice: " + "; ".join(rules) + f"; objective {plan.objective}. " + \
        plan.summary(timings=False).replace("\n", ". ")
    return text + (f" Command: {command}" if command else "")


def advice_frame(plan: Plan, command: str | None = None) -> pd.DataFrame:
    """The plan as a result: :func:`plan_frame` with the advice's metadata in ``attrs["meta"]``.

    ``meta`` holds the rules (``units``, ``floor``, ``basis``, ``within``, ``keep_whole``, ``reference``,
    ``tolerance``), what was found (``groups``, ``groups_bound``, ``optimal``, ``crossings``, ``kept``, ``plans``,
    ``plans_capped``, ``objective``, ``method``, ``notes``, ``summary``) and the scenario's ``title`` and
    ``description``: enough to write the scenario (:func:`write_advice`) and to map it, without the plan.
    """
    inst = plan.instance
    frame = plan_frame(plan)
    frame.attrs["meta"] = {
        "kind": "advice", "title": f"Advice: {plan.groups} groups of {inst.units} at {inst.floor:,}",
        "description": _describe(plan, command), "summary": plan.summary(timings=False),
        "units": inst.units, "floor": inst.floor, "basis": inst.basis, "within": inst.within,
        "keep_whole": inst.keep_whole, "reference": inst.reference, "tolerance": inst.tolerance,
        "groups": plan.groups, "groups_bound": plan.groups_bound, "optimal": plan.optimal,
        "crossings": plan.crossings, "kept": plan.kept, "plans": plan.plans, "plans_capped": plan.plans_capped,
        "objective": plan.objective, "method": plan.method, "notes": list(plan.notes)}
    return frame


def write_scenario(plan: Plan, path: str | Path, command: str | None = None,
                   policy: OutputPolicy | None = None) -> Path:
    """Write the plan as a scenario (``.yaml``/``.yml`` or ``.csv``) in the proposal schema.

    Parameters
    ----------
    plan : Plan
    path : str or Path
    command : str, optional
        The command line that produced it, recorded in the description (YAML) for reproduction.
    policy : OutputPolicy, optional
        The run's output rule (:class:`~commissioning_atlas.io.safe.OutputPolicy`); the plan files the advice
        read (``fix``, ``closest_to``) are added to it (by default they alone are), so none is replaced.

    Returns
    -------
    Path

    Notes
    -----
    The same plan always gives the same bytes (no timestamps; timings are left out).
    """
    policy = policy if policy is not None else OutputPolicy()
    for p in plan.instance.inputs:
        policy.register_input(p)
    return write_advice(advice_frame(plan, command), path, policy)


def write_advice(frame: pd.DataFrame, path: str | Path, policy: OutputPolicy | None = None) -> Path:
    """Write an advice (:func:`advice_frame`) as a scenario (``.yaml``/``.yml`` or ``.csv``); ``policy``: the
    run's output rule."""
    import yaml

    from commissioning_atlas.io.export import atomic_write

    path = Path(path)
    meta = frame.attrs["meta"]
    cols = ["code", "name", "status", "members", "source", "confidence", "note"]
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        doc = {"title": meta["title"], "description": meta["description"],
               "organisations": [{c: r[c] for c in cols} for r in frame.to_dict("records")]}
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    elif suffix == ".csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in frame.to_dict("records"):
            w.writerow([_csv_safe(str(r[c])) for c in cols])
        text = buf.getvalue()
    else:
        raise AtlasError(f"{path}: write the advice as .yaml, .yml or .csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"), policy)
    return path


def _csv_safe(s: str) -> str:
    """A cell that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


def instance_summary(inst: Instance) -> dict[str, Any]:
    """Counts describing an instance (units, areas, keep-whole merges, links) for reports."""
    return {"units": inst.n, "areas": int(len(np.unique(inst.area))), "edges": int(len(inst.edges)),
            "links": len(inst.links), "together_pairs": int(len(inst.together)),
            "forced_splits": len(inst.forced_splits), "fixed_units": int((inst.fixed >= 0).sum())}
