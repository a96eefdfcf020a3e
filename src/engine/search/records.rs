//! What a run records and reports: evaluation outcomes and their details, scored records,
//! the front, generation summaries, candidates handed out, and refused records.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::moo::Fitness;
use crate::problem::{Origin, VariationCounts};
use super::*;

/// How a child's layer got its starting weights (weight inheritance; see `nn::inherit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerStart {
    /// Copied whole from a parent's layer of the same op and width.
    Copied,
    /// The leading channels copied from a parent's layer of another width, the rest fresh.
    Sliced,
    /// No parent has it: it starts as the identity, so the child computes what its parent did.
    Identity,
    /// Freshly initialised.
    Fresh,
}

/// What an evaluation learned about a candidate besides its error. Every figure is optional:
/// training knows steps and times, the NAS-Bench-201 table knows test accuracy and its index. In
/// JSON it is an object of the figures present, by these names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    /// Top-1 validation accuracy: a fraction for a trained candidate, a percentage from the
    /// NAS-Bench-201 table (as the table gives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_accuracy: Option<f64>,
    /// Test accuracy from the NAS-Bench-201 table, in percent (never used for selection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    /// The architecture's index in the NAS-Bench-201 table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nb201_index: Option<f64>,
    /// Training steps taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_steps: Option<f64>,
    /// Training time, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_ms: Option<f64>,
    /// Training images seen (steps × batch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_samples: Option<f64>,
    /// Parameters copied from the parents (weight inheritance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_params: Option<f64>,
    /// The last training step's loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_loss: Option<f64>,
    /// Median inference latency measured on this device (batch 1), milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_latency_ms: Option<f64>,
}

/// The result of an expensive evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// Trained (or looked up): its validation error and any extra figures to keep.
    Evaluated {
        /// 1 − top-1 validation accuracy, in [0, 1].
        error: f64,
        /// Extra figures (test accuracy, training time, ...), kept with the record.
        #[serde(default)]
        details: Details,
    },
    /// The evaluation failed (diverged, out of memory, ...); the search goes on without it.
    Failed {
        /// Why.
        reason: String,
    },
}

/// How a candidate's fitness came about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Evaluated (trained or looked up).
    Evaluated,
    /// Only cheap objectives were asked for; nothing needed evaluating.
    CheapOnly,
    /// Violated a constraint before training; scored by its violation, never trained.
    ConstraintViolated,
    /// Trained to the rung only (see [`Rungs`]): its error is the rung's. A later record that
    /// `resumes` it holds the full result; without one it was stopped early. Never on the front.
    Rung,
    /// The evaluation failed.
    Failed {
        /// Why.
        reason: String,
    },
}

/// Violation given to a failed candidate: worse than any constraint violation.
pub(super) const FAILED_VIOLATION: f64 = 1e9;

/// One scored candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRecord<S> {
    /// Sequential number within the run.
    pub candidate_id: u32,
    /// The generation that proposed it.
    pub generation: u32,
    /// Its architecture's id (`arch_id`).
    #[serde(alias = "id")]
    pub arch_id: String,
    /// The solution.
    pub solution: S,
    /// Its canonical text.
    pub text: String,
    /// How it was made.
    pub origin: Vec<Origin>,
    /// Ids of its parents, the main one first.
    #[serde(default)]
    pub parents: Vec<String>,
    /// The number of the rung record this full result resumed from (see [`Rungs`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumes: Option<u32>,
    /// Its cheap metrics.
    pub cheap: CheapMetrics,
    /// Its validation error, when evaluated.
    pub error: Option<f64>,
    /// Extra figures from the evaluation.
    pub details: Details,
    /// Its objectives and violation.
    pub fitness: Fitness,
    /// How the fitness came about.
    pub status: RecordStatus,
}

/// One point of the current front.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontPoint {
    /// The candidate.
    pub candidate_id: u32,
    /// Its architecture's id.
    #[serde(alias = "id")]
    pub arch_id: String,
    /// Its canonical text.
    pub text: String,
    /// Its objective values (in the configured order).
    pub objectives: Vec<f64>,
}

/// What happened in one generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationSummary {
    /// The generation (0 = initial population).
    pub generation: u32,
    /// The stage open (architecture space only).
    pub stage: Option<u8>,
    /// What selection, crossover and mutation did.
    pub counts: VariationCounts,
    /// Candidates evaluated (trained or looked up) in this generation.
    pub evaluated: u32,
    /// Candidates answered from the cache.
    pub cache_hits: u32,
    /// Constraint violators kept but not trained.
    pub violators_not_trained: u32,
    /// Failed evaluations.
    pub failures: u32,
    /// Networks trained to the rung and not resumed (see [`Rungs`]).
    #[serde(default)]
    pub stopped_early: u32,
    /// Expensive evaluations so far.
    pub evaluations_total: u32,
    /// The feasible non-dominated set of everything evaluated so far.
    pub front: Vec<FrontPoint>,
    /// Its hypervolume, objectives normalised by the space's bounds, reference 1.1 each.
    pub hypervolume: f64,
    /// Training compute spent so far, this generation included.
    #[serde(default)]
    pub compute: Compute,
}

/// Training compute spent: what the candidates' details say they trained, summed.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Compute {
    /// Training steps (batches).
    pub train_steps: u64,
    /// Training images seen.
    pub train_samples: u64,
    /// Seconds of training.
    pub train_seconds: f64,
}

impl Compute {
    /// Adds what one evaluation's details say it trained.
    pub fn add(&mut self, details: &Details) {
        let whole = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0).map_or(0, |v| v.round() as u64);
        self.train_steps = self.train_steps.saturating_add(whole(details.train_steps));
        self.train_samples = self.train_samples.saturating_add(whole(details.train_samples));
        self.train_seconds += details.train_ms.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0) / 1e3;
    }
}

/// A candidate to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate<S> {
    /// Sequential number within the run.
    pub candidate_id: u32,
    /// The generation that proposed it.
    pub generation: u32,
    /// Its architecture's id.
    pub arch_id: String,
    /// The solution.
    pub solution: S,
    /// Its canonical text.
    pub text: String,
    /// Its cheap metrics.
    pub cheap: CheapMetrics,
    /// Ids of its parents, the main one first (empty for a random sample).
    pub parents: Vec<String>,
    /// How far it trains (see [`Rungs`]).
    #[serde(default)]
    pub fidelity: Fidelity,
}

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SearchError {
    /// The architecture is not a candidate waiting for evaluation.
    #[error("candidate {arch_id} is not waiting for evaluation")]
    NotPending {
        /// The architecture id given.
        arch_id: String,
    },
    /// The error is not in [0, 1].
    #[error("validation error {error} of candidate {arch_id} is not in [0, 1]")]
    BadError {
        /// The candidate's architecture id.
        arch_id: String,
        /// The value given.
        error: f64,
    },
    /// The strategy refused a generation's results; the run ended there.
    #[error("the search strategy refused a generation's results: {0}")]
    Strategy(String),
}
