//! Partition pruning: decide from a partition's min/max/null statistics that
//! no row can satisfy a predicate, so the partition is never decoded.

use std::cmp::Ordering;

use shardframe_core::{Partition, Scalar};

use crate::{BinOp, Expr};

/// `false` only when statistics prove that no row of `part` satisfies
/// `predicate`; `true` when it might.
pub fn may_match(part: &Partition, predicate: &Expr) -> bool {
    match predicate {
        Expr::Binary {
            kind: BinOp::And,
            left,
            right,
        } => may_match(part, left) && may_match(part, right),
        Expr::Binary {
            kind: BinOp::Or,
            left,
            right,
        } => may_match(part, left) || may_match(part, right),
        Expr::Binary { kind, left, right } => match (left.as_ref(), right.as_ref()) {
            (Expr::Col { name }, Expr::Lit { value }) => compare(part, name, *kind, value),
            (Expr::Lit { value }, Expr::Col { name }) => match flip(*kind) {
                Some(k) => compare(part, name, k, value),
                None => true,
            },
            _ => true,
        },
        _ => true,
    }
}

fn flip(kind: BinOp) -> Option<BinOp> {
    use BinOp::*;
    Some(match kind {
        Eq => Eq,
        Lt => Gt,
        Le => Ge,
        Gt => Lt,
        Ge => Le,
        _ => return None,
    })
}

fn compare(part: &Partition, column: &str, kind: BinOp, value: &Scalar) -> bool {
    let Some(stats) = part.column_stats(column) else {
        return true;
    };
    if stats.null_count == part.rows() && part.rows() > 0 {
        // An all-null column satisfies no comparison (pandas: NaN compares False).
        return !matches!(
            kind,
            BinOp::Eq | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        );
    }
    let (Some(min), Some(max)) = (&stats.min, &stats.max) else {
        return true;
    };
    let (Some(vs_min), Some(vs_max)) = (min.partial_cmp_value(value), max.partial_cmp_value(value))
    else {
        return true;
    };
    use BinOp::*;
    match kind {
        Eq => vs_min != Ordering::Greater && vs_max != Ordering::Less,
        Lt => vs_min == Ordering::Less,
        Le => vs_min != Ordering::Greater,
        Gt => vs_max == Ordering::Greater,
        Ge => vs_max != Ordering::Less,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::df;
    use shardframe_core::Codec;

    fn lit(v: i64) -> Box<Expr> {
        Box::new(Expr::Lit {
            value: Scalar::Int(v),
        })
    }
    fn cmp(kind: BinOp, v: i64) -> Expr {
        Expr::Binary {
            kind,
            left: Box::new(Expr::col("x")),
            right: lit(v),
        }
    }

    #[test]
    fn prunes_by_min_max() {
        let mut df = df!("x" => [10i64, 20, 30]).unwrap();
        let part = Partition::encode(&mut df, Codec::None).unwrap();
        assert!(may_match(&part, &cmp(BinOp::Gt, 29)));
        assert!(!may_match(&part, &cmp(BinOp::Gt, 30)));
        assert!(may_match(&part, &cmp(BinOp::Ge, 30)));
        assert!(!may_match(&part, &cmp(BinOp::Lt, 10)));
        assert!(!may_match(&part, &cmp(BinOp::Eq, 31)));
        assert!(may_match(&part, &cmp(BinOp::Eq, 20)));
        let both = Expr::Binary {
            kind: BinOp::And,
            left: Box::new(cmp(BinOp::Gt, 5)),
            right: Box::new(cmp(BinOp::Lt, 5)),
        };
        assert!(!may_match(&part, &both));
        // Literal on the left: 35 < x never holds.
        let flipped = Expr::Binary {
            kind: BinOp::Lt,
            left: lit(35),
            right: Box::new(Expr::col("x")),
        };
        assert!(!may_match(&part, &flipped));
    }
}
