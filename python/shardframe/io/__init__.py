"""Reading files into frames. Scans are lazy: columns and rows the query does
not need are never decoded (projection and predicate pushdown)."""

from __future__ import annotations

import glob as _glob
import os
from collections.abc import Sequence
from typing import Any

from shardframe._expr import col, dumps
from shardframe.exceptions import FileNotFoundError as SfFileNotFoundError
from shardframe.frame import DataFrame, _dtype_name


def _expand(path: str | os.PathLike[str] | Sequence[str]) -> list[str]:
    items = [os.fspath(p) for p in path] if isinstance(path, (list, tuple)) else [os.fspath(path)]  # type: ignore[arg-type]
    out: list[str] = []
    for item in items:
        if os.path.isdir(item):
            matches = sorted(_glob.glob(os.path.join(_glob.escape(item), "**", "*"), recursive=True))
            out.extend(m for m in matches if os.path.isfile(m) and not _hidden(os.path.relpath(m, item)))
        elif os.path.exists(item):
            # an existing name is the file itself, even with glob characters in it
            out.append(item)
        elif any(ch in item for ch in "*?["):
            matches = sorted(_glob.glob(item, recursive=True))
            if not matches:
                raise SfFileNotFoundError(f"No files match '{item}'")
            out.extend(matches)
        else:
            raise SfFileNotFoundError(f"[Errno 2] No such file or directory: '{item}'")
    return out


def _hidden(relative: str) -> bool:
    """Files a directory read skips, as Spark, pandas/pyarrow datasets and
    Polars do: names starting with ``.`` or ``_`` (markers such as
    ``_SUCCESS``, unfinished writes)."""
    return any(part.startswith((".", "_")) for part in relative.split(os.sep))


def _frame(plan: Any, columns: list[str] | None = None) -> DataFrame:
    names = [n for n, _ in plan.schema()]
    if columns is not None:
        missing = [c for c in columns if c not in names]
        if missing:
            raise KeyError(f"columns {missing} not found")
        names = list(columns)
    return DataFrame._new(plan, {n: col(n) for n in names}, None)


def read_parquet(path: Any, columns: list[str] | None = None, filters: Any = None, **kwargs: Any) -> DataFrame:
    """Scan parquet files (a path, a directory, a glob or a list). Lazy.

    ``filters`` takes pyarrow's DNF form, ``[("x", ">", 3), ...]`` (AND) or a list
    of such lists (OR); they are pushed into the scan and skip row groups.
    """
    from shardframe._core import PyPlan

    paths = _expand(path)
    for p in paths:
        _check_parquet_footer(p)
    plan = PyPlan.scan_parquet(paths)
    frame = _frame(plan, columns)
    frame = _with_parquet_categories(frame, paths, [n for n, d in plan.schema() if d == "category"])
    if filters:
        frame = frame[_dnf_mask(frame, filters)]
    return frame


def _check_parquet_footer(path: str) -> None:
    """What pandas checks of a Parquet file before its data, and the scanner
    does not read: the Thrift footer, the Arrow schema stored in it and
    pandas' own metadata. A damaged one raises the exception pandas raises
    (pyarrow's, or a KeyError or JSONDecodeError from the pandas metadata),
    naming the file. Reads the footer only."""
    import pyarrow.parquet as pq

    from shardframe.exceptions import CorruptDataError

    try:
        pq.ParquetFile(path).schema_arrow.empty_table().to_pandas()
    except FileNotFoundError:
        raise
    except UnicodeDecodeError as e:
        raise UnicodeDecodeError(e.encoding, e.object, e.start, e.end, f"{e.reason} in the footer of '{path}'") from e
    except (OSError, ValueError) as e:  # pyarrow's, a JSONDecodeError
        raise CorruptDataError(f"'{path}' is not a valid Parquet file: {e}") from e
    except (KeyError, TypeError) as e:  # pandas' metadata without its keys
        raise type(e)(f"'{path}' has damaged pandas metadata: {e}") from e


def _with_parquet_categories(frame: DataFrame, paths: list[str], names: list[str]) -> DataFrame:
    """Categorical columns with the categories pandas reads: the union of
    every row group's dictionary, in file and row-group order, and the
    ordered flag of the stored type. Polars reads them as its own
    categoricals, whose order is not the file's. Only the categorical
    columns are read for this (their codes are small)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from shardframe import _categories

    names = [n for n in names if n in frame._cols]
    if not names:
        return frame
    categories: dict[str, dict[Any, None]] = {n: {} for n in names}  # ordered sets
    ordered: dict[str, bool] = {}
    for p in paths:
        f = pq.ParquetFile(p)
        present = [n for n in names if f.schema_arrow.get_field_index(n) >= 0]
        for g in range(f.num_row_groups if present else 0):
            group = f.read_row_group(g, columns=present)
            for n in present:
                kind = f.schema_arrow.field(n).type
                if not pa.types.is_dictionary(kind):
                    continue
                ordered.setdefault(n, kind.ordered)
                for chunk in group.column(n).chunks:
                    categories[n].update(dict.fromkeys(chunk.dictionary.to_pylist()))
    cols = dict(frame._cols)
    for n in names:
        dtype = pd.CategoricalDtype(list(categories[n]), ordered=ordered.get(n, False))
        labels = _categories.labels(dtype) if categories[n] else None
        if labels is not None:
            cols[n] = cols[n].fn("cast", dtype="str").fn("to_category", categories=labels, strict=True)
    return DataFrame._new(frame._plan, cols, frame._index)


def _dnf_mask(frame: DataFrame, filters: Any) -> Any:
    groups = filters if isinstance(filters[0], list) else [filters]
    out = None
    for group in groups:
        conj = None
        for name, op, value in group:
            s = frame[name]
            term = {
                "=": s.__eq__, "==": s.__eq__, "!=": s.__ne__, "<": s.__lt__, "<=": s.__le__,
                ">": s.__gt__, ">=": s.__ge__, "in": s.isin, "not in": lambda v, s=s: ~s.isin(v),
            }[op](value)
            conj = term if conj is None else conj & term
        out = conj if out is None else out | conj
    return out


def read_csv(
    filepath_or_buffer: Any,
    sep: str = ",",
    delimiter: str | None = None,
    header: int | None | str = "infer",
    names: Sequence[str] | None = None,
    index_col: Any = None,
    usecols: Sequence[str] | None = None,
    dtype: Any = None,
    parse_dates: Any = None,
    na_values: Any = None,
    nrows: int | None = None,
    skiprows: int | None = None,
    **kwargs: Any,
) -> DataFrame:
    """Scan CSV files with pandas' common options. Lazy.

    Text from a buffer (``io.StringIO``, an open file) and options the
    scanner does not take are read by pandas, announced as a fallback.

    Examples
    --------
    >>> import io, shardframe as sf
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(path, "w").write("k,v\\na,1\\nb,2\\n")
    >>> sf.read_csv(path, index_col="k").v.to_list()
    [1, 2]
    """
    from shardframe._core import PyPlan

    if nrows is not None and (not isinstance(nrows, int) or nrows < 0):
        raise ValueError("'nrows' must be an integer >=0")
    for kind in dtype.values() if isinstance(dtype, dict) else [] if dtype is None else [dtype]:
        _scannable_dtype(kind)  # pandas' nullable types raise: shardframe does not have them
    plain_skip = skiprows is None or isinstance(skiprows, int)
    native = (isinstance(filepath_or_buffer, (str, os.PathLike, list, tuple)) and not kwargs and plain_skip
              and header in ("infer", 0, None) and (dtype is None or isinstance(dtype, dict)))
    given = dict(sep=delimiter or sep, header=header, names=names, index_col=index_col, usecols=usecols,
                 dtype=dtype, parse_dates=parse_dates, na_values=na_values, nrows=nrows, skiprows=skiprows)
    if hasattr(filepath_or_buffer, "read") and not kwargs:
        return _from_buffer(read_csv, filepath_or_buffer, given)
    if not native:
        return _pandas_read("read_csv", filepath_or_buffer, kwargs, **given)
    paths = _expand(filepath_or_buffer)
    sep = delimiter or sep
    eol = _line_terminator(paths[0])
    skip = max(int(skiprows or 0), 0)
    fields = _csv_header(paths[0], sep, skip)
    if names is not None and len(set(names)) != len(names):
        raise ValueError("Duplicate names are not allowed.")
    has_header = header == "infer" and names is None or header == 0
    scannable = fields is not None and len(sep.encode()) == 1
    why, end = _csv_layout(paths, sep, eol, skip, has_header, nrows) if scannable else (None, None)
    if not scannable:
        why = "a header or separator the scanner reads otherwise"
    elif names is not None and len(names) != len(fields):
        why = "names that are not one per column"
    elif nrows == 0 or not _has_rows(paths[0], sep, skip + int(header in ("infer", 0))):
        why = "no rows (pandas types the columns object)"
    elif nrows is not None and len(paths) > 1:
        why = "nrows= over several files"
    elif isinstance(dtype, dict) and not all(_scannable_dtype(v) for v in dtype.values()):
        why = "dtypes the scanner does not read"
    if why:
        return _pandas_read("read_csv", filepath_or_buffer, kwargs, why=why, **given)
    if end is not None:
        # pandas reads (and types the columns from) the first nrows rows only;
        # the scanner parses in blocks: it reads a copy of those rows
        import io

        with open(paths[0], "rb") as f:
            return _from_buffer(read_csv, io.BytesIO(f.read(end)), {**given, "nrows": None}, os.path.basename(paths[0]))
    dtypes = [(k, _dtype_name(v)) for k, v in dtype.items()] if isinstance(dtype, dict) else []
    # categories of the values as read (pandas infers the categories' type)
    categories = {k: dtype[k] for k, kind in dtypes if kind == "category"}
    dtypes = [(k, kind) for k, kind in dtypes if kind != "category"]
    na = [na_values] if isinstance(na_values, (str, int, float)) else list(na_values or [])
    options = {
        "sep": sep, "has_header": bool(has_header), "names": list(names) if names else None,
        "dtypes": dtypes, "na_values": [*_PANDAS_NA, *_na_texts(na)], "skip_rows": skip,
        "n_rows": nrows, "try_parse_dates": False, "eol": eol,
    }
    plan = PyPlan.scan_csv(paths, dumps(options))
    frame = _frame(plan)
    if names is None:
        # pandas' names: numbered without a header, else the header's with
        # "Unnamed: i" for empty ones and ".1", ".2" after repeated ones
        frame.columns = range(len(fields)) if header is None else _pandas_header_names(fields)
    # a number in na_values also marks the values of a float column equal to it (-999.0 for -999)
    numbers = [f for f in (_as_float(v) for v in na) if f is not None and f == f]
    for name, kind in zip(frame.columns, (kind for _, kind in plan.schema()), strict=True):
        if numbers and kind.startswith("float"):
            frame[name] = frame[name].mask(frame[name].isin(numbers))
    for name, kind in categories.items():
        frame[name] = frame[name].astype(kind)
    _check_no_missing(frame, [(k, kind) for k, kind in dtypes if kind == "bool" or kind.startswith(("int", "uint"))])
    kinds = dict(zip(frame.columns, (kind for _, kind in plan.schema()), strict=True))
    if usecols is not None:
        frame = frame[_usecols(list(frame.columns), usecols)]
    if parse_dates:
        # pandas parses text columns; one it cannot parse (numbers) it leaves
        # as the file's text, which the scan no longer has
        if not isinstance(parse_dates, list) or any(kinds.get(n) != "str" for n in parse_dates):
            return _pandas_read("read_csv", filepath_or_buffer, kwargs, why="parse_dates of these columns", **given)
        from shardframe.tools import to_datetime

        for name in parse_dates:
            frame[name] = to_datetime(frame[name])
    if index_col is not None and index_col is not False:
        keys = index_col if isinstance(index_col, list) else [index_col]
        labels = [frame.columns[k] if isinstance(k, int) else k for k in keys]
        for label in labels:
            if label not in frame._cols:
                raise ValueError(f"Index {label} invalid")  # as pandas
        frame = frame.set_index(labels if isinstance(index_col, list) else labels[0])  # type: ignore[assignment]
        if names is None and header is not None and frame._index:
            # pandas leaves an index level from a column without a header name unnamed
            unnamed = {n for n, f in zip(_pandas_header_names(fields or []), fields or [], strict=True) if not f}
            frame = DataFrame._new(frame._plan, frame._cols,
                                   [(None if label in unnamed else label, e) for label, e in frame._index])
    return frame


def _line_terminator(path: str) -> str:
    """``"\\r"`` for a file with old Mac line endings (pandas reads them; the
    scanner is told), else ``"\\n"``, which also ends ``\\r\\n`` lines."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    return "\r" if b"\r" in head and b"\n" not in head else "\n"


def _check_no_missing(frame: DataFrame, columns: list[tuple[str, str]]) -> None:
    """pandas' ValueError for an integer or boolean ``dtype=`` column with
    missing values (reads those columns once, at the call)."""
    if not columns:
        return
    names = [name for name, _ in columns]
    missing = frame[names].isna().any()
    for name, kind in columns:
        if missing[name]:
            what = "Bool" if kind == "bool" else "Integer"
            raise ValueError(f"{what} column has NA values in column {list(frame.columns).index(name)}")


def _as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _na_texts(values: list[Any]) -> list[str]:
    """The texts pandas reads as missing for ``na_values``: each as written,
    and a whole number also as ``n`` and ``n.0``."""
    out = []
    for v in values:
        out.append(str(v))
        f = _as_float(v)
        if f is not None and f.is_integer():
            out += [str(int(f)), f"{int(f)}.0"]
    return list(dict.fromkeys(out))


def _csv_layout(paths: list[str], sep: str, eol: str, skip: int, header: bool,
                nrows: int | None) -> tuple[str | None, int | None]:
    """Check the records of each file as pandas' tokenizer does (one pass
    over the bytes): a record with more fields than expected or a quote open
    at the end raises pandas' ParserError; returns why the scanner would read
    the rows otherwise than pandas (an empty line, which pandas skips; a lone
    ``\\r`` among ``\\n`` line ends; a first row with more fields than the
    header, which pandas makes the index), or None; and with ``nrows``,
    where the rows read end in a file that has more."""
    from pandas.errors import ParserError

    from shardframe._core import csv_shape

    records = None if nrows is None else nrows + int(header)
    for path in paths:
        _, implicit_index, irregular, error, end = csv_shape(path, ord(sep), ord(eol), skip, header, records)
        if error:
            raise ParserError(f"{error} (in '{path}')")
        if irregular:
            return irregular, None
        if implicit_index:
            return "a first row with more fields than the header (pandas makes them the index)", None
    return None, end


def _has_rows(path: str, sep: str, after: int) -> bool:
    """Whether there is a record after the first ``after`` ones."""
    import csv

    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        rows = csv.reader(f, delimiter=sep, strict=False)
        try:
            for _ in range(after + 1):
                next(rows)
        except (StopIteration, csv.Error):
            return False
    return True


def _scannable_dtype(dtype: Any) -> bool:
    """Whether the scanner reads columns of ``dtype``; pandas' nullable
    types (``Int64``, ``boolean``), which shardframe does not have, raise."""
    try:
        _dtype_name(dtype)
    except TypeError as e:
        if "nullable" in str(e):
            raise
        return False
    except ValueError:
        return False
    return True


def _csv_header(path: str, sep: str, skip: int) -> list[str] | None:
    """The first record's fields after ``skip`` lines, parsed as pandas does
    (quotes, doubled quotes, a byte-order mark), or None when the separator
    is not one the scanner takes."""
    import csv

    if len(sep) != 1:
        return None
    with open(path, encoding="utf-8-sig", newline="") as f:
        for _ in range(skip):
            f.readline()
        rows = csv.reader(f, delimiter=sep, strict=False)
        try:
            return next(rows)
        except StopIteration:
            return []
        except csv.Error:
            return None
        except UnicodeDecodeError as e:
            raise UnicodeDecodeError(e.encoding, e.object, e.start, e.end, f"{e.reason} in the header of '{path}'") from e


def _pandas_header_names(fields: list[str]) -> list[str]:
    """Column names as pandas makes them from a header row."""
    names = [f or f"Unnamed: {i}" for i, f in enumerate(fields)]
    counts: dict[str, int] = {}
    # named columns keep their names before unnamed ones are numbered
    for i in sorted(range(len(names)), key=lambda i: not fields[i]):
        name = names[i]
        count = counts.get(name, 0)
        while count > 0:  # pandas' dedup: "a", "a.1", "a.2", skipping names taken
            counts[name] = count + 1
            name = f"{name}.{count}"
            count = counts.get(name, 0)
        names[i] = name
        counts[name] = count + 1
    return names


def _usecols(columns: list[Any], usecols: Any) -> list[Any]:
    """The columns ``usecols`` picks, in the file's order as in pandas."""
    wanted = list(usecols)
    if all(isinstance(u, int) and not isinstance(u, bool) for u in wanted):
        bad = [u for u in wanted if not -len(columns) <= u < len(columns)]
        if bad:
            from pandas.errors import ParserError

            raise ParserError(f"Defining usecols with out-of-bounds indices is not allowed. {bad} are out-of-bounds.")
        picked = {columns[u] for u in wanted}
    else:
        missing = [u for u in wanted if u not in columns]
        if missing:
            raise ValueError(f"Usecols do not match columns, columns expected but not found: {missing}")
        picked = set(wanted)
    return [c for c in columns if c in picked]


def _from_buffer(reader: Any, buffer: Any, given: dict[str, Any], name: str = "buffer") -> DataFrame:
    """``reader`` of the text in an open file or ``io.StringIO``: the engine
    scans a temporary copy (called ``name``: errors name it), read into the
    store at once (the copy is gone when this returns)."""
    import tempfile

    from shardframe._engine import collect

    data = buffer.read()
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="shardframe-") as tmp:
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(raw)
        frame = reader(path, **given)
        return frame._rebase(collect(frame._output_plan()))  # type: ignore[no-any-return]


def _pandas_read(reader: str, source: Any, kwargs: dict[str, Any], **given: Any) -> DataFrame:
    """pandas' ``reader`` on what the native scan does not take, announced."""
    import pandas as pd

    from shardframe._base import _wrap_result, announce_fallback

    why = given.pop("why", None) or ("a buffer" if not isinstance(source, (str, os.PathLike, list, tuple)) else (
        "options " + ", ".join(sorted(kwargs)) if kwargs else "these options"))
    announce_fallback(f"{reader} of {why}")
    return _wrap_result(getattr(pd, reader)(source, **given, **kwargs))  # type: ignore[no-any-return]


# pandas' default missing-value markers.
_PANDAS_NA = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
              "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]


def read_json(path: Any, lines: bool = False, nrows: int | None = None, dtype: Any = None, **kwargs: Any) -> DataFrame:
    """Read newline-delimited JSON (``lines=True``), its columns typed as
    pandas types them (which reads the data once, at the call). Other JSON
    layouts, options the scanner does not take, and values pandas keeps as
    Python objects (mixed types, lists, objects) or converts by guessing
    (dates in columns named like dates) are read by pandas, announced as a
    fallback."""
    from shardframe._core import PyPlan, json_profile

    if not lines or kwargs or not isinstance(path, (str, os.PathLike, list, tuple)) or not (
            dtype is None or isinstance(dtype, dict)):
        why = "JSON that is not lines=True" if not lines else None
        return _pandas_read("read_json", path, kwargs, why=why, lines=lines, nrows=nrows, dtype=dtype)
    if nrows is not None and (not isinstance(nrows, int) or isinstance(nrows, bool) or nrows < 0):
        raise ValueError("nrows must be an integer >=0")
    from shardframe._engine import collect

    paths = _expand(path)
    plan = PyPlan.scan_ndjson(paths)  # checks the text: encoding, nesting, huge integers
    if nrows == 0:
        return DataFrame()  # pandas reads no line, so no column either
    keys, rows, irregular = json_profile(paths, nrows)
    nested = [name for name, kind in keys if kind & (_JSON_ARRAY | _JSON_OBJECT)]
    if nested and not irregular:
        from shardframe.exceptions import NotSupportedError

        raise NotSupportedError(
            f"column {nested[0]!r} of {paths[0] if len(paths) == 1 else path} holds JSON arrays or objects, which "
            "shardframe does not keep as Python objects: flatten them (pandas.json_normalize) or read with pandas")
    given = dict(dtype or {})
    why = irregular or _json_untyped(keys, given, dict(plan.schema()))

    def through_pandas(why: str) -> DataFrame:
        if len(paths) != 1:
            raise ValueError(f"{why}: pandas reads such JSON one file at a time; read the files one by one")
        return _pandas_read("read_json", paths[0], {}, why=why, lines=True, nrows=nrows, dtype=dtype)

    if why:
        return through_pandas(why)
    kinds = dict(keys)
    frame = _frame(plan, list(kinds))
    if nrows is not None:
        frame = frame.head(rows)
    if given:
        # pandas converts the column it built from the values (an integer
        # column with missing values is float64 by then)
        frame = frame.astype({c: "float64" for c in given if kinds[c] == _JSON_INT | _JSON_NULL}).astype(given)
    # pandas types the columns from their values: read them once
    try:
        frame = frame._rebase(collect(frame._output_plan()))
    except (ValueError, TypeError) as e:
        if not given:
            raise
        return through_pandas(f"dtype= that pandas does not apply ({e})")
    return _json_types(frame, {c: k for c, k in kinds.items() if c not in given})


# The kinds of values shardframe_exec::json_profile reports, as bits.
_JSON_NULL, _JSON_BOOL, _JSON_INT, _JSON_FLOAT, _JSON_STRING, _JSON_ARRAY, _JSON_OBJECT = 1, 2, 4, 8, 16, 32, 64
# the engine's type of a column of values of those kinds
_JSON_ENGINE_TYPES = {_JSON_INT: "int64", _JSON_FLOAT: "float64", _JSON_INT | _JSON_FLOAT: "float64",
                      _JSON_STRING: "str", _JSON_BOOL: "bool"}

# Text that Python's float() reads (pandas converts a text column with it)
# and text that int() reads; `_` only between digits.
_DIGITS = r"[0-9](?:_?[0-9])*"
_FLOAT_TEXT = (rf"\s*[+-]?(?:(?:{_DIGITS})?\.{_DIGITS}(?:[eE][+-]?{_DIGITS})?|{_DIGITS}\.?(?:[eE][+-]?{_DIGITS})?"
               r"|(?i:inf|infinity|nan))\s*")
_INT_TEXT = rf"\s*[+-]?{_DIGITS}\s*"


def _json_untyped(keys: list[tuple[str, int]], given: dict[Any, Any], schema: dict[str, str]) -> str | None:
    """Why pandas would type the columns of ``keys`` (name, kind bits)
    otherwise than :func:`_json_types` does from the engine's columns of
    ``schema``, or None."""
    import io
    import json
    import warnings

    import pandas as pd

    from shardframe.frame import _dtype_name

    plain = tuple(_JSON_ENGINE_TYPES)
    for name, kind in keys:
        value = kind & ~_JSON_NULL
        lower = name.lower()
        if lower.endswith(("_at", "_time")) or lower in ("modified", "date", "datetime") or lower.startswith(
                "timestamp"):
            return f"column {name!r}, which pandas converts to dates"
        if value not in plain + ((0,) if name not in given else ()) or (
                name in given and kind == _JSON_BOOL | _JSON_NULL):
            return f"column {name!r}, whose values pandas keeps as Python objects"
        if name in given and value & _JSON_FLOAT and _dtype_name(given[name]) == "str":
            return f"column {name!r} as text: pandas writes the numbers as its JSON parser rounds them"
        if value and schema.get(name) != _JSON_ENGINE_TYPES[value]:
            # the engine typed the column from lines after those read (nrows=)
            return f"column {name!r}, whose values change type after the lines read"
    missing = [name for name in given if name not in dict(keys)]
    if missing:
        return f"dtype= for columns {missing} the file does not have"
    # pandas converts the column labels too (numbers, dates): it does so
    # from the labels alone, so a one-line document with them shows it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = [name for name, _ in keys]
        shown = pd.read_json(io.StringIO(json.dumps(dict.fromkeys(names)) + "\n"), lines=True).columns
    if list(shown) != names:
        return "column names pandas converts to numbers or dates"
    return None


def _json_types(frame: DataFrame, kinds: dict[str, int]) -> DataFrame:
    """The column types pandas' ``read_json`` gives (``dtype=True``) to the
    columns of ``kinds`` (name: the kind bits of its values), which
    :func:`_json_untyped` accepted: missing values make integers float64,
    booleans 1.0/0.0/NaN and an all-missing column float64; float columns
    of whole numbers without missing values become int64; text columns
    whose every value Python's float() reads become float64, int64 when
    every value is an integer int() reads."""
    checks: dict[str, Any] = {}
    for i, (c, kind) in enumerate(kinds.items()):
        s = frame[c]
        if kind & ~_JSON_NULL == _JSON_STRING:
            checks[f"t{i}"] = s.notna() & ~s.str.fullmatch(_FLOAT_TEXT).fillna(False)  # not a number
            whole = s.str.fullmatch(_INT_TEXT).fillna(False)
            checks[f"i{i}"] = whole & _plain_number(s, "int64").notna()  # beyond int64: not whole
        elif kind in (_JSON_FLOAT, _JSON_FLOAT | _JSON_INT):
            checks[f"i{i}"] = (s == s.round()) & s.ge(-(2.0**63)) & s.lt(2.0**63)
    counts: Any = {}
    if checks:
        counts = frame.assign(**checks)[list(checks)].sum()
        counts = counts.to_pandas() if hasattr(counts, "to_pandas") else counts
    rows = len(frame)
    out = frame.copy()
    for i, (c, kind) in enumerate(kinds.items()):
        if kind & ~_JSON_NULL == _JSON_STRING:
            if rows and counts.get(f"i{i}") == rows:
                out[c] = _plain_number(out[c], "int64")
            elif counts.get(f"t{i}") == 0:
                out[c] = _plain_number(out[c], "float64")
        elif kind in (_JSON_FLOAT, _JSON_FLOAT | _JSON_INT):
            if rows and counts.get(f"i{i}") == rows:
                out[c] = out[c].astype("int64")
        elif kind & _JSON_NULL and kind != _JSON_NULL | _JSON_STRING:
            out[c] = out[c].astype("float64")  # integers, booleans or nothing with missing values
    return out


def _plain_number(s: Any, dtype: str) -> Any:
    """Text read as Python reads numbers (blanks around, ``_`` between
    digits); what does not read is missing."""
    plain = s.str.strip().str.replace("_", "", regex=False)
    return plain._derive(plain._expr.fn("cast", dtype=dtype, strict=False))


def read_feather(path: Any, columns: list[str] | None = None, **kwargs: Any) -> DataFrame:
    """Read a Feather (Arrow IPC) file. Its data are checked before use: a
    corrupt file raises instead of crashing the interpreter."""
    import pyarrow as pa
    import pyarrow.feather as feather

    from shardframe._base import _wrap_result
    from shardframe.exceptions import CorruptDataError

    if kwargs:
        return _pandas_read("read_feather", path, kwargs, columns=columns)
    paths = _expand(path)
    if len(paths) != 1:
        raise ValueError(f"read_feather reads one file, got {len(paths)}")
    try:
        table = feather.read_table(paths[0], columns=columns, memory_map=False)
        table.validate(full=True)
    # (not ArrowNotImplementedError: a valid file of a type pyarrow cannot read is not corrupt)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowIndexError) as e:
        raise CorruptDataError(f"'{paths[0]}' is not a valid Feather file: {e}") from e
    return _wrap_result(table.to_pandas())  # type: ignore[no-any-return]
