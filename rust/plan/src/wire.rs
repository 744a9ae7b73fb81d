//! Plans on the wire: a [`Plan`] fragment sent to a remote worker. Data never
//! travels inside it: every in-memory source becomes a numbered slot, and
//! the partitions of slot `i` travel beside the plan (as objects of the
//! remote store); file sources travel as paths the worker reads itself.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use shardframe_core::{schema_from_ipc, schema_to_ipc, PartitionRef, SfError, SfResult};

use crate::{Agg, CsvOptions, Expr, JoinSpec, NamedExpr, Plan, SortSpec, Source};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum WirePlan {
    /// The partitions of slot `index`; `schema` is an empty Arrow IPC file.
    Slot {
        index: usize,
        schema: Vec<u8>,
    },
    Parquet {
        paths: Vec<String>,
        schema: Vec<u8>,
    },
    Csv {
        paths: Vec<String>,
        options: CsvOptions,
        schema: Vec<u8>,
    },
    NdJson {
        paths: Vec<String>,
        schema: Vec<u8>,
    },
    Select {
        input: Box<WirePlan>,
        exprs: Vec<NamedExpr>,
    },
    Filter {
        input: Box<WirePlan>,
        predicate: Expr,
    },
    RowIndex {
        input: Box<WirePlan>,
        name: String,
    },
    Slice {
        input: Box<WirePlan>,
        offset: i64,
        len: usize,
    },
    Sort {
        input: Box<WirePlan>,
        spec: SortSpec,
    },
    Reduce {
        input: Box<WirePlan>,
        aggs: Vec<Agg>,
    },
    Concat {
        inputs: Vec<WirePlan>,
    },
    GroupBy {
        input: Box<WirePlan>,
        keys: Vec<NamedExpr>,
        aggs: Vec<Agg>,
        dropna: bool,
    },
    Join {
        left: Box<WirePlan>,
        right: Box<WirePlan>,
        spec: JoinSpec,
    },
    Repartition {
        input: Box<WirePlan>,
        keys: Vec<Expr>,
        n: usize,
    },
}

impl WirePlan {
    /// The wire form of `plan`; the partitions of its in-memory sources are
    /// appended to `slots`, one slot per source.
    pub fn from_plan(plan: &Plan, slots: &mut Vec<Vec<PartitionRef>>) -> SfResult<WirePlan> {
        let mut wire = |p: &Arc<Plan>| -> SfResult<Box<WirePlan>> {
            Ok(Box::new(WirePlan::from_plan(p, slots)?))
        };
        Ok(match plan {
            Plan::Scan(src) => match src.as_ref() {
                Source::Memory { parts, schema } => {
                    slots.push(parts.clone());
                    WirePlan::Slot {
                        index: slots.len() - 1,
                        schema: schema_to_ipc(schema)?,
                    }
                }
                Source::Parquet { paths, schema } => WirePlan::Parquet {
                    paths: paths.clone(),
                    schema: schema_to_ipc(schema)?,
                },
                Source::Csv {
                    paths,
                    options,
                    schema,
                } => WirePlan::Csv {
                    paths: paths.clone(),
                    options: options.clone(),
                    schema: schema_to_ipc(schema)?,
                },
                Source::NdJson { paths, schema } => WirePlan::NdJson {
                    paths: paths.clone(),
                    schema: schema_to_ipc(schema)?,
                },
            },
            Plan::Select { input, exprs } => WirePlan::Select {
                input: wire(input)?,
                exprs: exprs.clone(),
            },
            Plan::Filter { input, predicate } => WirePlan::Filter {
                input: wire(input)?,
                predicate: predicate.clone(),
            },
            Plan::RowIndex { input, name } => WirePlan::RowIndex {
                input: wire(input)?,
                name: name.clone(),
            },
            Plan::Slice { input, offset, len } => WirePlan::Slice {
                input: wire(input)?,
                offset: *offset,
                len: *len,
            },
            Plan::Sort { input, spec } => WirePlan::Sort {
                input: wire(input)?,
                spec: spec.clone(),
            },
            Plan::Reduce { input, aggs } => WirePlan::Reduce {
                input: wire(input)?,
                aggs: aggs.clone(),
            },
            Plan::GroupBy {
                input,
                keys,
                aggs,
                dropna,
            } => WirePlan::GroupBy {
                input: wire(input)?,
                keys: keys.clone(),
                aggs: aggs.clone(),
                dropna: *dropna,
            },
            Plan::Repartition { input, keys, n } => WirePlan::Repartition {
                input: wire(input)?,
                keys: keys.clone(),
                n: *n,
            },
            Plan::Join { left, right, spec } => {
                let left = wire(left)?;
                WirePlan::Join {
                    left,
                    right: wire(right)?,
                    spec: spec.clone(),
                }
            }
            Plan::Concat { inputs } => WirePlan::Concat {
                inputs: inputs
                    .iter()
                    .map(|p| WirePlan::from_plan(p, slots))
                    .collect::<SfResult<_>>()?,
            },
        })
    }

    /// The plan again, with slot `i` bound to `slots[i]`.
    pub fn bind(&self, slots: &[Vec<PartitionRef>]) -> SfResult<Arc<Plan>> {
        let bind = |w: &WirePlan| w.bind(slots);
        let plan = match self {
            WirePlan::Slot { index, schema } => {
                let parts = slots
                    .get(*index)
                    .ok_or_else(|| SfError::Internal(format!("missing input slot {index}")))?;
                Plan::Scan(Arc::new(Source::Memory {
                    parts: parts.clone(),
                    schema: schema_from_ipc(schema)?,
                }))
            }
            WirePlan::Parquet { paths, schema } => Plan::Scan(Arc::new(Source::Parquet {
                paths: paths.clone(),
                schema: schema_from_ipc(schema)?,
            })),
            WirePlan::Csv {
                paths,
                options,
                schema,
            } => Plan::Scan(Arc::new(Source::Csv {
                paths: paths.clone(),
                options: options.clone(),
                schema: schema_from_ipc(schema)?,
            })),
            WirePlan::NdJson { paths, schema } => Plan::Scan(Arc::new(Source::NdJson {
                paths: paths.clone(),
                schema: schema_from_ipc(schema)?,
            })),
            WirePlan::Select { input, exprs } => Plan::Select {
                input: bind(input)?,
                exprs: exprs.clone(),
            },
            WirePlan::Filter { input, predicate } => Plan::Filter {
                input: bind(input)?,
                predicate: predicate.clone(),
            },
            WirePlan::RowIndex { input, name } => Plan::RowIndex {
                input: bind(input)?,
                name: name.clone(),
            },
            WirePlan::Slice { input, offset, len } => Plan::Slice {
                input: bind(input)?,
                offset: *offset,
                len: *len,
            },
            WirePlan::Sort { input, spec } => Plan::Sort {
                input: bind(input)?,
                spec: spec.clone(),
            },
            WirePlan::Reduce { input, aggs } => Plan::Reduce {
                input: bind(input)?,
                aggs: aggs.clone(),
            },
            WirePlan::Concat { inputs } => Plan::Concat {
                inputs: inputs.iter().map(bind).collect::<SfResult<_>>()?,
            },
            WirePlan::GroupBy {
                input,
                keys,
                aggs,
                dropna,
            } => Plan::GroupBy {
                input: bind(input)?,
                keys: keys.clone(),
                aggs: aggs.clone(),
                dropna: *dropna,
            },
            WirePlan::Join { left, right, spec } => Plan::Join {
                left: bind(left)?,
                right: bind(right)?,
                spec: spec.clone(),
            },
            WirePlan::Repartition { input, keys, n } => Plan::Repartition {
                input: bind(input)?,
                keys: keys.clone(),
                n: *n,
            },
        };
        Ok(Arc::new(plan))
    }
}

impl Plan {
    /// The same single-input node over another input (`None` for sources,
    /// joins and concatenations).
    pub fn with_input(&self, input: Arc<Plan>) -> Option<Plan> {
        Some(match self {
            Plan::Select { exprs, .. } => Plan::Select {
                input,
                exprs: exprs.clone(),
            },
            Plan::Filter { predicate, .. } => Plan::Filter {
                input,
                predicate: predicate.clone(),
            },
            Plan::RowIndex { name, .. } => Plan::RowIndex {
                input,
                name: name.clone(),
            },
            Plan::Slice { offset, len, .. } => Plan::Slice {
                input,
                offset: *offset,
                len: *len,
            },
            Plan::Sort { spec, .. } => Plan::Sort {
                input,
                spec: spec.clone(),
            },
            Plan::Reduce { aggs, .. } => Plan::Reduce {
                input,
                aggs: aggs.clone(),
            },
            Plan::GroupBy {
                keys, aggs, dropna, ..
            } => Plan::GroupBy {
                input,
                keys: keys.clone(),
                aggs: aggs.clone(),
                dropna: *dropna,
            },
            Plan::Repartition { keys, n, .. } => Plan::Repartition {
                input,
                keys: keys.clone(),
                n: *n,
            },
            Plan::Scan(_) | Plan::Join { .. } | Plan::Concat { .. } => return None,
        })
    }

    /// An in-memory source over `parts`.
    pub fn memory(parts: Vec<PartitionRef>, schema: polars::prelude::SchemaRef) -> Plan {
        Plan::Scan(Arc::new(Source::Memory { parts, schema }))
    }
}
