//! `ports`: which port of the controller's pool belongs to which account's controller or planning.

use crate::error::{Error, ErrorCode, Result};
use crate::ids::HostingNumber;
use rusqlite::{params, Connection};

pub fn planning_owner(id: i64) -> String {
    format!("planning:{id}")
}
pub const CONTROLLER_OWNER: &str = "controller";

/// Takes the lowest free port of the pool for `owner`.
pub fn allocate(c: &Connection, pool: (u16, u16), hosting: &HostingNumber, owner: &str) -> Result<u16> {
    let mut stmt = c.prepare_cached("SELECT port FROM ports WHERE port BETWEEN ?1 AND ?2 ORDER BY port")?;
    let taken: Vec<u16> = stmt
        .query_map([pool.0, pool.1], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let port = (pool.0..=pool.1)
        .find(|p| taken.binary_search(p).is_err())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::Conflict,
                "The controller has no free port left: ask the provider to widen its port pool.",
                "Le contrôleur n'a plus de port libre : demandez à l'hébergeur d'élargir sa plage de ports.",
            )
        })?;
    c.execute(
        "INSERT INTO ports (port, hosting_number, owner) VALUES (?1, ?2, ?3)",
        params![port, hosting, owner],
    )?;
    Ok(port)
}

pub fn free(c: &Connection, hosting: &HostingNumber, owner: &str) -> Result<()> {
    c.execute(
        "DELETE FROM ports WHERE hosting_number = ?1 AND owner = ?2",
        params![hosting, owner],
    )?;
    Ok(())
}
