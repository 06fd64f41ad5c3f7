//! Running under systemd: the readiness protocol of `Type=notify` units (`sd_notify`: datagrams such as
//! `READY=1` sent to the Unix socket named by `$NOTIFY_SOCKET`, a path or, with a leading `@`, an abstract
//! name) and journald's stream format (a `<N>` syslog priority before each line) when `$JOURNAL_STREAM` says
//! that standard error is the journal.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Sends `state` (newline-separated `KEY=VALUE` assignments, e.g. `READY=1`) to the service manager. `Ok(false)`
/// when no manager listens (`$NOTIFY_SOCKET` unset or empty).
pub fn notify(state: &str) -> io::Result<bool> {
    let Some(socket) = std::env::var_os("NOTIFY_SOCKET").filter(|s| !s.is_empty()) else {
        return Ok(false);
    };
    let addr = notify_address(&socket)?;
    let sender = UnixDatagram::unbound()?;
    let sent = sender.send_to_addr(state.as_bytes(), &addr)?;
    if sent != state.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "the notification was cut short",
        ));
    }
    Ok(true)
}

/// The address `$NOTIFY_SOCKET` names: a filesystem path (`/run/systemd/notify`) or an abstract socket
/// (`@name`).
fn notify_address(socket: &OsStr) -> io::Result<SocketAddr> {
    let bytes = socket.as_bytes();
    match bytes.first() {
        Some(b'/') => SocketAddr::from_pathname(socket),
        Some(b'@') => abstract_address(&bytes[1..]),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "NOTIFY_SOCKET is neither a path nor an abstract socket name (@name)",
        )),
    }
}

#[cfg(target_os = "linux")]
fn abstract_address(name: &[u8]) -> io::Result<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    SocketAddr::from_abstract_name(name)
}

#[cfg(not(target_os = "linux"))]
fn abstract_address(_name: &[u8]) -> io::Result<SocketAddr> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract sockets exist on Linux only",
    ))
}

/// Whether standard error is the journal's stream: `$JOURNAL_STREAM` (`<device>:<inode>`, set by systemd for a
/// unit whose output goes to the journal) names the file standard error is open on. A redirected standard error
/// (the variable inherited by a child whose output goes elsewhere) does not match.
pub fn stderr_is_journal() -> bool {
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = stream.to_str().and_then(|s| s.split_once(':')) else {
        return false;
    };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else {
        return false;
    };
    match rustix::fs::fstat(std::io::stderr()) {
        Ok(stat) => stat.st_dev == dev && stat.st_ino == ino,
        Err(_) => false,
    }
}

/// The syslog priority journald reads from a `<N>` line prefix.
fn priority(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

/// Formats each event as `inner` does, after the `<N>` priority prefix of its level (journald keeps its own
/// timestamps, so `inner` should leave them out).
pub struct JournalFormat<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for JournalFormat<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        write!(writer, "<{}>", priority(event.metadata().level()))?;
        self.0.format_event(ctx, writer, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_socket_names_a_path_or_an_abstract_socket() {
        let path = notify_address(OsStr::new("/run/systemd/notify")).unwrap();
        assert_eq!(path.as_pathname(), Some(std::path::Path::new("/run/systemd/notify")));
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let named = notify_address(OsStr::new("@accountd/notify")).unwrap();
            assert_eq!(named.as_abstract_name(), Some(&b"accountd/notify"[..]));
        }
        assert!(notify_address(OsStr::new("vsock:2:1234")).is_err());
    }

    #[test]
    fn levels_map_to_syslog_priorities() {
        let cases = [
            (Level::ERROR, 3),
            (Level::WARN, 4),
            (Level::INFO, 6),
            (Level::DEBUG, 7),
            (Level::TRACE, 7),
        ];
        for (level, expected) in cases {
            assert_eq!(priority(&level), expected, "{level}");
        }
    }
}
