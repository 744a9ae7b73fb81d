"""TPC-H's 22 queries in pandas idiom on shardframe, checked against DuckDB
running the SQL on the same generated data (scale factor 0.01)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

import shardframe as sf
from tpch.data import TABLES, generate, load_pandas, load_shardframe, normalize
from tpch.queries import QUERIES
from tpch.sql import SQL


@pytest.fixture(scope="module")
def data_dir() -> Path:
    return generate(0.01)


@pytest.fixture(scope="module", params=[1, 7], ids=["1-partition", "7-partitions"])
def tables(request, data_dir) -> dict[str, sf.DataFrame]:
    return load_shardframe(data_dir, request.param)


@pytest.fixture(scope="module")
def duck(data_dir) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for t in TABLES:
        con.execute(f"create view {t} as select * from read_parquet('{data_dir / (t + '.parquet')}')")
    return con


@pytest.mark.parametrize("n", range(1, 23))
def test_tpch_query_matches_duckdb(n, tables, duck):
    expected = normalize(duck.execute(SQL[n]).df())
    if n == 17:
        # SQL's sum over no rows is NULL; pandas' (and so the pandas idiom's) is 0.
        expected = expected.fillna(0.0)
    got = normalize(QUERIES[n](dict(tables), sf).to_pandas())
    assert got.shape == expected.shape, (got, expected)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-6, check_dtype=False)
    if n not in (6, 14, 17, 19):
        assert len(expected) > 0 or n in (2, 18, 20, 21), f"query {n} has an empty answer at this scale"


@pytest.fixture(scope="module")
def pandas_tables(data_dir) -> dict[str, pd.DataFrame]:
    return load_pandas(data_dir)


@pytest.mark.parametrize("n", range(1, 23))
def test_same_code_on_pandas_gives_the_same_answer(n, pandas_tables, tables):
    """The idiom is honest: run on pandas, the same functions agree with shardframe."""
    expected = normalize(QUERIES[n](dict(pandas_tables), pd))
    got = normalize(QUERIES[n](dict(tables), sf).to_pandas())
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-6, check_dtype=False)


def test_benchmark_harness_smoke(tmp_path, data_dir):
    """The benchmark harness runs end to end at a tiny scale, every suite and
    both IO modes, with every answer checked (no timings asserted)."""
    import json
    import subprocess
    import sys

    script = Path(__file__).parent / "benchmarks" / "bench.py"
    for io in ("memory", "parquet"):
        out = subprocess.run(
            [sys.executable, str(script), "--suites", "tpch,groupby,join", "--scale", "0.01",
             "--rows", "20000", "--groups", "10", "--runs", "1", "--queries", "1,6", "--io", io,
             "--engines", "shardframe,pandas,duckdb",
             "--json", str(tmp_path / "b.json"), "--png", str(tmp_path / "b.png")],
            capture_output=True, text=True, check=True)
        assert out.stdout.count("geometric mean") == 3, out.stdout
        report = json.loads((tmp_path / "b.json").read_text())
        assert report["io"] == io
        suites = report["suites"]
        assert set(suites["tpch"]["queries"]) == {"1", "6"}
        assert set(suites["groupby"]["queries"]) == {str(i) for i in range(1, 11)}
        assert set(suites["join"]["queries"]) == {str(i) for i in range(1, 6)}
        results = [r for s in suites.values() for q in s["queries"].values() for r in q.values()]
        assert all("median_s" in r for r in results), [r for r in results if "median_s" not in r]
        assert (tmp_path / "b.png").stat().st_size > 0


@pytest.mark.partitioned
def test_all_queries_with_shuffle_joins(data_dir, duck):
    """Every join exchanged by key hash (no broadcast) gives the same answers."""
    from tpch.data import same_answer

    tables = load_shardframe(data_dir, 5)
    wrong = []
    with sf.option_context("broadcast_bytes", 0):
        for n in range(1, 23):
            expected = duck.execute(SQL[n]).df()
            if n == 17:
                expected = expected.fillna(0.0)
            diff = same_answer(QUERIES[n](dict(tables), sf).to_pandas(), expected)
            if diff:
                wrong.append((n, diff))
    assert not wrong
