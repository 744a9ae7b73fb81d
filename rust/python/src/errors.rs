use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use shardframe_core::SfError;

/// The `shardframe.exceptions` class for an engine error; each derives from
/// the builtin pandas raises in that situation.
fn class_name(err: &SfError) -> &'static str {
    match err {
        SfError::ColumnNotFound(_) => "ColumnNotFoundError",
        SfError::Schema(_) | SfError::Shape(_) | SfError::Compute(_) => "ComputeError",
        SfError::InvalidOperation(_) => "InvalidOperationError",
        SfError::OutOfBounds(_) => "OutOfBoundsError",
        SfError::CorruptData(_) => "CorruptDataError",
        SfError::Decode(_) => "DecodeError",
        SfError::FileNotFound(_) => "FileNotFoundError",
        SfError::PermissionDenied(_) => "PermissionError",
        SfError::Io(_) | SfError::Transient(_) => "ShardframeIOError",
        SfError::OutOfMemory(_) => "ShardframeMemoryError",
        SfError::NotImplemented(_) => "NotSupportedError",
        SfError::Interrupted => "Interrupted",
        SfError::Internal(_) => "InternalError",
    }
}

pub fn to_py(err: SfError) -> PyErr {
    if matches!(err, SfError::Interrupted) {
        return PyKeyboardInterrupt::new_err("query cancelled");
    }
    Python::attach(|py| {
        let msg = err.to_string();
        let made = py
            .import("shardframe.exceptions")
            .and_then(|m| m.getattr(class_name(&err)))
            .and_then(|cls| cls.call1((msg.clone(),)));
        match made {
            Ok(instance) => PyErr::from_value(instance),
            Err(_) => PyRuntimeError::new_err(msg),
        }
    })
}
