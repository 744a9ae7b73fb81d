//! Serializable tasks: what one remote worker runs. A task is a plan
//! fragment over its input slots (run by the local executor on the worker's
//! own thread pool) and what to do with the rows it yields: keep them, or
//! split them into one output per destination of an exchange.

use std::sync::Arc;

use polars::prelude as pl;
use polars::prelude::{DataFrame, IntoLazy};
use serde::{Deserialize, Serialize};
use shardframe_core::{Partition, PartitionMeta, PartitionRef, SfError, SfResult};
use shardframe_plan::{group_keys, Agg, Expr, NamedExpr, Plan, Source, WirePlan};

use crate::{
    concat_frames,
    exchange::{hash_counts, route, skew_dest, split_copies, split_frame},
    execute, finals_of, partials_of, range_id_expr, run_narrow, Context, ExecConfig,
};

/// What a task does with the rows its plan yields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Post {
    /// One output: all rows.
    Store,
    /// `n` outputs: rows by a hash of the key expressions (equal keys, equal
    /// output; the same hash on both sides of a join).
    Hash { keys: Vec<Expr>, n: usize },
    /// `bounds + 1` outputs: rows by the range of `key` (see `range_id_expr`);
    /// `bounds` is a one-column Arrow IPC file.
    Ranges {
        key: Expr,
        bounds: Vec<u8>,
        descending: bool,
        nulls_last: bool,
    },
    /// One output: an evenly spaced sample of `key` (non-null), as `__sk0`.
    Sample { key: Expr, count: usize },
    /// One output: the partial aggregates of a decomposable reduction.
    PartialReduce { aggs: Vec<Agg> },
    /// `n` outputs: partial aggregates per group (decomposable aggregations
    /// only), split by a hash of the group keys (named `keys[i].name`).
    PartialGroupBy {
        keys: Vec<NamedExpr>,
        aggs: Vec<Agg>,
        dropna: bool,
        n: usize,
    },
    /// One output: groups of partial aggregates (from `PartialGroupBy`)
    /// combined into the final ones.
    FinalGroupBy { keys: Vec<String>, aggs: Vec<Agg> },
    /// One output: how many rows each key hash has (`__hash`, `__n`).
    HashCounts { keys: Vec<Expr> },
    /// `n` outputs of one side of a join with skewed keys (see
    /// `exchange::skew_dest`): rows whose key hash is in `spread` (a key
    /// with more than an output's share of this side's rows) go to every
    /// output in turn by their position in column `row`; rows whose hash is
    /// in `copied` (a key heavy on the other side) go to every output. Column
    /// `mark` is true on the copies.
    SkewHash {
        keys: Vec<Expr>,
        n: usize,
        spread: Vec<u64>,
        copied: Vec<u64>,
        row: String,
        mark: String,
    },
}

impl Post {
    /// How many outputs a task with this step has.
    pub fn outputs(&self) -> SfResult<usize> {
        Ok(match self {
            Post::Hash { n, .. } | Post::PartialGroupBy { n, .. } | Post::SkewHash { n, .. } => *n,
            Post::Ranges { bounds, .. } => bounds_frame(bounds)?.height() + 1,
            _ => 1,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    pub plan: WirePlan,
    pub post: Post,
    pub config: ExecConfig,
    /// Global position of the first row of the first slot (for row numbers).
    #[serde(default)]
    pub row_offset: usize,
}

/// A task with the metadata of its input partitions: everything a worker
/// needs besides the partitions' bytes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub task: Task,
    pub inputs: Vec<Vec<PartitionMeta>>,
}

/// Run a task on the partitions of its slots; one partition per output.
pub fn run_task(task: &Task, slots: &[Vec<PartitionRef>]) -> SfResult<Vec<Partition>> {
    let ctx = Context::new(task.config.clone()).with_row_offset(task.row_offset);
    let plan = task.plan.bind(slots)?;
    let df = rows_of(&plan, &ctx)?;
    let codec = task.config.codec;
    let one = |mut df: DataFrame| -> SfResult<Vec<Partition>> {
        Ok(vec![Partition::encode(&mut df, codec)?])
    };
    match &task.post {
        Post::Store => one(df),
        Post::Hash { keys, n } => split(df, hash_of(keys)? % pl::lit(*n as u64), *n, codec),
        Post::HashCounts { keys } => one(hash_counts(df, hash_of(keys)?)?),
        Post::SkewHash {
            keys,
            n,
            spread,
            copied,
            row,
            mark,
        } => {
            let hash = hash_of(keys)?;
            let dest = skew_dest(hash.clone(), spread, row, *n);
            let (copies, rest) = split_copies(df, hash, copied, mark)?;
            let mut outs = split_frames(rest, dest, *n)?;
            if copies.height() > 0 {
                for out in &mut outs {
                    out.vstack_mut(&copies)?;
                }
            }
            outs.into_iter()
                .map(|mut df| Partition::encode(&mut df, codec))
                .collect()
        }
        Post::Ranges {
            key,
            bounds,
            descending,
            nulls_last,
        } => {
            let bounds = bounds_frame(bounds)?;
            let values: Vec<pl::AnyValue<'static>> = bounds
                .columns()
                .first()
                .map(|c| {
                    (0..c.len())
                        .map(|i| Ok(c.get(i)?.into_static()))
                        .collect::<SfResult<Vec<_>>>()
                })
                .transpose()?
                .unwrap_or_default();
            let dest = range_id_expr(key.lower()?, &values, *descending, *nulls_last);
            split(df, dest, values.len() + 1, codec)
        }
        Post::Sample { key, count } => {
            let s = df
                .lazy()
                .select([key.lower()?.alias("__sk0")])
                .drop_nulls(None)
                .collect()?;
            let step = (s.height() / (*count).max(1)).max(1);
            let col = s
                .column("__sk0")?
                .as_materialized_series()
                .gather_every(step, 0)?;
            one(DataFrame::new(col.len(), vec![col.into()])?)
        }
        Post::PartialReduce { aggs } => one(df.lazy().select(partials_of(aggs)?).collect()?),
        Post::PartialGroupBy {
            keys,
            aggs,
            dropna,
            n,
        } => {
            let (lf, k) = group_keys(df.lazy(), keys, *dropna)?;
            let partial = lf.group_by(k).agg(partials_of(aggs)?).collect()?;
            let names: Vec<Expr> = keys.iter().map(|k| Expr::col(k.name.as_str())).collect();
            split(partial, hash_of(&names)? % pl::lit(*n as u64), *n, codec)
        }
        Post::FinalGroupBy { keys, aggs } => {
            let finals: Vec<pl::Expr> = finals_of(aggs);
            let keys: Vec<pl::Expr> = keys.iter().map(|k| pl::col(k.as_str())).collect();
            one(df.lazy().group_by(keys).agg(finals).collect()?)
        }
    }
}

/// The final step of a decomposable reduction over the partial rows of
/// every task.
pub(crate) fn finish_reduce(partials: DataFrame, aggs: &[Agg]) -> SfResult<DataFrame> {
    let finals: Vec<pl::Expr> = finals_of(aggs);
    Ok(partials.lazy().select(finals).collect()?)
}

/// Run a task sent as an [`Envelope`] (JSON) with its inputs' bytes, slot
/// by slot: the entry point of a remote worker. Returns each output as
/// (metadata JSON, IPC bytes).
pub fn run_remote(envelope: &[u8], data: Vec<Vec<Vec<u8>>>) -> SfResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let env: Envelope = serde_json::from_slice(envelope)
        .map_err(|e| SfError::Internal(format!("invalid task: {e}")))?;
    if env.inputs.len() != data.len() {
        shardframe_core::bail!(Internal: "task with {} slots got {}", env.inputs.len(), data.len());
    }
    let slots = env
        .inputs
        .into_iter()
        .zip(data)
        .map(|(metas, bytes)| {
            metas
                .into_iter()
                .zip(bytes)
                .map(|(m, b)| Ok(Arc::new(Partition::from_bytes(b, m)?)))
                .collect::<SfResult<Vec<_>>>()
        })
        .collect::<SfResult<Vec<_>>>()?;
    run_task(&env.task, &slots)?
        .into_iter()
        .map(|p| {
            let meta = serde_json::to_vec(&p.meta()?)
                .map_err(|e| SfError::Internal(format!("cannot encode metadata: {e}")))?;
            Ok((meta, p.to_bytes()?.into_owned()))
        })
        .collect()
}

/// All rows a plan yields, as one frame; a narrow chain runs fused without
/// storing its result.
fn rows_of(plan: &Arc<Plan>, ctx: &Context) -> SfResult<DataFrame> {
    let schema = plan.schema()?;
    if plan.is_narrow()
        || matches!(plan.as_ref(), Plan::Scan(s) if !matches!(s.as_ref(), Source::Memory { .. }))
    {
        return concat_frames(run_narrow(plan, ctx, None)?, &schema);
    }
    execute(plan, ctx)?.to_frame()
}

/// `n` partitions: the rows of `df` bound for each destination, in order.
fn split(
    df: DataFrame,
    dest: pl::Expr,
    n: usize,
    codec: shardframe_core::Codec,
) -> SfResult<Vec<Partition>> {
    split_frames(df, dest, n)?
        .into_iter()
        .map(|mut df| Partition::encode(&mut df, codec))
        .collect()
}

/// `n` frames: the rows of `df` bound for each destination, in order.
fn split_frames(df: DataFrame, dest: pl::Expr, n: usize) -> SfResult<Vec<DataFrame>> {
    let schema = df.schema().clone();
    Ok(route(vec![split_frame(df, &dest)?], n)?
        .into_iter()
        .map(|mut piece| {
            piece
                .pop()
                .unwrap_or_else(|| DataFrame::empty_with_schema(&schema))
        })
        .collect())
}

/// The hash that routes rows of an exchange by key (the same for any frame
/// whose keys hold the same values with the same types).
pub(crate) fn hash_of(keys: &[Expr]) -> SfResult<pl::Expr> {
    let cols = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Ok(k.lower()?.alias(format!("__h{i}"))))
        .collect::<SfResult<Vec<_>>>()?;
    Ok(pl::as_struct(cols).hash(0, 1, 2, 3))
}

/// Range boundaries as a one-column IPC file.
pub(crate) fn bounds_ipc(bounds: pl::Series) -> SfResult<Vec<u8>> {
    let mut df = DataFrame::new(bounds.len(), vec![bounds.into()])?;
    let part = Partition::encode(&mut df, shardframe_core::Codec::None)?;
    Ok(part.to_bytes()?.into_owned())
}

fn bounds_frame(bytes: &[u8]) -> SfResult<DataFrame> {
    use polars::prelude::SerReader;
    pl::IpcReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| SfError::CorruptData(format!("cannot decode range bounds: {e}")))
}
