"""``Series.str`` and ``Series.dt``: Python classes over flat engine functions."""

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
