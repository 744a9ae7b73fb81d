//! Logical plans for shardframe: the expression IR ([`Expr`]), the plan tree
//! ([`Plan`]) that the Python layer builds one pandas call at a time, its
//! schema (known without running anything), `explain` text, and the
//! statistics-based pruning the executor applies to scans.
//!
//! Start with [`Plan`]; [`expr::lower_fn`] lists every function the engine
//! knows and how it maps onto Polars.

mod accessor;
pub mod expr;
mod optimize;
mod plan;
pub mod prune;
mod wire;

pub use expr::{BinOp, Expr, ValueList, Values};
pub use optimize::{prune_columns, required_by_node, set_computed, Cols};
pub use plan::{
    describe, group_keys, row_index, Agg, AggFunc, CsvOptions, JoinSpec, NamedExpr, Plan, SortSpec,
    Source,
};
pub use wire::WirePlan;
