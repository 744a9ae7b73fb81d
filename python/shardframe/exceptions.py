"""Exceptions raised by shardframe.

Every class derives from :class:`ShardframeError` and from the builtin that
pandas raises in the same situation, so ``except KeyError`` works as it does
with pandas.
"""

from __future__ import annotations

import builtins


class ShardframeError(Exception):
    """Root of all shardframe errors."""


class ColumnNotFoundError(ShardframeError, KeyError):
    """A column that does not exist was referenced."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ComputeError(ShardframeError, ValueError):
    """A value could not be computed (bad number, wrong length, bad shape)."""


class InvalidOperationError(ShardframeError, TypeError):
    """An operation does not apply to these operand types."""


class OutOfBoundsError(ShardframeError, IndexError):
    """A position is outside the frame."""


class CorruptDataError(ShardframeError, ValueError, OSError):
    """Stored or read data could not be decoded. pandas, through pyarrow,
    raises OSError for most corrupt files and ValueError for some: both
    catch this."""


class DecodeError(ShardframeError, UnicodeDecodeError):
    """Text that is not valid UTF-8 (pandas raises UnicodeDecodeError, which
    code catches to read the file again in another encoding)."""

    def __init__(self, message: str) -> None:
        super().__init__("utf-8", b"", 0, 0, message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return type(self), (self.message,)


class FileNotFoundError(ShardframeError, builtins.FileNotFoundError):  # noqa: A001
    """A file or directory does not exist."""


class PermissionError(ShardframeError, builtins.PermissionError):  # noqa: A001
    """The file system refused access to a file or directory."""


class ShardframeIOError(ShardframeError, OSError):
    """Reading or writing failed."""


class ShardframeMemoryError(ShardframeError, MemoryError):
    """The query cannot fit in the memory budget."""


class NotSupportedError(ShardframeError, NotImplementedError):
    """The engine has no implementation for this operation."""


class UnsupportedDtypeError(ShardframeError, TypeError, ValueError):
    """A pandas dtype shardframe has no column type for (the nullable
    ``Int64``, ``boolean``, ...): a TypeError as for a dtype not understood,
    and a ValueError as for an argument value refused."""


class FallbackError(ShardframeError, NotImplementedError):
    """A pandas method would fall back to pandas while ``options.fallback == "raise"``."""


class InternalError(ShardframeError, RuntimeError):
    """A bug in shardframe; please report it."""


class Interrupted(ShardframeError, KeyboardInterrupt):
    """The query was cancelled."""


class InvalidIndexError(ShardframeError):
    """Row labels must be unique to align on them (pandas raises
    ``pandas.errors.InvalidIndexError``, a plain ``Exception``)."""


class FallbackWarning(UserWarning):
    """A pandas method ran through pandas instead of the engine."""


__all__ = [
    "ColumnNotFoundError",
    "ComputeError",
    "CorruptDataError",
    "DecodeError",
    "FallbackError",
    "FallbackWarning",
    "FileNotFoundError",
    "InternalError",
    "Interrupted",
    "InvalidIndexError",
    "InvalidOperationError",
    "NotSupportedError",
    "OutOfBoundsError",
    "PermissionError",
    "ShardframeError",
    "ShardframeIOError",
    "ShardframeMemoryError",
    "UnsupportedDtypeError",
]
