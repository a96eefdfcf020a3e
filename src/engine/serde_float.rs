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

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Float {
    Number(f64),
    Text(String),
}

fn to_repr(value: f64) -> Float {
    if value.is_nan() {
        Float::Text("nan".into())
    } else if value == f64::INFINITY {
        Float::Text("inf".into())
    } else if value == f64::NEG_INFINITY {
        Float::Text("-inf".into())
    } else {
        Float::Number(value)
    }
}

fn from_repr<E: serde::de::Error>(repr: Float) -> Result<f64, E> {
    match repr {
        Float::Number(value) => Ok(value),
        Float::Text(text) => match text.as_str() {
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            "nan" => Ok(f64::NAN),
            other => Err(E::custom(format!("expected a number, \"inf\", \"-inf\" or \"nan\", got {other:?}"))),
        },
    }
}

/// Serialises one float.
pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    to_repr(*value).serialize(serializer)
}

/// Deserialises one float.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    from_repr(Float::deserialize(deserializer)?)
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
        Vec::<Float>::deserialize(deserializer)?.into_iter().map(from_repr).collect()
    }
}
