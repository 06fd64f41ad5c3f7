//! The one place where service errors become TrueNAS-shaped JSON-RPC errors.

use accountd_core::error::{Error, ValidationItem, errno};
use jsonrpsee::types::ErrorObjectOwned;
use serde_json::{Value, json};

use crate::validation::reason_lines;

/// JSON-RPC code for validation errors.
pub const INVALID_PARAMS: i32 = -32602;
/// JSON-RPC code for call errors.
pub const CALL_ERROR: i32 = -32001;

/// `data.extra` of a validation error: `[[attribute, message, errno], ...]`.
fn extra(items: &[ValidationItem]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|i| {
                json!([
                    i.attribute.as_ref().map_or(Value::Null, |a| Value::String(a.clone())),
                    i.message,
                    i.errno
                ])
            })
            .collect(),
    )
}

/// Converts a service error into the wire error.
pub fn to_rpc_error(err: Error) -> ErrorObjectOwned {
    match err {
        Error::Validation(v) => validation_error(&v.0),
        Error::Call { code, message } => call_error(code, &message),
        Error::Exception(message) => ErrorObjectOwned::owned(
            CALL_ERROR,
            "Method call error",
            Some(
                json!({"error": errno::EINVAL, "errname": errno::name(errno::EINVAL), "reason": message,
                        "trace": null, "extra": null}),
            ),
        ),
        Error::Internal(message) => {
            tracing::error!(error = %message, "internal error");
            call_error(errno::EFAULT, "Internal error")
        }
    }
}

/// A -32602 error for validation items.
pub fn validation_error(items: &[ValidationItem]) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        INVALID_PARAMS,
        "Invalid params",
        Some(
            json!({"error": errno::EINVAL, "errname": errno::name(errno::EINVAL), "reason": reason_lines(items),
                    "trace": null, "extra": extra(items)}),
        ),
    )
}

/// A -32001 call error with an errno.
pub fn call_error(code: i32, message: &str) -> ErrorObjectOwned {
    let errname = errno::name(code);
    ErrorObjectOwned::owned(
        CALL_ERROR,
        "Method call error",
        Some(
            json!({"error": code, "errname": errname, "reason": format!("[{errname}] {message}"),
                    "trace": null, "extra": null}),
        ),
    )
}
