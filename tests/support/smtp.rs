//! A real SMTP server per test: aiosmtpd (Debian's `python3-aiosmtpd`, run with `/usr/bin/python3`) started from
//! `tests/support/smtp_server.py` on a free loopback port, delivering into a Maildir in a temporary directory.
//! Variants require SMTP AUTH, refuse every message (keeping a copy), or speak TLS. The server dies with the test
//! process (`PR_SET_PDEATHSIG`) and when this handle is dropped (its standard input closes).

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};

/// The sender address the test settings use.
pub const FROM: &str = "accountd@example.com";

/// How a test server behaves.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Accepts every message.
    Open,
    /// Requires SMTP AUTH with this user and password (over plain SMTP).
    Auth(String, String),
    /// Refuses every message with `554 5.7.1 Message refused by the test policy` (a copy is kept).
    Refuse,
    /// Offers (and requires) STARTTLS with this PEM certificate and key.
    StartTls(PathBuf, PathBuf),
    /// Speaks TLS from the first byte with this PEM certificate and key.
    ImplicitTls(PathBuf, PathBuf),
}

/// A running aiosmtpd with its own Maildir.
pub struct SmtpServer {
    dir: tempfile::TempDir,
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl SmtpServer {
    /// Starts a server that accepts every message.
    pub fn start() -> SmtpServer {
        SmtpServer::start_mode(Mode::Open)
    }

    /// Starts a server in `mode`.
    pub fn start_mode(mode: Mode) -> SmtpServer {
        let dir = tempfile::tempdir().expect("smtp tempdir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("support/smtp_server.py");
        let mut cmd = Command::new("/usr/bin/python3");
        cmd.arg(&script).arg(dir.path().join("maildir"));
        match &mode {
            Mode::Open => {}
            Mode::Auth(user, password) => {
                cmd.arg("--auth").arg(format!("{user}:{password}"));
            }
            Mode::Refuse => {
                cmd.arg("--refuse");
            }
            Mode::StartTls(cert, key) => {
                cmd.arg("--starttls").arg(cert).arg(key);
            }
            Mode::ImplicitTls(cert, key) => {
                cmd.arg("--implicit-tls").arg(cert).arg(key);
            }
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .expect("aiosmtpd runs (apt-get install python3-aiosmtpd; /usr/bin/python3)");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("aiosmtpd says which port it listens on");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("aiosmtpd did not start: {line:?}"));
        SmtpServer { dir, child, port }
    }

    /// The `mail.update` fields that point at this server (plain SMTP, no AUTH); merge more.
    pub fn settings(&self) -> Value {
        json!({"fromemail": FROM, "fromname": "Accounts", "outgoingserver": "127.0.0.1", "port": self.port,
               "security": "PLAIN", "smtp": false})
    }

    /// The Maildir messages are delivered to (`new/` holds them).
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    /// The messages delivered so far, oldest first, as raw bytes.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        read_dir_sorted(&self.dir.path().join("maildir/new"))
    }

    /// The messages the server refused (in [`Mode::Refuse`]), oldest first.
    pub fn refused(&self) -> Vec<Vec<u8>> {
        read_dir_sorted(&self.dir.path().join("maildir/refused"))
    }

    /// Waits (up to 20 s) until at least `n` messages were delivered; returns all of them.
    pub async fn wait_for_messages(&self, n: usize) -> Vec<Vec<u8>> {
        wait_for(n, || self.messages()).await
    }

    /// Waits (up to 20 s) until at least `n` messages were refused; returns all of them.
    pub async fn wait_for_refused(&self, n: usize) -> Vec<Vec<u8>> {
        wait_for(n, || self.refused()).await
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_for(n: usize, read: impl Fn() -> Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = read();
        if found.len() >= n {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} messages, the SMTP server has {}",
            found.len()
        );
        #[allow(
            clippy::disallowed_methods,
            reason = "polls the SMTP server's Maildir, under a deadline"
        )]
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The files of `dir` by modification time (then name), read whole.
fn read_dir_sorted(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort();
    files.into_iter().filter_map(|(_, p)| std::fs::read(p).ok()).collect()
}

/// A loopback port nobody listens on (a server that is down).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A delivered message, parsed by a MIME parser (`mail-parser`): headers and the decoded text body.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `Subject`.
    pub subject: String,
    /// `From` as `Name <address>` (or the address).
    pub from: String,
    /// The `To` addresses.
    pub to: Vec<String>,
    /// `Message-ID` (without angle brackets).
    pub message_id: Option<String>,
    /// `Date`, RFC 3339.
    pub date: Option<String>,
    /// `Content-Type` as `type/subtype; charset=...`.
    pub content_type: String,
    /// The text body, transfer encoding (quoted-printable, base64) undone.
    pub text: String,
}

impl Mail {
    /// Parses raw message bytes.
    pub fn parse(raw: &[u8]) -> Mail {
        let message = MessageParser::default().parse(raw).expect("a MIME message");
        let from = message
            .from()
            .and_then(|a| a.first())
            .map(|a| match (&a.name, &a.address) {
                (Some(n), Some(e)) => format!("{n} <{e}>"),
                (None, Some(e)) => e.to_string(),
                _ => String::new(),
            })
            .unwrap_or_default();
        let to = message
            .to()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.address.as_deref().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let content_type = message
            .content_type()
            .map(|c| {
                let charset = c.attribute("charset").unwrap_or("");
                format!("{}/{}; charset={charset}", c.ctype(), c.subtype().unwrap_or(""))
            })
            .unwrap_or_default();
        Mail {
            subject: message.subject().unwrap_or_default().to_string(),
            from,
            to,
            message_id: message.message_id().map(str::to_string),
            date: message.date().map(|d| d.to_rfc3339()),
            content_type,
            text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        }
    }

    /// The token of the reset link in the text (what follows `token=`).
    pub fn reset_token(&self) -> String {
        let start = self.text.find("token=").expect("a reset link in the mail") + "token=".len();
        self.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}
