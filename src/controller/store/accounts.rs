//! `accounts`: one row per hosting account — credentials (hashed), licence, the account's controller coordinates.

use crate::api::Seats;
use crate::error::Result;
use crate::ids::HostingNumber;
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub hosting_number: HostingNumber,
    pub password_hash: String,
    pub invoice_hash: String,
    pub plannings_quota: i64,
    pub created_at: i64,
    pub licence_version: Option<i64>,
    pub licence_accepted_at: Option<i64>,
    pub licence_accepted_by: Option<String>,
}

/// The account's side of the Configuration pane.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    pub controller_domain: Option<String>,
    pub controller_port: Option<u16>,
    pub controller_active: bool,
    pub plannings_quota: i64,
    pub seats: Seats,
}

const COLUMNS: &str = "hosting_number, password_hash, invoice_hash, plannings_quota, created_at, licence_version,
    licence_accepted_at, licence_accepted_by";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        hosting_number: r.get(0)?,
        password_hash: r.get(1)?,
        invoice_hash: r.get(2)?,
        plannings_quota: r.get(3)?,
        created_at: r.get(4)?,
        licence_version: r.get(5)?,
        licence_accepted_at: r.get(6)?,
        licence_accepted_by: r.get(7)?,
    })
}

/// A new account and its first planning, `planning01`.
pub fn insert(c: &Connection, a: &AccountRow) -> Result<()> {
    c.execute(
        "INSERT INTO accounts (hosting_number, password_hash, invoice_hash, plannings_quota, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            a.hosting_number,
            a.password_hash,
            a.invoice_hash,
            a.plannings_quota,
            a.created_at
        ],
    )?;
    super::plannings::insert(c, &a.hosting_number, "planning01", a.created_at)?;
    Ok(())
}

pub fn get(c: &Connection, hosting: &HostingNumber) -> Result<Option<AccountRow>> {
    let mut stmt = c.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE hosting_number = ?1"))?;
    Ok(stmt.query_row([hosting], row).optional()?)
}

pub fn all(c: &Connection) -> Result<Vec<AccountRow>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {COLUMNS} FROM accounts ORDER BY created_at, hosting_number"
    ))?;
    let rows = stmt.query_map([], row)?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub fn set_password_hash(c: &Connection, hosting: &HostingNumber, hash: &str) -> Result<bool> {
    let n = c.execute(
        "UPDATE accounts SET password_hash = ?2 WHERE hosting_number = ?1",
        params![hosting, hash],
    )?;
    Ok(n == 1)
}

pub fn accept_licence(c: &Connection, hosting: &HostingNumber, version: i64, by: &str, now: i64) -> Result<()> {
    c.execute(
        "UPDATE accounts SET licence_version = ?2, licence_accepted_at = ?3, licence_accepted_by = ?4
         WHERE hosting_number = ?1",
        params![hosting, version, now, by],
    )?;
    Ok(())
}

/// The provider's side of the licence; false when there is no such account.
pub fn set_licence(c: &Connection, hosting: &HostingNumber, plannings: i64, seats: Seats) -> Result<bool> {
    let n = c.execute(
        "UPDATE accounts SET plannings_quota = ?2, seats_modification = ?3, seats_consultation = ?4
         WHERE hosting_number = ?1",
        params![hosting, plannings, seats.modification, seats.consultation],
    )?;
    Ok(n == 1)
}

pub fn settings(c: &Connection, hosting: &HostingNumber) -> Result<AccountSettings> {
    let mut stmt = c.prepare_cached(
        "SELECT controller_domain, controller_port, controller_active, plannings_quota, seats_modification,
                seats_consultation
         FROM accounts WHERE hosting_number = ?1",
    )?;
    Ok(stmt.query_row([hosting], |r| {
        Ok(AccountSettings {
            controller_domain: r.get(0)?,
            controller_port: r.get(1)?,
            controller_active: r.get(2)?,
            plannings_quota: r.get(3)?,
            seats: Seats {
                modification: r.get(4)?,
                consultation: r.get(5)?,
            },
        })
    })?)
}

pub fn set_controller(c: &Connection, hosting: &HostingNumber, domain: &str, port: u16) -> Result<()> {
    c.execute(
        "UPDATE accounts SET controller_domain = ?2, controller_port = ?3 WHERE hosting_number = ?1",
        params![hosting, domain, port],
    )?;
    Ok(())
}

pub fn set_active(c: &Connection, hosting: &HostingNumber, active: bool) -> Result<()> {
    c.execute(
        "UPDATE accounts SET controller_active = ?2 WHERE hosting_number = ?1",
        params![hosting, active],
    )?;
    Ok(())
}

/// The active account whose controller answers on this port, with its domain.
pub fn active_on_port(c: &Connection, port: u16) -> Result<Option<(HostingNumber, String)>> {
    Ok(c.query_row(
        "SELECT hosting_number, controller_domain FROM accounts WHERE controller_port = ?1 AND controller_active = 1",
        [port],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// Ports of the active controllers.
pub fn active_ports(c: &Connection) -> Result<Vec<u16>> {
    let mut stmt =
        c.prepare("SELECT controller_port FROM accounts WHERE controller_active = 1 AND controller_port IS NOT NULL")?;
    let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// True if any account's controller (other than `except`'s) uses this domain.
pub fn controller_domain_taken(c: &Connection, domain: &str, except: Option<&HostingNumber>) -> Result<bool> {
    let n: i64 = c.query_row(
        "SELECT count(*) FROM accounts WHERE controller_domain = ?1 AND hosting_number IS NOT ?2",
        params![domain, except],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}
