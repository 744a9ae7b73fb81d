"""Reading and writing files, against pandas; errors name the file."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import shardframe as sf
from conftest import assert_same


@pytest.fixture
def table() -> pd.DataFrame:
    n = 50
    return pd.DataFrame({
        "id": np.arange(n),
        "x": np.linspace(-1, 1, n).round(4),
        "name": pd.Series([f"n{i % 7}" for i in range(n)], dtype="str"),
        "day": pd.Series(pd.date_range("2024-03-01", periods=n, freq="D").strftime("%Y-%m-%d"), dtype="str"),
    })


def test_read_csv_default(tmp_path, table):
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    assert_same(pd.read_csv(path), sf.read_csv(path))


@pytest.mark.parametrize("kwargs", [
    {"usecols": ["id", "name"]},
    {"nrows": 7},
    {"skiprows": 0},
    {"dtype": {"id": "float64"}},
    {"na_values": ["n3"]},
    {"parse_dates": ["day"]},
    {"sep": ";"},
    {"header": None, "names": ["a", "b", "c", "d"], "skiprows": 1},
])
def test_read_csv_options(tmp_path, table, kwargs):
    path = tmp_path / "t.csv"
    sep = kwargs.get("sep", ",")
    table.to_csv(path, index=False, sep=sep)
    expected = pd.read_csv(path, **kwargs)
    got = sf.read_csv(path, **kwargs)
    if "parse_dates" in kwargs:
        got_p = got.to_pandas()
        assert got_p["day"].dt.strftime("%Y-%m-%d").tolist() == expected["day"].dt.strftime("%Y-%m-%d").tolist()
        return
    assert_same(expected, got)


def test_csv_projection_and_filter_are_pushed_down(tmp_path, table):
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    df = sf.read_csv(path)
    out = df[df.id > 40][["name"]]
    assert_same(table[table.id > 40][["name"]], out)


def test_read_parquet_columns_filters_glob(tmp_path, table):
    for i in range(3):
        table.assign(part=i).to_parquet(tmp_path / f"p{i}.parquet", index=False)
    expected = pd.concat([table.assign(part=i) for i in range(3)], ignore_index=True)
    got = sf.read_parquet(str(tmp_path / "*.parquet"))
    assert_same(expected, got)
    assert_same(expected[["x", "id"]], sf.read_parquet(str(tmp_path / "*.parquet"), columns=["x", "id"]))
    filtered = sf.read_parquet(str(tmp_path), filters=[("id", ">", 45), ("part", "==", 1)])
    exp = expected[(expected.id > 45) & (expected.part == 1)]
    assert_same(exp.reset_index(drop=True), filtered.reset_index(drop=True))


def test_read_json_lines(tmp_path, table):
    path = tmp_path / "t.jsonl"
    table.to_json(path, orient="records", lines=True)
    assert_same(pd.read_json(path, lines=True, dtype={"day": "str"}).astype({"name": "str", "day": "str"}), sf.read_json(path, lines=True))


def test_write_round_trips(tmp_path, table):
    df = sf.DataFrame(table)
    df.to_parquet(tmp_path / "o.parquet")
    assert_same(table, pd.read_parquet(tmp_path / "o.parquet"))
    df.to_csv(tmp_path / "o.csv", index=False)
    assert_same(pd.read_csv(tmp_path / "o.csv"), sf.read_csv(tmp_path / "o.csv"))
    df.to_csv(tmp_path / "i.csv")
    assert (tmp_path / "i.csv").read_text() == table.to_csv()


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        sf.read_csv(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError):
        sf.read_parquet(str(tmp_path / "nope*.parquet"))


def test_malformed_csv_names_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,4\n5,oops\n")
    with pytest.raises(ValueError, match="bad.csv, line 4"):
        # (read at the call: an integer column is checked for missing values, as pandas does)
        sf.read_csv(path, dtype={"b": "int64"}).to_pandas()


def test_failed_write_leaves_no_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        sf.DataFrame({"a": [1]}).to_parquet(tmp_path / "no_dir" / "x.parquet")
    assert not os.path.exists(tmp_path / "no_dir")
