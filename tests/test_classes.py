"""Choropleth classes (maps/classes.py): the vectorised Fisher-Jenks against mapclassify's own loop."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from commissioning_atlas.io.formatting import people
from commissioning_atlas.maps.classes import classify, jenks_means

with warnings.catch_warnings():  # 'Numba not installed': its pure-Python loop is the reference here
    warnings.simplefilter("ignore")
    from mapclassify.classifiers import _fisher_jenks_means


def _columns():
    rng = np.random.default_rng(5)
    for n in (2, 3, 7, 30, 120):
        yield rng.lognormal(11, 1.2, n)  # residents of bodies
        yield rng.integers(0, 4, n).astype(float) * 1000  # few distinct values: ties everywhere
        yield rng.uniform(0, 1, n)  # shares
    yield np.array([5.0, 5.0, 5.0, 9.0, 9.0, 100.0])
    yield np.r_[np.full(20, 1e6), np.full(3, 2.5e5), [3e7]]


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_jenks_means_is_mapclassify(classes):
    tried = 0
    for values in _columns():
        x = np.sort(values).astype("f8")
        if len(x) < classes:
            continue
        tried += 1
        assert np.array_equal(jenks_means(x, classes), _fisher_jenks_means(x, classes=classes))
    assert tried > 10


def test_classify_bounds_are_values_and_order_free():
    values = np.random.default_rng(6).lognormal(11, 1, 80)
    c = classify(values, people)
    shuffled = classify(values[::-1], people)
    assert c["labels"] == shuffled["labels"] and c["k"] == shuffled["k"][::-1]
    assert sorted(set(c["k"])) == list(range(5))
