//! The controller's SQLite database, private to the controller: one file per table holds its SQL, migrations are
//! numbered `.sql` files embedded at build time. Reads go through `read`; every check-then-act goes through `write`,
//! one `BEGIN IMMEDIATE` transaction, so two requests racing the same rule cannot both pass the check.
//! One writer connection behind a mutex, and a few reader connections beside it (WAL lets them read while the writer
//! writes, and lets the `sqlite3` shell or a provider command in another process work alongside).

pub mod accounts;
pub mod bases;
mod cache;
mod checkpoint;
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
    sql(include_str!("migrations/009_users_status_check.sql")),
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
    checkpointer: checkpoint::Checkpointer,
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
        let checkpointer = checkpoint::Checkpointer::start(path, &writer)?;
        let readers = (0..reader_count())
            .map(|_| connect(path).map(Mutex::new))
            .collect::<Result<_>>()?;
        Ok(Store {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            watch: Mutex::new(connect(path)?),
            cache: cache::RowCache::default(),
            checkpointer,
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
        self.checkpointer.after_commit(&conn);
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
            self.checkpointer.after_commit(&conn);
        }
        Ok(value)
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Runs the migrations up to `target`. Some rebuild a table, which SQLite allows only with foreign keys off: they are
/// off meanwhile, and `foreign_key_check` must find nothing before each migration commits.
fn migrate_to(conn: &mut Connection, target: usize) -> Result<()> {
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
    if done >= target {
        return Ok(());
    }
    conn.pragma_update(None, "foreign_keys", false)?;
    for (i, step) in MIGRATIONS.iter().enumerate().take(target).skip(done) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(step.sql)?;
        if let Some(then) = step.then {
            then(&tx)?;
        }
        let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if broken > 0 {
            return Err(Error::storage(format!(
                "migration {} would leave {broken} broken references: nothing was changed",
                i + 1
            )));
        }
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_rebuild_keeps_every_user_and_reference() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let mut old = connect(&path).unwrap();
        migrate_to(&mut old, 8).unwrap();
        old.execute_batch(
            "INSERT INTO accounts (hosting_number, password_hash, invoice_hash, plannings_quota, created_at)
             VALUES ('123456789012', 'p', 'i', 2, 0);
             INSERT INTO users (id, hosting_number, login, login_key, first_name, last_name, status, password_hash,
                                search_key, created_at, console_panes)
             VALUES (7, '123456789012', 'Cmartin', 'cmartin', 'Claire', 'Martin', 'superadministrator', 'h', 'k', 1,
                     'history');
             INSERT INTO users (id, hosting_number, login, login_key, first_name, last_name, status, password_hash,
                                search_key, parent_id, created_at)
             VALUES (9, '123456789012', 'jdupont', 'jdupont', 'Jean', 'Dupont', 'user', 'h', 'k', 7, 2);",
        )
        .unwrap();
        drop(old);
        drop(Store::open(&path).unwrap());
        let conn = connect(&path).unwrap();
        let rows: Vec<(i64, String, Option<i64>, String)> = conn
            .prepare("SELECT id, login, parent_id, console_panes FROM users ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (7, "Cmartin".into(), None, "history".into()),
                (9, "jdupont".into(), Some(7), String::new())
            ]
        );
        let sql: String = conn
            .query_row("SELECT sql FROM sqlite_schema WHERE name = 'users'", [], |r| r.get(0))
            .unwrap();
        assert!(sql.contains("status = 'user' OR"), "{sql}");
        // Every constraint still holds: the check, the unique login, the parent reference (foreign keys back on).
        let insert = |status: &str, login: &str, parent: Option<i64>| {
            conn.execute(
                "INSERT INTO users (hosting_number, login, login_key, first_name, last_name, status, password_hash,
                                    search_key, parent_id, created_at)
                 VALUES ('123456789012', ?1, lower(?1), 'A', 'B', ?2, 'h', 'k', ?3, 3)",
                rusqlite::params![login, status, parent],
            )
        };
        assert!(insert("root", "x1", None).is_err(), "status checked");
        assert!(insert("user", "CMARTIN", None).is_err(), "login unique");
        assert!(insert("user", "x2", Some(999)).is_err(), "parent must exist");
        insert("base_administrator", "x3", Some(7)).unwrap();
        let indexes: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 2, "users_by_last_name and users_by_parent");
    }

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
    fn a_long_commit_is_copied_back_by_the_checkpoint_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let store = Store::open(&path).unwrap();
        let blob = vec![7u8; 4000];
        let fill = |rows: usize| {
            store
                .write(|c| {
                    c.execute("CREATE TABLE IF NOT EXISTS scratch (b BLOB)", [])?;
                    for _ in 0..rows {
                        c.execute("INSERT INTO scratch VALUES (?1)", [&blob])?;
                    }
                    Ok(())
                })
                .unwrap()
        };
        fill(10);
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert_eq!(store.checkpointer.done(), 0, "a short commit wakes nothing");
        let before = std::fs::metadata(&path).unwrap().len();
        fill(1500);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while store.checkpointer.done() == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint after a 1,500-page commit"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(
            after >= before + 1500 * 4000,
            "the log copied into the file: {before} -> {after}"
        );
        let n: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM scratch", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(n, 1510);
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
