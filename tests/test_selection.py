"""Column and row selection, masks, loc/iloc, query, isin, between."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

from conftest import assert_same, check


@pytest.mark.parametrize("fn", [
    lambda d: d["i"],
    lambda d: d[["s", "i"]],
    lambda d: d.f,
    lambda d: d[d.i > 0],
    lambda d: d[(d.i > 0) & (d.f < 0.5)],
    lambda d: d[(d.i > 10) | ~d.b],
    lambda d: d[d.s == "apple"],
    lambda d: d[lambda x: x.i > 0],
    lambda d: d[lambda x: ["s", "i"]],
    lambda d: d[d.f.isna()],
    lambda d: d[d.t > "2024-01-10"],
    lambda d: d[d.t <= pd_ts("2024-01-20")],
    lambda d: d.loc[d.i > 0, ["i", "s"]],
    lambda d: d.loc[d.i > 0, "f"],
    lambda d: d.iloc[2:9],
    lambda d: d.iloc[-5:],
    lambda d: d.iloc[3],
    lambda d: d.iloc[:, [0, 2]],
    lambda d: d.iloc[1:4, 0:2],
    lambda d: d.query("i > 0 and f < 0"),
    lambda d: d.query("k == 'x' or i < -20"),
    lambda d: d[d.k.isin(["x", "z"])],
    lambda d: d[d.i.between(-10, 10)],
    lambda d: d[d.i.between(-10, 10, inclusive="neither")],
    lambda d: d["missing"],
    lambda d: d[["i", "missing"]],
    lambda d: d.i.isin("x"),
])
def test_selection(frame, make, fn):
    check(frame, make, fn)


@pytest.mark.parametrize("fn", [
    lambda d: d[d.i.isin(np.arange(-20, 100_000))],
    lambda d: d[~d.i.isin(np.arange(0, 50, dtype="uint8"))],
    lambda d: d.f.isin(np.array([d.f.iloc[0], np.nan, 0.5])),
    lambda d: d.b.isin(np.array([True])),
    lambda d: d[d.s.isin(np.array(["apple", "cherry"], dtype=object))],
    lambda d: d[d.i.isin(pd.Series([1, 2, 3, 40]))],
    lambda d: d[["i", "k"]].isin({"i": np.arange(10), "k": ["x"]}),
])
def test_isin_arrays(frame, make, fn):
    check(frame, make, fn)


@pytest.mark.parametrize("values", [
    np.array([2**63 + 5, 7, 2**64 - 1], dtype="uint64"),
    [2**63 + 5, 1],
    np.array([1, 7], dtype="uint64"),
    np.array([-1, 7]),
])
def test_isin_uint64_beyond_int64(make, values):
    frame = pd.DataFrame({"u": np.array([1, 2**63 + 5, 7, 2**64 - 1, 0], dtype="uint64"),
                          "i": [1, -3, 7, 0, 2]})
    check(frame, make, lambda d: d.u.isin(values))
    check(frame, make, lambda d: d[d.i.isin(values)])


def test_isin_list_outlives_its_array(frame, make):
    """A filter keeps its list after the caller's array (and the engine's
    registration of it) is gone."""
    keys = np.arange(-10, 10)
    expected = frame[frame.i.isin(keys)]
    d = make(frame)
    filtered = d[d.i.isin(keys)]
    del keys
    gc.collect()
    assert_same(expected, filtered[filtered.f.isna() | (filtered.i > -100)])


def pd_ts(s):
    import pandas as pd

    return pd.Timestamp(s)


@pytest.mark.parametrize("fn", [
    lambda d: d.set_index("k").loc["x"],
    lambda d: d.set_index("i").loc[[d.i.iloc[0], d.i.iloc[3]]],
    lambda d: d.set_index("k").reset_index(),
    lambda d: d.set_index(["k", "b"]).reset_index(),
    lambda d: d.reset_index(),
    lambda d: d.reset_index(drop=True),
    lambda d: d[d.i > 0].reset_index(),
    lambda d: d.set_index("k")[d.set_index("k").i > 0],
    lambda d: d.set_index("missing"),
])
def test_index(frame, make, fn):
    check(frame, make, fn)


def loc_assign(d, key, value):
    d = d.copy()
    d.loc[key] = value
    return d


@pytest.mark.parametrize("fn", [
    lambda d: loc_assign(d, (3, "f"), 99.0),
    lambda d: loc_assign(d, ([1, 4], "i"), 0),
    lambda d: loc_assign(d, (slice(2, 5), ["i", "f"]), -1),
    lambda d: loc_assign(d.set_index("k"), ("x", "f"), 0.5),
    lambda d: d.loc[2:6, "i":"s"],
    lambda d: d.loc[[0, 5, 7]],
    lambda d: d.loc[5],
    lambda d: d.loc[5, "s"],
    lambda d: d.loc[[0, 99]],
    lambda d: d.set_index("i").loc[d.i.iloc[2]],
])
def test_loc_labels(frame, make, fn):
    check(frame, make, fn)
