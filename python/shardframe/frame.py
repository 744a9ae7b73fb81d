"""DataFrame: pandas' API over a lazy plan of partitioned, compressed columns."""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from shardframe import _engine
from shardframe._base import IndexSpec, _Rows, select_json
from shardframe._engine import VALUE_COL as VALUE
from shardframe._engine import index_col
from shardframe._expr import MAX_DEPTH, MAX_PLAN_DEPTH, Expr, col, dumps, lit
from shardframe.exceptions import ColumnNotFoundError
from shardframe.series import Series

if TYPE_CHECKING:
    import pandas as pd

    from shardframe._core import PyPlan


class DataFrame(_Rows):
    """A two-dimensional table with pandas' API, evaluated lazily.

    Build it like a pandas DataFrame (a dict of lists or arrays, a list of
    dicts, a 2-D array with ``columns``, a pandas DataFrame, or any object
    exporting Arrow data through ``__arrow_c_stream__``).

    Examples
    --------
    >>> import shardframe as sf
    >>> df = sf.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
    >>> df[df.a > 1].b.sum()
    np.float64(4.0)
    """

    _plan: PyPlan
    _cols: dict[Hashable, Expr]
    _index: IndexSpec

    def __init__(self, data: Any = None, index: Any = None, columns: Any = None, dtype: Any = None) -> None:
        import pandas as pd

        if isinstance(data, DataFrame):
            self._init(data._plan, dict(data._cols), data._index)
            return
        if isinstance(data, dict) and any(isinstance(v, Series) for v in data.values()):
            if all(isinstance(v, Series) for v in data.values()) and index is None and columns is None and dtype is None:
                out = _from_series(data)
                self._init(out._plan, dict(out._cols), out._index)
                return
            # Series keep their labels: pandas aligns them on their indexes.
            data = {k: v.to_pandas() if isinstance(v, Series) else v for k, v in data.items()}
        if _plain_arrays(data) and index is None and columns is None and dtype is None:
            # numpy arrays of numbers, booleans or strings go to Arrow without a
            # pandas copy (NaN still means missing, as in pandas).
            import pyarrow as pa

            table = pa.table({str(k): pa.array(v, from_pandas=True) for k, v in data.items()})
            plan = _engine.from_arrow(table)
            self._init(plan, {k: col(str(k)) for k in data}, None)
            return
        if data is not None and hasattr(data, "__arrow_c_stream__") and not isinstance(data, pd.DataFrame):
            import pyarrow as pa

            table = data if isinstance(data, pa.Table) else pa.table(data)
            plan = _engine.from_arrow(table)
            self._init(plan, {c: col(c) for c in table.column_names}, None)
            return
        pdf = data if isinstance(data, pd.DataFrame) and index is None and columns is None and dtype is None else pd.DataFrame(
            data, index=index, columns=columns, dtype=dtype
        )
        self._init_from_pandas(pdf)

    def _init_from_pandas(self, pdf: pd.DataFrame) -> None:
        import pandas as pd

        if pdf.columns.duplicated().any():
            raise ValueError("shardframe does not support duplicate column names")
        names = [str(c) for c in pdf.columns]
        store = pdf.copy(deep=False)
        store.columns = names
        index: IndexSpec = None
        idx = pdf.index
        # A default RangeIndex is implicit; a named one is kept as labels.
        if not (isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1 and idx.name is None):
            for i in range(idx.nlevels):
                store[index_col(i)] = idx.get_level_values(i)
            index = [(name, col(index_col(i))) for i, name in enumerate(idx.names)]
        plan = _engine.from_pandas_frame(store)
        self._init(plan, {orig: col(name) for orig, name in zip(pdf.columns, names, strict=True)}, index)
        if isinstance(pdf.columns, pd.RangeIndex) and not len(pdf.columns):
            object.__setattr__(self, "_no_labels", True)  # DataFrame(): pandas' labels are a RangeIndex

    def _init(self, plan: PyPlan, cols: dict[Hashable, Expr], index: IndexSpec) -> None:
        _check_names(cols)
        if plan.depth() > MAX_PLAN_DEPTH:
            plan = _engine.collect(plan)  # a long chain of steps, computed before it grows deeper
        object.__setattr__(self, "_plan", plan)
        object.__setattr__(self, "_cols", cols)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_cache", None)

    @classmethod
    def _new(cls, plan: PyPlan, cols: dict[Hashable, Expr], index: IndexSpec) -> DataFrame:
        df = cls.__new__(cls)
        df._init(plan, cols, index)
        return df

    @classmethod
    def _from_plan(cls, plan: PyPlan, names: list[Hashable], index: IndexSpec) -> DataFrame:
        """A frame whose columns are the plan's own output columns."""
        return cls._new(plan, {n: col(str(n)) for n in names}, index)

    # -- plan helpers ------------------------------------------------------------
    def _output_plan(self) -> PyPlan:
        """Index columns then data columns, as one plan (cached once run)."""
        cache = self.__dict__.get("_cache")
        if cache is not None:
            return cache
        items = self._index_exprs() + [{"name": str(n), "expr": e} for n, e in self._cols.items()]
        return self._plan.select(select_json(items))

    def _rebase(self, plan: PyPlan) -> DataFrame:
        """A frame over ``plan``, which has this frame's output columns."""
        return DataFrame._from_plan(plan, list(self._cols), self._rebased_index())

    def _set_cols(self, cols: dict[Hashable, Expr]) -> None:
        _check_names(cols)
        # Validate the new columns now, so errors surface where pandas raises them.
        items = self._index_exprs() + [{"name": str(n), "expr": e} for n, e in cols.items()]
        self._plan.select(select_json(items))
        object.__setattr__(self, "_cols", cols)
        object.__setattr__(self, "_cache", None)
        if any(e.depth > MAX_DEPTH for e in cols.values()):
            # A long chain of assignments: computed now, before it grows deeper
            # than the engine reads (pandas would have computed each step).
            done = self._rebase(self._materialize())
            self._init(done._plan, dict(done._cols), done._index)

    def _materialize(self) -> PyPlan:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = _engine.collect(self._output_plan())
            object.__setattr__(self, "_cache", cache)
        return cache

    def _export_plan(self) -> PyPlan:
        """The plan to convert to Arrow: the kept result if there is one,
        else the output plan itself (run for the conversion alone, its result
        is not compressed into the store only to be decoded again)."""
        cache = self.__dict__.get("_cache")
        return cache if cache is not None else self._output_plan()

    def collect(self) -> DataFrame:
        """Run the plan now and keep the result in the partition store."""
        return self._rebase(self._materialize())

    def _schema(self) -> dict[str, str]:
        return dict(self._output_plan().schema())

    # -- metadata -------------------------------------------------------------
    @property
    def columns(self) -> pd.Index:

        return _columns_index(list(self._cols), self.__dict__.get("_no_labels", False))

    @columns.setter
    def columns(self, names: Any) -> None:
        names = list(names)
        if len(names) != len(self._cols):
            raise ValueError(
                f"Length mismatch: Expected axis has {len(self._cols)} elements, new values have {len(names)} elements"
            )
        self._set_cols(_unique_labels(zip(names, self._cols.values(), strict=True)))

    @property
    def dtypes(self) -> pd.Series:
        import pandas as pd

        schema = self._schema()
        dtypes = {n: _pandas_dtype(schema[str(n)]) for n in self._cols}
        cats = [n for n in self._cols if schema[str(n)] == "category"]
        if cats:
            # categories come with the column types: one query, no row read
            items = [{"name": f"c{i}", "expr": self._cols[n]} for i, n in enumerate(cats)]
            empty = _engine.arrow_to_pandas(_engine.to_arrow(self._plan.select(select_json(items)).slice(0, 0)))
            dtypes.update({n: empty[f"c{i}"].dtype for i, n in enumerate(cats)})
        return pd.Series(dtypes, dtype=object)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), len(self._cols))

    @property
    def size(self) -> int:
        return len(self) * len(self._cols)

    @property
    def ndim(self) -> int:
        return 2

    @property
    def empty(self) -> bool:
        return len(self._cols) == 0 or len(self) == 0

    @property
    def index(self) -> pd.Index:
        return self._index_pandas()

    @index.setter
    def index(self, labels: Any) -> None:
        """New row labels by position (``df.index = [...]``), as in pandas."""
        import pandas as pd

        idx = labels if isinstance(labels, pd.Index) else pd.Index(labels)
        if len(idx) != len(self):
            raise ValueError(f"Length mismatch: Expected axis has {len(self)} elements, "
                             f"new values have {len(idx)} elements")
        if isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1 and idx.name is None:
            out = self.reset_index(drop=True)
        else:
            levels = {_free_name(self._cols, f"__new_index_{i}__"): idx.get_level_values(i)
                      for i in range(idx.nlevels)}
            out = self.copy()
            for name, values in levels.items():
                out._set_positional(name, Series(values.to_numpy()), positional=True)
            cols = {k: v for k, v in out._cols.items() if k not in levels}
            index = [(label, out._cols[name]) for label, name in zip(idx.names, levels, strict=True)]
            out = DataFrame._new(out._plan, cols, index)
        assert out is not None
        self._init(out._plan, dict(out._cols), out._index)

    def _index_pandas(self) -> pd.Index:
        import pandas as pd

        if self._index is None:
            return pd.RangeIndex(len(self))
        items = self._index_exprs()
        table = _engine.to_arrow(self._plan.select(select_json(items)))
        pdf = self._set_index(_engine.arrow_to_pandas(table), self._index_names(), len(items))
        return pdf.index

    def _index_at(self, pos: int) -> Any:
        if self._index is None:
            return np.int64(pos)
        items = self._index_exprs()
        table = _engine.to_arrow(self._plan.select(select_json(items)).slice(pos, 1))
        pdf = self._set_index(_engine.arrow_to_pandas(table), self._index_names(), len(items))
        return pdf.index[0]

    def __len__(self) -> int:
        cache = self.__dict__.get("_cache")
        if cache is not None or not self._cols:
            return int(self._materialize().num_rows(_config()))
        # a column that reads the rows (a literal's size is one)
        reading = next((e for e in self._cols.values() if e.reads_columns()), None)
        return self._count_rows(reading)

    def storage(self) -> dict[str, Any]:
        """Partitions, rows, raw and compressed bytes, and their ratio."""
        info = dict(self._materialize().storage(_config()))
        raw = info["raw_bytes"]
        info["ratio"] = raw / info["compressed_bytes"] if info["compressed_bytes"] else 1.0
        return info

    def memory_usage(self, index: bool = True, deep: bool = False) -> pd.Series:
        """Bytes of each column as decoded (what pandas would hold), from partition statistics."""
        import pandas as pd

        info = self._materialize().storage(_config())
        sizes = info["column_bytes"]
        rows = info["rows"]
        dtypes = self._schema_by_label()
        # Fixed-width columns take what pandas' numpy arrays take; strings their
        # decoded Arrow buffers.
        data = {n: sizes[str(n)] if dtypes[n] == "str" else rows * _pandas_dtype(dtypes[n]).itemsize for n in self._cols}
        out = pd.Series(data, dtype="int64")
        out.index = _columns_index(list(self._cols))
        if index:
            idx_bytes = 132 if self._index is None else sum(sizes[index_col(i)] for i in range(len(self._index)))
            out = pd.concat([pd.Series({"Index": idx_bytes}, dtype="int64"), out])
        return out

    def explain(self) -> PlanText:
        """The plan as it will run (after projection pruning), root first.

        Printed in a terminal; in a notebook the returned value renders as a
        preformatted block."""
        text = PlanText(self._output_plan().explain())
        if not _in_notebook():
            print(text, end="")
        return text

    # -- conversion -------------------------------------------------------------
    def to_pandas(self) -> pd.DataFrame:
        """Run the plan and return a pandas DataFrame."""
        table = _engine.to_arrow(self._export_plan())
        pdf = _engine.arrow_to_pandas(table)
        n_index = 0 if self._index is None else len(self._index)
        pdf = self._set_index(pdf, self._index_names(), n_index)
        pdf.columns = _columns_index(list(self._cols), self.__dict__.get("_no_labels", False))
        names = self.__dict__.get("_col_names")
        if names is not None:
            pdf.columns.names = names
        return pdf

    def to_numpy(self, dtype: Any = None, copy: bool = False, na_value: Any = None) -> np.ndarray:
        if na_value is not None:
            return self.to_pandas().to_numpy(dtype=dtype, na_value=na_value)
        return self.to_pandas().to_numpy(dtype=dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.to_numpy(dtype=dtype)

    @property
    def values(self) -> np.ndarray:
        return self.to_numpy()

    def to_dict(self, orient: str = "dict", into: type = dict, index: bool = True) -> Any:
        return self.to_pandas().to_dict(orient=orient, into=into, index=index)  # type: ignore[call-overload]

    def to_arrow(self) -> Any:
        """All rows as a pyarrow Table, straight from the engine (index levels
        first, named as pandas names them, when the index is not a RangeIndex)."""
        table = _engine.to_arrow(self._export_plan())
        names = [f"__index_level_{i}__" if label is None else str(label) for i, label in enumerate(self._index_names())]
        return table.rename_columns(names + [str(c) for c in self._cols])

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    def to_parquet(self, path: str, engine: str = "auto", compression: str | None = "zstd",
                   index: bool | None = None, partition_cols: Any = None, **kwargs: Any) -> None:
        """Write a parquet file (zstd-compressed); a failed write leaves no
        file behind, and the file appears under its name only when complete."""
        if kwargs:
            raise TypeError(f"to_parquet() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        if engine not in ("auto", "pyarrow"):
            raise ValueError(f"engine must be one of 'pyarrow', 'auto', got {engine!r}")
        if compression not in ("zstd", "snappy", None) or partition_cols is not None:
            self._fallback("to_parquet")(path, engine=engine, compression=compression, index=index,
                                         partition_cols=partition_cols)
            if partition_cols is not None:
                # a dataset directory: the marker, written last, says it is complete
                open(os.path.join(path, "_SUCCESS"), "wb").close()
            return None
        frame = self.reset_index() if (index or (index is None and self._index is not None)) else self
        frame._unmarked_categories()._write(path, "parquet", {"compression": compression or "uncompressed"})

    def _unmarked_categories(self) -> DataFrame:
        """This frame with each categorical column's categories as their
        labels alone (without the label that names a dtype, see
        ``_categories``), as a file holds them."""
        from shardframe import _categories

        schema = self._schema()
        if not any(schema[str(n)] == "category" for n in self._cols):
            return self
        cols = dict(self._cols)
        for name, dtype in self.dtypes.items():
            if _categories.is_categorical(dtype) and _categories.is_marked(dtype):
                plain = [str(c) for c in dtype.categories]
                cols[name] = cols[name].fn("cat_codes").fn("codes_to_category", categories=plain)
        return DataFrame._new(self._plan, cols, self._index)

    def to_csv(self, path: str | None = None, sep: str = ",", na_rep: str = "", header: bool = True, index: bool = True, **kwargs: Any) -> str | None:
        """Write a CSV file (or return the text when ``path`` is None)."""
        if path is None:
            return self._render("to_csv", None, sep=sep, na_rep=na_rep, header=header, index=index, **kwargs)
        if kwargs or len(sep.encode()) != 1:
            return self._fallback("to_csv")(path, sep=sep, na_rep=na_rep, header=header, index=index, **kwargs)
        frame = self
        if index:
            frame = self.reset_index()
            if self._index is None:
                first = frame.columns[0]
                frame = frame.rename(columns={first: ""})
        frame._write(path, "csv", {"sep": sep, "na_rep": na_rep, "header": header})
        return None

    def to_html(self, *args: Any, **kwargs: Any) -> Any:
        """An HTML table, as pandas writes it."""
        return self._render("to_html", *args, **kwargs)

    def to_records(self, *args: Any, **kwargs: Any) -> Any:
        """A numpy record array of the rows."""
        return self._render("to_records", *args, **kwargs)

    def to_xml(self, *args: Any, **kwargs: Any) -> Any:
        """XML text (or a file), as pandas writes it."""
        return self._render("to_xml", *args, **kwargs)

    def to_feather(self, path: Any, **kwargs: Any) -> None:
        """A Feather (Arrow IPC) file of the rows."""
        import pyarrow.feather as feather

        feather.write_feather(self.reset_index().to_arrow() if self._index is not None else self.to_arrow(),
                              path, **kwargs)

    def to_stata(self, *args: Any, **kwargs: Any) -> Any:
        """A Stata file, through pandas' writer."""
        return self._render("to_stata", *args, **kwargs)

    def _write(self, path: str, fmt: str, opts: dict[str, Any]) -> None:
        plan = self._materialize() if self._index is None else self._rebase(self._materialize())._data_plan()
        if self._index is not None:
            plan = self._data_plan()
        plan.write(str(path), fmt, _config(), dumps(opts))

    def _data_plan(self) -> PyPlan:
        items = [{"name": str(n), "expr": e} for n, e in self._cols.items()]
        return self._plan.select(select_json(items))

    # -- display --------------------------------------------------------------------
    def __repr__(self) -> str:
        n = len(self)
        pdf = _truncated_pandas(self, n)
        text = repr(pdf)
        if n != len(pdf):
            text = text.replace(f"[{len(pdf)} rows x", f"[{n} rows x")
        return text

    def _repr_html_(self) -> str:
        n = len(self)
        pdf = _truncated_pandas(self, n)
        html = pdf._repr_html_() or ""
        if n != len(pdf):
            html = html.replace(f"{len(pdf)} rows ×", f"{n} rows ×")
        return html

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        cols = self.__dict__.get("_cols", {})
        if name in cols:
            return self[name]
        return self._fallback(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {str(c) for c in self._cols})

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._cols))

    def __contains__(self, key: Any) -> bool:
        return key in self._cols

    def keys(self) -> pd.Index:
        return self.columns

    def items(self) -> Iterator[tuple[Hashable, Series]]:
        for name in list(self._cols):
            yield name, self[name]

    def iterrows(self) -> Iterator[tuple[Any, pd.Series]]:
        return self.to_pandas().iterrows()

    def itertuples(self, index: bool = True, name: str | None = "Pandas") -> Any:
        return self.to_pandas().itertuples(index=index, name=name)

    def __bool__(self) -> bool:
        raise ValueError(
            "The truth value of a DataFrame is ambiguous. Use a.empty, a.bool(), a.item(), a.any() or a.all()."
        )

    def copy(self, deep: bool = True) -> DataFrame:
        out = DataFrame._new(self._plan, dict(self._cols), self._index)
        object.__setattr__(out, "_cache", self.__dict__.get("_cache"))
        return out

    # -- selection -----------------------------------------------------------------
    def _column(self, name: Hashable) -> Series:
        if name not in self._cols:
            raise ColumnNotFoundError(name)
        return Series._new(self._plan, self._cols[name], name, self._index)

    def __getitem__(self, key: Any) -> Any:
        if callable(key):
            # pandas: df[lambda d: d.x > 0] selects with the callable's result.
            key = key(self)
        if isinstance(key, Series):
            return self._filter(key)
        if isinstance(key, slice):
            return self.iloc[key]
        if isinstance(key, (list, tuple, np.ndarray)) or _is_index(key):
            keys = list(key)
            if keys and all(isinstance(k, (bool, np.bool_)) for k in keys):
                if len(keys) != len(self):
                    raise ValueError(f"Item wrong length {len(keys)} instead of {len(self)}.")
                return self._filter(Series(np.asarray(keys, dtype=bool)), positional=True)
            missing = [k for k in keys if k not in self._cols]
            if missing:
                raise ColumnNotFoundError(f"None of [{missing}] are in the [columns]" if len(missing) == len(keys) else f"{missing} not in index")
            return DataFrame._new(self._plan, {k: self._cols[k] for k in keys}, self._index)
        return self._column(key)

    def _filter(self, mask: Series, positional: bool = False) -> DataFrame:
        if mask._plan is not self._plan:
            # pandas aligns a boolean Series on the index (an array: by position).
            aligned = self._aligned_column(mask, positional)
            name = _free_name(self._cols, "__mask__")
            base = DataFrame._new(aligned, {**self._rebase_cols(aligned), name: col(VALUE)}, self._rebased_index())
            return base._filter_by_col(name)
        plan, index = self._with_positions()
        items = [{"name": index_col(i), "expr": e} for i, (_, e) in enumerate(index or [])]
        items += [{"name": str(n), "expr": e} for n, e in self._cols.items()]
        pred = mask._expr.fn("fill_null", lit(False)) if mask._engine_dtype() == "bool" else mask._expr
        if mask._engine_dtype() != "bool":
            raise ValueError("Cannot mask with non-boolean array containing NA / NaN values")
        new_plan = plan.filter(dumps(pred)).select(select_json(items))
        out_index = [(label, col(index_col(i))) for i, (label, _) in enumerate(index or [])]
        return DataFrame._from_plan(new_plan, list(self._cols), out_index)

    def reindex(self, labels: Any = None, *, index: Any = None, columns: Any = None, axis: Any = None,
                method: str | None = None, fill_value: Any = None, **kwargs: Any) -> DataFrame:
        """Rows (and columns) in the order of the labels given, missing where
        the frame has no such label, as :meth:`pandas.DataFrame.reindex`.

        Examples
        --------
        >>> import shardframe as sf
        >>> df = sf.DataFrame({"a": [1, 2]}, index=["x", "y"])
        >>> df.reindex(["y", "z"]).a.to_list()
        [2.0, nan]
        """
        if labels is not None:
            if axis in (1, "columns"):
                columns = labels
            else:
                index = labels
        if method is not None or kwargs or (self._index is not None and len(self._index) > 1):
            return self._fallback("reindex")(index=index, columns=columns, method=method, fill_value=fill_value,
                                             **kwargs)
        from shardframe.indexing import reindex_rows

        out = self if index is None else reindex_rows(self, index, fill_value)
        if columns is not None:
            missing = _missing_floats() if fill_value is None else lit(fill_value)
            out = out._with_cols({c: out._cols.get(c, missing) for c in columns})
        return out

    def filter(self, items: Any = None, like: str | None = None, regex: str | None = None,
               axis: Any = None, cond: Any = None) -> DataFrame:
        """Columns (or, with ``axis=0``, rows) whose label is in ``items``,
        contains ``like`` or matches ``regex``; or the rows where the mask
        ``cond`` is True (a Series aligned on the index).

        Examples
        --------
        >>> import shardframe as sf
        >>> df = sf.DataFrame({"one": [1], "two": [2], "three": [3]})
        >>> list(df.filter(like="t").columns)
        ['two', 'three']
        >>> list(df.filter(items=["three", "one"]).columns)
        ['three', 'one']
        """
        import re

        if cond is not None:
            if items is not None or like is not None or regex is not None:
                raise TypeError("Keyword arguments `items`, `like`, `regex` and `cond` are mutually exclusive")
            if isinstance(cond, Series):
                return self[cond]  # type: ignore[no-any-return]
            return self[list(np.asarray(cond, dtype=bool))]  # type: ignore[no-any-return]
        if sum(x is not None for x in (items, like, regex)) != 1:
            raise TypeError("Keyword arguments `items`, `like`, or `regex` are mutually exclusive")
        if axis in (0, "index", "rows"):
            if items is not None:
                present = set(self.index)
                return self.loc[[i for i in items if i in present]]  # type: ignore[no-any-return]
            f, idx = self._with_index_series()
            text = idx.astype(str)
            mask = text.str.contains(like, regex=False) if like is not None else text.str.contains(regex)
            return f[mask]
        if items is not None:
            return self[[c for c in items if c in self._cols]]  # type: ignore[no-any-return]
        if like is not None:
            return self[[c for c in self._cols if like in str(c)]]  # type: ignore[no-any-return]
        pattern = re.compile(str(regex))
        return self[[c for c in self._cols if pattern.search(str(c))]]  # type: ignore[no-any-return]

    def _filter_by_col(self, name: str) -> DataFrame:
        mask = self[name]
        out = self._filter(mask)
        return out.drop(columns=[name])

    @property
    def loc(self) -> Any:
        from shardframe.indexing import FrameLoc

        return FrameLoc(self)

    @property
    def iloc(self) -> Any:
        from shardframe.indexing import FrameILoc

        return FrameILoc(self)

    def head(self, n: int = 5) -> DataFrame:
        if n < 0:
            return self.iloc[:n]
        return self._slice(0, n)

    def tail(self, n: int = 5) -> DataFrame:
        if n == 0:
            return self._slice(0, 0)
        if n < 0:
            return self.iloc[-n:]
        return self._slice(-n, n)

    def _slice(self, offset: int, length: int) -> DataFrame:
        plan, index = self._output_plan(), self._rebased_index()
        if self._index is None:
            # Positions become labels: keep them explicitly.
            plan = self._plan.row_index(index_col(0))
            items = [{"name": index_col(0), "expr": col(index_col(0))}]
            items += [{"name": str(n), "expr": e} for n, e in self._cols.items()]
            plan = plan.select(select_json(items))
            index = [(None, col(index_col(0)))]
            out = DataFrame._from_plan(plan.slice(offset, length), list(self._cols), index)
            return out
        return DataFrame._from_plan(plan.slice(offset, length), list(self._cols), index)

    def query(self, expr: str, *, inplace: bool = False, local_dict: dict[str, Any] | None = None,
              level: int = 0, **kwargs: Any) -> DataFrame | None:
        """Filter rows with a boolean expression over column names; ``@name``
        reads a variable of the calling code.

        Examples
        --------
        >>> import shardframe as sf
        >>> df = sf.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "x"]})
        >>> limit = 1
        >>> df.query("a > @limit and b == 'x'").a.to_list()
        [3]
        """
        from shardframe._query import evaluate

        return self._result(self[evaluate(self, expr, local_dict, level)], inplace)

    def eval(self, expr: str, *, inplace: bool = False, local_dict: dict[str, Any] | None = None,
             level: int = 0, **kwargs: Any) -> Any:
        """Evaluate an expression over column names (``"a + b"``), or assign
        columns (``"c = a + b"``, one assignment a line); ``@name`` reads a
        variable of the calling code. Names are never looked up in modules.

        Examples
        --------
        >>> import shardframe as sf
        >>> df = sf.DataFrame({"a": [1, 2], "b": [10, 20]})
        >>> df.eval("a + b").to_list()
        [11, 22]
        >>> df.eval("c = a * 2").c.to_list()
        [2, 4]
        """
        from shardframe._query import evaluate_statements

        value, assigned = evaluate_statements(self, expr, local_dict, level)
        if not assigned:
            return value
        out = self if inplace else self.copy()
        for name, column in assigned.items():
            out[name] = column
        return None if inplace else out

    def isin(self, values: Any) -> DataFrame:
        if isinstance(values, dict):
            cols = {n: (self._cols[n].fn("is_in", _lit_list(values[n])) if n in values else lit(False)) for n in self._cols}
        else:
            vals = list(values)
            cols = {n: e.fn("is_in", _lit_list(vals)) for n, e in self._cols.items()}
        return self._with_cols(cols)

    def _with_cols(self, cols: dict[Hashable, Expr]) -> DataFrame:
        out = DataFrame._new(self._plan, cols, self._index)
        out._output_plan().schema()
        return out

    # -- assignment ---------------------------------------------------------------------
    def _as_expr(self, value: Any, name: Hashable) -> Expr:
        if isinstance(value, Series):
            if value._plan is self._plan:
                return value._expr
            raise _NeedsPositional()
        if isinstance(value, DataFrame):
            raise ValueError("Cannot set a DataFrame with multiple columns to the single column " + str(name))
        if isinstance(value, (list, tuple, np.ndarray)) or _is_pandas_array(value):
            raise _NeedsPositional()
        # one value on every row: tied to a column of the plan, so that it has
        # the frame's rows wherever it is read alone (len, a reduction)
        rows = next(iter(self._plan.schema()), None)
        value_expr = lit(value)
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            value_expr = value_expr.fn("cast", dtype="int64")  # pandas' default width, not the literal's
        elif isinstance(value, (float, np.floating)):
            value_expr = value_expr.fn("cast", dtype="float64")
        return value_expr if rows is None else value_expr.fn("broadcast", col(rows[0]))

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, (list, tuple)):
            if isinstance(value, DataFrame):
                for k, v in zip(key, value.columns, strict=True):
                    self[k] = value[v]
                return
            for k in key:
                self[k] = value
            return
        if isinstance(key, Series):
            raise TypeError("use df.loc[mask, column] = value to assign to masked rows")
        try:
            expr = self._as_expr(value, key)
        except _NeedsPositional:
            self._set_positional(key, value)
            return
        cols = dict(self._cols)
        cols[key] = expr
        self._set_cols(cols)

    def _set_positional(self, key: Hashable, value: Any, positional: bool = False) -> None:
        """Assign values that do not come from this frame's plan: a Series is
        aligned on the index (pandas' reindex), an array or list by position.
        Both are engine joins; this frame keeps its row order."""
        aligned = self._aligned_column(value, positional)
        cols = dict(self._rebase_cols(aligned))
        cols[key] = col(VALUE)
        out = DataFrame._new(aligned, cols, self._rebased_index())
        out._output_plan().schema()
        self._init(out._plan, out._cols, out._index)

    def _rebase_cols(self, plan: PyPlan) -> dict[Hashable, Expr]:
        return {n: col(str(n)) for n in self._cols}

    def _aligned_column(self, value: Any, positional: bool = False) -> PyPlan:
        """This frame's output (index and data columns) plus column ``VALUE``
        holding ``value`` aligned to its rows (by position when ``positional``)."""
        import pandas as pd

        own = self._output_plan()
        if positional and isinstance(value, Series):
            if len(value) != len(self):
                raise ValueError(f"Length of values ({len(value)}) does not match length of index ({len(self)})")
            right = value._plan.select(select_json([{"name": VALUE, "expr": value._expr}])).row_index("__pos__")
            spec = {"how": "inner", "left_on": ["__pos__"], "right_on": ["__pos__"], "coalesce": True}
            joined = own.row_index("__pos__").join(right, dumps(spec))
            items = [{"name": n, "expr": col(n)} for n, _ in own.schema()] + [{"name": VALUE, "expr": col(VALUE)}]
            return joined.select(select_json(items))
        if isinstance(value, pd.Series):
            value = Series(value)
        if isinstance(value, Series):
            n_levels = 1 if self._index is None else len(self._index)
            other_levels = 1 if value._index is None else len(value._index)
            if n_levels != other_levels:
                raise ValueError("cannot align on indexes with different numbers of levels")
            keys = [index_col(i) for i in range(n_levels)]
            if self._index is None:
                own = own.row_index(index_col(0))
            right = value._value_plan()
            if value._index is None:
                right = right.row_index(index_col(0))
            if _has_duplicate_keys(right, keys):
                raise ValueError("cannot reindex on an axis with duplicate labels")
            spec = {"how": "left", "left_on": keys, "right_on": keys, "coalesce": True, "nulls_equal": True}
            joined = own.join(right, dumps(spec))
            if self._index is None:
                names = [n for n, _ in joined.schema() if n != index_col(0)]
                joined = joined.select(select_json([{"name": n, "expr": col(n)} for n in names]))
            return joined
        arr = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
        n = len(self)
        if arr.ndim != 1 or len(arr) != n:
            raise ValueError(f"Length of values ({len(arr)}) does not match length of index ({n})")
        right = DataFrame({VALUE: arr})._output_plan().row_index("__pos__")
        spec = {"how": "inner", "left_on": ["__pos__"], "right_on": ["__pos__"], "coalesce": True}
        joined = own.row_index("__pos__").join(right, dumps(spec))
        items = [{"name": n, "expr": col(n)} for n, _ in own.schema()] + [{"name": VALUE, "expr": col(VALUE)}]
        return joined.select(select_json(items))

    def assign(self, **kwargs: Any) -> DataFrame:
        out = self.copy()
        for name, value in kwargs.items():
            out[name] = value(out) if callable(value) else value
        return out

    def insert(self, loc: int, column: Hashable, value: Any, allow_duplicates: bool = False) -> None:
        if column in self._cols:
            raise ValueError(f"cannot insert {column}, already exists")
        self[column] = value
        names = list(self._cols)
        names.remove(column)
        names.insert(loc, column)
        self._set_cols({n: self._cols[n] for n in names})

    def __delitem__(self, key: Hashable) -> None:
        if key not in self._cols:
            raise ColumnNotFoundError(key)
        cols = dict(self._cols)
        del cols[key]
        self._set_cols(cols)

    def pop(self, item: Hashable) -> Series:
        s = self[item]
        del self[item]
        return s

    def drop(self, labels: Any = None, axis: int | str = 0, index: Any = None, columns: Any = None, errors: str = "raise", inplace: bool = False) -> DataFrame | None:
        if labels is None and index is None and columns is None:
            raise ValueError("Need to specify at least one of 'labels', 'index' or 'columns'")
        if labels is not None:
            if axis in (1, "columns"):
                columns = labels
            else:
                index = labels
        out = self
        if columns is not None:
            names = [columns] if not isinstance(columns, (list, tuple, set)) and not _is_index(columns) else list(columns)
            missing = [c for c in names if c not in self._cols]
            if missing and errors == "raise":
                raise ColumnNotFoundError(f"{missing} not found in axis")
            out = DataFrame._new(self._plan, {k: v for k, v in self._cols.items() if k not in names}, self._index)
        if index is not None:
            labels_ = list(index) if isinstance(index, (list, tuple, set)) else [index]
            idx = out.index
            missing = [x for x in labels_ if x not in idx]
            if missing and errors == "raise":
                raise KeyError(f"{missing} not found in axis")
            base, idx_s = out._with_index_series()
            out = base[~idx_s.isin(labels_)]
        return self._result(out, inplace)

    def _with_index_series(self) -> tuple[DataFrame, Series]:
        """This frame and its (single-level) index as a Series over the same
        plan, so the index can be used in masks."""
        if self._index is None:
            name = _free_name({n for n, _ in self._plan.schema()}, "__pos__")
            plan = self._plan.row_index(name)
            base = DataFrame._new(plan, dict(self._cols), None)
            return base, Series._new(plan, col(name), None, None)
        if len(self._index) != 1:
            raise TypeError("only a single-level index is supported here")
        return self, Series._new(self._plan, self._index[0][1], self._index[0][0], self._index)

    def _result(self, out: DataFrame, inplace: bool) -> DataFrame | None:
        if inplace:
            self._init(out._plan, out._cols, out._index)
            object.__setattr__(self, "_cache", out.__dict__.get("_cache"))
            return None
        return out

    def rename(self, mapper: Any = None, index: Any = None, columns: Any = None, axis: Any = None, inplace: bool = False, errors: str = "ignore") -> DataFrame | None:
        if mapper is not None and axis in (1, "columns"):
            columns = mapper
        elif mapper is not None:
            index = mapper
        if index is not None:
            return self._fallback("rename")(mapper=mapper, index=index, columns=columns, axis=axis, inplace=inplace, errors=errors)
        if columns is None:
            raise TypeError("must pass an index to rename")
        if errors == "raise" and isinstance(columns, dict):
            missing = [c for c in columns if c not in self._cols]
            if missing:
                raise KeyError(f"{missing} not found in axis")
        fn = columns if callable(columns) else (lambda c: columns.get(c, c))
        new = _unique_labels((fn(k), v) for k, v in self._cols.items())
        out = DataFrame._new(self._plan, new, self._index)
        return self._result(out, inplace)

    def set_index(self, keys: Any, drop: bool = True, append: bool = False, inplace: bool = False) -> DataFrame | None:
        names = list(keys) if isinstance(keys, (list, tuple)) else [keys]
        if not names:
            raise ValueError(f"Length mismatch: Expected axis has {len(self)} elements, new values have 0 elements")
        for k in names:
            if isinstance(k, Series):
                raise TypeError("set_index with a Series is not supported; assign it as a column first")
            if k not in self._cols:
                raise ColumnNotFoundError(f"None of {[k]} are in the columns")
        index = [(k, self._cols[k]) for k in names]
        if append and self._index is not None:
            index = list(self._index) + index
        cols = {k: v for k, v in self._cols.items() if not (drop and k in names)}
        return self._result(DataFrame._new(self._plan, cols, index), inplace)

    def reset_index(self, level: Any = None, drop: bool = False, inplace: bool = False, names: Any = None) -> DataFrame | None:
        cols: dict[Hashable, Expr] = {}
        if not drop:
            if self._index is None:
                if "index" in self._cols:
                    raise ValueError("cannot insert index, already exists")
                plan = self._plan.row_index("__pos__")
                cols["index"] = col("__pos__")
                cols.update(self._cols)
                out = DataFrame._new(plan, cols, None)
                out = out._rebase_range()
                return self._result(out, inplace)
            n = len(self._index)
            for i, (label, e) in enumerate(self._index):
                name = label if label is not None else ("index" if n == 1 else f"level_{i}")
                if name in self._cols:
                    raise ValueError(f"cannot insert {name}, already exists")
                cols[name] = e
        cols.update(self._cols)
        out = DataFrame._new(self._plan, cols, None)
        if self._index is not None:
            out = out._rebase_range()
        return self._result(out, inplace)

    def _rebase_range(self) -> DataFrame:
        """Materialize the columns into a new root with a fresh RangeIndex."""
        items = [{"name": str(n), "expr": e} for n, e in self._cols.items()]
        plan = self._plan.select(select_json(items))
        return DataFrame._from_plan(plan, list(self._cols), None)

    # -- missing data ----------------------------------------------------------------------
    def isna(self) -> DataFrame:
        return self._map_series(lambda s: s.isna())

    isnull = isna

    def notna(self) -> DataFrame:
        return self._map_series(lambda s: s.notna())

    notnull = notna

    def _map_series(self, fn: Callable[[Series], Series], names: list[Hashable] | None = None) -> DataFrame:
        cols = {}
        for n, e in self._cols.items():
            if names is None or n in names:
                cols[n] = fn(Series._new(self._plan, e, n, self._index))._expr
            else:
                cols[n] = e
        return self._with_cols(cols)

    def fillna(self, value: Any = None, *, limit: int | None = None, inplace: bool = False) -> DataFrame | None:
        if value is None:
            raise ValueError("Must specify a fill 'value' or 'method'.")
        if isinstance(value, dict):
            out = self._map_series(lambda s: s.fillna(value[s.name]), [k for k in value if k in self._cols])
        else:
            # Columns with nothing missing keep their type, as in pandas.
            dtypes = self._schema_by_label()
            accepts = [n for n, d in dtypes.items() if _accepts(d, value)]
            out = self._map_series(lambda s: s.fillna(value), accepts)
        return self._result(out, inplace)

    def ffill(self, *, axis: Any = 0, inplace: bool = False, limit: int | None = None) -> DataFrame | None:
        out = self._down_columns("ffill", axis, lambda s: s.ffill(limit=limit), limit=limit)
        return self._result(out, inplace)

    def bfill(self, *, axis: Any = 0, inplace: bool = False, limit: int | None = None) -> DataFrame | None:
        out = self._down_columns("bfill", axis, lambda s: s.bfill(limit=limit), limit=limit)
        return self._result(out, inplace)

    def _down_columns(self, name: str, axis: Any, fn: Callable[[Series], Series], **kwargs: Any) -> DataFrame:
        """``fn`` of every column (``axis=0``); across each row (``axis=1``)
        through pandas, announced."""
        if _axis_number(axis) == 1:
            return self._fallback(name)(axis=1, **kwargs)  # type: ignore[no-any-return]
        return self._map_series(fn)

    def dropna(self, axis: int | str = 0, how: str | None = None, thresh: int | None = None, subset: Any = None, inplace: bool = False, ignore_index: bool = False) -> DataFrame | None:
        if how not in (None, "any", "all"):
            raise ValueError(f"invalid how option: {how}")
        if axis not in (0, "index"):
            return self._fallback("dropna")(axis=axis, how=how, thresh=thresh, subset=subset)
        names = list(self._cols) if subset is None else ([subset] if isinstance(subset, str) else list(subset))
        missing = [n for n in names if n not in self._cols]
        if missing:
            raise KeyError(missing)
        notna = [self[n].notna() for n in names]
        if not notna:
            return self._result(self.copy(), inplace)
        if thresh is not None:
            count = notna[0].astype("int64")
            for m in notna[1:]:
                count = count + m.astype("int64")
            mask = count >= thresh
        elif how == "all":
            mask = notna[0]
            for m in notna[1:]:
                mask = mask | m
        else:
            mask = notna[0]
            for m in notna[1:]:
                mask = mask & m
        out = self[mask]
        if ignore_index:
            out = out.reset_index(drop=True)
        return self._result(out, inplace)

    def where(self, cond: Any, other: Any = None) -> DataFrame:
        return self._cond(cond, other, keep_true=True)

    def mask(self, cond: Any, other: Any = None) -> DataFrame:
        return self._cond(cond, other, keep_true=False)

    def _cond(self, cond: Any, other: Any, keep_true: bool) -> DataFrame:
        cols = {}
        for n, e in self._cols.items():
            if isinstance(cond, DataFrame):
                # pandas aligns: a column the condition lacks is all False.
                c = cond._cols[n] if n in cond._cols else lit(False)
            elif isinstance(cond, Series):
                c = cond._expr
            elif np.shape(cond) != self.shape:
                raise ValueError("Array conditional must be same shape as self")
            else:  # an array of conditions, as pandas takes it
                return self._fallback("where" if keep_true else "mask")(cond, np.nan if other is None else other)
            o = other._cols[n] if isinstance(other, DataFrame) else (lit(None) if other is None else lit(other))
            cols[n] = c.fn("where", e, o) if keep_true else c.fn("where", o, e)
        return self._with_cols(cols)

    def replace(self, to_replace: Any = None, value: Any = None, *, inplace: bool = False, limit: Any = None,
                regex: Any = False) -> DataFrame | None:
        dtypes = self._schema_by_label()
        if regex is not False or limit is not None:
            names = [n for n, d in dtypes.items() if d == "str"]
            return self._result(self._map_series(
                lambda s: s.replace(to_replace, value, limit=limit, regex=regex), names), inplace)
        if isinstance(to_replace, dict) and to_replace and all(isinstance(v, dict) for v in to_replace.values()):
            # {column: {old: new}}: each column's own replacements
            missing = [c for c in to_replace if c not in self._cols]
            if missing:
                raise KeyError(f"{missing} not in columns")
            return self._result(self._map_series(lambda s: s.replace(to_replace[s.name]), list(to_replace)),
                                inplace)
        if isinstance(to_replace, dict) and value is not None:
            # {column: old}: that column's ``old`` becomes ``value``
            missing = [c for c in to_replace if c not in self._cols]
            if missing:
                raise KeyError(f"{missing} not in columns")
            return self._result(self._map_series(lambda s: s.replace(to_replace[s.name], value), list(to_replace)),
                                inplace)
        keys = list(to_replace) if isinstance(to_replace, (dict, list, tuple)) else [to_replace]
        # Only columns whose type can hold the values being replaced can match them
        # (a category column matches its categories).
        names = [n for n, d in dtypes.items() if d == "category" or any(_accepts(d, k) for k in keys)]
        return self._result(self._map_series(lambda s: s.replace(to_replace, value), names), inplace)

    def astype(self, dtype: Any, copy: Any = None, errors: str = "raise") -> DataFrame:
        _check_errors(errors)
        if isinstance(dtype, dict):
            missing = [k for k in dtype if k not in self._cols]
            if missing:
                raise KeyError("Only a column name can be used for the key in a dtype mappings argument.")
            return self._map_series(lambda s: s.astype(dtype[s.name]), list(dtype))
        return self._map_series(lambda s: s.astype(dtype))

    def clip(self, lower: Any = None, upper: Any = None) -> DataFrame:
        return self._map_series(lambda s: s.clip(lower, upper))

    def round(self, decimals: int = 0) -> DataFrame:
        numeric = [n for n, d in self._schema_by_label().items() if _is_numeric(d)]
        return self._map_series(lambda s: s.round(decimals), numeric)

    def abs(self) -> DataFrame:
        return self._map_series(lambda s: s.abs())

    def _schema_by_label(self) -> dict[Hashable, str]:
        schema = self._schema()
        return {n: schema[str(n)] for n in self._cols}

    # -- operators -------------------------------------------------------------------
    def _op(self, kind: str, other: Any, axis: Any = "columns", fill_value: Any = None,
            reverse: bool = False) -> DataFrame:
        """A binary operator column by column, aligned as pandas aligns: a
        frame on row and column labels, a Series on the columns (``axis=1``,
        the operators' default) or on the rows (``axis=0``), a list by position."""
        if isinstance(other, DataFrame):
            left, right = self._aligned_frames(other)
            cols = {}
            for n in left._cols:
                a, b = left[n], right.get(n)
                if b is None:
                    b = Series._new(left._plan, lit(None), n, left._index)
                cols[n] = a._flex(kind, b, fill_value, reverse)._expr
            return left._with_cols(cols)
        if _is_row_like(other) and _axis_number(axis) == 1:
            values = _labelled_values(other, self)
            names = list(self._cols) + [n for n in values if n not in self._cols]
            if list(values) != list(self._cols) and len(names) > len(self._cols):
                names = _sorted_labels(names)
            out = self._with_cols({n: self._cols.get(n, _missing_floats()) for n in names})
            cols = {}
            for n in names:
                value = values.get(n, np.nan)
                cols[n] = out[n]._flex(kind, value, fill_value, reverse)._expr
            return out._with_cols(cols)
        if type(other).__name__ == "Series" and not isinstance(other, Series):
            other = Series(other)  # a pandas Series, aligned on the rows like ours
        if isinstance(other, Series) and other._plan is not self._plan:
            # aligned on the rows first, once for every column
            from shardframe.tools import concat

            name = _free_name(self._cols, "__by_row__")
            both = concat([self, other.to_frame(name)], axis=1)
            if not (self._index is None and other._index is None and len(self) == len(other)) and \
                    not self.index.equals(other.index):
                both = both.sort_index()
            rhs = both[name]
            return both[list(self._cols)]._map_series(lambda s: s._flex(kind, rhs, fill_value, reverse))
        return self._map_series(lambda s: s._flex(kind, other, fill_value, reverse))

    def __add__(self, other: Any) -> DataFrame:
        return self._op("add", other)

    def __radd__(self, other: Any) -> DataFrame:
        return self._op("add", other, reverse=True)

    def __sub__(self, other: Any) -> DataFrame:
        return self._op("sub", other)

    def __rsub__(self, other: Any) -> DataFrame:
        return self._op("sub", other, reverse=True)

    def __mul__(self, other: Any) -> DataFrame:
        return self._op("mul", other)

    def __rmul__(self, other: Any) -> DataFrame:
        return self._op("mul", other, reverse=True)

    def __truediv__(self, other: Any) -> DataFrame:
        return self._op("true_div", other)

    def __rtruediv__(self, other: Any) -> DataFrame:
        return self._op("true_div", other, reverse=True)

    def __floordiv__(self, other: Any) -> DataFrame:
        return self._op("floor_div", other)

    def __rfloordiv__(self, other: Any) -> DataFrame:
        return self._op("floor_div", other, reverse=True)

    def __mod__(self, other: Any) -> DataFrame:
        return self._op("mod", other)

    def __rmod__(self, other: Any) -> DataFrame:
        return self._op("mod", other, reverse=True)

    def __pow__(self, other: Any) -> DataFrame:
        return self._op("pow", other)

    def __rpow__(self, other: Any) -> DataFrame:
        return self._op("pow", other, reverse=True)

    def __eq__(self, other: Any) -> DataFrame:  # type: ignore[override]
        self._check_comparable(other)
        return self._op("eq", other)

    def __ne__(self, other: Any) -> DataFrame:  # type: ignore[override]
        self._check_comparable(other)
        return self._op("ne", other)

    def __lt__(self, other: Any) -> DataFrame:  # type: ignore[override]
        self._check_comparable(other)
        return self._op("lt", other)

    def __le__(self, other: Any) -> DataFrame:  # type: ignore[override]
        self._check_comparable(other)
        return self._op("le", other)

    def __gt__(self, other: Any) -> DataFrame:  # type: ignore[override]
        self._check_comparable(other)
        return self._op("gt", other)

    def __ge__(self, other: Any) -> DataFrame:  # type: ignore[override]
        self._check_comparable(other)
        return self._op("ge", other)

    def __and__(self, other: Any) -> DataFrame:
        return self._op("and", other)

    def __rand__(self, other: Any) -> DataFrame:
        return self._op("and", other, reverse=True)

    def __or__(self, other: Any) -> DataFrame:
        return self._op("or", other)

    def __ror__(self, other: Any) -> DataFrame:
        return self._op("or", other, reverse=True)

    def __xor__(self, other: Any) -> DataFrame:
        return self._op("xor", other)

    def __rxor__(self, other: Any) -> DataFrame:
        return self._op("xor", other, reverse=True)

    def __invert__(self) -> DataFrame:
        return self._map_series(lambda s: ~s)

    def __neg__(self) -> DataFrame:
        return self._map_series(lambda s: -s)

    __hash__ = None  # type: ignore[assignment]

    def add(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("add", other, axis, fill_value)

    def radd(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("add", other, axis, fill_value, reverse=True)

    def sub(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("sub", other, axis, fill_value)

    def rsub(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("sub", other, axis, fill_value, reverse=True)

    def mul(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("mul", other, axis, fill_value)

    def rmul(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("mul", other, axis, fill_value, reverse=True)

    def truediv(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("true_div", other, axis, fill_value)

    def rtruediv(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("true_div", other, axis, fill_value, reverse=True)

    def floordiv(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("floor_div", other, axis, fill_value)

    def rfloordiv(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("floor_div", other, axis, fill_value, reverse=True)

    def mod(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("mod", other, axis, fill_value)

    def rmod(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("mod", other, axis, fill_value, reverse=True)

    def pow(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("pow", other, axis, fill_value)

    def rpow(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("pow", other, axis, fill_value, reverse=True)

    def div(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("true_div", other, axis, fill_value)

    def rdiv(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None) -> DataFrame:
        return self._op("true_div", other, axis, fill_value, reverse=True)

    def eq(self, other: Any, axis: Any = "columns", level: Any = None) -> DataFrame:
        return self._op("eq", other, axis)

    def ne(self, other: Any, axis: Any = "columns", level: Any = None) -> DataFrame:
        return self._op("ne", other, axis)

    def lt(self, other: Any, axis: Any = "columns", level: Any = None) -> DataFrame:
        return self._op("lt", other, axis)

    def le(self, other: Any, axis: Any = "columns", level: Any = None) -> DataFrame:
        return self._op("le", other, axis)

    def gt(self, other: Any, axis: Any = "columns", level: Any = None) -> DataFrame:
        return self._op("gt", other, axis)

    def ge(self, other: Any, axis: Any = "columns", level: Any = None) -> DataFrame:
        return self._op("ge", other, axis)

    multiply = mul
    subtract = sub
    divide = div

    def _check_comparable(self, other: Any) -> None:
        """pandas compares frames only when their labels are the same."""
        if isinstance(other, DataFrame) and (list(other._cols) != list(self._cols) or not (
                other._plan is self._plan or other.index.equals(self.index))):
            raise ValueError("Can only compare identically-labeled (both index and columns) DataFrame objects")

    def _aligned_frames(self, other: DataFrame) -> tuple[DataFrame, dict[Hashable, Series]]:
        """This frame with every column label of both (sorted when they
        differ, as pandas' union) over rows aligned with ``other``'s, and
        ``other``'s columns as Series over the same rows."""
        from shardframe.tools import concat

        if other._plan is self._plan and other._index is self._index:
            both = self
            theirs = {n: other[n] for n in other._cols}
        else:
            names = {n: _free_name(self._cols, f"__right{i}__") for i, n in enumerate(other._cols)}
            both = concat([self, other.rename(columns=names)], axis=1)
            if not (self._index is None and other._index is None and len(self) == len(other)) and \
                    not self.index.equals(other.index):
                both = both.sort_index()
            theirs = {n: both[tmp] for n, tmp in names.items()}
        labels = list(self._cols) if list(self._cols) == list(other._cols) else _sorted_labels(
            list(self._cols) + [n for n in other._cols if n not in self._cols])
        left = both._with_cols({n: both._cols[n] if n in self._cols else _missing_floats() for n in labels})
        return left, theirs

    # -- reductions -------------------------------------------------------------------------
    def interpolate(self, method: str = "linear", *, axis: Any = 0, limit: int | None = None,
                    inplace: bool = False, limit_direction: str | None = None, limit_area: str | None = None,
                    **kwargs: Any) -> DataFrame | None:
        """Each column's missing values on the line between their valid
        neighbours (see :meth:`Series.interpolate`).

        Examples
        --------
        >>> import shardframe as sf
        >>> sf.DataFrame({"a": [1.0, None, 3.0]}).interpolate().a.to_list()
        [1.0, 2.0, 3.0]
        """
        dtypes = self._schema_by_label()
        if any(d == "str" for d in dtypes.values()) and method == "linear":
            raise TypeError("Cannot interpolate with str dtype")
        native = (method == "linear" and limit is None and limit_direction in (None, "forward")
                  and limit_area is None and not kwargs and _axis_number(axis) == 0
                  and all(_is_numeric(d) for d in dtypes.values()))
        if not native:
            return self._fallback("interpolate")(method=method, axis=axis, limit=limit, inplace=inplace,
                                                 limit_direction=limit_direction, limit_area=limit_area, **kwargs)
        return self._result(self._map_series(lambda s: s.interpolate()), inplace)  # type: ignore[arg-type,return-value]

    def _reduce(self, func: str, numeric_only: bool = False, axis: Any = 0, **kw: Any) -> Any:
        import pandas as pd

        for flag in ("skipna", "numeric_only"):
            value = kw.get(flag, True) if flag == "skipna" else numeric_only
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f'For argument "{flag}" expected type bool, received type {type(value).__name__}.')
        if _axis_number(axis) == 1:
            return self._reduce_rows(func, numeric_only, **kw)
        dtypes = self._schema_by_label()
        names = [n for n, d in dtypes.items() if not numeric_only or _is_numeric(d)]
        if func in ("sum", "mean", "median", "std", "var", "prod", "quantile") and not numeric_only:
            bad = [n for n in names if dtypes[n] == "str" and func != "sum"]
            if bad:
                raise TypeError(f"Could not convert string column {bad[0]!r} to numeric for {func}")
        results = {n: getattr(self[n], _SERIES_REDUCER[func])(**kw) for n in names}
        out = pd.Series(results, dtype=_reduce_dtype(func, [dtypes[n] for n in names]))
        out.index = _columns_index(names)
        return out

    def _reduce_rows(self, func: str, numeric_only: bool, skipna: bool = True, min_count: int = 0) -> Series:
        """``func`` across each row's columns (``axis=1``), as one expression per row."""
        dtypes = self._schema_by_label()
        names = [n for n, d in dtypes.items() if _is_numeric(d) or not numeric_only]
        kinds = {"numeric" if _is_numeric(dtypes[n]) else "str" if dtypes[n] == "str" else "other" for n in names}
        if func in ("sum", "prod", "mean") and kinds == {"numeric", "str"}:
            raise TypeError(f"unsupported operand type(s) for {func} across columns: numbers and strings")
        if func not in _ROW_REDUCERS or (func not in ("any", "all") and kinds - {"numeric"}):
            return self._fallback(func)(axis=1, skipna=skipna, numeric_only=numeric_only,
                                        **({"min_count": min_count} if func in ("sum", "prod") else {}))
        if func in ("any", "all"):
            unit = func == "all"
            truthy = [self[n]._truthy().fn("fill_null", lit(unit)) for n in names]
            return Series._new(self._plan, _fold(truthy, "or" if func == "any" else "and", lit(unit)), None, self._index)
        values = [self[n]._nan_as_null() for n in names]
        present = [v.fn("not_null").fn("cast", dtype="int64") for v in values]
        n = _fold(present, "add", lit(0))
        if func == "count":
            return Series._new(self._plan, n, None, self._index)
        if func in ("min", "max"):
            better = "lt" if func == "min" else "gt"
            out: Expr = lit(None)
            for v in values:
                out = out.fn("is_null").fn("where", v, v.binary(better, out).fn("where", v, out))
        elif func == "mean":
            out = _fold([v.fn("fill_null", lit(0)) for v in values], "add", lit(0)).binary("true_div", n)
        else:
            unit = 0 if func == "sum" else 1
            out = _fold([v.fn("fill_null", lit(unit)) for v in values], "add" if func == "sum" else "mul", lit(unit))
        # A missing answer where pandas' skipna/min_count rule makes it NaN.
        needed = min_count if func in ("sum", "prod") else 0
        if not skipna:
            needed = max(needed, len(values))
        if needed > 0:
            out = n.binary("ge", lit(needed)).fn("where", out, lit(None))
        return Series._new(self._plan, out, None, self._index)

    def sum(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False, min_count: int = 0) -> Any:
        return self._reduce("sum", numeric_only, axis=axis, skipna=skipna, min_count=min_count)

    def prod(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False, min_count: int = 0) -> Any:
        return self._reduce("prod", numeric_only, axis=axis, skipna=skipna, min_count=min_count)

    product = prod

    def mean(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Any:
        return self._reduce("mean", numeric_only, axis=axis, skipna=skipna)

    def median(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Any:
        return self._reduce("median", numeric_only, axis=axis, skipna=skipna)

    def min(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Any:
        return self._reduce("min", numeric_only, axis=axis, skipna=skipna)

    def max(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Any:
        return self._reduce("max", numeric_only, axis=axis, skipna=skipna)

    def std(self, axis: Any = 0, skipna: bool = True, ddof: int = 1, numeric_only: bool = False) -> Any:
        if _axis_number(axis) == 1:
            return self._fallback("std")(axis=1, skipna=skipna, ddof=ddof, numeric_only=numeric_only)
        return self._reduce("std", numeric_only, skipna=skipna, ddof=ddof)

    def var(self, axis: Any = 0, skipna: bool = True, ddof: int = 1, numeric_only: bool = False) -> Any:
        if _axis_number(axis) == 1:
            return self._fallback("var")(axis=1, skipna=skipna, ddof=ddof, numeric_only=numeric_only)
        return self._reduce("var", numeric_only, skipna=skipna, ddof=ddof)

    def count(self, axis: Any = 0, numeric_only: bool = False) -> Any:
        return self._reduce("count", numeric_only, axis=axis)

    def nunique(self, axis: Any = 0, dropna: bool = True) -> Any:
        if _axis_number(axis) == 1:
            return self._fallback("nunique")(axis=1, dropna=dropna)
        return self._reduce("nunique", dropna=dropna)

    def quantile(self, q: float = 0.5, axis: Any = 0, numeric_only: bool = False, interpolation: str = "linear") -> Any:
        if _axis_number(axis) == 1:
            return self._fallback("quantile")(q, axis=1, numeric_only=numeric_only, interpolation=interpolation)
        out = self._reduce("quantile", numeric_only, q=q)
        out.name = q
        return out

    def any(self, axis: Any = 0, bool_only: bool = False, skipna: bool = True) -> Any:
        return self._reduce("any", axis=axis)

    def all(self, axis: Any = 0, bool_only: bool = False, skipna: bool = True) -> Any:
        return self._reduce("all", axis=axis)

    def idxmin(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Any:
        return self._reduce("idxmin", numeric_only, axis=axis, skipna=skipna)

    def idxmax(self, axis: Any = 0, skipna: bool = True, numeric_only: bool = False) -> Any:
        return self._reduce("idxmax", numeric_only, axis=axis, skipna=skipna)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy ufuncs on a frame give a frame, column by column (``np.abs(df)``)."""
        from shardframe._base import _unwrap, _wrap_result, announce_fallback
        from shardframe.series import _UNARY_UFUNCS

        if method == "__call__" and not kwargs and len(inputs) == 1 and ufunc.__name__ in _UNARY_UFUNCS:
            return self._map_series(_UNARY_UFUNCS[ufunc.__name__])
        announce_fallback(f"numpy.{ufunc.__name__} on a DataFrame")
        return _wrap_result(getattr(ufunc, method)(*map(_unwrap, inputs), **kwargs))

    def describe(self, percentiles: Any = None, include: Any = None, exclude: Any = None) -> DataFrame:
        """count, mean, std, min, quartiles and max of the numeric columns, in one pass."""
        import pandas as pd

        if include is not None or exclude is not None or percentiles is not None:
            return self._fallback("describe")(percentiles=percentiles, include=include, exclude=exclude)
        dtypes = self._schema_by_label()
        names = [n for n, d in dtypes.items() if _is_numeric(d) and d != "bool"]
        if not names:
            if all(d in ("str", "bool", "category") for d in dtypes.values()) and dtypes:
                return self._describe_values(list(dtypes))
            return self._fallback("describe")()
        stats = [("count", "count", {}), ("mean", "mean", {}), ("std", "std", {"ddof": 1}),
                 ("min", "min", {}), ("25%", "quantile", {"q": 0.25}), ("50%", "quantile", {"q": 0.5}),
                 ("75%", "quantile", {"q": 0.75}), ("max", "max", {})]
        aggs = []
        for i, n in enumerate(names):
            e = self[n]._nan_as_null().fn("cast", dtype="float64")
            for j, (_, func, kw) in enumerate(stats):
                aggs.append({"name": f"{i}_{j}", "func": func, "expr": e, **kw})
        table = _engine.to_arrow(self._plan.reduce(dumps(aggs)))
        row = table.to_pylist()[0]
        data = {n: [row[f"{i}_{j}"] for j in range(len(stats))] for i, n in enumerate(names)}
        out = pd.DataFrame(data, index=[s[0] for s in stats], dtype="float64")
        out.columns = _columns_index(names)
        return DataFrame(out)

    def _describe_values(self, names: list[Hashable]) -> Any:
        """describe() of text, boolean and categorical columns: count, distinct
        values, the most frequent one (ties: first seen) and its count. A
        column of mixed numbers and text has no engine type: the summary is
        pandas' object frame, as pandas gives it."""
        import pandas as pd

        from shardframe._base import _wrap_result

        data = {}
        for n in names:
            counts = self[n].value_counts()
            top, freq = (counts.index[0], counts.iloc[0]) if len(counts) else (np.nan, np.nan)
            data[n] = [int(counts.sum()), len(counts), top, freq]
        out = pd.DataFrame(data, index=["count", "unique", "top", "freq"], dtype=object)
        out.columns = _columns_index(names)
        return _wrap_result(out)

    def info(self, verbose: bool | None = None, buf: Any = None, max_cols: int | None = None, memory_usage: Any = None, show_counts: bool | None = None) -> None:
        """Print a concise summary: index, columns, non-null counts, dtypes, storage."""
        import sys

        out = buf or sys.stdout
        n = len(self)
        counts = self.count()
        dtypes = self.dtypes
        lines = [str(type(self)).replace("<class '", "").replace("'>", "")]
        lines.append(f"RangeIndex: {n} entries, 0 to {n - 1}" if self._index is None else f"Index: {n} entries")
        lines.append(f"Data columns (total {len(self._cols)} columns):")
        lines.append(" #   Column  Non-Null Count  Dtype")
        lines.append("---  ------  --------------  -----")
        for i, name in enumerate(self._cols):
            lines.append(f" {i:<3} {name!s:<7} {counts[name]} non-null  {dtypes[name]}")
        kinds: dict[str, int] = {}
        for d in dtypes:
            kinds[str(d)] = kinds.get(str(d), 0) + 1
        lines.append("dtypes: " + ", ".join(f"{k}({v})" for k, v in sorted(kinds.items())))
        st = self.storage()
        lines.append(f"storage: {st['partitions']} partitions, {_human(st['raw_bytes'])} raw, "
                     f"{_human(st['compressed_bytes'])} compressed ({st['ratio']:.1f}x)")
        print("\n".join(lines), file=out)

    # -- order ---------------------------------------------------------------------------
    def sort_values(self, by: Any, ascending: Any = True, inplace: bool = False, kind: str | None = None, na_position: str = "last", ignore_index: bool = False) -> DataFrame | None:
        _check_ascending(ascending)
        keys = [by] if not isinstance(by, (list, tuple)) else list(by)
        for k in keys:
            if k not in self._cols:
                raise ColumnNotFoundError(k)
        asc = [bool(a) for a in ascending] if isinstance(ascending, (list, tuple)) else [bool(ascending)] * len(keys)
        if len(asc) != len(keys):
            raise ValueError(f"Length of ascending ({len(asc)}) != length of by ({len(keys)})")
        if na_position not in ("first", "last"):
            raise ValueError(f"invalid na_position: {na_position}")
        plan, index = self._with_positions()
        items = [{"name": index_col(i), "expr": e} for i, (_, e) in enumerate(index or [])]
        items += [{"name": str(n), "expr": e} for n, e in self._cols.items()]
        projected = plan.select(select_json(items))
        # Sort keys are evaluated over the projected plan's own columns; NaN
        # is missing, placed by na_position as pandas places it.
        dtypes = self._schema_by_label()
        by_exprs = [col(str(k)).fn("fill_nan", lit(None)) if dtypes[k].startswith("float") else col(str(k))
                    for k in keys]
        spec = {"by": by_exprs, "descending": [not a for a in asc], "nulls_last": na_position == "last", "stable": True}
        sorted_plan = projected.sort(dumps(spec))
        out_index = [(label, col(index_col(i))) for i, (label, _) in enumerate(index or [])]
        out = DataFrame._from_plan(sorted_plan, list(self._cols), out_index)
        if ignore_index:
            out = out.reset_index(drop=True)
        return self._result(out, inplace)

    def sort_index(self, ascending: bool = True, inplace: bool = False, kind: Any = None, na_position: str = "last",
                   ignore_index: bool = False) -> DataFrame | None:
        _check_ascending(ascending)
        if self._index is None:
            return self._result(self.copy(), inplace)
        if na_position not in ("first", "last"):
            # pandas looks at na_position only when the index is not sorted already
            index = self.index
            if index.is_monotonic_increasing if ascending else index.is_monotonic_decreasing:
                return self._result(self.copy(), inplace)
            raise ValueError(f"invalid na_position: {na_position}")
        items = self._index_exprs() + [{"name": str(n), "expr": e} for n, e in self._cols.items()]
        projected = self._plan.select(select_json(items))
        spec = {"by": [col(index_col(i)) for i in range(len(self._index))],
                "descending": [not ascending] * len(self._index), "nulls_last": na_position == "last", "stable": True}
        out = DataFrame._from_plan(projected.sort(dumps(spec)), list(self._cols), self._rebased_index())
        if ignore_index:
            out = out.reset_index(drop=True)
        return self._result(out, inplace)

    def nlargest(self, n: int, columns: Any, keep: str = "first") -> DataFrame:
        return self._top(n, columns, keep, largest=True)

    def nsmallest(self, n: int, columns: Any, keep: str = "first") -> DataFrame:
        return self._top(n, columns, keep, largest=False)

    def _top(self, n: int, columns: Any, keep: str, largest: bool) -> DataFrame:
        """The first ``n`` rows by ``columns``, ties in row order (``keep="first"``),
        missing values last."""
        from shardframe.series import _check_keep

        _check_keep(keep)
        method = "nlargest" if largest else "nsmallest"
        schema = self._schema_by_label()
        for c in [columns] if not isinstance(columns, (list, tuple)) else columns:
            if schema.get(c) in ("str", "category"):
                raise TypeError(f"Column {c!r} has dtype {schema[c]}, cannot use method {method!r} with this dtype")
        if keep != "first":
            return self._fallback("nlargest" if largest else "nsmallest")(n, columns, keep=keep)
        return self.sort_values(columns, ascending=not largest).head(max(int(n), 0))  # type: ignore[union-attr]

    # -- window-like ---------------------------------------------------------------------
    def cumsum(self, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any) -> DataFrame:
        return self._down_columns("cumsum", axis, lambda s: s.cumsum(skipna=skipna), skipna=skipna)

    def cumprod(self, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any) -> DataFrame:
        return self._down_columns("cumprod", axis, lambda s: s.cumprod(skipna=skipna), skipna=skipna)

    def cummax(self, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any) -> DataFrame:
        return self._down_columns("cummax", axis, lambda s: s.cummax(skipna=skipna), skipna=skipna)

    def cummin(self, axis: Any = None, skipna: bool = True, *args: Any, **kwargs: Any) -> DataFrame:
        return self._down_columns("cummin", axis, lambda s: s.cummin(skipna=skipna), skipna=skipna)

    def shift(self, periods: int = 1, fill_value: Any = None, *, axis: Any = 0) -> DataFrame:
        filled = {} if fill_value is None else {"fill_value": fill_value}
        return self._down_columns("shift", axis, lambda s: s.shift(periods, fill_value=fill_value), periods=periods,
                                  **filled)

    def diff(self, periods: int = 1, axis: Any = 0) -> DataFrame:
        return self._down_columns("diff", axis, lambda s: s.diff(periods), periods=periods)

    def pct_change(self, periods: int = 1, *, axis: Any = 0) -> DataFrame:
        return self._down_columns("pct_change", axis, lambda s: s.pct_change(periods), periods=periods)

    def rank(self, axis: Any = 0, method: str = "average", numeric_only: bool = False, na_option: str = "keep",
             ascending: bool = True, pct: bool = False) -> DataFrame:
        frame = self.select_dtypes("number") if numeric_only else self
        return frame._down_columns("rank", axis, lambda s: s.rank(method=method, ascending=ascending,
                                                                  na_option=na_option, pct=pct),
                                   method=method, na_option=na_option, ascending=ascending, pct=pct)

    # -- plotting ------------------------------------------------------------------------
    def hist(self, column: Any = None, bins: int = 10, grid: bool = True, figsize: Any = None,
             layout: Any = None, **kwargs: Any) -> Any:
        """One histogram per numeric column (bins counted over all rows in the engine)."""
        from shardframe.plotting import frame_hist

        return frame_hist(self, column, bins=bins, grid=grid, figsize=figsize, layout=layout, **kwargs)

    def boxplot(self, column: Any = None, grid: bool = True, figsize: Any = None, ax: Any = None,
                **kwargs: Any) -> Any:
        """One box per numeric column (quartiles, whiskers, outliers from the engine)."""
        from shardframe.plotting import frame_boxplot

        return frame_boxplot(self, column, grid=grid, figsize=figsize, ax=ax, **kwargs)

    # -- reshaping -------------------------------------------------------------------------
    def melt(self, id_vars: Any = None, value_vars: Any = None, var_name: Any = None,
             value_name: Hashable = "value", ignore_index: bool = True) -> DataFrame:
        """Unpivot value columns into (variable, value) rows; see :func:`shardframe.melt`."""
        from shardframe.reshape import melt

        return melt(self, id_vars, value_vars, var_name, value_name, ignore_index)

    def pivot_table(self, values: Any = None, index: Any = None, columns: Any = None,
                    aggfunc: Any = "mean", fill_value: Any = None, margins: bool = False,
                    dropna: bool = True, sort: bool = True) -> DataFrame:
        """Spreadsheet-style pivot; see :func:`shardframe.pivot_table`."""
        from shardframe.reshape import pivot_table

        return pivot_table(self, values, index, columns, aggfunc, fill_value, margins, dropna, sort)

    def pivot(self, *, columns: Any = None, index: Any = None, values: Any = None) -> DataFrame:
        from shardframe.reshape import pivot

        return pivot(self, columns=columns, index=index, values=values)

    # -- duplicates ------------------------------------------------------------------------
    def _kept(self, subset: Any, keep: Any) -> Series:
        """True on the rows ``drop_duplicates`` keeps: the first (``keep="first"``)
        or last row of each distinct ``subset``, or only rows whose ``subset``
        appears once (``keep=False``). A window over the subset: rows are
        exchanged by a hash of their values and come back in their order."""
        if keep not in ("first", "last", False):
            raise ValueError('keep must be either "first", "last" or False')
        names = list(self._cols) if subset is None else ([subset] if not isinstance(subset, (list, tuple)) else list(subset))
        missing = [n for n in names if n not in self._cols]
        if missing:
            raise KeyError(pd_index_repr(missing))
        plan = self._plan.row_index("__pos__")
        keys = [self._cols[n] for n in names]
        f = {"first": "is_first_distinct", "last": "is_last_distinct", False: "is_unique"}[keep]
        mask = keys[0].fn(f, *keys[1:]).fn("over", *keys)
        return Series._new(plan, mask, None, self._index)

    def drop_duplicates(self, subset: Any = None, keep: Any = "first", inplace: bool = False,
                        ignore_index: bool = False) -> DataFrame | None:
        """Rows whose ``subset`` values were not seen before (``keep="first"``), in order."""
        names = list(self._cols) if subset is None else (
            list(subset) if isinstance(subset, (list, tuple)) else [subset])
        if self._index is None and keep in ("first", "last") and set(names) == set(self._cols):
            return self._result(self._distinct_rows(keep, ignore_index), inplace)
        kept = self._kept(subset, keep)
        index = self._index if self._index is not None else [(None, col("__pos__"))]
        items = [{"name": index_col(i), "expr": e} for i, (_, e) in enumerate(index)]
        items += [{"name": str(n), "expr": e} for n, e in self._cols.items()]
        rows = kept._plan.select(select_json([*items, {"name": "__kept", "expr": kept._expr}]))
        rows = rows.filter(dumps(col("__kept"))).select(select_json([{"name": i["name"], "expr": col(i["name"])} for i in items]))
        labels = [None] if self._index is None else self._index_names()
        out = DataFrame._from_plan(rows, list(self._cols), [(lab, col(index_col(i))) for i, lab in enumerate(labels)])
        if ignore_index:
            out = out.reset_index(drop=True)
        return self._result(out, inplace)

    def _distinct_rows(self, keep: str, ignore_index: bool) -> DataFrame:
        """drop_duplicates over every column of a RangeIndex frame: the distinct
        rows are the group keys themselves, labelled by the position of the row
        kept, so no join back to the rows is needed."""
        plan = self._plan.row_index("__pos__")
        keys = [{"name": f"__d{i}", "expr": e} for i, e in enumerate(self._cols.values())]
        aggs = [{"name": "__keep", "func": "max" if keep == "last" else "min", "expr": col("__pos__")}]
        grouped = plan.group_by(dumps(keys), dumps(aggs), False)
        ordered = grouped.sort(dumps({"by": [col("__keep")], "descending": [False], "nulls_last": True, "stable": False}))
        items = [{"name": index_col(0), "expr": col("__keep")}]
        items += [{"name": str(n), "expr": col(f"__d{i}")} for i, n in enumerate(self._cols)]
        out = DataFrame._from_plan(ordered.select(select_json(items)), list(self._cols), [(None, col(index_col(0)))])
        return out.reset_index(drop=True) if ignore_index else out

    def duplicated(self, subset: Any = None, keep: Any = "first") -> Series:
        """Whether each row repeats ``subset`` values of another row (see ``keep``)."""
        kept = self._kept(subset, keep)
        return Series._new(kept._plan, kept._expr.fn("not"), None, self._index)

    # -- grouping -----------------------------------------------------------------------
    def groupby(self, by: Any = None, axis: Any = 0, level: Any = None, as_index: bool = True,
                sort: bool = True, group_keys: bool = True, observed: Any = None,
                dropna: bool = True) -> Any:
        """Group rows by columns (or Series of this frame); see :class:`DataFrameGroupBy`."""
        from shardframe.groupby import DataFrameGroupBy

        if level is not None and by is None:
            frame, keys = self._index_keys(level)
            return DataFrameGroupBy(frame, keys, as_index=as_index, sort=sort, dropna=dropna)
        if by is None or observed is False and self._any_categorical(by):
            return self._fallback("groupby")(by=by, level=level, as_index=as_index, sort=sort, dropna=dropna,
                                             observed=observed)
        return DataFrameGroupBy(self, by, as_index=as_index, sort=sort, dropna=dropna)

    def _index_keys(self, level: Any) -> tuple[DataFrame, Any]:
        """This frame and its index levels ``level`` (positions or names) as
        group keys: Series over the frame's plan, named as the levels."""
        if self._index is None:
            if level not in (0, -1, [0], None):
                raise IndexError(f"Too many levels: Index has only 1 level, not {level}")
            f, idx = self._with_index_series()
            return f, idx if not isinstance(level, list) else [idx]
        names = self._index_names()
        picked = level if isinstance(level, list) else [level]
        positions = []
        for lv in picked:
            if isinstance(lv, int) and lv not in names:
                if not -len(names) <= lv < len(names):
                    raise IndexError(f"Too many levels: Index has only {len(names)} levels, not {lv + 1}")
                positions.append(lv % len(names))
            elif lv in names:
                positions.append(names.index(lv))
            else:
                raise KeyError(f"Level {lv} not found")
        keys = [Series._new(self._plan, self._index[i][1], names[i], self._index) for i in positions]
        return self, keys if isinstance(level, list) else keys[0]

    def _any_categorical(self, by: Any) -> bool:
        """Whether a group key (a column name or a Series) is categorical:
        ``observed=False`` then adds the groups of unseen categories."""
        keys = by if isinstance(by, list) else [by]
        schema = self._schema()
        for key in keys:
            if isinstance(key, Series):
                if key._engine_dtype() == "category":
                    return True
            elif isinstance(key, Hashable) and key in self._cols and schema[str(key)] == "category":
                return True
        return False

    def merge(self, right: Any, how: str = "inner", on: Any = None, left_on: Any = None,
              right_on: Any = None, left_index: bool = False, right_index: bool = False,
              sort: bool = False, suffixes: Any = ("_x", "_y"), indicator: bool | str = False,
              validate: str | None = None) -> DataFrame:
        """Join with another frame on columns or indexes; see :func:`shardframe.merge`."""
        from shardframe.merge import merge

        return merge(self, right, how=how, on=on, left_on=left_on, right_on=right_on,
                     left_index=left_index, right_index=right_index, sort=sort, suffixes=suffixes,
                     indicator=indicator, validate=validate)

    def join(self, other: Any, on: Any = None, how: str = "left", lsuffix: str = "",
             rsuffix: str = "", sort: bool = False, validate: str | None = None,
             suffixes: Any = None) -> DataFrame:
        """Join another frame's index to this frame's index (or to column ``on``)."""
        from shardframe.merge import merge

        if suffixes is not None:
            lsuffix, rsuffix = suffixes
        if isinstance(other, Series):
            other = other.to_frame()
        if on is not None:
            return merge(self, other, how=how, left_on=on, right_index=True, sort=sort,
                         suffixes=(lsuffix, rsuffix), validate=validate)
        return merge(self, other, how=how, left_index=True, right_index=True, sort=sort,
                     suffixes=(lsuffix, rsuffix), validate=validate)

    # -- row-wise Python functions ------------------------------------------------------
    def _pandas_partitions(self) -> Iterator[pd.DataFrame]:
        """Each partition's rows as a pandas DataFrame, one at a time (with this
        frame's index labels)."""
        import pandas as pd

        plan = self._materialize()
        n_index = 0 if self._index is None else len(self._index)
        offset = 0
        for i, rows in enumerate(plan.storage(_config())["partition_rows"]):
            table = _engine.read_stream(plan.partition_arrow(i))
            pdf = self._set_index(_engine.arrow_to_pandas(table), self._index_names(), n_index)
            if n_index == 0:
                pdf.index = pd.RangeIndex(offset, offset + rows)
            offset += rows
            pdf.columns = _columns_index(list(self._cols))
            yield pdf

    def _map_partitions(self, fn: Callable[[pd.DataFrame], pd.DataFrame]) -> DataFrame:
        """Run a pandas function on each partition's rows in turn (one partition
        in pandas memory at a time); results are stacked in order."""
        pieces = [DataFrame(fn(pdf)) for pdf in self._pandas_partitions()]
        if not pieces:
            return DataFrame(fn(self.to_pandas()))
        return _stack(pieces)

    def apply(self, func: Callable[..., Any], axis: Any = 0, raw: bool = False, result_type: Any = None, args: tuple = (), **kwargs: Any) -> Any:
        """``axis=1`` runs ``func`` on the rows of each partition in turn."""
        import pandas as pd

        if axis not in (1, "columns"):
            return self._fallback("apply")(func, axis=axis, raw=raw, result_type=result_type, args=args, **kwargs)

        def run(pdf: pd.DataFrame) -> pd.DataFrame:
            res = pdf.apply(func, axis=1, raw=raw, result_type=result_type, args=args, **kwargs)
            return res.to_frame("__apply__") if isinstance(res, pd.Series) else res

        out = self._map_partitions(run)
        if list(out.columns) == ["__apply__"]:
            s = out["__apply__"]
            s.name = None
            return s
        return out


def _free_name(taken: Any, name: str) -> str:
    """``name``, or a longer one no column of ``taken`` has."""
    while name in taken:
        name += "_"
    return name


def _unique_labels(pairs: Iterable[tuple[Hashable, Expr]]) -> dict[Hashable, Expr]:
    """Columns by label; a label given twice is an error (a dict would keep
    one of the two columns silently)."""
    cols: dict[Hashable, Expr] = {}
    for label, e in pairs:
        if label in cols:
            raise ValueError(f"shardframe does not support duplicate column names: {label!r} would appear twice")
        cols[label] = e
    return cols


def _check_names(cols: dict[Hashable, Expr]) -> None:
    """Column names cross into Arrow as C strings: a NUL byte cannot be held."""
    for name in cols:
        if "\x00" in str(name):
            raise ValueError(f"column name {name!r} contains a NUL byte, which Arrow cannot store")


def _from_series(columns: dict[Hashable, Series]) -> DataFrame:
    """``DataFrame({name: series, ...})``: the Series side by side, aligned on
    their labels as pandas aligns them (a union of different indexes is sorted)."""
    from shardframe.tools import _same_index, concat

    frames = [s.to_frame(name) for name, s in columns.items()]
    out = concat(frames, axis=1)
    if not _same_index(frames):
        out = out.sort_index()
    return out


class _NeedsPositional(Exception):
    pass


def _missing_floats() -> Expr:
    """A column of NaN, as pandas adds one for a label it aligns in."""
    return lit(None).fn("cast", dtype="float64")


def _is_row_like(value: Any) -> bool:
    """A Series (ours or pandas') or a list of one value per column."""
    import pandas as pd

    return isinstance(value, (Series, pd.Series, list, tuple, np.ndarray)) and np.ndim(value) == 1


def _labelled_values(value: Any, frame: DataFrame) -> dict[Hashable, Any]:
    """One scalar per column label: a Series' values by its labels, a list's by position."""
    import pandas as pd

    if isinstance(value, Series):
        value = value.to_pandas()
    if isinstance(value, pd.Series):
        return dict(value.items())
    if len(value) != len(frame._cols):
        raise ValueError(f"Unable to coerce to Series, length must be {len(frame._cols)}: given {len(value)}")
    return dict(zip(frame._cols, value, strict=True))


def _sorted_labels(labels: list[Hashable]) -> list[Hashable]:
    """Labels sorted as pandas sorts a union of indexes (left as they are when unorderable)."""
    try:
        return sorted(labels)  # type: ignore[type-var]
    except TypeError:
        return labels


# Reductions across a row's columns (axis=1) built from elementwise expressions.
_ROW_REDUCERS = ("sum", "prod", "mean", "min", "max", "count", "any", "all")


def _axis_number(axis: Any) -> int:
    """pandas' axis argument as 0 (down the rows) or 1 (across the columns)."""
    if axis in (None, 0, "index", "rows"):
        return 0
    if axis in (1, "columns"):
        return 1
    raise ValueError(f"No axis named {axis} for object type DataFrame")


def _fold(exprs: list[Expr], op: str, empty: Expr) -> Expr:
    """exprs[0] op exprs[1] op ...; ``empty`` when there are none."""
    if not exprs:
        return empty
    out = exprs[0]
    for e in exprs[1:]:
        out = out.binary(op, e)
    return out


_SERIES_REDUCER = {
    "sum": "sum", "mean": "mean", "median": "median", "min": "min", "max": "max", "std": "std",
    "var": "var", "count": "count", "nunique": "nunique", "quantile": "quantile", "any": "any",
    "all": "all", "idxmin": "idxmin", "idxmax": "idxmax", "prod": "prod",
}


def _stack(frames: list[DataFrame]) -> DataFrame:
    """Rows of frames with the same columns and index levels, in order, in the engine."""
    from shardframe._core import PyPlan

    first = frames[0]
    plans = [f._output_plan() for f in frames]
    return DataFrame._from_plan(PyPlan.concat(plans), list(first._cols), first._rebased_index())


def pd_index_repr(names: list[Any]) -> str:
    return f"Index({names}, dtype='object')"


def _has_duplicate_keys(plan: PyPlan, keys: list[str]) -> bool:
    """Whether some combination of ``keys`` occurs twice in ``plan``."""
    items = [{"name": k, "expr": col(k)} for k in keys]
    aggs = [{"name": "__n", "func": "size", "expr": col(keys[0])}]
    grouped = plan.group_by(select_json(items), dumps(aggs), False)
    dup = grouped.filter(dumps(col("__n").binary("gt", lit(1))))
    return bool(dup.num_rows(_config()) > 0)


def _reduce_dtype(func: str, dtypes: list[str]) -> Any:
    if func in ("count", "nunique"):
        return "int64"
    if func in ("any", "all"):
        return "bool"
    if func in ("mean", "median", "std", "var", "quantile"):
        return "float64"
    if func in ("idxmin", "idxmax"):
        return None
    if dtypes and all(d.startswith(("int", "uint")) for d in dtypes):
        return "int64"
    if dtypes and all(_is_numeric(d) for d in dtypes):
        return "float64" if any(d.startswith("float") for d in dtypes) else None
    return object


class PlanText(str):
    """The text of a plan, shown as a preformatted block in Jupyter."""

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(str(self))}</pre>"


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython  # type: ignore[attr-defined]
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _plain_arrays(data: Any) -> bool:
    """A dict of equal-length 1-D numpy arrays of numbers, booleans or fixed-width strings."""
    if not isinstance(data, dict) or not data:
        return False
    arrays = list(data.values())
    if not all(isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype.kind in "biufU" for a in arrays):
        return False
    return len({len(a) for a in arrays}) == 1 and all(isinstance(k, str) for k in data)


def _accepts(dtype: str, value: Any) -> bool:
    """Whether filling a column of ``dtype`` with ``value`` keeps its type."""
    if isinstance(value, str):
        return dtype == "str"
    if isinstance(value, (bool, np.bool_)):
        return dtype == "bool"
    if isinstance(value, (int, float, np.number)):
        return _is_numeric(dtype) and dtype != "bool"
    return True


def _is_numeric(dtype: str) -> bool:
    return dtype.startswith(("int", "uint", "float")) or dtype == "bool"


def _pandas_dtype(name: str) -> Any:
    import pandas as pd

    if name == "str":
        return pd.StringDtype(na_value=np.nan)
    if name == "category":
        return pd.CategoricalDtype()
    if name in ("date", "null") or name.startswith(("list", "struct", "decimal")):
        return np.dtype(object)
    return np.dtype(name)


def _dtype_name(dtype: Any) -> str:
    """A pandas/numpy/Python dtype spec as the engine's name."""
    import pandas as pd

    if dtype is str or dtype == "string" or dtype == "str" or isinstance(dtype, pd.StringDtype):
        return "str"
    if dtype is int:
        return "int64"
    if dtype is float:
        return "float64"
    if dtype is bool:
        return "bool"
    if dtype == "category" or isinstance(dtype, pd.CategoricalDtype):
        return "category"
    try:
        return str(np.dtype(dtype))
    except TypeError as exc:
        try:
            nullable = isinstance(pd.api.types.pandas_dtype(dtype), pd.api.extensions.ExtensionDtype)
        except TypeError:
            nullable = False
        if nullable:
            from shardframe.exceptions import UnsupportedDtypeError

            raise UnsupportedDtypeError(
                f"data type {dtype!r} (pandas' nullable type) is not supported: shardframe columns mark missing "
                "values as numpy types do (int64 with missing values is float64)") from exc
        raise TypeError(f"data type {dtype!r} not understood") from exc


def _check_errors(errors: Any) -> None:
    if errors not in ("raise", "ignore"):
        raise ValueError(f"Expected value of kwarg 'errors' to be one of ['raise', 'ignore']. "
                         f"Supplied value is '{errors}'")


def _check_ascending(ascending: Any) -> None:
    """pandas' check: a bool (or an int), or a list of them."""
    for value in ascending if isinstance(ascending, (list, tuple)) else [ascending]:
        if not isinstance(value, (bool, int, np.bool_, np.integer)):
            raise ValueError(f'For argument "ascending" expected type bool, received type {type(value).__name__}.')


def _columns_index(names: list[Hashable], never_labelled: bool = False) -> pd.Index:
    import pandas as pd

    if not names and never_labelled:
        return pd.RangeIndex(0)
    if not names:
        # pandas' labels once the last column went (an index_col, a transpose
        # of no rows): an empty object Index
        return pd.Index([], dtype=object)
    return pd.Index(names)


def _is_index(obj: Any) -> bool:
    import pandas as pd

    return isinstance(obj, pd.Index)


def _is_pandas_array(obj: Any) -> bool:
    import pandas as pd

    return isinstance(obj, (pd.Series, pd.api.extensions.ExtensionArray))


def _lit_list(values: Any) -> Expr:
    from shardframe._expr import lit_list

    return lit_list(list(values))


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _truncated_pandas(frame: DataFrame, n: int) -> pd.DataFrame:
    """The rows pandas would show for a frame of ``n`` rows: all of them when
    few, else enough of the head and tail for pandas to truncate the same way."""
    import pandas as pd

    max_rows = pd.get_option("display.max_rows")
    if max_rows is None or n <= max_rows:
        return frame.to_pandas()
    k = max_rows // 2 + 1
    head = frame._slice(0, k).to_pandas()
    tail = frame._slice(-k, k).to_pandas()
    return pd.concat([head, tail])


def _config() -> Any:
    from shardframe.options import options

    return options.config()


