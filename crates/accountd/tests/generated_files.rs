//! The committed `schemas/` must be exactly what the method table and its examples generate: run
//! `cargo run -p accountd -- schemas` after changing a method. Generating runs every example against a real
//! server, so this also checks that each example validates against its params schema, succeeds, and returns a
//! result matching its result schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

#[tokio::test]
async fn committed_generated_files_are_fresh() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let files = accountd::generate::generated_files()
        .await
        .expect("every example runs and matches its schemas");
    let mut expected = BTreeSet::new();
    let mut stale = Vec::new();
    for (name, content) in &files {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(content.as_str()) {
            stale.push(name.clone());
        }
        expected.insert(name.clone());
    }
    let mut extra = Vec::new();
    for sub in ["", "reference"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("schemas dir").flatten() {
            let name = if sub.is_empty() {
                entry.file_name().to_string_lossy().into_owned()
            } else {
                format!("{sub}/{}", entry.file_name().to_string_lossy())
            };
            if entry.path().is_file() && !expected.contains(&name) {
                extra.push(name);
            }
        }
    }
    assert!(
        stale.is_empty() && extra.is_empty(),
        "schemas/ is stale (run `cargo run -p accountd -- schemas`): changed or missing {stale:?}, unexpected {extra:?}"
    );
}

#[test]
fn every_method_has_an_example_and_params_schema() {
    let files = accountd_api::files::schema_files();
    for spec in accountd_api::methods::all() {
        assert!(!spec.examples.is_empty(), "{} has no example", spec.name);
        assert!(files.iter().any(|(n, _)| *n == format!("{}.params.json", spec.name)));
        assert!(files.iter().any(|(n, _)| *n == format!("{}.result.json", spec.name)));
    }
}

#[test]
fn the_readme_settings_table_is_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let fresh = accountd::config::table::with_settings_table(&readme).expect("the README has the table's markers");
    assert!(
        fresh == readme,
        "the README's settings table is stale (run `cargo run -p accountd -- schemas`)"
    );
}
