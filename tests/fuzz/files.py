"""File mutants: a valid CSV, Parquet, JSON-lines or Arrow IPC file written
by pandas/pyarrow, mutated (byte-level and structure-aware), then read by
pandas and by shardframe with one family of reader options.

A case is ``(seed, index)``: everything about it (table, format, writer
options, mutations, reader options) is drawn from ``random.Random`` seeded
with both, so any finding replays from its two numbers
(``python tests/fuzz/fuzz.py --replay files:SEED:INDEX``).
"""

from __future__ import annotations

import csv
import io
import os
import random
from typing import Any

import pandas as pd
from common import classify

FORMATS = ("csv", "parquet", "jsonl", "ipc")

_WORDS = ["a", "b", "x y", "é", "naïve", "", "NA", "nan", "null", "True", "1", "-3.5", "1e10", '"q"',
          "a,b", "line\nbreak", "tab\there", "  pad ", "2024-01-02", "0x1F", "∞", "\\", "'", "#"]


def _table(rnd: random.Random) -> pd.DataFrame:
    n = rnd.choice([0, 1, 2, 3, 5, 8, 13, 40, 120, 300])
    cols: dict[str, Any] = {}
    names = ["a", "b", "c", "d", "e", "a b", "é", "x,y", 'q"t', "1", "Unnamed: 0"]
    for j in range(rnd.randint(1, 5)):
        name = names[j] if rnd.random() < 0.8 else rnd.choice(names)
        if name in cols:
            name = f"{name}{j}"
        kind = rnd.choice(["int", "float", "str", "bool", "date", "mixed"])
        if kind == "int":
            vals: Any = [rnd.randint(-10**rnd.choice([1, 3, 9, 18]), 10**rnd.choice([1, 3, 9, 18])) for _ in range(n)]
        elif kind == "float":
            vals = [rnd.choice([rnd.uniform(-1e6, 1e6), float("nan"), 0.1, -0.0, 1e300, float("inf")])
                    if rnd.random() < 0.3 else round(rnd.uniform(-100, 100), rnd.randint(0, 6)) for _ in range(n)]
        elif kind == "str":
            vals = pd.Series([rnd.choice(_WORDS) if rnd.random() < 0.9 else None for _ in range(n)], dtype="str")
        elif kind == "bool":
            vals = [rnd.random() < 0.5 for _ in range(n)]
        elif kind == "date":
            base = pd.Timestamp("2000-01-01")
            vals = [base + pd.Timedelta(days=rnd.randint(-20000, 20000), seconds=rnd.choice([0, rnd.randint(0, 86399)]))
                    for _ in range(n)]
        else:  # numbers and words in one column: text in every format
            vals = pd.Series([str(rnd.choice([rnd.randint(-9, 9), rnd.choice(_WORDS)])) for _ in range(n)], dtype="str")
        cols[name] = vals
    return pd.DataFrame(cols)


def _write(rnd: random.Random, fmt: str, df: pd.DataFrame) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes and the options a writer used that a reader must be told."""
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    if fmt == "csv":
        sep = rnd.choice([",", ",", ",", ";", "\t", "|"])
        quoting = rnd.choice([0, 0, 1, 2, 3])
        terminator = rnd.choice(["\n", "\n", "\r\n"])
        try:
            text = df.to_csv(index=False, sep=sep, lineterminator=terminator, quoting=quoting,
                             escapechar="\\" if quoting == 3 or rnd.random() < 0.1 else None)
        except csv.Error:  # QUOTE_NONE cannot write every table (an empty one-field row)
            text = df.to_csv(index=False, sep=sep, lineterminator=terminator)
        return text.encode("utf-8"), {"sep": sep}
    if fmt == "jsonl":
        return df.to_json(orient="records", lines=True, date_format="iso").encode("utf-8"), {}
    table = pa.Table.from_pandas(df, preserve_index=False)
    buf = io.BytesIO()
    if fmt == "parquet":
        pq.write_table(table, buf, row_group_size=rnd.choice([1, 7, 50, 1000]),
                       compression=rnd.choice(["snappy", "zstd", "none", "gzip", "lz4"]),
                       use_dictionary=rnd.random() < 0.5, write_statistics=rnd.random() < 0.8,
                       data_page_size=rnd.choice([64, 1024, 1 << 20]))
    else:
        feather.write_feather(table, buf, compression=rnd.choice(["uncompressed", "lz4", "zstd"]),
                              chunksize=rnd.choice([3, 64, 10000]))
    return buf.getvalue(), {}


# --- byte-level mutations ---------------------------------------------------

_TOKENS = [b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b"{", b"}", b"[", b"]", b":", b"\xff\xfe", b"\xef\xbb\xbf",
           b"9" * 40, b"-", b"e", b".", b"NaN", b"\\", b"\t", b";", b"\xc3", b"null", b"true", b'""']


def _flip(rnd: random.Random, data: bytearray, lo: int = 0) -> None:
    if len(data) > lo:
        i = rnd.randrange(lo, len(data))
        data[i] ^= 1 << rnd.randrange(8)


def _mutate_bytes(rnd: random.Random, data: bytearray) -> str:
    op = rnd.choice(["truncate", "flip", "flip", "insert", "delete", "duplicate", "overwrite"])
    n = len(data)
    if n == 0:
        data.extend(rnd.choice(_TOKENS))
        return "insert-into-empty"
    i = rnd.randrange(n)
    if op == "truncate":
        del data[i:]
    elif op == "flip":
        _flip(rnd, data)
    elif op == "insert":
        data[i:i] = rnd.choice(_TOKENS) * rnd.choice([1, 1, 2, 100])
    elif op == "delete":
        del data[i:i + rnd.randint(1, 16)]
    elif op == "duplicate":
        j = min(n, i + rnd.randint(1, 64))
        data[j:j] = data[i:j]
    else:
        data[i:i + 4] = bytes(rnd.randrange(256) for _ in range(4))
    return op


# --- structure-aware mutations ----------------------------------------------

def _mutate_csv(rnd: random.Random, data: bytearray, sep: str) -> str:
    text = data.decode("utf-8", "replace")
    lines = text.split("\n")
    op = rnd.choice(["header-dup", "header-empty", "header-quote", "extra-field", "missing-field", "cr-only",
                     "blank-lines", "open-quote", "bom", "comment-line", "trailing-sep", "long-field", "nul"])
    if op == "header-dup" and lines and sep in lines[0]:
        first = lines[0].split(sep)
        first[-1] = first[0]
        lines[0] = sep.join(first)
    elif op == "header-empty" and lines:
        lines[0] = sep + lines[0]
    elif op == "header-quote" and lines:
        lines[0] = '"a""b"' + sep + lines[0]
    elif op == "extra-field" and len(lines) > 1:
        k = rnd.randrange(1, len(lines))
        lines[k] += sep + "extra"
    elif op == "missing-field" and len(lines) > 1:
        k = rnd.randrange(1, len(lines))
        lines[k] = lines[k].rsplit(sep, 1)[0]
    elif op == "cr-only":
        _set(data, "\r".join(ln.rstrip("\r") for ln in lines).encode("utf-8"))
        return op
    elif op == "blank-lines" and len(lines) > 1:
        k = rnd.randrange(1, len(lines))
        lines.insert(k, "")
    elif op == "open-quote" and len(lines) > 1:
        k = rnd.randrange(1, len(lines))
        lines[k] = '"' + lines[k]
    elif op == "bom":
        lines[0] = "\ufeff" + lines[0]
    elif op == "comment-line":
        lines.insert(rnd.randrange(len(lines) + 1), "# a comment")
    elif op == "trailing-sep":
        lines = [ln + sep if ln else ln for ln in lines]
    elif op == "long-field" and len(lines) > 1:
        lines[1] = "x" * rnd.choice([1000, 200_000]) + lines[1]
    elif op == "nul" and lines:
        k = rnd.randrange(len(lines))
        lines[k] = lines[k][: len(lines[k]) // 2] + "\x00" + lines[k][len(lines[k]) // 2:]
    _set(data, "\n".join(lines).encode("utf-8"))
    return op


def _set(data: bytearray, new: bytes) -> bool:
    data[:] = new
    return True


def _mutate_jsonl(rnd: random.Random, data: bytearray) -> str:
    lines = data.decode("utf-8", "replace").split("\n")
    op = rnd.choice(["deep-list", "deep-object", "dup-key", "late-key", "type-change", "not-object", "blank",
                     "huge-number", "escape", "truncate-line"])
    k = rnd.randrange(len(lines))
    if op == "deep-list":
        depth = rnd.choice([10, 100, 1000, 20_000])
        lines.insert(k, '{"a": ' + "[" * depth + "1" + "]" * depth + "}")
    elif op == "deep-object":
        depth = rnd.choice([10, 100, 2000])
        lines.insert(k, '{"a": ' + '{"b": ' * depth + "1" + "}" * depth + "}")
    elif op == "dup-key":
        lines.insert(k, '{"a": 1, "a": 2}')
    elif op == "late-key":
        lines.append('{"zz_late": 7}')
    elif op == "type-change":
        lines.insert(k, '{"a": "text", "b": [1, 2]}')
    elif op == "not-object":
        lines.insert(k, rnd.choice(["[1, 2]", "3", '"s"', "null"]))
    elif op == "blank":
        lines.insert(k, "")
    elif op == "huge-number":
        lines.insert(k, '{"a": ' + "9" * rnd.choice([20, 400]) + "}")
    elif op == "escape":
        lines.insert(k, '{"a": "\\ud800\\u0000\\x"}')
    else:
        lines[k] = lines[k][: len(lines[k]) // 2]
    _set(data, "\n".join(lines).encode("utf-8"))
    return op


def _mutate_binary(rnd: random.Random, data: bytearray, fmt: str) -> str:
    """Parquet and IPC: the footer (metadata) and page/message headers are
    where a flipped bit changes structure rather than a value."""
    n = len(data)
    op = rnd.choice(["footer-flip", "footer-truncate", "magic", "length", "middle-flip"])
    if op == "footer-flip" and n > 8:
        _flip(rnd, data, max(0, n - rnd.choice([16, 64, 512])))
    elif op == "footer-truncate" and n > 8:
        del data[n - rnd.randint(1, min(n, 600)):]
    elif op == "magic":
        data[:4] = b"PAR2" if fmt == "parquet" else b"ARRX"
    elif op == "length" and n > 8:
        # the footer length (parquet) / a message length (ipc) set to garbage
        at = n - 8 if fmt == "parquet" else 8
        data[at:at + 4] = rnd.choice([b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00", b"\x10\x00\x00\x00"])
    else:
        _flip(rnd, data, n // 4)
    return op


# --- reader options -----------------------------------------------------------

def _csv_options(rnd: random.Random, df: pd.DataFrame, sep: str) -> dict[str, Any]:
    opts: dict[str, Any] = {"sep": sep} if sep != "," or rnd.random() < 0.2 else {}
    family = rnd.choice(["plain", "plain", "header", "names", "usecols", "dtype", "na", "rows", "index", "dates"])
    cols = list(df.columns)
    if family == "header":
        opts["header"] = rnd.choice([None, 0, 1, 2, 5])
    elif family == "names":
        opts["names"] = [f"n{i}" for i in range(rnd.choice([1, len(cols), len(cols) + 1]))]
        opts["header"] = rnd.choice([0, None])
    elif family == "usecols" and cols:
        opts["usecols"] = rnd.sample(cols, rnd.randint(1, len(cols))) + (["missing"] if rnd.random() < 0.1 else [])
    elif family == "dtype" and cols:
        opts["dtype"] = {rnd.choice(cols): rnd.choice(["int64", "float64", "str", "bool", "Int64", "category"])}
    elif family == "na":
        opts["na_values"] = rnd.choice([["x y"], ["1"], [0], "a", ["", "é"]])
    elif family == "rows":
        opts[rnd.choice(["nrows", "skiprows"])] = rnd.choice([0, 1, 3, 100, -1])
    elif family == "index" and cols:
        opts["index_col"] = rnd.choice([0, cols[0], cols[-1]])
    elif family == "dates" and cols:
        opts["parse_dates"] = [rnd.choice(cols)]
    return opts


def _options(rnd: random.Random, fmt: str, df: pd.DataFrame, written: dict[str, Any]) -> dict[str, Any]:
    cols = list(df.columns)
    if fmt == "csv":
        return _csv_options(rnd, df, written.get("sep", ","))
    if fmt == "jsonl":
        opts: dict[str, Any] = {"lines": True}
        family = rnd.choice(["plain", "plain", "nrows", "dtype"])
        if family == "nrows":
            opts["nrows"] = rnd.choice([1, 2, 50])
        elif family == "dtype" and cols:
            opts["dtype"] = {rnd.choice(cols): rnd.choice(["int64", "float64", "str"])}
        return opts
    if fmt == "parquet" and cols and rnd.random() < 0.3:
        return {"columns": rnd.sample(cols, rnd.randint(1, len(cols)))}
    if fmt == "ipc" and cols and rnd.random() < 0.3:
        return {"columns": rnd.sample(cols, rnd.randint(1, len(cols)))}
    return {}


# --- the case ----------------------------------------------------------------

def make(seed: int, index: int) -> tuple[str, bytes, dict[str, Any], list[str]]:
    """The format, the file's bytes, the reader options and the mutations."""
    rnd = random.Random(f"files:{seed}:{index}")
    fmt = FORMATS[index % len(FORMATS)] if rnd.random() < 0.9 else rnd.choice(FORMATS)
    df = _table(rnd)
    raw, written = _write(rnd, fmt, df)
    data = bytearray(raw)
    done: list[str] = []
    for _ in range(rnd.choice([0, 1, 1, 1, 2, 3])):
        if rnd.random() < 0.5:
            done.append(_mutate_bytes(rnd, data))
        elif fmt == "csv":
            done.append(_mutate_csv(rnd, data, written.get("sep", ",")))
        elif fmt == "jsonl":
            done.append(_mutate_jsonl(rnd, data))
        else:
            done.append(_mutate_binary(rnd, data, fmt))
    return fmt, bytes(data), _options(rnd, fmt, df, written), done


_READERS = {"csv": "read_csv", "parquet": "read_parquet", "jsonl": "read_json", "ipc": "read_feather"}
_SUFFIX = {"csv": ".csv", "parquet": ".parquet", "jsonl": ".jsonl", "ipc": ".arrow"}


def run(seed: int, index: int, workdir: str) -> tuple[str, str]:
    import shardframe as sf

    fmt, data, opts, _ = make(seed, index)
    path = os.path.join(workdir, "case" + _SUFFIX[fmt])
    with open(path, "wb") as f:
        f.write(data)
    try:
        reader = _READERS[fmt]
        return classify(lambda: getattr(pd, reader)(path, **opts), lambda: getattr(sf, reader)(path, **opts))
    finally:
        os.remove(path)


def describe(seed: int, index: int) -> str:
    fmt, data, opts, done = make(seed, index)
    head = data[:160]
    return (f"{fmt} ({len(data)} bytes, mutations {done or 'none'}) read with {opts}; "
            f"starts {head!r}{'...' if len(data) > 160 else ''}")


def write_case(seed: int, index: int, directory: str) -> str:
    """The case's file saved for a regression test; its path."""
    fmt, data, _, _ = make(seed, index)
    path = os.path.join(directory, f"files-{seed}-{index}{_SUFFIX[fmt]}")
    with open(path, "wb") as f:
        f.write(data)
    return path

