"""Relational operations at 10 million rows on this machine: time and peak
memory, shardframe against pandas, one process per (engine, operation, source).

Two sources: ``memory`` builds the frames from numpy arrays in the measured
process; ``parquet`` reads them from parquet files written beforehand (by
another process), as a user with data on disk would.

    python tests/benchmarks/scale.py                    # all, prints a table
    python tests/benchmarks/scale.py sf groupby memory  # one measurement (used internally)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = 10_000_000
KEYS = 1_000_000


def make(mod):
    import numpy as np

    rng = np.random.default_rng(0)
    big = mod.DataFrame({"k": rng.integers(0, KEYS, N), "v": rng.normal(size=N), "w": rng.integers(0, 100, N)})
    small = mod.DataFrame({"k": np.arange(KEYS), "name": rng.integers(0, 1000, KEYS)})
    return big, small


DATA = Path(tempfile.gettempdir()) / "shardframe-scale"


def write_parquet() -> None:
    """The same frames as parquet: `big` in 8 files (as a dataset usually is)."""
    import pandas as pd

    if (DATA / "small.parquet").exists():
        return
    (DATA / "big").mkdir(parents=True, exist_ok=True)
    big, small = make(pd)
    step = N // 8
    for i in range(8):
        big.iloc[i * step:(i + 1) * step].to_parquet(DATA / "big" / f"part-{i}.parquet")
    small.to_parquet(DATA / "small.parquet")


def run(engine: str, op: str, source: str) -> dict:
    if engine == "sf":
        import shardframe as mod

        mod.options.progress = False
    else:
        import pandas as mod
    if source == "parquet":
        big = mod.read_parquet(str(DATA / "big" / "*.parquet") if engine == "sf" else DATA / "big")
        small = mod.read_parquet(str(DATA / "small.parquet"))
    else:
        big, small = make(mod)
    if engine == "sf" and source == "memory":
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
    return {"engine": engine, "op": op, "source": source, "rows": rows,
            "seconds": round(elapsed, 2), "peak_gib": round(peak, 2)}


def main() -> None:
    if len(sys.argv) == 4:
        print(json.dumps(run(*sys.argv[1:4])))
        return
    write_parquet()
    results = []
    for source in ("memory", "parquet"):
        for op in ("groupby", "merge", "sort"):
            for engine in ("pandas", "sf"):
                out = subprocess.run([sys.executable, __file__, engine, op, source],
                                     capture_output=True, text=True, check=True)
                results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("seconds: the operation alone (pandas reads eagerly, shardframe lazily, so from parquet")
    print("shardframe's time includes reading); peak: the whole process")
    print(f"{'source':8} {'op':8} {'engine':8} {'rows':>10} {'seconds':>8} {'peak GiB':>9}")
    for r in results:
        print(f"{r['source']:8} {r['op']:8} {r['engine']:8} {r['rows']:>10} {r['seconds']:>8} {r['peak_gib']:>9}")


if __name__ == "__main__":
    main()
