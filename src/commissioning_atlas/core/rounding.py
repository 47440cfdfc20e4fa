"""Split integer totals into integer parts by weight, conserving every total exactly.

Used to put Census 2021 counts on 2011 LSOAs (:mod:`.population`) and to re-base a
user's counts from one layer to another (:mod:`.crosswalk`).
"""

from __future__ import annotations

from math import lcm

import numpy as np


def largest_remainder(groups: np.ndarray, weights: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Split each group's integer total over the group's parts in proportion to their weights.

    Each part first gets the floor of its exact quota ``total * weight / sum(weights)``; the
    units still missing from the group's total go, one each, to the parts with the largest
    remainders (ties: the earlier part). Arithmetic is exact (integers only), so every group's
    parts sum to its total and the grand total is conserved, on every platform.

    Parameters
    ----------
    groups : numpy.ndarray of int
        Group index of each part, ``0 <= groups < len(totals)``.
    weights : numpy.ndarray of int
        Non-negative integer weight of each part. A group whose weights sum to 0 is split
        evenly (as if every weight were 1).
    totals : numpy.ndarray of int
        Integer total of each group (may be negative: the split is then of the same sign).

    Returns
    -------
    numpy.ndarray of int64
        One integer per part; ``np.bincount(groups, result) == totals``.

    Raises
    ------
    ValueError
        If a weight is negative, or a group with a non-zero total has no part.
    """
    groups = np.asarray(groups, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    if groups.shape != weights.shape:
        raise ValueError("groups and weights differ in length")
    if len(weights) and weights.min() < 0:
        raise ValueError("weights must be non-negative")
    n = len(totals)
    parts_per_group = np.bincount(groups, minlength=n)
    if np.any((parts_per_group == 0) & (totals != 0)):
        raise ValueError(f"group {int(np.flatnonzero((parts_per_group == 0) & (totals != 0))[0])} "
                         "has a total but no part")
    wsum = np.bincount(groups, weights=weights, minlength=n).astype(np.int64)
    empty = wsum[groups] == 0  # no weight anywhere in the group: split evenly
    weights = np.where(empty, 1, weights)
    wsum = np.bincount(groups, weights=weights, minlength=n).astype(np.int64)
    # quota numerators must stay inside int64; Python ints keep the check itself exact
    if len(totals) and len(weights) and int(np.abs(totals).max()) * int(weights.max()) >= 2**62:
        raise ValueError("totals times weights overflow 64-bit integers")
    num = totals[groups] * weights
    den = wsum[groups]
    base = num // den  # floor, also for negative totals
    rem = num - base * den  # 0 <= rem < den
    short = totals - np.bincount(groups, weights=base, minlength=n).astype(np.int64)
    # rank parts within each group by remainder, largest first; ties keep input order.
    # Remainders of one group share a denominator, so comparing them as integers is exact.
    order = np.lexsort((np.arange(len(groups)), -rem, groups))
    starts = np.concatenate(([0], np.cumsum(parts_per_group)[:-1]))
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups)) - starts[groups[order]]
    return base + (rank < short[groups]).astype(np.int64)


def common_weights(numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
    """Integer weights proportional to ``numerators / denominators`` (exact, no floats).

    Parameters
    ----------
    numerators, denominators : numpy.ndarray of int
        Positive denominators, e.g. an LSOA's population and the number of pieces it is shared by.

    Returns
    -------
    numpy.ndarray of int64
        ``numerators * (L // denominators)`` with ``L`` the least common multiple of the denominators.
    """
    numerators = np.asarray(numerators, dtype=np.int64)
    denominators = np.asarray(denominators, dtype=np.int64)
    if not len(denominators):
        return numerators.copy()
    m = lcm(*(int(d) for d in np.unique(denominators)))
    return numerators * (m // denominators)
