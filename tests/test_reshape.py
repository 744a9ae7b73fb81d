"""melt, pivot_table, pivot, crosstab, get_dummies against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import shardframe as sf
from conftest import assert_same


@pytest.fixture
def sales() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 40
    return pd.DataFrame({
        "region": pd.Series(rng.choice(["north", "south", "east"], n), dtype="str"),
        "product": pd.Series(rng.choice(["a", "b", "c", "d"], n), dtype="str"),
        "units": rng.integers(1, 10, n),
        "price": rng.normal(10, 2, n).round(2),
    })


CASES = [
    lambda m, d: m.pivot_table(d, values="units", index="region", columns="product", aggfunc="sum"),
    lambda m, d: m.pivot_table(d, values="price", index="region", columns="product"),
    lambda m, d: m.pivot_table(d, values=["units", "price"], index="region", columns="product", aggfunc="max"),
    lambda m, d: m.pivot_table(d, values="units", index=["region", "product"], columns="product",
                               aggfunc="count", fill_value=0),
    lambda m, d: d.pivot_table(values="units", index="product", columns="region", aggfunc="mean", fill_value=0.0),
    lambda m, d: m.melt(d, id_vars=["region"], value_vars=["units", "price"]),
    lambda m, d: d.melt(id_vars=["region", "product"], var_name="metric", value_name="amount"),
    lambda m, d: m.get_dummies(d),
    lambda m, d: m.get_dummies(d, columns=["product"], drop_first=True),
    lambda m, d: m.get_dummies(d["region"], prefix="r", dtype=int),
    lambda m, d: m.crosstab(d["region"], d["product"]),
    lambda m, d: m.melt(d, id_vars=["nope"]),
    lambda m, d: d.drop_duplicates(["region", "product"]).pivot(index="region", columns="product", values="units"),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_reshape(sales, make, case):
    fn = CASES[case]
    try:
        expected = fn(pd, sales)
    except Exception as exc:  # noqa: BLE001
        builtin = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
        with pytest.raises(builtin):
            fn(sf, make(sales)).to_pandas()
        return
    assert_same(expected, fn(sf, make(sales)))


def test_pivot_with_duplicates_is_value_error(sales, make):
    with pytest.raises(ValueError):
        make(sales).pivot(index="region", columns="product", values="units")
