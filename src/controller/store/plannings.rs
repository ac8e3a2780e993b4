//! `plannings` and `bases`: each account's plannings (name, coordinates, time zone, publication, seats, status) and
//! the base each one has in service.

use crate::api::{Coordinates, Planning, PlanningStatus, Seats};
use crate::error::Result;
use crate::ids::HostingNumber;
use crate::time_fmt::rfc3339;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};

pub const DEFAULT_TIME_ZONE: &str = "Europe/Paris";

/// A planning as stored: what the console shows, and the publication name as set (None: the planning's name).
#[derive(Debug, Clone)]
pub struct Row {
    pub planning: Planning,
    pub publication_name: Option<String>,
}

impl FromSql for PlanningStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        PlanningStatus::parse(value.as_str()?).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let name: String = r.get(1)?;
    let domain: Option<String> = r.get(2)?;
    let port: Option<u16> = r.get(3)?;
    let publication: Option<String> = r.get(6)?;
    Ok(Row {
        planning: Planning {
            id: r.get(0)?,
            coordinates: domain.zip(port).map(|(domain, port)| Coordinates { domain, port }),
            time_zone: r.get(4)?,
            web_publication: r.get(5)?,
            publication_name: publication.clone().unwrap_or_else(|| name.clone()),
            name,
            disabled: r.get(7)?,
            seats: Seats {
                modification: r.get(8)?,
                consultation: r.get(9)?,
            },
            status: r.get(10)?,
            status_changed_at: rfc3339(r.get(11)?),
            base: r.get(12)?,
        },
        publication_name: publication,
    })
}

const SELECT: &str = "SELECT p.id, p.name, p.domain, p.port, p.time_zone, p.web_publication, p.publication_name,
        p.disabled, p.seats_modification, p.seats_consultation, p.status, p.status_changed_at, b.name
    FROM plannings p LEFT JOIN bases b ON b.planning_id = p.id";

/// An account's plannings, oldest first.
pub fn list(c: &Connection, hosting: &HostingNumber) -> Result<Vec<Row>> {
    let mut stmt = c.prepare_cached(&format!("{SELECT} WHERE p.hosting_number = ?1 ORDER BY p.id"))?;
    let rows = stmt.query_map([hosting], row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn get(c: &Connection, hosting: &HostingNumber, id: i64) -> Result<Option<Row>> {
    let mut stmt = c.prepare_cached(&format!("{SELECT} WHERE p.hosting_number = ?1 AND p.id = ?2"))?;
    Ok(stmt.query_row(params![hosting, id], row).optional()?)
}

pub fn insert(c: &Connection, hosting: &HostingNumber, name: &str, now: i64) -> Result<i64> {
    c.execute(
        "INSERT INTO plannings (hosting_number, name, time_zone, status_changed_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![hosting, name, DEFAULT_TIME_ZONE, now],
    )?;
    let id = c.last_insert_rowid();
    super::profiles::insert_builtins(c, id, now)?;
    Ok(id)
}

/// True if another planning of the account has this name, whatever the case.
pub fn name_taken(c: &Connection, hosting: &HostingNumber, name: &str, except: Option<i64>) -> Result<bool> {
    let n: i64 = c.query_row(
        "SELECT count(*) FROM plannings WHERE hosting_number = ?1 AND name = ?2 COLLATE NOCASE AND id IS NOT ?3",
        params![hosting, name, except],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// True if any planning of any account (but `except`) uses this domain.
pub fn domain_taken(c: &Connection, domain: &str, except: Option<i64>) -> Result<bool> {
    let n: i64 = c.query_row(
        "SELECT count(*) FROM plannings WHERE domain = ?1 AND id IS NOT ?2",
        params![domain, except],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Everything a save of the planning editor writes, at once.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    pub name: &'a str,
    pub coordinates: Option<&'a Coordinates>,
    pub time_zone: &'a str,
    pub web_publication: bool,
    pub publication_name: Option<&'a str>,
    pub disabled: bool,
}

pub fn update(c: &Connection, id: i64, s: &Settings<'_>) -> Result<()> {
    c.execute(
        "UPDATE plannings SET name = ?2, domain = ?3, port = ?4, time_zone = ?5, web_publication = ?6,
            publication_name = ?7, disabled = ?8
         WHERE id = ?1",
        params![
            id,
            s.name,
            s.coordinates.map(|c| &c.domain),
            s.coordinates.map(|c| c.port),
            s.time_zone,
            s.web_publication,
            s.publication_name,
            s.disabled
        ],
    )?;
    Ok(())
}

pub fn set_seats(c: &Connection, id: i64, seats: Seats) -> Result<()> {
    c.execute(
        "UPDATE plannings SET seats_modification = ?2, seats_consultation = ?3 WHERE id = ?1",
        params![id, seats.modification, seats.consultation],
    )?;
    Ok(())
}

pub fn delete(c: &Connection, id: i64) -> Result<()> {
    c.execute("DELETE FROM plannings WHERE id = ?1", [id])?;
    Ok(())
}

pub fn set_status(c: &Connection, id: i64, status: PlanningStatus, now: i64) -> Result<()> {
    c.execute(
        "UPDATE plannings SET status = ?2, status_changed_at = ?3 WHERE id = ?1",
        params![id, status.as_str(), now],
    )?;
    Ok(())
}

/// Ports of the plannings whose base is in service and that are not disabled, with the planning.
pub fn serving(c: &Connection) -> Result<Vec<(u16, i64)>> {
    let mut stmt = c.prepare(
        "SELECT p.port, p.id FROM plannings p JOIN bases b ON b.planning_id = p.id
         WHERE p.port IS NOT NULL AND p.disabled = 0 AND b.file_id IS NOT NULL",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The account a planning belongs to.
pub fn hosting_of(c: &Connection, id: i64) -> Result<Option<HostingNumber>> {
    Ok(
        c.query_row("SELECT hosting_number FROM plannings WHERE id = ?1", [id], |r| r.get(0))
            .optional()?,
    )
}
