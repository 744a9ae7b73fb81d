use std::any::Any;
use std::fmt::Debug;
use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use polars::prelude::{DataFrame, IpcReader, IpcWriter, SchemaRef, SerReader, SerWriter};
use serde::{Deserialize, Serialize};

use crate::hot::Slot;
use crate::{Codec, Scalar, SfError, SfResult};

/// Min, max and null count of one column of one partition. `min`/`max` are
/// `None` when the column has no non-null value or a type without an order
/// we track (lists, structs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    pub name: String,
    pub min: Option<Scalar>,
    pub max: Option<Scalar>,
    pub null_count: usize,
    /// Decoded size of the column's buffers.
    pub raw_bytes: usize,
}

/// Where a partition's bytes live when they are not in this process: an
/// object in a remote store (a Ray object), fetched on demand.
pub trait RemoteData: Send + Sync + Debug {
    /// The encoded IPC file.
    fn fetch(&self) -> SfResult<Vec<u8>>;
    /// For the backend that made it, to recover its own handle type.
    fn as_any(&self) -> &dyn Any;
}

/// What describes a partition without its data: sent along with the bytes
/// by a remote worker, so the driver can plan (sizes, row counts, pruning
/// statistics) from handles alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartitionMeta {
    pub rows: usize,
    pub raw_bytes: usize,
    pub compressed_bytes: usize,
    pub codec: Codec,
    /// The schema as an empty Arrow IPC file.
    pub schema: Vec<u8>,
    pub stats: Vec<ColumnStats>,
}

/// An immutable block of rows held as compressed Arrow IPC (file format,
/// so a reader can decode only the columns it needs). The bytes are in this
/// process, or in a remote store with only the metadata here. An
/// intermediate result may instead stay decoded while the hot budget has
/// room ([`Partition::store`]); it is encoded only if it must travel.
#[derive(Debug)]
pub struct Partition {
    /// Unset when the partition lives only in a remote store, or is kept
    /// decoded and was never asked for its bytes.
    bytes: OnceLock<Vec<u8>>,
    /// The copy in a remote store, once there is one.
    remote: OnceLock<Arc<dyn RemoteData>>,
    compressed_bytes: usize,
    codec: Codec,
    rows: usize,
    raw_bytes: usize,
    schema: SchemaRef,
    stats: Vec<ColumnStats>,
    /// Columns kept decoded (see [`crate::hot`]).
    hot: Arc<Slot>,
}

impl Partition {
    /// Compress `df` into a partition, computing its statistics on the way.
    pub fn encode(df: &mut DataFrame, codec: Codec) -> SfResult<Partition> {
        let stats = column_stats(df)?;
        let raw_bytes = df.estimated_size();
        let bytes = write_ipc(df, codec)?;
        Ok(Partition {
            compressed_bytes: bytes.len(),
            bytes: OnceLock::from(bytes),
            remote: OnceLock::new(),
            codec,
            rows: df.height(),
            raw_bytes,
            schema: df.schema().clone(),
            stats,
            hot: Arc::default(),
        })
    }

    /// Hold `df` as a partition: decoded while the hot budget has room for
    /// it (an intermediate result read soon after, by the same query), else
    /// compressed like [`Partition::encode`].
    pub fn store(df: DataFrame, codec: Codec) -> SfResult<Partition> {
        let raw_bytes = df.estimated_size();
        if !crate::hot::reserve(raw_bytes) {
            return Partition::encode(&mut { df }, codec);
        }
        Partition::decoded(df, raw_bytes, codec, false)
    }

    /// Hold `df` as a piece of an exchange: decoded while the pieces of
    /// all exchanges in flight are small (see [`crate::hot::reserve_piece`]),
    /// else compressed like [`Partition::encode`].
    pub fn piece(df: DataFrame, codec: Codec) -> SfResult<Partition> {
        let raw_bytes = df.estimated_size();
        if !crate::hot::reserve_piece(raw_bytes) {
            return Partition::encode(&mut { df }, codec);
        }
        Partition::decoded(df, raw_bytes, codec, true)
    }

    fn decoded(df: DataFrame, raw_bytes: usize, codec: Codec, piece: bool) -> SfResult<Partition> {
        Ok(Partition {
            stats: column_stats(&df)?,
            // Held in memory uncompressed.
            compressed_bytes: raw_bytes,
            bytes: OnceLock::new(),
            remote: OnceLock::new(),
            codec,
            rows: df.height(),
            raw_bytes,
            schema: df.schema().clone(),
            hot: Arc::new(Slot::pinned(df.into_columns(), raw_bytes, piece)),
        })
    }

    /// Decode all columns, or only `columns` (in that order). Columns read
    /// before may come from the decoded copies the hot cache keeps.
    pub fn decode(&self, columns: Option<&[String]>) -> SfResult<DataFrame> {
        if let Some(cols) = columns {
            for c in cols {
                if self.schema.get(c.as_str()).is_none() {
                    return Err(SfError::ColumnNotFound(format!("{c:?} not found")));
                }
            }
            if cols.is_empty() {
                // A frame with no columns still has a height.
                return Ok(DataFrame::empty_with_height(self.rows));
            }
        }
        let names: Vec<&str> = match columns {
            Some(cols) => cols.iter().map(String::as_str).collect(),
            None => self.schema.iter_names().map(|n| n.as_str()).collect(),
        };
        if let Some(cols) = self.hot.lookup(&names) {
            return Ok(DataFrame::new(self.rows, cols)?);
        }
        let mut missing = self.hot.missing(&names);
        if missing.is_empty() {
            // Evicted between the two looks.
            missing = names.clone();
        }
        let decoded = self.decode_ipc(Some(missing.iter().map(|n| n.to_string()).collect()))?;
        self.hot.offer(decoded.columns());
        if missing.len() == names.len() {
            // Nothing came from the cache: already in the requested order.
            return Ok(decoded);
        }
        let held = self.hot.lookup(&names);
        let cols = names
            .iter()
            .map(|n| match decoded.column(n) {
                Ok(c) => Ok(c.clone()),
                Err(_) => held
                    .as_ref()
                    .and_then(|h| h.iter().find(|c| c.name().as_str() == *n).cloned())
                    .map_or_else(|| self.decode_column(n), Ok),
            })
            .collect::<SfResult<Vec<_>>>()?;
        Ok(DataFrame::new(self.rows, cols)?)
    }

    fn decode_column(&self, name: &str) -> SfResult<polars::prelude::Column> {
        let df = self.decode_ipc(Some(vec![name.to_string()]))?;
        Ok(df.column(name)?.clone())
    }

    fn decode_ipc(&self, columns: Option<Vec<String>>) -> SfResult<DataFrame> {
        let fetched;
        let bytes = match self.local_bytes()? {
            Some(b) => b,
            None => match self.remote.get() {
                Some(remote) => {
                    fetched = remote.fetch()?;
                    fetched.as_slice()
                }
                None => return Err(SfError::Internal("partition without data".into())),
            },
        };
        IpcReader::new(Cursor::new(bytes))
            .with_columns(columns)
            .finish()
            .map_err(|e| SfError::CorruptData(format!("cannot decode partition: {e}")))
    }

    /// The encoded bytes held in this process (written now for a partition
    /// kept decoded); `None` when they live remotely.
    fn local_bytes(&self) -> SfResult<Option<&[u8]>> {
        if let Some(b) = self.bytes.get() {
            return Ok(Some(b));
        }
        if self.remote.get().is_some() {
            return Ok(None);
        }
        let names: Vec<&str> = self.schema.iter_names().map(|n| n.as_str()).collect();
        let Some(cols) = self.hot.lookup(&names) else {
            return Err(SfError::Internal("partition without data".into()));
        };
        let written = write_ipc(&mut DataFrame::new(self.rows, cols)?, self.codec)?;
        Ok(Some(self.bytes.get_or_init(|| written)))
    }

    /// Bytes of this partition's columns the hot cache holds decoded.
    pub fn decoded_bytes(&self) -> usize {
        self.hot.bytes()
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn raw_bytes(&self) -> usize {
        self.raw_bytes
    }
    /// Bytes held: encoded, or decoded for a partition kept decoded.
    pub fn compressed_bytes(&self) -> usize {
        self.bytes.get().map_or(self.compressed_bytes, Vec::len)
    }
    pub fn codec(&self) -> Codec {
        self.codec
    }
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }
    pub fn stats(&self) -> &[ColumnStats] {
        &self.stats
    }
    pub fn column_stats(&self, name: &str) -> Option<&ColumnStats> {
        self.stats.iter().find(|s| s.name == name)
    }
    /// The encoded IPC file, e.g. to ship to another process (fetched when
    /// the partition lives remotely).
    pub fn to_bytes(&self) -> SfResult<std::borrow::Cow<'_, [u8]>> {
        match (self.local_bytes()?, self.remote.get()) {
            (Some(b), _) => Ok(std::borrow::Cow::Borrowed(b)),
            (None, Some(remote)) => Ok(std::borrow::Cow::Owned(remote.fetch()?)),
            (None, None) => Err(SfError::Internal("partition without data".into())),
        }
    }

    /// The remote copy, if the partition has one.
    pub fn remote(&self) -> Option<&Arc<dyn RemoteData>> {
        self.remote.get()
    }

    /// Record the remote copy of a local partition (the first one wins).
    pub fn set_remote(&self, remote: Arc<dyn RemoteData>) -> &Arc<dyn RemoteData> {
        self.remote.get_or_init(|| remote)
    }

    pub fn meta(&self) -> SfResult<PartitionMeta> {
        Ok(PartitionMeta {
            rows: self.rows,
            raw_bytes: self.raw_bytes,
            compressed_bytes: self.compressed_bytes(),
            codec: self.codec,
            schema: schema_to_ipc(&self.schema)?,
            // JSON has no NaN or infinity: such bounds travel as unknown
            // (which only makes pruning more cautious).
            stats: self
                .stats
                .iter()
                .map(|s| {
                    let finite = |v: &Option<Scalar>| match v {
                        Some(Scalar::Float(f)) if !f.is_finite() => None,
                        other => other.clone(),
                    };
                    ColumnStats {
                        min: finite(&s.min),
                        max: finite(&s.max),
                        ..s.clone()
                    }
                })
                .collect(),
        })
    }

    /// A partition whose bytes live in a remote store.
    pub fn remote_only(meta: PartitionMeta, remote: Arc<dyn RemoteData>) -> SfResult<Partition> {
        let lock = OnceLock::new();
        let _ = lock.set(remote);
        Ok(Partition {
            bytes: OnceLock::new(),
            remote: lock,
            compressed_bytes: meta.compressed_bytes,
            codec: meta.codec,
            rows: meta.rows,
            raw_bytes: meta.raw_bytes,
            schema: schema_from_ipc(&meta.schema)?,
            stats: meta.stats,
            hot: Arc::default(),
        })
    }

    /// A partition from its encoded bytes and the metadata written with them.
    pub fn from_bytes(bytes: Vec<u8>, meta: PartitionMeta) -> SfResult<Partition> {
        Ok(Partition {
            compressed_bytes: bytes.len(),
            bytes: OnceLock::from(bytes),
            remote: OnceLock::new(),
            codec: meta.codec,
            rows: meta.rows,
            raw_bytes: meta.raw_bytes,
            schema: schema_from_ipc(&meta.schema)?,
            stats: meta.stats,
            hot: Arc::default(),
        })
    }
}

/// A schema as an empty Arrow IPC file (exact dtypes, for the wire).
pub fn schema_to_ipc(schema: &SchemaRef) -> SfResult<Vec<u8>> {
    let mut empty = DataFrame::empty_with_schema(schema);
    let mut out = Vec::new();
    IpcWriter::new(&mut out).finish(&mut empty)?;
    Ok(out)
}

pub fn schema_from_ipc(bytes: &[u8]) -> SfResult<SchemaRef> {
    let df = IpcReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| SfError::CorruptData(format!("cannot decode schema: {e}")))?;
    Ok(df.schema().clone())
}

fn write_ipc(df: &mut DataFrame, codec: Codec) -> SfResult<Vec<u8>> {
    let mut bytes = Vec::with_capacity(df.estimated_size() / 3 + 1024);
    IpcWriter::new(&mut bytes)
        .with_compression(codec.ipc()?)
        // Arrow decoding is already parallel across partitions.
        .with_parallel(false)
        .finish(df)?;
    // Held for the partition's life: no spare capacity from growing it. A
    // copy, not `shrink_to_fit`: mimalloc shrinks a block in place (keeping
    // all its memory) when the new size is at least half the old one.
    Ok(bytes.as_slice().to_vec())
}

/// Shared, immutable handle to a partition.
pub type PartitionRef = Arc<Partition>;

fn column_stats(df: &DataFrame) -> SfResult<Vec<ColumnStats>> {
    df.columns()
        .iter()
        .map(|col| {
            let s = col.as_materialized_series();
            let null_count = s.null_count();
            let (min, max) = if null_count == s.len()
                || !s.dtype().is_primitive_numeric()
                    && !s.dtype().is_string()
                    && !s.dtype().is_temporal()
                    && !s.dtype().is_bool()
            {
                (None, None)
            } else {
                let min = s.min_reduce()?;
                let max = s.max_reduce()?;
                (
                    Scalar::from_any_value(min.value()),
                    Scalar::from_any_value(max.value()),
                )
            };
            Ok(ColumnStats {
                name: col.name().to_string(),
                min,
                max,
                null_count,
                raw_bytes: s.estimated_size(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scalar;
    use polars::df;

    fn sample() -> DataFrame {
        df!(
            "i" => [Some(3i64), None, Some(-7), Some(10)],
            "f" => [1.5f64, f64::NAN, -2.0, 0.0],
            "s" => [Some("b"), Some("a"), None, Some("zz")],
        )
        .unwrap()
    }

    #[test]
    fn round_trip_every_codec() {
        for codec in [Codec::None, Codec::Lz4, Codec::Zstd(1), Codec::Zstd(9)] {
            let mut df = sample();
            let part = Partition::encode(&mut df, codec).unwrap();
            assert_eq!(part.rows(), 4);
            let back = part.decode(None).unwrap();
            assert!(back.equals_missing(&df), "codec {codec:?}");
        }
    }

    #[test]
    fn zstd_compresses_repetitive_data() {
        let n = 100_000;
        let mut df = df!("x" => (0..n).map(|i| (i % 10) as i64).collect::<Vec<_>>()).unwrap();
        let zstd = Partition::encode(&mut df, Codec::Zstd(1)).unwrap();
        let none = Partition::encode(&mut df, Codec::None).unwrap();
        assert!(zstd.compressed_bytes() * 10 < none.compressed_bytes());
        assert!(none.compressed_bytes() >= zstd.raw_bytes());
    }

    #[test]
    fn decode_projects_columns_in_order() {
        let mut df = sample();
        let part = Partition::encode(&mut df, Codec::Zstd(3)).unwrap();
        let back = part.decode(Some(&["s".into(), "i".into()])).unwrap();
        assert_eq!(back.get_column_names(), &["s", "i"]);
        let err = part.decode(Some(&["nope".into()])).unwrap_err();
        assert!(matches!(err, SfError::ColumnNotFound(_)));
        assert_eq!(part.decode(Some(&[])).unwrap().height(), 4);
    }

    #[test]
    fn statistics_ignore_nulls() {
        let mut df = sample();
        let part = Partition::encode(&mut df, Codec::None).unwrap();
        let i = part.column_stats("i").unwrap();
        assert_eq!(i.min, Some(Scalar::Int(-7)));
        assert_eq!(i.max, Some(Scalar::Int(10)));
        assert_eq!(i.null_count, 1);
        let s = part.column_stats("s").unwrap();
        assert_eq!(s.min, Some(Scalar::Str("a".into())));
        assert_eq!(s.max, Some(Scalar::Str("zz".into())));
    }

    #[test]
    fn columns_read_twice_stay_decoded_within_the_budget() {
        let n = 200_000;
        let make = |k: i64| {
            df!(
                "i" => (0..n).map(|v| v * k).collect::<Vec<i64>>(),
                "s" => (0..n).map(|v| format!("s{v}")).collect::<Vec<String>>(),
            )
            .unwrap()
        };
        crate::hot::set_budget(1 << 30);
        let (mut da, mut db) = (make(1), make(2));
        let a = Partition::encode(&mut da, Codec::Zstd(1)).unwrap();
        let b = Partition::encode(&mut db, Codec::Zstd(1)).unwrap();
        // Read once: nothing kept; read again in the same query: still not.
        // Read by another query: kept, and served from memory.
        crate::hot::new_query();
        assert!(a.decode(None).unwrap().equals_missing(&da));
        assert!(a.decode(None).unwrap().equals_missing(&da));
        assert_eq!(a.decoded_bytes(), 0);
        crate::hot::new_query();
        assert!(a.decode(None).unwrap().equals_missing(&da));
        assert!(a.decoded_bytes() > 0);
        let si = [String::from("s"), String::from("i")];
        let back = a.decode(Some(&si)).unwrap();
        assert_eq!(back.get_column_names(), &["s", "i"]);
        assert!(back.equals_missing(&da.select(["s", "i"]).unwrap()));
        // A column read twice joins the ones held; a mixed read keeps order.
        let i = [String::from("i")];
        b.decode(Some(&i)).unwrap();
        crate::hot::new_query();
        b.decode(Some(&i)).unwrap();
        let held_i = b.decoded_bytes();
        assert!(held_i > 0);
        let back = b.decode(Some(&si)).unwrap();
        assert!(back.equals_missing(&db.select(["s", "i"]).unwrap()));
        assert!(b.decoded_bytes() > held_i);
        // Over the budget the least recently used partition goes first.
        crate::hot::set_budget(b.decoded_bytes() + a.decoded_bytes() / 2);
        assert_eq!(a.decoded_bytes(), 0);
        assert!(b.decoded_bytes() > 0);
        crate::hot::set_budget(0);
        assert_eq!(b.decoded_bytes(), 0);
        assert!(a.decode(None).unwrap().equals_missing(&da));
        assert!(b.decode(None).unwrap().equals_missing(&db));
    }

    #[test]
    fn corrupt_bytes_are_an_error_not_a_panic() {
        let mut df = sample();
        let mut part = Partition::encode(&mut df, Codec::Zstd(1)).unwrap();
        let bytes = part.bytes.get_mut().unwrap();
        let n = bytes.len();
        bytes.truncate(n / 2);
        assert!(part.decode(None).is_err());
    }
}
