//! What a saved run is: one [`SavedRun`] record per run (its request, what the worker said when
//! it started, how it ended, and its latest [`Checkpoint`]), plus one record per candidate or
//! generation event under a key that sorts in the order the events happened.
//!
//! ```
//! use protocol::{FromEngine, RunEnd};
//! use protocol::saved::{event_key, events_to_save, SavedStatus};
//! assert!(event_key("run-7", 2) < event_key("run-7", 10));
//! let events = vec![FromEngine::RunResumed, FromEngine::RunFinished { end: RunEnd::Completed, evaluations: 0, seconds: 0.0 }];
//! let mut next = 0;
//! assert!(events_to_save("run-7", &mut next, &events).is_empty());
//! assert!(SavedStatus::Unfinished.resumable());
//! ```

use serde::{Deserialize, Serialize};

use crate::{FromEngine, PROTOCOL_VERSION, RunEnd, RunInfo, RunRequest, decode, encode};

/// The IndexedDB database.
pub const DB_NAME: &str = "efficientnas-playground";
/// Its schema version (bump when the stores change).
pub const DB_VERSION: u32 = 3;
/// Store of the engine snapshot of each unfinished run, keyed by run id (JSON text). Kept apart
/// from [`RUNS`] so that listing runs never reads snapshots, which grow with the run.
pub const SNAPSHOTS: &str = "snapshots";
/// Store of [`SavedRun`] records, keyed by run id (values are JSON text).
pub const RUNS: &str = "runs";
/// Store of candidate and generation events, keyed by [`event_key`] (values are protocol
/// envelopes as JSON text).
pub const EVENTS: &str = "events";
/// Store of device profiles (latency tables as JSON text), keyed by [`profile_key`].
pub const PROFILES: &str = "profiles";

/// The key of the device profile of a space on a backend and adapter (`backend` names both):
/// one per device, backend and space, since a profile times the blocks of one space.
pub fn profile_key(backend: &str, space: &engine::space::SpaceConfig) -> String {
    format!("{backend}|{}", engine::hardware::space_signature(space))
}

/// The engine's state after a number of candidates: enough to continue the run exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Candidates scored (and saved as events) up to here.
    pub candidates: u32,
    /// Generations completed up to here.
    pub generations: u32,
    /// Reference architectures scored (and saved as events) up to here.
    #[serde(default)]
    pub references: u32,
    /// Seconds of work up to here (pauses excluded).
    pub seconds: f64,
    /// The search's snapshot as JSON text (opaque outside the engine).
    pub snapshot: String,
}

impl Checkpoint {
    /// What the run record keeps of it (everything but the snapshot).
    pub fn mark(&self) -> CheckpointMark {
        CheckpointMark {
            candidates: self.candidates,
            generations: self.generations,
            references: self.references,
            seconds: self.seconds,
        }
    }
}

/// A checkpoint as the run record keeps it; its snapshot is stored apart (see [`SNAPSHOTS`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMark {
    /// Candidates scored up to here.
    pub candidates: u32,
    /// Generations completed up to here.
    pub generations: u32,
    /// Reference architectures scored up to here.
    #[serde(default)]
    pub references: u32,
    /// Seconds of work up to here.
    pub seconds: f64,
}

impl CheckpointMark {
    /// The checkpoint, with its stored snapshot.
    pub fn with_snapshot(self, snapshot: String) -> Checkpoint {
        Checkpoint {
            candidates: self.candidates,
            generations: self.generations,
            references: self.references,
            seconds: self.seconds,
            snapshot,
        }
    }
}

/// Where a saved run is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "crate::tagged::StatusFields")]
pub enum SavedStatus {
    /// It was running or paused when last saved: it can be resumed.
    Unfinished,
    /// It ended.
    Finished {
        /// How.
        end: RunEnd,
    },
}

impl SavedStatus {
    /// Whether the run can be continued.
    pub fn resumable(&self) -> bool {
        matches!(self, SavedStatus::Unfinished)
    }
}

/// A run as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    /// The protocol version of the build that saved it; events of another version are not read.
    pub protocol_version: u32,
    /// The run.
    pub run_id: String,
    /// When it started, in milliseconds since the Unix epoch.
    pub started_ms: f64,
    /// What was asked for.
    pub request: RunRequest,
    /// What the worker said when it started.
    pub info: RunInfo,
    /// Where it is.
    pub status: SavedStatus,
    /// Candidates scored and saved.
    pub candidates: u32,
    /// Seconds of work.
    pub seconds: f64,
    /// The latest checkpoint (none before the first candidate of a trained run, nor once the
    /// run has ended).
    pub checkpoint: Option<CheckpointMark>,
    /// About how many bytes the run's events and checkpoint take in storage (text length).
    #[serde(default)]
    pub stored_bytes: u64,
}

/// Why a saved record cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SavedError {
    /// The JSON is not a saved run.
    #[error("a saved run cannot be read: {0}")]
    Garbled(String),
    /// Saved by a build that speaks another protocol.
    #[error("run {run_id} was saved by another version of the playground (protocol {found}, this page speaks {PROTOCOL_VERSION}); it can only be deleted")]
    OtherVersion {
        /// The run.
        run_id: String,
        /// Its version.
        found: u32,
    },
}

impl SavedRun {
    /// A run that has just started.
    pub fn started(request: RunRequest, info: RunInfo, started_ms: f64) -> SavedRun {
        SavedRun {
            protocol_version: PROTOCOL_VERSION,
            run_id: request.run_id.clone(),
            started_ms,
            request,
            info,
            status: SavedStatus::Unfinished,
            candidates: 0,
            seconds: 0.0,
            checkpoint: None,
            stored_bytes: 0,
        }
    }

    /// As JSON text, to store.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored record, refusing another protocol version.
    pub fn from_json(text: &str) -> Result<SavedRun, SavedError> {
        let run: SavedRun = serde_json::from_str(text).map_err(|e| SavedError::Garbled(e.to_string()))?;
        if run.protocol_version != PROTOCOL_VERSION {
            return Err(SavedError::OtherVersion { run_id: run.run_id, found: run.protocol_version });
        }
        Ok(run)
    }

    /// Notes a checkpoint.
    pub fn checkpointed(&mut self, checkpoint: &Checkpoint) {
        self.candidates = checkpoint.candidates;
        self.seconds = checkpoint.seconds;
        self.checkpoint = Some(checkpoint.mark());
    }

    /// Notes how the run ended.
    pub fn finished(&mut self, end: RunEnd, candidates: u32, seconds: f64) {
        self.status = SavedStatus::Finished { end };
        self.candidates = candidates;
        self.seconds = seconds;
        self.checkpoint = None;
    }

    /// The number of the next event to save when the run goes on from its checkpoint.
    pub fn next_event(&self) -> u32 {
        self.checkpoint.as_ref().map_or(0, |c| c.candidates + c.generations + c.references)
    }
}

/// The key of event number `seq` of a run: keys of one run sort in event order and share the
/// prefix of [`event_range`].
pub fn event_key(run_id: &str, seq: u32) -> String {
    format!("{run_id}/{seq:08}")
}

/// The lowest and highest key a run's events can have (inclusive).
pub fn event_range(run_id: &str) -> (String, String) {
    (format!("{run_id}/"), format!("{run_id}/\u{10FFFF}"))
}

/// Keys and texts of the events among `events` that are saved (candidates, generations and
/// references),
/// numbered from `next`, which moves past them.
pub fn events_to_save(run_id: &str, next: &mut u32, events: &[FromEngine]) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| matches!(e, FromEngine::Candidate(_) | FromEngine::Generation(_) | FromEngine::Reference(_)))
        .map(|event| {
            let key = event_key(run_id, *next);
            *next += 1;
            (key, encode(event))
        })
        .collect()
}

/// Reads saved event texts, in order, keeping what is consistent with the checkpoint the run
/// will continue from (at most `candidates` candidates and `generations` generations; references
/// are all kept): events saved after it are scored again when the run goes on.
pub fn read_events(texts: &[String], limit: Option<(u32, u32)>) -> Result<Vec<FromEngine>, String> {
    let (mut candidates, mut generations) = (0u32, 0u32);
    let mut events = Vec::with_capacity(texts.len());
    for (index, text) in texts.iter().enumerate() {
        let event: FromEngine = decode(text).map_err(|e| format!("saved event {index} cannot be read: {e}"))?;
        let within = match (&event, limit) {
            (_, None) => true,
            (FromEngine::Candidate(_), Some((max, _))) => {
                candidates += 1;
                candidates <= max
            }
            (FromEngine::Generation(_), Some((_, max))) => {
                generations += 1;
                generations <= max
            }
            _ => true,
        };
        if within {
            events.push(event);
        }
    }
    Ok(events)
}
