"""Running plans: the few helpers every public class uses to materialize."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from shardframe import _categories
from shardframe.options import options

if TYPE_CHECKING:
    import pyarrow as pa

    from shardframe._core import PyPlan

# Index levels travel as columns named so; not pandas/pyarrow's
# "__index_level_0__", which users' tables carry as a column of their own.
INDEX_PREFIX = "__sf_index_"
VALUE_COL = "__value__"


def index_col(i: int) -> str:
    return f"{INDEX_PREFIX}{i}__"


class _Progress:
    """A tqdm bar that appears once work has run for ``options.progress_delay`` s:
    one bar per stage of the query (tasks done out of the stage's tasks), named
    after the stage."""

    def __init__(self, desc: str) -> None:
        self.start = time.monotonic()
        self.desc = desc
        self.bar: Any = None
        self.stage = ""

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        if self.bar is None:
            if time.monotonic() - self.start < options.progress_delay or total == 0:
                return
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=self.desc, unit="task", leave=False)
        if stage != self.stage:
            # A new stage: a fresh bar for its tasks.
            self.stage = stage
            self.bar.reset(total=total)
            self.bar.set_description(f"{self.desc}: {stage}" if stage else self.desc, refresh=False)
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress(desc: str) -> _Progress | None:
    return _Progress(desc) if options.progress else None


def collect(plan: PyPlan, desc: str = "shardframe") -> PyPlan:
    """Run ``plan``; the result is a plan over its partitions."""
    bar = _progress(desc)
    try:
        return plan.collect(options.config(), bar)
    finally:
        if bar is not None:
            bar.close()


def to_arrow(plan: PyPlan, desc: str = "shardframe") -> pa.Table:
    """Run ``plan`` and return all rows as a pyarrow Table."""
    bar = _progress(desc)
    try:
        stream = plan.to_arrow(options.config(), bar)
    finally:
        if bar is not None:
            bar.close()
    return read_stream(stream)


def read_stream(stream: Any) -> pa.Table:
    """The rows of an engine ``ArrowStream``, taken over without copying
    (``stream`` stays referenced until pyarrow owns them)."""
    import pyarrow as pa

    table = pa.RecordBatchReader._import_from_c(stream.address()).read_all()
    del stream
    return table


def arrow_to_pandas(table: pa.Table) -> Any:
    """pandas' view of engine rows: as pyarrow converts them, except that a
    boolean column with missing values holds NaN (pandas' missing marker in
    object columns), not None, a date or time column NaT, a list column
    Python lists (NaN where missing, as pandas' str.split), and a categorical
    one its pandas categories."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    pdf = table.to_pandas()
    for i, field in enumerate(table.schema):
        if pa.types.is_boolean(field.type) and table.column(i).null_count:
            values = pdf.iloc[:, i]
            pdf.isetitem(i, values.where(values.notna(), np.nan))
        elif (pa.types.is_date(field.type) or pa.types.is_time(field.type)) and table.column(i).null_count:
            values = pdf.iloc[:, i]
            pdf.isetitem(i, values.where(values.notna(), pd.NaT))
        elif pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            # Python lists and NaN, as pandas' own list results (str.split,
            # findall) hold them; pyarrow would give arrays and None
            items = table.column(i).to_pylist()
            pdf.isetitem(i, pd.Series([np.nan if v is None else v for v in items], index=pdf.index, dtype=object))
        elif pa.types.is_dictionary(field.type):
            pdf.isetitem(i, _categories.from_engine(pdf.iloc[:, i], _categories.enum_labels(field)))
    return pdf


def from_pandas_frame(df: Any) -> PyPlan:
    """Partition a pandas DataFrame (columns only, no index) into the store."""
    import pyarrow as pa

    from shardframe.exceptions import InvalidOperationError

    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidOperationError(f"cannot store these columns: {exc}") from exc
    for i, dtype in enumerate(df.dtypes):
        if _categories.is_categorical(dtype):
            table = _as_category(table, i, dtype, df.columns[i])
    return from_arrow(table)


def _as_category(table: pa.Table, i: int, dtype: Any, label: Any) -> pa.Table:
    """``table`` with column ``i`` (a pandas categorical of ``dtype``, as
    pyarrow converted it) as the engine holds categoricals."""
    from shardframe.exceptions import InvalidOperationError

    encoded = _categories.to_engine(table.column(i), dtype)
    if encoded is None:
        raise InvalidOperationError(f"cannot store column {label!r}: two of its categories have the same text")
    field, column = encoded
    return table.set_column(i, field.with_name(table.field(i).name), column)


def from_arrow(table: pa.Table) -> PyPlan:
    """Partition a table into the store. The engine reads it through the
    Arrow C stream interface, sharing its buffers (text is copied into
    Polars' layout, in batches of at most ``_CONVERT_BYTES``), and stores
    partitions of ``options.partition_bytes`` compressed as they fill."""
    import pyarrow as pa

    from shardframe._core import ArrowStream, FrameBuilder

    for field in table.schema:
        if isinstance(field.type, pa.ExtensionType):
            from shardframe.exceptions import InvalidOperationError

            raise InvalidOperationError(f"cannot store column {field.name!r}: the engine has no type for "
                                        f"{field.type.extension_name} values")
    table = _dictionaries_as_categories(table.replace_schema_metadata(None))
    rows = table.num_rows
    per_row = max(1, table.nbytes // max(rows, 1))
    chunk = max(1, min(options.partition_bytes, _CONVERT_BYTES) // per_row)
    if options.max_partition_rows is not None:
        chunk = min(chunk, options.max_partition_rows)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=chunk))
    stream = ArrowStream.empty()
    reader._export_to_c(stream.address())
    builder = FrameBuilder(options.config())
    builder.push_stream(stream)
    return builder.finish()


def _dictionaries_as_categories(table: pa.Table) -> pa.Table:
    """Dictionary-encoded columns as the engine holds categoricals, with the
    categories pandas gives them (the dictionary's values, in order)."""
    import pandas as pd
    import pyarrow as pa

    plain = [i for i, f in enumerate(table.schema)
             if pa.types.is_dictionary(f.type) and _categories.ENUM_KEY not in (f.metadata or {})]
    if not plain:
        return table
    table = table.unify_dictionaries()
    for i in plain:
        field, column = table.field(i), table.column(i)
        values = column.chunk(0).dictionary if column.num_chunks else pa.array([], field.type.value_type)
        dtype = pd.CategoricalDtype(values.to_pandas(), ordered=field.type.ordered)
        table = _as_category(table, i, dtype, field.name)
    return table


#: Largest Arrow chunk handed to the engine at once when converting a table.
_CONVERT_BYTES = 8 << 20
