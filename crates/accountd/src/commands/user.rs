//! `accountd user show NAME` (an aligned table, or the raw `user.query` entry with `--json`) and
//! `accountd user configure NAME key=value ...` (`user.update` with values typed by its schema).

use accountd_api::Method;
use accountd_api::methods::activity::UserActivityGetInstance;
use accountd_api::methods::group::GroupQuery;
use accountd_api::methods::user::UserTwofactorConfigGet;
use accountd_api::methods::user::UserUpdate;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{call, user_by_name};
use crate::client::RpcClient;

/// Fields of a user entry that hold secrets: a change is reported, never the value.
const SECRET_FIELDS: [&str; 3] = ["unixhash", "smbhash", "password_history"];

/// `user show`: the table (or with `json` the entry) to print.
pub async fn show(client: &mut RpcClient, username: &str, json: bool) -> anyhow::Result<String> {
    let entry = user_by_name(client, username).await?;
    if json {
        return Ok(serde_json::to_string_pretty(&entry)?);
    }
    let names = group_names(client, &group_ids(&entry)).await?;
    let id = entry["id"].clone();
    let twofactor = if entry["twofactor_auth_configured"] == true {
        match call(client, UserTwofactorConfigGet::NAME, json!([username])).await {
            Ok(config) => format!(
                "yes, {} recovery codes left",
                config["recovery_codes_remaining"].as_i64().unwrap_or(0)
            ),
            Err(_) => "yes".to_string(),
        }
    } else {
        "no".to_string()
    };
    let (last_login, lockout) = activity(client, &id).await?;
    let rows: Vec<(&str, String)> = vec![
        ("Username", text(&entry["username"])),
        ("UID", text(&entry["uid"])),
        ("Full name", text(&entry["full_name"])),
        ("Email", text(&entry["email"])),
        ("Groups", groups_text(&entry, &names)),
        ("Roles", list_text(&entry["roles"])),
        ("Locked", yes_no(&entry["locked"])),
        ("2FA", twofactor),
        ("Last login", last_login),
        ("Lockout", lockout),
    ];
    Ok(table(&rows))
}

/// `(last login, lockout)` from `user.activity.get_instance`, as words; `unknown` where the service has no
/// activity records or the caller may not read them.
async fn activity(client: &mut RpcClient, id: &Value) -> anyhow::Result<(String, String)> {
    let unknown = || ("unknown".to_string(), "unknown".to_string());
    let activity = match client.call(UserActivityGetInstance::NAME, json!([id])).await? {
        Ok(activity) => activity,
        // A service without `user.activity` (METHOD_NOT_FOUND), or a caller without ACCOUNT_READ there.
        Err(_) => return Ok(unknown()),
    };
    let last_login = match timestamp(&activity["last_login"]) {
        Some(at) => match activity["last_login_ip"].as_str() {
            Some(ip) => format!("{at} from {ip}"),
            None => at,
        },
        None => "never".to_string(),
    };
    let lockout = if activity["locked_out"] == true {
        match timestamp(&activity["lockout_until"]) {
            Some(until) => format!("locked out until {until}"),
            None => "locked out".to_string(),
        }
    } else {
        let failures = activity["failed_login_attempts"].as_i64().unwrap_or(0);
        format!("no ({failures} recent failed logins)")
    };
    Ok((last_login, lockout))
}

/// A TrueNAS timestamp (`{"$date": ms}`, or ms) as `YYYY-MM-DD HH:MM:SS UTC`.
fn timestamp(value: &Value) -> Option<String> {
    let ms = value.get("$date").unwrap_or(value).as_i64()?;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    at.format(&format).ok()
}

/// The primary group's id, then the auxiliary groups' ids.
fn group_ids(entry: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = entry["group"]["id"].as_i64().into_iter().collect();
    ids.extend(
        entry["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64),
    );
    ids
}

/// Names of the groups with the given ids.
async fn group_names(client: &mut RpcClient, ids: &[i64]) -> anyhow::Result<BTreeMap<i64, String>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let groups = call(
        client,
        GroupQuery::NAME,
        json!([[["id", "in", ids]], {"select": ["id", "name"]}]),
    )
    .await?;
    Ok(groups
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| Some((g["id"].as_i64()?, g["name"].as_str()?.to_string())))
        .collect())
}

fn group_name(names: &BTreeMap<i64, String>, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

fn groups_text(entry: &Value, names: &BTreeMap<i64, String>) -> String {
    let mut parts = Vec::new();
    if let Some(primary) = entry["group"]["id"].as_i64() {
        parts.push(format!("{} (primary)", group_name(names, primary)));
    }
    for id in entry["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
    {
        parts.push(group_name(names, id));
    }
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(", ")
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => "-".to_string(),
        Value::String(s) if s.is_empty() => "-".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn list_text(value: &Value) -> String {
    let items: Vec<String> = value.as_array().into_iter().flatten().map(text).collect();
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(", ")
    }
}

fn yes_no(value: &Value) -> String {
    if *value == true { "yes" } else { "no" }.to_string()
}

/// Rows as two aligned columns.
fn table(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0);
    rows.iter()
        .map(|(label, value)| format!("{label:<width$}  {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `user configure`: applies `key=value` pairs with `user.update`; returns the lines to print (the changed
/// fields).
pub async fn configure(client: &mut RpcClient, username: &str, pairs: &[String]) -> anyhow::Result<String> {
    let schema = update_schema()?;
    let before = user_by_name(client, username).await?;
    let mut update = Map::new();
    for pair in pairs {
        let (key, raw) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("{pair:?} is not key=value"))?;
        let value = match key {
            "group" if !raw.is_empty() => group_value(client, raw).await?,
            "groups" => {
                let mut ids = Vec::new();
                for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    ids.push(group_value(client, name).await?);
                }
                Value::Array(ids)
            }
            _ => typed(&schema, key, raw)?,
        };
        update.insert(key.to_string(), value);
    }
    let after = call(client, UserUpdate::NAME, json!([before["id"], update])).await?;
    let mut ids = group_ids(&before);
    ids.extend(group_ids(&after));
    let names = group_names(client, &ids).await?;
    Ok(changes(&before, &after, &names))
}

/// A group given by name (or id) as its id.
async fn group_value(client: &mut RpcClient, name: &str) -> anyhow::Result<Value> {
    if let Ok(id) = name.parse::<i64>() {
        return Ok(json!(id));
    }
    let found = call(
        client,
        GroupQuery::NAME,
        json!([[["name", "=", name]], {"select": ["id"]}]),
    )
    .await?;
    found
        .as_array()
        .and_then(|g| g.first())
        .map(|g| g["id"].clone())
        .ok_or_else(|| anyhow::anyhow!("there is no group named {name}"))
}

/// The `user_update` argument schema of `user.update` (its `$defs` beside it).
fn update_schema() -> anyhow::Result<Value> {
    let spec = accountd_api::methods::all()
        .into_iter()
        .find(|s| s.name == UserUpdate::NAME)
        .ok_or_else(|| anyhow::anyhow!("user.update is not in the method table"))?;
    Ok(spec.params_schema())
}

/// Resolves a local `$ref` of `root`.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/")
            .map(|path| path.split('/').fold(root, |node, part| &node[part]))
            .filter(|node| !node.is_null())
            .unwrap_or(schema),
        None => schema,
    }
}

/// The JSON types a schema allows (through `type`, `anyOf`, `oneOf`, `enum`, `const` and references).
fn types_of(root: &Value, schema: &Value, out: &mut Vec<String>) {
    let schema = resolve(root, schema);
    match &schema["type"] {
        Value::String(t) => out.push(t.clone()),
        Value::Array(ts) => out.extend(ts.iter().filter_map(Value::as_str).map(str::to_string)),
        _ => {}
    }
    for key in ["anyOf", "oneOf"] {
        for member in schema[key].as_array().into_iter().flatten() {
            types_of(root, member, out);
        }
    }
    let constants = schema["enum"].as_array().cloned().unwrap_or_default();
    for value in constants.iter().chain(schema.get("const")) {
        out.push(
            match value {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            }
            .to_string(),
        );
    }
}

/// The schema of field `key` of `user_update`, when it has one.
fn field_schema<'a>(params: &'a Value, key: &str) -> Option<&'a Value> {
    let update = params["prefixItems"].get(1)?;
    let update = resolve(params, update);
    update["properties"].get(key)
}

/// `raw` typed as field `key` of `user_update` takes it: empty is an empty list for lists, else null (clears)
/// where null is allowed;
/// booleans, numbers, JSON arrays or objects, comma-separated lists and strings where the schema allows them.
/// A key the schema does not have is sent as its most likely JSON value, for the server to refuse.
fn typed(params: &Value, key: &str, raw: &str) -> anyhow::Result<Value> {
    let Some(schema) = field_schema(params, key) else {
        return Ok(guess(raw));
    };
    let mut types = Vec::new();
    types_of(params, schema, &mut types);
    if types.is_empty() {
        return Ok(guess(raw));
    }
    let allows = |t: &str| types.iter().any(|have| have == t);
    if raw.is_empty() {
        if allows("array") {
            return Ok(json!([]));
        }
        if allows("null") {
            return Ok(Value::Null);
        }
        if allows("string") {
            return Ok(json!(""));
        }
    }
    if (allows("array") || allows("object"))
        && (raw.starts_with('[') || raw.starts_with('{'))
        && let Ok(value) = serde_json::from_str::<Value>(raw)
    {
        return Ok(value);
    }
    if allows("boolean") {
        match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => return Ok(json!(true)),
            "false" | "no" | "off" => return Ok(json!(false)),
            _ => {}
        }
    }
    if allows("integer")
        && let Ok(n) = raw.parse::<i64>()
    {
        return Ok(json!(n));
    }
    if allows("number")
        && let Some(n) = raw.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
    {
        return Ok(Value::Number(n));
    }
    if allows("array") {
        let items = resolve(params, &resolve(params, schema)["items"]);
        let mut values = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let mut item_types = Vec::new();
            types_of(params, items, &mut item_types);
            values.push(if item_types.iter().any(|t| t == "integer") {
                item.parse::<i64>().map(|n| json!(n)).unwrap_or_else(|_| json!(item))
            } else {
                json!(item)
            });
        }
        return Ok(Value::Array(values));
    }
    if allows("string") {
        return Ok(json!(raw));
    }
    anyhow::bail!("{key}: {raw:?} is not a {}", types.join(" or "))
}

/// The JSON value `raw` most likely means: empty is null, then booleans, integers, JSON, else a string.
fn guess(raw: &str) -> Value {
    match raw {
        "" => Value::Null,
        "true" => json!(true),
        "false" => json!(false),
        _ => raw.parse::<i64>().map(|n| json!(n)).unwrap_or_else(|_| json!(raw)),
    }
}

/// `field: old -> new` for every field of the entry that changed (secrets say only that they changed).
fn changes(before: &Value, after: &Value, names: &BTreeMap<i64, String>) -> String {
    let empty = Map::new();
    let (old, new) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut lines = Vec::new();
    for (key, value) in new {
        if key == "password" {
            continue;
        }
        let previous = old.get(key).unwrap_or(&Value::Null);
        if previous == value {
            continue;
        }
        let line = if SECRET_FIELDS.contains(&key.as_str()) {
            format!("{key}: changed")
        } else {
            match key.as_str() {
                "groups" => format!(
                    "groups: {} -> {}",
                    group_list(previous, names),
                    group_list(value, names)
                ),
                "group" => format!("group: {} -> {}", group_of(previous, names), group_of(value, names)),
                _ => format!("{key}: {} -> {}", shown(previous), shown(value)),
            }
        };
        lines.push(line);
    }
    if lines.is_empty() {
        "nothing changed".to_string()
    } else {
        lines.join("\n")
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn group_list(value: &Value, names: &BTreeMap<i64, String>) -> String {
    let items: Vec<String> = value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .map(|id| group_name(names, id))
        .collect();
    format!("[{}]", items.join(", "))
}

fn group_of(value: &Value, names: &BTreeMap<i64, String>) -> String {
    value["id"]
        .as_i64()
        .map(|id| group_name(names, id))
        .unwrap_or_else(|| shown(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_by_the_update_schema() {
        let schema = update_schema().unwrap();
        assert_eq!(typed(&schema, "locked", "true").unwrap(), json!(true));
        assert_eq!(typed(&schema, "locked", "no").unwrap(), json!(false));
        assert_eq!(typed(&schema, "email", "").unwrap(), Value::Null);
        assert_eq!(
            typed(&schema, "email", "a@example.com").unwrap(),
            json!("a@example.com")
        );
        assert_eq!(typed(&schema, "full_name", "1234").unwrap(), json!("1234"));
        assert_eq!(typed(&schema, "uid", "3005").unwrap(), json!(3005));
        assert_eq!(typed(&schema, "account_profile", "3").unwrap(), json!(3));
        assert_eq!(
            typed(&schema, "sudo_commands", "/bin/ls, /bin/cat").unwrap(),
            json!(["/bin/ls", "/bin/cat"])
        );
        assert_eq!(typed(&schema, "sudo_commands", "").unwrap(), json!([]));
        assert!(typed(&schema, "locked", "maybe").is_err());
        assert_eq!(typed(&schema, "no_such_field", "7").unwrap(), json!(7));
    }

    #[test]
    fn timestamps_read_as_utc() {
        assert_eq!(
            timestamp(&json!({"$date": 1_767_225_600_000_i64})).as_deref(),
            Some("2026-01-01 00:00:00 UTC")
        );
        assert_eq!(timestamp(&Value::Null), None);
    }

    #[test]
    fn changes_name_groups_and_hide_secrets() {
        let names = BTreeMap::from([(1, "alice".to_string()), (2, "staff".to_string())]);
        let before = json!({"locked": false, "groups": [], "unixhash": "a", "email": "x@example.com"});
        let after = json!({"locked": true, "groups": [2], "unixhash": "b", "email": null, "password": "p"});
        assert_eq!(
            changes(&before, &after, &names),
            "locked: false -> true\ngroups: [] -> [staff]\nunixhash: changed\nemail: x@example.com -> null"
        );
    }
}
