"""The expression IR on the Python side: small immutable trees that are sent
to the engine as JSON (see ``rust/plan/src/expr.rs`` for their meaning)."""

from __future__ import annotations

import datetime as _dt
import json
import math
from typing import Any

import numpy as np


class Expr:
    """An engine expression. Build with :func:`col`, :func:`lit` and methods."""

    __slots__ = ("depth", "node")

    def __init__(self, node: dict[str, Any], depth: int | None = None) -> None:
        self.node = node
        # nesting of the node's JSON (the engine's reader has a depth limit)
        self.depth = _json_depth(node) if depth is None else depth

    def binary(self, kind: str, other: Expr) -> Expr:
        return Expr({"op": "binary", "kind": kind, "left": self.node, "right": other.node},
                    1 + max(self.depth, other.depth))

    def fn(self, name: str, *args: Expr, **params: Any) -> Expr:
        return Expr(
            {"op": "fn", "name": name, "args": [self.node, *(a.node for a in args)], "params": params},
            2 + max([self.depth, *(a.depth for a in args)]),
        )

    def reads_columns(self) -> bool:
        """Whether the expression reads any column (else it is one value)."""
        stack: list[Any] = [self.node]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if item.get("op") == "col":
                    return True
                stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
            elif isinstance(item, list):
                stack.extend(v for v in item if isinstance(v, (dict, list)))
        return False

    def is_col(self) -> str | None:
        """The column name when this is a plain column reference."""
        return self.node["name"] if self.node["op"] == "col" else None

    def __repr__(self) -> str:
        return f"Expr({self.node})"


#: Expressions nested deeper than this are computed before they grow further
#: (a loop of ``df["x"] = df["x"] * 1.01``): the engine reads plans as JSON,
#: whose reader stops at 128 levels, and a plan wraps its expressions in a few.
MAX_DEPTH = 96

#: Plans deeper than this (a loop of filters, or of operations on Series of
#: different frames, each joining them) are computed before they grow
#: further: planning and optimizing walk a plan recursively.
MAX_PLAN_DEPTH = 160


def _json_depth(node: Any) -> int:
    """Levels of nested objects and arrays in ``node`` (iteratively)."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item if isinstance(v, (dict, list)))
    return deepest


def col(name: str) -> Expr:
    return Expr({"op": "col", "name": name})


def scalar(value: Any) -> dict[str, Any]:
    """The engine's tagged form of a Python/numpy/pandas scalar."""
    if value is None:
        return {"t": "null"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"t": "int", "v": int(value)}
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return {"t": "null"}
        return {"t": "float", "v": float(value) if math.isfinite(value) else str(float(value))}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    import pandas as pd

    if value is pd.NaT or (value is pd.NA):
        return {"t": "null"}
    if isinstance(value, (pd.Timestamp, _dt.datetime, np.datetime64)):
        ts = pd.Timestamp(value)
        if ts.tz is not None:
            ts = ts.tz_convert(None)
        return {"t": "datetime", "v": int(ts.as_unit("ns")._value)}
    if isinstance(value, _dt.date):
        return {"t": "date", "v": (value - _dt.date(1970, 1, 1)).days}
    if isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        return {"t": "duration", "v": int(pd.Timedelta(value).as_unit("ns")._value)}
    raise TypeError(f"unsupported scalar of type {type(value).__name__}: {value!r}")


def lit(value: Any) -> Expr:
    return Expr({"op": "lit", "value": scalar(value)})


def lit_list(values: Any) -> Expr:
    """A list literal, as the engine takes for ``isin``/``replace``. Values of one
    plain type are registered with the engine once (plan JSON names them by id,
    so a long list is not written again at every step); anything else goes
    element by element."""
    from shardframe._core import SharedValues

    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    kind = arr.dtype.kind
    if len(arr) and (kind == "i" or kind == "u" and arr.max() <= np.iinfo(np.int64).max):
        return Expr({"op": "values", "values": SharedValues("int", arr.astype("<i8").tobytes())})
    if len(arr) and kind == "u":
        return Expr({"op": "values", "values": SharedValues("uint", arr.astype("<u8").tobytes())})
    if len(arr) and kind == "f":
        return Expr({"op": "values", "values": SharedValues("float", arr.astype("<f8").tobytes())})
    if len(arr) and kind == "b":
        return Expr({"op": "values", "values": SharedValues("bool", arr.tolist())})
    items = list(values)
    if items and all(isinstance(v, str) or v is None for v in items):
        return Expr({"op": "values", "values": SharedValues("str", items)})
    return Expr({"op": "list", "values": [scalar(v) for v in items]})


def dumps(obj: Any) -> str:
    from shardframe._core import SharedValues

    def default(o: Any) -> Any:
        if isinstance(o, Expr):
            return o.node
        if isinstance(o, SharedValues):
            return {"kind": "shared", "values": o.id}
        raise TypeError(type(o))

    return json.dumps(obj, default=default)


def float_params(values: Any) -> list[float | str]:
    """Floats as an expression parameter: JSON has no infinities, so they go
    as the strings the engine parses ("inf", "-inf")."""
    return [float(v) if math.isfinite(v) else str(float(v)) for v in values]
