"""``Series.str``, ``Series.dt`` and ``Series.cat``: Python classes over flat
engine functions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shardframe._expr import lit

if TYPE_CHECKING:
    from shardframe.series import Series


class StringMethods:
    """Vectorized string functions, as ``pandas.Series.str``."""

    def __init__(self, series: Series) -> None:
        if series._engine_dtype() != "str":
            raise AttributeError("Can only use .str accessor with string values!")
        self._s = series

    def _fn(self, name: str, **params: Any) -> Series:
        return self._s._derive(self._s._expr.fn(name, **params))

    def lower(self) -> Series:
        return self._fn("str_lower")

    def upper(self) -> Series:
        return self._fn("str_upper")

    def strip(self, to_strip: str | None = None) -> Series:
        return self._fn("str_strip", chars=to_strip)

    def lstrip(self, to_strip: str | None = None) -> Series:
        return self._fn("str_lstrip", chars=to_strip)

    def rstrip(self, to_strip: str | None = None) -> Series:
        return self._fn("str_rstrip", chars=to_strip)

    def len(self) -> Series:
        return self._fn("str_len")

    def contains(self, pat: str, case: bool = True, flags: int = 0, na: Any = None, regex: bool = True) -> Series:
        out = self._fn("str_contains", pat=pat, case=case, regex=regex)
        if na is not None:
            out = out.fillna(na)
        return out

    def startswith(self, pat: str | tuple[str, ...], na: Any = None) -> Series:
        if isinstance(pat, tuple):
            out = self._fn("str_startswith", pat=pat[0])
            for p in pat[1:]:
                out = out | self._fn("str_startswith", pat=p)
            return out
        if not isinstance(pat, str):
            raise TypeError(f"expected a string or tuple, not {type(pat).__name__}")
        return self._fn("str_startswith", pat=pat)

    def endswith(self, pat: str | tuple[str, ...], na: Any = None) -> Series:
        if isinstance(pat, tuple):
            out = self._fn("str_endswith", pat=pat[0])
            for p in pat[1:]:
                out = out | self._fn("str_endswith", pat=p)
            return out
        if not isinstance(pat, str):
            raise TypeError(f"expected a string or tuple, not {type(pat).__name__}")
        return self._fn("str_endswith", pat=pat)

    def replace(self, pat: str, repl: str, n: int = -1, case: bool | None = None, flags: int = 0, regex: bool = False) -> Series:
        return self._fn("str_replace", pat=pat, repl=repl, n=n, case=True if case is None else case, regex=regex)

    def slice(self, start: int | None = None, stop: int | None = None, step: int | None = None) -> Series:
        if step not in (None, 1):
            return self._s._fallback("str").slice(start, stop, step)  # type: ignore[no-any-return]
        return self._fn("str_slice", start=start or 0, stop=stop)

    def __getitem__(self, key: Any) -> Series:
        if isinstance(key, slice):
            return self.slice(key.start, key.stop, key.step)
        if key < 0:
            return self.slice(key, key + 1 if key != -1 else None)
        return self.slice(key, key + 1)

    def split(self, pat: str | None = None, n: int = -1, expand: bool = False, regex: bool | None = None) -> Any:
        """Split on a literal separator; ``expand=True`` gives one column per part."""
        from shardframe.frame import DataFrame

        if pat is None or regex or (n not in (-1, 0, None)):
            return _pandas_str(self._s, "split", pat=pat, n=n, expand=expand, regex=regex)
        if not expand:
            return _pandas_str(self._s, "split", pat=pat, n=n, expand=expand, regex=regex)
        parts = self._s._derive(self._s._expr.fn("str_split_count", pat=pat)).max()
        k = 0 if parts != parts else int(parts)  # NaN when all missing
        cols = {i: self._s._expr.fn("str_split_part", pat=pat, i=i) for i in range(k)}
        return DataFrame._new(self._s._plan, cols, self._s._index)._with_cols(cols)

    def cat(self, others: Any = None, sep: str | None = None, na_rep: str | None = None) -> Any:
        from shardframe.series import Series

        if others is None:
            return _pandas_str(self._s, "cat", sep=sep, na_rep=na_rep)
        items = others if isinstance(others, list) else [others]
        args = []
        for o in items:
            if not isinstance(o, Series) or o._plan is not self._s._plan:
                return _pandas_str(self._s, "cat", others=others, sep=sep, na_rep=na_rep)
            args.append(o._expr)
        expr = self._s._expr.fn("str_cat", *args, sep=sep or "")
        if na_rep is not None:
            expr = self._s._expr.fn("fill_null", lit(na_rep)).fn(
                "str_cat", *(a.fn("fill_null", lit(na_rep)) for a in args), sep=sep or ""
            )
        return self._s._derive(expr)


def _pandas_str(series: Series, method: str, **kwargs: Any) -> Any:
    """A ``.str`` method run through pandas (a visible fallback)."""
    from shardframe._base import _wrap_result

    accessor = series._fallback("str")
    return _wrap_result(getattr(accessor, method)(**kwargs))


class DatetimeMethods:
    """Datetime properties and methods, as ``pandas.Series.dt``."""

    def __init__(self, series: Series) -> None:
        if not series._engine_dtype().startswith(("datetime", "date")):
            raise AttributeError("Can only use .dt accessor with datetimelike values")
        self._s = series

    def _fn(self, name: str, **params: Any) -> Series:
        return self._s._derive(self._s._expr.fn(name, **params))

    @property
    def year(self) -> Series:
        return self._fn("dt_year")

    @property
    def month(self) -> Series:
        return self._fn("dt_month")

    @property
    def day(self) -> Series:
        return self._fn("dt_day")

    @property
    def hour(self) -> Series:
        return self._fn("dt_hour")

    @property
    def minute(self) -> Series:
        return self._fn("dt_minute")

    @property
    def second(self) -> Series:
        return self._fn("dt_second")

    @property
    def dayofweek(self) -> Series:
        return self._fn("dt_dayofweek")

    weekday = dayofweek
    day_of_week = dayofweek

    @property
    def date(self) -> Series:
        return self._fn("dt_date")

    def normalize(self) -> Series:
        return self._fn("dt_normalize")

    def floor(self, freq: str) -> Series:
        return self._fn("dt_floor", every=_polars_duration(freq))

    def strftime(self, date_format: str) -> Series:
        return self._fn("dt_strftime", format=date_format)


_FREQ = {"D": "d", "h": "h", "H": "h", "min": "m", "T": "m", "s": "s", "S": "s", "ms": "ms", "us": "us", "ns": "ns", "W": "w"}


def _polars_duration(freq: str) -> str:
    import re

    m = re.fullmatch(r"(\d*)([A-Za-z]+)", freq)
    if not m or m.group(2) not in _FREQ:
        raise ValueError(f"Invalid frequency: {freq}")
    return f"{m.group(1) or 1}{_FREQ[m.group(2)]}"


class CategoricalMethods:
    """Categories and codes, as ``pandas.Series.cat``. Changing the
    categories recategorizes each value by its label in the engine."""

    def __init__(self, series: Series) -> None:
        if series._engine_dtype() != "category":
            raise AttributeError("Can only use .cat accessor with a 'category' dtype")
        self._s = series

    @property
    def categories(self) -> Any:
        return self._s.dtype.categories

    @property
    def ordered(self) -> bool:
        return bool(self._s.dtype.ordered)

    @property
    def codes(self) -> Series:
        """Each value's category position, -1 when missing (int8 below 128
        categories, as pandas sizes them)."""
        n = len(self.categories)
        width = "int8" if n < 128 else "int16" if n < 32768 else "int32"
        expr = self._s._expr.fn("cat_codes").fn("cast", dtype=width).fn("fill_null", lit(-1))
        return self._s._derive(expr, name=None)

    def _with(self, categories: Any, ordered: bool | None = None) -> Series:
        import pandas as pd

        order = self.ordered if ordered is None else ordered
        return self._s.astype(pd.CategoricalDtype(list(categories), ordered=order))

    def set_categories(self, new_categories: Any, ordered: bool | None = None, rename: bool = False) -> Series:
        if rename:
            return self.rename_categories(new_categories)
        return self._with(new_categories, ordered)

    def reorder_categories(self, new_categories: Any, ordered: bool | None = None) -> Series:
        if len(new_categories) != len(self.categories) or set(new_categories) != set(self.categories):
            raise ValueError("items in new_categories are not the same as in old categories")
        return self._with(new_categories, ordered)

    def add_categories(self, new_categories: Any) -> Series:
        import pandas as pd

        new = list(new_categories) if pd.api.types.is_list_like(new_categories) else [new_categories]
        already = [c for c in new if c in self.categories]
        if already:
            raise ValueError(f"new categories must not include old categories: {already}")
        return self._with([*self.categories, *new])

    def remove_categories(self, removals: Any) -> Series:
        import pandas as pd

        gone = pd.Index(removals if pd.api.types.is_list_like(removals) else [removals]).unique().dropna()
        missing = gone.difference(self.categories)
        if len(missing):
            raise ValueError(f"removals must all be in old categories: {set(missing)}")
        # pandas sorts what is left of unordered categories
        return self._with(self.categories.difference(gone, sort=False if self.ordered else None))

    def remove_unused_categories(self) -> Series:
        used = set(self._s.dropna().unique())
        return self._with([c for c in self.categories if c in used])

    def rename_categories(self, new_categories: Any) -> Series:
        """The same codes under new labels (a list, a dict or a function)."""
        import pandas as pd

        from shardframe import _categories

        old = list(self.categories)
        if callable(new_categories):
            new = [new_categories(c) for c in old]
        elif isinstance(new_categories, dict):
            new = [new_categories.get(c, c) for c in old]
        else:
            new = list(new_categories)
            if len(new) != len(old):
                raise ValueError("new categories need to have the same number of items as the old categories!")
        if len(set(new)) != len(new):
            raise ValueError("Categorical categories must be unique")
        labels = _categories.labels(pd.CategoricalDtype(new, ordered=self.ordered))
        if labels is None:
            return self._s._fallback("cat").rename_categories(new_categories)
        return self._s._derive(self._s._expr.fn("cat_codes").fn("codes_to_category", categories=labels))
