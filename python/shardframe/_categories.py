"""Categorical columns.

The engine holds a categorical column as a Polars Enum: per row a code into
a fixed list of string labels, one per category, in category order (so it
sorts and groups in category order, as pandas does). pandas' categories need
not be strings (the intervals of ``cut``, numbers, dates) and may be ordered
or not; such a dtype gets one more label, never used by a row, that names
it (so dtypes with the same labels, such as ``[1, 2]`` and ``["1", "2"]``,
or ordered and not, are different engine types), and a column coming back
with those labels gets it again. A plain dtype (unordered string
categories) has its labels alone: it is the default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: Dtypes other than plain ones, by their engine labels (the last one
#: naming the dtype).
_DTYPES: dict[tuple[str, ...], pd.CategoricalDtype] = {}

#: The first character of the label that names a dtype.
_MARK = "\x00"

#: The field metadata under which Polars reads a dictionary column as an Enum.
ENUM_KEY = b"_PL_ENUM_VALUES2"


def labels(dtype: pd.CategoricalDtype) -> list[str] | None:
    """The engine labels of ``dtype``'s categories, the dtype recorded under
    them; None when two categories have the same label (then the dtype cannot
    be held by the engine)."""
    names = [str(c) for c in dtype.categories]
    if len(set(names)) != len(names):
        return None
    if not is_marked(dtype):
        return names
    names.append(f"{_MARK}{'ordered' if dtype.ordered else 'unordered'} {dtype.categories.dtype}")
    _DTYPES.setdefault(tuple(names), dtype)
    return names


def is_marked(dtype: pd.CategoricalDtype) -> bool:
    """Whether the engine labels of ``dtype`` end with the label naming it."""
    import pandas as pd

    return bool(dtype.ordered) or not pd.api.types.is_string_dtype(dtype.categories.dtype)


def to_engine(array: pa.ChunkedArray, dtype: pd.CategoricalDtype) -> tuple[pa.Field, pa.ChunkedArray] | None:
    """A pandas categorical column (as pyarrow converted it) as the engine
    reads categoricals: codes into string labels, marked as an Enum."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = labels(dtype)
    if names is None:
        return None
    dictionary = pa.array(names, pa.large_string())
    chunks = []
    for chunk in array.chunks:
        codes = chunk.indices.cast(pa.int32())
        # Missing values keep their slot's code (-1 from pandas): Polars checks
        # every slot's code, so give the missing ones a valid one.
        filled = pc.fill_null(codes, 0).to_numpy()
        missing = codes.is_null().to_numpy(zero_copy_only=False)
        chunks.append(pa.DictionaryArray.from_arrays(filled, dictionary, mask=missing))
    kind = pa.dictionary(pa.int32(), pa.large_string())
    encoded = "".join(f"{len(n.encode())};{n}" for n in names)
    return pa.field("", kind, metadata={ENUM_KEY: encoded.encode()}), pa.chunked_array(chunks, kind)


def enum_labels(field: pa.Field) -> list[str] | None:
    """The labels of an engine categorical column from its Arrow field (a
    column without rows may come without its dictionary)."""
    encoded = (field.metadata or {}).get(ENUM_KEY)
    if encoded is None:
        return None
    out, pos = [], 0
    while pos < len(encoded):
        sep = encoded.index(b";", pos)
        size = int(encoded[pos:sep])
        out.append(encoded[sep + 1:sep + 1 + size].decode())
        pos = sep + 1 + size
    return out


def from_engine(values: pd.Series, labels: list[str] | None = None) -> pd.Series:
    """An engine categorical column, converted by pyarrow (an ordered
    categorical of its labels, or of ``labels`` when given), with the dtype
    it entered with."""
    import pandas as pd

    cats = values.cat.categories if labels is None else pd.Index(labels)
    dtype = _DTYPES.get(tuple(cats))
    if dtype is None:
        dtype = pd.CategoricalDtype(cats, ordered=False)
    return pd.Series(pd.Categorical.from_codes(values.cat.codes, dtype=dtype), index=values.index, name=values.name)


def is_categorical(dtype: Any) -> bool:
    import pandas as pd

    return isinstance(dtype, pd.CategoricalDtype)
