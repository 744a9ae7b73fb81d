use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, LazyLock, Mutex, Weak};

use polars::prelude as pl;
use polars::prelude::{DataFrame, DataType, IntoLazy, SchemaRef};
use serde::{Deserialize, Serialize};
use shardframe_core::{PartitionRef, SfResult};

use crate::Expr;

/// An output column: a name and the expression computing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedExpr {
    pub name: String,
    pub expr: Expr,
}

/// Options of a CSV scan, in pandas' terms already resolved by Python.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CsvOptions {
    #[serde(default = "default_sep")]
    pub sep: String,
    #[serde(default = "default_true")]
    pub has_header: bool,
    /// Column names replacing the header (or naming a header-less file).
    #[serde(default)]
    pub names: Option<Vec<String>>,
    /// Data types forced by name (pandas-style names).
    #[serde(default)]
    pub dtypes: Vec<(String, String)>,
    #[serde(default)]
    pub na_values: Vec<String>,
    #[serde(default)]
    pub skip_rows: usize,
    #[serde(default)]
    pub n_rows: Option<usize>,
    #[serde(default)]
    pub try_parse_dates: bool,
    /// The line terminator: `\n` (which also ends `\r\n` lines) or `\r`
    /// for files with old Mac line endings.
    #[serde(default = "default_eol")]
    pub eol: String,
}

fn default_eol() -> String {
    "\n".into()
}

fn default_sep() -> String {
    ",".into()
}
fn default_true() -> bool {
    true
}

/// Where rows come from.
#[derive(Debug)]
pub enum Source {
    /// Partitions already in the store.
    Memory {
        parts: Vec<PartitionRef>,
        schema: SchemaRef,
    },
    /// One unit of work per file; Polars' reader applies the pushed-down
    /// projection and predicate and skips row groups by their statistics.
    Parquet {
        paths: Vec<String>,
        schema: SchemaRef,
    },
    Csv {
        paths: Vec<String>,
        options: CsvOptions,
        schema: SchemaRef,
    },
    NdJson {
        paths: Vec<String>,
        schema: SchemaRef,
    },
}

impl Source {
    /// One source per file (a unit of work each); `None` for memory.
    pub fn per_file(&self) -> Option<Vec<Source>> {
        let each = |paths: &[String], make: &dyn Fn(Vec<String>) -> Source| {
            paths.iter().map(|p| make(vec![p.clone()])).collect()
        };
        Some(match self {
            Source::Memory { .. } => return None,
            Source::Parquet { paths, schema } => each(paths, &|paths| Source::Parquet {
                paths,
                schema: schema.clone(),
            }),
            Source::Csv {
                paths,
                options,
                schema,
            } => each(paths, &|paths| Source::Csv {
                paths,
                options: options.clone(),
                schema: schema.clone(),
            }),
            Source::NdJson { paths, schema } => each(paths, &|paths| Source::NdJson {
                paths,
                schema: schema.clone(),
            }),
        })
    }

    pub fn schema(&self) -> &SchemaRef {
        match self {
            Source::Memory { schema, .. }
            | Source::Parquet { schema, .. }
            | Source::Csv { schema, .. }
            | Source::NdJson { schema, .. } => schema,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFunc {
    Sum,
    Mean,
    Median,
    Min,
    Max,
    Std,
    Var,
    Count,
    Size,
    NUnique,
    Quantile,
    Any,
    All,
    Prod,
    ArgMin,
    ArgMax,
    First,
    Last,
    /// The distinct values in order of first appearance, as one list
    /// (`Series.unique`); a whole-column reduction only.
    Unique,
}

impl AggFunc {
    /// Aggregations computed as a partial per partition and a final combine.
    pub fn is_decomposable(self) -> bool {
        use AggFunc::*;
        matches!(
            self,
            Sum | Mean | Min | Max | Std | Var | Count | Size | Any | All | Prod
        )
    }

    /// Whole-column reductions computed as a partial per partition and a
    /// final combine: the decomposable ones, and `Unique` (each partition's
    /// distinct values in order, then those of their concatenation).
    pub fn reduces_in_parts(self) -> bool {
        self.is_decomposable() || self == AggFunc::Unique
    }
}

/// One reduction: `func(expr)` named `name`. `ddof` for std/var, `q` for quantile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agg {
    pub name: String,
    pub func: AggFunc,
    pub expr: Expr,
    #[serde(default = "default_ddof")]
    pub ddof: u8,
    #[serde(default)]
    pub q: f64,
    /// Keep nulls as a distinct value (nunique with dropna=False).
    #[serde(default)]
    pub count_null: bool,
}

fn default_ddof() -> u8 {
    1
}

impl Agg {
    /// `func(expr)` named `name`, with the defaults the Python layer sends
    /// (ddof 1, the median for a quantile, nulls not counted as a value).
    pub fn of(name: &str, func: AggFunc, expr: Expr) -> Agg {
        Agg {
            name: name.into(),
            func,
            expr,
            ddof: 1,
            q: 0.5,
            count_null: false,
        }
    }

    /// `aggs` rewritten over plain columns, and the expressions computing
    /// those columns (to add before grouping). Polars aggregates plain
    /// columns on its fast path, while an expression inside an aggregation
    /// (pandas' NaN skipping is a when/then) is evaluated group by group:
    /// 10x slower on TPC-H q1. Counts become sums of 0/1, which Polars
    /// pre-aggregates per thread like sums.
    pub fn over_columns(aggs: &[Agg]) -> SfResult<(Vec<pl::Expr>, Vec<Agg>)> {
        let mut inputs = Vec::with_capacity(aggs.len());
        let mut rewritten = Vec::with_capacity(aggs.len());
        for (i, a) in aggs.iter().enumerate() {
            let name = format!("__agg_in{i}");
            let (input, func) = match a.func {
                AggFunc::Count => (
                    a.expr.lower()?.is_not_null().cast(DataType::Int64),
                    AggFunc::Sum,
                ),
                AggFunc::Size => (pl::lit(1i64).cast(DataType::Int64), AggFunc::Sum),
                other => (a.expr.lower()?, other),
            };
            inputs.push(input.alias(name.as_str()));
            rewritten.push(Agg {
                expr: Expr::col(name),
                func,
                ..a.clone()
            });
        }
        Ok((inputs, rewritten))
    }

    /// The whole-column aggregation in Polars.
    pub fn lower(&self) -> SfResult<pl::Expr> {
        use AggFunc::*;
        let e = self.expr.lower()?;
        let out = match self.func {
            Sum => e.sum(),
            Mean => e.mean(),
            Median => e.median(),
            Min => e.min(),
            Max => e.max(),
            Std => e.std(self.ddof),
            Var => e.var(self.ddof),
            Count => e.count().cast(DataType::Int64),
            Size => e.len().cast(DataType::Int64),
            NUnique => {
                if self.count_null {
                    e.n_unique().cast(DataType::Int64)
                } else {
                    // Not `drop_nulls().n_unique()`: within groups, Polars
                    // runs that group by group (TPC-H q21: 10x slower).
                    let has_null = e.clone().null_count().gt(pl::lit(0)).cast(DataType::Int64);
                    e.n_unique().cast(DataType::Int64) - has_null
                }
            }
            Quantile => e.quantile(pl::lit(self.q), pl::QuantileMethod::Linear),
            Any => e.any(true),
            All => e.all(true),
            Prod => e.product(),
            ArgMin => e.arg_min().cast(DataType::Int64),
            ArgMax => e.arg_max().cast(DataType::Int64),
            // pandas' first/last skip missing values.
            First => e.first_non_null(),
            Last => e.last_non_null(),
            Unique => e.unique_stable().implode(false),
        };
        Ok(out.alias(self.name.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SortSpec {
    pub by: Vec<Expr>,
    pub descending: Vec<bool>,
    #[serde(default = "default_true")]
    pub nulls_last: bool,
    #[serde(default = "default_true")]
    pub stable: bool,
}

/// How two plans are joined; pandas' `merge` semantics (coalescing, order)
/// are applied by the Python layer around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinSpec {
    /// "inner", "left", "right", "full", "cross", "semi" or "anti".
    pub how: String,
    pub left_on: Vec<String>,
    pub right_on: Vec<String>,
    #[serde(default)]
    pub nulls_equal: bool,
    /// Suffix for right columns whose names clash with left ones.
    #[serde(default = "default_suffix")]
    pub suffix: String,
    /// Keep key columns of both sides (true) or one coalesced column.
    #[serde(default)]
    pub coalesce: bool,
    /// Row order of the result: "left_right" (left rows in order, each with
    /// its matches in right order) or "right_left".
    #[serde(default = "default_order")]
    pub maintain_order: String,
}

fn default_order() -> String {
    "left_right".into()
}

fn default_suffix() -> String {
    "_right".into()
}

impl JoinSpec {
    /// A join of `how` on one key column per side, in left order, with the
    /// default suffix and both key columns kept.
    pub fn on(how: &str, left_on: &str, right_on: &str) -> JoinSpec {
        JoinSpec {
            how: how.into(),
            left_on: vec![left_on.into()],
            right_on: vec![right_on.into()],
            nulls_equal: false,
            suffix: default_suffix(),
            coalesce: false,
            maintain_order: default_order(),
        }
    }

    pub fn apply(&self, left: pl::LazyFrame, right: pl::LazyFrame) -> SfResult<pl::LazyFrame> {
        let how = match self.how.as_str() {
            "inner" => pl::JoinType::Inner,
            "left" => pl::JoinType::Left,
            "right" => pl::JoinType::Right,
            "full" | "outer" => pl::JoinType::Full,
            "cross" => pl::JoinType::Cross,
            "semi" => pl::JoinType::Semi,
            "anti" => pl::JoinType::Anti,
            other => shardframe_core::bail!(Compute: "unknown join type {other:?}"),
        };
        if how == pl::JoinType::Cross {
            return Ok(left.cross_join(right, Some(self.suffix.as_str().into())));
        }
        let l: Vec<pl::Expr> = self.left_on.iter().map(|c| pl::col(c.as_str())).collect();
        let r: Vec<pl::Expr> = self.right_on.iter().map(|c| pl::col(c.as_str())).collect();
        let mut args = pl::JoinArgs::new(how);
        args.suffix = Some(self.suffix.as_str().into());
        args.nulls_equal = self.nulls_equal;
        args.coalesce = if self.coalesce {
            pl::JoinCoalesce::CoalesceColumns
        } else {
            pl::JoinCoalesce::KeepColumns
        };
        args.maintain_order = match self.maintain_order.as_str() {
            "right_left" => pl::MaintainOrderJoin::RightLeft,
            _ => pl::MaintainOrderJoin::LeftRight,
        };
        Ok(left.join(right, l, r, args))
    }
}

/// A logical plan. Children are shared, so a frame and the frames derived
/// from it share the plan below them.
#[derive(Debug, Clone)]
pub enum Plan {
    Scan(Arc<Source>),
    /// Output exactly these columns, computed from the input row by row.
    Select {
        input: Arc<Plan>,
        exprs: Vec<NamedExpr>,
    },
    Filter {
        input: Arc<Plan>,
        predicate: Expr,
    },
    /// Append the global row position (0..n, Int64) as column `name`.
    RowIndex {
        input: Arc<Plan>,
        name: String,
    },
    /// Rows `offset..offset+len`; a negative offset counts from the end.
    Slice {
        input: Arc<Plan>,
        offset: i64,
        len: usize,
    },
    Sort {
        input: Arc<Plan>,
        spec: SortSpec,
    },
    /// Whole-frame reductions to a single row.
    Reduce {
        input: Arc<Plan>,
        aggs: Vec<Agg>,
    },
    /// Rows of each input, in order (columns by name; missing ones are null).
    Concat {
        inputs: Vec<Arc<Plan>>,
    },
    /// Groups by the key expressions, one row per group, in no particular
    /// order: key columns then aggregations. `dropna` drops null keys.
    GroupBy {
        input: Arc<Plan>,
        keys: Vec<NamedExpr>,
        aggs: Vec<Agg>,
        dropna: bool,
    },
    Join {
        left: Arc<Plan>,
        right: Arc<Plan>,
        spec: JoinSpec,
    },
    /// The same rows regrouped so that all rows with equal keys share one
    /// partition (in their original relative order); `n` partitions at most.
    Repartition {
        input: Arc<Plan>,
        keys: Vec<Expr>,
        n: usize,
    },
}

impl Plan {
    pub fn schema(&self) -> SfResult<SchemaRef> {
        match self {
            Plan::Scan(src) => Ok(src.schema().clone()),
            Plan::Slice { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Repartition { input, .. } => schema_of(input),
            Plan::Join { left, right, spec } => {
                let l = DataFrame::empty_with_schema(schema_of(left)?.as_ref()).lazy();
                let r = DataFrame::empty_with_schema(schema_of(right)?.as_ref()).lazy();
                Ok(spec.apply(l, r)?.collect_schema()?)
            }
            Plan::Concat { inputs } => {
                let frames = inputs
                    .iter()
                    .map(|p| -> SfResult<pl::LazyFrame> {
                        Ok(DataFrame::empty_with_schema(schema_of(p)?.as_ref()).lazy())
                    })
                    .collect::<SfResult<Vec<_>>>()?;
                let args = pl::UnionArgs {
                    diagonal: true,
                    to_supertypes: true,
                    ..Default::default()
                };
                Ok(pl::concat(frames, args)?.collect_schema()?)
            }
            _ => {
                let input = self.input().map(schema_of).transpose()?;
                let empty = match input {
                    Some(schema) => DataFrame::empty_with_schema(&schema),
                    None => DataFrame::empty(),
                };
                Ok(self.apply_narrow(empty.lazy())?.collect_schema()?)
            }
        }
    }

    /// Nodes on the longest path from this node to a scan (walked without
    /// recursion: a deep plan is what this measures).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack: Vec<(&Plan, usize)> = vec![(self, 1)];
        while let Some((node, level)) = stack.pop() {
            deepest = deepest.max(level);
            match node {
                Plan::Join { left, right, .. } => {
                    stack.push((left, level + 1));
                    stack.push((right, level + 1));
                }
                Plan::Concat { inputs } => {
                    stack.extend(inputs.iter().map(|p| (p.as_ref(), level + 1)))
                }
                other => stack.extend(other.input().map(|p| (p.as_ref(), level + 1))),
            }
        }
        deepest
    }

    pub fn input(&self) -> Option<&Arc<Plan>> {
        match self {
            Plan::Scan(_) | Plan::Concat { .. } | Plan::Join { .. } => None,
            Plan::Select { input, .. }
            | Plan::Filter { input, .. }
            | Plan::RowIndex { input, .. }
            | Plan::Slice { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Reduce { input, .. }
            | Plan::GroupBy { input, .. }
            | Plan::Repartition { input, .. } => Some(input),
        }
    }

    /// Select and Filter run on each partition alone when their expressions
    /// are row-local; everything else needs more than one partition.
    pub fn is_narrow(&self) -> bool {
        match self {
            Plan::Select { exprs, .. } => exprs.iter().all(|e| e.expr.is_row_local()),
            Plan::Filter { predicate, .. } => predicate.is_row_local(),
            _ => false,
        }
    }

    /// Apply this node's own operation to a lazy frame of its input. For
    /// RowIndex the offset is 0 (the executor adds partition offsets) and
    /// for Reduce this is the whole-input aggregation.
    pub fn apply_narrow(&self, lf: pl::LazyFrame) -> SfResult<pl::LazyFrame> {
        Ok(match self {
            Plan::Select { exprs, .. } => {
                let mut read = Vec::new();
                for e in exprs {
                    e.expr.columns(&mut read);
                }
                let names: Vec<pl::Expr> = exprs.iter().map(|e| pl::col(e.name.as_str())).collect();
                let exprs = exprs
                    .iter()
                    .map(|e| Ok(lower_output(&e.expr)?.alias(e.name.as_str())))
                    .collect::<SfResult<Vec<_>>>()?;
                if read.is_empty() && !exprs.is_empty() {
                    // Only literals (`df["a"] = 5` on a frame's one column):
                    // a select would give one row; added columns take the
                    // frame's height, as pandas broadcasts a scalar.
                    lf.with_columns(exprs).select(names)
                } else {
                    lf.select(exprs)
                }
            }
            Plan::Filter { predicate, .. } => lf.filter(predicate.lower()?),
            Plan::RowIndex { name, .. } => row_index(lf, name, 0),
            Plan::Reduce { aggs, .. } => {
                let aggs = aggs.iter().map(Agg::lower).collect::<SfResult<Vec<_>>>()?;
                lf.select(aggs)
            }
            Plan::Sort { spec, .. } => {
                let by = spec
                    .by
                    .iter()
                    .map(Expr::lower)
                    .collect::<SfResult<Vec<_>>>()?;
                lf.sort_by_exprs(
                    by,
                    pl::SortMultipleOptions::default()
                        .with_order_descending_multi(spec.descending.clone())
                        .with_nulls_last(spec.nulls_last)
                        .with_maintain_order(spec.stable),
                )
            }
            Plan::Slice { offset, len, .. } => lf.slice(*offset, *len as pl::IdxSize),
            Plan::GroupBy {
                keys, aggs, dropna, ..
            } => {
                let (lf, keys) = group_keys(lf, keys, *dropna)?;
                let (inputs, aggs) = Agg::over_columns(aggs)?;
                let aggs = aggs.iter().map(Agg::lower).collect::<SfResult<Vec<_>>>()?;
                lf.with_columns(inputs).group_by(keys).agg(aggs)
            }
            Plan::Scan(_) | Plan::Concat { .. } | Plan::Join { .. } | Plan::Repartition { .. } => {
                lf
            }
        })
    }

    /// Indented text of the plan, root first.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        self.explain_into(&mut out, 0);
        out
    }

    fn explain_into(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        let line = match self {
            Plan::Scan(src) => match src.as_ref() {
                Source::Memory { parts, .. } => {
                    let rows: usize = parts.iter().map(|p| p.rows()).sum();
                    let bytes: usize = parts.iter().map(|p| p.compressed_bytes()).sum();
                    format!(
                        "SCAN memory: {} partitions, {rows} rows, {bytes} bytes compressed",
                        parts.len()
                    )
                }
                Source::Parquet { paths, .. } => format!("SCAN parquet: {} files", paths.len()),
                Source::Csv { paths, .. } => format!("SCAN csv: {} files", paths.len()),
                Source::NdJson { paths, .. } => format!("SCAN ndjson: {} files", paths.len()),
            },
            Plan::Select { exprs, .. } => {
                let names: Vec<_> = exprs.iter().map(describe_named).collect();
                format!("SELECT [{}]", names.join(", "))
            }
            Plan::Filter { predicate, .. } => format!("FILTER {}", describe(predicate)),
            Plan::RowIndex { name, .. } => format!("ROW INDEX as {name}"),
            Plan::Slice { offset, len, .. } => format!("SLICE offset={offset} len={len}"),
            Plan::Sort { spec, .. } => {
                let by: Vec<_> = spec.by.iter().map(describe).collect();
                format!(
                    "SORT by [{}] descending={:?}",
                    by.join(", "),
                    spec.descending
                )
            }
            Plan::Reduce { aggs, .. } => {
                let a: Vec<_> = aggs
                    .iter()
                    .map(|a| format!("{}: {:?}({})", a.name, a.func, describe(&a.expr)))
                    .collect();
                format!("REDUCE [{}]", a.join(", "))
            }
            Plan::Concat { inputs } => format!("CONCAT {} inputs", inputs.len()),
            Plan::GroupBy { keys, aggs, .. } => {
                let k: Vec<_> = keys.iter().map(describe_named).collect();
                let a: Vec<_> = aggs
                    .iter()
                    .map(|a| format!("{}: {:?}({})", a.name, a.func, describe(&a.expr)))
                    .collect();
                format!("GROUP BY [{}] AGG [{}]", k.join(", "), a.join(", "))
            }
            Plan::Repartition { keys, n, .. } => {
                let k: Vec<_> = keys.iter().map(describe).collect();
                format!("REPARTITION by hash of [{}] into {n}", k.join(", "))
            }
            Plan::Join { spec, .. } => format!(
                "JOIN {} on {:?} = {:?}",
                spec.how, spec.left_on, spec.right_on
            ),
        };
        let _ = writeln!(out, "{pad}{line}");
        if let Plan::Concat { inputs } = self {
            for i in inputs {
                i.explain_into(out, depth + 1);
            }
        }
        if let Plan::Join { left, right, .. } = self {
            left.explain_into(out, depth + 1);
            right.explain_into(out, depth + 1);
        }
        if let Some(input) = self.input() {
            input.explain_into(out, depth + 1);
        }
    }
}

/// Schemas of plan nodes, by node: the Python layer adds one node per pandas
/// call and validates it at once, and a node's schema is derived from its
/// inputs', so without this every call would redo the whole tree's.
#[allow(clippy::type_complexity)]
static SCHEMAS: LazyLock<Mutex<(HashMap<usize, (Weak<Plan>, SchemaRef)>, usize)>> =
    LazyLock::new(|| Mutex::new((HashMap::new(), 0)));

/// `plan.schema()`, computed once per node. Entries are keyed by address and
/// hold a `Weak`, which keeps the allocation (so the address) from being
/// reused while the entry exists; entries of dropped nodes are swept as the
/// table grows.
fn schema_of(plan: &Arc<Plan>) -> SfResult<SchemaRef> {
    let key = Arc::as_ptr(plan) as usize;
    if let Ok(memo) = SCHEMAS.lock() {
        if let Some((_, schema)) = memo.0.get(&key) {
            return Ok(schema.clone());
        }
    }
    let schema = plan.schema()?;
    if let Ok(mut memo) = SCHEMAS.lock() {
        let (map, swept_at) = &mut *memo;
        if map.len() > 2 * *swept_at + 1024 {
            map.retain(|_, (w, _)| w.strong_count() > 0);
            *swept_at = map.len();
        }
        map.insert(key, (Arc::downgrade(plan), schema.clone()));
    }
    Ok(schema)
}

/// A column expression; a bare literal gets pandas' default type (int64,
/// float64) instead of Polars' narrowest one.
fn lower_output(e: &Expr) -> SfResult<pl::Expr> {
    use shardframe_core::Scalar;
    Ok(match e {
        Expr::Lit {
            value: Scalar::Int(i),
        } => pl::lit(*i).cast(DataType::Int64),
        Expr::Lit {
            value: Scalar::Float(f),
        } => pl::lit(*f).cast(DataType::Float64),
        other => other.lower()?,
    })
}

/// Key columns computed under their names (nulls dropped when `dropna`),
/// and the column expressions to group by.
pub fn group_keys(
    lf: pl::LazyFrame,
    keys: &[NamedExpr],
    dropna: bool,
) -> SfResult<(pl::LazyFrame, Vec<pl::Expr>)> {
    let computed = keys
        .iter()
        .map(|k| Ok(k.expr.lower()?.alias(k.name.as_str())))
        .collect::<SfResult<Vec<_>>>()?;
    let mut lf = lf.with_columns(computed);
    if dropna {
        for k in keys {
            lf = lf.filter(pl::col(k.name.as_str()).is_not_null());
        }
    }
    let names = keys.iter().map(|k| pl::col(k.name.as_str())).collect();
    Ok((lf, names))
}

/// Add a global row position column starting at `offset`, as Int64.
pub fn row_index(lf: pl::LazyFrame, name: &str, offset: usize) -> pl::LazyFrame {
    lf.with_row_index(name, Some(offset as pl::IdxSize))
        .with_column(pl::col(name).cast(DataType::Int64))
}

fn describe_named(e: &NamedExpr) -> String {
    match &e.expr {
        Expr::Col { name } if *name == e.name => name.clone(),
        other => format!("{} := {}", e.name, describe(other)),
    }
}

/// A compact, readable rendering of an expression.
pub fn describe(e: &Expr) -> String {
    use shardframe_core::Scalar;
    match e {
        Expr::Col { name } => name.clone(),
        Expr::Lit { value } => match value {
            Scalar::Str(s) => format!("{s:?}"),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
            other => format!("{other:?}"),
        },
        Expr::List { values } => format!("[{} values]", values.len()),
        Expr::Values { .. } => "[values]".into(),
        Expr::Binary { kind, left, right } => {
            format!(
                "({} {} {})",
                describe(left),
                binop_symbol(*kind),
                describe(right)
            )
        }
        Expr::Fn { name, args, .. } => {
            let a: Vec<_> = args.iter().map(describe).collect();
            format!("{name}({})", a.join(", "))
        }
    }
}

fn binop_symbol(kind: crate::BinOp) -> &'static str {
    use crate::BinOp::*;
    match kind {
        Add => "+",
        Sub => "-",
        Mul => "*",
        TrueDiv => "/",
        FloorDiv => "//",
        Mod => "%",
        Pow => "**",
        Eq => "==",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        And => "&",
        Or => "|",
        Xor => "^",
    }
}
