//! Serde helpers for floats that may be infinite or NaN, which JSON numbers cannot hold: such
//! values are written as the strings `"inf"`, `"-inf"` and `"nan"`.
//!
//! ```
//! use engine::moo::Fitness;
//! let fitness = Fitness { objectives: vec![0.5, f64::INFINITY], violation: 0.0 };
//! let json = serde_json::to_string(&fitness).unwrap();
//! assert_eq!(json, r#"{"objectives":[0.5,"inf"],"violation":0.0}"#);
//! assert_eq!(serde_json::from_str::<Fitness>(&json).unwrap(), fitness);
//! ```

use std::fmt;

use serde::de::{Error, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The written form: a number, or the name of a value JSON has no number for.
#[derive(Serialize)]
#[serde(untagged)]
enum Float {
    Number(f64),
    Text(&'static str),
}

fn to_repr(value: f64) -> Float {
    if value.is_nan() {
        Float::Text("nan")
    } else if value == f64::INFINITY {
        Float::Text("inf")
    } else if value == f64::NEG_INFINITY {
        Float::Text("-inf")
    } else {
        Float::Number(value)
    }
}

/// Reads a number or one of the three names. A visitor rather than a derived untagged enum:
/// that would buffer every float before reading it, and costs the page's wasm a copy of serde's
/// buffering code for each type it is read from.
struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a number, \"inf\", \"-inf\" or \"nan\"")
    }

    fn visit_f64<E: Error>(self, value: f64) -> Result<f64, E> {
        Ok(value)
    }

    fn visit_i64<E: Error>(self, value: i64) -> Result<f64, E> {
        Ok(value as f64)
    }

    fn visit_u64<E: Error>(self, value: u64) -> Result<f64, E> {
        Ok(value as f64)
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<f64, E> {
        match text {
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            "nan" => Ok(f64::NAN),
            other => Err(E::custom(format!("expected a number, \"inf\", \"-inf\" or \"nan\", got {other:?}"))),
        }
    }
}

/// One float as read by [`FloatVisitor`], for sequences.
struct Repr(f64);

impl<'de> Deserialize<'de> for Repr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FloatVisitor).map(Repr)
    }
}

/// Serialises one float.
pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    to_repr(*value).serialize(serializer)
}

/// Deserialises one float.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    deserializer.deserialize_any(FloatVisitor)
}

/// The same for a vector of floats.
pub mod vec {
    use super::*;

    /// Serialises a vector of floats.
    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        values.iter().map(|v| to_repr(*v)).collect::<Vec<_>>().serialize(serializer)
    }

    /// Deserialises a vector of floats.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Repr>::deserialize(deserializer)?.into_iter().map(|Repr(value)| value).collect())
    }
}
