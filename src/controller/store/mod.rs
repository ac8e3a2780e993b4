//! The controller's SQLite database, private to the controller: one file per table holds its SQL, migrations are
//! numbered `.sql` files embedded at build time. Reads go through `read`; every check-then-act goes through `write`,
//! one `BEGIN IMMEDIATE` transaction, so two requests racing the same rule cannot both pass the check.
//! One writer connection behind a mutex, and a few reader connections beside it (WAL lets them read while the writer
//! writes, and lets the `sqlite3` shell or a provider command in another process work alongside).

pub mod accounts;
pub mod bases;
mod cache;
pub mod devices;
pub mod history;
pub mod lockouts;
pub mod plannings;
pub mod ports;
pub mod profiles;
pub mod sessions;
pub mod uploads;
pub mod users;

use crate::error::{Error, ErrorCode, Result};
use crate::ids::HostingNumber;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// One step of the schema: its SQL, then what only Rust can write (rows built from the core's catalogues).
struct Migration {
    sql: &'static str,
    then: Option<fn(&Connection) -> Result<()>>,
}

const fn sql(sql: &'static str) -> Migration {
    Migration { sql, then: None }
}

/// Each file moves the schema one version up; `PRAGMA user_version` says how many have run.
const MIGRATIONS: &[Migration] = &[
    sql(include_str!("migrations/001_accounts_devices_sessions_history.sql")),
    sql(include_str!("migrations/002_configuration.sql")),
    sql(include_str!("migrations/003_lockouts_history_repeats.sql")),
    sql(include_str!("migrations/004_users.sql")),
    Migration {
        sql: include_str!("migrations/005_profiles.sql"),
        then: Some(profiles::insert_builtins_where_missing),
    },
    sql(include_str!("migrations/006_administrators.sql")),
    sql(include_str!("migrations/007_base_files.sql")),
    sql(include_str!("migrations/008_uploads.sql")),
];

#[allow(clippy::cast_possible_wrap)] // a handful of migrations
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct Store {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Its `PRAGMA data_version` changes whenever any other connection, in this process or another, commits.
    watch: Mutex<Connection>,
    cache: cache::RowCache,
}

/// Reader connections: enough for the cores to read side by side.
fn reader_count() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8)
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl ToSql for HostingNumber {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for HostingNumber {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        HostingNumber::parse(value.as_str()?).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl Store {
    /// Opens (creating it, owner-only, if needed) and migrates. Refuses a database written by a newer version.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.exists() {
            // SQLite would create it with the umask; its -wal and -shm files copy this file's mode.
            crate::controller::write_private(path, b"")?;
        }
        let mut writer = connect(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // 32 MiB of page cache for the writer (SQLite's default is 2 MiB): a 10,000-user import touches every page
        // of the users' indexes, and would otherwise spill them to the WAL before the commit.
        writer.pragma_update(None, "cache_size", -32768)?;
        migrate(&mut writer)?;
        let readers = (0..reader_count())
            .map(|_| connect(path).map(Mutex::new))
            .collect::<Result<_>>()?;
        Ok(Store {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            watch: Mutex::new(connect(path)?),
            cache: cache::RowCache::default(),
        })
    }

    fn lock(m: &Mutex<Connection>) -> Result<MutexGuard<'_, Connection>> {
        m.lock().map_err(|_| Error::internal("database lock poisoned"))
    }

    /// Statements that only read, on a reader connection (a free one if there is one).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        let free = (0..n).find_map(|i| self.readers[(start + i) % n].try_lock().ok());
        let conn = match free {
            Some(conn) => conn,
            None => Self::lock(&self.readers[start % n])?,
        };
        f(&conn)
    }

    /// A number that changes whenever anyone (this process or another) commits to the database: what is cached
    /// from it stays valid while this number stays the same.
    pub fn data_version(&self) -> Result<i64> {
        let conn = Self::lock(&self.watch)?;
        let mut stmt = conn.prepare_cached("PRAGMA data_version")?;
        Ok(stmt.query_row([], |r| r.get(0))?)
    }

    /// A check and the writes that follow from it, in one `BEGIN IMMEDIATE` transaction: applied whole, or not at
    /// all when `f` fails.
    pub fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut conn = Self::lock(&self.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// As `write`, but `f` also says whether to keep what it wrote: a preview runs the very same writes and rolls
    /// them back.
    pub fn write_or_roll_back<T>(&self, f: impl FnOnce(&Connection) -> Result<(T, bool)>) -> Result<T> {
        let mut conn = Self::lock(&self.writer)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (value, keep) = f(&tx)?;
        if keep {
            tx.commit()?;
        }
        Ok(value)
    }
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
    let done = usize::try_from(current).map_err(Error::storage)?;
    for (i, step) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(step.sql)?;
        if let Some(then) = step.then {
            then(&tx)?;
        }
        tx.pragma_update(None, "user_version", i + 1)?;
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
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

    #[test]
    fn a_failed_write_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite3")).unwrap();
        let err = store
            .write(|c| {
                c.execute("INSERT INTO lockouts VALUES ('k', 1, 0, 0)", [])?;
                Err::<(), _>(Error::invalid("no", "non"))
            })
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        let n: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM lockouts", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(n, 0);
    }
}
