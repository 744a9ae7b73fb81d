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
/// [`MAX_JSON_DEPTH`], and no number may have an integer part beyond 64 bits.
fn check_json_text(path: &str) -> SfResult<()> {
    use std::io::Read;
    let io_error = |e: std::io::Error| SfError::from(e).context(path);
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut depth, mut line, mut in_string, mut escaped) = (0usize, 1usize, false, false);
    let (mut number, mut digits, mut fraction, mut negative) = ([0u8; 20], 0usize, false, false);
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
            // a number whose integer part needs more than 64 bits: pandas'
            // parser refuses it ("Value is too big!"), Polars reads a float
            let int_part = |digits: usize, negative: bool| {
                let (beyond, what) = if negative {
                    (beyond_i64_min(&number, digits), "Value is too small")
                } else {
                    (beyond_u64(&number, digits), "Value is too big!")
                };
                match beyond {
                    true => Err(SfError::Compute(format!(
                        "{path}, line {line}: {what} (a number beyond 64 bits)"
                    ))),
                    false => Ok(()),
                }
            };
            match b {
                b'0'..=b'9' => {
                    if digits < number.len() {
                        number[digits] = b;
                    }
                    digits += 1;
                }
                b'.' | b'e' | b'E' if digits > 0 => {
                    if !fraction {
                        int_part(digits, negative)?;
                    }
                    fraction = true;
                }
                b'+' | b'-' if fraction => {}
                _ => {
                    if digits > 0 && !fraction {
                        int_part(digits, negative)?;
                    }
                    (digits, fraction, negative) = (0, false, b == b'-');
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

/// Whether a negative integer of `digits` digits, the first 20 in `number`,
/// is below the smallest signed 64-bit integer.
fn beyond_i64_min(number: &[u8; 20], digits: usize) -> bool {
    digits > 19 || digits == 19 && number[..19] > *b"9223372036854775808".as_slice()
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

/// What the values under each top-level key of a JSON-lines file are, in
/// the order the keys first appear: pandas types a column from these kinds
/// (`read_json` builds a frame of the parsed objects, then converts), so the
/// reader can tell which columns it types as pandas does.
#[derive(Debug, Default)]
pub struct JsonProfile {
    /// Each key with the bit set of the [`json_kind`] values it holds.
    pub keys: Vec<(String, u8)>,
    /// The objects read (blank lines are skipped, as pandas skips them).
    pub rows: usize,
    /// Why pandas would read the text otherwise than one object per line of
    /// distinct keys: a line that is not an object, a repeated key, a lone
    /// carriage return (a line end to pandas).
    pub irregular: Option<String>,
    /// Where each key is in `keys`, and in how many objects it is.
    index: std::collections::HashMap<String, (usize, usize)>,
}

/// The kinds of JSON values [`JsonProfile`] records, as bits.
pub mod json_kind {
    pub const NULL: u8 = 1;
    pub const BOOL: u8 = 2;
    pub const INT: u8 = 4;
    pub const FLOAT: u8 = 8;
    pub const STRING: u8 = 16;
    pub const ARRAY: u8 = 32;
    pub const OBJECT: u8 = 64;
    /// An integer above the largest signed 64-bit one (pandas: uint64).
    pub const UNSIGNED: u8 = 128;
}

/// The kinds of the values of the first `max_lines` lines (all if `None`) of
/// the JSON-lines files `paths`, as one table.
pub fn json_profile(paths: &[String], max_lines: Option<usize>) -> SfResult<JsonProfile> {
    use std::io::BufRead;
    let mut profile = JsonProfile::default();
    let mut left = max_lines.unwrap_or(usize::MAX);
    for path in paths {
        let file = std::fs::File::open(path).map_err(|e| SfError::from(e).context(path))?;
        let mut reader = std::io::BufReader::new(file);
        let mut line = Vec::new();
        let mut number = 0usize;
        while left > 0 && profile.irregular.is_none() {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| SfError::from(e).context(path))?;
            if n == 0 {
                break;
            }
            (number, left) = (number + 1, left - 1);
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.contains(&b'\r') {
                profile.irregular = Some(format!(
                    "{path}, line {number}: a carriage return inside the line"
                ));
            } else if !text.iter().all(u8::is_ascii_whitespace) {
                if let Err(e) = profile.add_line(text) {
                    profile.irregular = Some(format!("{path}, line {number}: {e}"));
                }
            }
        }
    }
    // a key some objects lack is missing there
    for (i, count) in profile.index.values() {
        if *count < profile.rows {
            profile.keys[*i].1 |= json_kind::NULL;
        }
    }
    Ok(profile)
}

impl JsonProfile {
    fn add_line(&mut self, text: &[u8]) -> Result<(), serde_json::Error> {
        use serde::de::Deserializer as _;
        let mut de = serde_json::Deserializer::from_slice(text);
        (&mut de).deserialize_any(LineVisitor(self))?;
        de.end()?;
        self.rows += 1;
        Ok(())
    }
}

/// Visits one line, which must be an object; records its keys' kinds.
struct LineVisitor<'a>(&'a mut JsonProfile);

impl<'de> serde::de::Visitor<'de> for LineVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let profile = self.0;
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let JsonKind(kind) = map.next_value()?;
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("the key {key:?} repeats")));
            }
            match profile.index.get_mut(&key) {
                Some((i, count)) => {
                    profile.keys[*i].1 |= kind;
                    *count += 1;
                }
                None => {
                    profile.index.insert(key.clone(), (profile.keys.len(), 1));
                    profile.keys.push((key, kind));
                }
            }
        }
        Ok(())
    }
}

/// The [`json_kind`] of one value (containers are skipped, not kept).
struct JsonKind(u8);

impl<'de> serde::Deserialize<'de> for JsonKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> serde::de::Visitor<'de> for KindVisitor {
    type Value = JsonKind;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<JsonKind, E> {
        Ok(JsonKind(json_kind::NULL))
    }
    fn visit_bool<E>(self, _: bool) -> Result<JsonKind, E> {
        Ok(JsonKind(json_kind::BOOL))
    }
    fn visit_i64<E>(self, _: i64) -> Result<JsonKind, E> {
        Ok(JsonKind(json_kind::INT))
    }
    fn visit_u64<E>(self, v: u64) -> Result<JsonKind, E> {
        Ok(JsonKind(if i64::try_from(v).is_ok() {
            json_kind::INT
        } else {
            json_kind::UNSIGNED
        }))
    }
    fn visit_f64<E>(self, _: f64) -> Result<JsonKind, E> {
        Ok(JsonKind(json_kind::FLOAT))
    }
    fn visit_str<E>(self, _: &str) -> Result<JsonKind, E> {
        Ok(JsonKind(json_kind::STRING))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonKind, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(JsonKind(json_kind::ARRAY))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonKind, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(JsonKind(json_kind::OBJECT))
    }
}

/// How a CSV file's records are laid out, as pandas' C tokenizer sees them
/// (quotes, doubled quotes, separators and line ends inside quotes).
#[derive(Debug, Default)]
pub struct CsvShape {
    /// Fields of the first record (the header, or the first row without one).
    pub fields: usize,
    /// The first data row has more fields than the header: pandas makes the
    /// extra leading ones the index.
    pub implicit_index: bool,
    /// What the scanner reads otherwise than pandas: an empty line (pandas
    /// skips it, the scanner reads a row of missing values), a lone `\r`
    /// among `\n` line ends (pandas ends a line there), quotes inside an
    /// unquoted field or text after a closing quote (pandas keeps them).
    pub irregular_lines: Option<&'static str>,
    /// pandas' ParserError for the file: a record with more fields than
    /// expected, or a quote still open at the end.
    pub error: Option<String>,
    /// Where the last of `max_records` records ends, when the file has more.
    pub end: Option<u64>,
}

/// Walk the first `max_records` records (all if `None`) of the CSV file
/// `path` after `skip` lines: their field counts, checked as pandas' C
/// tokenizer checks them. `header`: the first record is a header.
pub fn csv_shape(
    path: &str,
    sep: u8,
    eol: u8,
    skip: usize,
    header: bool,
    max_records: Option<usize>,
) -> SfResult<CsvShape> {
    use std::io::Read;
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        StartRecord,
        StartField,
        InField,
        InQuoted,
        QuoteInQuoted,
    }
    let io_error = |e: std::io::Error| SfError::from(e).context(path);
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut shape = CsvShape::default();
    let (mut state, mut line, mut skipped) = (State::StartRecord, 1usize, 0usize);
    // the record being read: its index, first line and fields so far
    let (mut record, mut record_line, mut fields) = (0usize, 1usize, 0usize);
    let mut expected = usize::MAX;
    let (mut previous, mut quoted_from, mut offset) = (0u8, 0usize, 0u64);
    let limit = max_records.unwrap_or(usize::MAX);
    let too_many = |expected: usize, line: usize, fields: usize| {
        format!("Error tokenizing data. C error: Expected {expected} fields in line {line}, saw {fields}")
    };
    'read: loop {
        let n = file.read(&mut buf).map_err(io_error)?;
        if n == 0 {
            break;
        }
        for &b in &buf[..n] {
            offset += 1;
            if previous == b'\r' && b != b'\n' && eol == b'\n' && shape.irregular_lines.is_none() {
                shape.irregular_lines = Some("mixed line endings");
            }
            previous = b;
            // (`\r\n` ends a line at its `\n`)
            let line_end = b == eol;
            if skipped < skip {
                if line_end {
                    (skipped, line) = (skipped + 1, line + 1);
                    record_line = line;
                }
                continue;
            }
            let ends_record = line_end && state != State::InQuoted;
            if line_end {
                line += 1;
            }
            state = match (state, b) {
                (State::StartRecord, _) if line_end => {
                    if shape.irregular_lines.is_none() {
                        shape.irregular_lines = Some("blank lines");
                    }
                    record_line = line;
                    State::StartRecord
                }
                (State::StartRecord | State::StartField, b'"') => {
                    quoted_from = record;
                    State::InQuoted
                }
                (State::InQuoted, b'"') => State::QuoteInQuoted,
                (State::InQuoted, _) => State::InQuoted,
                (State::QuoteInQuoted, b'"') => State::InQuoted,
                (_, _) if ends_record => {
                    fields += 1;
                    // the record is complete
                    if record == 0 {
                        shape.fields = fields;
                        expected = fields;
                    } else if record == 1 && header && fields > expected {
                        shape.implicit_index = true;
                        expected = fields;
                    } else if fields > expected {
                        shape.error = Some(too_many(expected, record_line + skip, fields));
                        break 'read;
                    }
                    (record, fields, record_line) = (record + 1, 0, line);
                    if record >= limit {
                        shape.end = Some(offset);
                        break 'read;
                    }
                    State::StartRecord
                }
                (_, s) if s == sep => {
                    fields += 1;
                    State::StartField
                }
                (_, b'\r') if eol == b'\n' => state, // before its `\n`
                (State::QuoteInQuoted, _) | (State::InField, b'"') => {
                    // pandas keeps such quotes (or the text after a closing
                    // one) as text; the scanner reads them otherwise
                    if shape.irregular_lines.is_none() {
                        shape.irregular_lines = Some("quotes inside unquoted fields");
                    }
                    State::InField
                }
                _ => State::InField,
            };
        }
    }
    if shape.error.is_some() || record >= limit {
        return Ok(shape);
    }
    if state == State::InQuoted {
        shape.error = Some(format!(
            "Error tokenizing data. C error: EOF inside string starting at row {quoted_from}"
        ));
    } else if state != State::StartRecord {
        // the last record, without a line end
        fields += 1;
        if record == 0 {
            shape.fields = fields;
        } else if record == 1 && header && fields > expected {
            shape.implicit_index = true;
        } else if fields > expected {
            shape.error = Some(too_many(expected, record_line + skip, fields));
        }
    }
    Ok(shape)
}
