"""``rolling``, ``expanding`` and ``ewm``: windows over ordered rows, run by
Polars' rolling kernels."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from shardframe.frame import DataFrame
    from shardframe.series import Series

_HOWS = ("mean", "sum", "min", "max", "std", "var", "median")


def _numeric(dtype: str) -> bool:
    return dtype.startswith(("int", "uint", "float")) or dtype == "bool"


class _PandasWindow:
    """Window methods the engine does not run go to pandas' window over the
    same rows, announced."""

    _obj: Any
    _kind: str  # the pandas method making the window: "rolling" or "ewm"
    _pandas_args: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        import pandas as pd

        from shardframe._base import announce_fallback, pandas_member

        cls = pd.core.window.Rolling if self._kind == "rolling" else pd.core.window.ExponentialMovingWindow
        if name.startswith("_") or not hasattr(cls, name):
            raise AttributeError(f"'{cls.__name__}' object has no attribute '{name}'")
        announce_fallback(f"{cls.__name__}.{name}")
        return pandas_member(getattr(getattr(self._obj.to_pandas(), self._kind)(**self._pandas_args), name), name)


class Rolling(_PandasWindow):
    """Fixed-size windows: ``s.rolling(3).mean()``."""

    _kind = "rolling"

    def __init__(self, obj: Series | DataFrame, window: int, min_periods: int | None = None,
                 center: bool = False) -> None:
        if not isinstance(window, int) or window <= 0:
            # pandas allows 0 (every result missing); shardframe asks for a real window.
            raise ValueError("window must be an integer greater than 0")
        if min_periods is not None and min_periods < 0:
            raise ValueError("min_periods must be >= 0")
        if min_periods is not None and min_periods > window:
            raise ValueError(f"min_periods {min_periods} must be <= window {window}")
        self._obj = obj
        self._params = {"window": window, "min_periods": window if min_periods is None else min_periods,
                        "center": center}
        self._pandas_args = dict(self._params)

    def _apply(self, how: str) -> Any:
        from shardframe.series import Series

        def one(s: Series) -> Series:
            if s._engine_dtype() == "str":
                raise TypeError(f"cannot compute rolling {how} of a string column")
            return s._derive(s._nan_as_null().fn("rolling", how=how, **self._params))

        if isinstance(self._obj, Series):
            if not _numeric(self._obj._engine_dtype()):
                from pandas.errors import DataError

                raise DataError("No numeric types to aggregate")  # as pandas
            return one(self._obj)
        return self._obj._map_series(one)


def _install() -> None:
    def make(how: str) -> Any:
        def method(self: Rolling) -> Any:
            return self._apply(how)

        method.__name__ = how
        method.__doc__ = f"Rolling {how} of each window."
        return method

    for how in _HOWS:
        setattr(Rolling, how, make(how))


_install()


def expanding(obj: Series | DataFrame, min_periods: int = 1) -> Rolling:
    """Windows from the first row to each row: a rolling window as long as the data."""
    if not isinstance(min_periods, (int, np.integer)) or min_periods < 0:
        raise ValueError("min_periods must be >= 0")
    n = max(len(obj), 1)
    return Rolling(obj, n, min_periods=min(min_periods, n))


class ExponentialMovingWindow(_PandasWindow):
    """``s.ewm(span=10).mean()``."""

    _kind = "ewm"

    def __init__(self, obj: Series | DataFrame, com: float | None = None, span: float | None = None,
                 halflife: float | None = None, alpha: float | None = None, min_periods: int = 0,
                 adjust: bool = True, ignore_na: bool = False) -> None:
        given = [x is not None for x in (com, span, halflife, alpha)]
        if sum(given) != 1:
            raise ValueError("comass, span, halflife, and alpha are mutually exclusive")
        if com is not None:
            if com < 0:
                raise ValueError("comass must satisfy: comass >= 0")
            alpha = 1.0 / (1.0 + com)
        elif span is not None:
            if span < 1:
                raise ValueError("span must satisfy: span >= 1")
            alpha = 2.0 / (span + 1.0)
        elif halflife is not None:
            if halflife <= 0:
                raise ValueError("halflife must satisfy: halflife > 0")
            alpha = 1.0 - math.exp(-math.log(2.0) / halflife)
        elif alpha is not None and not 0 < alpha <= 1:
            raise ValueError("alpha must satisfy: 0 < alpha <= 1")
        self._obj = obj
        self._params = {"alpha": alpha, "adjust": adjust, "min_periods": min_periods, "ignore_na": ignore_na}
        self._pandas_args = dict(self._params)

    def mean(self) -> Any:
        from shardframe.series import Series

        def one(s: Series) -> Series:
            # pandas carries the last average through missing values.
            return s._derive(s._nan_as_null().fn("ewm_mean", **self._params).fn("ffill"))

        if isinstance(self._obj, Series):
            return one(self._obj)
        return self._obj._map_series(one)
