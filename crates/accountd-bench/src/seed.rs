//! Pre-seeding a database directly through `accountd-store`: every user in one transaction, so 100,000 users
//! take seconds.

use std::path::Path;
use std::time::{Duration, Instant};

use accountd_core::password::{Argon2Params, PasswordHasher};
use accountd_store::groups::{self, GroupRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{Store, StoreError, StoreOptions};
use anyhow::Context;

/// The administrator every scenario logs in as (FULL_ADMIN; production-cost argon2id hash).
pub const ADMIN: &str = "truenas_admin";
/// Its password.
pub const ADMIN_PASSWORD: &str = "bench-admin-password";
/// The account the 10,000 idle connections log in as (READONLY_ADMIN). Its hash has a low cost: the server
/// reads the cost back from the hash, so 10,000 logins take seconds, not minutes, while the server itself
/// keeps the production defaults.
pub const IDLE_USER: &str = "bench_idle";
/// Its password.
pub const IDLE_PASSWORD: &str = "bench-idle-password";

/// Database ids of the builtin groups the seed uses.
const BUILTIN_ADMINISTRATORS: i64 = 2;
const BUILTIN_USERS: i64 = 3;
const READONLY_ADMINISTRATORS: i64 = 4;

/// What was seeded.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Database id of the first bench user; the others follow without gaps.
    pub first_id: i64,
    /// Number of bench users.
    pub users: u64,
    /// How long seeding took.
    pub took: Duration,
}

/// The name of bench user `i` (also the name of its primary group).
pub fn username(i: u64) -> String {
    format!("user{i:06}")
}

/// The uid (and gid of the primary group) of bench user `i`: dense from 3000, as TrueNAS allocates them,
/// stepping over 65534 (`nobody` / `nogroup`).
pub fn uid(i: u64) -> i64 {
    let id = 3000 + i as i64;
    if id >= 65534 { id + 1 } else { id }
}

/// Creates `db` with the administrator, the idle-connection account and `users` bench users, each with its own
/// primary group (as `group_create` makes) and in `builtin_users` (as SMB users are), password login
/// disabled.
pub async fn seed(db: &Path, users: u64) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let admin_hash = tokio::task::spawn_blocking(|| {
        PasswordHasher::new(Argon2Params::default(), 1).and_then(|h| h.hash_blocking(ADMIN_PASSWORD))
    })
    .await?
    .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let idle_hash = PasswordHasher::new(Argon2Params { m_kib: 64, t: 1, p: 1 }, 1)
        .and_then(|h| h.hash_blocking(IDLE_PASSWORD))
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let store = Store::open(&StoreOptions::new(db)).context("creating the database")?;
    let first_id = store
        .write(move |tx| {
            insert_account(tx, ADMIN, 950, &admin_hash, &[BUILTIN_ADMINISTRATORS])?;
            insert_account(tx, IDLE_USER, 2999, &idle_hash, &[READONLY_ADMINISTRATORS])?;
            let mut first = None;
            for i in 0..users {
                let id = insert_account(tx, &username(i), uid(i), "*", &[BUILTIN_USERS])?;
                first.get_or_insert(id);
            }
            Ok::<_, StoreError>(first.unwrap_or_default())
        })
        .await?;
    tokio::task::spawn_blocking(move || store.close()).await?;
    Ok(Seeded {
        first_id,
        users,
        took: started.elapsed(),
    })
}

/// Inserts a user with its own primary group (`gid == uid`); `*` as hash disables password login.
fn insert_account(
    tx: &accountd_store::Transaction<'_>,
    name: &str,
    uid: i64,
    unixhash: &str,
    aux: &[i64],
) -> Result<i64, StoreError> {
    let group_id = groups::insert(
        tx,
        &GroupRow {
            id: 0,
            gid: uid,
            name: name.to_string(),
            builtin: false,
            smb: false,
            sudo_commands: Vec::new(),
            sudo_commands_nopasswd: Vec::new(),
            userns_idmap: None,
        },
    )?;
    let id = users::insert(
        tx,
        &UserRow {
            id: 0,
            uid,
            username: name.to_string(),
            unixhash: unixhash.to_string(),
            smbhash: "*".to_string(),
            home: "/var/empty".to_string(),
            shell: "/usr/bin/zsh".to_string(),
            full_name: format!("Bench {name}"),
            builtin: false,
            smb: false,
            userns_idmap: None,
            group_id,
            password_disabled: unixhash == "*",
            ssh_password_enabled: false,
            locked: false,
            sudo_commands: Vec::new(),
            sudo_commands_nopasswd: Vec::new(),
            email: Some(format!("{name}@example.com")),
            sshpubkey: None,
            last_password_change: None,
            password_history: Vec::new(),
            account_profile: 1,
            password_change_required: false,
            description: None,
            locale: None,
            timezone: None,
        },
    )?;
    users::set_aux_groups(tx, id, aux)?;
    Ok(id)
}
