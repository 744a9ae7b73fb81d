use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use pyo3::prelude::*;
use shardframe_core::{panic_text, SfError, SfResult};
use shardframe_exec::{Context, ExecConfig};

use crate::errors::to_py;

/// Run engine code on this thread with a panic turned into `on_panic`'s
/// error: for work too short to leave the GIL for (reading a file's schema),
/// which must still never raise pyo3's PanicException (a BaseException).
pub fn guard<T>(
    work: impl FnOnce() -> SfResult<T>,
    on_panic: impl FnOnce(String) -> SfError,
) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(work))
        .unwrap_or_else(|panic| Err(on_panic(panic_text(&*panic))))
        .map_err(to_py)
}

/// Run engine work off the GIL. The work runs on a scoped thread; this
/// thread waits with the GIL released, wakes every 50 ms to let Python
/// handle signals (Ctrl-C cancels the work, which stops at the next task)
/// and to report progress. A panic becomes an internal error, never a crash.
pub fn run<T: Send>(
    py: Python<'_>,
    config: ExecConfig,
    progress: Option<Py<PyAny>>,
    work: impl FnOnce(&Context) -> SfResult<T> + Send,
) -> PyResult<T> {
    let ctx = Context::new(config);
    let cancel = ctx.cancel_flag();
    let (tx, rx) = mpsc::channel();
    // Receiver is not Sync; the Mutex lets the GIL-free closure borrow it.
    let rx = std::sync::Mutex::new(rx);
    std::thread::scope(|scope| {
        let ctx = &ctx;
        scope.spawn(move || {
            let out = catch_unwind(AssertUnwindSafe(|| work(ctx)))
                .unwrap_or_else(|panic| Err(SfError::from_panic(&panic_text(&*panic))));
            let _ = tx.send(out);
        });
        let mut interrupted: Option<PyErr> = None;
        loop {
            match py.detach(|| match rx.lock() {
                Ok(rx) => rx.recv_timeout(Duration::from_millis(50)),
                Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
            }) {
                Ok(out) => {
                    if let Some(err) = interrupted {
                        return Err(err);
                    }
                    return out.map_err(to_py);
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(to_py(SfError::Internal("engine thread vanished".into())));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if interrupted.is_none() {
                        if let Err(err) = py.check_signals() {
                            cancel.store(true, Ordering::Relaxed);
                            interrupted = Some(err);
                            continue;
                        }
                        if let Some(cb) = &progress {
                            let (stage, done, total) = ctx.progress();
                            if let Err(err) = cb.call1(py, (done, total, stage)) {
                                cancel.store(true, Ordering::Relaxed);
                                interrupted = Some(err);
                            }
                        }
                    }
                }
            }
        }
    })
}
