"""A layer's membership as integer arrays, and the crosstab of two memberships.

Every layer is a set of LSOAs: its membership is the list of (LSOA row, unit) pairs, held here as two
int64 arrays (``rows`` into the atlas' LSOA table, ``units`` into the sorted unit ``codes``). A boundary
layer has one pair per LSOA; a footprint set may hold an LSOA in several units, or in none. Every figure
of a part (subject unit x reference unit) is a sum of LSOA weights over the pairs of the two memberships
joined on the LSOA: one ``bincount`` per weight. The :class:`~commissioning_atlas.atlas.Atlas` builds and
caches one :class:`Membership` per layer (:meth:`Atlas.membership_index`); checks, crosswalk, advise and
maps all read it from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from commissioning_atlas._errors import DataError

__all__ = ["Membership", "Join", "Crosstab", "from_column", "from_pairs", "join", "crosstab", "lsoa_rows"]


def lsoa_rows(lsoa_index: pd.Index, codes, layer: str) -> np.ndarray:
    """Rows of ``lsoa_index`` (the atlas' LSOA codes) holding ``codes``.

    Raises
    ------
    DataError
        ``layer LAYER: LSOA CODE is not an atlas LSOA (N in all)``: the one message for an unknown
        LSOA, whichever question met it.
    """
    codes = np.asarray(codes, dtype=object)
    rows = lsoa_index.get_indexer(codes)
    bad = rows < 0
    if bad.any():
        raise DataError(f"layer {layer}: LSOA {str(codes[bad][0])[:40]!r} is not an atlas LSOA "
                        f"({int(bad.sum()):,} in all)")
    return rows.astype(np.int64)


def _is_blank(codes: np.ndarray) -> np.ndarray:
    """No unit: a missing or empty code."""
    return pd.isna(codes) | (codes == "")


@dataclass(frozen=True, eq=False)
class Membership:
    """Which LSOAs make each unit of a layer, as integer arrays.

    Attributes
    ----------
    layer : str
        The layer id (for messages).
    rows : numpy.ndarray of int64
        LSOA row (in the atlas' LSOA table) of every (LSOA, unit) pair.
    units : numpy.ndarray of int64
        Index into :attr:`codes` of every pair.
    codes : numpy.ndarray of str (object)
        The layer's unit codes holding at least one LSOA, sorted.
    n_lsoas : int
        Rows of the LSOA table (England: 32,844).
    """

    layer: str
    rows: np.ndarray
    units: np.ndarray
    codes: np.ndarray
    n_lsoas: int

    def __len__(self) -> int:
        return len(self.rows)

    @cached_property
    def per_lsoa(self) -> np.ndarray:
        """How many units hold each LSOA (0 where none does)."""
        return np.bincount(self.rows, minlength=self.n_lsoas)

    @cached_property
    def is_partition(self) -> bool:
        """Every LSOA in exactly one unit (every boundary layer; some footprint sets)."""
        return len(self.rows) == self.n_lsoas and bool(np.all(self.per_lsoa == 1))

    @cached_property
    def unit_of(self) -> np.ndarray:
        """Unit index of every LSOA (-1 where none); only for a partition."""
        if not self.is_partition:
            raise ValueError(f"layer {self.layer}: an LSOA is in several units or in none")
        out = np.empty(self.n_lsoas, dtype=np.int64)
        out[self.rows] = self.units
        return out

    @cached_property
    def code_of_pair(self) -> np.ndarray:
        """The unit code of every pair (object array)."""
        return self.codes[self.units]

    @cached_property
    def code_index(self) -> pd.Index:
        """:attr:`codes` as an index (code -> unit index)."""
        return pd.Index(self.codes)

    def index_of(self, codes) -> np.ndarray:
        """Index into :attr:`codes` of each of ``codes`` (-1 where the layer has no such unit)."""
        return self.code_index.get_indexer(np.asarray(codes, dtype=object).astype(str)).astype(np.int64)

    def sums(self, weights: np.ndarray) -> np.ndarray:
        """Sum of an LSOA weight (area, residents) over each unit, float, aligned with :attr:`codes`."""
        return np.bincount(self.units, weights=np.asarray(weights, dtype=float)[self.rows], minlength=len(self.codes))

    def crosstab(self, other: "Membership", weights: Mapping[str, np.ndarray]) -> "Crosstab":
        """Sums of ``weights`` per (unit of this layer, unit of ``other``) part; see :func:`crosstab`."""
        return crosstab(join(self, other), weights)


def _build(layer: str, rows: np.ndarray, codes: np.ndarray, n_lsoas: int) -> Membership:
    keep = ~_is_blank(codes)
    rows, codes = rows[keep], codes[keep]
    units, uniq = pd.factorize(pd.Series(codes, dtype=object).astype(str).to_numpy(), sort=True)
    return Membership(layer=layer, rows=rows.astype(np.int64), units=units.astype(np.int64),
                      codes=np.asarray(uniq, dtype=object), n_lsoas=int(n_lsoas))


def from_column(layer: str, column) -> Membership:
    """The membership of a layer given as the unit code of every LSOA (blank: in no unit)."""
    column = np.asarray(column, dtype=object)
    return _build(layer, np.arange(len(column), dtype=np.int64), column, len(column))


def from_index(layer: str, index, codes) -> Membership | None:
    """The membership of a built layer: the row of its (code-sorted) frame holding every LSOA, and the
    frame's codes. None unless every code is distinct, sorted as text and holds an LSOA (then the result
    is :func:`from_column`'s, without sorting 32,844 strings again)."""
    index = np.asarray(index, dtype=np.int64)
    codes = np.asarray(codes, dtype=object)
    if not len(codes) or index.min(initial=0) < 0 or index.max(initial=0) >= len(codes):
        return None
    if pd.isna(codes).any() or not all(isinstance(c, str) for c in codes):
        return None
    if not (codes[:-1] < codes[1:]).all() or not np.bincount(index, minlength=len(codes)).all() \
            or (codes == "").any():
        return None
    return Membership(layer=layer, rows=np.arange(len(index), dtype=np.int64), units=index, codes=codes,
                      n_lsoas=len(index))


def from_pairs(layer: str, lsoa_index: pd.Index, lsoa_codes, unit_codes) -> Membership:
    """The membership of a layer given as (LSOA code, unit code) pairs, in their order (duplicates dropped).

    Raises
    ------
    DataError
        An LSOA code that is not in ``lsoa_index`` (see :func:`lsoa_rows`).
    """
    pairs = pd.DataFrame({"l": np.asarray(lsoa_codes, dtype=object), "u": np.asarray(unit_codes, dtype=object)})
    pairs = pairs.drop_duplicates()
    unit = pairs["u"].to_numpy(dtype=object)
    keep = ~_is_blank(unit)
    rows = lsoa_rows(lsoa_index, pairs["l"].to_numpy(dtype=object)[keep], layer)
    return _build(layer, rows, unit[keep], len(lsoa_index))


@dataclass(frozen=True, eq=False)
class Join:
    """Two memberships joined on the LSOA: one triple per (LSOA, subject unit, reference unit).

    Attributes
    ----------
    subject, against : Membership
    rows, ks, ka : numpy.ndarray of int64
        LSOA row, subject unit index and reference unit index (-1: the LSOA is in no reference unit),
        in the subject's pair order, then the reference's.
    """

    subject: Membership
    against: Membership
    rows: np.ndarray
    ks: np.ndarray
    ka: np.ndarray

    @property
    def width(self) -> int:
        """Pair keys per subject unit: every reference unit and "outside"."""
        return len(self.against.codes) + 1

    @cached_property
    def pair(self) -> np.ndarray:
        """One integer per (subject unit, reference unit); "outside" (``ka`` = -1) sorts first."""
        return pair_key(self.ks, self.ka, len(self.against.codes))


def pair_key(ks: np.ndarray, ka: np.ndarray, n_against: int) -> np.ndarray:
    """The key of :attr:`Join.pair` for given subject and reference indices."""
    return np.asarray(ks, dtype=np.int64) * (n_against + 1) + np.asarray(ka, dtype=np.int64) + 1


def join(subject: Membership, against: Membership) -> Join:
    """Every subject pair with each reference unit holding its LSOA (or -1 where none does).

    The order is the subject's pairs, each followed by the reference units of its LSOA in the reference's
    pair order (a left join), so sums over it are the same float for float whichever way it is made.
    """
    if subject.n_lsoas != against.n_lsoas:
        raise ValueError(f"layers {subject.layer} and {against.layer} are memberships of different LSOA tables")
    if against.is_partition:  # one reference unit per LSOA (every boundary layer): a lookup
        return Join(subject, against, subject.rows, subject.units, against.unit_of[subject.rows])
    order = np.argsort(against.rows, kind="stable")  # the reference's pairs by LSOA, in their own order
    count = against.per_lsoa
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    c = count[subject.rows]
    reps = np.maximum(c, 1)
    src = np.repeat(np.arange(len(subject.rows)), reps)
    # position of each output row within its subject pair's group: 0, 1, ... reps-1
    offset = np.arange(len(src)) - np.repeat(np.cumsum(reps) - reps, reps)
    inside = np.repeat(c > 0, reps)
    ka = np.full(len(src), -1, dtype=np.int64)
    ka[inside] = against.units[order[start[subject.rows[src[inside]]] + offset[inside]]]
    return Join(subject, against, subject.rows[src], subject.units[src], ka)


@dataclass(frozen=True, eq=False)
class Crosstab:
    """Sums over LSOAs per part (subject unit x reference unit) of a :class:`Join`.

    Attributes
    ----------
    ks, ka : numpy.ndarray of int64
        Subject and reference unit index of every part holding an LSOA (``ka`` = -1: outside every
        reference unit), sorted by subject, then outside, then reference.
    lsoas : numpy.ndarray of int64
        LSOAs in each part.
    sums : dict of str to numpy.ndarray of float
        Each weight summed over each part.
    """

    ks: np.ndarray
    ka: np.ndarray
    lsoas: np.ndarray
    sums: dict[str, np.ndarray]


def crosstab(j: Join, weights: Mapping[str, np.ndarray]) -> Crosstab:
    """Sum each LSOA weight (area, residents on a basis) over every part of a join: one bincount each."""
    size = len(j.subject.codes) * j.width
    count = np.bincount(j.pair, minlength=size)
    pair = np.flatnonzero(count)
    sums = {name: np.bincount(j.pair, weights=np.asarray(w, dtype=float)[j.rows], minlength=size)[pair]
            for name, w in weights.items()}
    return Crosstab(ks=pair // j.width, ka=pair % j.width - 1, lsoas=count[pair], sums=sums)
