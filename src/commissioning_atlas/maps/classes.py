"""Choropleth classes of a numeric column (mapclassify's Fisher-Jenks: exact and deterministic)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

with warnings.catch_warnings():  # 'Numba not installed': the pure-Python Fisher-Jenks is fast enough here
    warnings.simplefilter("ignore")
    import mapclassify


@lru_cache(maxsize=512)
def _fisher_jenks(values: bytes, k: int) -> tuple[float, ...]:
    """Fisher-Jenks class bounds of float64 values (given as bytes): exact, so the same column gives the same
    bounds, and is classed once however many pages show it (``map`` writes 30 pages of the same layers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(float(b) for b in mapclassify.FisherJenks(np.frombuffer(values, dtype=float).copy(), k=k).bins)


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
