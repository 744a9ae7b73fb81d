//! `shardframe._core`: the PyO3 bindings, and nothing else. Each Python
//! frame holds a [`PyPlan`]; its methods add a plan node (taking JSON for
//! expressions) or run the plan through [`engine::run`], the one helper
//! that releases the GIL, watches for Ctrl-C and maps errors.

/// mimalloc reuses freed memory per thread instead of returning large blocks
/// to the system and faulting them in again: TPC-H SF1 measured 2.72x ->
/// 1.94x Polars' time (geomean of q3/5/9/13/18/21, builds alternated on one
/// machine). It keeps more memory resident at a time (tests/benchmarks/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Give the system back the memory that finished work freed: mimalloc keeps
/// freed pages for reuse by the thread that owns them, and idle worker
/// threads never reuse them (TPC-H SF1 loaded: 0.75 -> 0.53 GiB resident).
/// Called once a large frame is stored (the work that built it freed about
/// as much), not after queries or small frames, so later work still reuses
/// freed memory (a release after every small frame doubled some TPC-H times).
fn release_memory_after(m: &Materialized) {
    const LARGE_FRAME_BYTES: usize = 64 << 20;
    if m.parts.iter().map(|p| p.raw_bytes()).sum::<usize>() >= LARGE_FRAME_BYTES {
        release_memory();
    }
}

fn release_memory() {
    shardframe_exec::on_every_thread(collect);
    collect();
}

#[allow(unsafe_code)]
fn collect() {
    // SAFETY: `mi_collect` takes no pointers; it only returns the free
    // pages of the calling thread's heap to the system.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

mod engine;
mod errors;
mod remote;

use std::sync::Arc;

use polars::prelude as pl;
use polars::prelude::{DataType, TimeUnit};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use shardframe_core::{Codec, SfError};
use shardframe_exec::{
    csv_schema, execute_staged, file_schema, run, ExecConfig, InProcess, Materialized,
};
use shardframe_plan::{
    prune_columns, Agg, CsvOptions, Expr, JoinSpec, NamedExpr, Plan, SortSpec, Source,
};

use crate::errors::to_py;

fn parse<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| {
        to_py(SfError::Internal(format!(
            "invalid {what} from Python: {e}"
        )))
    })
}

/// Where plans run.
enum Runner {
    /// The local executor on this process's thread pool.
    Local,
    /// The staged executor, tasks run in this process through their wire
    /// form (tests the staged executor without a cluster).
    Staged,
    /// The staged executor on a Python backend object (`shardframe._ray`).
    Remote(Py<PyAny>),
}

/// Execution settings, built by `shardframe.options`.
#[pyclass(frozen, module = "shardframe._core")]
pub struct Config {
    inner: ExecConfig,
    runner: Runner,
}

#[pymethods]
impl Config {
    /// `backend`: None (local), "staged" (the staged executor in-process),
    /// or a backend object (`shardframe._ray.RayBackend`).
    #[new]
    #[pyo3(signature = (codec="zstd", level=1, partition_bytes=32 << 20, max_partition_rows=None, broadcast_bytes=256 << 20, fuse_bytes=0, backend=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        codec: &str,
        level: i32,
        partition_bytes: usize,
        max_partition_rows: Option<usize>,
        broadcast_bytes: usize,
        fuse_bytes: usize,
        backend: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let runner = match backend {
            None => Runner::Local,
            Some(b) if b.extract::<String>().is_ok_and(|s| s == "staged") => Runner::Staged,
            Some(b) => Runner::Remote(b.unbind()),
        };
        Ok(Config {
            runner,
            inner: ExecConfig {
                codec: Codec::parse(codec, level).map_err(to_py)?,
                target_partition_bytes: partition_bytes,
                max_partition_rows: max_partition_rows.unwrap_or(usize::MAX),
                broadcast_bytes,
                fuse_bytes,
            },
        })
    }
}

/// Builds a frame's partitions from Arrow IPC chunks pushed one at a time:
/// chunks accumulate (decoded) up to the partition size, then are encoded
/// and dropped, so converting a large table never holds more than about a
/// partition of it uncompressed.
#[pyclass(module = "shardframe._core")]
pub struct FrameBuilder {
    config: ExecConfig,
    pending: Vec<pl::DataFrame>,
    pending_bytes: usize,
    parts: Vec<shardframe_core::PartitionRef>,
    schema: Option<pl::SchemaRef>,
}

impl FrameBuilder {
    fn push(&mut self, py: Python<'_>, df: pl::DataFrame) -> PyResult<()> {
        self.schema.get_or_insert_with(|| df.schema().clone());
        self.pending_bytes += df.estimated_size();
        self.pending.push(df);
        if self.pending_bytes >= self.config.target_partition_bytes {
            // a large frame: give back what encoding each part freed, so
            // the pool's threads do not each keep their own
            self.flush(py)?;
            py.detach(release_memory);
        }
        Ok(())
    }

    fn flush(&mut self, py: Python<'_>) -> PyResult<()> {
        let frames = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let Some(schema) = self.schema.clone() else {
            return Ok(());
        };
        if frames.is_empty() {
            return Ok(());
        }
        let m = engine::run(py, self.config.clone(), None, move |ctx| {
            let df = shardframe_exec::concat(frames, &schema)?;
            shardframe_exec::partition_frame(df, ctx)
        })?;
        self.parts.extend(m.parts);
        Ok(())
    }
}

#[pymethods]
impl FrameBuilder {
    #[new]
    fn new(config: &Config) -> Self {
        FrameBuilder {
            config: config.inner.clone(),
            pending: Vec::new(),
            pending_bytes: 0,
            parts: Vec::new(),
            schema: None,
        }
    }

    /// Add the rows of the Arrow C stream that pyarrow exported into
    /// `stream`, sharing their buffers until they are stored.
    fn push_stream(&mut self, py: Python<'_>, stream: &ArrowStream) -> PyResult<()> {
        let stream = stream.take()?;
        // Polars panics on some Arrow types it has no type for.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            import_stream(stream, |df| self.push(py, df))
        }))
        .unwrap_or_else(|_| {
            Err(to_py(SfError::InvalidOperation(
                "cannot store Arrow data of a type the engine has no type for".into(),
            )))
        })
    }

    /// The frame of every row pushed.
    fn finish(&mut self, py: Python<'_>) -> PyResult<PyPlan> {
        let schema = self
            .schema
            .clone()
            .ok_or_else(|| to_py(SfError::Internal("no chunk was pushed".into())))?;
        self.flush(py)?;
        let m = Materialized {
            parts: std::mem::take(&mut self.parts),
            schema,
        };
        py.detach(|| release_memory_after(&m));
        Ok(PyPlan::memory(m))
    }
}

/// A list literal (the right side of `isin`) built once: plan JSON names it
/// by id, so a long list is not written and parsed again at every step.
#[pyclass(frozen, module = "shardframe._core")]
pub struct SharedValues {
    id: u64,
    /// Held so the id resolves while Python holds this object.
    values: shardframe_plan::Values,
}

#[pymethods]
impl SharedValues {
    /// `kind` "int", "uint" or "float" with `data` the values as little-endian
    /// 8-byte numbers (NaN is missing); "str" or "bool" with a list.
    #[new]
    fn new(kind: &str, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        use shardframe_plan::ValueList;
        // Each 8 bytes of `data` as one value.
        fn words<T>(
            data: &Bound<'_, PyAny>,
            value: fn([u8; 8]) -> Option<T>,
        ) -> PyResult<Vec<Option<T>>> {
            let bytes = data.cast::<PyBytes>()?.as_bytes();
            if bytes.len() % 8 != 0 {
                return Err(to_py(SfError::InvalidOperation(format!(
                    "{} bytes are not 8-byte values",
                    bytes.len()
                ))));
            }
            Ok(bytes
                .chunks_exact(8)
                .map(|c| {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(c);
                    value(w)
                })
                .collect())
        }
        let list = match kind {
            "int" => ValueList::Int(words(data, |w| Some(i64::from_le_bytes(w)))?),
            "uint" => ValueList::UInt(words(data, |w| Some(u64::from_le_bytes(w)))?),
            "float" => ValueList::Float(words(data, |w| {
                Some(f64::from_le_bytes(w)).filter(|v| !v.is_nan())
            })?),
            "str" => ValueList::Str(data.extract()?),
            "bool" => ValueList::Bool(data.extract()?),
            _ => {
                return Err(to_py(SfError::InvalidOperation(format!(
                    "unknown literal list kind {kind:?}"
                ))))
            }
        };
        let values = shardframe_plan::Values::new(list);
        Ok(SharedValues {
            id: values.share(),
            values,
        })
    }

    #[getter]
    fn id(&self) -> u64 {
        self.id
    }

    fn __len__(&self) -> usize {
        self.values.len()
    }
}

impl Drop for SharedValues {
    fn drop(&mut self) {
        shardframe_plan::Values::unshare(self.id);
    }
}

/// A handle to a logical plan (and, once run, to its partitions).
#[pyclass(frozen, module = "shardframe._core")]
pub struct PyPlan {
    plan: Arc<Plan>,
}

impl PyPlan {
    fn wrap(plan: Plan) -> PyPlan {
        PyPlan {
            plan: Arc::new(plan),
        }
    }
    fn child(&self, build: impl FnOnce(Arc<Plan>) -> Plan) -> PyResult<PyPlan> {
        let plan = build(self.plan.clone());
        // Validate now, so a bad column or type fails where the user wrote it.
        plan.schema().map_err(to_py)?;
        Ok(PyPlan::wrap(plan))
    }
    fn memory(m: Materialized) -> PyPlan {
        PyPlan::wrap(Plan::Scan(Arc::new(Source::Memory {
            parts: m.parts,
            schema: m.schema,
        })))
    }
    fn materialized(&self) -> Option<Materialized> {
        match self.plan.as_ref() {
            Plan::Scan(src) => match src.as_ref() {
                Source::Memory { parts, schema } => Some(Materialized {
                    parts: parts.clone(),
                    schema: schema.clone(),
                }),
                _ => None,
            },
            _ => None,
        }
    }
    fn run(
        &self,
        py: Python<'_>,
        config: &Config,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Materialized> {
        self.run_for(py, config, progress, false)
    }

    /// As `run`; `export`: the result is read once, right away (converted
    /// to Arrow), so locally it is held like an intermediate result.
    fn run_for(
        &self,
        py: Python<'_>,
        config: &Config,
        progress: Option<Py<PyAny>>,
        export: bool,
    ) -> PyResult<Materialized> {
        if let Some(m) = self.materialized() {
            return Ok(m);
        }
        let plan = self.plan.clone();
        match &config.runner {
            Runner::Local => engine::run(py, config.inner.clone(), progress, move |ctx| {
                if export {
                    shardframe_exec::export(&plan, ctx)
                } else {
                    run(&plan, ctx)
                }
            }),
            // Only the columns the result needs are computed and decoded.
            Runner::Staged => engine::run(py, config.inner.clone(), progress, move |ctx| {
                shardframe_core::hot::new_query();
                let plan = prune_columns(&plan, None);
                let threads = available_threads();
                execute_staged(
                    &InProcess {
                        threads,
                        wire: true,
                    },
                    &plan,
                    ctx,
                )
            }),
            Runner::Remote(obj) => {
                let backend = remote::PyBackend::new(py, obj)?;
                let out = engine::run(py, config.inner.clone(), progress, |ctx| {
                    shardframe_core::hot::new_query();
                    execute_staged(&backend, &prune_columns(&plan, None), ctx)
                });
                match (out, backend.take_error()) {
                    (Err(_), Some(original)) => Err(original),
                    (out, _) => out,
                }
            }
        }
    }
}

#[pymethods]
impl PyPlan {
    #[staticmethod]
    fn scan_parquet(paths: Vec<String>) -> PyResult<PyPlan> {
        let first = paths
            .first()
            .ok_or_else(|| to_py(SfError::FileNotFound("no files matched".into())))?;
        let schema = engine::guard(
            || file_schema("parquet", first),
            |msg| SfError::CorruptData(format!("cannot read the schema of '{first}': {msg}")),
        )?;
        Ok(PyPlan::wrap(Plan::Scan(Arc::new(Source::Parquet {
            paths,
            schema,
        }))))
    }

    #[staticmethod]
    fn scan_ndjson(paths: Vec<String>) -> PyResult<PyPlan> {
        let first = paths
            .first()
            .ok_or_else(|| to_py(SfError::FileNotFound("no files matched".into())))?;
        let schema = engine::guard(
            || file_schema("ndjson", first),
            |msg| SfError::CorruptData(format!("cannot read the schema of '{first}': {msg}")),
        )?;
        Ok(PyPlan::wrap(Plan::Scan(Arc::new(Source::NdJson {
            paths,
            schema,
        }))))
    }

    #[staticmethod]
    fn scan_csv(paths: Vec<String>, options: &str) -> PyResult<PyPlan> {
        let mut options: CsvOptions = parse("csv options", options)?;
        let first = paths
            .first()
            .ok_or_else(|| to_py(SfError::FileNotFound("no files matched".into())))?;
        if !std::path::Path::new(first).exists() {
            return Err(to_py(SfError::FileNotFound(format!(
                "[Errno 2] No such file or directory: '{first}'"
            ))));
        }
        let schema = engine::guard(
            || csv_schema(first, &mut options),
            |msg| SfError::CorruptData(format!("cannot read the header of '{first}': {msg}")),
        )?;
        Ok(PyPlan::wrap(Plan::Scan(Arc::new(Source::Csv {
            paths,
            options,
            schema,
        }))))
    }

    /// Output columns `[{"name":..., "expr":...}, ...]`.
    fn select(&self, exprs: &str) -> PyResult<PyPlan> {
        let exprs: Vec<NamedExpr> = parse("select", exprs)?;
        // Every column as it is: the input itself (running it would only
        // decode and re-encode every partition).
        let schema = engine::guard(
            || self.plan.schema(),
            |msg| SfError::Internal(format!("engine panicked: {msg}")),
        )?;
        let identity = exprs.len() == schema.len()
            && exprs.iter().zip(schema.iter_names()).all(|(e, name)| {
                e.name == name.as_str()
                    && matches!(&e.expr, Expr::Col { name: c } if c == name.as_str())
            });
        if identity {
            return Ok(PyPlan {
                plan: self.plan.clone(),
            });
        }
        self.child(|input| Plan::Select { input, exprs })
    }

    fn filter(&self, predicate: &str) -> PyResult<PyPlan> {
        let predicate: Expr = parse("predicate", predicate)?;
        self.child(|input| Plan::Filter { input, predicate })
    }

    fn row_index(&self, name: String) -> PyResult<PyPlan> {
        self.child(|input| Plan::RowIndex { input, name })
    }

    fn slice(&self, offset: i64, len: usize) -> PyResult<PyPlan> {
        self.child(|input| Plan::Slice { input, offset, len })
    }

    fn sort(&self, spec: &str) -> PyResult<PyPlan> {
        let spec: SortSpec = parse("sort", spec)?;
        self.child(|input| Plan::Sort { input, spec })
    }

    fn reduce(&self, aggs: &str) -> PyResult<PyPlan> {
        let mut aggs: Vec<Agg> = parse("aggregations", aggs)?;
        if aggs.iter().all(|a| a.expr.is_row_local()) {
            return self.child(|input| Plan::Reduce { input, aggs });
        }
        // An aggregated value that depends on other rows (`s.shift(1).sum()`)
        // is computed over all rows first, as a column: reduced partition by
        // partition, each partition would shift within itself.
        let exprs: Vec<NamedExpr> = aggs
            .iter_mut()
            .enumerate()
            .map(|(i, a)| {
                let name = format!("__reduced_{i}");
                let expr = std::mem::replace(&mut a.expr, Expr::col(name.as_str()));
                NamedExpr { name, expr }
            })
            .collect();
        self.child(|input| Plan::Reduce {
            input: Arc::new(Plan::Select { input, exprs }),
            aggs,
        })
    }

    /// One row per group of `keys` with `aggs` (JSON), in no particular order.
    fn group_by(&self, keys: &str, aggs: &str, dropna: bool) -> PyResult<PyPlan> {
        let mut keys: Vec<NamedExpr> = parse("group keys", keys)?;
        let mut aggs: Vec<Agg> = parse("aggregations", aggs)?;
        let local = keys.iter().all(|k| k.expr.is_row_local())
            && aggs.iter().all(|a| a.expr.is_row_local());
        if local {
            return self.child(|input| Plan::GroupBy {
                input,
                keys,
                aggs,
                dropna,
            });
        }
        // As in `reduce`: keys or values that depend on other rows are
        // computed over all rows first, as columns.
        let mut exprs = Vec::new();
        let exprs_of = keys
            .iter_mut()
            .map(|k| &mut k.expr)
            .chain(aggs.iter_mut().map(|a| &mut a.expr));
        for (i, expr) in exprs_of.enumerate() {
            let name = format!("__grouped_{i}");
            let computed = std::mem::replace(expr, Expr::col(name.as_str()));
            exprs.push(NamedExpr {
                name,
                expr: computed,
            });
        }
        self.child(|input| Plan::GroupBy {
            input: Arc::new(Plan::Select { input, exprs }),
            keys,
            aggs,
            dropna,
        })
    }

    /// The same rows with equal `keys` (JSON expressions) in one partition.
    fn repartition(&self, keys: &str, n: usize) -> PyResult<PyPlan> {
        let keys: Vec<Expr> = parse("keys", keys)?;
        self.child(|input| Plan::Repartition { input, keys, n })
    }

    fn join(&self, other: &PyPlan, spec: &str) -> PyResult<PyPlan> {
        let spec: JoinSpec = parse("join", spec)?;
        let plan = Plan::Join {
            left: self.plan.clone(),
            right: other.plan.clone(),
            spec,
        };
        plan.schema().map_err(to_py)?;
        Ok(PyPlan::wrap(plan))
    }

    #[staticmethod]
    fn concat(plans: Vec<PyRef<'_, PyPlan>>) -> PyResult<PyPlan> {
        let inputs = plans.iter().map(|p| p.plan.clone()).collect();
        let plan = Plan::Concat { inputs };
        plan.schema().map_err(to_py)?;
        Ok(PyPlan::wrap(plan))
    }

    /// `[(name, dtype name), ...]`, without running anything.
    fn schema(&self) -> PyResult<Vec<(String, String)>> {
        let schema = engine::guard(
            || self.plan.schema(),
            |msg| SfError::Internal(format!("engine panicked: {msg}")),
        )?;
        Ok(schema
            .iter()
            .map(|(name, dtype)| (name.to_string(), dtype_name(dtype)))
            .collect())
    }

    /// The plan as it runs (after projection pruning), root first.
    fn explain(&self) -> String {
        prune_columns(&self.plan, None).explain()
    }

    fn is_materialized(&self) -> bool {
        self.materialized().is_some()
    }

    /// Nodes on the plan's longest path to a scan.
    fn depth(&self) -> usize {
        self.plan.depth()
    }

    /// Run the plan; the result is a plan over the produced partitions.
    #[pyo3(signature = (config, progress=None))]
    fn collect(
        &self,
        py: Python<'_>,
        config: &Config,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<PyPlan> {
        if self.is_materialized() {
            return Ok(PyPlan {
                plan: self.plan.clone(),
            });
        }
        let m = self.run(py, config, progress)?;
        py.detach(|| release_memory_after(&m));
        Ok(PyPlan::memory(m))
    }

    /// All rows as one uncompressed Arrow IPC stream.
    #[pyo3(signature = (config, progress=None))]
    fn to_arrow(
        &self,
        py: Python<'_>,
        config: &Config,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<ArrowStream> {
        let m = self.run_for(py, config, progress, true)?;
        let stream = engine::run(py, config.inner.clone(), None, move |_| {
            shardframe_exec::to_arrow_stream(&m)
        })?;
        Ok(ArrowStream::new(stream))
    }

    /// Write all rows to `path` as parquet or csv; a failed write leaves no file.
    #[pyo3(signature = (path, format, config, options="{}"))]
    fn write(
        &self,
        py: Python<'_>,
        path: String,
        format: &str,
        config: &Config,
        options: &str,
    ) -> PyResult<()> {
        let m = self.run(py, config, None)?;
        let format = format.to_string();
        let options: serde_json::Value = parse("write options", options)?;
        engine::run(py, config.inner.clone(), None, move |_| {
            shardframe_exec::write_file(&m, &path, &format, &options)
        })
    }

    /// Partition count and sizes (runs the plan if needed).
    fn storage<'py>(&self, py: Python<'py>, config: &Config) -> PyResult<Bound<'py, PyDict>> {
        let m = self.run(py, config, None)?;
        let d = PyDict::new(py);
        d.set_item("partitions", m.parts.len())?;
        d.set_item("rows", m.rows())?;
        d.set_item(
            "raw_bytes",
            m.parts.iter().map(|p| p.raw_bytes()).sum::<usize>(),
        )?;
        d.set_item(
            "compressed_bytes",
            m.parts.iter().map(|p| p.compressed_bytes()).sum::<usize>(),
        )?;
        let codecs: Vec<String> = m.parts.iter().map(|p| format!("{:?}", p.codec())).collect();
        d.set_item(
            "codec",
            codecs.first().cloned().unwrap_or_else(|| "none".into()),
        )?;
        d.set_item(
            "partition_rows",
            m.parts.iter().map(|p| p.rows()).collect::<Vec<_>>(),
        )?;
        let columns = PyDict::new(py);
        for (name, _) in m.schema.iter() {
            let bytes: usize = m
                .parts
                .iter()
                .filter_map(|p| p.column_stats(name.as_str()).map(|s| s.raw_bytes))
                .sum();
            columns.set_item(name.as_str(), bytes)?;
        }
        d.set_item("column_bytes", columns)?;
        Ok(d)
    }

    /// The rows of partition `i` (of the materialized plan) as an Arrow stream.
    fn partition_arrow(&self, py: Python<'_>, i: usize) -> PyResult<ArrowStream> {
        let m = self.materialized().ok_or_else(|| {
            to_py(SfError::Internal(
                "partition_arrow on a plan that has not run".into(),
            ))
        })?;
        let part = m.parts.get(i).cloned().ok_or_else(|| {
            to_py(SfError::OutOfBounds(format!(
                "partition {i} of {}",
                m.parts.len()
            )))
        })?;
        let single = Materialized {
            parts: vec![part],
            schema: m.schema.clone(),
        };
        let stream = engine::run(py, ExecConfig::default(), None, move |_| {
            shardframe_exec::to_arrow_stream(&single)
        })?;
        Ok(ArrowStream::new(stream))
    }

    /// Row count: from partition metadata when materialized.
    fn num_rows(&self, py: Python<'_>, config: &Config) -> PyResult<usize> {
        Ok(self.run(py, config, None)?.rows())
    }
}

fn dtype_name(dtype: &DataType) -> String {
    match dtype {
        DataType::Int8 => "int8".into(),
        DataType::Int16 => "int16".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::UInt16 => "uint16".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::Float32 => "float32".into(),
        DataType::Float64 => "float64".into(),
        DataType::Boolean => "bool".into(),
        DataType::String => "str".into(),
        DataType::Date => "date".into(),
        DataType::Datetime(tu, tz) => {
            let unit = match tu {
                TimeUnit::Nanoseconds => "ns",
                TimeUnit::Microseconds => "us",
                TimeUnit::Milliseconds => "ms",
            };
            match tz {
                Some(tz) => format!("datetime64[{unit}, {tz}]"),
                None => format!("datetime64[{unit}]"),
            }
        }
        DataType::Duration(tu) => {
            let unit = match tu {
                TimeUnit::Nanoseconds => "ns",
                TimeUnit::Microseconds => "us",
                TimeUnit::Milliseconds => "ms",
            };
            format!("timedelta64[{unit}]")
        }
        DataType::Null => "null".into(),
        DataType::Enum(..) | DataType::Categorical(..) => "category".into(),
        other => format!("{other}"),
    }
}

fn available_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Run one task of the staged executor (on a remote worker): `envelope` is
/// the task and its inputs' metadata, `data` the inputs' bytes slot by
/// slot. Returns (metadata, bytes) per output.
#[pyfunction]
fn run_task<'py>(
    py: Python<'py>,
    envelope: &Bound<'py, PyBytes>,
    data: Vec<Vec<Bound<'py, PyBytes>>>,
) -> PyResult<Vec<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>> {
    // Copied out of the Python objects once (as slices, not item by item).
    let envelope = envelope.as_bytes().to_vec();
    let data: Vec<Vec<Vec<u8>>> = data
        .iter()
        .map(|slot| slot.iter().map(|b| b.as_bytes().to_vec()).collect())
        .collect();
    let outs = engine::run(py, ExecConfig::default(), None, move |_| {
        shardframe_exec::run_remote(&envelope, data)
    })?;
    Ok(outs
        .into_iter()
        .map(|(m, b)| (PyBytes::new(py, &m), PyBytes::new(py, &b)))
        .collect())
}

/// An Arrow C stream of a result's rows. `pyarrow.RecordBatchReader.
/// _import_from_c(stream.address())` takes it over (without copying the
/// data) while this object is alive; if never imported, dropping it
/// releases the rows.
#[pyclass(module = "shardframe._core")]
pub struct ArrowStream {
    stream: std::sync::Mutex<Box<shardframe_exec::ArrowArrayStream>>,
}

impl ArrowStream {
    fn new(stream: shardframe_exec::ArrowArrayStream) -> Self {
        ArrowStream {
            stream: std::sync::Mutex::new(Box::new(stream)),
        }
    }

    fn lock(&self) -> PyResult<std::sync::MutexGuard<'_, Box<shardframe_exec::ArrowArrayStream>>> {
        self.stream
            .lock()
            .map_err(|_| to_py(SfError::Internal("arrow stream poisoned".into())))
    }

    /// The stream, leaving an empty one in its place.
    fn take(&self) -> PyResult<Box<shardframe_exec::ArrowArrayStream>> {
        Ok(std::mem::replace(
            &mut *self.lock()?,
            Box::new(shardframe_exec::ArrowArrayStream::empty()),
        ))
    }
}

#[pymethods]
impl ArrowStream {
    /// A stream for a producer to export into (`pyarrow`'s `_export_to_c`).
    #[staticmethod]
    fn empty() -> Self {
        ArrowStream::new(shardframe_exec::ArrowArrayStream::empty())
    }

    /// Address of the `ArrowArrayStream` struct.
    fn address(&self) -> PyResult<usize> {
        let stream = self.lock()?;
        Ok(&**stream as *const shardframe_exec::ArrowArrayStream as usize)
    }
}

/// The record batches of the Arrow C stream that pyarrow exported into
/// `stream`, each with rows as a frame sharing its buffers, handed to
/// `each` after the empty frame of the stream's schema (whose categorical
/// types come from the schema: an empty batch may lack their categories).
#[allow(unsafe_code)]
fn import_stream(
    stream: Box<shardframe_exec::ArrowArrayStream>,
    mut each: impl FnMut(pl::DataFrame) -> PyResult<()>,
) -> PyResult<()> {
    use shardframe_exec::{batch_frame, batch_schema, ArrowArrayStreamReader};
    let corrupt = |e: pl::PolarsError| {
        to_py(SfError::InvalidOperation(format!(
            "cannot read Arrow data: {e}"
        )))
    };
    // SAFETY: pyarrow's `_export_to_c` filled `stream` in, per the Arrow C
    // stream interface: its callbacks and private data stay valid until the
    // reader releases the stream when dropped. A stream nothing was
    // exported into has no callbacks, and `try_new` refuses it.
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(stream) }.map_err(corrupt)?;
    let field = reader.field().clone();
    each(pl::DataFrame::empty_with_schema(
        &*batch_schema(&field).map_err(to_py)?,
    ))?;
    // SAFETY: as above; each array is imported under the stream's schema
    // and keeps the producer's buffers alive until dropped.
    while let Some(batch) = unsafe { reader.next() } {
        let df = batch_frame(&field, batch.map_err(corrupt)?).map_err(to_py)?;
        if df.height() > 0 {
            each(df)?;
        }
    }
    Ok(())
}

/// The kinds of values under each key of JSON-lines files (see
/// `shardframe_exec::JsonProfile`): `(keys with their kind bits, objects
/// read, why pandas would read the text otherwise)`.
#[pyfunction]
#[pyo3(signature = (paths, max_lines=None))]
#[allow(clippy::type_complexity)]
fn json_profile(
    py: Python<'_>,
    paths: Vec<String>,
    max_lines: Option<usize>,
) -> PyResult<(Vec<(String, u8)>, usize, Option<String>)> {
    let profile = py.detach(|| {
        engine::guard(
            || shardframe_exec::json_profile(&paths, max_lines),
            SfError::CorruptData,
        )
    })?;
    Ok((profile.keys, profile.rows, profile.irregular))
}

/// The layout of a CSV file's records (see `shardframe_exec::csv_shape`):
/// `(fields of the first record, implicit index, irregular lines, pandas'
/// ParserError message, end of the last record read)`.
#[pyfunction]
#[pyo3(signature = (path, sep, eol, skip, header, max_records=None))]
#[allow(clippy::type_complexity)]
fn csv_shape(
    py: Python<'_>,
    path: String,
    sep: u8,
    eol: u8,
    skip: usize,
    header: bool,
    max_records: Option<usize>,
) -> PyResult<(
    usize,
    bool,
    Option<&'static str>,
    Option<String>,
    Option<u64>,
)> {
    let shape = py.detach(|| {
        engine::guard(
            || shardframe_exec::csv_shape(&path, sep, eol, skip, header, max_records),
            SfError::CorruptData,
        )
    })?;
    Ok((
        shape.fields,
        shape.implicit_index,
        shape.irregular_lines,
        shape.error,
        shape.end,
    ))
}

/// Bytes of decoded columns kept for data read more than once (0: none).
#[pyfunction]
fn set_hot_cache(bytes: usize) {
    shardframe_core::hot::set_budget(bytes);
}

/// `(budget, bytes held)` of the hot cache.
#[pyfunction]
fn hot_cache_usage() -> (usize, usize) {
    shardframe_core::hot::usage()
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPlan>()?;
    m.add_class::<Config>()?;
    shardframe_exec::set_release(collect);
    m.add_class::<FrameBuilder>()?;
    m.add_class::<ArrowStream>()?;
    m.add_class::<SharedValues>()?;
    m.add_function(wrap_pyfunction!(run_task, m)?)?;
    m.add_function(wrap_pyfunction!(json_profile, m)?)?;
    m.add_function(wrap_pyfunction!(csv_shape, m)?)?;
    m.add_function(wrap_pyfunction!(set_hot_cache, m)?)?;
    m.add_function(wrap_pyfunction!(hot_cache_usage, m)?)?;
    Ok(())
}
