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
        Source::NdJson { .. } => json_reader(path)?.finish(),
        Source::Memory { .. } => {
            return Err(SfError::Internal("memory source has no file".into()));
        }
    };
    lf.map_err(|e| SfError::from(e).context(path))
}

/// Nesting deeper than this is refused before Polars parses a JSON file:
/// its reader recurses once per level (a deep enough line overflows the
/// stack) and infers a type per level (2,000 levels took 23 GB).
const MAX_JSON_DEPTH: usize = 64;

/// A JSON-lines reader of `path`, after checking its text. The schema is
/// inferred from every line, so a key that first appears late is a column,
/// as in pandas.
fn json_reader(path: &str) -> SfResult<pl::LazyJsonLineReader> {
    check_json_text(path)?;
    Ok(pl::LazyJsonLineReader::new(PlRefPath::new(path)).with_infer_schema_length(None))
}

/// One pass over a JSON-lines file before Polars parses it: the text must be
/// UTF-8 (pandas decodes it first and raises UnicodeDecodeError; Polars'
/// parser reports a syntax error), no line may nest deeper than
/// [`MAX_JSON_DEPTH`], and no integer may need more than 64 bits.
fn check_json_text(path: &str) -> SfResult<()> {
    use std::io::Read;
    let io_error = |e: std::io::Error| SfError::from(e).context(path);
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut depth, mut line, mut in_string, mut escaped) = (0usize, 1usize, false, false);
    let (mut number, mut digits, mut fraction) = ([0u8; 20], 0usize, false);
    // `carry` bytes at the start of `buf` begin a character the last read cut
    let (mut carry, mut offset) = (0usize, 0usize);
    loop {
        let n = file.read(&mut buf[carry..]).map_err(io_error)?;
        let len = carry + n;
        let complete = match std::str::from_utf8(&buf[..len]) {
            Ok(_) => len,
            // a character the next read completes
            Err(e) if e.error_len().is_none() && n > 0 => e.valid_up_to(),
            Err(e) => {
                let at = e.valid_up_to();
                return Err(SfError::Decode(format!(
                    "{path}: 'utf-8' codec can't decode byte 0x{:02x} in position {}",
                    buf[at],
                    offset + at
                )));
            }
        };
        if n == 0 {
            return Ok(());
        }
        for &b in &buf[carry..len] {
            if in_string && b != b'\n' {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            // an integer literal beyond 64 bits: pandas refuses it ("Value is
            // too big!"), Polars would read it as a float
            match b {
                b'0'..=b'9' => {
                    if digits < number.len() {
                        number[digits] = b;
                    }
                    digits += 1;
                }
                b'.' | b'e' | b'E' if digits > 0 => fraction = true,
                b'+' | b'-' if fraction => {}
                _ => {
                    if digits > 0 && !fraction && beyond_u64(&number, digits) {
                        return Err(SfError::Compute(format!(
                            "{path}, line {line}: Value is too big! (an integer beyond 64 bits)"
                        )));
                    }
                    (digits, fraction) = (0, false);
                }
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_JSON_DEPTH {
                        return Err(SfError::Compute(format!(
                            "{path}, line {line}: JSON nested deeper than {MAX_JSON_DEPTH} levels"
                        )));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                // every line is a document of its own
                b'\n' => (depth, line, in_string, escaped) = (0, line + 1, false, false),
                _ => {}
            }
        }
        buf.copy_within(complete..len, 0);
        offset += complete;
        carry = len - complete;
    }
}

/// Whether an integer of `digits` digits, the first 20 in `number`, is
/// beyond the largest unsigned 64-bit integer.
fn beyond_u64(number: &[u8; 20], digits: usize) -> bool {
    digits > 20 || digits == 20 && number.as_slice() > b"18446744073709551615".as_slice()
}

fn single_byte(what: &str, value: &str) -> SfResult<u8> {
    match value.as_bytes() {
        [b] => Ok(*b),
        _ => Err(SfError::Compute(format!(
            "only single-character {what}s are supported, got {value:?}"
        ))),
    }
}

fn csv_reader(path: &str, o: &CsvOptions) -> SfResult<pl::LazyCsvReader> {
    let sep = single_byte("separator", &o.sep)?;
    let mut r = pl::LazyCsvReader::new(PlRefPath::new(path))
        .with_separator(sep)
        .with_eol_char(single_byte("line terminator", &o.eol)?)
        .with_has_header(o.has_header)
        .with_skip_rows(o.skip_rows)
        .with_n_rows(o.n_rows)
        .with_try_parse_dates(o.try_parse_dates)
        .with_glob(false)
        .with_infer_schema_length(Some(CSV_INFER_ROWS));
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

/// Rows a CSV file's column types are inferred from.
const CSV_INFER_ROWS: usize = 10_000;

/// Schema of a CSV file as it will be read with these options, which it
/// completes: a column without a value in the rows types are inferred from
/// is read as float64 (all NaN), as pandas reads it, where Polars would
/// read text. A later value that is not a number is then an error naming
/// its line, as for any column whose type the first rows decided.
pub fn csv_schema(path: &str, options: &mut CsvOptions) -> SfResult<SchemaRef> {
    let fail = |e: pl::PolarsError| SfError::from(e).context(path);
    let mut lf = csv_reader(path, options)?.finish().map_err(fail)?;
    let schema = lf.collect_schema().map_err(fail)?;
    let text: Vec<_> = schema
        .iter()
        .filter(|(name, dtype)| {
            **dtype == pl::DataType::String
                && !options.dtypes.iter().any(|(n, _)| n == name.as_str())
        })
        .map(|(name, _)| name.clone())
        .collect();
    if text.is_empty() {
        return Ok(schema);
    }
    let empty = lf
        .slice(0, CSV_INFER_ROWS as pl::IdxSize)
        .select(
            text.iter()
                .map(|n| pl::col(n.clone()).is_null().all(false))
                .collect::<Vec<_>>(),
        )
        .collect()
        .map_err(fail)?;
    let mut added = false;
    for (name, column) in text.iter().zip(empty.columns()) {
        if column.bool().ok().and_then(|c| c.get(0)) == Some(true) {
            options.dtypes.push((name.to_string(), "float64".into()));
            added = true;
        }
    }
    if !added {
        return Ok(schema);
    }
    csv_reader(path, options)?
        .finish()
        .map_err(fail)?
        .collect_schema()
        .map_err(fail)
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
        "ndjson" => json_reader(path)?.finish(),
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
