"""TPC-H data for tests and benchmarks: generated with tpchgen-cli (PyPI) and
loaded the way a data scientist would (decimals as float64, dates as datetime64)."""

from __future__ import annotations

import datetime
import decimal
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

TABLES = ["lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region"]
DECIMAL_SUFFIXES = ("quantity", "extendedprice", "discount", "tax", "totalprice", "acctbal",
                    "retailprice", "supplycost")
DATE_SUFFIXES = ("shipdate", "commitdate", "receiptdate", "orderdate")


def cache_dir() -> Path:
    return Path(os.environ.get("SHARDFRAME_DATA", Path.home() / ".cache" / "shardframe" / "data"))


def generate(scale: float, out: Path | None = None) -> Path:
    """Parquet files of every table at ``scale``, generated once and cached."""
    out = out or cache_dir() / f"tpch-sf{scale:g}"
    if all((out / f"{t}.parquet").exists() for t in TABLES):
        return out
    exe = shutil.which("tpchgen-cli") or str(Path(sys.executable).parent / "tpchgen-cli")
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run([exe, "parquet", "-s", f"{scale:g}", f"--output-dir={tmp}"], check=True, capture_output=True)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def _casts(columns: list[str]) -> dict[str, str]:
    casts = {}
    for c in columns:
        if c.endswith(DECIMAL_SUFFIXES):
            casts[c] = "float64"
        elif c.endswith(DATE_SUFFIXES):
            casts[c] = "datetime64[ns]"
    return casts


def read_shardframe_table(path: Path) -> Any:
    """One table, lazily: decimals as float64, dates as datetime64."""
    import shardframe as sf

    df = sf.read_parquet(str(path))
    casts = _casts(list(df.columns))
    return df.astype(casts) if casts else df


def load_shardframe(path: Path, partitions: int | None = None) -> dict[str, Any]:
    """Tables held in shardframe's store (``partitions`` per table, or sized by bytes)."""
    import shardframe as sf

    tables = {}
    for name in TABLES:
        df = read_shardframe_table(path / f"{name}.parquet")
        rows = None if partitions is None else max(1, -(-len(df) // partitions))
        with sf.option_context("max_partition_rows", rows):
            tables[name] = df.collect()
    return tables


def load_pandas_table(path: Path) -> Any:
    """One table read whole: decimals as float64, dates as datetime64."""
    import pandas as pd

    df = pd.read_parquet(path)
    for c, dtype in _casts(list(df.columns)).items():
        df[c] = df[c].astype("float64") if dtype == "float64" else pd.to_datetime(df[c]).astype(dtype)
    return df


def load_pandas(path: Path) -> dict[str, Any]:
    return {name: load_pandas_table(path / f"{name}.parquet") for name in TABLES}


def normalize(df: Any) -> Any:
    """Values only, by position: decimals and numbers as float64, dates as
    datetime64[ns], everything else as objects."""
    import pandas as pd

    out = {}
    for i in range(df.shape[1]):
        s = df.iloc[:, i].reset_index(drop=True)
        if s.dtype == object and s.notna().any():
            first = s.dropna().iloc[0]
            if isinstance(first, decimal.Decimal):
                s = s.astype("float64")
            elif isinstance(first, datetime.date):
                s = pd.to_datetime(s)
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.astype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            s = s.astype("float64")
        else:
            s = s.astype(object)
        out[i] = s
    return pd.DataFrame(out)


def same_answer(got: Any, expected: Any) -> str | None:
    """None when the answers agree (floats to 1e-6), else what differs."""
    import pandas as pd

    got, expected = normalize(got), normalize(expected)
    if got.shape != expected.shape:
        return f"shape {got.shape} != {expected.shape}"
    try:
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-6, check_dtype=False)
    except AssertionError as exc:
        return str(exc).splitlines()[0]
    return None
