"""Benchmarks: shardframe against pandas, Polars and DuckDB, measured in the same run.

    python tests/benchmarks/bench.py [--suites tpch,groupby,join] [--scale 1]
        [--rows 1e7] [--groups 100] [--runs 3] [--io memory|parquet] [--queries 1,3,6]

Suites: ``tpch`` (the 22 TPC-H queries at ``--scale``), ``groupby`` and
``join`` (the H2O db-benchmark questions on ``--rows`` rows, ``--groups``
groups). Each engine runs in its own process, so peak memory is its own.
``--io memory`` (default) loads the tables into memory first, timed apart, as
the engines' own benchmarks do; ``--io parquet`` times from parquet files on
disk to the result, reading included (each engine reads the way its users
do: shardframe and Polars lazily, pandas whole tables, DuckDB from the files).
Every query runs once to warm up and ``--runs`` times more; the median is
reported. Every answer is checked against DuckDB's before its time counts:
a wrong answer is reported as WRONG, never as a time. Writes a table per
suite to stdout, ``out/bench.json`` and a chart of the ratios to ``out/bench.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

ENGINES = ("shardframe", "shardframe-ray", "pandas", "polars", "duckdb")
SUITES = ("tpch", "groupby", "join")
# Answers with more rows travel between processes as a fingerprint.
FULL_ANSWER_ROWS = 1_000_000


class Tables(dict):  # type: ignore[type-arg]
    """Tables loaded on first use (``--io parquet``: inside the timing)."""

    def __init__(self, loaders: dict[str, Callable[[], Any]]):
        super().__init__()
        self.loaders = loaders

    def __missing__(self, name: str) -> Any:
        self[name] = table = self.loaders[name]()
        return table


# -- the suites: where the data is, how each engine loads it and runs a query --------------

def paths_of(suite: str, args: Any) -> dict[str, Path]:
    if suite == "tpch":
        from tpch.data import TABLES, generate

        root = generate(args.scale)
        return {t: root / f"{t}.parquet" for t in TABLES}
    from h2o.data import JOIN_TABLES, groupby_path, join_dir

    if suite == "groupby":
        return {"x": groupby_path(int(args.rows), int(args.groups))}
    root = join_dir(int(args.rows))
    return {t: root / f"{t}.parquet" for t in JOIN_TABLES}


def queries_of(suite: str, args: Any) -> list[int]:
    if suite == "tpch":
        return [int(q) for q in args.queries.split(",")]
    from h2o import queries

    return list((queries.GROUPBY if suite == "groupby" else queries.JOIN).keys())


def pandas_queries(suite: str) -> dict[int, Callable[..., Any]]:
    if suite == "tpch":
        from tpch.queries import QUERIES

        return QUERIES
    from h2o import queries

    return queries.GROUPBY if suite == "groupby" else queries.JOIN


def setup(engine: str, suite: str, paths: dict[str, Path], io: str) -> Callable[[int], Any]:
    """Load the tables (``io="memory"``) and return ``run(query) -> pandas answer``."""
    tpch = suite == "tpch"
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        for t, p in paths.items():
            kind = "table" if io == "memory" else "view"
            con.execute(f"create {kind} {t} as select * from read_parquet('{p}')")
        if tpch:
            from tpch.sql import SQL
        else:
            from h2o import sql

            SQL = sql.GROUPBY if suite == "groupby" else sql.JOIN
        return lambda n: con.execute(SQL[n]).df()
    if engine == "polars":
        import polars as pl

        if tpch:
            from tpch import polars_queries as pq
        else:
            from h2o import polars_queries as pq  # type: ignore[no-redef]
        qs = pq.QUERIES if tpch else (pq.GROUPBY if suite == "groupby" else pq.JOIN)

        def scan(p: Path) -> Any:
            lf = pl.scan_parquet(p)
            return lf.with_columns(pl.col(pl.Decimal).cast(pl.Float64)) if tpch else lf

        if io == "memory":
            tables = {t: scan(p).collect().lazy() for t, p in paths.items()}
            return lambda n: qs[n](tables).collect().to_pandas()
        return lambda n: qs[n]({t: scan(p) for t, p in paths.items()}).collect().to_pandas()
    queries = pandas_queries(suite)
    if engine == "pandas":
        import pandas as pd

        if tpch:
            from tpch.data import load_pandas_table as read
        else:
            def read(p: Path) -> Any:
                return pd.read_parquet(p)
        if io == "memory":
            loaded = {t: read(p) for t, p in paths.items()}
            return lambda n: queries[n](dict(loaded), pd)
        return lambda n: queries[n](Tables({t: (lambda p=p: read(p)) for t, p in paths.items()}), pd)
    import shardframe as sf

    sf.options.progress = False
    sf.options.fallback = "raise"
    if engine == "shardframe-ray":
        start_ray_cluster()
        sf.options.backend = "ray"
    if tpch:
        from tpch.data import read_shardframe_table as read
    else:
        def read(p: Path) -> Any:
            return sf.read_parquet(str(p))
    if io == "memory":
        loaded = {t: read(p).collect() for t, p in paths.items()}
        return lambda n: queries[n](dict(loaded), sf).to_pandas()
    return lambda n: queries[n](Tables({t: (lambda p=p: read(p)) for t, p in paths.items()}), sf).to_pandas()


CLUSTER: list[Any] = []


def start_ray_cluster() -> None:
    """A local two-node Ray cluster (one CPU per node on this 2-core machine),
    with object stores big enough for SF1 (the test-sized default spills)."""
    import ray
    from ray.cluster_utils import Cluster

    store = 3 << 30
    CLUSTER.append(cluster := Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": store}))
    cluster.add_node(num_cpus=1, object_store_memory=store)
    ray.init(address=cluster.address, log_to_driver=False)
    cluster.wait_for_nodes()


# -- answers ------------------------------------------------------------------------------

def answer_of(suite: str, df: Any) -> Any:
    """What travels to the checker: TPC-H answers whole (their order is part
    of the query); db-benchmark answers in a canonical row order (group-by
    with ``sort=False`` and joins leave it unspecified), or as a fingerprint
    when large."""
    if suite == "tpch":
        return df
    import numpy as np
    import pandas as pd

    from tpch.data import normalize

    df = normalize(df)
    if len(df) > FULL_ANSWER_ROWS:
        # Exact up to float rounding in the last digits (these answers' floats
        # are copied or summed over a row or two, never long sums).
        for c in df.columns:
            if df[c].dtype == "float64":
                df[c] = df[c].round(6)
        rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
        return ("fingerprint", len(df), int(np.sum(rows, dtype=np.uint64)))
    return df.sort_values(list(df.columns), kind="stable").reset_index(drop=True)


def check(suite: str, n: int, got: Any, expected: Any) -> str | None:
    """None when ``got`` agrees with DuckDB's ``expected``, else what differs."""
    from tpch.data import same_answer

    if isinstance(expected, tuple) or isinstance(got, tuple):
        return None if got == expected else f"fingerprint {got} != {expected}"
    if suite == "tpch" and n == 17:
        # SQL's sum over no rows is NULL; the DataFrame libraries' is 0.
        expected = expected.fillna(0.0)
    return same_answer(got, expected)


# -- one engine, one suite, in its own process ---------------------------------------------

def worker(engine: str, suite: str, args: Any, out: Path) -> None:
    io = args.io
    paths = paths_of(suite, args)
    start = time.perf_counter()
    run = setup(engine, suite, paths, io)
    load_s = time.perf_counter() - start
    loaded_gib = rss_gib()
    results, answers = {}, {}
    for n in queries_of(suite, args):
        try:
            answers[n] = answer_of(suite, run(n))
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                run(n)
                times.append(time.perf_counter() - t)
            results[n] = {"median_s": statistics.median(times)}
        except Exception as exc:  # noqa: BLE001 - reported, never hidden
            results[n] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    extra = {}
    if engine == "shardframe-ray":
        import ray

        total = ray.cluster_resources().get("object_store_memory", 0)
        free = ray.available_resources().get("object_store_memory", 0)
        extra["object_store_gib"] = (total - free) / 2**30
        ray.shutdown()
        CLUSTER[0].shutdown()
    with open(out, "wb") as f:
        pickle.dump({"engine": engine, "load_s": load_s, "loaded_gib": loaded_gib, "peak_gib": peak,
                     "results": results, "answers": answers, **extra}, f)


def rss_gib() -> float:
    """Resident memory now (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as f:
            import os

            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


# -- the driver ---------------------------------------------------------------------------

def run_suite(suite: str, engines: list[str], args: Any) -> dict[str, Any]:
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        for engine in engines:
            out = Path(tmp) / f"{engine}.pkl"
            cmd = [sys.executable, __file__, "--worker", engine, "--suites", suite, "--out", str(out),
                   "--scale", str(args.scale), "--rows", str(args.rows), "--groups", str(args.groups),
                   "--runs", str(args.runs), "--queries", args.queries, "--io", args.io]
            subprocess.run(cmd, check=True)
            with open(out, "rb") as f:
                reports[engine] = pickle.load(f)
    oracle = reports["duckdb"]["answers"]
    table: dict[int, dict[str, Any]] = {}
    for engine, rep in reports.items():
        for n, r in rep["results"].items():
            if "error" not in r and engine != "duckdb":
                diff = check(suite, n, rep["answers"][n], oracle[n]) if n in oracle else "no oracle"
                if diff:
                    r = {"error": f"WRONG: {diff}"}
            table.setdefault(n, {})[engine] = r
    others = [e for e in engines if e != "shardframe"]
    title = {"tpch": f"TPC-H SF{args.scale:g}",
             "groupby": f"db-benchmark groupby, {float(args.rows):.0e} rows, {float(args.groups):.0e} groups",
             "join": f"db-benchmark join, {float(args.rows):.0e} rows"}[suite]
    print(f"\n{title} ({'from parquet, IO included' if args.io == 'parquet' else 'in memory'}), "
          f"median of {args.runs} runs after a warm-up, seconds (ratio = shardframe / other)")
    print(f"{'q':>3} " + " ".join(f"{e:>14}" for e in engines) + " " + " ".join(f"{'/' + e:>9}" for e in others))
    ratios: dict[str, list[float]] = {e: [] for e in others}
    for n, row in table.items():
        cells = [f"{row[e]['median_s']:>14.3f}" if "median_s" in row[e] else f"{'ERROR':>14}" for e in engines]
        rcells = []
        for e in others:
            a, b = row.get("shardframe", {}), row[e]
            if "median_s" in a and "median_s" in b and b["median_s"] > 0:
                ratios[e].append(a["median_s"] / b["median_s"])
                rcells.append(f"{ratios[e][-1]:>9.2f}")
            else:
                rcells.append(f"{'-':>9}")
        print(f"{n:>3} " + " ".join(cells) + " " + " ".join(rcells))
    geo = {e: math.exp(sum(map(math.log, v)) / len(v)) for e, v in ratios.items() if v}
    print("geometric mean of shardframe/other: " + ", ".join(f"{e} {g:.2f}" for e, g in geo.items()))
    if "shardframe-ray" in geo:
        print(f"ray backend overhead (shardframe-ray / shardframe, geometric mean): {1 / geo['shardframe-ray']:.2f}")
    for e, rep in reports.items():
        store = f", object store {rep['object_store_gib']:.2f} GiB" if "object_store_gib" in rep else ""
        print(f"{e:>14}: load {rep['load_s']:.1f} s, resident after load {rep['loaded_gib']:.2f} GiB, "
              f"peak RSS {rep['peak_gib']:.2f} GiB{store}")
    for n, row in table.items():
        for e in engines:
            if "error" in row[e]:
                print(f"q{n} {e}: {row[e]['error']}")
    return {"title": title, "queries": table, "geomean_ratio": geo,
            "load_s": {e: r["load_s"] for e, r in reports.items()},
            "loaded_gib": {e: r["loaded_gib"] for e, r in reports.items()},
            "peak_gib": {e: r["peak_gib"] for e, r in reports.items()}}


def chart(summary: dict[str, Any], png: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = list(summary)
    fig, axes = plt.subplots(len(suites), 1, figsize=(11, 3.6 * len(suites)), squeeze=False)
    for ax, suite in zip(axes[:, 0], suites, strict=True):
        table = summary[suite]["queries"]
        others = [e for e in next(iter(table.values())) if e != "shardframe"]
        width = 0.8 / max(len(others), 1)
        for i, e in enumerate(others):
            xs, ys = [], []
            for n, row in table.items():
                a, b = row.get("shardframe", {}), row[e]
                if "median_s" in a and "median_s" in b and b["median_s"] > 0:
                    xs.append(int(n) + i * width)
                    ys.append(a["median_s"] / b["median_s"])
            ax.bar(xs, ys, width=width, label=f"shardframe / {e}")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        ax.set(xlabel="query", ylabel="time ratio (lower is better)", title=summary[suite]["title"])
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suites", default=",".join(SUITES))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--rows", type=float, default=1e7)
    ap.add_argument("--groups", type=float, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--io", choices=("memory", "parquet"), default="memory")
    ap.add_argument("--queries", default=",".join(map(str, range(1, 23))), help="TPC-H queries")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--json", default="out/bench.json")
    ap.add_argument("--png", default="out/bench.png")
    args = ap.parse_args()
    suites = args.suites.split(",")
    if args.worker:
        worker(args.worker, suites[0], args, Path(args.out))
        return
    engines = args.engines.split(",")
    if "duckdb" not in engines:
        engines.append("duckdb")  # the answer oracle
    summary = {}
    for suite in suites:
        paths_of(suite, args)  # generate the data once, outside any timing
        summary[suite] = run_suite(suite, engines, args)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"io": args.io, "runs": args.runs, "suites": summary}, indent=2, default=str))
    chart(summary, args.png)
    print(f"wrote {args.json} and {args.png}")


if __name__ == "__main__":
    main()
