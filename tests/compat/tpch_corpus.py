"""Public TPC-H queries written for pandas, run unchanged on shardframe.

The queries are pola-rs/polars-benchmark's ``queries/pandas/qN.py`` (Apache-2.0;
third-party code, kept outside the repository: ``SHARDFRAME_CORPORA`` or
``~/.cache/shardframe/corpora/tpch-pandas/qN.py``). Each file's ``q()`` takes
its tables from ``queries.pandas.utils`` loaders and hands a ``query()``
closure to ``utils.run_query``; this runner supplies both, once with pandas
(tables read as the benchmark reads them: ``dtype_backend="pyarrow"``) and
once with ``import pandas as pd`` replaced by ``import shardframe as pd``
(tables from ``sf.read_parquet``), and compares the answers by value.

    python tests/compat/tpch_corpus.py [--scale 0.1] [--queries 1,7,22] [--fallback raise]

Prints one line per query (match / differ / error with its first line) and a
count; exits 1 when any query does not match.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import types
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tpch import data  # noqa: E402

LOADERS = {
    "get_line_item_ds": "lineitem", "get_orders_ds": "orders", "get_customer_ds": "customer",
    "get_region_ds": "region", "get_nation_ds": "nation", "get_supplier_ds": "supplier",
    "get_part_ds": "part", "get_part_supp_ds": "partsupp",
}


def corpus_dir() -> Path:
    root = Path(os.environ.get("SHARDFRAME_CORPORA", Path.home() / ".cache" / "shardframe" / "corpora"))
    return root / "tpch-pandas"


def _install_harness(tables: dict[str, Any], scale: float, results: dict[int, Any]) -> None:
    """Stand-ins for the benchmark's ``queries.pandas.utils`` and ``settings``."""
    utils = types.ModuleType("queries.pandas.utils")
    for fn, table in LOADERS.items():
        setattr(utils, fn, lambda table=table: tables[table])

    def run_query(query_number: int, query: Any) -> None:
        results[query_number] = query()

    utils.run_query = run_query  # type: ignore[attr-defined]
    package = types.ModuleType("queries.pandas")
    package.utils = utils  # type: ignore[attr-defined]
    root = types.ModuleType("queries")
    root.pandas = package  # type: ignore[attr-defined]
    settings = types.ModuleType("settings")

    class Settings:
        scale_factor = scale

    settings.Settings = Settings  # type: ignore[attr-defined]
    sys.modules.update({"queries": root, "queries.pandas": package, "queries.pandas.utils": utils,
                        "settings": settings})


def run(source: str, module: str, tables: dict[str, Any], scale: float) -> Any:
    """Run one query file with ``module`` as its ``pd``; its answer as pandas."""
    if module != "pandas":
        source = source.replace("import pandas as pd", f"import {module} as pd")
    results: dict[int, Any] = {}
    _install_harness(tables, scale, results)
    namespace: dict[str, Any] = {"__name__": "tpch_query"}
    exec(compile(source, "query", "exec"), namespace)  # noqa: S102 - the corpus is the point
    namespace["q"]()
    (answer,) = results.values()
    return answer.to_pandas() if hasattr(answer, "to_pandas") else answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--queries", default=",".join(str(i) for i in range(1, 23)))
    parser.add_argument("--fallback", default="raise", choices=["raise", "warn", "silent"])
    args = parser.parse_args()

    import pandas as pd

    import shardframe as sf

    sf.options.fallback = args.fallback
    sf.options.progress = False
    folder = corpus_dir()
    if not (folder / "q1.py").exists():
        print(f"no corpus in {folder}: copy pola-rs/polars-benchmark queries/pandas/qN.py there")
        return 2
    path = data.generate(args.scale)
    pd_tables = {t: pd.read_parquet(path / f"{t}.parquet", dtype_backend="pyarrow") for t in LOADERS.values()}
    sf_tables = {t: sf.read_parquet(str(path / f"{t}.parquet")) for t in LOADERS.values()}
    passed = 0
    queries = [int(q) for q in args.queries.split(",")]
    for n in queries:
        source = (folder / f"q{n}.py").read_text()
        expected = run(source, "pandas", pd_tables, args.scale)
        start = time.perf_counter()
        try:
            got = run(source, "shardframe", sf_tables, args.scale)
        except Exception as exc:  # noqa: BLE001 - reported per query
            where = traceback.extract_tb(exc.__traceback__)[-1]
            print(f"q{n:<3} error   {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                  f"  [{Path(where.filename).name}:{where.lineno}]")
            continue
        elapsed = time.perf_counter() - start
        problem = data.same_answer(got.reset_index(drop=True), expected.reset_index(drop=True))
        if problem is None:
            passed += 1
            print(f"q{n:<3} match   {elapsed:.2f} s")
        else:
            print(f"q{n:<3} differ  {problem}")
    print(f"{passed} of {len(queries)} queries match pandas")
    return 0 if passed == len(queries) else 1


if __name__ == "__main__":
    sys.exit(main())
