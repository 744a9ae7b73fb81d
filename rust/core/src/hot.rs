//! The adaptive codec: columns of a partition that are read a second time
//! stay decoded in memory while a process-wide budget allows, so data a user
//! queries again and again is not decompressed every time. Data read once
//! (a one-pass job, an exchange's intermediate partitions) is never kept,
//! so it costs no memory. Over the budget, the least recently used columns
//! go first; the compressed bytes always stay, so eviction loses nothing.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use polars::prelude::Column;

/// Bytes of decoded columns the process may keep (0: none).
static BUDGET: AtomicUsize = AtomicUsize::new(0);
/// Bytes of decoded columns kept now.
static USED: AtomicUsize = AtomicUsize::new(0);
/// A logical clock for "least recently used".
static CLOCK: AtomicU64 = AtomicU64::new(0);
/// The query running now: reads within one query count as one read (a
/// query that reads its input twice, such as a sort's sampling pass, is not
/// a sign that the data will be queried again).
static QUERY: AtomicU64 = AtomicU64::new(1);
/// Every slot holding columns, for eviction.
static REGISTRY: Mutex<Vec<Weak<Slot>>> = Mutex::new(Vec::new());

/// Set the budget in bytes; lowering it evicts down to the new budget.
pub fn set_budget(bytes: usize) {
    BUDGET.store(bytes, Ordering::Relaxed);
    let used = USED.load(Ordering::Relaxed);
    if used > bytes {
        evict(used - bytes, None);
    }
}

/// Count `bytes` of a partition kept decoded against the budget, if they fit.
pub(crate) fn reserve(bytes: usize) -> bool {
    reserve_in(&USED, BUDGET.load(Ordering::Relaxed), bytes)
}

/// Bytes of exchange pieces held decoded now (see [`reserve_piece`]).
static PIECES: AtomicUsize = AtomicUsize::new(0);
/// Exchange pieces up to this many bytes in all stay decoded: a small
/// exchange (most of a TPC-H query's) skips compressing and decompressing
/// rows that are read once, soon; a large one is compressed.
const PIECE_BUDGET: usize = 64 << 20;

/// Count `bytes` of an exchange piece kept decoded, if they fit.
pub(crate) fn reserve_piece(bytes: usize) -> bool {
    reserve_in(&PIECES, PIECE_BUDGET, bytes)
}

fn reserve_in(used: &AtomicUsize, budget: usize, bytes: usize) -> bool {
    used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
        (u + bytes <= budget).then_some(u + bytes)
    })
    .is_ok()
}

/// Start a new query: later reads of a partition count as another read.
pub fn new_query() {
    QUERY.fetch_add(1, Ordering::Relaxed);
}

/// `(budget, bytes held)`.
pub fn usage() -> (usize, usize) {
    (BUDGET.load(Ordering::Relaxed), USED.load(Ordering::Relaxed))
}

/// One partition's decoded columns.
#[derive(Default)]
pub(crate) struct Slot {
    state: Mutex<State>,
    last_used: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Queries whose decodes missed; a partition is kept from the second
    /// such query on.
    misses: u32,
    /// The last query that counted as a miss.
    query: u64,
    columns: Vec<Column>,
    bytes: usize,
    registered: bool,
    /// The only copy of a partition kept decoded: never evicted.
    pinned: bool,
    /// Counted as an exchange piece, not against the hot budget.
    piece: bool,
}

impl Slot {
    /// The columns of a partition kept decoded, `bytes` already reserved:
    /// never evicted (they are its only copy until it is encoded).
    /// `piece`: reserved with [`reserve_piece`], else with [`reserve`].
    pub(crate) fn pinned(columns: Vec<Column>, bytes: usize, piece: bool) -> Slot {
        Slot {
            state: Mutex::new(State {
                misses: 0,
                query: 0,
                columns,
                bytes,
                registered: false,
                pinned: true,
                piece,
            }),
            last_used: AtomicU64::new(0),
        }
    }

    /// The columns `names` (in that order) when all of them are held.
    pub(crate) fn lookup(&self, names: &[&str]) -> Option<Vec<Column>> {
        let state = self.state.lock().ok()?;
        if state.columns.is_empty() && !names.is_empty() {
            return None;
        }
        let found: Option<Vec<Column>> = names
            .iter()
            .map(|n| {
                state
                    .columns
                    .iter()
                    .find(|c| c.name().as_str() == *n)
                    .cloned()
            })
            .collect();
        if found.is_some() {
            self.last_used.store(tick(), Ordering::Relaxed);
        }
        found
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.state.lock().map_or(0, |s| s.bytes)
    }

    /// The names among `names` not held.
    pub(crate) fn missing<'a>(&self, names: &[&'a str]) -> Vec<&'a str> {
        match self.state.lock() {
            Ok(state) => names
                .iter()
                .filter(|n| !state.columns.iter().any(|c| c.name().as_str() == **n))
                .copied()
                .collect(),
            Err(_) => names.to_vec(),
        }
    }

    /// Record a decode of `columns`; keep them when this partition has been
    /// read by an earlier query and the budget allows.
    pub(crate) fn offer(self: &Arc<Self>, columns: &[Column]) {
        let budget = BUDGET.load(Ordering::Relaxed);
        if budget == 0 {
            return;
        }
        let add: usize = columns
            .iter()
            .map(|c| c.as_materialized_series().estimated_size())
            .sum();
        {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            let query = QUERY.load(Ordering::Relaxed);
            if state.query != query {
                state.query = query;
                state.misses += 1;
            }
            if state.pinned || state.misses < 2 || add > budget / 4 {
                return;
            }
        }
        let used = USED.fetch_add(add, Ordering::Relaxed) + add;
        if used > budget {
            // Free a tenth of the budget more than needed, so eviction
            // (a scan of every slot) is rare.
            evict(used - budget + budget / 10, Some(self));
        }
        let Ok(mut state) = self.state.lock() else {
            USED.fetch_sub(add, Ordering::Relaxed);
            return;
        };
        let mut kept = 0;
        for c in columns {
            if !state.columns.iter().any(|h| h.name() == c.name()) {
                kept += c.as_materialized_series().estimated_size();
                state.columns.push(c.clone());
            }
        }
        state.bytes += kept;
        // Another thread may have added some of the same columns meanwhile.
        USED.fetch_sub(add - kept, Ordering::Relaxed);
        self.last_used.store(tick(), Ordering::Relaxed);
        if !state.registered && kept > 0 {
            state.registered = true;
            if let Ok(mut reg) = REGISTRY.lock() {
                reg.push(Arc::downgrade(self));
            }
        }
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes = self.state.lock().map(|s| s.bytes).unwrap_or(0);
        write!(f, "Slot({bytes} bytes decoded)")
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(state) = self.state.get_mut() {
            let used = if state.piece { &PIECES } else { &USED };
            used.fetch_sub(state.bytes, Ordering::Relaxed);
        }
    }
}

fn tick() -> u64 {
    CLOCK.fetch_add(1, Ordering::Relaxed)
}

/// Drop least recently used columns until `need` bytes are freed (slots in
/// use by another thread, and `keep`, are skipped).
fn evict(need: usize, keep: Option<&Arc<Slot>>) {
    let Ok(mut reg) = REGISTRY.lock() else { return };
    let mut live: Vec<Arc<Slot>> = Vec::with_capacity(reg.len());
    reg.retain(|w| match w.upgrade() {
        Some(s) => {
            live.push(s);
            true
        }
        None => false,
    });
    live.sort_by_key(|s| s.last_used.load(Ordering::Relaxed));
    let mut freed = 0;
    for slot in live {
        if freed >= need {
            break;
        }
        if keep.is_some_and(|k| Arc::ptr_eq(k, &slot)) {
            continue;
        }
        if let Ok(mut state) = slot.state.try_lock() {
            if state.pinned {
                continue;
            }
            freed += state.bytes;
            USED.fetch_sub(state.bytes, Ordering::Relaxed);
            state.columns.clear();
            state.bytes = 0;
            state.registered = false;
        }
    }
    reg.retain(|w| {
        w.upgrade()
            .is_some_and(|s| s.state.try_lock().map_or(true, |st| st.registered))
    });
}
