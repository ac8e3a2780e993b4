//! The controller's SQLite database: versioned migrations, accounts, devices, sessions and history.
//! One connection behind a mutex: every statement here is short, and WAL lets the `sqlite3` shell read alongside.

use crate::error::{Error, ErrorCode, Result};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;

/// Each entry moves the schema one version up; `PRAGMA user_version` says how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: accounts, devices, sessions, history
    "CREATE TABLE accounts (
        hosting_number TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        invoice_hash TEXT NOT NULL,
        plannings_quota INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER NOT NULL DEFAULT 0,
        licence_version INTEGER,
        licence_accepted_at INTEGER,
        licence_accepted_by TEXT
    );
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        hosting_number TEXT NOT NULL REFERENCES accounts(hosting_number),
        cert_sha256 TEXT NOT NULL,
        label TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        device_id TEXT NOT NULL REFERENCES devices(id),
        hosting_number TEXT NOT NULL,
        actor TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        hosting_number TEXT,
        actor TEXT NOT NULL,
        device_id TEXT,
        peer TEXT,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX history_by_account ON history(hosting_number, at);",
    // 2: the account's controller coordinates and licence seats; plannings; allocated ports; bases in service
    "ALTER TABLE accounts ADD COLUMN controller_domain TEXT;
    ALTER TABLE accounts ADD COLUMN controller_port INTEGER;
    ALTER TABLE accounts ADD COLUMN controller_active INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE accounts ADD COLUMN seats_modification INTEGER NOT NULL DEFAULT 10;
    ALTER TABLE accounts ADD COLUMN seats_consultation INTEGER NOT NULL DEFAULT 100;
    CREATE TABLE plannings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hosting_number TEXT NOT NULL REFERENCES accounts(hosting_number),
        name TEXT NOT NULL,
        domain TEXT,
        port INTEGER,
        time_zone TEXT NOT NULL DEFAULT 'Europe/Paris',
        web_publication INTEGER NOT NULL DEFAULT 1,
        publication_name TEXT,
        disabled INTEGER NOT NULL DEFAULT 0,
        seats_modification INTEGER NOT NULL DEFAULT 0,
        seats_consultation INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'no_base',
        status_changed_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX plannings_name ON plannings(hosting_number, name COLLATE NOCASE);
    CREATE UNIQUE INDEX plannings_domain ON plannings(hosting_number, domain);
    CREATE TABLE ports (
        port INTEGER PRIMARY KEY,
        hosting_number TEXT NOT NULL REFERENCES accounts(hosting_number),
        owner TEXT NOT NULL
    );
    CREATE TABLE bases (
        planning_id INTEGER PRIMARY KEY REFERENCES plannings(id),
        name TEXT NOT NULL,
        in_service_at INTEGER NOT NULL
    );
    INSERT INTO plannings (hosting_number, name, status_changed_at, created_at)
        SELECT hosting_number, 'planning01', created_at, created_at FROM accounts;",
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct Store {
    conn: Mutex<Connection>,
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub hosting_number: String,
    pub password_hash: String,
    pub invoice_hash: String,
    pub plannings_quota: i64,
    pub created_at: i64,
    pub failures: i64,
    pub locked_until: i64,
    pub licence_version: Option<i64>,
    pub licence_accepted_at: Option<i64>,
    pub licence_accepted_by: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub id: String,
    pub hosting_number: String,
    pub cert_sha256: String,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub device_id: String,
    pub hosting_number: String,
    pub actor: String,
    pub expires_at: i64,
}

/// One line of the audit trail.
#[derive(Debug, Clone, Default)]
pub struct HistoryEntry {
    pub at: i64,
    pub hosting_number: Option<String>,
    pub actor: String,
    pub device_id: Option<String>,
    pub peer: Option<String>,
    pub action: String,
    pub outcome: String,
    pub detail: String,
}

impl Store {
    /// Opens (creating if needed) and migrates. Refuses a database written by a newer version.
    pub fn open(path: &Path) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| Error::internal("database lock poisoned"))?;
        Ok(f(&conn)?)
    }

    /// A new account and its first planning, `planning01`.
    pub fn insert_account(&self, a: &AccountRow) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO accounts (hosting_number, password_hash, invoice_hash, plannings_quota, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.hosting_number, a.password_hash, a.invoice_hash, a.plannings_quota, a.created_at],
            )?;
            c.execute(
                "INSERT INTO plannings (hosting_number, name, status_changed_at, created_at) VALUES (?1, 'planning01', ?2, ?2)",
                params![a.hosting_number, a.created_at],
            )
            .map(drop)
        })
    }

    pub fn account(&self, hosting_number: &str) -> Result<Option<AccountRow>> {
        self.with(|c| {
            c.query_row(
                "SELECT hosting_number, password_hash, invoice_hash, plannings_quota, created_at, failures,
                        locked_until, licence_version, licence_accepted_at, licence_accepted_by
                 FROM accounts WHERE hosting_number = ?1",
                [hosting_number],
                account_row,
            )
            .optional()
        })
    }

    pub fn accounts(&self) -> Result<Vec<AccountRow>> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT hosting_number, password_hash, invoice_hash, plannings_quota, created_at, failures,
                        locked_until, licence_version, licence_accepted_at, licence_accepted_by
                 FROM accounts ORDER BY created_at, hosting_number",
            )?;
            let rows = stmt.query_map([], account_row)?.collect();
            rows
        })
    }

    pub fn set_password_hash(&self, hosting_number: &str, hash: &str) -> Result<bool> {
        self.with(|c| {
            c.execute(
                "UPDATE accounts SET password_hash = ?2, failures = 0, locked_until = 0 WHERE hosting_number = ?1",
                params![hosting_number, hash],
            )
            .map(|n| n == 1)
        })
    }

    /// Counts one failure and sets the lock that follows from the new count; returns (failures, locked_until).
    pub fn record_failure(&self, hosting_number: &str, now: i64, delay: fn(i64) -> i64) -> Result<(i64, i64)> {
        self.with(|c| {
            let failures: i64 = c.query_row(
                "UPDATE accounts SET failures = failures + 1 WHERE hosting_number = ?1 RETURNING failures",
                [hosting_number],
                |r| r.get(0),
            )?;
            let until = match delay(failures) {
                0 => 0,
                d => now + d,
            };
            c.execute(
                "UPDATE accounts SET locked_until = ?2 WHERE hosting_number = ?1",
                params![hosting_number, until],
            )?;
            Ok((failures, until))
        })
    }

    pub fn reset_failures(&self, hosting_number: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE accounts SET failures = 0, locked_until = 0 WHERE hosting_number = ?1",
                [hosting_number],
            )
            .map(drop)
        })
    }

    pub fn accept_licence(&self, hosting_number: &str, version: i64, by: &str, now: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE accounts SET licence_version = ?2, licence_accepted_at = ?3, licence_accepted_by = ?4
                 WHERE hosting_number = ?1",
                params![hosting_number, version, now, by],
            )
            .map(drop)
        })
    }

    pub fn insert_device(&self, d: &DeviceRow, label: &str, now: i64, expires_at: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO devices (id, hosting_number, cert_sha256, label, enrolled_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![d.id, d.hosting_number, d.cert_sha256, label, now, expires_at],
            )
            .map(drop)
        })
    }

    pub fn device(&self, id: &str) -> Result<Option<DeviceRow>> {
        self.with(|c| {
            c.query_row(
                "SELECT id, hosting_number, cert_sha256, revoked_at FROM devices WHERE id = ?1",
                [id],
                |r| {
                    Ok(DeviceRow {
                        id: r.get(0)?,
                        hosting_number: r.get(1)?,
                        cert_sha256: r.get(2)?,
                        revoked_at: r.get(3)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Every device (of one account, when given), oldest first: (id, hosting number, label, enrolled, expires, revoked).
    #[allow(clippy::type_complexity)]
    pub fn devices(
        &self,
        hosting_number: Option<&str>,
    ) -> Result<Vec<(String, String, String, i64, i64, Option<i64>)>> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, hosting_number, label, enrolled_at, expires_at, revoked_at FROM devices
                 WHERE ?1 IS NULL OR hosting_number = ?1 ORDER BY enrolled_at, id",
            )?;
            let rows = stmt
                .query_map([hosting_number], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })?
                .collect();
            rows
        })
    }

    pub fn replace_device_certificate(&self, id: &str, cert_sha256: &str, expires_at: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE devices SET cert_sha256 = ?2, expires_at = ?3 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, cert_sha256, expires_at],
            )
            .map(drop)
        })
    }

    /// Revokes a device and ends its sessions.
    pub fn revoke_device(&self, id: &str, now: i64) -> Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now],
            )?;
            c.execute("DELETE FROM sessions WHERE device_id = ?1", [id])?;
            Ok(n == 1)
        })
    }

    pub fn insert_session(&self, token_hash: &str, s: &SessionRow, now: i64) -> Result<()> {
        self.with(|c| {
            c.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
            c.execute(
                "INSERT INTO sessions (token_hash, device_id, hosting_number, actor, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![token_hash, s.device_id, s.hosting_number, s.actor, now, s.expires_at],
            )
            .map(drop)
        })
    }

    pub fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        self.with(|c| {
            c.query_row(
                "SELECT device_id, hosting_number, actor, expires_at FROM sessions WHERE token_hash = ?1",
                [token_hash],
                |r| {
                    Ok(SessionRow {
                        device_id: r.get(0)?,
                        hosting_number: r.get(1)?,
                        actor: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                },
            )
            .optional()
        })
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.with(|c| {
            c.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
                .map(drop)
        })
    }

    pub fn record(&self, e: &HistoryEntry) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO history (at, hosting_number, actor, device_id, peer, action, outcome, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    e.at,
                    e.hosting_number,
                    e.actor,
                    e.device_id,
                    e.peer,
                    e.action,
                    e.outcome,
                    e.detail
                ],
            )
            .map(drop)
        })
    }

    /// Most recent first.
    pub fn history(&self, hosting_number: &str, limit: i64) -> Result<Vec<HistoryEntry>> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT at, hosting_number, actor, device_id, peer, action, outcome, detail FROM history
                 WHERE hosting_number = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![hosting_number, limit], |r| {
                    Ok(HistoryEntry {
                        at: r.get(0)?,
                        hosting_number: r.get(1)?,
                        actor: r.get(2)?,
                        device_id: r.get(3)?,
                        peer: r.get(4)?,
                        action: r.get(5)?,
                        outcome: r.get(6)?,
                        detail: r.get(7)?,
                    })
                })?
                .collect();
            rows
        })
    }
}

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        hosting_number: r.get(0)?,
        password_hash: r.get(1)?,
        invoice_hash: r.get(2)?,
        plannings_quota: r.get(3)?,
        created_at: r.get(4)?,
        failures: r.get(5)?,
        locked_until: r.get(6)?,
        licence_version: r.get(7)?,
        licence_accepted_at: r.get(8)?,
        licence_accepted_by: r.get(9)?,
    })
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(Error::new(
            ErrorCode::UnsupportedVersion,
            format!(
                "This controller database has schema version {current}, written by a newer Planhost; this one knows up to {SCHEMA_VERSION}. Upgrade Planhost."
            ),
            format!(
                "Cette base du contrôleur est au schéma {current}, écrit par une version plus récente de Planhost ; celle-ci connaît jusqu'au schéma {SCHEMA_VERSION}. Mettez Planhost à jour."
            ),
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        drop(Store::open(&path).unwrap());
        drop(Store::open(&path).unwrap()); // second open runs nothing
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        drop(conn);
        let err = Store::open(&path).err().expect("newer schema refused");
        assert_eq!(err.code, ErrorCode::UnsupportedVersion);
        assert!(err.message.contains("newer"), "{}", err.message);
    }
}
