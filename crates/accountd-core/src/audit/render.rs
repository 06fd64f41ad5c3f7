//! Export formats: CSV (TrueNAS's layout: a header of the first entry's keys, `service_data` and `event_data`
//! as JSON text), JSON and YAML.

use accountd_api::types::audit::ExportFormat;
use serde_json::Value;

/// Renders entries (JSON objects) in `format`.
pub(super) fn render(format: ExportFormat, entries: &[Value]) -> String {
    match format {
        ExportFormat::Csv => csv(entries),
        ExportFormat::Json => serde_json::to_string_pretty(entries).unwrap_or_default() + "\n",
        ExportFormat::Yaml => {
            let mut out = String::new();
            yaml_seq(&mut out, entries, 0);
            out
        }
    }
}

fn csv(entries: &[Value]) -> String {
    let Some(Value::Object(first)) = entries.first() else {
        return String::new();
    };
    let keys: Vec<&String> = first.keys().collect();
    let mut out = String::new();
    push_record(&mut out, keys.iter().map(|k| k.to_string()));
    for entry in entries {
        push_record(
            &mut out,
            keys.iter().map(|k| match entry.get(k.as_str()) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            }),
        );
    }
    out
}

/// One CSV record: fields holding a comma, a quote or a line break are quoted, quotes doubled (RFC 4180).
fn push_record(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

/// A scalar or an empty collection on one line (JSON's spelling of them is valid YAML; strings are always
/// double-quoted, so no value is mistaken for another type).
fn yaml_inline(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) if !m.is_empty() => None,
        Value::Array(a) if !a.is_empty() => None,
        other => Some(other.to_string()),
    }
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n("  ", level));
}

fn yaml_seq(out: &mut String, items: &[Value], level: usize) {
    if items.is_empty() {
        indent(out, level);
        out.push_str("[]\n");
        return;
    }
    for item in items {
        indent(out, level);
        match yaml_inline(item) {
            Some(s) => {
                out.push_str("- ");
                out.push_str(&s);
                out.push('\n');
            }
            None => {
                out.push_str("-\n");
                yaml_value(out, item, level + 1);
            }
        }
    }
}

fn yaml_value(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                indent(out, level);
                out.push_str(&Value::from(k.as_str()).to_string());
                match yaml_inline(v) {
                    Some(s) => {
                        out.push_str(": ");
                        out.push_str(&s);
                        out.push('\n');
                    }
                    None => {
                        out.push_str(":\n");
                        yaml_value(out, v, level + 1);
                    }
                }
            }
        }
        Value::Array(a) => yaml_seq(out, a, level),
        other => {
            indent(out, level);
            out.push_str(&other.to_string());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entries() -> Vec<Value> {
        vec![
            json!({"event": "METHOD_CALL", "event_data": {"method": "user.create", "params": [{"password": "********"}]},
                   "success": true, "note": null}),
            json!({"event": "LOGOUT", "event_data": {"a,b": "say \"hi\""}, "success": false, "note": "x"}),
        ]
    }

    #[test]
    fn csv_quotes_json_columns() {
        let text = render(ExportFormat::Csv, &entries());
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "event,event_data,success,note");
        assert_eq!(
            lines[1],
            r#"METHOD_CALL,"{""method"":""user.create"",""params"":[{""password"":""********""}]}",true,"#
        );
        assert_eq!(lines[2], r#"LOGOUT,"{""a,b"":""say \""hi\""""}",false,x"#);
    }

    #[test]
    fn json_round_trips() {
        let text = render(ExportFormat::Json, &entries());
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), Value::Array(entries()));
    }

    #[test]
    fn yaml_is_block_style_with_quoted_strings() {
        let text = render(ExportFormat::Yaml, &entries());
        let expected = "-\n  \"event\": \"METHOD_CALL\"\n  \"event_data\":\n    \"method\": \"user.create\"\n    \
                        \"params\":\n      -\n        \"password\": \"********\"\n  \"success\": true\n  \"note\": null\n\
                        -\n  \"event\": \"LOGOUT\"\n  \"event_data\":\n    \"a,b\": \"say \\\"hi\\\"\"\n  \
                        \"success\": false\n  \"note\": \"x\"\n";
        assert_eq!(text, expected);
    }
}
