"""How the Ray backend's time and object-store use grow with partitions (and so
with tasks), against the local backend on the same data.

    python tests/benchmarks/ray_scaling.py [--rows 4000000] [--parts 4,16,64]

For each partition count: a groupby-agg, a shuffle merge and a sort, timed on
the local backend and on a local two-node Ray cluster (one CPU per node), with
the number of tasks each query ran and the per-task overhead that follows:
(ray time - local time) / tasks. The object store's use is read after each
query. Answers are compared between the backends before any time is printed.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

import shardframe as sf
from shardframe import _engine


class Counter:
    """Counts the tasks of a query through the engine's progress callback."""

    total = 0

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        Counter.total = max(Counter.total, total)

    def close(self) -> None:
        pass


def queries(left: sf.DataFrame, right: sf.DataFrame) -> dict:
    return {
        "groupby": lambda: left.groupby("k").agg(s=("v", "sum"), n=("v", "size")),
        "merge": lambda: left.merge(right, on="k"),
        "sort": lambda: left.sort_values("v"),
    }


def timed(fn, runs: int) -> tuple[float, int, pd.DataFrame]:
    out = fn().to_pandas()  # warm-up, and the answer
    times, tasks = [], 0
    for _ in range(runs):
        Counter.total = 0
        t = time.perf_counter()
        fn().to_pandas()
        times.append(time.perf_counter() - t)
        tasks = Counter.total
    return statistics.median(times), tasks, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=4_000_000)
    ap.add_argument("--parts", default="4,16,64")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    import ray
    from ray.cluster_utils import Cluster

    store = 2 << 30
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": store})
    cluster.add_node(num_cpus=1, object_store_memory=store)
    ray.init(address=cluster.address, log_to_driver=False)
    cluster.wait_for_nodes()
    _engine._progress = lambda desc: Counter()  # type: ignore[assignment]
    sf.options.progress = False
    sf.options.broadcast_bytes = 0  # merges shuffle both sides
    rng = np.random.default_rng(0)
    n = args.rows
    left_pd = pd.DataFrame({"k": rng.integers(0, n // 10, n), "v": rng.random(n)})
    right_pd = pd.DataFrame({"k": np.arange(n // 10), "w": rng.random(n // 10)})
    print(f"{n:,} rows; local backend vs a two-node Ray cluster (1 CPU each), median of {args.runs}")
    print(f"{'query':>8} {'parts':>5} {'tasks':>5} {'local s':>8} {'ray s':>8} {'ray/local':>9} "
          f"{'ms/task':>8} {'store MiB':>9}")
    for parts in map(int, args.parts.split(",")):
        rows = -(-n // parts)
        with sf.option_context("max_partition_rows", rows, "backend", "local"):
            left, right = sf.DataFrame(left_pd), sf.DataFrame(right_pd)
        for name in queries(left, right):
            with sf.option_context("backend", "local"):
                local_s, _, expected = timed(queries(left, right)[name], args.runs)
            with sf.option_context("backend", "ray"):
                ray_s, tasks, got = timed(queries(left, right)[name], args.runs)
                total = ray.cluster_resources().get("object_store_memory", 0)
                free = ray.available_resources().get("object_store_memory", 0)
            if name == "merge":
                key = ["k", "v"]
                expected, got = expected.sort_values(key, ignore_index=True), got.sort_values(key, ignore_index=True)
            pd.testing.assert_frame_equal(expected, got, check_exact=False, rtol=1e-9)
            per_task = (ray_s - local_s) / max(tasks, 1) * 1e3
            print(f"{name:>8} {parts:>5} {tasks:>5} {local_s:>8.3f} {ray_s:>8.3f} {ray_s / local_s:>9.2f} "
                  f"{per_task:>8.1f} {(total - free) / 2**20:>9.0f}")
    ray.shutdown()
    cluster.shutdown()


if __name__ == "__main__":
    main()
