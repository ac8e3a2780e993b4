//! The rows every authenticated request reads (its device, its session, its account's licence; a planning server's
//! planning), kept in memory while the database's `data_version` stays the same. Any commit, from this process or another (a provider command
//! revoking a device), changes that number and empties the cache before the next request reads it: a revocation,
//! a logout or an expiry takes effect at once, and a request costs one `PRAGMA` instead of three queries.

use super::devices::{self, DeviceRow};
use super::sessions::{self, SessionRow};
use super::{accounts, users, Store};
use crate::api::User;
use crate::controller::planning_access::ServedPlanning;
use crate::error::Result;
use crate::ids::HostingNumber;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{PoisonError, RwLock};

/// Past this many rows in one table the cache starts again from empty (rows only get in by matching a real row).
const MAX_ROWS: usize = 50_000;

#[derive(Default)]
pub struct RowCache {
    inner: RwLock<Rows>,
}

#[derive(Default)]
struct Rows {
    version: i64,
    devices: HashMap<String, DeviceRow>,
    sessions: HashMap<String, SessionRow>,
    /// Hosting number → accepted licence version (`None`: not accepted yet).
    licences: HashMap<HostingNumber, Option<i64>>,
    /// User id → the user, for the sessions of administrators.
    users: HashMap<(HostingNumber, i64), User>,
    /// Planning id → what its planning server serves (asked on every request to it).
    served: HashMap<i64, ServedPlanning>,
}

impl Rows {
    fn clear(&mut self, version: i64) {
        *self = Rows {
            version,
            ..Rows::default()
        };
    }
}

fn insert<K: Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= MAX_ROWS {
        map.clear();
    }
    map.insert(key, value);
}

impl Store {
    /// What is cached for `version` (from `data_version`, read before), else what `load` reads (cached when found
    /// and nothing changed meanwhile).
    fn cached<V: Clone>(
        &self,
        version: i64,
        get: impl FnOnce(&Rows) -> Option<V>,
        load: impl FnOnce(&rusqlite::Connection) -> Result<Option<V>>,
        put: impl FnOnce(&mut Rows, V),
    ) -> Result<Option<V>> {
        {
            let rows = self.cache.inner.read().unwrap_or_else(PoisonError::into_inner);
            if rows.version == version {
                if let Some(v) = get(&rows) {
                    return Ok(Some(v));
                }
            }
        }
        let found = self.read(load)?;
        if let Some(v) = &found {
            let mut rows = self.cache.inner.write().unwrap_or_else(PoisonError::into_inner);
            if rows.version < version {
                rows.clear(version);
            }
            // Read after `version` was seen: it is at least that fresh. Kept only if nothing newer was seen since.
            if rows.version == version {
                put(&mut rows, v.clone());
            }
        }
        Ok(found)
    }

    pub fn device(&self, version: i64, id: &str) -> Result<Option<DeviceRow>> {
        self.cached(
            version,
            |r| r.devices.get(id).cloned(),
            |c| devices::get(c, id),
            |r, v| insert(&mut r.devices, id.to_owned(), v),
        )
    }

    pub fn session(&self, version: i64, token_hash: &str) -> Result<Option<SessionRow>> {
        self.cached(
            version,
            |r| r.sessions.get(token_hash).cloned(),
            |c| sessions::get(c, token_hash),
            |r, v| insert(&mut r.sessions, token_hash.to_owned(), v),
        )
    }

    /// The user behind an administrator's session.
    pub fn user(&self, version: i64, hosting: &HostingNumber, id: i64) -> Result<Option<User>> {
        let key = (hosting.clone(), id);
        self.cached(
            version,
            |r| r.users.get(&key).cloned(),
            |c| users::get(c, hosting, id),
            |r, v| insert(&mut r.users, key.clone(), v),
        )
    }

    /// What planning `id`'s server serves, as `load` reads it.
    pub fn served_planning(
        &self,
        version: i64,
        id: i64,
        load: impl FnOnce(&rusqlite::Connection) -> Result<Option<ServedPlanning>>,
    ) -> Result<Option<ServedPlanning>> {
        self.cached(
            version,
            |r| r.served.get(&id).cloned(),
            load,
            |r, v| insert(&mut r.served, id, v),
        )
    }

    /// `None` when there is no such account; `Some(None)` while its licence is not accepted.
    pub fn licence_version(&self, version: i64, hosting: &HostingNumber) -> Result<Option<Option<i64>>> {
        self.cached(
            version,
            |r| r.licences.get(hosting).copied(),
            |c| Ok(accounts::get(c, hosting)?.map(|a| a.licence_version)),
            |r, v| insert(&mut r.licences, hosting.clone(), v),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use rusqlite::Connection;

    #[test]
    fn a_commit_from_another_process_is_seen_by_the_next_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let store = Store::open(&path).unwrap();
        store
            .write(|c| {
                c.execute(
                    "INSERT INTO accounts (hosting_number, password_hash, invoice_hash, plannings_quota, created_at)
                     VALUES ('123456789012', 'p', 'i', 2, 0)",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        let hosting = crate::ids::HostingNumber::parse("123456789012").unwrap();
        let licence = |store: &Store| store.licence_version(store.data_version().unwrap(), &hosting).unwrap();
        assert_eq!(licence(&store), Some(None));
        assert_eq!(licence(&store), Some(None), "served from memory");
        // Another connection (as a provider command in another process would) changes the row.
        let other = Connection::open(&path).unwrap();
        other.execute("UPDATE accounts SET licence_version = 7", []).unwrap();
        assert_eq!(licence(&store), Some(Some(7)), "seen at once");
        other.execute("DELETE FROM accounts", []).unwrap();
        assert_eq!(licence(&store), None);
    }
}
