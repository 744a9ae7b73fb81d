"""API misuse: Hypothesis draws a small frame (awkward column names and
dtypes, NaN/None/NaT, duplicated labels, one or many partitions) and one
operation from a table of families, with valid and invalid arguments; pandas
and shardframe evaluate it through the same code (``evaluate``) and
``classify`` sorts the pair of outcomes.

A case is plain data: ``columns`` ([name, dtype, values]), ``index`` (labels
or None), ``layout`` ("one" partition or "many" of two rows), ``fuse0`` (run
partition by partition), ``family``, ``start`` ("df", or "mod": the module,
pd or sf) and the ``steps`` applied to it, each one of ``("attr", name)``,
``("call", name, args, kwargs)``, ``("item", key)``, ``("binop", symbol,
other, reflected)``, ``("unop", symbol)`` or ``("setitem", key, value)`` (the
answer is then the changed frame). A ``Ref`` among the arguments is an
expression on the same frame.

Hypothesis spends ~0.1 ms a choice, so a case makes few (10,000 cases in
~25 s): a frame's cells come from one seeded Random, and a pick among its
names or values is one integer (``pick``), not a strategy built per case.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from common import classify, same
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seed_of
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

import shardframe as sf

Case = dict[str, Any]
Steps = list[tuple[Any, ...]]
Op = tuple[str, Steps]
Draw = Callable[[DrawFn, Case], Any]
Arg = SearchStrategy[Any] | Draw
Spec = tuple[str | SearchStrategy[str], str, list[Arg], dict[str, Arg]]  # method, target, args, kwargs


class Ref(NamedTuple):
    """An expression on the case's frame, as an argument (``Ref(())``: the frame)."""

    steps: tuple[tuple[Any, ...], ...]


BINOPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
          "|": operator.or_, "^": operator.xor, "<": operator.lt, "<=": operator.le,
          "==": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge}
UNOPS = {"-": operator.neg, "~": operator.invert, "abs": operator.abs}

# ---- the frame ----
NAN, INF = float("nan"), float("inf")
NAMES = ["a", "b", 0, 1, "a b", "__index_level_0__", "", "é"]
MISSING = ["zz", 7, None, "A"]
POOLS: dict[str, list[Any]] = {
    "int64": [*range(-3, 6), 2**63 - 1, -(2**63), 10**12],
    "float64": [-1.5, -1.0, 0.0, 0.5, 1.0, 2.0, 3.25, NAN, -0.0, INF, -INF, 1e300],
    "bool": [True, False],
    "str": ["a", "b", "", "A", " x ", "é", "1", "a b", None],
    "datetime64[ns]": ["2024-01-01 00:00", "2024-01-01 12:00", "2024-01-02 00:00", "2024-01-31 23:00",
                       "2024-02-29 06:00", "2023-12-31 23:59", "1970-01-01 00:00", None],
    "category": ["x", "y", "z", None],
}
INDEX_LABELS = [None, None, ["x", "y", "z", "w", ""], list(range(-2, 13))]


def pick(draw: DrawFn, options: Sequence[Any]) -> Any:
    """One of ``options``, whatever they are: no strategy to build (``integers`` are cached)."""
    return options[draw(st.integers(0, len(options) - 1))]


@st.composite
def frames(draw: DrawFn) -> Case:
    """Dtypes drawn by Hypothesis; sizes, names, values (each column from a few
    of its dtype's values), index and layout from one seeded Random (Hypothesis'
    own integers favour small sizes: a third of the frames were empty or one row)."""
    rnd = draw(st.randoms(use_true_random=True))
    n = rnd.randint(0, 12)
    dtypes = [pick(draw, list(POOLS)) for _ in range(rnd.randint(1, 4))]

    def values(pool: list[Any]) -> list[Any]:
        few = rnd.sample(pool, rnd.randint(1, len(pool)))
        return [rnd.choice(few) for _ in range(n)]

    named = zip(rnd.sample(NAMES, len(dtypes)), dtypes, strict=True)
    columns = [[name, dtype, values(POOLS[dtype])] for name, dtype in named]
    index_pool = rnd.choice(INDEX_LABELS)
    return {"columns": columns, "index": index_pool and values(index_pool), "layout": rnd.choice(["one", "many"]),
            "fuse0": rnd.random() < 0.5}


def frame(case: Case) -> pd.DataFrame:
    return pd.DataFrame({name: pd.array(values, dtype=dtype) for name, dtype, values in case["columns"]},
                        index=case["index"])


# ---- arguments: a strategy, or a function drawing one for the frame ----
def arg(draw: DrawFn, f: Case, a: Arg) -> Any:
    return draw(a) if isinstance(a, SearchStrategy) else a(draw, f)


def one_of(*options: Arg) -> Draw:
    return lambda draw, f: arg(draw, f, pick(draw, options))


def list_of(a: Arg, min_size: int = 0, max_size: int = 3) -> Draw:
    return lambda draw, f: [arg(draw, f, a) for _ in range(draw(st.integers(min_size, max_size)))]


def dict_of(key: Arg, value: Arg) -> Draw:
    return lambda draw, f: {arg(draw, f, key): arg(draw, f, value) for _ in range(draw(st.integers(0, 2)))}


def tuple_of(*parts: Arg) -> Draw:
    return lambda draw, f: tuple(arg(draw, f, p) for p in parts)


def slice_of(*parts: Arg) -> Draw:
    return lambda draw, f: slice(*tuple_of(*parts)(draw, f))


def bits(draw: DrawFn, n: int) -> list[bool]:
    chosen = draw(st.integers(0, 2**n - 1))
    return [bool(chosen >> i & 1) for i in range(n)]


def kwargs(draw: DrawFn, f: Case, spec: dict[str, Arg]) -> dict[str, Any]:
    """Some of the keywords of ``spec``, each with a value of its own."""
    chosen = bits(draw, len(spec))
    return {k: arg(draw, f, a) for (k, a), on in zip(spec.items(), chosen, strict=True) if on}


def nrows(f: Case) -> int:
    return len(f["columns"][0][2])


def names(f: Case) -> list[Any]:
    return [c[0] for c in f["columns"]]


RARELY = [False] * 7 + [True]


def col_of(kinds: tuple[str, ...]) -> Draw:
    """A column name: rarely a missing one, else one of the frame's, more often
    one of a dtype in ``kinds`` when it has one."""
    def draw_col(draw: DrawFn, f: Case) -> Any:
        fit = [name for name, dtype, _ in f["columns"] if dtype in kinds] or names(f)
        return pick(draw, MISSING) if pick(draw, RARELY) else pick(draw, fit * 2 + names(f))
    return draw_col


col = col_of(())
cols = one_of(col, list_of(col))
SCALARS = [*range(-3, 4), 2.5, -0.0, NAN, INF, True, False, "a", "", None, pd.Timestamp("2024-01-02"), "2024-01-02"]


def val(draw: DrawFn, f: Case) -> Any:
    """A scalar of any type, often a value the frame holds."""
    return pick(draw, SCALARS + [v for _, _, values in f["columns"] for v in values])


def labels(draw: DrawFn, f: Case) -> Any:
    return pick(draw, [*(f["index"] or range(nrows(f))), "nope", 99, -1])


def column(draw: DrawFn, f: Case) -> Ref:
    return Ref((("item", col(draw, f)),))


def compared(right: Arg) -> Draw:
    """``df[c] <op> right``."""
    return lambda draw, f: Ref((("item", col(draw, f)),
                                ("binop", pick(draw, list(BINOPS)), arg(draw, f, right), False)))


def row_values(draw: DrawFn, f: Case) -> list[Any]:
    return [val(draw, f) for _ in range(nrows(f))]


mask = one_of(compared(val), st.just(Ref((("call", "notna", (), {}),))), lambda draw, f: bits(draw, nrows(f)),
              lambda draw, f: bits(draw, 2))
operand = one_of(column, val, st.just(Ref(())), row_values)


ACCESSED = {"str": col_of(("str", "category")), "dt": col_of(("datetime64[ns]",))}


def target(draw: DrawFn, f: Case, which: str) -> Steps:
    """The frame or the module (``df``, ``mod``), one of its columns (``col``), either (``any``),
    or the ``str`` or ``dt`` accessor of a column (mostly one of a dtype that has it)."""
    if which in ACCESSED:
        return [("item", ACCESSED[which](draw, f)), ("attr", which)]
    return [] if which in ("df", "mod") or which == "any" and draw(st.booleans()) else [("item", col(draw, f))]


BOOLS = st.sampled_from([True, False, True, False, None, "yes", 1])
N = st.integers(-4, 14)
SMALL = st.sampled_from([*range(-3, 5), None])
AXES = st.sampled_from([0, 1, "index", "columns", 2, None, "rows"])
KEEP = st.sampled_from(["first", "last", False, "all", "bogus"])
ERRORS = st.sampled_from(["raise", "ignore", "coerce", "bogus"])
NA_POSITION = st.sampled_from(["first", "last", "middle"])
FUNC_NAMES = ["sum", "mean", "min", "max", "count", "nunique", "first", "last", "std", "var", "median", "prod",
              "size", "any", "all", "bogus"]
FUNCS = st.sampled_from(FUNC_NAMES)
DTYPES = st.sampled_from(["int64", "float64", "bool", "str", "datetime64[ns]", "category", "int32", "float32",
                          "object", "Int64", "string", "timedelta64[ns]", "uint8", "bogus", int, float, str, bool])
INCLUDE = st.sampled_from(["all", None, "number", ["object"], "bool", "datetime", "category", "str", ["bogus"]])
FREQS = st.sampled_from(["D", "h", "min", "2h", "ME", "bogus", 1])
PATS = st.sampled_from(["a", "", "A", "(", "^a", ".", "a b", "(a)", 1, None])


def _term(draw: DrawFn, f: Case) -> str:
    name = col(draw, f)
    name = name if isinstance(name, str) and name.isidentifier() else f"`{name}`"
    literal = pick(draw, ["0", "1", "2.5", "'a'", "''", "True", "None", "'2024-01-02'", "[1, 'a']"])
    return f"{name} {pick(draw, ['<', '>=', '==', '!=', 'in', '&'])} {literal}"


QUERIES = one_of(_term, lambda draw, f: f"{_term(draw, f)} and {_term(draw, f)}",
                 lambda draw, f: f"not {_term(draw, f)}",
                 st.sampled_from(["", "a >", "index > 2", "@x > 1", "a.str.len() > 1", "b == b"]))


def other_frame(draw: DrawFn, f: Case) -> Ref:
    """The frame, some of its columns, or their first rows: to merge with."""
    some = ("item", [pick(draw, names(f)) for _ in range(draw(st.integers(1, 3)))])
    return pick(draw, [Ref(()), Ref((some,)), Ref((some, ("call", "head", (draw(N),), {})))])


MERGE_KWARGS: dict[str, Arg] = {
    "on": cols, "how": st.sampled_from(["inner", "left", "right", "outer", "cross", "bogus"]), "sort": BOOLS,
    "indicator": BOOLS, "suffixes": st.sampled_from([("_x", "_y"), ("", ""), None]), "left_index": BOOLS,
    "right_index": BOOLS, "validate": st.sampled_from(["one_to_one", "many_to_one", "bogus"])}
CONCAT_PARTS = one_of(st.just(Ref(())), column, lambda draw, f: Ref((("item", list_of(col, 1, 2)(draw, f)),)),
                      st.just(Ref((("call", "head", (2,), {}),))), st.sampled_from([None, 1]))
SUBJECT = one_of(column, st.just(Ref(())), val)
UNITS = st.sampled_from(["s", "ns", "D", "bogus"])
NEW_COLUMN = one_of(operand, row_values)

# ---- families: one method call on the frame or a column (name, target, args, kwargs) ----
METHODS: dict[str, Spec] = {
    "sort_values": ("sort_values", "df", [], {"by": cols, "ascending": one_of(BOOLS, list_of(st.booleans())),
                                            "na_position": NA_POSITION, "ignore_index": BOOLS}),
    "sort_series": ("sort_values", "col", [], {"ascending": BOOLS, "na_position": NA_POSITION}),
    "sort_index": ("sort_index", "any", [], {"ascending": BOOLS, "na_position": NA_POSITION}),
    "head_tail": (st.sampled_from(["head", "tail"]), "any", [N], {}),
    "nlargest": (st.sampled_from(["nlargest", "nsmallest"]), "df", [N, cols], {"keep": KEEP}),
    "nlargest_series": (st.sampled_from(["nlargest", "nsmallest"]), "col", [N], {"keep": KEEP}),
    "fillna": ("fillna", "any", [one_of(val, dict_of(col, val))], {}),
    "fill": (st.sampled_from(["ffill", "bfill"]), "any", [], {"limit": SMALL, "axis": AXES}),
    "dropna": ("dropna", "any", [], {"subset": cols, "how": st.sampled_from(["any", "all", "bogus"]),
                                     "thresh": SMALL, "axis": AXES, "ignore_index": BOOLS}),
    "rename": ("rename", "df", [], {"columns": dict_of(col, st.sampled_from([*NAMES, "new"])), "errors": ERRORS}),
    "drop": ("drop", "df", [], {"columns": cols, "index": labels, "errors": ERRORS}),
    "isin": ("isin", "any", [one_of(list_of(val), val, column, dict_of(col, list_of(val)))], {}),
    "value_counts": ("value_counts", "any", [], {"normalize": BOOLS, "dropna": BOOLS, "sort": BOOLS,
                                                 "ascending": BOOLS, "subset": cols}),
    "unique": ("unique", "col", [], {}),
    "nunique": ("nunique", "any", [], {"dropna": BOOLS, "axis": AXES}),
    "describe": ("describe", "any", [], {"include": INCLUDE, "percentiles": st.sampled_from([[0.1, 0.5], [1.5], []])}),
    "reduce": (st.sampled_from(["sum", "mean", "min", "max", "std", "var", "median", "prod", "any", "all", "count",
                                "sem"]),
               "any", [], {"axis": AXES, "skipna": BOOLS, "numeric_only": BOOLS}),
    "min_count": (st.sampled_from(["sum", "prod"]), "any", [], {"min_count": st.integers(-1, 4), "axis": AXES}),
    "cumulative": (st.sampled_from(["cumsum", "cumprod", "cummax", "cummin"]), "any", [],
                   {"axis": AXES, "skipna": BOOLS}),
    "shift": (st.sampled_from(["diff", "shift", "pct_change"]), "any", [],
              {"periods": st.integers(-3, 3), "axis": AXES, "fill_value": val}),
    "rank": ("rank", "any", [], {"method": st.sampled_from(["average", "min", "max", "first", "dense", "bogus"]),
                                 "ascending": BOOLS, "pct": BOOLS, "numeric_only": BOOLS,
                                 "na_option": st.sampled_from(["keep", "top", "bottom", "bogus"])}),
    "clip": ("clip", "any", [], {"lower": val, "upper": val}),
    "round": ("round", "any", [one_of(st.integers(-2, 3), st.sampled_from(["1", 1.5, None]),
                                      dict_of(col, st.integers(-1, 2)))], {}),
    "replace": ("replace", "any", [val, val], {}),
    "duplicated": (st.sampled_from(["duplicated", "drop_duplicates"]), "df", [], {"subset": cols, "keep": KEEP}),
    "duplicated_series": (st.sampled_from(["duplicated", "drop_duplicates"]), "col", [], {"keep": KEEP}),
    "set_index": ("set_index", "df", [cols], {"drop": BOOLS, "append": BOOLS}),
    "reset_index": ("reset_index", "any", [], {"drop": BOOLS}),
    "astype": ("astype", "any", [one_of(DTYPES, DTYPES, dict_of(col, DTYPES))], {"errors": ERRORS}),
    "isna": (st.sampled_from(["isna", "notna"]), "any", [], {}),
    "idxmax": (st.sampled_from(["idxmax", "idxmin"]), "any", [], {"skipna": BOOLS, "axis": AXES}),
    "quantile": ("quantile", "any", [st.sampled_from([0.5, 0.0, 1.0, 1.5, -0.1, "x", [0.1, 0.9]])],
                 {"numeric_only": BOOLS, "interpolation": st.sampled_from(["linear", "lower", "nearest", "bogus"])}),
    "corr": (st.sampled_from(["corr", "cov"]), "df", [],
             {"numeric_only": BOOLS, "method": st.sampled_from(["pearson", "spearman", "bogus"])}),
    "between": ("between", "col", [val, val], {"inclusive": st.sampled_from(["both", "neither", "left", "bogus"])}),
    "map": ("map", "col", [dict_of(val, val)], {"na_action": st.sampled_from([None, "ignore", "bogus"])}),
    "melt": ("melt", "df", [], {"id_vars": cols, "value_vars": cols, "var_name": st.sampled_from(["v", "a", 0]),
                                "value_name": st.sampled_from(["value", "a"])}),
    "transpose": ("transpose", "df", [], {}),
    "agg": ("agg", "any", [one_of(FUNCS, list_of(FUNCS, 1, 3))], {}),
    "to_numpy": ("to_numpy", "any", [], {"dtype": DTYPES, "na_value": val}),
    "pivot_table": ("pivot_table", "df", [], {"index": col, "columns": col, "values": col, "aggfunc": FUNCS,
                                              "fill_value": val, "dropna": BOOLS}),
    "select_dtypes": ("select_dtypes", "df", [], {"include": INCLUDE, "exclude": INCLUDE}),
    "get": ("get", "any", [one_of(col, labels)], {"default": val}),
    "mode": ("mode", "any", [], {"dropna": BOOLS, "numeric_only": BOOLS}),
    "reindex": ("reindex", "any", [list_of(labels, 0, 4)], {"fill_value": val}),
    "take": ("take", "any", [list_of(st.integers(-14, 14), 0, 4)], {"axis": AXES}),
    "where": (st.sampled_from(["where", "mask"]), "any", [mask], {"other": val}),
    "abs": ("abs", "any", [], {}),
    "valid_index": (st.sampled_from(["first_valid_index", "last_valid_index"]), "any", [], {}),
    "flex": (st.sampled_from(["add", "sub", "mul", "div", "floordiv", "mod", "pow", "radd", "eq", "lt", "ge"]), "any",
             [operand], {"fill_value": val, "axis": AXES}),
    "combine_first": ("combine_first", "any", [operand], {}),
    "prefix": (st.sampled_from(["add_prefix", "add_suffix"]), "any", [st.sampled_from(["p_", "", 1])], {"axis": AXES}),
    "interpolate": ("interpolate", "any", [], {"method": st.sampled_from(["linear", "pad", "bogus"]), "limit": SMALL}),
    "assign": ("assign", "df", [], {"a": NEW_COLUMN, "new": NEW_COLUMN, "a b": NEW_COLUMN, "": NEW_COLUMN}),
    "query": ("query", "df", [QUERIES], {}),
    "merge": ("merge", "df", [other_frame], MERGE_KWARGS),
    "merge_function": ("merge", "mod", [st.just(Ref(())), other_frame], MERGE_KWARGS),
    "concat": ("concat", "mod", [list_of(CONCAT_PARTS)], {"axis": AXES, "ignore_index": BOOLS, "keys": st.sampled_from(
        [["k1", "k2", "k3"], ["k"], None]), "join": st.sampled_from(["inner", "outer", "bogus"])}),
    "to_numeric": ("to_numeric", "mod", [SUBJECT], {"errors": ERRORS, "downcast": st.sampled_from(
        ["integer", "float", "unsigned", None, "bogus"])}),
    "to_datetime": ("to_datetime", "mod", [SUBJECT], {"errors": ERRORS, "unit": UNITS, "utc": BOOLS, "dayfirst": BOOLS,
                                                      "format": st.sampled_from(["%Y-%m-%d", "mixed", "%d"])}),
    "to_timedelta": ("to_timedelta", "mod", [SUBJECT], {"errors": ERRORS, "unit": UNITS}),
    "get_dummies": ("get_dummies", "mod", [SUBJECT], {"columns": cols, "dummy_na": BOOLS, "drop_first": BOOLS,
                                                      "dtype": DTYPES}),
    "str": (st.sampled_from(["upper", "lower", "len", "strip", "title", "isdigit", "split"]), "str", [], {}),
    "str_pattern": (st.sampled_from(["contains", "startswith", "endswith", "match", "find", "count", "extract"]),
                    "str", [PATS], {}),
    "str_size": (st.sampled_from(["slice", "get", "zfill", "pad", "repeat"]), "str", [SMALL], {}),
    "str_replace": ("replace", "str", [PATS, PATS], {"regex": BOOLS, "case": BOOLS, "n": SMALL}),
    "dt_round": (st.sampled_from(["floor", "ceil", "round", "to_period"]), "dt", [FREQS], {}),
    "dt_format": ("strftime", "dt", [st.sampled_from(["%Y-%m", "%H:%M", "", 5])], {}),
    "dt_day": (st.sampled_from(["normalize", "day_name", "month_name"]), "dt", [], {}),
    "isna_function": (st.sampled_from(["isna", "unique"]), "mod", [SUBJECT], {}),
}


def call(draw: DrawFn, f: Case, spec: Spec) -> Op:
    method, which, args, kw = spec
    name = method if isinstance(method, str) else draw(method)
    steps = target(draw, f, which)
    drawn = tuple(arg(draw, f, a) for a in args)
    return "mod" if which == "mod" else "df", [*steps, ("call", name, drawn, kwargs(draw, f, kw))]


# ---- families that are not one call ----
FAMILIES: dict[str, Callable[[DrawFn, Case], Op]] = {
    name: partial(call, spec=spec) for name, spec in METHODS.items()}


def family(fn: Callable[[DrawFn, Case], Op]) -> Callable[[DrawFn, Case], Op]:
    FAMILIES[fn.__name__] = fn
    return fn


@family
def binop(draw: DrawFn, f: Case) -> Op:
    steps = target(draw, f, "any")
    return "df", [*steps, ("binop", pick(draw, list(BINOPS)), operand(draw, f), draw(st.booleans()))]


@family
def unop(draw: DrawFn, f: Case) -> Op:
    return "df", [*target(draw, f, "any"), ("unop", pick(draw, list(UNOPS)))]


GROUPBY_METHODS = st.sampled_from(["sum", "mean", "min", "max", "count", "nunique", "first", "last", "std", "median",
                                   "size", "any", "cumsum", "cumcount", "cummax", "rank", "diff", "shift", "ngroup",
                                   "idxmax"])
GROUPBY_TAILS: dict[str, Draw] = {
    "agg": lambda draw, f: ("call", "agg", (arg(draw, f, one_of(FUNCS, list_of(FUNCS, 1, 3))),), {}),
    "method": lambda draw, f: ("call", draw(GROUPBY_METHODS), (), kwargs(draw, f, {"numeric_only": BOOLS})),
    "transform": lambda draw, f: ("call", "transform", (draw(FUNCS),), {}),
    "named": lambda draw, f: ("call", "agg", (), {"out": (col(draw, f), draw(FUNCS))}),
    "head": lambda draw, f: ("call", draw(st.sampled_from(["head", "tail", "nth"])), (draw(N),), {}),
}


@family
def groupby(draw: DrawFn, f: Case) -> Op:
    steps: Steps = [("call", "groupby", (cols(draw, f),), kwargs(draw, f, {"sort": BOOLS, "dropna": BOOLS,
                                                                          "as_index": BOOLS}))]
    if draw(st.booleans()):
        steps.append(("item", cols(draw, f)))
    return "df", [*steps, pick(draw, list(GROUPBY_TAILS.values()))(draw, f)]


LOC_ROWS = one_of(labels, list_of(labels, 0, 4), slice_of(labels, labels), mask)
POSITIONS = st.integers(-14, 14)
STEPS = st.sampled_from([None, 1, -1, 2, 0])
ILOC_ROWS = one_of(POSITIONS, list_of(POSITIONS, 0, 4), mask, slice_of(SMALL, SMALL, STEPS))
LOC_KEYS = one_of(LOC_ROWS, tuple_of(LOC_ROWS, cols), tuple_of(st.just(slice(None)), cols))
ILOC_KEYS = one_of(ILOC_ROWS, tuple_of(ILOC_ROWS, one_of(POSITIONS, slice_of(SMALL, SMALL))))
KEYS = {"": one_of(col, list_of(col), mask, slice_of(SMALL, SMALL), labels),
        "loc": LOC_KEYS, "at": LOC_KEYS, "iloc": ILOC_KEYS, "iat": ILOC_KEYS}


@family
def getitem(draw: DrawFn, f: Case) -> Op:
    """``x[key]``, ``x.loc[key]``, ``x.iloc[key]``, ``x.at[key]`` or ``x.iat[key]``."""
    indexer = draw(st.sampled_from(["", "", "loc", "loc", "iloc", "iloc", "at", "iat"]))
    steps = [*target(draw, f, "any"), *([("attr", indexer)] if indexer else [])]
    return "df", [*steps, ("item", KEYS[indexer](draw, f))]


@family
def setitem(draw: DrawFn, f: Case) -> Op:
    value = one_of(val, row_values, list_of(val), operand, compared(st.sampled_from(SCALARS)))(draw, f)
    key = one_of(col, st.just("new"), list_of(col, 1, 2))(draw, f)
    if draw(st.booleans()):
        return "df", [("setitem", key, value)]
    rows = one_of(mask, labels, st.just(slice(None)))(draw, f)
    return "df", [("attr", draw(st.sampled_from(["loc", "iloc"]))), ("setitem", (rows, key), value)]


ATTRS = {"any": ["shape", "dtypes", "dtype", "columns", "index", "size", "empty", "ndim", "T", "values", "name",
                 "is_unique", "is_monotonic_increasing", "hasnans"],
         "dt": ["year", "month", "day", "hour", "minute", "dayofweek", "dayofyear", "quarter", "is_month_start",
                "date", "days_in_month"]}


@family
def attribute(draw: DrawFn, f: Case) -> Op:
    which = draw(st.sampled_from(list(ATTRS)))
    return "df", [*target(draw, f, which), ("attr", pick(draw, ATTRS[which]))]


WINDOWS: dict[str, Draw] = {
    "rolling": lambda draw, f: ("call", "rolling", (draw(st.sampled_from([*range(-1, 6), "2D", 1.5, None])),),
                                kwargs(draw, f, {"min_periods": SMALL, "center": BOOLS})),
    "expanding": lambda draw, f: ("call", "expanding", (), kwargs(draw, f, {"min_periods": SMALL})),
    "ewm": lambda draw, f: ("call", "ewm", (), {draw(st.sampled_from(["span", "com", "alpha", "halflife"])):
                                               draw(st.sampled_from([2, 0.5, 0, -1]))}
                            | kwargs(draw, f, {"adjust": BOOLS, "ignore_na": BOOLS})),
}


@family
def window(draw: DrawFn, f: Case) -> Op:
    make = pick(draw, list(WINDOWS.values()))(draw, f)
    agg = draw(st.sampled_from(["sum", "mean", "min", "max", "std", "var", "count", "median"]))
    return "df", [*target(draw, f, "any"), make, ("call", agg, (), {})]


@st.composite
def cases(draw: DrawFn) -> Case:
    # The family first: Hypothesis zeroes late choices more often than early ones.
    name = draw(st.sampled_from(sorted(FAMILIES)))
    f = draw(frames())
    start, steps = FAMILIES[name](draw, f)
    return {**f, "family": name, "start": start, "steps": steps}


# ---- running and describing a case ----
def evaluate(df: Any, mod: Any, case: Case) -> Any:
    """The case's operation on ``df`` (pandas' or shardframe's), ``mod`` the module (pd or sf)."""

    def resolve(x: Any) -> Any:
        if isinstance(x, Ref):
            return apply(df, x.steps)
        if isinstance(x, (list, tuple)):
            return type(x)(resolve(v) for v in x)
        if isinstance(x, dict):
            return {k: resolve(v) for k, v in x.items()}
        return x

    def apply(obj: Any, steps: Any) -> Any:
        for kind, *rest in steps:
            if kind == "attr":
                obj = getattr(obj, rest[0])
            elif kind == "call":
                kwargs = resolve(rest[2])
                if rest[0] in ("sort_values", "sort_index"):  # pandas' default quicksort orders ties arbitrarily
                    kwargs = {"kind": "stable", **kwargs}
                obj = getattr(obj, rest[0])(*resolve(rest[1]), **kwargs)
            elif kind == "item":
                obj = obj[resolve(rest[0])]
            elif kind == "binop":
                other, fn = resolve(rest[1]), BINOPS[rest[0]]
                obj = fn(other, obj) if rest[2] else fn(obj, other)
            elif kind == "unop":
                obj = UNOPS[rest[0]](obj)
            else:  # setitem: the answer is the changed frame
                obj[resolve(rest[0])] = resolve(rest[1])
                obj = df
        return obj

    return apply(df if case["start"] == "df" else mod, case["steps"])


def _compare(expected: Any, got: Any) -> str | None:
    """``same``, with arrays compared as Series or frames (NaN equal to NaN)."""
    if isinstance(expected, (np.ndarray, pd.api.extensions.ExtensionArray)) and expected.ndim <= 2:
        if type(got) is not type(expected):
            return f"a {type(got).__name__} for a {type(expected).__name__}"
        wrap = pd.Series if expected.ndim == 1 else pd.DataFrame
        expected, got = wrap(expected), wrap(got)
    try:
        return same(expected, got)
    except Exception as e:  # noqa: BLE001 - e.g. a Series for a scalar: `!=` has no truth value
        return f"uncomparable: {type(e).__name__}: {e}"[:400]


def run(case: Case) -> tuple[str, str]:
    def expected() -> Any:
        return evaluate(frame(case), pd, case)

    def got() -> Any:
        with sf.option_context("max_partition_rows", 2 if case["layout"] == "many" else None):
            sdf = sf.DataFrame(frame(case))
        return evaluate(sdf, sf, case)

    with warnings.catch_warnings(), sf.option_context("fuse_bytes", 0 if case["fuse0"] else None, "progress", False):
        warnings.simplefilter("ignore")
        return classify(expected, got, _compare)


def lit(x: Any) -> str:
    """Python source for an argument."""
    if isinstance(x, Ref):
        return expression("df", x.steps)
    if isinstance(x, float) and not math.isfinite(x):
        return f"float('{x}')"
    if isinstance(x, type):
        return x.__name__
    if isinstance(x, pd.Timestamp):
        return f"pd.Timestamp('{x}')"
    if isinstance(x, list):
        return "[" + ", ".join(map(lit, x)) + "]"
    if isinstance(x, tuple):
        return "(" + ", ".join(map(lit, x)) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in x.items()) + "}"
    return repr(x)


def expression(start: str, steps: Any) -> str:
    text = "df" if start == "df" else "pd"
    for kind, *rest in steps:
        if kind == "attr":
            text = f"{text}.{rest[0]}"
        elif kind == "call":
            args = [lit(a) for a in rest[1]] + [f"{k}={lit(v)}" if k.isidentifier() else f"**{{{k!r}: {lit(v)}}}"
                                                for k, v in rest[2].items()]
            text = f"{text}.{rest[0]}({', '.join(args)})"
        elif kind == "item":
            text = f"{text}[{lit(rest[0])}]"
        elif kind == "binop":
            left, right = (lit(rest[1]), text) if rest[2] else (text, lit(rest[1]))
            text = f"({left} {rest[0]} {right})"
        elif kind == "unop":
            text = f"abs({text})" if rest[0] == "abs" else f"({rest[0]}{text})"
        else:
            text = f"{text}[{lit(rest[0])}] = {lit(rest[1])}; df"
    return text


def describe(case: Case) -> str:
    columns = ", ".join(f"{lit(name)}: pd.array({lit(values)}, dtype={dtype!r})"
                        for name, dtype, values in case["columns"])
    index = "" if case["index"] is None else f", index={lit(case['index'])}"
    layout = ["max_partition_rows=2"] * (case["layout"] == "many") + ["fuse_bytes=0"] * case["fuse0"]
    note = f"  # sf: {', '.join(layout)}" if layout else ""
    return f"df = pd.DataFrame({{{columns}}}{index}); {expression(case['start'], case['steps'])}{note}"


def generate(seed: int, count: int) -> list[Case]:
    """``count`` cases (fewer only if Hypothesis exhausts the space), the same for the same seed."""
    drawn: list[Case] = []

    @seed_of(seed)
    @settings(max_examples=count, database=None, deadline=None, derandomize=False, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(cases())
    def collect(case: Case) -> None:
        drawn.append(case)

    collect()
    return drawn
