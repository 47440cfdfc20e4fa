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
           "count_crossings", "count_kept", "count_plans", "group_bound", "OBJECTIVES"]

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
        heuristic's bound is :func:`group_bound`).
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


def _require(module: str, package: str):
    """Import an optional solver module, or say in one line how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        from commissioning_atlas._errors import AtlasError

        raise AtlasError(f"the advisor needs {package}: python3 -m pip install {package}") from None


def group_bound(problem: AreaProblem) -> int:
    """An upper bound on groups: nodes at or over the floor, plus, for each component of the graph of
    the other nodes, its population over the floor (a group without a large node lies in one such
    component)."""
    pop = np.asarray(problem.population, dtype=np.int64)
    small = np.flatnonzero(pop < problem.floor)
    big = int((pop >= problem.floor).sum())
    if not len(small):
        return big
    comp = _components(problem.n, np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2), small)
    return big + sum(int(pop[comp == c].sum()) // int(problem.floor) for c in np.unique(comp[small]))


def _reach(n: int, adj: list[list[int]]) -> list[np.ndarray]:
    """For each node j, the nodes reachable from j through nodes numbered j or more."""
    out = []
    for j in range(n):
        seen, stack = {j}, [j]
        while stack:
            a = stack.pop()
            for b in adj[a]:
                if b >= j and b not in seen:
                    seen.add(b)
                    stack.append(b)
        out.append(np.array(sorted(seen), dtype=np.int64))
    return out


@dataclass
class _Model:
    model: object
    x: dict
    exprs: dict
    n_ref: int
    n_targets: int


def _build(problem: AreaProblem) -> _Model:
    """The CP-SAT model of a problem whose nodes are numbered largest population first.

    ``x[i, j]`` exists only where ``i`` is reachable from ``j`` through nodes numbered ``j`` or more
    (a group's root is its lowest node), and ``j`` can be a root only if those nodes reach the floor.
    Redundant constraints that the search uses: a root under the floor has a neighbour in its group;
    groups <= (nodes at or over the floor) + sum over the components of the other nodes of
    floor(their population / floor).
    """
    cp_model = _require("ortools.sat.python.cp_model", "ortools")

    n = problem.n
    pop = np.asarray(problem.population, dtype=np.int64)
    floor = int(problem.floor)
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2):
        if a != b and int(b) not in adj[a]:
            adj[a].append(int(b))
            adj[b].append(int(a))
    reach = _reach(n, adj)
    can_root = [int(pop[r].sum()) >= floor for r in reach]
    m = cp_model.CpModel()
    x: dict = {}
    for j in range(n):
        if can_root[j]:
            for i in reach[j]:
                x[int(i), j] = m.NewBoolVar(f"x{i}_{j}")
    false = m.NewConstant(0)

    def X(i: int, j: int):
        return x.get((i, j), false)

    roots_of = {i: [j for j in range(i + 1) if (i, j) in x] for i in range(n)}
    for i in range(n):
        m.AddExactlyOne([x[i, j] for j in roots_of[i]])
    for j in range(n):
        if not can_root[j]:
            continue
        members = [int(i) for i in reach[j] if i != j]
        for i in members:
            m.AddImplication(x[i, j], x[j, j])
        m.Add(sum(int(pop[i]) * x[i, j] for i in [j, *members]) >= floor * x[j, j])
        if pop[j] < floor:
            near = [x[k, j] for k in adj[j] if (k, j) in x]
            m.AddBoolOr(near + [x[j, j].Not()])
    depth = [m.NewIntVar(0, n - 1, f"d{i}") for i in range(n)]
    for i in range(n):
        ys = []
        for k in adj[i]:
            shared = [j for j in roots_of[i] if (k, j) in x]
            if not shared:
                continue
            y = m.NewBoolVar(f"y{i}_{k}")
            ys.append(y)
            m.Add(depth[i] >= depth[k] + 1).OnlyEnforceIf(y)
            for j in roots_of[i]:
                if (k, j) in x:
                    m.AddBoolOr([y.Not(), x[i, j].Not(), x[k, j]])
                else:
                    m.AddImplication(y, x[i, j].Not())
        m.Add(sum(ys) == 1 - X(i, i))
    for a, b in problem.together:
        for j in range(n):
            if (a, j) in x or (b, j) in x:
                m.Add(X(a, j) == X(b, j))
    roots = [x[j, j] for j in range(n) if (j, j) in x]
    groups_expr = sum(roots)
    m.Add(groups_expr <= group_bound(problem))
    exprs: dict = {"groups": (groups_expr, True)}
    ref_sets = [np.unique(s) for s in problem.ref_sets if len(np.unique(s)) >= 2]
    if ref_sets:
        pieces = []
        for r, s in enumerate(ref_sets):
            for j in range(int(s.max()) + 1):
                holders = [x[int(i), j] for i in s if (int(i), j) in x]
                if not holders:
                    continue
                z = m.NewBoolVar(f"z{r}_{j}")
                for h in holders:
                    m.AddImplication(h, z)
                pieces.append(z)
        exprs["crossings"] = (sum(pieces) - len(ref_sets), False)
    targets = [np.unique(t) for t in problem.targets if len(t)]
    if targets:
        keeps = []
        for r, t in enumerate(targets):
            root = int(t.min())
            if (root, root) not in x:
                continue
            k = m.NewBoolVar(f"k{r}")
            inside = set(t.tolist())
            for i in range(root, n):
                if i in inside:
                    m.AddImplication(k, X(i, root))
                elif (i, root) in x:
                    m.AddImplication(k, x[i, root].Not())
            keeps.append(k)
        if keeps:
            exprs["kept"] = (sum(keeps), True)
    return _Model(m, x, exprs, len(ref_sets), len(targets))


def _permutation(problem: AreaProblem) -> tuple[AreaProblem, np.ndarray]:
    """The problem with nodes renumbered largest population first (ties: original order), and the order."""
    order = np.lexsort((np.arange(problem.n), -np.asarray(problem.population)))
    new = np.empty(problem.n, dtype=np.int64)
    new[order] = np.arange(problem.n)
    edges = new[np.asarray(problem.edges, dtype=np.int64).reshape(-1, 2)] if len(problem.edges) else \
        np.zeros((0, 2), dtype=np.int64)
    p = AreaProblem(population=np.asarray(problem.population)[order], edges=edges, floor=problem.floor,
                    ref_sets=[new[np.asarray(s, dtype=np.int64)] for s in problem.ref_sets],
                    targets=[new[np.asarray(t, dtype=np.int64)] for t in problem.targets],
                    together=[(int(new[a]), int(new[b])) for a, b in problem.together])
    return p, order


def _value(solver, x: dict, n: int) -> np.ndarray:
    root = np.full(n, -1, dtype=np.int64)
    for (i, j), v in x.items():
        if solver.BooleanValue(v):
            root[i] = j
    return root


def solve_exact(problem: AreaProblem, objective: str = "most-groups", time_limit: float = 10.0,
                workers: int = 1, seed: int = 0) -> AreaSolution | None:
    """Solve one area exactly with CP-SAT (lexicographic phases).

    Parameters
    ----------
    problem : AreaProblem
        A connected graph whose total population reaches the floor.
    objective : {"most-groups", "fewest-crossings"}
        Which of groups and crossings comes first; closest-to-plan (``problem.targets``) comes last.
    time_limit : float
        Seconds for all phases together.
    workers : int
        CP-SAT search workers (1: the same input always gives the same plan).
    seed : int
        CP-SAT random seed.

    Returns
    -------
    AreaSolution or None
        None when no plan was found within the time limit. ``first_value`` in ``note`` terms: the
        first phase's optimum is kept in ``groups`` or ``crossings`` for :func:`count_plans`.
    """
    cp_model = _require("ortools.sat.python.cp_model", "ortools")

    t0 = time.perf_counter()
    deadline = t0 + max(float(time_limit), 0.01)
    n = problem.n
    if n == 1:
        sol = _trivial(problem)
        sol.seconds = time.perf_counter() - t0
        return sol
    perm, order = _permutation(problem)
    built = _build(perm)
    m, x, exprs = built.model, built.x, built.exprs
    phases = [p for p in OBJECTIVES[objective] if p in exprs] + (["kept"] if "kept" in exprs else [])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed)
    bounds: dict[str, int] = {}
    optimal = True
    best = None
    for phase in phases:
        expr, maximise = exprs[phase]
        m.Maximize(expr) if maximise else m.Minimize(expr)
        solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.05)
        status = _solve(solver, m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if best is None:
                return None
            optimal = False
            break
        best = _value(solver, x, n)
        value = int(round(solver.ObjectiveValue()))
        bounds[phase] = int(np.floor(solver.BestObjectiveBound() + 1e-6)) if maximise else \
            int(np.ceil(solver.BestObjectiveBound() - 1e-6))
        if status != cp_model.OPTIMAL:
            optimal = False
        m.ClearHints()
        for (i, j), v in x.items():
            m.AddHint(v, int(best[i] == j))
        if status == cp_model.OPTIMAL:
            m.Add(expr == value)
        else:
            m.Add(expr >= value) if maximise else m.Add(expr <= value)
    root = _canonical(order[best])  # back to the caller's numbering, groups named by their lowest node
    out = np.empty(n, dtype=np.int64)
    out[order] = root
    sol = AreaSolution(root=out, groups=int(len(np.unique(out))), groups_bound=bounds.get("groups", 0),
                       optimal=optimal, method="exact", cut=not optimal)
    if problem.ref_sets:
        sol.crossings = count_crossings(problem, out)
        sol.crossings_bound = bounds.get("crossings", sol.crossings if "crossings" not in exprs else None)
    if "kept" in exprs or problem.targets:
        sol.kept = count_kept(problem, out)
        sol.kept_bound = bounds.get("kept", sol.kept)
    sol.seconds = time.perf_counter() - t0
    sol.note = "proven optimal" if optimal else "cut by the time limit: best plan found, with its bound"
    return sol


def _solve(solver, model):
    """``solver.Solve(model)``, but Ctrl-C stops the run rather than the search.

    CP-SAT catches SIGINT itself and returns its best plan so far, which the caller could not tell from a
    plan cut by the time limit: an interrupted run would then write its output and exit 0. So CP-SAT's own
    handler is off, the search runs in a worker thread, and the main thread (where Python delivers
    KeyboardInterrupt) waits; on Ctrl-C it stops the search and re-raises, and nothing is written.
    """
    solver.parameters.catch_sigint_signal = False
    if threading.current_thread() is not threading.main_thread():
        return solver.Solve(model)
    box: dict = {}

    def run():
        try:
            box["status"] = solver.Solve(model)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="cp-sat", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.05)
    except BaseException:  # KeyboardInterrupt, or SIGTERM turned into an exception by the CLI
        solver.StopSearch()
        worker.join()
        raise
    if "error" in box:
        raise box["error"]
    return box["status"]


def count_plans(problem: AreaProblem, solution: AreaSolution, objective: str = "most-groups",
                time_limit: float = 10.0, cap: int = 1000) -> tuple[int, bool]:
    """Count the distinct plans as good as ``solution`` on the first objective (e.g. as many groups).

    Each plan found is forbidden (its assignment ``x``, unique per partition) and the search repeated,
    up to ``cap`` plans or the time limit.

    Returns
    -------
    count : int
    capped : bool
        The count stopped at the cap or the time limit (it is then a lower bound).
    """
    cp_model = _require("ortools.sat.python.cp_model", "ortools")

    if problem.n == 1:
        return 1, False
    deadline = time.perf_counter() + max(float(time_limit), 0.01)
    perm, order = _permutation(problem)
    built = _build(perm)
    m, x = built.model, built.x
    first = next(p for p in OBJECTIVES[objective] if p in built.exprs)
    expr, _ = built.exprs[first]
    m.Add(expr == (solution.groups if first == "groups" else solution.crossings))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    found = 0
    while True:
        if found >= cap:
            return found, True
        remaining = deadline - time.perf_counter()
        if remaining <= 0.01:
            return found, True
        solver.parameters.max_time_in_seconds = remaining
        status = _solve(solver, m)
        if status == cp_model.INFEASIBLE:
            return found, False
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return found, True
        found += 1
        plan = _value(solver, x, perm.n)
        m.AddBoolOr([x[i, int(plan[i])].Not() for i in range(perm.n)])


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
        ``optimal`` False; ``groups_bound`` is :func:`group_bound`; ``cut`` says whether the time
        limit stopped construction or refinement early.
    """
    libpysal = _require("libpysal", "libpysal")
    spmaxp = _require("spopt.region.maxp", "spopt")

    if problem.together:
        raise ValueError("the heuristic does not take 'together' pairs")
    t0 = time.perf_counter()
    deadline = t0 + max(float(time_limit), 0.01)
    n = problem.n
    pop = np.asarray(problem.population, dtype=np.int64)
    bound = group_bound(problem)
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
            # the first construction always runs to the end (one greedy pass: fast), so there is a plan
            step = 1 if done_construct == 0 else min(10, iterations_construction - done_construct)
            remaining = deadline - time.perf_counter()
            if remaining <= 0 and done_construct:
                cut = True
                break
            try:
                if done_construct == 0:
                    p, rl = spmaxp._construction_phase(arr, attr, pop, dist, w, problem.floor, 2, step)
                else:
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
