use std::io::Cursor;
use std::sync::Arc;

use polars::prelude::{DataFrame, IpcReader, IpcWriter, SchemaRef, SerReader, SerWriter};
use serde::{Deserialize, Serialize};

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

/// An immutable block of rows held as compressed Arrow IPC (file format,
/// so a reader can decode only the columns it needs).
#[derive(Debug)]
pub struct Partition {
    bytes: Vec<u8>,
    codec: Codec,
    rows: usize,
    raw_bytes: usize,
    schema: SchemaRef,
    stats: Vec<ColumnStats>,
}

impl Partition {
    /// Compress `df` into a partition, computing its statistics on the way.
    pub fn encode(df: &mut DataFrame, codec: Codec) -> SfResult<Partition> {
        let stats = column_stats(df)?;
        let raw_bytes = df.estimated_size();
        let mut bytes = Vec::with_capacity(raw_bytes / 3 + 1024);
        IpcWriter::new(&mut bytes)
            .with_compression(codec.ipc()?)
            // Arrow decoding is already parallel across partitions.
            .with_parallel(false)
            .finish(df)?;
        Ok(Partition {
            bytes,
            codec,
            rows: df.height(),
            raw_bytes,
            schema: df.schema().clone(),
            stats,
        })
    }

    /// Decode all columns, or only `columns` (in that order).
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
        let reader = IpcReader::new(Cursor::new(self.bytes.as_slice()))
            .with_columns(columns.map(|c| c.to_vec()));
        let df = reader
            .finish()
            .map_err(|e| SfError::CorruptData(format!("cannot decode partition: {e}")))?;
        Ok(df)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn raw_bytes(&self) -> usize {
        self.raw_bytes
    }
    pub fn compressed_bytes(&self) -> usize {
        self.bytes.len()
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
    /// The encoded IPC file, e.g. to ship to another process.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
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
    fn corrupt_bytes_are_an_error_not_a_panic() {
        let mut df = sample();
        let mut part = Partition::encode(&mut df, Codec::Zstd(1)).unwrap();
        let n = part.bytes.len();
        part.bytes.truncate(n / 2);
        assert!(part.decode(None).is_err());
    }
}
