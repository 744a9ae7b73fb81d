"""Categorical columns, cut and qcut against pandas."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shardframe as sf
from conftest import assert_same, check


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 60
    x = rng.normal(50, 20, n).round(2)
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "x": x,
        "i": rng.integers(0, 100, n),
        "v": rng.integers(-5, 5, n),
        "s": pd.Series(rng.choice(["lo", "mid", "hi", None], n), dtype="str"),
        "c": pd.Categorical(rng.choice(["b", "a", "c", None], n), categories=["c", "b", "a", "unused"]),
        "o": pd.Categorical(rng.choice(["small", "large"], n), categories=["small", "large"], ordered=True),
        "n": pd.Categorical(rng.choice([10, 5, 1], n), categories=[10, 5, 1]),
    })


CUTS = [
    lambda m, d: m.cut(d["x"], 4),
    lambda m, d: m.cut(d["i"], 3),
    lambda m, d: m.cut(d["x"], [0, 25, 50, 75, 100]),
    lambda m, d: m.cut(d["x"], [0, 50, 100], labels=["low", "high"]),
    lambda m, d: m.cut(d["x"], 5, labels=False),
    lambda m, d: m.cut(d["i"], [0, 10, 50, 100], labels=False),
    lambda m, d: m.cut(d["x"], 4, right=False),
    lambda m, d: m.cut(d["i"], [0, 50, 99], include_lowest=True),
    lambda m, d: m.cut(d["x"], 6, precision=1),
    lambda m, d: m.cut(d["x"], [0, 50, 50, 100], duplicates="drop"),
    lambda m, d: m.cut(d["x"], [0, 50, 50, 100]),
    lambda m, d: m.cut(d["x"], [100, 50, 0]),
    lambda m, d: m.cut(d["x"], [0, 50, 100], labels=["one"]),
    lambda m, d: m.cut(d["x"], [0, 50, 100], labels=["b", "a"], ordered=False),
    lambda m, d: m.cut(d["x"], [0, 30, 60, 100], labels=["b", "a", "b"], ordered=False),
    lambda m, d: m.cut(d["x"], [-np.inf, 40, np.inf]),
    lambda m, d: m.qcut(d["x"], 4),
    lambda m, d: m.qcut(d["i"], [0, 0.1, 0.5, 0.9, 1]),
    lambda m, d: m.qcut(d["x"], 3, labels=["a", "b", "c"]),
    lambda m, d: m.qcut(d["i"], 10, labels=False),
    lambda m, d: m.qcut(d["v"], 20),
    lambda m, d: m.qcut(d["v"], 20, duplicates="drop"),
    lambda m, d: m.cut(d["x"], 4).value_counts(),
    lambda m, d: m.cut(d["x"], [-100, 0, 40, 60, 1000]).value_counts(dropna=False),
    lambda m, d: m.qcut(d["x"], 5).value_counts(normalize=True, sort=False),
    lambda m, d: d.groupby(m.cut(d["x"], [0, 20, 40, 60, 80, 200]))["v"].sum(),
    lambda m, d: d.groupby(m.qcut(d["i"], 4))[["x", "v"]].mean(),
    lambda m, d: d.assign(b=m.cut(d["x"], 3)).sort_values(["b", "i"]),
    lambda m, d: m.cut(d["x"], 3).astype(str),
    lambda m, d: m.cut(d["x"], pd.IntervalIndex.from_breaks([0, 25, 50, 100])),
    lambda m, d: m.cut(d["i"], pd.IntervalIndex.from_tuples([(0, 10), (20, 40), (40, 45)], closed="left")),
    lambda m, d: m.cut(d["x"], pd.IntervalIndex.from_tuples([(-5.5, 10.0), (30.0, 60.0)])).value_counts(),
    lambda m, d: m.cut(d["x"], pd.IntervalIndex.from_tuples([(0, 50), (40, 60)])),
    lambda m, d: m.cut(d["x"], pd.IntervalIndex.from_breaks([0, 50, 100], closed="both")).astype(str),
    lambda m, d: m.cut(d["i"], pd.IntervalIndex.from_tuples([(0, 10), (20, 40), (41, 45)], closed="both")),
    lambda m, d: m.cut(d["i"], pd.IntervalIndex.from_breaks([0, 10, 50, 100], closed="neither")),
    lambda m, d: m.cut(d["v"], pd.IntervalIndex.from_tuples([(-5, -1), (0, 1), (2, 4)], closed="both")).value_counts(),
    lambda m, d: m.cut(d["x"], pd.IntervalIndex.from_tuples([(10.5, 20), (20, 90)], closed="neither")),
]


@pytest.mark.parametrize("case", range(len(CUTS)))
def test_cut_qcut(data, make, case):
    fn = CUTS[case]
    check(data, make, lambda d: fn(pd if isinstance(d, pd.DataFrame) else sf, d))


def test_retbins(data, make):
    sdf = make(data)
    got, got_bins = sf.cut(sdf["x"], 5, retbins=True)
    expected, bins = pd.cut(data["x"], 5, retbins=True)
    assert_same(expected, got)
    np.testing.assert_array_equal(got_bins, bins)
    got, got_bins = sf.qcut(sdf["i"], 4, retbins=True)
    expected, bins = pd.qcut(data["i"], 4, retbins=True)
    assert_same(expected, got)
    np.testing.assert_array_equal(got_bins, bins)


@pytest.mark.parametrize("closed", ["right", "left", "both", "neither"])
def test_cut_by_intervals_runs_natively(data, make, closed):
    bins = pd.IntervalIndex.from_tuples([(0, 10), (20, 40), (41, 45)], closed=closed)
    with sf.option_context("fallback", "raise"):
        got, got_bins = sf.cut(make(data)["i"], bins, retbins=True)
    expected, expected_bins = pd.cut(data["i"], bins, retbins=True)
    assert_same(expected, got)
    pd.testing.assert_index_equal(got_bins, expected_bins)


def test_cut_by_one_point_interval_goes_to_pandas(data, make):
    bins = pd.IntervalIndex.from_tuples([(-5, -1), (0, 0), (2, 4)], closed="both")
    with sf.option_context("fallback", "warn"), pytest.warns(sf.FallbackWarning):
        got = sf.cut(make(data)["v"], bins)
    assert_same(pd.cut(data["v"], bins), got)


def test_cut_edge_inputs(make):
    # all missing, empty and a single distinct value, as pandas handles them
    for values in ([np.nan, np.nan], [3.0, 3.0, 3.0], []):
        ps = pd.Series(values, dtype="float64", name="x")
        check(ps, make, lambda s: (pd if isinstance(s, pd.Series) else sf).cut(s, 3))
    ps = pd.Series([1.0, 2.0, np.nan, 4.0], name="x")
    check(ps, make, lambda s: (pd if isinstance(s, pd.Series) else sf).qcut(s, 2))


def test_cut_of_plain_values_is_pandas():
    assert_same(pd.cut([1, 5, 9], 2), sf.cut([1, 5, 9], 2))


OPS = [
    lambda d: d,
    lambda d: d["c"],
    lambda d: d[["o", "n"]],
    lambda d: d.groupby("c")["v"].sum(),
    lambda d: d.groupby("o")["x"].mean(),
    lambda d: d.groupby(["n", "c"])["v"].count(),
    lambda d: d.groupby("c", as_index=False)["v"].max(),
    lambda d: d.sort_values(["c", "i"]),
    lambda d: d.sort_values(["o", "i"], ascending=[False, True]),
    lambda d: d["c"].value_counts(),
    lambda d: d["n"].value_counts(dropna=False),
    lambda d: d[d["c"] == "a"],
    lambda d: d[d["c"].isin(["a", "c"])],
    lambda d: d["c"].astype(str),
    lambda d: d["n"].astype("int64"),
    lambda d: d["s"].astype("category"),
    lambda d: d["i"].astype("category"),
    lambda d: d["x"].astype("category"),
    lambda d: d["s"].astype(pd.CategoricalDtype(["mid", "lo", "hi", "other"], ordered=True)),
    lambda d: d["i"].astype(pd.CategoricalDtype(list(range(-1, 101)))),
    lambda d: d["c"].astype(pd.CategoricalDtype(["a", "b", "c"])),
    lambda d: d["c"].astype("category"),
    lambda d: d.astype({"s": "category"}),
    lambda d: d.astype({"s": "category"}).dtypes,
    lambda d: d.set_index("c")["v"],
    lambda d: d["c"].nunique(),
    lambda d: d["c"].cat.codes,
    lambda d: d["o"].cat.codes,
    lambda d: d["n"].cat.categories,
    lambda d: d["o"].cat.ordered,
    lambda d: d["c"].dtype,
    lambda d: d["o"].dtype,
    lambda d: d["n"].dtype,
    lambda d: d["c"].cat.set_categories(["a", "b", "z"]),
    lambda d: d["c"].cat.set_categories(["a", "b", "c"], ordered=True),
    lambda d: d["c"].cat.reorder_categories(["a", "b", "c", "unused"]),
    lambda d: d["c"].cat.reorder_categories(["a", "b"]),
    lambda d: d["c"].cat.add_categories(["new"]),
    lambda d: d["c"].cat.add_categories("a"),
    lambda d: d["c"].cat.remove_categories(["b"]),
    lambda d: d["c"].cat.remove_categories("nope"),
    lambda d: d["c"].cat.remove_unused_categories(),
    lambda d: d["c"].cat.rename_categories(["C", "B", "A", "U"]),
    lambda d: d["n"].cat.rename_categories({10: 100}),
    lambda d: d["o"].cat.rename_categories(str.upper),
    lambda d: d["i"].cat.codes,
]


@pytest.mark.parametrize("case", range(len(OPS)))
def test_categorical_columns(data, make, case):
    check(data, make, OPS[case])


def test_dtypes_say_category(data, make):
    sdf = make(data)
    assert str(sdf.dtypes["c"]) == "category"
    assert sdf["o"].dtype == "category"


@pytest.mark.parametrize("labels", [["a", "b", "a"], ["b", "a", "b"]])
def test_bins_sharing_a_label(make, labels):
    ps = pd.Series([0.5, 1.5, 2.5, np.nan, 0.7], name="x")
    check(ps, make, lambda s: (pd if isinstance(s, pd.Series) else sf).cut(s, [0, 1, 2, 3], labels=labels,
                                                                            ordered=False))


def test_quantile_list(data, make):
    check(data, make, lambda d: d["x"].quantile([0.1, 0.5, 0.9]))
    check(data, make, lambda d: d["i"].quantile([0, 1]))
    check(data, make, lambda d: d["i"].quantile([0.5, 1.5]))


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)), min_size=1, max_size=40),
    bins=st.one_of(st.integers(1, 8),
                   st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=8, unique=True).map(sorted)),
    right=st.booleans(),
    include_lowest=st.booleans(),
    parts=st.sampled_from([None, 1, 3]),
)
def test_cut_matches_pandas(values, bins, right, include_lowest, parts):
    ps = pd.Series(values, name="x")
    with warnings.catch_warnings():  # pandas' own arithmetic on extreme edges warns
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            expected = pd.cut(ps, bins, right=right, include_lowest=include_lowest)
        except ValueError:
            with pytest.raises(ValueError):
                sf.cut(sf.Series(ps), bins, right=right, include_lowest=include_lowest).to_pandas()
            return
        with sf.option_context("max_partition_rows", parts):
            got = sf.cut(sf.Series(ps), bins, right=right, include_lowest=include_lowest)
            assert_same(expected, got)
            assert_same(expected.value_counts(), got.value_counts())


def test_parquet_categoricals_read_as_pandas_reads_them(tmp_path):
    first = pd.DataFrame({"c": pd.Categorical(["z", "a", None], categories=["m", "z", "a", "q"]),
                          "o": pd.Categorical(["x", "y", "x"], categories=["y", "x"], ordered=True),
                          "v": [1, 2, 3]})
    second = pd.DataFrame({"c": pd.Categorical(["b", "z"], categories=["z", "b"]),
                           "o": pd.Categorical(["y", "y"], categories=["y", "x"], ordered=True),
                           "v": [4, 5]})
    first.to_parquet(tmp_path / "a.parquet")
    second.to_parquet(tmp_path / "b.parquet")
    for path in (tmp_path / "a.parquet", tmp_path):
        expected = pd.read_parquet(path)
        got = sf.read_parquet(str(path))
        assert_same(expected, got)
        assert_same(expected.groupby("c")["v"].sum(), got.groupby("c")["v"].sum())
        assert_same(expected.sort_values(["o", "v"]), got.sort_values(["o", "v"]))


def test_parquet_row_groups_with_different_dictionaries(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    kind = pa.dictionary(pa.int8(), pa.string())
    first = pa.table({"c": pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int8()), ["b", "a"]),
                      "v": [1, 2, 3]})
    second = pa.table({"c": pa.DictionaryArray.from_arrays(pa.array([1, 0], pa.int8()), ["d", "b"]),
                       "v": [4, 5]})
    with pq.ParquetWriter(tmp_path / "f.parquet", pa.schema([("c", kind), ("v", pa.int64())])) as w:
        w.write_table(first)
        w.write_table(second)
    expected = pd.read_parquet(tmp_path / "f.parquet")
    got = sf.read_parquet(str(tmp_path / "f.parquet"))
    assert_same(expected, got)
    assert_same(expected.groupby("c")["v"].sum(), got.groupby("c")["v"].sum())


def test_same_labels_in_different_dtypes_stay_apart(make):
    # ordered and not, numbers and their text: each column keeps its own dtype
    frames = [
        pd.DataFrame({"x": pd.Categorical(["b", "a", "b"], categories=["a", "b"], ordered=True), "v": [1, 2, 3]}),
        pd.DataFrame({"x": pd.Categorical(["b", "a", "a"], categories=["a", "b"]), "v": [4, 5, 6]}),
        pd.DataFrame({"x": pd.Categorical([2, 1, 2], categories=[1, 2]), "v": [7, 8, 9]}),
        pd.DataFrame({"x": pd.Categorical(["2", "1", "1"], categories=["1", "2"]), "v": [1, 1, 1]}),
    ]
    held = [make(f) for f in frames]  # all enter the engine before any comes back
    for pdf, sdf in zip(frames, held, strict=True):
        assert_same(pdf, sdf)
        assert sdf["x"].dtype == pdf["x"].dtype
        assert_same(pdf.sort_values(["x", "v"]), sdf.sort_values(["x", "v"]))
        assert_same(pdf.groupby("x")["v"].sum(), sdf.groupby("x")["v"].sum())
    assert held[0]["x"].max() == "b"
    with pytest.raises(TypeError):
        held[1]["x"].max()


def test_written_categories_are_the_labels(tmp_path, make):
    pdf = pd.DataFrame({"o": pd.Categorical(["y", "x"], categories=["y", "x"], ordered=True),
                        "n": pd.Categorical([10, 5], categories=[10, 5, 1])})
    make(pdf).to_parquet(tmp_path / "a.parquet")
    back = pd.read_parquet(tmp_path / "a.parquet")
    assert list(back["o"].cat.categories) == ["y", "x"]
    assert list(back["n"].cat.categories) == ["10", "5", "1"]
    assert back["o"].astype(str).tolist() == ["y", "x"]


@pytest.mark.parametrize("ordered", [True, False])
def test_concat_of_categoricals(make, ordered):
    a = pd.DataFrame({"x": pd.Categorical(["a", None], categories=["a", "b"], ordered=ordered), "v": [1, 2]})
    b = pd.DataFrame({"x": pd.Categorical(["b", "c"], categories=["a", "b", "c"]), "v": [3, 4]})
    c = pd.DataFrame({"x": pd.Categorical(["b", "b"], categories=["a", "b"]), "v": [5, 6]})
    for frames in ([a, b], [a, c], [a, a], [a, c, b]):
        with sf.option_context("fallback", "raise"):
            got = sf.concat([make(f) for f in frames])
        assert_same(pd.concat(frames), got)


def test_groupby_observed_false_keeps_unseen_categories(data, make):
    sdf = make(data)
    expected = data.groupby("c", observed=False)["v"].sum()
    with sf.option_context("fallback", "warn"), pytest.warns(sf.FallbackWarning):
        got = sdf.groupby("c", observed=False)["v"].sum()
    assert_same(expected, got)
    with sf.option_context("fallback", "raise"), pytest.raises(sf.exceptions.FallbackError):
        sdf.groupby("c", observed=False)
    with sf.option_context("fallback", "raise"):
        # observed=False changes nothing for keys that are not categorical
        assert_same(data.groupby("i", observed=False)["v"].sum(), sdf.groupby("i", observed=False)["v"].sum())
        assert_same(data.groupby("c", observed=True)["v"].sum(), sdf.groupby("c", observed=True)["v"].sum())


@pytest.mark.parametrize("func", ["min", "max"])
def test_min_max_of_categoricals(data, make, func):
    for column in ("o", "c"):
        check(data, make, lambda d, column=column: getattr(d[column], func)())
    numbers = pd.Series(pd.Categorical([5, 10, None, 5], categories=[10, 5, 1], ordered=True))
    check(numbers, make, lambda s: getattr(s, func)())
    check(numbers.iloc[2:3], make, lambda s: getattr(s, func)())
