//! `history`: the audit trail. Every entry is built here from who did it (`Who`), what and how it ended. Refusals
//! repeated within a minute (same account, peer, action and detail) fold into one line with a count, so a flood of
//! attempts cannot grow the database a row at a time.

use crate::error::Result;
use crate::ids::HostingNumber;
use rusqlite::{params, Connection, OptionalExtension};

/// Repeated refusals within this many seconds of the last one are counted on the same line.
const FOLD_SECS: i64 = 60;

/// Who acted, on which account, from which device and network address.
#[derive(Debug, Clone)]
pub struct Who {
    /// `hosting_manager`, `superadministrator`, `base_administrator`, `administrator` (a login attempt), `provider`,
    /// `controller`.
    pub actor: &'static str,
    /// The administrator's login, when one acted or tried to.
    pub login: Option<String>,
    pub hosting_number: Option<HostingNumber>,
    pub device_id: Option<String>,
    pub peer: Option<String>,
}

impl Who {
    pub fn provider(hosting: &HostingNumber) -> Who {
        Who {
            actor: "provider",
            login: None,
            hosting_number: Some(hosting.clone()),
            device_id: None,
            peer: None,
        }
    }
    pub fn controller(hosting: &HostingNumber) -> Who {
        Who {
            actor: "controller",
            ..Who::provider(hosting)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Wrong credentials, a revoked device, a replayed token.
    Refused,
    /// An attempt during a lock-out.
    Locked,
    /// Too many attempts from one network address.
    Limited,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Locked => "locked",
            Outcome::Limited => "limited",
        }
    }
}

/// Writes one line (or counts one more on the line it repeats).
pub fn record(c: &Connection, who: &Who, action: &str, outcome: Outcome, detail: &str, now: i64) -> Result<()> {
    if outcome != Outcome::Ok {
        let mut stmt = c.prepare_cached(
            "SELECT id FROM history
             WHERE hosting_number IS ?1 AND action = ?2 AND outcome = ?3 AND peer IS ?4 AND detail = ?5
               AND device_id IS ?6 AND at >= ?7 AND coalesce(last_at, at) >= ?8
             ORDER BY id DESC LIMIT 1",
        )?;
        let same: Option<i64> = stmt
            .query_row(
                params![
                    who.hosting_number,
                    action,
                    outcome.as_str(),
                    who.peer,
                    detail,
                    who.device_id,
                    now - 24 * 3600,
                    now - FOLD_SECS
                ],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = same {
            c.prepare_cached("UPDATE history SET repeats = repeats + 1, last_at = ?2 WHERE id = ?1")?
                .execute(params![id, now])?;
            return Ok(());
        }
    }
    c.prepare_cached(
        "INSERT INTO history (at, hosting_number, actor, device_id, peer, action, outcome, detail, login)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        now,
        who.hosting_number,
        who.actor,
        who.device_id,
        who.peer,
        action,
        outcome.as_str(),
        detail,
        who.login
    ])?;
    Ok(())
}

/// Deletes the lines older than `before` (the retention setting); returns how many.
pub fn prune(c: &Connection, before: i64) -> Result<usize> {
    Ok(c.execute("DELETE FROM history WHERE coalesce(last_at, at) < ?1", [before])?)
}
