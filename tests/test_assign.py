"""Assignment and cleaning: setitem, assign, loc-assign, where/mask, fillna, dropna, replace, astype..."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_same, check


def setitem(d, key, value_fn):
    d = d.copy()
    d[key] = value_fn(d)
    return d


def loc_set(d):
    d = d.copy()
    d.loc[d.i > 0, "f"] = 100.0
    return d


@pytest.mark.parametrize("fn", [
    lambda d: setitem(d, "r", lambda x: x.i * (1 - x.f)),
    lambda d: setitem(d, "c", lambda x: 5),
    lambda d: setitem(d, "i", lambda x: x.i + 1),
    lambda d: setitem(d, "arr", lambda x: np.arange(len(x))),
    lambda d: setitem(d, "bad", lambda x: [1, 2]),
    lambda d: d.assign(z=lambda x: x.i * 2, w=3.5),
    loc_set,
    lambda d: d.where(d[["i", "f"]] > 0),
    lambda d: d.i.where(d.i > 0, -1),
    lambda d: d.i.mask(d.i > 0),
    lambda d: d[["i", "f"]].fillna(0),
    lambda d: d.fillna({"f": -1.0, "s": "?"}),
    lambda d: d.ffill(),
    lambda d: d.bfill(),
    lambda d: d.f.ffill(limit=1),
    lambda d: d.dropna(),
    lambda d: d.dropna(subset=["f"]),
    lambda d: d.dropna(how="all"),
    lambda d: d.replace({"apple": "APPLE"}),
    lambda d: d.i.replace([1, 2, 3], 0),
    lambda d: d.astype({"i": "float64"}),
    lambda d: d.i.astype(str),
    lambda d: d.rename(columns={"i": "ii"}),
    lambda d: d.drop(columns=["s"]),
    lambda d: d.drop(columns=["nope"]),
    lambda d: d.drop(index=[0, 3]),
    lambda d: d[["i", "f"]].clip(-1, 1),
    lambda d: d[["i", "f"]].round(1),
    lambda d: d[["i", "f"]].abs(),
])
def test_assign(frame, make, fn):
    check(frame, make, fn)


def test_setitem_wrong_length_raises_value_error(frame, make):
    s = make(frame)
    with pytest.raises(ValueError):
        s["x"] = [1, 2, 3]


def test_missing_column_is_key_error(frame, make):
    s = make(frame)
    with pytest.raises(KeyError, match="nope"):
        s["nope"]


def test_insert_and_del(frame, make):
    p, s = frame.copy(), make(frame)
    for d in (p, s):
        d.insert(1, "z", d.i * 3)
        del d["s"]
    assert_same(p, s)
