use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use shardframe_core::{Codec, SfError, SfResult};

/// Settings an execution runs with (from `sf.options`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ExecConfig {
    pub codec: Codec,
    /// Raw (decoded) bytes a partition aims for.
    pub target_partition_bytes: usize,
    /// Upper bound on rows per partition (tests use 1 to stress boundaries).
    pub max_partition_rows: usize,
    /// A join side up to this many decoded bytes is broadcast to every
    /// partition of the other side; larger joins shuffle both sides.
    pub broadcast_bytes: usize,
    /// A plan with a wide node whose inputs decode to at most this many
    /// bytes runs as one Polars query (0: never; see `fused`).
    #[serde(default)]
    pub fuse_bytes: usize,
}

impl Default for ExecConfig {
    fn default() -> Self {
        ExecConfig {
            codec: Codec::default(),
            target_partition_bytes: 32 << 20,
            max_partition_rows: usize::MAX,
            broadcast_bytes: 256 << 20,
            fuse_bytes: 0,
        }
    }
}

/// One query's run: its settings, a cancel flag set from another thread
/// (Ctrl-C), and progress counters read from another thread.
#[derive(Debug, Default)]
pub struct Context {
    pub config: ExecConfig,
    cancelled: Arc<AtomicBool>,
    tasks_total: AtomicUsize,
    tasks_done: AtomicUsize,
    /// The running stage ("group by", "join", ...) and the task counters
    /// when it started, for progress displays.
    stage: std::sync::Mutex<(String, usize, usize)>,
    /// Global position of the first input row (a remote task numbering the
    /// rows of one partition of a larger frame).
    pub(crate) row_offset: usize,
    /// Plan nodes being executed, root included.
    depth: AtomicUsize,
    /// Within [`Context::at_top`]: computing a result other frames share.
    shared: AtomicBool,
}

impl Context {
    pub fn new(config: ExecConfig) -> Self {
        Context {
            config,
            ..Default::default()
        }
    }

    /// Run `f` one plan level deeper (for a caller: as if the plan it runs
    /// were the input of another, so its result is held like an
    /// intermediate one, decoded while the hot budget has room).
    pub fn nested<T>(&self, f: impl FnOnce() -> T) -> T {
        self.depth.fetch_add(1, Ordering::Relaxed);
        let out = f();
        self.depth.fetch_sub(1, Ordering::Relaxed);
        out
    }

    /// Run `f` as if at the top of the plan (for a result kept beyond this
    /// run, such as a subplan other frames share: stored like a final one,
    /// but see [`Context::shared`]).
    pub(crate) fn at_top<T>(&self, f: impl FnOnce() -> T) -> T {
        let saved = self.depth.swap(0, Ordering::Relaxed);
        let was_shared = self.shared.swap(true, Ordering::Relaxed);
        let out = f();
        self.shared.store(was_shared, Ordering::Relaxed);
        self.depth.store(saved, Ordering::Relaxed);
        out
    }

    /// Whether the result being computed is shared by frames the user
    /// holds ([`Context::at_top`]).
    pub(crate) fn shared(&self) -> bool {
        self.shared.load(Ordering::Relaxed)
    }

    /// Whether the node running produces an intermediate result (one read
    /// by a parent in this run), not the result the caller asked for.
    pub(crate) fn intermediate(&self) -> bool {
        self.depth.load(Ordering::Relaxed) > 1
    }

    /// A handle that cancels this run when set.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }

    /// Err(Interrupted) once the run was cancelled.
    pub fn check(&self) -> SfResult<()> {
        if self.cancelled.load(Ordering::Relaxed) {
            Err(SfError::Interrupted)
        } else {
            Ok(())
        }
    }

    pub(crate) fn with_row_offset(mut self, offset: usize) -> Self {
        self.row_offset = offset;
        self
    }

    pub fn add_tasks(&self, n: usize) {
        self.tasks_total.fetch_add(n, Ordering::Relaxed);
    }

    pub fn task_done(&self) {
        self.tasks_done.fetch_add(1, Ordering::Relaxed);
    }

    /// The running stage, its tasks done and its tasks known so far.
    pub fn progress(&self) -> (String, usize, usize) {
        let done = self.tasks_done.load(Ordering::Relaxed);
        let total = self.tasks_total.load(Ordering::Relaxed);
        match self.stage.lock() {
            Ok(s) => (
                s.0.clone(),
                done.saturating_sub(s.1),
                total.saturating_sub(s.2),
            ),
            Err(_) => (String::new(), done, total),
        }
    }

    pub(crate) fn set_stage(&self, stage: String) {
        if let Ok(mut s) = self.stage.lock() {
            *s = (
                stage,
                self.tasks_done.load(Ordering::Relaxed),
                self.tasks_total.load(Ordering::Relaxed),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_each_stage_from_zero() {
        let ctx = Context::default();
        ctx.set_stage("scan".into());
        ctx.add_tasks(10);
        (0..10).for_each(|_| ctx.task_done());
        assert_eq!(ctx.progress(), ("scan".into(), 10, 10));
        ctx.set_stage("group by".into());
        ctx.add_tasks(4);
        ctx.task_done();
        assert_eq!(ctx.progress(), ("group by".into(), 1, 4));
    }
}
