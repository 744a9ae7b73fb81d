//! Exchanges between partitions: every input frame's rows are split by a
//! destination (a hash bucket, a sort range, a home partition) inside the
//! task that produced the frame, and each piece is compressed there (as the
//! store compresses, at zstd's fastest level), so an exchange holds its data
//! compressed between the two sides and no task holds more than its own
//! input decoded; while the pieces of all exchanges in flight are small
//! (64 MB), they stay decoded (compressing them cost more than it saved).
//! The reduce side decodes one destination's pieces at a time.

use std::sync::Mutex;

use polars::prelude as pl;
use polars::prelude::{DataFrame, DataType, IdxCa, IdxSize, IntoLazy, NamedFrom};
use shardframe_core::{Codec, Partition, PartitionRef, SfError, SfResult};

use crate::{concat_frames, run_tasks, Context};

/// The pieces bound for one destination, in input order.
pub(crate) type Bucket = Vec<PartitionRef>;

/// The codec of exchange pieces: the store's, at zstd's fastest level.
/// zstd holds a large exchange in less memory than LZ4 (a 10M-row
/// group-by's: 20% smaller, its peak 0.57 -> 0.55 GiB), for about 0.1 s
/// more of its 2 s; small exchanges are not compressed at all.
pub(crate) fn piece_codec(ctx: &Context) -> Codec {
    match ctx.config.codec {
        Codec::Zstd(_) => Codec::Zstd(1),
        c => c,
    }
}

/// The map side for one frame: its rows by destination (`dest`, in `0..n`),
/// in their order, each piece compressed unless exchanges in flight are
/// small ([`Partition::piece`]) as soon as it is cut, so a task holds one
/// decoded piece besides its frame. The frame is dropped once split.
pub(crate) fn scatter(
    df: DataFrame,
    dest: &pl::Expr,
    ctx: &Context,
) -> SfResult<Vec<(usize, PartitionRef)>> {
    let codec = piece_codec(ctx);
    for_each_piece(df, dest, |piece| {
        Ok(std::sync::Arc::new(Partition::piece(piece, codec)?))
    })
}

/// Send every row of every frame to the destination (`0..n`) that `dest`
/// gives it. Destination `d` of the result holds, in frame order, the rows
/// of each frame bound for `d` in their original order (so sorts stay
/// stable and first/last stay first/last).
pub(crate) fn exchange(
    frames: Vec<DataFrame>,
    dest: pl::Expr,
    n: usize,
    ctx: &Context,
) -> SfResult<Vec<Bucket>> {
    // Each task takes its frame and drops it once split.
    let frames = take_each(frames);
    let split = run_tasks(ctx, frames.len(), |i| {
        scatter(take(&frames[i])?, &dest, ctx)
    })?;
    route(split, n)
}

/// The destination of a row in `0..n` by a hash of the key expressions.
pub(crate) fn hash_dest(keys: &[pl::Expr], n: usize) -> pl::Expr {
    pl::as_struct(keys.to_vec()).hash(0, 1, 2, 3) % pl::lit(n as u64)
}

/// A frame's rows by destination (`dest`, in `0..n`), in their order.
pub(crate) fn split_frame(df: DataFrame, dest: &pl::Expr) -> SfResult<Vec<(usize, DataFrame)>> {
    for_each_piece(df, dest, Ok)
}

/// `f` of the rows bound for each destination (`dest`, a row's number in
/// `0..n`), in their order, destination by destination: the rows are
/// ordered by destination with a counting sort, and each piece is cut from
/// the frame only when `f` takes it. A frame bound for one destination is
/// passed whole.
fn for_each_piece<T>(
    df: DataFrame,
    dest: &pl::Expr,
    mut f: impl FnMut(DataFrame) -> SfResult<T>,
) -> SfResult<Vec<(usize, T)>> {
    let dests = df
        .clone()
        .lazy()
        .select([dest.clone().cast(DataType::UInt32).alias("__dest")])
        .collect()?;
    let dests = dests.column("__dest")?.u32()?;
    if dests.null_count() > 0 {
        return Err(SfError::Internal("missing destination".into()));
    }
    let mut counts: Vec<usize> = Vec::new();
    for d in dests.into_no_null_iter() {
        let d = d as usize;
        if d >= counts.len() {
            counts.resize(d + 1, 0);
        }
        counts[d] += 1;
    }
    let used: Vec<usize> = (0..counts.len()).filter(|&d| counts[d] > 0).collect();
    if let [only] = used.as_slice() {
        return Ok(vec![(*only, f(df)?)]);
    }
    let mut next = Vec::with_capacity(counts.len());
    let mut total = 0;
    for c in &counts {
        next.push(total);
        total += c;
    }
    let starts = next.clone();
    let mut order: Vec<IdxSize> = vec![0; df.height()];
    for (row, d) in dests.into_no_null_iter().enumerate() {
        let at = &mut next[d as usize];
        order[*at] = row as IdxSize;
        *at += 1;
    }
    let order = IdxCa::from_vec("".into(), order);
    used.into_iter()
        .map(|d| {
            let rows = order.slice(starts[d] as i64, counts[d]);
            Ok((d, f(df.take(&rows)?)?))
        })
        .collect()
}

/// Pieces from `split_frame`/`scatter` of each frame, grouped by
/// destination in frame order.
pub(crate) fn route<T>(split: Vec<Vec<(usize, T)>>, n: usize) -> SfResult<Vec<Vec<T>>> {
    let mut dests: Vec<Vec<T>> = (0..n).map(|_| Vec::new()).collect();
    for (d, piece) in split.into_iter().flatten() {
        dests
            .get_mut(d)
            .ok_or_else(|| SfError::Internal(format!("destination {d} of {n}")))?
            .push(piece);
    }
    Ok(dests)
}

/// Items that parallel tasks take ownership of, one each.
pub(crate) fn take_each<T>(items: Vec<T>) -> Vec<Mutex<Option<T>>> {
    items.into_iter().map(|x| Mutex::new(Some(x))).collect()
}

pub(crate) fn take<T>(slot: &Mutex<Option<T>>) -> SfResult<T> {
    slot.lock()
        .ok()
        .and_then(|mut s| s.take())
        .ok_or_else(|| SfError::Internal("task input taken twice".into()))
}

/// The pieces a task takes from `slot`, decoded as one frame (`None`: no
/// pieces). Each piece is dropped once decoded.
pub(crate) fn take_bucket(slot: &Mutex<Option<Bucket>>) -> SfResult<Option<DataFrame>> {
    let pieces = take(slot)?;
    let Some(first) = pieces.first() else {
        return Ok(None);
    };
    let schema = first.schema().clone();
    let frames = pieces
        .into_iter()
        .map(|p| p.decode(None))
        .collect::<SfResult<Vec<_>>>()?;
    concat_frames(frames, &schema).map(Some)
}

/// Rows per key hash (`__hash`, `__n`) of one frame: the counts that
/// `heavy_of` combines.
pub(crate) fn hash_counts(df: DataFrame, hash: pl::Expr) -> SfResult<DataFrame> {
    Ok(df
        .lazy()
        .select([hash.alias("__hash")])
        .group_by([pl::col("__hash")])
        .agg([pl::len().cast(DataType::UInt64).alias("__n")])
        .collect()?)
}

/// The key hashes holding more than an `n`th of all rows, with their row
/// counts, from the `hash_counts` of every frame (a key that would make one
/// of `n` buckets oversized).
pub(crate) fn heavy_of(counts: Vec<DataFrame>, n: usize) -> SfResult<Vec<(u64, u64)>> {
    let Some(first) = counts.first() else {
        return Ok(Vec::new());
    };
    let schema = first.schema().clone();
    let all = concat_frames(counts, &schema)?;
    let rows: u64 = all.column("__n")?.u64()?.into_no_null_iter().sum();
    let heavy = all
        .lazy()
        .group_by([pl::col("__hash")])
        .agg([pl::col("__n").sum()])
        .filter(pl::col("__n").gt(pl::lit((rows / n.max(1) as u64).max(1))))
        .collect()?;
    let hashes = heavy.column("__hash")?.u64()?.into_no_null_iter();
    let counts = heavy.column("__n")?.u64()?.into_no_null_iter();
    Ok(hashes.zip(counts).collect())
}

/// The keys to spread on each side of a join, from each side's heavy keys
/// (`heavy_of`): a key heavy on both sides is spread on the side where it
/// has more rows (the left on a tie) and copied from the other.
pub(crate) fn spread_sides(left: &[(u64, u64)], right: &[(u64, u64)]) -> (Vec<u64>, Vec<u64>) {
    let rows_in = |side: &[(u64, u64)], h: u64| side.iter().find(|(k, _)| *k == h).map(|(_, n)| *n);
    let l = left
        .iter()
        .filter(|(h, n)| rows_in(right, *h).is_none_or(|r| *n >= r))
        .map(|(h, _)| *h)
        .collect();
    let r = right
        .iter()
        .filter(|(h, n)| rows_in(left, *h).is_none_or(|l| *n > l))
        .map(|(h, _)| *h)
        .collect();
    (l, r)
}

/// Key hashes as a list literal for `is_in`.
pub(crate) fn hash_list(hashes: &[u64]) -> pl::Expr {
    pl::lit(pl::Series::new("__heavy".into(), hashes.to_vec())).implode(false)
}

/// Where a row of a skewed join side goes: rows whose key `hash` is in
/// `spread` (heavy on this side) to every one of the `n` buckets in turn by
/// their position in column `row`; the others by hash.
pub(crate) fn skew_dest(hash: pl::Expr, spread: &[u64], row: &str, n: usize) -> pl::Expr {
    let bucket = hash.clone() % pl::lit(n as u64);
    match spread.is_empty() {
        true => bucket,
        false => pl::when(hash.is_in(hash_list(spread), false))
            .then(pl::col(row).cast(DataType::UInt64) % pl::lit(n as u64))
            .otherwise(bucket),
    }
}

/// The rows of one side of a skewed join whose key `hash` is in `copied`
/// (heavy on the other side: they go to every bucket) and the rest, each
/// with column `mark` telling which.
pub(crate) fn split_copies(
    df: DataFrame,
    hash: pl::Expr,
    copied: &[u64],
    mark: &str,
) -> SfResult<(DataFrame, DataFrame)> {
    let marked = |lf: pl::LazyFrame, copy: bool| -> SfResult<DataFrame> {
        Ok(lf.with_column(pl::lit(copy).alias(mark)).collect()?)
    };
    if copied.is_empty() {
        let rest = marked(df.lazy(), false)?;
        return Ok((rest.clear(), rest));
    }
    let is_copy = hash.is_in(hash_list(copied), false);
    let copies = marked(df.clone().lazy().filter(is_copy.clone()), true)?;
    Ok((copies, marked(df.lazy().filter(is_copy.not()), false)?))
}
