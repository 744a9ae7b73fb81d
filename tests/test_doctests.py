"""The Examples sections of shardframe's docstrings run, and show what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import shardframe as sf


def _modules() -> list[str]:
    names = ["shardframe"]
    for info in pkgutil.walk_packages(sf.__path__, "shardframe."):
        if not info.name.endswith(("._core", "._ray")):
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    with sf.option_context("fallback", "warn"):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
