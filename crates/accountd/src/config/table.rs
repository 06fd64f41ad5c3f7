//! The README's settings table, generated from the declaration of the serve settings (`serve.rs`): one row per
//! flag with its environment variable, TOML key, default and doc. `accountd schemas` writes it between the
//! marker comments and `tests/generated_files.rs` fails when it is stale.

use clap::Args;

use super::{ServeArgs, ServeSettings};

/// The line before the generated table in README.md.
pub const BEGIN_MARKER: &str = "<!-- The settings table is generated from crates/accountd/src/config/serve.rs by `cargo run -p accountd -- schemas`. -->";
/// The line after the generated table in README.md.
pub const END_MARKER: &str = "<!-- End of the generated settings table. -->";

/// The settings table in Markdown: flag, environment variable, TOML key, default and what it sets.
pub fn settings_table() -> anyhow::Result<String> {
    let command = ServeArgs::augment_args(clap::Command::new("serve"));
    let mut table = String::from("| flag | environment | TOML key | default | what it sets |\n|---|---|---|---|---|\n");
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        let long = arg
            .get_long()
            .ok_or_else(|| anyhow::anyhow!("setting {id} has no flag"))?;
        let list = arg.get_value_delimiter().is_some();
        let value = arg
            .get_value_names()
            .and_then(|names| names.first())
            .map(|name| format!(" {name}{}", if list { ",..." } else { "" }))
            .unwrap_or_default();
        let env = arg
            .get_env()
            .map(|env| format!("`{}`", env.to_string_lossy()))
            .ok_or_else(|| anyhow::anyhow!("setting {id} has no environment variable"))?;
        let key = if ServeSettings::KEYS.contains(&id) {
            format!("`{id}`{}", if list { " (a list)" } else { "" })
        } else {
            String::new()
        };
        let help = arg
            .get_long_help()
            .or_else(|| arg.get_help())
            .map(|help| help.to_string().replace('\n', " "))
            .ok_or_else(|| anyhow::anyhow!("setting {id} has no doc"))?;
        let (doc, default) = split_default(&help);
        let default = match arg.get_default_values() {
            [] => default
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("setting {id} declares no default and its doc names none"))?,
            values => values
                .iter()
                .map(|v| format!("`{}`", v.to_string_lossy()))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let row = [format!("`--{long}{value}`"), env, key, default, doc.to_string()];
        let cells: Vec<String> = row.iter().map(|cell| cell.replace('|', "\\|")).collect();
        table.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    Ok(table)
}

/// A doc and the default it names at its end (`... [default: none]`), for settings without a declared value.
fn split_default(help: &str) -> (&str, Option<&str>) {
    match help.strip_suffix(']').and_then(|h| h.rsplit_once(" [default: ")) {
        Some((doc, default)) => (doc, Some(default)),
        None => (help, None),
    }
}

/// `readme` with the text between the markers replaced by the current settings table.
pub fn with_settings_table(readme: &str) -> anyhow::Result<String> {
    let (before, rest) = readme
        .split_once(BEGIN_MARKER)
        .ok_or_else(|| anyhow::anyhow!("the README has no line {BEGIN_MARKER}"))?;
    let (_, after) = rest
        .split_once(END_MARKER)
        .ok_or_else(|| anyhow::anyhow!("the README has no line {END_MARKER}"))?;
    Ok(format!(
        "{before}{BEGIN_MARKER}\n{}{END_MARKER}{after}",
        settings_table()?
    ))
}
