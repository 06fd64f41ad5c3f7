//! Parsing one text frame into a call, with TrueNAS's JSON-RPC envelope rules.

use serde_json::{Map, Value, json};

/// A well-formed request.
#[derive(Debug)]
pub struct Request {
    /// `id`, or `None` for a notification (no reply).
    pub id: Option<Value>,
    /// Method name.
    pub method: String,
    /// Positional params as JSON text (an array).
    pub params: String,
}

/// What a frame turned out to be.
#[derive(Debug)]
pub enum Frame {
    /// A call to dispatch.
    Call(Request),
    /// An envelope error to answer right away.
    Reply(String),
}

/// A JSON-RPC error response without data.
pub fn error_response(id: &Value, code: i32, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string()
}

/// Applies the envelope rules to one text frame.
pub fn parse(text: &str) -> Frame {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return Frame::Reply(error_response(&Value::Null, -32700, "Parse error")),
    };
    // TrueNAS (`parse_message`) answers both a batch and any other non-object body with -32700.
    let obj: Map<String, Value> = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Frame::Reply(error_response(
                &Value::Null,
                -32700,
                "Batch messages are not supported yet",
            ));
        }
        _ => return Frame::Reply(error_response(&Value::Null, -32700, "Invalid Message Format")),
    };
    let id = obj.get("id").cloned();
    let reply_id = id.clone().unwrap_or(Value::Null);
    if let Some(i) = &id
        && !(i.is_null() || i.is_string() || i.is_i64() || i.is_u64())
    {
        return Frame::Reply(error_response(
            &Value::Null,
            -32600,
            "Invalid Request: id must be null, an integer or a string",
        ));
    }
    if obj.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return Frame::Reply(error_response(
            &reply_id,
            -32600,
            "Invalid Request: jsonrpc must be \"2.0\"",
        ));
    }
    let method = match obj.get("method") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        _ => {
            return Frame::Reply(error_response(
                &reply_id,
                -32600,
                "Invalid Request: method must be a non-empty string",
            ));
        }
    };
    let params = match obj.get("params") {
        None => "[]".to_string(),
        Some(p @ Value::Array(_)) => p.to_string(),
        Some(_) => {
            return Frame::Reply(error_response(
                &reply_id,
                -32600,
                "Invalid Request: params must be an array",
            ));
        }
    };
    Frame::Call(Request { id, method, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(text: &str) -> Value {
        match parse(text) {
            Frame::Reply(r) => serde_json::from_str(&r).unwrap(),
            Frame::Call(c) => panic!("expected a reply, got {c:?}"),
        }
    }

    #[test]
    fn envelope_errors() {
        let cases = [
            ("{", Value::Null, -32700),
            ("[]", Value::Null, -32700),
            (
                r#"[{"jsonrpc":"2.0","method":"core.ping","id":1}]"#,
                Value::Null,
                -32700,
            ),
            ("3", Value::Null, -32700),
            ("\"core.ping\"", Value::Null, -32700),
            ("null", Value::Null, -32700),
            (r#"{"jsonrpc":"1.0","method":"core.ping","id":1}"#, json!(1), -32600),
            (r#"{"method":"core.ping","id":"a"}"#, json!("a"), -32600),
            (r#"{"jsonrpc":"2.0","method":"","id":1}"#, json!(1), -32600),
            (r#"{"jsonrpc":"2.0","method":5,"id":1}"#, json!(1), -32600),
            (
                r#"{"jsonrpc":"2.0","method":"core.ping","id":1,"params":{}}"#,
                json!(1),
                -32600,
            ),
            (
                r#"{"jsonrpc":"2.0","method":"core.ping","id":1.5}"#,
                Value::Null,
                -32600,
            ),
            (
                r#"{"jsonrpc":"2.0","method":"core.ping","id":[1]}"#,
                Value::Null,
                -32600,
            ),
        ];
        for (text, id, code) in cases {
            let r = reply(text);
            assert_eq!(r["id"], id, "{text}");
            assert_eq!(r["error"]["code"], code, "{text}");
        }
    }

    #[test]
    fn calls() {
        match parse(r#"{"jsonrpc":"2.0","method":"core.ping","id":-7}"#) {
            Frame::Call(c) => {
                assert_eq!(c.id, Some(json!(-7)));
                assert_eq!(c.params, "[]");
            }
            other => panic!("{other:?}"),
        }
        match parse(r#"{"jsonrpc":"2.0","method":"user.query","params":[[]]}"#) {
            Frame::Call(c) => {
                assert_eq!(c.id, None);
                assert_eq!(c.params, "[[]]");
            }
            other => panic!("{other:?}"),
        }
    }
}
