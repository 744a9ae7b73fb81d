"""H2O db-benchmark data (https://h2oai.github.io/db-benchmark/), generated to
the published schema with numpy (the R generators' distributions, seeded),
written once as parquet and cached beside the TPC-H data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tpch.data import cache_dir

JOIN_TABLES = ("x", "small", "medium", "big")


def _ids(prefix_fmt: str, values: np.ndarray) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(pa.scalar(prefix_fmt), pc.cast(pa.array(values), pa.string()), "").to_numpy(
        zero_copy_only=False)


def _padded(values: np.ndarray, width: int) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    s = pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")
    return pc.binary_join_element_wise("id", s, "").to_numpy(zero_copy_only=False)


def _write(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".partial")
    pq.write_table(table, tmp, row_group_size=1 << 20)
    tmp.rename(path)


def groupby_path(n: int, k: int) -> Path:
    """The groupby table G1_{n}_{k}_0_0: ``n`` rows, ``k`` groups in id1/id2/id4/id5,
    ``n/k`` in id3/id6; no missing values, unsorted."""
    path = cache_dir() / f"h2o-groupby-{n:.0e}-{k:.0e}.parquet".replace("+0", "")
    if path.exists():
        return path
    import pyarrow as pa

    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(108)
    small = max(n // k, 1)
    table = pa.table({
        "id1": _padded(rng.integers(1, k + 1, n), 3),
        "id2": _padded(rng.integers(1, k + 1, n), 3),
        "id3": _padded(rng.integers(1, small + 1, n), 10),
        "id4": rng.integers(1, k + 1, n, dtype=np.int32),
        "id5": rng.integers(1, k + 1, n, dtype=np.int32),
        "id6": rng.integers(1, small + 1, n, dtype=np.int32),
        "v1": rng.integers(1, 6, n, dtype=np.int32),
        "v2": rng.integers(1, 16, n, dtype=np.int32),
        "v3": np.round(rng.uniform(0, 100, n), 6),
    })
    _write(table, path)
    return path


def _split_xlr(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys only in x and both sides (90%), only in the left (10%), only in the right (10%)."""
    key = rng.permutation(np.arange(1, int(n * 1.1) + 1))
    return key[: int(n * 0.9)], key[int(n * 0.9): n], key[n: int(n * 1.1)]


def join_dir(n: int) -> Path:
    """The join tables J1_{n}_NA_0_0: x (``n`` rows) and small (n/1e6), medium
    (n/1e3) and big (n) right-hand tables, integer keys id1..id3 and their
    string forms id4..id6."""
    out = cache_dir() / f"h2o-join-{n:.0e}".replace("+0", "")
    if all((out / f"{t}.parquet").exists() for t in JOIN_TABLES):
        return out
    import pyarrow as pa

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(108)
    n_small, n_medium = max(n // 1_000_000, 10), max(n // 1_000, 10)
    k1, k2, k3 = _split_xlr(rng, n_small), _split_xlr(rng, n_medium), _split_xlr(rng, n)

    def left(k: tuple[np.ndarray, ...], size: int, replace: bool = True) -> np.ndarray:
        return rng.choice(np.concatenate([k[0], k[1]]), size, replace=replace)

    def right(k: tuple[np.ndarray, ...], size: int, replace: bool = True) -> np.ndarray:
        return rng.choice(np.concatenate([k[0], k[2]]), size, replace=replace)

    def v(size: int) -> np.ndarray:
        return np.round(rng.uniform(0, 100, size), 1)

    id1, id2, id3 = left(k1, n), left(k2, n), left(k3, n, replace=False)
    tables = {
        "x": {"id1": id1, "id2": id2, "id3": id3, "id4": _ids("id", id1), "id5": _ids("id", id2),
              "id6": _ids("id", id3), "v1": v(n)},
    }
    s1 = right(k1, n_small, replace=False)
    tables["small"] = {"id1": s1, "id4": _ids("id", s1), "v2": v(n_small)}
    m1, m2 = right(k1, n_medium), right(k2, n_medium, replace=False)
    tables["medium"] = {"id1": m1, "id2": m2, "id4": _ids("id", m1), "id5": _ids("id", m2), "v2": v(n_medium)}
    b1, b2, b3 = right(k1, n), right(k2, n), right(k3, n, replace=False)
    tables["big"] = {"id1": b1, "id2": b2, "id3": b3, "id4": _ids("id", b1), "id5": _ids("id", b2),
                     "id6": _ids("id", b3), "v2": v(n)}
    for name, cols in tables.items():
        _write(pa.table({c: (a.astype(np.int64) if a.dtype.kind == "i" else a) for c, a in cols.items()}),
               out / f"{name}.parquet")
    return out
