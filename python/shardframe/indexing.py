"""``.loc`` and ``.iloc``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from shardframe.exceptions import OutOfBoundsError

if TYPE_CHECKING:
    from shardframe.frame import DataFrame
    from shardframe.series import Series


def _split_key(key: Any) -> tuple[Any, Any]:
    if isinstance(key, tuple) and len(key) == 2:
        return key
    return key, slice(None)


class FrameLoc:
    """Label-based selection: ``df.loc[mask, cols]``, ``df.loc[label]``, ``df.loc[a:b]``."""

    def __init__(self, frame: DataFrame) -> None:
        self._f = frame

    def _row_mask(self, rows: Any) -> tuple[DataFrame, Series | None, bool]:
        """(frame, boolean Series over that frame's plan or None for all rows,
        whether ``rows`` named a single label)."""
        from shardframe.series import Series

        f = self._f
        if isinstance(rows, slice) and rows == slice(None):
            return f, None, False
        if isinstance(rows, Series):
            return f, rows, False
        if isinstance(rows, slice):
            if rows.step not in (None, 1):
                raise TypeError("label slices with a step are not supported natively")
            f, idx = f._with_index_series()
            if f._index is not None and not _increasing(idx):
                return _between_labels(f, idx, rows.start, rows.stop)
            mask = None
            if rows.start is not None:
                mask = idx >= rows.start
            if rows.stop is not None:
                upper = idx <= rows.stop
                mask = upper if mask is None else mask & upper
            return f, mask, False
        if isinstance(rows, (list, tuple, np.ndarray)):
            labels = list(rows)
            if labels and all(isinstance(x, (bool, np.bool_)) for x in labels):
                return f, None, False
            f, idx = f._with_index_series()
            return f, idx.isin(labels), False
        f, idx = f._with_index_series()
        return f, idx == rows, True

    def __getitem__(self, key: Any) -> Any:
        rows, cols = _split_key(key)
        if isinstance(rows, (list, tuple, np.ndarray)) and len(rows) and all(
                isinstance(x, (bool, np.bool_)) for x in rows):
            frame = self._f[list(rows)]
            single = False
        else:
            frame, mask, single = self._row_mask(rows)
            if mask is not None:
                frame = frame[mask]
            if isinstance(rows, (list, tuple, np.ndarray)) and not single:
                present = set(frame.index.to_list())
                missing = [x for x in rows if x not in present]
                if missing:
                    raise KeyError(f"{missing} not in index")
                frame = _in_label_order(frame, list(rows))
        if not (isinstance(cols, slice) and cols == slice(None)):
            if isinstance(cols, slice):
                names = list(frame.columns)
                a = names.index(cols.start) if cols.start is not None else 0
                b = names.index(cols.stop) + 1 if cols.stop is not None else len(names)
                frame = frame[names[a:b]]
            else:
                frame = frame[cols]
        if single:
            n = len(frame)
            if n == 0:
                raise KeyError(rows)
            if n == 1:
                # One label: a row (as a pandas Series) or a scalar.
                return frame.to_pandas().iloc[0]
        return frame

    def __setitem__(self, key: Any, value: Any) -> None:
        from shardframe._expr import lit

        rows, cols = _split_key(key)
        f = self._f
        names = list(f.columns) if isinstance(cols, slice) and cols == slice(None) else (
            cols if isinstance(cols, list) else [cols])
        frame, mask, single = self._row_mask(rows)
        if single and not mask.any():
            _append_row(f, rows, names, value)
            return
        if frame._plan is not f._plan:
            # A RangeIndex gained a column of positions: same rows, same columns.
            f._init(frame._plan, dict(f._cols), f._index)
        if mask is None:
            for name in names:
                f[name] = value
            return
        if mask._plan is not f._plan:
            raise ValueError("boolean mask must come from the same frame")
        cond = mask._expr.fn("fill_null", lit(False))
        new = dict(f._cols)
        for name in names:
            val = f._as_expr(value, name)
            new[name] = cond.fn("where", val, new.get(name, lit(None)))
        f._set_cols(new)


def _increasing(idx: Series) -> bool:
    """Whether the labels never decrease (one pass)."""
    previous = idx.shift(1)
    return bool(((idx >= previous) | previous.isna()).all())


def _between_labels(f: DataFrame, idx: Series, start: Any, stop: Any) -> tuple[DataFrame, Series, bool]:
    """``loc[start:stop]`` over labels out of order: the rows from the
    position of ``start`` to that of ``stop``, as pandas slices them (each
    label present once)."""
    from shardframe._expr import col
    from shardframe.frame import DataFrame, _free_name
    from shardframe.series import Series

    name = _free_name({n for n, _ in f._plan.schema()}, "__slice_pos__")
    plan = f._plan.row_index(name)
    f = DataFrame._new(plan, dict(f._cols), f._index)
    idx = Series._new(plan, idx._expr, idx.name, f._index)
    pos = Series._new(plan, col(name), None, f._index)
    mask = None
    for label, side in ((start, "left"), (stop, "right")):
        if label is None:
            continue
        found = pos[idx == label]
        if len(found) == 0:
            raise KeyError(label)
        if len(found) > 1:
            raise KeyError(f"Cannot get {side} slice bound for non-unique label: {label!r}")
        at = int(found.iloc[0])
        bound = pos >= at if side == "left" else pos <= at
        mask = bound if mask is None else mask & bound
    if mask is None:
        mask = pos >= 0
    return f, mask, False


def _append_row(f: DataFrame, label: Any, names: list[Any], value: Any) -> None:
    """``df.loc[new_label, cols] = value``: pandas adds the row, missing in
    the other columns (columns the frame lacks are added too)."""
    import pandas as pd

    from shardframe.frame import DataFrame
    from shardframe.tools import concat

    values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value] * len(names)
    if len(values) != len(names):
        raise ValueError("Must have equal len keys and value when setting with an iterable")
    index_name = None if f._index is None else f._index_names()[0]
    row = pd.DataFrame([values], columns=pd.Index(names), index=pd.Index([label], name=index_name))
    out = concat([f, DataFrame(row)])
    f._init(out._plan, dict(out._cols), out._index)
    object.__setattr__(f, "_cache", None)


def _is_pandas_index(obj: Any) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "to_numpy")


def _take(f: DataFrame, positions: list[Any]) -> DataFrame:
    """``iloc[positions]``: the rows at those positions, in that order (a
    list of booleans selects where True)."""
    n = len(f)
    if positions and all(isinstance(p, (bool, np.bool_)) for p in positions):
        if len(positions) != n:
            raise IndexError(f"Boolean index has wrong length: {len(positions)} instead of {n}")
        return f[positions]  # type: ignore[no-any-return]
    if not all(isinstance(p, (int, np.integer)) for p in positions):
        raise IndexError(".iloc requires numeric indexers, got " + repr(positions[:5]))
    pos = [int(p) + n if p < 0 else int(p) for p in positions]
    if any(not 0 <= p < n for p in pos):
        raise IndexError("positional indexers are out-of-bounds")
    return _rows_at(f, pos)


def _wanted_rows(rows: Any, key: str, wanted: Any, keep_missing: bool) -> Any:
    """``rows`` (a plan) joined with the values ``wanted`` of its column
    ``key``, one result row per wanted value (and per matching row), in the
    order of ``wanted``; ``keep_missing``: wanted values no row has give a
    row of missing values. The wanted value is ``__want_key``."""
    import pyarrow as pa

    from shardframe import _engine
    from shardframe._expr import col, dumps

    table = _engine.from_arrow(pa.table({"__want_key": pa.array(wanted, from_pandas=True),
                                         "__want_order": pa.array(range(len(wanted)), pa.int64())}))
    spec = {"how": "left" if keep_missing else "inner", "left_on": ["__want_key"], "right_on": [key],
            "coalesce": False, "suffix": "__rr", "maintain_order": "left"}
    return table.join(rows, dumps(spec)).sort(dumps(
        {"by": [col("__want_order")], "descending": [False], "nulls_last": True, "stable": False}))


def _rows_at(f: DataFrame, pos: list[int]) -> DataFrame:
    """The rows at positions ``pos`` (in range; repeats allowed), in that order."""
    from shardframe._base import select_json
    from shardframe._engine import index_col
    from shardframe._expr import col
    from shardframe.frame import DataFrame

    plan, index = f._with_positions()
    items = [{"name": index_col(i), "expr": e} for i, (_, e) in enumerate(index or [])]
    items += [{"name": f"__c{j}", "expr": e} for j, e in enumerate(f._cols.values())]
    rows = plan.row_index("__take_pos").select(select_json([*items, {"name": "__take_pos", "expr": col("__take_pos")}]))
    joined = _wanted_rows(rows, "__take_pos", np.asarray(pos, dtype="int64"), keep_missing=False)
    out = joined.select(select_json([{"name": it["name"], "expr": col(it["name"])} for it in items]))
    cols = {label: col(f"__c{j}") for j, label in enumerate(f._cols)}
    out_index = [(label, col(index_col(i))) for i, (label, _) in enumerate(index or [])]
    return DataFrame._new(out, cols, out_index)


def reindex_rows(f: DataFrame, labels: Any, fill_value: Any = None) -> DataFrame:
    """The rows labelled ``labels``, in that order, missing (or
    ``fill_value``) where the frame has no such label (its index is unique)."""
    import pandas as pd

    from shardframe._base import select_json
    from shardframe._engine import index_col
    from shardframe._expr import col, lit
    from shardframe.exceptions import InvalidIndexError
    from shardframe.frame import DataFrame
    from shardframe.merge import check_unique_index

    try:
        check_unique_index(f)
    except InvalidIndexError as repeated:  # reindex raises ValueError in pandas
        raise ValueError("cannot reindex on an axis with duplicate labels") from repeated
    wanted_index = labels if isinstance(labels, pd.Index) else pd.Index(list(labels))
    plan, index = f._with_positions()
    assert index is not None
    items = [{"name": "__row_key", "expr": index[0][1]}]
    items += [{"name": f"__c{j}", "expr": e} for j, e in enumerate(f._cols.values())]
    joined = _wanted_rows(plan.select(select_json(items)), "__row_key", wanted_index.to_numpy(), keep_missing=True)
    out_items = [{"name": index_col(0), "expr": col("__want_key")}]
    for j in range(len(f._cols)):
        e = col(f"__c{j}")
        if fill_value is not None:
            e = col("__row_key").fn("is_null").fn("where", lit(fill_value), e)
        out_items.append({"name": f"__c{j}", "expr": e})
    out = joined.select(select_json(out_items))
    cols = {label: col(f"__c{j}") for j, label in enumerate(f._cols)}
    name = wanted_index.name if wanted_index.name is not None else (index[0][0] if f._index is not None else None)
    return DataFrame._new(out, cols, [(name, col(index_col(0)))])


def _in_label_order(frame: DataFrame, labels: list[Any]) -> DataFrame:
    """The rows of ``frame`` (each label of ``labels`` present) in the order of
    ``labels``, as ``loc[labels]`` gives them; rows sharing a label keep
    their order."""
    from shardframe._base import announce_fallback
    from shardframe.frame import _free_name

    if len(set(labels)) != len(labels):
        announce_fallback("DataFrame.loc with repeated labels")
        from shardframe.frame import DataFrame

        return DataFrame(frame.to_pandas().loc[labels])
    f, idx = frame._with_index_series()
    order = _free_name(f._cols, "__loc_order__")
    ordered = f.copy()
    ordered[order] = idx.map({label: i for i, label in enumerate(labels)})
    ordered = ordered.sort_values(order, kind="stable")
    del ordered[order]
    return ordered


class FrameILoc:
    """Position-based selection: ``df.iloc[2:10, [0, 3]]``, ``df.iloc[5]``."""

    def __init__(self, frame: DataFrame) -> None:
        self._f = frame

    def __setitem__(self, key: Any, value: Any) -> None:
        _set_positions(self._f, key, value)

    def __getitem__(self, key: Any) -> Any:
        rows, cols = _split_key(key)
        f = self._f
        if not (isinstance(cols, slice) and cols == slice(None)):
            names = list(f.columns)
            picked = names[cols] if isinstance(cols, slice) else (
                [names[i] for i in cols] if isinstance(cols, (list, tuple, np.ndarray)) else names[cols]
            )
            f = f[picked]
            if not isinstance(picked, list):
                return f.iloc[rows]
        if isinstance(rows, slice):
            n = len(f)
            start, stop, step = rows.indices(n)
            if step != 1:
                return _take(f, list(range(start, stop, step)))
            return f._slice(start, max(stop - start, 0))
        if isinstance(rows, (int, np.integer)):
            n = len(f)
            pos = int(rows) + n if rows < 0 else int(rows)
            if not 0 <= pos < n:
                raise OutOfBoundsError("single positional indexer is out-of-bounds")
            pdf = f._slice(pos, 1).to_pandas()
            return pdf.iloc[0]
        if isinstance(rows, (list, np.ndarray, range)) or _is_pandas_index(rows):
            return _take(f, list(rows))
        raise TypeError(f"Cannot index by location index with a non-integer key {rows!r}")


def _set_positions(f: DataFrame, key: Any, value: Any) -> None:
    """``df.iloc[rows, cols] = value``: the values at those positions replaced."""
    from shardframe._expr import col, lit_list

    rows, cols = _split_key(key)
    names = list(f.columns)
    if isinstance(cols, slice):
        picked = names[cols]
    elif isinstance(cols, (list, tuple, np.ndarray)):
        picked = [names[i] for i in cols]
    else:
        picked = [names[cols]]
    n = len(f)
    if isinstance(rows, slice):
        positions = list(range(*rows.indices(n)))
    elif isinstance(rows, (list, tuple, np.ndarray, range)):
        items = list(rows)
        if items and all(isinstance(x, (bool, np.bool_)) for x in items):
            positions = [i for i, x in enumerate(items) if x]
        else:
            positions = [int(p) + n if p < 0 else int(p) for p in items]
    else:
        positions = [int(rows) + n if rows < 0 else int(rows)]
    if any(not 0 <= p < n for p in positions):
        raise IndexError("iloc cannot enlarge its target object")
    plan, index = f._with_positions()
    from shardframe.frame import _free_name

    name = _free_name({n for n, _ in plan.schema()}, "__iloc_set__")
    plan = plan.row_index(name)
    f._init(plan, dict(f._cols), index)
    object.__setattr__(f, "_cache", None)
    cond = col(name).fn("is_in", lit_list(np.asarray(positions, dtype="int64")))
    new = dict(f._cols)
    values = list(value) if isinstance(value, (list, tuple, np.ndarray)) and len(picked) > 1 else [value] * len(picked)
    for label, v in zip(picked, values, strict=True):
        new[label] = cond.fn("where", f._as_expr(v, label), new[label])
    f._set_cols(new)


class SeriesLoc:
    def __init__(self, series: Series) -> None:
        self._s = series

    def __setitem__(self, key: Any, value: Any) -> None:
        _set_through_frame(self._s, lambda frame: frame.loc.__setitem__((key, "__v__"), value))

    def __getitem__(self, key: Any) -> Any:
        frame = self._s.to_frame("__v__")
        out = frame.loc[key, "__v__"] if not isinstance(key, tuple) else frame.loc[key]
        if hasattr(out, "_expr"):
            return out.rename(self._s.name)
        return out


def _set_through_frame(s: Series, assign: Any) -> None:
    """An assignment into a Series, made on the one-column frame of it."""
    frame = s.to_frame("__v__")
    assign(frame)
    column = frame._cols["__v__"]
    s._init_from(frame._plan, column, s.name, frame._index)


class SeriesILoc:
    def __init__(self, series: Series) -> None:
        self._s = series

    def __setitem__(self, key: Any, value: Any) -> None:
        _set_through_frame(self._s, lambda frame: _set_positions(frame, (key, 0), value))

    def __getitem__(self, key: Any) -> Any:
        frame = self._s.to_frame("__v__")
        out = frame.iloc[key]
        if hasattr(out, "_cols"):
            return out["__v__"].rename(self._s.name)
        return out["__v__"]
