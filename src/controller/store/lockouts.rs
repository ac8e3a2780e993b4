//! `lockouts`: failure counters for password checks, one per key — `account:<hosting number>` for attempts from
//! machines that have no certificate of the account (known and unknown numbers alike), `device:<id>` for an enrolled
//! device, so that strangers locking the number out do not lock its owner out.
//!
//! An attempt is counted *before* the password is checked, in the same transaction as the look at the lock: parallel
//! attempts each take their own number, the one that reaches the limit sets the lock at once, and none slips past.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

pub fn account_key(hosting: &str) -> String {
    format!("account:{hosting}")
}

/// An administrator's attempts from machines without its certificate: its own counter, apart from the account's.
pub fn user_key(hosting: &str, login: &str) -> String {
    format!("user:{hosting}:{}", login.to_lowercase())
}

pub fn device_key(device_id: &str) -> String {
    format!("device:{device_id}")
}

/// What `reserve` decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go on; this is the n-th attempt in a row not yet followed by a success.
    Counted(i64),
    /// Locked for that many more seconds.
    Locked(i64),
}

/// Counts an attempt unless the key is locked; `delay(n)` is the lock the n-th failure sets.
pub fn reserve(c: &Connection, key: &str, now: i64, delay: fn(i64) -> i64) -> Result<Attempt> {
    let current: Option<(i64, i64)> = c
        .prepare_cached("SELECT failures, locked_until FROM lockouts WHERE key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (failures, locked_until) = current.unwrap_or((0, 0));
    if locked_until > now {
        return Ok(Attempt::Locked(locked_until - now));
    }
    let n = failures.saturating_add(1);
    let until = match delay(n) {
        0 => 0,
        d => now.saturating_add(d),
    };
    c.prepare_cached(
        "INSERT INTO lockouts (key, failures, locked_until, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
            updated_at = excluded.updated_at",
    )?
    .execute(params![key, n, until, now])?;
    Ok(Attempt::Counted(n))
}

/// A success clears the counter.
pub fn clear(c: &Connection, key: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM lockouts WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

/// Gives back the attempt a check counted when that check succeeded but is not a full success (the password step
/// of a first connection): it neither counts as a failure nor wipes the failures before it.
pub fn refund(c: &Connection, key: &str) -> Result<()> {
    c.prepare_cached("UPDATE lockouts SET failures = max(failures - 1, 0) WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

/// Failures counted for a key (for the provider's account list).
pub fn failures(c: &Connection, key: &str) -> Result<i64> {
    Ok(
        c.query_row("SELECT failures FROM lockouts WHERE key = ?1", [key], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
    )
}

/// Forgets counters that are neither locked nor touched for a day (unknown numbers tried once, say).
pub fn prune(c: &Connection, now: i64) -> Result<usize> {
    Ok(c.execute(
        "DELETE FROM lockouts WHERE locked_until <= ?1 AND updated_at < ?1 - 86400",
        [now],
    )?)
}
