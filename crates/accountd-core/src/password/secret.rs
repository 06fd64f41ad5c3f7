//! A string that never shows itself in `Debug` output.

use std::fmt;

/// A cleartext secret (password, OTP secret); `Debug` prints `********`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a cleartext value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The cleartext; call only where the value is needed (hashing, comparison).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Unwraps the cleartext.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"********\")")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_hides_value() {
        let s = Secret::new("hunter2");
        let shown = format!("{s:?} {:?}", Some(&s));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(s.expose(), "hunter2");
    }
}
