//! WAL checkpoints off the request path. SQLite's own autocheckpoint copies the log back into the database file
//! inside the commit that crosses 1,000 pages: the request that wrote a 10,000-user import would wait for a copy of
//! every page and an extra fsync. Here the writer only notes how long the log is after each commit, and a thread
//! with its own connection runs the (passive) checkpoint. Crash-safe either way: a checkpoint never loses a commit.

use crate::error::Result;
use rusqlite::hooks::Wal;
use rusqlite::Connection;
use std::cell::Cell;
use std::os::raw::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Arc;

/// SQLite's default autocheckpoint threshold.
const PAGES: c_int = 1000;

thread_local! {
    /// Pages in the log after the last commit made on this thread (the WAL hook runs inside the commit).
    static LOG_PAGES: Cell<c_int> = const { Cell::new(0) };
}

fn note_log_pages(_: &Wal, pages: c_int) -> rusqlite::Result<()> {
    LOG_PAGES.set(pages);
    Ok(())
}

pub(super) struct Checkpointer {
    wake: SyncSender<()>,
    /// Checkpoints run so far (tests wait on it).
    #[cfg_attr(not(test), allow(dead_code))]
    done: Arc<AtomicU64>,
}

impl Checkpointer {
    /// Takes over `writer`'s checkpoints (its autocheckpoint is replaced by the hook) with a thread of its own.
    pub fn start(path: &Path, writer: &Connection) -> Result<Checkpointer> {
        let conn = Connection::open(path)?;
        let (wake, woken) = mpsc::sync_channel::<()>(1);
        let done = Arc::new(AtomicU64::new(0));
        let counter = done.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                // Ends when the store (and its sender) is dropped.
                for () in woken {
                    let result: rusqlite::Result<(i64, i64, i64)> =
                        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                        });
                    if let Err(e) = result {
                        tracing::warn!("WAL checkpoint: {e}");
                    }
                    counter.fetch_add(1, Ordering::Release);
                }
            })
            .map_err(crate::error::Error::internal)?;
        writer.wal_hook(Some(note_log_pages));
        Ok(Checkpointer { wake, done })
    }

    /// After a commit on `writer`: wakes the thread when the log is long enough (wakes already pending coalesce).
    /// Should the thread be gone, the writer checkpoints itself, as SQLite would.
    pub fn after_commit(&self, writer: &Connection) {
        if LOG_PAGES.replace(0) < PAGES {
            return;
        }
        if let Err(TrySendError::Disconnected(())) = self.wake.try_send(()) {
            let _ = writer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
    }

    #[cfg_attr(not(test), allow(dead_code))]
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Acquire)
    }
}
