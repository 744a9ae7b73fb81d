"""Top-level functions: ``to_datetime``, ``concat``, ``from_pandas``."""

from __future__ import annotations

from typing import Any

from shardframe.frame import DataFrame
from shardframe.series import Series


def to_datetime(arg: Any, format: str | None = None, errors: str = "raise") -> Any:
    """Parse strings into datetimes (native for a string Series)."""
    import pandas as pd

    if isinstance(arg, Series):
        dtype = arg._engine_dtype()
        if dtype.startswith("datetime"):
            return arg
        if dtype == "str" and errors == "raise":
            return arg._derive(arg._expr.fn("str_to_datetime", format=format))
        return Series(pd.to_datetime(arg.to_pandas(), format=format, errors=errors))  # type: ignore[call-overload]
    return pd.to_datetime(arg, format=format, errors=errors)  # type: ignore[call-overload]


def from_pandas(obj: Any) -> Any:
    """A shardframe DataFrame or Series holding a copy of a pandas object."""
    import pandas as pd

    if isinstance(obj, pd.Series):
        return Series(obj)
    return DataFrame(obj)


def concat(objs: list[Any], axis: int = 0, ignore_index: bool = False) -> DataFrame:
    """Stack frames (axis 0) by column name; columns missing in a frame are null."""
    from shardframe._core import PyPlan

    frames = [o if isinstance(o, DataFrame) else DataFrame(o) for o in objs]
    if axis != 0 or any(f._index is not None for f in frames) and not ignore_index:
        import pandas as pd

        return DataFrame(pd.concat([f.to_pandas() for f in frames], axis=axis, ignore_index=ignore_index))
    names: list[Any] = []
    for f in frames:
        names += [c for c in f._cols if c not in names]
    plans = [f._data_plan() for f in frames]
    return DataFrame._from_plan(PyPlan.concat(plans), names, None)
