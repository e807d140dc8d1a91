//! MBTiles 1.3 output through SQLite, as tippecanoe writes it (GDAL and QGIS read it):
//! TMS rows, a `metadata` table with a `json` row of `vector_layers`, and identical tiles
//! stored once through the `map`/`images` schema with a `tiles` view over them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{ExportError, Plan, TileSink};
use crate::geometry::TileCoord;

const SCHEMA: &str = "
PRAGMA application_id = 0x4d504258;
CREATE TABLE metadata (name TEXT, value TEXT);
CREATE UNIQUE INDEX name ON metadata (name);
CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT);
CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, tile_row);
CREATE TABLE images (tile_data BLOB, tile_id TEXT);
CREATE UNIQUE INDEX images_id ON images (tile_id);
CREATE VIEW tiles AS
  SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column,
         map.tile_row AS tile_row, images.tile_data AS tile_data
  FROM map JOIN images ON images.tile_id = map.tile_id;
";

/// Writes the archive at a staging path in one transaction; `export` moves it into place.
pub struct MbtilesSink {
    conn: Connection,
    /// Content hashes of the images already stored.
    stored: HashSet<u128>,
    partial: PathBuf,
    metadata: Vec<(String, String)>,
}

/// The `metadata` rows, in tippecanoe's layout.
fn metadata_rows(plan: &Plan) -> Vec<(String, String)> {
    let m = &plan.metadata;
    let text = |k: &str| match &m[k] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let list = |k: &str| {
        m[k].as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default()
    };
    let json =
        serde_json::json!({ "vector_layers": m["vector_layers"], "tilestats": m["tilestats"] });
    vec![
        ("name".into(), text("name")),
        ("format".into(), "pbf".into()),
        ("type".into(), "overlay".into()),
        ("version".into(), "2".into()),
        ("description".into(), text("description")),
        ("attribution".into(), text("attribution")),
        ("minzoom".into(), plan.minzoom.to_string()),
        ("maxzoom".into(), plan.maxzoom.to_string()),
        ("bounds".into(), list("bounds")),
        ("center".into(), list("center")),
        ("generator".into(), text("generator")),
        ("json".into(), json.to_string()),
    ]
}

impl MbtilesSink {
    pub fn create(out: &Path, plan: &Plan) -> Result<MbtilesSink, ExportError> {
        let partial = out.to_path_buf();
        let sql = |e: rusqlite::Error| ExportError::io(&partial, "write SQLite", e);
        let conn = Connection::open(&partial).map_err(sql)?;
        // One transaction, no journal: the file is renamed into place only when complete.
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(sql)?;
        conn.execute_batch(SCHEMA).map_err(sql)?;
        conn.execute_batch("BEGIN").map_err(sql)?;
        Ok(MbtilesSink {
            conn,
            stored: HashSet::new(),
            metadata: metadata_rows(plan),
            partial,
        })
    }
}

impl TileSink for MbtilesSink {
    fn add(&mut self, coord: TileCoord, gzip: &[u8]) -> Result<(), ExportError> {
        let sql = |e: rusqlite::Error| ExportError::io(&self.partial, "write SQLite", e);
        let hash = twox_hash::XxHash3_128::oneshot(gzip);
        let id = format!("{hash:032x}");
        if self.stored.insert(hash) {
            self.conn
                .prepare_cached("INSERT INTO images (tile_data, tile_id) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute((gzip, &id)))
                .map_err(sql)?;
        }
        let row = (1u64 << coord.z) - 1 - coord.y as u64;
        self.conn
            .prepare_cached(
                "INSERT INTO map (zoom_level, tile_column, tile_row, tile_id) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute((coord.z as i64, coord.x as i64, row as i64, &id)))
            .map_err(sql)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<(), ExportError> {
        let MbtilesSink {
            conn,
            partial,
            metadata,
            ..
        } = *self;
        let sql = |e: rusqlite::Error| ExportError::io(&partial, "write SQLite", e);
        for (name, value) in &metadata {
            conn.execute(
                "INSERT INTO metadata (name, value) VALUES (?1, ?2)",
                (name, value),
            )
            .map_err(sql)?;
        }
        conn.execute_batch("COMMIT").map_err(sql)?;
        conn.close().map_err(|(_, e)| sql(e))
    }
}
