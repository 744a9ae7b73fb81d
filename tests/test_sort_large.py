"""Sorts big enough to be range-partitioned across partitions, against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import shardframe as sf


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 1_200_000
    f = rng.normal(size=n)
    f[rng.random(n) < 0.01] = np.nan
    return pd.DataFrame({
        "a": rng.integers(0, 1000, n),
        "f": f,
        "s": pd.Series(rng.choice([f"k{i:03d}" for i in range(300)], n), dtype="str"),
        "v": np.arange(n),
    })


@pytest.mark.parametrize("kwargs", [
    {"by": "a"},
    {"by": ["a", "v"], "ascending": [False, True]},
    {"by": "f", "na_position": "first"},
    {"by": "f", "ascending": False},
    {"by": ["s", "a"], "ascending": [True, False]},
    {"by": ["a", "f"], "ascending": [True, False]},
    {"by": ["f", "a"], "na_position": "first"},
])
@pytest.mark.partitioned
def test_range_partitioned_sort_matches_pandas(big, kwargs):
    with sf.option_context("partition_bytes", 2 << 20):
        sdf = sf.DataFrame(big)
    assert sdf.storage()["partitions"] > 4
    expected = big.sort_values(**kwargs, kind="stable")
    got = sdf.sort_values(**kwargs)
    assert got.storage()["partitions"] > 1
    pd.testing.assert_frame_equal(got.to_pandas(), expected)
