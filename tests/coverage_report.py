"""How much of pandas' public API runs natively, class by class.

A method counts as native when shardframe's class defines it (or inherits it
from its own base). Every other public pandas method of the class either
falls back to pandas with a warning (the class forwards unknown names to
pandas) or is missing. Run by ``make test`` and ``make coverage``; exits 1
when a public pandas name is missing (neither native nor forwarded).
"""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd

import shardframe as sf
from shardframe import window
from shardframe.accessors import CategoricalMethods, DatetimeMethods, StringMethods
from shardframe.groupby import DataFrameGroupBy, SeriesGroupBy


def native_names(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is object:
            continue
        names |= {n for n in vars(klass) if not n.startswith("_")}
    return names


def forwards(cls: type) -> bool:
    """Whether unknown names reach pandas (a ``__getattr__`` fallback)."""
    return any("__getattr__" in vars(k) for k in cls.__mro__ if k is not object)


# (what, shardframe class, pandas class)
PAIRS: list[tuple[str, type, Any]] = [
    ("DataFrame", sf.DataFrame, pd.DataFrame),
    ("Series", sf.Series, pd.Series),
    ("DataFrameGroupBy", DataFrameGroupBy, pd.core.groupby.DataFrameGroupBy),
    ("SeriesGroupBy", SeriesGroupBy, pd.core.groupby.SeriesGroupBy),
    ("Rolling", window.Rolling, pd.core.window.Rolling),
    ("ExponentialMovingWindow", window.ExponentialMovingWindow, pd.core.window.ExponentialMovingWindow),
    ("Series.str", StringMethods, pd.core.strings.accessor.StringMethods),
    ("Series.dt", DatetimeMethods, pd.core.indexes.accessors.CombinedDatetimelikeProperties),
    ("Series.cat", CategoricalMethods, pd.core.arrays.categorical.CategoricalAccessor),
]


def report() -> dict[str, tuple[int, int, list[str]]]:
    """Per class: (native, public, missing names)."""
    out = {}
    for name, ours, theirs in PAIRS:
        public = {n for n in dir(theirs) if not n.startswith("_")}
        native = public & native_names(ours)
        missing = [] if forwards(ours) else sorted(public - native)
        out[name] = (len(native), len(public), missing)
    return out


def main() -> int:
    total_native = total = 0
    missing_any = False
    for name, (native, public, missing) in report().items():
        total_native += native
        total += public
        print(f"pandas.{name}: {native} of {public} public methods/properties native "
              f"({100 * native / public:.0f}%), {public - native - len(missing)} fall back"
              + (f", MISSING {len(missing)}: {', '.join(missing)}" if missing else ""))
        missing_any |= bool(missing)
    print(f"overall: {total_native}/{total} native ({100 * total_native / total:.0f}%)")
    names = [n for n in dir(pd) if not n.startswith("_") and n not in ("annotations", "pandas")]
    absent = [n for n in names if not hasattr(sf, n)]
    print(f"top-level: {len(names) - len(absent)} of {len(names)} pandas names resolve on shardframe"
          + (f"; missing: {', '.join(absent)}" if absent else ""))
    return 1 if missing_any or absent else 0


if __name__ == "__main__":
    sys.exit(main())
