//! The method declaration: one entry per method, from which everything else is derived.

use schemars::JsonSchema;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};

use crate::roles::Role;

/// Who may call a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No login needed (TrueNAS `authentication_required=False`).
    NoAuth,
    /// Any logged-in session (TrueNAS `authorization_required=False`).
    AnyUser,
    /// A logged-in session holding a role that grants any of these.
    Roles(&'static [Role]),
}

impl Access {
    /// A short human description for the reference.
    pub fn describe(&self) -> String {
        match self {
            Access::NoAuth => "none (no login needed)".to_string(),
            Access::AnyUser => "any logged-in user".to_string(),
            Access::Roles(roles) => roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or "),
        }
    }
}

/// One RPC method: its name, who may call it, its positional arguments and its result.
///
/// `Args` is a struct whose fields, in declaration order, are the positional parameters; fields with
/// `#[serde(default)]` may be omitted from the end of the params array.
pub trait Method: Send + Sync + 'static {
    /// Wire name, e.g. `user.query`.
    const NAME: &'static str;
    /// Documentation shown in the reference.
    const DOC: &'static str;
    /// Required login/roles.
    const ACCESS: Access;
    /// Positional arguments, as a struct with named fields (`#[derive(ArgNames)]`).
    type Args: DeserializeOwned + JsonSchema + ArgNames + Send + 'static;
    /// Result type.
    type Output: Serialize + JsonSchema + Send + 'static;
    /// Request examples shown in the reference (each is run against a real server by the tests).
    const EXAMPLES: &'static [Example];
    /// Whether and how a call is recorded in the audit log (TrueNAS `audit=`); `None`: not recorded.
    const AUDIT: Option<Audit> = None;
    /// For a query method: its name is an event collection (`core.subscribe`), and this says which fields
    /// of its entries are secret. `None`: no events.
    const EVENTS: Option<Events> = None;
    /// Whether calls of a no-auth method before login are rate limited (TrueNAS `rate_limit=`). Methods
    /// that need a login are never limited.
    const RATE_LIMITED: bool = true;
    /// Whether the method's records are scoped to the session's tenant, so that roles granted in that tenant
    /// count for it (the service then reaches only what is in the tenant). Otherwise its role must be held
    /// globally.
    const TENANT_SCOPED: bool = false;
    /// The names of the positional arguments, in order: validation attributes start with them.
    const ARGS: &'static [&'static str] = <Self::Args as ArgNames>::ARG_NAMES;
}

/// The field names of an argument struct, in declaration order: a method's positional argument names. Derived
/// with `#[derive(ArgNames)]`, never written by hand.
pub trait ArgNames {
    /// The names, in order.
    const ARG_NAMES: &'static [&'static str];
}

/// What an event collection's entries hide from readers who may not see secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Events {
    /// Nothing: the entries carry no secret fields.
    Public,
    /// User entries: their secret fields (`UserEntry::SECRET_FIELDS`) read `********`.
    UserSecrets,
}

/// How calls of a method are recorded in the audit log: the description's fixed part (TrueNAS `audit=`) and
/// what names the call's target (TrueNAS `audit_extended` / `audit_callback`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audit {
    /// The description's fixed part, e.g. `Create user`.
    pub description: &'static str,
    /// What is appended to it, e.g. the username.
    pub target: AuditTarget,
}

/// What names the target of an audited call in its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditTarget {
    /// Nothing: the description is the fixed part alone.
    None,
    /// A string in the params: argument `arg` itself (`field` empty) or its field `field`.
    Param {
        /// Position of the argument.
        arg: usize,
        /// Field of an object argument, or empty for the argument itself.
        field: &'static str,
    },
    /// The name of the record whose database id is argument `arg`, looked up before the call.
    Record {
        /// Position of the id argument.
        arg: usize,
        /// The kind of record.
        kind: AuditRecord,
    },
}

/// A kind of record an audited call may name by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditRecord {
    /// A user (its `username`).
    User,
    /// A group (its `name`).
    Group,
    /// A privilege (its `name`).
    Privilege,
    /// An API key (its `name`).
    ApiKey,
    /// An authentication source (its `name`).
    AuthSource,
    /// An account profile (its `name`).
    AccountProfile,
    /// A tenant (its `name`).
    Tenant,
}

impl Audit {
    /// A description without a target.
    pub const fn plain(description: &'static str) -> Audit {
        Audit {
            description,
            target: AuditTarget::None,
        }
    }

    /// A description followed by the string field `field` of argument 0 (empty: argument 0 itself).
    pub const fn param(description: &'static str, field: &'static str) -> Audit {
        Audit {
            description,
            target: AuditTarget::Param { arg: 0, field },
        }
    }

    /// A description followed by the name of the record whose id is argument 0.
    pub const fn record(description: &'static str, kind: AuditRecord) -> Audit {
        Audit {
            description,
            target: AuditTarget::Record { arg: 0, kind },
        }
    }
}

/// The state of the system an example runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixture {
    /// A fresh system: no administrator set up, the connection not logged in.
    Fresh,
    /// The administrator `truenas_admin` (id 55, password `admin-password`) is set up; user `alice` (id 56, uid
    /// 3000, password `alice-password`, primary group `alice` id 92) and group `crew` (id 93, gid 3001, member alice)
    /// exist, as do the API key `fixture key` (id 1) of truenas_admin and the privilege `Auditors` (id 7,
    /// READONLY_ADMIN, bound to no group). The connection is not logged in.
    SetUp,
    /// As [`Fixture::SetUp`], and the connection is logged in as `truenas_admin`.
    Admin,
}

impl Fixture {
    /// How the reference describes the fixture.
    pub fn describe(self) -> &'static str {
        match self {
            Fixture::Fresh => "on a fresh system, before login",
            Fixture::SetUp => "with the administrator set up, before login",
            Fixture::Admin => "logged in as truenas_admin, with user alice (id 56) and group crew (id 93)",
        }
    }
}

/// One request example: the positional params as JSON text, the state it runs in, and whether it shows an
/// error (most examples show a success).
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The state it runs in.
    pub fixture: Fixture,
    /// The params array, JSON text.
    pub params: &'static str,
    /// The example documents an error reply rather than a result.
    pub error: bool,
}

/// One positional argument as derived from the `Args` struct.
#[derive(Debug, Clone)]
pub struct ArgSpec {
    /// Argument name; validation attributes start with it (`user_create.username`).
    pub name: String,
    /// Whether the argument must be given.
    pub required: bool,
    /// Self-contained JSON Schema (draft 2020-12) of the argument, with the `$defs` it refers to.
    pub schema: Value,
}

/// Everything about a method that is not code: derived from a [`Method`] implementation.
#[derive(Debug, Clone)]
pub struct MethodSpec {
    /// Wire name.
    pub name: &'static str,
    /// Documentation (leading spaces of doc lines trimmed).
    pub doc: String,
    /// Required login/roles.
    pub access: Access,
    /// Positional arguments in order.
    pub args: Vec<ArgSpec>,
    /// JSON Schema of the result.
    pub result: Value,
    /// Request examples.
    pub examples: &'static [Example],
    /// How calls are recorded in the audit log (`None`: not recorded).
    pub audit: Option<Audit>,
    /// The event collection the method names, if any.
    pub events: Option<Events>,
    /// Whether calls before login are rate limited (no-auth methods only).
    pub rate_limited: bool,
    /// Whether roles granted in the session's tenant count for it.
    pub tenant_scoped: bool,
}

impl MethodSpec {
    /// Derives the spec of method `M`.
    pub fn of<M: Method>() -> MethodSpec {
        let args_schema = crate::schema::schema_for::<M::Args>();
        let result = crate::schema::schema_for::<M::Output>();
        MethodSpec {
            name: M::NAME,
            doc: tidy_doc(M::DOC),
            access: M::ACCESS,
            args: split_args(&args_schema),
            result,
            examples: M::EXAMPLES,
            audit: M::AUDIT,
            events: M::EVENTS,
            rate_limited: M::RATE_LIMITED,
            tenant_scoped: M::TENANT_SCOPED,
        }
    }

    /// The params as one draft 2020-12 schema of a positional array (`prefixItems`), for the schema files.
    pub fn params_schema(&self) -> Value {
        let mut defs = Map::new();
        let mut items = Vec::new();
        for arg in &self.args {
            let mut s = arg.schema.clone();
            if let Some(obj) = s.as_object_mut() {
                if let Some(Value::Object(d)) = obj.remove("$defs") {
                    defs.extend(d);
                }
                obj.remove("$schema");
                obj.insert("title".into(), Value::String(arg.name.clone()));
            }
            items.push(s);
        }
        let required = self.args.iter().filter(|a| a.required).count();
        let mut out = Map::new();
        out.insert("$schema".into(), Value::String(crate::schema::DRAFT.into()));
        out.insert("title".into(), Value::String(format!("{} params", self.name)));
        out.insert("type".into(), Value::String("array".into()));
        if !items.is_empty() {
            out.insert("prefixItems".into(), Value::Array(items));
        }
        out.insert("items".into(), Value::Bool(false));
        out.insert("minItems".into(), Value::from(required));
        out.insert("maxItems".into(), Value::from(self.args.len()));
        if !defs.is_empty() {
            out.insert("$defs".into(), Value::Object(defs));
        }
        Value::Object(out)
    }

    /// The result schema with a title, for the schema files.
    pub fn result_schema(&self) -> Value {
        let mut s = self.result.clone();
        if let Some(obj) = s.as_object_mut() {
            obj.insert("title".into(), Value::String(format!("{} result", self.name)));
        }
        s
    }
}

fn tidy_doc(doc: &str) -> String {
    doc.lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Splits the schema of an `Args` struct into one self-contained schema per property.
fn split_args(args_schema: &Value) -> Vec<ArgSpec> {
    let defs = args_schema.get("$defs").cloned();
    let required: Vec<&str> = args_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = args_schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, schema)| {
            let mut schema = match schema {
                Value::Object(o) => o.clone(),
                other => {
                    let mut m = Map::new();
                    m.insert("allOf".into(), Value::Array(vec![other.clone()]));
                    m
                }
            };
            schema.insert("$schema".into(), Value::String(crate::schema::DRAFT.into()));
            if let Some(d) = &defs {
                schema.insert("$defs".into(), d.clone());
            }
            ArgSpec {
                name: name.clone(),
                required: required.contains(&name.as_str()),
                schema: Value::Object(schema),
            }
        })
        .collect()
}

/// Declares a method type implementing [`Method`]: doc comment, wire name, access, args, output and examples
/// (`examples: [Fixture "params JSON", Fixture "params JSON" => error, ...]`; `=> error` marks an example whose
/// documented reply is an error), optionally preceded, in this order, by `audit: Audit::...,` for methods the audit
/// log records, `events: Events::...,` for query methods whose name is an event collection and
/// `rate_limit: false,` for no-auth methods that are not rate limited and `tenant_scoped: true,` for methods whose
/// records authz scopes to the session's tenant.
#[macro_export]
macro_rules! declare_method {
    ($(#[doc = $doc:literal])* $ty:ident = $name:literal, $access:expr, $args:ty => $output:ty,
     $(audit: $audit:expr,)?
     $(events: $events:expr,)?
     $(rate_limit: $rate_limit:expr,)?
     $(tenant_scoped: $tenant_scoped:expr,)?
     examples: [$($fixture:ident $params:literal $(=> $error:ident)?),+ $(,)?]) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $ty;
        impl $crate::Method for $ty {
            const NAME: &'static str = $name;
            const DOC: &'static str = concat!($($doc, "\n"),*);
            const ACCESS: $crate::Access = $access;
            type Args = $args;
            type Output = $output;
            $(const AUDIT: Option<$crate::method::Audit> = Some($audit);)?
            $(const EVENTS: Option<$crate::method::Events> = Some($events);)?
            $(const RATE_LIMITED: bool = $rate_limit;)?
            $(const TENANT_SCOPED: bool = $tenant_scoped;)?
            const EXAMPLES: &'static [$crate::method::Example] = &[
                $($crate::method::Example {
                    fixture: $crate::method::Fixture::$fixture,
                    params: $params,
                    error: $crate::declare_method!(@error $($error)?),
                }),+
            ];
        }
    };
    (@error error) => {
        true
    };
    (@error) => {
        false
    };
}
