"""Advice set beside what happened: groups, identical groups, adjusted Rand index, councils split.

Both plans are read as partitions of the same units: the advice directly, a real set (a footprint
set such as ``css_2012`` or ``icb_cluster_2025``, a boundary layer, or a proposal file) by giving each
unit to the organisation holding most of its residents (more than half; a unit no organisation holds
that much of stands alone). Figures are on the advice instance's population basis.

Examples
--------
>>> from commissioning_atlas.advise.compare import compare_advice
>>> plan, table = compare_advice(atlas, "pct_cluster_2011", 750_000, "css_2012",
...                              within="sha_2011", councils="utla_2011")     # doctest: +SKIP
>>> # 2025, once the layers exist:
>>> plan, table = compare_advice(atlas, "icb_2022", 1_000_000, "icb_cluster_2025",
...                              within="nhs_region_2022", councils="utla_2023")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from commissioning_atlas.advise import (DEFAULT_TOLERANCE, Instance, Plan, _area_problems, _cross, _majority, _pairs,
                     _read_plan_pairs, advise, build_instance)
from commissioning_atlas.advise.maxp import AreaProblem, solve_exact

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas

__all__ = ["adjusted_rand_index", "real_partition", "councils_split", "compare_plans", "compare_advice",
           "unit_options"]


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same items (1: identical; about 0: chance).

    Examples
    --------
    >>> adjusted_rand_index(np.array([0, 0, 1, 1]), np.array([5, 5, 7, 7]))
    1.0
    """
    a, b = np.asarray(a), np.asarray(b)
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1), dtype=np.int64)
    np.add.at(table, (ai, bi), 1)
    comb = lambda v: (v * (v - 1) / 2.0).sum()  # noqa: E731
    index, rows, cols = comb(table), comb(table.sum(axis=1)), comb(table.sum(axis=0))
    total = len(a) * (len(a) - 1) / 2.0
    expected = rows * cols / total if total else 0.0
    top = (rows + cols) / 2.0
    if top == expected:
        return 1.0
    return float((index - expected) / (top - expected))


def real_partition(atlas: "Atlas", inst: Instance, real: str | Path, inputs: list[str] | None = None,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """The units of ``inst`` grouped as in a real set (the files read are appended to ``inputs``).

    Returns
    -------
    group : numpy.ndarray of int
        Organisation index of each unit; units held by none get their own negative label.
    codes, names : numpy.ndarray
        The organisations' codes and names.
    label : str
        The set's id or file name.
    """
    rows, k, codes, names, label = _read_plan_pairs(atlas, real, inputs)
    ok = k >= 0
    unit_pop = np.bincount(inst.lsoa_unit[inst.lsoa_unit >= 0],
                           weights=inst.lsoa_population[inst.lsoa_unit >= 0], minlength=inst.n)
    group = _majority(_cross(inst.lsoa_unit, inst.n, rows[ok], k[ok], len(codes), inst.lsoa_population + 1e-9),
                      unit_pop + 1e-9)
    alone = np.flatnonzero(group < 0)
    group[alone] = -1 - np.arange(len(alone))
    return group, codes, names, label


def councils_split(atlas: "Atlas", inst: Instance, group: np.ndarray, councils: str,
                   tolerance: float | None = None) -> list[str]:
    """Codes of the councils (units of layer ``councils``) with at least ``tolerance`` of their residents
    in each of two or more groups (the LSOAs of each group are its units' LSOAs)."""
    tol = inst.tolerance if tolerance is None else tolerance
    rows, k, codes = _pairs(atlas, councils)
    _, g = np.unique(group, return_inverse=True)
    lsoa_group = np.where(inst.lsoa_unit >= 0, g[np.maximum(inst.lsoa_unit, 0)], -1)
    cross = _cross(lsoa_group, int(g.max()) + 1, rows, k, len(codes), inst.lsoa_population).toarray()
    total = np.bincount(k, weights=inst.lsoa_population[rows], minlength=len(codes))
    sig = (cross > 0) & (cross >= tol * total[None, :])
    return [str(c) for c in codes[sig.sum(axis=0) >= 2]]


def _under(inst: Instance, group: np.ndarray) -> tuple[int, int, list[str]]:
    """Groups under the floor, units in them, and those units' codes."""
    _, g = np.unique(group, return_inverse=True)
    pop = np.bincount(g, weights=inst.population)
    low = pop < inst.floor
    units = np.flatnonzero(low[g])
    return int(low.sum()), int(len(units)), [str(c) for c in inst.codes[units]]


def compare_plans(atlas: "Atlas", plan: Plan, real: str | Path, councils: str | None = None) -> pd.DataFrame:
    """The advice beside a real set, one row each.

    Parameters
    ----------
    atlas : Atlas
    plan : Plan
        From :func:`commissioning_atlas.advise.advise`.
    real : str or Path
        Layer id (footprint set or boundary layer) or proposal file.
    councils : str, optional
        Layer whose split units are counted (default: the plan's keep-whole or reference layer).

    Returns
    -------
    pandas.DataFrame
        Index ``advice``, ``real``; columns ``plan``, ``groups``, ``counted`` (organisations as the
        reports count them: a footprint set's in-house rows are not), ``identical_groups`` (groups with
        exactly the same units in both), ``adjusted_rand_index`` (advice vs real, same in both rows),
        ``councils_split`` (count), ``councils_split_codes``, ``groups_under_floor``,
        ``units_under_floor`` (units in groups under the floor), ``units_under_floor_codes``,
        ``basis``. ``attrs["inputs"]``: the files read for ``real`` (none for a layer id).
    """
    inst = plan.instance
    inputs: list[str] = []
    real_group, real_codes, _, label = real_partition(atlas, inst, real, inputs)
    counted = None
    if not isinstance(real, Path) and str(real) in atlas.layer_ids():
        layer = atlas.layer(str(real))
        if "counted" in layer.columns:  # footprint sets: in-house arrangements are not organisations
            held = set(real_codes[np.unique(real_group[real_group >= 0])])
            counted = int(layer.loc[layer["code"].isin(held), "counted"].astype(bool).sum())
    adv = plan.group
    same = 0
    for g in np.unique(adv):
        members = adv == g
        r = np.unique(real_group[members])
        if len(r) == 1 and np.array_equal(real_group == r[0], members):
            same += 1
    ari = adjusted_rand_index(adv, real_group)
    councils = councils or inst.keep_whole or inst.reference
    rows = []
    for name, lab, grp in (("advice", f"advice ({plan.method})", adv), ("real", label, real_group)):
        split = councils_split(atlas, inst, grp, councils) if councils else []
        ng, nu, codes = _under(inst, grp)
        rows.append({"plan": lab, "groups": int(len(np.unique(grp))),
                     "counted": int(len(np.unique(grp))) if name == "advice" or counted is None else counted,
                     "identical_groups": same,
                     "adjusted_rand_index": round(ari, 4), "councils_split": len(split) if councils else None,
                     "councils_split_codes": " ".join(split), "groups_under_floor": ng, "units_under_floor": nu,
                     "units_under_floor_codes": " ".join(codes), "basis": inst.basis})
    table = pd.DataFrame(rows, index=pd.Index(["advice", "real"], name="row"))
    table.attrs["inputs"] = inputs
    return table


def compare_advice(atlas: "Atlas", units: str, floor: float, real: str | Path, *, within: str | None = None,
                   keep_whole: str | None = None, councils: str | None = None, closest: bool = True,
                   **kwargs) -> tuple[Plan, pd.DataFrame]:
    """Advise, then set the advice beside a real set: the comparison in one call.

    Parameters
    ----------
    atlas : Atlas
    units, floor, within, keep_whole
        As in :func:`commissioning_atlas.advise.advise`.
    real : str or Path
        The real set (e.g. ``css_2012``; ``icb_cluster_2025`` once it exists).
    councils : str, optional
        Layer of councils counted as split (default ``keep_whole``); also the crossing reference.
    closest : bool
        Break ties among optimal plans towards ``real`` (the largest plan keeping most real groups).
    **kwargs
        Passed to :func:`commissioning_atlas.advise.advise` (``objective``, ``time_limit``, ...).

    Returns
    -------
    Plan, pandas.DataFrame
        The advice and :func:`compare_plans`'s table.
    """
    councils = councils or keep_whole
    kwargs.setdefault("reference", councils)
    plan = advise(atlas, units, floor, within=within, keep_whole=keep_whole,
                  closest_to=real if closest else None, **kwargs)
    return plan, compare_plans(atlas, plan, real, councils)


def unit_options(atlas: "Atlas", unit: str, floors: list[float], units: str, *, within: str | None = None,
                 keep_whole: str | None = None, tolerance: float = DEFAULT_TOLERANCE,
                 time_limit: float = 30.0, population: np.ndarray | None = None,
                 basis: str | None = None) -> pd.DataFrame:
    """Which neighbours would make a unit viable at each floor, and what each pairing costs.

    For every floor and every neighbour of ``unit`` (shared boundary or island link): the pair's
    population, whether the pair reaches the floor, whether the neighbour is in the same ``within``
    area, and the most groups the area can still have when the two are in one group (exact, against
    the area's optimum without that constraint).

    Returns
    -------
    pandas.DataFrame
        ``floor``, ``unit``, ``unit_population``, ``viable_alone``, ``neighbour``, ``neighbour_name``,
        ``neighbour_population``, ``pair_population``, ``pair_viable``, ``same_area``,
        ``area_groups_best``, ``area_groups_with_pair`` (NaN across a ``within`` line),
        ``in_an_optimal_plan``, ``basis``.
    """
    inst = build_instance(atlas, units, min(floors), within=within, keep_whole=keep_whole, tolerance=tolerance,
                          population=population, basis=basis)
    u = inst.index(unit)
    link_edges = np.array([[l.a, l.b] for l in inst.links], dtype=np.int64).reshape(-1, 2)
    e = np.concatenate([inst.edges, link_edges])
    nbrs = np.unique(np.r_[e[e[:, 0] == u, 1], e[e[:, 1] == u, 0]])
    rows = []
    for floor in floors:
        inst.floor = int(np.ceil(floor))
        problem = next(((units_, node, p) for a, units_, node, p in _area_problems(inst) if u in units_), None)
        assert problem is not None
        area_units, node, prob = problem
        best = solve_exact(prob, time_limit=time_limit)
        nu = int(node[np.flatnonzero(area_units == u)[0]])
        for v in nbrs:
            same = bool(inst.area[v] == inst.area[u])
            with_pair = np.nan
            if same:
                nv = int(node[np.flatnonzero(area_units == v)[0]])
                forced = AreaProblem(prob.population, prob.edges, prob.floor, together=[(nu, nv)] if nu != nv else [])
                sol = solve_exact(forced, time_limit=time_limit)
                with_pair = sol.groups if sol is not None else np.nan
            pair = int(inst.population[u] + inst.population[v])
            rows.append({"floor": inst.floor, "unit": unit, "unit_population": int(inst.population[u]),
                         "viable_alone": bool(inst.population[u] >= inst.floor), "neighbour": str(inst.codes[v]),
                         "neighbour_name": str(inst.names[v]), "neighbour_population": int(inst.population[v]),
                         "pair_population": pair, "pair_viable": pair >= inst.floor, "same_area": same,
                         "area_groups_best": best.groups if best is not None else np.nan,
                         "area_groups_with_pair": with_pair,
                         "in_an_optimal_plan": bool(same and best is not None and with_pair == best.groups),
                         "basis": inst.basis})
    return pd.DataFrame(rows)
