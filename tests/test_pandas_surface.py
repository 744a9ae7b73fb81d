"""pandas code as others write it: top-level names, and the wrong answers and
wrong shapes found by running such code (issue 16), each against pandas."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import shardframe as sf
from conftest import assert_same, check


def check_lib(pdf, make, fn):
    """``fn(data, module)`` with pandas' frame and module, then shardframe's."""
    sdf = make(pdf)
    try:
        expected = fn(pdf, pd)
    except Exception as exc:  # noqa: BLE001 - we compare exception types
        builtin = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
        with pytest.raises(builtin):
            got = fn(sdf, sf)
            if isinstance(got, (sf.DataFrame, sf.Series)):
                got.to_pandas()
        return
    assert_same(expected, fn(sdf, sf))


# -- the namespace ------------------------------------------------------------------


def test_every_public_pandas_name_exists():
    missing = [n for n in dir(pd) if not n.startswith("_") and n not in ("annotations", "pandas")
               and not hasattr(sf, n)]
    assert missing == []
    assert set(dir(pd)) - {"annotations", "pandas"} <= set(dir(sf)) | {n for n in dir(pd) if n.startswith("_")}


def test_scalars_and_types_are_pandas_own():
    assert sf.Timestamp is pd.Timestamp and sf.NaT is pd.NaT and sf.NA is pd.NA
    assert sf.Timedelta("1D") == pd.Timedelta(days=1)
    assert sf.IndexSlice is pd.IndexSlice and sf.offsets is pd.offsets
    pd.testing.assert_index_equal(sf.date_range("2024-01-01", periods=3), pd.date_range("2024-01-01", periods=3))


def test_a_pandas_function_on_shardframe_data_is_a_visible_fallback():
    df = sf.DataFrame({"a": [1, 2]})
    with pytest.raises(sf.exceptions.FallbackError, match="pandas.wide_to_long"):
        sf.wide_to_long(df, ["a"], i="a", j="b")
    with sf.option_context("fallback", "warn"), pytest.warns(sf.FallbackWarning, match="pandas.merge_ordered"):
        out = sf.merge_ordered(df, sf.DataFrame({"a": [2, 3]}))
    assert isinstance(out, sf.DataFrame)
    assert out.a.to_list() == [1, 2, 3]


def test_eval_resolves_names_in_the_callers_frame():
    local_value = 5  # noqa: F841 - read by the expression
    assert sf.eval("@local_value + 1") == 6
    with pytest.raises(Exception) as info:  # noqa: PT011 - pandas' own refusal, whatever its type
        sf.eval("@inspect.os.system('echo unsafe')")
    assert not isinstance(info.value, sf.exceptions.FallbackError)


def test_display_options_are_pandas_options():
    with sf.option_context("display.max_rows", 7):
        assert pd.get_option("display.max_rows") == 7
        assert sf.options.display.max_rows == 7
    sf.set_option("fallback", "raise")
    assert sf.get_option("mode.fallback") == "raise"


@pytest.mark.parametrize("fn", [
    lambda d, m: m.to_numeric(d.s),
    lambda d, m: m.to_numeric(d.s, errors="coerce"),
    lambda d, m: m.to_numeric(d.n),
    lambda d, m: m.to_numeric(d.i),
    lambda d, m: m.to_numeric(d.s, errors="bogus"),
    lambda d, m: m.isna(d),
    lambda d, m: m.notna(d.n),
    lambda d, m: m.isnull(d.n),
    lambda d, m: m.unique(d.i),
])
def test_data_functions_run_natively(make, fn):
    pdf = pd.DataFrame({"s": pd.Series(["1", "2.5", "x", None, "7"], dtype="str"),
                        "n": pd.Series(["1", "22", None, "-3", "4"], dtype="str"),
                        "i": [3, 1, 3, 2, 1]})
    check_lib(pdf, make, fn)


def test_to_numeric_reports_the_first_bad_value():
    s = sf.Series(["1", "2", "oops", "x"])
    with pytest.raises(ValueError, match='Unable to parse string "oops" at position 2'):
        sf.to_numeric(s)


def test_named_agg_whether_ours_or_pandas(make):
    pdf = pd.DataFrame({"k": ["a", "b", "a", "c"], "v": [1.0, 2.0, 3.0, np.nan]})
    check_lib(pdf, make, lambda d, m: d.groupby("k").agg(total=m.NamedAgg(column="v", aggfunc="sum"),
                                                         n=pd.NamedAgg("v", "count")))
    check_lib(pdf, make, lambda d, m: d.groupby("k").v.agg(total="sum", top="max"))
    check_lib(pdf, make, lambda d, m: d.groupby("k").v.agg(total="sum", top=m.NamedAgg("v", "max")))


# -- wrong answers --------------------------------------------------------------------


def test_a_frame_of_series_aligns_their_indexes(make):
    pdf = pd.DataFrame({"k": ["b", "a", "b", "c", "a"], "v": [1, 2, 3, 4, 5], "w": [1.5, 2.5, 3.5, 4.5, 5.5]})
    check_lib(pdf, make, lambda d, m: m.DataFrame({"total": d.groupby("k").v.sum(), "avg": d.groupby("k").w.mean()}))
    check_lib(pdf, make, lambda d, m: m.DataFrame({"v": d.v, "w": d.w * 2}))
    # different labels: the sorted union, missing where a Series has no label
    check_lib(pdf, make, lambda d, m: m.DataFrame({"a": d.v[d.v > 2], "b": d.w[d.v < 4]}))
    check_lib(pdf, make, lambda d, m: m.DataFrame({"a": d.groupby("k").v.sum(), "b": 1}))


@pytest.mark.parametrize("fn", [
    lambda d: d[["a", "b"]].sum(axis=1),
    lambda d: d[["a", "c"]].sum(axis=1),
    lambda d: d.sum(axis=1, numeric_only=True),
    lambda d: d[["a", "b"]].sum(axis=1, min_count=2),
    lambda d: d[["a", "b"]].sum(axis=1, skipna=False),
    lambda d: d[["a", "b", "c"]].mean(axis=1),
    lambda d: d[["a", "b"]].mean(axis="columns", skipna=False),
    lambda d: d[["a", "b"]].min(axis=1),
    lambda d: d[["a", "c"]].max(axis=1),
    lambda d: d[["a", "c"]].max(axis=1, skipna=False),
    lambda d: d[["a", "b", "c"]].count(axis=1),
    lambda d: d[["a", "c"]].prod(axis=1),
    lambda d: d[["a", "b"]].isna().any(axis=1),
    lambda d: d[["a", "b"]].notna().all(axis=1),
    lambda d: d.sum(axis=1),
    lambda d: d[["a", "b"]].sum(axis=2),
])
def test_reductions_across_columns(make, fn):
    pdf = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan, 5.5], "b": [np.nan, 2.0, 4.0, np.nan, -1.0],
                        "c": [1, 2, 3, 4, 5], "s": pd.Series(list("vwxyz"), dtype="str")})
    check(pdf, make, fn)


@pytest.mark.parametrize("fn", [
    lambda d: d.a.mean(skipna=False), lambda d: d.c.mean(skipna=False), lambda d: d.a.sum(min_count=1),
    lambda d: d.a.sum(min_count=4), lambda d: d.a.sum(skipna=False), lambda d: d.c.sum(min_count=6),
    lambda d: d.a.max(skipna=False), lambda d: d.c.min(skipna=False), lambda d: d.a.std(skipna=False),
    lambda d: d.a.median(skipna=False), lambda d: d.a.prod(min_count=9), lambda d: d.e.sum(min_count=1),
    lambda d: d.e.sum(), lambda d: d[["a", "b"]].sum(min_count=3), lambda d: d[["a", "c"]].mean(skipna=False),
])
def test_skipna_and_min_count(make, fn):
    pdf = pd.DataFrame({"a": [1.0, np.nan, 3.0, 2.0, 5.5], "b": [np.nan, 2.0, 4.0, np.nan, -1.0],
                        "c": [1, 2, 3, 4, 5], "e": [np.nan] * 5})
    check(pdf, make, fn)


@pytest.mark.parametrize("labels", [[3, 0, 2], [4, 1], [2], [0, 1, 2, 3, 4], [1, 7]])
def test_loc_with_a_list_of_labels_keeps_the_lists_order(make, labels):
    pdf = pd.DataFrame({"v": [10, 11, 12, 13, 14]})
    check(pdf, make, lambda d: d.loc[labels])
    check(pdf.set_index(pd.Index(["e", "d", "c", "b", "a"])), make,
          lambda d: d.loc[["abcde"[i % 5] for i in labels], "v"])


def test_loc_with_repeated_labels_is_an_announced_fallback(make):
    pdf = pd.DataFrame({"v": [10, 11, 12]})
    with sf.option_context("fallback", "warn"), pytest.warns(sf.FallbackWarning, match="repeated labels"):
        got = make(pdf).loc[[2, 0, 2]]
    assert_same(pdf.loc[[2, 0, 2]], got)


@pytest.mark.parametrize("fn", [
    lambda d: d.i // 0, lambda d: d.i // d.z, lambda d: 0 // d.z, lambda d: d.i // d.j,
    lambda d: d.i % 0, lambda d: d.f // 0, lambda d: d.i // 2,
])
def test_integer_floor_division_by_zero(make, fn):
    pdf = pd.DataFrame({"i": [5, -3, 0, 7], "z": [0, 1, 0, 2], "j": [2, 2, 3, 1], "f": [1.5, -2.0, 0.0, np.nan]})
    check(pdf, make, fn)


@pytest.mark.parametrize("fn", [lambda d: ~d.f, lambda d: ~d.s, lambda d: ~d.i, lambda d: ~d.b])
def test_invert_takes_integers_and_booleans_only(make, fn):
    pdf = pd.DataFrame({"f": [1.5, 2.0], "s": pd.Series(["a", "b"], dtype="str"), "i": [1, -2], "b": [True, False]})
    check(pdf, make, fn)


# -- result shapes ------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [
    lambda d, m: m.concat([d.a, d.b]),
    lambda d, m: m.concat([d.a, d.a * 2], ignore_index=True),
    lambda d, m: m.concat([d.a, d.b], axis=1),
    lambda d, m: m.concat([d.a.rename(None), d.b.rename(None)], axis=1),
    lambda d, m: m.concat([d, d[["a"]]], join="inner"),
    lambda d, m: m.concat([d, d[["a"]]], join="outer", ignore_index=True),
    lambda d, m: m.concat([d, d], join="left"),
])
def test_concat_shapes(make, fn):
    pdf = pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})
    check_lib(pdf, make, fn)


@pytest.fixture
def groups() -> pd.DataFrame:
    return pd.DataFrame({"k": ["b", "a", "b", "c", "a", "b"], "j": [1, 1, 2, 2, 1, 1],
                         "v": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "w": [6, 5, 4, 3, 2, 1]})


@pytest.mark.parametrize("fn", [
    lambda d: d.groupby("k").get_group("b"),
    lambda d: d.groupby("k").v.get_group("a"),
    lambda d: d.groupby(["k", "j"]).get_group(("b", 1)),
    lambda d: d.groupby("k")[["v"]].get_group("c"),
    lambda d: d.groupby("k").get_group("zz"),
])
def test_get_group(groups, make, fn):
    check(groups, make, fn)


def test_iterating_groups(groups, make):
    with sf.option_context("fallback", "warn"), warnings.catch_warnings():
        warnings.simplefilter("ignore", sf.FallbackWarning)
        got = [(k, g.to_pandas()) for k, g in make(groups).groupby("k")]
        got_series = [(k, g.to_pandas()) for k, g in make(groups).groupby("k").v]
    expected = list(groups.groupby("k"))
    assert [k for k, _ in got] == [k for k, _ in expected]
    for (_, g), (_, e) in zip(got, expected, strict=True):
        pd.testing.assert_frame_equal(g, e)
    for (_, g), (_, e) in zip(got_series, list(groups.groupby("k").v), strict=True):
        pd.testing.assert_series_equal(g, e)


@pytest.mark.parametrize("fn", [
    lambda d: d.groupby("k").v.apply(lambda s: s.max() - s.min()),
    lambda d: d.groupby("k")["w"].apply(lambda s: int(s.sum())),
    lambda d: d.groupby("k").v.rolling(2).mean(),
    lambda d: d.groupby("k").v.transform(lambda s: s - s.mean()),
    lambda d: d.groupby("k").v.agg(lambda s: s.max() - s.min()),
    lambda d: d.groupby("k").agg(lambda s: s.iloc[0]),
    lambda d: d.groupby("k").agg({"v": "sum", "w": lambda s: s.max()}),
])
def test_group_functions_give_pandas_shapes(groups, make, fn):
    with sf.option_context("fallback", "silent"):
        check(groups, make, fn)


# -- what the user guide's code reaches for ------------------------------------------------


def test_pandas_submodules_import_through_shardframe():
    import shardframe.api.types as types
    from shardframe.tseries.offsets import Day

    assert types.is_integer_dtype(sf.DataFrame({"a": [1]}).a.dtype)
    assert Day is pd.tseries.offsets.Day


@pytest.mark.parametrize("fn", [
    lambda d: d.to_json(), lambda d: d.to_json(orient="records"), lambda d: d.to_string(),
    lambda d: d.to_html(), lambda d: d.to_csv(), lambda d: d.to_csv(sep=";", index=False),
    lambda d: d.a.to_csv(), lambda d: d.a.to_json(), lambda d: d.to_latex(),
    lambda d: repr(d.to_records().tolist()),
])
def test_text_output_as_pandas_writes_it(make, fn):
    pdf = pd.DataFrame({"a": [1, 2, 3], "b": pd.Series(["x", None, "z"], dtype="str"), "c": [0.5, np.nan, 2.0]},
                       index=pd.Index([5, 6, 7], name="k"))
    check(pdf, make, fn)


@pytest.mark.parametrize("kwargs", [{}, {"sep": ";"}, {"index_col": 0}, {"header": None}, {"nrows": 2},
                                    {"usecols": ["a"]}, {"dtype": {"a": "float64"}}])
@pytest.mark.parametrize("binary", [False, True])
def test_read_csv_from_a_buffer(kwargs, binary):
    import io

    text = "a;b\n1;x\n2;y\n3;\n" if kwargs.get("sep") == ";" else "a,b\n1,x\n2,y\n3,\n"
    def buf():
        return io.BytesIO(text.encode()) if binary else io.StringIO(text)
    assert_same(pd.read_csv(buf(), **kwargs), sf.read_csv(buf(), **kwargs))


@pytest.mark.parametrize("labels", [["x", "y", "z", "w"], pd.Index([4, 3, 2, 1], name="n"), range(4),
                                    pd.MultiIndex.from_tuples([(1, "a"), (1, "b"), (2, "a"), (2, "b")])])
def test_setting_the_index(make, labels):
    def fn(d):
        d = d.copy()
        d.index = labels
        return d
    check(pd.DataFrame({"a": [1, 2, 3, 4], "b": [0.5, 1.5, 2.5, 3.5]}), make, fn)
    with pytest.raises(ValueError, match="Length mismatch"):
        make(pd.DataFrame({"a": [1]})).index = [1, 2]


@pytest.mark.parametrize("fn", [
    lambda d: d.filter(items=["c", "a", "zz"]), lambda d: d.filter(like="b"), lambda d: d.filter(regex="^[ab]"),
    lambda d: d.filter(items=["y", "w"], axis=0), lambda d: d.filter(like="x", axis=0),
    lambda d: d.filter(regex="[wz]", axis="index"), lambda d: d.filter(items=["a"], like="a"),
])
def test_filter_by_labels(make, fn):
    check(pd.DataFrame({"a": [1, 2, 3], "ab": [4, 5, 6], "c": [7, 8, 9]}, index=["w", "xy", "z"]), make, fn)


@pytest.mark.parametrize("fn", [
    lambda d: d.iloc[[2, 0]], lambda d: d.iloc[[-1, 1, -1]], lambda d: d.iloc[[True, False, True, True]],
    lambda d: d.iloc[np.array([3, 2])], lambda d: d.iloc[[]], lambda d: d.iloc[[4]], lambda d: d.iloc[[0, 2], [1]],
    lambda d: d.a.iloc[[1, 1, 0]],
])
def test_iloc_with_lists(make, fn):
    check(pd.DataFrame({"a": [1, 2, 3, 4], "b": list("wxyz")}, index=[10, 30, 20, 40]), make, fn)


@pytest.mark.parametrize("kwargs", [{"n": 3, "random_state": 1}, {"frac": 0.5, "random_state": 7},
                                    {"n": 12, "replace": True, "random_state": 2},
                                    {"n": 2, "weights": [0, 0, 1, 1, 0, 0, 0, 0], "random_state": 4},
                                    {"n": 3, "random_state": 5, "ignore_index": True}])
def test_sample_picks_pandas_rows(make, kwargs):
    pdf = pd.DataFrame({"a": range(8), "b": [x * 0.5 for x in range(8)]}, index=list("abcdefgh"))
    check(pdf, make, lambda d: d.sample(**kwargs))
    check(pdf.a, make, lambda s: s.sample(**kwargs))


def test_a_type_the_engine_cannot_hold_is_an_error_not_a_panic():
    periods = pd.DataFrame({"p": pd.period_range("2020-01", periods=3, freq="M")})
    with pytest.raises(sf.exceptions.InvalidOperationError, match="'p'"):
        sf.DataFrame(periods)
    # a fallback whose answer holds such a column gives pandas' answer
    with sf.option_context("fallback", "silent"):
        got = sf.DataFrame({"d": pd.to_datetime(["2020-01-05", "2020-02-07"])}).d.dt.to_period("M")
    pd.testing.assert_series_equal(pd.Series(got), pd.Series(pd.to_datetime(["2020-01-05", "2020-02-07"])).dt.to_period("M").rename("d"))


def test_interpolate(make):
    s = pd.Series([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan, 7.0, np.nan, np.nan])
    check(s, make, lambda x: x.interpolate())
    check(pd.Series([1, 2, 3]), make, lambda x: x.interpolate())


@pytest.mark.parametrize("fn", [
    lambda s: s.__setitem__("b", 10) or s, lambda s: s.__setitem__(s > 2, 0) or s,
    lambda s: s.__setitem__(["a", "d"], -1) or s, lambda s: s.iloc.__setitem__(1, 99) or s,
    lambda s: s.iloc.__setitem__([0, -1], 7) or s, lambda s: s.iloc.__setitem__(slice(1, 3), 5) or s,
    lambda s: s.loc.__setitem__("zz", 5) or s,
])
def test_setting_values_of_a_series(make, fn):
    check(pd.Series([1, 2, 3, 4], index=list("abcd"), name="v"), make, lambda s: fn(s.copy()))


@pytest.mark.parametrize("fn", [
    lambda d: d.iloc.__setitem__((0, 1), 5.5) or d, lambda d: d.iloc.__setitem__((slice(0, 2), 0), 0) or d,
    lambda d: d.iloc.__setitem__(([1, 2], [0, 1]), 9) or d, lambda d: d.iloc.__setitem__(-1, 3) or d,
])
def test_setting_values_by_position(make, fn):
    check(pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]}), make, lambda d: fn(d.copy()))


@pytest.mark.parametrize("fn", [
    lambda s: s.groupby(level=0).sum(), lambda s: s.groupby(s > 2).mean(), lambda s: s.groupby([1, 1, 2, 2, 1]).max(),
    lambda s: s.groupby(level=0, sort=False).count(),
])
def test_series_groupby(make, fn):
    check(pd.Series([1, 2, 3, 4, 5], index=list("babab"), name="v"), make, fn)
    check(pd.Series([1.5, 2.5, 3.5, 4.5, 5.5], index=list("babab")), make, fn)


@pytest.mark.parametrize("fn", [lambda d: d.groupby(level=0).sum(), lambda d: d.groupby(level="k").a.max(),
                                lambda d: d.groupby(level=[0]).size()])
def test_groupby_index_levels(make, fn):
    check(pd.DataFrame({"a": [1, 2, 3, 4]}, index=pd.Index(["x", "y", "x", "z"], name="k")), make, fn)


@pytest.mark.parametrize("fn", [
    lambda d: d.reindex(["c", "a", "zz"]), lambda d: d.reindex(index=["b"], columns=["y", "x", "new"]),
    lambda d: d.reindex(["q", "a"], fill_value=0), lambda d: d.x.reindex(["c", "q", "a"]),
    lambda d: d.reindex(columns=["y"]),
])
def test_reindex(make, fn):
    check(pd.DataFrame({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5]}, index=["a", "b", "c"]), make, fn)


@pytest.mark.parametrize("fn", [lambda s: s.searchsorted(3), lambda s: s.searchsorted([0, 3, 9], side="right"),
                                lambda s: s.searchsorted(np.array([2, 5]))])
def test_searchsorted(make, fn):
    check(pd.Series([1, 2, 3, 3, 5, 8]), make, fn)


@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a.sub(b, fill_value=0), lambda a, b: a * b.x, lambda a, b: a.div(b.x, axis=0),
    lambda a, b: a - a.mean(), lambda a, b: a.add([1, 2], axis=1), lambda a, b: (a > 1) & (a < 5),
])
def test_frame_arithmetic_aligns(make, fn):
    a = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [4.0, 5.0, np.nan]}, index=["a", "b", "c"])
    b = pd.DataFrame({"y": [10.0, 20.0], "z": [1.0, 2.0], "x": [5.0, 6.0]}, index=["c", "a"])
    assert_same(fn(a, b), fn(make(a), make(b)))


def test_integer_slices_of_a_series_are_positions(make):
    def assign(s):
        s = s.copy()
        s[2:5] = np.nan
        s[7:9] = 5.0
        s.iloc[0] = -1.0
        s[1] = -2.0
        return s
    check(pd.Series(np.arange(10.0)), make, assign)
    check(pd.Series(np.arange(10.0), index=list("abcdefghij")), make, lambda s: s[2:5])
    # (a DatetimeIndex's freq is not kept: known gap, issue 16 notes)
    check(pd.Series(range(6), index=pd.date_range("2020", periods=6)), make, lambda s: s[:2], check_freq=False)
    check(pd.Series(range(6), index=pd.date_range("2020", periods=6)), make, lambda s: s[::2], check_freq=False)


def test_filter_by_a_mask(make):
    check(pd.DataFrame({"A": [1, 2, 3], "B": [4, 5, 6]}, index=list("abc")), make, lambda d: d.filter(cond=d["A"] > 1))


@pytest.mark.parametrize("fn", [
    lambda d: d.replace(r"^\s*$", np.nan, regex=True), lambda d: d.replace("x", "Z", regex=True),
    lambda d: d.replace(regex=r"y$", value="W"), lambda d: d.a.replace(r"[xy]", "-", regex=True),
    lambda d: d.replace({"b": {1: 10}}), lambda d: d.replace(1, 100),
])
def test_replace_with_patterns(make, fn):
    check(pd.DataFrame({"a": pd.Series(["x", " ", "", "yy"], dtype="str"), "b": [1, 2, 3, 4]}), make, fn)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns", "h", "D"])
def test_to_datetime_of_numbers(make, unit):
    check_lib(pd.DataFrame({"t": [0, 1490195805, 12, -5]}), make, lambda d, m: m.to_datetime(d.t, unit=unit))


def test_sorting_a_series_in_place(make):
    def fn(s):
        s = s.copy()
        s.sort_values(inplace=True, ascending=False)
        t = s.copy()
        t.sort_index(inplace=True)
        return s, t
    pdf = pd.Series([3.0, np.nan, 1.0, 2.0], index=[2, 0, 3, 1])
    with pytest.warns(pd.errors.Pandas4Warning, match="inplace"):
        expected = fn(pdf)
    with pytest.warns(pd.errors.Pandas4Warning, match="inplace"):
        got = fn(make(pdf))
    for e, g in zip(expected, got, strict=True):
        assert_same(e, g)


@pytest.mark.parametrize("value", [5, "z", 1.5, True, np.nan, None])
def test_a_scalar_assigned_to_a_frames_only_column_keeps_its_rows(make, value):
    def assign(d):
        d = d.copy()
        d["a"] = value
        return d

    def assign_loc(d):
        d = d.copy()
        d.loc[:, "b"] = value
        return d

    pdf = pd.DataFrame({"a": [1, 2, 3]})
    check(pdf, make, assign)
    check(pdf, make, lambda d: len(assign(d)["a"]))
    check(pdf, make, lambda d: assign(d)["a"].count())
    check(pdf, make, assign_loc)


@pytest.mark.parametrize("fn", [
    lambda d: d[["a", "b"]].cumsum(skipna=False), lambda d: d[["a", "b"]].cumprod(skipna=False),
    lambda d: d.a.cummax(skipna=False), lambda d: d[["a", "b"]].cummin(),
    lambda d: d.replace({"a": 1.0, "b": 5}, 100), lambda d: d.a.fillna("missing"), lambda d: d.s.fillna(0),
])
def test_missing_values_in_cumulative_and_filling(make, fn):
    pdf = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [5, 6, 7, 8],
                        "s": pd.Series(["x", None, "y", None], dtype="str")})
    # filling text into numbers (or the reverse) is pandas' object column: a fallback
    with sf.option_context("fallback", "silent"):
        check(pdf, make, fn)


def test_unnamed_series_side_by_side_are_numbered_among_themselves(make):
    df = pd.DataFrame({"A": [1, 2]})
    check_lib(df, make, lambda d, m: m.concat([d, d.A.rename(None) * 2, d.A.rename(None)], axis=1))


@pytest.mark.parametrize("fn", [
    lambda d: d.idxmax(axis=1), lambda d: d.idxmin(axis="columns"), lambda d: d.quantile(0.5, axis=1),
    lambda d: np.abs(d), lambda d: np.sqrt(d.abs()), lambda d: d.idxmax(),
])
def test_row_wise_and_numpy_on_frames(make, fn):
    pdf = pd.DataFrame({"a": [1.0, -5.0, 3.0], "b": [4.0, 2.0, -6.0]}, index=list("xyz"))
    with sf.option_context("fallback", "silent"):
        check(pdf, make, fn)


@pytest.mark.parametrize("fn", [
    lambda s: s.loc[3:5], lambda s: s.loc[:5], lambda s: s.loc[2:], lambda s: s.loc[5:3], lambda s: s.loc[3:7],
])
def test_label_slices_on_labels_out_of_order(make, fn):
    check(pd.Series(list("abcdef"), index=[0, 3, 2, 5, 4, 1], dtype="str"), make, fn)
    check(pd.DataFrame({"v": range(6)}, index=[0, 3, 2, 5, 4, 1]), make, fn)


@pytest.mark.parametrize("fn", [
    lambda s: s.shift(1).sum(), lambda s: s.diff().sum(), lambda s: (s > s.shift(1)).sum(),
    lambda s: s.cumsum().max(), lambda s: s.pct_change().mean(), lambda s: s.rank().std(),
])
def test_reductions_of_values_that_depend_on_other_rows(make, fn):
    """Each partition shifted within itself when the reduction ran partition
    by partition (s.shift(1).sum() was 20 for 36 over 2-row partitions)."""
    check(pd.Series([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0]), make, fn)


def test_groups_of_values_that_depend_on_other_rows(make):
    pdf = pd.DataFrame({"k": list("abababab"), "x": [1.0, 2, 3, 4, 5, 6, 7, 8]})

    def fn(d):
        d = d.copy()
        d["y"] = d.x.shift(1)
        d["z"] = d.x.diff()
        return d.groupby("k").agg(y=("y", "sum"), z=("z", "max"))
    check(pdf, make, fn)


def test_file_writers_round_trip_as_pandas_reads_them(tmp_path, make):
    pdf = pd.DataFrame({"a": [1, 2, 3], "b": pd.Series(["x", None, "z"], dtype="str"), "c": [0.5, np.nan, 2.0]})
    sdf = make(pdf)
    sdf.to_feather(tmp_path / "f.feather")
    pd.testing.assert_frame_equal(pd.read_feather(tmp_path / "f.feather"), pd.read_feather(
        pdf.to_feather(tmp_path / "p.feather") or tmp_path / "p.feather"))
    sdf.to_pickle(tmp_path / "f.pkl")
    pd.testing.assert_frame_equal(pd.read_pickle(tmp_path / "f.pkl"), pdf)


def test_astype_str_writes_values_as_python_does(make):
    # bool as True/False, floats as repr (1e-05, 1e+16), missing stays missing
    pdf = pd.DataFrame({
        "b": [True, False, True, False],
        "f": [1e-5, -2.5e-5, 1.5e-7, np.nan],
        "g": [1e16, 0.1 + 0.2, -0.0, 1e-4],
        "i": [1, -2, 3, 4],
    })
    check(pdf, make, lambda d: d.astype(str))
    check(pdf, make, lambda d: d["b"].astype("str"))


@pytest.mark.parametrize("pat, repl", [
    (r"(\d+)", r"<\1>"), (r"(?P<n>\d)", r"\g<n>$"), (r"(a)(b)?", r"[\2|\1]"), (r"\d", "$1"),
])
def test_str_replace_with_python_group_references(make, pat, repl):
    pdf = pd.DataFrame({"s": ["a1b22", "x$9", "ab", None]})
    check(pdf, make, lambda d: d["s"].str.replace(pat, repl, regex=True))


@pytest.mark.parametrize("expr", [
    "`a b` > 1", "`a b` > 1 and c == 'x'", "c == \"`a b`\"", "(`a b` > 1) & ``", "c == 'it\\'s'", "`zz` > 1",
    "1 & 2",  # pandas: NotImplementedError
])
def test_query_backtick_quoted_names(make, expr):
    pdf = pd.DataFrame({"a b": [1, 2, 3], "c": ["x", "it's", "x"], "": [True, False, True]})
    check(pdf, make, lambda d: d.query(expr))
