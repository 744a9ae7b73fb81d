//! The staged executor: a plan as stages of serializable [`Task`]s run by a
//! [`Backend`] (a Ray cluster), with partitions held by the backend and
//! only handles and metadata on the driver.
//!
//! The stages mirror the local executor's: narrow chains fuse into one task
//! per partition or file; group-by, shuffle joins, window functions and
//! repartitioning are hash exchanges (a map task with one output per bucket,
//! then one task per bucket); large sorts are range exchanges cut at a
//! sample's quantiles; small join sides are broadcast. Every task runs the
//! local executor on its worker, so the semantics are the same code.

use std::sync::Arc;

use polars::prelude as pl;
use polars::prelude::{NamedFrom, SchemaRef};
use shardframe_core::{PartitionRef, SfError, SfResult};
use shardframe_plan::{prune, Expr, NamedExpr, Plan, SortSpec, Source, WirePlan};

use crate::task::{bounds_ipc, finish_reduce, Post, Task};
use crate::{
    cached, concat_frames, encode_all, range_bounds, remember, Context, Materialized, RANGE_ROWS,
    RANGE_SORT_ROWS,
};

/// One task to run: what it does, its input partitions slot by slot, and
/// how many partitions it returns.
pub struct Call {
    pub task: Task,
    pub slots: Vec<Vec<PartitionRef>>,
    pub outputs: usize,
}

/// Where tasks run. Returned partitions may live remotely (their bytes
/// fetched on demand); inputs may be local or remote.
pub trait Backend: Send + Sync {
    /// Run every call (in parallel, as the backend sees fit); the outputs
    /// of each call, in call order.
    fn run(&self, ctx: &Context, stage: &str, calls: Vec<Call>)
        -> SfResult<Vec<Vec<PartitionRef>>>;
    /// How many tasks can run at once (sizes the exchanges).
    fn parallelism(&self) -> usize;
}

/// Run `plan` on `backend`.
pub fn execute_staged(
    backend: &dyn Backend,
    plan: &Arc<Plan>,
    ctx: &Context,
) -> SfResult<Materialized> {
    let wide = matches!(
        plan.as_ref(),
        Plan::GroupBy { .. } | Plan::Join { .. } | Plan::Sort { .. }
    );
    if wide {
        if let Some(m) = cached(plan) {
            return Ok(m);
        }
    }
    let m = Materialized {
        parts: Staged { backend, ctx }.node(plan)?,
        schema: plan.schema()?,
    };
    if wide {
        remember(plan, &m, false);
    }
    Ok(m)
}

struct Staged<'a> {
    backend: &'a dyn Backend,
    ctx: &'a Context,
}

impl Staged<'_> {
    fn run(&self, stage: &str, calls: Vec<Call>) -> SfResult<Vec<Vec<PartitionRef>>> {
        self.ctx.check()?;
        self.ctx.set_stage(stage.to_string());
        let expected: Vec<usize> = calls.iter().map(|c| c.outputs).collect();
        let start = std::time::Instant::now();
        let outs = self.backend.run(self.ctx, stage, calls)?;
        if std::env::var_os("SHARDFRAME_TRACE").is_some() {
            // Profiling aid, as in the local executor.
            let rows: usize = outs.iter().flatten().map(|p| p.rows()).sum();
            eprintln!(
                "[shardframe] {:>8.1} ms {:>9} rows {:>4} tasks  stage {stage}",
                start.elapsed().as_secs_f64() * 1e3,
                rows,
                expected.len()
            );
        }
        if outs.len() != expected.len() || outs.iter().zip(&expected).any(|(o, n)| o.len() != *n) {
            shardframe_core::bail!(Internal: "backend returned the wrong number of outputs");
        }
        Ok(outs)
    }

    fn call(&self, plan: &Plan, post: Post, row_offset: usize) -> SfResult<Call> {
        let mut slots = Vec::new();
        let outputs = post.outputs()?;
        Ok(Call {
            task: Task {
                plan: WirePlan::from_plan(plan, &mut slots)?,
                post,
                config: self.ctx.config.clone(),
                row_offset,
            },
            slots,
            outputs,
        })
    }

    /// Tasks that each store their result: one partition per task.
    fn store(&self, stage: &str, plans: Vec<Plan>) -> SfResult<Vec<PartitionRef>> {
        self.store_units(stage, plans.into_iter().map(|p| (p, 0)).collect())
    }

    /// As `store`, for plans with the global position of their first row.
    fn store_units(&self, stage: &str, units: Vec<(Plan, usize)>) -> SfResult<Vec<PartitionRef>> {
        let calls = units
            .iter()
            .map(|(p, off)| self.call(p, Post::Store, *off))
            .collect::<SfResult<Vec<_>>>()?;
        Ok(self.run(stage, calls)?.into_iter().flatten().collect())
    }

    /// The partitions of `plan`'s result.
    fn node(&self, plan: &Arc<Plan>) -> SfResult<Vec<PartitionRef>> {
        let schema = plan.schema()?;
        match plan.as_ref() {
            Plan::Scan(src) => match src.as_ref() {
                Source::Memory { parts, .. } => Ok(parts.clone()),
                _ => self.store_units("scan", self.units(plan)?),
            },
            p if p.is_narrow() => self.store_units("scan", self.units(plan)?),
            Plan::Select { input, exprs } => {
                match Expr::window_keys(exprs.iter().map(|e| &e.expr)) {
                    Some(keys) => self.window(input, exprs, &keys, &schema),
                    None => self.gathered(plan, input),
                }
            }
            Plan::Filter { input, .. } => self.gathered(plan, input),
            Plan::RowIndex { input, name } => {
                let parts = self.materialize(input)?;
                let calls = offsets(&parts)
                    .into_iter()
                    .zip(&parts)
                    .map(|(off, p)| {
                        let plan = Plan::RowIndex {
                            input: Arc::new(Plan::memory(vec![p.clone()], input.schema()?)),
                            name: name.clone(),
                        };
                        self.call(&plan, Post::Store, off)
                    })
                    .collect::<SfResult<Vec<_>>>()?;
                Ok(self
                    .run("row index", calls)?
                    .into_iter()
                    .flatten()
                    .collect())
            }
            Plan::Slice { input, offset, len } => self.slice(input, *offset, *len),
            Plan::Sort { input, spec } => self.sort(input, spec),
            Plan::Reduce { input, aggs } => self.reduce(plan, input, aggs),
            Plan::Concat { inputs } => {
                let mut out = Vec::new();
                for input in inputs {
                    let in_schema = input.schema()?;
                    let parts = self.node(input)?;
                    if in_schema == schema {
                        out.extend(parts);
                        continue;
                    }
                    // Conform each partition: a concat with an empty input of
                    // the full schema (first, for the column order).
                    let plans = parts
                        .into_iter()
                        .map(|p| Plan::Concat {
                            inputs: vec![
                                Arc::new(Plan::memory(Vec::new(), schema.clone())),
                                Arc::new(Plan::memory(vec![p], in_schema.clone())),
                            ],
                        })
                        .collect();
                    out.extend(self.store("concat", plans)?);
                }
                Ok(out)
            }
            Plan::GroupBy {
                input,
                keys,
                aggs,
                dropna,
            } => {
                if aggs.iter().all(|a| a.func.is_decomposable()) {
                    return self.partial_group_by(input, keys, aggs, *dropna, &schema);
                }
                let key_exprs: Vec<Expr> = keys.iter().map(|k| k.expr.clone()).collect();
                let group = |input: Arc<Plan>| Plan::GroupBy {
                    input,
                    keys: keys.clone(),
                    aggs: aggs.clone(),
                    dropna: *dropna,
                };
                self.hash_stage("group by", input, &key_exprs, group)
            }
            Plan::Repartition { input, keys, .. } => {
                self.hash_stage("repartition", input, keys, |input| (*input).clone())
            }
            Plan::Join { left, right, spec } => self.join(left, right, spec, &schema),
        }
    }

    /// Partitions of `plan`, computed if needed.
    fn materialize(&self, plan: &Arc<Plan>) -> SfResult<Vec<PartitionRef>> {
        execute_staged(self.backend, plan, self.ctx).map(|m| m.parts)
    }

    /// One plan per unit of work of `plan`'s narrow chain: the chain over
    /// one partition or one file, with the global position of the unit's
    /// first row (row numbers fuse into the chain, as in the local
    /// executor). Never empty: no input at all gives one unit over no
    /// partitions.
    fn units(&self, plan: &Arc<Plan>) -> SfResult<Vec<(Plan, usize)>> {
        let mut chain = Vec::new();
        let mut node = plan;
        while node.is_narrow() {
            chain.push(node.as_ref());
            node = input_of(node)?;
        }
        if let Plan::RowIndex { input, .. } = node.as_ref() {
            // Row numbers over (selects over) stored partitions: each
            // partition's first row number is known from the row counts.
            chain.push(node.as_ref());
            let mut base = input;
            while base.is_narrow() && matches!(base.as_ref(), Plan::Select { .. }) {
                chain.push(base.as_ref());
                base = input_of(base)?;
            }
            let schema = base.schema()?;
            let parts = self.materialize(base)?;
            let units: Vec<(Plan, usize)> = offsets(&parts)
                .into_iter()
                .zip(&parts)
                .map(|(off, p)| (Plan::memory(vec![p.clone()], schema.clone()), off))
                .collect();
            return Ok(fold_chain(&chain, units, &schema));
        }
        let base_schema = node.schema()?;
        let bases: Vec<Plan> = match node.as_ref() {
            Plan::Scan(src) => match (src.per_file(), src.as_ref()) {
                (Some(files), _) => files.into_iter().map(|f| Plan::Scan(Arc::new(f))).collect(),
                (None, Source::Memory { parts, .. }) => self.pruned(parts, &chain, &base_schema),
                (None, _) => return Err(SfError::Internal("source without files".into())),
            },
            _ => self.pruned(&self.materialize(node)?, &chain, &base_schema),
        };
        let units = bases.into_iter().map(|b| (b, 0)).collect();
        Ok(fold_chain(&chain, units, &base_schema))
    }

    /// One memory source per partition that the chain's leading filters
    /// may match (by the partition statistics).
    fn pruned(&self, parts: &[PartitionRef], chain: &[&Plan], schema: &SchemaRef) -> Vec<Plan> {
        let filters: Vec<&Expr> = chain
            .iter()
            .rev()
            .map_while(|op| match op {
                Plan::Filter { predicate, .. } => Some(predicate),
                _ => None,
            })
            .collect();
        parts
            .iter()
            .filter(|p| filters.iter().all(|f| prune::may_match(p, f)))
            .map(|p| Plan::memory(vec![p.clone()], schema.clone()))
            .collect()
    }

    /// A node that needs all its input rows at once, in one task.
    fn gathered(&self, plan: &Arc<Plan>, input: &Arc<Plan>) -> SfResult<Vec<PartitionRef>> {
        let parts = self.materialize(input)?;
        let all = Arc::new(Plan::memory(parts, input.schema()?));
        let node = plan
            .with_input(all)
            .ok_or_else(|| SfError::Internal("gathered node without input".into()))?;
        self.store("gather", vec![node])
    }

    /// Map tasks that split each unit of `input` into `n` outputs; bucket
    /// `b` of the result holds every map task's output `b`, in unit order.
    fn exchange(
        &self,
        stage: &str,
        maps: Vec<(Plan, usize)>,
        post: &Post,
    ) -> SfResult<Vec<Vec<PartitionRef>>> {
        let n = post.outputs()?;
        let calls = maps
            .iter()
            .map(|(plan, off)| self.call(plan, post.clone(), *off))
            .collect::<SfResult<Vec<_>>>()?;
        Ok(transpose(self.run(stage, calls)?, n))
    }

    fn buckets(&self) -> usize {
        (self.backend.parallelism() * 2).max(1)
    }

    /// Hash exchange on `keys`, then `finish` over each bucket.
    fn hash_stage(
        &self,
        stage: &str,
        input: &Arc<Plan>,
        keys: &[Expr],
        finish: impl Fn(Arc<Plan>) -> Plan,
    ) -> SfResult<Vec<PartitionRef>> {
        let schema = input.schema()?;
        let units = self.units(input)?;
        if units.len() == 1 {
            let units = units
                .into_iter()
                .map(|(u, off)| (finish(Arc::new(u)), off))
                .collect();
            return self.store_units(stage, units);
        }
        let post = Post::Hash {
            keys: keys.to_vec(),
            n: self.buckets(),
        };
        let buckets = self.exchange(stage, units, &post)?;
        let plans: Vec<Plan> = nonempty(buckets)
            .into_iter()
            .map(|b| finish(Arc::new(Plan::memory(b, schema.clone()))))
            .collect();
        let plans = if plans.is_empty() {
            vec![finish(Arc::new(Plan::memory(Vec::new(), schema)))]
        } else {
            plans
        };
        self.store(stage, plans)
    }

    /// Group-by in two phases: partial aggregates per group in each map
    /// task, exchanged by key hash, combined per bucket.
    fn partial_group_by(
        &self,
        input: &Arc<Plan>,
        keys: &[NamedExpr],
        aggs: &[shardframe_plan::Agg],
        dropna: bool,
        schema: &SchemaRef,
    ) -> SfResult<Vec<PartitionRef>> {
        let post = Post::PartialGroupBy {
            keys: keys.to_vec(),
            aggs: aggs.to_vec(),
            dropna,
            n: self.buckets(),
        };
        let maps = self.units(input)?;
        let buckets = nonempty(self.exchange("group by", maps, &post)?);
        let finish = Post::FinalGroupBy {
            keys: keys.iter().map(|k| k.name.clone()).collect(),
            aggs: aggs.to_vec(),
        };
        let calls = buckets
            .into_iter()
            .map(|b| {
                let schema = b[0].schema().clone();
                self.call(&Plan::memory(b, schema), finish.clone(), 0)
            })
            .collect::<SfResult<Vec<_>>>()?;
        if calls.is_empty() {
            // No group at all: the empty result of the one-phase plan.
            let empty = Plan::GroupBy {
                input: Arc::new(Plan::memory(Vec::new(), input.schema()?)),
                keys: keys.to_vec(),
                aggs: aggs.to_vec(),
                dropna,
            };
            debug_assert_eq!(empty.schema()?, *schema);
            return self.store("group by", vec![empty]);
        }
        Ok(self.run("group by", calls)?.into_iter().flatten().collect())
    }

    fn slice(&self, input: &Arc<Plan>, offset: i64, len: usize) -> SfResult<Vec<PartitionRef>> {
        let parts = self.materialize(input)?;
        let total: usize = parts.iter().map(|p| p.rows()).sum();
        let start = if offset < 0 {
            total.saturating_sub(offset.unsigned_abs() as usize)
        } else {
            (offset as usize).min(total)
        };
        let end = start.saturating_add(len).min(total);
        // Only the partitions holding rows start..end take part.
        let mut picked = Vec::new();
        let mut first = None;
        for (off, p) in offsets(&parts).into_iter().zip(&parts) {
            if off + p.rows() > start && off < end {
                first.get_or_insert(off);
                picked.push(p.clone());
            }
        }
        let local = start - first.unwrap_or(start);
        let plan = Plan::Slice {
            input: Arc::new(Plan::memory(picked, input.schema()?)),
            offset: local as i64,
            len: end - start,
        };
        self.store("slice", vec![plan])
    }

    fn reduce(
        &self,
        plan: &Arc<Plan>,
        input: &Arc<Plan>,
        aggs: &[shardframe_plan::Agg],
    ) -> SfResult<Vec<PartitionRef>> {
        if !aggs.iter().all(|a| a.func.reduces_in_parts()) {
            return self.gathered(plan, input);
        }
        let post = Post::PartialReduce {
            aggs: aggs.to_vec(),
        };
        let calls = self
            .units(input)?
            .iter()
            .map(|(u, off)| self.call(u, post.clone(), *off))
            .collect::<SfResult<Vec<_>>>()?;
        let partials: Vec<PartitionRef> =
            self.run("reduce", calls)?.into_iter().flatten().collect();
        // Partial rows are one per task: finish on the driver.
        let frames = partials
            .iter()
            .map(|p| p.decode(None))
            .collect::<SfResult<Vec<_>>>()?;
        let schema = frames
            .first()
            .map(|f| f.schema().clone())
            .ok_or_else(|| SfError::Internal("reduction without partials".into()))?;
        let out = finish_reduce(concat_frames(frames, &schema)?, aggs)?;
        encode_all(vec![out], self.ctx)
    }

    fn sort(&self, input: &Arc<Plan>, spec: &SortSpec) -> SfResult<Vec<PartitionRef>> {
        let schema = input.schema()?;
        let parts = self.materialize(input)?;
        let rows: usize = parts.iter().map(|p| p.rows()).sum();
        let sort = |parts: Vec<PartitionRef>| Plan::Sort {
            input: Arc::new(Plan::memory(parts, schema.clone())),
            spec: spec.clone(),
        };
        let key = spec.by.first().cloned();
        let (Some(key), true) = (key, rows >= RANGE_SORT_ROWS && parts.len() >= 2) else {
            return self.store("sort", vec![sort(parts)]);
        };
        let n_ranges = rows.div_ceil(RANGE_ROWS).max(self.buckets());
        let descending = spec.descending.first().copied().unwrap_or(false);
        // Boundaries from a sample of every partition.
        let per_part = (n_ranges * 64).div_ceil(parts.len()).max(8);
        let maps: Vec<(Plan, usize)> = parts
            .iter()
            .map(|p| (Plan::memory(vec![p.clone()], schema.clone()), 0))
            .collect();
        let sample = Post::Sample {
            key: key.clone(),
            count: per_part,
        };
        let samples = self
            .exchange("sort sample", maps.clone(), &sample)?
            .into_iter()
            .flatten()
            .map(|p| p.decode(None))
            .collect::<SfResult<Vec<_>>>()?;
        let bounds = range_bounds(&samples, n_ranges, descending)?;
        if bounds.is_empty() {
            return self.store("sort", vec![sort(parts)]);
        }
        let bounds = pl::Series::from_any_values("__bound".into(), &bounds, true)?;
        let post = Post::Ranges {
            key,
            bounds: bounds_ipc(bounds)?,
            descending,
            nulls_last: spec.nulls_last,
        };
        let ranges = self.exchange("sort", maps, &post)?;
        self.store("sort", nonempty(ranges).into_iter().map(sort).collect())
    }

    /// Broadcast the small side of a join to every unit of the other, or
    /// exchange both by key hash; a shuffled result goes back to the
    /// partitions of the side whose order it keeps, in their row order.
    fn join(
        &self,
        left: &Arc<Plan>,
        right: &Arc<Plan>,
        spec: &shardframe_plan::JoinSpec,
        schema: &SchemaRef,
    ) -> SfResult<Vec<PartitionRef>> {
        let rparts = self.materialize(right)?;
        let rschema = right.schema()?;
        let right_bytes: usize = rparts.iter().map(|p| p.raw_bytes()).sum();
        let keeps_left_rows = matches!(spec.how.as_str(), "inner" | "left" | "semi" | "anti")
            && spec.maintain_order != "right_left";
        if spec.how == "cross"
            || (keeps_left_rows && right_bytes <= self.ctx.config.broadcast_bytes)
        {
            let right = Arc::new(Plan::memory(rparts, rschema));
            let units = self
                .units(left)?
                .into_iter()
                .map(|(u, off)| {
                    let join = Plan::Join {
                        left: Arc::new(u),
                        right: right.clone(),
                        spec: spec.clone(),
                    };
                    (join, off)
                })
                .collect();
            return self.store_units("join", units);
        }
        let by_right = spec.maintain_order == "right_left";
        let semi = matches!(spec.how.as_str(), "semi" | "anti");
        let runits: Vec<(Plan, usize)> = if rparts.is_empty() {
            vec![(Plan::memory(Vec::new(), rschema.clone()), 0)]
        } else {
            rparts
                .iter()
                .map(|p| (Plan::memory(vec![p.clone()], rschema.clone()), 0))
                .collect()
        };
        // Every row carries its unit and its position in it (the left
        // side's chain runs inside its map tasks): joined rows go back to
        // the units of the side whose order the result keeps, in the order
        // of that side and then of the other. Semi and anti joins read only
        // the right side's keys: each unit's distinct keys, so no right key
        // is heavy and no right row needs a place.
        // (Row numbers only order rows within their unit: a unit's row
        // offset shifts them all alike.)
        let tagged = |units: Vec<(Plan, usize)>, unit: &str, row: &str| {
            units
                .into_iter()
                .enumerate()
                .map(|(i, (u, off))| {
                    let numbered = Plan::RowIndex {
                        input: Arc::new(u),
                        name: row.into(),
                    };
                    let mut exprs: Vec<NamedExpr> = numbered
                        .schema()?
                        .iter_names()
                        .map(|c| NamedExpr {
                            name: c.to_string(),
                            expr: Expr::col(c.as_str()),
                        })
                        .collect();
                    exprs.push(NamedExpr {
                        name: unit.into(),
                        expr: Expr::Lit {
                            value: shardframe_core::Scalar::Int(i as i64),
                        },
                    });
                    let select = Plan::Select {
                        input: Arc::new(numbered),
                        exprs,
                    };
                    Ok((select, off))
                })
                .collect::<SfResult<Vec<_>>>()
        };
        let lmaps = tagged(self.units(left)?, "__stage_lu", "__stage_lr")?;
        let rmaps = match semi {
            false => tagged(runits, "__stage_ru", "__stage_rr")?,
            true => runits
                .into_iter()
                .map(|(u, off)| {
                    let keys = spec
                        .right_on
                        .iter()
                        .map(|k| NamedExpr {
                            name: k.clone(),
                            expr: Expr::col(k.clone()),
                        })
                        .collect();
                    let distinct = Plan::GroupBy {
                        input: Arc::new(u),
                        keys,
                        aggs: Vec::new(),
                        dropna: false,
                    };
                    (distinct, off)
                })
                .collect(),
        };
        let (homes, unit_tag, order) = match by_right {
            false => (
                lmaps.len(),
                "__stage_lu",
                ["__stage_lr", "__stage_ru", "__stage_rr"],
            ),
            true => (
                rmaps.len(),
                "__stage_ru",
                ["__stage_rr", "__stage_lu", "__stage_lr"],
            ),
        };
        let n = self.buckets();
        let keys = |names: &[String]| names.iter().map(|c| Expr::col(c.clone())).collect();
        let (lkeys, rkeys): (Vec<Expr>, Vec<Expr>) = (keys(&spec.left_on), keys(&spec.right_on));
        // Skew, as in the local join: a key holding more than a bucket's
        // share of one side's rows would make one task hold them all. That
        // side's rows of it are spread over every bucket by position and the
        // other side's copied to every bucket (marked), so each pair meets
        // once; a copy that meets no row is dropped (the key has rows on the
        // other side, so none of its rows is unmatched overall). A key heavy
        // on both sides is spread where it has more rows.
        let (heavy_left, heavy_right) = match n > 1 {
            true => {
                let l = self.heavy_keys(&lmaps, lkeys.clone(), n)?;
                let r = match semi {
                    true => Vec::new(),
                    false => self.heavy_keys(&rmaps, rkeys.clone(), n)?,
                };
                crate::exchange::spread_sides(&l, &r)
            }
            false => (Vec::new(), Vec::new()),
        };
        let skewed = !(heavy_left.is_empty() && heavy_right.is_empty());
        let post = |keys, spread: &[u64], copied: &[u64], row: &str, mark: &str| match skewed {
            false => Post::Hash { keys, n },
            true => Post::SkewHash {
                keys,
                n,
                spread: spread.to_vec(),
                copied: copied.to_vec(),
                row: row.into(),
                mark: mark.into(),
            },
        };
        let lpost = post(lkeys, &heavy_left, &heavy_right, "__stage_lr", "__stage_lh");
        let rpost = post(rkeys, &heavy_right, &heavy_left, "__stage_rr", "__stage_rh");
        let nl = lmaps.len();
        let mut calls = Vec::new();
        for (plan, off) in lmaps.iter() {
            calls.push(self.call(plan, lpost.clone(), *off)?);
        }
        for (plan, off) in rmaps.iter() {
            calls.push(self.call(plan, rpost.clone(), *off)?);
        }
        let mut outs = self.run("join exchange", calls)?;
        let rbuckets = transpose(outs.split_off(nl), n);
        let lbuckets = transpose(outs, n);
        let marked = |plan: &Plan, mark: &str| -> SfResult<SchemaRef> {
            let mut schema = plan.schema()?.as_ref().clone();
            if skewed {
                schema.with_column(mark.into(), pl::DataType::Boolean);
            }
            Ok(Arc::new(schema))
        };
        let lsch = marked(&lmaps[0].0, "__stage_lh")?;
        let rsch = marked(&rmaps[0].0, "__stage_rh")?;
        // Copies that met no row: those of one side without a row of the
        // other, in a join that keeps the other side's unmatched rows.
        let unmet = |mark: &str, other_row: &str| {
            let no = Expr::Lit {
                value: shardframe_core::Scalar::Bool(false),
            };
            let copy = Expr::call("fill_null", vec![Expr::col(mark), no]);
            let alone = Expr::call("is_null", vec![Expr::col(other_row)]);
            Expr::call(
                "not",
                vec![Expr::Binary {
                    kind: shardframe_plan::BinOp::And,
                    left: Box::new(copy),
                    right: Box::new(alone),
                }],
            )
        };
        let mut drops = Vec::new();
        if skewed && matches!(spec.how.as_str(), "right" | "full" | "outer") {
            drops.push(unmet("__stage_rh", "__stage_lr"));
        }
        if skewed && matches!(spec.how.as_str(), "left" | "full" | "outer") {
            drops.push(unmet("__stage_lh", "__stage_rr"));
        }
        // Bucket joins, each routing its rows home by unit.
        let bounds: Vec<i64> = (1..homes as i64).collect();
        let back = Post::Ranges {
            key: Expr::col(unit_tag),
            bounds: bounds_ipc(pl::Series::new("__bound".into(), bounds))?,
            descending: false,
            nulls_last: true,
        };
        let mut calls = Vec::new();
        for (lb, rb) in lbuckets.into_iter().zip(rbuckets) {
            let l = nonempty_parts(lb);
            let r = nonempty_parts(rb);
            if l.is_empty() && r.is_empty() {
                continue;
            }
            let mut plan = Plan::Join {
                left: Arc::new(Plan::memory(l, lsch.clone())),
                right: Arc::new(Plan::memory(r, rsch.clone())),
                spec: spec.clone(),
            };
            for predicate in &drops {
                plan = Plan::Filter {
                    input: Arc::new(plan),
                    predicate: predicate.clone(),
                };
            }
            calls.push(self.call(&plan, back.clone(), 0)?);
        }
        if calls.is_empty() {
            let plan = Plan::Join {
                left: Arc::new(Plan::memory(Vec::new(), lsch)),
                right: Arc::new(Plan::memory(Vec::new(), rsch)),
                spec: spec.clone(),
            };
            return self.store("join", vec![untag(plan, schema)?]);
        }
        let joined_schema = bucket_join_schema(&calls)?;
        let by: Vec<Expr> = order
            .iter()
            .filter(|c| joined_schema.contains(c))
            .map(|c| Expr::col(*c))
            .collect();
        let home = transpose(self.run("join", calls)?, homes + 1);
        let plans = nonempty(home)
            .into_iter()
            .map(|parts| {
                let sorted = Plan::Sort {
                    input: Arc::new(Plan::memory(parts, joined_schema.clone())),
                    spec: SortSpec {
                        descending: vec![false; by.len()],
                        by: by.clone(),
                        nulls_last: true,
                        stable: true,
                    },
                };
                untag(sorted, schema)
            })
            .collect::<SfResult<Vec<_>>>()?;
        self.store("join order", plans)
    }

    /// Hashes of the key values of `maps`' rows holding more than an
    /// `n`th of them, with their row counts.
    fn heavy_keys(
        &self,
        maps: &[(Plan, usize)],
        keys: Vec<Expr>,
        n: usize,
    ) -> SfResult<Vec<(u64, u64)>> {
        let post = Post::HashCounts { keys };
        let calls = maps
            .iter()
            .map(|(plan, off)| self.call(plan, post.clone(), *off))
            .collect::<SfResult<Vec<_>>>()?;
        let counts = self
            .run("join skew", calls)?
            .into_iter()
            .flatten()
            .map(|p| p.decode(None))
            .collect::<SfResult<Vec<_>>>()?;
        crate::exchange::heavy_of(counts, n)
    }

    /// A select of window functions within groups: rows numbered, exchanged
    /// by key hash (a group never spans buckets), evaluated per bucket, then
    /// routed back to their partitions and put back in order.
    fn window(
        &self,
        input: &Arc<Plan>,
        exprs: &[NamedExpr],
        keys: &[Expr],
        schema: &SchemaRef,
    ) -> SfResult<Vec<PartitionRef>> {
        let parts = self.materialize(input)?;
        let in_schema = input.schema()?;
        let offs = offsets(&parts);
        let maps: Vec<(Plan, usize)> = offs
            .iter()
            .zip(&parts)
            .map(|(off, p)| {
                (
                    Plan::RowIndex {
                        input: Arc::new(Plan::memory(vec![p.clone()], in_schema.clone())),
                        name: "__stage_r".into(),
                    },
                    *off,
                )
            })
            .collect();
        let first = match maps.first() {
            Some((first, _)) if parts.iter().any(|p| p.rows() > 0) => first,
            _ => {
                let plan = Plan::Select {
                    input: Arc::new(Plan::memory(Vec::new(), in_schema)),
                    exprs: exprs.to_vec(),
                };
                return self.store("window", vec![plan]);
            }
        };
        let tagged_schema = first.schema()?;
        let post = Post::Hash {
            keys: keys.to_vec(),
            n: self.buckets(),
        };
        let buckets = self.exchange("window exchange", maps, &post)?;
        let mut with_row = exprs.to_vec();
        with_row.push(NamedExpr {
            name: "__stage_r".into(),
            expr: Expr::col("__stage_r"),
        });
        let bounds: Vec<i64> = offs.iter().skip(1).map(|o| *o as i64).collect();
        let back = Post::Ranges {
            key: Expr::col("__stage_r"),
            bounds: bounds_ipc(pl::Series::new("__bound".into(), bounds))?,
            descending: false,
            nulls_last: true,
        };
        let mut calls = Vec::new();
        let mut computed_schema = None;
        for b in nonempty(buckets) {
            let plan = Plan::Select {
                input: Arc::new(Plan::memory(b, tagged_schema.clone())),
                exprs: with_row.clone(),
            };
            computed_schema.get_or_insert(plan.schema()?);
            calls.push(self.call(&plan, back.clone(), 0)?);
        }
        let Some(computed_schema) = computed_schema else {
            return Err(SfError::Internal("window exchange lost every row".into()));
        };
        let home = transpose(self.run("window", calls)?, parts.len());
        let plans = nonempty(home)
            .into_iter()
            .map(|parts| {
                let sorted = Plan::Sort {
                    input: Arc::new(Plan::memory(parts, computed_schema.clone())),
                    spec: SortSpec {
                        by: vec![Expr::col("__stage_r")],
                        descending: vec![false],
                        nulls_last: true,
                        stable: true,
                    },
                };
                untag(sorted, schema)
            })
            .collect::<SfResult<Vec<_>>>()?;
        self.store("window", plans)
    }
}

fn input_of(node: &Arc<Plan>) -> SfResult<&Arc<Plan>> {
    node.input()
        .ok_or_else(|| SfError::Internal("narrow node without input".into()))
}

/// `chain` (top first) over each base unit; one unit over no partitions
/// when there is none.
fn fold_chain(
    chain: &[&Plan],
    units: Vec<(Plan, usize)>,
    schema: &SchemaRef,
) -> Vec<(Plan, usize)> {
    let units = if units.is_empty() {
        vec![(Plan::memory(Vec::new(), schema.clone()), 0)]
    } else {
        units
    };
    units
        .into_iter()
        .map(|(base, off)| {
            let plan = chain.iter().rev().fold(base, |input, op| {
                op.with_input(Arc::new(input))
                    .unwrap_or_else(|| (*op).clone())
            });
            (plan, off)
        })
        .collect()
}

/// The schema of a bucket join's output (every call has the same plan shape).
fn bucket_join_schema(calls: &[Call]) -> SfResult<SchemaRef> {
    let call = calls
        .first()
        .ok_or_else(|| SfError::Internal("no join task".into()))?;
    call.task.plan.bind(&call.slots)?.schema()
}

/// `plan` without its helper columns: exactly the columns of `schema`.
fn untag(plan: Plan, schema: &SchemaRef) -> SfResult<Plan> {
    Ok(Plan::Select {
        input: Arc::new(plan),
        exprs: schema
            .iter_names()
            .map(|n| NamedExpr {
                name: n.to_string(),
                expr: Expr::col(n.to_string()),
            })
            .collect(),
    })
}

/// Global position of each partition's first row.
fn offsets(parts: &[PartitionRef]) -> Vec<usize> {
    let mut off = 0;
    parts
        .iter()
        .map(|p| {
            let o = off;
            off += p.rows();
            o
        })
        .collect()
}

/// Output `b` of every call, for each `b` in `0..n`.
fn transpose(outs: Vec<Vec<PartitionRef>>, n: usize) -> Vec<Vec<PartitionRef>> {
    let mut buckets: Vec<Vec<PartitionRef>> = (0..n).map(|_| Vec::new()).collect();
    for out in outs {
        for (b, p) in out.into_iter().enumerate() {
            if let Some(bucket) = buckets.get_mut(b) {
                bucket.push(p);
            }
        }
    }
    buckets
}

fn nonempty_parts(parts: Vec<PartitionRef>) -> Vec<PartitionRef> {
    parts.into_iter().filter(|p| p.rows() > 0).collect()
}

/// Buckets that hold at least one row (without their empty pieces).
fn nonempty(buckets: Vec<Vec<PartitionRef>>) -> Vec<Vec<PartitionRef>> {
    buckets
        .into_iter()
        .map(nonempty_parts)
        .filter(|b| !b.is_empty())
        .collect()
}

/// The in-process backend: tasks on the local pool, either directly on
/// the partitions or (`wire`) through the same serialized form a remote
/// worker gets.
pub struct InProcess {
    pub threads: usize,
    pub wire: bool,
}

impl Backend for InProcess {
    fn run(
        &self,
        ctx: &Context,
        _stage: &str,
        calls: Vec<Call>,
    ) -> SfResult<Vec<Vec<PartitionRef>>> {
        crate::run_tasks(ctx, calls.len(), |i| {
            let call = &calls[i];
            if !self.wire {
                return Ok(crate::task::run_task(&call.task, &call.slots)?
                    .into_iter()
                    .map(Arc::new)
                    .collect());
            }
            let envelope = crate::task::Envelope {
                task: call.task.clone(),
                inputs: call
                    .slots
                    .iter()
                    .map(|s| s.iter().map(|p| p.meta()).collect::<SfResult<Vec<_>>>())
                    .collect::<SfResult<Vec<_>>>()?,
            };
            let json = serde_json::to_vec(&envelope)
                .map_err(|e| SfError::Internal(format!("cannot encode task: {e}")))?;
            let data = call
                .slots
                .iter()
                .map(|s| {
                    s.iter()
                        .map(|p| Ok(p.to_bytes()?.into_owned()))
                        .collect::<SfResult<Vec<_>>>()
                })
                .collect::<SfResult<Vec<_>>>()?;
            crate::task::run_remote(&json, data)?
                .into_iter()
                .map(|(meta, bytes)| {
                    let meta = serde_json::from_slice(&meta)
                        .map_err(|e| SfError::Internal(format!("bad metadata: {e}")))?;
                    Ok(Arc::new(shardframe_core::Partition::from_bytes(
                        bytes, meta,
                    )?))
                })
                .collect()
        })
    }

    fn parallelism(&self) -> usize {
        self.threads
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{execute, partition_frame, ExecConfig};
    use polars::df;
    use polars::prelude::{DataFrame, IntoLazy, SortMultipleOptions};
    use shardframe_plan::{Agg, AggFunc, JoinSpec};

    fn scan(df: DataFrame, per_part: usize) -> Arc<Plan> {
        let ctx = Context::new(ExecConfig {
            max_partition_rows: per_part,
            ..Default::default()
        });
        let m = partition_frame(df, &ctx).unwrap();
        Arc::new(Plan::memory(m.parts, m.schema))
    }

    fn sorted(df: DataFrame) -> DataFrame {
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        df.sort(names, SortMultipleOptions::default()).unwrap()
    }

    /// The staged executor (through the tasks' wire form) gives the local
    /// executor's rows; `ordered` when the plan defines the order.
    fn same(plan: Plan, ordered: bool) {
        let plan = Arc::new(plan);
        let ctx = Context::new(ExecConfig {
            broadcast_bytes: 0,
            ..Default::default()
        });
        let local = execute(&plan, &ctx).unwrap().to_frame().unwrap();
        let staged = execute_staged(
            &InProcess {
                threads: 3,
                wire: true,
            },
            &plan,
            &ctx,
        )
        .unwrap()
        .to_frame()
        .unwrap();
        if ordered {
            assert!(local.equals_missing(&staged), "{local}\n{staged}");
        } else {
            assert!(sorted(local).equals_missing(&sorted(staged)));
        }
    }

    fn data(n: i64) -> DataFrame {
        df!(
            "k" => (0..n).map(|i| (i * 7919) % 13).collect::<Vec<_>>(),
            "v" => (0..n).map(|i| (i % 101) as f64).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn group_by_over_a_hash_exchange() {
        for per_part in [1, 7, 1000] {
            let agg = |name: &str, func| Agg::of(name, func, Expr::col("v"));
            // Decomposable (partial aggregates exchanged) and not (rows exchanged).
            let decomposable = vec![
                agg("s", AggFunc::Sum),
                agg("m", AggFunc::Mean),
                agg("d", AggFunc::Std),
            ];
            let gathered = vec![agg("s", AggFunc::Sum), agg("m", AggFunc::Median)];
            for aggs in [decomposable, gathered] {
                same(
                    Plan::GroupBy {
                        input: scan(data(200), per_part),
                        keys: vec![NamedExpr {
                            name: "k".into(),
                            expr: Expr::col("k"),
                        }],
                        aggs,
                        dropna: true,
                    },
                    false,
                );
            }
        }
    }

    #[test]
    fn shuffle_joins_keep_the_left_order() {
        let right = df!("k" => [1i64, 3, 3, 20], "r" => ["a", "b", "c", "d"]).unwrap();
        let cases = [
            ("inner", "left_right", true),
            ("left", "left_right", true),
            ("semi", "left_right", true),
            ("anti", "left_right", true),
            ("right", "right_left", true),
            ("full", "left_right", false),
        ];
        for (how, order, ordered) in cases {
            for per_part in [1, 9, 1000] {
                same(
                    Plan::Join {
                        left: scan(data(60), per_part),
                        right: scan(right.clone(), 2),
                        spec: JoinSpec {
                            coalesce: how != "full",
                            maintain_order: order.into(),
                            ..JoinSpec::on(how, "k", "k")
                        },
                    },
                    ordered,
                );
            }
        }
    }

    /// `InProcess`, noting the most input rows a task of the "join" stage had.
    struct Watch {
        inner: InProcess,
        most: std::sync::atomic::AtomicUsize,
    }

    impl Backend for Watch {
        fn run(
            &self,
            ctx: &Context,
            stage: &str,
            calls: Vec<Call>,
        ) -> SfResult<Vec<Vec<PartitionRef>>> {
            if stage == "join" {
                for c in &calls {
                    let rows = c.slots.iter().flatten().map(|p| p.rows()).sum();
                    self.most
                        .fetch_max(rows, std::sync::atomic::Ordering::Relaxed);
                }
            }
            self.inner.run(ctx, stage, calls)
        }

        fn parallelism(&self) -> usize {
            self.inner.parallelism()
        }
    }

    /// `plan` (a join) on Polars at once, and staged: both results and the
    /// most rows any staged join task read.
    fn join_at_once_and_staged(
        plan: &Arc<Plan>,
        left: &DataFrame,
        right: &DataFrame,
    ) -> (DataFrame, DataFrame, usize) {
        let ctx = Context::new(ExecConfig {
            broadcast_bytes: 0,
            ..Default::default()
        });
        let Plan::Join { spec, .. } = plan.as_ref() else {
            unreachable!()
        };
        let whole = spec
            .apply(left.clone().lazy(), right.clone().lazy())
            .unwrap()
            .collect()
            .unwrap();
        let watch = Watch {
            inner: InProcess {
                threads: 3,
                wire: true,
            },
            most: Default::default(),
        };
        let staged = execute_staged(&watch, plan, &ctx)
            .unwrap()
            .to_frame()
            .unwrap();
        let most = watch.most.load(std::sync::atomic::Ordering::Relaxed);
        (whole, staged, most)
    }

    /// 2,400 of 3,000 rows with key 7.
    fn hot_key_rows() -> DataFrame {
        df!(
            "k" => (0..3000i64).map(|i| if i % 5 == 0 { i } else { 7 }).collect::<Vec<_>>(),
            "a" => (0..3000i64).collect::<Vec<_>>()
        )
        .unwrap()
    }

    #[test]
    fn a_hot_key_on_either_side_is_spread_over_join_buckets() {
        let hot = hot_key_rows();
        let few =
            df!("k" => [7i64, 10, 7, 15, 20, 3], "b" => ["x", "a", "y", "b", "c", "d"]).unwrap();
        let hows = ["inner", "left", "right", "full", "semi", "anti"];
        for ((left, lpart), (right, rpart)) in [((&hot, 250), (&few, 2)), ((&few, 2), (&hot, 250))]
        {
            for how in hows {
                for order in ["left_right", "right_left"] {
                    if order == "right_left" && matches!(how, "semi" | "anti") {
                        continue;
                    }
                    let plan = Arc::new(Plan::Join {
                        left: scan(left.clone(), lpart),
                        right: scan(right.clone(), rpart),
                        spec: JoinSpec {
                            coalesce: true,
                            maintain_order: order.into(),
                            ..JoinSpec::on(how, "k", "k")
                        },
                    });
                    let (whole, staged, most) = join_at_once_and_staged(&plan, left, right);
                    let ctx = Context::new(ExecConfig {
                        broadcast_bytes: 0,
                        ..Default::default()
                    });
                    let local = execute(&plan, &ctx).unwrap().to_frame().unwrap();
                    let case = format!("{how} {order}, hot side {}", left.height());
                    assert!(local.equals_missing(&staged), "{case}: {local}\n{staged}");
                    assert!(
                        sorted(whole).equals_missing(&sorted(staged)),
                        "{case}: rows differ from Polars'"
                    );
                    assert!(most < 1500, "{case}: a join task read {most} rows");
                }
            }
        }
    }

    #[test]
    fn range_partitioned_sort_is_stable() {
        let n = RANGE_SORT_ROWS as i64 + 10_000;
        same(
            Plan::Sort {
                input: scan(data(n), 300_000),
                spec: SortSpec {
                    by: vec![Expr::col("k")],
                    descending: vec![true],
                    nulls_last: true,
                    stable: true,
                },
            },
            true,
        );
    }
}
