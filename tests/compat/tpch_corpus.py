"""Public TPC-H queries written for pandas, run unchanged on shardframe.

The queries are pola-rs/polars-benchmark's ``queries/pandas/qN.py`` (Apache-2.0;
third-party code, kept outside the repository: ``SHARDFRAME_CORPORA`` or
``~/.cache/shardframe/corpora/tpch-pandas/qN.py``). Each file's ``q()`` takes
its tables from ``queries.pandas.utils`` loaders and hands a ``query()``
closure to ``utils.run_query``; this runner supplies both, once with pandas
(tables as the benchmark reads them: ``dtype_backend="pyarrow"``) and once
with ``import pandas as pd`` replaced by ``import shardframe as pd`` (the
same Arrow tables in shardframe), and compares the answers by value.

    python tests/compat/tpch_corpus.py [--scale 0.1] [--queries 1,7,22] [--fallback raise] [--dates datetime]

Prints one line per query (match / differ / error with its first line;
pandas-error when this pandas no longer runs the query) and a count; exits 1
when any query that pandas runs does not match.
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


def _arrow_table(path: Path, dates: str) -> Any:
    """A table as the benchmark's generator writes it: strings (tpchgen-cli
    writes string_view, which pandas' Arrow arrays cannot index), decimals
    as float64, and dates as date32 or, with ``dates="datetime"``,
    timestamps (the queries compare some dates with ``datetime.date`` and
    others with ``pd.Timestamp``; pandas 3 takes each only on its own type)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    fields = []
    for f in table.schema:
        kind = f.type
        if kind == pa.string_view():
            kind = pa.string()
        elif pa.types.is_decimal(kind):
            kind = pa.float64()
        elif pa.types.is_date(kind) and dates == "datetime":
            kind = pa.timestamp("ns")
        fields.append(pa.field(f.name, kind))
    return table.cast(pa.schema(fields))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--queries", default=",".join(str(i) for i in range(1, 23)))
    parser.add_argument("--fallback", default="raise", choices=["raise", "warn", "silent"])
    parser.add_argument("--dates", default="date32", choices=["date32", "datetime"],
                        help="the date columns' type (see _arrow_table)")
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
    arrow = {t: _arrow_table(path / f"{t}.parquet", args.dates) for t in LOADERS.values()}
    pd_tables = {t: table.to_pandas(types_mapper=pd.ArrowDtype) for t, table in arrow.items()}
    sf_tables = {t: sf.DataFrame(table) for t, table in arrow.items()}
    passed = skipped = 0
    queries = [int(q) for q in args.queries.split(",")]
    for n in queries:
        source = (folder / f"q{n}.py").read_text()
        try:
            expected = run(source, "pandas", pd_tables, args.scale)
        except Exception as exc:  # noqa: BLE001 - a query this pandas no longer runs is not counted
            print(f"q{n:<3} pandas-error  {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            skipped += 1
            continue
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
    print(f"{passed} of {len(queries) - skipped} queries match pandas ({skipped} that pandas itself fails not counted)")
    return 0 if passed == len(queries) - skipped else 1


if __name__ == "__main__":
    sys.exit(main())
