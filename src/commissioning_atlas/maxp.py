"""Max-p grouping of one area's nodes: an exact CP-SAT model and spopt's heuristic, on plain arrays.

The problem: partition the nodes of a connected graph into as many contiguous groups as possible,
each with at least ``floor`` people (the max-p-regions problem), then, among those, cross the fewest
lines of a reference layer, then keep the most groups of a given plan (or the reverse order of the
first two). :mod:`commissioning_atlas.advise` builds these problems from atlas layers, one per
``--within`` area (areas are independent, so the optimum of England is the sum of theirs).

Exact model (OR-Tools CP-SAT)
-----------------------------
``x[i, j]`` (node ``i`` belongs to the group whose root is node ``j``, only for ``j <= i``: a group's
root is its lowest-numbered node, so every partition has exactly one assignment and plans can be
counted); ``x[j, j]`` says ``j`` is a root. Each group reaches the floor: ``sum_i p_i x[i, j] >=
floor x[j, j]``. Contiguity is order-based: every node that is not a root picks one neighbour as its
parent (``y[i, k]``), a parent is in the same group (``y[i, k] and x[i, j] -> x[k, j]``) and nearer the
root (``y[i, k] -> d_i >= d_k + 1`` for integer depths ``d``), so following parents from any node
reaches its root inside the group. Crossings of the reference layer are counted as pieces: ``z[r, j]``
is 1 when group ``j`` holds a part of reference unit ``r``; extra pieces = ``sum z - units``.
Objectives are solved lexicographically, each phase fixing the optimum (or, when cut by the time
limit, the incumbent) of the previous one; a result is proven optimal only when every phase is.

Heuristic (spopt)
-----------------
spopt's max-p construction phase (random greedy growth, enclaves assigned afterwards) and its tabu
simulated-annealing refinement, called phase by phase so that the time limit is checked between
steps and, on the main thread, inside a refinement step too (a ``SIGALRM`` timer): its refinement
can loop for a long time. A run cut by the limit keeps the best partition found so far and says so.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["AreaProblem", "AreaSolution", "solve_exact", "solve_heuristic", "check_partition",
           "count_crossings", "count_kept", "OBJECTIVES"]

#: Objective orders: the first phase, then the second (then closest-to-plan when targets exist).
OBJECTIVES = {"most-groups": ("groups", "crossings"), "fewest-crossings": ("crossings", "groups")}


@dataclass
class AreaProblem:
    """One area's grouping problem.

    Attributes
    ----------
    population : numpy.ndarray of int
        People per node.
    edges : numpy.ndarray, shape (m, 2)
        Undirected adjacency between nodes (shared boundary or a recorded island link).
    floor : int
        Least population of a group.
    ref_sets : list of numpy.ndarray
        For each reference unit, the nodes holding a part of it (sets of one node never cost).
    targets : list of numpy.ndarray
        Node sets of the groups of a plan to keep as many of as possible (closest-to tie-break).
    together : list of (int, int)
        Node pairs that must share a group (used to ask "what if these two go together?").
    """

    population: np.ndarray
    edges: np.ndarray
    floor: int
    ref_sets: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    together: list = field(default_factory=list)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.population)


@dataclass
class AreaSolution:
    """A partition of one area and what is known about its quality.

    Attributes
    ----------
    root : numpy.ndarray of int
        Each node's group, named by the group's lowest node.
    groups, groups_bound : int
        Groups found and the proven upper bound on groups (= ``groups`` when optimal; the
        heuristic's bound is the population bound ``sum(p) // floor``).
    crossings, crossings_bound : int or None
        Extra pieces of reference units and the proven lower bound (None without reference sets).
    kept, kept_bound : int or None
        Target groups kept and the upper bound (None without targets).
    optimal : bool
        Every phase proven optimal (exact solver only).
    method : str
        ``"exact"`` or ``"heuristic"``.
    seconds : float
    plans : int or None
        Number of distinct plans optimal on the first objective (e.g. equally many groups), when counted; ``plans_capped`` says the count
        stopped at the cap or the time limit (then it is a lower bound).
    cut : bool
        The time limit stopped the search before it finished (exact: some phase not proven; heuristic:
        the construction or the refinement was cut).
    note : str
        What happened, in words.
    """

    root: np.ndarray
    groups: int
    groups_bound: int
    crossings: int | None = None
    crossings_bound: int | None = None
    kept: int | None = None
    kept_bound: int | None = None
    optimal: bool = False
    method: str = "exact"
    seconds: float = 0.0
    plans: int | None = None
    plans_capped: bool = False
    cut: bool = False
    note: str = ""


# ----------------------------------------------------------------------------------------- helpers

def _components(n: int, edges: np.ndarray, members: np.ndarray | None = None) -> np.ndarray:
    """Component label of each node (of the subgraph induced by ``members`` if given; others -1)."""
    if members is None:
        members = np.arange(n)
    mask = np.zeros(n, dtype=bool)
    mask[members] = True
    e = edges[mask[edges[:, 0]] & mask[edges[:, 1]]] if len(edges) else edges.reshape(0, 2)
    g = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    out = np.full(n, -1)
    out[members] = lab[members]
    return out


def check_partition(problem: AreaProblem, root: np.ndarray) -> list[str]:
    """What is wrong with a partition: groups under the floor or not contiguous (empty if valid).

    Parameters
    ----------
    problem : AreaProblem
    root : numpy.ndarray of int
        Group label of each node (any labels).

    Returns
    -------
    list of str
    """
    out = []
    for g in np.unique(root):
        members = np.flatnonzero(root == g)
        pop = int(problem.population[members].sum())
        if pop < problem.floor:
            out.append(f"group of nodes {members.tolist()} has {pop:,} < {problem.floor:,}")
        if len(np.unique(_components(problem.n, problem.edges, members)[members])) > 1:
            out.append(f"group of nodes {members.tolist()} is not contiguous")
    for a, b in problem.together:
        if root[a] != root[b]:
            out.append(f"nodes {a} and {b} must share a group")
    return out


def count_crossings(problem: AreaProblem, root: np.ndarray) -> int:
    """Extra pieces of reference units: sum over reference units of (groups holding it - 1)."""
    return int(sum(len(np.unique(root[s])) - 1 for s in problem.ref_sets if len(s)))


def count_kept(problem: AreaProblem, root: np.ndarray) -> int:
    """Target groups that are groups of the partition exactly."""
    kept = 0
    for t in problem.targets:
        if len(t) and len(np.unique(root[t])) == 1 and np.sum(root == root[t[0]]) == len(t):
            kept += 1
    return kept


def _canonical(root: np.ndarray) -> np.ndarray:
    """Relabel groups by their lowest node."""
    out = np.empty_like(root)
    for g in np.unique(root):
        m = root == g
        out[m] = np.flatnonzero(m).min()
    return out


# ----------------------------------------------------------------------------------------- exact

def _trivial(problem: AreaProblem, targets_kept: bool = True) -> AreaSolution:
    root = np.zeros(problem.n, dtype=np.int64)
    sol = AreaSolution(root=root, groups=1, groups_bound=1, optimal=True, plans=1, note="one node")
    if problem.ref_sets:
        sol.crossings = sol.crossings_bound = 0
    if problem.targets:
        sol.kept = sol.kept_bound = count_kept(problem, root)
    return sol


def solve_exact(problem: AreaProblem, objective: str = "most-groups", time_limit: float = 10.0,
                workers: int = 1, count_plans: int = 0, seed: int = 0) -> AreaSolution | None:
    """Solve one area exactly with CP-SAT (lexicographic phases).

    Parameters
    ----------
    problem : AreaProblem
        A connected graph whose total population reaches the floor.
    objective : {"most-groups", "fewest-crossings"}
        Which of groups and crossings comes first; closest-to-plan (``problem.targets``) comes last.
    time_limit : float
        Seconds for all phases together (and the plan count).
    workers : int
        CP-SAT search workers (1: the same input always gives the same plan).
    count_plans : int
        If positive, count distinct optimal plans up to this cap.
    seed : int
        CP-SAT random seed.

    Returns
    -------
    AreaSolution or None
        None when no plan was found within the time limit.
    """
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    deadline = t0 + max(float(time_limit), 0.01)
    n = problem.n
    if n == 1:
        sol = _trivial(problem)
        sol.seconds = time.perf_counter() - t0
        return sol
    pop = np.asarray(problem.population, dtype=np.int64)
    floor = int(problem.floor)
    m = cp_model.CpModel()
    x = {(i, j): m.NewBoolVar(f"x{i}_{j}") for i in range(n) for j in range(i + 1)}
    nodes_of = {j: [i for i in range(j, n)] for j in range(n)}
    for i in range(n):
        m.AddExactlyOne([x[i, j] for j in range(i + 1)])
    for j in range(n):
        for i in range(j + 1, n):
            m.AddImplication(x[i, j], x[j, j])
        m.Add(sum(int(pop[i]) * x[i, j] for i in nodes_of[j]) >= floor * x[j, j])
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2):
        if a != b and b not in adj[a]:
            adj[a].append(int(b))
            adj[b].append(int(a))
    depth = [m.NewIntVar(0, n - 1, f"d{i}") for i in range(n)]
    for i in range(n):
        ys = []
        for k in adj[i]:
            y = m.NewBoolVar(f"y{i}_{k}")
            ys.append(y)
            m.Add(depth[i] >= depth[k] + 1).OnlyEnforceIf(y)
            for j in range(i + 1):
                if j <= k:
                    m.AddBoolOr([y.Not(), x[i, j].Not(), x[k, j]])
                else:
                    m.AddImplication(y, x[i, j].Not())
        m.Add(sum(ys) == 1 - x[i, i])
    for a, b in problem.together:
        a, b = min(a, b), max(a, b)
        for j in range(a + 1):
            m.Add(x[a, j] == x[b, j])
        for j in range(a + 1, b + 1):
            m.Add(x[b, j] == 0)
    groups_expr = sum(x[j, j] for j in range(n))
    cross_expr = None
    ref_sets = [np.unique(s) for s in problem.ref_sets if len(np.unique(s)) >= 2]
    if ref_sets:
        pieces = []
        for r, s in enumerate(ref_sets):
            for j in range(int(s.max()) + 1):
                z = m.NewBoolVar(f"z{r}_{j}")
                for i in s:
                    if i >= j:
                        m.AddImplication(x[int(i), j], z)
                pieces.append(z)
        cross_expr = sum(pieces) - len(ref_sets)
    kept_expr = None
    targets = [np.unique(t) for t in problem.targets if len(t)]
    if targets:
        keeps = []
        for r, t in enumerate(targets):
            k = m.NewBoolVar(f"k{r}")
            root = int(t.min())
            for i in range(root, n):
                m.AddImplication(k, x[i, root] if i in set(t.tolist()) else x[i, root].Not())
            keeps.append(k)
        kept_expr = sum(keeps)
    phases = [p for p in OBJECTIVES[objective] if p != "crossings" or cross_expr is not None]
    if kept_expr is not None:
        phases.append("kept")
    exprs = {"groups": (groups_expr, True), "crossings": (cross_expr, False), "kept": (kept_expr, True)}
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed)
    values: dict[str, int] = {}
    bounds: dict[str, int] = {}
    optimal = True
    best = None
    first = None  # the model with only the first phase's optimum fixed: its plans are counted
    for phase in phases:
        expr, maximise = exprs[phase]
        if maximise:
            m.Maximize(expr)
        else:
            m.Minimize(expr)
        remaining = deadline - time.perf_counter()
        solver.parameters.max_time_in_seconds = max(remaining, 0.05)
        status = solver.Solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if best is None:
                return None
            optimal = False
            break
        best = np.array([next(j for j in range(i + 1) if solver.Value(x[i, j])) for i in range(n)])
        value = int(round(solver.ObjectiveValue()))
        bound = int(np.floor(solver.BestObjectiveBound() + 1e-6)) if maximise else \
            int(np.ceil(solver.BestObjectiveBound() - 1e-6))
        values[phase], bounds[phase] = value, bound
        if status != cp_model.OPTIMAL:
            optimal = False
        m.ClearHints()
        for (i, j), v in x.items():
            m.AddHint(v, int(best[i] == j))
        if status == cp_model.OPTIMAL:
            m.Add(expr == value)
        else:
            m.Add(expr >= value) if maximise else m.Add(expr <= value)
        if first is None:
            first = (m.Clone(), best.copy())
    plans, capped = None, False
    if count_plans > 0 and optimal and first is not None:
        counting, start = first
        counting.ClearObjective()
        counting.ClearHints()
        xs = {key: counting.GetBoolVarFromProtoIndex(v.Index()) for key, v in x.items()}
        plans, capped = _count(counting, solver, xs, n, start, count_plans, deadline)
    groups = int(len(np.unique(best)))
    sol = AreaSolution(root=best, groups=groups, groups_bound=bounds.get("groups", groups), optimal=optimal,
                       method="exact", plans=plans, plans_capped=capped, cut=not optimal)
    if cross_expr is not None or problem.ref_sets:
        sol.crossings = count_crossings(problem, best)
        sol.crossings_bound = bounds.get("crossings", sol.crossings if cross_expr is None else None)
    if kept_expr is not None:
        sol.kept = count_kept(problem, best)
        sol.kept_bound = bounds.get("kept")
    sol.seconds = time.perf_counter() - t0
    sol.note = "proven optimal" if optimal else "cut by the time limit: best plan found, with its bound"
    return sol


def _count(m, solver, x, n, best, cap, deadline):
    """Count distinct plans of ``m`` (each forbidden once found, starting with ``best``) up to ``cap``;
    return the count and whether it stopped at the cap or the deadline."""
    from ortools.sat.python import cp_model

    found = [best.copy()]
    m.AddBoolOr([x[i, int(best[i])].Not() for i in range(n)])
    capped = False
    while True:
        if len(found) >= cap:
            capped = True
            break
        remaining = deadline - time.perf_counter()
        if remaining <= 0.01:
            capped = True
            break
        solver.parameters.max_time_in_seconds = remaining
        status = solver.Solve(m)
        if status == cp_model.INFEASIBLE:
            break
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            capped = True
            break
        plan = np.array([next(j for j in range(i + 1) if solver.Value(x[i, j])) for i in range(n)])
        found.append(plan)
        m.AddBoolOr([x[i, int(plan[i])].Not() for i in range(n)])
    return len(found), capped


# ----------------------------------------------------------------------------------------- heuristic

class _Cut(Exception):
    pass


@contextmanager
def _alarm(seconds: float):
    """Raise :class:`_Cut` after ``seconds`` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise _Cut()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def solve_heuristic(problem: AreaProblem, time_limit: float = 10.0, seed: int = 0,
                    iterations_construction: int = 99, iterations_sa: int = 10) -> AreaSolution:
    """spopt's max-p heuristic on one area, guarded by the time limit.

    Parameters
    ----------
    problem : AreaProblem
        ``ref_sets``, ``targets`` and ``together`` are not optimised (crossings and kept groups are
        counted on the result); ``together`` pairs are not supported by spopt and raise ValueError.
    time_limit : float
        Seconds for construction and refinement together.
    seed : int
        Seed of numpy's global generator, which spopt uses (restored afterwards).
    iterations_construction, iterations_sa : int
        spopt's ``max_iterations_construction`` and ``max_iterations_sa`` (its defaults: 99, 10).

    Returns
    -------
    AreaSolution
        ``optimal`` False; ``groups_bound`` is the population bound; ``cut`` says whether the time
        limit stopped construction or refinement early.
    """
    import libpysal
    from spopt.region import maxp as spmaxp

    if problem.together:
        raise ValueError("the heuristic does not take 'together' pairs")
    t0 = time.perf_counter()
    deadline = t0 + max(float(time_limit), 0.01)
    n = problem.n
    pop = np.asarray(problem.population, dtype=np.int64)
    bound = int(pop.sum() // problem.floor)
    if n == 1:
        sol = _trivial(problem)
        sol.optimal, sol.method, sol.plans = False, "heuristic", None
        sol.seconds = time.perf_counter() - t0
        return sol
    neighbours: dict[int, list[int]] = {i: [] for i in range(n)}
    for a, b in np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2):
        if a != b and int(b) not in neighbours[int(a)]:
            neighbours[int(a)].append(int(b))
            neighbours[int(b)].append(int(a))
    for k in neighbours:
        neighbours[k].sort()
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    attr = pop.astype(float).reshape(-1, 1)
    dist = np.abs(attr - attr.T)
    state = np.random.get_state()
    np.random.seed(seed)
    cut, done_construct, done_sa = False, 0, 0
    max_p, candidates = 0, []
    try:
        arr = np.arange(n)
        while done_construct < iterations_construction:
            step = min(10, iterations_construction - done_construct)
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                cut = True
                break
            try:
                with _alarm(remaining):
                    p, rl = spmaxp._construction_phase(arr, attr, pop, dist, w, problem.floor, 2, step)
            except _Cut:
                cut = True
                break
            done_construct += step
            if p > max_p:
                max_p, candidates = p, list(rl)
            elif p == max_p:
                candidates.extend(rl)
        best_label, best_obj = None, np.inf
        if candidates:
            best_label = list(candidates[0][0])
        for label, region_list, region_attr in candidates:
            for _ in range(iterations_sa):
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    cut = True
                    break
                try:
                    with _alarm(remaining):
                        fl, frl, _ = spmaxp._perform_sa(label, region_list, region_attr, pop, w, dist,
                                                        problem.floor, 0.998, 10, n)
                except _Cut:
                    cut = True
                    break
                done_sa += 1
                obj = spmaxp._calculate_within_region_distance(frl, dist)
                if obj < best_obj:
                    best_obj, best_label = obj, list(fl)
            if cut:
                break
    finally:
        np.random.set_state(state)
    if best_label is None:  # nothing constructed in time: one group of everything
        root = np.zeros(n, dtype=np.int64)
    else:
        root = _canonical(np.asarray(best_label, dtype=np.int64))
    groups = int(len(np.unique(root)))
    sol = AreaSolution(root=root, groups=groups, groups_bound=bound, optimal=False, method="heuristic",
                       cut=cut)
    if problem.ref_sets:
        sol.crossings = count_crossings(problem, root)
    if problem.targets:
        sol.kept = count_kept(problem, root)
    sol.seconds = time.perf_counter() - t0
    sol.note = (f"spopt max-p: {done_construct} construction iterations, {done_sa} refinement runs"
                + ("; cut by the time limit" if cut else ""))
    return sol
