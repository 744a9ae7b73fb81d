"""Construction, inspection, conversion and display, against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import shardframe as sf
from conftest import assert_same, check


def test_round_trip(frame, make):
    assert_same(frame, make(frame))


@pytest.mark.parametrize("data", [
    {"a": [1, 2, 3], "b": ["x", "y", "z"]},
    [{"a": 1, "b": 2.5}, {"a": 3, "b": None}],
])
def test_constructors(data):
    assert_same(pd.DataFrame(data), sf.DataFrame(data))


def test_numpy_2d_with_columns():
    arr = np.arange(12).reshape(4, 3)
    assert_same(pd.DataFrame(arr, columns=list("abc")), sf.DataFrame(arr, columns=list("abc")))


def test_arrow_pycapsule_in_and_out():
    table = pa.table({"x": [1, 2, None], "y": ["a", None, "c"]})
    df = sf.DataFrame(table)
    assert_same(table.to_pandas(), df)
    back = pa.table(df)
    assert back.column("x").to_pylist() == [1, 2, None]


def test_series_constructor():
    assert_same(pd.Series([1.5, None, 3.0], name="v"), sf.Series([1.5, None, 3.0], name="v"))


@pytest.mark.parametrize("fn", [
    lambda d: d.shape,
    lambda d: len(d),
    lambda d: list(d.columns),
    lambda d: d.dtypes,
    lambda d: d.head(),
    lambda d: d.head(3),
    lambda d: d.tail(4),
    lambda d: d.tail(0),
    lambda d: d.nunique(),
    lambda d: d.to_dict(),
    lambda d: d.to_numpy(),
    lambda d: d[["i", "f", "b"]].describe(),
    lambda d: d.empty,
], ids=lambda f: f.__code__.co_consts[0] if False else None)
def test_inspection(frame, make, fn):
    check(frame, make, fn)


def test_repr_matches_pandas(frame, make):
    assert repr(make(frame)) == repr(frame)
    assert repr(make(frame).i) == repr(frame.i)


def test_repr_of_large_frame_is_truncated_like_pandas(make):
    pdf = pd.DataFrame({"a": np.arange(500), "b": np.arange(500) * 0.5})
    sdf = make(pdf)
    assert repr(sdf) == repr(pdf)
    assert sdf._repr_html_() == pdf._repr_html_()


def test_info_prints_storage(frame, capsys):
    sf.DataFrame(frame).info()
    out = capsys.readouterr().out
    assert "Data columns (total 6 columns)" in out and "compressed" in out


def test_storage_summary_compresses():
    pdf = pd.DataFrame({"a": np.arange(200_000) % 17, "s": np.array(["alpha", "beta"] * 100_000)})
    st = sf.DataFrame(pdf).storage()
    assert st["rows"] == 200_000
    assert st["compressed_bytes"] * 5 < st["raw_bytes"]


def test_partitions_follow_target_size():
    pdf = pd.DataFrame({"a": np.arange(100_000)})
    with sf.option_context("partition_bytes", 100_000):
        st = sf.DataFrame(pdf).storage()
    assert st["partitions"] == 8
    assert sum(st["partition_rows"]) == 100_000


def test_explain_shows_plan(frame, capsys):
    df = sf.DataFrame(frame)
    text = df[df.i > 0].explain()
    assert "FILTER" in text and "SCAN memory" in text
    assert "FILTER" in capsys.readouterr().out
    assert text._repr_html_().startswith("<pre>")


def test_memory_usage_numeric_matches_pandas(make):
    pdf = pd.DataFrame({"a": np.arange(40), "b": np.linspace(0, 1, 40), "c": np.arange(40) % 2 == 0})
    assert_same(pdf.memory_usage(deep=True), make(pdf).memory_usage(deep=True))
    assert_same(pdf.memory_usage(index=False), make(pdf).memory_usage(index=False))


@pytest.mark.parametrize("ignore_index", [False, True])
def test_concat_rows(frame, make, ignore_index):
    a, b = frame.iloc[:10], frame.iloc[10:][["i", "s", "k"]]
    expected = pd.concat([a, b, a.set_index(pd.RangeIndex(3, 13))], ignore_index=ignore_index)
    got = sf.concat([make(a), make(b), make(a.set_index(pd.RangeIndex(3, 13)))], ignore_index=ignore_index)
    assert_same(expected, got)


@pytest.mark.parametrize("keep", ["first", "last", False])
@pytest.mark.parametrize("fn", [
    lambda d, keep: d.drop_duplicates(keep=keep),
    lambda d, keep: d.drop_duplicates("k", keep=keep),
    lambda d, keep: d.drop_duplicates(["k", "b"], keep=keep),
    lambda d, keep: d.drop_duplicates(["k", "b"], keep=keep, ignore_index=True),
    lambda d, keep: d.set_index("i").drop_duplicates("s", keep=keep),
    lambda d, keep: d.duplicated("k", keep=keep),
    lambda d, keep: d.duplicated(["s"], keep=keep),
    lambda d, keep: d.k.drop_duplicates(keep=keep),
    lambda d, keep: d.s.duplicated(keep=keep),
    lambda d, keep: d.drop_duplicates("nope", keep=keep),
])
def test_duplicates(frame, make, fn, keep):
    from conftest import check

    dup = pd.concat([frame, frame.iloc[[1, 3, 3]]], ignore_index=True)
    check(dup, make, lambda d: fn(d, keep))


def test_concat_columns_with_the_same_index(frame, make):
    a, b = frame[["i", "f"]], frame[["s"]].assign(z=1)
    assert_same(pd.concat([a, b], axis=1), sf.concat([make(a), make(b)], axis=1))
    ai, bi = a.set_index(frame.k), b.set_index(frame.k)
    assert_same(pd.concat([ai, bi], axis=1), sf.concat([make(ai), make(bi)], axis=1))


@pytest.mark.parametrize("fn", [
    lambda a, b, c: [a, b],
    lambda a, b, c: [b, a, c],
    lambda a, b, c: [b.rename_axis("key"), b.iloc[:3].add_suffix("_2").rename_axis("key")],
    lambda a, b, c: [b.rename_axis("key"), b.iloc[2:].add_suffix("_2")],
    lambda a, b, c: [a.reset_index(drop=True), c],
    lambda a, b, c: [a.set_index("k", append=True), b.set_index("k2", append=True)],
])
def test_concat_columns_with_different_labels(frame, make, fn):
    """Side by side on the union of the row labels, in order of appearance."""
    a = frame[["i", "f", "k"]].iloc[:15]
    b = frame[["s", "k"]].rename(columns={"k": "k2"}).iloc[[20, 3, 9, 17, 1, 12]]
    c = frame[["t"]].iloc[5:]
    objs = fn(a, b, c)
    assert_same(pd.concat(objs, axis=1), sf.concat([make(o) for o in objs], axis=1))


def test_named_range_index_keeps_its_name(frame, make):
    named = frame.rename_axis("row")
    check(named, make, lambda d: d)
    check(named, make, lambda d: d[d.i > 0].i)
    check(named, make, lambda d: d.reset_index())


def test_concat_columns_needs_unique_labels(frame, make):
    a, b = frame[["i"]].iloc[:5], frame[["s"]].iloc[[3, 3, 7]]
    with pytest.raises(pd.errors.InvalidIndexError):
        pd.concat([a, b], axis=1)
    with pytest.raises(sf.exceptions.InvalidIndexError):
        sf.concat([make(a), make(b)], axis=1)
    # pandas allows repeated column names; shardframe's columns are unique.
    with pytest.raises(ValueError, match="duplicate column"):
        sf.concat([make(a), make(frame[["s"]].iloc[3:9].rename(columns={"s": "i"}))], axis=1)


def test_dict_of_numpy_arrays():
    data = {"a": np.array([1, 2, 3]), "f": np.array([1.5, np.nan, 3.0]), "b": np.array([True, False, True]),
            "s": np.array(["x", "y", "z"]), "u": np.array([1, 2, 3], dtype="uint8")}
    assert_same(pd.DataFrame(data), sf.DataFrame(data))
    with pytest.raises(ValueError):
        pd.DataFrame({"a": np.arange(3), "b": np.arange(4)})
    with pytest.raises(ValueError):
        sf.DataFrame({"a": np.arange(3), "b": np.arange(4)})


def test_frame_from_arrays_owns_its_rows():
    # the engine reads numpy/Arrow buffers in place while storing them: a
    # frame built from arrays must not change when they change afterwards
    n = 300_000
    a, f = np.arange(n), np.linspace(0, 1, n)
    expected = pd.DataFrame({"a": a.copy(), "f": f.copy()})
    with sf.option_context("partition_bytes", 1 << 20):
        df = sf.DataFrame({"a": a, "f": f})
    a[:] = -1
    f[:] = np.nan
    del a, f
    assert_same(expected, df)
    assert_same(expected.groupby(expected.a % 7).f.sum(), df.groupby(df.a % 7).f.sum())


@pytest.mark.parametrize("batch", [1, 7, 1000, None])
def test_arrow_tables_of_any_chunking(batch):
    # columns chunked differently, strings, missing values, nested and
    # temporal types, and no rows at all
    n = 2500
    table = pa.table({
        "i": pa.chunked_array([pa.array(range(1000)), pa.array(range(1000, n))]),
        "s": pa.array([None if k % 11 == 0 else f"s{k % 37}" for k in range(n)], pa.large_string()),
        "t": pa.array(np.arange(n).astype("datetime64[ms]")),
        "l": pa.array([[k, k + 1] if k % 5 else None for k in range(n)]),
        "d": pa.array([str(k % 3) for k in range(n)]).dictionary_encode(),
    })
    if batch is not None:
        table = pa.Table.from_batches(table.to_batches(max_chunksize=batch))
    for t in (table, table.slice(0, 0), table.slice(17, 100)):
        expected = t.to_pandas()
        # a missing list is NaN, as pandas' list results (str.split) mark it; pyarrow gives None
        expected["l"] = expected["l"].map(lambda v: np.nan if v is None else v).astype(object)
        assert_same(expected, sf.DataFrame(t))
