//! Command line: `serve` (the default), `check`.

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
}

#[derive(Args, Clone)]
struct CheckArgs {
    /// GeoJSON files to check instead of a catalog.
    files: Vec<PathBuf>,
    /// Catalog of layers [default: data/layers.toml]
    #[arg(long, short, env = "BORDERLAND_CONFIG")]
    config: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// GeoJSON files to serve directly, one layer each, named after the file (no catalog).
    files: Vec<PathBuf>,
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
    #[arg(long, env = "BORDERLAND_WATCH_SECS", default_value_t = 1.0)]
    watch_secs: f64,
    /// Requests handled at once; beyond this the server answers 503 with Retry-After.
    #[arg(long, env = "BORDERLAND_MAX_CONCURRENT", default_value_t = 1024)]
    max_concurrent: usize,
    /// Seconds before a request is stopped with 503.
    #[arg(long, env = "BORDERLAND_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
}

impl ServeArgs {
    fn origin(&self) -> Origin {
        if !self.files.is_empty() {
            return Origin::Files(self.files.clone());
        }
        Origin::Catalog(self.config.clone().unwrap_or_else(default_catalog))
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

fn main() -> ExitCode {
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
        None => serve(cli.serve),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let origin = args.origin();
    let started = std::time::Instant::now();
    let dataset = match Dataset::load(&origin) {
        Ok(d) => d,
        Err(errors) => {
            eprintln!("error: the data did not load:\n{errors}");
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
        let state = AppState::new(dataset, options);
        println!("borderland is serving {} at {}/", names.join(", "), url.trim_end_matches('/'));
        if args.watch_secs > 0.0 {
            tokio::spawn(server::reload::watch(Arc::clone(&state), std::time::Duration::from_secs_f64(args.watch_secs)));
        }
        let app = server::router(state);
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
            tracing::info!("shutting down; finishing requests in flight");
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            eprintln!("error: server failed: {e}");
            return ExitCode::FAILURE;
        }
        ExitCode::SUCCESS
    })
}

fn check(args: CheckArgs) -> ExitCode {
    let origin = if args.files.is_empty() {
        Origin::Catalog(args.config.clone().unwrap_or_else(default_catalog))
    } else {
        Origin::Files(args.files.clone())
    };
    let report = borderland::check::run(&origin);
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
