"""merge/join against pandas: every how, key forms, suffixes, indicator, validate, order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shardframe as sf
from conftest import assert_same


@pytest.fixture
def pair():
    rng = np.random.default_rng(11)
    left = pd.DataFrame({
        "k": rng.integers(0, 8, 30), "k2": rng.choice(["a", "b"], 30),
        "x": rng.normal(size=30).round(3), "s": pd.Series(rng.choice(["p", "q", None], 30), dtype="str"),
    })
    right = pd.DataFrame({
        "k": rng.integers(3, 12, 20), "k2": rng.choice(["a", "b", "c"], 20),
        "x": rng.integers(0, 100, 20), "y": rng.normal(size=20).round(3),
    })
    return left, right


def both(make, pair):
    left, right = pair
    return (left, right), (make(left), make(right))


STRATEGIES = {
    # name: (broadcast_bytes, fuse_bytes)
    "broadcast": (256 << 20, 0),
    "shuffle": (0, 0),
    "fused": (256 << 20, None),
}


@pytest.fixture(params=list(STRATEGIES))
def join_strategy(request):
    """Every merge test runs with the small side broadcast, with both sides
    shuffled, and as one Polars query."""
    broadcast, fuse = STRATEGIES[request.param]
    with sf.option_context("broadcast_bytes", broadcast, "fuse_bytes", fuse):
        yield request.param


def run(make, pair, fn):
    (pl_, pr), (sl, sr) = both(make, pair)
    try:
        expected = fn(pl_, pr, pd)
    except Exception as exc:  # noqa: BLE001
        builtin = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
        with pytest.raises(builtin):
            fn(sl, sr, sf).to_pandas()
        return
    assert_same(expected, fn(sl, sr, sf))


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
@pytest.mark.parametrize("fn", [
    lambda lf, rf, m, how: lf.merge(rf, on="k", how=how),
    lambda lf, rf, m, how: lf.merge(rf, on=["k", "k2"], how=how),
    lambda lf, rf, m, how: lf.merge(rf, left_on="k", right_on="x", how=how),
    lambda lf, rf, m, how: lf.merge(rf, on="k", how=how, suffixes=("_left", "_right")),
    lambda lf, rf, m, how: lf.merge(rf, on="k", how=how, sort=True),
    lambda lf, rf, m, how: m.merge(lf, rf, on="k", how=how),
    lambda lf, rf, m, how: lf.merge(rf.drop(columns=["x"]), how=how),
    lambda lf, rf, m, how: lf.set_index("k").merge(rf, left_index=True, right_on="k", how=how),
    lambda lf, rf, m, how: lf.merge(rf.set_index("k"), left_on="k", right_index=True, how=how),
    lambda lf, rf, m, how: lf.set_index("k").join(rf.set_index("k"), how=how, suffixes=("_l", "_r")),
    lambda lf, rf, m, how: lf.join(rf[["y"]], how=how),
])
def test_merge_forms(make, pair, how, fn, join_strategy):
    run(make, pair, lambda lf, rf, m: fn(lf, rf, m, how))


@pytest.mark.parametrize("fn", [
    lambda lf, rf, m: lf.merge(rf, how="cross"),
    lambda lf, rf, m: lf.merge(rf, on="k", indicator=True, how="outer").assign(_merge=lambda d: d["_merge"].astype(str)),
    lambda lf, rf, m: lf.merge(rf, on="k", validate="many_to_many"),
    lambda lf, rf, m: lf.merge(rf, on="k", validate="one_to_one"),
    lambda lf, rf, m: lf.merge(rf, on="nope"),
    lambda lf, rf, m: lf.merge(rf, on="k", how="sideways"),
    lambda lf, rf, m: lf.merge(rf, left_on="s", right_on="k"),
    lambda lf, rf, m: lf[lf.k > 100].merge(rf, on="k"),
])
def test_merge_misc(make, pair, fn, join_strategy):
    run(make, pair, fn)


def test_many_to_many_skewed_key(make, join_strategy):
    left = pd.DataFrame({"k": [1] * 300 + [2] * 5, "a": np.arange(305)})
    right = pd.DataFrame({"k": [1] * 200 + [3], "b": np.arange(201)})
    run(make, (left, right), lambda lf, rf, m: lf.merge(rf, on="k"))


keys = st.lists(st.one_of(st.integers(0, 5), st.none()), max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys, keys, st.sampled_from(["inner", "left", "right", "outer"]), st.integers(1, 6),
       st.sampled_from(list(STRATEGIES)))
def test_merge_property(lk, rk, how, rows, strategy):
    left = pd.DataFrame({"k": pd.array(lk, dtype="float64"), "a": np.arange(len(lk))})
    right = pd.DataFrame({"k": pd.array(rk, dtype="float64"), "b": np.arange(len(rk)) * 10})
    with sf.option_context("max_partition_rows", rows):
        sl, sr = sf.DataFrame(left), sf.DataFrame(right)
    expected = left.merge(right, on="k", how=how)
    broadcast, fuse = STRATEGIES[strategy]
    with sf.option_context("broadcast_bytes", broadcast, "fuse_bytes", fuse):
        got = sl.merge(sr, on="k", how=how).to_pandas()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_index_type=False)


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_merge_of_empty_frames(make, how, join_strategy):
    left = pd.DataFrame({"k": pd.array([], dtype="float64"), "a": pd.array([], dtype="int64")})
    right = pd.DataFrame({"k": pd.array([], dtype="float64"), "b": pd.array([], dtype="int64")})
    got = make(left).merge(make(right), on="k", how=how).to_pandas()
    pd.testing.assert_frame_equal(got, left.merge(right, on="k", how=how), check_dtype=False,
                                  check_index_type=False)


@pytest.mark.partitioned
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
@pytest.mark.parametrize("where", ["random", "periodic"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_hot_key_is_spread_over_buckets_in_a_shuffle_join(how, where, side):
    """A key with most of one side's rows is spread over every bucket and the
    other side's rows of it copied to each; in joins that keep unmatched rows
    the copies still come out once each. "periodic" puts the hot key on every
    fourth row, so some buckets get none of its rows."""
    rng = np.random.default_rng(8)
    n = 200_000
    hot = rng.random(n) < 0.75 if where == "random" else np.arange(n) % 4 == 0
    keys = np.where(hot, 7, rng.integers(0, 50_000, n))
    left = pd.DataFrame({"k": keys, "a": np.arange(n)})
    right = pd.DataFrame({"k": np.r_[np.full(10, 7), np.arange(100, 20_000)], "b": np.arange(19_910)})
    if side == "right":
        left, right = right.rename(columns={"b": "a"}), left.rename(columns={"a": "b"})
    with sf.option_context("max_partition_rows", 25_000):
        sl, sr = sf.DataFrame(left), sf.DataFrame(right)
    expected = left.merge(right, on="k", how=how)
    with sf.option_context("broadcast_bytes", 0):
        got = sl.merge(sr, on="k", how=how).to_pandas()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


@pytest.mark.partitioned
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_hot_key_against_an_empty_right_side(how):
    """Found by Hypothesis: a hot left key, no right rows, one row per partition."""
    left = pd.DataFrame({"k": [0.0, 0.0], "a": [0, 1]})
    right = pd.DataFrame({"k": pd.array([], dtype="float64"), "b": pd.array([], dtype="int64")})
    with sf.option_context("max_partition_rows", 1):
        sl, sr = sf.DataFrame(left), sf.DataFrame(right)
    with sf.option_context("broadcast_bytes", 0):
        got = sl.merge(sr, on="k", how=how).to_pandas()
    pd.testing.assert_frame_equal(got, left.merge(right, on="k", how=how), check_dtype=False,
                                  check_index_type=False)


def test_a_held_merge_read_for_some_columns_then_all(make):
    """A merge a user holds is computed for the columns each query reads;
    later queries reading other columns still see every column."""
    rng = np.random.default_rng(3)
    left = pd.DataFrame({"k": rng.integers(0, 50, 2_000), "a": rng.normal(size=2_000),
                         "b": rng.integers(0, 9, 2_000), "c": rng.normal(size=2_000)})
    right = pd.DataFrame({"k": np.arange(50), "name": [f"n{i}" for i in range(50)], "w": np.arange(50) * 2})
    pj = left.merge(right, on="k")
    sj = make(left).merge(make(right), on="k")
    assert float((sj.a * 2).sum()) == pytest.approx(float((pj.a * 2).sum()))
    pd.testing.assert_series_equal(sj[sj.b > 3].w.to_pandas(), pj[pj.b > 3].w)
    assert_same(pj, sj)
    assert_same(pj.groupby("name").c.sum(), sj.groupby("name").c.sum())


@pytest.mark.parametrize("how", ["inner", "left"])
def test_merge_with_a_grouped_right_side(make, how):
    """The right side's sort (a group-by's, by the join key) cannot show in
    the result's order, which follows the left side: it is not computed."""
    rng = np.random.default_rng(5)
    left = pd.DataFrame({"k": rng.integers(0, 60, 500), "a": np.arange(500)})
    facts = pd.DataFrame({"k": rng.integers(0, 50, 3_000), "v": rng.normal(size=3_000)})

    def fn(lf, ff, m):
        g = ff.groupby("k", as_index=False).agg(s=("v", "sum"), n=("v", "size"))
        return lf.merge(g[g.n > 55], on="k", how=how)

    assert_same(fn(left, facts, pd), fn(make(left), make(facts), sf))


def test_merge_with_a_grouped_right_side_plans_no_sort(capsys):
    """The group-by's sort is dropped from the plan, also when the grouped
    frame has a RangeIndex (merge numbers its rows) and is held."""
    left = sf.DataFrame({"k": [3, 1, 2], "a": [1, 2, 3]})
    facts = sf.DataFrame({"k": [1, 2, 2, 3], "v": [1.0, 2.0, 3.0, 4.0]})
    grouped = facts.groupby("k", as_index=False).agg(s=("v", "sum"))
    plan = str(left.merge(grouped, on="k").explain())
    assert "GROUP BY" in plan and "SORT" not in plan, plan
    assert "SORT" in str(grouped.explain())


DEDUPED_RIGHT = [
    lambda lf, rf: lf.merge(rf[["k"]].drop_duplicates(), on="k"),
    lambda lf, rf: lf.merge(rf[["k"]].drop_duplicates(keep="last"), on="k")[["a", "k"]],
    lambda lf, rf: lf.merge(rf.rename(columns={"k": "k2"})[["k2"]].drop_duplicates(), left_on="k",
                            right_on="k2")[["a"]],
    lambda lf, rf: lf.merge(rf.rename(columns={"k": "k2"})[["k2"]].drop_duplicates(), left_on="k",
                            right_on="k2"),
    lambda lf, rf: lf.merge(rf.drop_duplicates("k")[["k"]], on="k").groupby("k").a.sum(),
    lambda lf, rf: lf.merge(rf.drop_duplicates("k"), on="k")[["a", "k"]],
    lambda lf, rf: lf.merge(rf[["k"]].drop_duplicates(keep=False), on="k"),
    lambda lf, rf: lf.merge(rf[["k"]].drop_duplicates(), on="k", how="left"),
    lambda lf, rf: lf.merge(rf.groupby("k", dropna=False).v.sum().reset_index()[["k"]], on="k"),
    lambda lf, rf: lf.merge(rf.groupby("k").v.sum().reset_index()[["k"]], on="k"),
]


@pytest.mark.parametrize("case", range(len(DEDUPED_RIGHT)))
def test_merge_with_a_deduplicated_right_side(make, case, join_strategy):
    """Merging with deduplicated keys whose columns are then unread is a
    semi join: the same rows in the same order, with missing keys on both
    sides."""
    rng = np.random.default_rng(8)
    keys = rng.integers(0, 40, 400).astype(float)
    keys[rng.random(400) < 0.05] = np.nan
    left = pd.DataFrame({"k": keys, "a": np.arange(400)})
    facts = pd.DataFrame({"k": np.where(rng.random(900) < 0.05, np.nan, rng.integers(10, 60, 900)),
                          "v": rng.normal(size=900)})
    fn = DEDUPED_RIGHT[case]
    assert_same(fn(left, facts), fn(make(left), make(facts)))


@pytest.mark.parametrize("how", ["inner", "left"])
def test_merge_of_a_filtered_side_smaller_than_the_broadcast_side(make, how):
    """A left side that its filter makes smaller than the broadcast right side
    is joined once rather than partition by partition: same rows, same order."""
    rng = np.random.default_rng(3)
    left = pd.DataFrame({"k": rng.integers(0, 300, 2_000), "d": rng.integers(0, 100, 2_000),
                         "a": np.arange(2_000)})
    right = pd.DataFrame({"k": np.repeat(np.arange(250), 2), "r": rng.normal(size=500).round(3)})

    def fn(lf, rf):
        return lf[lf.d < 3].merge(rf, on="k", how=how)

    with sf.option_context("broadcast_bytes", 256 << 20, "fuse_bytes", 0):
        assert_same(fn(left, right), fn(make(left), make(right)))


@pytest.mark.parametrize("held", ["first", "both", "none"])
def test_a_held_merge_read_by_a_later_merge_for_a_few_columns(make, held):
    """TPC-H q11 as pandas users write it (polars-benchmark's pandas queries):
    a merge held in a variable, merged again, and a reduction reading two of
    its columns. The held merge is computed for the columns the query reads;
    the later merge's side then names columns that result lacks, and must be
    pruned by its own names (it failed with 'unable to find column "__o0"')."""
    rng = np.random.default_rng(3)
    partsupp = pd.DataFrame({"ps_suppkey": rng.integers(0, 20, 200), "ps_partkey": rng.integers(0, 50, 200),
                             "ps_supplycost": rng.random(200).round(2), "ps_availqty": rng.integers(1, 9, 200),
                             "ps_comment": pd.Series(rng.choice(["a", "b"], 200), dtype="str")})
    supplier = pd.DataFrame({"s_suppkey": np.arange(20), "s_nationkey": rng.integers(0, 5, 20),
                             "s_name": pd.Series([f"s{i}" for i in range(20)], dtype="str")})
    nation = pd.DataFrame({"n_nationkey": np.arange(5), "n_name": pd.Series(list("VWXYZ"), dtype="str")})

    def query(ps, su, na):
        jn1 = ps.merge(su, left_on="ps_suppkey", right_on="s_suppkey")
        jn2 = jn1.merge(na, left_on="s_nationkey", right_on="n_nationkey")
        kept = (jn1, jn2) if held == "both" else (jn1,) if held == "first" else ()
        jn2 = jn2[jn2["n_name"] == "X"]
        jn2["value"] = jn2["ps_supplycost"] * jn2["ps_availqty"]
        threshold = jn2["value"].sum() * 0.01
        agg = jn2.groupby("ps_partkey", as_index=False).agg(value=("value", "sum"))
        del kept
        return agg[agg["value"] > threshold].sort_values("value", ascending=False)

    assert_same(query(partsupp, supplier, nation), query(make(partsupp), make(supplier), make(nation)))
