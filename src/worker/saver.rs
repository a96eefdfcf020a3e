//! A run saved as it goes, in IndexedDB, and what the visitor is told when storage refuses it.

use engine::text::bytes;
use protocol::FromEngine;
use protocol::RunEnd;
use protocol::saved::{Checkpoint, SavedRun, events_to_save};
use runner::RunError;
use storage::{Db, SnapshotWrite};

use crate::*;

/// Saves a run as it goes: its record on start, its candidate and generation events with each
/// checkpoint, its end. A write that fails keeps what it held for the next try, and the run
/// pauses until the visitor frees space (see [`drive_loop`]); where storage cannot be opened at
/// all the search runs unsaved.
pub(crate) struct Saver {
    pub(crate) db: Option<Db>,
    pub(crate) saved: SavedRun,
    pub(crate) next_event: u32,
    pub(crate) pending: Vec<(String, String)>,
    /// The newest checkpoint not yet written.
    pub(crate) snapshot: Option<String>,
    /// Text length of the checkpoint in storage.
    pub(crate) snapshot_bytes: u64,
    /// Why the last write failed, until one succeeds.
    pub(crate) failed: Option<String>,
}

impl Saver {
    /// A saver for `saved`, whose checkpoint in storage takes `snapshot_bytes`.
    pub(crate) fn new(db: Option<Db>, saved: SavedRun, snapshot_bytes: u64) -> Self {
        Saver { db, next_event: saved.next_event(), saved, pending: Vec::new(), snapshot: None, snapshot_bytes, failed: None }
    }

    /// Queues the events to save; with a checkpoint, writes them and the run record together
    /// (waiting for the commit when `wait`).
    pub(crate) async fn save(&mut self, events: &[FromEngine], checkpoint: Option<Result<Checkpoint, RunError>>, wait: bool) {
        let run_id = self.saved.run_id.clone();
        self.pending.extend(events_to_save(&run_id, &mut self.next_event, events));
        match checkpoint {
            Some(Ok(checkpoint)) => {
                self.saved.checkpointed(&checkpoint);
                self.snapshot = Some(checkpoint.snapshot);
                self.flush(SnapshotWrite::Keep, wait).await;
            }
            // The events are kept for the next checkpoint; the saved run resumes from the last good one.
            Some(Err(problem)) => post(&error_reply("saving the run", format!("{problem}; the last checkpoint is kept"))),
            None => {}
        }
    }

    /// Writes the record with what is queued (the newest checkpoint, else `snapshot`).
    pub(crate) async fn flush(&mut self, snapshot: SnapshotWrite<'_>, wait: bool) {
        let Some(db) = &self.db else { return };
        let queued = self.pending.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum::<u64>();
        let snapshot = self.snapshot.as_deref().map_or(snapshot, SnapshotWrite::Put);
        let snapshot_bytes = match snapshot {
            SnapshotWrite::Put(text) => text.len() as u64,
            SnapshotWrite::Delete => 0,
            SnapshotWrite::Keep => self.snapshot_bytes,
        };
        let before = self.saved.stored_bytes;
        self.saved.stored_bytes = (before + queued + snapshot_bytes).saturating_sub(self.snapshot_bytes);
        let outcome = match db.write(&self.saved, snapshot, &self.pending) {
            Ok(transaction) if wait => Db::commit(&transaction).await,
            Ok(_) => Ok(()),
            Err(problem) => Err(problem),
        };
        match outcome {
            Ok(()) => {
                self.pending.clear();
                self.snapshot = None;
                self.snapshot_bytes = snapshot_bytes;
                self.failed = None;
            }
            Err(problem) => {
                self.saved.stored_bytes = before;
                self.failed = Some(problem);
            }
        }
    }

    /// What to tell the visitor when a write failed: what failed, what saved runs take, which
    /// could be deleted, and what the paused run waits for.
    pub(crate) async fn explain(&self, problem: &str) -> String {
        let problem = problem.strip_prefix("saving the run: ").unwrap_or(problem);
        let mut runs: Vec<SavedRun> = match &self.db {
            Some(db) => db.runs().await.unwrap_or_default().into_iter().filter_map(Result::ok).collect(),
            None => Vec::new(),
        };
        runs.retain(|r| r.run_id != self.saved.run_id);
        runs.sort_by_key(|r| std::cmp::Reverse(r.stored_bytes));
        let total: u64 = runs.iter().map(|r| r.stored_bytes).sum::<u64>() + self.saved.stored_bytes;
        let largest: Vec<String> = runs.iter().take(3).map(|r| format!("{} ({})", r.run_id, bytes(r.stored_bytes))).collect();
        let deletable = if largest.is_empty() { String::new() } else { format!("; the largest others: {}", largest.join(", ")) };
        format!(
            "{problem}. Saved runs take about {} in this browser, this one {}{deletable}. The search is paused with \
             everything so far on this page (export it from the Run panel): delete saved runs and press Resume, or Stop",
            bytes(total),
            bytes(self.saved.stored_bytes)
        )
    }

    pub(crate) async fn finish(&mut self, end: &RunEnd, evaluations: u32, seconds: f64) {
        self.saved.finished(end.clone(), evaluations, seconds);
        self.snapshot = None;
        self.flush(SnapshotWrite::Delete, true).await;
        if let Some(problem) = self.failed.take() {
            post(&error_reply("saving the run's end", format!("{problem}; it stays listed as unfinished")));
        }
    }
}
