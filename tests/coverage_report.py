"""How much of pandas' public DataFrame/Series API runs natively.

A method counts as native when shardframe's class defines it (or inherits it
from its own base); every other public pandas method falls back to pandas
with a warning. Run by ``make test`` and ``make coverage``.
"""

from __future__ import annotations

import pandas as pd

import shardframe as sf
from shardframe._base import _Rows


def native_names(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is object:
            continue
        names |= {n for n in vars(klass) if not n.startswith("_")}
    return names


def report() -> dict[str, tuple[int, int]]:
    out = {}
    for name, ours, theirs in [("DataFrame", sf.DataFrame, pd.DataFrame), ("Series", sf.Series, pd.Series)]:
        public = {n for n in dir(theirs) if not n.startswith("_")}
        native = public & native_names(ours)
        out[name] = (len(native), len(public))
    return out


if __name__ == "__main__":
    del _Rows
    total_native = total = 0
    for name, (native, public) in report().items():
        total_native += native
        total += public
        print(f"pandas.{name}: {native} of {public} public methods/properties native, {public - native} fall back")
    print(f"overall: {total_native}/{total} native ({100 * total_native / total:.0f}%)")
