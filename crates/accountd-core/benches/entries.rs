//! Entry assembly and serialization: rows → `UserEntry` (groups, memberships, privileges, 2FA, API keys) →
//! JSON, for one user (a `get_instance`) and for a page of 10,000 (a listing).
//! `cargo bench -p accountd-core`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark stops loudly on a broken assumption"
)]

use std::hint::black_box;
use std::path::Path;

use accountd_core::entry::Directory;
use accountd_core::users::present_user;
use accountd_store::groups::{self, GroupRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{Connection, migrations};
use criterion::{Criterion, criterion_group, criterion_main};

/// An in-memory database with `n` users, each with its own primary group and in `builtin_users`.
fn database(n: i64) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrations::migrate(&mut conn).unwrap();
    migrations::seed(&mut conn).unwrap();
    let tx = conn.transaction().unwrap();
    for i in 0..n {
        let name = format!("user{i:06}");
        let group_id = groups::insert(
            &tx,
            &GroupRow {
                id: 0,
                gid: 3000 + i,
                name: name.clone(),
                builtin: false,
                smb: false,
                sudo_commands: Vec::new(),
                sudo_commands_nopasswd: Vec::new(),
                userns_idmap: None,
            },
        )
        .unwrap();
        let id = users::insert(
            &tx,
            &UserRow {
                id: 0,
                uid: 3000 + i,
                username: name.clone(),
                unixhash: "*".into(),
                smbhash: "*".into(),
                home: "/var/empty".into(),
                shell: "/usr/bin/zsh".into(),
                full_name: format!("User {i}"),
                builtin: false,
                smb: false,
                userns_idmap: None,
                group_id,
                password_disabled: true,
                ssh_password_enabled: false,
                locked: false,
                sudo_commands: Vec::new(),
                sudo_commands_nopasswd: Vec::new(),
                email: Some(format!("{name}@example.com")),
                sshpubkey: None,
                last_password_change: Some(1_700_000_000_000),
                password_history: Vec::new(),
                account_profile: 1,
                password_change_required: false,
                description: None,
                locale: None,
                timezone: None,
            },
        )
        .unwrap();
        users::set_aux_groups(&tx, id, &[3]).unwrap();
    }
    tx.commit().unwrap();
    conn
}

fn bench(c: &mut Criterion) {
    let conn = database(10_000);
    let home_root = Path::new("/mnt");
    let now = 1_800_000_000_000;
    let one = users::select(&conn, "id = 5000", &[]).unwrap();
    let page = users::select_page(&conn, "1", &[], "", 10_000, 0).unwrap();

    let mut g = c.benchmark_group("one_user");
    g.bench_function("read_row", |b| b.iter(|| users::get(&conn, black_box(5000)).unwrap()));
    g.bench_function("load_directory", |b| {
        b.iter(|| Directory::load_for_users(&conn, &one).unwrap())
    });
    let dir = Directory::load_for_users(&conn, &one).unwrap();
    g.bench_function("assemble", |b| {
        b.iter(|| dir.user_entry(black_box(&one[0]), now, home_root))
    });
    let entry = dir.user_entry(&one[0], now, home_root);
    g.bench_function("serialize_text", |b| {
        b.iter(|| serde_json::to_vec(black_box(&entry)).unwrap())
    });
    g.bench_function("serialize_tree", |b| {
        b.iter(|| present_user(black_box(&entry), None).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("listing_10k");
    g.sample_size(10);
    g.bench_function("read_rows", |b| {
        b.iter(|| users::select_page(&conn, "1", &[], "", 10_000, 0).unwrap())
    });
    g.bench_function("load_directory", |b| {
        b.iter(|| Directory::load_for_users(&conn, &page).unwrap())
    });
    let dir = Directory::load_for_users(&conn, &page).unwrap();
    g.bench_function("assemble", |b| {
        b.iter(|| {
            page.iter()
                .map(|r| dir.user_entry(r, now, home_root))
                .collect::<Vec<_>>()
        })
    });
    let entries: Vec<_> = page.iter().map(|r| dir.user_entry(r, now, home_root)).collect();
    g.bench_function("serialize_text", |b| {
        b.iter(|| serde_json::to_vec(black_box(&entries)).unwrap())
    });
    g.bench_function("serialize_tree_then_text", |b| {
        b.iter(|| {
            let values: Vec<_> = entries.iter().map(|e| present_user(e, None).unwrap()).collect();
            serde_json::to_vec(&values).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
