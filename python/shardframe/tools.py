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
    """Stack frames (axis 0) by column name; columns missing in a frame are null.
    Row labels are kept (a RangeIndex contributes its positions), as in pandas."""
    from shardframe._base import announce_fallback
    from shardframe._core import PyPlan
    from shardframe._engine import index_col
    from shardframe._expr import col

    frames = [o if isinstance(o, DataFrame) else DataFrame(o) for o in objs]
    if not frames:
        raise ValueError("No objects to concatenate")
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
