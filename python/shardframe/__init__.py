"""shardframe: the pandas API on partitioned, compressed columns, run by Polars
kernels in parallel.

>>> import shardframe as sf
>>> df = sf.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]})
>>> int(df[df.k == "a"].v.sum())
4
"""

from __future__ import annotations

from typing import Any

from shardframe.exceptions import FallbackWarning
from shardframe.frame import DataFrame
from shardframe.io import read_csv, read_feather, read_json, read_parquet
from shardframe.merge import merge
from shardframe.options import get_option, init, option_context, options, set_option
from shardframe.reshape import crosstab, cut, get_dummies, melt, pivot, pivot_table, qcut
from shardframe.series import Series
from shardframe.tools import (
    concat,
    from_pandas,
    isna,
    isnull,
    notna,
    notnull,
    to_datetime,
    to_numeric,
    unique,
)

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
    "read_feather",
    "read_json",
    "read_parquet",
    "set_option",
    "to_datetime",
    "to_numeric",
    "isna",
    "isnull",
    "notna",
    "notnull",
    "unique",
]


def _install_submodule_finder() -> None:
    import sys

    from shardframe._namespace import PandasSubmodules

    if PandasSubmodules not in sys.meta_path:
        sys.meta_path.append(PandasSubmodules)


_install_submodule_finder()


def __getattr__(name: str) -> Any:
    """Every other public name of pandas (see ``shardframe._namespace``)."""
    if name.startswith("_"):
        raise AttributeError(f"module 'shardframe' has no attribute {name!r}")
    import shardframe._namespace

    return shardframe._namespace.resolve(name)


def __dir__() -> list[str]:
    import shardframe._namespace

    return sorted(set(globals()) | set(shardframe._namespace.public_names()))
