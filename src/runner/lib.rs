//! One search run as the worker drives it: the engine's ask/tell loop joined to real training
//! (architecture space) or to the NAS-Bench-201 table (tabular mode). [`Run::advance`] scores
//! one candidate and returns the events the page must hear; the caller owns the loop, so it
//! decides when to yield, pause or stop. Nothing here touches the browser, so it is tested
//! natively on the CPU backend.
//!
//! ```
//! use protocol::{DatasetChoice, FromEngine, RunRequest};
//! use engine::tabular::{Nb201Dataset, Nb201Table};
//! use runner::{Advance, Run};
//! let table = Nb201Table::from_json(&std::fs::read_to_string("../../www/nb201/nb201_12ep.json").unwrap()).unwrap();
//! let mut request = RunRequest::default_digits();
//! request.dataset = DatasetChoice::Nb201 { dataset: Nb201Dataset::Cifar10 };
//! request.search.generations = 2;
//! let mut run = Run::new(&request, nn::backend::cpu(), Some(table)).unwrap();
//! let mut events = Vec::new();
//! loop {
//!     match pollster::block_on(run.advance(0.0, async |_| true)) {
//!         Advance::Scored(more) => events.extend(more),
//!         Advance::Finished(more) => { events.extend(more); break; }
//!         other => unreachable!("{other:?}"),
//!     }
//! }
//! let scored = events.iter().filter(|e| matches!(e, FromEngine::Candidate(_))).count();
//! assert_eq!(scored, 16);
//! ```

pub mod blocking;
pub mod calibration;
mod events;
pub mod files;
#[cfg(not(target_arch = "wasm32"))]
pub mod parallel;
pub mod pool;
mod scoring;
mod start;

use burn::tensor::Device;
use thiserror::Error;

use engine::search::{ArchSpace, Outcome, Search};
use engine::tabular::{Nb201Dataset, Nb201SearchSpace, Nb201Table};
use nn::evaluate::TrainingEvaluator;
use nn::latency::LatencyConfig;
use nn::train::TrainData;
use protocol::{FromEngine, LatencyMeasurement, ModelFormat, ReferenceReport, RunInfo, TrainingProgress, TrainingRole};
use engine::space::Genotype;
use protocol::saved::Checkpoint;

use events::*;
pub use scoring::Timer;
use scoring::*;

/// Why a run could not start.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RunError {
    /// A setting is out of range.
    #[error("{0}")]
    Settings(String),
    /// The dataset could not be loaded.
    #[error("dataset: {0}")]
    Dataset(String),
    /// Tabular mode needs the NAS-Bench-201 table.
    #[error("the NAS-Bench-201 table is not loaded")]
    NoTable,
    /// A run on the user's files, but none are loaded.
    #[error("no dataset files are loaded: choose your files again")]
    NoFiles,
    /// A checkpoint does not belong to this run or cannot be read.
    #[error("the saved checkpoint cannot be used: {0}")]
    Checkpoint(String),
}

/// What one call of [`Run::advance`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Advance {
    /// A candidate was scored: its events (candidates scored on the way included, and the
    /// generation summary when one completed).
    Scored(Vec<FromEngine>),
    /// The hook stopped the candidate in training; nothing was recorded for it.
    Interrupted,
    /// The run is over: the last events.
    Finished(Vec<FromEngine>),
    /// The backend failed under a candidate (see [`Run::fail_over_on_backend_errors`]); nothing
    /// was recorded for it, and the run can go on from its last checkpoint on another device.
    DeviceLost(String),
}

/// Extra results of a trained candidate that the search record does not carry.
#[derive(Default)]
struct Extras {
    arch_id: String,
    losses: Vec<f32>,
    measured_latency: Option<LatencyMeasurement>,
    inherited_params: u64,
    inherited_layers: Vec<Vec<engine::search::LayerStart>>,
}

enum Kind {
    Arch {
        search: Box<Search<ArchSpace>>,
        evaluator: Box<TrainingEvaluator>,
        data: std::sync::Arc<TrainData>,
        latency: LatencyConfig,
        device: Device,
    },
    Tabular {
        search: Box<Search<Nb201SearchSpace>>,
        table: Box<Nb201Table>,
        dataset: Nb201Dataset,
    },
}

/// A search run in progress.
pub struct Run {
    kind: Kind,
    info: RunInfo,
    reported: Reported,
    /// Reference architectures still to train (once generation 0 is scored).
    references: Vec<(&'static str, Genotype)>,
    /// Reference architectures scored.
    references_done: u32,
    /// Backend failures stop the run instead of failing the candidate.
    fail_over: bool,
    /// An imported genotype evaluated instead of a search.
    alone: Alone,
}

/// Whether a run evaluates one imported genotype instead of searching.
enum Alone {
    /// It searches.
    No,
    /// This genotype is still to be trained.
    Pending(Genotype),
    /// It was trained; the run is over.
    Done,
}

impl Run {
    /// The engine's state now, to continue from later; `seconds` is the run's time of work.
    pub fn checkpoint(&self, seconds: f64) -> Result<Checkpoint, RunError> {
        let (snapshot, candidates, generations) = match &self.kind {
            Kind::Arch { search, .. } => (serde_json::to_string(&search.snapshot()), search.records().len(), search.reports().len()),
            Kind::Tabular { search, .. } => (serde_json::to_string(&search.snapshot()), search.records().len(), search.reports().len()),
        };
        Ok(Checkpoint {
            candidates: candidates as u32,
            generations: generations as u32,
            references: self.references_done,
            seconds,
            snapshot: snapshot.map_err(|e| RunError::Checkpoint(format!("the engine's state could not be written: {e}")))?,
        })
    }

    /// Whether `events` (from one [`Self::advance`]) call for a checkpoint: after every scored
    /// candidate of a trained run (training is what a reload must not lose), after every
    /// generation of a tabular one (thousands of lookups a second; a generation is redone in
    /// milliseconds).
    pub fn checkpoint_due(&self, events: &[FromEngine]) -> bool {
        let tabular = self.info.tabular;
        events.iter().any(|e| match e {
            FromEngine::Candidate(_) => !tabular,
            FromEngine::Generation(_) => true,
            _ => false,
        })
    }

    /// From now on a backend failure (a lost device, a rejected kernel) under a candidate ends
    /// [`Self::advance`] with [`Advance::DeviceLost`] instead of failing the candidate: for a GPU,
    /// where the run can move to the CPU. On the CPU such a failure fails the candidate.
    pub fn fail_over_on_backend_errors(&mut self) {
        self.fail_over = true;
    }

    /// Caps what a candidate may need in memory on this run's device (see `engine::memory`):
    /// a candidate predicted to need more is not trained and fails with the figures.
    pub fn limit_memory(&mut self, limits: engine::memory::MemoryLimits) {
        if let Kind::Arch { evaluator, .. } = &mut self.kind {
            evaluator.limit_memory(Some(limits));
        }
    }

    /// The trained network of candidate (or reference) `arch_id` as a file in `format`, or why
    /// not. An ONNX file normalises its input with this run's training statistics and says in
    /// its doc strings which run, dataset and genotype it comes from.
    pub async fn export(&self, arch_id: &str, format: ModelFormat) -> Result<Vec<u8>, String> {
        let Kind::Arch { evaluator, data, .. } = &self.kind else {
            return Err("NAS-Bench-201 candidates are looked up, not trained: they have no weights".into());
        };
        let exported = match format {
            ModelFormat::Burnpack => evaluator.weights(arch_id).await.map(|r| r.map_err(|e| e.to_string())),
            ModelFormat::Onnx => {
                let genotype = evaluator.trained_genotype(arch_id).map(ToString::to_string).unwrap_or_default();
                let summary = format!("Trained in run {} on {} ({} training images).", self.info.run_id, self.info.dataset, self.info.images - self.info.valid_images);
                let about = nn::onnx::About { arch_id: arch_id.to_string(), genotype, stats: data.stats.clone(), summary };
                evaluator.onnx(arch_id, &about).await.map(|r| r.map_err(|e| e.to_string()))
            }
        };
        exported.unwrap_or_else(|| {
            Err(format!(
                "the weights of {arch_id} are no longer in memory: only the most recently trained candidates of the last run in this page are kept"
            ))
        })
    }

    /// What the page is told when the run starts.
    pub fn info(&self) -> &RunInfo {
        &self.info
    }

    /// The run trains `workers` candidates at once (see [`RunInfo::workers`]), as its driver
    /// decides.
    pub fn train_at_once(&mut self, workers: u32) {
        self.info.workers = workers.max(1);
    }

    /// Progress in [0, 1] after `elapsed_s` seconds of work.
    pub fn progress(&self, elapsed_s: f64) -> f64 {
        match &self.kind {
            Kind::Arch { search, .. } => search.progress(elapsed_s),
            Kind::Tabular { search, .. } => search.progress(elapsed_s),
        }
    }

    /// Scores the next candidate: trains it (calling `between_steps` after every step with
    /// the progress; answering `false` interrupts) or looks it up. `elapsed_s` is the run's
    /// time of work so far, for a time budget.
    pub async fn advance(
        &mut self,
        elapsed_s: f64,
        mut between_steps: impl AsyncFnMut(TrainingProgress) -> bool,
    ) -> Advance {
        match &mut self.kind {
            Kind::Tabular { search, table, dataset } => {
                let Some(candidate) = search.next_candidate_at(elapsed_s) else {
                    return Advance::Finished(finish(search, &mut self.reported));
                };
                let outcome = table.outcome(&candidate.solution, *dataset);
                Advance::Scored(record(search, &candidate.arch_id, outcome, &mut self.reported, None))
            }
            Kind::Arch { search, evaluator, data, latency, device } => {
                let input = search.space().space().config().input;
                let fail_over = self.fail_over;
                let mut outside = async |genotype: Genotype, number: u32, role: TrainingRole| {
                    score_outside(search, evaluator, data, latency, device, input, genotype, number, role, elapsed_s, fail_over, &mut between_steps)
                        .await
                };
                match std::mem::replace(&mut self.alone, Alone::Done) {
                    Alone::Pending(genotype) => {
                        return match outside(genotype.clone(), 0, TrainingRole::Imported).await {
                            Ok(report) => Advance::Finished(vec![FromEngine::Candidate(report)]),
                            Err(advance) => {
                                self.alone = Alone::Pending(genotype);
                                advance
                            }
                        };
                    }
                    Alone::Done => return Advance::Finished(Vec::new()),
                    Alone::No => self.alone = Alone::No,
                }
                // The references train once generation 0 is scored, so the first candidate is
                // plotted first; never past a time budget.
                let time_left = search.config().time_budget_s.is_none_or(|t| elapsed_s < t);
                if let Some((name, genotype)) = self.references.first().cloned().filter(|_| !search.reports().is_empty() && time_left) {
                    let role = TrainingRole::Reference { name: name.to_string() };
                    return match outside(genotype, self.references_done, role).await {
                        Ok(report) => {
                            self.references.remove(0);
                            self.references_done += 1;
                            Advance::Scored(vec![FromEngine::Reference(ReferenceReport { name: name.to_string(), report })])
                        }
                        Err(advance) => advance,
                    };
                }
                let Some(candidate) = search.next_candidate_at(elapsed_s) else {
                    return Advance::Finished(finish(search, &mut self.reported));
                };
                let role = if candidate.parents.is_empty() { TrainingRole::Sampled } else { TrainingRole::Child };
                let Some((outcome, extras, backend_failed)) =
                    train_and_time(&candidate, (role, elapsed_s), evaluator, data, latency, device, input, &mut between_steps).await
                else {
                    return Advance::Interrupted;
                };
                if let (true, Outcome::Failed { reason }) = (backend_failed && self.fail_over, &outcome) {
                    return Advance::DeviceLost(reason.clone());
                }
                Advance::Scored(record(search, &candidate.arch_id, outcome, &mut self.reported, Some(extras)))
            }
        }
    }
}
