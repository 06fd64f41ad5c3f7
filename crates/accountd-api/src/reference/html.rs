//! HTML rendering of the reference pages.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::ExampleResponses;
use super::describe::{TypeLine, constraints, describe_fields, type_name};
use crate::method::MethodSpec;

/// Responses longer than this are cut in the pages (the tests still check them whole).
const MAX_SHOWN_RESPONSE: usize = 4000;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;\
color:#1d1d1f}code,pre{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#f5f5f7;padding:.8rem;\
overflow-x:auto;border-radius:4px}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}\
th,td{border:1px solid #d2d2d7;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f5f5f7}\
section{border-top:2px solid #d2d2d7;margin-top:2rem}.roles{color:#6e6e73}";

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes text and turns `code` spans into `<code>`.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(text).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

fn first_sentence(doc: &str) -> &str {
    let line = doc.lines().next().unwrap_or_default();
    match line.find(". ") {
        Some(i) => &line[..=i],
        None => line,
    }
}

/// The index page: every namespace and method with its first sentence.
pub fn index(namespaces: &BTreeMap<&str, Vec<&MethodSpec>>) -> String {
    let mut body = String::from(
        "<h1>accountd API reference</h1>\n<p>JSON-RPC 2.0 over WebSocket at <code>/api/current</code>. Params are \
         positional. Generated from the method table; the JSON Schemas are next to this page and the OpenRPC \
         document is served at <code>/api/openrpc.json</code>.</p>\n",
    );
    for (ns, methods) in namespaces {
        let _ = writeln!(
            body,
            "<h2><a href=\"{ns}.html\">{ns}</a></h2>\n<table>\n<tr><th>method</th><th>roles</th><th>summary</th></tr>"
        );
        for m in methods {
            let _ = writeln!(
                body,
                "<tr><td><a href=\"{ns}.html#{name}\"><code>{name}</code></a></td><td>{roles}</td><td>{summary}</td></tr>",
                name = esc(m.name),
                roles = esc(&m.access.describe()),
                summary = inline(first_sentence(&m.doc)),
            );
        }
        body.push_str("</table>\n");
    }
    page("accountd API reference", &body)
}

fn field_table(lines: &[TypeLine]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<table>\n<tr><th>field</th><th>type</th><th>required</th><th>default</th><th>constraints</th><th>description</th></tr>\n",
    );
    for l in lines {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&l.name),
            inline(&l.ty),
            if l.required { "yes" } else { "no" },
            l.default
                .as_deref()
                .map(|d| format!("<code>{}</code>", esc(d)))
                .unwrap_or_default(),
            esc(&l.constraints.join("; ")),
            inline(&l.description),
        );
    }
    out.push_str("</table>\n");
    out
}

fn defs_of(schema: &Value) -> Map<String, Value> {
    schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn method_section(spec: &MethodSpec, responses: &[Value]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<section id=\"{0}\">\n<h2><code>{0}</code></h2>", esc(spec.name));
    for para in spec.doc.split("\n\n") {
        let _ = writeln!(out, "<p>{}</p>", inline(&para.replace('\n', " ")));
    }
    let _ = writeln!(out, "<p class=\"roles\">Roles: {}</p>", esc(&spec.access.describe()));

    out.push_str("<h3>Parameters</h3>\n");
    if spec.args.is_empty() {
        out.push_str("<p>None.</p>\n");
    } else {
        out.push_str("<table>\n<tr><th>#</th><th>name</th><th>type</th><th>required</th><th>default</th><th>constraints</th><th>description</th></tr>\n");
        for (i, arg) in spec.args.iter().enumerate() {
            let defs = defs_of(&arg.schema);
            let _ = writeln!(
                out,
                "<tr><td>{i}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&arg.name),
                inline(&type_name(&arg.schema, &defs)),
                if arg.required { "yes" } else { "no" },
                arg.schema
                    .get("default")
                    .map(|d| format!("<code>{}</code>", esc(&d.to_string())))
                    .unwrap_or_default(),
                esc(&constraints(&arg.schema, &defs).join("; ")),
                inline(
                    arg.schema
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                ),
            );
        }
        out.push_str("</table>\n");
        for arg in &spec.args {
            let fields = describe_fields(&arg.schema, &defs_of(&arg.schema), &arg.name, 3);
            if !fields.is_empty() {
                let _ = writeln!(out, "<h4>Fields of <code>{}</code></h4>", esc(&arg.name));
                out.push_str(&field_table(&fields));
            }
        }
    }

    let result_defs = defs_of(&spec.result);
    let _ = writeln!(
        out,
        "<h3>Result</h3>\n<p>{}</p>",
        inline(&type_name(&spec.result, &result_defs))
    );
    out.push_str(&field_table(&describe_fields(&spec.result, &result_defs, "", 2)));

    out.push_str("<h3>Examples</h3>\n");
    for (i, example) in spec.examples.iter().enumerate() {
        let params: Value = serde_json::from_str(example.params).unwrap_or(Value::Null);
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": spec.name, "params": params});
        let _ = writeln!(
            out,
            "<p>Request ({}):</p>\n<pre>{}</pre>",
            esc(example.fixture.describe()),
            esc(&pretty(&request))
        );
        if let Some(resp) = responses.get(i) {
            let mut reply = json!({"jsonrpc": "2.0", "id": 1});
            if let (Some(obj), Some(parts)) = (reply.as_object_mut(), resp.as_object()) {
                obj.extend(parts.clone());
            }
            let mut text = pretty(&reply);
            if text.len() > MAX_SHOWN_RESPONSE {
                let cut = text
                    .char_indices()
                    .take_while(|(i, _)| *i < MAX_SHOWN_RESPONSE)
                    .last()
                    .map_or(0, |(i, _)| i);
                text.truncate(cut);
                text.push_str("\n… (shortened)");
            }
            let _ = writeln!(out, "<p>Response:</p>\n<pre>{}</pre>", esc(&text));
        }
    }
    out.push_str("</section>\n");
    out
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// One namespace's page.
pub fn namespace(ns: &str, methods: &[&MethodSpec], responses: &ExampleResponses) -> String {
    let mut body = format!(
        "<p><a href=\"index.html\">Index</a></p>\n<h1><code>{}</code> methods</h1>\n<ul>\n",
        esc(ns)
    );
    for m in methods {
        let _ = writeln!(body, "<li><a href=\"#{0}\"><code>{0}</code></a></li>", esc(m.name));
    }
    body.push_str("</ul>\n");
    for m in methods {
        let empty = Vec::new();
        body.push_str(&method_section(m, responses.get(m.name).unwrap_or(&empty)));
    }
    page(&format!("accountd: {ns}"), &body)
}
