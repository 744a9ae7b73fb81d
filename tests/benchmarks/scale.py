"""Relational operations at 10 million rows on this machine: time and peak
memory, shardframe against pandas, one process per (engine, operation).

    python tests/benchmarks/scale.py            # all, prints a table
    python tests/benchmarks/scale.py sf groupby # one measurement (used internally)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

N = 10_000_000
KEYS = 1_000_000


def make(mod):
    import numpy as np

    rng = np.random.default_rng(0)
    big = mod.DataFrame({"k": rng.integers(0, KEYS, N), "v": rng.normal(size=N), "w": rng.integers(0, 100, N)})
    small = mod.DataFrame({"k": np.arange(KEYS), "name": rng.integers(0, 1000, KEYS)})
    return big, small


def run(engine: str, op: str) -> dict:
    if engine == "sf":
        import shardframe as mod

        mod.options.progress = False
    else:
        import pandas as mod
    big, small = make(mod)
    if engine == "sf":
        big, small = big.collect(), small.collect()
    start = time.perf_counter()
    if op == "groupby":
        out = big.groupby("k").agg(s=("v", "sum"), m=("w", "mean"), n=("v", "count"))
    elif op == "merge":
        out = big.merge(small, on="k")
    else:
        out = big.sort_values(["k", "v"])
    rows = len(out)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {"engine": engine, "op": op, "rows": rows, "seconds": round(elapsed, 2), "peak_gib": round(peak, 2)}


def main() -> None:
    if len(sys.argv) == 3:
        print(json.dumps(run(sys.argv[1], sys.argv[2])))
        return
    results = []
    for op in ("groupby", "merge", "sort"):
        for engine in ("pandas", "sf"):
            out = subprocess.run([sys.executable, __file__, engine, op], capture_output=True, text=True, check=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'op':8} {'engine':8} {'rows':>10} {'seconds':>8} {'peak GiB':>9}")
    for r in results:
        print(f"{r['op']:8} {r['engine']:8} {r['rows']:>10} {r['seconds']:>8} {r['peak_gib']:>9}")


if __name__ == "__main__":
    main()
