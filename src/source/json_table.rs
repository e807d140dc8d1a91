//! Attribute tables from JSON: an array of flat objects. Nested values are kept as JSON text.

use std::path::Path;

use crate::error::LoadError;
use crate::table::{TextRows, TextTable, TooLarge};

pub fn read(path: &Path, bytes: &[u8]) -> Result<TextTable, LoadError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| LoadError::json(path, &e, 0))?;
    let items = value.as_array().ok_or_else(|| {
        LoadError::new(
            path,
            "a JSON table must be an array of objects, e.g. [{\"province\": \"Khost\", ...}]",
        )
    })?;
    let mut header: Vec<String> = Vec::new();
    for item in items {
        if let Some(obj) = item.as_object() {
            for k in obj.keys() {
                if !header.contains(k) {
                    header.push(k.clone());
                }
            }
        }
    }
    let mut rows = TextRows::new(header.len());
    for (i, item) in items.iter().enumerate() {
        let obj = item.as_object().ok_or_else(|| {
            LoadError::new(path, format!("item {i} (counting from 0) is not an object"))
        })?;
        let cells: Vec<String> = header
            .iter()
            .map(|k| match obj.get(k) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        // JSON has no useful line per item; number items from 1 so messages say "item N".
        rows.push(i + 1, cells.iter().map(String::as_str))
            .map_err(|_| TooLarge::error(path))?;
    }
    Ok(TextTable {
        file: crate::error::display_path(path),
        header,
        parts: vec![rows],
        spreadsheet: false,
    })
}
