//! What accountd asks an LDAP source: who a login is (and whether its password binds), which groups a user is
//! in, and whether a group exists. Filter values are escaped with `ldap3::ldap_escape` and DN values with
//! `ldap3::dn_escape`, so a login like `*)(uid=*` matches only itself.

use accountd_store::auth_sources::AuthSourceRow;
use ldap3::{dn_escape, ldap_escape};

use super::client::{Conn, Failure, first_value, values};

/// Placeholder of the login in a `$login` bind DN (Foreman).
const LOGIN_PLACEHOLDER: &str = "$login";

/// A directory user found by login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// Its DN.
    pub dn: String,
    /// The login as the directory spells it (`attr_login`).
    pub login: String,
    /// First name, when not blank.
    pub first_name: Option<String>,
    /// Last name, when not blank.
    pub last_name: Option<String>,
    /// Mail, when not blank.
    pub mail: Option<String>,
    /// The names (`cn`) of its groups, when asked for.
    pub groups: Option<Vec<String>>,
}

impl DirectoryUser {
    /// "first last" from the non-blank names, when there is any.
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// The outcome of checking a login's password against a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The password bound as the user.
    Valid(DirectoryUser),
    /// Unknown login, several matches, or a wrong password.
    Invalid,
}

fn uses_login_bind(source: &AuthSourceRow) -> bool {
    source.account.as_deref().is_some_and(|a| a.contains(LOGIN_PLACEHOLDER))
}

/// Binds as the service account: anonymous without one, `$login` with the user's own password.
async fn bind_service(conn: &mut Conn, source: &AuthSourceRow, login: Option<(&str, &str)>) -> Result<(), Failure> {
    let Some(account) = source.account.as_deref() else {
        return Ok(());
    };
    if account.contains(LOGIN_PLACEHOLDER) {
        let Some((login, password)) = login else {
            return Err(Failure::Refused(
                "A $login account binds only during a login; set a service account to search".to_string(),
            ));
        };
        let dn = account.replace(LOGIN_PLACEHOLDER, &dn_escape(login));
        return conn.bind(&dn, password).await;
    }
    match source.account_password.as_deref() {
        Some(password) if !password.is_empty() => match conn.bind(account, password).await {
            Err(Failure::InvalidCredentials) => Err(Failure::Refused(
                "The service account could not bind: invalid credentials".to_string(),
            )),
            other => other,
        },
        _ => Err(Failure::Refused("The service account has no password".to_string())),
    }
}

/// `(&(attr_login=LOGIN)ldap_filter)`.
pub fn login_filter(source: &AuthSourceRow, login: &str) -> String {
    let own = format!("({}={})", source.attr_login, ldap_escape(login));
    match source.ldap_filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(extra) if extra.starts_with('(') => format!("(&{own}{extra})"),
        Some(extra) => format!("(&{own}({extra}))"),
        None => own,
    }
}

/// The filter of the groups `user` is in, per `server_type`: `memberUid` by login (posix) and `member` /
/// `uniqueMember` by DN.
fn groups_filter(source: &AuthSourceRow, user: &DirectoryUser) -> String {
    let dn = ldap_escape(&user.dn);
    let by_dn = format!("(member={dn})(uniqueMember={dn})");
    if source.server_type == "posix" {
        format!("(|(memberUid={}){by_dn})", ldap_escape(&user.login))
    } else {
        format!("(|{by_dn})")
    }
}

fn groups_base(source: &AuthSourceRow) -> &str {
    source.groups_base.as_deref().unwrap_or(&source.base_dn)
}

/// Finds `login` on an open connection already bound for searching.
async fn find_user(
    conn: &mut Conn,
    source: &AuthSourceRow,
    login: &str,
    with_groups: bool,
) -> Result<Option<DirectoryUser>, Failure> {
    let attrs = [
        source.attr_login.as_str(),
        source.attr_firstname.as_str(),
        source.attr_lastname.as_str(),
        source.attr_mail.as_str(),
    ];
    let mut found = conn
        .search(&source.base_dn, &login_filter(source, login), &attrs)
        .await?;
    if found.len() != 1 {
        return Ok(None);
    }
    let Some(entry) = found.pop() else {
        return Ok(None);
    };
    let Some(directory_login) = first_value(&entry, &source.attr_login) else {
        return Ok(None);
    };
    let mut user = DirectoryUser {
        dn: entry.dn.clone(),
        login: directory_login,
        first_name: first_value(&entry, &source.attr_firstname),
        last_name: first_value(&entry, &source.attr_lastname),
        mail: first_value(&entry, &source.attr_mail),
        groups: None,
    };
    if with_groups {
        let groups = conn
            .search(groups_base(source), &groups_filter(source, &user), &["cn"])
            .await?;
        user.groups = Some(groups.iter().flat_map(|g| values(g, "cn")).collect());
    }
    Ok(Some(user))
}

/// Checks `login`'s `password`: bind for searching, find the one entry of the login, read its groups when
/// `with_groups`, bind as it. An empty password is never sent (it would be an anonymous bind).
pub async fn check_password(
    source: &AuthSourceRow,
    login: &str,
    password: &str,
    with_groups: bool,
) -> Result<Checked, Failure> {
    if password.is_empty() {
        return Ok(Checked::Invalid);
    }
    let mut conn = Conn::open(source).await?;
    let result = check_on(&mut conn, source, login, password, with_groups).await;
    conn.close().await;
    result
}

async fn check_on(
    conn: &mut Conn,
    source: &AuthSourceRow,
    login: &str,
    password: &str,
    with_groups: bool,
) -> Result<Checked, Failure> {
    let login_bind = uses_login_bind(source);
    match bind_service(conn, source, Some((login, password))).await {
        Ok(()) => {}
        Err(Failure::InvalidCredentials) if login_bind => return Ok(Checked::Invalid),
        Err(e) => return Err(e),
    }
    let Some(user) = find_user(conn, source, login, with_groups).await? else {
        return Ok(Checked::Invalid);
    };
    // With `$login` the bind above was the user's own, with this password.
    if !login_bind {
        match conn.bind(&user.dn, password).await {
            Ok(()) => {}
            Err(Failure::InvalidCredentials) => return Ok(Checked::Invalid),
            Err(e) => return Err(e),
        }
    }
    Ok(Checked::Valid(user))
}

/// Looks users up by login with the service account (no password check), with their groups: for
/// `group.refresh_external`. `None` for a login the directory does not have.
pub async fn lookup_users(source: &AuthSourceRow, logins: &[String]) -> Result<Vec<Option<DirectoryUser>>, Failure> {
    let mut conn = Conn::open(source).await?;
    let result = async {
        bind_service(&mut conn, source, None).await?;
        let mut out = Vec::with_capacity(logins.len());
        for login in logins {
            out.push(find_user(&mut conn, source, login, true).await?);
        }
        Ok::<_, Failure>(out)
    }
    .await;
    conn.close().await;
    result
}

/// Whether a group named `name` exists under the groups base.
pub async fn group_exists(source: &AuthSourceRow, name: &str) -> Result<bool, Failure> {
    let mut conn = Conn::open(source).await?;
    let result = async {
        bind_service(&mut conn, source, None).await?;
        let filter = format!("(cn={})", ldap_escape(name));
        Ok::<_, Failure>(!conn.search(groups_base(source), &filter, &["cn"]).await?.is_empty())
    }
    .await;
    conn.close().await;
    result
}

/// `auth_source.test`: bind with the service account and run the login search for nothing.
pub async fn test(source: &AuthSourceRow) -> Result<(), Failure> {
    let mut conn = Conn::open(source).await?;
    let result = async {
        if !uses_login_bind(source) {
            bind_service(&mut conn, source, None).await?;
        }
        conn.search(
            &source.base_dn,
            &login_filter(source, "accountd-connection-test"),
            &["dn"],
        )
        .await
        .map(|_| ())
    }
    .await;
    conn.close().await;
    result
}
