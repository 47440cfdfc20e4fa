"""The advice problem: units, their people, adjacency, areas they must stay within, fixed and whole groups."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.advise.adjacency import Link, base_adjacency, connect_areas, unit_adjacency

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas


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
    """(LSOA row, unit index) of every membership pair of a layer, and the sorted unit codes
    (:meth:`Atlas.membership_index`)."""
    m = atlas.membership_index(layer)  # an unknown layer raises with suggestions
    return m.rows, m.units, m.codes


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


def _read_plan_pairs(atlas: "Atlas", spec: str | Path, inputs: list[str] | None = None,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(LSOA rows, group index, group codes, group names, label) of a plan given as a layer id
    (boundary layer or footprint set) or a proposal file (members only, partners left out); the files
    read (a proposal file and the ``base`` files it names) are appended to ``inputs``."""
    if not isinstance(spec, Path) and str(spec) in atlas.layer_ids():
        rows, k, codes = _pairs(atlas, str(spec))
        return rows, k, codes, _names(atlas, str(spec), codes), str(spec)
    path = Path(spec)
    if not path.exists():
        raise AtlasError(f"{spec}: neither a layer id nor a proposal file (known layers: "
                         f"{', '.join(atlas.layer_ids())})")
    from commissioning_atlas.footprints import atlas_units, footprint_membership, member_layers, read_proposals

    df = read_proposals(path)
    if inputs is not None:
        inputs += [p for p in df.attrs.get("inputs", [str(path)]) if p not in inputs]
    lsoa, units = atlas_units(atlas, member_layers())
    mm = footprint_membership(df, lsoa, units, include_partners=False, path=path)
    pos = atlas.lsoa_rows(mm["lsoa_code"].to_numpy(), path.name)
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
    outside : list of dict
        Units that do not nest in the ``within`` layer: each is placed in the area holding most of its
        people, and ``people`` of them lie in other areas (``code``, ``name``, ``area``, ``people``), largest first.
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
    inputs : list of str
        The files read for ``fix`` and ``closest_to`` (and the ``base`` files they name): no output replaces them.
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
    outside: list[dict] = field(default_factory=list)
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
    inputs: list[str] = field(default_factory=list)
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


def _areas(atlas: "Atlas", units: str, codes: np.ndarray, within: str | None, labels: np.ndarray, k: np.ndarray,
           pop: np.ndarray, unit_pop: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
    """The ``within`` area of each unit (the one holding most of its residents; England without ``within``), the
    areas' codes and names, and the units that spill out of their area (largest first)."""
    n = len(codes)
    if not within:
        england = np.array(["England"], dtype=object)
        return np.zeros(n, dtype=np.int64), england, england.copy(), []
    weight = pop + 1e-9  # an unpopulated LSOA still places its unit
    wr, wk, wcodes = _pairs(atlas, within)
    area = _majority(_cross(labels, n, wr, wk, len(wcodes), weight), unit_pop + 1e-9 * np.bincount(k, minlength=n),
                     share=0.0)
    if (area < 0).any():
        bad = int(np.flatnonzero(area < 0)[0])
        raise AtlasError(f"{units} unit {codes[bad]} lies in no {within} area")
    # people of each unit outside the area it is placed in: the units may not nest in the within layer
    held = np.asarray(_cross(labels, n, wr, wk, len(wcodes), pop)[np.arange(n), area]).ravel()
    spill = np.rint(unit_pop - held).astype(np.int64)
    outside = [{"code": str(codes[u]), "name": "", "area": str(wcodes[area[u]]), "people": int(spill[u])}
               for u in np.argsort(-spill, kind="stable") if spill[u] > 0]
    return area, wcodes, _names(atlas, within, wcodes), outside


def _keep_whole(atlas: "Atlas", inst: "Instance", keep_whole: str, pop: np.ndarray) -> None:
    """The pairs of units a keep-whole unit's parts tie together (within each area), and the units split by
    the area lines themselves (``inst.together``, ``inst.forced_splits``)."""
    labels, n, area, tolerance = inst.lsoa_unit, inst.n, inst.area, inst.tolerance
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
                                       "areas": [str(inst.area_codes[a]) for a in areas]})
        for a in areas:
            s = np.sort(sig[area[sig] == a])
            pairs += [(int(s[0]), int(t)) for t in s[1:]]
    inst.together = np.array(sorted(set(pairs)), dtype=np.int64).reshape(-1, 2)


def _reference(atlas: "Atlas", inst: "Instance", reference: str, pop: np.ndarray) -> None:
    """The units holding at least ``tolerance`` of each reference unit's residents (``inst.ref_sets``)."""
    rr, rk, rcodes = _pairs(atlas, reference)
    cross = _cross(inst.lsoa_unit, inst.n, rr, rk, len(rcodes), pop).tocsc()
    rpop = np.bincount(rk, weights=pop[rr], minlength=len(rcodes))
    inst.reference, inst.ref_codes, inst.ref_names = reference, rcodes, _names(atlas, reference, rcodes)
    sets = []
    for c in range(len(rcodes)):
        col = cross.getcol(c)
        sets.append(np.sort(col.indices[(col.data > 0) & (col.data >= inst.tolerance * rpop[c])]))
    inst.ref_sets = sets


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
    area, area_codes, area_names, outside = _areas(atlas, units, codes, within, labels, k, pop, unit_pop)
    li, lj, ll = base_adjacency(atlas)
    edges, length = unit_adjacency(li, lj, ll, labels, n)
    links = connect_areas(edges, area, labels, atlas.lsoa.geometry.to_numpy())
    inst = Instance(units=units, codes=codes, names=_names(atlas, units, codes),
                    population=np.round(unit_pop).astype(np.int64), basis=label, floor=int(np.ceil(floor)),
                    within=within, area=area, area_codes=area_codes, area_names=area_names, edges=edges,
                    edge_length_m=length, links=links, keep_whole=keep_whole, tolerance=float(tolerance),
                    lsoa_unit=labels, lsoa_population=pop, outside=outside)
    names = dict(zip(map(str, inst.codes), map(str, inst.names)))
    for o in inst.outside:
        o["name"] = names.get(o["code"], "")
    if keep_whole:
        _keep_whole(atlas, inst, keep_whole, pop)
    reference = reference or keep_whole
    if reference:
        _reference(atlas, inst, reference, pop)
    for spec, attr in ((fix, "fixed"), (closest_to, "target")):
        if spec is None:
            continue
        pr, pk, pcodes, pnames, plabel = _read_plan_pairs(atlas, spec, inst.inputs)
        ok = pk >= 0
        grp = _majority(_cross(labels, n, pr[ok], pk[ok], len(pcodes), weight), unit_pop + 1e-9)
        if attr == "fixed":
            inst.fixed, inst.fixed_codes, inst.fixed_names, inst.fix_label = grp, pcodes, pnames, plabel
        else:
            inst.target, inst.target_codes, inst.target_names, inst.target_label = grp, pcodes, pnames, plabel
    return inst


# ------------------------------------------------------------------------------------------ solving
