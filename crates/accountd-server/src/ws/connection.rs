//! One WebSocket connection: reads frames, runs calls concurrently (bounded), writes replies through one
//! outbound queue bounded in messages and bytes ([`super::outbox`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use accountd_core::events::ChangeEvent;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures::{SinkExt, StreamExt};
use jsonrpsee::core::server::MethodCallback;
use jsonrpsee::types::{Id, Params};
use jsonrpsee::{ConnectionId, Extensions, RpcModule};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;

use super::envelope::{self, Frame, Request};
use super::outbox::{NotQueued, Outbound, Outbox};
use crate::address_share::AddressClaim;
use crate::dispatch::current_login;
use crate::events;
use crate::limits::LoginDeadline;
use crate::origin::ClientOrigin;
use crate::session::Session;
use crate::state::AppState;

/// Close codes TrueNAS uses.
mod close {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const UNSUPPORTED: u16 = 1003;
    pub const INVALID_DATA: u16 = 1007;
    /// What TrueNAS closes refused connections with (here: not logged in in time).
    pub const POLICY_VIOLATION: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
}

/// Serves one upgraded connection until the peer leaves or the server shuts down.
pub async fn run_connection(
    socket: WebSocket,
    origin: ClientOrigin,
    mut unauthenticated: Option<AddressClaim>,
    state: Arc<AppState>,
    module: Arc<RpcModule<AppState>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let conn_id = state.next_connection.fetch_add(1, Ordering::Relaxed);
    let session = Arc::new(Session::new(conn_id, origin).with_activity(state.accounts.activity_notifier()));
    let origin = origin.addr;
    // Listed by `auth.sessions` and reachable by `auth.terminate_session` until the connection ends.
    let _registration = state.sessions.register(&session);
    tracing::debug!(conn = conn_id, %origin, "connection opened");
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = Outbox::new(
        state.limits.outbound_queue,
        state.limits.outbound_queue_bytes,
        state.metrics.outbound_queue_bytes.clone(),
    );
    let shutter = out_tx.shutter();

    let mut writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            let result = match msg {
                // The text's share of the byte budget is freed once the socket (or its buffer) took it.
                Outbound::Text(t, _budget) => sink.send(Message::Text(Utf8Bytes::from(t))).await,
                Outbound::Close(code, reason) => {
                    let frame = CloseFrame {
                        code,
                        reason: Utf8Bytes::from(reason),
                    };
                    let _ = sink.send(Message::Close(Some(frame))).await;
                    break;
                }
            };
            if result.is_err() {
                break;
            }
        }
        // Replies waiting for room fail now instead of waiting forever.
        shutter.shut();
        drop(out_rx);
        let _ = sink.close().await;
    });

    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut calls = JoinSet::new();
    let mut events_rx: Option<broadcast::Receiver<Arc<ChangeEvent>>> = None;
    let mut too_slow = false;
    let mut terminated = false;
    let mut writer_done = false;
    let mut login_deadline = LoginDeadline::new(state.limits.login_timeout);
    loop {
        if events_rx.is_none() {
            events_rx = session.take_event_receiver();
        }
        // The connection counts in its address's share of unauthenticated connections while not logged in.
        match (session.is_authenticated(), unauthenticated.is_some()) {
            (true, true) => unauthenticated = None,
            (false, false) => unauthenticated = Some(state.address_shares.claim(origin.ip())),
            _ => {}
        }
        let frame = tokio::select! {
            // Shutdown first, then events (so an event committed before a frame arrived is queued before that
            // frame's reply), then finished calls, then frames.
            biased;
            _ = shutdown.changed() => {
                let _ = out_tx
                    .send_close(close::GOING_AWAY, "server shutting down".to_string())
                    .await;
                break;
            }
            _ = login_deadline.expired(&session) => {
                tracing::info!(conn = conn_id, "closing: not logged in in time");
                let reason = "Authentication timeout".to_string();
                let _ = out_tx.send_close(close::POLICY_VIOLATION, reason).await;
                break;
            }
            _ = session.terminated() => {
                // `auth.terminate_session`, or the user was locked, deleted or got a new password.
                tracing::info!(conn = conn_id, "closing: session terminated");
                terminated = true;
                break;
            }
            _ = &mut writer, if !writer_done => {
                // The socket can no longer be written (the peer stopped reading, or left): nothing more can be
                // said to this peer.
                tracing::info!(conn = conn_id, "closing: the connection cannot be written to");
                writer_done = true;
                break;
            }
            event = next_event(&mut events_rx) => {
                match event {
                    Ok(event) => {
                        if !session.has_subscriptions() {
                            events_rx = None;
                        } else if !deliver(&state, &session, &event, &out_tx).await {
                            tracing::info!(conn = conn_id, "closing: subscriber does not read its events");
                            too_slow = true;
                            break;
                        }
                    }
                    Err(RecvError::Lagged(dropped)) => {
                        tracing::info!(conn = conn_id, dropped, "subscriber fell behind; ending its subscriptions");
                        for (_, name) in session.clear_subscriptions() {
                            let _ = out_tx.try_send_text(events::unsubscribed_notice(&name, dropped));
                        }
                        events_rx = None;
                    }
                    Err(RecvError::Closed) => events_rx = None,
                }
                continue;
            }
            Some(done) = calls.join_next(), if !calls.is_empty() => {
                if let Err(e) = done { tracing::error!(conn = conn_id, error = %e, "call task failed"); }
                continue;
            }
            // While a reply waits for room in the outbound queue, the peer is not reading: neither is the server.
            _ = out_tx.unblocked(), if out_tx.is_blocked() => continue,
            frame = stream.next(), if !out_tx.is_blocked() => frame,
        };
        let text = match frame {
            None | Some(Ok(Message::Close(_))) => break,
            Some(Err(e)) => {
                // The protocol layer refused what the peer sent; answer with the close code aiohttp (TrueNAS's
                // WebSocket layer) uses for it, when there is one.
                let max = state.limits.max_message_authenticated;
                if let Some((code, reason)) = close_for_read_error(&e.to_string(), max) {
                    tracing::info!(conn = conn_id, error = %e, code, "closing: bad frame");
                    let _ = out_tx.send_close(code, reason).await;
                }
                break;
            }
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Binary(_))) => {
                // TrueNAS's reason text (aiohttp's repr of the frame type).
                let reason = "Invalid websocket message type: <WSMsgType.BINARY: 2>".to_string();
                let _ = out_tx.send_close(close::UNSUPPORTED, reason).await;
                break;
            }
            Some(Ok(_)) => continue,
        };
        // Every message uses the session's credential: a token session keeps its token alive, or is logged out
        // when the token expired.
        state.sessions.touch(&session, state.accounts.now_ms());
        let authenticated = session.is_authenticated();
        let limit = if authenticated {
            state.limits.max_message_authenticated
        } else {
            state.limits.max_message_unauthenticated
        };
        if text.len() > limit {
            // TrueNAS's reason texts (`MsgSizeError`), with the configured limits.
            let (code, reason) = if authenticated {
                (close::TOO_BIG, format!("Max message length is {} kB", limit / 1024))
            } else {
                (
                    close::INVALID_DATA,
                    format!("Anonymous connection max message length is {} kB", limit / 1024),
                )
            };
            tracing::info!(conn = conn_id, size = text.len(), limit, "closing: oversized message");
            let _ = out_tx.send_close(code, reason).await;
            break;
        }
        let request = match envelope::parse(text.as_str()) {
            Frame::Reply(r) => {
                if out_tx.send_text(r).await.is_err() {
                    break;
                }
                continue;
            }
            Frame::Call(r) => r,
        };
        let max = state.limits.max_concurrent_calls;
        if in_flight.load(Ordering::SeqCst) >= max {
            if let Some(id) = &request.id {
                let msg = format!("Maximum number of concurrent calls ({max}) has exceeded");
                let _ = out_tx.send_text(envelope::error_response(id, -32000, &msg)).await;
            }
            continue;
        }
        in_flight.fetch_add(1, Ordering::SeqCst);
        let (module, session, out_tx, in_flight) = (module.clone(), session.clone(), out_tx.clone(), in_flight.clone());
        calls.spawn(async move {
            let reply = execute(&module, &session, request).await;
            if let Some(reply) = reply {
                let _ = out_tx.send_text(reply).await;
            }
            // A call counts until its reply is queued: a peer that does not read holds at most
            // `max_concurrent_calls` replies besides the queue, and further requests wait (unread) in the socket.
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }
    if too_slow {
        // The outbound queue is full: nothing more can be said to this peer; drop the socket so calls waiting to
        // reply fail at once instead of holding memory.
        writer.abort();
        out_tx.shut();
    }
    // Let in-flight calls finish and deliver their replies, then close.
    while let Some(done) = calls.join_next().await {
        if let Err(e) = done {
            tracing::error!(conn = conn_id, error = %e, "call task failed");
        }
    }
    if let Some(login) = state.sessions.end_on_close(&session) {
        // The connection ends a login that is still on (TrueNAS logs the session out on close). Queued, not
        // awaited: no reply waits for it, and the session must end (and its token die) without delay.
        drop(crate::audit::logout(&state, &session, &login));
    }
    if terminated {
        // After the replies of calls in flight (e.g. the `auth.terminate_session` that ended this very session).
        let _ = out_tx.send_close(close::NORMAL, String::new()).await;
    }
    drop(out_tx);
    if !writer_done {
        let _ = writer.await;
    }
    tracing::debug!(conn = conn_id, "connection closed");
}

/// The close frame for a failed read, from the error's text (the error type of axum's tungstenite is not
/// exposed): a message above the protocol layer's cap (1009), a text message that is not UTF-8 (1007), a
/// protocol violation (1002). Other failures (the peer went away) get none.
fn close_for_read_error(error: &str, max_message_authenticated: usize) -> Option<(u16, String)> {
    if error.starts_with("Space limit exceeded") {
        let kb = max_message_authenticated / 1024;
        Some((close::TOO_BIG, format!("Max message length is {kb} kB")))
    } else if error.starts_with("UTF-8 encoding error") {
        Some((close::INVALID_DATA, "Invalid UTF-8 text message".to_string()))
    } else if error.starts_with("WebSocket protocol error") {
        Some((close::PROTOCOL_ERROR, "Protocol error".to_string()))
    } else {
        None
    }
}

/// Runs one call through the module; returns the reply text (none for notifications).
async fn execute(module: &RpcModule<AppState>, session: &Arc<Session>, request: Request) -> Option<String> {
    let Request { id, method, params } = request;
    let Some(MethodCallback::Async(callback)) = module.method(&method).cloned() else {
        return id.map(|id| envelope::error_response(&id, -32601, "Method does not exist"));
    };
    let mut extensions = Extensions::new();
    extensions.insert(session.clone());
    let params = Params::new(Some(params.as_str())).into_owned();
    let call = callback(
        Id::Null,
        params,
        ConnectionId(session.id as usize),
        usize::MAX,
        extensions,
    );
    // Password hashing for this call takes turns with other client addresses' hashing.
    let response = accountd_core::password::with_origin(session.origin.ip(), call).await;
    let id = id?;
    Some(rewrap(&response.into_json(), &id))
}

/// Replaces the placeholder id of a jsonrpsee response with the request's own id (which may be any
/// integer or string, as TrueNAS allows).
fn rewrap(raw: &serde_json::value::RawValue, id: &Value) -> String {
    #[derive(serde::Deserialize)]
    struct Parts<'a> {
        #[serde(borrow)]
        result: Option<&'a serde_json::value::RawValue>,
        #[serde(borrow)]
        error: Option<&'a serde_json::value::RawValue>,
    }
    let id_text = id.to_string();
    // jsonrpsee writes `{"jsonrpc":"2.0","id":null,` first: swap the id in without re-reading a large result.
    if let Some(rest) = raw.get().strip_prefix(r#"{"jsonrpc":"2.0","id":null,"#) {
        return format!(r#"{{"jsonrpc":"2.0","id":{id_text},{rest}"#);
    }
    match serde_json::from_str::<Parts<'_>>(raw.get()) {
        Ok(Parts { result: Some(r), .. }) => format!(r#"{{"jsonrpc":"2.0","id":{id_text},"result":{}}}"#, r.get()),
        Ok(Parts { error: Some(e), .. }) => format!(r#"{{"jsonrpc":"2.0","id":{id_text},"error":{}}}"#, e.get()),
        _ => format!(r#"{{"jsonrpc":"2.0","id":{id_text},"result":null}}"#),
    }
}

async fn next_event(rx: &mut Option<broadcast::Receiver<Arc<ChangeEvent>>>) -> Result<Arc<ChangeEvent>, RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Queues the notification of one event if the session subscribed to its collection and may read it. Returns
/// false when the outbound queue is full: the peer does not read and must be cut off.
async fn deliver(state: &AppState, session: &Session, event: &ChangeEvent, out_tx: &Outbox) -> bool {
    if !events::subscribed(&session.subscriptions(), event.collection) {
        return true;
    }
    let Ok(Some(login)) = current_login(state, session).await else {
        return true;
    };
    let Some(text) = events::notification(state, &login.caller, event) else {
        return true;
    };
    match out_tx.try_send_text(text) {
        Ok(()) => true,
        Err((NotQueued::Full, _)) => false,
        Err((NotQueued::Closed, _)) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrap_puts_the_request_id_in() {
        let raw = |t: &str| serde_json::value::RawValue::from_string(t.to_string()).unwrap();
        let cases = [
            (
                r#"{"jsonrpc":"2.0","id":null,"result":{"a":[1,2]}}"#,
                json_id(7),
                r#"{"jsonrpc":"2.0","id":7,"result":{"a":[1,2]}}"#,
            ),
            (
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32601}}"#,
                json_id("x"),
                r#"{"jsonrpc":"2.0","id":"x","error":{"code":-32601}}"#,
            ),
            // Another field order still works (by parsing).
            (
                r#"{"result":true,"id":null,"jsonrpc":"2.0"}"#,
                json_id(1),
                r#"{"jsonrpc":"2.0","id":1,"result":true}"#,
            ),
        ];
        for (response, id, expected) in cases {
            assert_eq!(rewrap(&raw(response), &id), expected);
        }
    }

    fn json_id(v: impl Into<Value>) -> Value {
        v.into()
    }

    #[test]
    fn read_errors_map_to_close_codes() {
        let cases: [(&str, Option<(u16, &str)>); 5] = [
            (
                "Space limit exceeded: Message too long: 5242880 > 4194304",
                Some((1009, "Max message length is 64 kB")),
            ),
            (
                "UTF-8 encoding error: invalid utf-8 sequence",
                Some((1007, "Invalid UTF-8 text message")),
            ),
            (
                "WebSocket protocol error: Unknown data frame type 3",
                Some((1002, "Protocol error")),
            ),
            ("IO error: Connection reset by peer (os error 104)", None),
            ("Connection closed normally", None),
        ];
        for (error, expected) in cases {
            let got = close_for_read_error(error, 65536);
            assert_eq!(got, expected.map(|(c, r)| (c, r.to_string())), "{error}");
        }
    }
}
