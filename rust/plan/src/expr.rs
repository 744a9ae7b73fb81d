//! The expression IR that Python builds and the engine lowers to Polars.
//!
//! It is serde data (JSON from Python, any format between processes), so a
//! task that carries expressions can run in another process. Lowering is
//! where pandas semantics are applied on top of Polars kernels: comparisons
//! with a missing value are `False` (`!=` is `True`), true division turns
//! 0/0 into a missing value, and so on.

use polars::prelude as pl;
use polars::prelude::{DataType, TimeUnit};
use polars::prelude::{IntoColumn, IntoSeries};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use serde::{Deserialize, Serialize};
use shardframe_core::{bail, Scalar, SfError, SfResult};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Expr {
    Col {
        name: String,
    },
    Lit {
        value: Scalar,
    },
    /// A list of literals (the right side of `isin`, `replace`, `map`).
    List {
        values: Vec<Scalar>,
    },
    /// A long list of literals of one type, sent compactly.
    Values {
        values: Values,
    },
    Binary {
        kind: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// A named function of some arguments with JSON parameters; see [`lower_fn`].
    Fn {
        name: String,
        args: Vec<Expr>,
        #[serde(default)]
        params: serde_json::Value,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Xor,
}

/// Functions whose value at a row depends on other rows (cumulative sums,
/// shifts, ranks). A pipeline with one of these cannot run partition by
/// partition independently.
const ORDER_DEPENDENT: &[&str] = &[
    "cum_sum",
    "cum_prod",
    "cum_min",
    "cum_max",
    "cum_count",
    "shift",
    "diff",
    "pct_change",
    "rank",
    "ffill",
    "bfill",
    "interpolate",
    "over",
    "rolling",
    "ewm_mean",
    "is_first_distinct",
    "is_last_distinct",
    "is_unique",
];

/// Functions of a row's key values over the whole frame (is this the first
/// row with these keys?): the same within groups of those keys, so
/// `f(keys).over(keys)` lowers to `f(keys)`, a single hash pass.
const KEY_DISTINCT: &[&str] = &["is_first_distinct", "is_last_distinct", "is_unique"];

impl Expr {
    pub fn col(name: impl Into<String>) -> Expr {
        Expr::Col { name: name.into() }
    }

    /// The function `name` of `args`, without parameters.
    pub fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Fn {
            name: name.into(),
            args,
            params: serde_json::Value::Null,
        }
    }

    /// True when the expression can be evaluated on each partition alone.
    pub fn is_row_local(&self) -> bool {
        match self {
            Expr::Col { .. } | Expr::Lit { .. } | Expr::List { .. } | Expr::Values { .. } => true,
            Expr::Binary { left, right, .. } => left.is_row_local() && right.is_row_local(),
            Expr::Fn { name, args, .. } => {
                !ORDER_DEPENDENT.contains(&name.as_str())
                    && !name.starts_with("agg_")
                    && args.iter().all(Expr::is_row_local)
            }
        }
    }

    /// Whether this filter, evaluated within an ordered slice of the rows
    /// alone, keeps every row it keeps over all of them: `groupby.head(n)`
    /// (`cum_count(..).over(keys) < n`) and `groupby.tail(n)` (`size -
    /// position <= n`), where a slice's count is at most the whole one's,
    /// possibly with row-local conditions and-ed in. A slice can then drop
    /// the other rows before all are gathered.
    pub fn is_prefix_window_filter(&self) -> bool {
        use shardframe_core::Scalar;
        let over = |e: &Expr, f: &str| {
            matches!(e, Expr::Fn { name, args, .. } if name == "over"
                && matches!(args.first(), Some(Expr::Fn { name, .. }) if name == f))
        };
        // Counts of a group's rows that a slice of them can only lower.
        let grows = |e: &Expr| {
            over(e, "cum_count")
                || matches!(e, Expr::Binary { kind: BinOp::Sub, left, right }
                    if over(left, "agg_size") && over(right, "cum_count"))
        };
        match self {
            Expr::Fn { name, args, .. } if name == "fill_null" => match args.as_slice() {
                [p, Expr::Lit {
                    value: Scalar::Bool(false),
                }] => p.is_prefix_window_filter(),
                _ => false,
            },
            Expr::Binary {
                kind: BinOp::And,
                left,
                right,
            } => {
                (left.is_row_local() && right.is_prefix_window_filter())
                    || (right.is_row_local() && left.is_prefix_window_filter())
            }
            Expr::Binary {
                kind: BinOp::Lt | BinOp::Le,
                left,
                right,
            } => grows(left) && matches!(right.as_ref(), Expr::Lit { .. }),
            _ => false,
        }
    }

    /// When every order-dependent part of these expressions runs within
    /// groups (`over`) of the same row-local keys, those keys: the rows of one
    /// group can then be processed apart from all others.
    pub fn window_keys<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> Option<Vec<Expr>> {
        fn visit(e: &Expr, inside: bool, keys: &mut Option<Vec<Expr>>) -> bool {
            match e {
                Expr::Fn { name, args, .. } if name == "over" => {
                    let (value, by) = match args.split_first() {
                        Some(split) => split,
                        None => return false,
                    };
                    if by.is_empty() || !by.iter().all(Expr::is_row_local) {
                        return false;
                    }
                    match keys {
                        Some(k) if k.as_slice() != by => return false,
                        Some(_) => {}
                        None => *keys = Some(by.to_vec()),
                    }
                    visit(value, true, keys)
                }
                Expr::Fn { name, args, .. } => {
                    let dependent =
                        ORDER_DEPENDENT.contains(&name.as_str()) || name.starts_with("agg_");
                    (inside || !dependent) && args.iter().all(|a| visit(a, inside, keys))
                }
                Expr::Binary { left, right, .. } => {
                    visit(left, inside, keys) && visit(right, inside, keys)
                }
                _ => true,
            }
        }
        let mut keys = None;
        for e in exprs {
            if !visit(e, false, &mut keys) {
                return None;
            }
        }
        keys
    }

    /// Column names this expression reads.
    pub fn columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Col { name } => {
                if !out.contains(name) {
                    out.push(name.clone())
                }
            }
            Expr::Lit { .. } | Expr::List { .. } | Expr::Values { .. } => {}
            Expr::Binary { left, right, .. } => {
                left.columns(out);
                right.columns(out);
            }
            Expr::Fn { args, .. } => args.iter().for_each(|a| a.columns(out)),
        }
    }

    pub fn lower(&self) -> SfResult<pl::Expr> {
        match self {
            Expr::Col { name } => Ok(pl::col(name.as_str())),
            Expr::Lit { value } => Ok(lower_scalar(value)),
            Expr::List { values } => lower_list(values),
            Expr::Values { values } => Ok(pl::lit(values.to_series())),
            Expr::Binary { kind, left, right } => {
                Ok(lower_binary(*kind, left.lower()?, right.lower()?))
            }
            Expr::Fn { name, args, .. }
                if name == "over"
                    && matches!(args.first(), Some(Expr::Fn { name: f, args: keys, .. })
                        if KEY_DISTINCT.contains(&f.as_str()) && keys.as_slice() == &args[1..]) =>
            {
                args[0].lower()
            }
            Expr::Fn { name, args, params } => {
                let args = args.iter().map(Expr::lower).collect::<SfResult<Vec<_>>>()?;
                lower_fn(name, args, params)
            }
        }
    }
}

pub fn lower_scalar(value: &Scalar) -> pl::Expr {
    match value {
        Scalar::Null => pl::lit(pl::Null {}),
        Scalar::Bool(b) => pl::lit(*b),
        Scalar::Int(i) => pl::lit(*i),
        Scalar::Float(f) => pl::lit(*f),
        Scalar::Str(s) => pl::lit(s.as_str()),
        Scalar::Datetime(ns) => pl::lit(*ns).cast(DataType::Datetime(TimeUnit::Nanoseconds, None)),
        Scalar::Date(d) => pl::lit(*d).cast(DataType::Date),
        Scalar::Duration(ns) => pl::lit(*ns).cast(DataType::Duration(TimeUnit::Nanoseconds)),
    }
}

/// Literal values of one type (nulls allowed), shared: a plan is cloned and
/// rewritten many times, and a long list (an `isin` against 100K keys) is
/// built once. Python registers a list once ([`Values::share`]) and names it
/// by id in the JSON of every later plan step; between processes the values
/// travel in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Values(Arc<ValueList>);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "values", rename_all = "snake_case")]
pub enum ValueList {
    Int(Vec<Option<i64>>),
    /// Unsigned integers, some above `i64::MAX`.
    UInt(Vec<Option<u64>>),
    Float(Vec<Option<f64>>),
    Str(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
}

/// How values are read: in full, or (from Python, within this process) the
/// id of a registered list.
#[derive(Deserialize)]
#[serde(tag = "kind", content = "values", rename_all = "snake_case")]
enum ValuesWire {
    Shared(u64),
    #[serde(untagged)]
    Inline(ValueList),
}

/// Registered lists by id; an entry lives while its owner (the Python
/// literal) holds the list.
static SHARED: Mutex<BTreeMap<u64, Weak<ValueList>>> = Mutex::new(BTreeMap::new());
static NEXT_SHARED: AtomicU64 = AtomicU64::new(1);

impl Values {
    pub fn new(list: ValueList) -> Values {
        Values(Arc::new(list))
    }

    /// Register the values; JSON may name them `{"kind": "shared", "values": id}`
    /// until [`Values::unshare`].
    pub fn share(&self) -> u64 {
        let id = NEXT_SHARED.fetch_add(1, Ordering::Relaxed);
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        shared.insert(id, Arc::downgrade(&self.0));
        id
    }

    pub fn unshare(id: u64) {
        SHARED.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }

    pub fn len(&self) -> usize {
        match &*self.0 {
            ValueList::Int(v) => v.len(),
            ValueList::UInt(v) => v.len(),
            ValueList::Float(v) => v.len(),
            ValueList::Str(v) => v.len(),
            ValueList::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn to_series(&self) -> pl::Series {
        use polars::prelude::NamedFrom;
        let name = "literal".into();
        match &*self.0 {
            ValueList::Int(v) => pl::Series::new(name, v),
            ValueList::UInt(v) => pl::Series::new(name, v),
            ValueList::Float(v) => pl::Series::new(name, v),
            ValueList::Str(v) => pl::Series::new(name, v),
            ValueList::Bool(v) => pl::Series::new(name, v),
        }
    }
}

impl Serialize for Values {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match ValuesWire::deserialize(deserializer)? {
            ValuesWire::Inline(list) => Ok(Values::new(list)),
            ValuesWire::Shared(id) => {
                let shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
                shared
                    .get(&id)
                    .and_then(Weak::upgrade)
                    .map(Values)
                    .ok_or_else(|| serde::de::Error::custom(format!("no shared literal list {id}")))
            }
        }
    }
}

fn lower_list(values: &[Scalar]) -> SfResult<pl::Expr> {
    let avs: Vec<pl::AnyValue> = values.iter().map(scalar_any_value).collect();
    let s = pl::Series::from_any_values("literal".into(), &avs, false)?;
    Ok(pl::lit(s))
}

fn scalar_any_value(value: &Scalar) -> pl::AnyValue<'_> {
    match value {
        Scalar::Null => pl::AnyValue::Null,
        Scalar::Bool(b) => pl::AnyValue::Boolean(*b),
        Scalar::Int(i) => pl::AnyValue::Int64(*i),
        Scalar::Float(f) => pl::AnyValue::Float64(*f),
        Scalar::Str(s) => pl::AnyValue::String(s.as_str()),
        Scalar::Datetime(ns) => pl::AnyValue::Datetime(*ns, TimeUnit::Nanoseconds, None),
        Scalar::Date(d) => pl::AnyValue::Date(*d),
        Scalar::Duration(ns) => pl::AnyValue::Duration(*ns, TimeUnit::Nanoseconds),
    }
}

/// A comparison that is False when either side is missing, as in pandas.
fn compare(l: pl::Expr, r: pl::Expr, op: fn(pl::Expr, pl::Expr) -> pl::Expr) -> pl::Expr {
    let missing = l.clone().is_null().or(r.clone().is_null());
    op(l, r).fill_null(pl::lit(false)).and(missing.not())
}

fn lower_binary(kind: BinOp, l: pl::Expr, r: pl::Expr) -> pl::Expr {
    use BinOp::*;
    match kind {
        Add => l + r,
        Sub => l - r,
        Mul => l * r,
        // pandas: x/0 is ±inf, 0/0 is NaN, which pandas counts as missing.
        TrueDiv => {
            let q = l.cast(DataType::Float64) / r.cast(DataType::Float64);
            q.clone().fill_nan(pl::lit(pl::Null {}))
        }
        FloorDiv => l.floor_div(r),
        // Python's modulo: the result has the sign of the divisor.
        Mod => l.clone() - r.clone() * l.floor_div(r),
        Pow => l.pow(r),
        // A comparison with a missing value is False (and != is True), as in pandas.
        Eq => compare(l, r, pl::Expr::eq),
        Ne => {
            let missing = l.clone().is_null().or(r.clone().is_null());
            l.neq(r).fill_null(pl::lit(true)).or(missing)
        }
        Lt => compare(l, r, pl::Expr::lt),
        Le => compare(l, r, pl::Expr::lt_eq),
        Gt => compare(l, r, pl::Expr::gt),
        Ge => compare(l, r, pl::Expr::gt_eq),
        And => l.and(r),
        Or => l.or(r),
        Xor => l.xor(r),
    }
}

pub(crate) fn param<'a>(params: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    params.get(key).filter(|v| !v.is_null())
}

pub(crate) fn param_i64(params: &serde_json::Value, key: &str) -> SfResult<Option<i64>> {
    match param(params, key) {
        None => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| {
            SfError::InvalidOperation(format!("parameter {key} must be an integer, got {v}"))
        }),
    }
}

pub(crate) fn param_list<T>(
    params: &serde_json::Value,
    key: &str,
    item: impl Fn(&serde_json::Value) -> Option<T>,
) -> SfResult<Vec<T>> {
    let bad = || SfError::Internal(format!("parameter {key} must be a list"));
    param(params, key)
        .and_then(|v| v.as_array())
        .ok_or_else(bad)?
        .iter()
        .map(|v| item(v).ok_or_else(bad))
        .collect()
}

/// The categorical type with the categories in `params["categories"]`, in
/// their order (pandas' categories; a category's code is its position).
fn enum_dtype(params: &serde_json::Value) -> SfResult<DataType> {
    let labels = param_list(params, "categories", |v| v.as_str().map(str::to_string))?;
    let cats = pl::FrozenCategories::new(labels.iter().map(String::as_str))
        .map_err(|e| SfError::InvalidOperation(e.to_string()))?;
    Ok(DataType::from_frozen_categories(cats))
}

/// The categorical column whose codes (category positions) are `codes`.
fn enum_from_codes(codes: &pl::Column, dtype: &DataType) -> pl::PolarsResult<pl::Column> {
    let DataType::Enum(cats, _) = dtype else {
        pl::polars_bail!(ComputeError: "not a categorical type: {dtype}");
    };
    let name = codes.name().clone();
    let out = match cats.physical() {
        pl::CategoricalPhysical::U8 => {
            let ids = codes.cast(&DataType::UInt8)?;
            pl::Categorical8Chunked::from_cats_and_dtype(ids.u8()?.clone(), dtype.clone())
                .into_series()
        }
        pl::CategoricalPhysical::U16 => {
            let ids = codes.cast(&DataType::UInt16)?;
            pl::Categorical16Chunked::from_cats_and_dtype(ids.u16()?.clone(), dtype.clone())
                .into_series()
        }
        pl::CategoricalPhysical::U32 => {
            let ids = codes.cast(&DataType::UInt32)?;
            pl::Categorical32Chunked::from_cats_and_dtype(ids.u32()?.clone(), dtype.clone())
                .into_series()
        }
    };
    Ok(out.with_name(name).into_column())
}

/// `pandas.cut`'s binning: the code of a value is the index of the bin
/// holding it, null when it is missing or outside every bin.
struct Bins {
    /// Increasing bin edges.
    breaks: Vec<f64>,
    /// Bins are closed on the right (`(a, b]`), else on the left.
    right: bool,
    /// The first bin also holds its left edge.
    include_lowest: bool,
    /// The edges are the values themselves: a value's code is the position
    /// of the equal edge (null when none is equal).
    exact: bool,
    /// The code of each bin, when it is not the bin's position (bins that
    /// share a label share a category; a bin between two intervals of an
    /// IntervalIndex has none).
    codes: Option<Vec<Option<i64>>>,
    /// Intervals closed on both ends (`Some(true)`) or on neither
    /// (`Some(false)`), `right` then unused: an edge belongs to the bin on
    /// either side that has a code, or to none.
    both_ends: Option<bool>,
}

impl Bins {
    fn code(&self, x: f64) -> Option<i64> {
        let bin = self.bin(x)?;
        match &self.codes {
            Some(codes) => codes.get(bin).copied().flatten(),
            None => Some(bin as i64),
        }
    }

    fn bin(&self, x: f64) -> Option<usize> {
        let b = &self.breaks;
        if x.is_nan() {
            return None;
        }
        if self.exact {
            let i = b.partition_point(|&v| v < x);
            return (i < b.len() && b[i] == x).then_some(i);
        }
        if self.include_lowest && b.first() == Some(&x) {
            return Some(0);
        }
        if let Some(both) = self.both_ends {
            let i = b.partition_point(|&v| v < x);
            if i == b.len() || b[i] != x {
                return (i > 0 && i < b.len()).then(|| i - 1);
            }
            let has_code = |bin: usize| match &self.codes {
                Some(codes) => codes.get(bin).copied().flatten().is_some(),
                None => bin + 1 < b.len(),
            };
            let sides = [i.checked_sub(1), Some(i)];
            return match both {
                true => sides.into_iter().flatten().find(|&bin| has_code(bin)),
                false => None,
            };
        }
        // pandas: searchsorted(side="left" if right else "right").
        let i = if self.right {
            b.partition_point(|&v| v < x)
        } else {
            b.partition_point(|&v| v <= x)
        };
        (i > 0 && i < b.len()).then(|| i - 1)
    }

    fn codes(&self, c: &pl::Column) -> pl::PolarsResult<pl::Column> {
        let values = c.cast(&DataType::Float64)?;
        let codes: pl::Int64Chunked = values
            .f64()?
            .iter()
            .map(|v| v.and_then(|x| self.code(x)))
            .collect();
        Ok(codes.with_name(c.name().clone()).into_column())
    }
}

pub(crate) fn param_bool(params: &serde_json::Value, key: &str, default: bool) -> bool {
    param(params, key)
        .and_then(|v| v.as_bool())
        .unwrap_or(default)
}

pub(crate) fn param_str(params: &serde_json::Value, key: &str) -> SfResult<String> {
    match params.get(key) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        // a value the user gave of another type (pandas: TypeError)
        Some(other) => Err(SfError::InvalidOperation(format!(
            "{key} must be a string, not {other}"
        ))),
        None => Err(SfError::Internal(format!("missing string parameter {key}"))),
    }
}

/// Parse a pandas-style dtype name into a Polars type.
pub fn parse_dtype(name: &str) -> SfResult<DataType> {
    Ok(match name {
        "int8" => DataType::Int8,
        "int16" => DataType::Int16,
        "int32" => DataType::Int32,
        "int64" | "int" => DataType::Int64,
        "uint8" => DataType::UInt8,
        "uint16" => DataType::UInt16,
        "uint32" => DataType::UInt32,
        "uint64" => DataType::UInt64,
        "float32" => DataType::Float32,
        "float64" | "float" => DataType::Float64,
        "bool" | "boolean" => DataType::Boolean,
        "str" | "string" | "object" => DataType::String,
        "date" => DataType::Date,
        "datetime64[ns]" => DataType::Datetime(TimeUnit::Nanoseconds, None),
        "datetime64[us]" => DataType::Datetime(TimeUnit::Microseconds, None),
        "datetime64[ms]" => DataType::Datetime(TimeUnit::Milliseconds, None),
        "datetime64[s]" => DataType::Datetime(TimeUnit::Milliseconds, None),
        "timedelta64[ns]" => DataType::Duration(TimeUnit::Nanoseconds),
        "timedelta64[us]" => DataType::Duration(TimeUnit::Microseconds),
        other => bail!(InvalidOperation: "data type {other:?} not understood"),
    })
}

fn cum(f: fn(pl::Expr, bool) -> pl::Expr, arg: pl::Expr) -> pl::Expr {
    f(arg, false)
}

/// Lower a named function. The names are the flat methods the Python layer
/// exposes (`str_lower`, `dt_year`, ...).
pub fn lower_fn(name: &str, args: Vec<pl::Expr>, p: &serde_json::Value) -> SfResult<pl::Expr> {
    let mut it = args.into_iter();
    let mut next = || {
        it.next()
            .ok_or_else(|| SfError::Internal(format!("{name}: missing argument")))
    };
    let e = next()?;
    Ok(match name {
        // elementwise
        "not" => e.not(),
        "neg" => -e,
        "abs" => e.abs(),
        "is_null" => e.is_null(),
        "not_null" => e.is_not_null(),
        "alias" => e.alias(param_str(p, "name")?.as_str()),
        "cast" => {
            let dtype = parse_dtype(&param_str(p, "dtype")?)?;
            if param_bool(p, "strict", true) {
                e.strict_cast(dtype)
            } else {
                e.cast(dtype)
            }
        }
        // a value on every row of the column given (a scalar assigned to a
        // frame: a bare literal would be one row)
        "broadcast" => pl::repeat(e, next()?.len()),
        "fill_null" => e.fill_null(next()?),
        "round" => {
            let decimals = param_i64(p, "decimals")?.unwrap_or(0).max(0) as u32;
            e.round(decimals, pl::RoundMode::HalfToEven)
        }
        "clip" => {
            let lo = next()?;
            let hi = next()?;
            e.clip(lo, hi)
        }
        // pandas: a missing value is in the list when the list has one (NaN
        // or None); never a missing answer.
        "is_in" => e
            .is_in(next()?.implode(false), true)
            .fill_null(pl::lit(false)),
        "between" => {
            let lo = next()?;
            let hi = next()?;
            let closed = match param_str(p, "inclusive")?.as_str() {
                "both" => pl::ClosedInterval::Both,
                "neither" => pl::ClosedInterval::None,
                "left" => pl::ClosedInterval::Left,
                "right" => pl::ClosedInterval::Right,
                other => {
                    bail!(Compute: "inclusive has to be either string of 'both','left', 'right', or 'neither', got {other:?}")
                }
            };
            e.is_between(lo, hi, closed).fill_null(pl::lit(false))
        }
        "where" => {
            // where(cond, then, otherwise); a missing condition takes `otherwise`.
            let then = next()?;
            let otherwise = next()?;
            pl::when(e.fill_null(pl::lit(false)))
                .then(then)
                .otherwise(otherwise)
        }
        "replace" => {
            let old = next()?;
            let new = next()?;
            e.replace(old.implode(false), new.implode(false))
        }
        "map_dict" => {
            let old = next()?;
            let new = next()?;
            e.replace_strict(
                old.implode(false),
                new.implode(false),
                Some(pl::lit(pl::Null {})),
                None::<DataType>,
            )
        }
        "bin_codes" => {
            // infinities come as "inf"/"-inf" (JSON has no number for them)
            let breaks = param_list(p, "breaks", |v| {
                v.as_f64().or_else(|| v.as_str()?.parse().ok())
            })?;
            let bins = Bins {
                breaks,
                right: param_bool(p, "right", true),
                include_lowest: param_bool(p, "include_lowest", false),
                exact: param_bool(p, "exact", false),
                codes: param(p, "codes")
                    .map(|_| {
                        param_list(p, "codes", |v| match v.is_null() {
                            true => Some(None),
                            false => v.as_i64().map(Some),
                        })
                    })
                    .transpose()?,
                both_ends: match param(p, "closed").and_then(|v| v.as_str()) {
                    Some("both") => Some(true),
                    Some("neither") => Some(false),
                    _ => None,
                },
            };
            e.map(
                move |c| bins.codes(&c),
                |_, f| Ok(pl::Field::new(f.name().clone(), DataType::Int64)),
            )
        }
        "codes_to_category" => {
            let dtype = enum_dtype(p)?;
            let out = dtype.clone();
            e.map(
                move |c| enum_from_codes(&c, &dtype),
                move |_, f| Ok(pl::Field::new(f.name().clone(), out.clone())),
            )
        }
        "cat_codes" => e.to_physical(),
        "to_category" => match param_bool(p, "strict", false) {
            true => e.strict_cast(enum_dtype(p)?),
            false => e.cast(enum_dtype(p)?),
        },
        "is_nan" => e.is_nan(),
        "fill_nan" => e.fill_nan(next()?),
        "sqrt" => e.sqrt(),
        "log" => e.log(pl::lit(std::f64::consts::E)),
        "exp" => e.exp(),
        "floor" => e.floor(),
        "ceil" => e.ceil(),
        // order dependent
        "cum_sum" => cum(pl::Expr::cum_sum, e),
        "cum_prod" => cum(pl::Expr::cum_prod, e),
        "cum_min" => cum(pl::Expr::cum_min, e),
        "cum_max" => cum(pl::Expr::cum_max, e),
        "shift" => e.shift(pl::lit(param_i64(p, "n")?.unwrap_or(1))),
        "diff" => e.diff(
            pl::lit(param_i64(p, "n")?.unwrap_or(1)),
            polars::series::ops::NullBehavior::Ignore,
        ),
        "pct_change" => e.pct_change(pl::lit(param_i64(p, "n")?.unwrap_or(1))),
        // `e` evaluated within the groups of the remaining arguments.
        "over" => {
            let keys: Vec<pl::Expr> = it.by_ref().collect();
            e.over(keys)?
        }
        // Over the row's key values (all the arguments; nulls equal).
        "is_first_distinct" | "is_last_distinct" | "is_unique" => {
            let keys: Vec<pl::Expr> = std::iter::once(e).chain(it.by_ref()).collect();
            let k = if keys.len() == 1 {
                keys.into_iter()
                    .next()
                    .unwrap_or_else(|| pl::lit(pl::Null {}))
            } else {
                pl::as_struct(keys)
            };
            match name {
                "is_first_distinct" => k.is_first_distinct(),
                "is_last_distinct" => k.is_last_distinct(),
                _ => k.is_unique(),
            }
        }
        // 0-based position of each row (among rows where `e` is present).
        "cum_count" => e.cum_count(false).cast(DataType::Int64) - pl::lit(1i64),
        "agg_sum" => e.sum(),
        "agg_mean" => e.mean(),
        "agg_median" => e.median(),
        "agg_min" => e.min(),
        "agg_max" => e.max(),
        "agg_std" => e.std(param_i64(p, "ddof")?.unwrap_or(1) as u8),
        "agg_var" => e.var(param_i64(p, "ddof")?.unwrap_or(1) as u8),
        "agg_count" => e.count().cast(DataType::Int64),
        "agg_size" => e.len().cast(DataType::Int64),
        "agg_first" => e.first_non_null(),
        "agg_last" => e.last_non_null(),
        "agg_nunique" => e.drop_nulls().n_unique().cast(DataType::Int64),
        "agg_prod" => e.product(),
        "rolling" => {
            let window = param_i64(p, "window")?.unwrap_or(1).max(1) as usize;
            let min_periods = param_i64(p, "min_periods")?.map_or(window, |m| m.max(0) as usize);
            let opts = pl::RollingOptionsFixedWindow {
                window_size: window,
                min_periods,
                center: param_bool(p, "center", false),
                ..Default::default()
            };
            let f = e.cast(DataType::Float64);
            match param_str(p, "how")?.as_str() {
                "mean" => f.rolling_mean(opts),
                "sum" => f.rolling_sum(opts),
                "min" => f.rolling_min(opts),
                "max" => f.rolling_max(opts),
                "std" => f.rolling_std(opts),
                "var" => f.rolling_var(opts),
                "median" => f.rolling_median(opts),
                other => bail!(Compute: "unknown rolling aggregation {other:?}"),
            }
        }
        "ewm_mean" => {
            let alpha = param(p, "alpha").and_then(|v| v.as_f64()).unwrap_or(0.5);
            let opts = pl::EWMOptions {
                alpha,
                adjust: param_bool(p, "adjust", true),
                min_periods: param_i64(p, "min_periods")?.unwrap_or(0).max(0) as usize,
                ignore_nulls: param_bool(p, "ignore_na", false),
                ..Default::default()
            };
            e.cast(DataType::Float64).ewm_mean(opts)
        }
        // pandas' linear interpolation by position; values after the last
        // valid one take it (limit_direction="forward"), leading gaps stay
        "interpolate" => e
            .interpolate(pl::InterpolationMethod::Linear)
            .fill_null_with_strategy(pl::FillNullStrategy::Forward(None)),
        "ffill" => e.fill_null_with_strategy(pl::FillNullStrategy::Forward(
            param_i64(p, "limit")?.map(|l| l as pl::IdxSize),
        )),
        "bfill" => e.fill_null_with_strategy(pl::FillNullStrategy::Backward(
            param_i64(p, "limit")?.map(|l| l as pl::IdxSize),
        )),
        "rank" => {
            let method = match param_str(p, "method")?.as_str() {
                "average" => pl::RankMethod::Average,
                "min" => pl::RankMethod::Min,
                "max" => pl::RankMethod::Max,
                "dense" => pl::RankMethod::Dense,
                "first" => pl::RankMethod::Ordinal,
                other => bail!(Compute: "invalid rank method {other:?}"),
            };
            let opts = pl::RankOptions {
                method,
                descending: !param_bool(p, "ascending", true),
            };
            e.rank(opts, None).cast(DataType::Float64)
        }
        // strings
        "str_strip" => e.str().strip_chars(chars(p)),
        "str_lstrip" => e.str().strip_chars_start(chars(p)),
        "str_rstrip" => e.str().strip_chars_end(chars(p)),
        "str_len" => e.str().len_chars().cast(DataType::Int64),
        "str_contains" => {
            let pat = param_str(p, "pat")?;
            let regex = param_bool(p, "regex", true);
            let case = param_bool(p, "case", true);
            let found = match (regex, case) {
                (false, true) => e.str().contains_literal(pl::lit(pat)),
                (false, false) => e
                    .str()
                    .to_lowercase()
                    .str()
                    .contains_literal(pl::lit(pat.to_lowercase())),
                (true, true) => e.str().contains(pl::lit(pat), true),
                (true, false) => e.str().contains(pl::lit(format!("(?i){pat}")), true),
            };
            found.fill_null(pl::lit(false))
        }
        // pandas' str dtype: a predicate on a missing string is False.
        "str_startswith" => e
            .str()
            .starts_with(pl::lit(param_str(p, "pat")?))
            .fill_null(pl::lit(false)),
        "str_endswith" => e
            .str()
            .ends_with(pl::lit(param_str(p, "pat")?))
            .fill_null(pl::lit(false)),
        "str_replace" => {
            let pat = param_str(p, "pat")?;
            let repl = param_str(p, "repl")?;
            let literal = !param_bool(p, "regex", false);
            let n = param_i64(p, "n")?.unwrap_or(-1);
            let pat = if param_bool(p, "case", true) {
                pat
            } else if literal {
                format!("(?i){}", regex_escape(&pat))
            } else {
                format!("(?i){pat}")
            };
            let literal = literal && param_bool(p, "case", true);
            if n < 0 {
                e.str().replace_all(pl::lit(pat), pl::lit(repl), literal)
            } else {
                e.str().replace_n(pl::lit(pat), pl::lit(repl), literal, n)
            }
        }
        "str_slice" => {
            // Python slice semantics on characters; start/stop may be negative.
            let start = param_i64(p, "start")?.unwrap_or(0);
            let stop = param_i64(p, "stop")?;
            match (start, stop) {
                (s, None) if s >= 0 => e.str().slice(pl::lit(s), pl::lit(pl::Null {})),
                (s, Some(t)) if s >= 0 && t >= 0 => {
                    e.str().slice(pl::lit(s), pl::lit((t - s).max(0)))
                }
                _ => {
                    let len = e.clone().str().len_chars().cast(DataType::Int64);
                    // A position counted from the end, clipped into 0..=len.
                    let norm = |v: i64| {
                        if v < 0 {
                            (len.clone() + pl::lit(v)).clip(pl::lit(0i64), len.clone())
                        } else {
                            (len.clone() * pl::lit(0i64) + pl::lit(v))
                                .clip(pl::lit(0i64), len.clone())
                        }
                    };
                    let s = norm(start);
                    let t = match stop {
                        Some(v) => norm(v),
                        None => len.clone(),
                    };
                    let length = (t - s.clone()).clip_min(pl::lit(0i64));
                    e.str().slice(s, length)
                }
            }
        }
        "str_cat" => {
            let sep = param_str(p, "sep")?;
            let mut parts = vec![e];
            for rest in it.by_ref() {
                parts.push(rest);
            }
            pl::concat_str(parts, &sep, false)
        }
        "str_to_datetime" => {
            let format = param(p, "format")
                .and_then(|v| v.as_str())
                .map(|s| s.into());
            let opts = pl::StrptimeOptions {
                format,
                strict: true,
                exact: true,
                cache: true,
            };
            e.str()
                .to_datetime(Some(TimeUnit::Microseconds), None, opts, pl::lit("raise"))
        }
        // datetimes
        "dt_year" => e.dt().year().cast(DataType::Int32),
        "dt_month" => e.dt().month().cast(DataType::Int32),
        "dt_day" => e.dt().day().cast(DataType::Int32),
        "dt_hour" => e.dt().hour().cast(DataType::Int32),
        "dt_minute" => e.dt().minute().cast(DataType::Int32),
        "dt_second" => e.dt().second().cast(DataType::Int32),
        "dt_dayofweek" => e.dt().weekday().cast(DataType::Int32) - pl::lit(1i32),
        "dt_date" => e.dt().date(),
        "dt_normalize" => e.dt().truncate(pl::lit("1d")),
        "dt_strftime" => e.dt().strftime(&param_str(p, "format")?),
        other
            if ["str_", "dt_", "list_"]
                .iter()
                .any(|p| other.starts_with(p)) =>
        {
            return crate::accessor::lower_fn(other, e, it.collect(), p)
        }
        other => bail!(NotImplemented: "expression function {other:?}"),
    })
}

fn chars(p: &serde_json::Value) -> pl::Expr {
    match param(p, "chars").and_then(|v| v.as_str()) {
        Some(c) => pl::lit(c),
        None => pl::lit(pl::Null {}),
    }
}

pub(crate) fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_literals_parse_to_the_same_bits() {
        for v in [1161099.4636000001_f64, 0.1 + 0.2, 1e-300, -123456.789012345] {
            let json = format!(r#"{{"op":"lit","value":{{"t":"float","v":{v:?}}}}}"#);
            let e: Expr = serde_json::from_str(&json).unwrap();
            assert_eq!(
                e,
                Expr::Lit {
                    value: Scalar::Float(v)
                },
                "{json}"
            );
        }
    }

    fn f(name: &str, args: Vec<Expr>) -> Expr {
        Expr::call(name, args)
    }

    #[test]
    fn window_keys_require_every_ordered_part_within_the_same_groups() {
        let (x, k) = (Expr::col("x"), Expr::col("k"));
        let over = f("over", vec![f("cum_sum", vec![x.clone()]), k.clone()]);
        assert_eq!(Expr::window_keys([&over, &x]), Some(vec![k.clone()]));
        let outside = f("cum_sum", vec![x.clone()]);
        assert_eq!(Expr::window_keys([&over, &outside]), None);
        let other = f("over", vec![f("agg_sum", vec![x.clone()]), Expr::col("j")]);
        assert_eq!(Expr::window_keys([&over, &other]), None);
        assert_eq!(Expr::window_keys([&x]), None);
    }

    #[test]
    fn only_head_and_tail_filters_can_run_on_slices_first() {
        use shardframe_core::Scalar;
        let k = Expr::col("k");
        let bin = |kind, left: Expr, right: Expr| Expr::Binary {
            kind,
            left: Box::new(left),
            right: Box::new(right),
        };
        let n = Expr::Lit {
            value: Scalar::Int(2),
        };
        let no = Expr::Lit {
            value: Scalar::Bool(false),
        };
        let pos = f("over", vec![f("cum_count", vec![k.clone()]), k.clone()]);
        let size = f("over", vec![f("agg_size", vec![k.clone()]), k.clone()]);
        let head = bin(BinOp::Lt, pos.clone(), n.clone());
        let tail = bin(
            BinOp::Le,
            bin(BinOp::Sub, size.clone(), pos.clone()),
            n.clone(),
        );
        let valid = f("is_not_null", vec![k.clone()]);
        for yes in [
            head.clone(),
            tail.clone(),
            f("fill_null", vec![head.clone(), no.clone()]),
            bin(BinOp::And, valid.clone(), tail.clone()),
        ] {
            assert!(yes.is_prefix_window_filter(), "{yes:?}");
        }
        let nth = bin(BinOp::Eq, pos.clone(), n.clone());
        let from_end = bin(BinOp::Lt, bin(BinOp::Sub, size, pos.clone()), n.clone());
        let later = bin(BinOp::Gt, pos.clone(), n.clone());
        let either = bin(BinOp::Or, valid, head.clone());
        let filled_true = f(
            "fill_null",
            vec![
                head,
                Expr::Lit {
                    value: Scalar::Bool(true),
                },
            ],
        );
        for no in [nth, later, either, filled_true] {
            assert!(!no.is_prefix_window_filter(), "{no:?}");
        }
        // rows from the end below n: a tail too
        assert!(from_end.is_prefix_window_filter());
    }

    #[test]
    fn order_dependent_functions_are_not_row_local() {
        let x = Expr::col("x");
        let cum = Expr::Fn {
            name: "cum_sum".into(),
            args: vec![x.clone()],
            params: Default::default(),
        };
        let agg = Expr::Fn {
            name: "agg_sum".into(),
            args: vec![x.clone()],
            params: Default::default(),
        };
        let abs = Expr::Fn {
            name: "abs".into(),
            args: vec![cum.clone()],
            params: Default::default(),
        };
        assert!(!cum.is_row_local() && !agg.is_row_local() && !abs.is_row_local());
        assert!(Expr::Fn {
            name: "abs".into(),
            args: vec![x],
            params: Default::default()
        }
        .is_row_local());
    }
}
