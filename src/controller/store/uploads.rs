//! `uploads`: the `.HHYP` files being sent in chunks (their bytes are in `uploads/<id>.part`).

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    pub id: String,
    pub planning_id: i64,
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, planning_id, file_name, size, sha256, created_at";

fn row(r: &rusqlite::Row) -> rusqlite::Result<UploadRow> {
    Ok(UploadRow {
        id: r.get(0)?,
        planning_id: r.get(1)?,
        file_name: r.get(2)?,
        size: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
        sha256: r.get(4)?,
        created_at: r.get(5)?,
    })
}

pub fn insert(c: &Connection, u: &UploadRow) -> Result<()> {
    c.execute(
        "INSERT INTO uploads (id, planning_id, file_name, size, sha256, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            u.id,
            u.planning_id,
            u.file_name,
            i64::try_from(u.size).unwrap_or(i64::MAX),
            u.sha256,
            u.created_at
        ],
    )?;
    Ok(())
}

pub fn get(c: &Connection, planning_id: i64, id: &str) -> Result<Option<UploadRow>> {
    let sql = format!("SELECT {COLUMNS} FROM uploads WHERE planning_id = ?1 AND id = ?2");
    Ok(c.query_row(&sql, params![planning_id, id], row).optional()?)
}

/// The planning's uploads (at most one is kept: a new file replaces an unfinished one).
pub fn of_planning(c: &Connection, planning_id: i64) -> Result<Vec<UploadRow>> {
    let sql = format!("SELECT {COLUMNS} FROM uploads WHERE planning_id = ?1");
    let rows = c
        .prepare(&sql)?
        .query_map([planning_id], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn all(c: &Connection) -> Result<Vec<UploadRow>> {
    let sql = format!("SELECT {COLUMNS} FROM uploads");
    let rows = c.prepare(&sql)?.query_map([], row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn delete(c: &Connection, id: &str) -> Result<bool> {
    Ok(c.execute("DELETE FROM uploads WHERE id = ?1", [id])? > 0)
}

/// The base file an upload became, if it was finished.
pub fn finished_as(c: &Connection, planning_id: i64, id: &str) -> Result<Option<i64>> {
    Ok(c.query_row(
        "SELECT id FROM base_files WHERE planning_id = ?1 AND upload_id = ?2",
        params![planning_id, id],
        |r| r.get(0),
    )
    .optional()?)
}
