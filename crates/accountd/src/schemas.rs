//! `accountd schemas`: writes the generated files under `schemas/` and the README's settings table.

use std::path::Path;

use anyhow::Context;

/// Writes every generated file into `dir` and removes stale generated files; returns how many changed.
pub async fn write_schema_files(dir: &Path) -> anyhow::Result<usize> {
    let files = crate::generate::generated_files().await?;
    let mut changed = 0;
    for (name, content) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
            changed += 1;
        }
    }
    for sub in ["", "reference"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries {
            let entry = entry?;
            let name = if sub.is_empty() {
                entry.file_name().to_string_lossy().into_owned()
            } else {
                format!("{sub}/{}", entry.file_name().to_string_lossy())
            };
            let generated = name.ends_with(".json") || name.ends_with(".html");
            if entry.path().is_file() && generated && !files.iter().any(|(n, _)| *n == name) {
                std::fs::remove_file(entry.path())?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// Rewrites the settings table of the README at `path` (between its marker comments); returns whether it
/// changed.
pub fn write_settings_table(path: &Path) -> anyhow::Result<bool> {
    let readme = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let updated = crate::config::table::with_settings_table(&readme)
        .with_context(|| format!("the settings table of {}", path.display()))?;
    if updated == readme {
        return Ok(false);
    }
    std::fs::write(path, updated).with_context(|| format!("writing {}", path.display()))?;
    Ok(true)
}
