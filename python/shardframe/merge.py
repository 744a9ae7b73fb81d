"""``merge`` and ``DataFrame.join``: pandas' semantics (column naming, key
coalescing, row order, validation) around the engine's join."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from shardframe._base import select_json
from shardframe._engine import index_col
from shardframe._expr import Expr, col, dumps, lit

if TYPE_CHECKING:
    from shardframe.frame import DataFrame


class MergeError(ValueError):
    """Keys fail ``validate`` (pandas.errors.MergeError is a ValueError too)."""


_HOWS = ("inner", "left", "right", "outer", "cross", "left_anti", "right_anti")


def merge(left: DataFrame, right: DataFrame, how: str = "inner", on: Any = None,
          left_on: Any = None, right_on: Any = None, left_index: bool = False,
          right_index: bool = False, sort: bool = False, suffixes: Sequence[str | None] = ("_x", "_y"),
          indicator: bool | str = False, validate: str | None = None) -> DataFrame:
    """Join two frames on columns or indexes, as :func:`pandas.merge`."""
    from shardframe.frame import DataFrame

    if not isinstance(right, DataFrame):
        right = DataFrame(right)
    if not isinstance(indicator, (bool, str)):
        raise ValueError("indicator option can only accept boolean or string arguments")
    if how not in _HOWS[:5]:
        raise ValueError(f"{how!r} is not a valid Merge type: left, right, inner, outer, cross")
    if how == "cross":
        if on is not None or left_on is not None or right_on is not None or left_index or right_index:
            raise MergeError("Can not pass on, right_on, left_on or set right_index=True or left_index=True")
        return _run(left, right, [], [], "cross", sort, suffixes, indicator, None, None)
    lkeys, rkeys = _resolve_keys(left, right, on, left_on, right_on, left_index, right_index)
    if validate is not None:
        _validate(left, right, lkeys, rkeys, validate)
    index_from = "left" if right_index and not left_index else ("right" if left_index and not right_index else None)
    if left_index and right_index:
        index_from = "both"
    return _run(left, right, lkeys, rkeys, how, sort, suffixes, indicator, index_from,
                (left_on, right_on, on))


def _resolve_keys(left: DataFrame, right: DataFrame, on: Any, left_on: Any, right_on: Any,
                  left_index: bool, right_index: bool) -> tuple[list[tuple[Any, Expr]], list[tuple[Any, Expr]]]:
    """Key (label, expression) pairs for each side; an index level counts as a key."""
    def as_list(x: Any) -> list[Any]:
        return list(x) if isinstance(x, (list, tuple)) else [x]

    def keys_of(frame: DataFrame, names: Any, use_index: bool) -> list[tuple[Any, Expr]]:
        if use_index:
            if frame._index is None:
                return [(None, col("__pos_index__"))]
            return [(label, e) for label, e in frame._index]
        out = []
        for n in as_list(names):
            if n not in frame._cols:
                raise KeyError(n)
            out.append((n, frame._cols[n]))
        return out

    for name, value in (("left_index", left_index), ("right_index", right_index)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} parameter must be of type bool, not {type(value)}")
    if on is not None:
        if left_on is not None or right_on is not None:
            raise MergeError('Can only pass argument "on" OR "left_on" and "right_on", not a combination of both.')
        if left_index or right_index:
            raise MergeError('Can only pass argument "on" OR "left_index" and "right_index", not a combination of both.')
        left_on = right_on = on
    if right_index and not left_index and left_on is None:
        raise MergeError("Must pass left_on or left_index=True")
    if left_index and not right_index and right_on is None:
        raise MergeError("Must pass right_on or right_index=True")
    if left_on is None and right_on is None and not left_index and not right_index:
        common = [c for c in left._cols if c in right._cols]
        if not common:
            raise MergeError("No common columns to perform merge on.")
        left_on = right_on = common
    lkeys = keys_of(left, left_on, left_index)
    rkeys = keys_of(right, right_on, right_index)
    if len(lkeys) != len(rkeys):
        raise ValueError("len(right_on) must equal len(left_on)")
    return lkeys, rkeys


def _side_plan(frame: DataFrame, prefix: str, keys: list[tuple[Any, Expr]], marker: str,
               position: bool = False) -> tuple[Any, dict[Hashable, str]]:
    """The frame's rows as internal columns: ``{prefix}k{i}`` keys, ``{prefix}c{j}``
    data, ``{prefix}i{i}`` index levels, a presence marker and (``position``)
    the row's position as ``{prefix}pos``."""
    plan = frame._plan
    pos_needed = any(e.is_col() == "__pos_index__" for _, e in keys)
    if pos_needed or frame._index is None or position:
        plan = plan.row_index("__pos_index__")
    items = [{"name": f"{prefix}k{i}", "expr": e} for i, (_, e) in enumerate(keys)]
    names: dict[Hashable, str] = {}
    for j, (label, e) in enumerate(frame._cols.items()):
        names[label] = f"{prefix}c{j}"
        items.append({"name": names[label], "expr": e})
    index = frame._index if frame._index is not None else [(None, col("__pos_index__"))]
    for i, (_, e) in enumerate(index):
        items.append({"name": f"{prefix}i{i}", "expr": e})
    items.append({"name": marker, "expr": lit(True)})
    if position:
        items.append({"name": f"{prefix}pos", "expr": col("__pos_index__")})
    return plan.select(select_json(items)), names


def check_unique_index(frame: DataFrame) -> None:
    """Raise pandas' InvalidIndexError if a row label repeats."""
    from shardframe.exceptions import InvalidIndexError

    # A RangeIndex never repeats a label.
    if frame._index is not None and _has_duplicates(frame, list(frame._index)):
        raise InvalidIndexError("Reindexing only valid with uniquely valued Index objects")


def union_on_index(left: DataFrame, right: DataFrame) -> DataFrame:
    """Both frames side by side on the union of their row labels, in order of
    appearance (``pandas.concat(axis=1)``): the left's rows, then the right's
    rows whose labels the left lacks. Labels must be unique in each
    (:func:`check_unique_index`)."""
    from shardframe.frame import DataFrame

    lkeys, rkeys = _resolve_keys(left, right, None, None, None, True, True)
    if len(lkeys) != len(rkeys):
        raise ValueError("cannot concatenate frames with different numbers of index levels")
    out = _run(left, right, lkeys, rkeys, "outer", False, ("", ""), False, "both", None, union_order=True)
    # pandas keeps an index level's name only where every frame agrees on it.
    names = [None] * len(lkeys) if left._index is None or right._index is None else [
        a if a == b else None for a, b in zip(left._index_names(), right._index_names(), strict=True)]
    index = [(name, e) for name, (_, e) in zip(names, out._index or [], strict=True)]
    return DataFrame._new(out._plan, out._cols, index)


def _run(left: DataFrame, right: DataFrame, lkeys: list[tuple[Any, Expr]], rkeys: list[tuple[Any, Expr]],
         how: str, sort: bool, suffixes: Sequence[str | None], indicator: bool | str,
         index_from: str | None, key_args: Any, union_order: bool = False) -> DataFrame:
    from shardframe.frame import DataFrame

    lplan, lnames = _side_plan(left, "__l", lkeys, "__lm", union_order)
    rplan, rnames = _side_plan(right, "__r", rkeys, "__rm", union_order)
    lk = [f"__lk{i}" for i in range(len(lkeys))]
    rk = [f"__rk{i}" for i in range(len(rkeys))]
    lplan, rplan = _cast_keys(lplan, rplan, lk, rk)
    engine_how = {"outer": "full"}.get(how, how)
    spec = {"how": engine_how, "left_on": lk, "right_on": rk, "nulls_equal": True, "coalesce": False,
            "maintain_order": "right_left" if how == "right" else "left_right", "suffix": "__dup"}
    joined = lplan.join(rplan, dumps(spec))

    # Output columns, named as pandas names them.
    same_name_keys = {lab for (lab, le), (rab, re) in zip(lkeys, rkeys, strict=True)
                      if lab is not None and lab == rab and le.is_col() is not None and re.is_col() is not None
                      and lab in left._cols and lab in right._cols}
    overlap = (set(left._cols) & set(right._cols)) - same_name_keys
    lsuf, rsuf = suffixes[0] or "", suffixes[1] or ""
    if overlap and not lsuf and not rsuf:
        raise ValueError(f"columns overlap but no suffix specified: {sorted(map(str, overlap))}")
    cols: dict[Hashable, Expr] = {}
    key_index = {lab: i for i, (lab, _) in enumerate(lkeys)}
    # A key column joined against the other side's index takes the key values
    # of whichever side has the row, as pandas fills it.
    lkey_cols = {e.is_col(): i for i, (_, e) in enumerate(lkeys) if index_from in ("left",)}
    rkey_cols = {e.is_col(): i for i, (_, e) in enumerate(rkeys) if index_from in ("right",)}
    for label, internal in lnames.items():
        source = left._cols[label].is_col()
        if label in same_name_keys:
            i = key_index[label]
            cols[label] = _coalesced_key(how, f"__lk{i}", f"__rk{i}")
        elif source in lkey_cols:
            i = lkey_cols[source]
            cols[f"{label}{lsuf}" if label in overlap else label] = _coalesced_key(how, f"__lk{i}", f"__rk{i}")
        else:
            cols[f"{label}{lsuf}" if label in overlap else label] = col(internal)
    for label, internal in rnames.items():
        if label in same_name_keys:
            continue
        source = right._cols[label].is_col()
        if source in rkey_cols:
            i = rkey_cols[source]
            cols[f"{label}{rsuf}" if label in overlap else label] = _coalesced_key(how, f"__lk{i}", f"__rk{i}")
        else:
            cols[f"{label}{rsuf}" if label in overlap else label] = col(internal)
    if indicator:
        name = indicator if isinstance(indicator, str) else "_merge"
        both = col("__lm").fn("fill_null", lit(False)).binary("and", col("__rm").fn("fill_null", lit(False)))
        side = col("__lm").fn("is_null").fn("where", lit("right_only"), lit("left_only"))
        cols[name] = both.fn("where", lit("both"), side)

    order: list[Expr] = []
    if union_order:
        # The left's rows in order, then the right's other rows in theirs.
        order = [col("__lpos"), col("__rpos")]
    elif how == "outer" or sort:
        order = [_coalesced_key(how, f"__lk{i}", f"__rk{i}") for i in range(len(lk))]
    index = None
    if index_from is not None:
        index, extra = _result_index(left, right, index_from, how, len(lk))
        cols_items = extra
    else:
        cols_items = []
    items = [{"name": f"__o{j}", "expr": e} for j, e in enumerate(cols.values())]
    items += cols_items
    items += [{"name": f"__s{i}", "expr": e} for i, e in enumerate(order)]
    plan = joined.select(select_json(items))
    if order:
        spec_sort = {"by": [col(f"__s{i}") for i in range(len(order))], "descending": [False] * len(order),
                     "nulls_last": True, "stable": True}
        plan = plan.sort(dumps(spec_sort))
    out_cols = {label: col(f"__o{j}") for j, label in enumerate(cols)}
    return DataFrame._new(plan, out_cols, index)


def _coalesced_key(how: str, lk: str, rk: str) -> Expr:
    if how in ("inner", "left"):
        return col(lk)
    if how == "right":
        return col(rk)
    return col(lk).fn("fill_null", col(rk))


def _result_index(left: DataFrame, right: DataFrame, index_from: str, how: str,
                  n_keys: int) -> tuple[Any, list[dict[str, Any]]]:
    """pandas' index for merges on an index: the other side's index labels
    follow the rows (left_index & right_index: the joined index)."""
    if index_from == "both":
        source, prefix = (right, "__r") if how == "right" else (left, "__l")
        exprs = [_coalesced_key(how, f"__lk{i}", f"__rk{i}") for i in range(n_keys)]
        labels = [None] if source._index is None else source._index_names()
        items = [{"name": index_col(i), "expr": e} for i, e in enumerate(exprs)]
        del prefix
        return [(labels[i] if i < len(labels) else None, col(index_col(i))) for i in range(n_keys)], items
    source, prefix = (left, "__l") if index_from == "left" else (right, "__r")
    levels = 1 if source._index is None else len(source._index)
    labels = [None] if source._index is None else source._index_names()
    items = [{"name": index_col(i), "expr": col(f"{prefix}i{i}")} for i in range(levels)]
    return [(labels[i], col(index_col(i))) for i in range(levels)], items


def _cast_keys(lplan: Any, rplan: Any, lk: list[str], rk: list[str]) -> tuple[Any, Any]:
    """Numeric keys of different widths join as float64/int64, as pandas compares them."""
    lt, rt = dict(lplan.schema()), dict(rplan.schema())
    lcast, rcast = {}, {}
    for a, b in zip(lk, rk, strict=True):
        da, db = lt[a], rt[b]
        if da == db:
            continue
        num = ("int", "uint", "float")
        if da.startswith(num) and db.startswith(num):
            target = "float64" if "float" in da or "float" in db else "int64"
            lcast[a], rcast[b] = target, target
        elif (da == "str") != (db == "str"):
            raise ValueError(f"You are trying to merge on {da} and {db} columns for key '{a}'. "
                             "If you wish to proceed you should use pd.concat")

    def recast(plan: Any, schema: dict[str, str], casts: dict[str, str]) -> Any:
        if not casts:
            return plan
        items = [{"name": n, "expr": col(n).fn("cast", dtype=casts[n]) if n in casts else col(n)} for n in schema]
        return plan.select(select_json(items))

    return recast(lplan, lt, lcast), recast(rplan, rt, rcast)


def _has_duplicates(frame: DataFrame, keys: list[tuple[Any, Expr]]) -> bool:
    """Whether some combination of key values occurs twice in ``frame``."""
    from shardframe.frame import _has_duplicate_keys

    plan, _ = _side_plan(frame, "__v", keys, "__vm")
    return _has_duplicate_keys(plan, [f"__vk{i}" for i in range(len(keys))])


def _validate(left: DataFrame, right: DataFrame, lkeys: list[tuple[Any, Expr]],
              rkeys: list[tuple[Any, Expr]], validate: str) -> None:
    kinds = {"one_to_one": (True, True), "1:1": (True, True), "one_to_many": (True, False),
             "1:m": (True, False), "many_to_one": (False, True), "m:1": (False, True),
             "many_to_many": (False, False), "m:m": (False, False)}
    if validate not in kinds:
        raise ValueError(f'"{validate}" is not a valid argument. Valid arguments are: {list(kinds)}')
    check_left, check_right = kinds[validate]
    for check, frame, keys, side in ((check_left, left, lkeys, "left"), (check_right, right, rkeys, "right")):
        if check and _has_duplicates(frame, keys):
            kind = "one-to-one" if validate in ("one_to_one", "1:1") else (
                "one-to-many" if side == "left" else "many-to-one")
            raise MergeError(f"Merge keys are not unique in {side} dataset; not a {kind} merge")
