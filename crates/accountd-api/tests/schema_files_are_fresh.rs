//! The committed `schemas/` must match what the method table generates: run `accountd schemas` after
//! changing a method.

use std::collections::BTreeSet;
use std::path::PathBuf;

#[test]
fn committed_schema_files_match_the_method_table() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let mut expected_names = BTreeSet::new();
    let mut stale = Vec::new();
    for (name, content) in accountd_api::files::schema_files() {
        let on_disk = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        if on_disk != content {
            stale.push(name.clone());
        }
        expected_names.insert(name);
    }
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json") && !expected_names.contains(n))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "schemas/ is stale (run `cargo run -p accountd -- schemas`): changed or missing {stale:?}, unexpected {extra:?}"
    );
}
