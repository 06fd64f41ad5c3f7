//! Roles and the implications between them: the roles this service guards methods with ([`Role`]), and
//! TrueNAS's whole role catalogue ([`CATALOGUE`], from `middlewared/role.py`), which privileges may grant so
//! that TrueNAS UIs can build them. A catalogue role grants what its closure contains; roles that guard nothing
//! here grant nothing.

use std::collections::HashMap;
use std::sync::LazyLock;

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
    /// Read and export the audit log.
    SystemAuditRead,
    /// Change the audit settings (as in TrueNAS, does not imply SYSTEM_AUDIT_READ).
    SystemAuditWrite,
    /// Read the authentication sources.
    DirectoryServiceRead,
    /// Create, change, test and delete authentication sources (implies DIRECTORY_SERVICE_READ).
    DirectoryServiceWrite,
    /// Read the security settings and account profiles.
    SystemSecurityRead,
    /// Change the security settings and account profiles (implies SYSTEM_SECURITY_READ).
    SystemSecurityWrite,
    /// Read the mail settings (TrueNAS's alert roles guard `mail.*`).
    AlertRead,
    /// Change the mail settings and send test mail (implies ALERT_READ).
    AlertWrite,
    /// Read tenants (`tenant.query`); READONLY_ADMIN includes it.
    TenantRead,
    /// Create, change and delete tenants (implies TENANT_READ).
    TenantWrite,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 17] = [
        Role::FullAdmin,
        Role::ReadonlyAdmin,
        Role::SharingAdmin,
        Role::AccountRead,
        Role::AccountWrite,
        Role::ApiKeyRead,
        Role::ApiKeyWrite,
        Role::SystemAuditRead,
        Role::SystemAuditWrite,
        Role::DirectoryServiceRead,
        Role::DirectoryServiceWrite,
        Role::SystemSecurityRead,
        Role::SystemSecurityWrite,
        Role::AlertRead,
        Role::AlertWrite,
        Role::TenantRead,
        Role::TenantWrite,
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
            Role::SystemAuditRead => "SYSTEM_AUDIT_READ",
            Role::SystemAuditWrite => "SYSTEM_AUDIT_WRITE",
            Role::DirectoryServiceRead => "DIRECTORY_SERVICE_READ",
            Role::DirectoryServiceWrite => "DIRECTORY_SERVICE_WRITE",
            Role::SystemSecurityRead => "SYSTEM_SECURITY_READ",
            Role::SystemSecurityWrite => "SYSTEM_SECURITY_WRITE",
            Role::AlertRead => "ALERT_READ",
            Role::AlertWrite => "ALERT_WRITE",
            Role::TenantRead => "TENANT_READ",
            Role::TenantWrite => "TENANT_WRITE",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// True when holding `self` grants `other` (reflexive, transitive, through the catalogue).
    pub fn grants(self, other: Role) -> bool {
        self == other || closure(self.as_str()).contains(&other.as_str())
    }
}

/// True when any of `held` grants `wanted`.
pub fn any_grants(held: &[Role], wanted: Role) -> bool {
    held.iter().any(|r| r.grants(wanted))
}

/// `stig` of a role available under the General Purpose OS STIG (TrueNAS `STIGType.GPOS`).
pub const STIG_GPOS: u32 = 1;

/// What a catalogue role includes.
#[derive(Debug, Clone, Copy)]
pub enum Includes {
    /// These roles (and what they include).
    Roles(&'static [&'static str]),
    /// Every role whose name ends in `_READ` (TrueNAS's READONLY_ADMIN).
    EveryRead,
    /// Every role (TrueNAS's `full_admin` role, FULL_ADMIN).
    Everything,
}

/// One role of TrueNAS's catalogue, as `privilege.roles` lists it.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueRole {
    /// The role's name, e.g. `DATASET_READ`.
    pub name: &'static str,
    /// The roles it includes.
    pub includes: Includes,
    /// TrueNAS marks it as existing for internal access control (`builtin`).
    pub builtin: bool,
    /// The STIG under which the role is available (`STIG_GPOS`), or `None` when no STIG grants it.
    pub stig: Option<u32>,
}

impl CatalogueRole {
    /// The names it directly includes, as `privilege.roles` shows them (FULL_ADMIN shows none).
    pub fn included_names(&self) -> Vec<&'static str> {
        match self.includes {
            Includes::Roles(names) => names.to_vec(),
            Includes::EveryRead => CATALOGUE
                .iter()
                .map(|r| r.name)
                .filter(|n| n.ends_with("_READ"))
                .collect(),
            Includes::Everything => Vec::new(),
        }
    }
}

/// TrueNAS's role catalogue (`middlewared/role.py` of TrueNAS 25.10), in its order, followed by accountd's own
/// tenant roles.
#[rustfmt::skip]
pub const CATALOGUE: &[CatalogueRole] = &[
    CatalogueRole { name: "ACCOUNT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "ACCOUNT_WRITE", includes: Includes::Roles(&["ACCOUNT_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "API_KEY_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "API_KEY_WRITE", includes: Includes::Roles(&["API_KEY_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "AUTH_SESSIONS_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "AUTH_SESSIONS_WRITE", includes: Includes::Roles(&["AUTH_SESSIONS_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "BOOT_ENV_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "BOOT_ENV_WRITE", includes: Includes::Roles(&["BOOT_ENV_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "DIRECTORY_SERVICE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "DIRECTORY_SERVICE_WRITE", includes: Includes::Roles(&["DIRECTORY_SERVICE_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "DISK_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "DISK_WRITE", includes: Includes::Roles(&["DISK_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "FAILOVER_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "FAILOVER_WRITE", includes: Includes::Roles(&["FAILOVER_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "FILESYSTEM_ATTRS_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "FILESYSTEM_ATTRS_WRITE", includes: Includes::Roles(&["FILESYSTEM_ATTRS_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "FILESYSTEM_DATA_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "FILESYSTEM_DATA_WRITE", includes: Includes::Roles(&["FILESYSTEM_DATA_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "FILESYSTEM_FULL_CONTROL", includes: Includes::Roles(&["FILESYSTEM_ATTRS_WRITE", "FILESYSTEM_DATA_WRITE"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "IPMI_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "IPMI_WRITE", includes: Includes::Roles(&["IPMI_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "KMIP_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "KMIP_WRITE", includes: Includes::Roles(&["KMIP_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "MAIL_WRITE", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "PRIVILEGE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "PRIVILEGE_WRITE", includes: Includes::Roles(&["PRIVILEGE_WRITE"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "REPORTING_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "REPORTING_WRITE", includes: Includes::Roles(&["REPORTING_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SUPPORT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SUPPORT_WRITE", includes: Includes::Roles(&["SUPPORT_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SSH_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SSH_WRITE", includes: Includes::Roles(&["SSH_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_AUDIT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_AUDIT_WRITE", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "FULL_ADMIN", includes: Includes::Everything, builtin: false, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "ALERT_LIST_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "ALERT_LIST_WRITE", includes: Includes::Roles(&["ALERT_LIST_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "ALERT_READ", includes: Includes::Roles(&["ALERT_LIST_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "ALERT_WRITE", includes: Includes::Roles(&["ALERT_LIST_WRITE", "ALERT_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "CLOUD_BACKUP_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "CLOUD_BACKUP_WRITE", includes: Includes::Roles(&["CLOUD_BACKUP_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "CLOUD_SYNC_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "CLOUD_SYNC_WRITE", includes: Includes::Roles(&["CLOUD_SYNC_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SERVICE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SERVICE_WRITE", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "ENCLOSURE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "ENCLOSURE_WRITE", includes: Includes::Roles(&["ENCLOSURE_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "NETWORK_GENERAL_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "NETWORK_GENERAL_WRITE", includes: Includes::Roles(&["NETWORK_GENERAL_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "NETWORK_INTERFACE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "NETWORK_INTERFACE_WRITE", includes: Includes::Roles(&["NETWORK_INTERFACE_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "VM_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "VM_WRITE", includes: Includes::Roles(&["VM_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "VM_DEVICE_READ", includes: Includes::Roles(&["VM_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "VM_DEVICE_WRITE", includes: Includes::Roles(&["VM_WRITE", "VM_DEVICE_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "JBOF_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "JBOF_WRITE", includes: Includes::Roles(&["JBOF_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "TRUECOMMAND_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "TRUECOMMAND_WRITE", includes: Includes::Roles(&["TRUECOMMAND_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "TRUENAS_CONNECT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "TRUENAS_CONNECT_WRITE", includes: Includes::Roles(&["TRUENAS_CONNECT_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "CERTIFICATE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "CERTIFICATE_WRITE", includes: Includes::Roles(&["CERTIFICATE_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "CATALOG_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "CATALOG_WRITE", includes: Includes::Roles(&["CATALOG_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "DOCKER_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "DOCKER_WRITE", includes: Includes::Roles(&["DOCKER_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "APPS_READ", includes: Includes::Roles(&["CATALOG_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "APPS_WRITE", includes: Includes::Roles(&["CATALOG_WRITE", "APPS_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "SHARING_FTP_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_FTP_WRITE", includes: Includes::Roles(&["SHARING_FTP_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_AUTH_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_AUTH_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_AUTH_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_EXTENT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_EXTENT_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_EXTENT_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_GLOBAL_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_GLOBAL_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_GLOBAL_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_HOST_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_HOST_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_HOST_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_INITIATOR_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_INITIATOR_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_INITIATOR_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_PORTAL_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_PORTAL_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_PORTAL_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_TARGET_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_TARGET_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_TARGET_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_TARGETEXTENT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_TARGETEXTENT_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_TARGETEXTENT_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_READ", includes: Includes::Roles(&["SHARING_ISCSI_AUTH_READ", "SHARING_ISCSI_EXTENT_READ", "SHARING_ISCSI_GLOBAL_READ", "SHARING_ISCSI_HOST_READ", "SHARING_ISCSI_INITIATOR_READ", "SHARING_ISCSI_PORTAL_READ", "SHARING_ISCSI_TARGET_READ", "SHARING_ISCSI_TARGETEXTENT_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ISCSI_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_AUTH_WRITE", "SHARING_ISCSI_EXTENT_WRITE", "SHARING_ISCSI_GLOBAL_WRITE", "SHARING_ISCSI_HOST_WRITE", "SHARING_ISCSI_INITIATOR_WRITE", "SHARING_ISCSI_PORTAL_WRITE", "SHARING_ISCSI_TARGET_WRITE", "SHARING_ISCSI_TARGETEXTENT_WRITE"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_NFS_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_NFS_WRITE", includes: Includes::Roles(&["SHARING_NFS_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_NVME_TARGET_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_NVME_TARGET_WRITE", includes: Includes::Roles(&["SHARING_NVME_TARGET_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_SMB_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_SMB_WRITE", includes: Includes::Roles(&["SHARING_SMB_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_READ", includes: Includes::Roles(&["SHARING_ISCSI_READ", "SHARING_NFS_READ", "SHARING_NVME_TARGET_READ", "SHARING_SMB_READ", "SHARING_FTP_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_WRITE", includes: Includes::Roles(&["SHARING_ISCSI_WRITE", "SHARING_NFS_WRITE", "SHARING_NVME_TARGET_WRITE", "SHARING_SMB_WRITE", "SHARING_FTP_WRITE"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "KEYCHAIN_CREDENTIAL_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "KEYCHAIN_CREDENTIAL_WRITE", includes: Includes::Roles(&["KEYCHAIN_CREDENTIAL_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "REPLICATION_TASK_CONFIG_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "REPLICATION_TASK_CONFIG_WRITE", includes: Includes::Roles(&["REPLICATION_TASK_CONFIG_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "REPLICATION_TASK_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "REPLICATION_TASK_WRITE", includes: Includes::Roles(&["REPLICATION_TASK_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "REPLICATION_TASK_WRITE_PULL", includes: Includes::Roles(&["REPLICATION_TASK_WRITE"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SNAPSHOT_TASK_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SNAPSHOT_TASK_WRITE", includes: Includes::Roles(&["SNAPSHOT_TASK_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "POOL_SCRUB_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "POOL_SCRUB_WRITE", includes: Includes::Roles(&["POOL_SCRUB_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "POOL_READ", includes: Includes::Roles(&["POOL_SCRUB_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "POOL_WRITE", includes: Includes::Roles(&["POOL_READ", "POOL_SCRUB_WRITE"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "DATASET_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "DATASET_WRITE", includes: Includes::Roles(&["DATASET_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "DATASET_DELETE", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SNAPSHOT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SNAPSHOT_WRITE", includes: Includes::Roles(&["SNAPSHOT_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SNAPSHOT_DELETE", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "REPLICATION_ADMIN", includes: Includes::Roles(&["KEYCHAIN_CREDENTIAL_WRITE", "REPLICATION_TASK_CONFIG_WRITE", "REPLICATION_TASK_WRITE", "SNAPSHOT_TASK_WRITE", "SNAPSHOT_WRITE"]), builtin: false, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SHARING_ADMIN", includes: Includes::Roles(&["READONLY_ADMIN", "DATASET_WRITE", "SHARING_WRITE", "FILESYSTEM_ATTRS_WRITE", "SERVICE_READ"]), builtin: false, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_GENERAL_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_GENERAL_WRITE", includes: Includes::Roles(&["SYSTEM_GENERAL_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_PRODUCT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_PRODUCT_WRITE", includes: Includes::Roles(&["SYSTEM_PRODUCT_WRITE"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_ADVANCED_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_ADVANCED_WRITE", includes: Includes::Roles(&["SYSTEM_ADVANCED_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_SECURITY_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_SECURITY_WRITE", includes: Includes::Roles(&["SYSTEM_SECURITY_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_TUNABLE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_TUNABLE_WRITE", includes: Includes::Roles(&["SYSTEM_TUNABLE_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_CRON_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_CRON_WRITE", includes: Includes::Roles(&["SYSTEM_CRON_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_UPDATE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "SYSTEM_UPDATE_WRITE", includes: Includes::Roles(&["SYSTEM_UPDATE_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "VIRT_GLOBAL_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "VIRT_GLOBAL_WRITE", includes: Includes::Roles(&["VIRT_GLOBAL_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "VIRT_INSTANCE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "VIRT_INSTANCE_WRITE", includes: Includes::Roles(&["VIRT_INSTANCE_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "VIRT_INSTANCE_DELETE", includes: Includes::Roles(&[]), builtin: true, stig: None },
    CatalogueRole { name: "VIRT_IMAGE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "VIRT_IMAGE_WRITE", includes: Includes::Roles(&["VIRT_IMAGE_READ"]), builtin: true, stig: None },
    CatalogueRole { name: "ZFS_RESOURCE_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    // accountd's own: tenants (`tenants-and-roles.md`).
    CatalogueRole { name: "TENANT_READ", includes: Includes::Roles(&[]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "TENANT_WRITE", includes: Includes::Roles(&["TENANT_READ"]), builtin: true, stig: Some(STIG_GPOS) },
    CatalogueRole { name: "READONLY_ADMIN", includes: Includes::EveryRead, builtin: false, stig: Some(STIG_GPOS) },
];

/// The catalogue role with this name.
pub fn catalogue_role(name: &str) -> Option<&'static CatalogueRole> {
    CATALOGUE.iter().find(|r| r.name == name)
}

/// Every role each catalogue role grants, itself included (computed once).
static CLOSURES: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    CATALOGUE
        .iter()
        .map(|role| {
            let mut seen: Vec<&'static str> = vec![role.name];
            let mut next = 0;
            while next < seen.len() {
                let Some(current) = catalogue_role(seen[next]) else {
                    next += 1;
                    continue;
                };
                let included = match current.includes {
                    Includes::Everything => CATALOGUE.iter().map(|r| r.name).collect(),
                    _ => current.included_names(),
                };
                for name in included {
                    if !seen.contains(&name) {
                        seen.push(name);
                    }
                }
                next += 1;
            }
            (role.name, seen)
        })
        .collect()
});

/// Every role `name` grants, itself included; empty for a name outside the catalogue.
pub fn closure(name: &str) -> &'static [&'static str] {
    CLOSURES.get(name).map_or(&[], Vec::as_slice)
}

/// The roles this service guards methods with that a session holding the granted role `names` has: a name
/// that is itself such a role counts as given (its implications are applied by [`Role::grants`]); any other
/// catalogue role contributes the guarded roles its closure contains, which for most is none.
pub fn guarded_roles<S: AsRef<str>>(names: &[S]) -> Vec<Role> {
    let mut roles = Vec::new();
    for name in names {
        let name = name.as_ref();
        let found: Vec<Role> = match Role::parse(name) {
            Some(role) => vec![role],
            None => closure(name).iter().filter_map(|n| Role::parse(n)).collect(),
        };
        for role in found {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    roles
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
            (Role::ReadonlyAdmin, Role::SystemAuditRead, true),
            (Role::ReadonlyAdmin, Role::SystemAuditWrite, false),
            (Role::SystemAuditWrite, Role::SystemAuditRead, false),
            (Role::ReadonlyAdmin, Role::SystemSecurityRead, true),
            (Role::ReadonlyAdmin, Role::SystemSecurityWrite, false),
            (Role::SystemSecurityWrite, Role::SystemSecurityRead, true),
            (Role::FullAdmin, Role::SystemSecurityWrite, true),
            (Role::AlertWrite, Role::AlertRead, true),
            (Role::AlertRead, Role::AlertWrite, false),
            (Role::ReadonlyAdmin, Role::AlertRead, true),
            (Role::ReadonlyAdmin, Role::AlertWrite, false),
            (Role::FullAdmin, Role::AlertWrite, true),
            (Role::TenantWrite, Role::TenantRead, true),
            (Role::TenantRead, Role::TenantWrite, false),
            (Role::ReadonlyAdmin, Role::TenantRead, true),
            (Role::ReadonlyAdmin, Role::TenantWrite, false),
            (Role::FullAdmin, Role::TenantWrite, true),
            (Role::AccountWrite, Role::TenantRead, false),
        ];
        for (held, wanted, expected) in cases {
            assert_eq!(held.grants(wanted), expected, "{held:?} grants {wanted:?}");
        }
    }

    #[test]
    fn catalogue_holds_every_guarded_role_and_truenas_names() {
        for r in Role::ALL {
            assert!(catalogue_role(r.as_str()).is_some(), "{r:?}");
        }
        for name in [
            "FILESYSTEM_ATTRS_WRITE",
            "SNAPSHOT_READ",
            "DATASET_READ",
            "CLOUD_SYNC_WRITE",
        ] {
            assert!(catalogue_role(name).is_some(), "{name}");
        }
        let mut names: Vec<_> = CATALOGUE.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "duplicate catalogue entry");
        for role in CATALOGUE {
            for included in role.included_names() {
                assert!(catalogue_role(included).is_some(), "{} includes {included}", role.name);
            }
        }
    }

    #[test]
    fn unguarded_roles_grant_only_what_their_closure_holds() {
        assert!(guarded_roles(&["DATASET_WRITE", "REPLICATION_ADMIN"]).is_empty());
        assert_eq!(guarded_roles(&["ACCOUNT_WRITE"]), [Role::AccountWrite]);
        let readonly = catalogue_role("READONLY_ADMIN").expect("READONLY_ADMIN");
        let included = readonly.included_names();
        assert!(included.contains(&"DATASET_READ") && included.contains(&"ACCOUNT_READ"));
        assert!(!included.contains(&"ACCOUNT_WRITE"));
        assert!(closure("FULL_ADMIN").contains(&"VM_DEVICE_WRITE"));
        assert!(closure("NOT_A_ROLE").is_empty());
    }

    #[test]
    fn names_roundtrip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
