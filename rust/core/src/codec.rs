use polars::polars_utils::compression::ZstdLevel;
use polars::prelude::IpcCompression;
use serde::{Deserialize, Serialize};

use crate::{SfError, SfResult};

/// How a partition's IPC buffers are compressed at rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "codec", content = "level", rename_all = "snake_case")]
pub enum Codec {
    None,
    Lz4,
    Zstd(i32),
}

impl Default for Codec {
    fn default() -> Self {
        Codec::Zstd(1)
    }
}

impl Codec {
    /// Parse `"zstd"`, `"lz4"` or `"none"` with a zstd level.
    pub fn parse(name: &str, level: i32) -> SfResult<Codec> {
        match name.to_ascii_lowercase().as_str() {
            "zstd" => {
                ZstdLevel::try_new(level).map_err(|_| {
                    SfError::Compute(format!("zstd level must be between 1 and 22, got {level}"))
                })?;
                Ok(Codec::Zstd(level))
            }
            "lz4" => Ok(Codec::Lz4),
            "none" | "uncompressed" => Ok(Codec::None),
            other => Err(SfError::Compute(format!(
                "unknown codec {other:?}: expected 'zstd', 'lz4' or 'none'"
            ))),
        }
    }

    pub(crate) fn ipc(self) -> SfResult<Option<IpcCompression>> {
        Ok(match self {
            Codec::None => None,
            Codec::Lz4 => Some(IpcCompression::LZ4),
            Codec::Zstd(level) => Some(IpcCompression::ZSTD(ZstdLevel::try_new(level)?)),
        })
    }
}
