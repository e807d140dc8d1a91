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

/// A fast hasher for maps keyed by ids and short text read from the operator's own files
/// (a million row ids were checked for repeats through SipHash, a tenth of a large load), and
/// for the tile encoder's key and value dedup:
/// FxHash's step, with the product's halves folded so ids that share their low bits
/// (multiples of 1024, say) still spread over the table.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.write_u64(u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56));
    }
    fn write_u64(&mut self, v: u64) {
        let p = ((self.0.rotate_left(5) ^ v) as u128).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(v as u64);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`IdHasher`]s for `HashMap::with_hasher`.
pub type IdBuild = std::hash::BuildHasherDefault<IdHasher>;

/// A stable id for a text key: FNV-1a, cut to 53 bits so JavaScript clients keep it exact.
pub fn text_id(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h & ((1 << 53) - 1)
}

/// Attributes made when they are read instead of held per feature: a table's point layer
/// reads them from its claim rows (a million rows held every value twice). Field `k` of
/// feature `i` is what the feature's `props[k]` would hold.
pub trait Attributes: Send + Sync + std::fmt::Debug {
    /// Number of fields.
    fn width(&self) -> usize;
    /// Feature `i`'s value of field `k` (`k < width()`).
    fn value(&self, i: usize, k: usize) -> Value;
    /// Feature `i`'s values, in field order.
    fn values(&self, i: usize) -> Vec<Value> {
        (0..self.width()).map(|k| self.value(i, k)).collect()
    }
}
