//! Storage for shardframe: partitions held as compressed Arrow IPC blocks,
//! the codecs that write and read them, per-column statistics used to prune
//! partitions, and the one error type every engine crate returns.
//!
//! Start at [`Partition`]: `Partition::encode` turns a Polars `DataFrame` into
//! an immutable compressed block, `Partition::decode` reads back all or some of
//! its columns. Nothing here knows about plans, threads or Python.

mod codec;
mod error;
pub mod hot;
mod partition;
mod scalar;

pub use codec::Codec;
pub use error::{panic_text, SfError, SfResult};
pub use partition::{
    schema_from_ipc, schema_to_ipc, ColumnStats, Partition, PartitionMeta, PartitionRef, RemoteData,
};
pub use scalar::Scalar;
