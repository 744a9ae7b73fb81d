"""Plots against pandas' plots of the same small data (Agg backend): the same
artists, data limits and labels; large data is reduced in the engine."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import cbook  # noqa: E402

import shardframe as sf  # noqa: E402
from shardframe.plotting import DownsampledWarning, box_stats, histogram  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame({"a": rng.normal(10, 2, 300), "b": rng.integers(1, 50, 300).astype(float)})


def summary(ax) -> tuple:
    return (len(ax.lines), len(ax.patches), len(ax.collections), tuple(np.round(ax.dataLim.bounds, 6)),
            ax.get_xlabel(), ax.get_ylabel(), ax.get_title(),
            tuple(t.get_text() for t in ax.get_legend().get_texts()) if ax.get_legend() else ())


@pytest.mark.parametrize("fn", [
    lambda d: d.plot(),
    lambda d: d.plot(kind="line", y="a", title="t", figsize=(4, 3)),
    lambda d: d.plot.line(x="a", y="b", logy=True),
    lambda d: d.plot.area(),
    lambda d: d.plot.scatter(x="a", y="b", color="red"),
    lambda d: d.head(12).plot.bar(y="b"),
    lambda d: d.head(12).plot.barh(),
    lambda d: d.head(6).plot.pie(y="b"),
    lambda d: d.plot.hist(),
    lambda d: d.plot.hist(bins=25),
    lambda d: d.plot(kind="box"),
    lambda d: d.a.plot(),
    lambda d: d.a.plot.hist(bins=7),
    lambda d: d.b.plot.box(),
])
def test_plot_matches_pandas(data, make, fn):
    expected = summary(fn(data))
    plt.close("all")
    got = summary(fn(make(data)))
    assert got == expected


def test_histogram_over_all_rows_agrees_with_numpy():
    rng = np.random.default_rng(1)
    values = rng.gamma(2.0, 3.0, 400_000)
    with sf.option_context("max_partition_rows", 50_000):
        s = sf.Series(values)
    for bins in (1, 10, 64):
        counts, edges = histogram(s, bins)
        ncounts, nedges = np.histogram(values, bins)
        np.testing.assert_allclose(edges, nedges)
        assert np.abs(counts - ncounts).sum() <= 2  # values on an edge may round either way
        assert counts.sum() == len(values)


def test_box_statistics_agree_with_matplotlib(data):
    s = sf.Series(data.a)
    ours = box_stats(s, label="a")
    theirs = cbook.boxplot_stats(data.a.to_numpy())[0]
    for key in ("med", "q1", "q3", "whislo", "whishi", "mean"):
        assert ours[key] == pytest.approx(theirs[key])
    np.testing.assert_allclose(np.sort(ours["fliers"]), np.sort(theirs["fliers"]))


def test_large_line_plot_is_downsampled_keeping_extremes():
    n = 300_000
    values = np.sin(np.arange(n) / 1000.0)
    values[123_457] = 5.0
    s = sf.Series(values)
    with sf.option_context("plot_points", 2_000), pytest.warns(DownsampledWarning, match="300,000 rows"):
        ax = s.plot()
    ys = ax.lines[0].get_ydata()
    assert len(ys) <= 2_000
    assert ys.max() == 5.0 and ys.min() == pytest.approx(values.min())


@pytest.mark.parametrize("ncols", [1, 2, 3, 5])
def test_frame_hist_grid_matches_pandas(make, ncols):
    rng = np.random.default_rng(ncols)
    pdf = pd.DataFrame({f"c{i}": rng.normal(i, 1 + i, 200) for i in range(ncols)})
    expected = pdf.hist(bins=12)
    got = make(pdf).hist(bins=12)
    assert got.shape == expected.shape
    for e, g in zip(expected.ravel(), got.ravel(), strict=True):
        assert (g.get_visible(), g.get_title(), len(g.patches)) == (e.get_visible(), e.get_title(), len(e.patches))
        if e.get_visible():
            np.testing.assert_allclose(g.dataLim.bounds, e.dataLim.bounds)


def test_frame_boxplot_matches_pandas(data, make):
    e = data.boxplot()
    plt.close("all")
    g = make(data).boxplot()
    assert len(g.lines) == len(e.lines)
    assert [t.get_text() for t in g.get_xticklabels()] == [t.get_text() for t in e.get_xticklabels()]
    np.testing.assert_allclose(g.dataLim.bounds, e.dataLim.bounds)
