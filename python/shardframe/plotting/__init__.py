"""``DataFrame.plot`` / ``Series.plot``: data is reduced in the engine, then
pandas draws the (small) result with matplotlib, so a small frame's plot is
pandas' plot of the same data.

- line, area, scatter: drawn from all rows up to ``options.plot_points`` rows;
  above that, the rows are downsampled in the engine to the minimum and the
  maximum of each of ``plot_points // 2`` consecutive buckets (so peaks and
  troughs survive), with a warning that says so;
- hist: bin counts over all rows are computed in the engine;
- box: quartiles, whiskers and outliers are computed in the engine;
- bar, barh, pie: one mark per row, as in pandas (meant for small results).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from shardframe._expr import col, dumps, lit
from shardframe.options import options

if TYPE_CHECKING:
    from shardframe.frame import DataFrame
    from shardframe.series import Series


class DownsampledWarning(UserWarning):
    """A plot was drawn from a min/max summary of its rows, not from every row."""


def _columns_for(frame: DataFrame, x: Any, y: Any) -> list[Any]:
    cols = []
    for v in (x, y):
        if v is None:
            continue
        cols += list(v) if isinstance(v, (list, tuple)) else [v]
    if not cols or y is None:
        return list(frame.columns)
    return list(dict.fromkeys(cols))


def _downsampled(frame: DataFrame, columns: list[Any], what: str) -> Any:
    """Rows of ``columns`` as pandas: all of them when few, else per bucket of
    consecutive rows the row-wise min and max of every column."""
    n = len(frame)
    limit = options.plot_points
    sub = frame[columns]
    if n <= limit:
        return sub.to_pandas()
    buckets = max(1, limit // 2)
    size = -(-n // buckets)
    plan = sub._output_plan().row_index("__pos__")
    key = col("__pos__").binary("floor_div", lit(size))
    aggs: list[dict[str, Any]] = [{"name": "__first", "func": "min", "expr": col("__pos__")}]
    for i, c in enumerate(columns):
        aggs.append({"name": f"__min{i}", "func": "min", "expr": col(str(c))})
        aggs.append({"name": f"__max{i}", "func": "max", "expr": col(str(c))})
    grouped = plan.group_by(dumps([{"name": "__b", "expr": key}]), dumps(aggs), False)
    grouped = grouped.sort(dumps({"by": [col("__b")], "descending": [False], "nulls_last": True, "stable": True}))
    from shardframe import _engine

    summary = _engine.to_arrow(grouped).to_pandas()
    warnings.warn(
        f"{what}: {n:,} rows drawn as the minimum and maximum of {len(summary):,} buckets of "
        f"{size:,} consecutive rows (options.plot_points = {limit:,})",
        DownsampledWarning,
        stacklevel=4,
    )
    import pandas as pd

    lows = pd.DataFrame({c: summary[f"__min{i}"].to_numpy() for i, c in enumerate(columns)})
    highs = pd.DataFrame({c: summary[f"__max{i}"].to_numpy() for i, c in enumerate(columns)})
    first = summary["__first"].to_numpy()
    lows.index = first
    highs.index = first + size // 2
    return pd.concat([lows, highs]).sort_index(kind="stable")


def histogram(series: Series, bins: int = 10, range: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:  # noqa: A002
    """(counts, edges) of ``bins`` equal-width bins over all values (or over
    ``range``), computed in the engine; agrees with ``numpy.histogram``."""
    lo, hi = range if range is not None else (series.min(), series.max())
    if lo != lo or hi != hi:  # no values
        return np.zeros(bins, dtype=np.int64), np.linspace(0.0, 1.0, bins + 1)
    lo, hi = float(lo), float(hi)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    width = (hi - lo) / bins
    x = series._nan_as_null().fn("cast", dtype="float64")
    idx = x.binary("sub", lit(lo)).binary("true_div", lit(width)).fn("floor").fn("cast", dtype="int64")
    # The right edge belongs to the last bin, as in numpy; values outside the range are dropped.
    inside = x.binary("ge", lit(lo)).binary("and", x.binary("le", lit(hi)))
    idx = inside.fn("where", idx.fn("clip", lit(0), lit(bins - 1)), lit(None))
    plan = series._plan.group_by(dumps([{"name": "__bin", "expr": idx}]),
                                 dumps([{"name": "__n", "func": "size", "expr": x}]), True)
    from shardframe import _engine

    table = _engine.to_arrow(plan).to_pandas()
    counts = np.zeros(bins, dtype=np.int64)
    counts[table["__bin"].to_numpy(dtype=np.int64)] = table["__n"].to_numpy()
    return counts, edges


def box_stats(series: Series, whis: float = 1.5, label: Any = None) -> dict[str, Any]:
    """matplotlib ``bxp`` statistics of all values, computed in the engine."""
    q1, med, q3 = (float(series.quantile(q)) for q in (0.25, 0.5, 0.75))
    iqr = q3 - q1
    lo_lim, hi_lim = q1 - whis * iqr, q3 + whis * iqr
    inside = series[(series >= lo_lim) & (series <= hi_lim)]
    whislo, whishi = float(inside.min()), float(inside.max())
    out = series[(series < lo_lim) | (series > hi_lim)]
    fliers = out.head(options.plot_points).to_numpy(dtype=float)
    return {"med": med, "q1": q1, "q3": q3, "whislo": whislo, "whishi": whishi,
            "fliers": fliers, "mean": float(series.mean()), "label": label}


class PlotAccessor:
    """``obj.plot(...)`` and ``obj.plot.<kind>(...)``, returning matplotlib Axes like pandas."""

    def __init__(self, obj: DataFrame | Series) -> None:
        self._obj = obj

    def __call__(self, *args: Any, kind: str = "line", **kwargs: Any) -> Any:
        return getattr(self, kind)(*args, **kwargs)

    def _frame(self) -> DataFrame:
        from shardframe.series import Series

        obj = self._obj
        return obj.to_frame() if isinstance(obj, Series) else obj

    def _draw(self, kind: str, data: Any, **kwargs: Any) -> Any:
        from shardframe.series import Series

        if isinstance(self._obj, Series) and hasattr(data, "columns") and len(data.columns) == 1:
            data = data.iloc[:, 0]
            data.name = self._obj.name
        return data.plot(kind=kind, **kwargs)

    def _rows(self, kind: str, x: Any = None, y: Any = None, **kwargs: Any) -> Any:
        frame = self._frame()
        columns = _columns_for(frame, x, y)
        if kind in ("line", "area", "scatter"):
            data = _downsampled(frame, columns, f"plot.{kind}")
        else:
            data = frame[columns].to_pandas()
        if x is not None:
            kwargs["x"] = x
        if y is not None:
            kwargs["y"] = y
        return self._draw(kind, data, **kwargs)

    def line(self, x: Any = None, y: Any = None, **kwargs: Any) -> Any:
        return self._rows("line", x, y, **kwargs)

    def area(self, x: Any = None, y: Any = None, **kwargs: Any) -> Any:
        return self._rows("area", x, y, **kwargs)

    def scatter(self, x: Any, y: Any, **kwargs: Any) -> Any:
        return self._rows("scatter", x, y, **kwargs)

    def bar(self, x: Any = None, y: Any = None, **kwargs: Any) -> Any:
        return self._rows("bar", x, y, **kwargs)

    def barh(self, x: Any = None, y: Any = None, **kwargs: Any) -> Any:
        return self._rows("barh", x, y, **kwargs)

    def pie(self, y: Any = None, **kwargs: Any) -> Any:
        return self._rows("pie", None, y, **kwargs)

    def hist(self, by: Any = None, bins: int = 10, **kwargs: Any) -> Any:
        """Histogram of every numeric column, bins counted over all rows in the engine."""
        import matplotlib.pyplot as plt

        if by is not None or not isinstance(bins, int):
            return self._draw("hist", self._frame().to_pandas(), by=by, bins=bins, **kwargs)
        frame = self._frame()
        names = [c for c, d in frame._schema_by_label().items() if d.startswith(("int", "uint", "float"))]
        ax = kwargs.pop("ax", None)
        if ax is None:
            fig, ax = plt.subplots(figsize=kwargs.pop("figsize", None))
        # One set of bins for every column, over their common range (as pandas).
        lows = [frame[n].min() for n in names]
        highs = [frame[n].max() for n in names]
        span = (float(np.nanmin(lows)), float(np.nanmax(highs))) if names else None
        for name in names:
            counts, edges = histogram(frame[name], bins, span)
            ax.hist(edges[:-1], bins=edges, weights=counts, label=str(name), **{
                k: v for k, v in kwargs.items() if k not in ("title", "legend", "logy", "logx")})
        if kwargs.get("title"):
            ax.set_title(kwargs["title"])
        if kwargs.get("logy"):
            ax.set_yscale("log")
        ax.set_ylabel("Frequency")
        if len(names) > 1 or kwargs.get("legend"):
            ax.legend()
        return ax

    def box(self, **kwargs: Any) -> Any:
        """Box plot of every numeric column, statistics computed in the engine."""
        import matplotlib.pyplot as plt

        frame = self._frame()
        names = [c for c, d in frame._schema_by_label().items() if d.startswith(("int", "uint", "float"))]
        stats = [box_stats(frame[n], label=str(n)) for n in names]
        ax = kwargs.pop("ax", None)
        if ax is None:
            fig, ax = plt.subplots(figsize=kwargs.pop("figsize", None))
        ax.bxp(stats, showfliers=True)
        if kwargs.get("title"):
            ax.set_title(kwargs["title"])
        return ax

    def kde(self, **kwargs: Any) -> Any:
        frame = self._frame()
        data = _downsampled(frame, list(frame.columns), "plot.kde")
        return self._draw("kde", data, **kwargs)

    density = kde


def _layout(n: int) -> tuple[int, int]:
    """pandas' default grid for ``n`` subplots."""
    fixed = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (2, 2)}
    if n in fixed:
        return fixed[n]
    k = 1
    while k * k < n:
        k += 1
    return (k, k - 1) if (k - 1) * k >= n else (k, k)


def frame_hist(frame: DataFrame, column: Any = None, bins: int = 10, grid: bool = True,
               figsize: Any = None, layout: Any = None, **kwargs: Any) -> Any:
    """``DataFrame.hist``: one histogram per numeric column on a grid of subplots,
    bins counted over all rows in the engine."""
    import matplotlib.pyplot as plt

    dtypes = frame._schema_by_label()
    names = [c for c, d in dtypes.items() if d.startswith(("int", "uint", "float"))]
    if column is not None:
        wanted = column if isinstance(column, (list, tuple)) else [column]
        names = [c for c in wanted if c in names]
    if not names:
        raise ValueError("hist method requires numerical or datetime columns, nothing to plot.")
    nrows, ncols = layout if layout is not None else _layout(len(names))
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    flat = axes.ravel()
    for ax, name in zip(flat, names, strict=False):
        counts, edges = histogram(frame[name], bins)
        ax.hist(edges[:-1], bins=edges, weights=counts, **kwargs)
        ax.set_title(str(name))
        ax.grid(grid)
    for ax in flat[len(names):]:
        ax.set_visible(False)
    fig.subplots_adjust(wspace=0.3, hspace=0.3)
    return axes


def frame_boxplot(frame: DataFrame, column: Any = None, grid: bool = True, figsize: Any = None,
                  ax: Any = None, **kwargs: Any) -> Any:
    """``DataFrame.boxplot``: one box per numeric column, statistics from the engine."""
    import matplotlib.pyplot as plt

    dtypes = frame._schema_by_label()
    names = [c for c, d in dtypes.items() if d.startswith(("int", "uint", "float"))]
    if column is not None:
        names = list(column) if isinstance(column, (list, tuple)) else [column]
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    ax.bxp([box_stats(frame[n], label=str(n)) for n in names], **kwargs)
    ax.grid(grid)
    return ax
