//! PostGIS as a source: tables, views and SQL queries with a geometry column, read through a
//! bounded connection pool. Tiles are cut in the database (`ST_AsMVT`), so data larger than
//! memory and shared by several editors is served without loading it.
//!
//! Callers are synchronous (dataset builds, the tiler on the blocking pool), so every query
//! runs on one small runtime of this module's own and its answer is handed back over a
//! channel: that works from any thread, inside the server's runtime or not. Request values
//! reach SQL only as parameters; SQL text comes from the operator's catalog.

use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use tokio_postgres::types::{ToSql, Type};

use crate::value::FieldType;

/// Connections per database URL; requests beyond wait (up to [`WAIT`]) for a free one.
pub const POOL_SIZE: usize = 16;
/// How long a request waits for a connection, to connect, or for a statement, before the
/// database counts as unavailable.
pub const WAIT: Duration = Duration::from_secs(5);
/// Longest statement; the server answers 503 beyond it.
pub const STATEMENT_TIMEOUT_MS: u32 = 20_000;

/// Why a database request failed.
#[derive(Clone, Debug, PartialEq)]
pub struct PgError {
    pub message: String,
    /// The database could not be reached (down, restarting, pool exhausted): worth retrying,
    /// answered with 503. Otherwise the query itself failed (a catalog mistake).
    pub unavailable: bool,
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PgError {}

impl PgError {
    fn unavailable(message: impl Into<String>) -> PgError {
        PgError {
            message: message.into(),
            unavailable: true,
        }
    }

    fn query(message: impl Into<String>) -> PgError {
        PgError {
            message: message.into(),
            unavailable: false,
        }
    }
}

impl From<tokio_postgres::Error> for PgError {
    fn from(e: tokio_postgres::Error) -> PgError {
        match e.as_db_error() {
            // The statement timeout and "the database is shutting down" are outages too.
            Some(db) if db.code().code().starts_with("57") => {
                PgError::unavailable(format!("the database is unavailable: {}", db.message()))
            }
            Some(db) => PgError::query(format!(
                "the database refused the query: {}{}",
                db.message(),
                db.hint()
                    .map(|h| format!(" (hint: {h})"))
                    .unwrap_or_default()
            )),
            None => PgError::unavailable(format!("the database is unavailable: {e}")),
        }
    }
}

impl From<deadpool_postgres::PoolError> for PgError {
    fn from(e: deadpool_postgres::PoolError) -> PgError {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => PgError::unavailable(format!("no database connection: {other}")),
        }
    }
}

/// A database borderland reads from: one pool per URL, shared by every layer and reload.
pub struct Postgis {
    pool: Pool,
    /// The URL as given (with any password): only for opening the listening connection.
    url: String,
    /// The URL without its password, for messages and the catalog.
    pub label: String,
}

impl std::fmt::Debug for Postgis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgis")
            .field("label", &self.label)
            .finish()
    }
}

/// Whether a serve argument is a database URL rather than a file.
pub fn is_url(text: &str) -> bool {
    text.starts_with("postgresql://") || text.starts_with("postgres://")
}

fn runtime() -> Result<&'static tokio::runtime::Runtime, PgError> {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("postgis")
                .enable_all()
                .build()
                .ok()
        })
        .as_ref()
        .ok_or_else(|| PgError::unavailable("cannot start the database runtime"))
}

/// Run `fut` on this module's runtime and wait for it, from any thread.
fn run<T: Send + 'static>(
    fut: impl Future<Output = Result<T, PgError>> + Send + 'static,
) -> Result<T, PgError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime()?.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv_timeout(Duration::from_millis(STATEMENT_TIMEOUT_MS as u64) + WAIT * 2)
        .map_err(|_| PgError::unavailable("the database did not answer in time"))?
}

/// As [`run`], without a deadline: for the operator's one-off preparation of large tables.
fn run_unhurried<T: Send + 'static>(
    fut: impl Future<Output = Result<T, PgError>> + Send + 'static,
) -> Result<T, PgError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime()?.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv()
        .map_err(|_| PgError::unavailable("the database runtime stopped"))?
}

/// Double-quote an identifier for SQL text.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The pool for `url`, created on first use and shared afterwards (reloads reuse it).
pub fn connect(url: &str) -> Result<Arc<Postgis>, PgError> {
    static POOLS: OnceLock<Mutex<HashMap<String, Arc<Postgis>>>> = OnceLock::new();
    let pools = POOLS.get_or_init(Default::default);
    if let Some(db) = pools.lock().ok().and_then(|p| p.get(url).cloned()) {
        return Ok(db);
    }
    let mut config = tokio_postgres::Config::from_str(url).map_err(|e| {
        PgError::query(format!(
            "not a PostgreSQL URL ({e}); expected postgresql://user@host:port/database"
        ))
    })?;
    config
        .connect_timeout(WAIT)
        .application_name("borderland")
        .options(format!("-c statement_timeout={STATEMENT_TIMEOUT_MS}"));
    let label = label(&config);
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(POOL_SIZE)
        .wait_timeout(Some(WAIT))
        .create_timeout(Some(WAIT))
        .recycle_timeout(Some(WAIT))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| PgError::query(format!("cannot make a connection pool: {e}")))?;
    let db = Arc::new(Postgis {
        pool,
        url: url.to_string(),
        label,
    });
    if let Ok(mut p) = pools.lock() {
        p.insert(url.to_string(), Arc::clone(&db));
    }
    Ok(db)
}

/// `postgresql://user@host:port/database`, without the password.
fn label(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgresql://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// What a layer reads: a table or view (by name), or the operator's SQL query.
#[derive(Clone, Debug, PartialEq)]
pub enum Relation {
    Table { schema: String, name: String },
    Sql(String),
}

impl Relation {
    /// `schema.table`, or `name` (taken to be in `public`), from the catalog.
    pub fn table(text: &str) -> Relation {
        match text.split_once('.') {
            Some((schema, name)) => Relation::Table {
                schema: schema.to_string(),
                name: name.to_string(),
            },
            None => Relation::Table {
                schema: "public".into(),
                name: text.to_string(),
            },
        }
    }

    /// SQL text usable after FROM.
    pub fn from_clause(&self) -> String {
        match self {
            Relation::Table { schema, name } => {
                format!("{}.{}", quote_ident(schema), quote_ident(name))
            }
            Relation::Sql(sql) => format!("({}) AS src_query", sql.trim().trim_end_matches(';')),
        }
    }

    /// SQL text for FROM with the alias `alias`.
    pub fn from_as(&self, alias: &str) -> String {
        match self {
            Relation::Table { .. } => format!("{} AS {alias}", self.from_clause()),
            Relation::Sql(sql) => format!("({}) AS {alias}", sql.trim().trim_end_matches(';')),
        }
    }

    /// How messages name it.
    pub fn describe(&self) -> String {
        match self {
            Relation::Table { schema, name } => format!("table {schema}.{name}"),
            Relation::Sql(_) => "the layer's sql query".into(),
        }
    }
}

/// A column of a relation, with the type borderland serves it as.
#[derive(Clone, Debug, PartialEq)]
pub struct PgColumn {
    pub name: String,
    /// The PostgreSQL type name (int4, text, date, …).
    pub pg_type: String,
    pub kind: FieldType,
}

impl PgColumn {
    /// The select-list expression that serves this column with its field type (dates and
    /// other types as ISO text, numerics as floats).
    pub fn select_expr(&self, qualifier: &str) -> String {
        let col = format!("{qualifier}{}", quote_ident(&self.name));
        let out = quote_ident(&self.name);
        match (self.kind, self.pg_type.as_str()) {
            (FieldType::Integer, "int8") | (FieldType::Boolean, _) => format!("{col} AS {out}"),
            (FieldType::Integer, _) => format!("{col}::int8 AS {out}"),
            (FieldType::Float, _) => format!("{col}::float8 AS {out}"),
            _ => format!("{col}::text AS {out}"),
        }
    }
}

/// A relation with a geometry column, as found in the database.
#[derive(Clone, Debug)]
pub struct PgRelation {
    pub relation: Relation,
    pub geometry_column: String,
    pub srid: i32,
    /// Geometry types present (`POINT`, `MULTIPOLYGON`, …), upper case.
    pub geometry_types: Vec<String>,
    /// Attribute columns (not the geometry).
    pub columns: Vec<PgColumn>,
    /// The single-column primary key, when there is one.
    pub primary_key: Option<String>,
    pub row_count: i64,
    /// `[west, south, east, north]` in degrees; `None` for an empty relation.
    pub bounds: Option<[f64; 4]>,
}

/// Field type of a PostgreSQL type; `None` for types not served as attributes.
fn field_type(t: &Type) -> Option<FieldType> {
    match t.name() {
        "int2" | "int4" | "int8" => Some(FieldType::Integer),
        "float4" | "float8" | "numeric" => Some(FieldType::Float),
        "bool" => Some(FieldType::Boolean),
        "geometry" | "geography" | "bytea" | "raster" => None,
        _ => Some(FieldType::String),
    }
}

impl Postgis {
    async fn client(pool: &Pool) -> Result<deadpool_postgres::Object, PgError> {
        Ok(pool.get().await?)
    }

    /// Every table and view with a geometry column (`geometry_columns`), in name order.
    pub fn discover(&self) -> Result<Vec<(Relation, String)>, PgError> {
        let pool = self.pool.clone();
        run(async move {
            let client = Postgis::client(&pool).await?;
            let rows = client
                .query(
                    "SELECT f_table_schema::text, f_table_name::text, f_geometry_column::text
                     FROM geometry_columns
                     WHERE f_table_schema NOT IN ('pg_catalog', 'information_schema', 'topology', 'tiger', 'borderland')
                     ORDER BY 1, 2, 3",
                    &[],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| {
                    (
                        Relation::Table {
                            schema: r.get(0),
                            name: r.get(1),
                        },
                        r.get(2),
                    )
                })
                .collect())
        })
    }

    /// Columns, geometry column, SRID, types, row count and bounds of `relation`.
    /// `geometry_column` picks one when the relation has several.
    pub fn describe(
        &self,
        relation: &Relation,
        geometry_column: Option<&str>,
    ) -> Result<PgRelation, PgError> {
        let pool = self.pool.clone();
        let relation = relation.clone();
        let wanted = geometry_column.map(str::to_string);
        run(async move {
            let client = Postgis::client(&pool).await?;
            let from = relation.from_clause();
            let stmt = client
                .prepare(&format!("SELECT * FROM {from} LIMIT 0"))
                .await?;
            let geometry_columns: Vec<String> = stmt
                .columns()
                .iter()
                .filter(|c| c.type_().name() == "geometry")
                .map(|c| c.name().to_string())
                .collect();
            let geometry_column = match &wanted {
                Some(w) if geometry_columns.contains(w) => w.clone(),
                Some(w) => {
                    return Err(PgError::query(format!(
                        "{} has no geometry column '{w}' (geometry columns: {})",
                        relation.describe(),
                        geometry_columns.join(", ")
                    )));
                }
                None => geometry_columns.first().cloned().ok_or_else(|| {
                    PgError::query(format!("{} has no geometry column", relation.describe()))
                })?,
            };
            let columns = stmt
                .columns()
                .iter()
                .filter_map(|c| {
                    field_type(c.type_()).map(|kind| PgColumn {
                        name: c.name().to_string(),
                        pg_type: c.type_().name().to_string(),
                        kind,
                    })
                })
                .collect();
            let g = quote_ident(&geometry_column);
            let srid: Option<i32> = client
                .query_opt(
                    &format!("SELECT ST_SRID({g}) FROM {from} WHERE {g} IS NOT NULL LIMIT 1"),
                    &[],
                )
                .await?
                .map(|r| r.get(0));
            let srid = srid.unwrap_or(4326);
            if srid == 0 {
                return Err(PgError::query(format!(
                    "{} column '{geometry_column}' has no SRID; set one (ST_SetSRID) so it can be projected",
                    relation.describe()
                )));
            }
            let facts = client
                .query_one(
                    &format!(
                        "SELECT n, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
                         FROM (SELECT count(*)::int8 AS n,
                                      ST_Transform(ST_SetSRID(ST_Extent({g})::geometry, {srid}), 4326) AS e
                               FROM {from}) AS facts"
                    ),
                    &[],
                )
                .await?;
            let row_count: i64 = facts.get(0);
            let b: [Option<f64>; 4] = [facts.get(1), facts.get(2), facts.get(3), facts.get(4)];
            let bounds = match b {
                [Some(w), Some(s), Some(e), Some(n)] => Some([w, s, e, n]),
                _ => None,
            };
            let types = client
                .query(
                    &format!(
                        "SELECT DISTINCT upper(GeometryType({g})) FROM
                         (SELECT {g} FROM {from} WHERE {g} IS NOT NULL LIMIT 10000) AS sample"
                    ),
                    &[],
                )
                .await?;
            let mut geometry_types: Vec<String> = types
                .iter()
                .filter_map(|r| r.get::<_, Option<String>>(0))
                .collect();
            geometry_types.sort();
            let primary_key = match &relation {
                Relation::Table { schema, name } => {
                    let rows = client
                        .query(
                            "SELECT a.attname::text FROM pg_index i
                             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                             WHERE i.indisprimary
                               AND i.indrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass",
                            &[schema, name],
                        )
                        .await?;
                    (rows.len() == 1).then(|| rows[0].get(0))
                }
                Relation::Sql(_) => None,
            };
            Ok(PgRelation {
                relation,
                geometry_column,
                srid,
                geometry_types,
                columns,
                primary_key,
                row_count,
                bounds,
            })
        })
    }

    /// One row of `sql` with `params`, its first column as bytes (`ST_AsMVT`'s tile).
    pub fn tile(&self, sql: &str, params: Vec<Param>) -> Result<Vec<u8>, PgError> {
        let pool = self.pool.clone();
        let sql = sql.to_string();
        run(async move {
            let client = Postgis::client(&pool).await?;
            let stmt = client.prepare_cached(&sql).await?;
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
            let row = client.query_opt(&stmt, &refs).await?;
            Ok(row
                .and_then(|r| r.get::<_, Option<Vec<u8>>>(0))
                .unwrap_or_default())
        })
    }

    /// The first column of each row of `sql` with `params`, as integers (NULL as 0).
    pub fn integers(&self, sql: &str, params: Vec<Param>) -> Result<Vec<i64>, PgError> {
        let pool = self.pool.clone();
        let sql = sql.to_string();
        run(async move {
            let client = Postgis::client(&pool).await?;
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
            let rows = client.query(&sql, &refs).await?;
            Ok(rows
                .iter()
                .map(|r| r.get::<_, Option<i64>>(0).unwrap_or(0))
                .collect())
        })
    }

    /// Every column of `relation` (attributes) and the names of its geometry columns.
    pub fn columns(&self, relation: &Relation) -> Result<(Vec<PgColumn>, Vec<String>), PgError> {
        let pool = self.pool.clone();
        let from = relation.from_clause();
        run(async move {
            let client = Postgis::client(&pool).await?;
            let stmt = client
                .prepare(&format!("SELECT * FROM {from} LIMIT 0"))
                .await?;
            let mut columns = Vec::new();
            let mut geometry = Vec::new();
            for c in stmt.columns() {
                match field_type(c.type_()) {
                    Some(kind) => columns.push(PgColumn {
                        name: c.name().to_string(),
                        pg_type: c.type_().name().to_string(),
                        kind,
                    }),
                    None if c.type_().name() == "geometry" => geometry.push(c.name().to_string()),
                    None => {}
                }
            }
            Ok((columns, geometry))
        })
    }

    /// Text values of one column of `sql`: group names and the like.
    pub fn strings(&self, sql: &str) -> Result<Vec<String>, PgError> {
        let pool = self.pool.clone();
        let sql = sql.to_string();
        run(async move {
            let client = Postgis::client(&pool).await?;
            let rows = client.query(&sql, &[]).await?;
            Ok(rows
                .iter()
                .filter_map(|r| r.get::<_, Option<String>>(0))
                .collect())
        })
    }

    /// The single-column primary key of a table (`None` for a query or a table without one).
    pub fn primary_key(&self, relation: &Relation) -> Result<Option<String>, PgError> {
        let Relation::Table { schema, name } = relation.clone() else {
            return Ok(None);
        };
        let pool = self.pool.clone();
        run(async move {
            let client = Postgis::client(&pool).await?;
            let rows = client
                .query(
                    "SELECT a.attname::text FROM pg_index i
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                     WHERE i.indisprimary
                       AND i.indrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass",
                    &[&schema, &name],
                )
                .await?;
            Ok((rows.len() == 1).then(|| rows[0].get(0)))
        })
    }

    /// Which of the prepared tables `names` are built and kept current: registered in
    /// `borderland.prepared` (a trigger that fails unregisters its table) with all their
    /// triggers present and enabled.
    pub fn prepared(&self, names: Vec<String>) -> Result<Vec<String>, PgError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let pool = self.pool.clone();
        run(async move {
            let client = Postgis::client(&pool).await?;
            let registry: bool = client
                .query_one("SELECT to_regclass('borderland.prepared') IS NOT NULL", &[])
                .await?
                .get(0);
            if !registry {
                return Ok(Vec::new());
            }
            let rows = client
                .query(
                    "SELECT p.name FROM borderland.prepared p
                     WHERE p.name = ANY($1)
                       AND to_regclass('borderland.' || quote_ident(p.name)) IS NOT NULL
                       AND p.triggers = (SELECT count(*) FROM pg_trigger t
                                         WHERE t.tgname IN ('borderland_' || p.name,
                                                            'borderland_' || p.name || '_truncate',
                                                            'borderland_' || p.name || '_claims',
                                                            'borderland_' || p.name || '_claims_truncate')
                                           AND t.tgenabled <> 'D')",
                    &[&names],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    /// Run a preparation script (see `postgis_prepared`) in one transaction, without the
    /// statement timeout: building a table over a million rows takes minutes.
    pub fn prepare(&self, script: &str) -> Result<(), PgError> {
        let pool = self.pool.clone();
        let script = format!("BEGIN; SET LOCAL statement_timeout = 0; {script}; COMMIT;");
        run_unhurried(async move {
            let client = Postgis::client(&pool).await?;
            let done = client.batch_execute(&script).await;
            if done.is_err() {
                let _ = client.batch_execute("ROLLBACK").await;
            }
            Ok(done?)
        })
    }

    /// A number that moves whenever rows of the database's tables change: the sum of rows
    /// inserted, updated and deleted (the statistics collector's counters, shared by every
    /// server reading this database, so replicas agree on the data version), and the
    /// counter of borderland's change trigger when it is installed (exact and immediate).
    pub fn change_counter(&self) -> Result<String, PgError> {
        let pool = self.pool.clone();
        run(async move {
            let client = Postgis::client(&pool).await?;
            let row = client
                .query_one(
                    "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int8,
                            coalesce((SELECT to_regclass('borderland.changes') IS NOT NULL), false)
                     FROM pg_stat_user_tables",
                    &[],
                )
                .await?;
            let stats: i64 = row.get(0);
            let trigger: bool = row.get(1);
            let exact = if trigger {
                let r = client
                    .query_one(
                        "SELECT coalesce(max(n), 0)::int8 FROM borderland.changes",
                        &[],
                    )
                    .await?;
                r.get::<_, i64>(0)
            } else {
                0
            };
            Ok(format!("{stats}-{exact}"))
        })
    }

    /// Install borderland's change trigger on `tables`: each statement that changes rows
    /// bumps `borderland.changes` and sends `NOTIFY borderland`, so the data version moves
    /// the moment the transaction commits. Needs the right to create a schema and triggers.
    pub fn install_change_trigger(&self, tables: &[Relation]) -> Result<(), PgError> {
        let pool = self.pool.clone();
        let names: Vec<String> = tables
            .iter()
            .filter_map(|t| match t {
                Relation::Table { .. } => Some(t.from_clause()),
                Relation::Sql(_) => None,
            })
            .collect();
        run(async move {
            let client = Postgis::client(&pool).await?;
            client
                .batch_execute(
                    "CREATE SCHEMA IF NOT EXISTS borderland;
                     CREATE TABLE IF NOT EXISTS borderland.changes (id int PRIMARY KEY, n int8 NOT NULL);
                     INSERT INTO borderland.changes VALUES (1, 0) ON CONFLICT DO NOTHING;
                     CREATE OR REPLACE FUNCTION borderland.changed() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN
                       UPDATE borderland.changes SET n = n + 1 WHERE id = 1;
                       PERFORM pg_notify('borderland', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
                       RETURN NULL;
                     END $$;",
                )
                .await?;
            for table in names {
                // Only tables take triggers; views are skipped.
                let is_table = client
                    .query_one(
                        &format!(
                            "SELECT relkind::text IN ('r', 'p') FROM pg_class WHERE oid = '{}'::regclass",
                            table.replace('\'', "''")
                        ),
                        &[],
                    )
                    .await?
                    .get::<_, bool>(0);
                if is_table {
                    client
                        .batch_execute(&format!(
                            "DROP TRIGGER IF EXISTS borderland_changed ON {table};
                             CREATE TRIGGER borderland_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
                             ON {table} FOR EACH STATEMENT EXECUTE FUNCTION borderland.changed();"
                        ))
                        .await?;
                }
            }
            Ok(())
        })
    }

    /// Wake `on_change` whenever `NOTIFY borderland` arrives (the change trigger's), on a
    /// dedicated connection that is opened again after an outage (waking `on_change` then
    /// too, since changes may have been missed). Runs until the process ends.
    pub fn listen(&self, on_change: Arc<tokio::sync::Notify>) {
        let (Ok(rt), Ok(config)) = (runtime(), tokio_postgres::Config::from_str(&self.url)) else {
            return;
        };
        let label = self.label.clone();
        rt.spawn(async move {
            loop {
                match config.connect(NoTls).await {
                    Ok((client, mut connection)) => {
                        let wake = Arc::clone(&on_change);
                        // The connection delivers notifications only while it is polled.
                        let driver = tokio::spawn(async move {
                            loop {
                                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                                    Some(Ok(tokio_postgres::AsyncMessage::Notification(_))) => {
                                        wake.notify_one()
                                    }
                                    Some(Ok(_)) => {}
                                    Some(Err(_)) | None => break,
                                }
                            }
                        });
                        match client.batch_execute("LISTEN borderland").await {
                            Ok(()) => {
                                tracing::debug!("listening for changes on {label}");
                                on_change.notify_one();
                                let _ = driver.await;
                            }
                            Err(e) => {
                                tracing::debug!("cannot listen on {label}: {e}");
                                driver.abort();
                            }
                        }
                    }
                    Err(e) => tracing::debug!("cannot listen on {label}: {e}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

impl PgRelation {
    /// The stable feature id as SQL over alias `src`: an integer id column as it is, any
    /// other id column hashed to 52 bits (exact in JavaScript), and without an id column a
    /// hash of the geometry. The same at every zoom and in every tile.
    pub fn id_expr(&self, id_column: Option<&str>) -> String {
        let id_column = id_column.or(self.primary_key.as_deref());
        match id_column.and_then(|c| self.columns.iter().find(|col| col.name == c)) {
            Some(c) if c.kind == FieldType::Integer => {
                format!("src.{}::int8", quote_ident(&c.name))
            }
            Some(c) => format!(
                "('x' || substr(md5(src.{}::text), 1, 13))::bit(52)::int8",
                quote_ident(&c.name)
            ),
            None => format!(
                "('x' || substr(md5(ST_AsEWKB(src.{})), 1, 13))::bit(52)::int8",
                quote_ident(&self.geometry_column)
            ),
        }
    }

    /// The query that cuts one tile in the database: rows meeting the tile (with a buffer of
    /// 64/4096, as borderland's own tiler) projected to Web Mercator, clipped, snapped to the
    /// 4096 grid and made valid by `ST_AsMVTGeom`, encoded by `ST_AsMVT` with the stable id.
    /// Parameters: `$1` z, `$2` x, `$3` y.
    ///
    /// With `joins`, each adds its aggregates through a lateral subquery, and the query takes
    /// the filter parameters `$4`–`$7` (see [`SqlJoin`]); `windowed` adds the conditions
    /// that let a date index narrow the rows (only true for requests with a time window).
    /// With `simplified` (a prepared table and its zoom band), the rows are read from that
    /// table, already in Web Mercator and simplified for the band.
    pub fn tile_sql(&self, draw: &TileQuery<'_>) -> String {
        let columns: Vec<String> = self.columns.iter().map(|c| c.select_expr("src.")).collect();
        let mut columns: Vec<String> = columns;
        let mut laterals = String::new();
        for (i, join) in draw.joins.iter().enumerate() {
            let alias = format!("j{i}");
            columns.extend(
                join.fields()
                    .iter()
                    .map(|(name, _)| format!("{alias}.{}", quote_ident(name))),
            );
            laterals.push('\n');
            laterals.push_str(&join.lateral(
                &alias,
                &self.geometry_column,
                draw.keys,
                draw.windowed,
            ));
        }
        let columns = if columns.is_empty() {
            String::new()
        } else {
            format!(", {}", columns.join(", "))
        };
        // The tile with its buffer, clamped to the world: PostGIS wraps a margin that
        // crosses the antimeridian to the other side. A scalar subquery, run once, so the
        // spatial index is used.
        let buffered = "(SELECT ST_MakeEnvelope(greatest(ST_XMin(e), -20037508.342789244), \
                        greatest(ST_YMin(e), -20037508.342789244), \
                        least(ST_XMax(e), 20037508.342789244), \
                        least(ST_YMax(e), 20037508.342789244), 3857) \
                        FROM (SELECT ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096) AS e) AS tile_box)";
        let (from, g, srid) = match draw.simplified {
            Some((table, band)) => (
                format!(
                    "(SELECT * FROM borderland.{} WHERE __band = {band}) AS src",
                    quote_ident(table)
                ),
                "src.__simplified".to_string(),
                3857,
            ),
            None => (
                self.relation.from_as("src"),
                format!("src.{}", quote_ident(&self.geometry_column)),
                self.srid,
            ),
        };
        let envelope = match (srid, self.bounds) {
            (3857, _) => buffered.to_string(),
            (4326, _) | (_, None) => format!("ST_Transform({buffered}, {srid})"),
            // A local projection (UTM, a national grid) is meaningless far from its area:
            // cut the tile to the layer's bounds in degrees first, and follow the box's
            // curved edges in the target projection.
            (srid, Some([w, s, e, n])) => format!(
                "ST_Transform(ST_Segmentize(ST_Intersection(ST_Transform({buffered}, 4326),
                   ST_MakeEnvelope({}, {}, {}, {}, 4326)), 0.25), {srid})",
                w - 0.01,
                s - 0.01,
                e + 0.01,
                n + 0.01
            ),
        };
        let projected = if srid == 3857 {
            g.clone()
        } else {
            format!("ST_Transform({g}, 3857)")
        };
        format!(
            "SELECT ST_AsMVT(tile, '{name}', 4096, '__mvt_geom', '__feature_id') FROM (
               SELECT ST_AsMVTGeom({projected}, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS __mvt_geom,
                      {id} AS __feature_id{columns}
               FROM {from}{laterals}
               WHERE {g} && {envelope}
             ) AS tile WHERE __mvt_geom IS NOT NULL",
            name = draw.layer_name.replace('\'', "''"),
            id = self.id_expr(draw.id_column),
        )
    }
}

impl PgRelation {
    /// Each row's count of `join` over all dates and groups, one row per layer row; takes
    /// the filter parameters `$4`–`$7` (all NULL) as the tile query does.
    pub fn count_sql(&self, join: &SqlJoin, keys: &[String]) -> String {
        format!(
            "SELECT coalesce(j0.{count}, 0)::int8 FROM {from}\n{lateral}
             WHERE $1::int4 IS NULL AND $2::int4 IS NULL AND $3::int4 IS NULL",
            count = quote_ident(&format!("{}_count", join.prefix)),
            from = self.relation.from_as("src"),
            lateral = join.lateral("j0", &self.geometry_column, keys, false),
        )
    }
}

/// What one tile query draws: see [`PgRelation::tile_sql`].
pub struct TileQuery<'a> {
    pub layer_name: &'a str,
    pub id_column: Option<&'a str>,
    pub joins: &'a [SqlJoin],
    /// The layer's name columns, for claims matched by key.
    pub keys: &'a [String],
    pub windowed: bool,
    /// A prepared table of simplified geometry and the zoom band to read.
    pub simplified: Option<(&'a str, u8)>,
}

/// The names a layer row `src` answers to, as one lower-case text array over its `keys`
/// columns (a cell may hold several, split at `;` or `|`), as file joins match them.
pub fn names_of(keys: &[String]) -> Option<String> {
    let names = keys
        .iter()
        .map(|k| {
            format!(
                "coalesce(regexp_split_to_array(lower(trim(src.{}::text)), '\\s*[;|]\\s*'), '{{}}')",
                quote_ident(k)
            )
        })
        .collect::<Vec<_>>();
    (!names.is_empty()).then(|| names.join(" || "))
}

/// A query parameter: request values reach SQL only this way. `None` is SQL NULL.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Int(Option<i32>),
    TextList(Option<Vec<String>>),
}

impl Param {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Int(v) => v,
            Param::TextList(v) => v,
        }
    }
}

/// A claims table joined in SQL onto a layer of the same database: rows match a feature by
/// point in polygon (rows with a geometry) or by key (rows without), and aggregate per
/// feature under the request's time window and groups, named as file joins name them.
#[derive(Clone, Debug)]
pub struct SqlJoin {
    pub relation: Relation,
    pub prefix: String,
    pub key: Option<String>,
    pub geometry: Option<String>,
    /// The SRID of `geometry` (a constant in the query, so its spatial index is used).
    pub srid: i32,
    pub group: Option<String>,
    pub event_type: Option<String>,
    /// A `date` (or timestamp) column.
    pub date: Option<String>,
    pub date_end: Option<String>,
    pub fatalities: Option<String>,
    pub source: Option<String>,
    /// Every group in the table when it was loaded: one count attribute each.
    pub groups: Vec<String>,
    /// The claims table's single-column primary key, when it has one (needed to prepare).
    pub primary_key: Option<String>,
    /// The prepared table of each row's area, when `--prepare-database` built it and its
    /// triggers keep it current: aggregates then read it by (area, date) instead of
    /// matching points to polygons for every tile.
    pub areas: Option<PreparedAreas>,
    /// Set on the view of a prepared area table: see [`PreparedAreas::span_days`].
    pub span_days: Option<i64>,
}

/// A prepared claim-area table in use: its name in schema `borderland` and the layer's id
/// column its `area` column holds.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedAreas {
    pub table: String,
    pub layer_id: String,
    /// The longest span (end - start, in days) of any row when loaded: a window then also
    /// bounds the start date from below, so the (area, date) index reads only the window.
    pub span_days: i64,
}

impl SqlJoin {
    /// The attributes the join adds, in order: as an events join of a file table adds them
    /// (without `_claims`).
    pub fn fields(&self) -> Vec<(String, FieldType)> {
        let p = &self.prefix;
        let mut out = vec![
            (format!("{p}_count"), FieldType::Integer),
            (format!("{p}_fatalities"), FieldType::Integer),
            (format!("{p}_first"), FieldType::String),
            (format!("{p}_last"), FieldType::String),
            (format!("{p}_first_days"), FieldType::Integer),
            (format!("{p}_last_days"), FieldType::Integer),
            (format!("{p}_undated"), FieldType::Integer),
        ];
        for g in &self.groups {
            out.push((
                format!("{p}_count_{}", crate::name::slug(g)),
                FieldType::Integer,
            ));
        }
        out.push((format!("{p}_sources"), FieldType::String));
        out
    }

    /// The condition that claim row `c` belongs to layer row `src` (geometry column
    /// `geometry`, names in `keys`): its point in the polygon, or without a point its key
    /// among the names.
    pub fn matched(&self, geometry: &str, keys: &[String]) -> String {
        let by_key = match (&self.key, names_of(keys)) {
            (Some(k), Some(names)) => {
                format!("lower(trim(c.{}::text)) = ANY({names})", quote_ident(k))
            }
            _ => "false".into(),
        };
        match &self.geometry {
            Some(g) => format!(
                "((c.{g} IS NOT NULL AND c.{g} && ST_Transform(src.{geometry}, {claims_srid})
                   AND ST_Intersects(ST_Transform(src.{geometry}, {claims_srid}), c.{g}))
                  OR (c.{g} IS NULL AND {by_key}))",
                g = quote_ident(g),
                geometry = quote_ident(geometry),
                claims_srid = self.srid,
            ),
            None => by_key,
        }
    }

    /// The same join read from its prepared area table: the roles renamed to that table's
    /// columns (see `postgis_prepared`).
    fn through_areas(&self, areas: &PreparedAreas) -> SqlJoin {
        let role = |r: &Option<String>, name: &str| r.as_ref().map(|_| name.to_string());
        SqlJoin {
            relation: Relation::Table {
                schema: "borderland".into(),
                name: areas.table.clone(),
            },
            key: None,
            geometry: None,
            group: role(&self.group, "grp"),
            event_type: role(&self.event_type, "event_type"),
            date: role(&self.date, "date"),
            date_end: role(&self.date, "date_end"),
            fatalities: role(&self.fatalities, "fatalities"),
            source: role(&self.source, "source"),
            areas: None,
            span_days: Some(areas.span_days),
            ..self.clone()
        }
    }

    /// `LEFT JOIN LATERAL (…) AS {alias} ON true` over the layer's rows `src`, whose
    /// geometry column is `geometry` and whose names are in `keys`.
    /// Filter parameters: `$4` first day, `$5` last day (days since 1970-01-01), `$6` groups,
    /// `$7` event types (lower case), each NULL when not filtered. `windowed` (a request
    /// with a time window) adds a condition on the start date alone, which an index on it
    /// can serve.
    fn lateral(&self, alias: &str, geometry: &str, keys: &[String], windowed: bool) -> String {
        if let Some(areas) = &self.areas {
            let view = self.through_areas(areas);
            let matched = format!("c.area = src.{}", quote_ident(&areas.layer_id));
            return view.lateral_where(alias, &matched, windowed);
        }
        self.lateral_where(alias, &self.matched(geometry, keys), windowed)
    }

    fn lateral_where(&self, alias: &str, matched: &str, windowed: bool) -> String {
        let c = |col: &Option<String>| col.as_ref().map(|n| format!("c.{}", quote_ident(n)));
        let date = c(&self.date);
        let end = match (c(&self.date_end), &date) {
            (Some(e), Some(d)) => format!("coalesce({e}, {d})"),
            (_, Some(d)) => d.clone(),
            _ => "NULL::date".into(),
        };
        let date_expr = date.clone().unwrap_or_else(|| "NULL::date".into());
        let lit = |t: &str| format!("'{}'", t.replace('\'', "''"));
        let mut select = vec![
            format!(
                "count(*)::int8 AS {}",
                quote_ident(&format!("{}_count", self.prefix))
            ),
            format!(
                "sum({})::int8 AS {}",
                c(&self.fatalities).unwrap_or_else(|| "NULL::int8".into()),
                quote_ident(&format!("{}_fatalities", self.prefix))
            ),
            format!(
                "min({date_expr}::date)::text AS {}",
                quote_ident(&format!("{}_first", self.prefix))
            ),
            format!(
                "max({end}::date)::text AS {}",
                quote_ident(&format!("{}_last", self.prefix))
            ),
            format!(
                "(min({date_expr}::date) - DATE '1970-01-01')::int8 AS {}",
                quote_ident(&format!("{}_first_days", self.prefix))
            ),
            format!(
                "(max({end}::date) - DATE '1970-01-01')::int8 AS {}",
                quote_ident(&format!("{}_last_days", self.prefix))
            ),
            format!(
                "count(*) FILTER (WHERE {date_expr} IS NULL)::int8 AS {}",
                quote_ident(&format!("{}_undated", self.prefix))
            ),
        ];
        if let Some(g) = c(&self.group) {
            for group in &self.groups {
                select.push(format!(
                    "count(*) FILTER (WHERE {g}::text = {})::int8 AS {}",
                    lit(group),
                    quote_ident(&format!(
                        "{}_count_{}",
                        self.prefix,
                        crate::name::slug(group)
                    ))
                ));
            }
        }
        select.push(match c(&self.source) {
            Some(s) => format!(
                "string_agg(DISTINCT {s}::text, '; ') AS {}",
                quote_ident(&format!("{}_sources", self.prefix))
            ),
            None => format!(
                "NULL::text AS {}",
                quote_ident(&format!("{}_sources", self.prefix))
            ),
        });
        let window = match &date {
            Some(d) => format!(
                "(($4::int4 IS NULL AND $5::int4 IS NULL) OR ({d} IS NOT NULL
                  AND ($5::int4 IS NULL OR {d}::date <= DATE '1970-01-01' + $5::int4)
                  AND ($4::int4 IS NULL OR {end}::date >= DATE '1970-01-01' + $4::int4)))"
            ),
            None => "($4::int4 IS NULL AND $5::int4 IS NULL)".into(),
        };
        let window = match (&date, windowed) {
            (Some(d), true) => format!(
                "{d} <= coalesce(DATE '1970-01-01' + $5::int4, 'infinity'::date) AND {window}"
            ),
            _ => window,
        };
        let window = match (&date, windowed, self.span_days) {
            (Some(d), true, Some(span)) => format!(
                "{d} >= coalesce(DATE '1970-01-01' + $4::int4 - {span}, '-infinity'::date) AND {window}"
            ),
            _ => window,
        };
        let groups = match c(&self.group) {
            Some(g) => format!("($6::text[] IS NULL OR lower(trim({g}::text)) = ANY($6::text[]))"),
            None => "$6::text[] IS NULL".into(),
        };
        let types = match c(&self.event_type) {
            Some(t) => format!("($7::text[] IS NULL OR lower(trim({t}::text)) = ANY($7::text[]))"),
            None => "$7::text[] IS NULL".into(),
        };
        format!(
            "LEFT JOIN LATERAL (SELECT {select} FROM {from} WHERE {matched} AND {window} AND {groups} AND {types}) AS {alias} ON true",
            select = select.join(", "),
            from = self.relation.from_as("c"),
        )
    }
}
