"""Series: one column over a frame's plan, with pandas' API."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from shardframe import _engine
from shardframe._base import IndexSpec, _Rows, select_json
from shardframe._engine import VALUE_COL, index_col
from shardframe._expr import (
    MAX_DEPTH,
    MAX_PLAN_DEPTH,
    Expr,
    col,
    dumps,
    float_params,
    lit,
    lit_list,
)
from shardframe.exceptions import InvalidOperationError

if TYPE_CHECKING:
    import pandas as pd

    from shardframe._core import PyPlan
    from shardframe.frame import DataFrame

_ARITH = {
    "__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "true_div",
    "__floordiv__": "floor_div", "__mod__": "mod", "__pow__": "pow",
}
_COMPARE = {"__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge"}
_LOGIC = {"__and__": "and", "__or__": "or", "__xor__": "xor"}


def _log_base(base: float) -> Callable[[Series], Series]:
    return lambda s: s._derive(s._float_expr().fn("log")).__truediv__(math.log(base))


# numpy ufuncs the engine runs itself (on a Series: a Series).
_UNARY_UFUNCS: dict[str, Callable[[Series], Series]] = {
    "sqrt": lambda s: s._derive(s._float_expr().fn("sqrt")),
    "exp": lambda s: s._derive(s._float_expr().fn("exp")),
    "log": lambda s: s._derive(s._float_expr().fn("log")),
    "log10": _log_base(10), "log2": _log_base(2),
    "floor": lambda s: s._derive(s._float_expr().fn("floor")),
    "ceil": lambda s: s._derive(s._float_expr().fn("ceil")),
    "absolute": lambda s: s.abs(), "fabs": lambda s: s._derive(s._float_expr().fn("abs")),
    "negative": lambda s: -s, "positive": lambda s: s, "invert": lambda s: ~s,
}
_BINARY_UFUNCS = {
    "add": "add", "subtract": "sub", "multiply": "mul", "true_divide": "true_div", "divide": "true_div",
    "floor_divide": "floor_div", "remainder": "mod", "power": "pow", "equal": "eq", "not_equal": "ne",
    "less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge",
}


def _kind(dtype: str) -> str:
    """An engine dtype's kind for operand checks: i(nteger), f(loat), b(ool),
    s(tring), t(ime point), d(uration), ? (anything else: not checked)."""
    if dtype.startswith(("int", "uint")):
        return "i"
    for prefix, kind in (("float", "f"), ("bool", "b"), ("str", "s"), ("datetime", "t"), ("date", "t"),
                         ("duration", "d"), ("timedelta", "d")):
        if dtype.startswith(prefix):
            return kind
    return "?"


def _pairs(*specs: str) -> frozenset[str]:
    """Kind pairs from specs like "n,b:n,b" (n = i or f): every left kind of
    the first list with every right kind of the second."""
    out = set()
    for spec in specs:
        lhs, rhs = (side.replace("n", "if").replace(",", "") for side in spec.split(":"))
        out |= {a + b for a in lhs for b in rhs}
    return frozenset(out)


# The operand kinds pandas accepts per binary operation (checked on the sides
# after a reflected operation is turned around); others raise TypeError.
_NUMBERS = "n,b:n,b"
_ALLOWED = {
    "add": _pairs(_NUMBERS, "s:s", "t:d", "d:t", "d:d"),
    "sub": _pairs("n:n,b", "b:n", "t:t", "t:d", "d:d"),
    "mul": _pairs(_NUMBERS, "s:i", "i:s", "n:d", "d:n"),
    "true_div": _pairs(_NUMBERS, "d:n", "d:d"),
    "floor_div": _pairs(_NUMBERS, "d:n", "d:d"),
    "mod": _pairs(_NUMBERS, "d:n", "d:d"),
    "pow": _pairs(_NUMBERS),
    "lt": _pairs(_NUMBERS, "s:s", "t:t", "d:d"),
    "and": _pairs("i,b:i,b", "b:s"),
}
for _op in ("le", "gt", "ge"):
    _ALLOWED[_op] = _ALLOWED["lt"]
for _op in ("or", "xor"):
    _ALLOWED[_op] = _ALLOWED["and"]
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "true_div": "/", "floor_div": "//", "mod": "%", "pow": "**",
            "and": "&", "or": "|", "xor": "^"}


def _python_type_name(dtype: str) -> str:
    """The Python type pandas names in a TypeError about a value of ``dtype``."""
    for prefix, name in (("float", "float"), ("str", "str"), ("datetime", "Timestamp"), ("duration", "Timedelta")):
        if dtype.startswith(prefix):
            return name
    return dtype


class Series(_Rows):
    """A one-dimensional labelled array, evaluated lazily.

    Examples
    --------
    >>> import shardframe as sf
    >>> s = sf.Series([1, 2, 3], name="x")
    >>> int((s * 2).sum())
    12
    """

    _plan: PyPlan
    _expr: Expr
    _name: Any
    _index: IndexSpec

    def __init__(self, data: Any = None, index: Any = None, name: Any = None, dtype: Any = None) -> None:
        import pandas as pd

        if isinstance(data, Series):
            self._init_from(data._plan, data._expr, data._name if name is None else name, data._index)
            return
        ps = data if isinstance(data, pd.Series) and index is None and dtype is None else pd.Series(
            data, index=index, name=name, dtype=dtype
        )
        if name is not None:
            ps = ps.rename(name)
        from shardframe.frame import DataFrame

        frame = DataFrame(ps.to_frame(name=VALUE_COL))
        self._init_from(frame._plan, frame._cols[VALUE_COL], ps.name, frame._index)

    def _init_from(self, plan: PyPlan, expr: Expr, name: Any, index: IndexSpec) -> None:
        if plan.depth() > MAX_PLAN_DEPTH:
            plan = _engine.collect(plan)  # a long chain of steps, computed before it grows deeper
        self._plan = plan
        self._expr = expr
        self._name = name
        self._index = index
        self._dtype_cache: str | None = None

    @classmethod
    def _new(cls, plan: PyPlan, expr: Expr, name: Any, index: IndexSpec) -> Series:
        s = cls.__new__(cls)
        s._init_from(plan, expr, name, index)
        return s

    def _derive(self, expr: Expr, name: Any = "__same__") -> Series:
        out = Series._new(self._plan, expr, self._name if name == "__same__" else name, self._index)
        out._engine_dtype()  # validate now, as pandas would fail now
        if expr.depth > MAX_DEPTH:
            # a long chain of operations: computed now, before it grows deeper
            # than the engine reads (pandas would have computed each step)
            frame = out.to_frame(VALUE_COL)
            done = frame._rebase(frame._materialize())
            out = Series._new(done._plan, done._cols[VALUE_COL], out._name, done._index)
        return out

    # -- metadata -----------------------------------------------------------
    def _engine_dtype(self) -> str:
        if self._dtype_cache is None:
            plan = self._plan.select(select_json([{"name": VALUE_COL, "expr": self._expr}]))
            self._dtype_cache = plan.schema()[0][1]
        return self._dtype_cache

    @property
    def name(self) -> Any:
        return self._name

    @name.setter
    def name(self, value: Any) -> None:
        self._name = value

    @property
    def dtype(self) -> Any:
        from shardframe.frame import _pandas_dtype

        name = self._engine_dtype()
        if name == "category":
            return self._categorical_dtype()
        return _pandas_dtype(name)

    def _categorical_dtype(self) -> pd.CategoricalDtype:
        """The full dtype of a categorical Series (its categories come with
        the column's type: no row is read), worked out once per Series."""
        cached = self.__dict__.get("_cat_dtype")
        if cached is None:
            plan = self._plan.select(select_json([{"name": VALUE_COL, "expr": self._expr}])).slice(0, 0)
            cached = _engine.arrow_to_pandas(_engine.to_arrow(plan))[VALUE_COL].dtype
            self.__dict__["_cat_dtype"] = cached
        return cached

    dtypes = dtype

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    @property
    def size(self) -> int:
        return len(self)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def empty(self) -> bool:
        return len(self) == 0

    @property
    def index(self) -> pd.Index:
        return self.to_frame()._index_pandas()

    @property
    def values(self) -> np.ndarray:
        return self.to_numpy()

    def __len__(self) -> int:
        return self._count_rows(self._expr)

    # -- materialization ------------------------------------------------------
    def _value_plan(self) -> PyPlan:
        return self._plan.select(select_json([*self._index_exprs(), {"name": VALUE_COL, "expr": self._expr}]))

    def to_pandas(self) -> pd.Series:
        """Run the plan and return a pandas Series."""
        table = _engine.to_arrow(self._value_plan())
        pdf = _engine.arrow_to_pandas(table)
        pdf = self._set_index(pdf, self._index_names(), 0 if self._index is None else len(self._index))
        out = pdf[VALUE_COL]
        out.name = self._name
        return out

    def to_numpy(self, dtype: Any = None, copy: bool = False, na_value: Any = None) -> np.ndarray:
        ps = self.to_pandas()
        if na_value is not None:
            return ps.to_numpy(dtype=dtype, na_value=na_value)
        return ps.to_numpy(dtype=dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.to_numpy(dtype=dtype)

    def to_list(self) -> list[Any]:
        return self.to_pandas().to_list()

    tolist = to_list

    def to_dict(self, into: type = dict) -> dict[Any, Any]:
        return self.to_pandas().to_dict(into=into)

    def to_csv(self, path: Any = None, *args: Any, **kwargs: Any) -> Any:
        """CSV of the values with their index (the text when ``path`` is None), as pandas writes a Series."""
        frame = self.to_frame()
        return frame.to_csv(path, *args, **kwargs)

    def to_frame(self, name: Any = None) -> DataFrame:
        from shardframe.frame import DataFrame

        label = self._name if name is None else name
        label = 0 if label is None else label
        return DataFrame._new(self._plan, {label: self._expr}, self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.to_pandas())

    def __repr__(self) -> str:
        from shardframe.frame import _truncated_pandas

        n = len(self)
        head = _truncated_pandas(self.to_frame("__repr__"), n)
        ps = head["__repr__"]
        ps.name = self._name
        text = repr(ps)
        if n != len(head):
            text = text.replace(f"Length: {len(head)}", f"Length: {n}")
        return text

    def _repr_html_(self) -> str:
        return "<pre>" + repr(self).replace("&", "&amp;").replace("<", "&lt;") + "</pre>"

    def __bool__(self) -> bool:
        raise ValueError(
            "The truth value of a Series is ambiguous. Use a.empty, a.bool(), a.item(), a.any() or a.all()."
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "cat":  # the property refused: not categorical (pandas' error)
            raise AttributeError("Can only use .cat accessor with a 'category' dtype")
        return self._fallback(name)

    # -- operators ------------------------------------------------------------
    def _operand(self, other: Any) -> Expr:
        if isinstance(other, Series):
            if other._plan is not self._plan:
                raise InvalidOperationError("a Series from another frame must be aligned first")
            return other._expr
        if isinstance(other, str) and self._engine_dtype().startswith("datetime"):
            import pandas as pd

            try:
                return lit(pd.Timestamp(other))
            except ValueError:
                raise TypeError(f"Invalid comparison between dtype={self._engine_dtype()} and str {other!r}") from None
        if getattr(other, "tzinfo", None) is not None and self._engine_dtype().startswith("datetime") \
                and "UTC" not in self._engine_dtype() and "," not in self._engine_dtype():
            raise TypeError("Cannot compare tz-naive and tz-aware datetime-like objects.")
        return lit(other)

    def _aligned_pair(self, other: Series, positional: bool = False) -> tuple[PyPlan, IndexSpec]:
        """A plan with this Series' values as ``__l`` and ``other``'s as ``__r``,
        aligned on the index as pandas does: same index -> same order; else the
        sorted union of labels (outer join), missing values where one side lacks a label."""
        from shardframe.frame import _has_duplicate_keys

        n_levels = 1 if self._index is None else len(self._index)
        if n_levels != (1 if other._index is None else len(other._index)):
            raise ValueError("cannot align Series with different numbers of index levels")
        keys = [index_col(i) for i in range(n_levels)]

        def side(s: Series, name: str) -> PyPlan:
            plan = s._plan.select(select_json([*s._index_exprs(), {"name": name, "expr": s._expr}]))
            return plan.row_index(index_col(0)) if s._index is None else plan

        left, right = side(self, "__l"), side(other, "__r")
        same = positional or (self._index is None and other._index is None and len(self) == len(other))
        if not same:
            same = self.index.equals(other.index)
        if same:
            # Identical labels: combine by position, in this Series' order.
            left, right = left.row_index("__pos__"), right.row_index("__pos__")
            spec = {"how": "inner", "left_on": ["__pos__"], "right_on": ["__pos__"], "coalesce": True, "suffix": "__rr"}
            joined = left.join(right, dumps(spec))
        else:
            if _has_duplicate_keys(left, keys) or _has_duplicate_keys(right, keys):
                raise ValueError("cannot reindex on an axis with duplicate labels")
            spec = {"how": "full", "left_on": keys, "right_on": keys, "coalesce": True, "nulls_equal": True}
            joined = left.join(right, dumps(spec)).sort(dumps({
                "by": [col(k) for k in keys], "descending": [False] * len(keys), "nulls_last": True, "stable": True}))
        keep_range = self._index is None and (other._index is None or positional) and same
        index: IndexSpec = None if keep_range else [
            (label, col(index_col(i))) for i, label in enumerate(self._index_names() or [None])]
        return joined, index

    def _binary(self, kind: str, other: Any, reverse: bool = False) -> Series:
        if isinstance(other, _Rows) and not isinstance(other, Series):
            return NotImplemented
        positional = isinstance(other, (list, tuple, np.ndarray))
        if positional:
            arr = np.asarray(other)
            if arr.ndim != 1 or len(arr) != len(self):
                raise ValueError("Lengths must match to compare" if kind in ("eq", "ne", "lt", "le", "gt", "ge")
                                 else f"Length of values ({len(arr)}) does not match length of index ({len(self)})")
            other = Series(arr)
        if isinstance(other, Series) and other._plan is not self._plan:
            plan, index = self._aligned_pair(other, positional)
            left_s = Series._new(plan, col("__l"), self._name, index)
            right_s = Series._new(plan, col("__r"), other._name, index)
            return left_s._binary(kind, right_s, reverse)
        right = self._operand(other)
        left = self._expr
        if reverse:
            left, right = right, left
        ltype, rtype = self._operand_kinds(kind, left, right)
        if kind == "floor_div" and ltype == rtype == "i" and self._divides_by_zero(right):
            # pandas answers x // 0 with ±inf (NaN for 0 // 0), in float64
            left, right = left.fn("cast", dtype="float64"), right.fn("cast", dtype="float64")
            ltype = "f"
        name = self._name
        if isinstance(other, Series) and other._name != self._name:
            name = None
        out = left.binary(kind, right)
        if kind in ("floor_div", "mod") and "f" in (ltype, rtype):
            out = (_numpy_floor_div if kind == "floor_div" else _numpy_mod)(left, right, out)
        return self._derive(out, name)

    def _operand_kinds(self, kind: str, left: Expr, right: Expr) -> tuple[str, str]:
        """The kinds (see ``_KINDS``) of a binary operation's sides; TypeError
        where pandas refuses the operation (``"a" / 2``, ``date > 1``)."""
        pair = self._plan.select(select_json([{"name": "l", "expr": left}, {"name": "r", "expr": right}]))
        (_, ldtype), (_, rdtype) = pair.schema()
        ltype, rtype = _kind(ldtype), _kind(rdtype)
        allowed = _ALLOWED.get(kind)
        if allowed is not None and "?" not in (ltype, rtype) and ltype + rtype not in allowed:
            symbol = _SYMBOLS.get(kind, kind)
            if kind in ("lt", "le", "gt", "ge"):
                raise TypeError(f"Invalid comparison between dtype={ldtype} and {rdtype}")
            raise TypeError(f"unsupported operand type(s) for {symbol}: '{ldtype}' and '{rdtype}'")
        return ltype, rtype

    def _divides_by_zero(self, divisor: Expr) -> bool:
        """Whether ``divisor`` (over this Series' plan) holds a zero: pandas
        then answers an integer floor division in float64, with ±inf."""
        zero = divisor.binary("eq", lit(0))
        return bool(Series._new(self._plan, zero, None, self._index).any())

    # -- operators ------------------------------------------------------------------
    def __add__(self, other: Any) -> Series:
        return self._binary("add", other)

    def __radd__(self, other: Any) -> Series:
        return self._binary("add", other, reverse=True)

    def __sub__(self, other: Any) -> Series:
        return self._binary("sub", other)

    def __rsub__(self, other: Any) -> Series:
        return self._binary("sub", other, reverse=True)

    def __mul__(self, other: Any) -> Series:
        return self._binary("mul", other)

    def __rmul__(self, other: Any) -> Series:
        return self._binary("mul", other, reverse=True)

    def __truediv__(self, other: Any) -> Series:
        return self._binary("true_div", other)

    def __rtruediv__(self, other: Any) -> Series:
        return self._binary("true_div", other, reverse=True)

    def __floordiv__(self, other: Any) -> Series:
        return self._binary("floor_div", other)

    def __rfloordiv__(self, other: Any) -> Series:
        return self._binary("floor_div", other, reverse=True)

    def __mod__(self, other: Any) -> Series:
        return self._binary("mod", other)

    def __rmod__(self, other: Any) -> Series:
        return self._binary("mod", other, reverse=True)

    def __pow__(self, other: Any) -> Series:
        return self._binary("pow", other)

    def __rpow__(self, other: Any) -> Series:
        return self._binary("pow", other, reverse=True)

    def __eq__(self, other: Any) -> Series:  # type: ignore[override]
        return self._binary("eq", other)

    def __ne__(self, other: Any) -> Series:  # type: ignore[override]
        return self._binary("ne", other)

    def __lt__(self, other: Any) -> Series:  # type: ignore[override]
        return self._binary("lt", other)

    def __le__(self, other: Any) -> Series:  # type: ignore[override]
        return self._binary("le", other)

    def __gt__(self, other: Any) -> Series:  # type: ignore[override]
        return self._binary("gt", other)

    def __ge__(self, other: Any) -> Series:  # type: ignore[override]
        return self._binary("ge", other)

    def __and__(self, other: Any) -> Series:
        return self._binary("and", other)

    def __rand__(self, other: Any) -> Series:
        return self._binary("and", other, reverse=True)

    def __or__(self, other: Any) -> Series:
        return self._binary("or", other)

    def __ror__(self, other: Any) -> Series:
        return self._binary("or", other, reverse=True)

    def __xor__(self, other: Any) -> Series:
        return self._binary("xor", other)

    def __rxor__(self, other: Any) -> Series:
        return self._binary("xor", other, reverse=True)

    __hash__ = None  # type: ignore[assignment]

    def _flex(self, kind: str, other: Any, fill_value: Any, reverse: bool = False, axis: Any = 0) -> Series:
        """``add``, ``sub``, ...: the operator, where ``fill_value`` first stands
        in for a value missing on one side only (both missing stays missing)."""
        _series_axis(axis)
        if fill_value is None or (isinstance(fill_value, float) and math.isnan(fill_value)):
            return self._binary(kind, other, reverse)
        if isinstance(other, Series) and other._plan is not self._plan:
            plan, index = self._aligned_pair(other)
            left = Series._new(plan, col("__l"), self._name, index)
            right = Series._new(plan, col("__r"), other._name, index)
            return left._flex(kind, right, fill_value, reverse)
        if not isinstance(other, Series):
            return self.fillna(fill_value)._binary(kind, other, reverse)  # type: ignore[union-attr]
        mine, theirs = self._nan_as_null(), other._nan_as_null()
        fill = lit(fill_value)
        left = mine.fn("is_null").binary("and", theirs.fn("not_null")).fn("where", fill, mine)
        right = theirs.fn("is_null").binary("and", mine.fn("not_null")).fn("where", fill, theirs)
        return self._derive(left)._binary(kind, other._derive(right), reverse)

    def add(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("add", other, fill_value, axis=axis)

    def radd(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("add", other, fill_value, reverse=True, axis=axis)

    def sub(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("sub", other, fill_value, axis=axis)

    def rsub(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("sub", other, fill_value, reverse=True, axis=axis)

    def mul(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("mul", other, fill_value, axis=axis)

    def rmul(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("mul", other, fill_value, reverse=True, axis=axis)

    def truediv(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("true_div", other, fill_value, axis=axis)

    def rtruediv(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("true_div", other, fill_value, reverse=True, axis=axis)

    def floordiv(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("floor_div", other, fill_value, axis=axis)

    def rfloordiv(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("floor_div", other, fill_value, reverse=True, axis=axis)

    def mod(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("mod", other, fill_value, axis=axis)

    def rmod(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("mod", other, fill_value, reverse=True, axis=axis)

    def pow(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("pow", other, fill_value, axis=axis)

    def rpow(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("pow", other, fill_value, reverse=True, axis=axis)

    def div(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("true_div", other, fill_value, axis=axis)

    def rdiv(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("true_div", other, fill_value, reverse=True, axis=axis)

    def eq(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("eq", other, fill_value, axis=axis)

    def ne(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("ne", other, fill_value, axis=axis)

    def lt(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("lt", other, fill_value, axis=axis)

    def le(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("le", other, fill_value, axis=axis)

    def gt(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("gt", other, fill_value, axis=axis)

    def ge(self, other: Any, level: Any = None, fill_value: Any = None, axis: Any = 0) -> Series:
        return self._flex("ge", other, fill_value, axis=axis)

    multiply = mul
    subtract = sub
    divide = div

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy ufuncs on a Series give a Series, as in pandas: the common
        ones run in the engine, others through pandas (announced)."""
        from shardframe._base import _unwrap, _wrap_result, announce_fallback

        if method == "__call__" and not kwargs:
            if len(inputs) == 1 and ufunc.__name__ in _UNARY_UFUNCS:
                return _UNARY_UFUNCS[ufunc.__name__](self)
            if len(inputs) == 2 and ufunc.__name__ in _BINARY_UFUNCS:
                a, b = inputs
                kind = _BINARY_UFUNCS[ufunc.__name__]
                return a._binary(kind, b) if a is self else self._binary(kind, a, reverse=True)
        announce_fallback(f"numpy.{ufunc.__name__} on a Series")
        args = [_unwrap(x) for x in inputs]
        return _wrap_result(getattr(ufunc, method)(*args, **kwargs))

    def __neg__(self) -> Series:
        return self._derive(self._expr.fn("neg"))

    def __pos__(self) -> Series:
        return self

    def __abs__(self) -> Series:
        return self.abs()

    def __invert__(self) -> Series:
        dtype = self._engine_dtype()
        if dtype == "bool":
            return self._derive(self._expr.fn("not"))
        if not dtype.startswith(("int", "uint")):
            raise TypeError(f"bad operand type for unary ~: '{_python_type_name(dtype)}'")
        # ~x == -x - 1 for integers
        return self._derive(self._expr.fn("neg").binary("sub", lit(1)))

    # -- elementwise methods ----------------------------------------------------
    def abs(self) -> Series:
        dtype = self._engine_dtype()
        if dtype == "category":
            raise TypeError("Object with dtype category cannot perform the numpy op absolute")
        if dtype == "str":
            from shardframe.exceptions import NotSupportedError

            raise NotSupportedError("Function 'abs_checked' has no kernel matching input types (str)")  # as pyarrow
        return self._derive(self._expr.fn("abs"))

    def isna(self) -> Series:
        return self._derive(self._nan_as_null().fn("is_null"))

    isnull = isna

    def notna(self) -> Series:
        return self._derive(self._nan_as_null().fn("not_null"))

    notnull = notna

    def _float_expr(self) -> Expr:
        """The values as float64 (numpy's ufuncs give floats for integers)."""
        if self._engine_dtype() == "float64":
            return self._expr
        return self._expr.fn("cast", dtype="float64")

    def _nan_as_null(self) -> Expr:
        if self._engine_dtype().startswith("float"):
            return self._expr.fn("fill_nan", lit(None))
        return self._expr

    def fillna(self, value: Any = None, *, method: str | None = None, limit: int | None = None, inplace: bool = False) -> Series | None:
        if method is not None:
            raise TypeError("Series.fillna() got an unexpected keyword argument 'method'")
        if value is None:
            raise ValueError("Must specify a fill 'value' or 'method'.")
        if isinstance(value, (dict, Series, list)):
            raise TypeError(f"fillna with a {type(value).__name__} is not supported natively")
        dtype = self._engine_dtype()
        text_into_numbers = isinstance(value, str) and dtype not in ("str", "category")
        number_into_text = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and dtype == "str"
        if dtype == "bool" and not isinstance(value, (bool, np.bool_)) and not self.isna().any():
            return self._inplace(self.copy(), inplace)  # nothing to fill: the booleans stay
        if text_into_numbers or number_into_text or dtype == "bool" and not isinstance(value, (bool, np.bool_)):
            # pandas answers with a column of mixed objects, which the engine has no type for
            return self._fallback("fillna")(value, limit=limit, inplace=inplace)  # type: ignore[no-any-return]
        out = self._derive(self._nan_as_null().fn("fill_null", self._operand(value)))
        return self._inplace(out, inplace)

    def ffill(self, *, axis: Any = 0, limit: int | None = None) -> Series:
        _series_axis(axis)
        _fill_limit(limit)
        return self._derive(self._nan_as_null().fn("ffill", limit=limit))

    def bfill(self, *, axis: Any = 0, limit: int | None = None) -> Series:
        _series_axis(axis)
        _fill_limit(limit)
        return self._derive(self._nan_as_null().fn("bfill", limit=limit))

    def interpolate(self, method: str = "linear", *, axis: Any = 0, limit: int | None = None,
                    inplace: bool = False, limit_direction: str | None = None, limit_area: str | None = None,
                    **kwargs: Any) -> Series | None:
        """Missing values filled on the straight line between their valid
        neighbours (by position); after the last valid value, that value.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series([None, 1.0, None, 3.0, None]).interpolate().to_list()
        [nan, 1.0, 2.0, 3.0, 3.0]
        """
        dtype = self._engine_dtype()
        if (method != "linear" or limit is not None or limit_direction not in (None, "forward")
                or limit_area is not None or kwargs or not dtype.startswith(("int", "uint", "float"))):
            if dtype == "str" and method == "linear":
                raise TypeError("Cannot interpolate with all object-dtype columns in the DataFrame. "
                                "Try setting at least one column to a numeric dtype.")
            return self._fallback("interpolate")(method=method, axis=axis, limit=limit, inplace=inplace,
                                                 limit_direction=limit_direction, limit_area=limit_area, **kwargs)
        if not dtype.startswith("float"):
            return self._inplace(self.copy(), inplace)  # integers have no missing value to fill
        return self._inplace(self._derive(self._nan_as_null().fn("interpolate")), inplace)

    def _inplace(self, out: Series, inplace: bool) -> Series | None:
        if inplace:
            self._init_from(out._plan, out._expr, out._name, out._index)
            return None
        return out

    def astype(self, dtype: Any, copy: Any = None, errors: str = "raise") -> Series:
        from shardframe.frame import _check_errors, _dtype_name

        _check_errors(errors)
        target = _dtype_name(dtype)
        source = self._engine_dtype()
        if target == "category":
            return self._to_category(dtype)
        expr = self._expr
        if source == "category" and target != "str":
            # a category's value is its label (codes are not values)
            expr = expr.fn("cast", dtype="str")
        if target.startswith(("int", "uint")) and source.startswith("float"):
            # x - x is 0 for a finite x, NaN for ±inf and NaN, missing for missing
            finite = expr.binary("sub", expr).binary("eq", lit(0.0))
            if not self._derive(finite).all():
                import pandas as pd

                raise pd.errors.IntCastingNaNError("Cannot convert non-finite values (NA or inf) to integer")
        if target == "str" and source != "str":
            return self._to_text(source)
        return self._derive(expr.fn("cast", dtype=target))

    def _to_text(self, source: str) -> Series:
        """``astype(str)``: each value as Python's ``str`` writes it (missing
        values stay missing). Dates and durations, which pandas writes in a
        format chosen from the whole column, go through pandas."""
        expr = self._expr
        if source == "bool":
            words = expr.fn("where", lit("True"), lit("False"))
            return self._derive(expr.fn("is_null").fn("where", lit(None), words))
        if source.startswith(("datetime", "timedelta", "duration", "date", "time")):
            return self._fallback("astype")(str)  # type: ignore[no-any-return]
        text = self._derive(expr.fn("cast", dtype="str"))
        if source.startswith("float"):
            # as Python's repr: exponent -5 in scientific notation (the
            # engine writes 0.00001), at least two exponent digits (1e-07)
            text = text.str.replace(r"^(-?)0\.0000([1-9])$", r"\1\2e-05", regex=True)
            text = text.str.replace(r"^(-?)0\.0000([1-9])([0-9]+)$", r"\1\2.\3e-05", regex=True)
            text = text.str.replace(r"e([+-])([0-9])$", r"e\g<1>0\2", regex=True)
        return text

    def _to_category(self, dtype: Any) -> Series:
        """``astype("category")``: the categories are the sorted distinct values
        unless ``dtype`` names them; values outside them become missing."""
        import pandas as pd

        from shardframe import _categories

        source = self._engine_dtype()
        given = isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None
        if source == "category" and not given:
            return self
        if not given:
            values = [v for v in self.unique() if not pd.isna(v)]
            dtype = pd.CategoricalDtype(sorted(values), ordered=getattr(dtype, "ordered", False) or False)
        labels = _categories.labels(dtype)
        cats = list(dtype.categories)
        expr = self._expr
        if source == "category":  # recategorized by label
            expr, source = expr.fn("cast", dtype="str"), "str"
        if source == "str" and labels is not None:
            return self._derive(expr.fn("to_category", categories=labels))
        numeric = source.startswith(("int", "uint", "float"))
        if numeric and labels is not None and pd.api.types.is_numeric_dtype(dtype.categories.dtype) \
                and cats == sorted(cats):
            # the code of a value is the position of the equal category
            codes = self._expr.fn("bin_codes", breaks=float_params(cats), exact=True)
            return self._derive(codes.fn("codes_to_category", categories=labels))
        return self._fallback("astype")(dtype)

    def round(self, decimals: int = 0) -> Series:
        return self._derive(self._expr.fn("round", decimals=decimals))

    def clip(self, lower: Any = None, upper: Any = None) -> Series:
        numbers = (int, float, np.number)
        if isinstance(lower, numbers) and isinstance(upper, numbers) and lower > upper:
            lower, upper = upper, lower  # pandas orders two scalar bounds
        return self._derive(self._expr.fn("clip", self._operand(lower), self._operand(upper)))

    def isin(self, values: Any) -> Series:
        if isinstance(values, str) or not hasattr(values, "__iter__"):
            raise TypeError(
                f"only list-like objects are allowed to be passed to isin(), you passed a `{type(values).__name__}`"
            )
        if isinstance(values, Series):
            values = values.unique()
        if not isinstance(values, np.ndarray):  # arrays go as they are (a typed array, no Python list)
            values = list(values)
        return self._derive(self._expr.fn("is_in", lit_list(values)))

    def between(self, left: Any, right: Any, inclusive: str = "both") -> Series:
        if inclusive not in ("both", "neither", "left", "right"):
            raise ValueError("Inclusive has to be either string of 'both','left', 'right', or 'neither'.")
        lower, upper = self._operand(left), self._operand(right)
        for bound in (lower, upper):  # pandas compares: TypeError between a date and a number
            self._operand_kinds("ge", self._expr, bound)
        return self._derive(self._expr.fn("between", lower, upper, inclusive=inclusive))

    def where(self, cond: Any, other: Any = None) -> Series:
        self._check_condition(cond)
        if not isinstance(cond, Series) and np.ndim(cond):  # an array of conditions, as pandas takes it
            return self._fallback("where")(cond, np.nan if other is None else other)  # type: ignore[no-any-return]
        cond_e = self._operand(cond)
        other_e = lit(None) if other is None else self._operand(other)
        return self._derive(cond_e.fn("where", self._expr, other_e))

    def mask(self, cond: Any, other: Any = None) -> Series:
        self._check_condition(cond)
        if not isinstance(cond, Series) and np.ndim(cond):
            return self._fallback("mask")(cond, np.nan if other is None else other)  # type: ignore[no-any-return]
        cond_e = self._operand(cond)
        other_e = lit(None) if other is None else self._operand(other)
        return self._derive(cond_e.fn("where", other_e, self._expr))

    def _check_condition(self, cond: Any) -> None:
        from shardframe.frame import DataFrame

        if isinstance(cond, DataFrame) or (not isinstance(cond, Series) and np.ndim(cond)
                                           and np.shape(cond) != (len(self),)):
            raise ValueError("Array conditional must be same shape as self")

    def replace(self, to_replace: Any = None, value: Any = None, *, inplace: bool = False, limit: Any = None,
                regex: Any = False) -> Series | None:
        if to_replace is None and regex is False and value is not None:
            raise TypeError("'regex' must be a string or a compiled regular expression or a list or dict of strings "
                            "or regular expressions, you passed a 'bool'")
        if regex is not False or limit is not None:
            return self._inplace(self._replace_pattern(to_replace, value, regex, limit), inplace)
        return self._inplace(self._replace_values(to_replace, value), inplace)

    def _replace_pattern(self, to_replace: Any, value: Any, regex: Any, limit: Any) -> Series:
        """``replace(pat, value, regex=True)``: in text, each match of ``pat``
        replaced by a string ``value``, or a value matching ``pat`` by any
        other ``value``; other dtypes are left as they are."""
        pattern = regex if isinstance(regex, str) and to_replace is None else to_replace
        if limit is not None or not isinstance(pattern, str):
            return self._fallback("replace")(to_replace, value, limit=limit, regex=regex)  # type: ignore[no-any-return]
        if self._engine_dtype() != "str":
            return self.copy()
        if isinstance(value, str):
            return self.str.replace(pattern, value, regex=True)  # type: ignore[no-any-return]
        found = self.str.contains(pattern, regex=True)
        return self.where(~found, value)  # type: ignore[no-any-return]

    def _replace_values(self, to_replace: Any = None, value: Any = None) -> Series:
        if isinstance(to_replace, dict):
            old, new = list(to_replace.keys()), list(to_replace.values())
        elif isinstance(to_replace, (list, tuple)):
            old = list(to_replace)
            new = list(value) if isinstance(value, (list, tuple)) else [value] * len(old)
        else:
            old, new = [to_replace], [value]
        if self._engine_dtype() == "category":
            import pandas as pd

            categories = set(self.dtype.categories)
            pairs = [(o, n) for o, n in zip(old, new, strict=True) if o in categories]  # others match nothing
            for _, n in pairs:
                if not pd.isna(n) and n not in categories:
                    raise TypeError(f"Cannot setitem on a Categorical with a new category ({n}), "
                                    "set the categories first")
            if not pairs:
                return self.copy()
            old, new = [o for o, _ in pairs], [n for _, n in pairs]
        return self._derive(self._expr.fn("replace", lit_list(old), lit_list(new)))

    def map(self, arg: Any, na_action: str | None = None) -> Series:
        """Map values through a dict (native) or a function (run partition by partition)."""
        if na_action not in (None, "ignore"):
            raise ValueError(f"na_action must either be 'ignore' or None, {na_action} was passed")
        if isinstance(arg, dict) and not arg:  # nothing maps: all missing, float64 as in pandas
            return self._derive(lit(None).fn("cast", dtype="float64"))
        if isinstance(arg, dict):
            return self._derive(self._expr.fn("map_dict", lit_list(list(arg)), lit_list(list(arg.values()))))
        if callable(arg):
            return self.to_frame("__v__")._map_partitions(
                lambda pdf: pdf["__v__"].map(arg, na_action=na_action).to_frame("__v__")
            )["__v__"].rename(self._name)
        raise TypeError(f"map takes a dict or a function, not {type(arg).__name__}")

    def apply(self, func: Callable[..., Any], convert_dtype: Any = None, args: tuple = (), **kwargs: Any) -> Series:
        return self.map(lambda v: func(v, *args, **kwargs))

    def rename(self, index: Any = None) -> Series:
        if callable(index) or isinstance(index, dict):
            return self._fallback("rename")(index)
        out = Series._new(self._plan, self._expr, index, self._index)
        return out

    def copy(self, deep: bool = True) -> Series:
        return Series._new(self._plan, self._expr, self._name, self._index)

    # -- order dependent -----------------------------------------------------
    def _cumulative(self, name: str, skipna: bool, axis: Any = None) -> Series:
        """A running total (``cum_sum``, ...): missing values stay missing and
        are skipped; with ``skipna=False`` every value from the first missing
        one on is missing."""
        _series_axis(axis)
        values = self._nan_as_null()
        if name in ("cum_sum", "cum_prod") and self._engine_dtype() == "bool":
            values = values.fn("cast", dtype="int64")  # pandas counts: True is 1
        if self._engine_dtype() == "category":
            op = name.replace("_", "")
            if name in ("cum_sum", "cum_prod"):
                raise TypeError(f"Accumulation {op} not supported for <class 'pandas.Categorical'>")
            if not self.dtype.ordered:
                raise TypeError(f"Categorical is not ordered for operation {op}\n"
                                "you can use .as_ordered() to change the Categorical to an ordered one\n")
            return self._fallback(op)(skipna=skipna)  # type: ignore[no-any-return]  # by category order
        out = values.fn(name)
        if not skipna:
            seen_missing = values.fn("is_null").fn("cast", dtype="int64").fn("cum_sum").binary("gt", lit(0))
            out = seen_missing.fn("where", lit(None), out)
        return self._derive(out)

    def cumsum(self, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any) -> Series:
        return self._cumulative("cum_sum", skipna, axis)

    def cumprod(self, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any) -> Series:
        return self._cumulative("cum_prod", skipna, axis)

    def cummax(self, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any) -> Series:
        return self._cumulative("cum_max", skipna, axis)

    def cummin(self, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any) -> Series:
        return self._cumulative("cum_min", skipna, axis)

    def shift(self, periods: int = 1, fill_value: Any = None, *, axis: Any = 0) -> Series:
        _series_axis(axis)
        e = self._expr
        if fill_value is None and self._engine_dtype().startswith(("int", "uint")):
            e = e.fn("cast", dtype="float64")
        out = e.fn("shift", n=periods)
        if fill_value is not None:
            out = out.fn("fill_null", lit(fill_value))
        return self._derive(out)

    def diff(self, periods: int = 1) -> Series:
        e = self._expr
        if self._engine_dtype().startswith(("int", "uint", "bool")):
            e = e.fn("cast", dtype="float64")
        return self._derive(e.fn("diff", n=periods))

    def pct_change(self, periods: int = 1, *, axis: Any = 0) -> Series:
        _series_axis(axis)
        e = self._expr.fn("cast", dtype="float64")
        return self._derive(e.fn("pct_change", n=periods))

    def rank(self, axis: Any = 0, method: str = "average", numeric_only: bool = False, na_option: str = "keep",
             ascending: bool = True, pct: bool = False) -> Series:
        _series_axis(axis)
        if numeric_only and not self._engine_dtype().startswith(("int", "uint", "float", "bool")):
            raise TypeError("Series.rank does not allow numeric_only=True with non-numeric dtype.")
        if na_option != "keep" or pct:
            return self._fallback("rank")(method=method, ascending=ascending, na_option=na_option, pct=pct)
        return self._derive(self._nan_as_null().fn("rank", method=method, ascending=ascending))

    # -- reductions ------------------------------------------------------------
    def _reduce(self, func: str, **kw: Any) -> Any:
        agg = {"name": "v", "func": func, "expr": self._nan_as_null(), **kw}
        table = _engine.to_arrow(self._plan.reduce(dumps([agg])))
        value = table.column(0)[0].as_py()
        return value

    def _float(self, func: str, **kw: Any) -> float:
        v = self._reduce(func, **kw)
        return np.float64(math.nan if v is None else v)

    def _missing_forces_nan(self, skipna: bool, min_count: int = 0) -> bool:
        """Whether a reduction is NaN by pandas' rules: a missing value with
        ``skipna=False``, or fewer than ``min_count`` values (one pass, run
        only when those options are given)."""
        if not isinstance(skipna, (bool, np.bool_)):
            raise ValueError(f'For argument "skipna" expected type bool, received type {type(skipna).__name__}.')
        if skipna and min_count <= 0:
            return False
        aggs = [{"name": "n", "func": "count", "expr": self._nan_as_null()},
                {"name": "size", "func": "size", "expr": self._expr}]
        row = _engine.to_arrow(self._plan.reduce(dumps(aggs))).to_pylist()[0]
        return (not skipna and row["n"] < row["size"]) or row["n"] < min_count

    def sum(self, axis: Any = None, skipna: bool = True, numeric_only: bool = False, min_count: int = 0) -> Any:
        _series_axis(axis)
        dtype = self._engine_dtype()
        if dtype == "str":
            raise TypeError("cannot perform sum with type str")
        if self._missing_forces_nan(skipna, min_count):
            return np.float64(math.nan)
        v = self._reduce("sum")
        if dtype.startswith("float"):
            return np.float64(0.0 if v is None else v)
        return np.int64(0 if v is None else v)

    def prod(self, axis: Any = None, skipna: bool = True, numeric_only: bool = False, min_count: int = 0) -> Any:
        _series_axis(axis)
        if self._missing_forces_nan(skipna, min_count):
            return np.float64(math.nan)
        v = self._reduce("prod")
        if self._engine_dtype().startswith("float"):
            return np.float64(1.0 if v is None else v)
        return np.int64(1 if v is None else v)

    product = prod

    def _numeric_check(self, name: str) -> None:
        if self._engine_dtype() == "str":
            raise TypeError(f"Could not convert string to numeric for {name}")

    def _moment(self, func: str, skipna: bool, **kw: Any) -> float:
        self._numeric_check(func)
        if self._missing_forces_nan(skipna):
            return np.float64(math.nan)
        return self._float(func, **kw)

    def mean(self, axis: Any = None, skipna: bool = True, numeric_only: bool = False) -> float:
        _series_axis(axis)
        return self._moment("mean", skipna)

    def median(self, axis: Any = None, skipna: bool = True, numeric_only: bool = False) -> float:
        _series_axis(axis)
        return self._moment("median", skipna)

    def std(self, axis: Any = None, skipna: bool = True, ddof: int = 1, numeric_only: bool = False) -> float:
        _series_axis(axis)
        return self._moment("std", skipna, ddof=ddof)

    def var(self, axis: Any = None, skipna: bool = True, ddof: int = 1, numeric_only: bool = False) -> float:
        _series_axis(axis)
        return self._moment("var", skipna, ddof=ddof)

    def quantile(self, q: Any = 0.5, interpolation: str = "linear") -> Any:
        import pandas as pd

        if any(not 0 <= float(v) <= 1 for v in (q if np.ndim(q) else [q])):
            raise ValueError("percentiles should all be in the interval [0, 1]")
        if interpolation != "linear":
            return self._fallback("quantile")(q, interpolation=interpolation)
        if isinstance(q, (int, float)):
            return np.float64(self._quantiles([float(q)])[0])
        qs = [float(v) for v in q]
        return pd.Series(self._quantiles(qs), index=pd.Index(qs), name=self._name, dtype="float64")

    def _quantiles(self, qs: list[float]) -> list[float]:
        """Linearly interpolated quantiles of the non-missing values, in one pass."""
        for v in qs:
            if not 0 <= v <= 1:
                raise ValueError("percentiles should all be in the interval [0, 1]")
        self._numeric_check("quantile")
        aggs = [{"name": f"q{i}", "func": "quantile", "expr": self._nan_as_null(), "q": v} for i, v in enumerate(qs)]
        row = _engine.to_arrow(self._plan.reduce(dumps(aggs))).to_pylist()[0] if aggs else {}
        return [math.nan if row[f"q{i}"] is None else float(row[f"q{i}"]) for i in range(len(qs))]

    def _minmax(self, func: str, skipna: bool = True) -> Any:
        dtype = self._engine_dtype()
        if dtype == "category" and not self._categorical_dtype().ordered:
            raise TypeError(f"Categorical is not ordered for operation {func}\n"
                            "you can use .as_ordered() to change the Categorical to an ordered one\n")
        v = None if self._missing_forces_nan(skipna) else self._reduce(func)
        if dtype == "category" and v is not None:
            # the engine's value is the category's label
            cats = self._categorical_dtype().categories
            return cats[[str(c) for c in cats].index(v)]
        if v is None:
            return np.float64(math.nan) if not dtype.startswith("datetime") else _nat()
        if dtype.startswith(("int", "uint")):
            return np.int64(v)
        if dtype.startswith("float"):
            return np.float64(v)
        if dtype.startswith("datetime"):
            import pandas as pd

            return pd.Timestamp(v)
        if dtype == "bool":
            return np.bool_(v)
        return v

    def min(self, axis: Any = None, skipna: bool = True, numeric_only: bool = False) -> Any:
        _series_axis(axis)
        return self._minmax("min", skipna)

    def max(self, axis: Any = None, skipna: bool = True, numeric_only: bool = False) -> Any:
        _series_axis(axis)
        return self._minmax("max", skipna)

    def count(self) -> Any:
        return np.int64(self._reduce("count"))

    def any(self, axis: Any = None, bool_only: bool = False, skipna: bool = True) -> Any:
        _series_axis(axis)
        return np.bool_(self._reduce("any", expr=self._truthy()))

    def all(self, axis: Any = None, bool_only: bool = False, skipna: bool = True) -> Any:
        _series_axis(axis)
        return np.bool_(self._reduce("all", expr=self._truthy()))

    def _truthy(self) -> Expr:
        """Each value as a bool, the way pandas' any/all read it (missing skipped)."""
        dtype = self._engine_dtype()
        if dtype == "bool":
            return self._expr
        if dtype == "str":
            return self._expr.fn("str_len").binary("ne", lit(0))
        return self._nan_as_null().fn("cast", dtype="bool", strict=False)

    def _idx(self, func: str, skipna: Any = True) -> Any:
        if self._missing_forces_nan(skipna):  # (checks skipna's type)
            raise ValueError("Encountered an NA value with skipna=False")
        pos = self._reduce(func)
        if pos is None or self.count() == 0:
            raise ValueError(f"attempt to get {func.replace('_', '')} of an empty sequence")
        if self._index is None:
            return np.int64(pos)
        return self.to_frame("__v__")._index_at(int(pos))

    def idxmin(self, axis: Any = 0, skipna: bool = True) -> Any:
        _series_axis("None" if axis is None else axis)
        return self._idx("arg_min", skipna)

    def idxmax(self, axis: Any = 0, skipna: bool = True) -> Any:
        _series_axis("None" if axis is None else axis)
        return self._idx("arg_max", skipna)

    # -- whole-column results -----------------------------------------------------
    def _group_counts(self, dropna: bool) -> PyPlan:
        """Distinct values (``__v__``) with their count (``__n``) and first position (``__first``).
        Each value and each first position occurs once: sorts by them need not be stable."""
        plan = self._plan.row_index("__pos__")
        keys = [{"name": "__v__", "expr": self._nan_as_null()}]
        aggs = [{"name": "__n", "func": "size", "expr": col("__pos__")},
                {"name": "__first", "func": "min", "expr": col("__pos__")}]
        return plan.group_by(dumps(keys), dumps(aggs), dropna)

    def value_counts(self, normalize: bool = False, sort: bool = True, ascending: bool = False,
                     bins: Any = None, dropna: bool = True) -> Series:
        """Counts of distinct values, largest first (ties in order of first appearance)."""
        from shardframe.frame import _check_ascending

        _check_ascending(ascending)
        if bins is not None:
            return self._fallback("value_counts")(normalize=normalize, sort=sort, ascending=ascending, bins=bins, dropna=dropna)
        grouped = self._group_counts(dropna)
        by = [col("__n"), col("__first")] if sort else [col("__first")]
        desc = [not ascending, False] if sort else [False]
        ordered = grouped.sort(dumps({"by": by, "descending": desc, "nulls_last": True, "stable": False}))
        value = col("__n")
        name = "count"
        if normalize:
            total = self.count() if dropna else len(self)
            value = value.fn("cast", dtype="float64").binary("true_div", lit(int(total)))
            name = "proportion"
        plan = ordered.select(select_json([{"name": index_col(0), "expr": col("__v__")},
                                           {"name": VALUE_COL, "expr": value}]))
        out = Series._new(plan, col(VALUE_COL), name, [(self._name, col(index_col(0)))])
        if self._engine_dtype() == "category":
            return Series(_with_unseen_categories(out.to_pandas(), sort, ascending))
        return out

    def unique(self) -> Any:
        """Distinct values in order of appearance (missing included), as pandas
        returns them: each partition's distinct values in order, then those of
        their concatenation (one list)."""
        import pyarrow as pa

        agg = {"name": VALUE_COL, "func": "unique", "expr": self._expr}
        table = _engine.to_arrow(self._plan.reduce(dumps([agg])))
        values = table.column(0).combine_chunks().flatten()
        pdf = _engine.arrow_to_pandas(pa.table({VALUE_COL: values}))
        return pdf[VALUE_COL].unique()

    def nunique(self, dropna: bool = True) -> int:
        return int(self._group_counts(dropna).num_rows(_config()))

    def mode(self, dropna: bool = True) -> Series:
        """The most frequent value(s), sorted."""
        grouped = _engine.collect(self._group_counts(dropna))
        top = Series._new(grouped, col("__n"), None, None).max()
        if top != top:  # no values: NaN
            return Series._new(grouped, col("__v__"), self._name, None)
        best = grouped.filter(dumps(col("__n").binary("eq", lit(int(top)))))
        ordered = best.sort(dumps({"by": [col("__v__")], "descending": [False], "nulls_last": True, "stable": False}))
        plan = ordered.select(select_json([{"name": VALUE_COL, "expr": col("__v__")}]))
        return Series._new(plan, col(VALUE_COL), self._name, None)

    def drop_duplicates(self, keep: Any = "first", inplace: bool = False, ignore_index: bool = False) -> Series:
        frame = self.to_frame("__v__").drop_duplicates(keep=keep, ignore_index=ignore_index)
        return frame["__v__"].rename(self._name)

    def duplicated(self, keep: Any = "first") -> Series:
        return self.to_frame("__v__").duplicated(keep=keep).rename(self._name)

    def sort_values(self, *, axis: Any = 0, ascending: bool = True, inplace: bool = False, kind: Any = None,
                    na_position: Any = "last", ignore_index: bool = False, key: Any = None) -> Series | None:
        if key is not None:
            return self._fallback("sort_values")(axis=axis, ascending=ascending, inplace=inplace, kind=kind,
                                                 na_position=na_position, ignore_index=ignore_index, key=key)
        _deprecated_inplace("sort_values", inplace)
        frame = self.to_frame("__v__").sort_values("__v__", ascending=ascending, na_position=na_position,
                                                   ignore_index=ignore_index)
        assert frame is not None
        return self._inplace(frame["__v__"].rename(self._name), inplace)

    def sort_index(self, *, axis: Any = 0, level: Any = None, ascending: bool = True, inplace: bool = False,
                   kind: Any = None, na_position: Any = "last", sort_remaining: bool = True,
                   ignore_index: bool = False, key: Any = None) -> Series | None:
        if level is not None or key is not None:
            return self._fallback("sort_index")(axis=axis, level=level, ascending=ascending, inplace=inplace,
                                                kind=kind, na_position=na_position, ignore_index=ignore_index,
                                                key=key)
        _deprecated_inplace("sort_index", inplace)
        frame = self.to_frame("__v__").sort_index(ascending=ascending, na_position=na_position,
                                                  ignore_index=ignore_index)
        assert frame is not None
        return self._inplace(frame["__v__"].rename(self._name), inplace)

    def nlargest(self, n: int = 5, keep: str = "first") -> Series:
        _check_keep(keep)
        self._check_orderable("nlargest")
        return self.dropna().to_frame("__v__").nlargest(n, "__v__", keep=keep)["__v__"].rename(self._name)

    def nsmallest(self, n: int = 5, keep: str = "first") -> Series:
        _check_keep(keep)
        self._check_orderable("nsmallest")
        return self.dropna().to_frame("__v__").nsmallest(n, "__v__", keep=keep)["__v__"].rename(self._name)

    def _check_orderable(self, method: str) -> None:
        dtype = self._engine_dtype()
        if dtype in ("str", "category"):
            raise TypeError(f"Cannot use method '{method}' with dtype {dtype}")

    def head(self, n: int = 5) -> Series:
        return self.to_frame("__v__").head(n)["__v__"].rename(self._name)

    def tail(self, n: int = 5) -> Series:
        return self.to_frame("__v__").tail(n)["__v__"].rename(self._name)

    def dropna(self) -> Series:
        frame = self.to_frame("__v__")
        return frame[self.notna()]["__v__"].rename(self._name)

    def reset_index(self, drop: bool = False, name: Any = None) -> Any:
        frame = self.to_frame("__v__" if drop else (self._name if name is None else name) or 0)
        out = frame.reset_index(drop=drop)
        if drop:
            return out["__v__"].rename(self._name)
        return out

    def describe(self) -> Series:
        from shardframe.frame import DataFrame

        return DataFrame._new(self._plan, {"__v__": self._expr}, self._index).describe()["__v__"].rename(self._name)

    @property
    def str(self) -> Any:
        from shardframe.accessors import StringMethods

        return StringMethods(self)

    @property
    def cat(self) -> Any:
        from shardframe.accessors import CategoricalMethods

        return CategoricalMethods(self)

    @property
    def dt(self) -> Any:
        from shardframe.accessors import DatetimeMethods

        return DatetimeMethods(self)

    @property
    def loc(self) -> Any:
        from shardframe.indexing import SeriesLoc

        return SeriesLoc(self)

    @property
    def iloc(self) -> Any:
        from shardframe.indexing import SeriesILoc

        return SeriesILoc(self)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, Series):
            return self.to_frame("__v__")[key]["__v__"].rename(self._name)
        if _positional_slice(key):
            return self.iloc[key]
        return self.loc[key]

    def groupby(self, by: Any = None, axis: Any = 0, level: Any = None, as_index: bool = True, sort: bool = True,
                group_keys: bool = True, observed: Any = None, dropna: bool = True) -> Any:
        """Groups of this Series' values by another Series (of the same
        frame, or aligned on the index), an array of keys, or index levels.

        Examples
        --------
        >>> import shardframe as sf
        >>> s = sf.Series([1, 2, 3], index=["a", "b", "a"], name="v")
        >>> s.groupby(level=0).sum().to_dict()
        {'a': 4, 'b': 2}
        """
        from shardframe.groupby import SeriesGroupBy

        if not as_index:
            raise TypeError("as_index=False only valid with DataFrame")
        label = self._name if self._name is not None else "__grouped__"
        frame = self.to_frame(label)
        if level is not None and by is None:
            frame, keys = frame._index_keys(level)
        elif isinstance(by, Series) and by._plan is self._plan:
            keys = Series._new(frame._plan, by._expr, by._name, frame._index)
        elif isinstance(by, (Series, list, np.ndarray)) and not (isinstance(by, list) and by and
                                                                isinstance(by[0], (Series, list, np.ndarray))):
            from shardframe.frame import _free_name

            name = _free_name(frame._cols, "__by__")
            frame = frame.copy()
            if isinstance(by, Series):
                frame[name] = by  # aligned on the index, as pandas aligns a Series key
            else:
                if len(by) != len(self):
                    raise ValueError(f"Grouper and axis must be same length: {len(by)} != {len(self)}")
                frame._set_positional(name, Series(np.asarray(by)), positional=True)
            keys = frame[name].rename(by.name if isinstance(by, Series) else None)
        else:
            return self._fallback("groupby")(by=by, level=level, as_index=as_index, sort=sort, dropna=dropna)
        groups = frame.groupby(keys, sort=sort, dropna=dropna)
        return SeriesGroupBy(groups, label, output_name=self._name)

    def reindex(self, index: Any = None, *, method: Any = None, fill_value: Any = None,
                **kwargs: Any) -> Series:
        """Values in the order of the labels given, missing where this Series
        has no such label.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series([1.0, 2.0], index=["a", "b"]).reindex(["b", "c"]).to_list()
        [2.0, nan]
        """
        frame = self.to_frame("__v__").reindex(index, method=method, fill_value=fill_value, **kwargs)
        return frame["__v__"].rename(self._name)

    def searchsorted(self, value: Any, side: Any = "left", sorter: Any = None) -> Any:
        """Where ``value`` would go in these (sorted) values to keep them
        sorted: how many are below it (``side="right"``: not above it).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series([1, 2, 2, 5]).searchsorted([2, 3])
        array([1, 3])
        """
        if sorter is not None or side not in ("left", "right"):
            if side not in ("left", "right"):
                raise ValueError(f"Invalid value for 'side': {side}")
            return self._fallback("searchsorted")(value, side=side, sorter=sorter)
        many = isinstance(value, (list, tuple, np.ndarray)) or hasattr(value, "__array__")
        values = list(np.asarray(value)) if many else [value]
        op = "lt" if side == "left" else "le"
        aggs = [{"name": f"p{i}", "func": "sum", "expr": self._binary(op, v)._expr.fn("cast", dtype="int64")}
                for i, v in enumerate(values)]
        row = _engine.to_arrow(self._plan.reduce(dumps(aggs))).to_pylist()[0] if aggs else {}
        found = np.array([row[f"p{i}"] or 0 for i in range(len(values))], dtype=np.intp)
        return found if many else found[0]

    def __setitem__(self, key: Any, value: Any) -> None:
        """``s[label] = v``, ``s[mask] = v``: by label, as pandas 3 reads the
        key; a slice of integers counts positions, as in pandas."""
        if _positional_slice(key):
            self.iloc[key] = value
        else:
            self.loc[key] = value


def _deprecated_inplace(method: str, inplace: bool) -> None:
    """pandas 3.1's warning for ``inplace=True`` (PDEP-8), given as pandas gives it."""
    if inplace:
        import warnings

        import pandas as pd

        warnings.warn(f"The inplace keyword in Series.{method} is deprecated and will be removed in a future "
                      "version (PDEP-8).", pd.errors.Pandas4Warning, stacklevel=3)


def _positional_slice(key: Any) -> bool:
    """``s[2:5]``: a slice of integers (or open ends) is by position in pandas."""
    return isinstance(key, slice) and all(
        v is None or isinstance(v, (int, np.integer)) for v in (key.start, key.stop, key.step))


def _nat() -> Any:
    import pandas as pd

    return pd.NaT


def _config() -> Any:
    from shardframe.options import options

    return options.config()




def _with_unseen_categories(counts: pd.Series, sort: bool, ascending: bool) -> pd.Series:
    """Counts by category with every category, as pandas counts a
    categorical: categories that no row has count 0, and ties keep category
    order (a missing value's count last)."""
    import pandas as pd

    dtype = counts.index.dtype
    order = list(dtype.categories)
    if counts.index.hasnans:
        order.append(np.nan)
    full = counts.reindex(pd.CategoricalIndex(order, dtype=dtype, name=counts.index.name), fill_value=0)
    return full.sort_values(ascending=ascending, kind="stable") if sort else full


def _fill_limit(limit: Any) -> None:
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit <= 0):
        raise ValueError("Limit must be greater than 0" if isinstance(limit, (int, np.integer)) else
                         "Limit must be an integer")


def _sign_test(e: Expr, op: str) -> Expr:
    return e.binary(op, lit(0))


def _opposite_signs(left: Expr, right: Expr) -> Expr:
    return _sign_test(left, "lt").binary("and", _sign_test(right, "gt")).binary(
        "or", _sign_test(left, "gt").binary("and", _sign_test(right, "lt")))


def _numpy_mod(left: Expr, right: Expr, mod: Expr) -> Expr:
    """``mod`` (left - right * floor(left / right)) as numpy's remainder of
    floats answers over an infinite divisor: the dividend, or the divisor
    when their signs differ."""
    over_infinite = right.fn("abs").binary("eq", lit(float("inf"))).binary(
        "and", left.fn("abs").binary("lt", lit(float("inf"))))
    return over_infinite.fn("where", _opposite_signs(left, right).fn("where", right, left), mod)


def _numpy_floor_div(left: Expr, right: Expr, floored: Expr) -> Expr:
    """``floored`` (floor(left / right)) as numpy's floor_divide of floats
    answers: an infinite dividend gives NaN (unless the divisor is 0), a
    finite one over an infinite divisor of the other sign gives -1."""
    infinite = lit(float("inf"))
    minus_one = right.fn("abs").binary("eq", infinite).binary("and", _opposite_signs(left, right))
    out = minus_one.fn("where", lit(-1.0), floored)
    nonzero = _sign_test(right, "lt").binary("or", _sign_test(right, "gt"))
    nan = left.fn("abs").binary("eq", infinite).binary("and", nonzero)
    return nan.fn("where", lit(None), out)


def _check_keep(keep: Any) -> None:
    if keep not in ("first", "last", "all"):
        raise ValueError('keep must be either "first", "last" or "all"')


def _series_axis(axis: Any) -> None:
    """pandas' check of a Series method's ``axis`` (a Series has only rows)."""
    if axis not in (None, 0, "index", "rows"):
        raise ValueError(f"No axis named {axis} for object type Series")
