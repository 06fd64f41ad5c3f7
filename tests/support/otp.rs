//! One-time passwords computed independently of the server, by Python's pyotp.

/// Runs a Python snippet with pyotp imported; returns its trimmed output.
pub fn pyotp(code: &str) -> String {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!("import pyotp\n{code}"))
        .output()
        .expect("python3 runs (pip install pyotp)");
    assert!(out.status.success(), "pyotp: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8").trim().to_string()
}

/// The code pyotp computes for `secret` with `digits` and `interval` at `at_ms` (or now).
pub fn pyotp_code_with(secret: &str, digits: i64, interval: i64, at_ms: Option<i64>) -> String {
    let when = match at_ms {
        Some(ms) => format!("at({})", ms / 1000),
        None => "now()".to_string(),
    };
    pyotp(&format!(
        "print(pyotp.TOTP('{secret}', digits={digits}, interval={interval}).{when})"
    ))
}

/// The 6-digit, 30-second code pyotp computes for `secret` at `at_ms`.
pub fn pyotp_code(secret: &str, at_ms: i64) -> String {
    pyotp_code_with(secret, 6, 30, Some(at_ms))
}
