//! The vocabulary every layer shares: typed attribute values, field types, column types of
//! tables, and features as an id with attributes. Readers, joins, the tiler and every output
//! speak it, so it sits below all of them.

use std::sync::Arc;

use serde::Serialize;

/// A typed attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An unsigned integer above `i64::MAX` (MVT's `uint_value`); smaller ones are `Int`.
    UInt(u64),
    Float(f64),
    String(Arc<str>),
}

impl Value {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::UInt(u) => (*u).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(Into::into)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => s.as_ref().into(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn kind(&self) -> Option<FieldType> {
        match self {
            Value::Null => None,
            Value::Bool(_) => Some(FieldType::Boolean),
            Value::Int(_) | Value::UInt(_) => Some(FieldType::Integer),
            Value::Float(_) => Some(FieldType::Float),
            Value::String(_) => Some(FieldType::String),
        }
    }

    /// Convert to a field's type (integers widen to floats; anything else becomes text). A
    /// mixed field keeps each value as it is: MVT types values, not columns.
    pub fn coerce(self, to: FieldType) -> Value {
        match (self, to) {
            (Value::Null, _) => Value::Null,
            (v, FieldType::Mixed) => v,
            (Value::Int(i), FieldType::Float) => Value::Float(i as f64),
            (Value::UInt(u), FieldType::Float) => Value::Float(u as f64),
            (v, t) if v.kind() == Some(t) => v,
            (v, _) => Value::String(match v {
                Value::Bool(b) => b.to_string().into(),
                Value::Int(i) => i.to_string().into(),
                Value::UInt(u) => u.to_string().into(),
                Value::Float(f) => f.to_string().into(),
                Value::String(s) => s,
                Value::Null => unreachable!("handled above"),
            }),
        }
    }
}

/// Attribute types kept from the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Integer,
    Float,
    Boolean,
    /// Values of more than one type (say 1, "1" and 1.5): each keeps its own, and TileJSON
    /// says "Mixed" as tippecanoe does, so a filter on numbers still matches the numbers.
    Mixed,
}

impl FieldType {
    /// The TileJSON `vector_layers` convention (as tippecanoe and Martin write it).
    pub fn tilejson_name(self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Integer | FieldType::Float => "Number",
            FieldType::Boolean => "Boolean",
            FieldType::Mixed => "Mixed",
        }
    }

    pub fn union(a: Option<FieldType>, b: FieldType) -> FieldType {
        match (a, b) {
            (None, b) => b,
            (Some(a), b) if a == b => a,
            (Some(FieldType::Integer), FieldType::Float)
            | (Some(FieldType::Float), FieldType::Integer) => FieldType::Float,
            _ => FieldType::Mixed,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
}

/// Column types, inferred or declared in the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Text,
    Integer,
    Float,
    Boolean,
    Date,
}

impl ColumnType {
    /// The attribute type a column becomes in tiles (dates are ISO text).
    pub fn field_type(self) -> FieldType {
        match self {
            ColumnType::Text | ColumnType::Date => FieldType::String,
            ColumnType::Integer => FieldType::Integer,
            ColumnType::Float => FieldType::Float,
            ColumnType::Boolean => FieldType::Boolean,
        }
    }
}

/// One feature's identity and attributes; its geometry and kind live in the layer's shapes.
#[derive(Clone, Debug)]
pub struct Feature {
    /// Stable id: the same at every zoom, in tiles and in feature downloads.
    pub id: u64,
    /// Values aligned with the layer's fields.
    pub props: Box<[Value]>,
}

/// A value as text, for ids made from a property.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.to_json().to_string(),
    }
}

/// A stable id for a text key: FNV-1a, cut to 53 bits so JavaScript clients keep it exact.
pub fn text_id(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h & ((1 << 53) - 1)
}
