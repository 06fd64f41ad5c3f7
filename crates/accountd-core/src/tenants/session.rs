//! The tenant a session works in: where it starts at login, `tenant.switch` (and `login_options.tenant`), and
//! how `auth.me` names it. Who may enter which tenant is decided in [`crate::authz`].

use accountd_api::types::tenant::{AllTenants, SessionTenantEntry, TenantChoice};
use accountd_store::tenants;

use crate::accounts::Accounts;
use crate::authz::{self, SessionTenant, TenantId};
use crate::caller::Caller;
use crate::error::{Error, errno};

/// The name the all-tenants view shows.
const ALL_TENANTS: &str = "*";

impl Accounts {
    /// `user_id`'s default tenant and access entries, read together.
    async fn default_tenant_and_access(&self, user_id: i64) -> Result<(Option<i64>, Vec<tenants::AccessRow>), Error> {
        Ok(self
            .store()
            .read(move |conn| {
                Ok::<_, accountd_store::StoreError>((
                    tenants::default_tenant_of(conn, user_id)?,
                    tenants::access_of(conn, user_id)?,
                ))
            })
            .await?)
    }

    /// The tenant a new session of `user_id` starts in (its default tenant, else its first, else `admin`).
    pub async fn starting_tenant(&self, user_id: i64) -> Result<SessionTenant, Error> {
        let (default, access) = self.default_tenant_and_access(user_id).await?;
        Ok(SessionTenant::One(authz::starting_tenant(default, &access)))
    }

    /// The tenant `caller` asks to work in (`tenant.switch`; `attribute` names the argument in errors): a
    /// tenant it may not enter answers as a missing one, `"*"` needs FULL_ADMIN held globally.
    pub async fn tenant_to_enter(
        &self,
        caller: &Caller,
        choice: TenantChoice,
        attribute: &str,
    ) -> Result<SessionTenant, Error> {
        let id = match choice {
            TenantChoice::All(_) if authz::may_view_all_tenants(caller) => return Ok(SessionTenant::All),
            TenantChoice::All(_) => return Err(Error::call(errno::EACCES, "Not authorized")),
            TenantChoice::Id(id) => id,
        };
        let user_id = caller.user_id;
        let (exists, access) = self
            .store()
            .read(move |conn| {
                Ok::<_, accountd_store::StoreError>((
                    tenants::get(conn, id)?.is_some(),
                    tenants::access_of(conn, user_id)?,
                ))
            })
            .await?;
        if !exists || !authz::may_enter_tenant(caller, &access, id) {
            return Err(Error::invalid_errno(
                attribute,
                format!("Tenant {id} does not exist"),
                errno::ENOENT,
            ));
        }
        Ok(SessionTenant::One(TenantId(id)))
    }

    /// The tenant a live session works in after a change of its user's grants (`caller` holds the new ones): the
    /// same while the user may still work there, else the tenant a new session would start in.
    pub async fn tenant_after_change(&self, caller: &Caller) -> Result<SessionTenant, Error> {
        let user_id = caller.user_id;
        let (default, access) = self.default_tenant_and_access(user_id).await?;
        let start = authz::starting_tenant(default, &access);
        let stays = match caller.tenant {
            SessionTenant::All => authz::may_view_all_tenants(caller),
            SessionTenant::One(t) => t == start || authz::may_enter_tenant(caller, &access, t.0),
        };
        Ok(if stays {
            caller.tenant
        } else {
            SessionTenant::One(start)
        })
    }

    /// The session's tenant as `tenant.switch` and `auth.me` show it.
    pub async fn session_tenant_entry(&self, tenant: SessionTenant) -> Result<SessionTenantEntry, Error> {
        match tenant {
            SessionTenant::All => Ok(SessionTenantEntry {
                id: TenantChoice::All(AllTenants::All),
                name: ALL_TENANTS.to_string(),
            }),
            SessionTenant::One(TenantId(id)) => {
                let name = self.tenant_name(id).await.unwrap_or_default();
                Ok(SessionTenantEntry {
                    id: TenantChoice::Id(id),
                    name,
                })
            }
        }
    }
}
