//! Command line: `serve` (the default), `check`, `export`, `styles`, `render`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use borderland::dataset::{Dataset, Origin};
use borderland::server::{self, AppState, ServerOptions};
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "borderland",
    version,
    about = "Vector tile and layer server for GeoJSON layers joined to attribute tables"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve tiles, TileJSON and the catalog (the default).
    Serve(ServeArgs),
    /// Check the catalog and every file without serving: errors with file, line and column,
    /// and a join report per table. Exit code 0 only when everything loads and every row joins.
    Check(CheckArgs),
    /// Write tiles to a .pmtiles or .mbtiles archive or a folder of z/x/y files, or (with
    /// --site) a static website that needs no server.
    Export(ExportArgs),
    /// Write the styles made from this data as files to edit: by default into `styles/`
    /// beside the catalog, where the server finds them and reloads them when they change.
    Styles(StylesArgs),
    /// Draw a style as a PNG or SVG picture, exactly as
    /// /styles/STYLE/static/VIEW/SIZE would serve it, without a server.
    Render(RenderArgs),
}

#[derive(Args, Clone)]
struct StylesArgs {
    /// GeoJSON files instead of a catalog (then --out is needed).
    files: Vec<PathBuf>,
    /// Catalog of layers [default: data/layers.toml]
    #[arg(long, short, env = "BORDERLAND_CONFIG")]
    config: Option<PathBuf>,
    /// Folder to write to [default: styles/ beside the catalog].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace files that already exist.
    #[arg(long)]
    force: bool,
}

#[derive(Args, Clone)]
struct RenderArgs {
    /// Style name (explainer, presence).
    style: String,
    /// lon,lat,zoom[@bearing] or west,south,east,north in degrees; or `story:ID` for one
    /// picture per step of that story (its view, group and time window), e.g. social cards.
    view: String,
    /// WIDTHxHEIGHT[@2x].png or .svg, e.g. 1200x630.png.
    size: String,
    /// Where to write [default: STYLE-SIZE in the current folder]; with `story:ID`, a folder
    /// for STYLE-ID-NN-SIZE, one per step [default: the current folder].
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Catalog of layers [default: data/layers.toml]
    #[arg(long, short, env = "BORDERLAND_CONFIG")]
    config: Option<PathBuf>,
    /// Files to draw instead of a catalog, read as `serve FILES…` reads them (repeat the
    /// flag): boundary files and tables.
    #[arg(long = "input", short = 'i')]
    inputs: Vec<PathBuf>,
    /// The URL's query, e.g. 'group=TTP&from=2025-01&legend=1&title=Khost&lang=ps'.
    #[arg(long, default_value = "")]
    query: String,
}

#[derive(Args, Clone)]
struct ExportArgs {
    /// Output: a .pmtiles or .mbtiles file, or a directory for {z}/{x}/{y}.mvt files.
    #[arg(required_unless_present = "site")]
    out: Option<PathBuf>,
    /// Write a static website (viewer, styles, glyphs, one PMTiles archive) to this folder.
    #[arg(long, conflicts_with = "out")]
    site: Option<PathBuf>,
    /// Catalog of layers [default: data/layers.toml]
    #[arg(long, short, env = "BORDERLAND_CONFIG")]
    config: Option<PathBuf>,
    /// Files to export instead of a catalog, read as `serve FILES…` reads them (repeat the
    /// flag): boundary files and tables.
    #[arg(long = "input", short = 'i')]
    inputs: Vec<PathBuf>,
    /// Layers to export, a comma list of ids [default: every layer].
    #[arg(long)]
    layers: Option<String>,
    #[arg(long, default_value_t = 0)]
    minzoom: u8,
    /// Deepest zoom written; MapLibre overzooms beyond it.
    #[arg(long, default_value_t = 10)]
    maxzoom: u8,
    /// Only tiles meeting this box: west,south,east,north in degrees.
    #[arg(long, value_parser = parse_bbox, allow_hyphen_values = true)]
    bbox: Option<[f64; 4]>,
    /// Only rows dated on or after this day (YYYY-MM-DD, YYYY-MM or YYYY), as ?from= does.
    #[arg(long)]
    from: Option<String>,
    /// Only rows dated on or before this day, as ?to= does.
    #[arg(long)]
    to: Option<String>,
    /// Only these armed groups (a comma list), as ?group= does.
    #[arg(long)]
    group: Option<String>,
    /// Only these event types (a comma list), as ?event_type= does.
    #[arg(long)]
    event_type: Option<String>,
    /// Threads cutting tiles [default: every core].
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            format!("'{s}' is not four numbers: give west,south,east,north, e.g. 60,23,78,38")
        })?;
    <[f64; 4]>::try_from(v)
        .map_err(|_| format!("'{s}' is not four numbers: give west,south,east,north"))
}

impl ExportArgs {
    /// The filter flags as the HTTP query string they stand for.
    fn filter_query(&self) -> Option<String> {
        let enc = |v: &str| {
            v.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        };
        let pairs: Vec<String> = [
            ("from", &self.from),
            ("to", &self.to),
            ("group", &self.group),
            ("event_type", &self.event_type),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", enc(v))))
        .collect();
        (!pairs.is_empty()).then(|| pairs.join("&"))
    }
}

#[derive(Args, Clone)]
struct CheckArgs {
    /// Boundary files (GeoJSON, PMTiles, MBTiles) and tables (CSV, TSV, .xlsx, .ods, JSON
    /// arrays) to check instead of a catalog, as `serve FILES…` would read them.
    files: Vec<PathBuf>,
    /// Write a catalog (layers.toml) that repeats what was inferred from FILES, every role
    /// spelled out, to edit and serve with --config.
    #[arg(long, value_name = "PATH")]
    write_catalog: Option<PathBuf>,
    /// Catalog of layers [default: data/layers.toml]
    #[arg(long, short, env = "BORDERLAND_CONFIG")]
    config: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Files to serve with no catalog: boundary files (GeoJSON, PMTiles, MBTiles) one layer
    /// each, named after the file; tables (CSV, TSV, .xlsx, .ods, JSON arrays) with their
    /// columns' roles inferred, joined to the boundaries (or the built-in provinces); or one PostgreSQL URL
    /// (postgresql://user@host:port/db): every table and view with a geometry column.
    files: Vec<PathBuf>,
    /// Install a trigger on the database tables served, so each commit notifies borderland
    /// at once (LISTEN/NOTIFY); needs the right to create a schema and triggers.
    #[arg(long, env = "BORDERLAND_INSTALL_CHANGE_TRIGGER")]
    install_change_trigger: bool,
    /// Build, in a schema `borderland` of the database, each claim's area and each polygon
    /// layer simplified per zoom band, kept current by triggers (and install the change
    /// trigger): time windows and low zooms then read indexes instead of recomputing. Once;
    /// later starts find them built. Needs the right to create a schema, tables and triggers.
    #[arg(long, env = "BORDERLAND_PREPARE_DATABASE")]
    prepare_database: bool,
    /// Catalog of layers [default: data/layers.toml]
    #[arg(long, short, env = "BORDERLAND_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "BORDERLAND_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Public base URL for links in responses, e.g. https://maps.example.org/borderland
    #[arg(long, env = "BORDERLAND_PUBLIC_URL")]
    public_url: Option<String>,
    /// Allowed CORS origins: "*" for any, a comma-separated list, or "none".
    #[arg(long, env = "BORDERLAND_CORS_ORIGINS", default_value = "*")]
    cors_origins: String,
    /// Tile cache size in MiB.
    #[arg(long, env = "BORDERLAND_CACHE_MB", default_value_t = 256)]
    cache_mb: u64,
    /// Enable POST /admin/reload, authorised by this bearer token.
    #[arg(long, env = "BORDERLAND_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Seconds between checks of the data files for changes; 0 turns hot reload off.
    #[arg(long, env = "BORDERLAND_WATCH_SECS", default_value_t = 1.0, value_parser = parse_watch_secs)]
    watch_secs: f64,
    /// Requests handled at once; beyond this the server answers 503 with Retry-After.
    #[arg(long, env = "BORDERLAND_MAX_CONCURRENT", default_value_t = 1024)]
    max_concurrent: usize,
    /// Seconds before a request is stopped with 503.
    #[arg(long, env = "BORDERLAND_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Build links from X-Forwarded-Host, -Proto and -Prefix (the right-most value). Only
    /// behind a reverse proxy that sets them; prefer --public-url.
    #[arg(long, env = "BORDERLAND_TRUST_PROXY")]
    trust_proxy: bool,
    /// Open connections at once; beyond, new connections wait to be accepted.
    #[arg(long, env = "BORDERLAND_MAX_CONNECTIONS", default_value_t = 4096)]
    max_connections: usize,
    /// Seconds a client has to send a request's headers, from connecting or from the request's
    /// first byte. A kept-alive connection may wait between requests for a minute (or six
    /// times this, or a request's timeout plus this, if longer).
    #[arg(long, env = "BORDERLAND_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout_secs: u64,
}

/// Seconds between file checks: a finite number from 0 (off) to one day.
fn parse_watch_secs(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a number of seconds from 0 (no hot reload) to 86400, e.g. 1 or 0.5"
        )),
    }
}

impl ServeArgs {
    fn origin(&self) -> Origin {
        if let [one] = self.files.as_slice()
            && let Some(url) = one
                .to_str()
                .filter(|u| borderland::source::postgis::is_url(u))
        {
            return Origin::Postgis(url.to_string());
        }
        catalog_or_files(&self.config, &self.files)
    }
}

/// The files named on the command line, or else the catalog (the default one unless named).
fn catalog_or_files(config: &Option<PathBuf>, files: &[PathBuf]) -> Origin {
    if files.is_empty() {
        Origin::Catalog(config.clone().unwrap_or_else(default_catalog))
    } else {
        Origin::Files(files.to_vec())
    }
}

/// Load the data, or say on stderr why it did not load.
fn load_data(origin: &Origin) -> Option<Dataset> {
    match Dataset::load(origin) {
        Ok(d) => Some(d),
        Err(errors) => {
            eprintln!("error: the data did not load:\n{errors}");
            None
        }
    }
}

/// `data/layers.toml` in the working directory, or in the source tree this binary was built from.
fn default_catalog() -> PathBuf {
    let local = PathBuf::from("data/layers.toml");
    if local.exists() {
        return local;
    }
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/layers.toml");
    if built.exists() { built } else { local }
}

/// Fixed allocator thresholds: blocks of 1 MiB or more are mapped on their own, so freeing
/// one gives it back at once, and free space at the top of the heap is given back past 4 MiB.
/// glibc otherwise raises both as large blocks are freed (up to 32 and 64 MiB), and a large
/// table's load then kept the space its steps had freed (BENCHMARKS.md, "Scale").
fn fix_allocator_thresholds() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters; it is called first thing in
    // `main`, before any other thread runs.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
    }
}

/// The system allocator, asking the kernel for huge pages (2 MiB where the kernel offers
/// them, `madvise`) on each block of 2 MiB or more. Loading a large table fills a few hundred
/// MB of such blocks, and faulting them in 4 KiB at a time was a quarter of its time
/// (BENCHMARKS.md, "Loading on every core"). Smaller blocks are left as they are.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
struct HugeBlocks;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
impl HugeBlocks {
    const SIZE: usize = 2 << 20;

    fn advise(ptr: *mut u8, size: usize) {
        if ptr.is_null() || size < Self::SIZE {
            return;
        }
        // SAFETY: sysconf reads a constant of the system; madvise only advises on pages of
        // the block just handed out (from the start of its first page to its end), all mapped.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE).max(4096) as usize;
            let start = ptr as usize & !(page - 1);
            let len = ptr as usize + size - start;
            libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
// SAFETY: every call is the system allocator's own; the advice changes no memory.
unsafe impl std::alloc::GlobalAlloc for HugeBlocks {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract passed through.
        let ptr = unsafe { std::alloc::System.alloc(layout) };
        Self::advise(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract passed through.
        let ptr = unsafe { std::alloc::System.alloc_zeroed(layout) };
        Self::advise(ptr, layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's contract passed through.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract passed through.
        let new = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        Self::advise(new, new_size);
        new
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: HugeBlocks = HugeBlocks;

fn main() -> ExitCode {
    fix_allocator_thresholds();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "borderland=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Check(args)) => check(args),
        Some(Command::Export(args)) => export(args),
        Some(Command::Styles(args)) => write_styles(args),
        Some(Command::Render(args)) => render(args),
        None => serve(cli.serve),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let origin = args.origin();
    let started = std::time::Instant::now();
    // The files' state before they are read: an edit made while they load is reloaded.
    let watcher = server::reload::Watcher::before_load(&origin);
    let Some(dataset) = load_data(&origin) else {
        return ExitCode::FAILURE;
    };
    if (args.install_change_trigger || args.prepare_database)
        && let Err(e) = dataset.install_change_triggers()
    {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let dataset = if args.prepare_database {
        match dataset.prepare_databases() {
            Ok(0) => dataset,
            // Load again to read what was built.
            Ok(_) => match load_data(&origin) {
                Some(d) => d,
                None => return ExitCode::FAILURE,
            },
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        dataset
    };
    let stories = match borderland::story::load(&dataset) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!(
                "error: a story did not check:\n{}",
                borderland::story::error_text(&errors)
            );
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        layers = dataset.layers.len(),
        version = %dataset.version,
        "loaded in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let options = ServerOptions {
        public_url: args.public_url.clone(),
        cors_origins: args.cors_origins.clone(),
        cache_bytes: args.cache_mb << 20,
        admin_token: args.admin_token.clone().filter(|t| !t.is_empty()),
        max_concurrent: args.max_concurrent.max(1),
        request_timeout: std::time::Duration::from_secs(args.request_timeout_secs.max(1)),
        cut_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        trust_proxy: args.trust_proxy,
    };
    // Cutting tiles is CPU work: more blocking threads than cores only adds memory (each
    // thread gets its own allocator arena) without adding throughput.
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads((cores * 2).max(4))
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e} (is another server running? try --listen 127.0.0.1:8081)", args.listen);
                return ExitCode::FAILURE;
            }
        };
        let addr = listener.local_addr().unwrap_or(args.listen);
        let url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
        let names: Vec<String> = dataset.layers.iter().map(|l| l.id.clone()).collect();
        let inferred = dataset.inferred.clone();
        let state = AppState::with_stories(dataset, stories, options);
        println!("borderland is serving {} at {}/", names.join(", "), url.trim_end_matches('/'));
        // What was read without being declared, so a person can see (and override) it. Not
        // `println!`: a closed stdout (a supervisor that read the first line) must not panic.
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for line in inferred {
                let _ = writeln!(out, "inferred: {line}");
            }
            let _ = out.flush();
        }
        if args.watch_secs > 0.0 {
            tokio::spawn(watcher.run(Arc::clone(&state), std::time::Duration::from_secs_f64(args.watch_secs)));
        }
        let limits = server::listen::ConnectionLimits {
            max_connections: args.max_connections.max(1),
            header_timeout: std::time::Duration::from_secs(args.header_timeout_secs.max(1)),
            // Longer than a request may take, so a slow cut never closes its connection, and
            // than the minute browsers and proxies' pools commonly keep an idle connection.
            idle_timeout: std::time::Duration::from_secs(
                (args.header_timeout_secs.max(1) * 6)
                    .max(args.request_timeout_secs + args.header_timeout_secs)
                    .max(60),
            ),
        };
        let app = server::router(Arc::clone(&state));
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(t) => t,
                    Err(_) => return std::future::pending::<()>().await,
                };
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
        };
        server::listen::serve(listener, app, state, limits, shutdown).await;
        ExitCode::SUCCESS
    })
}

fn check(args: CheckArgs) -> ExitCode {
    let origin = catalog_or_files(&args.config, &args.files);
    let report = borderland::check::run(&origin);
    if let Some(path) = &args.write_catalog {
        if let Err(e) = write_catalog(&origin, path) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!(
            "wrote {} (serve it with: borderland serve --config {})",
            path.display(),
            path.display()
        );
    }
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: {e}"),
        }
    } else {
        print!("{}", report.to_text());
    }
    if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `check FILES… --write-catalog PATH`: the catalog that repeats what was inferred.
fn write_catalog(origin: &Origin, path: &std::path::Path) -> Result<(), String> {
    if matches!(origin, Origin::Catalog(_)) {
        return Err("--write-catalog writes a catalog for files given on the command line; name the files (borderland check FILES… --write-catalog layers.toml)".into());
    }
    let dataset = Dataset::load(origin)
        .map_err(|e| format!("no catalog written: the files did not load (see above)\n{e}"))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (text, provinces) = borderland::dataset::intake::write_catalog(&dataset, &dir)
        .ok_or("nothing was inferred to write")?;
    if path.exists() {
        return Err(format!(
            "{} exists; choose another path or remove it first",
            path.display()
        ));
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if let Some(bytes) = provinces {
        let file = dir.join(borderland::dataset::intake::DEFAULT_PROVINCES_FILE);
        if !file.exists() {
            std::fs::write(&file, bytes)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        }
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn export(args: ExportArgs) -> ExitCode {
    use borderland::export::{self, ExportOptions};
    use std::io::IsTerminal;
    let origin = catalog_or_files(&args.config, &args.inputs);
    let Some(dataset) = load_data(&origin) else {
        return ExitCode::FAILURE;
    };
    let opts = ExportOptions {
        layers: args.layers.clone(),
        minzoom: args.minzoom,
        maxzoom: args.maxzoom,
        bbox: args.bbox,
        filter_query: args.filter_query(),
        threads: args.threads,
        progress: !args.quiet && std::io::stderr().is_terminal(),
    };
    let started = std::time::Instant::now();
    let (out, result) = match (&args.site, &args.out) {
        (Some(dir), _) => (dir.clone(), export::site::export_site(&dataset, dir, &opts)),
        (None, Some(out)) => (out.clone(), export::export(&dataset, out, &opts)),
        (None, None) => {
            eprintln!("error: name an output (.pmtiles, .mbtiles or a folder) or --site DIR");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(summary) => {
            if !args.quiet {
                eprintln!(
                    "wrote {} tiles ({} looked at, {:.1} MB gzipped before deduplication) to {} in {:.2} s",
                    summary.tiles,
                    summary.visited,
                    summary.tile_bytes as f64 / 1e6,
                    out.display(),
                    started.elapsed().as_secs_f64()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn render(args: RenderArgs) -> ExitCode {
    let origin = catalog_or_files(&args.config, &args.inputs);
    let Some(dataset) = load_data(&origin) else {
        return ExitCode::FAILURE;
    };
    let query = args.query.trim_start_matches('?');
    let Some(id) = args.view.strip_prefix("story:") else {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{}-{}", args.style, args.size)));
        return match render_one(&dataset, &args.style, &args.view, &args.size, query, &out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    };
    let stories = match borderland::story::load(&dataset) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!(
                "error: a story did not check:\n{}",
                borderland::story::error_text(&errors)
            );
            return ExitCode::FAILURE;
        }
    };
    let Some(story) = stories.get(id) else {
        let ids: Vec<&str> = stories.0.iter().map(|s| s.id.as_str()).collect();
        eprintln!(
            "error: no story '{id}' (stories: {})",
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.join(", ")
            }
        );
        return ExitCode::FAILURE;
    };
    let dir = args.out.clone().unwrap_or_else(|| PathBuf::from("."));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (n, step) in story.steps.iter().enumerate() {
        let view = match &step.view {
            borderland::story::View::Centre { centre, zoom } => {
                format!("{},{},{}", centre[0], centre[1], zoom)
            }
            borderland::story::View::Bounds { bounds } => {
                let [w, s, e, n] = bounds;
                format!("{w},{s},{e},{n}")
            }
        };
        // The step's filters, then the caller's own (legend, lang, ...).
        let mut parts: Vec<String> = Vec::new();
        if let Some(g) = &step.group {
            parts.push(format!("group={g}"));
        }
        if let Some([from, to]) = &step.window {
            parts.push(format!("from={from}&to={to}"));
        }
        if !query.is_empty() {
            parts.push(query.to_string());
        }
        let out = dir.join(format!("{}-{id}-{:02}-{}", args.style, n + 1, args.size));
        if let Err(e) = render_one(
            &dataset,
            &args.style,
            &view,
            &args.size,
            &parts.join("&"),
            &out,
        ) {
            eprintln!("error: step {} ({}): {e}", n + 1, step.heading);
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// One picture, as `/styles/{style}/static/{view}/{size}?{query}` would serve it, to `out`.
fn render_one(
    dataset: &Dataset,
    style_name: &str,
    view: &str,
    size: &str,
    query: &str,
    out: &std::path::Path,
) -> Result<(), String> {
    use borderland::render::{self, ImageRequest};
    let request = ImageRequest::parse(view, size).map_err(|e| e.to_string())?;
    let (extras, filter_query) =
        render::request::split_query(Some(query)).map_err(|e| e.to_string())?;
    let style =
        render::style_json(dataset, style_name, extras.label_language()).ok_or_else(|| {
            format!(
                "no style '{style_name}' (styles: {})",
                render::style_names(dataset).join(", ")
            )
        })?;
    let plan = render::plan(&style, request, dataset).map_err(|e| e.to_string())?;
    let allowed = plan
        .layers
        .iter()
        .flat_map(|l| l.filters.iter().copied())
        .collect();
    let filter = borderland::join::filter::Filter::parse(Some(&filter_query), &allowed)
        .map_err(|e| e.to_string())?;
    let bytes =
        render::render(dataset, &style, request, &filter, extras).map_err(|e| e.to_string())?;
    std::fs::write(out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}

fn write_styles(args: StylesArgs) -> ExitCode {
    let (origin, out) = if args.files.is_empty() {
        let catalog = args.config.clone().unwrap_or_else(default_catalog);
        let dir = catalog
            .parent()
            .map(|d| d.join("styles"))
            .unwrap_or_else(|| PathBuf::from("styles"));
        (Origin::Catalog(catalog), args.out.clone().unwrap_or(dir))
    } else {
        match &args.out {
            Some(out) => (Origin::Files(args.files.clone()), out.clone()),
            None => {
                eprintln!("error: with files and no catalog, name the folder with --out");
                return ExitCode::FAILURE;
            }
        }
    };
    let Some(dataset) = load_data(&origin) else {
        return ExitCode::FAILURE;
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    // The generated ones, even where a file already overrides them.
    let generated = borderland::dataset::styles::generated(
        &dataset.layers,
        &dataset.groups,
        dataset.time.clone(),
    );
    for style in &generated {
        let path = out.join(format!("{}.json", style.name));
        if path.exists() && !args.force {
            eprintln!(
                "error: {} exists; edit it, or pass --force to replace it",
                path.display()
            );
            return ExitCode::FAILURE;
        }
        let text = match serde_json::to_string_pretty(&style.json) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: style {}: {e}", style.name);
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = std::fs::write(&path, text + "\n") {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
