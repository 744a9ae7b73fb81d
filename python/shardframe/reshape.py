"""Reshaping: ``melt``, ``pivot_table``, ``pivot``, ``crosstab``, ``get_dummies``.
Each is a plan of engine operations (concatenated selects, a group-by with
one conditional aggregation per output column); only the distinct labels
that become columns are brought to Python."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from shardframe._expr import Expr, float_params, lit

if TYPE_CHECKING:
    from shardframe.frame import DataFrame
    from shardframe.series import Series


def _as_list(x: Any) -> list[Any]:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def melt(frame: DataFrame, id_vars: Any = None, value_vars: Any = None, var_name: Any = None,
         value_name: Hashable = "value", ignore_index: bool = True) -> DataFrame:
    """Unpivot: one row per (row, value column), value columns stacked in order."""
    from shardframe._base import select_json
    from shardframe._core import PyPlan
    from shardframe.exceptions import ColumnNotFoundError
    from shardframe.frame import DataFrame

    ids = _as_list(id_vars)
    values = _as_list(value_vars) or [c for c in frame._cols if c not in ids]
    missing = [c for c in ids + values if c not in frame._cols]
    if missing:
        raise ColumnNotFoundError(f"The following id_vars or value_vars are not present in the DataFrame: {missing}")
    var = var_name if var_name is not None else "variable"
    if value_name in frame._cols:
        raise ValueError(f"value_name ({value_name}) cannot match an element in the DataFrame columns.")
    names = [*ids, var, value_name]
    plans = []
    for v in values:
        items = [{"name": str(i), "expr": frame._cols[i]} for i in ids]
        items.append({"name": str(var), "expr": lit(str(v))})
        items.append({"name": str(value_name), "expr": frame._cols[v]})
        plans.append(frame._plan.select(select_json(items)))
    if not plans:
        raise ValueError("melt needs at least one value column")
    return DataFrame._from_plan(PyPlan.concat(plans), names, None)


def _distinct_sorted(s: Series, dropna: bool = True) -> list[Any]:
    values = [v for v in s.unique() if not (dropna and v != v) and v is not None]
    return sorted(values)


def pivot_table(data: DataFrame, values: Any = None, index: Any = None, columns: Any = None,
                aggfunc: Any = "mean", fill_value: Any = None, margins: bool = False,
                dropna: bool = True, sort: bool = True, observed: Any = None) -> DataFrame:
    """Aggregate ``values`` for each ``index`` group and each distinct value of ``columns``."""
    from shardframe.groupby import DataFrameGroupBy, _name

    keys = _as_list(index)
    col_keys = _as_list(columns)
    if margins or len(col_keys) != 1 or not keys or not isinstance(aggfunc, (str, type(sum))) \
            or observed is False and data._any_categorical([*keys, *col_keys]):
        return data._fallback("pivot_table")(values=values, index=index, columns=columns, aggfunc=aggfunc,
                                             fill_value=fill_value, margins=margins, dropna=dropna, sort=sort,
                                             observed=observed)
    func = _name(aggfunc)
    column = col_keys[0]
    # pandas orders the value level of the result's columns.
    value_cols = sorted(_as_list(values) or [c for c in data._cols if c not in keys and c != column])
    labels = _distinct_sorted(data[column], dropna=True)
    dtypes = data._schema_by_label()
    multi = isinstance(values, (list, tuple)) or values is None
    specs: list[Any] = []
    counts: list[Any] = []
    for v in value_cols:
        for c in labels:
            cond = data._cols[column].binary("eq", lit(c))
            masked = cond.fn("where", data._cols[v], lit(None))
            label = (v, c) if multi else c
            specs.append((label, (masked, dtypes[v]), func, {}))
            if func in ("sum", "prod", "count", "size"):
                counts.append((("__n", label), (cond.fn("where", lit(1), lit(None)), "int64"), "count", {}))
    out = DataFrameGroupBy(data, keys, sort=sort, dropna=True)._run(specs + counts)
    # A cell with no rows is missing (not 0), as in pandas.
    cols: dict[Hashable, Expr] = {}
    for label, *_ in specs:
        e = out._cols[label]
        if func in ("sum", "prod"):
            e = out._cols[("__n", label)].binary("gt", lit(0)).fn("where", e, lit(None))
        cols[label] = e
    result = out._with_cols(cols)
    if fill_value is not None:
        result = result.fillna(fill_value)
        if func in ("count", "size", "sum") and all(dtypes[v].startswith(("int", "uint")) or func != "sum"
                                                    for v in value_cols):
            result = result.astype("int64")
    object.__setattr__(result, "_col_names", [None, column] if multi else [column])
    return result


def pivot(data: DataFrame, columns: Any = None, index: Any = None, values: Any = None) -> DataFrame:
    """Reshape without aggregation; each (index, column) pair must be unique."""
    from shardframe.frame import _has_duplicate_keys

    keys = _as_list(index)
    if not keys or columns is None:
        return data._fallback("pivot")(columns=columns, index=index, values=values)
    items = [{"name": f"__k{i}", "expr": data._cols[k]} for i, k in enumerate([*keys, columns])]
    from shardframe._base import select_json

    plan = data._plan.select(select_json(items))
    if _has_duplicate_keys(plan, [f"__k{i}" for i in range(len(keys) + 1)]):
        raise ValueError("Index contains duplicate entries, cannot reshape")
    return pivot_table(data, values=values, index=index, columns=columns, aggfunc="first", dropna=False)


def crosstab(index: Series, columns: Series, values: Any = None, aggfunc: Any = None,
             normalize: bool = False, margins: bool = False, dropna: bool = True) -> DataFrame:
    """Counts of each (index, columns) pair; both Series from one frame."""
    from shardframe.frame import DataFrame

    if values is not None or normalize or margins or index._plan is not columns._plan:
        import pandas as pd

        from shardframe._base import _wrap_result, announce_fallback

        announce_fallback("crosstab with values, normalize, margins or Series of different frames")
        return _wrap_result(pd.crosstab(index.to_pandas(), columns.to_pandas(), values=values,
                                        aggfunc=aggfunc, normalize=normalize, margins=margins, dropna=dropna))
    rname = index.name if index.name is not None else "row_0"
    cname = columns.name if columns.name is not None else "col_0"
    frame = DataFrame._new(index._plan, {rname: index._expr, cname: columns._expr}, index._index)
    table = pivot_table(frame, values=cname, index=rname, columns=cname, aggfunc="count", fill_value=0)
    return table


def get_dummies(data: Any, prefix: Any = None, prefix_sep: str = "_", dummy_na: bool = False,
                columns: Any = None, drop_first: bool = False, dtype: Any = None) -> DataFrame:
    """One indicator column per distinct value (sorted) of each string column."""
    from shardframe.frame import DataFrame, _dtype_name
    from shardframe.series import Series

    if columns is not None and (isinstance(columns, str) or not hasattr(columns, "__iter__")):
        raise TypeError("Input must be a list-like for parameter `columns`")
    if dummy_na:
        return (data if isinstance(data, DataFrame) else data.to_frame())._fallback("get_dummies")()
    cast = None if dtype is None else _dtype_name(dtype)
    if isinstance(data, Series):
        frame = data.to_frame("__v__")
        encode = ["__v__"]
        prefixes = {"__v__": prefix}
    else:
        frame = data
        dtypes = frame._schema_by_label()
        encode = _as_list(columns) or [c for c, d in dtypes.items() if d == "str"]
        if isinstance(prefix, dict):
            prefixes = prefix
        elif isinstance(prefix, (list, tuple)):
            prefixes = dict(zip(encode, prefix, strict=True))
        else:
            prefixes = {c: (prefix if prefix is not None else c) for c in encode}
    cols: dict[Hashable, Expr] = {c: e for c, e in frame._cols.items() if c not in encode}
    for c in encode:
        values = _distinct_sorted(frame[c])
        if drop_first:
            values = values[1:]
        pre = prefixes.get(c)
        for v in values:
            name = f"{pre}{prefix_sep}{v}" if pre is not None else v
            e = frame._cols[c].binary("eq", lit(v))
            cols[name] = e.fn("cast", dtype=cast) if cast else e
    return frame._with_cols(cols)


__all__ = ["crosstab", "get_dummies", "melt", "pivot", "pivot_table"]


def cut(x: Any, bins: Any, right: bool = True, labels: Any = None, retbins: bool = False, precision: int = 3,
        include_lowest: bool = False, duplicates: str = "raise", ordered: bool = True) -> Any:
    """Bin values into intervals, as ``pandas.cut``. The edges, labels and
    categories are pandas' own (computed from the minimum and maximum when
    ``bins`` is a count); each value's bin is found in the engine."""
    import pandas as pd

    from shardframe.series import Series

    options = {"right": right, "labels": labels, "precision": precision, "include_lowest": include_lowest,
               "duplicates": duplicates, "ordered": ordered}
    if not isinstance(x, Series):
        return pd.cut(x, bins, retbins=retbins, **options)
    if not _binnable(x):
        return _fallback_call("cut", x, bins, retbins=retbins, **options)
    if isinstance(bins, pd.IntervalIndex):
        return _interval_binned(x, bins, retbins, options)
    if pd.api.types.is_scalar(bins):
        # pandas derives the edges of `bins` equal bins from the extremes alone
        lo, hi = (x.min(), x.max()) if len(x) else (None, None)
        extremes = pd.Series([] if lo is None else [lo, hi], dtype=x.dtype)
        bins = pd.cut(extremes, bins, right=right, retbins=True)[1]
    return _binned(x, bins, retbins, options)


def qcut(x: Any, q: Any, labels: Any = None, retbins: bool = False, precision: int = 3,
         duplicates: str = "raise") -> Any:
    """Bin values into quantile intervals, as ``pandas.qcut``: the edges are
    the quantiles of the non-missing values, computed in one pass."""
    import numpy as np
    import pandas as pd

    from shardframe.series import Series

    if not isinstance(x, Series):
        return pd.qcut(x, q, labels=labels, retbins=retbins, precision=precision, duplicates=duplicates)
    if not _binnable(x):
        return _fallback_call("qcut", x, q, labels=labels, retbins=retbins, precision=precision,
                              duplicates=duplicates)
    quantiles = np.linspace(0, 1, q + 1) if pd.api.types.is_integer(q) else np.asarray(q, dtype=float)
    edges = np.asarray(x._quantiles([float(v) for v in quantiles]))
    options = {"right": True, "labels": labels, "precision": precision, "include_lowest": True,
               "duplicates": duplicates, "ordered": True}
    return _binned(x, edges, retbins, options)


def _binned(x: Series, bins: Any, retbins: bool, options: dict[str, Any]) -> Any:
    """``x`` cut at the edges ``bins``: pandas checks the edges and labels and
    makes the categories (on no rows), the engine finds each value's bin."""
    import pandas as pd

    empty = pd.Series([], dtype=x.dtype)
    template, edges = pd.cut(empty, bins, retbins=True, **options)
    params: dict[str, Any] = {"right": options["right"], "include_lowest": options["include_lowest"]}
    given = options["labels"]
    if given is not None and given is not False:
        # bins with the same label share its category
        params["codes"] = [int(c) for c in template.dtype.categories.get_indexer(list(given))]
    codes = x._expr.fn("bin_codes", breaks=float_params(edges), **params)
    if given is False:
        return (x._derive(codes), edges) if retbins else x._derive(codes)
    return _categorized(x, codes, template, edges, bins, retbins, options)


def _categorized(x: Series, codes: Expr, template: Any, result_bins: Any, bins: Any, retbins: bool,
                 options: dict[str, Any]) -> Any:
    """The bins of ``codes`` as the categories of pandas' ``template``."""
    from shardframe import _categories

    labels = _categories.labels(template.dtype)
    if labels is None:  # two categories print the same: not representable in the engine
        return _fallback_call("cut", x, bins, retbins=retbins, **options)
    out = x._derive(codes.fn("codes_to_category", categories=labels))
    return (out, result_bins) if retbins else out


def _interval_binned(x: Series, bins: Any, retbins: bool, options: dict[str, Any]) -> Any:
    """``x`` cut by an IntervalIndex: each value's interval (missing between
    them); pandas makes the categories (the intervals) on no rows. The edges
    are every interval's ends; a bin between two intervals has no code."""
    import numpy as np
    import pandas as pd

    # pandas checks the intervals (no overlaps) on no rows
    template, out_bins = pd.cut(pd.Series([], dtype=x.dtype), bins, retbins=True, **options)
    if not bins.is_monotonic_increasing or (bins.left == bins.right).any():
        # (an interval of one point, [a, a], is no bin between two edges)
        return _fallback_call("cut", x, bins, retbins=retbins, **options)
    edges = np.unique(np.concatenate([bins.left.to_numpy(float), bins.right.to_numpy(float)]))
    position = {(float(i.left), float(i.right)): n for n, i in enumerate(bins)}
    codes = [position.get((float(a), float(b))) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    expr = x._expr.fn("bin_codes", breaks=float_params(edges), right=bins.closed == "right",
                      include_lowest=False, codes=codes, closed=bins.closed)
    return _categorized(x, expr, template, out_bins, bins, retbins, options)


def _binnable(x: Series) -> bool:
    dtype = x._engine_dtype()
    return dtype.startswith(("int", "uint", "float"))


def _fallback_call(name: str, x: Series, *args: Any, **kwargs: Any) -> Any:
    """``pandas.<name>`` on ``x`` converted, announced as a fallback."""
    import pandas as pd

    from shardframe._base import _wrap_result, announce_fallback

    announce_fallback(f"pandas.{name}")
    result = getattr(pd, name)(x.to_pandas(), *args, **kwargs)
    if isinstance(result, tuple):
        return (_wrap_result(result[0]), *result[1:])
    return _wrap_result(result)
