"""Hypothesis: arithmetic, filtering and reductions agree with pandas on
random frames with nulls, NaN and no rows, over random partitionings."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

import shardframe as sf

floats = st.one_of(st.floats(min_value=-1e6, max_value=1e6), st.just(float("nan")))
frames = data_frames(
    [column("a", elements=st.integers(-1000, 1000), dtype="int64"),
     column("b", elements=floats, dtype="float64")],
    index=range_indexes(min_size=0, max_size=40),
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def build(pdf: pd.DataFrame, rows: int) -> sf.DataFrame:
    with sf.option_context("max_partition_rows", rows):
        return sf.DataFrame(pdf)


@SETTINGS
@given(frames, st.integers(1, 10), st.integers(-50, 50))
def test_filter_and_arithmetic(pdf, rows, k):
    sdf = build(pdf, rows)
    exp = pdf[pdf.a > k].assign(c=lambda d: d.a * 2 - d.b)
    got = sdf[sdf.a > k].assign(c=lambda d: d.a * 2 - d.b)
    pd.testing.assert_frame_equal(got.to_pandas(), exp, check_index_type=False)


@SETTINGS
@given(frames, st.integers(1, 10))
def test_reductions(pdf, rows):
    sdf = build(pdf, rows)
    for name in ["sum", "mean", "min", "max", "count", "std", "var", "median"]:
        for c in ["a", "b"]:
            e, g = getattr(pdf[c], name)(), getattr(sdf[c], name)()
            if pd.isna(e):
                assert pd.isna(g), (name, c, g)
            else:
                assert np.isclose(g, e, rtol=1e-7, atol=1e-6), (name, c, g, e)


sortable = data_frames(
    [column("a", elements=st.integers(-3, 3), dtype="int64"),
     column("b", elements=floats, dtype="float64"),
     column("s", elements=st.one_of(st.sampled_from(["x", "y", "Z", ""]), st.none()), dtype=object)],
    index=range_indexes(min_size=0, max_size=40),
)


@SETTINGS
@given(sortable, st.integers(1, 10), st.lists(st.sampled_from(["a", "b", "s"]), min_size=1, max_size=3,
                                               unique=True),
       st.lists(st.booleans(), min_size=3, max_size=3), st.sampled_from(["first", "last"]), st.booleans())
def test_sort_values(pdf, rows, by, ascending, na_position, fused):
    pdf = pdf.assign(s=pdf.s.astype("str"))
    sdf = build(pdf, rows)
    asc = ascending[: len(by)]
    exp = pdf.sort_values(by, ascending=asc, na_position=na_position, kind="stable")
    with sf.option_context("fuse_bytes", None if fused else 0):
        got = sdf.sort_values(by, ascending=asc, na_position=na_position).to_pandas()
    pd.testing.assert_frame_equal(got, exp, check_index_type=False)
