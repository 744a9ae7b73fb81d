//! The local executor: runs a [`Plan`] on the partitions of the store, in
//! parallel on Polars' rayon pool, and returns compressed partitions.
//!
//! Start at [`execute`]. Chains of narrow operations (select, filter) fuse
//! into one task per partition or file: decode only the needed columns once,
//! run the chain as one Polars lazy query, compress the output once. Wide
//! operations (reductions, sorts, row positions) are stages of their own.
//! Every task checks the [`Context`]'s cancel flag before it starts, and
//! counts itself in the progress counters the Python layer displays.

mod context;
mod exchange;
mod fused;
mod io;
mod scan;
mod stages;
mod task;

use std::sync::{Arc, Mutex, Weak};

use exchange::{exchange, hash_dest, route, scatter, take, take_bucket, take_each};
use polars::prelude as pl;
use polars::prelude::{DataFrame, DataType, IntoLazy, SchemaExt, SchemaRef};
use polars_core::runtime::THREAD_POOL;
use rayon::prelude::*;
use shardframe_core::{Partition, PartitionRef, SfError, SfResult};
use shardframe_plan::{
    group_keys, prune, prune_columns, row_index, Agg, AggFunc, NamedExpr, Plan, SortSpec, Source,
};

pub use context::{Context, ExecConfig};
pub use io::{
    batch_frame, batch_schema, partition_frame, to_arrow_stream, write_file, ArrowArrayStream,
    ArrowArrayStreamReader,
};
pub use scan::{
    csv_schema, csv_shape, file_schema, json_kind, json_profile, CsvShape, JsonProfile,
};
pub use stages::{execute_staged, Backend, Call, InProcess};
pub use task::{run_remote, run_task, Envelope, Post, Task};

/// The partitions a plan produced, with the plan's schema (which a list of
/// zero partitions could not tell).
#[derive(Debug, Clone)]
pub struct Materialized {
    pub parts: Vec<PartitionRef>,
    pub schema: SchemaRef,
}

impl Materialized {
    pub fn rows(&self) -> usize {
        self.parts.iter().map(|p| p.rows()).sum()
    }

    /// All rows in one Polars frame (decoded in parallel).
    pub fn to_frame(&self) -> SfResult<DataFrame> {
        gather(&self.parts, &self.schema)
    }
}

/// Results of wide operations (group-by, join, sort), kept while their plan
/// node is alive: a frame built from them is computed once, however often it
/// is used afterwards, and every use sees the same values (a parallel
/// floating-point sum is not bit-for-bit repeatable).
static WIDE_RESULTS: Mutex<Vec<Cached>> = Mutex::new(Vec::new());

struct Cached {
    plan: Weak<Plan>,
    result: Materialized,
    /// Kept for the current query only.
    transient: bool,
}

fn cached(plan: &Arc<Plan>) -> Option<Materialized> {
    let mut cache = WIDE_RESULTS.lock().ok()?;
    cache.retain(|c| c.plan.strong_count() > 0);
    cache
        .iter()
        .find(|c| c.plan.upgrade().is_some_and(|p| Arc::ptr_eq(&p, plan)))
        .map(|c| c.result.clone())
}

/// Run a plan a user asked for: shared subplans first when plans may fuse
/// (see [`fused`]), then only the columns the result needs.
pub fn run(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Materialized> {
    run_plan(plan, false, ctx)
}

/// Run a plan whose result leaves the engine at once (converted for the
/// user): it is held like an intermediate result, decoded.
pub fn export(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Materialized> {
    ctx.nested(|| run_plan(plan, true, ctx))
}

fn run_plan(plan: &Arc<Plan>, exported: bool, ctx: &Context) -> SfResult<Materialized> {
    shardframe_core::hot::new_query();
    shardframe_plan::set_computed(|p| cached(p).is_some());
    let plan = if ctx.config.fuse_bytes > 0 {
        fused::materialize_shared(plan, exported, ctx)?
    } else {
        plan.clone()
    };
    let out = execute(&prune_columns(&plan, None), ctx);
    forget_transient();
    out
}

/// Drop the cached results of intermediate nodes once the query is done:
/// with fusion on, a result other frames share is computed and kept by
/// `materialize_shared` on its own, so an intermediate one is not needed
/// again (and may be held decoded).
fn forget_transient() {
    if let Ok(mut cache) = WIDE_RESULTS.lock() {
        cache.retain(|entry| !entry.transient && entry.plan.strong_count() > 0);
    }
}

/// Run `plan` to completion. The stage shown in progress displays is the
/// caller's again afterwards (its own tasks run after its inputs').
pub fn execute(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Materialized> {
    let outer = ctx.progress().0;
    let out = ctx.nested(|| execute_cached(plan, ctx));
    if !outer.is_empty() {
        ctx.set_stage(outer);
    }
    out
}

fn execute_cached(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Materialized> {
    let wide = matches!(
        plan.as_ref(),
        Plan::GroupBy { .. } | Plan::Join { .. } | Plan::Sort { .. }
    );
    if !wide {
        return execute_uncached(plan, ctx);
    }
    if let Some(m) = cached(plan) {
        return Ok(m);
    }
    let m = execute_uncached(plan, ctx)?;
    remember(plan, &m, ctx.config.fuse_bytes > 0 && ctx.intermediate());
    Ok(m)
}

fn remember(plan: &Arc<Plan>, m: &Materialized, transient: bool) {
    if let Ok(mut cache) = WIDE_RESULTS.lock() {
        cache.push(Cached {
            plan: Arc::downgrade(plan),
            result: m.clone(),
            transient,
        });
    }
}

fn execute_uncached(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Materialized> {
    if std::env::var_os("SHARDFRAME_TRACE").is_none() {
        return execute_node(plan, ctx);
    }
    // Profiling aid: one line per executed node, innermost first.
    let start = std::time::Instant::now();
    let out = execute_node(plan, ctx);
    let head = plan.explain();
    let head = head.lines().next().unwrap_or("").trim();
    if let Ok(m) = &out {
        eprintln!(
            "[shardframe] {:>8.1} ms {:>9} rows {:>4} parts  {}",
            start.elapsed().as_secs_f64() * 1e3,
            m.rows(),
            m.parts.len(),
            head.chars().take(100).collect::<String>()
        );
    }
    out
}

fn execute_node(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Materialized> {
    let over_wide = narrow_over_wide(plan, ctx);
    let stage = match over_wide.as_ref().map_or(plan, |(wide, _)| *wide).as_ref() {
        Plan::Scan(_) | Plan::Select { .. } | Plan::Filter { .. } | Plan::RowIndex { .. } => "scan",
        Plan::Slice { .. } => "slice",
        Plan::Sort { .. } => "sort",
        Plan::Reduce { .. } => "reduce",
        Plan::Concat { .. } => "concat",
        Plan::GroupBy { .. } => "group by",
        Plan::Join { .. } => "join",
        Plan::Repartition { .. } => "repartition",
    };
    ctx.set_stage(stage.to_string());
    let schema = plan.schema()?;
    if let Some(df) = fused::try_run(plan, ctx)? {
        return Ok(Materialized {
            parts: encode_all(vec![df], ctx)?,
            schema,
        });
    }
    if let Some((wide, ops)) = over_wide {
        let post = move |lf: pl::LazyFrame| ops.iter().try_fold(lf, |lf, op| op.apply_narrow(lf));
        let parts = wide_parts(wide, &wide.schema()?, Output { post: Some(&post) }, ctx)?;
        return Ok(Materialized { parts, schema });
    }
    let parts = match plan.as_ref() {
        Plan::Scan(src) => match src.as_ref() {
            Source::Memory { parts, .. } => parts.clone(),
            _ => run_narrow_encoded(plan, ctx, None)?,
        },
        p if p.is_narrow() => run_narrow_encoded(plan, ctx, None)?,
        Plan::Select { input, exprs } => {
            if let Some(keys) = shardframe_plan::Expr::window_keys(exprs.iter().map(|e| &e.expr)) {
                return Ok(Materialized {
                    parts: window_select(input, exprs, &keys, ctx)?,
                    schema,
                });
            }
            // Other order-dependent expressions see all rows at once, but
            // only the columns they read.
            let mut cols = Vec::new();
            exprs.iter().for_each(|e| e.expr.columns(&mut cols));
            let df = gather_input(input, Some(cols), None, ctx)?;
            ctx.check()?;
            let df = plan.apply_narrow(df.lazy())?.collect()?;
            encode_all(vec![df], ctx)?
        }
        Plan::Repartition { input, keys, n } => {
            let keys = keys
                .iter()
                .map(shardframe_plan::Expr::lower)
                .collect::<SfResult<Vec<_>>>()?;
            let n = (*n).max(1);
            let dest = hash_dest(&keys, n);
            let split = run_narrow_then(&fusable_input(input, ctx)?, ctx, None, |_, df| {
                scatter(df, &dest, ctx)
            })?;
            let buckets = take_each(route(split, n)?);
            let parts = run_tasks(ctx, n, |b| match take_bucket(&buckets[b])? {
                Some(df) => encode(df, ctx),
                None => Ok(Vec::new()),
            })?;
            parts.into_iter().flatten().collect()
        }
        Plan::Filter { input, predicate } => {
            // head/tail per group: each partition drops what it alone rules
            // out before all are gathered (db-benchmark g8, head(2) of 10M
            // sorted rows by 100K groups: 2M rows gathered instead of 10M)
            let prefilter = match predicate.is_prefix_window_filter() {
                true => Some(predicate.lower()?),
                false => None,
            };
            let df = gather_input(input, None, prefilter, ctx)?;
            ctx.check()?;
            let df = plan.apply_narrow(df.lazy())?.collect()?;
            encode_all(vec![df], ctx)?
        }
        Plan::RowIndex { input, name } => {
            let input = execute(input, ctx)?;
            let mut offset = ctx.row_offset;
            let offsets: Vec<usize> = input
                .parts
                .iter()
                .map(|p| {
                    let o = offset;
                    offset += p.rows();
                    o
                })
                .collect();
            run_tasks(ctx, input.parts.len(), |i| {
                let df = input.parts[i].decode(None)?;
                let df = row_index(df.lazy(), name, offsets[i]).collect()?;
                encode(df, ctx)
            })?
            .into_iter()
            .flatten()
            .collect()
        }
        Plan::Slice { input, offset, len } => {
            let df = slice(input, *offset, *len, ctx)?;
            encode_all(vec![df], ctx)?
        }
        Plan::Reduce { input, aggs } => encode_all(vec![reduce(input, aggs, ctx)?], ctx)?,
        Plan::GroupBy { .. } | Plan::Join { .. } | Plan::Sort { .. } => {
            wide_parts(plan, &schema, Output { post: None }, ctx)?
        }
        Plan::Concat { inputs } => {
            let mut parts = Vec::new();
            for input in inputs {
                let m = execute(input, ctx)?;
                if m.schema == schema {
                    parts.extend(m.parts);
                } else {
                    let conformed = run_tasks(ctx, m.parts.len(), |i| {
                        encode(conform(m.parts[i].decode(None)?, &schema)?, ctx)
                    })?;
                    parts.extend(conformed.into_iter().flatten());
                }
            }
            parts
        }
    };
    Ok(Materialized { parts, schema })
}

/// A chain of selects and filters over a group-by, join or sort whose
/// result is not cached: the chain runs in the wide node's output tasks
/// (no intermediate result is stored). Only with fusion on, where results
/// other frames share are kept by `materialize_shared` on their own.
fn narrow_over_wide<'a>(
    plan: &'a Arc<Plan>,
    ctx: &Context,
) -> Option<(&'a Arc<Plan>, Vec<&'a Plan>)> {
    if ctx.config.fuse_bytes == 0 {
        return None;
    }
    let mut ops = Vec::new();
    let mut node = plan;
    while node.is_narrow() {
        if !matches!(node.as_ref(), Plan::Select { .. } | Plan::Filter { .. }) {
            return None;
        }
        ops.push(node.as_ref());
        node = node.input()?;
    }
    let wide = matches!(
        node.as_ref(),
        Plan::GroupBy { .. } | Plan::Join { .. } | Plan::Sort { .. }
    );
    if ops.is_empty() || !wide || cached(node).is_some() {
        return None;
    }
    ops.reverse();
    Some((node, ops))
}

/// What a wide node does with each frame of its result: the narrow
/// operations of its parents fused in (see `narrow_over_wide`), then
/// compression.
#[derive(Clone, Copy)]
struct Output<'a> {
    post: Option<LfMap<'a>>,
}

impl Output<'_> {
    fn encode(&self, df: DataFrame, ctx: &Context) -> SfResult<Vec<PartitionRef>> {
        match self.post {
            Some(post) => encode(post(df.lazy())?.collect()?, ctx),
            None => encode(df, ctx),
        }
    }

    fn then(&self, lf: pl::LazyFrame) -> SfResult<pl::LazyFrame> {
        match self.post {
            Some(post) => post(lf),
            None => Ok(lf),
        }
    }
}

/// The result of a group-by, join or sort (`schema`: the node's).
fn wide_parts(
    plan: &Arc<Plan>,
    schema: &SchemaRef,
    out: Output,
    ctx: &Context,
) -> SfResult<Vec<PartitionRef>> {
    match plan.as_ref() {
        Plan::GroupBy {
            input,
            keys,
            aggs,
            dropna,
        } => group_by(input, keys, aggs, *dropna, schema, out, ctx),
        Plan::Sort { input, spec } => sort(input, spec, out, ctx),
        Plan::Join { left, right, spec } => {
            // The right side comes straight from its pipeline (never stored
            // and decoded again).
            let rframes = run_narrow(&fusable_input(right, ctx)?, ctx, None)?;
            let right_bytes: usize = rframes.iter().map(|f| f.estimated_size()).sum();
            let keeps_left_rows = matches!(spec.how.as_str(), "inner" | "left" | "semi" | "anti")
                && spec.maintain_order != "right_left";
            // A cross join pairs every left row with every right row: always broadcast.
            if spec.how == "cross" || (keeps_left_rows && right_bytes <= ctx.config.broadcast_bytes)
            {
                let rdf = concat_frames(rframes, &right.schema()?)?;
                broadcast_join(&fusable_input(left, ctx)?, rdf, spec, out, ctx)
            } else {
                shuffle_join(left, rframes, &right.schema()?, spec, out, ctx)
            }
        }
        _ => Err(SfError::Internal("not a wide node".into())),
    }
}

/// Left rows (as filtered) up to which a broadcast join gathers its left
/// side and joins once.
const GATHER_JOIN_ROWS: usize = 1 << 20;

/// Broadcast: every left partition joins the (small) right side `rdf` on
/// its own, so no task holds more than a partition of the left, and left
/// order is kept partition by partition. When the left side as its
/// pipeline filters it is small (estimated from its first partition: no
/// more rows than the right side or `GATHER_JOIN_ROWS`), it is joined once
/// instead: each per-partition join would build or probe all of the right
/// side again (TPC-H q14: a month of lineitem against all parts).
fn broadcast_join(
    lplan: &Arc<Plan>,
    rdf: DataFrame,
    spec: &shardframe_plan::JoinSpec,
    out: Output,
    ctx: &Context,
) -> SfResult<Vec<PartitionRef>> {
    let spec = spec.clone();
    let right_rows = rdf.height();
    let join = move |lf: pl::LazyFrame| out.then(spec.apply(lf, rdf.clone().lazy())?);
    let mut base = None;
    let (units, ops) = narrow_chain(lplan, ctx, &mut base)?;
    let Some((head, rest)) = units.split_first() else {
        return run_narrow_encoded(lplan, ctx, Some(&join));
    };
    ctx.add_tasks(1);
    let first = run_unit(head, &ops, None, Engine::InMemory)?;
    ctx.task_done();
    let est_rows = first.height() * units.len();
    if !rest.is_empty() && est_rows <= right_rows.max(GATHER_JOIN_ROWS) {
        let mut frames = vec![first];
        frames.extend(run_tasks(ctx, rest.len(), |i| {
            run_unit(&rest[i], &ops, None, Engine::InMemory)
        })?);
        let schema = frames[0].schema().clone();
        let left = concat_frames(frames, &schema)?;
        return encode(join(left.lazy())?.collect()?, ctx);
    }
    let mut parts = vec![encode(join(first.lazy())?.collect()?, ctx)?];
    parts.extend(run_tasks(ctx, rest.len(), |i| {
        encode(
            run_unit(&rest[i], &ops, Some(&join), Engine::InMemory)?,
            ctx,
        )
    })?);
    Ok(drop_empty(parts))
}

/// Reorder/extend a frame's columns to `schema`, filling missing ones with nulls.
fn conform(df: DataFrame, schema: &SchemaRef) -> SfResult<DataFrame> {
    let exprs: Vec<pl::Expr> = schema
        .iter()
        .map(|(name, dtype)| {
            let e = if df.schema().contains(name) {
                pl::col(name.clone())
            } else {
                pl::lit(pl::Null {})
            };
            e.cast(dtype.clone()).alias(name.clone())
        })
        .collect();
    Ok(df.lazy().select(exprs).collect()?)
}

/// One unit of input to a fused pipeline.
enum Unit<'a> {
    /// A partition and the global row position of its first row.
    Part(&'a PartitionRef, usize),
    File(&'a Source, &'a str),
}

/// The narrow nodes above the first non-narrow one, bottom first, and the
/// units of work they start from.
fn narrow_chain<'a>(
    plan: &'a Arc<Plan>,
    ctx: &Context,
    base_parts: &'a mut Option<Materialized>,
) -> SfResult<(Vec<Unit<'a>>, Vec<&'a Plan>)> {
    let mut ops = Vec::new();
    let mut node = plan;
    while node.is_narrow() {
        ops.push(node.as_ref());
        node = node
            .input()
            .ok_or_else(|| SfError::Internal("narrow node without input".into()))?;
    }
    // Row positions fuse too when they come first: each unit's offset is
    // known from the row counts of the partitions below.
    if let Plan::RowIndex { input, .. } = node.as_ref() {
        ops.push(node.as_ref());
        node = input;
        // Selects keep every row, so positions are still known per partition below them.
        while let Plan::Select { input, .. } = node.as_ref() {
            if !node.is_narrow() {
                break;
            }
            ops.push(node.as_ref());
            node = input;
        }
        if matches!(node.as_ref(), Plan::Scan(src) if !matches!(src.as_ref(), Source::Memory { .. }))
        {
            *base_parts = Some(execute(node, ctx)?);
            let m = base_parts
                .as_ref()
                .ok_or_else(|| SfError::Internal("no input".into()))?;
            ops.reverse();
            return Ok((with_offsets(&m.parts, ctx.row_offset), ops));
        }
    }
    ops.reverse();
    let units = match node.as_ref() {
        Plan::Scan(src) => match src.as_ref() {
            Source::Memory { parts, .. } => prune_parts(parts, &ops, ctx.row_offset),
            Source::Parquet { paths, .. }
            | Source::Csv { paths, .. }
            | Source::NdJson { paths, .. } => paths
                .iter()
                .map(|p| Unit::File(src.as_ref(), p.as_str()))
                .collect(),
        },
        _ => {
            *base_parts = Some(execute(node, ctx)?);
            let m = base_parts
                .as_ref()
                .ok_or_else(|| SfError::Internal("no input".into()))?;
            prune_parts(&m.parts, &ops, ctx.row_offset)
        }
    };
    Ok((units, ops))
}

fn with_offsets(parts: &[PartitionRef], first: usize) -> Vec<Unit<'_>> {
    let mut offset = first;
    parts
        .iter()
        .map(|p| {
            let unit = Unit::Part(p, offset);
            offset += p.rows();
            unit
        })
        .collect()
}

/// Skip partitions whose statistics rule out the filters applied directly on them.
fn prune_parts<'a>(parts: &'a [PartitionRef], ops: &[&Plan], first: usize) -> Vec<Unit<'a>> {
    let filters: Vec<_> = ops
        .iter()
        .map_while(|op| match op {
            Plan::Filter { predicate, .. } => Some(predicate),
            _ => None,
        })
        .collect();
    with_offsets(parts, first)
        .into_iter()
        .filter(|u| match u {
            Unit::Part(p, _) => filters.iter().all(|f| prune::may_match(p, f)),
            Unit::File(..) => true,
        })
        .collect()
}

/// Columns of the base the chain reads: the columns the first Select uses,
/// plus those of the filters below it. `None` means all.
fn required_columns(ops: &[&Plan]) -> Option<Vec<String>> {
    let mut cols = Vec::new();
    let mut generated = Vec::new();
    for op in ops {
        match op {
            Plan::Filter { predicate, .. } => predicate.columns(&mut cols),
            Plan::RowIndex { name, .. } => generated.push(name.clone()),
            Plan::Select { exprs, .. } => {
                exprs.iter().for_each(|e| e.expr.columns(&mut cols));
                cols.retain(|c| !generated.contains(c));
                return Some(cols);
            }
            _ => return None,
        }
    }
    None
}

/// Extra lazy operations applied after a chain (e.g. partial aggregations).
type LfMap<'a> = &'a (dyn Fn(pl::LazyFrame) -> SfResult<pl::LazyFrame> + Sync);

/// Which Polars engine collects a lazy query.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Engine {
    InMemory,
    /// Polars' streaming engine: much faster on aggregations (TPC-H q1's
    /// partial group-by per partition: 2.3×), slower on the selections and
    /// small joins of a partition task (q3, q14: 3×), so used for
    /// aggregations only.
    Streaming,
}

/// Below this many input rows, a query runs on the in-memory engine: the
/// streaming engine's setup costs more than it saves there.
const STREAMING_MIN_ROWS: usize = 50_000;

impl Engine {
    /// The engine for a query over `rows` input rows.
    fn for_rows(self, rows: usize) -> Engine {
        match self {
            Engine::Streaming if rows < STREAMING_MIN_ROWS => Engine::InMemory,
            engine => engine,
        }
    }
}

pub(crate) fn collect_with(lf: pl::LazyFrame, engine: Engine) -> SfResult<DataFrame> {
    match engine {
        Engine::InMemory => Ok(lf.collect()?),
        Engine::Streaming => match lf.collect_with_engine(pl::Engine::Streaming)? {
            polars_core::query_result::QueryResult::Single(df) => Ok(df),
            polars_core::query_result::QueryResult::Multiple(_) => {
                Err(SfError::Internal("one result expected".into()))
            }
        },
    }
}

fn run_unit(
    unit: &Unit,
    ops: &[&Plan],
    extra: Option<LfMap>,
    engine: Engine,
) -> SfResult<DataFrame> {
    let (lf, offset, engine) = match unit {
        Unit::Part(part, offset) => {
            let cols = required_columns(ops);
            let engine = engine.for_rows(part.rows());
            (part.decode(cols.as_deref())?.lazy(), *offset, engine)
        }
        Unit::File(src, path) => (scan::scan_file(src, path)?, 0, engine),
    };
    let mut lf = lf;
    for op in ops {
        lf = match op {
            Plan::RowIndex { name, .. } => row_index(lf, name, offset),
            _ => op.apply_narrow(lf)?,
        };
    }
    if let Some(f) = extra {
        lf = f(lf)?;
    }
    let result = match unit {
        // Polars' readers panic on some bytes they cannot decode
        Unit::File(..) => {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| collect_with(lf, engine)))
                .unwrap_or_else(|panic| {
                    Err(SfError::CorruptData(format!(
                        "the file could not be decoded ({})",
                        shardframe_core::panic_text(&*panic)
                    )))
                })
        }
        Unit::Part(..) => collect_with(lf, engine),
    };
    match unit {
        Unit::File(src, path) => {
            result.map_err(|e| match scan::csv_error_line(src, path, &e.to_string()) {
                Some(line) => e.context(&format!("{path}, line {line}")),
                None => e.context(path),
            })
        }
        Unit::Part(..) => result,
    }
}

/// Run a fused narrow chain over all its units; one frame per unit.
fn run_narrow(plan: &Arc<Plan>, ctx: &Context, extra: Option<LfMap>) -> SfResult<Vec<DataFrame>> {
    run_narrow_then(plan, ctx, extra, |_, df| Ok(df))
}

/// As `run_narrow`, where `extra` reduces each unit to a few rows:
/// collected on the streaming engine, over all units at once when they fit
/// (see [`run_units_at_once`]).
fn run_narrow_agg(plan: &Arc<Plan>, ctx: &Context, extra: LfMap) -> SfResult<Vec<DataFrame>> {
    let mut base = None;
    let (units, ops) = narrow_chain(plan, ctx, &mut base)?;
    if units.len() > 1 {
        if let Some(df) = run_units_at_once(&units, &ops, extra, ctx)? {
            return Ok(vec![df]);
        }
    }
    run_tasks(ctx, units.len(), |i| {
        run_unit(&units[i], &ops, Some(extra), Engine::Streaming)
    })
}

/// The rows of all `units` through `ops` and `map` as one query on Polars'
/// streaming engine, which splits it into morsels for every thread. For a
/// reduction to few rows, that costs less than a query per partition (each
/// with the engine's setup) and their combination: TPC-H q15's group-by of
/// 24 partitions into 10K groups, 51 -> 18 ms. `None` when a unit is a file,
/// row positions are numbered over units that do not follow each other (a
/// partition pruned between them), or the columns read decode beyond the
/// fuse budget (then every unit decoded at once would hold too much).
fn run_units_at_once(
    units: &[Unit],
    ops: &[&Plan],
    map: LfMap,
    ctx: &Context,
) -> SfResult<Option<DataFrame>> {
    let mut parts = Vec::with_capacity(units.len());
    let mut offsets = Vec::with_capacity(units.len());
    for unit in units {
        match unit {
            Unit::Part(part, offset) => {
                parts.push((*part).clone());
                offsets.push((*offset, part.rows()));
            }
            Unit::File(..) => return Ok(None),
        }
    }
    let first_offset = offsets.first().map_or(0, |(o, _)| *o);
    let contiguous = offsets.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0);
    if !contiguous && ops.iter().any(|op| matches!(op, Plan::RowIndex { .. })) {
        return Ok(None);
    }
    let cols = required_columns(ops);
    if fused::parts_bytes(&parts, cols.as_deref()) > ctx.config.fuse_bytes {
        return Ok(None);
    }
    let Some(schema) = parts.first().map(|p| p.schema().clone()) else {
        return Ok(None);
    };
    ctx.check()?;
    ctx.add_tasks(1);
    let mut lf = fused::memory(&parts, &schema, cols.as_deref(), &[])?;
    for op in ops {
        lf = match op {
            Plan::RowIndex { name, .. } => row_index(lf, name, first_offset),
            _ => op.apply_narrow(lf)?,
        };
    }
    let rows = parts.iter().map(|p| p.rows()).sum();
    let df = collect_with(map(lf)?, Engine::Streaming.for_rows(rows))?;
    ctx.task_done();
    Ok(Some(df))
}

/// As `run_narrow`, with `then` applied to each unit's number and frame in
/// its task (so only what `then` keeps of a unit outlives the task).
fn run_narrow_then<T: Send>(
    plan: &Arc<Plan>,
    ctx: &Context,
    extra: Option<LfMap>,
    then: impl Fn(usize, DataFrame) -> SfResult<T> + Sync,
) -> SfResult<Vec<T>> {
    run_narrow_on(plan, ctx, extra, Engine::InMemory, then)
}

fn run_narrow_on<T: Send>(
    plan: &Arc<Plan>,
    ctx: &Context,
    extra: Option<LfMap>,
    engine: Engine,
    then: impl Fn(usize, DataFrame) -> SfResult<T> + Sync,
) -> SfResult<Vec<T>> {
    let mut base = None;
    let (units, ops) = narrow_chain(plan, ctx, &mut base)?;
    run_tasks(ctx, units.len(), |i| {
        then(i, run_unit(&units[i], &ops, extra, engine)?)
    })
}

/// Run `n` tasks on the pool, in order of their index, stopping at the
/// first error or at cancellation.
fn run_tasks<T: Send>(
    ctx: &Context,
    n: usize,
    task: impl Fn(usize) -> SfResult<T> + Sync,
) -> SfResult<Vec<T>> {
    ctx.add_tasks(n);
    THREAD_POOL.install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                ctx.check()?;
                let out = task(i);
                ctx.task_done();
                out
            })
            .collect()
    })
}

/// An exchange of at least this many decoded bytes is large: each of its
/// tasks gives the memory it freed back to the system when it ends.
const LARGE_EXCHANGE_BYTES: usize = 64 << 20;

/// [`run_tasks`] for one side of an exchange. mimalloc keeps the pages a
/// thread freed for that thread, so without a release each thread of a
/// large exchange holds as much as its largest task ever did (10M rows
/// grouped by 1M keys: peak 0.62 -> 0.55 GiB, no slower).
fn run_exchange_tasks<T: Send>(
    ctx: &Context,
    n: usize,
    large: bool,
    task: impl Fn(usize) -> SfResult<T> + Sync,
) -> SfResult<Vec<T>> {
    run_tasks(ctx, n, |i| {
        let out = task(i);
        if large {
            release_thread_memory();
        }
        out
    })
}

/// Shared results up to this size stay decoded while the hot budget has
/// room: compressing them costs more than it saves (TPC-H q14 reads its
/// 76K-row merge, held by the user, twice: 56 -> 38 ms).
const SMALL_RESULT_BYTES: usize = 8 << 20;

/// Split a frame into partitions of about the target size and compress
/// them; an intermediate result, or a small one other frames share, stays
/// decoded while the hot budget has room.
fn encode(df: DataFrame, ctx: &Context) -> SfResult<Vec<PartitionRef>> {
    let target = ctx.config.target_partition_bytes.max(1);
    let size = df.estimated_size().max(1);
    let decoded = ctx.intermediate() || ctx.shared() && size <= SMALL_RESULT_BYTES;
    let height = df.height();
    let rows_per_part = if size <= target {
        height.max(1)
    } else {
        ((height as u128 * target as u128 / size as u128) as usize).max(1)
    };
    let rows_per_part = rows_per_part.min(ctx.config.max_partition_rows.max(1));
    let n = height.div_ceil(rows_per_part).max(1);
    (0..n)
        .into_par_iter()
        .map(|i| {
            let mut chunk = df.slice((i * rows_per_part) as i64, rows_per_part);
            Ok(Arc::new(if decoded {
                Partition::store(chunk, ctx.config.codec)?
            } else {
                Partition::encode(&mut chunk, ctx.config.codec)?
            }))
        })
        .collect()
}

fn encode_all(frames: Vec<DataFrame>, ctx: &Context) -> SfResult<Vec<PartitionRef>> {
    let out: Vec<Vec<PartitionRef>> = THREAD_POOL.install(|| {
        frames
            .into_par_iter()
            .map(|f| encode(f, ctx))
            .collect::<SfResult<_>>()
    })?;
    Ok(drop_empty(out))
}

/// A fused narrow chain's output, each unit's frame compressed in its task
/// (so the whole output is never decoded at once).
fn run_narrow_encoded(
    plan: &Arc<Plan>,
    ctx: &Context,
    extra: Option<LfMap>,
) -> SfResult<Vec<PartitionRef>> {
    Ok(drop_empty(run_narrow_then(plan, ctx, extra, |_, df| {
        encode(df, ctx)
    })?))
}

/// Partitions without the empty ones, but one empty partition at most when
/// all are empty, so an empty result still has a schema on disk.
fn drop_empty(parts: Vec<Vec<PartitionRef>>) -> Vec<PartitionRef> {
    let mut parts: Vec<PartitionRef> = parts.into_iter().flatten().collect();
    if parts.iter().any(|p| p.rows() > 0) {
        parts.retain(|p| p.rows() > 0);
    } else {
        parts.truncate(1);
    }
    parts
}

/// All partitions as one frame.
fn gather(parts: &[PartitionRef], schema: &SchemaRef) -> SfResult<DataFrame> {
    let frames: Vec<DataFrame> = THREAD_POOL.install(|| {
        parts
            .par_iter()
            .map(|p| p.decode(None))
            .collect::<SfResult<_>>()
    })?;
    concat_frames(frames, schema)
}

/// Run `f` once on every thread of the pool (for per-thread state such as
/// the allocator's).
pub fn on_every_thread(f: impl Fn() + Sync) {
    THREAD_POOL.broadcast(|_| f());
}

static RELEASE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Set how the calling thread gives memory freed by finished work back to
/// the system.
pub fn set_release(f: fn()) {
    let _ = RELEASE.set(f);
}

/// Give the memory this thread's finished work freed back to the system (a
/// no-op until [`set_release`]).
pub(crate) fn release_thread_memory() {
    if let Some(f) = RELEASE.get() {
        f();
    }
}

/// Frames of one schema as one (the schema's empty frame when none).
pub fn concat(frames: Vec<DataFrame>, schema: &SchemaRef) -> SfResult<DataFrame> {
    concat_frames(frames, schema)
}

fn concat_frames(frames: Vec<DataFrame>, schema: &SchemaRef) -> SfResult<DataFrame> {
    if frames.is_empty() {
        return Ok(DataFrame::empty_with_schema(schema));
    }
    let mut it = frames.into_iter();
    let mut out = it
        .next()
        .ok_or_else(|| SfError::Internal("no frame".into()))?;
    for df in it {
        out.vstack_mut_owned(df)?;
    }
    Ok(out)
}

/// Rows `offset..offset+len` of `input` (negative offset: from the end),
/// running only as many partitions as needed when `input` is a narrow chain.
fn slice(input: &Arc<Plan>, offset: i64, len: usize, ctx: &Context) -> SfResult<DataFrame> {
    let schema = input.schema()?;
    if !(input.is_narrow() || matches!(input.as_ref(), Plan::Scan(_))) {
        let m = execute(input, ctx)?;
        return slice_parts(&m.parts, offset, len, &schema);
    }
    let mut base = None;
    let (units, ops) = narrow_chain(input, ctx, &mut base)?;
    let batch = THREAD_POOL.current_num_threads().max(1);
    let from_end = offset < 0;
    let needed = if from_end {
        offset.unsigned_abs() as usize
    } else {
        offset as usize + len
    };
    let order: Vec<usize> = if from_end {
        (0..units.len()).rev().collect()
    } else {
        (0..units.len()).collect()
    };
    let mut frames: Vec<(usize, DataFrame)> = Vec::new();
    let mut rows = 0;
    for chunk in order.chunks(batch) {
        if rows >= needed {
            break;
        }
        let out = run_tasks(ctx, chunk.len(), |i| {
            run_unit(&units[chunk[i]], &ops, None, Engine::InMemory)
        })?;
        for (k, df) in chunk.iter().zip(out) {
            rows += df.height();
            frames.push((*k, df));
        }
    }
    frames.sort_by_key(|(k, _)| *k);
    let df = concat_frames(frames.into_iter().map(|(_, d)| d).collect(), &schema)?;
    if from_end {
        let h = df.height() as i64;
        let start = (h + offset).max(0);
        Ok(df.slice(start, len))
    } else {
        Ok(df.slice(offset, len))
    }
}

fn slice_parts(
    parts: &[PartitionRef],
    offset: i64,
    len: usize,
    schema: &SchemaRef,
) -> SfResult<DataFrame> {
    let total: usize = parts.iter().map(|p| p.rows()).sum();
    let start = if offset < 0 {
        (total as i64 + offset).max(0) as usize
    } else {
        (offset as usize).min(total)
    };
    let end = (start + len).min(total);
    let mut frames = Vec::new();
    let mut pos = 0;
    for p in parts {
        let (lo, hi) = (pos, pos + p.rows());
        pos = hi;
        if hi <= start || lo >= end {
            continue;
        }
        let df = p.decode(None)?;
        let a = start.max(lo) - lo;
        let b = end.min(hi) - lo;
        frames.push(df.slice(a as i64, b - a));
    }
    concat_frames(frames, schema)
}

/// Whole-input reductions. Decomposable aggregations run as a partial per
/// partition (fused into the partition's pipeline) and a final combine;
/// the others gather just the columns they need.
fn reduce(input: &Arc<Plan>, aggs: &[Agg], ctx: &Context) -> SfResult<DataFrame> {
    let input_plan = fusable_input(input, ctx)?;
    if aggs.iter().all(|a| a.func.reduces_in_parts()) {
        let partial_exprs = partials_of(aggs)?;
        let partials = run_narrow_agg(&input_plan, ctx, &move |lf: pl::LazyFrame| {
            Ok(lf.select(partial_exprs.clone()))
        })?;
        let partial_schema = match partials.first() {
            Some(df) => df.schema().clone(),
            None => Arc::new(pl::Schema::default()),
        };
        let all = concat_frames(partials, &partial_schema)?;
        let finals = finals_of(aggs);
        if all.width() == 0 {
            // No partition at all: aggregate an empty frame of the input's schema.
            let empty = DataFrame::empty_with_schema(input_plan.schema()?.as_ref());
            let aggs = aggs.iter().map(Agg::lower).collect::<SfResult<Vec<_>>>()?;
            return Ok(empty.lazy().select(aggs).collect()?);
        }
        Ok(all.lazy().select(finals).collect()?)
    } else {
        let cols = gathered_inputs(aggs)?;
        let input_cols = cols.clone();
        let frames = run_narrow(
            &input_plan,
            ctx,
            Some(&move |lf: pl::LazyFrame| Ok(lf.select(input_cols.clone()))),
        )?;
        let schema = match frames.first() {
            Some(df) => df.schema().clone(),
            None => {
                let empty = DataFrame::empty_with_schema(input_plan.schema()?.as_ref());
                empty.lazy().select(cols).collect_schema()?
            }
        };
        let df = concat_frames(frames, &schema)?;
        let finals = gathered_finals(aggs)?;
        Ok(df.lazy().select(finals).collect()?)
    }
}

/// All rows of `input` in one frame, only `columns` (all when `None`); a
/// narrow input is projected inside its fused pipeline, never stored.
fn gather_input(
    input: &Arc<Plan>,
    columns: Option<Vec<String>>,
    prefilter: Option<pl::Expr>,
    ctx: &Context,
) -> SfResult<DataFrame> {
    let schema = input.schema()?;
    let out_schema: SchemaRef = match &columns {
        Some(cols) => Arc::new(
            cols.iter()
                .filter_map(|c| schema.get_field(c.as_str()))
                .collect(),
        ),
        None => schema.clone(),
    };
    let plan = fusable_input(input, ctx)?;
    let project = columns.map(|cols| cols.iter().map(|c| pl::col(c.as_str())).collect::<Vec<_>>());
    let frames = run_narrow(
        &plan,
        ctx,
        Some(&move |lf: pl::LazyFrame| {
            let lf = match &prefilter {
                Some(p) => lf.filter(p.clone()),
                None => lf,
            };
            Ok(match &project {
                Some(cols) => lf.select(cols.clone()),
                None => lf,
            })
        }),
    )?;
    concat_frames(frames, &out_schema)
}

/// A select whose order-dependent parts all run within groups of the same
/// keys (`cumsum().over(k)`, a group's `transform`): rows are tagged with
/// their partition and position, exchanged by a hash of the keys (a group
/// never spans buckets, and rows keep their order), evaluated per bucket,
/// then exchanged back to their partitions and put in their original order.
/// No task holds more than a bucket.
fn window_select(
    input: &Arc<Plan>,
    exprs: &[NamedExpr],
    keys: &[shardframe_plan::Expr],
    ctx: &Context,
) -> SfResult<Vec<PartitionRef>> {
    let mut cols = Vec::new();
    exprs.iter().for_each(|e| e.expr.columns(&mut cols));
    let plan = fusable_input(input, ctx)?;
    let project: Vec<pl::Expr> = cols.iter().map(|c| pl::col(c.as_str())).collect();
    // Rows tagged with their unit and position in it.
    let tagged = run_narrow_then(
        &plan,
        ctx,
        Some(&move |lf: pl::LazyFrame| Ok(lf.select(project.clone()))),
        |i, df| {
            Ok(df
                .lazy()
                .with_row_index("__r", None)
                .with_column(pl::lit(i as u32).alias("__u"))
                .collect()?)
        },
    )?;
    let units = tagged.len();
    if units == 0 {
        return Ok(Vec::new());
    }
    let rows: usize = tagged.iter().map(|f| f.height()).sum();
    let n = if rows < SINGLE_BUCKET_ROWS {
        1
    } else {
        (THREAD_POOL.current_num_threads() * 2).max(2)
    };
    let key_exprs = keys
        .iter()
        .map(shardframe_plan::Expr::lower)
        .collect::<SfResult<Vec<_>>>()?;
    let mut outputs: Vec<pl::Expr> = exprs
        .iter()
        .map(|e| Ok(e.expr.lower()?.alias(e.name.as_str())))
        .collect::<SfResult<_>>()?;
    outputs.push(pl::col("__u"));
    outputs.push(pl::col("__r"));
    let tags = || pl::Selector::ByName {
        names: ["__u".into(), "__r".into()].into_iter().collect(),
        strict: true,
    };
    if n == 1 {
        // One bucket holds all rows, already in order.
        let schema = tagged[0].schema().clone();
        let df = concat_frames(tagged, &schema)?
            .lazy()
            .select(outputs)
            .drop(tags())
            .collect()?;
        return encode(df, ctx);
    }
    let buckets = take_each(exchange(tagged, hash_dest(&key_exprs, n), n, ctx)?);
    let split = run_tasks(ctx, n, |b| match take_bucket(&buckets[b])? {
        Some(df) => scatter(
            df.lazy().select(outputs.clone()).collect()?,
            &pl::col("__u"),
            ctx,
        ),
        None => Ok(Vec::new()),
    })?;
    let back = take_each(route(split, units)?);
    let parts = run_tasks(ctx, back.len(), |u| match take_bucket(&back[u])? {
        Some(df) => encode(
            df.lazy()
                .sort(["__r"], Default::default())
                .drop(tags())
                .collect()?,
            ctx,
        ),
        None => Ok(Vec::new()),
    })?;
    Ok(parts.into_iter().flatten().collect())
}

/// The key values holding more than a bucket's share of the rows: their
/// hashes and row counts.
fn heavy_hashes(
    frames: &[DataFrame],
    hash: pl::Expr,
    n: usize,
    ctx: &Context,
) -> SfResult<Vec<(u64, u64)>> {
    let counts = run_tasks(ctx, frames.len(), |i| {
        exchange::hash_counts(frames[i].clone(), hash.clone())
    })?;
    exchange::heavy_of(counts, n)
}

/// Tag each frame's rows with the frame's number and their position in it.
fn tag_rows(
    frames: Vec<DataFrame>,
    unit: &str,
    row: &str,
    ctx: &Context,
) -> SfResult<Vec<DataFrame>> {
    run_tasks(ctx, frames.len(), |i| {
        Ok(frames[i]
            .clone()
            .lazy()
            .with_row_index(row, None)
            .with_column(pl::lit(i as u32).alias(unit))
            .collect()?)
    })
}

/// A join where neither side is small: both sides are exchanged by a hash of
/// their keys (matching rows meet in one bucket), buckets join in parallel,
/// and rows go back to the partition of the side whose order the result
/// keeps, in their original order. Unmatched rows of the other side (outer
/// joins) come last. No task holds more than a bucket of each side.
fn shuffle_join(
    left: &Arc<Plan>,
    rframes: Vec<DataFrame>,
    rschema: &SchemaRef,
    spec: &shardframe_plan::JoinSpec,
    out: Output,
    ctx: &Context,
) -> SfResult<Vec<PartitionRef>> {
    let lframes = run_narrow(&fusable_input(left, ctx)?, ctx, None)?;
    if lframes.is_empty() || rframes.is_empty() {
        let l = concat_frames(lframes, &left.schema()?)?;
        let r = concat_frames(rframes, rschema)?;
        return out.encode(spec.apply(l.lazy(), r.lazy())?.collect()?, ctx);
    }
    let (n_left, n_right) = (lframes.len(), rframes.len());
    let lframes = tag_rows(lframes, "__lu", "__lr", ctx)?;
    let rframes = tag_rows(rframes, "__ru", "__rr", ctx)?;
    let n = (THREAD_POOL.current_num_threads() * 4).max(2);
    let key_hash = |keys: &[String]| {
        let cols: Vec<pl::Expr> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| pl::col(k.as_str()).alias(format!("__h{i}")))
            .collect();
        pl::as_struct(cols).hash(0, 1, 2, 3)
    };
    let bucket = |keys: &[String]| key_hash(keys) % pl::lit(n as u64);
    // Skew: a key holding more than a bucket's share of one side's rows
    // would make one task hold them all. That side's rows of the key are
    // spread over every bucket and the other side's rows of it copied to
    // every bucket (marked `__lh`/`__rh`), so each pair still meets exactly
    // once. A copy that meets no row in its bucket is dropped (a join that
    // keeps unmatched rows would output it; the key has rows on the other
    // side, so no row of it is unmatched overall). A key heavy on both sides
    // is spread where it has more rows. Semi and anti joins read only the
    // right side's keys: its repeats are dropped instead, so no right key is
    // heavy.
    let semi = matches!(spec.how.as_str(), "semi" | "anti");
    let rframes = if semi {
        let keys: Vec<pl::Expr> = spec.right_on.iter().map(|k| pl::col(k.as_str())).collect();
        run_tasks(ctx, rframes.len(), |i| {
            Ok(rframes[i]
                .clone()
                .lazy()
                .unique_stable(
                    Some(pl::Selector::ByName {
                        names: spec.right_on.iter().map(|k| k.as_str().into()).collect(),
                        strict: true,
                    }),
                    pl::UniqueKeepStrategy::First,
                )
                .select(keys.clone())
                .collect()?)
        })?
    } else {
        rframes
    };
    let spreadable = spec.how != "cross";
    let (heavy_left, heavy_right) = if spreadable {
        let l = heavy_hashes(&lframes, key_hash(&spec.left_on), n, ctx)?;
        let r = if semi {
            Vec::new()
        } else {
            heavy_hashes(&rframes, key_hash(&spec.right_on), n, ctx)?
        };
        exchange::spread_sides(&l, &r)
    } else {
        (Vec::new(), Vec::new())
    };
    let (lschema, rschema) = (lframes[0].schema().clone(), rframes[0].schema().clone());
    let spread = !(heavy_left.is_empty() && heavy_right.is_empty());
    let (lb, rb) = if !spread {
        (
            exchange(lframes, bucket(&spec.left_on), n, ctx)?,
            exchange(rframes, bucket(&spec.right_on), n, ctx)?,
        )
    } else {
        let side = |frames, keys: &[String], row: &str, mark: &str, own: &[u64], other: &[u64]| {
            let hash = key_hash(keys);
            let dest = exchange::skew_dest(hash.clone(), own, row, n);
            spread_exchange(frames, dest, (hash, other), mark, n, ctx)
        };
        (
            side(
                lframes,
                &spec.left_on,
                "__lr",
                "__lh",
                &heavy_left,
                &heavy_right,
            )?,
            side(
                rframes,
                &spec.right_on,
                "__rr",
                "__rh",
                &heavy_right,
                &heavy_left,
            )?,
        )
    };
    // With the mark columns, when any.
    let schema_of = |b: &[exchange::Bucket], plain: SchemaRef| {
        b.iter()
            .flatten()
            .next()
            .map_or(plain, |p| p.schema().clone())
    };
    let (lschema, rschema) = (schema_of(&lb, lschema), schema_of(&rb, rschema));
    let (lb, rb) = (take_each(lb), take_each(rb));
    let keeps_unmatched_right = matches!(spec.how.as_str(), "right" | "full" | "outer");
    let keeps_unmatched_left = matches!(spec.how.as_str(), "left" | "full" | "outer");
    // Joined rows go back to the partitions of the side whose order is
    // kept. Rows of one kept row come from several buckets when its key was
    // spread: the other side's position orders them.
    let (unit, order, units) = if spec.maintain_order == "right_left" {
        ("__ru", ["__rr", "__lu", "__lr"], n_right)
    } else {
        ("__lu", ["__lr", "__ru", "__rr"], n_left)
    };
    let home = pl::col(unit).fill_null(pl::lit(units as u32));
    let joined = run_tasks(ctx, n, |b| {
        let side = |slot, schema: &SchemaRef| -> SfResult<DataFrame> {
            Ok(take_bucket(slot)?.unwrap_or_else(|| DataFrame::empty_with_schema(schema)))
        };
        let (l, r) = (side(&lb[b], &lschema)?, side(&rb[b], &rschema)?);
        // Copies that met no row: `__rh` rows without a left row, `__lh`
        // rows without a right row. (A side with no pieces at all has no
        // mark column.)
        let (lmarks, rmarks) = (l.schema().contains("__lh"), r.schema().contains("__rh"));
        let mut lf = spec.apply(l.lazy(), r.lazy())?;
        if spread && keeps_unmatched_right && rmarks {
            let unmatched = pl::col("__rh")
                .fill_null(pl::lit(false))
                .and(pl::col("__lr").is_null());
            lf = lf.filter(unmatched.not());
        }
        if spread && keeps_unmatched_left && lmarks {
            let unmatched = pl::col("__lh")
                .fill_null(pl::lit(false))
                .and(pl::col("__rr").is_null());
            lf = lf.filter(unmatched.not());
        }
        scatter(lf.collect()?, &home, ctx)
    })?;
    let back = take_each(route(joined, units + 1)?);
    let tags = ["__lu", "__lr", "__ru", "__rr", "__lh", "__rh"];
    let parts = run_tasks(ctx, back.len(), |u| {
        let Some(df) = take_bucket(&back[u])? else {
            return Ok(Vec::new());
        };
        let present: Vec<_> = tags
            .iter()
            .filter(|t| df.schema().contains(t))
            .map(|t| (*t).into())
            .collect();
        let by: Vec<&str> = order
            .iter()
            .filter(|c| df.schema().contains(c))
            .copied()
            .collect();
        let lf = df
            .lazy()
            .sort(
                by,
                pl::SortMultipleOptions::default()
                    .with_maintain_order(true)
                    .with_nulls_last(true),
            )
            .drop(pl::Selector::ByName {
                names: present.into_iter().collect(),
                strict: true,
            });
        encode(out.then(lf)?.collect()?, ctx)
    })?;
    Ok(parts.into_iter().flatten().collect())
}

/// Exchange `frames` by `dest`, except rows whose key hash is in `copied`
/// (the hash expression and its heavy values): those go to every one of the
/// `n` buckets. Every row is marked in column `mark` (true for copies).
fn spread_exchange(
    frames: Vec<DataFrame>,
    dest: pl::Expr,
    copied: (pl::Expr, &[u64]),
    mark: &str,
    n: usize,
    ctx: &Context,
) -> SfResult<Vec<exchange::Bucket>> {
    let frames = take_each(frames);
    let split = run_tasks(ctx, frames.len(), |i| {
        let df = take(&frames[i])?;
        let (copies, rest) = exchange::split_copies(df, copied.0.clone(), copied.1, mark)?;
        let mut out = scatter(rest, &dest, ctx)?;
        if copies.height() > 0 {
            let codec = exchange::piece_codec(ctx);
            let piece: PartitionRef = Arc::new(Partition::piece(copies, codec)?);
            out.extend((0..n).map(|b| (b, piece.clone())));
        }
        Ok(out)
    })?;
    route(split, n)
}

/// Rows at or above this count are sorted by range partitioning.
const RANGE_SORT_ROWS: usize = 1_000_000;
/// Rows aimed for in one range of a range-partitioned sort.
const RANGE_ROWS: usize = 1_000_000;

/// Sort across partitions. Small inputs are sorted in one task. Larger ones
/// are range-partitioned on the first key: boundaries come from a sample of
/// every partition, each partition splits its rows by range, and each range
/// is sorted on all keys in parallel; ranges are emitted in order, so no task
/// ever holds all rows. Equal first keys share a range, and pieces keep their
/// partition order, so the sort stays stable.
fn sort(
    input: &Arc<Plan>,
    spec: &SortSpec,
    out: Output,
    ctx: &Context,
) -> SfResult<Vec<PartitionRef>> {
    let plan = fusable_input(input, ctx)?;
    // A key that is a column sorts by that column; a computed key becomes a
    // helper column `__sk{i}` (dropped after sorting). Pieces of the
    // exchange then carry no copies of key columns.
    let mut keys = Vec::new();
    let mut by = Vec::new();
    let mut key_names = Vec::new();
    for (i, e) in spec.by.iter().enumerate() {
        match e {
            shardframe_plan::Expr::Col { name } => by.push(pl::col(name.as_str())),
            _ => {
                let name = format!("__sk{i}");
                keys.push(e.lower()?.alias(name.as_str()));
                by.push(pl::col(name.as_str()));
                key_names.push(name);
            }
        }
    }
    let schema = plan.schema()?;
    let sort_frame = |df: DataFrame| -> SfResult<DataFrame> {
        let nulls_last = nulls_last_where_present(&df, &by, spec.nulls_last);
        let out = df
            .lazy()
            .sort_by_exprs(
                by.clone(),
                pl::SortMultipleOptions::default()
                    .with_order_descending_multi(spec.descending.clone())
                    .with_nulls_last_multi(nulls_last)
                    .with_maintain_order(spec.stable),
            )
            .drop(pl::Selector::ByName {
                names: key_names.iter().map(|k| k.as_str().into()).collect(),
                strict: true,
            })
            .collect()?;
        Ok(out)
    };
    let with_keys = move |lf: pl::LazyFrame| Ok(lf.with_columns(keys.clone()));
    // Pass one reads only the first key of every unit: the row count, and
    // a sample for the range boundaries.
    let first_key = spec
        .by
        .first()
        .map(|e| Ok::<_, SfError>(e.lower()?.alias("__sk0")))
        .transpose()?
        .unwrap_or_else(|| pl::lit(0i64).alias("__sk0"));
    let key_frames = run_narrow(
        &plan,
        ctx,
        Some(&move |lf: pl::LazyFrame| Ok(lf.select([first_key.clone()]))),
    )?;
    let rows: usize = key_frames.iter().map(|f| f.height()).sum();
    if rows == 0 {
        return out.encode(DataFrame::empty_with_schema(&schema), ctx);
    }
    if rows < RANGE_SORT_ROWS || key_frames.len() < 2 {
        let frames = run_narrow(&plan, ctx, Some(&with_keys))?;
        let all = concat_frames(frames, &schema)?;
        return out.encode(sort_frame(all)?, ctx);
    }
    let n_ranges = rows
        .div_ceil(RANGE_ROWS)
        .max(THREAD_POOL.current_num_threads());
    let descending = spec.descending.first().copied().unwrap_or(false);
    let bounds = range_bounds(&key_frames, n_ranges, descending)?;
    drop(key_frames);
    let first_by = by.first().cloned().unwrap_or_else(|| pl::lit(0i64));
    let range_id = range_id_expr(first_by, &bounds, descending, spec.nulls_last);
    // Pass two: each unit's rows are split by range into compressed pieces
    // inside its own task, so the whole input is never decoded at once.
    let pieces = run_narrow_then(&plan, ctx, Some(&with_keys), |_, df| {
        scatter(df, &range_id, ctx)
    })?;
    let ranges = route(pieces, bounds.len() + 1)?;
    let ranges = take_each(ranges.into_iter().filter(|r| !r.is_empty()).collect());
    let sorted = run_tasks(ctx, ranges.len(), |r| match take_bucket(&ranges[r])? {
        Some(df) => out.encode(sort_frame(df)?, ctx),
        None => Ok(Vec::new()),
    })?;
    Ok(sorted.into_iter().flatten().collect())
}

/// `nulls_last` for each sort key, false for a key column without missing
/// values (where it cannot matter): Polars sorts by several keys that all
/// put nulls last through a row encoding compared byte by byte, 3x slower
/// than its typed comparisons (543K rows by two integer keys: 184 -> 100 ms).
fn nulls_last_where_present(df: &DataFrame, by: &[pl::Expr], nulls_last: bool) -> Vec<bool> {
    by.iter()
        .map(|e| {
            let without_nulls = match e {
                pl::Expr::Column(name) => df.column(name).is_ok_and(|c| c.null_count() == 0),
                _ => false,
            };
            nulls_last && !without_nulls
        })
        .collect()
}

/// Boundaries between `n` ranges of the first sort key, from an evenly
/// spaced sample of every frame, in sort order, without repeats.
fn range_bounds(
    frames: &[DataFrame],
    n: usize,
    descending: bool,
) -> SfResult<Vec<pl::AnyValue<'static>>> {
    let per_frame = (n * 64).div_ceil(frames.len()).max(8);
    let mut samples = Vec::new();
    for df in frames {
        let h = df.height();
        if h == 0 {
            continue;
        }
        let step = (h / per_frame).max(1);
        let s = df
            .column("__sk0")?
            .as_materialized_series()
            .gather_every(step, 0)?;
        samples.push(s.drop_nulls());
    }
    let mut all = match samples.first() {
        Some(s) => s.clone(),
        None => return Ok(Vec::new()),
    };
    for s in &samples[1..] {
        all.append(s)?;
    }
    let sorted = all.sort(pl::SortOptions::default().with_order_descending(descending))?;
    let mut bounds: Vec<pl::AnyValue<'static>> = Vec::new();
    for i in 1..n {
        let idx = i * sorted.len() / n;
        if idx >= sorted.len() {
            break;
        }
        let v = sorted.get(idx)?.into_static();
        if bounds.last() != Some(&v) {
            bounds.push(v);
        }
    }
    Ok(bounds)
}

/// `__range`: how many boundaries the first key passes (so equal keys share a
/// range); missing keys go to the first or last range.
fn range_id_expr(
    key: pl::Expr,
    bounds: &[pl::AnyValue<'static>],
    descending: bool,
    nulls_last: bool,
) -> pl::Expr {
    let mut id = pl::lit(0u32);
    for b in bounds {
        let bound = pl::lit(pl::Scalar::new(b.dtype(), b.clone()));
        let passed = if descending {
            key.clone().lt_eq(bound)
        } else {
            key.clone().gt_eq(bound)
        };
        id = id + passed.cast(DataType::UInt32);
    }
    let null_range = if nulls_last { bounds.len() as u32 } else { 0 };
    pl::when(key.is_null())
        .then(pl::lit(null_range))
        .otherwise(id)
        .alias("__range")
}

/// The input of a reduction or group-by as a plan whose chain can fuse the
/// partial step: itself when narrow, else its materialized partitions.
fn fusable_input(input: &Arc<Plan>, ctx: &Context) -> SfResult<Arc<Plan>> {
    if input.is_narrow() || matches!(input.as_ref(), Plan::Scan(_) | Plan::RowIndex { .. }) {
        return Ok(input.clone());
    }
    let m = execute(input, ctx)?;
    Ok(Arc::new(Plan::Scan(Arc::new(Source::Memory {
        parts: m.parts,
        schema: m.schema,
    }))))
}

/// Rows below this many go to a single final task instead of being hashed
/// into buckets.
const SINGLE_BUCKET_ROWS: usize = 200_000;

/// Group-by in two phases around a hash exchange. Phase one runs fused into
/// each unit's pipeline: partial aggregates per group when every
/// aggregation decomposes and partial aggregation pays off, else just the
/// keys and the aggregations' inputs. Each unit's rows are scattered into
/// compressed pieces by a hash of the keys in the same task, so each group
/// lands in exactly one bucket; phase two aggregates each bucket in
/// parallel. Buckets hold about a partition's bytes each.
fn group_by(
    input: &Arc<Plan>,
    keys: &[NamedExpr],
    aggs: &[Agg],
    dropna: bool,
    out_schema: &SchemaRef,
    out: Output,
    ctx: &Context,
) -> SfResult<Vec<PartitionRef>> {
    let input = fusable_input(input, ctx)?;
    let empty = || out.encode(DataFrame::empty_with_schema(out_schema), ctx);
    let mut base = None;
    let (units, ops) = narrow_chain(&input, ctx, &mut base)?;
    let Some((head, rest)) = units.split_first() else {
        return empty();
    };
    // Integer keys whose ranges fit 64 bits together are grouped as one
    // packed key (a single-key hash table instead of row-encoded keys), and
    // unpacked in the result.
    let packed = PackedKeys::of(&units, &ops, keys, out_schema, dropna);
    let key_cols: Vec<pl::Expr> = match &packed {
        Some(_) => vec![pl::col(PackedKeys::NAME)],
        None => keys.iter().map(|k| pl::col(k.name.as_str())).collect(),
    };
    let with_keys = |lf: pl::LazyFrame| -> SfResult<pl::LazyFrame> {
        let (lf, _) = group_keys(lf, keys, dropna)?;
        Ok(match &packed {
            Some(p) => lf.with_column(p.pack()),
            None => lf,
        })
    };
    // The final groups with their keys as the output schema has them.
    let unpacked = |lf: pl::LazyFrame| match &packed {
        Some(p) => {
            let mut cols = p.unpack();
            cols.extend(
                out_schema
                    .iter_names()
                    .skip(keys.len())
                    .map(|n| pl::col(n.clone())),
            );
            lf.select(cols)
        }
        None => lf,
    };
    let decomposable = aggs.iter().all(|a| a.func.is_decomposable());
    let partials = if decomposable {
        partials_of(aggs)?
    } else {
        Vec::new()
    };
    let partial = |lf: pl::LazyFrame| {
        Ok(with_keys(lf)?
            .group_by(key_cols.clone())
            .agg(partials.clone()))
    };
    let mut cols = key_cols.clone();
    cols.extend(gathered_inputs(aggs)?);
    let gathered = |lf: pl::LazyFrame| Ok(with_keys(lf)?.select(cols.clone()));
    if !decomposable {
        // Every row goes through an exchange anyway: where the whole input
        // fits the fuse budget, one query aggregates it (db-benchmark's
        // median and std of 10M rows by 10K groups: 1.47 -> 0.47-0.53 s).
        let finals = gathered_finals(aggs)?;
        let whole = |lf: pl::LazyFrame| {
            Ok(unpacked(
                gathered(lf)?.group_by(key_cols.clone()).agg(finals.clone()),
            ))
        };
        if let Some(df) = run_units_at_once(&units, &ops, &whole, ctx)? {
            return out.encode(df, ctx);
        }
    }
    // Partial aggregation pays off when keys repeat within a unit; with
    // about one group per row it only doubles the work. The first unit
    // decides: aggregated alone, does it at least halve its rows?
    ctx.add_tasks(1);
    let mut first = None;
    if decomposable {
        let df = run_unit(head, &ops, Some(&partial), Engine::Streaming)?;
        let shrinks = match head {
            Unit::Part(part, _) => df.height() * 2 <= part.rows(),
            Unit::File(..) => true,
        };
        first = shrinks.then_some(df);
    }
    let (first, map, engine, finals): (DataFrame, LfMap, Engine, Vec<pl::Expr>) = match first {
        Some(df) => (df, &partial, Engine::Streaming, finals_of(aggs)),
        None => (
            run_unit(head, &ops, Some(&gathered), Engine::InMemory)?,
            &gathered,
            Engine::InMemory,
            gathered_finals(aggs)?,
        ),
    };
    ctx.task_done();
    let finish = |df: DataFrame| -> SfResult<Vec<PartitionRef>> {
        if df.height() == 0 {
            return Ok(Vec::new());
        }
        let engine = Engine::Streaming.for_rows(df.height());
        let grouped = unpacked(df.lazy().group_by(key_cols.clone()).agg(finals.clone()));
        out.encode(collect_with(grouped, engine)?, ctx)
    };
    // Few groups (the first unit shrank to an eighth or less): the other
    // units are aggregated by one query over all of them where they fit.
    let few_groups = engine == Engine::Streaming
        && matches!(head, Unit::Part(part, _) if first.height() * 8 <= part.rows());
    let est_rows = first.height() * units.len();
    let est_bytes = first.estimated_size() * units.len();
    let at_once = match few_groups && !rest.is_empty() {
        true => run_units_at_once(rest, &ops, map, ctx)?,
        false => None,
    };
    let parts = if let Some(df) = at_once {
        let schema = first.schema().clone();
        finish(concat_frames(vec![first, df], &schema)?)?
    } else if est_rows < SINGLE_BUCKET_ROWS {
        let mut frames = vec![first];
        frames.extend(run_tasks(ctx, rest.len(), |i| {
            run_unit(&rest[i], &ops, Some(map), engine)
        })?);
        let schema = frames[0].schema().clone();
        finish(concat_frames(frames, &schema)?)?
    } else {
        let n = est_bytes
            .div_ceil(ctx.config.target_partition_bytes.max(1))
            .max(THREAD_POOL.current_num_threads() * 2)
            .max(2);
        let dest = hash_dest(&key_cols, n);
        let mut split = vec![scatter(first, &dest, ctx)?];
        let large = est_bytes >= LARGE_EXCHANGE_BYTES;
        split.extend(run_exchange_tasks(ctx, rest.len(), large, |i| {
            scatter(run_unit(&rest[i], &ops, Some(map), engine)?, &dest, ctx)
        })?);
        let buckets = take_each(route(split, n)?);
        let outputs = run_exchange_tasks(ctx, n, large, |b| match take_bucket(&buckets[b])? {
            Some(df) => finish(df),
            None => Ok(Vec::new()),
        })?;
        outputs.into_iter().flatten().collect()
    };
    if parts.is_empty() {
        return empty();
    }
    Ok(parts)
}

/// Group keys packed into one UInt64: key `i` is the digit
/// `(value - min) mod radix` at `stride`, a missing value the digit `range`
/// (radix = range + 1 when the key can be missing). Grouping by one integer
/// costs a single-key hash table instead of Polars' row encoding of several
/// keys (TPC-H q20's group-by of 910K rows into 543K (part, supplier)
/// pairs: 200 -> 130 ms).
struct PackedKeys {
    digits: Vec<KeyDigit>,
}

struct KeyDigit {
    name: String,
    dtype: DataType,
    min: i64,
    range: u64,
    nullable: bool,
    stride: u64,
}

impl PackedKeys {
    const NAME: &'static str = "__packed";

    /// The packing of `keys` when there are several, each is a column of
    /// integers or dates that the chain `ops` passes through unchanged, and
    /// the partitions' statistics bound their values tightly enough that
    /// all fit 64 bits together; else `None`. `out_schema` is the
    /// group-by's output, whose first columns are the keys.
    fn of(
        units: &[Unit],
        ops: &[&Plan],
        keys: &[NamedExpr],
        out_schema: &SchemaRef,
        dropna: bool,
    ) -> Option<PackedKeys> {
        if keys.len() < 2 {
            return None;
        }
        let mut digits = Vec::with_capacity(keys.len());
        let mut stride: u128 = 1;
        for (key, (_, dtype)) in keys.iter().zip(out_schema.iter()) {
            let shardframe_plan::Expr::Col { name } = &key.expr else {
                return None;
            };
            if !(dtype.is_integer() || matches!(dtype, DataType::Date))
                || !ops.iter().all(|op| passes_unchanged(op, name))
            {
                return None;
            }
            let (mut min, mut max, mut nulls) = (i64::MAX, i64::MIN, false);
            for unit in units {
                let Unit::Part(part, _) = unit else {
                    return None;
                };
                if part.rows() == 0 {
                    continue;
                }
                let stats = part.stats().iter().find(|c| &c.name == name)?;
                nulls |= stats.null_count > 0;
                let bound = |v: &Option<shardframe_core::Scalar>| match v {
                    Some(shardframe_core::Scalar::Int(i)) => Some(*i),
                    Some(shardframe_core::Scalar::Date(d)) => Some(i64::from(*d)),
                    _ => None,
                };
                if stats.null_count < part.rows() {
                    min = min.min(bound(&stats.min)?);
                    max = max.max(bound(&stats.max)?);
                }
            }
            let range = if min > max {
                0
            } else {
                // (Values less the minimum stay within Int64.)
                u64::try_from(i128::from(max) - i128::from(min) + 1)
                    .ok()
                    .filter(|r| *r <= i64::MAX as u64)?
            };
            let nullable = nulls && !dropna;
            let radix = u128::from(range) + u128::from(nullable);
            digits.push(KeyDigit {
                name: key.name.clone(),
                dtype: dtype.clone(),
                min: if min > max { 0 } else { min },
                range,
                nullable,
                stride: u64::try_from(stride).ok()?,
            });
            stride = stride.checked_mul(radix.max(1))?;
            if stride > u128::from(u64::MAX) {
                return None;
            }
        }
        Some(PackedKeys { digits })
    }

    /// The packed key, as column `NAME`, from the key columns.
    fn pack(&self) -> pl::Expr {
        let digit = |d: &KeyDigit| {
            let value = (pl::col(d.name.as_str()).cast(DataType::Int64) - pl::lit(d.min))
                .cast(DataType::UInt64);
            let value = match d.nullable {
                true => value.fill_null(pl::lit(d.range)),
                false => value,
            };
            value * pl::lit(d.stride)
        };
        let mut digits = self.digits.iter().map(digit);
        let first = digits.next().unwrap_or_else(|| pl::lit(0u64));
        digits.fold(first, |acc, d| acc + d).alias(Self::NAME)
    }

    /// The key columns, from the packed key.
    fn unpack(&self) -> Vec<pl::Expr> {
        self.digits
            .iter()
            .map(|d| {
                let digit = pl::col(Self::NAME) / pl::lit(d.stride);
                let digit = match d.nullable {
                    true => digit % pl::lit(d.range + 1),
                    false => digit % pl::lit(d.range.max(1)),
                };
                let value =
                    (digit.clone().cast(DataType::Int64) + pl::lit(d.min)).cast(d.dtype.clone());
                let value = match d.nullable {
                    true => pl::when(digit.eq(pl::lit(d.range)))
                        .then(pl::lit(pl::Null {}).cast(d.dtype.clone()))
                        .otherwise(value),
                    false => value,
                };
                value.alias(d.name.as_str())
            })
            .collect()
    }
}

/// Whether the narrow step `op` leaves column `name`'s values as they are
/// (rows may go).
fn passes_unchanged(op: &Plan, name: &str) -> bool {
    match op {
        Plan::Filter { .. } => true,
        Plan::Select { exprs, .. } => exprs.iter().all(|e| {
            e.name != name || matches!(&e.expr, shardframe_plan::Expr::Col { name: n } if n == name)
        }),
        Plan::RowIndex { name: index, .. } => index != name,
        _ => false,
    }
}

/// Every aggregation's partial expressions, flattened.
fn partials_of(aggs: &[Agg]) -> SfResult<Vec<pl::Expr>> {
    Ok(aggs
        .iter()
        .enumerate()
        .map(|(i, a)| partial_exprs(i, a))
        .collect::<SfResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect())
}

/// Every aggregation's final expression over the partials of `partials_of`.
fn finals_of(aggs: &[Agg]) -> Vec<pl::Expr> {
    aggs.iter()
        .enumerate()
        .map(|(i, a)| final_expr(i, a))
        .collect()
}

/// The aggregations applied to gathered inputs named `__a{i}`.
/// The inputs of aggregations applied to all rows at once (`__a{i}`), each
/// distinct expression once: `sum(x)` and `count(x)` read one column.
fn gathered_inputs(aggs: &[Agg]) -> SfResult<Vec<pl::Expr>> {
    aggs.iter()
        .enumerate()
        .filter(|(i, a)| first_equal(aggs, a) == *i)
        .map(|(i, a)| Ok(a.expr.lower()?.alias(format!("__a{i}"))))
        .collect()
}

/// The aggregations over the columns of `gathered_inputs`.
fn gathered_finals(aggs: &[Agg]) -> SfResult<Vec<pl::Expr>> {
    aggs.iter()
        .map(|a| {
            let mut a = a.clone();
            a.expr = shardframe_plan::Expr::col(format!("__a{}", first_equal(aggs, &a)));
            a.lower()
        })
        .collect()
}

/// The position of the first aggregation over the same expression as `a`.
fn first_equal(aggs: &[Agg], a: &Agg) -> usize {
    aggs.iter().position(|b| b.expr == a.expr).unwrap_or(0)
}

fn partial_exprs(i: usize, a: &Agg) -> SfResult<Vec<pl::Expr>> {
    use AggFunc::*;
    let e = a.expr.lower()?;
    let n = |s: &str| format!("__p{i}_{s}");
    Ok(match a.func {
        Sum => vec![e.sum().alias(n("v"))],
        Count => vec![e.count().cast(DataType::Int64).alias(n("v"))],
        Size => vec![e.len().cast(DataType::Int64).alias(n("v"))],
        Min => vec![e.min().alias(n("v"))],
        Max => vec![e.max().alias(n("v"))],
        Any => vec![e.any(true).alias(n("v"))],
        All => vec![e.all(true).alias(n("v"))],
        Prod => vec![e.product().alias(n("v"))],
        Unique => vec![e.unique_stable().implode(false).alias(n("v"))],
        Mean => {
            let f = e.cast(DataType::Float64);
            vec![
                f.clone().count().cast(DataType::Float64).alias(n("n")),
                f.sum().alias(n("s")),
            ]
        }
        Var | Std => {
            let f = e.cast(DataType::Float64);
            vec![
                f.clone().count().cast(DataType::Float64).alias(n("n")),
                f.clone().mean().alias(n("m")),
                (f.clone().var(0) * f.count().cast(DataType::Float64)).alias(n("m2")),
            ]
        }
        other => {
            return Err(SfError::Internal(format!("{other:?} has no partial form")));
        }
    })
}

fn final_expr(i: usize, a: &Agg) -> pl::Expr {
    use AggFunc::*;
    let c = |s: &str| pl::col(format!("__p{i}_{s}"));
    let out = match a.func {
        Sum | Count | Size => c("v").sum(),
        Min => c("v").min(),
        Max => c("v").max(),
        Any => c("v").any(true),
        All => c("v").all(true),
        Prod => c("v").product(),
        // partials in partition order: first appearances stay first
        Unique => {
            // an empty partition's empty list adds nothing
            let flat = pl::ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            };
            c("v").explode(flat).unique_stable().implode(false)
        }
        Mean => c("s").sum() / c("n").sum(),
        Var | Std => {
            let n = c("n");
            let total = n.clone().sum();
            let mean = (n.clone() * c("m").fill_null(pl::lit(0.0))).sum() / total.clone();
            let dev = c("m").fill_null(pl::lit(0.0)) - mean;
            let m2 = (c("m2").fill_null(pl::lit(0.0)) + n * dev.clone() * dev).sum();
            let denom = total - pl::lit(a.ddof as f64);
            let var = pl::when(denom.clone().gt(pl::lit(0.0)))
                .then(m2 / denom)
                .otherwise(pl::lit(pl::Null {}).cast(DataType::Float64));
            if a.func == Var {
                var
            } else {
                var.sqrt()
            }
        }
        _ => pl::lit(pl::Null {}),
    };
    out.alias(a.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::df;
    use shardframe_core::Scalar;
    use shardframe_plan::{BinOp, Expr};

    fn memory(rows: usize, per_part: usize) -> (Arc<Plan>, Context) {
        let ctx = Context::new(ExecConfig {
            max_partition_rows: per_part,
            ..Default::default()
        });
        let df = df!("x" => (0..rows as i64).collect::<Vec<_>>()).unwrap();
        let m = partition_frame(df, &ctx).unwrap();
        let plan = Plan::Scan(Arc::new(Source::Memory {
            parts: m.parts,
            schema: m.schema,
        }));
        (Arc::new(plan), ctx)
    }

    fn agg(func: AggFunc) -> Agg {
        Agg::of(&format!("{func:?}"), func, Expr::col("x"))
    }

    #[test]
    fn integer_keys_pack_into_one_and_unpack_to_themselves() {
        let ctx = Context::new(ExecConfig {
            max_partition_rows: 3,
            ..Default::default()
        });
        let df = df!(
            "a" => [Some(-5i64), None, Some(7), Some(0), Some(-5), Some(7), Some(3)],
            "b" => [1i8, 2, 3, 1, 1, 3, 2],
            "w" => [i64::MIN, 0, i64::MAX, 0, 0, 0, 0]
        )
        .unwrap();
        let m = partition_frame(df.clone(), &ctx).unwrap();
        let units: Vec<Unit> = m.parts.iter().map(|p| Unit::Part(p, 0)).collect();
        let keys = |names: &[&str]| -> Vec<NamedExpr> {
            names
                .iter()
                .map(|n| NamedExpr {
                    name: n.to_string(),
                    expr: Expr::col(*n),
                })
                .collect()
        };
        // The group-by's output schema: the keys first.
        let out = |names: &[&str]| -> SchemaRef {
            Arc::new(
                names
                    .iter()
                    .map(|n| m.schema.get_field(n).unwrap())
                    .collect(),
            )
        };
        let of = |names: &[&str], ops: &[&Plan]| {
            PackedKeys::of(&units, ops, &keys(names), &out(names), false)
        };
        let packed = of(&["a", "b"], &[]).unwrap();
        // a: 13 values and a missing one, b: 3 values.
        assert_eq!(packed.digits[1].stride, 14);
        let round = df
            .clone()
            .lazy()
            .select([packed.pack()])
            .select(packed.unpack())
            .collect()
            .unwrap();
        assert!(
            round.equals_missing(&df.select(["a", "b"]).unwrap()),
            "{round}"
        );
        // One key alone, a range wider than Int64, or a key a step computes: none.
        assert!(of(&["a"], &[]).is_none());
        assert!(of(&["a", "w"], &[]).is_none());
        let scan = Plan::memory(m.parts.clone(), m.schema.clone());
        let computed = Plan::Select {
            input: Arc::new(scan),
            exprs: vec![NamedExpr {
                name: "a".into(),
                expr: Expr::col("b"),
            }],
        };
        assert!(of(&["a", "b"], &[&computed]).is_none());
    }

    #[test]
    fn partial_and_gathered_reductions_agree_across_partitionings() {
        for per_part in [1, 3, 1000] {
            let (scan, ctx) = memory(100, per_part);
            let pred = Expr::Binary {
                kind: BinOp::Gt,
                left: Box::new(Expr::col("x")),
                right: Box::new(Expr::Lit {
                    value: Scalar::Int(9),
                }),
            };
            let filtered = Arc::new(Plan::Filter {
                input: scan,
                predicate: pred,
            });
            let aggs = vec![agg(AggFunc::Sum), agg(AggFunc::Std), agg(AggFunc::Median)];
            let out = reduce(&filtered, &aggs[..2], &ctx).unwrap();
            let sum = out
                .column("Sum")
                .unwrap()
                .get(0)
                .unwrap()
                .try_extract::<i64>()
                .unwrap();
            assert_eq!(sum, (10..100).sum::<i64>());
            let med = reduce(&filtered, &aggs[2..], &ctx).unwrap();
            let med = med
                .column("Median")
                .unwrap()
                .get(0)
                .unwrap()
                .try_extract::<f64>()
                .unwrap();
            assert_eq!(med, 54.5);
        }
    }

    #[test]
    fn semi_and_anti_joins_with_a_hot_right_key_match_polars() {
        let ctx = Context::new(ExecConfig {
            max_partition_rows: 500,
            broadcast_bytes: 0,
            ..Default::default()
        });
        let scan = |df: DataFrame| {
            let m = partition_frame(df, &ctx).unwrap();
            Arc::new(Plan::memory(m.parts, m.schema))
        };
        let left = df!("k" => (0..3000i64).map(|i| i % 40).collect::<Vec<_>>(),
                       "a" => (0..3000i64).collect::<Vec<_>>())
        .unwrap();
        // Key 3 holds nearly all right rows.
        let right =
            df!("k" => (0..4000i64).map(|i| if i % 50 == 0 { i } else { 3 }).collect::<Vec<_>>())
                .unwrap();
        for how in ["semi", "anti"] {
            let spec = shardframe_plan::JoinSpec::on(how, "k", "k");
            let plan = Arc::new(Plan::Join {
                left: scan(left.clone()),
                right: scan(right.clone()),
                spec: spec.clone(),
            });
            let got = execute(&plan, &ctx).unwrap().to_frame().unwrap();
            let expected = spec
                .apply(left.clone().lazy(), right.clone().lazy())
                .unwrap()
                .collect()
                .unwrap();
            assert!(got.height() > 0);
            assert!(got.equals_missing(&expected), "{how}: {got} {expected}");
        }
    }

    #[test]
    fn cancelled_run_stops_with_interrupted() {
        let (scan, ctx) = memory(100, 1);
        ctx.cancel_flag()
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let err = reduce(&scan, &[agg(AggFunc::Sum)], &ctx).unwrap_err();
        assert_eq!(err, SfError::Interrupted);
    }

    #[test]
    fn row_positions_continue_across_partitions() {
        let (scan, ctx) = memory(10, 3);
        let plan = Arc::new(Plan::RowIndex {
            input: scan,
            name: "pos".into(),
        });
        let df = execute(&plan, &ctx).unwrap().to_frame().unwrap();
        let pos: Vec<i64> = df
            .column("pos")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(pos, (0..10).collect::<Vec<_>>());
    }
}
