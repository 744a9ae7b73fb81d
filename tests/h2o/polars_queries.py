"""The db-benchmark questions with Polars' lazy API, as db-benchmark's Polars
solution writes them (groupby-polars.py, join-polars.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

T = dict[str, pl.LazyFrame]


def load(paths: dict[str, Any]) -> T:
    return {name: pl.read_parquet(p).lazy() for name, p in paths.items()}


GROUPBY: dict[int, Callable[[T], pl.LazyFrame]] = {
    1: lambda t: t["x"].group_by("id1").agg(pl.sum("v1")),
    2: lambda t: t["x"].group_by("id1", "id2").agg(pl.sum("v1")),
    3: lambda t: t["x"].group_by("id3").agg(pl.sum("v1"), pl.mean("v3")),
    4: lambda t: t["x"].group_by("id4").agg(pl.mean("v1"), pl.mean("v2"), pl.mean("v3")),
    5: lambda t: t["x"].group_by("id6").agg(pl.sum("v1"), pl.sum("v2"), pl.sum("v3")),
    6: lambda t: t["x"].group_by("id4", "id5").agg(pl.median("v3").alias("median_v3"),
                                                   pl.std("v3").alias("sd_v3")),
    7: lambda t: t["x"].group_by("id3").agg((pl.max("v1") - pl.min("v2")).alias("range_v1_v2")),
    8: lambda t: t["x"].drop_nulls("v3").group_by("id6").agg(pl.col("v3").top_k(2)).explode("v3"),
    9: lambda t: t["x"].group_by("id2", "id4").agg((pl.corr("v1", "v2") ** 2).alias("r2")),
    10: lambda t: t["x"].group_by("id1", "id2", "id3", "id4", "id5", "id6").agg(
        pl.sum("v3"), pl.len().alias("count")),
}

JOIN: dict[int, Callable[[T], pl.LazyFrame]] = {
    1: lambda t: t["x"].join(t["small"], on="id1"),
    2: lambda t: t["x"].join(t["medium"], on="id2"),
    3: lambda t: t["x"].join(t["medium"], on="id2", how="left"),
    4: lambda t: t["x"].join(t["medium"], on="id5"),
    5: lambda t: t["x"].join(t["big"], on="id3"),
}
