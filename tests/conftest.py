"""Shared fixtures: every differential test runs over several partitionings
and codecs (one suite, every layout)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

import shardframe as sf

# CI replays the same examples every run (a red CI means a regression, not a new
# random find); developers' runs keep exploring.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The whole suite can run on another backend: SHARDFRAME_TEST_BACKEND=staged
# (the Ray backend's staged executor, in-process) or =ray (on a local
# two-node Ray cluster; `make test-ray`).
TEST_BACKEND = os.environ.get("SHARDFRAME_TEST_BACKEND", "local")


@pytest.fixture(scope="session")
def ray_cluster() -> Any:
    """A local Ray cluster of two nodes (head + one worker, one CPU each),
    shared by every test that asks for it."""
    import ray
    from ray.cluster_utils import Cluster

    # A dead node is noticed after ~1.5 s instead of Ray's production default
    # (tens of seconds): the node-kill test then costs seconds, not minutes.
    fast_failure = {"health_check_period_ms": 500, "health_check_timeout_ms": 500,
                    "health_check_failure_threshold": 3}
    cluster = Cluster(initialize_head=True,
                      head_node_args={"num_cpus": 1, "_system_config": fast_failure})
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture(scope="session", autouse=True)
def _test_backend(request: pytest.FixtureRequest) -> Any:
    if TEST_BACKEND == "ray":
        request.getfixturevalue("ray_cluster")
    sf.options.backend = TEST_BACKEND
    yield

LAYOUTS = ["one", "two", "many", "row"]
CODECS = ["zstd", "none"]


class Maker:
    """Builds shardframe objects from pandas ones in a given layout."""

    def __init__(self, layout: str, codec: str) -> None:
        self.layout = layout
        self.codec = codec

    def _rows_per_part(self, n: int) -> int | None:
        if self.layout == "one":
            return None
        if self.layout == "two":
            return max(1, math.ceil(n / 2))
        if self.layout == "many":
            return max(1, math.ceil(n / 7))
        return 1

    def __call__(self, obj: Any) -> Any:
        n = len(obj)
        with sf.option_context("max_partition_rows", self._rows_per_part(n), "codec", self.codec):
            if isinstance(obj, pd.Series):
                return sf.Series(obj)
            return sf.DataFrame(obj)


@pytest.fixture(params=[(layout, codec) for layout in LAYOUTS for codec in CODECS if codec == "zstd" or layout in ("one", "row")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def make(request: pytest.FixtureRequest) -> Any:
    """Frames in one layout. With one or two partitions plans run as one
    Polars query (the default for data that fits); with many and one-row
    partitions they run partition by partition, through the exchanges."""
    layout, codec = request.param
    with sf.option_context("fuse_bytes", None if layout in ("one", "two") else 0):
        yield Maker(layout, codec)


@pytest.fixture(autouse=True)
def _raise_on_fallback(request: pytest.FixtureRequest) -> Any:
    """Native features must not fall back; tests of fallback opt in explicitly.
    Tests marked ``partitioned`` never run a plan as one Polars query."""
    fuse = 0 if request.node.get_closest_marker("partitioned") else None
    with sf.option_context("fallback", "raise", "progress", False, "fuse_bytes", fuse):
        yield


def to_pandas(obj: Any) -> Any:
    if isinstance(obj, (sf.DataFrame, sf.Series)):
        return obj.to_pandas()
    return obj


def assert_same(expected: Any, got: Any, **kwargs: Any) -> None:
    got = to_pandas(got)
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, **kwargs)
    elif isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected, **kwargs)
    elif isinstance(expected, pd.Index):
        pd.testing.assert_index_equal(got, expected, **kwargs)
    elif isinstance(expected, np.ndarray):
        pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(expected))
    elif isinstance(expected, pd.api.extensions.ExtensionArray):
        pd.testing.assert_extension_array_equal(got, expected)
    elif isinstance(expected, dict):
        assert repr(got) == repr(expected)
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got), got
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (got, expected)
    else:
        assert got == expected, (got, expected)
        assert type(got) is type(expected) or isinstance(expected, (int, bool, str)), (type(got), type(expected))


def check(pdf: Any, make: Maker, fn: Callable[[Any], Any], **kwargs: Any) -> None:
    """Run ``fn`` on pandas and on shardframe; same result or same exception type."""
    sdf = make(pdf)
    try:
        expected = fn(pdf)
    except Exception as exc:  # noqa: BLE001 - we compare exception types
        # numpy and pandas raise private subclasses; require the builtin pandas' error derives from.
        builtin = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
        with pytest.raises(builtin):
            to_pandas(fn(sdf))
        return
    assert_same(expected, fn(sdf), **kwargs)


@pytest.fixture
def frame() -> pd.DataFrame:
    """A small frame with ints, floats with NaN, strings with None, bools, datetimes."""
    rng = np.random.default_rng(7)
    n = 23
    return pd.DataFrame({
        "i": rng.integers(-50, 50, n),
        "f": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n).round(3)),
        "s": pd.Series(rng.choice(["apple", "Banana", "cherry", " date ", None], n), dtype="str"),
        "b": rng.random(n) < 0.5,
        "t": pd.date_range("2024-01-01", periods=n, freq="37h"),
        "k": rng.choice(["x", "y", "z"], n),
    })
