"""What DataFrame and Series share: a root plan, an index described over it,
materialization and the pandas fallback."""

from __future__ import annotations

import inspect
import warnings
from typing import TYPE_CHECKING, Any

from shardframe import _engine
from shardframe._engine import INDEX_PREFIX, index_col
from shardframe._expr import Expr, col, dumps
from shardframe.exceptions import FallbackError, FallbackWarning
from shardframe.options import options

if TYPE_CHECKING:
    import pandas as pd

    from shardframe._core import PyPlan

# The index over a root plan: None is a RangeIndex of the root's row
# positions; otherwise (label, expression) per level.
IndexSpec = list[tuple[Any, Expr]] | None


class _Rows:
    _plan: PyPlan
    _index: IndexSpec

    # -- plan helpers ---------------------------------------------------
    def _index_exprs(self) -> list[dict[str, Any]]:
        if self._index is None:
            return []
        return [{"name": index_col(i), "expr": e} for i, (_, e) in enumerate(self._index)]

    def _with_positions(self) -> tuple[PyPlan, IndexSpec]:
        """The root plan and an index that survives row removal/reordering:
        a RangeIndex becomes an explicit column of row positions."""
        if self._index is not None:
            return self._plan, self._index
        plan = self._plan.row_index(index_col(0))
        return plan, [(None, col(index_col(0)))]

    def _count_rows(self, expr: Expr | None) -> int:
        """Rows of the root plan, counted by a fused reduction (nothing is stored)."""
        if expr is None:
            return int(self._plan.num_rows(options.config()))
        agg = {"name": "n", "func": "size", "expr": expr}
        table = _engine.to_arrow(self._plan.reduce(dumps([agg])))
        return int(table.column(0)[0].as_py())

    def _index_names(self) -> list[Any]:
        return [] if self._index is None else [label for label, _ in self._index]

    def _rebased_index(self) -> IndexSpec:
        """The index after the plan is rebased onto its own output columns."""
        if self._index is None:
            return None
        return [(label, col(index_col(i))) for i, (label, _) in enumerate(self._index)]

    # -- conversion -----------------------------------------------------
    @staticmethod
    def _set_index(pdf: pd.DataFrame, names: list[Any], n_index: int) -> pd.DataFrame:
        import pandas as pd

        if n_index == 0:
            pdf.index = pd.RangeIndex(len(pdf))
            return pdf
        cols = [index_col(i) for i in range(n_index)]
        pdf = pdf.set_index(cols)
        pdf.index.names = names
        return pdf

    @property
    def plot(self) -> Any:
        """Plots through matplotlib, as pandas', with large data reduced in the engine."""
        from shardframe.plotting import PlotAccessor

        return PlotAccessor(self)

    def rolling(self, window: Any, min_periods: int | None = None, center: bool = False, **kwargs: Any) -> Any:
        """Fixed-size moving windows (``.mean()``, ``.sum()``, ``.min()``, ``.max()``, ``.std()``...);
        windows by time (``"2s"``) or with other options run in pandas, announced."""
        from shardframe.window import Rolling

        if kwargs or isinstance(window, str) or hasattr(window, "get_window_bounds"):
            return self._fallback("rolling")(window, min_periods=min_periods, center=center, **kwargs)

        return Rolling(self, window, min_periods=min_periods, center=center)

    def expanding(self, min_periods: int = 1) -> Any:
        """Windows growing from the first row."""
        from shardframe.window import expanding

        return expanding(self, min_periods)

    def ewm(self, com: float | None = None, span: float | None = None, halflife: float | None = None,
            alpha: float | None = None, min_periods: int = 0, adjust: bool = True,
            ignore_na: bool = False) -> Any:
        """Exponentially weighted windows (``.mean()``)."""
        from shardframe.window import ExponentialMovingWindow

        return ExponentialMovingWindow(self, com=com, span=span, halflife=halflife, alpha=alpha,
                                       min_periods=min_periods, adjust=adjust, ignore_na=ignore_na)

    def sample(self, n: int | None = None, frac: float | None = None, replace: bool = False, weights: Any = None,
               random_state: Any = None, axis: Any = None, ignore_index: bool = False) -> Any:
        """Random rows, the same ones pandas picks for the same ``random_state``
        (pandas' own sampling draws the positions; the engine takes the rows).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(range(10)).sample(3, random_state=1).to_list()
        [2, 9, 6]
        """
        from pandas.core import common, sample

        if axis not in (None, 0, "index", "rows") or (weights is not None and not isinstance(weights, (list, tuple))):
            return self._fallback("sample")(n=n, frac=frac, replace=replace, weights=weights,
                                            random_state=random_state, axis=axis, ignore_index=ignore_index)
        length = len(self)  # type: ignore[arg-type]
        rs = common.random_state(random_state)
        size = sample.process_sampling_size(n, frac, replace)
        if size is None:
            size = round(frac * length)  # type: ignore[operator]
        if weights is not None:
            import numpy as np

            weights = np.asarray(weights, dtype="float64")
            if len(weights) != length:
                raise ValueError("Weights and axis to be sampled must be of same length")
            weights = weights / weights.sum()
        positions = [int(p) for p in sample.sample(length, size, replace, weights, rs)]
        out = self.iloc[positions]  # type: ignore[attr-defined]
        return out.reset_index(drop=True) if ignore_index else out

    # -- output pandas formats -------------------------------------------
    # Text and file formats that hold every row: the rows leave the engine in
    # full whichever code formats them, so pandas' own writer does (its
    # options, quoting and layout exactly), on the converted object. Not a
    # fallback: no work the engine could do goes to pandas.
    def _render(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.to_pandas(), method)(*map(_unwrap, args), **kwargs)  # type: ignore[attr-defined]

    def to_json(self, path_or_buf: Any = None, *args: Any, **kwargs: Any) -> Any:
        """JSON text (or a file), as :meth:`pandas.DataFrame.to_json` writes it."""
        return self._render("to_json", path_or_buf, *args, **kwargs)

    def to_string(self, *args: Any, **kwargs: Any) -> Any:
        """The table as text, as pandas prints it whole."""
        return self._render("to_string", *args, **kwargs)

    def to_markdown(self, *args: Any, **kwargs: Any) -> Any:
        """A Markdown table (needs the ``tabulate`` package, as pandas does)."""
        return self._render("to_markdown", *args, **kwargs)

    def to_latex(self, *args: Any, **kwargs: Any) -> Any:
        """A LaTeX tabular, as pandas writes it."""
        return self._render("to_latex", *args, **kwargs)

    def to_excel(self, *args: Any, **kwargs: Any) -> Any:
        """An Excel sheet (through pandas' writer and its engines)."""
        return self._render("to_excel", *args, **kwargs)

    def to_clipboard(self, *args: Any, **kwargs: Any) -> Any:
        """The rows on the system clipboard, as pandas puts them."""
        return self._render("to_clipboard", *args, **kwargs)

    def to_pickle(self, *args: Any, **kwargs: Any) -> Any:
        """A pickle of the pandas object (``pd.read_pickle`` reads it back)."""
        return self._render("to_pickle", *args, **kwargs)

    # -- fallback -------------------------------------------------------
    def _fallback(self, name: str) -> Any:
        import pandas as pd

        kind = "DataFrame" if self.__class__.__name__ == "DataFrame" else "Series"
        target = getattr(pd, kind)
        if not hasattr(target, name):
            raise AttributeError(f"'{kind}' object has no attribute '{name}'")
        announce_fallback(f"{kind}.{name}")
        return pandas_member(getattr(self.to_pandas(), name), name)  # type: ignore[attr-defined]


def pandas_member(value: Any, name: str) -> Any:
    """A member of a pandas object, for shardframe users: a property's value
    as shardframe objects where the engine can hold them (accessors such as
    ``s.str`` as they are), a method as a function taking and giving them."""
    if not inspect.isroutine(value):
        return _wrap_result(value)

    def call(*args: Any, **kwargs: Any) -> Any:
        args = tuple(_unwrap(a) for a in args)
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        return _wrap_result(value(*args, **kwargs))

    call.__name__ = name
    return call


def announce_fallback(what: str) -> None:
    """Say (or refuse, per ``options.fallback``) that ``what`` runs through pandas."""
    if options.fallback == "raise":
        raise FallbackError(f"{what} is not supported natively and options.fallback is 'raise'")
    if options.fallback == "warn":
        warnings.warn(f"{what} is not supported natively; running it through pandas",
                      FallbackWarning, stacklevel=3)


def _unwrap(value: Any) -> Any:
    if isinstance(value, _Rows):
        return value.to_pandas()  # type: ignore[attr-defined]
    return value


def _wrap_result(value: Any) -> Any:
    import pandas as pd

    from shardframe.exceptions import InvalidOperationError
    from shardframe.frame import DataFrame
    from shardframe.series import Series

    try:
        if isinstance(value, pd.DataFrame):
            return DataFrame(value)
        if isinstance(value, pd.Series):
            return Series(value)
    except InvalidOperationError:
        # Columns of mixed Python objects (describe() of strings, a row of a
        # mixed frame) have no engine type: pandas' result is the answer.
        return value
    return value


def select_json(items: list[dict[str, Any]]) -> str:
    return dumps(items)


__all__ = ["INDEX_PREFIX", "IndexSpec", "_Rows", "_engine", "select_json"]
