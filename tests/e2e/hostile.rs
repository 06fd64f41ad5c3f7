//! Hostile input: malformed and deeply nested JSON, huge numbers, ids and strings, every method of the table
//! called with wrong params, filter injection and catastrophic regular expressions, path traversal in `home`
//! and hostile `sshpubkey` content. After each, the server still answers and the database is unchanged
//! (a `user.query` + `group.query` snapshot is compared).

use std::time::{Duration, Instant};

use accountd_api::roles::any_grants;
use accountd_api::{Access, MethodSpec, Role};
use accountd_e2e::{Client, TestServer, assert_call_error, assert_invalid, validation_items};
use serde_json::{Map, Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// A server with an administrator, user alice and group crew, and the snapshot to compare against.
struct World {
    server: TestServer,
    admin: Client,
    before: Value,
}

async fn snapshot(admin: &mut Client) -> Value {
    json!({
        "users": admin.ok("user.query", json!([])).await,
        "groups": admin.ok("group.query", json!([])).await,
    })
}

impl World {
    async fn new() -> World {
        let server = TestServer::start().await;
        let mut admin = server.admin().await;
        let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
        server
            .create_user(&mut admin, "alice", &[staff.as_i64().expect("id")])
            .await;
        let before = snapshot(&mut admin).await;
        World { server, admin, before }
    }

    /// Takes the snapshot again, after more fixtures were set up.
    async fn fixtures_done(&mut self) {
        self.before = snapshot(&mut self.admin).await;
    }

    /// The server answers and the database is as it was.
    async fn unchanged(&mut self, what: &str) {
        assert_eq!(self.admin.ok("core.ping", json!([])).await, "pong", "after {what}");
        let now = snapshot(&mut self.admin).await;
        assert!(now == self.before, "{what} changed the database");
    }

    async fn client(&self) -> Client {
        self.server.client().await
    }

    async fn admin_client(&self) -> Client {
        let mut c = self.server.client().await;
        c.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
        c
    }
}

fn request(method: &str, params: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#)
}

/// The next message closes the connection with this code.
async fn closed_with(c: &mut Client, code: u16) {
    match c.recv().await {
        Some(Message::Close(Some(frame))) => assert_eq!(u16::from(frame.code), code, "{}", frame.reason),
        other => panic!("expected close {code}, got {other:?}"),
    }
}

/// Asserts the TrueNAS shape of a validation error (code, message, errno, reason lines matching the items)
/// and returns its items as `(attribute, message)`.
fn validation(e: &Value, what: &str) -> Vec<(String, String)> {
    assert_eq!(e["code"], -32602, "{what}: {e}");
    assert_eq!(e["message"], "Invalid params", "{what}");
    assert_eq!(e["data"]["error"], 22, "{what}");
    assert_eq!(e["data"]["errname"], "EINVAL", "{what}");
    let items = validation_items(e);
    assert!(!items.is_empty(), "{what}: no items");
    let reason = e["data"]["reason"].as_str().expect("reason");
    let lines: Vec<&str> = reason.lines().collect();
    assert_eq!(lines.len(), items.len(), "{what}: {reason}");
    let mut out = Vec::new();
    for ((attr, msg, _), line) in items.into_iter().zip(lines) {
        let attr = attr.as_str().map(str::to_string).unwrap_or_else(|| "None".to_string());
        assert!(line.ends_with(&format!("] {attr}: {msg}")), "{what}: {line}");
        out.push((attr, msg));
    }
    out
}

/// Nested arrays `depth` deep.
fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Nested objects `depth` deep.
fn nested_objects(depth: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
}

#[tokio::test]
async fn malformed_and_deeply_nested_json_is_refused() {
    let mut w = World::new().await;
    let parse_error = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}});

    // Before login (8 KiB limit): nesting far beyond the parser's recursion limit is a parse error.
    let mut anon = w.client().await;
    assert_eq!(anon.raw(&nested_arrays(4000)).await, parse_error);
    let deep = request("user.setup_local_administrator", &nested_arrays(4000));
    assert!(deep.len() <= 8192);
    assert_eq!(anon.raw(&deep).await, parse_error);
    assert_eq!(anon.ok("core.ping", json!([])).await, "pong");
    // 100k nested arrays: above the size limit, the connection is closed unparsed.
    anon.send_text(&nested_arrays(100_000)).await;
    closed_with(&mut anon, 1007).await;
    w.unchanged("nested arrays before login").await;

    // After login (64 KiB): 32k levels of arrays or objects within the limit are parse errors ...
    let mut admin = w.admin_client().await;
    for params in [
        format!("[{}]", nested_arrays(32_000)),
        format!("[{}]", nested_objects(9_000)),
    ] {
        assert!(params.len() < 65_000);
        assert_eq!(admin.raw(&request("user.query", &params)).await, parse_error);
        assert_eq!(admin.raw(&request("user.create", &params)).await, parse_error);
    }
    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
    // ... and 100k levels close the connection.
    admin
        .send_text(&request("user.query", &format!("[{}]", nested_arrays(100_000))))
        .await;
    closed_with(&mut admin, 1009).await;
    w.unchanged("deeply nested params").await;

    // Nesting just within the parser's limit reaches validation and the query engine, which refuse it.
    let mut admin = w.admin_client().await;
    let e = admin
        .err(
            "user.query",
            serde_json::from_str(&format!("[{}]", nested_arrays(120))).unwrap(),
        )
        .await;
    assert!(
        validation(&e, "nested filters")
            .iter()
            .all(|(a, _)| a.starts_with("filters")),
        "{e}"
    );
    let deep: Value = serde_json::from_str(&nested_objects(120)).unwrap();
    let e = admin
        .err(
            "user.create",
            json!([{"username": "deep", "full_name": deep, "password": "pw"}]),
        )
        .await;
    assert_invalid(&e, "user_create.full_name", "Input should be a valid string");
    // OR groups: a few levels are evaluated; 60 levels are refused as TrueNAS refuses them.
    let nested_or = |depth: usize| {
        let mut filter = json!(["username", "=", "alice"]);
        for _ in 0..depth {
            filter = json!(["OR", [filter, ["uid", "=", -1]]]);
        }
        json!([[filter], {"select": ["username"]}])
    };
    let users = admin.ok("user.query", nested_or(3)).await;
    assert_eq!(users, json!([{"username": "alice"}]));
    let e = admin.err("user.query", nested_or(60)).await;
    assert_eq!(
        validation(&e, "nested OR"),
        [(
            "filters".to_string(),
            "Value error, query-filters max recursion depth exceeded".to_string()
        )]
    );

    // Strings that are not valid Unicode: escaped lone surrogates are a parse error; raw bytes that are not
    // UTF-8 close the connection with 1007.
    let lone = request(
        "user.create",
        r#"[{"username":"\ud800","full_name":"x","password":"pw"}]"#,
    );
    assert_eq!(admin.raw(&lone).await, parse_error);
    let mut bytes = request(
        "user.create",
        r#"[{"username":"bob","full_name":"XX","password":"pw"}]"#,
    )
    .into_bytes();
    let at = bytes.windows(2).position(|w| w == b"XX").expect("marker");
    bytes[at] = 0xff;
    bytes[at + 1] = 0xfe;
    admin
        .send(Message::Frame(Frame::message(bytes, OpCode::Data(Data::Text), true)))
        .await;
    closed_with(&mut admin, 1007).await;
    w.unchanged("invalid UTF-8").await;
}

#[tokio::test]
async fn huge_numbers_and_ids_are_refused() {
    let mut w = World::new().await;
    let mut c = w.admin_client().await;
    let parse_error = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}});
    let bad_id = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600,
                        "message": "Invalid Request: id must be null, an integer or a string"}});
    // Request ids out of range.
    for id in ["1e400", "-1e400"] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"core.ping"}}"#);
        assert_eq!(c.raw(&text).await, parse_error, "{id}");
    }
    for id in ["18446744073709551616", "-9223372036854775809", "1e300", "1.0"] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"core.ping"}}"#);
        assert_eq!(c.raw(&text).await, bad_id, "{id}");
    }
    // Numbers out of range anywhere in the params.
    for params in [
        r#"[1e400]"#,
        r#"[[["uid","=",1e400]]]"#,
        r#"[{"username":"x","uid":-1e999}]"#,
    ] {
        assert_eq!(c.raw(&request("user.query", params)).await, parse_error, "{params}");
    }
    // Ids that are not 64-bit integers are type errors; integers at the edges of i64 are unknown ids.
    for id in [
        json!(18446744073709551616.0),
        json!(-9223372036854775809.0),
        json!(1e300),
        json!(4.5),
    ] {
        for method in ["user.get_instance", "group.get_instance", "user.delete", "group.delete"] {
            let e = c.err(method, json!([id])).await;
            let items = validation(&e, method);
            assert!(items.iter().all(|(a, _)| a == "id"), "{method}({id}): {items:?}");
        }
    }
    for id in [i64::MAX, i64::MIN, -1, 0] {
        let e = c.err("user.get_instance", json!([id])).await;
        assert_eq!(
            validation(&e, "user.get_instance"),
            [("None".to_string(), format!("User {id} does not exist"))]
        );
        // Ids of directory-service accounts (TrueNAS's start at 100,000,000) are refused as such; others are
        // unknown ids.
        for (method, params, directory_service) in [
            (
                "user.update",
                json!([id, {"full_name": "x"}]),
                "Users provided by a directory service must be modified through the identity provider \
                 (LDAP server or domain controller).",
            ),
            (
                "group.delete",
                json!([id]),
                "Groups provided by a directory service must be deleted from the identity provider \
                 (LDAP server or domain controller).",
            ),
        ] {
            let e = c.err(method, params).await;
            if id >= 100_000_000 {
                assert_call_error(&e, "EPERM", directory_service);
            } else {
                validation(&e, method);
            }
        }
    }
    let e = c.err("user.get_instance", json!([u64::MAX])).await;
    validation(&e, "u64::MAX");
    // uids and gids out of range.
    for uid in [
        json!(u64::MAX),
        json!(i64::MIN),
        json!(-1),
        json!(90_000_001),
        json!(1e308),
        json!(3000.5),
    ] {
        let e = c
            .err(
                "user.create",
                json!([{"username": "big", "full_name": "big", "uid": uid, "password": "pw"}]),
            )
            .await;
        let items = validation(&e, "user.create uid");
        assert!(items.iter().any(|(a, _)| a == "user_create.uid"), "{uid}: {items:?}");
        let e = c.err("group.create", json!([{"name": "big", "gid": uid}])).await;
        let items = validation(&e, "group.create gid");
        assert!(items.iter().any(|(a, _)| a == "group_create.gid"), "{uid}: {items:?}");
    }
    // Filters and options with huge numbers are answered sanely.
    for value in [json!(u64::MAX), json!(i64::MIN), json!(1e308), json!(-1e308)] {
        let r = c.ok("user.query", json!([[["uid", "=", value]]])).await;
        assert_eq!(r, json!([]), "{value}");
        let r = c
            .ok("user.query", json!([[["uid", ">", value]], {"count": true}]))
            .await;
        assert!(r.is_i64(), "{value}: {r}");
    }
    for options in [
        json!({"limit": u64::MAX}),
        json!({"offset": u64::MAX}),
        json!({"limit": 1e300}),
    ] {
        match c.call("user.query", json!([[], options])).await {
            Ok(r) => assert!(r.is_array(), "{options}: {r}"),
            Err(e) => {
                validation(&e, "huge options");
            }
        }
    }
    w.unchanged("huge numbers").await;
}

#[tokio::test]
async fn huge_strings_are_refused() {
    let mut w = World::new().await;
    let mut c = w.admin_client().await;
    let long = "a".repeat(60_000);
    for field in [
        "username",
        "full_name",
        "email",
        "home",
        "shell",
        "home_mode",
        "password",
    ] {
        let mut user = json!({"username": "newbie", "full_name": "New", "password": "pw"});
        user[field] = json!(long);
        let e = c.err("user.create", json!([user])).await;
        assert_invalid(
            &e,
            &format!("user_create.{field}"),
            "String should have at most 1024 characters",
        );
    }
    let e = c.err("group.create", json!([{"name": long}])).await;
    assert_invalid(&e, "group_create.name", "String should have at most 1024 characters");
    let e = c.err("user.update", json!([4, {"full_name": long}])).await;
    assert_invalid(
        &e,
        "user_update.full_name",
        "String should have at most 1024 characters",
    );
    // A long method name does not exist; a long filter value matches nothing.
    let r = c.raw(&format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{long}"}}"#)).await;
    assert_eq!(r["error"]["code"], -32601);
    assert_eq!(c.ok("user.query", json!([[["username", "=", long]]])).await, json!([]));
    assert_eq!(c.ok("user.query", json!([[["username", "^", long]]])).await, json!([]));
    // An id string of 60 KB is echoed.
    let r = c
        .raw(&format!(r#"{{"jsonrpc":"2.0","id":"{long}","method":"core.ping"}}"#))
        .await;
    assert_eq!(r, json!({"jsonrpc": "2.0", "id": long, "result": "pong"}));
    w.unchanged("huge strings").await;
}

/// The JSON types a schema accepts (`None`: anything, or not knowable from the schema alone).
fn accepted_types(schema: &Value, defs: &Map<String, Value>) -> Option<Vec<String>> {
    let obj = match schema {
        Value::Object(o) => o,
        _ => return None,
    };
    if let Some(Value::String(r)) = obj.get("$ref") {
        let name = r.strip_prefix("#/$defs/")?;
        return accepted_types(defs.get(name)?, defs);
    }
    if let Some(t) = obj.get("type") {
        return match t {
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(ts) => Some(ts.iter().filter_map(|t| t.as_str().map(str::to_string)).collect()),
            _ => None,
        };
    }
    if let Some(v) = obj.get("const") {
        return Some(vec![json_type(v).to_string()]);
    }
    if let Some(Value::Array(values)) = obj.get("enum") {
        return Some(values.iter().map(|v| json_type(v).to_string()).collect());
    }
    let branches = obj.get("anyOf").or_else(|| obj.get("oneOf"))?.as_array()?;
    let mut all = Vec::new();
    for b in branches {
        all.extend(accepted_types(b, defs)?);
    }
    Some(all)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value of a type the schema does not accept.
fn wrong_value(schema: &Value, defs: &Map<String, Value>) -> Option<Value> {
    let types = accepted_types(schema, defs)?;
    let candidates = [
        json!("wrong"),
        json!(12345),
        json!({"wrong": 1}),
        json!([1]),
        json!(true),
        json!(1.5),
    ];
    candidates.into_iter().find(|c| {
        let t = json_type(c);
        let accepted = types.iter().any(|a| a == t || (a == "number" && t == "integer"));
        !accepted
    })
}

/// The object schemas (refusing unknown keys) an argument may be.
fn closed_objects<'a>(schema: &'a Value, defs: &'a Map<String, Value>) -> Vec<&'a Map<String, Value>> {
    let Some(obj) = schema.as_object() else {
        return Vec::new();
    };
    if let Some(Value::String(r)) = obj.get("$ref") {
        return r
            .strip_prefix("#/$defs/")
            .and_then(|n| defs.get(n))
            .map(|s| closed_objects(s, defs))
            .unwrap_or_default();
    }
    if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
        return vec![obj];
    }
    obj.get("anyOf")
        .or_else(|| obj.get("oneOf"))
        .and_then(Value::as_array)
        .map(|bs| bs.iter().flat_map(|b| closed_objects(b, defs)).collect())
        .unwrap_or_default()
}

/// The params of a method's first success example (or of its first example).
fn example_params(spec: &MethodSpec) -> Vec<Value> {
    let example = spec.examples.iter().find(|e| !e.error).or(spec.examples.first());
    example
        .and_then(|e| serde_json::from_str::<Vec<Value>>(e.params).ok())
        .unwrap_or_default()
}

/// Params with argument `i` replaced by `value` (earlier arguments from the example, else null).
fn with_arg(base: &[Value], i: usize, value: Value) -> Value {
    let mut params: Vec<Value> = (0..i).map(|j| base.get(j).cloned().unwrap_or(Value::Null)).collect();
    params.push(value);
    Value::Array(params)
}

#[tokio::test]
async fn every_method_refuses_wrong_params_without_side_effects() {
    let mut w = World::new().await;
    let readers = w
        .server
        .grant_privilege(&mut w.admin, "readers", &["ACCOUNT_READ"])
        .await;
    w.server.create_user(&mut w.admin, "reader", &[readers]).await;
    w.fixtures_done().await;
    let mut admin = w.admin_client().await;
    let mut anon = w.client().await;
    let mut reader = w.client().await;
    reader.login("reader", "pw").await;
    let mut checked = 0;
    for spec in accountd_api::methods::all() {
        let name = spec.name;
        let n = spec.args.len();
        let too_many = Value::Array(vec![Value::Null; n + 1]);
        let too_many_item = vec![(
            String::new(),
            format!("Too many arguments (expected {n}, found {})", n + 1),
        )];

        // Not logged in: methods that need a login say so whatever the params; the others validate them.
        let e = anon.err(name, too_many.clone()).await;
        if spec.access == Access::NoAuth {
            assert_eq!(validation(&e, name), too_many_item, "{name}");
        } else {
            assert_call_error(&e, "ENOTAUTHENTICATED", "Not authenticated");
        }
        // Logged in without the method's role: refused before validation.
        let e = reader.err(name, too_many.clone()).await;
        match spec.access {
            Access::Roles(roles) if !roles.iter().any(|r| any_grants(&[Role::AccountRead], *r)) => {
                assert_call_error(&e, "EACCES", "Not authorized")
            }
            _ => assert_eq!(validation(&e, name), too_many_item, "{name} as reader"),
        }

        // As the administrator: too many, missing, wrong types, unknown keys.
        let e = admin.err(name, too_many).await;
        assert_eq!(validation(&e, name), too_many_item, "{name}");
        let required: Vec<(String, String)> = spec
            .args
            .iter()
            .filter(|a| a.required)
            .map(|a| (a.name.clone(), "Field required".to_string()))
            .collect();
        if !required.is_empty() {
            let e = admin.err(name, json!([])).await;
            assert_eq!(validation(&e, name), required, "{name}()");
        }
        let base = example_params(&spec);
        for (i, arg) in spec.args.iter().enumerate() {
            let empty = Map::new();
            let defs = arg.schema.get("$defs").and_then(Value::as_object).unwrap_or(&empty);
            if let Some(wrong) = wrong_value(&arg.schema, defs) {
                let params = with_arg(&base, i, wrong.clone());
                let e = admin.err(name, params.clone()).await;
                let items = validation(&e, name);
                assert!(
                    items
                        .iter()
                        .any(|(a, _)| a == &arg.name || a.starts_with(&format!("{}.", arg.name))),
                    "{name}{params}: {items:?}"
                );
                checked += 1;
            }
            if !closed_objects(&arg.schema, defs).is_empty() {
                let mut value = base.get(i).filter(|v| v.is_object()).cloned().unwrap_or(json!({}));
                value["bogus_key"] = json!(1);
                let params = with_arg(&base, i, value);
                let e = admin.err(name, params.clone()).await;
                let items = validation(&e, name);
                assert!(
                    items.iter().any(|(a, m)| a.starts_with(&arg.name)
                        && a.ends_with(".bogus_key")
                        && m == "Extra inputs are not permitted"),
                    "{name}{params}: {items:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 30, "only {checked} argument checks ran");
    // The sessions are intact: nobody was logged out, and nothing changed.
    assert_eq!(reader.ok("auth.me", json!([])).await["pw_name"], "reader");
    assert_eq!(admin.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    w.unchanged("wrong params").await;
}

#[tokio::test]
async fn filter_injection_and_catastrophic_regexes_are_harmless() {
    let mut w = World::new().await;
    let u = w.server.create_user(&mut w.admin, "longname", &[]).await;
    let long = format!("{}!", "a".repeat(1000));
    w.admin.ok("user.update", json!([u["id"], {"full_name": long}])).await;
    w.fixtures_done().await;
    let mut c = w.admin_client().await;
    let injection = "x' OR 1=1 --";
    // Injection in values matches nothing.
    for filter in [
        json!(["username", "=", injection]),
        json!(["username", "in", [injection, "x\") OR (1=1"]]),
        json!(["username", "^", "' OR ''='"]),
        json!(["full_name", "$", "'); DROP TABLE users; --"]),
        json!(["username", "~", "x' OR '1'='1"]),
        json!(["uid", "=", "0 OR 1=1"]),
        json!(["username", "rin", "%' OR '%'='"]),
    ] {
        let r = c.ok("user.query", json!([[filter]])).await;
        assert_eq!(r, json!([]), "{filter}");
    }
    // Injection in field names or operators is refused or matches nothing.
    for filter in [
        json!([injection, "=", "x"]),
        json!(["username\" OR 1=1 --", "=", "x"]),
        json!(["username", "= 1 OR 1=1 --", "x"]),
        json!(["username", "===", "x"]),
        json!(["", "=", "x"]),
        json!(["username; DROP TABLE users", "!=", "x"]),
        json!(["OR", [[injection, "=", "x"]]]),
    ] {
        match c.call("user.query", json!([[filter]])).await {
            Ok(r) => assert_eq!(r, json!([]), "{filter}"),
            Err(e) => {
                let items = validation(&e, "injection");
                assert!(
                    items.iter().all(|(a, _)| a.starts_with("filters")),
                    "{filter}: {items:?}"
                );
            }
        }
    }
    for options in [
        json!({"order_by": [format!("username; DROP TABLE users --")]}),
        json!({"order_by": ["-username\" --"]}),
        json!({"select": ["username\" FROM users --"]}),
        json!({"select": [injection]}),
        json!({"limit": "1; DROP TABLE users"}),
    ] {
        match c.call("user.query", json!([[], options])).await {
            Ok(r) => assert!(r.is_array(), "{options}: {r}"),
            // Sorting by a field no entry has: TrueNAS's plain exception.
            Err(e) if e["code"] == -32001 => {
                assert_eq!(e["data"]["errname"], "EINVAL", "{e}");
                assert!(
                    e["data"]["reason"]
                        .as_str()
                        .expect("reason")
                        .starts_with("Cannot sort by"),
                    "{e}"
                );
            }
            Err(e) => {
                let items = validation(&e, "options injection");
                assert!(
                    items.iter().all(|(a, _)| a.starts_with("options")),
                    "{options}: {items:?}"
                );
            }
        }
    }
    // Catastrophic backtracking patterns over a 1000-character name finish at once.
    for pattern in [
        "(a+)+$",
        "(a|aa)+$",
        "(a|a?)+$",
        "^(a?){30}a{30}$",
        "(.*a){20}$",
        "(a*)*b",
    ] {
        let started = Instant::now();
        let r = c
            .ok(
                "user.query",
                json!([[["builtin", "=", false], ["full_name", "~", pattern]], {"select": ["username"]}]),
            )
            .await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{pattern} took {:?}",
            started.elapsed()
        );
        assert!(r.as_array().expect("list").len() <= 1, "{pattern}: {r}");
    }
    // A pattern that compiles to something huge is refused, quickly.
    let started = Instant::now();
    let r = c
        .call("user.query", json!([[["full_name", "~", "(a{1000}){1000}"]]]))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    let e = r.expect_err("an oversized pattern is refused");
    assert_eq!(e["code"], -32001, "{e}");
    // Everything is still there.
    let names = c
        .ok(
            "user.query",
            json!([[], {"select": ["username"], "order_by": ["username"]}]),
        )
        .await;
    assert!(names.as_array().expect("list").len() >= 4, "{names}");
    w.unchanged("filter injection").await;
}

#[tokio::test]
async fn path_traversal_in_home_and_hostile_ssh_keys_change_nothing() {
    let outside = tempfile::tempdir().expect("tempdir");
    let mut w = World::new().await;
    let pool = w.server.pool();
    std::os::unix::fs::symlink(outside.path(), pool.join("escape")).expect("symlink");
    std::fs::create_dir(pool.join("homes")).expect("dir");
    // carol has a real home in the pool.
    w.admin
        .ok(
            "user.create",
            json!([{"username": "carol", "full_name": "Carol", "group_create": true, "password": "pw",
                    "home": pool.join("homes").to_str().expect("utf-8"), "home_create": true}]),
        )
        .await;
    w.fixtures_done().await;
    let root = w.server.settings.home_root.clone();
    let mut c = w.admin_client().await;
    let s = |p: std::path::PathBuf| p.to_str().expect("utf-8").to_string();
    let homes = [
        s(pool.join("../../..")),
        s(pool.join("homes/../../../etc")),
        s(pool.join("..")),
        s(root.join("..").join("outside")),
        "/..".to_string(),
        "/../../etc".to_string(),
        "/etc/../root".to_string(),
        "../etc".to_string(),
        "tank/../../x".to_string(),
        s(pool.join("escape")),
        s(pool.join("escape/sub")),
        s(pool.join("homes/\u{0}/x")),
        format!("{}\u{0}", s(pool.join("homes"))),
        s(pool.join("homes:x")),
    ];
    for home in &homes {
        for home_create in [false, true] {
            let e = c
                .err(
                    "user.create",
                    json!([{"username": "mallory", "full_name": "M", "group_create": true, "password": "pw",
                            "home": home, "home_create": home_create}]),
                )
                .await;
            let items = validation(&e, home);
            assert!(
                items.iter().all(|(a, _)| a.starts_with("user_create")),
                "{home}: {items:?}"
            );
        }
        let e = c
            .err("user.update", json!([4, {"home": home, "home_create": true}]))
            .await;
        let items = validation(&e, home);
        assert!(
            items.iter().all(|(a, _)| a.starts_with("user_update")),
            "{home}: {items:?}"
        );
    }
    // The symlink escapes are reported as TrueNAS does.
    let e = c
        .err(
            "user.create",
            json!([{"username": "mallory", "full_name": "M", "group_create": true, "password": "pw",
                    "home": s(pool.join("escape")), "home_create": true}]),
        )
        .await;
    assert_invalid(&e, "user_create", "The path must reside within a pool mount point");

    // sshpubkey: NUL bytes are refused, a 1 MiB key does not even get through the message limit.
    let nul = format!("ssh-ed25519 AAAA\u{0}{}", "B".repeat(50_000));
    let e = c
        .err(
            "user.create",
            json!([{"username": "mallory", "full_name": "M", "group_create": true, "password": "pw",
                    "sshpubkey": nul}]),
        )
        .await;
    assert_invalid(
        &e,
        "user_create.sshpubkey",
        "SSH public keys may not contain NUL characters.",
    );
    let carol = c
        .ok("user.query", json!([[["username", "=", "carol"]], {"get": true}]))
        .await;
    let e = c
        .err("user.update", json!([carol["id"], {"sshpubkey": "ssh-rsa A\u{0}B"}]))
        .await;
    assert_invalid(
        &e,
        "user_update.sshpubkey",
        "SSH public keys may not contain NUL characters.",
    );
    let huge = "A".repeat(1 << 20);
    c.send_text(
        &json!({"jsonrpc": "2.0", "id": 9, "method": "user.update",
                        "params": [carol["id"], {"sshpubkey": huge}]})
        .to_string(),
    )
    .await;
    closed_with(&mut c, 1009).await;
    w.unchanged("path traversal").await;

    // Nothing was written outside the home root, nor into carol's home.
    assert_eq!(std::fs::read_dir(outside.path()).expect("outside").count(), 0);
    let carol_home = pool.join("homes/carol");
    assert!(!carol_home.join(".ssh/authorized_keys").exists());
    assert!(!root.join("mallory").exists() && !pool.join("mallory").exists());
}
