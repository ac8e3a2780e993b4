//! `devices`: console installations, each with the fingerprint of the one certificate it may present.

use crate::error::Result;
use crate::ids::HostingNumber;
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub id: String,
    pub hosting_number: HostingNumber,
    pub cert_sha256: String,
    pub revoked_at: Option<i64>,
    /// The administrator who installed it; none for the hosting manager's devices.
    pub user_id: Option<i64>,
}

/// A device as the provider lists it.
#[derive(Debug, Clone)]
pub struct DeviceListing {
    pub id: String,
    pub hosting_number: HostingNumber,
    pub label: String,
    pub enrolled_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

pub fn insert(c: &Connection, d: &DeviceRow, label: &str, now: i64, expires_at: i64) -> Result<()> {
    c.execute(
        "INSERT INTO devices (id, hosting_number, cert_sha256, label, enrolled_at, expires_at, user_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![d.id, d.hosting_number, d.cert_sha256, label, now, expires_at, d.user_id],
    )?;
    Ok(())
}

pub fn get(c: &Connection, id: &str) -> Result<Option<DeviceRow>> {
    let mut stmt =
        c.prepare_cached("SELECT id, hosting_number, cert_sha256, revoked_at, user_id FROM devices WHERE id = ?1")?;
    Ok(stmt
        .query_row([id], |r| {
            Ok(DeviceRow {
                id: r.get(0)?,
                hosting_number: r.get(1)?,
                cert_sha256: r.get(2)?,
                revoked_at: r.get(3)?,
                user_id: r.get(4)?,
            })
        })
        .optional()?)
}

/// Every device (of one account, when given), oldest first.
pub fn list(c: &Connection, hosting: Option<&HostingNumber>) -> Result<Vec<DeviceListing>> {
    let mut stmt = c.prepare(
        "SELECT id, hosting_number, label, enrolled_at, expires_at, revoked_at FROM devices
         WHERE ?1 IS NULL OR hosting_number = ?1 ORDER BY enrolled_at, id",
    )?;
    let rows = stmt
        .query_map([hosting], |r| {
            Ok(DeviceListing {
                id: r.get(0)?,
                hosting_number: r.get(1)?,
                label: r.get(2)?,
                enrolled_at: r.get(3)?,
                expires_at: r.get(4)?,
                revoked_at: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn replace_certificate(c: &Connection, id: &str, cert_sha256: &str, expires_at: i64) -> Result<()> {
    c.execute(
        "UPDATE devices SET cert_sha256 = ?2, expires_at = ?3 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, cert_sha256, expires_at],
    )?;
    Ok(())
}

/// Revokes a device and ends its sessions; false when it was already revoked (or unknown).
pub fn revoke(c: &Connection, id: &str, now: i64) -> Result<bool> {
    let n = c.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now],
    )?;
    super::sessions::delete_for_device(c, id)?;
    Ok(n == 1)
}

/// Revokes every device of an administrator and ends its sessions (disabled, deleted, or its console access taken
/// away); returns how many devices were revoked.
pub fn revoke_for_user(c: &Connection, user_id: i64, now: i64) -> Result<usize> {
    let n = c.execute(
        "UPDATE devices SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
        params![user_id, now],
    )?;
    c.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
    Ok(n)
}
