"""What a fuzz case's outcome is: pandas and shardframe run the same thing,
and the pair of results is sorted into one class (tests/fuzz/README.md).

Good outcomes: ``agree`` (same answer), ``clean_error`` (both raise, the same
builtin exception class), ``stricter`` (shardframe raises a clean error where
pandas answers: allowed for readers, which must raise where they cannot
match). Defects: ``wrong_type`` (both raise, different classes), ``laxer``
(shardframe answers where pandas refuses), ``disagree`` (both answer,
differently), ``panic``, ``internal``, and, seen by the runner from outside
the worker, ``crash`` and ``hang``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

GOOD = ("agree", "clean_error", "stricter")
DEFECTS = ("wrong_type", "laxer", "disagree", "panic", "internal", "crash", "hang")
OUTCOMES = GOOD + DEFECTS


def builtin_of(exc: BaseException) -> type[BaseException]:
    """The builtin class an exception derives from (pandas and numpy raise
    private subclasses; shardframe's classes derive from pandas' builtin)."""
    return next(c for c in type(exc).__mro__ if c.__module__ == "builtins")


def _short(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ")
    return f"{type(exc).__name__}: {text[:300]}"


def _materialize(obj: Any) -> Any:
    import shardframe as sf

    if isinstance(obj, (sf.DataFrame, sf.Series)):
        return obj.to_pandas()
    return obj


def same(expected: Any, got: Any) -> str | None:
    """None when ``got`` is pandas' answer, else what differs."""
    try:
        if isinstance(expected, pd.DataFrame):
            if not isinstance(got, pd.DataFrame):
                return f"a {type(got).__name__} for a DataFrame"
            pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)
        elif isinstance(expected, pd.Series):
            if not isinstance(got, pd.Series):
                return f"a {type(got).__name__} for a Series"
            pd.testing.assert_series_equal(got, expected, check_exact=False, rtol=1e-9)
        elif isinstance(expected, pd.Index):
            pd.testing.assert_index_equal(pd.Index(got), expected, exact=False)
        elif isinstance(expected, np.ndarray):
            np.testing.assert_array_equal(np.asarray(got), expected)
        elif isinstance(expected, float) and math.isnan(expected):
            if not (isinstance(got, float) and math.isnan(got)):
                return f"{got!r} for nan"
        elif isinstance(expected, (float, np.floating)):
            if not (isinstance(got, (int, float, np.number)) and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)):
                return f"{got!r} for {expected!r}"
        elif got is pd.NaT or expected is pd.NaT or got is pd.NA or expected is pd.NA:
            if got is not expected:
                return f"{got!r} for {expected!r}"
        elif got != expected:
            return f"{got!r} for {expected!r}"
    except AssertionError as e:
        return str(e).replace("\n", " ")[:400]
    except Exception as e:  # noqa: BLE001 - values pandas' comparison cannot handle differ too
        return f"the comparison raised {type(e).__name__}: {str(e)[:300]}"
    return None


def classify(expected_fn: Callable[[], Any], got_fn: Callable[[], Any],
             compare: Callable[[Any, Any], str | None] = same) -> tuple[str, str]:
    """Run pandas' and shardframe's side; the outcome class and a detail."""
    from shardframe.exceptions import InternalError

    pd_exc: Exception | None = None
    expected = None
    try:
        expected = _materialize(expected_fn())
    except Exception as e:  # noqa: BLE001 - every error of pandas is an answer
        pd_exc = e
    try:
        got = _materialize(got_fn())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - a panic is a BaseException
        if type(e).__name__ == "PanicException" or "panicked" in str(e):
            return "panic", _short(e)
        if isinstance(e, InternalError):
            return "internal", _short(e)
        if pd_exc is None:
            return "stricter", _short(e)
        if isinstance(e, builtin_of(pd_exc)):
            return "clean_error", _short(e)
        return "wrong_type", f"{_short(e)}; pandas: {_short(pd_exc)}"
    if pd_exc is not None:
        return "laxer", f"pandas: {_short(pd_exc)}"
    diff = compare(expected, got)
    return ("agree", "") if diff is None else ("disagree", diff)
