"""The Ray backend on a local two-node Ray cluster (`ray.cluster_utils.Cluster`):
the same pandas-differential checks as the local engine for groupby, merge,
sort, window functions and TPC-H, errors from workers, and a node killed in the
middle of a query. `make test-ray` runs the whole suite on Ray."""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

import shardframe as sf
from conftest import assert_same
from tpch.data import generate, load_pandas, load_shardframe, normalize
from tpch.queries import QUERIES


@pytest.fixture
def on_ray(ray_cluster):
    with sf.option_context("backend", "ray"):
        yield ray_cluster


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 30_000
    return pd.DataFrame({
        "k": rng.integers(0, 500, n),
        "g": rng.choice(["x", "y", "z", None], n),
        "v": rng.normal(size=n),
        "w": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
    })


def frame(pdf: pd.DataFrame, parts: int) -> sf.DataFrame:
    with sf.option_context("max_partition_rows", -(-len(pdf) // parts)):
        return sf.DataFrame(pdf)


def test_ray_is_not_imported_by_shardframe():
    import subprocess

    code = "import shardframe, sys; sys.exit('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("parts", [1, 3, 12])
def test_groupby_on_ray(on_ray, data, parts):
    df = frame(data, parts)
    assert_same(data.groupby("k").agg(s=("v", "sum"), m=("w", "mean"), n=("g", "nunique")),
                df.groupby("k").agg(s=("v", "sum"), m=("w", "mean"), n=("g", "nunique")))
    assert_same(data.groupby(["g", "k"], dropna=False).size(),
                df.groupby(["g", "k"], dropna=False).size())
    assert_same(data.groupby("g").v.cumsum(), df.groupby("g").v.cumsum())


@pytest.mark.parametrize("parts", [1, 5])
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
@pytest.mark.parametrize("strategy", ["broadcast", "shuffle"])
def test_merge_on_ray(on_ray, data, parts, how, strategy):
    right = pd.DataFrame({"k": np.arange(0, 700, 2), "r": np.arange(350) * 1.5})
    sdf, sright = frame(data, parts), frame(right, parts)
    with sf.option_context("broadcast_bytes", 1 << 30 if strategy == "broadcast" else 0):
        got = sdf.merge(sright, on="k", how=how)
        assert_same(data.merge(right, on="k", how=how), got)


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_a_hot_key_on_either_side_of_a_merge_on_ray(on_ray, how, side):
    """A key with most of one side's rows is spread over the join's buckets
    whichever side holds it, in joins that keep unmatched rows too (the Rust
    test `a_hot_key_on_either_side_is_spread_over_join_buckets` checks that
    no task holds it whole)."""
    rng = np.random.default_rng(11)
    n = 20_000
    hot = pd.DataFrame({"k": np.where(rng.random(n) < 0.75, 7, rng.integers(0, 5_000, n)),
                        "a": np.arange(n)})
    few = pd.DataFrame({"k": np.r_[np.full(10, 7), np.arange(100, 2_000)], "b": np.arange(1_910)})
    left, right = (hot, few) if side == "left" else (few, hot.rename(columns={"a": "c"}))
    sl, sr = frame(left, 6), frame(right, 6)
    with sf.option_context("broadcast_bytes", 0):
        assert_same(left.merge(right, on="k", how=how), sl.merge(sr, on="k", how=how))


@pytest.mark.parametrize("parts", [1, 4])
def test_sort_and_reductions_on_ray(on_ray, data, parts):
    df = frame(data, parts)
    assert_same(data.sort_values(["g", "v"], ascending=[True, False], na_position="first"),
                df.sort_values(["g", "v"], ascending=[True, False], na_position="first"))
    assert_same(data.v.sum(), df.v.sum())
    assert_same(data.w.median(), df.w.median())
    assert_same(data.head(7), df.head(7))
    assert_same(data.tail(3), df.tail(3))
    assert_same(data.drop_duplicates(["k"]), df.drop_duplicates(["k"]))


def test_range_partitioned_sort_on_ray(on_ray):
    """Above a million rows the sort samples, range-exchanges and sorts each range."""
    rng = np.random.default_rng(3)
    pdf = pd.DataFrame({"x": rng.integers(0, 10**6, 1_200_000), "y": np.arange(1_200_000)})
    df = frame(pdf, 6)
    assert_same(pdf.sort_values("x", kind="stable"), df.sort_values("x", kind="stable"))


def test_files_are_read_by_the_workers(on_ray, data, tmp_path):
    for i in range(3):
        data.iloc[i * 10_000:(i + 1) * 10_000].to_parquet(tmp_path / f"p{i}.parquet")
    df = sf.read_parquet(str(tmp_path / "*.parquet"))
    assert_same(data.groupby("g").v.mean(), df.groupby("g").v.mean())


def test_a_failing_task_raises_its_own_error_once(on_ray, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,x\n")
    with pytest.raises(ValueError, match="bad.csv"):
        # (read_csv reads integer columns at the call: missing values are an error, as in pandas)
        sf.read_csv(str(path), dtype={"a": "int64", "b": "int64"}).to_pandas()


def test_results_match_the_local_backend(on_ray, data):
    df = frame(data, 4)
    q = df[df.v > 0].groupby("g", dropna=False).agg(total=("w", "sum"), n=("k", "count"))
    on_ray_result = q.to_pandas()
    with sf.option_context("backend", "local"):
        local_result = frame(data, 4)[lambda d: d.v > 0].groupby("g", dropna=False).agg(
            total=("w", "sum"), n=("k", "count")).to_pandas()
    pd.testing.assert_frame_equal(on_ray_result, local_result, check_exact=False, rtol=1e-12)


@pytest.fixture(scope="module")
def tpch_dir():
    return generate(0.01)


@pytest.mark.parametrize("n", [1, 3, 5, 9, 13, 18, 21])
def test_tpch_on_ray(on_ray, tpch_dir, n):
    tables = load_shardframe(tpch_dir, 4)
    expected = normalize(QUERIES[n](load_pandas(tpch_dir), pd))
    got = normalize(QUERIES[n](tables, sf).to_pandas())
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-6, check_dtype=False)


def test_a_node_killed_mid_query_costs_time_not_the_answer(ray_cluster, monkeypatch):
    """A third node joins, the query starts, and once tasks are running the node
    is killed without warning: Ray retries its tasks and rebuilds its lost
    outputs from lineage, and the answer is still TPC-H's. At scale factor 0.1
    partitions are large enough (over Ray's 100 KiB inline limit) to live in
    the object stores of the nodes, so the dead node takes some with it."""
    from shardframe import _engine

    tpch_dir = generate(0.1)
    n = 9
    expected = normalize(QUERIES[n](load_pandas(tpch_dir), pd))
    node = ray_cluster.add_node(num_cpus=1)
    ray_cluster.wait_for_nodes()
    progress = {"done": 0, "total": 0, "stage": "", "calls": 0}

    class Record:
        def __call__(self, done, total, stage=""):
            # Called every 50 ms while the engine runs.
            progress.update(done=done, total=total, stage=stage, calls=progress["calls"] + 1)

        def close(self):
            pass

    monkeypatch.setattr(_engine, "_progress", lambda desc: Record())
    result: dict = {}
    with sf.option_context("backend", "ray"):
        tables = load_shardframe(tpch_dir, 24)

        def run():
            try:
                result["answer"] = QUERIES[n](tables, sf).to_pandas()
            except BaseException as exc:  # reported below
                result["error"] = exc
            result["end"] = time.monotonic()

        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 60
        # Kill once the query has run for about 0.2 s (it runs for seconds).
        while progress["calls"] < 4 and worker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        killed_at = time.monotonic()
        ray_cluster.remove_node(node, allow_graceful=False)
        worker.join(timeout=300)
    assert not worker.is_alive(), "query hung after the node died"
    assert "error" not in result, result.get("error")
    assert result["end"] > killed_at, "the query finished before the node was killed"
    print(f"killed in stage {progress['stage']!r} after {progress['done']} of {progress['total']} tasks; query ended {result['end'] - killed_at:.2f} s later")
    pd.testing.assert_frame_equal(normalize(result["answer"]), expected,
                                  check_exact=False, rtol=1e-6, check_dtype=False)


def test_backend_option_is_validated_and_init_switches_back():
    with pytest.raises(ValueError, match="unknown backend"):
        sf.options.backend = "spark"
    with sf.option_context("backend", "staged"):
        sf.init("local")
        assert sf.options.backend == "local"


def test_staged_executor_in_process_matches_pandas(data):
    """The Ray backend's stages, run in this process through the tasks' wire form."""
    df = frame(data, 6)
    right = pd.DataFrame({"k": np.arange(0, 700, 2), "r": np.arange(350) * 1.5})
    with sf.option_context("backend", "staged", "broadcast_bytes", 0):
        assert_same(data.merge(right, on="k", how="left"), df.merge(frame(right, 3), on="k", how="left"))
        assert_same(data.groupby("g").agg(s=("v", "sum"), n=("k", "nunique")),
                    df.groupby("g").agg(s=("v", "sum"), n=("k", "nunique")))
        assert_same(data.groupby("g").w.rank(), df.groupby("g").w.rank())
        # Window functions over a frame whose partitions are all empty.
        assert_same(data[data.v > 100].groupby("g").w.cumsum(), df[df.v > 100].groupby("g").w.cumsum())


def test_ctrl_c_cancels_a_ray_query_and_the_session_stays_usable(on_ray, data):
    import _thread

    df = frame(data, 40)
    right = frame(pd.DataFrame({"k": np.arange(500), "r": np.arange(500.0)}), 5)

    def query():
        return df.merge(right, on="k").sort_values(["r", "v"]).groupby("g").w.sum().to_pandas()

    timer = threading.Timer(0.3, _thread.interrupt_main)
    started = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        for _ in range(100):
            with sf.option_context("broadcast_bytes", 0):
                query()
    assert time.perf_counter() - started < 10
    assert_same(data.merge(pd.DataFrame({"k": np.arange(500), "r": np.arange(500.0)}), on="k")
                .sort_values(["r", "v"]).groupby("g").w.sum(), query())
