"""Hostile and careless input: clear errors, no crash, no lost data (issue 17's findings)."""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pandas as pd
import pytest

import shardframe as sf
from conftest import Maker, assert_same, check


@pytest.mark.parametrize("layout", ["one", "many"])
def test_long_chains_of_operations(layout):
    """Deeper than the engine's JSON reader nests (128) and than its planner
    recurses safely: computed part way, never an error or a crash."""
    def chain(d):
        d = d.copy()
        for _ in range(200):
            d["x"] = d["x"] * 1.001
        mask = d["x"] > 0
        for i in range(200):
            mask = mask & (d["x"] > -i)
        return d[mask]
    # (10 s a layout: every step after the first computed part aligns two plans; issue 19)
    check(pd.DataFrame({"x": [1.0, 2.0, -3.0], "y": [1, 2, 3]}), Maker(layout, "zstd"), chain)


def test_a_nul_byte_in_a_column_name_is_a_value_error():
    df = sf.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match="NUL"):
        df["x\x00y"] = 1
    with pytest.raises(ValueError, match="NUL"):
        sf.DataFrame({"a\x00": [1]})


@pytest.mark.parametrize("fn", [
    lambda d: d.s / 2, lambda d: d.t > 1, lambda d: ~d.f, lambda d: d.s - d.s, lambda d: d.t * 2,
    lambda d: d.s < 1, lambda d: d.f & d.f, lambda d: d.t + d.t, lambda d: d.i.astype("int64"),
    lambda d: d.f.astype("int64"),
])
def test_operations_pandas_refuses_raise_its_type(make, fn):
    check(pd.DataFrame({"s": pd.Series(["a", "b"], dtype="str"), "t": pd.to_datetime(["2020-01-01", "2020-01-02"]),
                        "f": [1.5, np.nan], "i": [1, 2]}), make, fn)


def test_comparing_naive_datetimes_with_an_aware_timestamp():
    s = sf.Series(pd.to_datetime(["2020-01-01"]))
    with pytest.raises(TypeError):
        _ = s > pd.Timestamp("2020-01-01", tz="UTC")


def test_renames_and_relabels_never_drop_a_column():
    df = sf.DataFrame({"a": [1], "b": [2]})
    with pytest.raises(ValueError, match="duplicate"):
        df.rename(columns={"a": "b"})
    with pytest.raises(ValueError, match="duplicate"):
        df.columns = ["x", "x"]
    assert list(df.columns) == ["a", "b"]


def test_loc_enlargement_adds_the_row(make):
    def grow(d):
        d = d.copy()
        d.loc["new", "a"] = 9
        return d
    check(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}, index=["x", "y"]), make, grow)


def test_a_column_named_like_an_internal_one(make):
    pdf = pd.DataFrame({"__mask__": [1, 2, 3], "__pos__": [4, 5, 6]})
    check(pdf, make, lambda d: d[d["__mask__"] > 1])
    check(pdf, make, lambda d: d[pd.Series([True, False, True]) if isinstance(d, pd.DataFrame)
                                 else sf.Series([True, False, True])])


def test_eval_never_reaches_modules(tmp_path):
    df = sf.DataFrame({"a": [1, 2]})
    marker = tmp_path / "pwned"
    with pytest.raises(Exception):  # noqa: B017, PT011 - refused, whatever the type
        df.eval(f"@inspect.os.system('touch {marker}')")
    with pytest.raises(Exception):  # noqa: B017, PT011
        sf.eval(f"@inspect.os.system('touch {marker}')")
    assert not marker.exists()
    limit = 1  # noqa: F841 - read by the expression
    assert df.query("a > @limit").a.to_list() == [2]
    assert df.eval("b = a * 2").b.to_list() == [2, 4]


def test_read_csv_options_pandas_refuses(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n2,y\n0,z\n")
    with pytest.raises(ValueError, match="nrows"):
        sf.read_csv(path, nrows=-1)
    assert_same(pd.read_csv(path, skiprows=-1), sf.read_csv(path, skiprows=-1))
    assert_same(pd.read_csv(path, na_values=[0]), sf.read_csv(path, na_values=[0]))


def test_a_file_whose_name_has_glob_characters(tmp_path):
    path = tmp_path / "data[1]*.csv"
    path.write_text("a\n1\n")
    assert sf.read_csv(str(path)).a.to_list() == [1]


def test_writes_leave_no_partial_file_and_name_the_target(tmp_path):
    df = sf.DataFrame({"a": [1, 2]})
    target = tmp_path / "out.parquet"
    df.to_parquet(target)
    assert sorted(os.listdir(tmp_path)) == ["out.parquet"]
    with pytest.raises(TypeError, match="row_group_sizes"):
        df.to_parquet(target, row_group_sizes=3)
    # a stale temporary file of a process that is gone is removed by the next write
    stale = tmp_path / ".out.parquet.999999999.partial"
    stale.write_bytes(b"half")
    df.to_parquet(target)
    assert sorted(os.listdir(tmp_path)) == ["out.parquet"]
    # a directory read skips hidden and underscore files
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / ".tmp.partial").write_bytes(b"junk")
    assert sf.read_parquet(str(tmp_path)).a.to_list() == [1, 2]


def test_a_corrupt_parquet_footer_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"a": range(100)}).to_parquet(path)
    data = bytearray(path.read_bytes())
    for i in range(len(data) - 40, len(data) - 8):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(Exception) as info:  # noqa: PT011 - a clean error, whatever pandas would say
        sf.read_parquet(str(path)).to_pandas()
    assert isinstance(info.value, Exception)  # not a BaseException such as pyo3's PanicException
    assert "bad.parquet" in str(info.value)


# --- readers (issue 17; the fuzzing campaign, tests/fuzz) ----------------------

REGRESSIONS = os.path.join(os.path.dirname(__file__), "fuzz", "regressions")


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


@pytest.mark.parametrize("line", [
    '{"a": ' + "[" * 200_000 + "1" + "]" * 200_000 + "}",   # segfaulted
    '{"a": ' + '{"b": ' * 2_000 + "1" + "}" * 2_000 + "}",   # took 23 GB
])
def test_deeply_nested_json_is_a_value_error_naming_the_line(tmp_path, line):
    path = _write(tmp_path, "deep.jsonl", '{"a": 1}\n' + line + "\n")
    with pytest.raises(ValueError, match=r"deep.jsonl, line 2: JSON nested deeper than 64 levels"):
        sf.read_json(path, lines=True).to_pandas()


@pytest.mark.parametrize("number, what", [
    ("99999999999999999999", "big!"), ("1" + "0" * 30, "big!"), ("-123456789012345678901", "small"),
    ("-9223372036854775809", "small"), ("12345678901234567890123.5", "big!"), ("-99999999999999999999e3", "small"),
])
def test_json_numbers_beyond_64_bits_are_refused_as_in_pandas(tmp_path, number, what):
    # pandas' parser refuses an integer part beyond 64 bits, with or without a fraction
    path = _write(tmp_path, "big.jsonl", '{"a": 1.5e300, "b": "99999999999999999999"}\n{"a": ' + number + "}\n")
    with pytest.raises(ValueError, match=f"Value is too {what}"):
        pd.read_json(path, lines=True)
    with pytest.raises(ValueError, match=f"big.jsonl, line 2: Value is too {what}"):
        sf.read_json(path, lines=True)


@pytest.mark.parametrize("values", [
    [1, 2], [1, None], [1.5, None], [1.0, 2.0], [1e300, 1.0], [True, False], [True, None], [None, None],
    ["5", "-4"], ["5", None], ["5.0", "2"], ["1_000", "2"], [" 5", "+2"], ["inf", "nan"], ["Infinity", "2"],
    ["0x10", "1"], ["1e5", "2"], ["", "1"], ["1.5", "x"], ["a", None], ["99999999999999999999", "1"],
    [9223372036854775807, 1],
])
@pytest.mark.parametrize("absent", [False, True])
def test_json_lines_columns_typed_as_pandas_types_them(tmp_path, values, absent):
    # pandas builds a frame of the parsed objects, then converts each column:
    # text of numbers to numbers, whole floats to integers, missing values
    # (null or an absent key) make integers and booleans float64
    rows = [{"a": v, "b": i} for i, v in enumerate(values)] + ([{"b": 9}] if absent else [])
    path = _write(tmp_path, "t.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert_same(pd.read_json(path, lines=True), sf.read_json(path, lines=True))


@pytest.mark.parametrize("text, kwargs", [
    ('{"1": 1, "2": 2}\n', {}),                                  # labels pandas makes numbers
    ('{"created_at": 1700000000, "b": 1}\n', {}),                # a column pandas makes dates
    ('{"a": 1, "a": 2}\n', {}),                                  # a repeated key: pandas keeps the last
    ('{"a": true, "b": 1}\n{"a": "x", "b": 2}\n', {"nrows": 1}),  # the type changes after the lines read
    ('{"a": -47.732908}\n{"a": 0.1}\n', {"dtype": {"a": "str"}}),  # pandas' parser rounds the numbers
    ('{"a": true}\n{"a": 5}\n', {}), ('{"a": 5}\n{"a": "-4"}\n', {}),  # mixed types: Python objects
    ('{"a": 18446744073709551615}\n', {}),                      # uint64
])
def test_json_lines_pandas_reads_otherwise_go_through_pandas_announced(tmp_path, text, kwargs):
    path = _write(tmp_path, "t.jsonl", text)
    with sf.option_context("fallback", "warn"), pytest.warns(sf.FallbackWarning):
        got = sf.read_json(path, lines=True, **kwargs)
    assert_same(pd.read_json(path, lines=True, **kwargs), got)


@pytest.mark.parametrize("text", ['{"a": [1, 2]}\n{"a": null}\n', '{"a": {"b": 1}}\n{"b": 1}\n'])
def test_json_lines_nested_values_are_refused(tmp_path, text):
    # pandas keeps them as Python lists and dicts, which shardframe columns do not hold
    path = _write(tmp_path, "t.jsonl", text)
    with pytest.raises(NotImplementedError, match="column 'a' of .*t.jsonl holds JSON arrays or objects"):
        sf.read_json(path, lines=True)


def test_json_lines_options_and_late_keys(tmp_path):
    rows = [{"a": i, "b": i / 2} for i in range(150)] + [{"a": 150, "b": 1.0, "late": "x"}]
    path = _write(tmp_path, "t.jsonl", pd.DataFrame(rows).to_json(orient="records", lines=True))
    for kwargs in ({}, {"nrows": 3}, {"dtype": {"a": "float64"}}, {"nrows": 0}):
        assert_same(pd.read_json(path, lines=True, **kwargs), sf.read_json(path, lines=True, **kwargs))
    with pytest.raises(ValueError):
        sf.read_json(path, lines=True, nrows=-1)


@pytest.mark.parametrize("text, kwargs", [
    ("a,b\r1,2\r3,4\r", {}),                      # old Mac line ends: read as one line
    ("a,b\n1,2\n\n3,4\n", {}),                    # a blank line: read as a row of NaN
    ("a,b\r\n1,2\r3,4\r\n", {}),                  # a lone CR among CRLF
    ('"a""b",c\n1,2\n', {}),                      # a doubled quote in the header
    (",a,,a\n1,2,3,4\n", {}),                     # empty and repeated names
    ("x\n" * 6 + "a,b\n1,2\n", {"header": 5}),
    ("a,b\n1,2\n3,", {}),                         # truncated in the last row
    ("a,b\n", {}),                                # a header, no rows
    ("a,b,c\n1,,x\n2,,y\n", {}),                  # a column without values
    ("a,b\n1,2\n3,4\n", {"usecols": ["b", "a"]}),
    ("a,b\n1.5,x\n2.5,y\n", {"parse_dates": ["a"]}),
])
def test_csv_reads_as_pandas_reads(tmp_path, text, kwargs):
    path = _write(tmp_path, "t.csv", text)
    with sf.option_context("fallback", "warn"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fallbacks and pandas' own warnings
        expected = pd.read_csv(path, **kwargs)
        got = sf.read_csv(path, **kwargs)
    assert len(got) == len(expected)
    assert_same(expected, got)


def test_csv_usecols_that_do_not_match_is_pandas_value_error(tmp_path):
    path = _write(tmp_path, "t.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match="Usecols do not match columns"):
        sf.read_csv(path, usecols=["a", "missing"])
    with pytest.raises(ValueError, match="Duplicate names"):
        sf.read_csv(path, names=["x", "x"])


def test_text_that_is_not_utf8_is_a_unicode_decode_error(tmp_path):
    csv_path = _write(tmp_path, "t.csv", b"a,b\n1,caf\xe9\n")
    json_path = _write(tmp_path, "t.jsonl", b'{"a": "caf\xe9"}\n')
    with pytest.raises(UnicodeDecodeError, match="t.csv"):
        sf.read_csv(csv_path).to_pandas()
    with pytest.raises(UnicodeDecodeError):
        sf.read_json(json_path, lines=True).to_pandas()


def test_a_corrupt_parquet_file_is_os_error_and_value_error(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": range(100)}).to_parquet(path)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF  # in the footer
    path.write_bytes(bytes(data))
    for cls in (OSError, ValueError):
        with pytest.raises(cls, match="t.parquet"):
            sf.read_parquet(str(path)).to_pandas()


@pytest.mark.parametrize("name", sorted(os.listdir(REGRESSIONS)))
def test_fuzz_regressions_raise_cleanly(name):
    """Files the fuzzing campaign found crashing the interpreter (Feather
    files whose offsets pyarrow did not check) or panicking in the engine's
    Parquet reader (an InternalError): a clean error of pandas' classes."""
    reader = {".arrow": sf.read_feather, ".parquet": sf.read_parquet}[os.path.splitext(name)[1]]
    with pytest.raises((OSError, ValueError)):
        reader(os.path.join(REGRESSIONS, name)).to_pandas()


def test_a_quote_open_at_the_end_of_a_typed_csv_is_a_clean_error(tmp_path):
    """The CSV reader panicked (a slice out of range) on this file."""
    path = _write(tmp_path, "t.csv", b'"a"\n"3"\n"-828475117"\n"-536665837460060610"\n"534406154786828665"\n"7"\n"')
    with pytest.raises(ValueError):
        sf.read_csv(path, dtype={"a": "int64"}).to_pandas()


def test_a_dataset_directory_write_puts_its_success_marker_last(tmp_path):
    pdf = pd.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]})
    with sf.option_context("fallback", "warn"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf.DataFrame(pdf).to_parquet(str(tmp_path / "d"), partition_cols=["k"])
    assert (tmp_path / "d" / "_SUCCESS").exists()
    back = sf.read_parquet(str(tmp_path / "d")).to_pandas()  # the marker is not read as data
    assert sorted(back["v"]) == [1, 2, 3]


@pytest.mark.parametrize("method", ["cumsum", "cumprod", "cummax", "cummin", "sum", "prod", "mean", "median",
                                    "std", "var", "min", "max", "any", "all", "idxmin", "idxmax", "shift",
                                    "pct_change", "ffill", "bfill"])
def test_a_series_has_no_axis_1(method):
    """pandas raises ValueError; these methods ignored the argument."""
    for s in (pd.Series([1.0, 2.0]), sf.Series([1.0, 2.0])):
        with pytest.raises(ValueError, match="No axis named 1 for object type Series"):
            getattr(s, method)(axis=1)


@pytest.mark.parametrize("method", ["cumsum", "cumprod", "cummax", "cummin", "shift", "diff", "ffill", "rank"])
def test_frame_methods_across_the_columns(make, method):
    """axis=1 works along each row as in pandas (through pandas, announced);
    the cumulative methods ignored it and ran down the columns."""
    pdf = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [4.0, 5.0, np.nan], "c": [7.0, 8.0, 9.0]})
    with sf.option_context("fallback", "warn"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(pdf, make, lambda d: getattr(d, method)(axis=1))


@pytest.mark.parametrize("text", [
    "a,b\n1,2\n3,4,5\n",              # a row with more fields than the header
    "a,b,c\n1\n2,3,4,5\n",
    'a,b\n1,"x\n',                      # a quote open at the end
    'a,b\n1,"x""\n',
])
@pytest.mark.parametrize("kwargs", [{}, {"header": None}, {"names": ["x", "y"]}])
def test_csv_records_pandas_refuses_raise_its_parser_error(tmp_path, text, kwargs):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(pd.errors.ParserError) as expected:
        pd.read_csv(path, **kwargs)
    with pytest.raises(pd.errors.ParserError, match="bad.csv") as got:
        sf.read_csv(path, **kwargs).to_pandas()
    assert str(expected.value).split(".")[1].strip() in str(got.value)  # the same C error, line and count


@pytest.mark.parametrize("text, kwargs", [
    ("a,b\n1,2\n3,4,5\n", {"nrows": 1}),            # the long row is past the rows read
    ("a,b\n1,2\nx,y\n", {"nrows": 1}),              # types from the rows read
    ("a,b\n1,2,3\n4,5,6\n", {}),                   # more fields than the header: an index
    ('a,b\n1,x"y\n2,3\n', {}),                      # a quote inside an unquoted field is text
    ("a,b\n0,1\n0.0,1.0\n-0,1.5\n", {"na_values": [0]}),  # 0 also as 0.0
    ("a,b\n0,1\n0.0,1.0\n-0,1.5\n", {"na_values": ["1"]}),
    (",a,\n0,1,2\n3,4,5\n", {"index_col": 0}),     # an index from a column without a name is unnamed
    (",a,\n0,1,2\n3,4,5\n", {"index_col": [0, "a"]}),
    ("a,b\nx,1\ny,2\nx,3\n", {"dtype": {"a": "category", "b": "category"}}),
    ("a,b\n1,2\n", {"nrows": 0}),
])
def test_csv_read_as_pandas_reads_it(tmp_path, text, kwargs):
    path = _write(tmp_path, "t.csv", text)
    with sf.option_context("fallback", "warn"), warnings.catch_warnings():
        warnings.simplefilter("ignore", sf.FallbackWarning)
        assert_same(pd.read_csv(path, **kwargs), sf.read_csv(path, **kwargs))


@pytest.mark.parametrize("dtype, message", [({"a": "int64"}, "Integer"), ({"b": "bool"}, "Bool")])
def test_csv_integer_or_bool_dtype_with_missing_values_is_pandas_value_error(tmp_path, dtype, message):
    path = _write(tmp_path, "t.csv", "a,b\n1,True\n,False\n3,\n")
    with pytest.raises(ValueError, match=f"{message} column has NA values in column"):
        pd.read_csv(path, dtype=dtype)
    with pytest.raises(ValueError, match=f"{message} column has NA values in column"):
        sf.read_csv(path, dtype=dtype)
    with pytest.raises(TypeError, match="nullable"):
        sf.read_csv(path, dtype={"a": "Int64"})


@pytest.mark.parametrize("metadata", [b"{not json", b'{"columns": [{"name": "a"}], "index_columns": []}'])
def test_parquet_with_damaged_pandas_metadata_raises_as_pandas_does(tmp_path, metadata):
    # pyarrow refuses the pandas metadata before any data; the scanner does not read it
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = str(tmp_path / "meta.parquet")
    table = pa.table({"a": [1, 2]}).replace_schema_metadata({b"pandas": metadata})
    pq.write_table(table, path)
    with pytest.raises(Exception) as expected:  # noqa: PT011 - whatever pandas raises
        pd.read_parquet(path)
    builtin = next(c for c in type(expected.value).__mro__ if c.__module__ == "builtins")
    with pytest.raises(builtin, match="meta.parquet"):
        sf.read_parquet(path)


_VALIDATED = [
    lambda d: d["b"].nlargest(2, keep="x"),                 # keep checked first
    lambda d: d["c"].nlargest(2),                            # categories refused
    lambda d: d.nsmallest(2, "c"),
    lambda d: d["b"].nlargest(2),                            # booleans are ordered
    lambda d: d["b"].cumsum(),                               # counts (int64)
    lambda d: d["b"].cumprod(),
    lambda d: d["i"].quantile(-0.1, interpolation="nearest"),
    lambda d: d["i"].quantile([0.5, 1.5]),
    lambda d: d["i"].sort_values(ascending="yes"),
    lambda d: d.sort_index(ascending=None),
    lambda d: d.sort_values("i", ascending=[1]),
    lambda d: d["i"].astype("int32", errors="bogus"),
    lambda d: d.astype("int32", errors="bogus"),
    lambda d: d["i"].idxmax(axis=None),
    lambda d: d["s"].abs(),
    lambda d: d["c"].abs(),
    lambda d: d["b"].where([True]),
    lambda d: d["b"].mask(d[["b"]]),
    lambda d: d["b"].fillna(-2),                             # no missing value: the booleans stay
    lambda d: d.groupby("i")[["s"]].median(),
    lambda d: d.groupby("i")[["s"]].transform("median"),
    lambda d: d.groupby("i")[["c"]].agg("sum"),
    lambda d: sf.concat([1]) if isinstance(d, sf.DataFrame) else pd.concat([1]),
]


@pytest.mark.parametrize("fn", _VALIDATED)
def test_arguments_and_types_pandas_refuses_raise_its_error(make, fn):
    pdf = pd.DataFrame({"i": [3, 1, 2, 1], "b": [True, False, True, True], "s": ["x", "y", "z", "x"],
                        "c": pd.Categorical(["u", "v", "u", "v"])})
    check(pdf, make, fn)


@pytest.mark.parametrize("op", ["floordiv", "mod"])
def test_float_floor_division_and_modulo_with_infinities_as_numpy(make, op):
    inf = float("inf")
    pdf = pd.DataFrame({"a": [inf, -inf, 0.0, -1.0, 1.0, -1.0, 5.0, np.nan, inf, -3.0, 0.0, 5.5],
                        "b": [-2, -1.0, inf, 0.0, -inf, inf, 2.0, 1.0, 0.0, inf, 0.0, -2]})
    check(pdf, make, lambda d: getattr(d["a"], op)(d["b"]))
    check(pdf, make, lambda d: getattr(d[["a"]], op)(-inf))


@pytest.mark.parametrize("bounds", [(-0.0, "2024-01-31"), ("2024-01-01", "2024-01-15"), (1, 2)])
def test_between_compares_as_pandas_does(make, bounds):
    pdf = pd.DataFrame({"t": pd.to_datetime(["2024-01-01", "2024-02-01", None])})
    check(pdf, make, lambda d: d["t"].between(*bounds))


@pytest.mark.parametrize("fn", [
    lambda d: d["f"].clip(lower=-0.0, upper=-1),      # two scalar bounds are ordered
    lambda d: d["c"].cummax(),                          # unordered categories
    lambda d: d["c"].cumsum(),
    lambda d: d.groupby("k").agg("size"),               # a Series
])
def test_more_pandas_semantics(make, fn):
    pdf = pd.DataFrame({"f": [-2.0, 0.5, -0.5], "c": pd.Categorical(["a", "b", "a"]), "k": [1, 1, 2]})
    check(pdf, make, fn)


@pytest.mark.parametrize("fn", [
    lambda d: d["a"].idxmax(skipna=False),            # a missing value
    lambda d: d[["a"]].idxmin(skipna=None),
    lambda d: d.std(skipna=None),                     # skipna checked before the text column
    lambda d: d["a"].expanding(min_periods=-1).median(),
    lambda d: d["a"].rolling(2, min_periods=-1).sum(),
    lambda d: d.set_index("s").sort_index(na_position="middle"),   # sorted: not looked at
    lambda d: d.set_index("a").sort_index(na_position="middle"),
    lambda d: d["a"].value_counts(ascending=None),
])
def test_reduction_and_window_arguments_checked_as_pandas(make, fn):
    check(pd.DataFrame({"a": [1.0, None, 3.0], "s": ["x", "y", "z"]}), make, fn)


def test_a_parquet_page_header_with_a_negative_count_is_an_error_not_an_abort(tmp_path):
    # the engine's Parquet reader allocated 2^61 bytes and aborted the process
    # (rust/vendor/polars-parquet/PATCHED.md)
    with pytest.raises(ValueError, match="negative number of values in a page header"):
        sf.read_parquet(os.path.join(REGRESSIONS, "files-5-3313.parquet")).to_pandas()


@pytest.mark.parametrize("dropna", [False, True])
@pytest.mark.parametrize("fn", [lambda g: g.cumcount(), lambda g: g.head(1), lambda g: g.tail(1),
                                lambda g: g.nth(0), lambda g: g.nth(-1)])
def test_group_positions_count_rows_with_missing_keys(make, dropna, fn):
    # positions were counted over the first key's values, which skipped missing ones
    pdf = pd.DataFrame({"b": ["x", None, None, "y", None], "a": [1, 2, 2, 3, 2]})
    check(pdf, make, lambda d: fn(d.groupby(["b", "a"], dropna=dropna)))


def test_merge_on_a_column_named_by_the_empty_string(make):
    pdf = pd.DataFrame({"é": [1, 2], "": [1.0, 2.0]})
    check(pdf, make, lambda d: d.merge(d[[""]], how="inner", sort=True))


@pytest.mark.parametrize("old, new", [("z", 3), ("q", 3), ("z", "y"), ("z", "w"), (3, 4)])
def test_replace_in_categories_as_pandas(make, old, new):
    # a value that is not a category is pandas' TypeError; a missing category matches nothing
    pdf = pd.DataFrame({"c": pd.Categorical(["z", "y", None]), "i": [1, 2, 3]})
    check(pdf, make, lambda d: d.replace(old, new))
    check(pdf, make, lambda d: d["c"].replace(old, new))


def test_csv_index_col_not_a_column_and_nullable_dtypes(tmp_path):
    path = _write(tmp_path, "t.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match="Index c invalid"):
        pd.read_csv(path, index_col="c")
    with pytest.raises(ValueError, match="Index c invalid"):
        sf.read_csv(path, index_col="c")
    # a nullable dtype is refused with an error both a TypeError and a ValueError
    # (pandas raises ValueError for the files it cannot read with it)
    with pytest.raises(sf.exceptions.UnsupportedDtypeError) as info:
        sf.read_csv(path, dtype={"a": "Int64"})
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("fn", [
    lambda d: d["b"].expanding().mean(),              # pandas' DataError
    lambda d: d["t"].rolling(2).sum(),                # booleans are numbers
    lambda d: d.set_index([]),
    lambda d: (sf if isinstance(d, sf.DataFrame) else pd).get_dummies(d, columns="b"),  # not list-like
    lambda d: d.groupby("a")[["t"]].agg(["sum", "sum"]),  # pandas' SpecificationError
    lambda d: d["b"].replace(None, "a"),
])
def test_more_arguments_pandas_refuses(make, fn):
    check(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"], "t": [True, False, True]}), make, fn)
