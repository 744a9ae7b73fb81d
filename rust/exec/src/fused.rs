//! Whole-plan execution: a plan in which a join feeds or reads another wide
//! result (a group-by over merges, a merge of an aggregate), and whose inputs
//! fit [`ExecConfig::fuse_bytes`](crate::ExecConfig) decoded, runs as one
//! Polars lazy query over all its rows.
//!
//! Node by node, every wide result is materialized (split into partitions,
//! maybe compressed) before its parent reads it again, and each exchange
//! copies its rows once more; for data that fits in memory that costs more
//! than the work itself (TPC-H SF1 ran 8× slower than Polars). Lowered as a
//! whole, Polars' optimizer pushes projections and predicates through joins
//! and runs every operator on all cores. Other plans keep the partitioned
//! executor, where no task holds more than a bucket; the choice is made per
//! subtree, so a large plan still fuses the parts of it that qualify.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use polars::prelude as pl;
use polars::prelude::{DataFrame, IntoLazy, SchemaExt, SchemaRef};
use polars_core::runtime::THREAD_POOL;
use rayon::prelude::*;
use shardframe_core::{PartitionRef, SfError, SfResult};
use shardframe_plan::{prune, prune_columns, required_by_node, row_index, Cols, Plan, Source};

use crate::{cached, concat_frames, conform, remember, scan, Context, Materialized};

/// Decoded bytes one parquet byte is taken to stand for when estimating
/// the size of a file input (TPC-H's tables compress 3–5×).
const PARQUET_EXPANSION: usize = 4;

/// Run `plan` as one Polars query if a join in it feeds or reads another
/// wide result, nothing in it needs partitions (a repartition, a CSV file
/// whose errors name lines) and its inputs fit the budget; `None` leaves it
/// to the partitioned executor.
///
/// A lone group-by, sort or join runs better partition by partition
/// (measured at 10M rows: group-by 1.0 s / 0.73 GiB against 1.7 s / 0.95 GiB
/// fused, sort 4.7 s / 0.93 GiB against 8.1 s / 1.35 GiB, merge 0.59 GiB
/// against 0.95 GiB): no intermediate result is materialized there, and the
/// exchanges hold one partition of the input decoded at a time.
pub(crate) fn try_run(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Option<DataFrame>> {
    let budget = ctx.config.fuse_bytes;
    let (joins, wide) = count_wide(plan);
    if budget == 0 || joins == 0 || wide < 2 {
        return Ok(None);
    }
    let Some(stage) = top_wide(plan) else {
        return Ok(None);
    };
    match input_bytes(plan) {
        Some(bytes) if bytes <= budget => {}
        _ => return Ok(None),
    }
    ctx.set_stage(stage.into());
    ctx.add_tasks(1);
    ctx.check()?;
    let start = std::time::Instant::now();
    let lf = lower(plan, ctx)?;
    let lowered = start.elapsed();
    // Polars' in-memory engine: the streaming one ran the 22 TPC-H queries
    // at SF1 in 4.05 times Polars' time against 3.15 (slow on q11, q14, q17),
    // and is used for group-bys over no join only (see `lower`).
    let df = lf.collect()?;
    if std::env::var_os("SHARDFRAME_TRACE").is_some() {
        eprintln!(
            "[shardframe] fused {stage}: inputs {:.1} ms, query {:.1} ms",
            lowered.as_secs_f64() * 1e3,
            (start.elapsed() - lowered).as_secs_f64() * 1e3
        );
    }
    ctx.task_done();
    let schema = plan.schema()?;
    // The engine's types are the plan's, whatever Polars' optimizer chose.
    Ok(Some(if df.schema() == &schema {
        df
    } else {
        conform(df, &schema)?
    }))
}

/// `plan` with every subplan that holds a wide node and is also used outside
/// this plan (by a frame the user still holds) replaced by its result,
/// computed once and kept while the subplan lives. A fused query recomputes
/// whatever it contains, and a parallel floating-point sum is not
/// bit-for-bit repeatable: without this, `rev[rev.x == rev.x.max()]` could
/// compare a max with sums that differ in the last bit. (A subplan used
/// twice within one query is computed once by Polars' common subplan
/// elimination.)
///
/// A shared subplan without aggregations (joins, sorts, selections: the
/// same values however often computed) is computed with only the columns
/// this plan reads of it (`li.merge(part)` held as `j` does not decode all
/// of lineitem when the query reads three of its columns); those results
/// are kept per column set.
///
/// With `exported`, `plan` converts a frame for the user: when it selects
/// the frame's columns (`to_pandas`), the frame is computed with the rest
/// of the plan, not kept compressed only to be decoded at once. (A
/// reduction over a frame, `rev.x.max()`, still keeps the frame: its
/// values are compared with the result next, as in `rev[rev.x == max]`.)
pub(crate) fn materialize_shared(
    plan: &Arc<Plan>,
    exported: bool,
    ctx: &Context,
) -> SfResult<Arc<Plan>> {
    let mut uses = HashMap::new();
    count_uses(plan, &mut uses);
    let shared = Shared {
        uses,
        plan: plan.clone(),
        required: std::cell::OnceCell::new(),
        exported: match plan.as_ref() {
            Plan::Select { input, .. } if exported => Arc::as_ptr(input) as usize,
            _ => 0,
        },
    };
    substitute(plan, true, &shared, ctx)
}

struct Shared {
    /// Parents of each node within the plan, by address.
    uses: HashMap<usize, usize>,
    plan: Arc<Plan>,
    /// Columns of each node the plan reads, by address (`None`: all);
    /// worked out when the first shared subplan is found.
    required: std::cell::OnceCell<HashMap<usize, Option<Cols>>>,
    /// The address of the exported frame's plan (0: none).
    exported: usize,
}

/// Results of shared subplans computed for some of their columns.
static PARTIAL_RESULTS: Mutex<Vec<(Weak<Plan>, Materialized)>> = Mutex::new(Vec::new());

/// A result of `plan` holding at least the columns `cols`.
fn cached_columns(plan: &Arc<Plan>, cols: &Cols) -> Option<Materialized> {
    let mut cache = PARTIAL_RESULTS.lock().ok()?;
    cache.retain(|(w, _)| w.strong_count() > 0);
    cache
        .iter()
        .find(|(w, m)| {
            w.upgrade().is_some_and(|p| Arc::ptr_eq(&p, plan))
                && cols.iter().all(|c| m.schema.contains(c))
        })
        .map(|(_, m)| m.clone())
}

/// Whether `plan` computes the same values every time (no aggregation or
/// window whose floating-point result depends on parallel order).
fn repeatable(plan: &Plan) -> bool {
    let here = match plan {
        Plan::GroupBy { .. } | Plan::Reduce { .. } => false,
        Plan::Select { .. } => plan.is_narrow(),
        _ => true,
    };
    here && children(plan).into_iter().all(|c| repeatable(c))
}

/// How many parents in the plan each node has, by address.
fn count_uses(plan: &Arc<Plan>, uses: &mut HashMap<usize, usize>) {
    for child in children(plan) {
        let seen = uses.entry(Arc::as_ptr(child) as usize).or_insert(0);
        *seen += 1;
        if *seen == 1 {
            count_uses(child, uses);
        }
    }
}

fn children(plan: &Plan) -> Vec<&Arc<Plan>> {
    match plan {
        Plan::Join { left, right, .. } => vec![left, right],
        Plan::Concat { inputs } => inputs.iter().collect(),
        _ => plan.input().into_iter().collect(),
    }
}

fn substitute(plan: &Arc<Plan>, root: bool, shared: &Shared, ctx: &Context) -> SfResult<Arc<Plan>> {
    if let Some(m) = cached(plan) {
        return Ok(Arc::new(Plan::memory(m.parts, m.schema)));
    }
    let key = Arc::as_ptr(plan) as usize;
    let in_plan = shared.uses.get(&key).copied().unwrap_or(0);
    if !root
        && key != shared.exported
        && Arc::strong_count(plan) > in_plan
        && top_wide(plan).is_some()
    {
        // Uses are counted over the whole plan: a subplan of this one used
        // elsewhere in the plan is not shared outside it.
        if let Plan::Sort { input, .. } = plan.as_ref() {
            if matches!(input.as_ref(), Plan::GroupBy { .. }) {
                // A held group-by with its sort (`as_index=False` sorts by
                // the keys): the group-by is kept, the sort stays a step of
                // this plan, dropped where its order cannot show (the right
                // side of a join in left order on the keys).
                if cached(input).is_none() {
                    let grouped = substitute(input, true, shared, ctx)?;
                    let m = ctx.at_top(|| crate::execute(&prune_columns(&grouped, None), ctx))?;
                    remember(input, &m, false);
                }
                return Ok(plan.clone());
            }
        }
        let inner = substitute(plan, true, shared, ctx)?;
        let required = shared
            .required
            .get_or_init(|| required_by_node(&shared.plan));
        let some = match required.get(&key) {
            Some(Some(cols)) if cols.len() < plan.schema()?.len() && repeatable(&inner) => {
                Some(cols.clone())
            }
            _ => None,
        };
        if let Some(m) = some.as_ref().and_then(|cols| cached_columns(plan, cols)) {
            return Ok(Arc::new(Plan::memory(m.parts, m.schema)));
        }
        // Kept beyond this run: stored like a final result, not held decoded.
        let pruned = prune_columns(&inner, some.clone());
        let m = ctx.at_top(|| crate::execute(&pruned, ctx))?;
        match some {
            Some(_) => {
                if let Ok(mut cache) = PARTIAL_RESULTS.lock() {
                    cache.push((Arc::downgrade(plan), m.clone()));
                }
            }
            None => remember(plan, &m, false),
        }
        return Ok(Arc::new(Plan::memory(m.parts, m.schema)));
    }
    let changed = |old: &Arc<Plan>, new: &Arc<Plan>| !Arc::ptr_eq(old, new);
    Ok(match plan.as_ref() {
        Plan::Scan(_) => plan.clone(),
        Plan::Join { left, right, spec } => {
            let (l, r) = (
                substitute(left, false, shared, ctx)?,
                substitute(right, false, shared, ctx)?,
            );
            if changed(left, &l) || changed(right, &r) {
                Arc::new(Plan::Join {
                    left: l,
                    right: r,
                    spec: spec.clone(),
                })
            } else {
                plan.clone()
            }
        }
        Plan::Concat { inputs } => {
            let new = inputs
                .iter()
                .map(|p| substitute(p, false, shared, ctx))
                .collect::<SfResult<Vec<_>>>()?;
            if inputs.iter().zip(&new).any(|(a, b)| changed(a, b)) {
                Arc::new(Plan::Concat { inputs: new })
            } else {
                plan.clone()
            }
        }
        node => match node.input() {
            Some(input) => {
                let new = substitute(input, false, shared, ctx)?;
                match node.with_input(new.clone()) {
                    Some(rebuilt) if changed(input, &new) => Arc::new(rebuilt),
                    _ => plan.clone(),
                }
            }
            None => plan.clone(),
        },
    })
}

/// Joins, and all nodes that materialize a result in the partitioned
/// executor (joins, group-bys, sorts, reductions, windows), in `plan`.
fn count_wide(plan: &Plan) -> (usize, usize) {
    let (joins, wide) = match plan {
        Plan::Join { .. } => (1, 1),
        Plan::GroupBy { .. } | Plan::Sort { .. } | Plan::Reduce { .. } => (0, 1),
        Plan::Select { .. } if !plan.is_narrow() => (0, 1),
        _ => (0, 0),
    };
    children(plan).into_iter().fold((joins, wide), |(j, w), p| {
        let (pj, pw) = count_wide(p);
        (j + pj, w + pw)
    })
}

/// The topmost node the partitioned executor spends exchanges or
/// materializations on, named as progress displays name its stage.
fn top_wide(plan: &Plan) -> Option<&'static str> {
    match plan {
        Plan::Join { .. } => Some("join"),
        Plan::GroupBy { .. } => Some("group by"),
        Plan::Sort { .. } => Some("sort"),
        Plan::Select { .. } if !plan.is_narrow() => Some("window"),
        Plan::Concat { inputs } => inputs.iter().find_map(|p| top_wide(p)),
        _ => plan.input().and_then(|p| top_wide(p)),
    }
}

/// Decoded bytes the plan's inputs hold (the columns a projection right
/// above a memory scan keeps); `None` when it must not be fused.
fn input_bytes(plan: &Arc<Plan>) -> Option<usize> {
    if let Some(m) = cached(plan) {
        return Some(m.parts.iter().map(|p| p.raw_bytes()).sum());
    }
    match plan.as_ref() {
        Plan::Scan(src) => source_bytes(src, None),
        Plan::Select { input, exprs } => match input.as_ref() {
            Plan::Scan(src) => {
                let mut cols = Vec::new();
                exprs.iter().for_each(|e| e.expr.columns(&mut cols));
                source_bytes(src, Some(&cols))
            }
            _ => input_bytes(input),
        },
        Plan::Repartition { .. } => None,
        Plan::Join { left, right, .. } => Some(input_bytes(left)? + input_bytes(right)?),
        Plan::Concat { inputs } => inputs.iter().map(input_bytes).sum(),
        _ => input_bytes(plan.input()?),
    }
}

fn source_bytes(src: &Source, columns: Option<&[String]>) -> Option<usize> {
    match src {
        Source::Memory { parts, .. } => Some(parts_bytes(parts, columns)),
        Source::Parquet { paths, .. } => paths
            .iter()
            .map(|p| {
                std::fs::metadata(p)
                    .ok()
                    .map(|m| m.len() as usize * PARQUET_EXPANSION)
            })
            .sum(),
        Source::Csv { .. } | Source::NdJson { .. } => None,
    }
}

/// Decoded bytes of `columns` (all when `None`) of the partitions.
pub(crate) fn parts_bytes(parts: &[PartitionRef], columns: Option<&[String]>) -> usize {
    parts
        .iter()
        .map(|p| match columns {
            None => p.raw_bytes(),
            Some(cols) => cols
                .iter()
                .filter_map(|c| p.column_stats(c))
                .map(|s| s.raw_bytes)
                .sum(),
        })
        .sum()
}

/// `plan` as a Polars lazy query; wide results already computed are read
/// from their partitions.
fn lower(plan: &Arc<Plan>, ctx: &Context) -> SfResult<pl::LazyFrame> {
    if let Some(m) = cached(plan) {
        return memory(&m.parts, &m.schema, None, &[]);
    }
    Ok(match plan.as_ref() {
        Plan::Scan(src) => source(src, None, &[])?,
        Plan::Select { input, exprs } if matches!(input.as_ref(), Plan::Scan(_)) => {
            let Plan::Scan(src) = input.as_ref() else {
                return Err(SfError::Internal("scan expected".into()));
            };
            let mut cols = Vec::new();
            exprs.iter().for_each(|e| e.expr.columns(&mut cols));
            plan.apply_narrow(source(src, Some(&cols), &[])?)?
        }
        Plan::Filter { input, predicate } if predicate.is_row_local() => {
            // Partitions whose statistics rule the filter out are not decoded.
            match scanned(input) {
                Some((src, cols)) => {
                    plan.apply_narrow(source(src, cols.as_deref(), &[predicate])?)?
                }
                None => plan.apply_narrow(lower(input, ctx)?)?,
            }
        }
        Plan::RowIndex { input, name } => row_index(lower(input, ctx)?, name, ctx.row_offset),
        // A group-by of a scan with sums, counts, means, minima or maxima
        // runs on Polars' streaming engine, which pre-aggregates them per
        // thread (TPC-H q18's 1.5M groups: 0.33 s against 0.67 s in memory,
        // q13 0.26 against 0.33); others (q21's nunique: 2.6 s against 1.5)
        // and everything above stay in memory, where Polars' joins are faster.
        Plan::GroupBy { input, aggs, .. }
            if count_wide(input).0 == 0
                && aggs.iter().all(|a| {
                    use shardframe_plan::AggFunc::*;
                    matches!(a.func, Sum | Mean | Min | Max | Count | Size)
                }) =>
        {
            let lf = plan.apply_narrow(lower(input, ctx)?)?;
            crate::collect_with(lf, crate::Engine::Streaming)?.lazy()
        }
        Plan::Join { left, right, spec } => spec.apply(lower(left, ctx)?, lower(right, ctx)?)?,
        Plan::Concat { inputs } => {
            let frames = inputs
                .iter()
                .map(|p| lower(p, ctx))
                .collect::<SfResult<Vec<_>>>()?;
            let args = pl::UnionArgs {
                diagonal: true,
                to_supertypes: true,
                rechunk: false,
                ..Default::default()
            };
            let schema = plan.schema()?;
            let columns: Vec<pl::Expr> = schema
                .iter()
                .map(|(name, dtype)| pl::col(name.clone()).cast(dtype.clone()))
                .collect();
            pl::concat(frames, args)?.select(columns)
        }
        Plan::Repartition { .. } => {
            return Err(SfError::Internal("a repartition is never fused".into()));
        }
        _ => {
            let input = plan
                .input()
                .ok_or_else(|| SfError::Internal("node without input".into()))?;
            plan.apply_narrow(lower(input, ctx)?)?
        }
    })
}

/// The source under a scan, or under a projection right above one, and the
/// projected columns.
fn scanned(plan: &Plan) -> Option<(&Source, Option<Vec<String>>)> {
    match plan {
        Plan::Scan(src) => Some((src, None)),
        Plan::Select { input, exprs } => match input.as_ref() {
            Plan::Scan(src)
                if exprs.iter().all(
                    |e| matches!(&e.expr, shardframe_plan::Expr::Col { name } if *name == e.name),
                ) =>
            {
                Some((src, Some(exprs.iter().map(|e| e.name.clone()).collect())))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The rows of a source: memory partitions decoded (only `columns`, and
/// only those partitions `filters` may match), or files scanned lazily.
fn source(
    src: &Source,
    columns: Option<&[String]>,
    filters: &[&shardframe_plan::Expr],
) -> SfResult<pl::LazyFrame> {
    match src {
        Source::Memory { parts, schema } => memory(parts, schema, columns, filters),
        Source::Parquet { paths, .. } => {
            let scans = paths
                .iter()
                .map(|p| scan::scan_file(src, p))
                .collect::<SfResult<Vec<_>>>()?;
            let args = pl::UnionArgs {
                rechunk: false,
                ..Default::default()
            };
            let lf = pl::concat(scans, args)?;
            Ok(match columns {
                Some(cols) => {
                    lf.select(cols.iter().map(|c| pl::col(c.as_str())).collect::<Vec<_>>())
                }
                None => lf,
            })
        }
        Source::Csv { .. } | Source::NdJson { .. } => {
            Err(SfError::Internal("a text file scan is never fused".into()))
        }
    }
}

/// Partitions decoded in parallel into one frame (one chunk each, no copy).
pub(crate) fn memory(
    parts: &[PartitionRef],
    schema: &SchemaRef,
    columns: Option<&[String]>,
    filters: &[&shardframe_plan::Expr],
) -> SfResult<pl::LazyFrame> {
    let schema: SchemaRef = match columns {
        Some(cols) => Arc::new(
            cols.iter()
                .filter_map(|c| schema.get_field(c.as_str()))
                .collect(),
        ),
        None => schema.clone(),
    };
    let cols: Option<Vec<String>> = columns.map(<[String]>::to_vec);
    let frames: Vec<DataFrame> = THREAD_POOL.install(|| {
        parts
            .par_iter()
            .filter(|p| filters.iter().all(|f| prune::may_match(p, f)))
            .map(|p| p.decode(cols.as_deref()))
            .collect::<SfResult<_>>()
    })?;
    Ok(concat_frames(frames, &schema)?.lazy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{execute, partition_frame, run, ExecConfig};
    use polars::df;
    use shardframe_plan::{Agg, AggFunc, Expr, JoinSpec, NamedExpr, SortSpec};

    /// Rows joined to a small table, summed per joined name, sorted.
    fn joined_grouped_sorted(fuse_bytes: usize) -> (Arc<Plan>, Context) {
        let ctx = Context::new(ExecConfig {
            max_partition_rows: 7,
            fuse_bytes,
            ..Default::default()
        });
        let rows = df!(
            "k" => (0..100i64).map(|i| i % 9).collect::<Vec<_>>(),
            "v" => (0..100i64).collect::<Vec<_>>()
        )
        .unwrap();
        let names = df!("key" => (0..9i64).collect::<Vec<_>>(), "name" => (0..9i64).map(|i| 10 - i).collect::<Vec<_>>()).unwrap();
        let memory = |df| {
            let m = partition_frame(df, &ctx).unwrap();
            Arc::new(Plan::memory(m.parts, m.schema))
        };
        let joined = Arc::new(Plan::Join {
            left: memory(rows),
            right: memory(names),
            spec: JoinSpec::on("inner", "k", "key"),
        });
        let grouped = Arc::new(Plan::GroupBy {
            input: joined,
            keys: vec![NamedExpr {
                name: "name".into(),
                expr: Expr::col("name"),
            }],
            aggs: vec![Agg::of("total", AggFunc::Sum, Expr::col("v"))],
            dropna: true,
        });
        let sorted = Arc::new(Plan::Sort {
            input: grouped,
            spec: SortSpec {
                by: vec![Expr::col("name")],
                descending: vec![false],
                nulls_last: true,
                stable: true,
            },
        });
        (sorted, ctx)
    }

    #[test]
    fn fused_and_partitioned_runs_agree() {
        let (plan, fused_ctx) = joined_grouped_sorted(1 << 30);
        assert!(try_run(&plan, &fused_ctx).unwrap().is_some());
        let fused = execute(&plan, &fused_ctx).unwrap().to_frame().unwrap();
        let (plan, ctx) = joined_grouped_sorted(0);
        let partitioned = execute(&plan, &ctx).unwrap().to_frame().unwrap();
        assert!(fused.equals(&partitioned), "{fused} != {partitioned}");
        assert_eq!(fused.height(), 9);
    }

    #[test]
    fn inputs_above_the_budget_are_left_to_the_partitioned_executor() {
        // 200 + 18 Int64 values: 1,744 decoded bytes.
        let (plan, ctx) = joined_grouped_sorted(1_000);
        assert_eq!(input_bytes(&plan), Some(1_744));
        assert!(try_run(&plan, &ctx).unwrap().is_none());
    }

    #[test]
    fn a_lone_group_by_is_left_to_the_partitioned_executor() {
        let (plan, ctx) = joined_grouped_sorted(1 << 30);
        let Plan::Sort { input, .. } = plan.as_ref() else {
            unreachable!()
        };
        let Plan::GroupBy { input: joined, .. } = input.as_ref() else {
            unreachable!()
        };
        let lone = Arc::new(
            input
                .as_ref()
                .with_input(Arc::new(Plan::memory(
                    execute(joined, &ctx).unwrap().parts,
                    joined.schema().unwrap(),
                )))
                .unwrap(),
        );
        assert!(try_run(&lone, &ctx).unwrap().is_none());
    }

    /// The memory scans `plan` reads.
    fn scans(plan: &Plan, out: &mut Vec<SchemaRef>) {
        if let Plan::Scan(src) = plan {
            out.push(src.schema().clone());
        }
        children(plan).into_iter().for_each(|c| scans(c, out));
    }

    #[test]
    fn a_held_join_is_computed_for_the_columns_read() {
        let ctx = Context::new(ExecConfig {
            max_partition_rows: 7,
            fuse_bytes: 1 << 30,
            ..Default::default()
        });
        let memory = |df| {
            let m = partition_frame(df, &ctx).unwrap();
            Arc::new(Plan::memory(m.parts, m.schema))
        };
        let rows = df!("k" => (0..50i64).map(|i| i % 5).collect::<Vec<_>>(),
                       "v" => (0..50i64).collect::<Vec<_>>(),
                       "w" => (0..50i64).collect::<Vec<_>>())
        .unwrap();
        let names = df!("key" => (0..5i64).collect::<Vec<_>>(),
                        "name" => ["a", "b", "c", "d", "e"],
                        "extra" => (0..5i64).collect::<Vec<_>>())
        .unwrap();
        // Held outside the plan below, as a user's frame would be.
        let joined = Arc::new(Plan::Join {
            left: memory(rows),
            right: memory(names),
            spec: JoinSpec::on("inner", "k", "key"),
        });
        let take = |cols: &[&str]| {
            let exprs = cols
                .iter()
                .map(|c| NamedExpr {
                    name: c.to_string(),
                    expr: Expr::col(*c),
                })
                .collect();
            Arc::new(Plan::Select {
                input: joined.clone(),
                exprs,
            })
        };
        let scanned = |plan: &Arc<Plan>| {
            let mut read = Vec::new();
            scans(&materialize_shared(plan, false, &ctx).unwrap(), &mut read);
            read.iter()
                .map(|s| s.iter_names().map(|n| n.to_string()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        // Reading `name` and `v`: the join's keys come too, `w` and `extra` do not.
        assert_eq!(
            scanned(&take(&["name", "v"])),
            vec![vec!["k", "v", "key", "name"]]
        );
        // A later query reading `w` computes the columns it needs.
        let plan = take(&["w", "name"]);
        assert_eq!(scanned(&plan), vec![vec!["k", "w", "key", "name"]]);
        let got = run(&plan, &ctx).unwrap().to_frame().unwrap();
        assert_eq!(got.get_column_names(), &["w", "name"]);
        assert_eq!(got.height(), 50);
        // The first subset is reused for a query inside it.
        assert_eq!(scanned(&take(&["v"])), vec![vec!["k", "v", "key", "name"]]);
    }
}
