//! Group commit: an acknowledged write is on disk before its answer, and concurrent writers share
//! one `fsync`.
//!
//! The database runs in WAL mode with `synchronous=NORMAL`, so a commit appends its frames to the
//! write-ahead log without syncing it. Each commit that changed something takes a ticket (under the
//! connection's lock, so tickets follow commit order); before answering, its writer waits until the
//! log has been synced past its ticket. The first waiter syncs the log for every commit made so far
//! while the others wait for it, and whoever arrives during a sync is served by the next one.
//! SQLite itself syncs the log before every checkpoint, so the log holds every acknowledged write
//! until the database file does.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Default)]
struct State {
    /// Tickets handed out (commits that changed something).
    committed: u64,
    /// Every ticket up to this one is on disk.
    synced: u64,
    /// A writer is syncing the log right now.
    syncing: bool,
    /// The data directory itself has been synced (the log's directory entry is durable).
    dir_synced: bool,
    /// Syncs done (for tests and the benchmark).
    syncs: u64,
}

pub struct GroupCommit {
    wal: PathBuf,
    dir: PathBuf,
    state: Mutex<State>,
    done: Condvar,
}

impl GroupCommit {
    /// For the database at `db` (its log is `db-wal`).
    pub fn new(db: &Path) -> GroupCommit {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        GroupCommit {
            wal: PathBuf::from(wal),
            dir: db
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
            state: Mutex::new(State::default()),
            done: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A ticket for a commit just made (call while still holding the connection).
    pub fn ticket(&self) -> u64 {
        let mut s = self.lock();
        s.committed += 1;
        s.committed
    }

    /// How many times the log has been synced.
    pub fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    /// Returns once every commit up to `ticket` is on disk.
    pub fn wait(&self, ticket: u64) -> io::Result<()> {
        let mut s = self.lock();
        loop {
            if s.synced >= ticket {
                return Ok(());
            }
            if s.syncing {
                s = self.done.wait(s).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            // Lead a sync covering every commit made so far, then wake the others.
            s.syncing = true;
            let target = s.committed;
            let sync_dir = !s.dir_synced;
            drop(s);
            let result = self.sync(sync_dir);
            s = self.lock();
            s.syncing = false;
            if result.is_ok() {
                s.synced = s.synced.max(target);
                s.syncs += 1;
                s.dir_synced |= sync_dir;
            }
            self.done.notify_all();
            result?;
        }
    }

    fn sync(&self, sync_dir: bool) -> io::Result<()> {
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.wal)
        {
            Ok(f) => f.sync_data()?,
            // No log: everything has been checkpointed into the database file, which SQLite syncs.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if sync_dir && cfg!(unix) {
            File::open(&self.dir)?.sync_all()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn concurrent_writers_share_syncs() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        std::fs::write(dir.path().join("x.db-wal"), b"frames").unwrap();
        let gc = Arc::new(GroupCommit::new(&db));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let gc = gc.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let t = gc.ticket();
                        gc.wait(t).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let s = gc.lock();
        assert_eq!(s.committed, 400);
        assert_eq!(s.synced, 400);
        assert!(s.syncs <= 400 && s.syncs >= 1);
        drop(s);
        // A ticket already covered returns at once, without another sync.
        let before = gc.syncs();
        gc.wait(1).unwrap();
        assert_eq!(gc.syncs(), before);
    }
}
