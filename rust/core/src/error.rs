use polars::prelude::PolarsError;

/// Every failure the engine can report. Plain data (no boxed sources), so an
/// error can cross a process or network boundary unchanged. The Python
/// binding maps each variant to the builtin exception pandas raises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum SfError {
    #[error("{0}")]
    ColumnNotFound(String),
    #[error("{0}")]
    Schema(String),
    #[error("{0}")]
    Shape(String),
    /// An operation that does not apply to these operand types (pandas: TypeError).
    #[error("{0}")]
    InvalidOperation(String),
    /// A value the operation cannot handle (pandas: ValueError).
    #[error("{0}")]
    Compute(String),
    #[error("{0}")]
    OutOfBounds(String),
    #[error("corrupt data: {0}")]
    CorruptData(String),
    /// Text that is not valid UTF-8 (pandas: UnicodeDecodeError).
    #[error("{0}")]
    Decode(String),
    #[error("{0}")]
    FileNotFound(String),
    /// The file system refused access (pandas: PermissionError).
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    OutOfMemory(String),
    /// Retrying may succeed (a lost worker, an interrupted read).
    #[error("{0}")]
    Transient(String),
    #[error("interrupted")]
    Interrupted,
    #[error("not implemented: {0}")]
    NotImplemented(String),
    /// A bug in shardframe: an invariant did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type SfResult<T> = Result<T, SfError>;

/// `bail!(Variant: "fmt", args)` returns early with that error.
#[macro_export]
macro_rules! bail {
    ($variant:ident: $($arg:tt)*) => {
        return Err($crate::SfError::$variant(format!($($arg)*)))
    };
}

/// `ensure!(cond, Variant: "fmt", args)` bails unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $variant:ident: $($arg:tt)*) => {
        if !$cond {
            $crate::bail!($variant: $($arg)*);
        }
    };
}

impl From<PolarsError> for SfError {
    fn from(err: PolarsError) -> Self {
        let msg = strip_polars_hints(&err.to_string());
        if let Some(decode) = undecodable(&err, &msg) {
            return decode;
        }
        if !matches!(err, PolarsError::Context { .. }) && unsupported_for_type(&msg) {
            return SfError::InvalidOperation(msg);
        }
        match err {
            PolarsError::ColumnNotFound(_) => SfError::ColumnNotFound(msg),
            PolarsError::SchemaFieldNotFound(_) => SfError::ColumnNotFound(msg),
            PolarsError::SchemaMismatch(_) | PolarsError::Duplicate(_) => SfError::Schema(msg),
            PolarsError::ShapeMismatch(_) => SfError::Shape(msg),
            PolarsError::InvalidOperation(_) => SfError::InvalidOperation(msg),
            PolarsError::OutOfBounds(_) => SfError::OutOfBounds(msg),
            PolarsError::IO { error, .. } => match error.kind() {
                std::io::ErrorKind::NotFound => SfError::FileNotFound(msg),
                std::io::ErrorKind::PermissionDenied => SfError::PermissionDenied(msg),
                _ => SfError::Io(msg),
            },
            PolarsError::Context { error, .. } => {
                let inner = SfError::from(*error);
                inner.with_message(msg)
            }
            _ => SfError::Compute(msg),
        }
    }
}

impl From<std::io::Error> for SfError {
    fn from(err: std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::NotFound => SfError::FileNotFound(err.to_string()),
            std::io::ErrorKind::PermissionDenied => SfError::PermissionDenied(err.to_string()),
            _ => SfError::Io(err.to_string()),
        }
    }
}

impl SfError {
    /// Same kind of error, another message.
    pub fn with_message(self, msg: String) -> Self {
        use SfError::*;
        match self {
            ColumnNotFound(_) => ColumnNotFound(msg),
            Schema(_) => Schema(msg),
            Shape(_) => Shape(msg),
            InvalidOperation(_) => InvalidOperation(msg),
            Compute(_) => Compute(msg),
            OutOfBounds(_) => OutOfBounds(msg),
            CorruptData(_) => CorruptData(msg),
            Decode(_) => Decode(msg),
            FileNotFound(_) => FileNotFound(msg),
            PermissionDenied(_) => PermissionDenied(msg),
            Io(_) => Io(msg),
            OutOfMemory(_) => OutOfMemory(msg),
            Transient(_) => Transient(msg),
            Interrupted => Interrupted,
            NotImplemented(_) => NotImplemented(msg),
            Internal(_) => Internal(msg),
        }
    }

    /// The error for a panic in engine code: a reader's panic on bytes it
    /// could not decode (Polars' Parquet reader unwraps some decoding
    /// errors) is corrupt data; any other panic is a bug.
    pub fn from_panic(msg: &str) -> Self {
        match decode_failure(msg) {
            Some(SfError::CorruptData(m)) => {
                SfError::CorruptData(format!("a file could not be decoded: {m}"))
            }
            _ => SfError::Internal(format!("engine panicked: {msg}")),
        }
    }

    /// Prefix the message with where it happened (a file, a partition).
    pub fn context(self, place: &str) -> Self {
        let msg = format!("{place}: {self}");
        self.with_message(msg)
    }
}

/// A file's bytes that do not decode, told apart by the reader's message
/// (Polars' readers give these no kinds of their own): a corrupt Parquet or
/// IPC file (pandas, through pyarrow: OSError) or text that is not UTF-8
/// (pandas: UnicodeDecodeError, which code catches to retry in another
/// encoding).
fn undecodable(err: &PolarsError, msg: &str) -> Option<SfError> {
    if matches!(err, PolarsError::IO { .. } | PolarsError::Context { .. }) {
        return None;
    }
    decode_failure(msg)
}

fn decode_failure(msg: &str) -> Option<SfError> {
    let lower = msg.to_ascii_lowercase();
    const CORRUPT: [&str; 8] = [
        "parquet",
        "out of specification",
        "out-of-spec",
        "outofspec",
        "thrift",
        "flatbuffer",
        "arrow:schema",
        "decompression",
    ];
    if CORRUPT.iter().any(|m| lower.contains(m)) {
        Some(SfError::CorruptData(msg.to_string()))
    } else if lower.contains("utf-8") || lower.contains("utf8") {
        Some(SfError::Decode(msg.to_string()))
    } else {
        None
    }
}

/// The text of a caught panic's payload.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// Polars' compute errors that say an operation does not apply to a
/// column's type, where pandas raises TypeError (`abs` of text, `sum` of a
/// categorical, comparing text with numbers, a JSON line that is not an
/// object). Polars gives them no kind of their own.
fn unsupported_for_type(msg: &str) -> bool {
    const MARKERS: [&str; 5] = [
        "only supports physical numeric types",
        "cannot compare",
        "failed to determine supertype",
        "not supported for dtype",
        "expected to contain JSON object",
    ];
    // a line that is a JSON string: pandas raises ValueError building a row of it
    MARKERS.iter().any(|m| msg.contains(m)) && !msg.contains("JSON object: str")
}

/// Polars appends multi-line hints meant for Polars users; keep the first paragraph.
fn strip_polars_hints(msg: &str) -> String {
    let first = msg.split("\n\n").next().unwrap_or(msg);
    first.trim().to_string()
}
