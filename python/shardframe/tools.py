"""Top-level functions: ``to_datetime``, ``to_numeric``, ``isna``, ``unique``,
``concat``, ``from_pandas``."""

from __future__ import annotations

from typing import Any

import numpy as np

from shardframe._engine import VALUE_COL as VALUE
from shardframe._expr import lit
from shardframe.frame import DataFrame
from shardframe.series import Series


def to_datetime(arg: Any, errors: str = "raise", dayfirst: bool = False, yearfirst: bool = False, utc: bool = False,
                format: str | None = None, exact: Any = None, unit: str | None = None, origin: Any = "unix",
                cache: bool = True) -> Any:
    """Parse strings, or read numbers as time since the epoch (``unit=``),
    into datetimes (native for a Series of strings or integers).

    Examples
    --------
    >>> import shardframe as sf
    >>> sf.to_datetime(sf.Series([0, 86400]), unit="s").to_list()
    [Timestamp('1970-01-01 00:00:00'), Timestamp('1970-01-02 00:00:00')]
    """
    import pandas as pd

    from shardframe._namespace import through_pandas

    others = dict(dayfirst=dayfirst, yearfirst=yearfirst, utc=utc, exact=exact, origin=origin, cache=cache)
    plain = not dayfirst and not yearfirst and not utc and exact is None and origin == "unix"
    if isinstance(arg, Series) and plain:
        dtype = arg._engine_dtype()
        if dtype.startswith("datetime") and unit is None:
            return arg
        if dtype == "str" and errors == "raise" and unit is None:
            return arg._derive(arg._expr.fn("str_to_datetime", format=format))
        if dtype.startswith(("int", "uint")) and unit in _UNIT_NANOSECONDS and format is None:
            # pandas 3 keeps microseconds, or nanoseconds for unit="ns"
            step, resolution = (1, "ns") if unit == "ns" else (_UNIT_NANOSECONDS[unit] // 1000, "us")
            limit = np.iinfo(np.int64).max // step
            if bool(((arg < -limit) | (arg > limit)).any()):
                raise pd.errors.OutOfBoundsDatetime(f"cannot convert input with unit '{unit}'")
            ticks = arg._expr.fn("cast", dtype="int64").binary("mul", lit(step))
            return arg._derive(ticks.fn("cast", dtype=f"datetime64[{resolution}]"))
    kwargs = {k: v for k, v in others.items() if v is not None}
    return through_pandas(pd.to_datetime, "pandas.to_datetime")(arg, errors=errors, format=format, unit=unit,
                                                                 **kwargs)


# nanoseconds in one of each unit pandas' to_datetime takes for numbers
_UNIT_NANOSECONDS = {"D": 86_400_000_000_000, "h": 3_600_000_000_000, "m": 60_000_000_000,
                     "s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def to_numeric(arg: Any, errors: str = "raise", downcast: str | None = None, **kwargs: Any) -> Any:
    """Convert to a numeric dtype, as :func:`pandas.to_numeric`: strings become
    int64 when every value is an integer, else float64 (native for a Series).

    Examples
    --------
    >>> import shardframe as sf
    >>> sf.to_numeric(sf.Series(["1", "2", "x"]), errors="coerce").to_list()
    [1.0, 2.0, nan]
    """
    import pandas as pd

    from shardframe._namespace import through_pandas

    if not isinstance(arg, Series) or downcast is not None or kwargs:
        return through_pandas(pd.to_numeric, "pandas.to_numeric")(arg, errors=errors, downcast=downcast, **kwargs)
    if errors not in ("raise", "coerce"):
        raise ValueError("invalid error value specified")
    dtype = arg._engine_dtype()
    if dtype != "str":
        if dtype.startswith(("int", "uint", "float")) or dtype == "bool":
            return arg
        return through_pandas(pd.to_numeric, "pandas.to_numeric")(arg, errors=errors)
    present = arg._expr.fn("is_null").fn("not")
    for target in ("int64", "float64"):
        parsed = arg._expr.fn("cast", dtype=target, strict=False)
        failed = arg._derive(present.binary("and", parsed.fn("is_null")))
        if not failed.any():
            return arg._derive(parsed)
    if errors == "coerce":
        return arg._derive(arg._expr.fn("cast", dtype="float64", strict=False))
    pos = int(np.argmax(failed.to_numpy()))
    raise ValueError(f'Unable to parse string "{arg.iloc[pos]}" at position {pos}')


def isna(obj: Any) -> Any:
    """Missing values, as :func:`pandas.isna` (native for shardframe objects).

    Examples
    --------
    >>> import shardframe as sf
    >>> sf.isna(sf.Series([1.0, None])).to_list()
    [False, True]
    >>> bool(sf.isna(None))
    True
    """
    import pandas as pd

    if isinstance(obj, (Series, DataFrame)):
        return obj.isna()
    return pd.isna(obj)


def notna(obj: Any) -> Any:
    """Values present, as :func:`pandas.notna` (native for shardframe objects).

    Examples
    --------
    >>> import shardframe as sf
    >>> sf.notna(sf.Series([1.0, None])).to_list()
    [True, False]
    """
    import pandas as pd

    if isinstance(obj, (Series, DataFrame)):
        return obj.notna()
    return pd.notna(obj)


isnull = isna
notnull = notna


def unique(values: Any) -> Any:
    """Distinct values in order of appearance, as :func:`pandas.unique`.

    Examples
    --------
    >>> import shardframe as sf
    >>> sf.unique(sf.Series([2, 1, 2])).tolist()
    [2, 1]
    """
    import pandas as pd

    if isinstance(values, Series):
        return values.unique()
    return pd.unique(values)


def from_pandas(obj: Any) -> Any:
    """A shardframe DataFrame or Series holding a copy of a pandas object."""
    import pandas as pd

    if isinstance(obj, pd.Series):
        return Series(obj)
    return DataFrame(obj)


def concat(objs: Any, axis: Any = 0, join: str = "outer", ignore_index: bool = False, keys: Any = None,
           **kwargs: Any) -> Any:
    """Stack frames or Series (axis 0) by column name, or put them side by
    side (axis 1) aligned on their row labels, as :func:`pandas.concat`.

    Examples
    --------
    >>> import shardframe as sf
    >>> a = sf.DataFrame({"x": [1, 2], "y": [3, 4]})
    >>> b = sf.DataFrame({"x": [5]})
    >>> sf.concat([a, b], ignore_index=True).x.to_list()
    [1, 2, 5]
    >>> list(sf.concat([a, b], join="inner").columns)
    ['x']
    >>> sf.concat([a.x, b.x]).to_list()
    [1, 2, 5]
    """
    from shardframe._base import announce_fallback

    if isinstance(objs, dict):
        keys, objs = list(objs), list(objs.values()) if keys is None else [objs[k] for k in keys]
    objs = [o for o in objs if o is not None]
    if not objs:
        raise ValueError("No objects to concatenate")
    for o in objs:
        if not isinstance(o, (Series, DataFrame)):
            raise TypeError(f"cannot concatenate object of type '{type(o)}'; only Series and DataFrame objs are valid")
    if join not in ("outer", "inner"):
        raise ValueError("Only can inner (intersect) or outer (union) join the other axis")
    if keys is not None or kwargs or (join == "inner" and axis in (1, "columns")):
        import pandas as pd

        from shardframe._base import _unwrap, _wrap_result

        options = ["keys"] if keys is not None else [*kwargs] or ["join='inner' along axis 1"]
        announce_fallback(f"concat with {', '.join(options)}")
        return _wrap_result(pd.concat([_unwrap(o) for o in objs], axis=axis, join=join,
                                      ignore_index=ignore_index, keys=keys, **kwargs))
    if axis in (0, "index") and all(isinstance(o, Series) for o in objs):
        names = {o.name for o in objs}
        name = names.pop() if len(names) == 1 else None
        stacked = _concat_frames([o.to_frame(VALUE) for o in objs], 0, "outer", ignore_index)
        return stacked[VALUE].rename(name)
    side_by_side = axis in (1, "columns")
    # unnamed Series side by side are numbered 0, 1, ... among themselves, as in pandas
    unnamed = iter(range(len(objs)))
    frames = [(o.to_frame(next(unnamed) if side_by_side and o.name is None else None) if isinstance(o, Series)
               else o if isinstance(o, DataFrame) else DataFrame(o)) for o in objs]
    return _concat_frames(frames, axis, join, ignore_index)


def _concat_frames(frames: list[DataFrame], axis: Any, join: str, ignore_index: bool) -> DataFrame:
    from shardframe._base import announce_fallback
    from shardframe._core import PyPlan
    from shardframe._engine import index_col
    from shardframe._expr import col

    if join == "inner":
        common = [c for c in frames[0].columns if all(c in f._cols for f in frames[1:])]
        frames = [f[common] for f in frames]
    if axis in (1, "columns") and not ignore_index and _same_index(frames):
        # Side by side: every frame has the same row labels, so columns line up by position.
        out = frames[0].copy()
        for f in frames[1:]:
            for name in f.columns:
                if name in out._cols:
                    raise ValueError(f"duplicate column {name!r}: shardframe needs unique column names")
                if f._plan is out._plan:
                    out[name] = f[name]
                else:
                    out._set_positional(name, f[name], positional=True)
        return out
    if axis in (1, "columns") and not ignore_index:
        # Different row labels: aligned on their union, in order of appearance.
        from shardframe.merge import check_unique_index, union_on_index

        # Each frame is checked once (a union of unique labels is unique).
        for f in frames:
            check_unique_index(f)
        out = frames[0]
        for f in frames[1:]:
            dup = [c for c in f.columns if c in out._cols]
            if dup:
                raise ValueError(f"duplicate column {dup[0]!r}: shardframe needs unique column names")
            out = union_on_index(out, f)
        return out
    if axis not in (0, "index"):
        announce_fallback("concat(axis=1, ignore_index=True)")
        import pandas as pd

        return DataFrame(pd.concat([f.to_pandas() for f in frames], axis=1, ignore_index=ignore_index))
    stackable = _categories_as_values(frames)
    if stackable is None:
        announce_fallback("concat of categorical columns with different categories")
        import pandas as pd

        return DataFrame(pd.concat([f.to_pandas() for f in frames], ignore_index=ignore_index))
    frames = stackable
    names: list[Any] = []
    for f in frames:
        names += [c for c in f._cols if c not in names]
    if ignore_index:
        plans = [f._data_plan() for f in frames]
        return DataFrame._from_plan(PyPlan.concat(plans), names, None)
    levels = {1 if f._index is None else len(f._index) for f in frames}
    if len(levels) != 1:
        raise ValueError("cannot concatenate frames with different numbers of index levels")
    plans = []
    for f in frames:
        plan = f._output_plan()
        plans.append(plan.row_index(index_col(0)) if f._index is None else plan)
    first = frames[0]
    labels = [None] if first._index is None else first._index_names()
    index = [(label, col(index_col(i))) for i, label in enumerate(labels)]
    return DataFrame._from_plan(PyPlan.concat(plans), names, index)


def _categories_as_values(frames: list[DataFrame]) -> list[DataFrame] | None:
    """pandas stacks categorical columns of different dtypes as their values:
    such a column of string categories becomes ``str`` in every frame. None
    when other categories differ (the concat then goes to pandas)."""
    import pandas as pd

    holders: dict[Any, list[int]] = {}
    for i, f in enumerate(frames):
        schema = f._schema()
        for name in f._cols:
            if schema[str(name)] == "category":
                holders.setdefault(name, []).append(i)
    shared = {n: held for n, held in holders.items() if len(held) > 1}
    if not shared:
        return frames
    dtypes = {i: frames[i].dtypes for held in shared.values() for i in held}
    frames = list(frames)
    for name, held in shared.items():
        kinds = {(tuple(dtypes[i][name].categories), dtypes[i][name].ordered) for i in held}
        if len(kinds) == 1:
            continue
        if not all(pd.api.types.is_string_dtype(dtypes[i][name].categories.dtype) for i in held):
            return None
        for i in held:
            frames[i] = frames[i].copy()
            frames[i][name] = frames[i][name].astype(str)
    return frames


def _same_index(frames: list[DataFrame]) -> bool:
    first = frames[0]
    if all(f._index is None for f in frames):
        n = len(first)
        return all(len(f) == n for f in frames)
    idx = first.index
    return all(f.index.equals(idx) for f in frames[1:])
