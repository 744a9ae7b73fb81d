"""``DataFrame.groupby``: two-phase aggregation in the engine (partial per
partition, hash exchange on the keys, final per bucket), then pandas' order
and index on the small result."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any

from shardframe._base import _wrap_result, announce_fallback, pandas_member, select_json
from shardframe._engine import index_col
from shardframe._expr import Expr, col, dumps, lit
from shardframe.exceptions import ColumnNotFoundError
from shardframe.options import options

if TYPE_CHECKING:
    from shardframe.frame import DataFrame
    from shardframe.series import Series

# (output label, input column -- a label, None for size, or (expression, dtype) --,
#  pandas function name, options)
AggSpec = tuple[Hashable, Any, str, dict[str, Any]]

# pandas name -> engine aggregation
_FUNCS = {
    "sum": "sum", "mean": "mean", "median": "median", "min": "min", "max": "max",
    "std": "std", "var": "var", "count": "count", "size": "size", "nunique": "n_unique",
    "prod": "prod", "quantile": "quantile", "any": "any", "all": "all",
    "first": "first", "last": "last",
}
_FLOAT_RESULT = {"mean", "median", "std", "var", "quantile"}
_INT_RESULT = {"count", "size", "nunique"}
_NUMERIC_ONLY = {"mean", "median", "std", "var", "quantile", "prod"}


def _check_agg_dtype(func: str, dtype: str) -> None:
    """pandas' TypeError for an aggregation the column's type has no meaning
    for: arithmetic of text, sums and means of categories."""
    if dtype == "str" and func in _NUMERIC_ONLY:
        raise TypeError(f"dtype 'str' does not support operation '{func}'")
    if dtype == "category" and func in _NUMERIC_ONLY | {"sum"}:
        raise TypeError(f"category type does not support {func} operations")


class DataFrameGroupBy:
    """Groups of a DataFrame's rows by key columns."""

    def __init__(self, frame: DataFrame, by: Any, as_index: bool = True, sort: bool = True,
                 dropna: bool = True, selection: list[Hashable] | None = None) -> None:
        from shardframe.series import Series

        self._by_list = isinstance(by, list)
        keys = by if self._by_list else [by]
        if not keys:
            raise ValueError("No group keys passed!")
        self._frame = frame
        self._keys: list[tuple[Hashable, Expr]] = []
        for k in keys:
            if isinstance(k, Series):
                if k._plan is not frame._plan:
                    raise ValueError("grouping by a Series from another frame is not supported; assign it as a column")
                self._keys.append((k.name, k._expr))
            elif k in frame._cols:
                self._keys.append((k, frame._cols[k]))
            else:
                raise ColumnNotFoundError(k)
        self._as_index = as_index
        self._sort = sort
        self._dropna = dropna
        key_labels = {label for label, _ in self._keys}
        self._explicit = selection is not None
        self._selection = selection if selection is not None else [c for c in frame._cols if c not in key_labels]

    # -- selection -------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, list):
            missing = [k for k in key if k not in self._frame._cols]
            if missing:
                raise ColumnNotFoundError(f"Columns not found: {missing}")
            cols = self._frame._cols
            by_name = all(k in cols and cols[k] is e for k, e in self._keys)
            out = DataFrameGroupBy(self._frame, [k for k, _ in self._keys] if by_name else self._key_series(),
                                   self._as_index, self._sort, self._dropna, list(key))
            out._by_list = self._by_list
            return out
        if key not in self._frame._cols:
            raise ColumnNotFoundError(f"Column not found: {key}")
        return SeriesGroupBy(self, key)

    def _key_series(self) -> list[Series]:
        from shardframe.series import Series

        f = self._frame
        return [Series._new(f._plan, e, label, f._index) for label, e in self._keys]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._frame._cols:
            return self[name]
        return self._fallback(name)

    def _fallback(self, name: str, column: Hashable | None = None) -> Any:
        """pandas' ``name`` on the same groups, announced (``column``: of a SeriesGroupBy)."""
        import pandas as pd

        kind = "DataFrameGroupBy" if column is None else "SeriesGroupBy"
        if not hasattr(getattr(pd.core.groupby, kind), name):
            raise AttributeError(f"'{kind}' object has no attribute '{name}'")
        announce_fallback(f"{kind}.{name}")
        return pandas_member(getattr(self._pandas_grouped(column), name), name)

    def _pandas_grouped(self, column: Hashable | None = None) -> Any:
        """The same grouping in pandas, over this frame converted (keys that
        are not columns of the frame go as Series)."""
        from shardframe.series import Series

        f = self._frame
        pdf = f.to_pandas()
        by: list[Any] = []
        for label, e in self._keys:
            own = label in f._cols and f._cols[label].node == e.node
            by.append(label if own else Series._new(f._plan, e, label, f._index).to_pandas())
        grouped = pdf.groupby(by if self._by_list else by[0], as_index=self._as_index, sort=self._sort,
                              dropna=self._dropna)
        if column is not None:
            return grouped[column]
        return grouped[self._selection] if self._explicit else grouped

    def __iter__(self) -> Iterator[tuple[Any, DataFrame]]:
        """(key, rows of the group) for each group, in pandas' order."""
        from shardframe.frame import DataFrame

        announce_fallback("DataFrameGroupBy.__iter__")
        for key, group in self._pandas_grouped():
            yield key, DataFrame(group)

    def get_group(self, name: Any) -> DataFrame:
        """The rows of one group, as pandas gives them (native: one filter)."""
        values = name if self._by_list else (name,)
        if not isinstance(values, tuple) or len(values) != len(self._keys):
            raise KeyError(name)
        cond: Expr | None = None
        for (_, e), v in zip(self._keys, values, strict=True):
            test = e.fn("is_null") if v is None or (isinstance(v, float) and math.isnan(v)) else e.binary("eq", lit(v))
            cond = test if cond is None else cond.binary("and", test)
        assert cond is not None
        from shardframe.series import Series

        f = self._frame
        rows = f[Series._new(f._plan, cond, None, f._index)]
        if self._explicit:
            rows = rows[self._selection]
        if len(rows) == 0:
            raise KeyError(name)
        return rows

    # -- aggregation ------------------------------------------------------------------
    def _run(self, specs: list[AggSpec]) -> DataFrame:
        """Aggregate ``specs`` = [(output label, input column or None for size, func, kwargs)]
        into a frame indexed (or led) by the keys, in pandas' group order."""
        from shardframe.frame import DataFrame

        f = self._frame
        plan = f._plan.row_index("__pos__") if not self._sort else f._plan
        dtypes = f._schema_by_label()
        keys = [{"name": f"__k{i}", "expr": e} for i, (_, e) in enumerate(self._keys)]
        aggs: list[dict[str, Any]] = []
        casts: list[str | None] = []
        for j, (_, column, func, kw) in enumerate(specs):
            if func not in _FUNCS:
                raise AttributeError(f"'{func}' is not a valid function for 'DataFrameGroupBy' object")
            if column is None:
                expr = self._keys[0][1]
                dtype = "int64"
            else:
                # A column label, or (value expression, its dtype) for derived inputs.
                expr, dtype = column if isinstance(column, tuple) and isinstance(column[0], Expr) else (
                    f._cols[column], dtypes[column])
                _check_agg_dtype(func, dtype)
                if func == "sum" and dtype == "str":
                    raise TypeError("summing strings in a group-by is not supported natively")
                if dtype.startswith("float"):
                    expr = expr.fn("fill_nan", _null())
            agg = {"name": f"__g{j}", "func": _FUNCS[func], "expr": expr}
            if func in ("std", "var"):
                agg["ddof"] = kw.get("ddof", 1)
            if func == "quantile":
                agg["q"] = float(kw.get("q", 0.5))
            if func == "nunique":
                agg["count_null"] = not kw.get("dropna", True)
            aggs.append(agg)
            casts.append(_result_dtype(func, dtype))
        if not self._sort:
            aggs.append({"name": "__first", "func": "min", "expr": col("__pos__")})
        grouped = plan.group_by(dumps(keys), dumps(aggs), self._dropna)
        order = [col(f"__k{i}") for i in range(len(keys))] if self._sort else [col("__first")]
        # Group keys (and first positions) are unique: no ties to keep in order.
        spec = {"by": order, "descending": [False] * len(order), "nulls_last": True, "stable": False}
        ordered = grouped.sort(dumps(spec))
        items = []
        for i, (_, _) in enumerate(self._keys):
            items.append({"name": index_col(i) if self._as_index else f"__k{i}", "expr": col(f"__k{i}")})
        for j, cast in enumerate(casts):
            e = col(f"__g{j}")
            if cast is not None:
                e = e.fn("cast", dtype=cast)
            items.append({"name": f"__g{j}", "expr": e})
        out_plan = ordered.select(select_json(items))
        labels = [label for label, _ in self._keys]
        cols: dict[Hashable, Expr] = {}
        if not self._as_index:
            for i, label in enumerate(labels):
                cols[label] = col(f"__k{i}")
        for j, (label, _, _, _) in enumerate(specs):
            cols[label] = col(f"__g{j}")
        index = [(label, col(index_col(i))) for i, label in enumerate(labels)] if self._as_index else None
        return DataFrame._new(out_plan, cols, index)

    def _all(self, func: str, **kw: Any) -> DataFrame:
        return self._run([(n, n, func, kw) for n in self._selection])

    def agg(self, func: Any = None, *args: Any, **kwargs: Any) -> DataFrame:
        """Aggregate with a name, a list of names, a dict, or named aggregations
        (tuples or ``pd.NamedAgg``); functions the engine has no kernel for
        (lambdas, ...) run through pandas, announced."""
        try:
            specs = self._agg_specs(func, args, kwargs)
        except _NotNative:
            return self._fallback("agg")(func, *args, **kwargs)
        if specs is None:
            return self.size() if func == "size" else self._all(_name(func))  # (size is a Series)
        return self._run(specs)

    def _agg_specs(self, func: Any, args: tuple, kwargs: dict[str, Any]) -> list[AggSpec] | None:
        """The aggregations ``agg(func, **kwargs)`` asks for; None for one
        function name over the selection."""
        if args:
            raise _NotNative
        if func is None and kwargs:
            specs: list[AggSpec] = []
            for out, spec in kwargs.items():
                column, how = _named_agg(spec)
                if column not in self._frame._cols:
                    raise ColumnNotFoundError(column)
                specs.append((out, column, _native_name(how), {}))
            return specs
        if kwargs:
            raise _NotNative
        if isinstance(func, str):
            _native_name(func)
            return None
        if isinstance(func, list):
            names = [_native_name(f) for f in func]
            if len(set(names)) != len(names):
                from pandas.errors import SpecificationError

                raise SpecificationError("Function names must be unique if there is no new column names assigned")
            return [((c, f), c, f, {}) for c in self._selection for f in names]
        if isinstance(func, dict):
            multi = any(isinstance(v, list) for v in func.values())
            specs = []
            for c, fs in func.items():
                if c not in self._frame._cols:
                    raise KeyError(f"Column(s) ['{c}'] do not exist")
                for f in fs if isinstance(fs, list) else [fs]:
                    label = (c, _native_name(f)) if multi else c
                    specs.append((label, c, _native_name(f), {}))
            return specs
        raise _NotNative

    aggregate = agg

    def size(self) -> Any:
        out = self._run([("size", None, "size", {})])
        if self._as_index:
            s = out["size"]
            s.name = None
            return s
        return out

    def sum(self, numeric_only: bool = False) -> DataFrame:
        return self._all("sum")

    def mean(self, numeric_only: bool = False) -> DataFrame:
        return self._all("mean")

    def median(self, numeric_only: bool = False) -> DataFrame:
        return self._all("median")

    def min(self, numeric_only: bool = False) -> DataFrame:
        return self._all("min")

    def max(self, numeric_only: bool = False) -> DataFrame:
        return self._all("max")

    def std(self, ddof: int = 1, numeric_only: bool = False) -> DataFrame:
        return self._all("std", ddof=ddof)

    def var(self, ddof: int = 1, numeric_only: bool = False) -> DataFrame:
        return self._all("var", ddof=ddof)

    def count(self) -> DataFrame:
        return self._all("count")

    def nunique(self, dropna: bool = True) -> DataFrame:
        return self._all("nunique", dropna=dropna)

    def prod(self, numeric_only: bool = False) -> DataFrame:
        return self._all("prod")

    def first(self, numeric_only: bool = False) -> DataFrame:
        return self._all("first")

    def last(self, numeric_only: bool = False) -> DataFrame:
        return self._all("last")

    def quantile(self, q: float = 0.5) -> DataFrame:
        return self._all("quantile", q=q)

    def any(self) -> DataFrame:
        return self._all("any")

    def all(self) -> DataFrame:
        return self._all("all")

    # -- per-row results within groups (window functions over the keys) --------------
    def _valid(self) -> Expr | None:
        """True where every key is present (rows with a missing key belong to no group)."""
        if not self._dropna:
            return None
        out: Expr | None = None
        for _, e in self._keys:
            v = e.fn("not_null")
            out = v if out is None else out.binary("and", v)
        return out

    def _window(self, make: Any, names: list[Hashable] | None = None) -> DataFrame:
        """Columns ``make(series)`` evaluated within each group, rows in the frame's order."""
        from shardframe.frame import DataFrame
        from shardframe.series import Series

        f = self._frame
        keys = [e for _, e in self._keys]
        valid = self._valid()
        cols: dict[Hashable, Expr] = {}
        for n in names if names is not None else self._selection:
            e = make(Series._new(f._plan, f._cols[n], n, f._index))._expr.fn("over", *keys)
            cols[n] = e if valid is None else valid.fn("where", e, lit(None))
        return DataFrame._new(f._plan, cols, f._index)._with_cols(cols)

    def cumsum(self) -> DataFrame:
        return self._window(lambda s: s.cumsum())

    def cumprod(self) -> DataFrame:
        return self._window(lambda s: s.cumprod())

    def cummax(self) -> DataFrame:
        return self._window(lambda s: s.cummax())

    def cummin(self) -> DataFrame:
        return self._window(lambda s: s.cummin())

    def shift(self, periods: int = 1, fill_value: Any = None) -> DataFrame:
        return self._window(lambda s: s.shift(periods, fill_value=fill_value))

    def diff(self, periods: int = 1) -> DataFrame:
        return self._window(lambda s: s.diff(periods))

    def rank(self, method: str = "average", ascending: bool = True) -> DataFrame:
        return self._window(lambda s: s.rank(method=method, ascending=ascending))

    def transform(self, func: Any, *args: Any, **kwargs: Any) -> DataFrame:
        """Each row gets its group's aggregate (a name: sum, mean, min, max, ...)."""
        name = func if isinstance(func, str) else getattr(func, "__name__", None)
        if name not in ("sum", "mean", "median", "min", "max", "std", "var", "count", "size",
                        "first", "last", "nunique", "prod"):
            return self._fallback("transform")(func, *args, **kwargs)

        def make(s: Series) -> Series:
            _check_agg_dtype(name, s._engine_dtype())
            e = s._nan_as_null().fn(f"agg_{name}", **kwargs)
            cast = _result_dtype(name, s._engine_dtype())
            return s._derive(e.fn("cast", dtype=cast) if cast else e)

        return self._window(make)

    # -- Python functions per group ------------------------------------------------------
    def _grouped_partitions(self) -> Any:
        """Pandas frames holding whole groups: the rows are exchanged by a hash of
        the keys, so every group sits in one partition; each carries its original
        row position (``__gpos__``) and its keys (``__gk{i}``)."""
        from shardframe._base import select_json
        from shardframe._engine import index_col
        from shardframe.frame import DataFrame

        f = self._frame
        plan = f._plan.row_index("__gpos__")
        items = [{"name": index_col(i), "expr": e} for i, (_, e) in enumerate(f._index or [])]
        items += [{"name": str(n), "expr": e} for n, e in f._cols.items()]
        keys = [f"__gk{i}" for i in range(len(self._keys))]
        items += [{"name": k, "expr": e} for k, (_, e) in zip(keys, self._keys, strict=True)]
        items.append({"name": "__gpos__", "expr": col("__gpos__")})
        n = max(1, min(16, len(f) // 100_000 + 1))
        keyed = plan.select(select_json(items)).repartition(dumps([col(k) for k in keys]), n)
        names = [*f._cols, *keys, "__gpos__"]
        frame = DataFrame._from_plan(keyed, names, f._rebased_index())
        return frame._pandas_partitions(), list(f._cols), keys

    def filter(self, func: Any, dropna: bool = True, *args: Any, **kwargs: Any) -> DataFrame:
        """Rows of the groups for which ``func(group)`` is True, in their original order."""
        import pandas as pd

        from shardframe.frame import DataFrame

        parts, user_cols, keys = self._grouped_partitions()
        kept = []
        for pdf in parts:
            grouped = pdf.groupby(keys, sort=False, dropna=self._dropna)
            kept.append(grouped.filter(lambda g: func(g[user_cols], *args, **kwargs), dropna=dropna))
        out = pd.concat(kept) if kept else pd.DataFrame(columns=user_cols)
        columns = self._selection if self._explicit else user_cols
        out = out.sort_values("__gpos__", kind="stable")[columns]
        return DataFrame(out)

    def apply(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return self._apply(func, None, args, kwargs)

    def _apply(self, func: Any, column: Hashable | None, args: tuple, kwargs: dict[str, Any]) -> Any:
        """``func`` on each group (as pandas would call it), groups in key order.
        A frame that pandas holds easily (half the fuse budget, at 16 bytes a
        value) grouped by its columns goes to pandas whole: the calls
        are Python's either way, and an exchange would only add to them
        (db-benchmark g9, 10K groups of 10M rows: 7.7 -> 4.4-4.8 s, pandas 4.7).
        Larger ones are exchanged by key and applied partition by partition."""
        import pandas as pd


        f = self._frame
        labels = [label for label, _ in self._keys]
        by_own_columns = all(label in f._cols and f._cols[label].node == e.node for label, e in self._keys)
        if by_own_columns and len(f) * len(f._cols) * 16 <= options.fuse_budget() // 2:
            return _wrap_result(self._pandas_grouped(column).apply(func, *args, **kwargs))
        parts, user_cols, keys = self._grouped_partitions()
        by_columns = all(label in user_cols for label in labels)
        if self._explicit or column is not None:
            picked = self._selection if column is None else [column]
            user_cols = [c for c in user_cols if c in picked or c in labels]
        results = []
        for pdf in parts:
            if not len(pdf):
                continue
            pdf = pdf.sort_values("__gpos__", kind="stable")
            data = pdf[user_cols] if by_columns else pdf[user_cols + keys].rename(
                columns=dict(zip(keys, labels, strict=True)))
            grouped = data.groupby(labels if self._by_list else labels[0], sort=False, dropna=self._dropna,
                                   as_index=self._as_index)
            if column is not None:
                grouped = grouped[column]
            results.append(grouped.apply(func, *args, **kwargs))
        if not results:
            return self._fallback("apply", column)(func, *args, **kwargs)
        out = pd.concat(results)
        if self._sort and isinstance(out.index, pd.MultiIndex | pd.Index) and self._as_index:
            out = out.sort_index(level=list(range(len(labels))), sort_remaining=False, kind="stable")
        return _wrap_result(out)

    def _position(self) -> tuple[Expr, Expr]:
        """(0-based position of each row in its group, rows in its group)."""
        keys = [e for _, e in self._keys]
        rows = keys[0].fn("is_null")  # one value per row, never missing (cum_count skips missing ones)
        return rows.fn("cum_count").fn("over", *keys), rows.fn("agg_size").fn("over", *keys)

    def cumcount(self, ascending: bool = True) -> Series:
        from shardframe.series import Series

        pos, size = self._position()
        if not ascending:
            pos = size.binary("sub", pos).binary("sub", lit(1))
        valid = self._valid()
        e = pos if valid is None else valid.fn("where", pos, lit(None))
        f = self._frame
        return Series._new(f._plan, e, None, f._index)._derive(e)

    def _rows_where(self, cond: Expr) -> DataFrame:
        from shardframe.series import Series

        f = self._frame
        valid = self._valid()
        if valid is not None:
            cond = valid.binary("and", cond)
        return f[Series._new(f._plan, cond, None, f._index)]

    def head(self, n: int = 5) -> DataFrame:
        pos, _ = self._position()
        return self._rows_where(pos.binary("lt", lit(n)))

    def tail(self, n: int = 5) -> DataFrame:
        pos, size = self._position()
        return self._rows_where(size.binary("sub", pos).binary("le", lit(n)))

    def nth(self, n: int) -> DataFrame:
        pos, size = self._position()
        if n >= 0:
            return self._rows_where(pos.binary("eq", lit(n)))
        return self._rows_where(size.binary("sub", pos).binary("eq", lit(-n)))


class SeriesGroupBy:
    """Groups of one column."""

    def __init__(self, parent: DataFrameGroupBy, column: Hashable, output_name: Any = "__column__") -> None:
        self._parent = parent
        self._column = column
        # the results' name: the column's, or a grouped Series' own (None too)
        self._output_name = column if output_name == "__column__" else output_name

    def _one(self, func: str, **kw: Any) -> Any:
        out = self._parent._run([(self._column, self._column, func, kw)])
        if self._parent._as_index:
            return out[self._column].rename(self._output_name)
        return out

    def agg(self, func: Any = None, *args: Any, **kwargs: Any) -> Any:
        try:
            if args:
                raise _NotNative
            if func is None and kwargs:
                for how in kwargs.values():
                    if isinstance(how, tuple) or hasattr(how, "aggfunc"):
                        raise TypeError(f"func is expected but received {type(how).__name__} in **kwargs.")
                specs: list[AggSpec] = [(out, self._column, _native_name(how), {}) for out, how in kwargs.items()]
                return self._parent._run(specs)
            if isinstance(func, str) and not kwargs:
                return self._one(_native_name(func))
            if isinstance(func, list) and not kwargs:
                specs = [(_native_name(f), self._column, _native_name(f), {}) for f in func]
                return self._parent._run(specs)
        except _NotNative:
            pass
        return self._parent._fallback("agg", self._column)(func, *args, **kwargs)

    def apply(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """``func`` on each group's values (a Series), as pandas calls it."""
        return self._parent._apply(func, self._column, args, kwargs)

    def __iter__(self) -> Iterator[tuple[Any, Series]]:
        for key, group in self._parent[[self._column]]:
            yield key, group[self._column]

    def get_group(self, name: Any) -> Series:
        return self._parent.get_group(name)[self._column]

    aggregate = agg

    def size(self) -> Any:
        return self._parent.size()

    # aggregations the engine runs (a Series indexed by the keys, or a frame with as_index=False)
    def sum(self, numeric_only: bool = False, min_count: int = 0) -> Any:
        return self._one("sum") if min_count <= 0 else self._parent._fallback("sum", self._column)(
            numeric_only=numeric_only, min_count=min_count)

    def mean(self, numeric_only: bool = False) -> Any:
        return self._one("mean")

    def median(self, numeric_only: bool = False) -> Any:
        return self._one("median")

    def min(self, numeric_only: bool = False) -> Any:
        return self._one("min")

    def max(self, numeric_only: bool = False) -> Any:
        return self._one("max")

    def count(self) -> Any:
        return self._one("count")

    def prod(self, numeric_only: bool = False, min_count: int = 0) -> Any:
        return self._one("prod") if min_count <= 0 else self._parent._fallback("prod", self._column)(
            numeric_only=numeric_only, min_count=min_count)

    def any(self, skipna: bool = True) -> Any:
        return self._one("any")

    def all(self, skipna: bool = True) -> Any:
        return self._one("all")

    def first(self, numeric_only: bool = False, min_count: int = -1, skipna: bool = True) -> Any:
        return self._one("first")

    def last(self, numeric_only: bool = False, min_count: int = -1, skipna: bool = True) -> Any:
        return self._one("last")

    # the aggregations whose options pandas also takes by position
    def std(self, ddof: int = 1, **kw: Any) -> Any:
        return self._one("std", ddof=ddof, **kw)

    def var(self, ddof: int = 1, **kw: Any) -> Any:
        return self._one("var", ddof=ddof, **kw)

    def quantile(self, q: float = 0.5, **kw: Any) -> Any:
        return self._one("quantile", q=q, **kw)

    def nunique(self, dropna: bool = True) -> Any:
        return self._one("nunique", dropna=dropna)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in _FUNCS:
            return lambda **kw: self._one(name, **kw)
        frame_groups = self._parent[[self._column]]
        if name in ("cumsum", "cumprod", "cummax", "cummin", "shift", "diff", "rank",
                    "head", "tail", "nth"):
            # The frame-level result, narrowed to this column.
            method = getattr(frame_groups, name)
            return lambda *a, **kw: method(*a, **kw)[self._column]
        if name in vars(DataFrameGroupBy):
            return getattr(frame_groups, name)
        # pandas' SeriesGroupBy method: its function sees a Series, its result is shaped so
        return self._parent._fallback(name, self._column)

    def transform(self, func: Any, *args: Any, **kwargs: Any) -> Series:
        if isinstance(func, str) and func in _FUNCS and not args:
            return self._parent[[self._column]].transform(func, **kwargs)[self._column]
        return self._parent._fallback("transform", self._column)(func, *args, **kwargs)


class _NotNative(Exception):
    """An aggregation the engine has no kernel for: it goes to pandas."""


def _named_agg(spec: Any) -> tuple[Any, Any]:
    """(column, function) of a named aggregation: a tuple, or pandas'
    ``NamedAgg`` (no longer a tuple in pandas 3)."""
    if hasattr(spec, "column") and hasattr(spec, "aggfunc"):
        if getattr(spec, "args", ()) or getattr(spec, "kwargs", {}):
            raise _NotNative
        return spec.column, spec.aggfunc
    if isinstance(spec, tuple) and len(spec) == 2:
        return spec
    raise TypeError(f"Must provide 'func' or tuples of '(column, aggfunc)', got {spec!r}")


def _native_name(func: Any) -> str:
    """The engine's name for an aggregation, or _NotNative."""
    try:
        name = _name(func)
    except TypeError:
        raise _NotNative from None
    if name not in _FUNCS:
        import pandas as pd

        if isinstance(func, str) and not hasattr(pd.core.groupby.DataFrameGroupBy, func):
            raise AttributeError(f"'{func}' is not a valid function for 'DataFrameGroupBy' object")
        raise _NotNative
    return name


def _name(func: Any) -> str:
    if isinstance(func, str):
        return func
    named = {"sum": "sum", "mean": "mean", "amin": "min", "amax": "max", "min": "min", "max": "max",
             "median": "median", "std": "std", "var": "var", "len": "size"}
    name = getattr(func, "__name__", None)
    if name in named:
        return named[name]
    raise TypeError(f"aggregation {func!r} is not supported natively")


def _null() -> Expr:
    from shardframe._expr import lit

    return lit(None)


def _result_dtype(func: str, dtype: str) -> str | None:
    if func in _FLOAT_RESULT:
        return "float64"
    if func in _INT_RESULT:
        return "int64"
    if func in ("sum", "prod") and (dtype.startswith(("int", "uint")) or dtype == "bool"):
        return "int64"
    if func in ("any", "all"):
        return "bool"
    return None


__all__ = ["DataFrameGroupBy", "SeriesGroupBy"]
