//! Reading files as the first step of a fused pipeline.

use polars::prelude as pl;
use polars::prelude::{LazyFileListReader, PlRefPath, SchemaRef};
use shardframe_core::{SfError, SfResult};
use shardframe_plan::expr::parse_dtype;
use shardframe_plan::{CsvOptions, Source};

/// A lazy scan of one file of `src`; projection and predicates applied on
/// top of it are pushed into the reader by Polars.
pub(crate) fn scan_file(src: &Source, path: &str) -> SfResult<pl::LazyFrame> {
    let lf = match src {
        Source::Parquet { .. } => pl::LazyFrame::scan_parquet(
            PlRefPath::new(path),
            pl::ScanArgsParquet {
                glob: false,
                ..Default::default()
            },
        ),
        Source::Csv { options, .. } => csv_reader(path, options)?.finish(),
        Source::NdJson { .. } => pl::LazyJsonLineReader::new(PlRefPath::new(path)).finish(),
        Source::Memory { .. } => {
            return Err(SfError::Internal("memory source has no file".into()));
        }
    };
    lf.map_err(|e| SfError::from(e).context(path))
}

fn csv_reader(path: &str, o: &CsvOptions) -> SfResult<pl::LazyCsvReader> {
    let sep = match o.sep.as_bytes() {
        [b] => *b,
        _ => {
            return Err(SfError::Compute(format!(
                "only single-character separators are supported, got {:?}",
                o.sep
            )))
        }
    };
    let mut r = pl::LazyCsvReader::new(PlRefPath::new(path))
        .with_separator(sep)
        .with_has_header(o.has_header)
        .with_skip_rows(o.skip_rows)
        .with_n_rows(o.n_rows)
        .with_try_parse_dates(o.try_parse_dates)
        .with_glob(false)
        .with_infer_schema_length(Some(10_000));
    if let Some(names) = &o.names {
        r = r.with_column_names_overwrite(names.iter().map(|n| n.as_str().into()).collect());
    }
    if !o.na_values.is_empty() {
        r = r.with_null_values(Some(pl::NullValues::AllColumns(
            o.na_values.iter().map(|v| v.as_str().into()).collect(),
        )));
    }
    if !o.dtypes.is_empty() {
        let mut schema = pl::Schema::default();
        for (name, dtype) in &o.dtypes {
            schema.with_column(name.as_str().into(), parse_dtype(dtype)?);
        }
        r = r.with_dtype_overwrite(Some(std::sync::Arc::new(schema)));
    }
    Ok(r)
}

/// Schema of a CSV file as it will be read with these options.
pub fn csv_schema(path: &str, options: &CsvOptions) -> SfResult<SchemaRef> {
    let mut lf = csv_reader(path, options)?
        .finish()
        .map_err(|e| SfError::from(e).context(path))?;
    lf.collect_schema()
        .map_err(|e| SfError::from(e).context(path))
}

/// Schema of a parquet or ndjson file.
pub fn file_schema(src_kind: &str, path: &str) -> SfResult<SchemaRef> {
    if !std::path::Path::new(path).exists() {
        return Err(SfError::FileNotFound(format!(
            "[Errno 2] No such file or directory: '{path}'"
        )));
    }
    let lf = match src_kind {
        "parquet" => pl::LazyFrame::scan_parquet(PlRefPath::new(path), Default::default()),
        "ndjson" => pl::LazyJsonLineReader::new(PlRefPath::new(path)).finish(),
        other => return Err(SfError::Internal(format!("unknown file kind {other}"))),
    };
    let mut lf = lf.map_err(|e| SfError::from(e).context(path))?;
    lf.collect_schema()
        .map_err(|e| SfError::from(e).context(path))
}

/// For a CSV value that failed to parse: the 1-based line of the first value
/// of `column` that does not convert to the column's type. Reads the file
/// again (only on this error path) with that column as text.
pub(crate) fn csv_error_line(src: &Source, path: &str, message: &str) -> Option<usize> {
    let Source::Csv {
        options, schema, ..
    } = src
    else {
        return None;
    };
    let start = message.find("at column '")? + "at column '".len();
    let column = &message[start..start + message[start..].find('\'')?];
    let dtype = schema.get(column)?.clone();
    let mut opts = options.clone();
    opts.dtypes.retain(|(name, _)| name != column);
    opts.dtypes.push((column.to_string(), "str".into()));
    let lf = csv_reader(path, &opts).ok()?.finish().ok()?;
    let c = pl::col(column);
    let bad = lf
        .with_row_index("__row", None)
        .filter(c.clone().is_not_null().and(c.clone().cast(dtype).is_null()))
        .select([pl::col("__row")])
        .first()
        .collect()
        .ok()?;
    let row = bad.column("__row").ok()?.get(0).ok()?.extract::<usize>()?;
    Some(row + options.skip_rows + usize::from(options.has_header) + 1)
}
