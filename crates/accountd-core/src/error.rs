//! The one error type of the services, mapped to JSON-RPC errors by the server in one place.

use std::fmt;

/// POSIX and TrueNAS errno values that travel on the wire.
#[allow(missing_docs)]
pub mod errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const EIO: i32 = 5;
    pub const EACCES: i32 = 13;
    pub const EBUSY: i32 = 16;
    pub const EEXIST: i32 = 17;
    pub const EINVAL: i32 = 22;
    pub const ENOTSUP: i32 = 95;
    pub const EOPNOTSUPP: i32 = 95;
    pub const EFAULT: i32 = 14;
    pub const ENOMETHOD: i32 = 201;
    pub const ENOTAUTHENTICATED: i32 = 207;

    /// The symbolic name of an errno, as TrueNAS shows it in `errname` and `reason`.
    pub fn name(code: i32) -> &'static str {
        match code {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            EIO => "EIO",
            EACCES => "EACCES",
            EBUSY => "EBUSY",
            EEXIST => "EEXIST",
            EINVAL => "EINVAL",
            EOPNOTSUPP => "EOPNOTSUPP",
            EFAULT => "EFAULT",
            ENOMETHOD => "ENOMETHOD",
            ENOTAUTHENTICATED => "ENOTAUTHENTICATED",
            _ => "EUNKNOWN",
        }
    }
}

/// One item of a validation failure: `[attribute, message, errno]` on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationItem {
    /// Dotted attribute, e.g. `user_create.username`; `None` serializes as JSON null.
    pub attribute: Option<String>,
    /// Human message, TrueNAS text.
    pub message: String,
    /// errno, usually EINVAL.
    pub errno: i32,
}

/// A list of validation failures collected while checking one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationItem>);

impl ValidationErrors {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an EINVAL item.
    pub fn add(&mut self, attribute: impl Into<String>, message: impl Into<String>) {
        self.add_errno(attribute, message, errno::EINVAL);
    }

    /// Adds an item with a given errno.
    pub fn add_errno(&mut self, attribute: impl Into<String>, message: impl Into<String>, code: i32) {
        self.0.push(ValidationItem {
            attribute: Some(attribute.into()),
            message: message.into(),
            errno: code,
        });
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Err` with the collected items when there are any.
    pub fn check(self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self))
        }
    }
}

/// Every way a service call can fail.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// One or more invalid inputs (-32602 on the wire).
    #[error("validation failed: {0:?}")]
    Validation(ValidationErrors),
    /// A call error with an errno (-32001 on the wire), e.g. EPERM, EEXIST.
    #[error("[{}] {message}", errno::name(*code))]
    Call {
        /// errno value.
        code: i32,
        /// Message without the `[ERRNAME]` prefix.
        message: String,
    },
    /// A failure TrueNAS reports as a plain exception: -32001, EINVAL, `reason` is the text as is.
    #[error("{0}")]
    Exception(String),
    /// Storage or I/O failure that is not the caller's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A call error with an errno.
    pub fn call(code: i32, message: impl Into<String>) -> Self {
        Error::Call {
            code,
            message: message.into(),
        }
    }

    /// A single validation item.
    pub fn invalid(attribute: impl Into<String>, message: impl Into<String>) -> Self {
        let mut v = ValidationErrors::new();
        v.add(attribute, message);
        Error::Validation(v)
    }

    /// A single validation item with an errno.
    pub fn invalid_errno(attribute: impl Into<String>, message: impl Into<String>, code: i32) -> Self {
        let mut v = ValidationErrors::new();
        v.add_errno(attribute, message, code);
        Error::Validation(v)
    }

    /// TrueNAS `InstanceNotFound`: -32602 with a null attribute and ENOENT.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::Validation(ValidationErrors(vec![ValidationItem {
            attribute: None,
            message: message.into(),
            errno: errno::ENOENT,
        }]))
    }

    /// The same error with validation attributes starting with `from` starting with `to` instead (a service
    /// reused under another method's schema name).
    pub fn renamed_prefix(self, from: &str, to: &str) -> Self {
        match self {
            Error::Validation(ValidationErrors(items)) => Error::Validation(ValidationErrors(
                items
                    .into_iter()
                    .map(|mut item| {
                        if let Some(rest) = item.attribute.as_deref().and_then(|a| a.strip_prefix(from)) {
                            item.attribute = Some(format!("{to}{rest}"));
                        }
                        item
                    })
                    .collect(),
            )),
            other => other,
        }
    }

    /// Wraps a storage or I/O failure.
    pub fn internal(err: impl fmt::Display) -> Self {
        Error::Internal(err.to_string())
    }
}

/// Result of a service call.
pub type Result<T, E = Error> = std::result::Result<T, E>;
