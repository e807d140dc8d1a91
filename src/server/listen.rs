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
use hyper_util::rt::TokioIo;
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
        let mut close = close_rx.clone();
        let state = Arc::clone(&state);
        let app = app.clone();
        tokio::spawn(async move {
            let _permit = permit;
            state.connections.open.fetch_add(1, Relaxed);
            let io = Activity::new(stream);
            let clock = Arc::clone(&io.clock);
            let answering = Arc::clone(&clock);
            let service = hyper::service::service_fn(move |req: axum::http::Request<Incoming>| {
                let busy = Busy::begin(&answering);
                let app = app.clone();
                async move {
                    let _busy = busy;
                    app.oneshot(req.map(Body::new)).await
                }
            });
            // hyper's own header timeout also runs while a kept-alive connection waits for its
            // next request, so idle connections would close after the header timeout, racing
            // clients (browsers, proxies' pools) that send on them at that moment; the watch
            // below times headers from their first byte and idleness apart.
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.header_read_timeout(None);
            let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            let mut closing = false;
            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    changed = close.changed(), if !closing => {
                        let _ = changed;
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    _ = tick.tick() => {
                        if clock.headers_overdue(limits.header_timeout) {
                            state.connections.header_timeouts.fetch_add(1, Relaxed);
                            state.connections.warn(started, "closed a connection that did not send its headers in time (--header-timeout-secs)");
                            break;
                        }
                        if clock.silent_for() > limits.idle_timeout {
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

/// What one connection is doing, shared by its stream, its service and its watch (all on
/// the connection's one task).
struct Clock {
    born: Instant,
    /// Milliseconds after `born` of the last byte read or written.
    last: AtomicU64,
    /// One plus the milliseconds after `born` when the awaited request's headers began: the
    /// connection opening, or the first byte read after a request was answered; 0 while none
    /// is awaited (a kept-alive connection between requests is idle, not late).
    head_since: AtomicU64,
    /// Requests being answered.
    busy: AtomicU64,
}

impl Clock {
    fn now(&self) -> u64 {
        self.born.elapsed().as_millis() as u64
    }

    /// A request's headers are late: awaited longer than `limit`, none being answered.
    fn headers_overdue(&self, limit: Duration) -> bool {
        let since = self.head_since.load(Relaxed);
        since != 0
            && self.busy.load(Relaxed) == 0
            && self.now().saturating_sub(since - 1) > limit.as_millis() as u64
    }

    /// How long since a byte was last read or written.
    fn silent_for(&self) -> Duration {
        Duration::from_millis(self.now().saturating_sub(self.last.load(Relaxed)))
    }
}

/// One request being answered: its headers have all come, so the header clock stops.
struct Busy(Arc<Clock>);

impl Busy {
    fn begin(clock: &Arc<Clock>) -> Busy {
        clock.busy.fetch_add(1, Relaxed);
        clock.head_since.store(0, Relaxed);
        Busy(Arc::clone(clock))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let clock = &self.0;
        clock.busy.fetch_sub(1, Relaxed);
        // Bytes read while answering (a body, a pipelined request) start the next request's
        // clock from now, not from when they came.
        if clock.head_since.load(Relaxed) != 0 {
            clock.head_since.store(clock.now() + 1, Relaxed);
        }
    }
}

/// A TCP stream that records when it moves bytes.
struct Activity {
    stream: TcpStream,
    clock: Arc<Clock>,
}

impl Activity {
    fn new(stream: TcpStream) -> Activity {
        Activity {
            stream,
            clock: Arc::new(Clock {
                born: Instant::now(),
                last: AtomicU64::new(0),
                head_since: AtomicU64::new(1),
                busy: AtomicU64::new(0),
            }),
        }
    }

    fn touch(&self) {
        self.clock.last.store(self.clock.now(), Relaxed);
    }

    fn touch_read(&self) {
        let now = self.clock.now();
        self.clock.last.store(now, Relaxed);
        if self.clock.head_since.load(Relaxed) == 0 {
            self.clock.head_since.store(now + 1, Relaxed);
        }
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
            self.touch_read();
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
