//! The bridge to a remote backend written in Python (`shardframe._ray`):
//! the staged executor's [`Backend`] calls it to submit tasks and wait for
//! them; partitions it returns stay in its object store, held here by
//! their object references.

use std::any::Any;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use shardframe_core::{Partition, PartitionRef, RemoteData, SfError, SfResult};
use shardframe_exec::{Backend, Call, Context, Envelope};

/// A partition's bytes in the backend's object store.
#[derive(Debug)]
struct RemoteObject(Py<PyAny>);

impl RemoteData for RemoteObject {
    fn fetch(&self) -> SfResult<Vec<u8>> {
        Python::attach(|py| -> PyResult<Vec<u8>> {
            let bytes = py
                .import("shardframe._ray")?
                .call_method1("fetch", (self.0.clone_ref(py),))?;
            Ok(bytes.cast::<PyBytes>()?.as_bytes().to_vec())
        })
        .map_err(|e| SfError::Transient(format!("cannot fetch a remote partition: {e}")))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A Python object with the backend protocol of `shardframe._ray.RayBackend`.
pub struct PyBackend {
    obj: Py<PyAny>,
    parallelism: usize,
    /// The Python exception a remote task failed with, re-raised as is.
    error: Mutex<Option<PyErr>>,
}

impl PyBackend {
    pub fn new(py: Python<'_>, obj: &Py<PyAny>) -> PyResult<PyBackend> {
        let parallelism = obj.call_method0(py, "parallelism")?.extract(py)?;
        Ok(PyBackend {
            obj: obj.clone_ref(py),
            parallelism,
            error: Mutex::new(None),
        })
    }

    /// The exception a task failed with, if that is why the run failed.
    pub fn take_error(&self) -> Option<PyErr> {
        self.error.lock().ok().and_then(|mut e| e.take())
    }

    fn fail(&self, err: PyErr) -> SfError {
        let msg = err.to_string();
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(err);
        }
        SfError::Transient(format!("remote task failed: {msg}"))
    }

    /// The object reference of a partition, uploading it once if local.
    fn handle(&self, py: Python<'_>, part: &PartitionRef) -> PyResult<Py<PyAny>> {
        if let Some(remote) = part.remote() {
            if let Some(obj) = remote.as_any().downcast_ref::<RemoteObject>() {
                return Ok(obj.0.clone_ref(py));
            }
        }
        let bytes = part.to_bytes().map_err(crate::errors::to_py)?;
        let obj = self
            .obj
            .call_method1(py, "put", (PyBytes::new(py, &bytes),))?;
        let remote = part.set_remote(Arc::new(RemoteObject(obj)));
        match remote.as_any().downcast_ref::<RemoteObject>() {
            Some(obj) => Ok(obj.0.clone_ref(py)),
            None => Err(crate::errors::to_py(SfError::Internal(
                "partition stored by another backend".into(),
            ))),
        }
    }

    fn submit(&self, py: Python<'_>, call: &Call) -> PyResult<(Py<PyAny>, Vec<Py<PyAny>>)> {
        let envelope = Envelope {
            task: call.task.clone(),
            inputs: call
                .slots
                .iter()
                .map(|s| s.iter().map(|p| p.meta()).collect::<SfResult<Vec<_>>>())
                .collect::<SfResult<Vec<_>>>()
                .map_err(crate::errors::to_py)?,
        };
        let json = serde_json::to_vec(&envelope).map_err(|e| {
            crate::errors::to_py(SfError::Internal(format!("cannot encode task: {e}")))
        })?;
        let inputs = call
            .slots
            .iter()
            .map(|s| s.iter().map(|p| self.handle(py, p)).collect())
            .collect::<PyResult<Vec<Vec<Py<PyAny>>>>>()?;
        self.obj
            .call_method1(
                py,
                "submit",
                (PyBytes::new(py, &json), inputs, call.outputs),
            )?
            .extract(py)
    }
}

impl Backend for PyBackend {
    fn run(
        &self,
        ctx: &Context,
        stage: &str,
        calls: Vec<Call>,
    ) -> SfResult<Vec<Vec<PartitionRef>>> {
        ctx.add_tasks(calls.len());
        let submitted = Python::attach(|py| {
            calls
                .iter()
                .map(|c| self.submit(py, c))
                .collect::<PyResult<Vec<_>>>()
        })
        .map_err(|e| self.fail(e))?;
        let mut metas: Vec<Option<Vec<Vec<u8>>>> = vec![None; submitted.len()];
        let mut pending: Vec<usize> = (0..submitted.len()).collect();
        while !pending.is_empty() {
            if ctx.check().is_err() {
                Python::attach(|py| {
                    let refs: Vec<Py<PyAny>> =
                        submitted.iter().map(|(m, _)| m.clone_ref(py)).collect();
                    let _ = self.obj.call_method1(py, "cancel", (refs,));
                });
                return Err(SfError::Interrupted);
            }
            // Wait a little for any task, then let the Ctrl-C check run.
            let ready: Vec<(usize, Vec<Vec<u8>>)> = Python::attach(|py| {
                let refs: Vec<Py<PyAny>> = pending
                    .iter()
                    .map(|i| submitted[*i].0.clone_ref(py))
                    .collect();
                let ready: Vec<(usize, Vec<Bound<'_, PyBytes>>)> = self
                    .obj
                    .call_method1(py, "ready", (refs, 0.05))?
                    .extract(py)?;
                Ok(ready
                    .into_iter()
                    .map(|(i, metas)| (i, metas.iter().map(|m| m.as_bytes().to_vec()).collect()))
                    .collect())
            })
            .map_err(|e| self.fail(e))?;
            if ready.is_empty() {
                std::thread::sleep(Duration::from_millis(1));
            }
            let mut done = Vec::new();
            for (k, meta) in ready {
                let i = *pending
                    .get(k)
                    .ok_or_else(|| SfError::Internal(format!("{stage}: bad ready index")))?;
                metas[i] = Some(meta);
                done.push(i);
                ctx.task_done();
            }
            pending.retain(|i| !done.contains(i));
        }
        submitted
            .into_iter()
            .zip(metas)
            .map(|((_, outs), meta)| {
                let meta = meta.ok_or_else(|| SfError::Internal("task without result".into()))?;
                if meta.len() != outs.len() {
                    shardframe_core::bail!(Internal: "task returned {} outputs, expected {}", meta.len(), outs.len());
                }
                meta.into_iter()
                    .zip(outs)
                    .map(|(m, obj)| {
                        let m = serde_json::from_slice(&m)
                            .map_err(|e| SfError::Internal(format!("bad metadata: {e}")))?;
                        Ok(Arc::new(Partition::remote_only(
                            m,
                            Arc::new(RemoteObject(obj)),
                        )?))
                    })
                    .collect()
            })
            .collect()
    }

    fn parallelism(&self) -> usize {
        self.parallelism
    }
}
