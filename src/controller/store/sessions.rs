//! `sessions`: open sessions, by the SHA-256 of their token (the token itself is never stored).

use crate::error::Result;
use crate::ids::HostingNumber;
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub device_id: String,
    pub hosting_number: HostingNumber,
    pub actor: String,
    /// The administrator logged in; none for the hosting manager.
    pub user_id: Option<i64>,
    pub expires_at: i64,
}

/// Inserts a session, clearing the expired ones on the way.
pub fn insert(c: &Connection, token_hash: &str, s: &SessionRow, now: i64) -> Result<()> {
    c.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
    c.execute(
        "INSERT INTO sessions (token_hash, device_id, hosting_number, actor, created_at, expires_at, user_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            token_hash,
            s.device_id,
            s.hosting_number,
            s.actor,
            now,
            s.expires_at,
            s.user_id
        ],
    )?;
    Ok(())
}

pub fn get(c: &Connection, token_hash: &str) -> Result<Option<SessionRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT device_id, hosting_number, actor, expires_at, user_id FROM sessions WHERE token_hash = ?1",
    )?;
    Ok(stmt
        .query_row([token_hash], |r| {
            Ok(SessionRow {
                device_id: r.get(0)?,
                hosting_number: r.get(1)?,
                actor: r.get(2)?,
                expires_at: r.get(3)?,
                user_id: r.get(4)?,
            })
        })
        .optional()?)
}

pub fn delete(c: &Connection, token_hash: &str) -> Result<()> {
    c.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

pub fn delete_for_device(c: &Connection, device_id: &str) -> Result<usize> {
    Ok(c.execute("DELETE FROM sessions WHERE device_id = ?1", [device_id])?)
}

pub fn delete_for_account(c: &Connection, hosting: &HostingNumber) -> Result<usize> {
    Ok(c.execute("DELETE FROM sessions WHERE hosting_number = ?1", params![hosting])?)
}
