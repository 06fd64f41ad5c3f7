//! Roles and the implications between them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A role a session may hold; granted through privileges bound to groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Everything.
    FullAdmin,
    /// Every `*_READ` role.
    ReadonlyAdmin,
    /// READONLY_ADMIN plus sharing writes.
    SharingAdmin,
    /// Read users and groups.
    AccountRead,
    /// Create, change and delete users and groups (implies ACCOUNT_READ).
    AccountWrite,
    /// Read API keys.
    ApiKeyRead,
    /// Manage every user's API keys (implies API_KEY_READ).
    ApiKeyWrite,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 7] = [
        Role::FullAdmin,
        Role::ReadonlyAdmin,
        Role::SharingAdmin,
        Role::AccountRead,
        Role::AccountWrite,
        Role::ApiKeyRead,
        Role::ApiKeyWrite,
    ];

    /// The wire name, e.g. `FULL_ADMIN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::FullAdmin => "FULL_ADMIN",
            Role::ReadonlyAdmin => "READONLY_ADMIN",
            Role::SharingAdmin => "SHARING_ADMIN",
            Role::AccountRead => "ACCOUNT_READ",
            Role::AccountWrite => "ACCOUNT_WRITE",
            Role::ApiKeyRead => "API_KEY_READ",
            Role::ApiKeyWrite => "API_KEY_WRITE",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Roles this role directly includes (not transitively).
    fn includes(self) -> &'static [Role] {
        match self {
            Role::FullAdmin => &Role::ALL,
            Role::ReadonlyAdmin => &[Role::AccountRead, Role::ApiKeyRead],
            Role::SharingAdmin => &[Role::ReadonlyAdmin],
            Role::AccountWrite => &[Role::AccountRead],
            Role::ApiKeyWrite => &[Role::ApiKeyRead],
            Role::AccountRead | Role::ApiKeyRead => &[],
        }
    }

    /// True when holding `self` grants `other` (reflexive, transitive).
    pub fn grants(self, other: Role) -> bool {
        if self == other {
            return true;
        }
        self.includes().iter().any(|r| *r != self && r.grants(other))
    }
}

/// True when any of `held` grants `wanted`.
pub fn any_grants(held: &[Role], wanted: Role) -> bool {
    held.iter().any(|r| r.grants(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implications() {
        let cases = [
            (Role::FullAdmin, Role::ApiKeyWrite, true),
            (Role::AccountWrite, Role::AccountRead, true),
            (Role::AccountRead, Role::AccountWrite, false),
            (Role::ReadonlyAdmin, Role::AccountRead, true),
            (Role::ReadonlyAdmin, Role::AccountWrite, false),
            (Role::SharingAdmin, Role::AccountRead, true),
            (Role::SharingAdmin, Role::FullAdmin, false),
            (Role::ApiKeyWrite, Role::ApiKeyRead, true),
        ];
        for (held, wanted, expected) in cases {
            assert_eq!(held.grants(wanted), expected, "{held:?} grants {wanted:?}");
        }
    }

    #[test]
    fn names_roundtrip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
