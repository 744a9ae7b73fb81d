"""``Series.str``, ``Series.dt`` and ``Series.cat``: Python classes over flat
engine functions, one module per accessor."""

from shardframe.accessors.categorical import CategoricalMethods
from shardframe.accessors.datetime import DatetimeMethods, TimedeltaMethods
from shardframe.accessors.string import ListMethods, StringMethods

__all__ = ["CategoricalMethods", "DatetimeMethods", "ListMethods", "StringMethods", "TimedeltaMethods"]
