//! Moving whole results in and out: partitioning an incoming frame,
//! exporting an Arrow C stream, writing files atomically.

use std::fs::File;
use std::path::Path;

use polars::prelude as pl;
use polars::prelude::{CompatLevel, DataFrame, SchemaExt, SerWriter};
use polars_arrow::array::{Array, StructArray};
use polars_arrow::ffi::export_iterator;
pub use polars_arrow::ffi::{ArrowArrayStream, ArrowArrayStreamReader};
use polars_core::prelude::{ArrowDataType, ArrowField};
use shardframe_core::{SfError, SfResult};

use crate::{encode, Context, Materialized};

/// Split an in-memory frame into compressed partitions.
pub fn partition_frame(df: DataFrame, ctx: &Context) -> SfResult<Materialized> {
    let schema = df.schema().clone();
    let parts = polars_core::runtime::THREAD_POOL.install(|| encode(df, ctx))?;
    Ok(Materialized { parts, schema })
}

/// One record batch of an imported Arrow stream (a struct array of the
/// stream's `field`) as a frame sharing its buffers where Polars can (text
/// becomes Polars' string views, a copy).
pub fn batch_frame(field: &ArrowField, batch: Box<dyn Array>) -> SfResult<DataFrame> {
    let fields = record_fields(field)?;
    let batch = batch
        .as_any()
        .downcast_ref::<StructArray>()
        .ok_or_else(|| SfError::Internal("record batch expected".into()))?;
    let columns = fields
        .iter()
        .zip(batch.values())
        .map(|(f, a)| Ok(pl::Series::try_from((f, a.clone()))?.into()))
        .collect::<SfResult<Vec<pl::Column>>>()?;
    Ok(DataFrame::new(batch.len(), columns)?)
}

/// The schema of an imported Arrow stream's record batches.
pub fn batch_schema(field: &ArrowField) -> SfResult<pl::SchemaRef> {
    Ok(std::sync::Arc::new(
        record_fields(field)?
            .iter()
            .map(|f| pl::Field::new(f.name.clone(), pl::DataType::from_arrow_field(f)))
            .collect(),
    ))
}

/// The columns of a stream's record batches (its field is a struct).
fn record_fields(field: &ArrowField) -> SfResult<&[ArrowField]> {
    match field.dtype() {
        ArrowDataType::Struct(fields) => Ok(fields),
        other => Err(SfError::Internal(format!(
            "record batches expected, got {other:?}"
        ))),
    }
}

/// All partitions as an Arrow C stream (one record batch per partition
/// chunk), for pyarrow to import without copying: partitions are decoded in
/// parallel first, in the oldest Arrow flavour (plain large strings) that
/// every Arrow reader understands.
pub fn to_arrow_stream(m: &Materialized) -> SfResult<ArrowArrayStream> {
    use rayon::prelude::*;

    let frames: Vec<DataFrame> = polars_core::runtime::THREAD_POOL.install(|| {
        m.parts
            .par_iter()
            .map(|p| {
                let mut df = p.decode(None)?;
                df.align_chunks_par();
                Ok(df)
            })
            .collect::<SfResult<_>>()
    })?;
    let schema = m.schema.to_arrow(CompatLevel::oldest());
    let fields: Vec<ArrowField> = schema.iter_values().cloned().collect();
    let dtype = ArrowDataType::Struct(fields);
    let mut batches: Vec<Box<dyn Array>> = Vec::new();
    for df in &frames {
        for batch in df.iter_chunks(CompatLevel::oldest(), true) {
            let len = batch.height();
            let array = StructArray::try_new(dtype.clone(), len, batch.into_arrays(), None)?;
            batches.push(Box::new(array));
        }
    }
    Ok(export_iterator(
        Box::new(batches.into_iter().map(Ok)),
        ArrowField::new("".into(), dtype, false),
    ))
}

/// Write to a hidden temporary file beside `path` (`.NAME.PID.partial`, which
/// directory reads skip) and rename it on success, so a failure never leaves
/// a file that looks complete. A temporary file of the same target left by a
/// process that no longer runs (killed mid-write) is removed first. Errors
/// name the target, not the temporary file.
pub fn write_file(
    m: &Materialized,
    path: &str,
    format: &str,
    options: &serde_json::Value,
) -> SfResult<()> {
    let target = Path::new(path);
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.exists() {
        return Err(SfError::FileNotFound(format!(
            "Cannot save file into a non-existent directory: '{}'",
            dir.display()
        )));
    }
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| SfError::InvalidOperation(format!("not a file path: '{path}'")))?;
    remove_stale_partials(dir, name);
    let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let result = write_to(m, &tmp, format, options)
        .and_then(|()| std::fs::rename(&tmp, target).map_err(SfError::from));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| e.context(path))
}

/// Remove `.NAME.PID.partial` files in `dir` whose writing process is gone.
fn remove_stale_partials(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".partial"))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        // Only where /proc tells which processes run (elsewhere, leave them).
        let alive = !cfg!(target_os = "linux") || Path::new("/proc").join(pid.to_string()).exists();
        if !alive {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn csv_field(name: &str, sep: u8) -> String {
    if name.contains(sep as char) || name.contains('"') || name.contains('\n') {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

fn write_to(
    m: &Materialized,
    tmp: &Path,
    format: &str,
    options: &serde_json::Value,
) -> SfResult<()> {
    let file = File::create(tmp).map_err(SfError::from)?;
    match format {
        "parquet" => {
            let compression = match options.get("compression").and_then(|v| v.as_str()) {
                None | Some("zstd") => pl::ParquetCompression::Zstd(None),
                Some("snappy") => pl::ParquetCompression::Snappy,
                Some("uncompressed") => pl::ParquetCompression::Uncompressed,
                Some(other) => {
                    return Err(SfError::InvalidOperation(format!(
                        "unknown parquet compression {other:?}"
                    )))
                }
            };
            let mut writer = pl::ParquetWriter::new(file)
                .with_compression(compression)
                .batched(&m.schema)?;
            for part in &m.parts {
                writer.write_batch(&part.decode(None)?)?;
            }
            writer.finish()?;
        }
        "csv" => {
            let sep = options.get("sep").and_then(|v| v.as_str()).unwrap_or(",");
            let header = options
                .get("header")
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            let na_rep = options.get("na_rep").and_then(|v| v.as_str()).unwrap_or("");
            let sep = *sep.as_bytes().first().unwrap_or(&b',');
            let mut file = file;
            if header {
                // Written here rather than by Polars, which quotes an empty name
                // (pandas writes the unnamed index header as nothing).
                use std::io::Write as _;
                let names: Vec<String> = m
                    .schema
                    .iter_names()
                    .map(|n| csv_field(n.as_str(), sep))
                    .collect();
                writeln!(file, "{}", names.join(&(sep as char).to_string()))?;
            }
            let mut writer = pl::CsvWriter::new(file)
                .with_separator(sep)
                .include_header(false)
                .with_null_value(na_rep.into())
                .batched(&m.schema)?;
            for part in &m.parts {
                writer.write_batch(&part.decode(None)?)?;
            }
        }
        other => return Err(SfError::Internal(format!("unknown output format {other}"))),
    }
    Ok(())
}
