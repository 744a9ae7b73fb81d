"""Series operators, strings, datetimes, reductions, cumulative ops, counting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import check


@pytest.mark.parametrize("fn", [
    lambda d: d.i + 1, lambda d: d.i - d.f, lambda d: d.i * 2.5, lambda d: d.i / 3,
    lambda d: d.i / 0, lambda d: (d.i - d.i) / 0, lambda d: d.i // 7, lambda d: d.i % 7,
    lambda d: d.f ** 2, lambda d: 10 - d.i, lambda d: -d.i, lambda d: abs(d.f),
    lambda d: d.i > 0, lambda d: d.f >= 0, lambda d: d.f == d.f, lambda d: d.f != 0.5,
    lambda d: d.s == "apple", lambda d: d.s != "apple", lambda d: d.b & (d.i > 0),
    lambda d: d.b | (d.i > 0), lambda d: ~d.b, lambda d: d.b ^ (d.i > 0),
    lambda d: d.s + "!", lambda d: d.s + 1, lambda d: d.i + "x",
    lambda d: d.i.isna(), lambda d: d.f.notna(),
])
def test_operators(frame, make, fn):
    check(frame, make, fn)


@pytest.mark.parametrize("fn", [
    lambda s: s.str.lower(), lambda s: s.str.upper(), lambda s: s.str.strip(),
    lambda s: s.str.len(), lambda s: s.str.contains("an"), lambda s: s.str.contains("^[ab]", case=False),
    lambda s: s.str.contains("e.", regex=False), lambda s: s.str.startswith("ch"),
    lambda s: s.str.endswith("e "), lambda s: s.str.replace("a", "A"),
    lambda s: s.str.replace("[aeiou]", "_", regex=True), lambda s: s.str.slice(1, 3),
    lambda s: s.str.slice(-3), lambda s: s.str[0],
    lambda s: s.str.split("a", expand=True), lambda s: s.str.cat(s, sep="-"),
])
def test_strings(frame, make, fn):
    check(frame.s, make, fn)


@pytest.mark.parametrize("fn", [
    lambda t: t.dt.year, lambda t: t.dt.month, lambda t: t.dt.day, lambda t: t.dt.hour,
    lambda t: t.dt.minute, lambda t: t.dt.day_of_week, lambda t: t.dt.date,
    lambda t: t.dt.floor("D"), lambda t: t.dt.strftime("%Y/%m/%d %H"),
    lambda t: t + pd.Timedelta("1D"), lambda t: t - pd.Timestamp("2024-01-01"),
    lambda t: t > pd.Timestamp("2024-01-05"),
])
def test_datetimes(frame, make, fn):
    check(frame.t, make, fn)


def test_to_datetime(make):
    s = pd.Series(["2024-01-03 10:00:00", "2023-12-31 00:00:05", None], dtype="str")
    check(s, make, lambda x: pd.to_datetime(x) if isinstance(x, pd.Series) else __import__("shardframe").to_datetime(x))


REDUCTIONS = ["sum", "mean", "median", "min", "max", "std", "var", "count",
              "nunique", "idxmin", "idxmax", "any", "all", "prod"]


# The product of the int column overflows int64, where numpy and Polars wrap differently.
@pytest.mark.parametrize(("name", "col"), [(n, c) for n in REDUCTIONS for c in ["i", "f", "b"] if (n, c) != ("prod", "i")])
def test_series_reductions(frame, make, name, col):
    check(frame[col], make, lambda s: getattr(s, name)())


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_quantile(frame, make, q):
    check(frame.f, make, lambda s: s.quantile(q))


@pytest.mark.parametrize("name", ["sum", "mean", "min", "max", "count", "std", "var", "median", "nunique",
                                  "quantile", "idxmin", "idxmax", "any", "all"])
def test_frame_reductions(frame, make, name):
    num = frame[["i", "f"]]
    check(num, make, lambda d: getattr(d, name)())


def test_string_mean_is_type_error(frame, make):
    check(frame, make, lambda d: d.s.mean())


@pytest.mark.parametrize("fn", [
    lambda s: s.cumsum(), lambda s: s.cumprod(), lambda s: s.cummax(), lambda s: s.cummin(),
    lambda s: s.shift(), lambda s: s.shift(-2), lambda s: s.diff(), lambda s: s.pct_change(),
    lambda s: s.rank(), lambda s: s.rank(method="min", ascending=False), lambda s: s.rank(method="dense"),
])
@pytest.mark.parametrize("col", ["i", "f"])
def test_order_dependent(frame, make, fn, col):
    check(frame[col], make, fn)


@pytest.mark.parametrize("fn", [
    lambda s: s.value_counts(), lambda s: s.value_counts(normalize=True),
    lambda s: s.value_counts(dropna=False), lambda s: s.value_counts(ascending=True),
    lambda s: s.value_counts(sort=False), lambda s: s.unique(), lambda s: s.mode(),
    lambda s: s.nunique(), lambda s: s.nunique(dropna=False),
])
@pytest.mark.parametrize("col", ["k", "s", "i", "f", "b"])
def test_counting(frame, make, fn, col):
    check(frame[col], make, fn)


@pytest.mark.parametrize("fn", [
    lambda s: s.sort_values(),
    lambda s: s.sort_values(ascending=False, na_position="first"),
    lambda s: s.nlargest(3), lambda s: s.nsmallest(4),
    lambda s: s.map({"x": 1, "y": 2}), lambda s: s.map(lambda v: v * 2),
])
def test_sorting_and_mapping(frame, make, fn):
    check(frame.k, make, fn)


@pytest.mark.parametrize("fn", [
    lambda d: d.sort_values("i"),
    lambda d: d.sort_values(["k", "i"], ascending=[True, False]),
    lambda d: d.sort_values("f", na_position="first"),
    lambda d: d.nlargest(5, "i"),
    lambda d: d.nsmallest(5, "f"),
    lambda d: d.sort_values("nope"),
])
def test_sorting(frame, make, fn):
    check(frame, make, fn)


def test_apply_rows(frame, make):
    check(frame, make, lambda d: d.apply(lambda r: r["i"] * 2 + (0 if r["b"] else 1), axis=1))


def test_division_by_zero_integers(make):
    pdf = pd.DataFrame({"a": [1, 0, -1, 5], "b": [0, 0, 0, 2]})
    check(pdf, make, lambda d: d.a / d.b)


def test_empty_frame(make):
    pdf = pd.DataFrame({"a": np.array([], dtype="int64"), "b": np.array([], dtype="float64")})
    check(pdf, make, lambda d: d.a.sum())
    check(pdf, make, lambda d: d[d.a > 0])


@pytest.mark.parametrize("fn", [
    lambda d: d.cumsum(), lambda d: d.cummax(), lambda d: d.shift(2), lambda d: d.diff(),
    lambda d: d.pct_change(), lambda d: d.rank(), lambda d: d[d.i > 0].cumsum(),
])
def test_frame_order_dependent(frame, make, fn):
    check(frame[["i", "f"]], make, fn)


def test_unparseable_number_is_value_error(make):
    s = pd.Series(["1.5", "x", "3"], dtype="str")
    check(s, make, lambda x: x.astype("float64"))
