//! Home directories under the configured home root (TrueNAS `/mnt`): validation, creation,
//! permissions and `~/.ssh/authorized_keys`.
//!
//! Every function here blocks on the filesystem: call them from blocking threads. Writes go
//! through directory file descriptors opened without following symlinks, so a user who owns a
//! home cannot redirect them elsewhere.

pub(crate) mod create;
mod fsx;
mod ssh;
mod validate;

pub use create::{copy_skel, create_home, set_home_permissions};
pub use ssh::{read_authorized_keys, remove_ssh_dir, validate_sshpubkey, write_authorized_keys};
pub use validate::{parse_home_mode, validate_home, validate_home_mode};

/// The home of users without one; always accepted, never created.
pub const DEFAULT_HOME: &str = "/var/empty";
/// Skeleton directory copied into new homes.
pub const SKEL_PATH: &str = "/etc/skel";
/// `home_mode` when none is given.
pub const DEFAULT_HOME_MODE: u32 = 0o700;
