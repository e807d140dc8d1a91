//! What `--prepare-database` builds in a schema `borderland`, kept current by row triggers:
//! each claim's area (so a time window is an index range per area, not point-in-polygon for
//! every tile) and each polygon simplified per zoom band in Web Mercator (so low zooms do not
//! project and clip full-resolution rings for every tile).
//!
//! Each table is named after a hash of its definition, so a changed catalog or table never
//! reads a table built for another; a trigger that fails unregisters its table (the user's
//! write still commits) and borderland goes back to computing from the source tables.

use super::postgis::{PgRelation, Relation, SqlJoin, names_of, quote_ident};

/// The longest span of any row of a prepared area table, read through its index.
pub fn span_sql(table: &str) -> String {
    format!(
        "SELECT coalesce(max(date_end - date), 0)::int8 FROM
           (SELECT date_end, date FROM borderland.{} WHERE date_end - date IS NOT NULL
            ORDER BY date_end - date DESC LIMIT 1) AS longest",
        quote_ident(table)
    )
}

/// Zoom bands of the simplified table: zooms `b` and `b + 1` read band `b`; deeper zooms read
/// the source table.
pub const BANDS: [u8; 4] = [0, 2, 4, 6];

/// The band a zoom reads, if any.
pub fn band_of(z: u8) -> Option<u8> {
    BANDS.iter().rev().copied().find(|b| z >= *b && z <= b + 1)
}

/// One table to build: its name in schema `borderland`, what it is (for messages), and the
/// script that builds it with its triggers.
#[derive(Clone, Debug, PartialEq)]
pub struct Preparation {
    pub name: String,
    pub what: String,
    pub script: String,
}

/// Name `kind_<hash>` for a script written with the placeholder `{NAME}`.
fn named(kind: &str, what: String, template: &str, triggers: u32) -> Preparation {
    let hash = twox_hash::XxHash3_128::oneshot(template.as_bytes());
    let name = format!("{kind}_{:016x}", hash as u64);
    let lit = |t: &str| t.replace('\'', "''");
    let registry = format!(
        "CREATE SCHEMA IF NOT EXISTS borderland;
         CREATE TABLE IF NOT EXISTS borderland.prepared (name text PRIMARY KEY, what text NOT NULL,
           triggers int NOT NULL, built timestamptz NOT NULL DEFAULT now());
         DELETE FROM borderland.prepared WHERE name = '{{NAME}}';
         DROP TABLE IF EXISTS borderland.\"{{NAME}}\" CASCADE;
         DROP FUNCTION IF EXISTS borderland.\"{{NAME}}\"() CASCADE;
         DROP FUNCTION IF EXISTS borderland.\"{{NAME}}_claims\"() CASCADE;
         {template};
         ANALYZE borderland.\"{{NAME}}\";
         INSERT INTO borderland.prepared (name, what, triggers) VALUES ('{{NAME}}', '{what}', {triggers})",
        what = lit(&what),
    );
    Preparation {
        script: registry.replace("{NAME}", &name),
        name,
        what,
    }
}

/// A trigger function's body: `body`, and on any error the table leaves the registry (the
/// write that fired it still commits) with a warning in the server log.
fn guarded(body: &str, what: &str) -> String {
    format!(
        "BEGIN
           {body}
           RETURN NULL;
         EXCEPTION WHEN OTHERS THEN
           DELETE FROM borderland.prepared WHERE name = '{{NAME}}';
           RAISE WARNING 'borderland: {what} is out of date and no longer used (%)', SQLERRM;
           RETURN NULL;
         END",
        what = what.replace('\'', "''").replace('%', "%%"),
    )
}

/// Row and TRUNCATE triggers named `borderland_{NAME}{suffix}` on `table`, calling `function`.
fn triggers(table: &str, suffix: &str, function: &str) -> String {
    format!(
        "CREATE TRIGGER \"borderland_{{NAME}}{suffix}\" AFTER INSERT OR UPDATE OR DELETE ON {table}
           FOR EACH ROW EXECUTE FUNCTION {function}();
         CREATE TRIGGER \"borderland_{{NAME}}{suffix}_truncate\" AFTER TRUNCATE ON {table}
           FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )
}

/// The layer's rows simplified for each band, in Web Mercator, with their attributes: a
/// polygon or line table with an id column (`id`: its primary key or the catalog's id).
pub fn simplified(layer: &PgRelation, id: &str) -> Option<Preparation> {
    let Relation::Table { .. } = &layer.relation else {
        return None;
    };
    let table = layer.relation.from_clause();
    let g = format!("src.{}", quote_ident(&layer.geometry_column));
    let columns: Vec<String> = layer
        .columns
        .iter()
        .map(|c| format!("src.{}", quote_ident(&c.name)))
        .collect();
    let columns = columns.join(", ");
    let id = quote_ident(id);
    let bands = BANDS
        .iter()
        .map(|b| format!("({b})"))
        .collect::<Vec<_>>()
        .join(", ");
    // Half a tile unit at the band's deepest zoom (b + 1): nothing a tile shows is lost.
    let rows = format!(
        "SELECT {columns}, b.band::int2 AS __band,
                ST_SimplifyPreserveTopology(ST_Transform({g}, 3857),
                  40075016.68557849 / (4096 * power(2, b.band + 2))) AS __simplified
         FROM {{SOURCE}} AS src CROSS JOIN (VALUES {bands}) AS b(band)
         WHERE {g} IS NOT NULL"
    );
    let what = format!("the simplified copy of {}", layer.relation.describe());
    let body = format!(
        "IF TG_OP = 'TRUNCATE' THEN TRUNCATE borderland.\"{{NAME}}\"; RETURN NULL; END IF;
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           DELETE FROM borderland.\"{{NAME}}\" WHERE {id} = OLD.{id};
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN
           INSERT INTO borderland.\"{{NAME}}\" {};
         END IF;",
        rows.replace("{SOURCE}", "(SELECT NEW.*)")
    );
    let mut script = format!(
        "LOCK TABLE {table} IN SHARE MODE;
         CREATE TABLE borderland.\"{{NAME}}\" AS {};
         CREATE INDEX ON borderland.\"{{NAME}}\" ({id});",
        rows.replace("{SOURCE}", &table)
    );
    for b in BANDS {
        script.push_str(&format!(
            "CREATE INDEX ON borderland.\"{{NAME}}\" USING gist (__simplified) WHERE __band = {b};"
        ));
    }
    script.push_str(&format!(
        "CREATE FUNCTION borderland.\"{{NAME}}\"() RETURNS trigger LANGUAGE plpgsql AS $borderland$ {} $borderland$;
         {}",
        guarded(&body, &what),
        triggers(&table, "", "borderland.\"{NAME}\"")
    ));
    Some(named("simplified", what, &script, 2))
}

/// Each claim of `join` with the id of the layer row it belongs to (point in polygon, or by
/// key without a point), and the columns the aggregates read, indexed by (area, date):
/// needs tables on both sides, the layer's id column `id` and the claims' primary key.
pub fn areas(layer: &PgRelation, id: &str, join: &SqlJoin, keys: &[String]) -> Option<Preparation> {
    let (Relation::Table { .. }, Relation::Table { .. }) = (&layer.relation, &join.relation) else {
        return None;
    };
    let claim_key = quote_ident(join.primary_key.as_ref()?);
    let layer_table = layer.relation.from_clause();
    let claims_table = join.relation.from_clause();
    let id = quote_ident(id);
    let col = |role: &Option<String>, cast: &str| match role {
        Some(n) => format!("c.{}::{cast}", quote_ident(n)),
        None => format!("NULL::{cast}"),
    };
    let date = col(&join.date, "date");
    let end = match &join.date_end {
        Some(e) => format!("coalesce(c.{}::date, {date})", quote_ident(e)),
        None => date.clone(),
    };
    let select = format!(
        "SELECT c.{claim_key} AS claim, src.{id} AS area, {date} AS date, {end} AS date_end,
                {} AS grp, {} AS event_type, {} AS fatalities, {} AS source",
        col(&join.group, "text"),
        col(&join.event_type, "text"),
        col(&join.fatalities, "int8"),
        col(&join.source, "text"),
    );
    let g = quote_ident(&layer.geometry_column);
    // Two forms of one match, each with the index its side needs: from the claims (a point
    // looks up its polygon in the layer's spatial index) and from a layer row (a polygon
    // looks up its points in the claims' spatial index).
    let (by_point_from_claim, by_point_from_area) = match &join.geometry {
        Some(cg) => {
            let cg = quote_ident(cg);
            (
                format!(
                    "c.{cg} IS NOT NULL AND src.{g} && ST_Transform(c.{cg}, {ls})
                     AND ST_Intersects(src.{g}, ST_Transform(c.{cg}, {ls}))",
                    ls = layer.srid
                ),
                format!(
                    "c.{cg} IS NOT NULL AND c.{cg} && ST_Transform(src.{g}, {cs})
                     AND ST_Intersects(ST_Transform(src.{g}, {cs}), c.{cg})",
                    cs = join.srid
                ),
            )
        }
        None => ("false".to_string(), "false".to_string()),
    };
    let no_point = match &join.geometry {
        Some(cg) => format!("c.{} IS NULL", quote_ident(cg)),
        None => "true".into(),
    };
    let by_key = match (&join.key, names_of(keys)) {
        (Some(k), Some(names)) => Some((quote_ident(k), names)),
        _ => None,
    };
    // Rows without a point, matched by name: an equality join on the layer's names, so
    // the planner can hash it.
    let keyed = |claims: &str, layer: &str| match &by_key {
        Some((k, names)) => format!(
            "INSERT INTO borderland.\"{{NAME}}\" {select}
             FROM {claims} AS c
             JOIN (SELECT DISTINCT src.{id}, unnest({names}) AS __name FROM {layer} AS src) AS src
               ON lower(trim(c.{k}::text)) = src.__name
             WHERE {no_point};"
        ),
        None => String::new(),
    };
    let what = format!(
        "the area of each row of {} in {}",
        join.relation.describe(),
        layer.relation.describe()
    );
    let on_claim = format!(
        "IF TG_OP = 'TRUNCATE' THEN TRUNCATE borderland.\"{{NAME}}\"; RETURN NULL; END IF;
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           DELETE FROM borderland.\"{{NAME}}\" WHERE claim = OLD.{claim_key};
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN
           INSERT INTO borderland.\"{{NAME}}\" {select}
           FROM (SELECT NEW.*) AS c CROSS JOIN {layer_table} AS src WHERE {by_point_from_claim};
           {}
         END IF;",
        keyed("(SELECT NEW.*)", &layer_table)
    );
    let on_area = format!(
        "IF TG_OP = 'TRUNCATE' THEN TRUNCATE borderland.\"{{NAME}}\"; RETURN NULL; END IF;
         IF TG_OP IN ('UPDATE', 'DELETE') THEN
           DELETE FROM borderland.\"{{NAME}}\" WHERE area = OLD.{id};
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN
           INSERT INTO borderland.\"{{NAME}}\" {select}
           FROM {claims_table} AS c CROSS JOIN (SELECT NEW.*) AS src WHERE {by_point_from_area};
           {}
         END IF;",
        keyed(&claims_table, "(SELECT NEW.*)")
    );
    let script = format!(
        "LOCK TABLE {layer_table}, {claims_table} IN SHARE MODE;
         CREATE TABLE borderland.\"{{NAME}}\" AS {select}
           FROM {claims_table} AS c CROSS JOIN {layer_table} AS src WHERE {by_point_from_area};
         {}
         CREATE INDEX \"{{NAME}}_area_date\" ON borderland.\"{{NAME}}\" (area, date);
         CREATE INDEX ON borderland.\"{{NAME}}\" (claim);
         CREATE INDEX ON borderland.\"{{NAME}}\" ((date_end - date));
         -- An area's rows together on disk: a window then reads a few pages per area, not
         -- one page per row (measured: 200 ms to 80 ms for a z5 tile over 1M claims).
         CLUSTER borderland.\"{{NAME}}\" USING \"{{NAME}}_area_date\";
         CREATE FUNCTION borderland.\"{{NAME}}\"() RETURNS trigger LANGUAGE plpgsql AS $borderland$ {} $borderland$;
         CREATE FUNCTION borderland.\"{{NAME}}_claims\"() RETURNS trigger LANGUAGE plpgsql AS $borderland$ {} $borderland$;
         {};
         {}",
        keyed(&claims_table, &layer_table),
        guarded(&on_area, &what),
        guarded(&on_claim, &what),
        triggers(&layer_table, "", "borderland.\"{NAME}\""),
        triggers(&claims_table, "_claims", "borderland.\"{NAME}_claims\""),
    );
    Some(named("areas", what, &script, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zoom_up_to_seven_reads_a_band_and_deeper_ones_the_source() {
        let bands: Vec<Option<u8>> = (0..10).map(band_of).collect();
        assert_eq!(
            bands,
            [
                Some(0),
                Some(0),
                Some(2),
                Some(2),
                Some(4),
                Some(4),
                Some(6),
                Some(6),
                None,
                None
            ]
        );
    }
}
