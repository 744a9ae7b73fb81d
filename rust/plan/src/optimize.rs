//! Projection pruning: every node computes and reads only the columns some
//! ancestor uses. Frames built the pandas way carry all columns through
//! merges and selections; this pass removes the ones a result never needs,
//! down to the scans, which then decode only what is left.
//!
//! A node whose columns are all needed (and whose inputs did not change) is
//! returned as the same `Arc`, so results cached per node stay reachable.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::{Expr, NamedExpr, Plan};

pub type Cols = BTreeSet<String>;

fn expr_cols(exprs: impl IntoIterator<Item = impl std::borrow::Borrow<Expr>>) -> Cols {
    let mut out = Vec::new();
    for e in exprs {
        e.borrow().columns(&mut out);
    }
    out.into_iter().collect()
}

fn with(required: &Option<Cols>, extra: Cols) -> Option<Cols> {
    required
        .as_ref()
        .map(|r| r.union(&extra).cloned().collect())
}

/// Pruned versions of wide nodes (group-by, join, sort), so pruning the same
/// node for the same columns again returns the same `Arc`: the executor
/// caches wide results per node, and a frame used twice must hit that cache.
#[allow(clippy::type_complexity)]
static PRUNED: Mutex<Vec<(Weak<Plan>, Option<Cols>, Arc<Plan>)>> = Mutex::new(Vec::new());

/// Whether a node's result is computed and kept already (the executor's
/// cache of wide results, registered by [`set_computed`]).
static COMPUTED: OnceLock<fn(&Arc<Plan>) -> bool> = OnceLock::new();

/// Tell pruning which nodes have a kept result: such a node is left as it
/// is (reading its result is cheaper than computing fewer columns anew, and
/// a recomputed aggregate may differ from the kept one in the last bit).
pub fn set_computed(check: fn(&Arc<Plan>) -> bool) {
    let _ = COMPUTED.set(check);
}

fn computed(plan: &Arc<Plan>) -> bool {
    COMPUTED.get().is_some_and(|check| check(plan))
}

/// Requirements seen per node address while `required_by_node` runs, and
/// the (node, requirement) pairs already walked.
type Record = (HashMap<usize, Option<Cols>>, HashSet<(usize, Option<Cols>)>);

thread_local! {
    static RECORD: RefCell<Option<Record>> = const { RefCell::new(None) };
}

/// The columns of each node of `plan` that its ancestors read (`None`:
/// all), by node address: the union over every path from the root.
pub fn required_by_node(plan: &Arc<Plan>) -> HashMap<usize, Option<Cols>> {
    RECORD.with(|r| *r.borrow_mut() = Some(Default::default()));
    prune_node(plan, None);
    RECORD
        .with(|r| r.borrow_mut().take())
        .map(|(by_node, _)| by_node)
        .unwrap_or_default()
}

/// While recording: note what `plan` must provide; false when this node was
/// already walked for the same requirement (its subtree adds nothing).
fn record(plan: &Arc<Plan>, required: &Option<Cols>) -> bool {
    RECORD.with(|r| {
        let mut r = r.borrow_mut();
        let Some((by_node, walked)) = r.as_mut() else {
            return true;
        };
        let key = Arc::as_ptr(plan) as usize;
        if !walked.insert((key, required.clone())) {
            return false;
        }
        let merged = match (by_node.get(&key), required) {
            (None, req) => req.clone(),
            (Some(Some(a)), Some(b)) => Some(a.union(b).cloned().collect()),
            _ => None,
        };
        by_node.insert(key, merged);
        true
    })
}

fn recording() -> bool {
    RECORD.with(|r| r.borrow().is_some())
}

/// `plan` without its sort when `plan` is selects and filters over a sort over a
/// group-by whose keys all appear (through the selects' renames) among the
/// columns `on`: each value of `on` occurs once, so no join on `on` whose
/// order follows the other side can show the sort.
fn unsorted_unique(plan: &Arc<Plan>, on: &[String]) -> Option<Arc<Plan>> {
    match plan.as_ref() {
        Plan::Select { input, exprs } if plan.is_narrow() => {
            let below = on
                .iter()
                .map(|name| match &exprs.iter().find(|e| &e.name == name)?.expr {
                    Expr::Col { name } => Some(name.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            let new_input = unsorted_unique(input, &below)?;
            Some(Arc::new(plan.with_input(new_input)?))
        }
        Plan::Filter { input, .. } => {
            let new_input = unsorted_unique(input, on)?;
            Some(Arc::new(plan.with_input(new_input)?))
        }
        Plan::Sort { input, .. } => match input.as_ref() {
            Plan::GroupBy { keys, .. } if keys.iter().all(|k| on.contains(&k.name)) => {
                Some(input.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

/// `plan` (reduced to the columns `on`) without the deduplication that
/// makes it distinct on them, or `None` when it is not distinct that way.
/// The deduplications `drop_duplicates` plans: a filter on
/// `is_first_distinct`/`is_last_distinct` of some of the columns, or a
/// group-by on some of them without aggregations (keeping missing keys, or
/// for a join where they match nothing). Only for a semi join's right
/// side, where repeated keys change nothing.
fn without_dedupe(plan: &Arc<Plan>, on: &[String], nulls_equal: bool) -> Option<Arc<Plan>> {
    let without_dedupe = |plan: &Arc<Plan>, on: &[String]| without_dedupe(plan, on, nulls_equal);
    match plan.as_ref() {
        Plan::GroupBy {
            input,
            keys,
            aggs,
            dropna,
        } if aggs.is_empty() && !(*dropna && nulls_equal) => {
            let plain = keys
                .iter()
                .all(|k| matches!(&k.expr, Expr::Col { .. }) && on.contains(&k.name));
            plain.then(|| {
                Arc::new(Plan::Select {
                    input: input.clone(),
                    exprs: keys.clone(),
                })
            })
        }
        Plan::Select { input, exprs } if plan.is_narrow() => {
            let below = on
                .iter()
                .filter_map(|name| match &exprs.iter().find(|e| &e.name == name)?.expr {
                    Expr::Col { name } => Some(name.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>();
            let new_input = without_dedupe(input, &below)?;
            Some(Arc::new(plan.with_input(new_input)?))
        }
        Plan::Sort { input, .. } => without_dedupe(input, on),
        Plan::Filter {
            input,
            predicate: Expr::Col { name: flag },
        } => {
            let Plan::Select { input: rows, exprs } = input.as_ref() else {
                return None;
            };
            let flag_expr = &exprs.iter().find(|e| &e.name == flag)?.expr;
            let Expr::Fn { name, args, .. } = flag_expr else {
                return None;
            };
            let Some(Expr::Fn {
                name: f,
                args: keys,
                ..
            }) = args.first()
            else {
                return None;
            };
            let distinct_on = |e: &Expr| matches!(e, Expr::Col { name } if on.contains(name));
            let first_or_last = matches!(f.as_str(), "is_first_distinct" | "is_last_distinct");
            if name != "over" || !first_or_last || !keys.iter().all(distinct_on) {
                return None;
            }
            let kept = exprs.iter().filter(|e| &e.name != flag).cloned().collect();
            Some(Arc::new(Plan::Select {
                input: rows.clone(),
                exprs: kept,
            }))
        }
        _ => None,
    }
}

/// The names of `plan`'s output columns, read off the plan where it names
/// them (a selection's names stand even when an input below was replaced by
/// a result holding only the columns this query reads, which its full
/// schema would not find), else from its schema.
fn output_names(plan: &Plan) -> Option<Vec<String>> {
    match plan {
        Plan::Select { exprs, .. } => Some(exprs.iter().map(|e| e.name.clone()).collect()),
        Plan::RowIndex { input, name } => {
            let mut names = output_names(input)?;
            names.push(name.clone());
            Some(names)
        }
        Plan::Filter { input, .. } | Plan::Slice { input, .. } | Plan::Sort { input, .. } => {
            output_names(input)
        }
        _ => Some(
            plan.schema()
                .ok()?
                .iter_names()
                .map(|n| n.to_string())
                .collect(),
        ),
    }
}

/// The columns of a join's output that come from its right side: those
/// its left side does not have (the join's own schema names them).
fn right_output_names(join: &Plan, left: &Plan) -> Option<Cols> {
    let (out, ls) = (join.schema().ok()?, left.schema().ok()?);
    Some(
        out.iter_names()
            .filter(|n| ls.get(n.as_str()).is_none())
            .map(|n| n.to_string())
            .collect(),
    )
}

/// `plan` reduced to the columns in `required` (all when `None`).
pub fn prune_columns(plan: &Arc<Plan>, required: Option<Cols>) -> Arc<Plan> {
    if recording() {
        return prune_node(plan, required);
    }
    if !matches!(
        plan.as_ref(),
        Plan::GroupBy { .. } | Plan::Join { .. } | Plan::Sort { .. }
    ) {
        return prune_node(plan, required);
    }
    if computed(plan) {
        return plan.clone();
    }
    if let Ok(mut memo) = PRUNED.lock() {
        memo.retain(|(w, _, _)| w.strong_count() > 0);
        if let Some((_, _, done)) = memo
            .iter()
            .find(|(w, r, _)| *r == required && w.upgrade().is_some_and(|p| Arc::ptr_eq(&p, plan)))
        {
            return done.clone();
        }
    }
    let done = prune_node(plan, required.clone());
    // An unchanged node is its own result: remembering it would keep it (and
    // its cached result) alive forever through its own entry.
    if !Arc::ptr_eq(&done, plan) {
        if let Ok(mut memo) = PRUNED.lock() {
            memo.push((Arc::downgrade(plan), required, done.clone()));
        }
    }
    done
}

fn prune_node(plan: &Arc<Plan>, required: Option<Cols>) -> Arc<Plan> {
    if !record(plan, &required) {
        return plan.clone();
    }
    let same_or = |new: Plan, changed: bool| if changed { Arc::new(new) } else { plan.clone() };
    match plan.as_ref() {
        Plan::Scan(src) => match &required {
            // A projection right above the scan: the pipeline then decodes
            // only these columns.
            Some(r) if r.len() < src.schema().len() => {
                let exprs: Vec<NamedExpr> = src
                    .schema()
                    .iter_names()
                    .filter(|n| r.contains(n.as_str()))
                    .map(|n| NamedExpr {
                        name: n.to_string(),
                        expr: Expr::col(n.as_str()),
                    })
                    .collect();
                if exprs.is_empty() {
                    return plan.clone();
                }
                Arc::new(Plan::Select {
                    input: plan.clone(),
                    exprs,
                })
            }
            _ => plan.clone(),
        },
        Plan::Select { input, exprs } => {
            let kept: Vec<_> = match &required {
                Some(r) => exprs
                    .iter()
                    .filter(|e| r.contains(&e.name))
                    .cloned()
                    .collect(),
                None => exprs.clone(),
            };
            // A select with nothing left still fixes the row count: keep one column.
            let kept = if kept.is_empty() {
                exprs.iter().take(1).cloned().collect()
            } else {
                kept
            };
            let new_input = prune_columns(input, Some(expr_cols(kept.iter().map(|e| &e.expr))));
            let changed = kept.len() != exprs.len() || !Arc::ptr_eq(&new_input, input);
            same_or(
                Plan::Select {
                    input: new_input,
                    exprs: kept,
                },
                changed,
            )
        }
        Plan::Filter { input, predicate } => {
            let new_input = prune_columns(input, with(&required, expr_cols([predicate])));
            let changed = !Arc::ptr_eq(&new_input, input);
            same_or(
                Plan::Filter {
                    input: new_input,
                    predicate: predicate.clone(),
                },
                changed,
            )
        }
        // Positions nobody reads are not numbered.
        Plan::RowIndex { input, name } if required.as_ref().is_some_and(|r| !r.contains(name)) => {
            prune_columns(input, required)
        }
        Plan::RowIndex { input, name } => {
            let below = required.map(|mut r| {
                r.remove(name);
                r
            });
            let new_input = prune_columns(input, below);
            let changed = !Arc::ptr_eq(&new_input, input);
            same_or(
                Plan::RowIndex {
                    input: new_input,
                    name: name.clone(),
                },
                changed,
            )
        }
        Plan::Slice { input, offset, len } => {
            let new_input = prune_columns(input, required);
            let changed = !Arc::ptr_eq(&new_input, input);
            same_or(
                Plan::Slice {
                    input: new_input,
                    offset: *offset,
                    len: *len,
                },
                changed,
            )
        }
        Plan::Sort { input, spec } => {
            let new_input = prune_columns(input, with(&required, expr_cols(&spec.by)));
            let changed = !Arc::ptr_eq(&new_input, input);
            same_or(
                Plan::Sort {
                    input: new_input,
                    spec: spec.clone(),
                },
                changed,
            )
        }
        Plan::Reduce { input, aggs } => {
            let new_input = prune_columns(input, Some(expr_cols(aggs.iter().map(|a| &a.expr))));
            let changed = !Arc::ptr_eq(&new_input, input);
            same_or(
                Plan::Reduce {
                    input: new_input,
                    aggs: aggs.clone(),
                },
                changed,
            )
        }
        Plan::GroupBy {
            input,
            keys,
            aggs,
            dropna,
        } => {
            let kept: Vec<_> = match &required {
                Some(r) => aggs
                    .iter()
                    .filter(|a| r.contains(&a.name))
                    .cloned()
                    .collect(),
                None => aggs.clone(),
            };
            let mut cols = expr_cols(keys.iter().map(|k| &k.expr));
            cols.extend(expr_cols(kept.iter().map(|a| &a.expr)));
            let new_input = prune_columns(input, Some(cols));
            let changed = kept.len() != aggs.len() || !Arc::ptr_eq(&new_input, input);
            same_or(
                Plan::GroupBy {
                    input: new_input,
                    keys: keys.clone(),
                    aggs: kept,
                    dropna: *dropna,
                },
                changed,
            )
        }
        Plan::Join { left, right, spec } => {
            let side = |input: &Arc<Plan>, keys: &[String]| -> Arc<Plan> {
                let Some(r) = &required else {
                    return prune_columns(input, None);
                };
                let Some(names) = output_names(input) else {
                    return input.clone();
                };
                // A name the other side also has may come back with a suffix:
                // keep every column whose name (or suffixed name) is needed.
                let mut cols: Cols = keys.iter().cloned().collect();
                for n in names {
                    if r.contains(&n) || r.contains(&format!("{n}{}", spec.suffix)) {
                        cols.insert(n);
                    }
                }
                prune_columns(input, Some(cols))
            };
            // The result follows the left side's order, and a right side
            // with one row per key value cannot reorder it: a sort there
            // (a group-by's) is wasted.
            let follows_left = matches!(spec.how.as_str(), "inner" | "left" | "semi" | "anti")
                && spec.maintain_order == "left_right";
            // Pruned first: the unread columns gone (a row number merge
            // adds for a right RangeIndex), the shapes below show.
            let mut new_right = side(right, &spec.right_on);
            if follows_left {
                if let Some(unsorted) = unsorted_unique(&new_right, &spec.right_on) {
                    new_right = unsorted;
                }
            }
            // An inner join in left order with a right side deduplicated on
            // its keys, none of whose columns is read: each left row matches
            // at most once and gains nothing, which is a semi join (no
            // deduplication needed): `o.merge(li[["k"]].drop_duplicates())`.
            let unread = |names: &Cols| required.as_ref().is_some_and(|r| r.is_disjoint(names));
            let semi = match spec.how.as_str() {
                "inner" if follows_left => right_output_names(plan, left)
                    .filter(unread)
                    .and_then(|_| without_dedupe(&new_right, &spec.right_on, spec.nulls_equal)),
                _ => None,
            };
            let mut spec = spec.clone();
            let to_semi = semi.is_some();
            if let Some(rows) = semi {
                spec.how = "semi".into();
                new_right = rows;
            }
            let new_left = side(left, &spec.left_on);
            let changed =
                to_semi || !Arc::ptr_eq(&new_left, left) || !Arc::ptr_eq(&new_right, right);
            same_or(
                Plan::Join {
                    left: new_left,
                    right: new_right,
                    spec,
                },
                changed,
            )
        }
        Plan::Repartition { input, keys, n } => {
            let new_input = prune_columns(input, with(&required, expr_cols(keys)));
            let changed = !Arc::ptr_eq(&new_input, input);
            same_or(
                Plan::Repartition {
                    input: new_input,
                    keys: keys.clone(),
                    n: *n,
                },
                changed,
            )
        }
        Plan::Concat { inputs } => {
            let new_inputs: Vec<_> = inputs
                .iter()
                .map(|i| prune_columns(i, required.clone()))
                .collect();
            let changed = new_inputs
                .iter()
                .zip(inputs)
                .any(|(a, b)| !Arc::ptr_eq(a, b));
            same_or(Plan::Concat { inputs: new_inputs }, changed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{JoinSpec, Source};
    use shardframe_core::{Codec, Partition};

    fn scan(cols: &[&str]) -> Arc<Plan> {
        let mut df = polars::prelude::DataFrame::new(
            1,
            cols.iter()
                .map(|c| polars::prelude::Column::new((*c).into(), [1i64]))
                .collect(),
        )
        .unwrap();
        let part = Arc::new(Partition::encode(&mut df, Codec::None).unwrap());
        Arc::new(Plan::Scan(Arc::new(Source::Memory {
            parts: vec![part],
            schema: df.schema().clone(),
        })))
    }

    #[test]
    fn pruning_does_not_keep_a_dropped_plan_alive() {
        let sort = Arc::new(Plan::Sort {
            input: scan(&["a"]),
            spec: crate::SortSpec {
                by: vec![Expr::col("a")],
                descending: vec![false],
                nulls_last: true,
                stable: true,
            },
        });
        let pruned = prune_columns(&sort, None);
        assert!(
            Arc::ptr_eq(&pruned, &sort),
            "nothing to prune: the same node"
        );
        let weak = Arc::downgrade(&sort);
        drop((sort, pruned));
        assert_eq!(weak.strong_count(), 0, "the memo kept the plan alive");
    }

    fn names(plan: &Arc<Plan>) -> Vec<String> {
        plan.schema()
            .unwrap()
            .iter_names()
            .map(|n| n.to_string())
            .collect()
    }

    fn select(input: Arc<Plan>, names: &[&str]) -> Arc<Plan> {
        let exprs = names
            .iter()
            .map(|n| NamedExpr {
                name: n.to_string(),
                expr: Expr::col(*n),
            })
            .collect();
        Arc::new(Plan::Select { input, exprs })
    }

    #[test]
    fn unused_columns_are_dropped_through_joins() {
        let left = select(scan(&["k", "a", "b"]), &["k", "a", "b"]);
        let right = select(scan(&["k2", "c", "d"]), &["k2", "c", "d"]);
        let spec = JoinSpec {
            suffix: "_r".into(),
            ..JoinSpec::on("inner", "k", "k2")
        };
        let join = Arc::new(Plan::Join { left, right, spec });
        let top = select(join, &["a", "c"]);
        let pruned = prune_columns(&top, None);
        let top_names = names(&pruned);
        assert_eq!(top_names, ["a", "c"]);
        let Plan::Select { input, .. } = pruned.as_ref() else {
            panic!()
        };
        let Plan::Join { left, right, .. } = input.as_ref() else {
            panic!()
        };
        let l = names(&left);
        let r = names(&right);
        assert_eq!(l, ["k", "a"]);
        assert_eq!(r, ["k2", "c"]);
    }

    #[test]
    fn nothing_to_prune_keeps_the_same_nodes() {
        let top = select(scan(&["a", "b"]), &["a", "b"]);
        assert!(Arc::ptr_eq(&prune_columns(&top, None), &top));
    }

    fn has_sort(plan: &Plan) -> bool {
        matches!(plan, Plan::Sort { .. }) || plan.input().is_some_and(|i| has_sort(i))
    }

    #[test]
    fn a_sorted_group_by_joined_on_its_keys_is_not_sorted() {
        let grouped = Arc::new(Plan::GroupBy {
            input: scan(&["g", "v"]),
            keys: vec![NamedExpr {
                name: "__k0".into(),
                expr: Expr::col("g"),
            }],
            aggs: vec![crate::Agg::of("s", crate::AggFunc::Sum, Expr::col("v"))],
            dropna: true,
        });
        let sorted = Arc::new(Plan::Sort {
            input: grouped,
            spec: crate::SortSpec {
                by: vec![Expr::col("__k0")],
                descending: vec![false],
                nulls_last: true,
                stable: false,
            },
        });
        let right = Arc::new(Plan::Select {
            input: sorted,
            exprs: vec![
                NamedExpr {
                    name: "k2".into(),
                    expr: Expr::col("__k0"),
                },
                NamedExpr {
                    name: "s".into(),
                    expr: Expr::col("s"),
                },
            ],
        });
        let join = |how: &str, order: &str| {
            let spec = JoinSpec {
                maintain_order: order.into(),
                ..JoinSpec::on(how, "k", "k2")
            };
            let plan = Arc::new(Plan::Join {
                left: scan(&["k", "a"]),
                right: right.clone(),
                spec,
            });
            let pruned = prune_columns(&plan, None);
            let Plan::Join { right, .. } = pruned.as_ref() else {
                panic!()
            };
            has_sort(right)
        };
        assert!(!join("inner", "left_right"));
        assert!(!join("left", "left_right"));
        // The right side's order shows in these.
        assert!(join("right", "left_right"));
        assert!(join("inner", "right_left"));
    }

    /// `rows[["k2"]].drop_duplicates()` as the Python layer plans it.
    fn deduplicated(rows: Arc<Plan>, key: &str, flag_fn: &str) -> Arc<Plan> {
        let flag = Expr::Fn {
            name: "over".into(),
            args: vec![
                Expr::Fn {
                    name: flag_fn.into(),
                    args: vec![Expr::col(key)],
                    params: serde_json::Value::Null,
                },
                Expr::col(key),
            ],
            params: serde_json::Value::Null,
        };
        let named = |name: &str, expr: Expr| NamedExpr {
            name: name.into(),
            expr,
        };
        let flagged = Arc::new(Plan::Select {
            input: rows,
            exprs: vec![named(key, Expr::col(key)), named("__kept", flag)],
        });
        let kept = Arc::new(Plan::Filter {
            input: flagged,
            predicate: Expr::col("__kept"),
        });
        Arc::new(Plan::Select {
            input: kept,
            exprs: vec![named(key, Expr::col(key))],
        })
    }

    #[test]
    fn a_join_with_deduplicated_keys_whose_columns_are_unread_is_a_semi_join() {
        let run = |how: &str, flag_fn: &str, read: &[&str]| {
            let plan = Arc::new(Plan::Join {
                left: scan(&["k", "a"]),
                right: deduplicated(scan(&["k2", "b"]), "k2", flag_fn),
                spec: JoinSpec::on(how, "k", "k2"),
            });
            let read = read.iter().map(|c| c.to_string()).collect();
            let pruned = prune_columns(&plan, Some(read));
            let Plan::Join { right, spec, .. } = pruned.as_ref() else {
                panic!()
            };
            let deduped = format!("{right:?}").contains(flag_fn);
            (spec.how.clone(), deduped)
        };
        assert_eq!(
            run("inner", "is_first_distinct", &["k", "a"]),
            ("semi".into(), false)
        );
        assert_eq!(
            run("inner", "is_last_distinct", &["a"]),
            ("semi".into(), false)
        );
        // The right key is read, the rows are not deduplicated on the key,
        // or unmatched left rows stay: unchanged.
        assert_eq!(
            run("inner", "is_first_distinct", &["a", "k2"]),
            ("inner".into(), true)
        );
        assert_eq!(run("inner", "is_unique", &["a"]), ("inner".into(), true));
        assert_eq!(
            run("left", "is_first_distinct", &["a"]),
            ("left".into(), true)
        );
    }
}
