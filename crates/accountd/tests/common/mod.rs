//! What the process-level tests share: the arguments of a cheap `accountd serve` and its ready line.

use std::io::{BufRead, BufReader};
use std::process::Child;

/// `serve` on a free loopback port with cheap argon2id hashes; the caller adds `--db`, `--home-root` and more.
pub const CHEAP_SERVE: &[&str] = &[
    "serve",
    "--listen",
    "127.0.0.1:0",
    "--argon2-m-kib",
    "64",
    "--argon2-t",
    "1",
];

/// Reads the ready line `listening on URL` from the child's piped stdout and returns the URL.
pub fn ready_url(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    line.trim()
        .strip_prefix("listening on ")
        .expect("ready line format")
        .to_string()
}
