"""``Series.str``: a Python class over the engine's flat ``str_*`` functions
(and ``list_*`` for the lists that ``split`` makes).

pandas 3 answers most ``.str`` methods with Arrow's kernels and the others
with Python's ``str`` and ``re``; the engine follows the same rules. Regular
expressions are run by Rust's ``regex`` crate: a pattern whose meaning only
Python's ``re`` has (lookaround, backreferences, ``$`` before a final newline
in data with newlines, empty matches where pandas splits or counts) runs
through pandas instead, visibly, as every method this class does not define.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from shardframe._expr import Expr, lit
from shardframe.series import Series

if TYPE_CHECKING:
    import pandas as pd

    from shardframe.frame import DataFrame


class StringMethods:
    """Vectorized string functions, as ``pandas.Series.str``.

    On a Series of lists (what ``split`` returns) this is a :class:`ListMethods`.

    Examples
    --------
    >>> import shardframe as sf
    >>> s = sf.Series(["apple pie", "Banana", None])
    >>> s.str.title().to_list()
    ['Apple Pie', 'Banana', nan]
    >>> s.str.split().str.len().to_list()
    [2.0, 1.0, nan]
    """

    def __new__(cls, series: Series) -> Any:
        # pandas' .str serves lists too (of split strings): their own class here
        if cls is StringMethods and series._engine_dtype().startswith("list"):
            return ListMethods(series)
        return super().__new__(cls)

    def __init__(self, series: Series) -> None:
        if series._engine_dtype() != "str":
            raise AttributeError("Can only use .str accessor with string values!")
        self._s = series

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _pandas_method(self._s, "str", name)

    def _fn(self, name: str, **params: Any) -> Series:
        return self._s._derive(self._s._expr.fn(name, **params))

    def _pandas(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return _pandas_method(self._s, "str", method)(*args, **kwargs)

    # -- case --------------------------------------------------------------------------
    def lower(self) -> Series:
        return self._fn("str_lower")

    def upper(self) -> Series:
        return self._fn("str_upper")

    def title(self) -> Series:
        """Each word with its first letter uppercased and the rest lowercased.

        A word is a run of cased characters; characters map one code point at
        a time, as in pandas (``"ß"`` becomes ``"ẞ"``).

        Returns
        -------
        Series
            Strings; missing values stay missing.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["hello wORLD", "o'neil"]).str.title().to_list()
        ['Hello World', "O'Neil"]
        """
        return self._fn("str_title")

    def capitalize(self) -> Series:
        """The first character uppercased, the rest lowercased.

        Returns
        -------
        Series

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["hello WORLD", ""]).str.capitalize().to_list()
        ['Hello world', '']
        """
        return self._fn("str_capitalize")

    def swapcase(self) -> Series:
        """Uppercase characters lowercased and lowercase ones uppercased.

        Returns
        -------
        Series

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["Hello World"]).str.swapcase().to_list()
        ['hELLO wORLD']
        """
        return self._fn("str_swapcase")

    def casefold(self) -> Series:
        """Strings folded for caseless comparison (``"ß"`` becomes ``"ss"``).

        Returns
        -------
        Series

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["Straße", "ΣΑΣ"]).str.casefold().to_list()
        ['strasse', 'σασ']
        """
        return self._fn("str_casefold")

    # -- whitespace and padding -----------------------------------------------------
    def strip(self, to_strip: str | None = None) -> Series:
        return self._fn("str_strip", chars=to_strip)

    def lstrip(self, to_strip: str | None = None) -> Series:
        return self._fn("str_lstrip", chars=to_strip)

    def rstrip(self, to_strip: str | None = None) -> Series:
        return self._fn("str_rstrip", chars=to_strip)

    def zfill(self, width: int) -> Series:
        """Pad with ``"0"`` on the left to ``width`` characters, after a
        leading ``+`` or ``-``.

        Parameters
        ----------
        width : int
            The length to reach; longer strings are left as they are.

        Returns
        -------
        Series

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["-1", "12", "12345"]).str.zfill(4).to_list()
        ['-001', '0012', '12345']
        """
        _check_width(width)
        return self._fn("str_zfill", width=int(width))

    def pad(self, width: int, side: str = "left", fillchar: str = " ") -> Series:
        """Pad to ``width`` characters with ``fillchar``.

        Parameters
        ----------
        width : int
            The length to reach; longer strings are left as they are.
        side : {'left', 'right', 'both'}, default 'left'
            Where the padding goes (``'both'`` centres the string).
        fillchar : str, default ' '
            One character.

        Returns
        -------
        Series

        Examples
        --------
        >>> import shardframe as sf
        >>> s = sf.Series(["ab", "abcd"])
        >>> s.str.pad(4, fillchar="*").to_list()
        ['**ab', 'abcd']
        >>> s.str.pad(5, side="both", fillchar="-").to_list()
        ['--ab-', '-abcd']
        """
        if not isinstance(fillchar, str):
            raise TypeError(f"fillchar must be a character, not {type(fillchar).__name__}")
        if len(fillchar) != 1:
            raise TypeError("fillchar must be a character, not str")
        _check_width(width)
        if side not in ("left", "right", "both"):
            raise ValueError(f"Invalid side: {side}. Side must be one of 'left', 'right', 'both'")
        return self._fn("str_pad", width=int(width), side=side, fillchar=fillchar)

    def ljust(self, width: int, fillchar: str = " ") -> Series:
        """Pad on the right to ``width`` characters (``pad(side='right')``).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["ab"]).str.ljust(4, ".").to_list()
        ['ab..']
        """
        return self.pad(width, side="right", fillchar=fillchar)

    def rjust(self, width: int, fillchar: str = " ") -> Series:
        """Pad on the left to ``width`` characters (``pad(side='left')``).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["ab"]).str.rjust(4, ".").to_list()
        ['..ab']
        """
        return self.pad(width, side="left", fillchar=fillchar)

    def center(self, width: int, fillchar: str = " ") -> Series:
        """Pad on both sides to ``width`` characters (``pad(side='both')``).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["ab"]).str.center(5, ".").to_list()
        ['..ab.']
        """
        return self.pad(width, side="both", fillchar=fillchar)

    # -- measuring and testing -----------------------------------------------------------
    def len(self) -> Series:
        return self._fn("str_len")

    def contains(self, pat: Any, case: bool = True, flags: int = 0, na: Any = None, regex: bool = True) -> Series:
        """Whether each string contains ``pat`` (a regular expression unless
        ``regex=False``); a missing value gives False, or ``na``.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["apple", "Cherry", None]).str.contains("^[ac]", case=False).to_list()
        [True, True, False]
        """
        if not regex:
            return self._with_na(self._fn("str_contains", pat=pat, case=case, regex=False), na)
        rx = self._regex(pat, case, flags, arrow=True)
        if rx is None:
            return self._pandas("contains", pat, case=case, flags=flags, regex=regex, **_na(na))
        return self._with_na(self._fn("str_contains", pat=rx, case=True, regex=True), na)

    def match(self, pat: Any, case: bool = True, flags: int = 0, na: Any = None) -> Series:
        """Whether a match of the regular expression ``pat`` starts each string.

        Parameters
        ----------
        pat : str or compiled pattern
        case : bool, default True
            False matches letters of either case.
        flags : int, default 0
            ``re`` flags (IGNORECASE, MULTILINE and DOTALL run natively).
        na : bool, optional
            The answer for a missing value (False by default).

        Returns
        -------
        Series
            Booleans.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["apple", "pineapple", None]).str.match("a|b").to_list()
        [True, False, False]
        """
        rx = self._regex(pat, case, flags, arrow=True)
        if rx is None:
            return self._pandas("match", pat, case=case, flags=flags, **_na(na))
        return self._with_na(self._fn("str_contains", pat=rf"\A(?:{rx})", case=True, regex=True), na)

    def fullmatch(self, pat: Any, case: bool = True, flags: int = 0, na: Any = None) -> Series:
        """Whether the regular expression ``pat`` matches each whole string.

        Parameters are those of :meth:`match`.

        Returns
        -------
        Series
            Booleans.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["2024", "2024a", None]).str.fullmatch(r"\\d+", na=True).to_list()
        [True, False, True]
        """
        rx = self._regex(pat, case, flags, arrow=True)
        if rx is None:
            return self._pandas("fullmatch", pat, case=case, flags=flags, **_na(na))
        return self._with_na(self._fn("str_contains", pat=rf"\A(?:{rx})\z", case=True, regex=True), na)

    def startswith(self, pat: str | tuple[str, ...], na: Any = None) -> Series:
        if isinstance(pat, tuple):
            out = self._fn("str_startswith", pat=pat[0])
            for p in pat[1:]:
                out = out | self._fn("str_startswith", pat=p)
            return self._with_na(out, na)
        if not isinstance(pat, str):
            raise TypeError(f"expected a string or tuple, not {type(pat).__name__}")
        return self._with_na(self._fn("str_startswith", pat=pat), na)

    def endswith(self, pat: str | tuple[str, ...], na: Any = None) -> Series:
        if isinstance(pat, tuple):
            out = self._fn("str_endswith", pat=pat[0])
            for p in pat[1:]:
                out = out | self._fn("str_endswith", pat=p)
            return self._with_na(out, na)
        if not isinstance(pat, str):
            raise TypeError(f"expected a string or tuple, not {type(pat).__name__}")
        return self._with_na(self._fn("str_endswith", pat=pat), na)

    def count(self, pat: Any, flags: int = 0) -> Series:
        """Occurrences of the regular expression ``pat`` in each string.

        Returns
        -------
        Series
            int64 (float64 when a value is missing, as in pandas).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["banana", "kiwi"]).str.count("a|i").to_list()
        [3, 2]
        """
        rx = self._regex(pat, flags=flags, may_match_empty=False, arrow=True)
        if rx is None:
            return self._pandas("count", pat, flags=flags)
        return self._fn("str_count", pat=rx)

    def find(self, sub: str, start: int = 0, end: int | None = None) -> Series:
        """The lowest position of ``sub`` within ``s[start:end]`` (in
        characters), -1 where it does not occur.

        Returns
        -------
        Series
            int64 (float64 when a value is missing).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["banana", "kiwi"]).str.find("an").to_list()
        [1, -1]
        """
        return self._find(sub, start, end, reverse=False)

    def rfind(self, sub: str, start: int = 0, end: int | None = None) -> Series:
        """The highest position of ``sub`` within ``s[start:end]``, -1 where
        it does not occur.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["banana", "kiwi"]).str.rfind("an").to_list()
        [3, -1]
        """
        return self._find(sub, start, end, reverse=True)

    def _find(self, sub: str, start: int, end: int | None, reverse: bool) -> Series:
        if not isinstance(sub, str):
            raise TypeError(f"expected a string object, not {type(sub).__name__}")
        if not _is_int(start) or not (end is None or _is_int(end)):
            return self._pandas("rfind" if reverse else "find", sub, start, end)
        return self._fn("str_find", sub=sub, start=int(start), end=None if end is None else int(end),
                        reverse=reverse)

    def isalpha(self) -> Series:
        """Whether every character is a letter (and there is one).

        The ``is...`` tests give False for a missing value or ``""``.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["abc", "ab1", "", None]).str.isalpha().to_list()
        [True, False, False, False]
        """
        return self._fn("str_is", kind="alpha")

    def isalnum(self) -> Series:
        """Whether every character is a letter or a number (and there is one).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["ab1", "ab 1"]).str.isalnum().to_list()
        [True, False]
        """
        return self._fn("str_is", kind="alnum")

    def isdigit(self) -> Series:
        """Whether every character is a digit (a decimal or other number:
        ``"²"``, ``"½"``, as pandas' Arrow kernel counts them).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["123", "12.5", "²"]).str.isdigit().to_list()
        [True, False, True]
        """
        return self._fn("str_is", kind="digit")

    def isdecimal(self) -> Series:
        """Whether every character is a decimal digit (of any script).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["123", "²"]).str.isdecimal().to_list()
        [True, False]
        """
        return self._fn("str_is", kind="decimal")

    def isnumeric(self) -> Series:
        """Whether every character is a number (decimal, letter-like or other).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["123", "½", "1.5"]).str.isnumeric().to_list()
        [True, True, False]
        """
        return self._fn("str_is", kind="numeric")

    def isspace(self) -> Series:
        """Whether every character is whitespace.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series([" \\t", " a"]).str.isspace().to_list()
        [True, False]
        """
        return self._fn("str_is", kind="space")

    def islower(self) -> Series:
        """Whether every cased character is lowercase (and there is one).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["abc 1", "Abc", "123"]).str.islower().to_list()
        [True, False, False]
        """
        return self._fn("str_is", kind="lower")

    def isupper(self) -> Series:
        """Whether every cased character is uppercase (and there is one).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["ABC 1", "AbC"]).str.isupper().to_list()
        [True, False]
        """
        return self._fn("str_is", kind="upper")

    def istitle(self) -> Series:
        """Whether each word starts with its only uppercase letter.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["Hello World", "Hello world"]).str.istitle().to_list()
        [True, False]
        """
        return self._fn("str_is", kind="title")

    def isascii(self) -> Series:
        """Whether every character is ASCII (``""`` is).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["abc", "café", ""]).str.isascii().to_list()
        [True, False, True]
        """
        return self._fn("str_is", kind="ascii")

    # -- rewriting ---------------------------------------------------------------------
    def replace(self, pat: str, repl: str, n: int = -1, case: bool | None = None, flags: int = 0, regex: bool = False) -> Series:
        if regex and isinstance(repl, str):
            repl = _engine_replacement(repl)
        return self._fn("str_replace", pat=pat, repl=repl, n=n, case=True if case is None else case, regex=regex)

    def removeprefix(self, prefix: str) -> Series:
        """Each string without ``prefix`` where it starts with it.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["str_a", "b"]).str.removeprefix("str_").to_list()
        ['a', 'b']
        """
        if not isinstance(prefix, str):
            return self._pandas("removeprefix", prefix)
        return self._fn("str_removeprefix", prefix=prefix)

    def removesuffix(self, suffix: str) -> Series:
        """Each string without ``suffix`` where it ends with it.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["a.csv", "b"]).str.removesuffix(".csv").to_list()
        ['a', 'b']
        """
        if not isinstance(suffix, str):
            return self._pandas("removesuffix", suffix)
        return self._fn("str_removesuffix", suffix=suffix)

    def repeat(self, repeats: int) -> Series:
        """Each string repeated ``repeats`` times.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["ab", ""]).str.repeat(3).to_list()
        ['ababab', '']
        """
        if not _is_int(repeats):
            return self._pandas("repeat", repeats)
        if repeats < 0:
            raise ValueError("Repeat count must be a non-negative integer")
        return self._fn("str_repeat", repeats=int(repeats))

    def slice_replace(self, start: int | None = None, stop: int | None = None, repl: str | None = None) -> Series:
        """``s[:start] + repl + s[stop:]`` (``repl`` goes before ``s[start:]``
        where that slice is empty).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["abcdef", "ab"]).str.slice_replace(1, 3, "X").to_list()
        ['aXdef', 'aX']
        """
        if not all(v is None or _is_int(v) for v in (start, stop)) or not (repl is None or isinstance(repl, str)):
            return self._pandas("slice_replace", start, stop, repl)
        return self._fn("str_slice_replace", start=start, stop=stop, repl=repl or "")

    def slice(self, start: int | None = None, stop: int | None = None, step: int | None = None) -> Series:
        if step not in (None, 1):
            return self._pandas("slice", start, stop, step)
        return self._fn("str_slice", start=start or 0, stop=stop)

    def get(self, i: int) -> Series:
        """Character ``i`` of each string (counted from the end when
        negative), missing where the string is shorter.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["abc", "x"]).str.get(1).to_list()
        ['b', nan]
        """
        if not _is_int(i):
            return self._pandas("get", i)
        return self._fn("str_get", i=int(i))

    def __getitem__(self, key: Any) -> Series:
        if isinstance(key, slice):
            return self.slice(key.start, key.stop, key.step)
        return self.get(key)

    def join(self, sep: str) -> Series:
        """The characters of each string joined by ``sep``.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["abc"]).str.join("-").to_list()
        ['a-b-c']
        """
        if not isinstance(sep, str):
            return self._pandas("join", sep)
        return self._fn("str_join_chars", sep=sep)

    # -- parts ---------------------------------------------------------------------------
    def split(self, pat: Any = None, *, n: int = -1, expand: bool = False, regex: bool | None = None) -> Any:
        """Split each string on ``pat`` (whitespace when None), at most ``n``
        times when ``n`` > 0.

        Parameters
        ----------
        pat : str or compiled pattern, optional
            A literal string when ``regex=False`` or one character long, else
            a regular expression.
        n : int, default -1
            The most splits (-1, 0 and None: all).
        expand : bool, default False
            True gives a DataFrame with one column per part.
        regex : bool, optional

        Returns
        -------
        Series or DataFrame
            Lists of strings (whose ``.str.get``, ``.str.len`` and
            ``.str.join`` run natively), or their parts as columns.

        Examples
        --------
        >>> import shardframe as sf
        >>> s = sf.Series(["a b c", "d"])
        >>> s.str.split().to_list()
        [['a', 'b', 'c'], ['d']]
        >>> s.str.split(n=1).str.get(-1).to_list()
        ['b c', 'd']
        >>> s.str.split(expand=True).to_pandas()
           0     1     2
        0  a     b     c
        1  d   NaN   NaN
        """
        if isinstance(pat, re.Pattern):
            if regex is False:
                raise ValueError("Cannot use a compiled regex as replacement pattern with regex=False")
            regex = True
        literal = pat is None or (isinstance(pat, str) and (regex is False or (regex is None and len(pat) == 1)))
        if not _is_int(n) and n is not None:
            return self._pandas("split", pat, n=n, expand=expand, regex=regex)
        n = -1 if n is None else int(n)
        if literal:
            if pat == "":
                raise ValueError("empty separator")
            parts = self._s._expr.fn("str_split", pat=pat, n=n)
        else:
            rx = self._regex(pat, may_match_empty=False, groups_ok=False)
            if rx is None or n < -1:
                return self._pandas("split", pat, n=n, expand=expand, regex=regex)
            parts = self._s._expr.fn("str_split", pat=rx, n=n, regex=True)
        return self._parts(parts, expand)

    def rsplit(self, pat: str | None = None, *, n: int = -1, expand: bool = False) -> Any:
        """Split each string on the literal ``pat`` (whitespace when None),
        from the right, at most ``n`` times when ``n`` > 0.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["a.b.c"]).str.rsplit(".", n=1).to_list()
        [['a.b', 'c']]
        """
        if not (pat is None or isinstance(pat, str)) or not (n is None or _is_int(n)):
            return self._pandas("rsplit", pat, n=n, expand=expand)
        if pat == "":
            raise ValueError("empty separator")
        parts = self._s._expr.fn("str_split", pat=pat, n=-1 if n is None else int(n), reverse=True)
        return self._parts(parts, expand)

    def _parts(self, parts: Expr, expand: bool) -> Any:
        """Lists of parts as a Series, or as columns: as many as the longest
        list has (a missing value counts one, as in pandas)."""
        if not expand:
            return self._s._derive(parts)
        widths = self._s._derive(parts.fn("list_len").fn("fill_null", lit(1)))
        k = widths.max()
        k = 0 if k != k else int(k)  # NaN when there are no rows
        out = _frame(self._s, {i: parts.fn("list_get", i=i) for i in range(k)})
        if not k:
            object.__setattr__(out, "_no_labels", True)  # pandas' columns: an empty RangeIndex
        return out

    def partition(self, sep: str = " ", expand: bool = True) -> Any:
        """Split each string at the first ``sep``: the part before, the
        separator and the part after, as three columns.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["a=b=c", "d"]).str.partition("=").to_pandas()
           0  1    2
        0  a  =  b=c
        1  d
        """
        return self._partition(sep, expand, reverse=False)

    def rpartition(self, sep: str = " ", expand: bool = True) -> Any:
        """Split each string at the last ``sep``, as :meth:`partition`
        (before the separator is empty where there is none).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["a=b=c", "d"]).str.rpartition("=").to_pandas()
             0  1  2
        0  a=b  =  c
        1           d
        """
        return self._partition(sep, expand, reverse=True)

    def _partition(self, sep: str, expand: bool, reverse: bool) -> Any:
        method = "rpartition" if reverse else "partition"
        if not isinstance(sep, str) or expand is not True:
            return self._pandas(method, sep, expand=expand)
        if not sep:
            raise ValueError("empty separator")
        expr = self._s._expr
        return _frame(self._s, {i: expr.fn("str_partition", sep=sep, part=i, reverse=reverse) for i in range(3)})

    def extract(self, pat: Any, flags: int = 0, expand: bool = True) -> Any:
        """The groups of the first match of the regular expression ``pat``,
        missing where it does not match (or a group takes no part).

        Parameters
        ----------
        pat : str or compiled pattern
            With at least one capture group.
        flags : int, default 0
        expand : bool, default True
            False with one group gives a Series.

        Returns
        -------
        DataFrame or Series
            A column per group, named by the group's name or its position.

        Examples
        --------
        >>> import shardframe as sf
        >>> s = sf.Series(["a1", "b22", "c"])
        >>> s.str.extract(r"(?P<letter>[a-z])(?P<digits>\\d+)?").to_pandas()
          letter digits
        0      a      1
        1      b     22
        2      c    NaN
        >>> s.str.extract(r"(\\d)", expand=False).to_list()
        ['1', '2', nan]
        """
        if not isinstance(expand, bool):
            raise ValueError("expand must be True or False")
        compiled = re.compile(pat, flags)  # pandas' error for a pattern re refuses
        if compiled.groups == 0:
            raise ValueError("pattern contains no capture groups")
        rx = self._regex(pat, flags=flags)
        if rx is None:
            return self._pandas("extract", pat, flags=flags, expand=expand)
        names = {i: name for name, i in compiled.groupindex.items()}
        expr = self._s._expr
        if not expand and compiled.groups == 1:
            name = names.get(1, self._s._name)
            return self._s._derive(expr.fn("str_extract", pat=rx, group=1), name=name)
        cols = {names.get(i, i - 1): expr.fn("str_extract", pat=rx, group=i) for i in range(1, compiled.groups + 1)}
        return _frame(self._s, cols)

    def findall(self, pat: Any, flags: int = 0) -> Series:
        """Every non-overlapping match of the regular expression ``pat``, as a
        list per string (patterns with groups run through pandas).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["a1b22", "c"]).str.findall(r"\\d+").to_list()
        [['1', '22'], []]
        """
        rx = self._regex(pat, flags=flags, may_match_empty=False, groups_ok=False)
        if rx is None:
            return self._pandas("findall", pat, flags=flags)
        return self._fn("str_findall", pat=rx)

    def cat(self, others: Any = None, sep: str | None = None, na_rep: str | None = None, join: str = "left") -> Any:
        """Concatenate: with ``others``, row by row; without, every value into
        one string (missing values left out unless ``na_rep`` is given).

        Examples
        --------
        >>> import shardframe as sf
        >>> s = sf.Series(["a", None, "c"])
        >>> s.str.cat(sep="-")
        'a-c'
        >>> s.str.cat(s, sep="+", na_rep="?").to_list()
        ['a+a', '?+?', 'c+c']
        """
        if others is None:
            return self._cat_all(sep or "", na_rep)
        listed = isinstance(others, (list, tuple))
        nested = listed and bool(others) and all(
            isinstance(o, (Series, np.ndarray)) or _is_pandas_series(o) for o in others)
        if listed and not nested and not all(isinstance(o, str) or _is_missing(o) for o in others):
            raise TypeError("others must be Series, Index, DataFrame, np.ndarray or list-like (either containing "
                            "only strings or containing only objects of type Series/Index/np.ndarray[1-dim])")
        items = list(others) if nested else [others]
        if join != "left" or any(_is_pandas_series(o) for o in items):
            return self._pandas("cat", others=others, sep=sep, na_rep=na_rep, join=join)
        # every other column over this Series' rows: a Series aligned on the
        # index (pandas' join="left"), a list by position
        frame = self._s.to_frame("__cat_self__")
        names = []
        for i, o in enumerate(items):
            name = f"__cat_{i}__"
            if isinstance(o, Series):
                frame[name] = o
            else:
                values = np.asarray(o, dtype=object)
                if len(values) != len(self._s):
                    raise ValueError("If `others` contains arrays or lists (or other list-likes without an index), "
                                     "these must all be of the same length as the calling Series/Index.")
                frame._set_positional(name, Series(values), positional=True)
            names.append(name)
        own, args = frame._cols["__cat_self__"], [frame._cols[n] for n in names]
        if na_rep is not None:
            own, args = own.fn("fill_null", lit(na_rep)), [a.fn("fill_null", lit(na_rep)) for a in args]
        out = Series._new(frame._plan, own.fn("str_cat", *args, sep=sep or ""), self._s.name, frame._index)
        return out._derive(out._expr)

    def _cat_all(self, sep: str, na_rep: str | None) -> str:
        """Every value joined by ``sep``, in order: the engine reads the
        column (``na_rep`` filled in), Python joins the strings it gives."""
        from shardframe import _engine
        from shardframe._base import select_json
        from shardframe._engine import VALUE_COL

        expr = self._s._expr if na_rep is None else self._s._expr.fn("fill_null", lit(na_rep))
        plan = self._s._plan.select(select_json([{"name": VALUE_COL, "expr": expr}]))
        values = _engine.to_arrow(plan).column(0)
        return sep.join(values.drop_null().to_pylist())

    # -- helpers -----------------------------------------------------------------------
    def _with_na(self, out: Series, na: Any) -> Series:
        """A test's answer for missing values: False, or ``na`` (pandas'
        ``na=``: a bool; None, NaN and NA keep False)."""
        if _is_missing(na) or na is False or na is np.False_:
            return out
        if na is True or na is np.True_:
            return self._s._derive(self._s._expr.fn("not_null").fn("where", out._expr, lit(True)))
        raise ValueError(f"na must be None, pd.NA, np.nan, True, or False; got {na}")

    def _regex(self, pat: Any, case: bool = True, flags: int = 0, *, may_match_empty: bool = True,
               groups_ok: bool = True, arrow: bool = False) -> str | None:
        """``pat`` in the engine's dialect, the regex crate's, with ``case``
        and ``flags`` written in; None where only Python's ``re`` gives the
        pattern pandas' meaning. An invalid pattern raises ``re.error`` as in
        pandas.

        ``may_match_empty=False``: None for a pattern that can match the empty
        string (where a match may follow another, Python takes an empty match
        that the regex crate skips: the counts and splits differ).
        ``groups_ok=False``: None for a pattern with groups (Python splits
        and finds their text instead of the matches').
        ``arrow=True``: pandas tests an invalid pattern (without flags) in
        Arrow, which raises a ValueError.
        """
        if isinstance(pat, re.Pattern):
            flags |= pat.flags
            pat = pat.pattern
        if not isinstance(pat, str) or isinstance(flags, bool) or not isinstance(flags, int):
            return None
        try:
            compiled = re.compile(pat, flags)
        except re.error as err:
            if arrow and not flags & ~re.UNICODE:
                raise ValueError(f"Invalid regular expression: {err}") from None
            raise
        flags = compiled.flags & ~re.UNICODE  # with the pattern's own (?i) and so on
        if not case:
            flags |= re.IGNORECASE
        if flags & ~(re.IGNORECASE | re.MULTILINE | re.DOTALL):
            return None  # VERBOSE, ASCII: spelled differently by the regex crate
        if (not groups_ok and compiled.groups) or _PYTHON_ONLY_TEXT.search(pat):
            return None
        tree = _parser().parse(pat, flags)
        nodes = list(_nodes(tree))
        if any(op in _PYTHON_ONLY_OPS for op, _ in nodes):
            return None
        if not may_match_empty and tree.getwidth()[0] == 0:
            return None
        if not flags & re.MULTILINE and _AT_END in nodes and self._has("\n"):
            return None  # Python's $ also matches before a final newline
        if any(op == _AT_END[0] and arg in _WORD_BOUNDARIES for op, arg in nodes) and self._has(r"[^\x00-\x7F]"):
            return None  # the regex crate's words are not Python's beyond ASCII
        inline = "".join(letter for flag, letter in _INLINE_FLAGS if flags & flag)
        body = _rust_syntax(pat)
        return f"(?{inline}){body}" if inline else body

    def _has(self, pattern: str) -> bool:
        """Whether any value contains a match of ``pattern`` (one pass)."""
        found = self._fn("str_contains", pat=pattern, case=True, regex=True)
        return bool(found.any())


class ListMethods:
    """``Series.str`` over lists of strings (what ``split`` returns): items,
    lengths and joins run natively, the rest through pandas.

    Examples
    --------
    >>> import shardframe as sf
    >>> parts = sf.Series(["a,b", "c", None]).str.split(",")
    >>> parts.str[0].to_list()
    ['a', 'c', nan]
    >>> parts.str.join("+").to_list()
    ['a+b', 'c', nan]
    """

    def __init__(self, series: Series) -> None:
        self._s = series

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _pandas_method(self._s, "str", name)

    def get(self, i: int) -> Series:
        """Item ``i`` of each list (from the end when negative), missing
        where the list is shorter.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["a b", "c"]).str.split().str.get(1).to_list()
        ['b', nan]
        """
        if not _is_int(i):
            return _pandas_method(self._s, "str", "get")(i)
        return _object_values(self._s._derive(self._s._expr.fn("list_get", i=int(i))))

    def __getitem__(self, key: Any) -> Series:
        if isinstance(key, slice):
            return _pandas_method(self._s, "str", "__getitem__")(key)
        return self.get(key)

    def len(self) -> Series:
        """The number of items of each list.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["a b", "c"]).str.split().str.len().to_list()
        [2, 1]
        """
        return self._s._derive(self._s._expr.fn("list_len"))

    def join(self, sep: str) -> Series:
        """The items of each list joined by ``sep``.

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.Series(["a b", "c"]).str.split().str.join("_").to_list()
        ['a_b', 'c']
        """
        if not isinstance(sep, str):
            return _pandas_method(self._s, "str", "join")(sep)
        return _object_values(self._s._derive(self._s._expr.fn("list_join", sep=sep)))


class _ObjectStrings(Series):
    """Strings that pandas holds as Python objects: the items of lists (of
    split strings) and their joins come in an ``object`` column. The engine
    keeps them as strings; only the pandas view differs."""

    @property
    def dtype(self) -> Any:
        return np.dtype(object)

    dtypes = dtype

    def to_pandas(self) -> pd.Series:
        return super().to_pandas().astype(object)


def _object_values(series: Series) -> Series:
    return _ObjectStrings._new(series._plan, series._expr, series._name, series._index)


def _frame(series: Series, cols: dict[Any, Expr]) -> DataFrame:
    """Columns over ``series``' plan, with its index."""
    from shardframe.frame import DataFrame

    return DataFrame._new(series._plan, cols, series._index)._with_cols(cols)


def _is_pandas_series(obj: Any) -> bool:
    return type(obj).__name__ == "Series" and not isinstance(obj, Series)


def _pandas_method(series: Series, accessor: str, name: str) -> Any:
    """``series.<accessor>.<name>`` run through pandas (a visible fallback):
    the attribute's value, or a function calling the method."""
    from shardframe._base import announce_fallback, pandas_member

    owner = _pandas_accessor_class(series, accessor)
    if not hasattr(owner, name):
        raise AttributeError(f"'{owner.__name__}' object has no attribute '{name}'")
    announce_fallback(f"Series.{accessor}.{name}")
    return pandas_member(getattr(getattr(series.to_pandas(), accessor), name), name)


def _pandas_accessor_class(series: Series, accessor: str) -> Any:
    """The class of pandas' ``series.<accessor>`` (without computing it)."""
    import pandas as pd

    if accessor == "dt":
        from pandas.core.indexes.accessors import DatetimeProperties, TimedeltaProperties

        return TimedeltaProperties if series._engine_dtype().startswith("timedelta") else DatetimeProperties
    return {"str": pd.Series.str, "cat": pd.Series.cat}[accessor]


def _na(na: Any) -> dict[str, Any]:
    """``na=`` for pandas, when it was given."""
    return {} if na is None else {"na": na}


def _is_missing(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    import pandas as pd

    return value is pd.NA


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_width(width: Any) -> None:
    if not _is_int(width):
        raise TypeError(f"width must be of integer type, not {type(width).__name__}")


# -- Python's regular expressions and the regex crate's ------------------------------------

def _parser() -> Any:
    from re import _parser  # type: ignore[attr-defined]

    return _parser


def _nodes(tokens: Any) -> Any:
    """Every (op, argument) node of a parsed pattern, nested ones included."""
    p = _parser()
    repeats = {p.MAX_REPEAT, p.MIN_REPEAT, getattr(p, "POSSESSIVE_REPEAT", None)}
    for op, arg in tokens:
        yield op, arg
        if op == p.SUBPATTERN:
            yield from _nodes(arg[3])
        elif op == p.BRANCH:
            for branch in arg[1]:
                yield from _nodes(branch)
        elif op in repeats:
            yield from _nodes(arg[2])
        elif op == p.IN:
            yield from _nodes(arg)


def _python_only_ops() -> frozenset[Any]:
    p = _parser()
    names = ("ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "ATOMIC_GROUP",
             "POSSESSIVE_REPEAT")
    return frozenset(getattr(p, n) for n in names if hasattr(p, n))


def _rust_syntax(pat: str) -> str:
    """A Python pattern in the regex crate's syntax: Python's classes
    (``\\w`` is a letter, a number or ``_``; ``\\s`` also takes U+1C..U+1F),
    ``\\Z`` as ``\\z``, any escaped character as itself, and ``[``, ``&``,
    ``~`` within a set as literals (the crate nests sets and has set
    operations)."""
    out: list[str] = []
    in_set = False
    i = 0
    while i < len(pat):
        c = pat[i]
        if c == "\\" and i + 1 < len(pat):
            escaped = pat[i + 1]
            table = _IN_SET if in_set else _ESCAPES
            if escaped in table:
                out.append(table[escaped])
            elif not escaped.isascii():
                out.append(escaped)
            else:
                out.append(c + escaped)
            i += 2
            continue
        if in_set:
            if c == "]":
                in_set = False
            elif c in "[&~":
                c = "\\" + c
        elif c == "[":
            in_set = True
            if pat.startswith("^", i + 1):
                c, i = "[^", i + 1
            if pat.startswith("]", i + 1):  # a set's first "]" is itself
                c, i = c + "\\]", i + 1
        out.append(c)
        i += 1
    return "".join(out)


_WORD = r"\p{L}\p{N}_"
_SPACE = r"\s\x{1C}-\x{1F}"
# Python's escapes that the regex crate spells otherwise, outside sets and within
_ESCAPES = {"w": f"[{_WORD}]", "W": f"[^{_WORD}]", "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]", "Z": r"\z",
            "<": "<", ">": ">"}
_IN_SET = {"w": _WORD, "W": f"[^{_WORD}]", "s": _SPACE, "S": f"[^{_SPACE}]", "b": r"\x08", "<": "<", ">": ">"}

# lookaround, backreferences, atomic groups, possessive repeats: not in the regex crate
_PYTHON_ONLY_OPS = _python_only_ops()
_AT_END = (_parser().AT, _parser().AT_END)
_WORD_BOUNDARIES = (_parser().AT_BOUNDARY, _parser().AT_NON_BOUNDARY)
# comments and named characters (\N{...}): not in the regex crate
_PYTHON_ONLY_TEXT = re.compile(r"\(\?#|(?<!\\)(?:\\\\)*\\N\{")
_INLINE_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))


# Python's escapes in a replacement string, as re.sub reads them
_REPL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "b": "\b", "\\": "\\"}


def _engine_replacement(repl: str) -> str:
    """A replacement string of Python's ``re.sub`` (``\\1``, ``\\g<name>``,
    escapes) in the engine's syntax (``${1}``, ``${name}``, ``$$`` for a
    dollar sign)."""
    out, i = [], 0
    while i < len(repl):
        c = repl[i]
        group = re.match(r"\\(?:g<(\w+)>|([1-9][0-9]?))", repl[i:])
        if group:
            out.append("${" + (group.group(1) or group.group(2)) + "}")
            i += group.end()
            continue
        if c == "\\" and i + 1 < len(repl) and repl[i + 1] in _REPL_ESCAPES:
            out.append(_REPL_ESCAPES[repl[i + 1]])
            i += 2
            continue
        out.append("$$" if c == "$" else c)
        i += 1
    return "".join(out)
