//! Reading one integer column of many rows.

use rusqlite::{Connection, Params};

use crate::error::StoreError;

/// The first column of every row `sql` yields, as integers, in the order the statement gives them.
pub(crate) fn integers(conn: &Connection, sql: &str, params: impl Params) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let values = stmt.query_map(params, |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(values)
}
