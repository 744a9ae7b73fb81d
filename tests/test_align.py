"""Index alignment between objects from different frames, as pandas does it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import shardframe as sf
from conftest import assert_same


def both(make, *objs):
    return objs, tuple(make(o) for o in objs)


CASES = [
    (pd.Series([1, 2, 3]), pd.Series([10, 20, 30])),
    (pd.Series([1, 2, 3]), pd.Series([10.0, 20.0])),
    (pd.Series([1, 2, 3], index=[3, 1, 2]), pd.Series([10.0, 20.0, 30.0], index=[1, 2, 4])),
    (pd.Series([1.5, None, 3.0], index=["c", "a", "b"]), pd.Series([1.0, 2.0, 3.0], index=["c", "a", "b"])),
    (pd.Series([1, 2], index=["x", "y"]), pd.Series([5, 6, 7], index=["y", "z", "x"])),
]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "gt", "eq"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_binary_ops_align(make, op, case):
    a, b = CASES[case]
    (pa_, pb), (sa, sb) = both(make, a, b)
    try:
        expected = getattr(pa_, op)(pb)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            getattr(sa, op)(sb).to_pandas()
        return
    assert_same(expected, getattr(sa, op)(sb))


@pytest.mark.parametrize("values", [[1, 2, 3, 4], np.arange(4) * 1.5])
def test_array_operands_are_positional(make, values):
    s = pd.Series([1, 2, 3, 4], index=[9, 8, 7, 6])
    assert_same(s + values, make(s) + values)
    assert_same(s == values, make(s) == values)
    with pytest.raises(ValueError):
        make(s) + [1, 2]


def test_assign_series_from_other_frame_aligns_on_index(make):
    pdf = pd.DataFrame({"a": [1, 2, 3, 4]}, index=[10, 20, 30, 40])
    other = pd.Series([5.0, 6.0], index=[30, 10])
    sdf = make(pdf)
    pdf["b"] = other
    sdf["b"] = make(other)
    pdf["c"] = np.arange(4)
    sdf["c"] = np.arange(4)
    assert_same(pdf, sdf)


def test_assign_with_duplicate_labels_is_value_error(make):
    sdf = make(pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(ValueError):
        sdf["b"] = make(pd.Series([1, 2, 3], index=[0, 0, 1]))


def test_mask_from_another_frame(make):
    pdf = pd.DataFrame({"x": [1, 2, 3, 4]})
    mask = pd.Series([True, False, True, False])
    assert_same(pdf[mask], make(pdf)[make(mask)])
    assert_same(pdf[[True, False, False, True]], make(pdf)[[True, False, False, True]])


def test_series_from_filtered_frame_combines_with_original(make):
    pdf = pd.DataFrame({"x": np.arange(10), "y": np.arange(10) * 2.0})
    sdf = make(pdf)
    assert_same(pdf.x + pdf[pdf.x > 4].y, sdf.x + sdf[sdf.x > 4].y)
    assert isinstance(sf.Series([1]) + sf.Series([2]), sf.Series)
