//! accountd-query: TrueNAS's query-filters / query-options engine, pure Rust, no I/O.
//!
//! It mirrors `middlewared.utils.filter_list` and the validators of TrueNAS's new pydantic API:
//! [`parse_filters`] and [`parse_options`] validate the two arguments of every `*.query` method, [`matches()`]
//! tests one entry, [`apply`] runs the whole pipeline, and [`plan_sql`] derives a SQLite pre-filter so that large
//! tables need not be scanned in memory.
//!
//! Entries are JSON objects; datetimes in them are `{"$date": <ms since epoch>}` and compare as datetimes.
//!
//! ```
//! use serde_json::json;
//! let filters = accountd_query::parse_filters(&json!([["username", "C^", "ADM"]])).unwrap();
//! let options = accountd_query::parse_options(&json!({"select": ["uid"], "order_by": ["-uid"]})).unwrap();
//! let users = vec![json!({"username": "admin", "uid": 950}), json!({"username": "Administrator", "uid": 951})];
//! let out = accountd_query::apply(users, &filters, &options).unwrap().into_value();
//! assert_eq!(out, json!([{"uid": 951}, {"uid": 950}]));
//! ```

#![warn(missing_docs)]

mod error;
mod eval;
mod filter;
mod iso;
mod options;
mod path;
mod pipeline;
mod py;
mod sql;

pub use error::QueryError;
pub use eval::matches;
pub use filter::{Filter, MAX_FILTERS_DEPTH, Op, parse_filters};
pub use options::{MAX_LIMIT, NullsOrder, OrderBy, QueryOptions, Select, parse_options};
pub use path::FieldPath;
pub use pipeline::{QueryOutput, apply, apply_unprojected, do_select};
pub use sql::{Column, ColumnKind, SqlPlan, SqlValue, plan_order, plan_sql};
