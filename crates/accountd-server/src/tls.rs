//! Native TLS (rustls with the ring provider): the server configuration from PEM files, and the connection
//! stream that runs the TLS handshake inside the connection's own task (never in the accept loop, so a slow
//! handshake holds up no one else; the handshake deadline of [`crate::listener`] applies to it).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::{Accept, TlsAcceptor, server::TlsStream};

use crate::listener::{LimitedStream, Slot};

/// Why the TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file holds no PEM certificate, or one that does not parse.
    #[error("no usable PEM certificate: {0}")]
    Certificate(String),
    /// The key file holds no PEM private key, or one that does not parse.
    #[error("no usable PEM private key: {0}")]
    Key(String),
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("the certificate and key are not usable together: {0}")]
    Config(#[from] rustls::Error),
}

/// A TLS server configuration: `cert_pem` holds the certificate chain (leaf first), `key_pem` its private key
/// (PKCS#8, PKCS#1 or SEC1). TLS 1.2 and 1.3; HTTP/1.1 only (WebSockets).
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(TlsError::Certificate("the file has no CERTIFICATE block".to_string()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Starts the server side of a TLS connection on `stream` (the handshake runs as the stream is polled).
pub(crate) fn accept(acceptor: &TlsAcceptor, stream: LimitedStream) -> ConnStream {
    ConnStream {
        slot: stream.slot(),
        tls: true,
        state: State::Handshaking(Box::new(acceptor.accept(stream))),
    }
}

/// A plain connection.
pub(crate) fn plain(stream: LimitedStream) -> ConnStream {
    ConnStream {
        slot: stream.slot(),
        tls: false,
        state: State::Plain(stream),
    }
}

/// One accepted connection: plain, or TLS (handshaking, then established).
pub struct ConnStream {
    slot: Arc<Slot>,
    tls: bool,
    state: State,
}

enum State {
    Plain(LimitedStream),
    Handshaking(Box<Accept<LimitedStream>>),
    Tls(Box<TlsStream<LimitedStream>>),
    Failed,
}

impl ConnStream {
    /// True for a TLS connection.
    pub(crate) fn is_tls(&self) -> bool {
        self.tls
    }

    /// The connection's place under the connection cap.
    pub(crate) fn slot(&self) -> Arc<Slot> {
        self.slot.clone()
    }

    /// Drives the TLS handshake; ready once the stream can carry data (or failed).
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let State::Handshaking(accept) = &mut self.state {
            match Pin::new(accept.as_mut()).poll(cx) {
                Poll::Ready(Ok(tls)) => self.state = State::Tls(Box::new(tls)),
                Poll::Ready(Err(e)) => {
                    self.state = State::Failed;
                    tracing::debug!(error = %e, "TLS handshake failed");
                    return Poll::Ready(Err(e));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        match self.state {
            State::Failed => Poll::Ready(Err(io::Error::new(io::ErrorKind::NotConnected, "TLS handshake failed"))),
            _ => Poll::Ready(Ok(())),
        }
    }
}

/// Runs `$op` on the ready stream (plain or TLS).
macro_rules! on_ready {
    ($self:ident, $cx:ident, |$s:ident| $op:expr) => {{
        let this = $self.get_mut();
        match this.poll_ready($cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        match &mut this.state {
            State::Plain($s) => {
                let $s = Pin::new($s);
                $op
            }
            State::Tls($s) => {
                let $s = Pin::new($s.as_mut());
                $op
            }
            State::Handshaking(_) | State::Failed => Poll::Ready(Err(io::Error::from(io::ErrorKind::NotConnected))),
        }
    }};
}

impl AsyncRead for ConnStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        on_ready!(self, cx, |s| s.poll_read(cx, buf))
    }
}

impl AsyncWrite for ConnStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        on_ready!(self, cx, |s| s.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        on_ready!(self, cx, |s| s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        on_ready!(self, cx, |s| s.poll_shutdown(cx))
    }
}
