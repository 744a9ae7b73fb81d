"""Settings, pandas-style: ``sf.options.codec = "lz4"`` or ``sf.set_option("codec", "lz4")``."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

_FALLBACK_MODES = ("warn", "raise", "silent")
_CODECS = ("zstd", "lz4", "none")
_BACKENDS = ("local", "ray", "staged")


@dataclass
class Options:
    """Global settings.

    codec, codec_level
        How partitions are compressed at rest (``"zstd"``, ``"lz4"``, ``"none"``).
    partition_bytes
        Raw bytes a partition aims for.
    max_partition_rows
        Upper bound on rows per partition (``None``: no bound).
    broadcast_bytes
        A join side up to this many decoded bytes is copied to every partition
        of the other side; larger joins exchange both sides by key hash.
    fuse_bytes
        A plan in which a join feeds or reads another join, group-by, sort or
        reduction, and whose inputs decode to at most this many bytes, runs as
        one Polars query over all its rows (Polars' optimizer and kernels, no
        intermediate results); other plans run partition by partition,
        exchanging rows between them. ``None``: an eighth of the machine's
        memory; ``0``: always partition by partition.
    hot_cache
        Bytes of decoded columns kept in memory for data read more than once,
        so repeated queries skip decompression (least recently used out
        first; the compressed copy always stays). ``None``: a quarter of the
        machine's memory; ``0``: always decode.
    threads
        Worker threads; only takes effect before the first computation.
    fallback
        ``"warn"`` (default): methods that run through pandas warn;
        ``"raise"``: they raise :class:`~shardframe.exceptions.FallbackError`;
        ``"silent"``: no warning. The environment variable
        ``SHARDFRAME_FALLBACK`` sets it at import.
    plot_points
        Line and scatter plots above this many rows are drawn from a min/max
        summary of the rows.
    progress
        Show a progress bar for work that takes longer than ``progress_delay`` seconds.
    backend
        ``"local"`` (in-process thread pool, the default) or ``"ray"`` (tasks
        on the workers of a Ray cluster; see :func:`shardframe.init`).
        ``"staged"`` runs the Ray backend's stages in-process (for tests).
    """

    codec: str = "zstd"
    codec_level: int = 1
    partition_bytes: int = 32 << 20
    max_partition_rows: int | None = None
    broadcast_bytes: int = 256 << 20
    fuse_bytes: int | None = None
    hot_cache: int | None = None
    threads: int | None = None
    fallback: str = os.environ.get("SHARDFRAME_FALLBACK", "warn")
    progress: bool = True
    plot_points: int = 100_000
    progress_delay: float = 1.0
    backend: str = "local"

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in {f.name for f in fields(self)}:
            raise AttributeError(f"shardframe has no option {name!r}")
        if name == "fallback" and value not in _FALLBACK_MODES:
            raise ValueError(f"fallback must be one of {_FALLBACK_MODES}, got {value!r}")
        if name == "codec" and value not in _CODECS:
            raise ValueError(f"codec must be one of {_CODECS}, got {value!r}")
        if name == "backend" and value not in _BACKENDS:
            raise ValueError(f"unknown backend {value!r}: available backends are {_BACKENDS}")
        if name == "threads" and value is not None:
            os.environ["POLARS_MAX_THREADS"] = str(int(value))
        object.__setattr__(self, name, value)
        object.__setattr__(self, "_config", None)

    def __getattr__(self, name: str) -> Any:
        # pandas' own option groups (display, mode, ...) are pandas' settings:
        # shardframe's repr and plots go through pandas and follow them.
        if name in _PANDAS_GROUPS:
            import pandas as pd

            return getattr(pd.options, name)
        raise AttributeError(f"shardframe has no option {name!r}")

    def hot_cache_bytes(self) -> int:
        """The hot cache's budget in bytes for the current settings."""
        if self.hot_cache is not None:
            return max(0, int(self.hot_cache))
        return _memory_bytes() // 4

    def fuse_budget(self) -> int:
        """``fuse_bytes`` in bytes for the current settings."""
        if self.fuse_bytes is not None:
            return max(0, int(self.fuse_bytes))
        return _memory_bytes() // 8

    def config(self) -> Any:
        """The engine configuration for the current settings (cached)."""
        cfg = self.__dict__.get("_config")
        if cfg is None:
            from shardframe._core import Config, set_hot_cache

            set_hot_cache(self.hot_cache_bytes())

            backend: Any = None
            if self.backend == "ray":
                from shardframe._ray import RayBackend

                backend = RayBackend()
            elif self.backend == "staged":
                backend = "staged"
            cfg = Config(
                codec=self.codec,
                level=self.codec_level,
                partition_bytes=self.partition_bytes,
                max_partition_rows=self.max_partition_rows,
                broadcast_bytes=self.broadcast_bytes,
                fuse_bytes=self.fuse_budget(),
                backend=backend,
            )
            object.__setattr__(self, "_config", cfg)
        return cfg


def _memory_bytes() -> int:
    """The machine's physical memory."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 4 << 30


options = Options()


def init(backend: str = "ray", address: str | None = None, **kwargs: Any) -> None:
    """Choose the backend: ``sf.init(backend="ray", address="auto")`` connects
    to a running Ray cluster (started the Ray way, ``ray start --head``), or
    starts a local one when there is none; other arguments go to
    ``ray.init`` (for example ``runtime_env``). ``sf.init("local")`` goes back
    to the in-process engine."""
    if backend == "ray":
        from shardframe import _ray

        _ray.init(address, **kwargs)
    options.backend = backend


_PANDAS_GROUPS = ("display", "mode", "compute", "io", "plotting", "styler", "future")


def _own(name: str) -> str | None:
    """shardframe's option that ``name`` names (``"mode.fallback"`` and
    ``"fallback"`` both name one), or None for one of pandas'."""
    leaf = name.rsplit(".", 1)[-1]
    pandas_only = tuple(f"{group}." for group in _PANDAS_GROUPS if group != "mode")
    if leaf in {f.name for f in fields(Options)} and not name.startswith(pandas_only):
        return leaf
    return None


def set_option(*pairs: Any) -> None:
    """Set options by name, pandas-style: ``set_option("fallback", "raise")``;
    pandas' options (``"display.max_rows"``, ...) are set in pandas.

    Examples
    --------
    >>> import shardframe as sf
    >>> sf.set_option("display.max_rows", 20, "codec", "zstd")
    >>> sf.get_option("display.max_rows")
    20
    >>> sf.reset_option("display.max_rows")
    """
    if not pairs or len(pairs) % 2:
        raise ValueError("Must provide an even number of non-keyword arguments")
    for name, value in zip(pairs[::2], pairs[1::2], strict=True):
        own = _own(name)
        if own is not None:
            setattr(options, own, value)
        else:
            import pandas as pd

            pd.set_option(name, value)


def get_option(name: str) -> Any:
    """Read an option by name (shardframe's, else pandas')."""
    own = _own(name)
    if own is not None:
        return getattr(options, own)
    import pandas as pd

    return pd.get_option(name)


class option_context:
    """Temporarily set options: ``with sf.option_context("fallback", "raise"): ...``."""

    def __init__(self, *pairs: Any) -> None:
        if len(pairs) % 2:
            raise ValueError("option_context takes name, value pairs")
        self._pairs = list(zip(pairs[::2], pairs[1::2], strict=True))
        self._saved: list[tuple[str, Any]] = []

    def __enter__(self) -> option_context:
        for name, value in self._pairs:
            self._saved.append((name, get_option(name)))
            set_option(name, value)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, value in reversed(self._saved):
            set_option(name, value)
