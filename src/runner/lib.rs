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
pub mod files;

use burn::module::Module;
use burn::tensor::Device;
use thiserror::Error;

use engine::problem::Origin;
use engine::space::SpaceConfig;
use engine::search::{ArchSpace, EvaluationRecord, Objective, Outcome, Search, SearchSpace};
use engine::tabular::{Nb201Dataset, Nb201SearchSpace, Nb201Table};
use nn::data::{Dataset, Split};
use nn::evaluate::{EvaluatorConfig, TrainingEvaluator};
use nn::latency::{LatencyConfig, measure};
use nn::train::{Budget, TrainConfig, TrainData};
use protocol::{
    CandidateReport, DatasetChoice, FromEngine, LatencyMeasurement, ReferenceReport, RunInfo, RunRequest, TrainingProgress,
};
use engine::space::Genotype;
use protocol::saved::Checkpoint;

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
    id: String,
    losses: Vec<f32>,
    measured_latency: Option<LatencyMeasurement>,
    inherited_params: u64,
}

enum Kind {
    Arch {
        search: Box<Search<ArchSpace>>,
        evaluator: Box<TrainingEvaluator>,
        data: Box<TrainData>,
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
    /// Reference architectures still to train (before the search's first candidate).
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
    /// Checks `request` and sets the run up on `device` (the table is needed in NAS-Bench-201 mode).
    pub fn new(request: &RunRequest, device: Device, table: Option<Nb201Table>) -> Result<Run, RunError> {
        Run::build(request, device, table, None)
    }

    /// As [`Self::new`] with the dataset already in hand: the user's files for
    /// [`DatasetChoice::Files`], or the built-in digits as the worker fetched them.
    pub fn with_dataset(request: &RunRequest, device: Device, dataset: Dataset) -> Result<Run, RunError> {
        Run::build(request, device, None, Some(dataset))
    }

    fn build(request: &RunRequest, device: Device, table: Option<Nb201Table>, files: Option<Dataset>) -> Result<Run, RunError> {
        request.check().map_err(|e| RunError::Settings(e.to_string()))?;
        let config = request.search.clone().check().map_err(|e| RunError::Settings(e.to_string()))?;
        let search_config = config.get().clone();
        let info = |dataset: String, images: usize, valid_images: usize, space: Option<SpaceConfig>| RunInfo {
            run_id: request.run_id.clone(),
            dataset,
            images: images as u32,
            valid_images: valid_images as u32,
            objectives: search_config.objectives.clone(),
            generations: search_config.generations,
            population: search_config.population,
            tabular: space.is_none(),
            space,
            target: search_config.target,
            latency: search_config.latency,
        };
        match &request.dataset {
            DatasetChoice::Nb201 { .. } if request.genotype.is_some() => Err(RunError::Settings(
                "an imported genotype is trained, so it needs a dataset to train on; NAS-Bench-201 only looks cells up".into(),
            )),
            DatasetChoice::Nb201 { dataset } => {
                let table = table.ok_or(RunError::NoTable)?;
                let search = Search::new(Nb201SearchSpace::new(*dataset, search_config.target), config);
                let name = format!("NAS-Bench-201 ({})", dataset.name());
                Ok(Run {
                    kind: Kind::Tabular { search: Box::new(search), table: Box::new(table), dataset: *dataset },
                    info: info(name, 0, 0, None),
                    reported: Reported::default(),
                    references: Vec::new(),
                    references_done: 0,
                    fail_over: false,
                    alone: Alone::No,
                })
            }
            choice => {
                let dataset = match choice {
                    DatasetChoice::Procedural { images } => Dataset::procedural(*images as usize, request.search.seed),
                    DatasetChoice::Files => files.ok_or(RunError::NoFiles)?,
                    _ => match files {
                        Some(digits) => digits,
                        None => Dataset::builtin_digits().map_err(|e| RunError::Dataset(e.to_string()))?,
                    },
                };
                let mut space_config = request.space.clone();
                space_config.input = dataset.shape();
                space_config.classes = dataset.classes() as u32;
                let space = ArchSpace::new(space_config.clone(), search_config.target)
                    .map_err(|e| RunError::Settings(format!("search space: {e}")))?;
                let t = &request.training;
                let split = Split::new(dataset.len(), t.valid_fraction, request.search.seed);
                let (images, valid_images) = (dataset.len(), split.valid.len());
                let name = dataset.name().to_string();
                let train = TrainConfig::new()
                    .with_budget(Budget::Steps(t.steps))
                    .with_batch_size(t.batch_size as usize)
                    .with_learning_rate(t.learning_rate)
                    .with_seed(request.search.seed);
                let evaluator = TrainingEvaluator::new(
                    space.space().clone(),
                    EvaluatorConfig::new(train, t.fine_tune_steps, t.inheritance),
                    device.clone(),
                );
                let latency = LatencyConfig { warmup: 2, runs: t.latency_runs, batch: 1 };
                let alone = match &request.genotype {
                    Some(text) => {
                        let genotype = Genotype::parse(text).map_err(|e| RunError::Settings(format!("imported genotype: {e}")))?;
                        space
                            .space()
                            .check_contains(&genotype)
                            .map_err(|e| RunError::Settings(format!("imported genotype {text:?} is not in this space: {e}")))?;
                        Alone::Pending(genotype)
                    }
                    None => Alone::No,
                };
                let searching = matches!(alone, Alone::No);
                // References are trained like candidates: a run that trains no candidate (only
                // cheap objectives) trains none either.
                let trains = search_config.objectives.contains(&Objective::Error);
                let references = if t.references && searching && trains { space.space().references() } else { Vec::new() };
                let mut info = info(name, images, valid_images, Some(space_config));
                if !searching {
                    (info.generations, info.population) = (1, 1);
                }
                Ok(Run {
                    kind: Kind::Arch {
                        search: Box::new(Search::new(space, config)),
                        evaluator: Box::new(evaluator),
                        data: Box::new(TrainData::new(dataset, split)),
                        latency,
                        device,
                    },
                    info,
                    reported: Reported::default(),
                    references,
                    references_done: 0,
                    fail_over: false,
                    alone,
                })
            }
        }
    }

    /// Continues a run from `checkpoint`, made by [`Self::checkpoint`] of a run of the same
    /// `request`. The engine goes on exactly where it was; candidates trained before the
    /// checkpoint keep their scores, but their weights are gone, so children of them train from
    /// scratch instead of inheriting.
    pub fn resume(
        request: &RunRequest,
        checkpoint: &Checkpoint,
        device: Device,
        table: Option<Nb201Table>,
        dataset: Option<Dataset>,
    ) -> Result<Run, RunError> {
        let mut run = Run::build(request, device, table, dataset)?;
        let bad = |e: serde_json::Error| RunError::Checkpoint(e.to_string());
        match &mut run.kind {
            Kind::Arch { search, .. } => {
                let snapshot = serde_json::from_str(&checkpoint.snapshot).map_err(bad)?;
                **search = Search::restore(search.space().clone(), snapshot).map_err(RunError::Checkpoint)?;
            }
            Kind::Tabular { search, .. } => {
                let snapshot = serde_json::from_str(&checkpoint.snapshot).map_err(bad)?;
                **search = Search::restore(search.space().clone(), snapshot).map_err(RunError::Checkpoint)?;
            }
        }
        let (config, records, reports) = match &run.kind {
            Kind::Arch { search, .. } => (search.config().clone(), search.records().len(), search.reports().len()),
            Kind::Tabular { search, .. } => (search.config().clone(), search.records().len(), search.reports().len()),
        };
        if config != *request.search.clone().check().map_err(|e| RunError::Settings(e.to_string()))?.get() {
            return Err(RunError::Checkpoint("it was made by a run with other search settings".into()));
        }
        if (records as u32, reports as u32) != (checkpoint.candidates, checkpoint.generations) {
            return Err(RunError::Checkpoint(format!(
                "it says {} candidates and {} generations but holds {records} and {reports}",
                checkpoint.candidates, checkpoint.generations
            )));
        }
        run.reported = Reported { records, generations: reports };
        let done = (checkpoint.references as usize).min(run.references.len());
        run.references.drain(..done);
        run.references_done = done as u32;
        Ok(run)
    }

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

    /// The trained weights of candidate (or reference) `arch_id` as burnpack bytes, or why not.
    pub async fn weights(&self, arch_id: &str) -> Result<Vec<u8>, String> {
        let Kind::Arch { evaluator, .. } = &self.kind else {
            return Err("NAS-Bench-201 candidates are looked up, not trained: they have no weights".into());
        };
        match evaluator.weights(arch_id).await {
            Some(bytes) => bytes.map_err(|e| e.to_string()),
            None => Err(format!(
                "the weights of {arch_id} are no longer in memory: only the most recently trained candidates of the last run in this page are kept"
            )),
        }
    }

    /// What the page is told when the run starts.
    pub fn info(&self) -> &RunInfo {
        &self.info
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
                Advance::Scored(record(search, &candidate.id, outcome, &mut self.reported, None))
            }
            Kind::Arch { search, evaluator, data, latency, device } => {
                let input = search.space().space().config().input;
                let mut outside = async |genotype: Genotype, number: u32, origin: Origin| {
                    score_outside(search, evaluator, data, latency, device, input, genotype, number, origin, self.fail_over, &mut between_steps)
                        .await
                };
                match std::mem::replace(&mut self.alone, Alone::Done) {
                    Alone::Pending(genotype) => {
                        return match outside(genotype.clone(), 0, Origin::Imported).await {
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
                if let Some((name, genotype)) = self.references.first().cloned() {
                    return match outside(genotype, self.references_done, Origin::Reference).await {
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
                let Some((outcome, extras, backend_failed)) =
                    train_and_time(&candidate, evaluator, data, latency, device, input, &mut between_steps).await
                else {
                    return Advance::Interrupted;
                };
                if let (true, Outcome::Failed { reason }) = (backend_failed && self.fail_over, &outcome) {
                    return Advance::DeviceLost(reason.clone());
                }
                Advance::Scored(record(search, &candidate.id, outcome, &mut self.reported, Some(extras)))
            }
        }
    }
}

/// Trains and times an architecture outside the search (a reference, or an imported genotype
/// evaluated alone) and scores it with the run's objectives and constraints, numbered `number`
/// with `origin`; or the [`Advance`] that stopped it (interrupted, or the device lost).
#[allow(clippy::too_many_arguments)]
async fn score_outside(
    search: &Search<ArchSpace>,
    evaluator: &mut TrainingEvaluator,
    data: &TrainData,
    latency: &LatencyConfig,
    device: &Device,
    input: engine::space::InputShape,
    genotype: Genotype,
    number: u32,
    origin: Origin,
    fail_over: bool,
    between_steps: &mut impl AsyncFnMut(TrainingProgress) -> bool,
) -> Result<CandidateReport, Advance> {
    let candidate = engine::search::Candidate {
        candidate_id: number,
        generation: 0,
        cheap: search.space().cheap(&genotype),
        id: genotype.arch_id(),
        text: genotype.to_text(),
        solution: genotype,
        parents: Vec::new(),
    };
    let (outcome, extras, backend_failed) =
        train_and_time(&candidate, evaluator, data, latency, device, input, between_steps).await.ok_or(Advance::Interrupted)?;
    if let (true, Outcome::Failed { reason }) = (backend_failed && fail_over, &outcome) {
        return Err(Advance::DeviceLost(reason.clone()));
    }
    let (cheap, assessed) = search.assess_outside(&candidate.solution, outcome);
    let record = EvaluationRecord {
        candidate_id: number,
        generation: 0,
        id: candidate.id,
        text: candidate.text,
        origin: vec![origin],
        parents: Vec::new(),
        cheap,
        fitness: assessed.fitness,
        status: assessed.status,
        error: assessed.error,
        details: assessed.details,
        solution: candidate.solution,
    };
    Ok(report(&record, extras))
}

/// Trains `candidate` (the hook hears every step; `None` when it interrupts) and times the
/// trained model on `device`: the outcome and what the record does not carry.
async fn train_and_time(
    candidate: &engine::search::Candidate<Genotype>,
    evaluator: &mut TrainingEvaluator,
    data: &TrainData,
    latency: &LatencyConfig,
    device: &Device,
    input: engine::space::InputShape,
    between_steps: &mut impl AsyncFnMut(TrainingProgress) -> bool,
) -> Option<(Outcome, Extras, bool)> {
    let (candidate_id, text) = (candidate.candidate_id, candidate.text.clone());
    let hook = async |step: nn::evaluate::StepProgress| {
        let progress = TrainingProgress { candidate_id, text: text.clone(), step: step.step, steps: step.steps, loss: step.loss };
        between_steps(progress).await
    };
    let evaluated = evaluator.evaluate_with(candidate, data, hook).await.ok()?;
    let mut outcome = evaluated.outcome;
    let mut backend_failed = evaluated.backend_failed;
    let mut measured_latency = None;
    if latency.runs > 0
        && matches!(outcome, Outcome::Evaluated { .. })
        && let Some(model) = evaluator.trained_model(&candidate.id)
    {
        match measure(&model.valid(), input, latency, device).await {
            Ok(measured) => {
                // The latency objective reads it when the run measures latency here.
                if let Outcome::Evaluated { details, .. } = &mut outcome {
                    details.measured_latency_ms = Some(measured.median_ms);
                }
                measured_latency = Some(measured);
            }
            Err(error) => {
                outcome = Outcome::Failed { reason: format!("timing its inference: {error}") };
                backend_failed = true;
            }
        }
    }
    let extras = Extras {
        id: candidate.id.clone(),
        losses: evaluated.report.losses,
        measured_latency,
        inherited_params: evaluated.inheritance.inherited_params as u64,
    };
    Some((outcome, extras, backend_failed))
}

/// Records `outcome` and returns the events of every record made since the last report.
fn record<P: SearchSpace>(
    search: &mut Search<P>,
    id: &str,
    outcome: Outcome,
    reported: &mut Reported,
    extras: Option<Extras>,
) -> Vec<FromEngine> {
    match search.record(id, outcome) {
        // The generation it completed, if any, is among the search's reports: drained too.
        Ok(_) => drain(search, reported, extras),
        // The id came from this search's own `next_candidate`, so this is a broken invariant,
        // reported rather than panicking.
        Err(error) => vec![FromEngine::Error(protocol::EngineError {
            context: "recording a candidate".into(),
            message: error.to_string(),
        })],
    }
}

/// The last reports of a search that has ended, and why it ended early if it did.
fn finish<P: SearchSpace>(search: &Search<P>, reported: &mut Reported) -> Vec<FromEngine>
where
    P::Solution: Clone,
{
    let mut events = drain(search, reported, None);
    events.extend(search.fault().map(|fault| FromEngine::Error(protocol::EngineError::new("running the search", fault.to_string()))));
    events
}

/// How many of the search's records and generation summaries the page has been told of.
#[derive(Debug, Clone, Copy, Default)]
struct Reported {
    records: usize,
    generations: usize,
}

/// Events for the records and generation summaries made since `reported`, in the order they
/// happened: a generation's summary after its candidates and before the next generation's.
/// (Cheap candidates and whole generations can be settled inside one `next_candidate`.)
fn drain<P: SearchSpace>(search: &Search<P>, reported: &mut Reported, mut extras: Option<Extras>) -> Vec<FromEngine> {
    let records = search.records().get(reported.records..).unwrap_or_default();
    let summaries = search.reports().get(reported.generations..).unwrap_or_default();
    *reported = Reported { records: search.records().len(), generations: search.reports().len() };
    let mut summaries = summaries.iter().peekable();
    let mut events = Vec::new();
    for r in records {
        while let Some(summary) = summaries.next_if(|s| s.generation < r.generation) {
            events.push(FromEngine::Generation(summary.clone()));
        }
        let mine = extras.take_if(|e| e.id == r.id).unwrap_or_default();
        events.push(FromEngine::Candidate(report(r, mine)));
    }
    events.extend(summaries.cloned().map(FromEngine::Generation));
    events
}

fn report<S>(r: &EvaluationRecord<S>, extras: Extras) -> CandidateReport {
    CandidateReport {
        candidate_id: r.candidate_id,
        generation: r.generation,
        id: r.id.clone(),
        text: r.text.clone(),
        origin: r.origin.clone(),
        parents: r.parents.clone(),
        cheap: r.cheap,
        objectives: r.fitness.objectives.clone(),
        violation: r.fitness.violation,
        status: r.status.clone(),
        error: r.error,
        details: r.details.clone(),
        losses: extras.losses,
        measured_latency: extras.measured_latency,
        inherited_params: extras.inherited_params,
    }
}
