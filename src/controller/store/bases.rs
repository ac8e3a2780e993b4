//! `base_files` and the `bases` row that says which one is in service.

use crate::api::BaseOrigin;
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone)]
pub struct BaseFileRow {
    pub id: i64,
    pub planning_id: i64,
    pub folder: String,
    pub name: String,
    pub created: String,
    pub bytes: i64,
    pub origin: BaseOrigin,
    pub added_at: i64,
}

const COLUMNS: &str = "id, planning_id, folder, name, created, bytes, origin, added_at";

fn row(r: &rusqlite::Row) -> rusqlite::Result<BaseFileRow> {
    let origin: String = r.get(6)?;
    Ok(BaseFileRow {
        id: r.get(0)?,
        planning_id: r.get(1)?,
        folder: r.get(2)?,
        name: r.get(3)?,
        created: r.get(4)?,
        bytes: r.get(5)?,
        origin: match origin.as_str() {
            "uploaded" => BaseOrigin::Uploaded,
            _ => BaseOrigin::Created,
        },
        added_at: r.get(7)?,
    })
}

/// A new file's row; `upload_id` names the upload it came from.
pub fn insert(c: &Connection, f: &BaseFileRow, upload_id: Option<&str>) -> Result<i64> {
    c.execute(
        "INSERT INTO base_files (planning_id, folder, name, created, bytes, origin, added_at, upload_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            f.planning_id,
            f.folder,
            f.name,
            f.created,
            f.bytes,
            f.origin.as_str(),
            f.added_at,
            upload_id
        ],
    )?;
    Ok(c.last_insert_rowid())
}

/// The planning's files, newest first.
pub fn of_planning(c: &Connection, planning_id: i64) -> Result<Vec<BaseFileRow>> {
    let sql = format!("SELECT {COLUMNS} FROM base_files WHERE planning_id = ?1 ORDER BY id DESC");
    let rows = c
        .prepare_cached(&sql)?
        .query_map([planning_id], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn get(c: &Connection, planning_id: i64, id: i64) -> Result<Option<BaseFileRow>> {
    let sql = format!("SELECT {COLUMNS} FROM base_files WHERE planning_id = ?1 AND id = ?2");
    Ok(c.query_row(&sql, params![planning_id, id], row).optional()?)
}

/// The file in service for a planning.
pub fn in_service(c: &Connection, planning_id: i64) -> Result<Option<BaseFileRow>> {
    let sql = format!(
        "SELECT {} FROM base_files f JOIN bases b ON b.file_id = f.id WHERE b.planning_id = ?1",
        COLUMNS
            .split(", ")
            .map(|col| format!("f.{col}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(c.query_row(&sql, [planning_id], row).optional()?)
}

/// Puts a file in service: the `bases` row now points at it.
pub fn put_in_service(c: &Connection, planning_id: i64, file: &BaseFileRow, now: i64) -> Result<()> {
    c.execute(
        "INSERT INTO bases (planning_id, name, in_service_at, file_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(planning_id) DO UPDATE SET name = excluded.name, in_service_at = excluded.in_service_at,
                                               file_id = excluded.file_id",
        params![planning_id, file.name, now, file.id],
    )?;
    Ok(())
}

/// Removes the rows of all but the `keep` newest files not in service; returns their folders, to delete once the
/// transaction is committed.
pub fn trim(c: &Connection, planning_id: i64, keep: usize) -> Result<Vec<String>> {
    let in_service = in_service(c, planning_id)?.map(|f| f.id);
    let old: Vec<BaseFileRow> = of_planning(c, planning_id)?
        .into_iter()
        .filter(|f| Some(f.id) != in_service)
        .skip(keep)
        .collect();
    for f in &old {
        c.execute("DELETE FROM base_files WHERE id = ?1", [f.id])?;
    }
    Ok(old.into_iter().map(|f| f.folder).collect())
}

/// Every folder a row refers to.
pub fn folders(c: &Connection) -> Result<Vec<String>> {
    let rows = c
        .prepare("SELECT folder FROM base_files")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
