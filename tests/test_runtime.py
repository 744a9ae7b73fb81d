"""The runtime as a user feels it: Ctrl-C cancels, progress shows, the GIL is free."""

from __future__ import annotations

import _thread
import os
import threading
import time

import numpy as np
import pandas as pd
import pytest

import shardframe as sf


@pytest.fixture(scope="module")
def many_parts() -> sf.DataFrame:
    n = 1_000_000
    with sf.option_context("max_partition_rows", 1000):
        return sf.DataFrame({"a": np.arange(n), "s": np.array([f"x{i % 1000}" for i in range(n)])})


def slow_query(df: sf.DataFrame) -> object:
    return (df.s + "y").str.upper().str.len().sum()


def test_ctrl_c_cancels_promptly_and_frame_stays_usable(many_parts):
    timer = threading.Timer(0.05, _thread.interrupt_main)
    timer.start()
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        for _ in range(200):
            slow_query(many_parts)
    assert time.perf_counter() - started < 5
    assert int((many_parts.a >= 10).sum()) == 999_990


def test_progress_bar_appears_for_long_work(many_parts, capsys):
    with sf.option_context("progress", True, "progress_delay", 0.0):
        for _ in range(5):
            slow_query(many_parts)
    err = capsys.readouterr().err
    assert "task" in err
    assert "shardframe: " in err  # the bar names the running stage


def test_progress_reports_the_running_stage(many_parts, monkeypatch):
    """The bar shows the running stage's tasks (counted per stage: see the
    Context unit test in rust/exec/src/context.rs)."""
    from shardframe import _engine

    seen: list[tuple[str, int, int]] = []

    class Record:
        def __call__(self, done: int, total: int, stage: str = "") -> None:
            seen.append((stage, done, total))

        def close(self) -> None:
            pass

    monkeypatch.setattr(_engine, "_progress", lambda desc: Record())
    df = many_parts.assign(t=(many_parts.s + "y").str.upper())
    for _ in range(3):
        df.groupby("t").a.sum().to_pandas()
    assert seen and all(0 <= done <= total for _, done, total in seen), seen
    assert {stage for stage, _, _ in seen} & {"group by", "sort"}, seen


def test_gil_is_released_during_queries(many_parts):
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    started = time.perf_counter()
    while time.perf_counter() - started < 0.3:
        slow_query(many_parts)
    stop.set()
    t.join()
    assert ticks > 50


@pytest.mark.skipif(os.environ.get("SHARDFRAME_TEST_BACKEND") == "ray",
                    reason="the hot cache is per process: on Ray the workers read the partitions")
def test_data_read_again_stays_decoded_within_the_budget():
    from shardframe._core import hot_cache_usage

    pdf = pd.DataFrame({"k": np.arange(200_000) % 7, "v": np.arange(200_000) * 0.5})
    with sf.option_context("max_partition_rows", 20_000, "hot_cache", 64 << 20):
        df = sf.DataFrame(pdf)
        expected = pdf.groupby("k").v.sum()
        # Read once: nothing is kept; read again: the columns stay decoded.
        pd.testing.assert_series_equal(df.groupby("k").v.sum().to_pandas(), expected)
        held_once = hot_cache_usage()[1]
        pd.testing.assert_series_equal(df.groupby("k").v.sum().to_pandas(), expected)
        budget, held = hot_cache_usage()
        assert budget == 64 << 20
        assert held > held_once
        assert held <= budget
        # Served from memory, the answer is the same.
        pd.testing.assert_series_equal(df.groupby("k").v.sum().to_pandas(), expected)
    with sf.option_context("hot_cache", 0):
        # Without a budget the columns held for reading are dropped, and
        # reading again keeps nothing more.
        assert df.v.sum() == pdf.v.sum()
        budget, after = hot_cache_usage()
        assert budget == 0 and after < held_once + 1024
        assert df.v.sum() == pdf.v.sum()
        assert hot_cache_usage()[1] == after
