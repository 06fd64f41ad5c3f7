//! Small shared wire types.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// A datetime on the wire: `{"$date": <milliseconds since the epoch, UTC>}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    #[serde(rename = "$date")]
    pub ms: i64,
}

/// The value secret fields show to callers who may not see them.
pub const REDACTED: &str = "********";

/// An empty argument list / options object.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// `userns_idmap`: `"DIRECT"`, a container id 1..2^32-2, or null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum UsernsIdmap {
    /// Map the id directly.
    Direct(DirectIdmap),
    /// Map to this container id.
    Id(#[schemars(range(min = 1, max = 4294967294u32))] u32),
}

/// The literal `"DIRECT"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DirectIdmap {
    /// Direct mapping.
    #[serde(rename = "DIRECT")]
    Direct,
}

/// Deserializes a field that distinguishes "absent" (`None`) from "null" (`Some(None)`).
///
/// Use with `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}
