//! A run's results as a file: what the page exports and what `cli search --out` writes
//! (format `efficientnas-run`), and what the page imports to show a run made elsewhere.
//!
//! ```
//! use protocol::results::RunResults;
//! let results = RunResults::from_events(&[]);
//! let back = RunResults::read(&results.to_json()).unwrap();
//! assert_eq!(back, results);
//! assert!(RunResults::read("{\"format\": \"something-else\"}").unwrap_err().contains("efficientnas-run"));
//! ```

use serde::{Deserialize, Serialize};

use engine::search::GenerationSummary;

use crate::{CandidateReport, FromEngine, ReferenceReport, RunEnd, RunInfo};

/// The `format` of run results.
pub const RUN_FORMAT: &str = "efficientnas-run";
/// The version of the format this build writes and reads.
pub const RUN_FORMAT_VERSION: u32 = 1;

/// Every result of a run: what the engine said at its start, every candidate report, every
/// generation summary, the reference architectures, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// Always [`RUN_FORMAT`].
    pub format: String,
    /// [`RUN_FORMAT_VERSION`].
    pub version: u32,
    /// Where the run stood: `idle`, `starting`, `running`, `paused`, `completed`, `stopped` or
    /// `failed`.
    pub status: String,
    /// Seconds of work, when it had finished.
    pub seconds: Option<f64>,
    /// What the engine said when it started.
    pub info: Option<RunInfo>,
    /// Every scored candidate, in order.
    pub candidates: Vec<CandidateReport>,
    /// One summary per completed generation.
    pub generations: Vec<GenerationSummary>,
    /// The reference architectures scored.
    #[serde(default)]
    pub references: Vec<ReferenceReport>,
    /// How it ended, when it had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<RunEnd>,
}

impl RunResults {
    /// Results with nothing in them yet, at `status`.
    pub fn new(status: &str) -> RunResults {
        RunResults {
            format: RUN_FORMAT.to_string(),
            version: RUN_FORMAT_VERSION,
            status: status.to_string(),
            seconds: None,
            info: None,
            candidates: Vec::new(),
            generations: Vec::new(),
            references: Vec::new(),
            end: None,
        }
    }

    /// The results the events of a whole run (or its start) amount to.
    pub fn from_events(events: &[FromEngine]) -> RunResults {
        let mut results = RunResults::new("idle");
        for event in events {
            match event {
                FromEngine::RunStarted(info) => {
                    results.info = Some(info.clone());
                    results.status = "running".into();
                }
                FromEngine::Candidate(report) => results.candidates.push(report.clone()),
                FromEngine::Generation(summary) => results.generations.push(summary.clone()),
                FromEngine::Reference(reference) => results.references.push(reference.clone()),
                FromEngine::RunFinished { end, seconds, .. } => {
                    results.status = end_key(end).into();
                    results.seconds = Some(*seconds);
                    results.end = Some(end.clone());
                }
                _ => {}
            }
        }
        results
    }

    /// The events that show these results again: the start, every reference, candidate and
    /// generation, and the end.
    pub fn events(&self) -> Vec<FromEngine> {
        let mut events: Vec<FromEngine> = self.info.iter().cloned().map(FromEngine::RunStarted).collect();
        events.extend(self.references.iter().cloned().map(FromEngine::Reference));
        events.extend(self.candidates.iter().cloned().map(FromEngine::Candidate));
        events.extend(self.generations.iter().cloned().map(FromEngine::Generation));
        events
    }

    /// How the run ended, as far as the file says (a run saved while it went on counts as
    /// stopped there).
    pub fn ended(&self) -> RunEnd {
        match (&self.end, self.status.as_str()) {
            (Some(end), _) => end.clone(),
            (None, "completed") => RunEnd::Completed,
            (None, "failed") => RunEnd::Failed { message: "the run failed (the file does not say why)".into() },
            _ => RunEnd::Stopped,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        // Plain data of strings and numbers (non-finite numbers become null): cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads results from `text`, or says what is wrong with it.
    pub fn read(text: &str) -> Result<RunResults, String> {
        let document: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("the file is not valid JSON: {e}"))?;
        if document.get("format").and_then(|f| f.as_str()) != Some(RUN_FORMAT) {
            return Err(format!("the JSON is not exported run results (its \"format\" must be \"{RUN_FORMAT}\")"));
        }
        match document.get("version").and_then(|v| v.as_u64()) {
            Some(version) if version == u64::from(RUN_FORMAT_VERSION) => {}
            other => {
                return Err(format!(
                    "the run results are version {}; this page reads version {RUN_FORMAT_VERSION}",
                    other.map_or("(none)".to_string(), |v| v.to_string())
                ));
            }
        }
        // Read again from the text rather than from `document`: one deserialiser for every record
        // type keeps the page's wasm smaller than the time saved by not parsing twice.
        let results: RunResults =
            serde_json::from_str(text).map_err(|e| format!("the run results cannot be read: {e}"))?;
        if results.info.is_none() && !results.candidates.is_empty() {
            return Err("the run results hold candidates but not the run's settings (\"info\")".into());
        }
        Ok(results)
    }
}

/// The status key of a run that ended this way.
pub fn end_key(end: &RunEnd) -> &'static str {
    match end {
        RunEnd::Completed => "completed",
        RunEnd::Stopped => "stopped",
        RunEnd::Failed { .. } => "failed",
    }
}
