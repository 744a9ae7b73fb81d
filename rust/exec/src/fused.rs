//! Whole-plan execution: a plan with a join, group-by or sort whose inputs
//! fit [`ExecConfig::fuse_bytes`](crate::ExecConfig) decoded runs as one
//! Polars lazy query over all its rows.
//!
//! Node by node, every wide result is materialized (split into partitions,
//! maybe compressed) before its parent reads it again, and each exchange
//! copies its rows once more; for data that fits in memory that costs more
//! than the work itself (TPC-H SF1 ran 8× slower than Polars). Lowered as a
//! whole, Polars' optimizer pushes projections and predicates through joins,
//! picks join sides and runs every operator on all cores. Plans above the
//! budget keep the partitioned executor, where no task holds more than a
//! bucket; the choice is made per subtree, so a large plan still fuses the
//! parts of it that fit.

use std::sync::Arc;

use polars::prelude as pl;
use polars::prelude::{DataFrame, IntoLazy, SchemaExt, SchemaRef};
use polars_core::runtime::THREAD_POOL;
use rayon::prelude::*;
use shardframe_core::{PartitionRef, SfError, SfResult};
use shardframe_plan::{prune, row_index, Plan, Source};

use crate::{cached, concat_frames, conform, remember, scan, Context};

/// Decoded bytes one parquet byte is taken to stand for when estimating
/// the size of a file input (TPC-H's tables compress 3–5×).
const PARQUET_EXPANSION: usize = 4;

/// Run `plan` as one Polars query if it has a wide node, nothing that needs
/// its partitions (a repartition, a CSV file whose errors name lines), and
/// inputs within the budget; `None` leaves it to the partitioned executor.
pub(crate) fn try_run(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Option<DataFrame>> {
    let budget = ctx.config.fuse_bytes;
    let Some(stage) = top_wide(plan).filter(|_| budget > 0) else {
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
    // Polars' in-memory engine: its streaming engine is faster on some
    // group-bys (TPC-H q1, q18) but far slower on others (q11, q14, q17),
    // 4.05 against 3.15 times Polars' time over the 22 queries at SF1.
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

/// `plan` with every subplan that holds a wide node and is shared (used by
/// a frame the user still holds, or twice in this plan) replaced by its
/// result, computed once and kept while the subplan lives. A fused query
/// recomputes whatever it contains, and a parallel floating-point sum is
/// not bit-for-bit repeatable: without this, `rev[rev.x == rev.x.max()]`
/// could compare a max with sums that differ in the last bit.
pub(crate) fn materialize_shared(plan: &Arc<Plan>, ctx: &Context) -> SfResult<Arc<Plan>> {
    substitute(plan, true, ctx)
}

fn substitute(plan: &Arc<Plan>, root: bool, ctx: &Context) -> SfResult<Arc<Plan>> {
    if let Some(m) = cached(plan) {
        return Ok(Arc::new(Plan::memory(m.parts, m.schema)));
    }
    if !root && Arc::strong_count(plan) > 1 && top_wide(plan).is_some() {
        let m = crate::run(plan, ctx)?;
        remember(plan, &m);
        return Ok(Arc::new(Plan::memory(m.parts, m.schema)));
    }
    let changed = |old: &Arc<Plan>, new: &Arc<Plan>| !Arc::ptr_eq(old, new);
    Ok(match plan.as_ref() {
        Plan::Scan(_) => plan.clone(),
        Plan::Join { left, right, spec } => {
            let (l, r) = (
                substitute(left, false, ctx)?,
                substitute(right, false, ctx)?,
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
                .map(|p| substitute(p, false, ctx))
                .collect::<SfResult<Vec<_>>>()?;
            if inputs.iter().zip(&new).any(|(a, b)| changed(a, b)) {
                Arc::new(Plan::Concat { inputs: new })
            } else {
                plan.clone()
            }
        }
        node => match node.input() {
            Some(input) => {
                let new = substitute(input, false, ctx)?;
                match node.with_input(new.clone()) {
                    Some(rebuilt) if changed(input, &new) => Arc::new(rebuilt),
                    _ => plan.clone(),
                }
            }
            None => plan.clone(),
        },
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
        Source::Memory { parts, .. } => Some(
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
                .sum(),
        ),
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
fn memory(
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
    use crate::{execute, partition_frame, ExecConfig};
    use polars::df;
    use shardframe_plan::{Agg, AggFunc, Expr, NamedExpr, SortSpec};

    fn grouped_and_sorted(fuse_bytes: usize) -> (Arc<Plan>, Context) {
        let ctx = Context::new(ExecConfig {
            max_partition_rows: 7,
            fuse_bytes,
            ..Default::default()
        });
        let df = df!(
            "k" => (0..100i64).map(|i| i % 9).collect::<Vec<_>>(),
            "v" => (0..100i64).collect::<Vec<_>>()
        )
        .unwrap();
        let m = partition_frame(df, &ctx).unwrap();
        let grouped = Arc::new(Plan::GroupBy {
            input: Arc::new(Plan::memory(m.parts, m.schema)),
            keys: vec![NamedExpr {
                name: "k".into(),
                expr: Expr::col("k"),
            }],
            aggs: vec![Agg {
                name: "total".into(),
                func: AggFunc::Sum,
                expr: Expr::col("v"),
                ddof: 1,
                q: 0.5,
                count_null: false,
            }],
            dropna: true,
        });
        let sorted = Arc::new(Plan::Sort {
            input: grouped,
            spec: SortSpec {
                by: vec![Expr::col("k")],
                descending: vec![false],
                nulls_last: true,
                stable: true,
            },
        });
        (sorted, ctx)
    }

    #[test]
    fn fused_and_partitioned_runs_agree() {
        let (plan, fused_ctx) = grouped_and_sorted(1 << 30);
        assert!(try_run(&plan, &fused_ctx).unwrap().is_some());
        let fused = execute(&plan, &fused_ctx).unwrap().to_frame().unwrap();
        let (plan, ctx) = grouped_and_sorted(0);
        let partitioned = execute(&plan, &ctx).unwrap().to_frame().unwrap();
        assert!(fused.equals(&partitioned), "{fused} != {partitioned}");
        assert_eq!(fused.height(), 9);
    }

    #[test]
    fn inputs_above_the_budget_are_left_to_the_partitioned_executor() {
        // 200 Int64 values: 1,600 decoded bytes.
        let (plan, ctx) = grouped_and_sorted(1_000);
        assert_eq!(input_bytes(&plan), Some(1_600));
        assert!(try_run(&plan, &ctx).unwrap().is_none());
    }
}
