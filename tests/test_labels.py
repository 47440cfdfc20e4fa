"""Label points (maps/labels.py): the circles memo gives what a fresh search gives."""

from __future__ import annotations

import numpy as np
import shapely

from commissioning_atlas.maps.labels import label_points


def test_label_points_memo_gives_the_same_points():
    disc = shapely.Point(530_000, 180_000).buffer(5_000)
    pair = shapely.MultiPolygon([shapely.box(400_000, 300_000, 420_000, 310_000),
                                 shapely.box(430_000, 300_000, 431_000, 301_000)])
    lens = shapely.intersection(disc, shapely.Point(536_000, 180_000).buffer(5_000))
    geoms = np.array([disc, None, pair, shapely.Polygon(), lens, disc], dtype=object)
    plain = label_points(geoms)
    memo: dict = {}
    assert label_points(geoms, memo) == plain
    assert len(memo) == 3  # one circle per distinct largest part (the disc twice, the empty ones none)
    # found again from the memo alone: what is stored is what is used
    memo_only = {k: v for k, v in memo.items()}
    assert label_points(geoms[[4, 0]], memo_only) == ([plain[0][4], plain[0][0]], [plain[1][4], plain[1][0]])
    assert memo_only == memo
    # and a stored circle is what the points are read from (a wrong one shows)
    key = next(iter(memo))
    memo[key] = (memo[key][0] + 5_000.0, memo[key][1], memo[key][2] * 2)
    assert label_points(geoms[:1], memo) != (plain[0][:1], plain[1][:1])
