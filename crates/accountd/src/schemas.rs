//! `accountd schemas`: writes the generated schema files.

use std::path::Path;

use anyhow::Context;

/// Writes every schema file into `dir` and removes stale `.json` files; returns how many files changed.
pub fn write_schema_files(dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let files = accountd_api::files::schema_files();
    let mut changed = 0;
    for (name, content) in &files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            std::fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
            changed += 1;
        }
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && name.ends_with(".json") && !files.iter().any(|(n, _)| *n == name) {
            std::fs::remove_file(entry.path())?;
            changed += 1;
        }
    }
    Ok(changed)
}
