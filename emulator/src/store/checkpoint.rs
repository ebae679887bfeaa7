//! Checkpoints off the write path.
//!
//! SQLite's automatic checkpoint runs inside the commit that takes the write-ahead log past 1,000
//! pages: that writer copies the log into the database file and syncs it while it still holds the
//! store's one writing connection, so every other writer waits behind a copy and an `fsync`. Under a
//! load of identity PATCHes on disk that was a checkpoint every few hundred commits, and the tail
//! of the answer times. Here the writing connection checkpoints never (`wal_autocheckpoint=0`); a
//! thread of the store's own, on a connection of its own, checkpoints once [`EVERY`] commits have
//! been made since the last time, in two passes:
//! 1. a passive checkpoint (one that waits for no writer and no reader) copies what the log holds
//!    while writers go on appending;
//! 2. holding the writing connection, so that nothing is appended meanwhile, a second passive
//!    checkpoint copies the few frames appended during the first. The log is then wholly in the
//!    database file, and the next write starts the log over from its beginning.
//!
//! Without the second pass the log never restarted under a steady load (every first pass ended
//! behind the writer) and grew by about 75 MB a second. The log still holds every acknowledged
//! write until the database file does: SQLite syncs the log before a checkpoint copies it.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use rusqlite::Connection;

/// Commits between two checkpoints: an identity PATCH writes a few pages, so the log stays near the
/// size at which SQLite would have checkpointed by itself.
pub const EVERY: u64 = 200;

#[derive(Default)]
struct State {
    /// Commits since the last checkpoint began.
    pending: u64,
    /// Checkpoints run (for tests).
    runs: u64,
    stop: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Turns off `writer`'s automatic checkpoints and starts the thread that checkpoints the
    /// database at `path` instead.
    pub fn start(path: &Path, writer: Arc<Mutex<Connection>>) -> rusqlite::Result<Checkpointer> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pragma_update(None, "wal_autocheckpoint", 0)?;
        let shared = Arc::new(Shared::default());
        let mine = shared.clone();
        let thread = std::thread::Builder::new()
            .name("msi-emulator-checkpoint".into())
            .spawn(move || run(&mine, &conn, &writer))
            .map_err(|e| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot start the checkpoint thread: {e}")),
                )
            })?;
        Ok(Checkpointer {
            shared,
            thread: Some(thread),
        })
    }

    /// A commit that changed something was made.
    pub fn committed(&self) {
        let mut s = self.shared.lock();
        s.pending += 1;
        if s.pending == EVERY {
            self.shared.wake.notify_one();
        }
    }

    /// How many checkpoints have run.
    #[cfg(test)]
    pub fn runs(&self) -> u64 {
        self.shared.lock().runs
    }
}

fn run(shared: &Shared, conn: &Connection, writer: &Mutex<Connection>) {
    let mut s = shared.lock();
    loop {
        while s.pending < EVERY && !s.stop {
            s = shared.wake.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        if s.stop {
            return;
        }
        s.pending = 0;
        drop(s);
        // A failed checkpoint loses nothing (the log keeps every frame); the next one retries.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        {
            let _writer = writer.lock().unwrap_or_else(|e| e.into_inner());
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
        s = shared.lock();
        s.runs += 1;
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
