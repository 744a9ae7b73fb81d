"""The db-benchmark questions in pandas idiom, as db-benchmark's own pandas
solution writes them (groupby-pandas.py, join-pandas.py). ``m`` is the module
(pandas or shardframe); ``t`` the tables. The same functions run on both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

T = dict[str, Any]
G = {"as_index": False, "sort": False, "observed": True, "dropna": False}


def g1(t: T, m: Any) -> Any:  # sum v1 by id1
    return t["x"].groupby("id1", **G).agg({"v1": "sum"})


def g2(t: T, m: Any) -> Any:  # sum v1 by id1:id2
    return t["x"].groupby(["id1", "id2"], **G).agg({"v1": "sum"})


def g3(t: T, m: Any) -> Any:  # sum v1 mean v3 by id3
    return t["x"].groupby("id3", **G).agg({"v1": "sum", "v3": "mean"})


def g4(t: T, m: Any) -> Any:  # mean v1:v3 by id4
    return t["x"].groupby("id4", **G).agg({"v1": "mean", "v2": "mean", "v3": "mean"})


def g5(t: T, m: Any) -> Any:  # sum v1:v3 by id6
    return t["x"].groupby("id6", **G).agg({"v1": "sum", "v2": "sum", "v3": "sum"})


def g6(t: T, m: Any) -> Any:  # median v3 sd v3 by id4 id5
    return t["x"].groupby(["id4", "id5"], **G).agg(median_v3=("v3", "median"), sd_v3=("v3", "std"))


def g7(t: T, m: Any) -> Any:  # max v1 - min v2 by id3
    x = t["x"]
    out = x.groupby("id3", **G).agg({"v1": "max", "v2": "min"})
    return out.assign(range_v1_v2=lambda d: d["v1"] - d["v2"])[["id3", "range_v1_v2"]]


def g8(t: T, m: Any) -> Any:  # largest two v3 by id6
    x = t["x"]
    return x[~x["v3"].isna()][["id6", "v3"]].sort_values("v3", ascending=False).groupby("id6", **G).head(2)


def g9(t: T, m: Any) -> Any:  # regression v1 v2 by id2 id4 (a Python function per group)
    x = t["x"]
    return x[["id2", "id4", "v1", "v2"]].groupby(["id2", "id4"], **G).apply(
        lambda g: pd.Series({"r2": g.corr()["v1"]["v2"] ** 2}))


def g10(t: T, m: Any) -> Any:  # sum v3 count by id1:id6
    return t["x"].groupby(["id1", "id2", "id3", "id4", "id5", "id6"], **G).agg(v3=("v3", "sum"), count=("v1", "size"))


def j1(t: T, m: Any) -> Any:  # small inner on int
    return t["x"].merge(t["small"], on="id1")


def j2(t: T, m: Any) -> Any:  # medium inner on int
    return t["x"].merge(t["medium"], on="id2")


def j3(t: T, m: Any) -> Any:  # medium outer on int
    return t["x"].merge(t["medium"], how="left", on="id2")


def j4(t: T, m: Any) -> Any:  # medium inner on factor
    return t["x"].merge(t["medium"], on="id5")


def j5(t: T, m: Any) -> Any:  # big inner on int
    return t["x"].merge(t["big"], on="id3")


GROUPBY: dict[int, Callable[[T, Any], Any]] = {i + 1: f for i, f in enumerate((g1, g2, g3, g4, g5, g6, g7, g8, g9, g10))}
JOIN: dict[int, Callable[[T, Any], Any]] = {i + 1: f for i, f in enumerate((j1, j2, j3, j4, j5))}
