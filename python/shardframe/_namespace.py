"""pandas' top-level names that shardframe does not define itself.

``import shardframe as pd`` must not stop at the first ``pd.Timestamp``: every
public name of ``pandas`` resolves on ``shardframe`` (module ``__getattr__``,
so pandas is still imported only when first needed).

- Scalars, dtypes, index classes, offsets, modules and option helpers are
  pandas' own objects: they hold no shardframe data, and a shardframe frame
  takes them wherever pandas does.
- A pandas function that is not native runs through pandas. When it touches
  shardframe data (an argument is a shardframe frame or Series) or makes a
  table (it returns a DataFrame or Series), that is a fallback: announced by a
  :class:`~shardframe.exceptions.FallbackWarning`, refused under
  ``options.fallback == "raise"``, and its table result comes back as a
  shardframe object. Scalars in and scalars (or Index objects) out are pandas'
  computations on pandas' objects and run silently, as ``pd.Timestamp`` does.
"""

from __future__ import annotations

import functools
from typing import Any

# Objects that carry no table data: taken from pandas as they are.
PASSTHROUGH = frozenset({
    # scalars and missing-value markers
    "Timestamp", "Timedelta", "Period", "Interval", "DateOffset", "NaT", "NA",
    # dtypes
    "ArrowDtype", "BooleanDtype", "CategoricalDtype", "DatetimeTZDtype", "Float32Dtype",
    "Float64Dtype", "Int8Dtype", "Int16Dtype", "Int32Dtype", "Int64Dtype", "IntervalDtype",
    "PeriodDtype", "SparseDtype", "StringDtype", "UInt8Dtype", "UInt16Dtype", "UInt32Dtype",
    "UInt64Dtype",
    # index objects (a frame's index is a pandas Index) and array types
    "Index", "RangeIndex", "MultiIndex", "DatetimeIndex", "TimedeltaIndex", "PeriodIndex",
    "IntervalIndex", "CategoricalIndex", "Categorical", "IndexSlice", "array",
    # group-by helpers, pandas' named aggregation, expression helpers
    "Grouper", "NamedAgg", "NamedFunc", "col", "Flags",
    # index constructors: they make pandas Index objects from scalars
    "date_range", "bdate_range", "period_range", "timedelta_range", "interval_range",
    "infer_freq",
    # modules
    "api", "arrays", "errors", "offsets", "tseries", "testing", "util", "plotting", "io",
    "compat", "core",
    # display and environment
    "describe_option", "reset_option", "set_eng_float_format", "show_versions", "test",
    # file handles (their readers go through read_excel / HDFStore.select, announced below)
    "ExcelFile", "ExcelWriter", "HDFStore",
})

# Readers and table builders: announced before pandas runs them, so that
# ``options.fallback == "raise"`` refuses them before any work.
MAKES_TABLES = frozenset({
    "read_clipboard", "read_excel", "read_fwf", "read_hdf", "read_html",
    "read_iceberg", "read_orc", "read_pickle", "read_sas", "read_spss", "read_sql",
    "read_sql_query", "read_sql_table", "read_stata", "read_table", "read_xml",
    "json_normalize", "from_dummies", "lreshape", "wide_to_long", "merge_asof", "merge_ordered",
})

# Names of pandas that shardframe must never hand out.
HIDDEN = frozenset({"annotations", "pandas"})


def public_names() -> list[str]:
    """Every public name of ``pandas``."""
    import pandas as pd

    return [n for n in dir(pd) if not n.startswith("_") and n not in HIDDEN]


def resolve(name: str) -> Any:
    """The object ``shardframe.<name>`` stands for when shardframe has no own one."""
    import pandas as pd

    if name.startswith("_") or name in HIDDEN or not hasattr(pd, name):
        raise AttributeError(f"module 'shardframe' has no attribute {name!r}")
    obj = getattr(pd, name)
    if name in PASSTHROUGH or not callable(obj) or isinstance(obj, type):
        return obj
    if name == "eval":
        return _eval(obj)
    return through_pandas(obj, f"pandas.{name}")


def through_pandas(func: Any, what: str) -> Any:
    """``func`` (a pandas function) taking and giving shardframe objects: a
    fallback when it touches shardframe data or returns a table."""

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        import pandas as pd

        from shardframe._base import _Rows, _unwrap, _wrap_result, announce_fallback

        ours = any(isinstance(a, _Rows) for a in (*args, *kwargs.values()))
        if ours or func.__name__ in MAKES_TABLES:
            announce_fallback(what)
            args = tuple(_unwrap(a) for a in args)
            kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        result = func(*args, **kwargs)
        if isinstance(result, (pd.DataFrame, pd.Series)):
            if not ours and func.__name__ not in MAKES_TABLES:
                announce_fallback(what)
            return _wrap_result(result)
        return result

    return call


def _eval(func: Any) -> Any:
    """``pandas.eval``, resolving names in the caller's frame as pandas does
    (one frame further up: this wrapper's own frame is not the caller's)."""

    @functools.wraps(func)
    def call(expr: Any, *args: Any, level: int = 0, **kwargs: Any) -> Any:
        return through_pandas(func, "pandas.eval")(expr, *args, level=level + 2, **kwargs)

    return call


# pandas' submodules that shardframe does not have itself: ``import
# shardframe.api.types`` (``import pandas.api.types`` in code handed
# shardframe for pandas) gives pandas' module.
SUBMODULES = ("api", "arrays", "compat", "core", "errors", "testing", "tseries", "util")


class PandasSubmodules:
    """A finder on ``sys.meta_path`` for ``shardframe.<sub>[.…]`` with
    ``<sub>`` in :data:`SUBMODULES`: the module is pandas' own."""

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> Any:
        parts = fullname.split(".")
        if len(parts) < 2 or parts[0] != "shardframe" or parts[1] not in SUBMODULES:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(fullname, PandasSubmodules)

    @staticmethod
    def create_module(spec: Any) -> Any:
        import importlib

        return importlib.import_module("pandas." + spec.name.split(".", 1)[1])

    @staticmethod
    def exec_module(module: Any) -> None:
        return None
