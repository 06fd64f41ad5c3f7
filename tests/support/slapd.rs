//! A real OpenLDAP `slapd` per test: a private `slapd.conf` in a temporary directory (the core, cosine,
//! inetorgperson and nis schemas, back_mdb), the directory loaded with `slapadd`, the server started as
//! `slapd -d none -f CONF -h ldap://127.0.0.1:PORT/` and ready when its log says `slapd starting` and the port
//! accepts. A port taken by a parallel test makes slapd exit: another port is tried. The server dies with the
//! test process (`PR_SET_PDEATHSIG`).

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The directory's suffix.
pub const BASE_DN: &str = "dc=example,dc=org";
/// Where the people are.
pub const PEOPLE: &str = "ou=people,dc=example,dc=org";
/// Where the groups are.
pub const GROUPS: &str = "ou=groups,dc=example,dc=org";
/// The service account that searches the directory, and its password.
pub const SERVICE_DN: &str = "cn=reader,dc=example,dc=org";
/// Password of [`SERVICE_DN`].
pub const SERVICE_PASSWORD: &str = "reader-secret";

/// Users of the test directory: `(uid, password)`. `jdoe` has an `{SSHA}` password, the others plain ones.
pub const JDOE: (&str, &str) = ("jdoe", "jdoe-pw");
/// A user without `mail`, in the posix group `ops` only.
pub const ASMITH: (&str, &str) = ("asmith", "asmith-pw");
/// A user with a non-ASCII name (José Núñez).
pub const JOSE: (&str, &str) = ("jose", "jose-pw");
/// A user in no group.
pub const LONER: (&str, &str) = ("loner", "loner-pw");
/// A directory login that breaks the local username rules (it contains a space).
pub const BAD_NAME: (&str, &str) = ("bad user", "bad-pw");

/// TLS material for an LDAPS listener: PEM certificate and key files.
pub struct TlsFiles {
    /// The server certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
}

/// A running slapd with its own directory.
pub struct Slapd {
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// The port it listens on.
    pub port: u16,
    tls: bool,
}

impl Slapd {
    /// Starts a slapd serving the test directory over plain LDAP.
    pub fn start() -> Slapd {
        Slapd::start_inner(None)
    }

    /// Starts a slapd serving the test directory over LDAPS (TLS from the first byte) with this certificate.
    pub fn start_ldaps(tls: TlsFiles) -> Slapd {
        Slapd::start_inner(Some(tls))
    }

    fn start_inner(tls: Option<TlsFiles>) -> Slapd {
        let dir = tempfile::tempdir().expect("slapd tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data dir");
        let conf = dir.path().join("slapd.conf");
        std::fs::write(&conf, config(dir.path(), tls.as_ref())).expect("slapd.conf");
        let ldif = dir.path().join("data.ldif");
        std::fs::write(&ldif, directory_ldif()).expect("ldif");
        let status = Command::new("slapadd")
            .arg("-f")
            .arg(&conf)
            .arg("-l")
            .arg(&ldif)
            .stdout(Stdio::null())
            .status()
            .expect("slapadd runs (apt-get install slapd ldap-utils)");
        assert!(status.success(), "slapadd failed");
        let mut slapd = Slapd {
            dir,
            child: None,
            port: 0,
            tls: tls.is_some(),
        };
        for _ in 0..20 {
            let port = free_port();
            if slapd.launch(port) {
                return slapd;
            }
        }
        panic!("slapd did not start on any of 20 ports");
    }

    /// Starts slapd on `port`; false when it died (the port was taken).
    fn launch(&mut self, port: u16) -> bool {
        let scheme = if self.tls { "ldaps" } else { "ldap" };
        let mut cmd = Command::new("slapd");
        cmd.arg("-d")
            .arg("none")
            .arg("-f")
            .arg(self.dir.path().join("slapd.conf"))
            .arg("-h")
            .arg(format!("{scheme}://127.0.0.1:{port}/"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("slapd runs (apt-get install slapd)");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut started = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !started && line.contains("slapd starting") {
                    started = true;
                    let _ = tx.send(());
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let logged = rx.recv_timeout(Duration::from_secs(10)).is_ok();
        if logged {
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    self.child = Some(child);
                    self.port = port;
                    return true;
                }
                #[allow(
                    clippy::disallowed_methods,
                    reason = "waits for the slapd process to listen, under a deadline"
                )]
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    /// Stops the server (as a crash would: SIGKILL); [`Slapd::restart`] starts it again on the same port.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the stopped server again on its port and data.
    pub fn restart(&mut self) {
        self.stop();
        for _ in 0..50 {
            if self.launch(self.port) {
                return;
            }
            #[allow(
                clippy::disallowed_methods,
                reason = "a retry of slapd's start, whose old process may still hold the port"
            )]
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("slapd did not restart on port {}", self.port);
    }

    /// Freezes the server (SIGSTOP): connections are accepted by the kernel but never answered.
    pub fn freeze(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Lets a frozen server go on (SIGCONT).
    pub fn thaw(&self) {
        self.signal(libc::SIGCONT);
    }

    fn signal(&self, sig: libc::c_int) {
        if let Some(child) = &self.child {
            // SAFETY: kill has no memory effects; the pid is our own running child.
            let rc = unsafe { libc::kill(child.id() as libc::pid_t, sig) };
            assert_eq!(rc, 0, "signal slapd");
        }
    }

    /// Applies an LDIF change as the directory's administrator, with OpenLDAP's own `ldapmodify`.
    pub fn modify(&self, ldif: &str) {
        use std::io::Write;
        let scheme = if self.tls { "ldaps" } else { "ldap" };
        let mut child = Command::new("ldapmodify")
            .args(["-x", "-H", &format!("{scheme}://127.0.0.1:{}/", self.port)])
            .args(["-D", &format!("cn=admin,{BASE_DN}"), "-w", "admin-secret"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("ldapmodify runs (apt-get install ldap-utils)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(ldif.as_bytes())
            .expect("ldif written");
        assert!(child.wait().expect("ldapmodify").success(), "ldapmodify failed");
    }

    /// The temporary directory holding the configuration.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The `auth_source.create` fields that point at this server with the service account (merge more).
    pub fn source(&self, name: &str) -> serde_json::Value {
        serde_json::json!({
            "name": name, "type": "LDAP", "host": "127.0.0.1", "port": self.port, "tls": self.tls,
            "account": SERVICE_DN, "account_password": SERVICE_PASSWORD, "base_dn": PEOPLE,
            "groups_base": GROUPS, "server_type": "posix", "timeout": 2,
        })
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.thaw();
        self.stop();
    }
}

/// A port nobody listens on now (it may be taken before slapd binds it: then another is tried).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn config(dir: &Path, tls: Option<&TlsFiles>) -> String {
    let tls = tls
        .map(|t| {
            format!(
                "TLSCertificateFile {}\nTLSCertificateKeyFile {}\n",
                t.cert.display(),
                t.key.display()
            )
        })
        .unwrap_or_default();
    format!(
        "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
{tls}database mdb
maxsize 10485760
suffix \"{BASE_DN}\"
rootdn \"cn=admin,{BASE_DN}\"
rootpw admin-secret
directory {dir}/data
index uid,memberUid,member eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
",
        dir = dir.display()
    )
}

/// `{SSHA}` of `password`, made by OpenLDAP's own `slappasswd`.
fn ssha(password: &str) -> String {
    let out = Command::new("slappasswd")
        .args(["-h", "{SSHA}", "-s", password])
        .output()
        .expect("slappasswd runs");
    assert!(out.status.success(), "slappasswd failed");
    String::from_utf8(out.stdout).expect("utf-8").trim().to_string()
}

fn person(uid: &str, number: u32, given: &str, sn: &str, mail: Option<&str>, password: &str) -> String {
    let mail = mail.map(|m| format!("mail: {m}\n")).unwrap_or_default();
    format!(
        "dn: uid={uid},{PEOPLE}
objectClass: inetOrgPerson
objectClass: posixAccount
uid: {uid}
cn: {given} {sn}
givenName: {given}
sn: {sn}
{mail}uidNumber: {number}
gidNumber: {number}
homeDirectory: /home/{number}
userPassword: {password}

"
    )
}

fn directory_ldif() -> String {
    let mut ldif = format!(
        "dn: {BASE_DN}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups

dn: {SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: {SERVICE_PASSWORD}

"
    );
    ldif += &person(JDOE.0, 10001, "John", "Doe", Some("jdoe@example.org"), &ssha(JDOE.1));
    ldif += &person(ASMITH.0, 10002, "Anna", "Smith", None, ASMITH.1);
    ldif += &person(JOSE.0, 10003, "José", "Núñez", Some("jose@example.org"), JOSE.1);
    ldif += &person(LONER.0, 10004, "Lone", "Wolf", Some("loner@example.org"), LONER.1);
    ldif += &person(BAD_NAME.0, 10005, "Bad", "Name", None, BAD_NAME.1);
    ldif += &format!(
        "dn: cn=developers,{GROUPS}
objectClass: groupOfNames
cn: developers
member: uid=jdoe,{PEOPLE}
member: uid=jose,{PEOPLE}

dn: cn=admins,{GROUPS}
objectClass: groupOfNames
cn: admins
member: uid=jdoe,{PEOPLE}

dn: cn=ops,{GROUPS}
objectClass: posixGroup
cn: ops
gidNumber: 20001
memberUid: jdoe
memberUid: asmith

"
    );
    ldif
}
