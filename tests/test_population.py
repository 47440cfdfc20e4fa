"""Population bases: exact apportioning (synthetic), readers' errors, and every basis on the real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from commissioning_atlas import AtlasError, DataError
from commissioning_atlas.sources import population as P
from commissioning_atlas.core.rounding import common_weights, largest_remainder

# --------------------------------------------------------------------------- largest remainder


def test_largest_remainder_conserves_each_total_and_follows_weights():
    groups = np.array([0, 0, 0, 1, 1, 2])
    weights = np.array([1, 1, 1, 3, 1, 7])
    totals = np.array([10, 7, 5])
    got = largest_remainder(groups, weights, totals)
    # 10 in thirds: 3.33 each -> floors 3,3,3 and the one left goes to the first (tie, input order)
    assert got.tolist() == [4, 3, 3, 5, 2, 5]
    assert np.bincount(groups, got).tolist() == totals.tolist()


def test_largest_remainder_random_is_exact_and_within_one_of_quota():
    rng = np.random.default_rng(7)
    groups = np.sort(rng.integers(0, 300, 2000))
    groups = np.unique(groups, return_inverse=True)[1]
    n = groups.max() + 1
    weights = rng.integers(0, 5000, len(groups))
    totals = rng.integers(-50, 10_000, n)
    got = largest_remainder(groups, weights, totals)
    assert np.array_equal(np.bincount(groups, got, minlength=n).astype(np.int64), totals)
    wsum = np.bincount(groups, weights, minlength=n)
    w = np.where(wsum[groups] == 0, 1, weights)
    wsum = np.bincount(groups, w, minlength=n)
    quota = totals[groups] * w / wsum[groups]
    assert np.all(np.abs(got - quota) < 1)
    # deterministic: same inputs, same parts
    assert np.array_equal(got, largest_remainder(groups, weights, totals))


def test_largest_remainder_zero_weights_split_evenly_and_bad_input():
    assert largest_remainder(np.array([0, 0, 0]), np.array([0, 0, 0]), np.array([5])).tolist() == [2, 2, 1]
    with pytest.raises(ValueError):
        largest_remainder(np.array([0]), np.array([-1]), np.array([5]))
    with pytest.raises(ValueError):  # group 1 has a total but no part: its people would vanish
        largest_remainder(np.array([0]), np.array([1]), np.array([5, 3]))


def test_common_weights_are_exact_fractions():
    assert common_weights(np.array([10, 9, 4]), np.array([1, 3, 2])).tolist() == [60, 18, 12]


# --------------------------------------------------------------------------- LSOA21 -> LSOA11

def _toy():
    """Five LSOA11: A unchanged; B split into b1, b2; C and D merged into cd; E and F complex."""
    pairs = pd.DataFrame([
        ("A", "a", "U"),
        ("B", "b1", "S"), ("B", "b2", "S"),
        ("C", "cd", "M"), ("D", "cd", "M"),
        ("E", "e1", "X"), ("E", "ef", "X"), ("F", "ef", "X"),
    ], columns=["lsoa11_code", "lsoa21_code", "change_code"])
    pop21 = pd.Series({"a": 100, "b1": 40, "b2": 61, "cd": 101, "e1": 30, "ef": 90})
    codes = np.array(["A", "B", "C", "D", "E", "F"], dtype=object)
    weights = np.array([1, 1, 300, 100, 60, 30])  # mid-2020 of each LSOA11
    return pairs, pop21, weights, codes


def test_splits_sum_exactly_and_merges_follow_mid_2020_shares():
    pairs, pop21, weights, codes = _toy()
    values, report = P.lsoa21_to_lsoa11(pairs, pop21, weights, codes)
    # cd (101) over C:D = 300:100 -> 75.75 / 25.25 -> 75 + 1 (largest remainder) / 25
    # ef (90): E feeds two LSOA21 so weighs 60/2 = 30 against F's 30 -> 45 / 45
    assert values.tolist() == [100, 101, 76, 25, 30 + 45, 45]
    assert values.sum() == pop21.sum()
    assert report["people_apportioned"] == 101 + 90
    assert report["lsoa21_apportioned"] == 2
    assert report["lsoa11_receiving_apportioned"] == 4
    assert report["rows_by_change"] == {"U": 1, "S": 2, "M": 2, "X": 3}
    assert report["people_by_change"]["S"] == 101


def test_apportioning_is_deterministic_and_order_free():
    pairs, pop21, weights, codes = _toy()
    first = P.lsoa21_to_lsoa11(pairs, pop21, weights, codes)[0]
    assert np.array_equal(first, P.lsoa21_to_lsoa11(pairs, pop21, weights, codes)[0])
    # the LSOAs asked for in another order: the same figure for each LSOA
    perm = np.array([5, 3, 1, 0, 2, 4])
    again = P.lsoa21_to_lsoa11(pairs, pop21, weights[perm], codes[perm])[0]
    assert dict(zip(codes[perm], again)) == dict(zip(codes, first))


def test_lookup_errors_name_the_row():
    pairs, pop21, weights, codes = _toy()
    bad = pairs.copy()
    bad.loc[0, "change_code"] = "S"  # A -> a is one-to-one: not a split
    with pytest.raises(DataError, match=r"lk.rda, row 1, column 'change_code': change code S"):
        P.lsoa21_to_lsoa11(bad, pop21, weights, codes, path="lk.rda")
    with pytest.raises(DataError, match=r"row 4, column 'lsoa21_code': LSOA21 cd of the lookup has no count"):
        P.lsoa21_to_lsoa11(pairs, pop21.drop("cd"), weights, codes, path="lk.rda")
    with pytest.raises(DataError, match=r"LSOA11 G is not in the LSOA11 -> LSOA21 lookup"):
        P.lsoa21_to_lsoa11(pairs, pop21, np.append(weights, 1), np.append(codes, "G"), path="lk.rda")


# --------------------------------------------------------------------------- registry and readers

def test_registry_and_unknown_basis():
    assert list(P.BASES) == ["census_2011", "registered_2013", "mid_2017", "mid_2019", "mid_2020", "census_2021",
                            "registered_2022"]
    assert [b.reference_date.year for b in P.BASES.values()] == [2011, 2013, 2017, 2019, 2020, 2021, 2022]
    assert P.BASES["mid_2019"].england_total == 56_286_961
    with pytest.raises(AtlasError, match=r"unknown population basis 'mid_2091'; did you mean mid_2019"):
        P.get_basis("mid_2091")
    with pytest.raises(AtlasError, match="held on CCG layers only"):
        P.lsoa_population("registered_2013", {}, ["E01000001"])
    with pytest.raises(AtlasError, match="needs catalogue group 'population_mid_2017'"):
        P.lsoa_population("mid_2017", {}, ["E01000001"])


def _write(path, df):
    import rdata

    rdata.write_rda(path, {"x": df})
    return path


def _mid_frame():
    return pd.DataFrame({"lsoa11_code": ["E01000001", "E01000002", "W01000001"],
                         "total_population": [3.0, 5.0, 4.0], "0": [1.0, 2.0, 1.0], "90+": [2.0, 3.0, 3.0]})


def test_read_rda_errors(tmp_path):
    with pytest.raises(DataError, match=r"nope.rda: file not found"):
        P.read_rda(tmp_path / "nope.rda")
    junk = tmp_path / "junk.rda"
    junk.write_bytes(b"RDX3\nnot really R data at all")
    with pytest.raises(DataError, match=r"junk.rda: not a readable R data file"):
        P.read_rda(junk)
    import rdata

    two = tmp_path / "two.rda"
    rdata.write_rda(two, {"a": _mid_frame(), "b": _mid_frame()})
    with pytest.raises(DataError, match=r"two.rda: expected one data frame, found a \(DataFrame\), b"):
        P.read_rda(two)


def test_mid_year_reader_sums_ages_and_names_bad_rows(tmp_path):
    s = P.read_mid_year(_write(tmp_path / "m.rda", _mid_frame()))
    assert s.to_dict() == {"E01000001": 3, "E01000002": 5, "W01000001": 4}
    off = _mid_frame()
    off.loc[1, "total_population"] = 6.0
    with pytest.raises(DataError, match=r"off.rda, row 2, column 'total_population': ages sum to 5"):
        P.read_mid_year(_write(tmp_path / "off.rda", off))
    gap = _mid_frame()
    gap.loc[2, "0"] = np.nan
    with pytest.raises(DataError, match=r"gap.rda, row 3, column '0': missing or non-numeric count"):
        P.read_mid_year(_write(tmp_path / "gap.rda", gap))
    dup = _mid_frame()
    dup.loc[2, "lsoa11_code"] = "E01000001"
    with pytest.raises(DataError, match=r"dup.rda, row 3, column 'lsoa11_code': code E01000001 appears more"):
        P.read_mid_year(_write(tmp_path / "dup.rda", dup))


def test_basis_total_and_missing_lsoa_are_checked(tmp_path):
    path = _write(tmp_path / "m.rda", _mid_frame())
    with pytest.raises(DataError, match=r"m.rda: mid_2017: England total is 8, expected 55,619,430"):
        P.lsoa_population("mid_2017", {"population_mid_2017": [path]}, ["E01000001", "E01000002"])
    with pytest.raises(DataError, match=r"m.rda: no ONS mid-2017 population estimates for LSOA E01009999"):
        P.lsoa_population("mid_2017", {"population_mid_2017": [path]}, ["E01000001", "E01009999"])


def test_census_2021_reader_checks_repeated_totals(tmp_path):
    df = pd.DataFrame({"lsoa21_code": ["E01000001", "E01000001", "E01000002", "E01000002"],
                       "disability": ["d", "n", "d", "n"], "total_residents": [10.0, 10.0, 7.0, 7.0]})
    assert P.read_census_2021_lsoa21(_write(tmp_path / "c.rda", df)).to_dict() == {"E01000001": 10, "E01000002": 7}
    df.loc[3, "total_residents"] = 8.0
    with pytest.raises(DataError, match=r"c2.rda, row 4, column 'total_residents': LSOA21 E01000002 has different"):
        P.read_census_2021_lsoa21(_write(tmp_path / "c2.rda", df))


# --------------------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def real(mirror):
    import commissioning_atlas as ca
    from commissioning_atlas.sources import catalogue
    from commissioning_atlas.sources import fetch

    cat = catalogue.load_catalogue()
    gids = sorted({g for b in P.BASES.values() if b.per_lsoa for g in b.groups + b.check_groups})
    paths = fetch.fetch([cat[g] for g in gids], mirror=mirror, progress=False)
    atlas = ca.load(mirror=mirror, progress=False)
    return atlas, paths


@pytest.mark.integration
@pytest.mark.parametrize("basis", ["census_2011", "mid_2017", "mid_2019", "mid_2020", "census_2021"])
def test_every_basis_sums_to_england(real, basis):
    atlas, paths = real
    got = P.read_basis(basis, paths, atlas.lsoa["code"].to_numpy())
    assert got.values.dtype == np.int64 and len(got.values) == 32_844
    assert int(got.values.sum()) == P.BASES[basis].england_total
    assert got.values.min() > 0
    if basis == "census_2011":
        assert np.array_equal(got.values, atlas.lsoa["population"].to_numpy())
    if basis == "census_2021":
        rep = got.report
        assert rep["rows_by_change"] == {"U": 31810, "S": 1842, "M": 194, "X": 9}
        assert rep["lsoa21"] == 33_755
        # merges and three complex LSOA21s are apportioned; everything else sums exactly
        assert rep["lsoa21_apportioned"] == 100
        assert 200_000 < rep["people_apportioned"] < 300_000


@pytest.mark.integration
@pytest.mark.parametrize("group", ["ltla19_utla19_rda", "ltla22_ltla23_rda"])
def test_rda_reader_agrees_with_a_second_implementation(mirror, group):
    """librdata (pyreadr, the reader) and the pure-Python ``rdata`` parse a real file to the same table."""
    import rdata

    from commissioning_atlas.sources import catalogue
    from commissioning_atlas.sources import fetch

    path = fetch.fetch([catalogue.load_catalogue()[group]], mirror=mirror, progress=False)[group][0]
    ours = P.read_rda(path)
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Missing constructor for R class")
        theirs = next(iter(rdata.read_rda(path).values())).reset_index(drop=True)
    assert len(ours) > 300 and list(ours.columns) == [str(c) for c in theirs.columns]
    pd.testing.assert_frame_equal(ours, theirs.astype("string"), check_dtype=True)
