//! Accepting connections: a cap on open connections, a deadline for each request's headers
//! and one for silent connections, so slow or idle clients cannot hold memory and
//! descriptors (each limit is counted in `/metrics` and logged when hit). Graceful shutdown
//! finishes the requests in flight.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

use super::AppState;

/// How long connections may take and how many may be open.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    /// From the first byte a request is awaited to the end of its headers.
    pub header_timeout: Duration,
    /// A connection that neither sends nor receives a byte for this long is closed.
    pub idle_timeout: Duration,
}

/// Why connections were turned away or closed, for `/metrics`.
#[derive(Default)]
pub struct ConnectionStats {
    pub header_timeouts: AtomicU64,
    pub idle_closed: AtomicU64,
    pub cap_reached: AtomicU64,
    pub open: AtomicU64,
    last_warning: AtomicU64,
}

impl ConnectionStats {
    /// Log at most one warning every ten seconds: a flood of slow clients must not become a
    /// flood of log lines.
    fn warn(&self, started: Instant, what: &str) {
        let now = started.elapsed().as_secs() + 1;
        let last = self.last_warning.load(Relaxed);
        if (last == 0 || now >= last + 10)
            && self
                .last_warning
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_ok()
        {
            tracing::warn!("{what}");
        }
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then wait for open requests.
pub async fn serve(
    listener: TcpListener,
    app: super::App,
    state: Arc<AppState>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (close_tx, close_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        // A permit first: at the cap, new connections wait in the kernel's backlog instead of
        // each taking a descriptor and a task here.
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                state.connections.cap_reached.fetch_add(1, Relaxed);
                state.connections.warn(
                    started,
                    &format!(
                        "{} connections open: the cap; new connections wait (--max-connections)",
                        limits.max_connections
                    ),
                );
                tokio::select! {
                    p = Arc::clone(&permits).acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    _ = &mut shutdown => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors or a reset before accept: wait a moment, go on.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(
            app.clone()
                .map_request(|req: axum::http::Request<Incoming>| req.map(Body::new)),
        );
        let mut close = close_rx.clone();
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let _permit = permit;
            state.connections.open.fetch_add(1, Relaxed);
            let io = Activity::new(stream);
            let last = Arc::clone(&io.last);
            let born = io.born;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            let mut closing = false;
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result
                            && e.is_timeout()
                        {
                            state.connections.header_timeouts.fetch_add(1, Relaxed);
                            state.connections.warn(started, "closed a connection that did not send its headers in time (--header-timeout-secs)");
                        }
                        break;
                    }
                    changed = close.changed(), if !closing => {
                        let _ = changed;
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    _ = tick.tick() => {
                        let idle = born.elapsed().saturating_sub(Duration::from_millis(last.load(Relaxed)));
                        if idle > limits.idle_timeout {
                            state.connections.idle_closed.fetch_add(1, Relaxed);
                            state.connections.warn(started, "closed a connection that was silent too long");
                            break;
                        }
                    }
                }
            }
            state.connections.open.fetch_sub(1, Relaxed);
            drop(close);
        });
    }
    tracing::info!("shutting down; finishing requests in flight");
    drop(close_rx);
    let _ = close_tx.send(true);
    close_tx.closed().await;
}

/// A TCP stream that records when it last moved a byte.
struct Activity {
    stream: TcpStream,
    born: Instant,
    /// Milliseconds after `born` of the last byte read or written.
    last: Arc<AtomicU64>,
}

impl Activity {
    fn new(stream: TcpStream) -> Activity {
        Activity {
            stream,
            born: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        self.last
            .store(self.born.elapsed().as_millis() as u64, Relaxed);
    }
}

impl AsyncRead for Activity {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        result
    }
}

impl AsyncWrite for Activity {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
