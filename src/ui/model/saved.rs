//! Saved runs as the page lists them.
//!
//! ```
//! use ui::model::saved::{SavedEntry, SavedUse};
//! let entry = SavedEntry::unreadable("run-1", "saved by another version".into());
//! assert_eq!(entry.uses, vec![SavedUse::Delete]);
//! ```

use protocol::saved::{SavedError, SavedRun, SavedStatus};
use crate::model::format::{duration, utc_minute};

/// What the user can do with a saved run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavedUse {
    /// Continue it (it did not finish).
    Resume,
    /// Show its results, read-only.
    Open,
    /// Remove it.
    Delete,
    /// Draw its hypervolume against training steps beside the current run's.
    Overlay,
}

/// One line of the list of saved runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedEntry {
    /// The run.
    pub run_id: String,
    /// What the line says.
    pub label: String,
    /// Whether it did not finish.
    pub unfinished: bool,
    /// What may be done with it.
    pub uses: Vec<SavedUse>,
    /// It did not finish and another tab is driving it: it may not be resumed or deleted here.
    pub elsewhere: bool,
}

impl SavedEntry {
    /// The line for a readable saved run.
    pub fn new(run: &SavedRun) -> SavedEntry {
        let state = match &run.status {
            SavedStatus::Unfinished => "unfinished".to_string(),
            SavedStatus::Finished { end: protocol::RunEnd::Completed } => "completed".to_string(),
            SavedStatus::Finished { end: protocol::RunEnd::Stopped } => "stopped".to_string(),
            SavedStatus::Finished { end: protocol::RunEnd::Failed { .. } } => "failed".to_string(),
        };
        let unfinished = run.status.resumable();
        let label = format!(
            "{} · {} · {} candidates · {} · {} · {}",
            utc_minute(run.started_ms),
            run.info.dataset,
            run.candidates,
            duration(run.seconds),
            state,
            engine::text::bytes(run.stored_bytes)
        );
        // A search of an ablation says which row it was.
        let label = match run.run_id.strip_prefix("ablation-").and_then(|rest| rest.rsplit('-').next()) {
            Some(row) => format!("{label} · ablation: {row}"),
            None => label,
        };
        let uses = if unfinished { vec![SavedUse::Resume, SavedUse::Delete] } else { vec![SavedUse::Open, SavedUse::Overlay, SavedUse::Delete] };
        SavedEntry { run_id: run.run_id.clone(), label, unfinished, uses, elsewhere: false }
    }

    /// The line for a run that cannot be read (it can only be deleted).
    pub fn unreadable(run_id: &str, why: String) -> SavedEntry {
        SavedEntry {
            run_id: run_id.to_string(),
            label: format!("{run_id}: {why}"),
            unfinished: false,
            uses: vec![SavedUse::Delete],
            elsewhere: false,
        }
    }

    /// Marks an unfinished run as driven by another tab (whose worker holds its lock) or not:
    /// such a run can be neither resumed nor deleted here until that tab lets it go.
    pub fn held_elsewhere(&mut self, held: bool) {
        if self.unfinished {
            self.elsewhere = held;
            self.uses = if held { Vec::new() } else { vec![SavedUse::Resume, SavedUse::Delete] };
        }
    }
}

/// A finished run's hypervolume against training steps, drawn over the current run's.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// The run.
    pub run_id: String,
    /// What its line is called: when it started, its dataset.
    pub label: String,
    /// Its objectives (a hypervolume compares only over the same ones).
    pub objectives: Vec<engine::search::Objective>,
    /// `(cumulative training steps, hypervolume)` after each generation.
    pub curve: Vec<(f64, f64)>,
}

impl Overlay {
    /// The overlay of a saved run from its events, or why it has none.
    pub fn new(run: &SavedRun, events: &[protocol::FromEngine]) -> Result<Overlay, String> {
        let curve: Vec<(f64, f64)> = events
            .iter()
            .filter_map(|e| match e {
                protocol::FromEngine::Generation(g) if g.compute.train_steps > 0 => Some((g.compute.train_steps as f64, g.hypervolume)),
                _ => None,
            })
            .collect();
        if curve.is_empty() {
            return Err(format!("run {} trained no generation: it has no hypervolume against training steps to draw", run.run_id));
        }
        let label = format!("{} · {}", utc_minute(run.started_ms), run.info.dataset);
        Ok(Overlay { run_id: run.run_id.clone(), label, objectives: run.info.objectives.clone(), curve })
    }
}

/// A tab's word that it drives a run, where the browser has no Web Locks (see `ui::memory`).
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerBeat {
    /// The run.
    pub run_id: String,
    /// The tab that drives it.
    pub tab: String,
    /// When it last said so (milliseconds since the Unix epoch).
    pub at_ms: f64,
}

/// How often a tab driving a run says so, without Web Locks.
pub const OWNER_BEAT_MS: u32 = 2000;
/// A word older than this is from a tab that closed (or froze): the run is free.
pub const OWNER_STALE_MS: f64 = 3.0 * OWNER_BEAT_MS as f64;

/// The runs another tab than `me` drives, by their fresh words at `now_ms`.
pub fn driven_elsewhere(beats: &[OwnerBeat], me: &str, now_ms: f64) -> Vec<String> {
    beats.iter().filter(|b| b.tab != me && now_ms - b.at_ms <= OWNER_STALE_MS).map(|b| b.run_id.clone()).collect()
}

/// Marks which of `entries` another tab is driving: those whose run lock is `held` (see
/// `storage::owner`; `None` where the browser cannot tell, and then none is).
pub fn mark_held(entries: &mut [SavedEntry], held: Option<&[String]>) {
    for entry in entries {
        entry.held_elsewhere(held.is_some_and(|held| held.contains(&entry.run_id)));
    }
}

/// The lines for what storage returned, newest first, and the problems with records that have
/// no run id to delete them by.
pub fn entries(runs: &[Result<SavedRun, SavedError>]) -> (Vec<SavedEntry>, Vec<String>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for run in runs {
        match run {
            Ok(run) => lines.push(SavedEntry::new(run)),
            Err(SavedError::OtherVersion { run_id, .. }) => {
                lines.push(SavedEntry::unreadable(run_id, "saved by another version of the playground".into()));
            }
            Err(error) => problems.push(error.to_string()),
        }
    }
    (lines, problems)
}
