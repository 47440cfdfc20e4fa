"""The viability advisor: groupings of a layer's units that pass the rules, as a scenario.

Given units (any layer), a population floor and the rules (stay inside ``within`` areas, never split
a ``keep_whole`` unit, keep the ``fix`` groups as they are), :func:`advise` proposes contiguous groups,
each of at least ``floor`` people: the most groups (max-p), then the fewest crossings of a reference
layer (or the reverse), then, as a tie-break, the most groups kept from a given plan. It is exact
(CP-SAT, :mod:`commissioning_atlas.advise.maxp`) where it can be and says whether the result is proven
optimal, with the bound; beyond ``exact_max_nodes`` nodes an area goes to spopt's heuristic.
:func:`write_scenario` writes the plan in the proposal schema of ``geo/css_2012.csv`` so that
``check --scenario`` and ``map --scenario`` read it.

Rules, as sums over LSOAs (every figure on the population basis given, Census 2011 by default):

* a unit belongs to the ``within`` area holding most of its residents;
* adjacency is shared LSOA boundary (:mod:`commissioning_atlas.advise.adjacency`); a piece of an area with
  no land link to the rest (an island) joins the nearest unit of its area, and the plan says so;
* a ``keep_whole`` unit is split when at least ``tolerance`` of its residents lie in each of two
  groups; its parts in different ``within`` areas are allowed apart (reported as forced by the
  ``within`` lines); keeping whole is exact: the units holding its parts are merged into one node;
* crossings of the ``reference`` layer are extra pieces: for each reference unit, the number of
  groups holding at least ``tolerance`` of its residents, minus one;
* a ``fix`` plan's groups (units by majority of residents) are kept as given and excluded from the
  search; a fixed group under the floor is kept and reported.

Examples
--------
>>> import commissioning_atlas as ca
>>> from commissioning_atlas.advise import advise, write_scenario
>>> atlas = ca.load()                                                      # doctest: +SKIP
>>> plan = advise(atlas, "pct_cluster_2011", 750_000, within="sha_2011")   # doctest: +SKIP
>>> plan.summary()                                                         # doctest: +SKIP
>>> write_scenario(plan, "advice.yaml")                                    # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from commissioning_atlas.io import formatting
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.advise.adjacency import Link, connect_areas, lsoa_adjacency, unit_adjacency
from commissioning_atlas.advise.maxp import OBJECTIVES, AreaProblem, AreaSolution, count_plans as count_area_plans, solve_exact, solve_heuristic

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas

__all__ = ["Instance", "Plan", "InfeasibleError", "build_instance", "solve", "advise", "population_vector",
           "write_scenario", "plan_frame", "DEFAULT_TOLERANCE", "DEFAULT_BASIS", "METHODS"]

#: Share of a unit's residents under which a part does not count (the checks' 2%).
DEFAULT_TOLERANCE = 0.02
#: The population basis every LSOA row carries today.
DEFAULT_BASIS = "census_2011"
BASIS_LABEL = {"census_2011": "Census 2011 usual residents"}
#: ``auto``: exact per area up to ``exact_max_nodes`` nodes (heuristic beyond, or if the exact
#: solver finds nothing in time); ``exact``; ``heuristic``.
METHODS = ("auto", "exact", "heuristic")
#: Largest area (nodes) the ``auto`` method gives to the exact solver.
EXACT_MAX_NODES = 120
#: Largest area (nodes) whose optimal plans are counted, and the cap of the count per area.
COUNT_MAX_NODES = 40
COUNT_CAP = 1000
#: Most seconds spent counting plans in one run (within the time limit).
COUNT_SECONDS = 10.0


class InfeasibleError(AtlasError):
    """No grouping meets the floor: a unit cannot reach it inside its area."""


# ------------------------------------------------------------------------------------------ inputs

def population_vector(atlas: "Atlas", basis: str | None = None, layer: str | None = None) -> tuple[np.ndarray, str]:
    """The population of every LSOA row on a basis, and the basis's label.

    Parameters
    ----------
    atlas : Atlas
    basis : str, optional
        A per-LSOA basis of :data:`commissioning_atlas.sources.population.BASES`; default: the ``layer``'s own
        (``--population`` if the atlas has one), else Census 2011.
    layer : str, optional
        The units being grouped.

    Returns
    -------
    numpy.ndarray of float, str
    """
    from commissioning_atlas.sources.population import get_basis

    basis = basis or (atlas.default_basis(layer) if layer else DEFAULT_BASIS)
    b = get_basis(basis)
    return atlas.population(b.id).astype(float), f"{b.title} ({b.id})"


def _pairs(atlas: "Atlas", layer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LSOA row, unit index) of every membership pair of a layer, and the sorted unit codes."""
    if layer not in atlas.layer_ids():
        atlas._check_id(layer)  # raises with suggestions
    memo = ("advise_pairs", layer)
    if memo not in atlas._memo:
        if layer in atlas.lsoa.columns:
            codes = atlas.lsoa[layer].astype(object).to_numpy()
            rows = np.flatnonzero(pd.notna(codes))
            codes = codes[rows].astype(str)
        else:
            mm = atlas.membership(layer)[["lsoa_code", "code"]].drop_duplicates()
            pos = pd.Index(atlas.lsoa["code"].to_numpy()).get_indexer(mm["lsoa_code"].to_numpy())
            rows, codes = pos[pos >= 0], mm["code"].astype(str).to_numpy()[pos >= 0]
        k, uniq = pd.factorize(codes, sort=True)
        atlas._memo[memo] = (rows.astype(np.int64), k.astype(np.int64), np.asarray(uniq, dtype=object))
    return atlas._memo[memo]


def _names(atlas: "Atlas", layer: str, codes: np.ndarray) -> np.ndarray:
    frame = atlas.layer(layer)
    look = dict(zip(frame["code"].astype(str), frame["name"].astype(str)))
    return np.array([look.get(str(c), str(c)) for c in codes], dtype=object)


def _cross(labels: np.ndarray, n_units: int, rows: np.ndarray, k: np.ndarray, n_other: int,
           weight: np.ndarray) -> sparse.csr_matrix:
    """Residents of each (unit, other unit) part: a sparse matrix summed over LSOAs."""
    u = labels[rows]
    ok = u >= 0
    return sparse.coo_matrix((weight[rows][ok], (u[ok], k[ok])), shape=(n_units, n_other)).tocsr()


def _majority(cross: sparse.csr_matrix, unit_pop: np.ndarray, share: float = 0.5) -> np.ndarray:
    """Column holding the most of each row (ties: lowest column); -1 where it holds at most ``share``."""
    dense = cross.toarray() if cross.shape[1] <= 5000 else None
    if dense is None:  # pragma: no cover - very wide layers
        best = np.asarray(cross.argmax(axis=1)).ravel()
        top = np.asarray(cross.max(axis=1).todense()).ravel()
    else:
        best = dense.argmax(axis=1)
        top = dense[np.arange(len(dense)), best] if len(dense) else np.zeros(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(unit_pop > 0, top / np.where(unit_pop > 0, unit_pop, 1), 0.0)
    return np.where(frac > share, best, -1)


def _read_plan_pairs(atlas: "Atlas", spec: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(LSOA rows, group index, group codes, group names, label) of a plan given as a layer id
    (boundary layer or footprint set) or a proposal file (members only, partners left out)."""
    if not isinstance(spec, Path) and str(spec) in atlas.layer_ids():
        rows, k, codes = _pairs(atlas, str(spec))
        return rows, k, codes, _names(atlas, str(spec), codes), str(spec)
    path = Path(spec)
    if not path.exists():
        raise AtlasError(f"{spec}: neither a layer id nor a proposal file (known layers: "
                         f"{', '.join(atlas.layer_ids())})")
    from commissioning_atlas.footprints import footprint_membership, read_proposals, unit_catalogue

    df = read_proposals(path)
    mm = footprint_membership(df, atlas.lsoa, unit_catalogue(atlas.lsoa, atlas.layers), include_partners=False,
                              path=path)
    pos = pd.Index(atlas.lsoa["code"].to_numpy()).get_indexer(mm["lsoa_code"].to_numpy())
    order = pd.Index(df["code"].str.strip().to_numpy())
    k = order.get_indexer(mm["code"].to_numpy())
    return (pos.astype(np.int64), k.astype(np.int64), order.to_numpy(dtype=object),
            df["name"].to_numpy(dtype=object), path.name)


@dataclass
class Instance:
    """A grouping problem built from atlas layers (everything indexed by unit, in sorted code order).

    Attributes
    ----------
    units : str
        Layer id of the units.
    codes, names : numpy.ndarray
        Unit codes and names.
    population : numpy.ndarray of int
        Residents per unit on ``basis``.
    basis : str
        Population basis label.
    floor : int
    within : str or None
        Layer id of the areas groups may not cross.
    area, area_codes, area_names : numpy.ndarray
        Each unit's area index (all 0 without ``within``), and the areas' codes and names.
    edges, edge_length_m : numpy.ndarray
        Unit adjacency (pairs ``a < b``) and shared boundary length.
    links : list of Link
        Joins added across water or land so that every area is connected.
    keep_whole : str or None
    tolerance : float
    together : numpy.ndarray, shape (m, 2)
        Unit pairs that must share a group (a keep-whole unit holds at least ``tolerance`` of its
        residents in each, in the same area).
    forced_splits : list of dict
        Keep-whole units whose parts lie in different ``within`` areas (``code``, ``name``, ``areas``).
    reference : str or None
    ref_codes, ref_names : numpy.ndarray
    ref_sets : list of numpy.ndarray
        Units holding at least ``tolerance`` of each reference unit's residents.
    fixed : numpy.ndarray of int
        Fixed group index of each unit (-1: free); ``fixed_codes``, ``fixed_names`` name the groups.
    fix_label : str or None
    target : numpy.ndarray of int
        Group of the closest-to plan holding each unit by majority (-1: none);
        ``target_codes``, ``target_names``, ``target_label``.
    lsoa_unit, lsoa_population : numpy.ndarray
        Unit index (-1: none) and population of each LSOA row.
    """

    units: str
    codes: np.ndarray
    names: np.ndarray
    population: np.ndarray
    basis: str
    floor: int
    within: str | None
    area: np.ndarray
    area_codes: np.ndarray
    area_names: np.ndarray
    edges: np.ndarray
    edge_length_m: np.ndarray
    links: list[Link] = field(default_factory=list)
    keep_whole: str | None = None
    tolerance: float = DEFAULT_TOLERANCE
    together: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    forced_splits: list[dict] = field(default_factory=list)
    reference: str | None = None
    ref_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    ref_names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    ref_sets: list = field(default_factory=list)
    fixed: np.ndarray | None = None
    fixed_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    fixed_names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    fix_label: str | None = None
    target: np.ndarray | None = None
    target_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    target_names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    target_label: str | None = None
    lsoa_unit: np.ndarray | None = field(default=None, repr=False)
    lsoa_population: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        n = len(self.codes)
        if self.fixed is None:
            self.fixed = np.full(n, -1, dtype=np.int64)
        if self.target is None:
            self.target = np.full(n, -1, dtype=np.int64)

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.codes)

    def index(self, code: str) -> int:
        """Position of a unit code (raises AtlasError with suggestions)."""
        hit = np.flatnonzero(self.codes == code)
        if not len(hit):
            from difflib import get_close_matches

            near = get_close_matches(str(code), [str(c) for c in self.codes], n=3, cutoff=0.5)
            raise AtlasError(f"unknown {self.units} unit {code!r}" + (f"; did you mean {', '.join(near)}?" if near else ""))
        return int(hit[0])


def build_instance(atlas: "Atlas", units: str, floor: float, *, within: str | None = None,
                   keep_whole: str | None = None, tolerance: float = DEFAULT_TOLERANCE,
                   fix: str | Path | None = None, reference: str | None = None,
                   closest_to: str | Path | None = None, population: np.ndarray | None = None,
                   basis: str | None = None) -> Instance:
    """Build a grouping problem from atlas layers.

    Parameters
    ----------
    atlas : Atlas
    units : str
        Layer id of the units to group (e.g. ``pct_cluster_2011``, ``ccg_2013``, ``icb_2022``).
    floor : float
        Least population of a group.
    within : str, optional
        Layer id of areas groups must stay inside (a unit belongs to the area holding most of its
        residents).
    keep_whole : str, optional
        Layer id of units that must not be split (at ``tolerance``, within each ``within`` area).
    tolerance : float
        Share of a keep-whole or reference unit's residents under which a part does not count.
    fix : str or Path, optional
        Plan whose groups are kept as they are: a layer id (e.g. a footprint set) or a proposal file.
    reference : str, optional
        Layer id whose crossings are counted and minimised (default: ``keep_whole``).
    closest_to : str or Path, optional
        Plan (layer id or file) whose groups the tie-break keeps as many of as possible.
    population : numpy.ndarray, optional
        Population of each LSOA row (default: the ``basis`` column, Census 2011).
    basis : str, optional
        Population basis name (label of ``population`` if given, else looked up by
        :func:`population_vector`).

    Returns
    -------
    Instance
    """
    if not np.isfinite(floor) or floor <= 0:
        raise AtlasError(f"the floor must be a positive number of people, got {floor!r}")
    if not 0 <= tolerance < 0.5:
        raise AtlasError(f"the tolerance must be a share between 0 and 0.5, got {tolerance}")
    if population is None:
        pop, label = population_vector(atlas, basis, units)
    else:
        pop = np.asarray(population, dtype=float)
        if pop.shape != (len(atlas.lsoa),):
            raise AtlasError(f"population has {pop.shape} values; expected one per LSOA ({len(atlas.lsoa)})")
        label = BASIS_LABEL.get(basis or "", basis or "given population")
    rows, k, codes = _pairs(atlas, units)
    srt = np.sort(rows)
    dup = np.flatnonzero(srt[1:] == srt[:-1])
    if len(dup):
        raise AtlasError(f"units of {units} overlap ({len(dup)} LSOAs in two units, e.g. "
                         f"{atlas.lsoa['code'].iat[int(srt[dup[0]])]}); units must partition their LSOAs")
    n = len(codes)
    labels = np.full(len(atlas.lsoa), -1, dtype=np.int64)
    labels[rows] = k
    unit_pop = np.bincount(k, weights=pop[rows], minlength=n)
    weight = pop + 1e-9  # an unpopulated LSOA still places its unit
    if within:
        wr, wk, wcodes = _pairs(atlas, within)
        area = _majority(_cross(labels, n, wr, wk, len(wcodes), weight), unit_pop + 1e-9 * np.bincount(k, minlength=n),
                         share=0.0)
        area_codes, area_names = wcodes, _names(atlas, within, wcodes)
        if (area < 0).any():
            bad = int(np.flatnonzero(area < 0)[0])
            raise AtlasError(f"{units} unit {codes[bad]} lies in no {within} area")
    else:
        area = np.zeros(n, dtype=np.int64)
        area_codes, area_names = np.array(["England"], dtype=object), np.array(["England"], dtype=object)
    memo = "advise_lsoa_adjacency"
    if memo not in atlas._memo:
        atlas._memo[memo] = lsoa_adjacency(atlas.lsoa.geometry.to_numpy())
    li, lj, ll = atlas._memo[memo]
    edges, length = unit_adjacency(li, lj, ll, labels, n)
    links = connect_areas(edges, area, labels, atlas.lsoa.geometry.to_numpy())
    inst = Instance(units=units, codes=codes, names=_names(atlas, units, codes),
                    population=np.round(unit_pop).astype(np.int64), basis=label, floor=int(np.ceil(floor)),
                    within=within, area=area, area_codes=area_codes, area_names=area_names, edges=edges,
                    edge_length_m=length, links=links, keep_whole=keep_whole, tolerance=float(tolerance),
                    lsoa_unit=labels, lsoa_population=pop)
    if keep_whole:
        kr, kk, kcodes = _pairs(atlas, keep_whole)
        cross = _cross(labels, n, kr, kk, len(kcodes), pop).tocsc()
        kpop = np.bincount(kk, weights=pop[kr], minlength=len(kcodes))
        knames = _names(atlas, keep_whole, kcodes)
        pairs = []
        for c in range(len(kcodes)):
            col = cross.getcol(c)
            us, vals = col.indices, col.data
            sig = us[(vals > 0) & (vals >= tolerance * kpop[c])]
            if len(sig) < 2:
                continue
            areas = np.unique(area[sig])
            if len(areas) > 1:
                inst.forced_splits.append({"code": str(kcodes[c]), "name": str(knames[c]),
                                           "areas": [str(area_codes[a]) for a in areas]})
            for a in areas:
                s = np.sort(sig[area[sig] == a])
                pairs += [(int(s[0]), int(t)) for t in s[1:]]
        inst.together = np.array(sorted(set(pairs)), dtype=np.int64).reshape(-1, 2)
    reference = reference or keep_whole
    if reference:
        rr, rk, rcodes = _pairs(atlas, reference)
        cross = _cross(labels, n, rr, rk, len(rcodes), pop).tocsc()
        rpop = np.bincount(rk, weights=pop[rr], minlength=len(rcodes))
        inst.reference, inst.ref_codes, inst.ref_names = reference, rcodes, _names(atlas, reference, rcodes)
        sets = []
        for c in range(len(rcodes)):
            col = cross.getcol(c)
            sets.append(np.sort(col.indices[(col.data > 0) & (col.data >= tolerance * rpop[c])]))
        inst.ref_sets = sets
    for spec, attr in ((fix, "fixed"), (closest_to, "target")):
        if spec is None:
            continue
        pr, pk, pcodes, pnames, plabel = _read_plan_pairs(atlas, spec)
        ok = pk >= 0
        grp = _majority(_cross(labels, n, pr[ok], pk[ok], len(pcodes), weight), unit_pop + 1e-9)
        if attr == "fixed":
            inst.fixed, inst.fixed_codes, inst.fixed_names, inst.fix_label = grp, pcodes, pnames, plabel
        else:
            inst.target, inst.target_codes, inst.target_names, inst.target_label = grp, pcodes, pnames, plabel
    return inst


# ------------------------------------------------------------------------------------------ solving

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
    rows, results = [], {}
    for idx_pos, i in enumerate(order):
        a, units, node, prob = problems[i]
        # share what is left fairly among the areas still to solve, the largest getting the rest
        left = max(deadline - time.perf_counter(), 0.05)
        share = left / (len(order) - idx_pos)
        sol: AreaSolution | None = None
        use = method if method != "auto" else ("exact" if prob.n <= exact_max_nodes else "heuristic")
        if use == "exact":
            sol = solve_exact(prob, objective, share, workers=workers)
            if sol is None and method == "auto":
                sol = solve_heuristic(prob, max(deadline - time.perf_counter(), 0.5))
                sol.note = "exact solver found no plan in time; " + sol.note
            elif sol is None:
                raise AtlasError(f"the exact solver found no plan for {inst.area_codes[a]} in {share:.1f} s; "
                                 "raise --time-limit or use --method heuristic")
        else:
            sol = solve_heuristic(prob, share)
        results[i] = sol
        label[units] = (i + 1) * 1_000_000 + sol.root[node]  # unique per area
    if count_plans:  # with the time left, smallest areas first
        todo = [i for i in order if results[i].optimal and problems[i][3].n <= COUNT_MAX_NODES]
        count_deadline = min(deadline, time.perf_counter() + COUNT_SECONDS)
        for k, i in enumerate(todo):
            left = count_deadline - time.perf_counter()
            if left <= 0.05:
                break
            sol = results[i]
            sol.plans, sol.plans_capped = count_area_plans(problems[i][3], sol, objective, left / (len(todo) - k),
                                                           COUNT_CAP)
    for i in order:
        a, units, node, prob = problems[i]
        sol = results[i]
        rows.append({"area": str(inst.area_codes[a]), "area_name": str(inst.area_names[a]), "units": len(units),
                     "nodes": prob.n, "population": int(prob.population.sum()), "groups": sol.groups,
                     "groups_bound": sol.groups_bound, "crossings": sol.crossings, "method": sol.method,
                     "optimal": sol.optimal, "seconds": round(sol.seconds, 3), "plans": sol.plans,
                     "plans_capped": sol.plans_capped, "note": sol.note})
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
        note = (f"{pop:,} people ({inst.basis}); {formatting.count(len(members), 'unit')} of {inst.units}"
                + (f"; in {inst.within} {area} ({inst.area_names[inst.area[by_size[0]]]})" if inst.within else ""))
        rows.append({"code": code, "name": name, "status": status, "members": " ".join(map(str, inst.codes[members])),
                     "source": "commissioning-atlas advise", "confidence": "", "note": note,
                     "population": pop, "area": str(area)})
    return pd.DataFrame(rows)


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


def write_scenario(plan: Plan, path: str | Path, command: str | None = None) -> Path:
    """Write the plan as a scenario (``.yaml``/``.yml`` or ``.csv``) in the proposal schema.

    Parameters
    ----------
    plan : Plan
    path : str or Path
    command : str, optional
        The command line that produced it, recorded in the description (YAML) for reproduction.

    Returns
    -------
    Path

    Notes
    -----
    The same plan always gives the same bytes (no timestamps; timings are left out).
    """
    import yaml

    from commissioning_atlas.io.export import atomic_write

    path = Path(path)
    df = plan_frame(plan)
    cols = ["code", "name", "status", "members", "source", "confidence", "note"]
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        doc = {"title": f"Advice: {plan.groups} groups of {plan.instance.units} at {plan.instance.floor:,}",
               "description": _describe(plan, command),
               "organisations": [{c: r[c] for c in cols} for r in df.to_dict("records")]}
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    elif suffix == ".csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in df.to_dict("records"):
            w.writerow([_csv_safe(str(r[c])) for c in cols])
        text = buf.getvalue()
    else:
        raise AtlasError(f"{path}: write the advice as .yaml, .yml or .csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


def _csv_safe(s: str) -> str:
    """A cell that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


def instance_summary(inst: Instance) -> dict[str, Any]:
    """Counts describing an instance (units, areas, keep-whole merges, links) for reports."""
    return {"units": inst.n, "areas": int(len(np.unique(inst.area))), "edges": int(len(inst.edges)),
            "links": len(inst.links), "together_pairs": int(len(inst.together)),
            "forced_splits": len(inst.forced_splits), "fixed_units": int((inst.fixed >= 0).sum())}
