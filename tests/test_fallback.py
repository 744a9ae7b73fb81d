"""Fallback to pandas is visible: a warning naming the method, or an error."""

from __future__ import annotations

import pandas as pd
import pytest

import shardframe as sf
from shardframe.exceptions import FallbackError, FallbackWarning


def test_fallback_warns_and_matches_pandas():
    pdf = pd.DataFrame({"a": [3, 1, 2]})
    with sf.option_context("fallback", "warn"):
        with pytest.warns(FallbackWarning, match="DataFrame.transpose"):
            out = sf.DataFrame(pdf).transpose()
    pd.testing.assert_frame_equal(out.to_pandas(), pdf.transpose())


def test_fallback_raise():
    with sf.option_context("fallback", "raise"), pytest.raises(FallbackError, match="Series.autocorr"):
        sf.Series([1.0, 2.0]).autocorr()


def test_unknown_attribute_is_attribute_error():
    with pytest.raises(AttributeError):
        sf.DataFrame({"a": [1]}).no_such_method  # noqa: B018


def test_options_validate():
    with pytest.raises(ValueError):
        sf.options.fallback = "sometimes"
    with pytest.raises(AttributeError):
        sf.set_option("no_such_option", 1)


def test_pandas_paths_outside_methods_are_visible_too(tmp_path):
    path = tmp_path / "x.json"
    pd.DataFrame({"a": [1, 2]}).to_json(path)
    with sf.option_context("fallback", "raise"), pytest.raises(FallbackError, match="read_json"):
        sf.read_json(path)
    a, b = sf.DataFrame({"x": [1, 2]}), sf.DataFrame({"y": [3]})
    with sf.option_context("fallback", "raise"), pytest.raises(FallbackError, match="concat"):
        sf.concat([a, b], axis=1, ignore_index=True)
    with sf.option_context("fallback", "warn"), pytest.warns(FallbackWarning, match="concat"):
        out = sf.concat([a, b], axis=1, ignore_index=True)
    expected = pd.concat([a.to_pandas(), b.to_pandas()], axis=1, ignore_index=True)
    pd.testing.assert_frame_equal(out.to_pandas(), expected)
