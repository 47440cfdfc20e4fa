"""Solving an instance area by area (exact CP-SAT, else the max-p heuristic) into a plan."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.advise.instance import (
    COUNT_CAP,
    COUNT_MAX_NODES,
    COUNT_SECONDS,
    DEFAULT_TOLERANCE,
    EXACT_MAX_NODES,
    METHODS,
    InfeasibleError,
    Instance,
    build_instance,
)
from commissioning_atlas.advise.maxp import OBJECTIVES, AreaProblem, AreaSolution, solve_exact, solve_heuristic
from commissioning_atlas.advise.maxp import count_plans as count_area_plans

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas


@dataclass
class Plan:
    """A grouping of an instance's units and how good it is.

    Attributes
    ----------
    instance : Instance
    group : numpy.ndarray of int
        Group index of each unit (0..groups-1, ordered by area code then first unit code).
    fixed_group : numpy.ndarray of bool
        Per group: a group of the ``fix`` plan, kept as given.
    objective, method : str
    optimal : bool
        Every area proven optimal (a heuristic area never is).
    groups_bound : int
        Proven upper bound on groups (sum over areas; :func:`maxp.group_bound` for heuristic areas).
    crossings, crossings_bound : int or None
        Extra pieces of reference units, and the proven lower bound.
    kept, kept_bound : int or None
        Groups of the closest-to plan kept, and the upper bound.
    plans : int or None
        Number of distinct optimal plans (product over areas) when every area was counted;
        ``plans_capped``: a lower bound (some count stopped at the cap or the time).
    seconds : float
    areas : pandas.DataFrame
        One row per area solved: nodes, groups, bound, method, optimal, seconds, plans, note.
    notes : list of str
        Island links, forced splits, fixed groups under the floor, heuristic cuts.
    """

    instance: Instance
    group: np.ndarray
    fixed_group: np.ndarray
    objective: str
    method: str
    optimal: bool
    groups_bound: int
    crossings: int | None
    crossings_bound: int | None
    kept: int | None
    kept_bound: int | None
    plans: int | None
    plans_capped: bool
    seconds: float
    areas: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def groups(self) -> int:
        """Number of groups (fixed ones included)."""
        return int(self.group.max() + 1) if len(self.group) else 0

    def gap(self) -> float:
        """Relative gap on groups: (bound - groups) / bound (0 when proven optimal)."""
        return 0.0 if self.groups_bound <= 0 else max(0.0, (self.groups_bound - self.groups) / self.groups_bound)

    def summary(self, timings: bool = True) -> str:
        """Lines saying what was found, on which basis, and how sure it is (``timings``: with seconds)."""
        inst = self.instance
        where = f" within {inst.within}" if inst.within else " England-wide"
        status = "proven optimal" if self.optimal else \
            f"not proven optimal: bound {self.groups_bound} groups, gap {self.gap():.1%}"
        if self.areas.empty:
            status = "nothing to solve: every unit is in a fixed group"
        method = "" if self.areas.empty else f"{self.method}, "
        lines = [f"{self.groups} groups of {inst.units} ({inst.n} units){where}, each at least "
                 f"{inst.floor:,} ({inst.basis}); {method}{status}"
                 + (f"; {self.seconds:.1f} s" if timings else "")]
        if self.crossings is not None:
            b = "" if self.crossings_bound in (None, self.crossings) else f" (bound {self.crossings_bound})"
            lines.append(f"{inst.reference} units split: {self.crossings} extra piece{'' if self.crossings == 1 else 's'}{b} "
                         f"(parts of at least {inst.tolerance:.0%} of residents)")
        if self.kept is not None:
            lines.append(f"groups kept from {inst.target_label}: {self.kept}")
        if self.plans is not None:
            lines.append(f"optimal plans: {'at least ' if self.plans_capped else ''}{self.plans:,}")
        lines += self.notes
        return "\n".join(lines)


def _union_find(n: int, pairs: np.ndarray) -> np.ndarray:
    parent = np.arange(n)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(n)])


def _area_problems(inst: Instance):
    """Yield (area index, free units, node of each free unit, AreaProblem) per area with free units."""
    free = inst.fixed < 0
    node_root = _union_find(inst.n, inst.together[free[inst.together].all(axis=1)] if len(inst.together)
                            else inst.together)
    link_edges = np.array([[l.a, l.b] for l in inst.links], dtype=np.int64).reshape(-1, 2)
    all_edges = np.concatenate([inst.edges, link_edges])
    for a in np.unique(inst.area):
        units = np.flatnonzero((inst.area == a) & free)
        if not len(units):
            continue
        roots, node = np.unique(node_root[units], return_inverse=True)
        pos = np.full(inst.n, -1)
        pos[units] = node
        e = pos[all_edges]
        e = e[(e >= 0).all(axis=1) & (e[:, 0] != e[:, 1])]
        e = np.unique(np.sort(e, axis=1), axis=0) if len(e) else e.reshape(0, 2)
        pop = np.bincount(node, weights=inst.population[units], minlength=len(roots)).astype(np.int64)
        ref_sets = [np.unique(pos[s][pos[s] >= 0]) for s in inst.ref_sets if len(s)]
        targets = []
        for t in np.unique(inst.target[units][inst.target[units] >= 0]):
            members = np.flatnonzero(inst.target == t)
            if np.all(np.isin(members, units)):
                nodes = np.unique(pos[members])
                # only a union of whole nodes can be kept exactly
                if np.array_equal(np.sort(np.flatnonzero(np.isin(node, nodes))), np.sort(np.flatnonzero(np.isin(units, members)))):
                    targets.append(nodes)
        yield a, units, node, AreaProblem(population=pop, edges=e, floor=inst.floor, ref_sets=ref_sets,
                                          targets=targets)


def _infeasible(inst: Instance, a: int, units: np.ndarray, node: np.ndarray, prob: AreaProblem) -> None:
    from commissioning_atlas.advise.maxp import _components

    comp = _components(prob.n, prob.edges)
    for c in np.unique(comp):
        total = int(prob.population[comp == c].sum())
        if total < inst.floor:
            members = units[np.isin(node, np.flatnonzero(comp == c))]
            u = members[np.argmax(inst.population[members])]
            where = f"its {inst.within} area {inst.area_codes[a]} ({inst.area_names[a]})" if inst.within else "England"
            free = " outside the fixed groups" if (inst.fixed >= 0).any() else ""
            rest = f" with {len(members) - 1} neighbouring units" if len(members) > 1 else ""
            raise InfeasibleError(f"infeasible: {inst.units} unit {inst.codes[u]} ({inst.names[u]}, "
                                  f"{int(inst.population[u]):,} people, {inst.basis}) cannot reach the floor of "
                                  f"{inst.floor:,} inside {where}{free}: reachable{rest}, {total:,} people")


def _solve_area(prob: AreaProblem, use: str, auto: bool, objective: str, share: float, deadline: float,
                workers: int, area: str) -> AreaSolution:
    """One area by the exact solver or the heuristic (``use``); with ``auto``, the heuristic takes over, with
    the time left, when the exact solver finds no plan in its ``share`` of seconds."""
    if use != "exact":
        return solve_heuristic(prob, share)
    sol = solve_exact(prob, objective, share, workers=workers)
    if sol is None and auto:
        sol = solve_heuristic(prob, max(deadline - time.perf_counter(), 0.5))
        sol.note = "exact solver found no plan in time; " + sol.note
    elif sol is None:
        raise AtlasError(f"the exact solver found no plan for {area} in {share:.1f} s; "
                         "raise --time-limit or use --method heuristic")
    return sol


def _count_plans(problems: list[AreaProblem], sols: list[AreaSolution], objective: str, deadline: float) -> None:
    """Count the optimal plans of the small optimal areas (in the order given) with the time left, at most
    :data:`COUNT_SECONDS` in all; each area's count is set on its solution."""
    todo = [k for k, (prob, sol) in enumerate(zip(problems, sols)) if sol.optimal and prob.n <= COUNT_MAX_NODES]
    count_deadline = min(deadline, time.perf_counter() + COUNT_SECONDS)
    for j, k in enumerate(todo):
        left = count_deadline - time.perf_counter()
        if left <= 0.05:
            break
        sol = sols[k]
        sol.plans, sol.plans_capped = count_area_plans(problems[k], sol, objective, left / (len(todo) - j), COUNT_CAP)


def _area_row(inst: Instance, problem: tuple, sol: AreaSolution) -> dict:
    """One row of :attr:`Plan.areas`: the area, its size and what its search found."""
    a, units, _, prob = problem
    return {"area": str(inst.area_codes[a]), "area_name": str(inst.area_names[a]), "units": len(units),
            "nodes": prob.n, "population": int(prob.population.sum()), "groups": sol.groups,
            "groups_bound": sol.groups_bound, "crossings": sol.crossings, "method": sol.method,
            "optimal": sol.optimal, "seconds": round(sol.seconds, 3), "plans": sol.plans,
            "plans_capped": sol.plans_capped, "note": sol.note}


def solve(inst: Instance, *, objective: str = "most-groups", method: str = "auto", time_limit: float = 60.0,
          count_plans: bool = True, workers: int = 1, exact_max_nodes: int = EXACT_MAX_NODES) -> Plan:
    """Solve an instance area by area.

    Parameters
    ----------
    inst : Instance
    objective : {"most-groups", "fewest-crossings"}
        First criterion (the other is second; closest-to, if the instance has a target, third).
    method : {"auto", "exact", "heuristic"}
    time_limit : float
        Seconds for the whole run, shared by the areas in order (each gets what is left).
    count_plans : bool
        Count optimal plans in areas of at most :data:`COUNT_MAX_NODES` nodes (cap :data:`COUNT_CAP` per
        area, at most :data:`COUNT_SECONDS` in all, inside the time limit).
    workers : int
        CP-SAT workers (1: deterministic).
    exact_max_nodes : int
        With ``auto``, areas with more nodes go to the heuristic.

    Returns
    -------
    Plan

    Raises
    ------
    InfeasibleError
        A unit cannot reach the floor inside its area (one line naming it and its population).
    """
    if objective not in OBJECTIVES:
        raise AtlasError(f"unknown objective {objective!r}; use {' or '.join(OBJECTIVES)}")
    if method not in METHODS:
        raise AtlasError(f"unknown method {method!r}; use {', '.join(METHODS)}")
    if time_limit <= 0:
        raise AtlasError(f"the time limit must be positive, got {time_limit:g} s")
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    problems = list(_area_problems(inst))
    for a, units, node, prob in problems:
        _infeasible(inst, a, units, node, prob)
    order = sorted(range(len(problems)), key=lambda i: problems[i][3].n)  # small areas first
    label = np.full(inst.n, -1, dtype=np.int64)
    results = {}
    for idx_pos, i in enumerate(order):
        a, units, node, prob = problems[i]
        # share what is left fairly among the areas still to solve, the largest getting the rest
        left = max(deadline - time.perf_counter(), 0.05)
        share = left / (len(order) - idx_pos)
        use = method if method != "auto" else ("exact" if prob.n <= exact_max_nodes else "heuristic")
        sol = _solve_area(prob, use, method == "auto", objective, share, deadline, workers, str(inst.area_codes[a]))
        results[i] = sol
        label[units] = (i + 1) * 1_000_000 + sol.root[node]  # unique per area
    if count_plans:  # with the time left, smallest areas first
        _count_plans([problems[i][3] for i in order], [results[i] for i in order], objective, deadline)
    rows = [_area_row(inst, problems[i], results[i]) for i in order]
    # fixed groups keep their label
    for f in np.unique(inst.fixed[inst.fixed >= 0]):
        label[inst.fixed == f] = -1 - int(f)
    group, fixed_group = _order_groups(inst, label)
    sols = list(results.values())
    plan = Plan(instance=inst, group=group, fixed_group=fixed_group, objective=objective,
                method=_method_label(sols), optimal=all(s.optimal for s in sols),
                groups_bound=int(sum(s.groups_bound for s in sols)) + int(fixed_group.sum()),
                crossings=None, crossings_bound=None, kept=None, kept_bound=None, plans=None,
                plans_capped=False, seconds=time.perf_counter() - t0,
                areas=pd.DataFrame(rows).sort_values("area", kind="stable").reset_index(drop=True)
                if rows else pd.DataFrame())
    if inst.reference:
        plan.crossings = plan_crossings(inst, group)
        if all(s.crossings_bound is not None for s in sols):
            fixed_extra = plan.crossings - int(sum(s.crossings or 0 for s in sols))
            plan.crossings_bound = int(sum(s.crossings_bound for s in sols)) + fixed_extra
    if inst.target_label:
        plan.kept = plan_kept(inst, group)
        if all(s.kept_bound is not None or not s.kept for s in sols):
            plan.kept_bound = int(sum((s.kept_bound or 0) for s in sols)) + (plan.kept - int(sum(s.kept or 0 for s in sols)))
    if sols and all(s.plans is not None for s in sols):
        plan.plans = int(np.prod([s.plans for s in sols], dtype=object))
        plan.plans_capped = any(s.plans_capped for s in sols)
    plan.notes = _notes(inst, plan, sols)
    return plan


def _method_label(sols: list[AreaSolution]) -> str:
    kinds = sorted({s.method for s in sols})
    names = {"exact": "exact (CP-SAT)", "heuristic": "heuristic (spopt max-p)"}
    return " + ".join(names[k] for k in kinds) if kinds else "fixed groups only"


def _order_groups(inst: Instance, label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number groups 0.. by (area code of the group's largest unit, first unit code)."""
    keys = []
    uniq = np.unique(label)
    for g in uniq:
        members = np.flatnonzero(label == g)
        lead = members[np.argmax(inst.population[members])]
        keys.append((str(inst.area_codes[inst.area[lead]]), str(min(inst.codes[members]))))
    order = sorted(range(len(uniq)), key=lambda i: keys[i])
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    group = rank[np.searchsorted(uniq, label)]
    fixed_group = np.zeros(len(uniq), dtype=bool)
    for g in range(len(uniq)):
        fixed_group[g] = bool((inst.fixed[group == g] >= 0).all())
    return group, fixed_group


def plan_crossings(inst: Instance, group: np.ndarray) -> int:
    """Extra pieces of the reference units under a grouping (parts at ``inst.tolerance``)."""
    return int(sum(len(np.unique(group[s])) - 1 for s in inst.ref_sets if len(s)))


def plan_kept(inst: Instance, group: np.ndarray) -> int:
    """Groups of the closest-to plan that are groups of ``group`` exactly."""
    kept = 0
    for t in np.unique(inst.target[inst.target >= 0]):
        members = np.flatnonzero(inst.target == t)
        g = np.unique(group[members])
        if len(g) == 1 and np.sum(group == g[0]) == len(members):
            kept += 1
    return kept


def _notes(inst: Instance, plan: Plan, sols: list[AreaSolution]) -> list[str]:
    notes = []
    if inst.outside:
        top = inst.outside[0]
        notes.append(f"{inst.units} units do not nest in {inst.within}: {len(inst.outside)} of {inst.n} have people "
                     f"outside the {inst.within} area they are placed in (up to {top['people']:,}: {top['code']} "
                     f"({top['name']}), placed in {top['area']}); each unit goes to the area holding most of its "
                     f"people, so groups cross the {inst.within} lines by {sum(o['people'] for o in inst.outside):,} "
                     f"people in all")
    for l in inst.links:
        notes.append(f"{inst.codes[l.a]} ({inst.names[l.a]}) joined to {inst.codes[l.b]} ({inst.names[l.b]}) "
                     f"{l.kind}, {l.distance_m / 1000:.1f} km: it shares no boundary with the rest of its area")
    for s in inst.forced_splits:
        notes.append(f"{inst.keep_whole} {s['code']} ({s['name']}) lies in {len(s['areas'])} {inst.within} areas "
                     f"({', '.join(s['areas'])}): split by the {inst.within} lines, kept whole inside each")
    for g in np.flatnonzero(plan.fixed_group):
        pop = int(inst.population[plan.group == g].sum())
        if pop < inst.floor:
            f = int(inst.fixed[plan.group == g][0])
            notes.append(f"fixed group {inst.fixed_codes[f]} ({inst.fixed_names[f]}) has {pop:,} people, under the "
                         f"floor: kept as given")
    cut = [s for s in sols if s.method == "heuristic" and s.cut]
    if cut:
        notes.append(f"spopt's heuristic was cut by the time limit in {len(cut)} area(s): best plan so far kept")
    return notes


def advise(atlas: "Atlas", units: str, floor: float, *, within: str | None = None, keep_whole: str | None = None,
           tolerance: float = DEFAULT_TOLERANCE, fix: str | Path | None = None, reference: str | None = None,
           closest_to: str | Path | None = None, population: np.ndarray | None = None, basis: str | None = None,
           objective: str = "most-groups", method: str = "auto", time_limit: float = 60.0,
           count_plans: bool = True, workers: int = 1) -> Plan:
    """Propose groupings of a layer's units that pass the rules (see the module notes).

    Parameters
    ----------
    atlas : Atlas
    units, floor, within, keep_whole, tolerance, fix, reference, closest_to, population, basis
        As in :func:`build_instance`.
    objective, method, time_limit, count_plans, workers
        As in :func:`solve`.

    Returns
    -------
    Plan
    """
    inst = build_instance(atlas, units, floor, within=within, keep_whole=keep_whole, tolerance=tolerance, fix=fix,
                          reference=reference, closest_to=closest_to, population=population, basis=basis)
    return solve(inst, objective=objective, method=method, time_limit=time_limit, count_plans=count_plans,
                 workers=workers)


# ------------------------------------------------------------------------------------------ output
