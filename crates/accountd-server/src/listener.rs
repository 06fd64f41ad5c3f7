//! The TCP side of the connection limits: a listener that caps the number of open connections and the share
//! one address may hold before logging in (refusing the ones over either with HTTP 503), and a stream that drops a connection which does not finish its HTTP
//! request / WebSocket handshake in time or whose socket accepts no bytes for too long (a peer that stops
//! reading).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use prometheus_client::metrics::gauge::Gauge;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep, sleep, sleep_until};

use crate::address_share::{AddressClaim, AddressShares};
use crate::origin::TrustedProxies;
use crate::tls::{self, ConnStream};
use tokio_rustls::TlsAcceptor;

/// What a refused connection is told (nginx's `limit_conn` answers 503 the same way).
const REFUSAL: &str = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
    content-length: 20\r\nconnection: close\r\n\r\nToo many connections";

/// Refusals answered at once; connections over the cap beyond these are dropped without an answer.
const MAX_REFUSALS_IN_FLIGHT: usize = 64;

/// How long a refused connection may take to send its request before it gets the 503 anyway.
const REFUSAL_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// The number of open connections, shared by the listener and every connection's [`Slot`], and its gauge
/// for `/metrics`.
#[derive(Debug)]
pub struct OpenConnections(AtomicUsize, Gauge);

impl OpenConnections {
    /// No connection yet; `gauge` follows the count.
    pub fn new(gauge: Gauge) -> Self {
        OpenConnections(AtomicUsize::new(0), gauge)
    }

    /// Connections open now.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// One open connection's place under the cap; dropping it (with the socket) frees the place.
#[derive(Debug)]
pub struct Slot {
    open: Arc<OpenConnections>,
    upgraded: AtomicBool,
    /// The place in the peer's share of unauthenticated connections, until the connection loop takes it.
    unauthenticated: Mutex<Option<AddressClaim>>,
}

impl Slot {
    fn try_new(open: &Arc<OpenConnections>, max: usize) -> Option<Slot> {
        open.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max).then_some(n + 1))
            .ok()?;
        open.1.inc();
        Some(Slot {
            open: open.clone(),
            upgraded: AtomicBool::new(false),
            unauthenticated: Mutex::new(None),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.0.fetch_sub(1, Ordering::SeqCst);
        self.open.1.dec();
    }
}

/// Connection limits the listener enforces.
#[derive(Debug, Clone)]
pub struct ListenerLimits {
    /// Open connections at most.
    pub max_connections: usize,
    /// Time from accepting a connection to the end of its WebSocket handshake.
    pub handshake_timeout: Duration,
    /// Time a write may wait for the peer to accept any byte.
    pub write_timeout: Duration,
    /// Peers whose connections count in the share of the client they forward (from the handshake on) rather
    /// than in their own.
    pub trusted_proxies: TrustedProxies,
}

/// A TCP listener that enforces [`ListenerLimits`].
pub struct LimitedListener {
    inner: TcpListener,
    limits: ListenerLimits,
    open: Arc<OpenConnections>,
    shares: Arc<AddressShares>,
    tls: Option<TlsAcceptor>,
    refusals: Arc<Semaphore>,
}

impl LimitedListener {
    /// Wraps `inner`; `open` counts the connections, `shares` the unauthenticated ones per address; with
    /// `tls`, every connection is TLS.
    pub fn new(
        inner: TcpListener,
        limits: ListenerLimits,
        open: Arc<OpenConnections>,
        shares: Arc<AddressShares>,
        tls: Option<TlsAcceptor>,
    ) -> Self {
        LimitedListener {
            inner,
            limits,
            open,
            shares,
            tls,
            refusals: Arc::new(Semaphore::new(MAX_REFUSALS_IN_FLIGHT)),
        }
    }

    fn refuse(&self, stream: TcpStream, peer: SocketAddr, why: &'static str) {
        tracing::debug!(%peer, max = self.limits.max_connections, "refusing connection: {why}");
        if let Ok(permit) = self.refusals.clone().try_acquire_owned() {
            tokio::spawn(async move {
                refuse(stream).await;
                drop(permit);
            });
        }
    }
}

/// Reads the request (so that closing does not reset the connection before the peer reads the answer),
/// answers 503 and closes.
async fn refuse(mut stream: TcpStream) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    let read_head = async {
        while request.len() < 16 * 1024 && !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(REFUSAL_READ_TIMEOUT, read_head).await;
    let answer = async {
        stream.write_all(REFUSAL.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(REFUSAL_READ_TIMEOUT, answer).await;
}

impl Listener for LimitedListener {
    type Io = ConnStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (ConnStream, SocketAddr) {
        loop {
            let (stream, peer) = Listener::accept(&mut self.inner).await;
            let Some(slot) = Slot::try_new(&self.open, self.limits.max_connections) else {
                self.refuse(stream, peer, "too many connections");
                continue;
            };
            // A trusted proxy's connections are counted under their client's address once it is known.
            if !self.limits.trusted_proxies.contains(peer.ip()) {
                let Some(claim) = self.shares.try_claim(peer.ip().to_canonical()) else {
                    self.refuse(
                        stream,
                        peer,
                        "the address holds its share of unauthenticated connections",
                    );
                    continue;
                };
                if let Ok(mut u) = slot.unauthenticated.lock() {
                    *u = Some(claim);
                }
            }
            let stream = LimitedStream::new(stream, Arc::new(slot), &self.limits);
            let stream = match &self.tls {
                Some(acceptor) => tls::accept(acceptor, stream),
                None => tls::plain(stream),
            };
            return (stream, peer);
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// What handlers learn about their connection: the peer and the connection's slot.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// The TCP peer's address.
    pub peer: SocketAddr,
    /// The connection is TLS.
    pub tls: bool,
    slot: Arc<Slot>,
}

impl ConnInfo {
    /// The handshake is done: from now on the connection loop decides how long the connection may stay
    /// without logging in.
    pub fn upgraded(&self) {
        self.slot.upgraded.store(true, Ordering::SeqCst);
    }

    /// Takes the connection's place in its peer's share of unauthenticated connections (none for a trusted
    /// proxy's connections, or when taken already).
    pub fn take_unauthenticated_claim(&self) -> Option<AddressClaim> {
        self.slot.unauthenticated.lock().ok().and_then(|mut u| u.take())
    }
}

impl Connected<IncomingStream<'_, LimitedListener>> for ConnInfo {
    fn connect_info(stream: IncomingStream<'_, LimitedListener>) -> Self {
        ConnInfo {
            peer: *stream.remote_addr(),
            tls: stream.io().is_tls(),
            slot: stream.io().slot(),
        }
    }
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_string())
}

/// A connection's socket with the handshake deadline and the write stall timeout.
pub struct LimitedStream {
    inner: TcpStream,
    slot: Arc<Slot>,
    /// Until the handshake is done.
    handshake: Option<Pin<Box<Sleep>>>,
    write_timeout: Duration,
    /// Armed while a write waits for the peer.
    write_stall: Option<Pin<Box<Sleep>>>,
    stalled: bool,
}

impl LimitedStream {
    /// The connection's place under the cap.
    pub(crate) fn slot(&self) -> Arc<Slot> {
        self.slot.clone()
    }

    fn new(inner: TcpStream, slot: Arc<Slot>, limits: &ListenerLimits) -> Self {
        LimitedStream {
            inner,
            slot,
            handshake: Some(Box::pin(sleep_until(Instant::now() + limits.handshake_timeout))),
            write_timeout: limits.write_timeout,
            write_stall: None,
            stalled: false,
        }
    }

    /// Fails once the handshake deadline has passed without an upgrade.
    fn check_handshake(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if let Some(deadline) = &mut self.handshake {
            if self.slot.upgraded.load(Ordering::SeqCst) {
                self.handshake = None;
            } else if deadline.as_mut().poll(cx).is_ready() {
                return Err(timed_out("no WebSocket handshake in time"));
            }
        }
        Ok(())
    }

    /// Runs one write; fails when the peer has accepted no byte for the write timeout.
    fn write_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        write: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if self.stalled {
            return Poll::Ready(Err(timed_out("peer does not read")));
        }
        if let Err(e) = self.check_handshake(cx) {
            return Poll::Ready(Err(e));
        }
        match write(Pin::new(&mut self.inner), cx) {
            Poll::Ready(r) => {
                self.write_stall = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let timeout = self.write_timeout;
                #[allow(
                    clippy::disallowed_methods,
                    reason = "a socket's write deadline is the transport's timer, not a time the service reasons about"
                )]
                let stall = self.write_stall.get_or_insert_with(|| Box::pin(sleep(timeout)));
                if stall.as_mut().poll(cx).is_ready() {
                    self.stalled = true;
                    return Poll::Ready(Err(timed_out("peer does not read")));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncRead for LimitedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if let Err(e) = self.check_handshake(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for LimitedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.write_with(cx, |s, cx| s.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write_with(cx, |s, cx| s.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.write_with(cx, |s, cx| s.poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
