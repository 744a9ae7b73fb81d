"""TPC-H benchmark: shardframe against pandas, Polars and DuckDB, measured in the same run.

    python tests/benchmarks/tpch_bench.py [--scale 1] [--runs 3] [--queries 1,3,6]

Each engine runs in its own process (so peak memory is its own): tables are
loaded into memory first (timed apart, as the engines' own benchmarks do),
then every query runs once to warm up and ``--runs`` times more; the median
is reported. Every answer is checked against DuckDB's before its time counts:
a wrong answer is reported as WRONG, never as a time. Writes a table to
stdout, ``out/bench.json`` and a chart of the ratios to ``out/bench.png``.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tpch.data import TABLES, generate, load_pandas, load_shardframe, same_answer  # noqa: E402
from tpch.queries import QUERIES  # noqa: E402
from tpch.sql import SQL  # noqa: E402

ENGINES = ("shardframe", "shardframe-ray", "pandas", "polars", "duckdb")


def worker(engine: str, path: Path, queries: list[int], runs: int, out: Path) -> None:
    start = time.perf_counter()
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        for t in TABLES:
            con.execute(f"create table {t} as select * from read_parquet('{path / (t + '.parquet')}')")

        def run(n: int):
            return con.execute(SQL[n]).df()
    elif engine == "polars":
        from tpch import polars_queries

        tables = polars_queries.load(path)

        def run(n: int):
            return polars_queries.QUERIES[n](tables).collect().to_pandas()
    elif engine == "pandas":
        import pandas as pd

        tables = load_pandas(path)

        def run(n: int):
            return QUERIES[n](dict(tables), pd)
    else:
        import shardframe as sf

        sf.options.progress = False
        sf.options.fallback = "raise"
        if engine == "shardframe-ray":
            # A local two-node Ray cluster (one CPU per node on this 2-core machine),
            # with object stores big enough for SF1 (the test-sized default spills).
            import ray
            from ray.cluster_utils import Cluster

            store = 3 << 30
            cluster = Cluster(initialize_head=True,
                              head_node_args={"num_cpus": 1, "object_store_memory": store})
            cluster.add_node(num_cpus=1, object_store_memory=store)
            ray.init(address=cluster.address, log_to_driver=False)
            cluster.wait_for_nodes()
            sf.options.backend = "ray"
        tables = load_shardframe(path)

        def run(n: int):
            return QUERIES[n](dict(tables), sf).to_pandas()
    load_s = time.perf_counter() - start
    results, answers = {}, {}
    for n in queries:
        try:
            answers[n] = run(n)
            times = []
            for _ in range(runs):
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
        del tables
        ray.shutdown()
        cluster.shutdown()
    with open(out, "wb") as f:
        pickle.dump({"engine": engine, "load_s": load_s, "peak_gib": peak, "results": results,
                     "answers": answers, **extra}, f)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", default=",".join(map(str, range(1, 23))))
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--json", default="out/bench.json")
    ap.add_argument("--png", default="out/bench.png")
    args = ap.parse_args()
    queries = [int(q) for q in args.queries.split(",")]
    path = generate(args.scale)
    if args.worker:
        worker(args.worker, path, queries, args.runs, Path(args.out))
        return
    engines = args.engines.split(",")
    if "duckdb" not in engines:
        engines.append("duckdb")  # the answer oracle
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        for engine in engines:
            out = Path(tmp) / f"{engine}.pkl"
            cmd = [sys.executable, __file__, "--worker", engine, "--scale", str(args.scale),
                   "--runs", str(args.runs), "--queries", args.queries, "--out", str(out)]
            subprocess.run(cmd, check=True)
            with open(out, "rb") as f:
                reports[engine] = pickle.load(f)
    oracle = reports["duckdb"]["answers"]
    table = {}
    for engine, rep in reports.items():
        for n in queries:
            r = rep["results"][n]
            if "error" not in r and engine != "duckdb":
                expected = oracle.get(n)
                if n == 17 and expected is not None:
                    # SQL's sum over no rows is NULL; the DataFrame libraries' is 0.
                    expected = expected.fillna(0.0)
                diff = same_answer(rep["answers"][n], expected) if expected is not None else "no oracle"
                if diff:
                    r = {"error": f"WRONG: {diff}"}
            table.setdefault(n, {})[engine] = r
    print(f"TPC-H SF{args.scale:g}, median of {args.runs} runs after a warm-up, seconds "
          f"(ratio = shardframe / other)")
    others = [e for e in engines if e != "shardframe"]
    head = f"{'q':>3} " + " ".join(f"{e:>11}" for e in engines) + " " + " ".join(f"{'/' + e:>9}" for e in others)
    print(head)
    ratios: dict[str, list[float]] = {e: [] for e in others}
    for n in queries:
        row = table[n]
        cells = []
        for e in engines:
            r = row[e]
            cells.append(f"{r['median_s']:>11.3f}" if "median_s" in r else f"{'ERROR':>11}")
        rcells = []
        for e in others:
            a, b = row.get("shardframe", {}), row[e]
            if "median_s" in a and "median_s" in b and b["median_s"] > 0:
                ratio = a["median_s"] / b["median_s"]
                ratios[e].append(ratio)
                rcells.append(f"{ratio:>9.2f}")
            else:
                rcells.append(f"{'-':>9}")
        print(f"{n:>3} " + " ".join(cells) + " " + " ".join(rcells))
    geo = {e: math.exp(sum(map(math.log, v)) / len(v)) for e, v in ratios.items() if v}
    print("geometric mean of shardframe/other: " + ", ".join(f"{e} {g:.2f}" for e, g in geo.items()))
    if "shardframe-ray" in geo:
        print(f"ray backend overhead (shardframe-ray / shardframe, geometric mean): "
              f"{1 / geo['shardframe-ray']:.2f}")
    for e, rep in reports.items():
        store = f", object store {rep['object_store_gib']:.2f} GiB" if "object_store_gib" in rep else ""
        print(f"{e:>11}: load {rep['load_s']:.1f} s, peak RSS {rep['peak_gib']:.2f} GiB (driver){store}")
    for n in queries:
        for e in engines:
            if "error" in table[n][e]:
                print(f"q{n} {e}: {table[n][e]['error']}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    summary = {"scale": args.scale, "runs": args.runs, "queries": table, "geomean_ratio": geo,
               "load_s": {e: r["load_s"] for e, r in reports.items()},
               "peak_gib": {e: r["peak_gib"] for e, r in reports.items()}}
    Path(args.json).write_text(json.dumps(summary, indent=2, default=str))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 4))
    width = 0.8 / max(len(others), 1)
    for i, e in enumerate(others):
        xs, ys = [], []
        for n in queries:
            a, b = table[n].get("shardframe", {}), table[n][e]
            if "median_s" in a and "median_s" in b and b["median_s"] > 0:
                xs.append(n + i * width)
                ys.append(a["median_s"] / b["median_s"])
        ax.bar(xs, ys, width=width, label=f"shardframe / {e}")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set(xlabel="TPC-H query", ylabel="time ratio (lower is better)", title=f"TPC-H SF{args.scale:g}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.png, dpi=100)
    print(f"wrote {args.json} and {args.png}")


if __name__ == "__main__":
    main()
