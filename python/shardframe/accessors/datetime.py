"""``Series.dt``: Python classes over the engine's flat ``dt_*`` functions,
one for datetimes and one for durations (pandas' DatetimeProperties and
TimedeltaProperties). Methods they do not define run through pandas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shardframe.accessors.string import _frame, _pandas_method

if TYPE_CHECKING:
    from shardframe.frame import DataFrame
    from shardframe.series import Series


class DatetimeMethods:
    """Datetime properties and methods, as ``pandas.Series.dt``.

    On durations (timedelta values) this is a :class:`TimedeltaMethods`.

    Examples
    --------
    >>> import shardframe as sf
    >>> import pandas as pd
    >>> t = sf.Series(pd.to_datetime(["2024-02-29 13:45", "2024-12-31 00:00"]))
    >>> t.dt.quarter.to_list()
    [1, 4]
    >>> t.dt.is_year_end.to_list()
    [False, True]
    """

    def __new__(cls, series: Series) -> Any:
        # pandas' .dt is a DatetimeProperties or a TimedeltaProperties by the
        # values' type (CombinedDatetimelikeProperties.__new__)
        if cls is DatetimeMethods and series._engine_dtype().startswith("timedelta"):
            return TimedeltaMethods(series)
        return super().__new__(cls)

    def __init__(self, series: Series) -> None:
        if not series._engine_dtype().startswith(("datetime", "date")):
            raise AttributeError("Can only use .dt accessor with datetimelike values")
        self._s = series

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _pandas_method(self._s, "dt", name)

    def _fn(self, name: str, **params: Any) -> Series:
        return self._s._derive(self._s._expr.fn(name, **params))

    # -- fields ------------------------------------------------------------------------
    @property
    def year(self) -> Series:
        return self._fn("dt_year")

    @property
    def quarter(self) -> Series:
        """The quarter of the year, 1 to 4 (int32).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_datetime(["2024-03-31", "2024-04-01"])).dt.quarter.to_list()
        [1, 2]
        """
        return self._fn("dt_quarter")

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
    def microsecond(self) -> Series:
        """The microseconds within the second, 0 to 999999 (int32).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> t = sf.Series(pd.to_datetime(["2024-01-01 00:00:01.002003004"]))
        >>> t.dt.microsecond.to_list(), t.dt.nanosecond.to_list()
        ([2003], [4])
        """
        return self._fn("dt_microsecond")

    @property
    def nanosecond(self) -> Series:
        """The nanoseconds within the microsecond, 0 to 999 (int32)."""
        return self._fn("dt_nanosecond")

    @property
    def day_of_week(self) -> Series:
        """The day of the week, Monday 0 to Sunday 6 (int32).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_datetime(["2024-01-01", "2024-01-07"])).dt.day_of_week.to_list()
        [0, 6]
        """
        return self._fn("dt_dayofweek")

    @property
    def dayofweek(self) -> Series:
        """Deprecated (as in pandas): :attr:`day_of_week`."""
        _deprecated("dayofweek", "day_of_week")
        return self.day_of_week

    @property
    def weekday(self) -> Series:
        """Deprecated (as in pandas): :attr:`day_of_week`."""
        _deprecated("weekday", "day_of_week")
        return self.day_of_week

    @property
    def day_of_year(self) -> Series:
        """The day of the year, 1 to 366 (int32).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_datetime(["2024-02-01", "2024-12-31"])).dt.day_of_year.to_list()
        [32, 366]
        """
        return self._fn("dt_day_of_year")

    @property
    def dayofyear(self) -> Series:
        """Deprecated (as in pandas): :attr:`day_of_year`."""
        _deprecated("dayofyear", "day_of_year")
        return self.day_of_year

    @property
    def days_in_month(self) -> Series:
        """The number of days of the month, 28 to 31 (int32).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_datetime(["2023-02-10", "2024-02-10"])).dt.days_in_month.to_list()
        [28, 29]
        """
        return self._fn("dt_days_in_month")

    @property
    def daysinmonth(self) -> Series:
        """Deprecated (as in pandas): :attr:`days_in_month`."""
        _deprecated("daysinmonth", "days_in_month")
        return self.days_in_month

    @property
    def date(self) -> Series:
        return self._fn("dt_date")

    @property
    def time(self) -> Series:
        """The time of day, as ``datetime.time`` objects (to the microsecond).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_datetime(["2024-01-01 13:45:30"])).dt.time.to_list()
        [datetime.time(13, 45, 30)]
        """
        return self._fn("dt_time")

    @property
    def unit(self) -> Any:
        """The resolution of the values (``'ns'``, ``'us'``, ...)."""
        return _unit(self._s)

    # -- calendar tests (False for a missing value) ------------------------------------------
    @property
    def is_month_start(self) -> Series:
        """Whether the date is the first day of its month.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> t = sf.Series(pd.to_datetime(["2024-03-01", "2024-03-31"]))
        >>> t.dt.is_month_start.to_list(), t.dt.is_month_end.to_list()
        ([True, False], [False, True])
        """
        return self._fn("dt_is_month_start")

    @property
    def is_month_end(self) -> Series:
        """Whether the date is the last day of its month."""
        return self._fn("dt_is_month_end")

    @property
    def is_quarter_start(self) -> Series:
        """Whether the date is the first day of a quarter (Jan 1, Apr 1, ...).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> t = sf.Series(pd.to_datetime(["2024-04-01", "2024-06-30"]))
        >>> t.dt.is_quarter_start.to_list(), t.dt.is_quarter_end.to_list()
        ([True, False], [False, True])
        """
        return self._fn("dt_is_quarter_start")

    @property
    def is_quarter_end(self) -> Series:
        """Whether the date is the last day of a quarter (Mar 31, Jun 30, ...)."""
        return self._fn("dt_is_quarter_end")

    @property
    def is_year_start(self) -> Series:
        """Whether the date is January 1.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> t = sf.Series(pd.to_datetime(["2024-01-01", "2024-12-31"]))
        >>> t.dt.is_year_start.to_list(), t.dt.is_year_end.to_list()
        ([True, False], [False, True])
        """
        return self._fn("dt_is_year_start")

    @property
    def is_year_end(self) -> Series:
        """Whether the date is December 31."""
        return self._fn("dt_is_year_end")

    @property
    def is_leap_year(self) -> Series:
        """Whether the year is a leap year.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_datetime(["2024-05-01", "2100-05-01"])).dt.is_leap_year.to_list()
        [True, False]
        """
        return self._fn("dt_is_leap_year")

    # -- names and formatting ---------------------------------------------------------
    def day_name(self, locale: str | None = None) -> Series:
        """The English name of the day of the week.

        Parameters
        ----------
        locale : str, optional
            Other locales run through pandas.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_datetime(["2024-01-01"])).dt.day_name().to_list()
        ['Monday']
        """
        if locale is not None:
            return _pandas_method(self._s, "dt", "day_name")(locale=locale)
        return self._fn("dt_day_name")

    def month_name(self, locale: str | None = None) -> Series:
        """The English name of the month.

        Parameters
        ----------
        locale : str, optional
            Other locales run through pandas.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_datetime(["2024-01-01"])).dt.month_name().to_list()
        ['January']
        """
        if locale is not None:
            return _pandas_method(self._s, "dt", "month_name")(locale=locale)
        return self._fn("dt_month_name")

    def strftime(self, date_format: str) -> Series:
        return self._fn("dt_strftime", format=date_format)

    # -- rounding ------------------------------------------------------------------------
    def normalize(self) -> Series:
        return self._fn("dt_normalize")

    def floor(self, freq: Any, ambiguous: Any = "raise", nonexistent: Any = "raise") -> Series:
        """Round down to a multiple of the fixed frequency ``freq``.

        Parameters
        ----------
        freq : str or offset
            A fixed frequency (``'h'``, ``'15min'``, ``'D'``...); others
            (``'W'``, ``'ME'``) raise ValueError, as in pandas.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> t = sf.Series(pd.to_datetime(["2024-01-01 01:30", "2024-01-01 02:30"]))
        >>> t.dt.floor("h").to_list()
        [Timestamp('2024-01-01 01:00:00'), Timestamp('2024-01-01 02:00:00')]
        """
        return _round(self._s, freq, "floor", ambiguous, nonexistent)

    def ceil(self, freq: Any, ambiguous: Any = "raise", nonexistent: Any = "raise") -> Series:
        """Round up to a multiple of the fixed frequency ``freq``.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> t = sf.Series(pd.to_datetime(["2024-01-01 01:30", "2024-01-01 02:00"]))
        >>> t.dt.ceil("h").to_list()
        [Timestamp('2024-01-01 02:00:00'), Timestamp('2024-01-01 02:00:00')]
        """
        return _round(self._s, freq, "ceil", ambiguous, nonexistent)

    def round(self, freq: Any, ambiguous: Any = "raise", nonexistent: Any = "raise") -> Series:
        """Round to the nearest multiple of the fixed frequency ``freq``, a
        tie to the even multiple (as pandas).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> t = sf.Series(pd.to_datetime(["2024-01-01 01:30", "2024-01-01 02:30"]))
        >>> t.dt.round("h").to_list()
        [Timestamp('2024-01-01 02:00:00'), Timestamp('2024-01-01 02:00:00')]
        """
        return _round(self._s, freq, "round", ambiguous, nonexistent)


class TimedeltaMethods:
    """Duration properties and methods, as ``pandas.Series.dt`` on timedelta
    values.

    Examples
    --------
    >>> import shardframe as sf
    >>> import pandas as pd
    >>> d = sf.Series(pd.to_timedelta(["1 days 02:00:03", "-3s"]))
    >>> d.dt.days.to_list(), d.dt.seconds.to_list()
    ([1, -1], [7203, 86397])
    >>> d.dt.total_seconds().to_list()
    [93603.0, -3.0]
    """

    def __init__(self, series: Series) -> None:
        if not series._engine_dtype().startswith("timedelta"):
            raise AttributeError("Can only use .dt accessor with datetimelike values")
        self._s = series

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _pandas_method(self._s, "dt", name)

    def _part(self, part: str, dtype: str = "int64") -> Series:
        expr = self._s._expr.fn("dt_td_part", part=part)
        if dtype != "int64":
            expr = expr.fn("cast", dtype=dtype)
        return self._s._derive(expr)

    @property
    def days(self) -> Series:
        """Whole days (rounded down: ``-3s`` is -1 day and 86397 s; int64)."""
        return self._part("days")

    @property
    def seconds(self) -> Series:
        """Seconds within the day, 0 to 86399 (int32)."""
        return self._part("seconds_of_day", "int32")

    @property
    def microseconds(self) -> Series:
        """Microseconds within the second, 0 to 999999 (int32)."""
        return self._part("microseconds_of_second", "int32")

    @property
    def nanoseconds(self) -> Series:
        """Nanoseconds within the microsecond, 0 to 999 (int32)."""
        return self._part("nanoseconds_of_microsecond", "int32")

    @property
    def components(self) -> DataFrame:
        """Days, hours, minutes, seconds, milliseconds, microseconds and
        nanoseconds, as int64 columns.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> d = sf.Series(pd.to_timedelta(["1 days 02:03:04.005006007"]))
        >>> d.dt.components.to_pandas()
           days  hours  minutes  seconds  milliseconds  microseconds  nanoseconds
        0     1      2        3        4             5             6            7
        """
        parts = {"days": "days", "hours": "hours", "minutes": "minutes_of_hour",
                 "seconds": "seconds_of_minute", "milliseconds": "milliseconds_of_second",
                 "microseconds": "microseconds_of_millisecond",
                 "nanoseconds": "nanoseconds_of_microsecond"}
        expr = self._s._expr
        return _frame(self._s, {label: expr.fn("dt_td_part", part=p) for label, p in parts.items()})

    @property
    def unit(self) -> Any:
        """The resolution of the values (``'ns'``, ``'us'``, ...)."""
        return _unit(self._s)

    def total_seconds(self) -> Series:
        """Each duration in seconds (float64, exact as pandas computes it).

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_timedelta(["1min 0.5s"])).dt.total_seconds().to_list()
        [60.5]
        """
        return self._s._derive(self._s._expr.fn("dt_total_seconds"))

    def floor(self, freq: Any, ambiguous: Any = "raise", nonexistent: Any = "raise") -> Series:
        """Round down to a multiple of the fixed frequency ``freq``."""
        return _round(self._s, freq, "floor", ambiguous, nonexistent)

    def ceil(self, freq: Any, ambiguous: Any = "raise", nonexistent: Any = "raise") -> Series:
        """Round up to a multiple of the fixed frequency ``freq``."""
        return _round(self._s, freq, "ceil", ambiguous, nonexistent)

    def round(self, freq: Any, ambiguous: Any = "raise", nonexistent: Any = "raise") -> Series:
        """Round to the nearest multiple of ``freq``, a tie to the even one.

        Examples
        --------
        >>> import shardframe as sf
        >>> import pandas as pd
        >>> sf.Series(pd.to_timedelta(["90s", "150s"])).dt.round("min").to_list()
        [Timedelta('0 days 00:02:00'), Timedelta('0 days 00:02:00')]
        """
        return _round(self._s, freq, "round", ambiguous, nonexistent)


def _round(series: Series, freq: Any, mode: str, ambiguous: Any, nonexistent: Any) -> Series:
    """Datetimes or durations rounded (``mode``: floor, ceil, round) to the
    fixed frequency ``freq``; time-zone-aware ones (rounded in local time)
    through pandas."""
    import pandas as pd
    from pandas._libs.tslibs.timedeltas import get_unit_for_round

    dtype = series._engine_dtype()
    if "," in dtype or "[" not in dtype:
        return _pandas_method(series, "dt", mode)(freq, ambiguous=ambiguous, nonexistent=nonexistent)
    unit = _unit(series)
    # ``freq`` in ticks of the values' unit, as pandas takes it (a ValueError
    # for a non-fixed frequency or one the unit cannot express)
    ticks = get_unit_for_round(freq, pd.Timedelta(0).as_unit(unit)._creso)
    return series._derive(series._expr.fn("dt_round", ticks=int(ticks), mode=mode))


def _unit(series: Series) -> Any:
    dtype = series._engine_dtype()  # "datetime64[ns]", "datetime64[us, UTC]", "timedelta64[ms]"
    if "[" not in dtype:
        return _pandas_method(series, "dt", "unit")
    return dtype.split("[", 1)[1].split(",")[0].rstrip("]")


def _deprecated(old: str, new: str) -> None:
    import warnings

    import pandas as pd

    warnings.warn(f"Series.dt.{old} is deprecated and will be removed in a future version. "
                  f"Use Series.dt.{new} instead.", pd.errors.Pandas4Warning, stacklevel=3)
