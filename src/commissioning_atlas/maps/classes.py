"""Choropleth classes of a numeric column (Fisher-Jenks, mapclassify's bounds bit for bit: exact and
deterministic)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np


def jenks_means(values: np.ndarray, classes: int) -> np.ndarray:
    """mapclassify's ``_fisher_jenks_means`` (Jenks's natural breaks of sorted values, computed in float32
    as it does), each row of its tables in a few numpy calls instead of a Python loop over every pair of
    values (mapclassify runs that loop in pure Python without numba): the same bounds, bit for bit.

    Parameters
    ----------
    values : numpy.ndarray of float64
        Sorted.
    classes : int
        Number of classes (at least 1, at most the number of values).

    Returns
    -------
    numpy.ndarray of float64
        Each class's upper bound, a value of ``values``.
    """
    n = len(values)
    mat1 = np.zeros((n + 1, classes + 1), dtype=np.int32)
    mat2 = np.zeros((n + 1, classes + 1), dtype=np.float32)
    mat1[1, 1:] = 1
    mat2[2:, 1:] = np.inf
    vals = values.astype(np.float32)
    for last in range(2, n + 1):
        # the variance of values[i3 - 1:last] for i3 = last, last - 1, ..., 1, summed in that order
        val = vals[last - 1::-1]
        s1 = np.cumsum(val, dtype=np.float32)
        s2 = np.cumsum(val * val, dtype=np.float32)
        v = s2 - (s1 * s1) / np.arange(1, last + 1, dtype=np.float32)
        if classes > 1:
            # the best split for each class count; mapclassify's ">=" keeps the last of equals (smallest i3)
            cand = v[:last - 1, None] + mat2[last - 1:0:-1, 1:classes]
            best = cand.min(axis=0)
            at = (last - 2) - np.argmax((cand == best)[::-1], axis=0)
            mat1[last, 2:] = last - at
            mat2[last, 2:] = best
        mat1[last, 1] = 1
        mat2[last, 1] = v[-1]
    k = n
    kclass = np.zeros(classes + 1, dtype=values.dtype)
    kclass[classes] = values[n - 1]
    kclass[0] = values[0]
    for count_num in range(classes, 1, -1):
        pivot = mat1[k, count_num]
        kclass[count_num - 1] = values[int(pivot - 2)]
        k = int(pivot - 1)
    return np.delete(kclass, 0)


@lru_cache(maxsize=512)
def _fisher_jenks(values: bytes, k: int) -> tuple[float, ...]:
    """Fisher-Jenks class bounds of float64 values (given as bytes): exact, so the same column gives the same
    bounds, and is classed once however many pages show it (``map`` writes 30 pages of the same layers).
    mapclassify's ``FisherJenks(values, k).bins``, by :func:`jenks_means`."""
    return tuple(float(b) for b in jenks_means(np.sort(np.frombuffer(values, dtype=float)).astype("f8"), k))


def classify(values: Sequence[float] | np.ndarray, fmt: Callable[[float], str], k: int = 5) -> dict | None:
    """Class a column for a choropleth: each feature's class and each class's label.

    Parameters
    ----------
    values : sequence of float
        One value per feature; NaN for a feature without one (drawn unfilled, class -1).
    fmt : callable
        Writes a class bound (:func:`commissioning_atlas.io.formatting.people` or ``share``).
    k : int
        Largest number of classes (fewer when there are fewer distinct values).

    Returns
    -------
    dict or None
        ``k`` (class per feature, -1 for none) and ``labels`` (``"70,729 to 250,000"``, light to dark);
        None when no feature has a value.

    Examples
    --------
    >>> from commissioning_atlas.io.formatting import people
    >>> classify([1, 2, 3, 10, 11, 12], people, k=2)
    {'k': [0, 0, 0, 1, 1, 1], 'labels': ['1 to 3', '10 to 12']}
    """
    v = np.asarray(values, dtype=float)
    ok = ~np.isnan(v)
    if not ok.any():
        return None
    distinct = np.unique(v[ok])
    n = int(min(k, len(distinct)))
    if n < 2:
        bins = distinct[-1:]
    else:
        bins = np.asarray(_fisher_jenks(np.ascontiguousarray(v[ok]).tobytes(), n), dtype=float)
    cls = np.full(len(v), -1, dtype=int)
    cls[ok] = np.searchsorted(bins, v[ok], side="left")
    lows = [float(v[ok].min())] + [float(v[ok][v[ok] > b].min()) for b in bins[:-1]]
    labels = [fmt(lo) if lo == hi else f"{fmt(lo)} to {fmt(hi)}" for lo, hi in zip(lows, bins)]
    return {"k": cls.tolist(), "labels": labels}


def classify_at(values: Sequence[float] | np.ndarray, fmt: Callable[[float], str], limits: Sequence[float],
                k: int = 4) -> dict | None:
    """Class a column so that no class straddles a threshold: a size check's classes break at its limits.

    With one limit each side is split once more by Fisher-Jenks (four classes); with several, each
    interval between limits is one class. A value equal to a minimum is at or above it (not flagged).

    Examples
    --------
    >>> from commissioning_atlas.io.formatting import people
    >>> classify_at([5, 8, 9, 10, 12, 20], people, [10])["labels"]
    ['5', '8 to 9', '10 to 12', '20']
    """
    v = np.asarray(values, dtype=float)
    ok = ~np.isnan(v)
    if not ok.any() or not len(limits):
        return classify(v, fmt)
    lim = np.asarray(sorted(limits), dtype=float)
    seg = np.searchsorted(lim, v, side="right")
    cls = np.full(len(v), -1, dtype=int)
    labels: list[str] = []
    for s in range(len(lim) + 1):
        sel = ok & (seg == s)
        if not sel.any():
            continue
        inner = classify(v[sel], fmt, k=2 if len(lim) == 1 else 1) or {"k": [0] * int(sel.sum()), "labels": [""]}
        cls[sel] = len(labels) + np.asarray(inner["k"], dtype=int)
        labels += inner["labels"]
    return {"k": cls.tolist(), "labels": labels}
