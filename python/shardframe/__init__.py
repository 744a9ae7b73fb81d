"""shardframe: the pandas API on partitioned, compressed columns, run by Polars
kernels in parallel.

>>> import shardframe as sf
>>> df = sf.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]})
>>> int(df[df.k == "a"].v.sum())
4
"""

from __future__ import annotations

from shardframe.exceptions import FallbackWarning
from shardframe.frame import DataFrame
from shardframe.io import read_csv, read_json, read_parquet
from shardframe.merge import merge
from shardframe.options import get_option, init, option_context, options, set_option
from shardframe.reshape import crosstab, cut, get_dummies, melt, pivot, pivot_table, qcut
from shardframe.series import Series
from shardframe.tools import concat, from_pandas, to_datetime

__version__ = "0.1.0"

__all__ = [
    "DataFrame",
    "FallbackWarning",
    "Series",
    "concat",
    "crosstab",
    "cut",
    "get_dummies",
    "melt",
    "pivot",
    "pivot_table",
    "qcut",
    "from_pandas",
    "get_option",
    "init",
    "merge",
    "option_context",
    "options",
    "read_csv",
    "read_json",
    "read_parquet",
    "set_option",
    "to_datetime",
]
