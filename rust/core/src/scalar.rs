use polars::prelude::AnyValue;
use serde::{Deserialize, Serialize};

/// A single value, as stored in statistics and written in plans. Temporal
/// values are kept physical (days for dates, nanoseconds otherwise) so that
/// they compare like the integers they are stored as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(#[serde(with = "float_text")] f64),
    Str(String),
    /// Nanoseconds since the epoch, no time zone.
    Datetime(i64),
    /// Days since the epoch.
    Date(i32),
    /// Nanoseconds.
    Duration(i64),
}

impl Scalar {
    /// Statistics-friendly conversion; `None` for values we do not keep stats on.
    pub fn from_any_value(av: &AnyValue) -> Option<Scalar> {
        use polars::prelude::TimeUnit;
        let to_ns = |v: i64, tu: &TimeUnit| match tu {
            TimeUnit::Nanoseconds => v,
            TimeUnit::Microseconds => v.saturating_mul(1_000),
            TimeUnit::Milliseconds => v.saturating_mul(1_000_000),
        };
        Some(match av {
            AnyValue::Null => Scalar::Null,
            AnyValue::Boolean(b) => Scalar::Bool(*b),
            AnyValue::Int8(v) => Scalar::Int(*v as i64),
            AnyValue::Int16(v) => Scalar::Int(*v as i64),
            AnyValue::Int32(v) => Scalar::Int(*v as i64),
            AnyValue::Int64(v) => Scalar::Int(*v),
            AnyValue::UInt8(v) => Scalar::Int(*v as i64),
            AnyValue::UInt16(v) => Scalar::Int(*v as i64),
            AnyValue::UInt32(v) => Scalar::Int(*v as i64),
            AnyValue::UInt64(v) => Scalar::Int(i64::try_from(*v).ok()?),
            AnyValue::Float32(v) => Scalar::Float(*v as f64),
            AnyValue::Float64(v) => Scalar::Float(*v),
            AnyValue::String(s) => Scalar::Str(s.to_string()),
            AnyValue::StringOwned(s) => Scalar::Str(s.to_string()),
            AnyValue::Date(d) => Scalar::Date(*d),
            AnyValue::Datetime(v, tu, _) => Scalar::Datetime(to_ns(*v, tu)),
            AnyValue::DatetimeOwned(v, tu, _) => Scalar::Datetime(to_ns(*v, tu)),
            AnyValue::Duration(v, tu) => Scalar::Duration(to_ns(*v, tu)),
            _ => return None,
        })
    }

    /// Order two scalars of the same kind; `None` when they do not compare.
    pub fn partial_cmp_value(&self, other: &Scalar) -> Option<std::cmp::Ordering> {
        use Scalar::*;
        match (self, other) {
            (Int(a), Int(b)) => a.partial_cmp(b),
            (Float(a), Float(b)) => a.partial_cmp(b),
            (Int(a), Float(b)) => (*a as f64).partial_cmp(b),
            (Float(a), Int(b)) => a.partial_cmp(&(*b as f64)),
            (Str(a), Str(b)) => a.partial_cmp(b),
            (Bool(a), Bool(b)) => a.partial_cmp(b),
            (Datetime(a), Datetime(b)) | (Duration(a), Duration(b)) => a.partial_cmp(b),
            (Date(a), Date(b)) => a.partial_cmp(b),
            _ => None,
        }
    }
}

/// JSON has no number for the infinities (serde_json writes them as null):
/// they are written as the strings "inf" and "-inf", and read from either form.
mod float_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_str(&v.to_string())
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Number(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Number(v) => Ok(v),
            Repr::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Scalar;

    #[test]
    fn infinities_survive_json() {
        for v in [f64::INFINITY, f64::NEG_INFINITY, 1.5] {
            let text = serde_json::to_string(&Scalar::Float(v)).unwrap();
            assert_eq!(
                serde_json::from_str::<Scalar>(&text).unwrap(),
                Scalar::Float(v),
                "{text}"
            );
        }
        let from_python: Scalar = serde_json::from_str(r#"{"t":"float","v":"-inf"}"#).unwrap();
        assert_eq!(from_python, Scalar::Float(f64::NEG_INFINITY));
    }
}
