//! A search run: a configuration checked once, cheap objectives and constraints computed
//! before any expensive evaluation, an evaluation cache by id, termination by generations,
//! evaluations or time, and a report per generation.
//!
//! The run is driven from outside, one candidate at a time ([`Search::next_candidate`] then
//! [`Search::record`]): the worker trains a candidate between the two calls, the native CLI
//! looks it up in a table. Nothing here waits or reads a clock; elapsed time is passed in.
//!
//! ```
//! use engine::search::{Objective, Outcome, Search, SearchConfig, ArchSpace};
//! use engine::space::{InputShape, SpaceConfig};
//! use engine::hardware::Target;
//! let config = SearchConfig {
//!     objectives: vec![Objective::Latency, Objective::Params],
//!     population: 8,
//!     generations: 3,
//!     ..SearchConfig::default()
//! };
//! let space = ArchSpace::new(SpaceConfig::for_input(InputShape::DIGITS, 10), Target::Mobile).unwrap();
//! let mut search = Search::new(space, config.check().unwrap());
//! // Only cheap objectives: nothing needs training, so `next` has nothing to hand out.
//! assert!(search.next_candidate().is_none());
//! assert!(search.finished(0.0));
//! assert_eq!(search.reports().len(), 3);
//! assert!(search.reports()[2].hypervolume > 0.0);
//! ```

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::baselines::{RandomSearch, RegularizedEvolution};
use crate::cost::{Cost, cost};
use crate::hardware::{DeviceProfile, LatencyModel, Roofline, Target};
use crate::limits::Whole;
use crate::moo::{Fitness, ParetoArchive, hypervolume};
use crate::nsga2::{Nsga2, Nsga2Config};
use crate::problem::{Origin, Problem, Proposal, Strategy, VariationCounts, check_fitness, check_proposals};
use crate::rng::{EngineRng, Seed};
use crate::space::{Cell, CrossoverKind, Genotype, Layer, Space, SpaceConfig, SpaceError, Stage};

/// An objective to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// 1 − top-1 validation accuracy (needs the expensive evaluation).
    Error,
    /// Predicted latency on the target, milliseconds.
    Latency,
    /// Parameters, millions.
    Params,
    /// Multiply-accumulates, millions.
    Macs,
    /// Energy per inference on the target, millijoules.
    Energy,
}

impl Objective {
    /// All objectives.
    pub const ALL: [Objective; 5] = [Objective::Error, Objective::Latency, Objective::Params, Objective::Macs, Objective::Energy];

    /// Name used in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Error => "error",
            Objective::Latency => "latency",
            Objective::Params => "params",
            Objective::Macs => "macs",
            Objective::Energy => "energy",
        }
    }

    /// The objective with this name.
    pub fn from_name(name: &str) -> Option<Objective> {
        Objective::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// Which strategy runs the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    /// NSGA-II.
    Nsga2,
    /// Random search.
    Random,
    /// Regularized (aging) evolution.
    RegularizedEvolution,
}

impl StrategyKind {
    /// Name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StrategyKind::Nsga2 => "nsga2",
            StrategyKind::Random => "random",
            StrategyKind::RegularizedEvolution => "regularized_evolution",
        }
    }

    /// The strategy with this name (`rea` is accepted for regularized evolution).
    pub fn from_name(name: &str) -> Option<StrategyKind> {
        match name {
            "nsga2" => Some(StrategyKind::Nsga2),
            "random" => Some(StrategyKind::Random),
            "regularized_evolution" | "rea" => Some(StrategyKind::RegularizedEvolution),
            _ => None,
        }
    }
}

/// Hardware constraints; a candidate that violates one is never trained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Constraints {
    /// Most milliseconds of predicted latency on the target.
    pub max_latency_ms: Option<f64>,
    /// Most parameters.
    pub max_params: Option<u64>,
    /// Most multiply-accumulates.
    pub max_macs: Option<u64>,
}

/// Where the latency objective comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencySource {
    /// Predicted for the target by its analytical profile: known before training, the same on
    /// every machine.
    #[default]
    Predicted,
    /// Measured on the device that trains the candidates (the evaluator's `measured_latency_ms`
    /// detail); the prediction stands in where nothing was measured (candidates never trained).
    /// Constraints still use the prediction: they act before training.
    Measured,
}

/// Everything a run needs besides its space. Check it with [`SearchConfig::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchConfig {
    /// The strategy.
    pub strategy: StrategyKind,
    /// 2 to 5 distinct objectives.
    pub objectives: Vec<Objective>,
    /// Hardware constraints.
    pub constraints: Constraints,
    /// The hardware target of the latency and energy objectives.
    pub target: Target,
    /// Where the latency objective comes from.
    pub latency: LatencySource,
    /// Population size: NSGA-II's μ and λ; random search's batch; regularized evolution's queue
    /// and batch (each generation makes this many children by tournament from the current
    /// queue, then the oldest leave), so every strategy evaluates this many per generation.
    pub population: u32,
    /// Tournament size of regularized evolution (ignored by the other strategies).
    pub tournament: u32,
    /// Generations to run (the initial population is generation 0).
    pub generations: u32,
    /// Stop after this many expensive evaluations.
    pub max_evaluations: Option<u32>,
    /// Stop after this many seconds.
    pub time_budget_s: Option<f64>,
    /// Draws allowed to find an unseen, feasible child before a violator is kept.
    pub max_resample: u32,
    /// The seed of every random choice.
    pub seed: u64,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            strategy: StrategyKind::Nsga2,
            objectives: vec![Objective::Error, Objective::Latency, Objective::Params],
            constraints: Constraints::default(),
            target: Target::Mobile,
            latency: LatencySource::Predicted,
            population: 12,
            tournament: 3,
            generations: 6,
            max_evaluations: None,
            time_budget_s: None,
            max_resample: 50,
            seed: Seed::default().0,
        }
    }
}

/// A refused configuration: the field, its value and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field} = {value} is invalid; allowed: {allowed}")]
pub struct ConfigError {
    /// The field.
    pub field: String,
    /// Its value.
    pub value: String,
    /// What is allowed.
    pub allowed: String,
}

/// A configuration that passed [`SearchConfig::check`]; read back from storage, it is checked
/// again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SearchConfig")]
pub struct ValidSearchConfig(SearchConfig);

impl TryFrom<SearchConfig> for ValidSearchConfig {
    type Error = ConfigError;
    fn try_from(config: SearchConfig) -> Result<Self, ConfigError> {
        config.check()
    }
}

impl ValidSearchConfig {
    /// The checked configuration.
    pub fn get(&self) -> &SearchConfig {
        &self.0
    }
}

impl SearchConfig {
    /// Population sizes allowed.
    pub const POPULATION: Whole = Whole::new(2, 1000);
    /// Generation counts allowed.
    pub const GENERATIONS: Whole = Whole::new(1, 10_000);

    /// Checks every field once; only checked configs reach a run.
    pub fn check(self) -> Result<ValidSearchConfig, ConfigError> {
        let fail = |field: &str, value: String, allowed: &str| {
            Err(ConfigError { field: field.to_string(), value, allowed: allowed.to_string() })
        };
        let mut distinct = self.objectives.clone();
        distinct.sort();
        distinct.dedup();
        let names = || self.objectives.iter().map(|o| o.name()).collect::<Vec<_>>().join(",");
        if distinct.len() != self.objectives.len() {
            return fail("objectives", names(), "each objective at most once");
        }
        if !(2..=5).contains(&self.objectives.len()) && self.strategy == StrategyKind::Nsga2 {
            return fail("objectives", names(), "2 to 5 of error, latency, params, macs, energy");
        }
        if !(1..=5).contains(&self.objectives.len()) {
            return fail("objectives", names(), "1 to 5 of error, latency, params, macs, energy");
        }
        if !Self::POPULATION.contains(self.population) {
            return fail("population", self.population.to_string(), &Self::POPULATION.to_string());
        }
        if self.strategy == StrategyKind::RegularizedEvolution
            && (!(1..=100).contains(&self.tournament) || self.tournament > self.population)
        {
            return fail("tournament", self.tournament.to_string(), "1 to the population size (at most 100)");
        }
        if !Self::GENERATIONS.contains(self.generations) {
            return fail("generations", self.generations.to_string(), &Self::GENERATIONS.to_string());
        }
        if self.max_evaluations == Some(0) {
            return fail("max_evaluations", "0".into(), "at least 1, or none");
        }
        if let Some(seconds) = self.time_budget_s
            && !(seconds.is_finite() && seconds > 0.0)
        {
            return fail("time_budget_s", seconds.to_string(), "a positive number of seconds, or none");
        }
        if !(1..=10_000).contains(&self.max_resample) {
            return fail("max_resample", self.max_resample.to_string(), "1 to 10000");
        }
        if let Some(ms) = self.constraints.max_latency_ms
            && !(ms.is_finite() && ms > 0.0)
        {
            return fail("constraints.max_latency_ms", ms.to_string(), "a positive number of milliseconds");
        }
        if self.constraints.max_params == Some(0) {
            return fail("constraints.max_params", "0".into(), "at least 1");
        }
        if self.constraints.max_macs == Some(0) {
            return fail("constraints.max_macs", "0".into(), "at least 1");
        }
        Ok(ValidSearchConfig(self))
    }
}

/// The objectives known from the architecture alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CheapMetrics {
    /// Parameters.
    pub params: u64,
    /// Multiply-accumulates.
    pub macs: u64,
    /// Peak activation memory, bytes.
    pub peak_activation_bytes: u64,
    /// Predicted latency on the target, milliseconds.
    pub latency_ms: f64,
    /// Predicted energy on the target, millijoules.
    pub energy_mj: f64,
}

impl CheapMetrics {
    /// The metrics of a network's cost on a hardware model.
    pub fn from_cost(cost: &Cost, model: &Roofline) -> Self {
        CheapMetrics {
            params: cost.params,
            macs: cost.macs,
            peak_activation_bytes: cost.peak_activation_bytes,
            latency_ms: model.latency_ms(cost),
            energy_mj: model.energy_mj(cost),
        }
    }
}

/// A space a [`Search`] can run over: a [`Problem`] whose solutions have cheap metrics.
pub trait SearchSpace: Problem {
    /// The metrics known without training.
    fn cheap(&self, solution: &Self::Solution) -> CheapMetrics;
    /// A human-readable form (the canonical text).
    fn describe(&self, solution: &Self::Solution) -> String;
    /// Upper bounds of the cheap metrics over the space, used to normalise the hypervolume.
    fn bounds(&self) -> CheapMetrics;
    /// Whether `solution` (read back from storage) lies in this space; `Err` says why not.
    fn contains(&self, solution: &Self::Solution) -> Result<(), String>;
    /// The stage of a progressive space open at `generation` (none for a fixed space).
    fn stage_number(&self, _generation: u32) -> Option<u8> {
        None
    }
}

/// The progressive architecture space on a hardware target.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchSpace {
    space: Space,
    model: Roofline,
    bounds: CheapMetrics,
}

impl ArchSpace {
    /// The space of `config` with latency and energy predicted for `target`.
    pub fn new(config: SpaceConfig, target: Target) -> Result<ArchSpace, SpaceError> {
        Self::with_profile(config, DeviceProfile::builtin(target))
    }

    /// The same with any device profile.
    pub fn with_profile(config: SpaceConfig, profile: DeviceProfile) -> Result<ArchSpace, SpaceError> {
        let space = Space::new(config)?;
        let model = Roofline::new(profile);
        let bounds = Self::largest(&space, &model);
        Ok(ArchSpace { space, model, bounds })
    }

    /// The underlying space.
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// The stage open at `generation`.
    pub fn stage_at(&self, generation: u32) -> Stage {
        self.space.config().schedule.stage_at(generation)
    }

    /// Bounds from the largest networks: every cell at its widest with the most layers, all of
    /// one op and the most skip inputs, for each op; the maximum of each metric.
    fn largest(space: &Space, model: &Roofline) -> CheapMetrics {
        let config = space.config();
        let mut bounds = CheapMetrics { params: 1, macs: 1, peak_activation_bytes: 1, latency_ms: 0.0, energy_mj: 0.0 };
        for op in config.schedule.open_ops(Stage::Three) {
            let cells = config
                .cell_widths
                .iter()
                .map(|widths| Cell {
                    width: widths.iter().copied().max().unwrap_or(1),
                    layers: (0..config.max_layers as usize)
                        .map(|l| Layer {
                            op,
                            skips: (0..l as u8).rev().take(config.max_skips as usize).rev().collect(),
                        })
                        .collect(),
                })
                .collect();
            let c = CheapMetrics::from_cost(&cost(config, &Genotype { cells }), model);
            bounds.params = bounds.params.max(c.params);
            bounds.macs = bounds.macs.max(c.macs);
            bounds.peak_activation_bytes = bounds.peak_activation_bytes.max(c.peak_activation_bytes);
            bounds.latency_ms = bounds.latency_ms.max(c.latency_ms);
            bounds.energy_mj = bounds.energy_mj.max(c.energy_mj);
        }
        bounds
    }
}

impl Problem for ArchSpace {
    type Solution = Genotype;

    fn sample(&self, generation: u32, rng: &mut EngineRng) -> Genotype {
        self.space.sample(self.stage_at(generation), rng)
    }

    fn crossover(&self, a: &Genotype, b: &Genotype, _generation: u32, rng: &mut EngineRng) -> (Genotype, Genotype, &'static str) {
        let (x, y, kind) = self.space.crossover(a, b, rng);
        (x, y, match kind {
            CrossoverKind::Cell => "cell",
            CrossoverKind::Layer => "layer",
        })
    }

    fn mutate(&self, genotype: &Genotype, generation: u32, rng: &mut EngineRng) -> (Genotype, &'static str) {
        let mutated = self.space.mutate(genotype, self.stage_at(generation), rng);
        (mutated.genotype, mutated.kind.label())
    }

    fn id(&self, genotype: &Genotype) -> String {
        genotype.arch_id()
    }
}

impl SearchSpace for ArchSpace {
    fn cheap(&self, genotype: &Genotype) -> CheapMetrics {
        CheapMetrics::from_cost(&cost(self.space.config(), genotype), &self.model)
    }

    fn describe(&self, genotype: &Genotype) -> String {
        genotype.to_text()
    }

    fn contains(&self, genotype: &Genotype) -> Result<(), String> {
        self.space.check_contains(genotype).map_err(|e| e.to_string())
    }

    fn stage_number(&self, generation: u32) -> Option<u8> {
        Some(self.stage_at(generation).number())
    }

    fn bounds(&self) -> CheapMetrics {
        self.bounds
    }
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
    /// The evaluation failed.
    Failed {
        /// Why.
        reason: String,
    },
}

/// Violation given to a failed candidate: worse than any constraint violation.
const FAILED_VIOLATION: f64 = 1e9;

/// One scored candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRecord<S> {
    /// Sequential number within the run.
    pub candidate_id: u32,
    /// The generation that proposed it.
    pub generation: u32,
    /// Its id (`arch_id`).
    pub id: String,
    /// The solution.
    pub solution: S,
    /// Its canonical text.
    pub text: String,
    /// How it was made.
    pub origin: Vec<Origin>,
    /// Ids of its parents, the main one first.
    #[serde(default)]
    pub parents: Vec<String>,
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
    /// Its id.
    pub id: String,
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
    /// Expensive evaluations so far.
    pub evaluations_total: u32,
    /// The feasible non-dominated set of everything evaluated so far.
    pub front: Vec<FrontPoint>,
    /// Its hypervolume, objectives normalised by the space's bounds, reference 1.1 each.
    pub hypervolume: f64,
}

/// A candidate to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate<S> {
    /// Sequential number within the run.
    pub candidate_id: u32,
    /// The generation that proposed it.
    pub generation: u32,
    /// Its id.
    pub id: String,
    /// The solution.
    pub solution: S,
    /// Its canonical text.
    pub text: String,
    /// Its cheap metrics.
    pub cheap: CheapMetrics,
    /// Ids of its parents, the main one first (empty for a random sample).
    pub parents: Vec<String>,
}

/// Why a record was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SearchError {
    /// The id is not the candidate waiting for evaluation.
    #[error("candidate {id} is not waiting for evaluation")]
    NotPending {
        /// The id given.
        id: String,
    },
    /// The error is not in [0, 1].
    #[error("validation error {error} of candidate {id} is not in [0, 1]")]
    BadError {
        /// The candidate.
        id: String,
        /// The value given.
        error: f64,
    },
    /// The strategy refused a generation's results; the run ended there.
    #[error("the search strategy refused a generation's results: {0}")]
    Strategy(String),
}

/// The strategy of a run, as serde data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: DeserializeOwned"))]
#[serde(rename_all = "snake_case", tag = "kind", content = "state")]
pub enum AnyStrategy<S> {
    /// NSGA-II.
    Nsga2(crate::nsga2::Nsga2Snapshot<S>),
    /// Random search.
    Random(RandomSearch<S>),
    /// Regularized evolution.
    RegularizedEvolution(RegularizedEvolution<S>),
}

/// What an evaluation outcome amounts to in a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    /// The error, when evaluated.
    pub error: Option<f64>,
    /// The evaluator's details.
    pub details: Details,
    /// Objectives and violation.
    pub fitness: Fitness,
    /// How it ended.
    pub status: RecordStatus,
}

/// The complete state of a run, as plain serde data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: DeserializeOwned"))]
pub struct SearchSnapshot<S> {
    config: ValidSearchConfig,
    strategy: AnyStrategy<S>,
    batch: Vec<Proposal<S>>,
    batch_generation: u32,
    batch_results: Vec<Option<Fitness>>,
    batch_counts: VariationCounts,
    records: Vec<EvaluationRecord<S>>,
    cache: BTreeMap<String, u32>,
    reports: Vec<GenerationSummary>,
    evaluations: u32,
    exhausted: bool,
}

impl<S> SearchSnapshot<S> {
    fn check<P: SearchSpace<Solution = S>>(&self, space: &P) -> Result<(), String> {
        let config = self.config.get();
        let objectives = config.objectives.len();
        let contains = |s: &S| space.contains(s);
        match (&self.strategy, config.strategy) {
            (AnyStrategy::Nsga2(state), StrategyKind::Nsga2) => state.check_restored(objectives, &contains)?,
            (AnyStrategy::Random(state), StrategyKind::Random) => state.check_restored(objectives, &contains)?,
            (AnyStrategy::RegularizedEvolution(state), StrategyKind::RegularizedEvolution) => {
                state.check_restored(objectives, &contains)?
            }
            (_, kind) => return Err(format!("its strategy's state is not that of {kind:?}, the configured strategy")),
        }
        if self.batch_results.len() != self.batch.len() {
            return Err(format!("{} results for a batch of {}", self.batch_results.len(), self.batch.len()));
        }
        check_proposals("batch proposal", &self.batch, &contains)?;
        for (i, result) in self.batch_results.iter().enumerate() {
            if let Some(fitness) = result {
                check_fitness(&format!("batch result {i}"), fitness, objectives)?;
            }
        }
        for (i, record) in self.records.iter().enumerate() {
            if record.candidate_id as usize != i {
                return Err(format!("record {i} says it is candidate {}", record.candidate_id));
            }
            space.contains(&record.solution).map_err(|e| format!("record {i} ({}): {e}", record.id))?;
            check_fitness(&format!("record {i}"), &record.fitness, objectives)?;
        }
        for (id, &index) in &self.cache {
            match self.records.get(index as usize) {
                Some(record) if record.id == *id => {}
                Some(record) => return Err(format!("the cache sends {id} to record {index}, which is {}", record.id)),
                None => return Err(format!("the cache sends {id} to record {index} of {}", self.records.len())),
            }
        }
        if self.evaluations as usize > self.records.len() {
            return Err(format!("{} evaluations but {} records", self.evaluations, self.records.len()));
        }
        Ok(())
    }
}

/// A running search over a [`SearchSpace`].
#[derive(Debug, Clone)]
pub struct Search<P: SearchSpace> {
    space: P,
    state: SearchSnapshot<P::Solution>,
    /// Why the run stopped early, if its strategy refused a generation (see [`Self::fault`]).
    fault: Option<SearchError>,
}

/// The problem a strategy sees: the space plus the run's constraints as cheap violation.
struct Constrained<'a, P> {
    space: &'a P,
    constraints: Constraints,
}

impl<P: SearchSpace> Problem for Constrained<'_, P> {
    type Solution = P::Solution;

    fn sample(&self, generation: u32, rng: &mut EngineRng) -> P::Solution {
        self.space.sample(generation, rng)
    }
    fn crossover(&self, a: &P::Solution, b: &P::Solution, generation: u32, rng: &mut EngineRng) -> (P::Solution, P::Solution, &'static str) {
        self.space.crossover(a, b, generation, rng)
    }
    fn mutate(&self, s: &P::Solution, generation: u32, rng: &mut EngineRng) -> (P::Solution, &'static str) {
        self.space.mutate(s, generation, rng)
    }
    fn id(&self, s: &P::Solution) -> String {
        self.space.id(s)
    }
    fn cheap_violation(&self, s: &P::Solution) -> f64 {
        violation(&self.constraints, &self.space.cheap(s))
    }
}

/// Sum of relative excesses over the limits (0 when every constraint holds).
pub fn violation(constraints: &Constraints, cheap: &CheapMetrics) -> f64 {
    let excess = |value: f64, limit: Option<f64>| limit.map_or(0.0, |l| (value / l - 1.0).max(0.0));
    excess(cheap.latency_ms, constraints.max_latency_ms)
        + excess(cheap.params as f64, constraints.max_params.map(|p| p as f64))
        + excess(cheap.macs as f64, constraints.max_macs.map(|m| m as f64))
}

impl<P: SearchSpace> Search<P> {
    /// A new run over `space`.
    pub fn new(space: P, config: ValidSearchConfig) -> Self {
        let c = config.get();
        let seed = Seed(c.seed);
        let strategy = match c.strategy {
            StrategyKind::Nsga2 => AnyStrategy::Nsga2(
                Nsga2::new(
                    Nsga2Config {
                        population: c.population as usize,
                        offspring: 0,
                        crossover_probability: 0.9,
                        mutation_probability: 1.0,
                        max_tries: c.max_resample,
                    },
                    seed,
                )
                .snapshot(),
            ),
            StrategyKind::Random => AnyStrategy::Random(RandomSearch::new(c.population as usize, seed)),
            StrategyKind::RegularizedEvolution => AnyStrategy::RegularizedEvolution(RegularizedEvolution::new(
                c.population as usize,
                c.tournament as usize,
                c.population as usize,
                seed,
            )),
        };
        Search {
            space,
            state: SearchSnapshot {
                config,
                strategy,
                batch: Vec::new(),
                batch_generation: 0,
                batch_results: Vec::new(),
                batch_counts: VariationCounts::default(),
                records: Vec::new(),
                cache: BTreeMap::new(),
                reports: Vec::new(),
                evaluations: 0,
                exhausted: false,
            },
            fault: None,
        }
    }

    /// Continues a saved run exactly, once the snapshot (read back from storage) checks: its
    /// strategy is the configured one, every index and count is in range, every solution lies
    /// in `space` and every fitness has the run's objectives. `Err` names what is wrong.
    pub fn restore(space: P, snapshot: SearchSnapshot<P::Solution>) -> Result<Self, String> {
        snapshot.check(&space)?;
        Ok(Search { space, state: snapshot, fault: None })
    }

    /// Why the run ended early: its strategy refused the results of a generation (a broken
    /// invariant, reported instead of dropped). The run is over once this is set.
    pub fn fault(&self) -> Option<&SearchError> {
        self.fault.as_ref()
    }

    /// The complete state, to save.
    pub fn snapshot(&self) -> SearchSnapshot<P::Solution> {
        self.state.clone()
    }

    /// The space.
    pub fn space(&self) -> &P {
        &self.space
    }

    /// The configuration.
    pub fn config(&self) -> &SearchConfig {
        self.state.config.get()
    }

    /// Every scored candidate, in order.
    pub fn records(&self) -> &[EvaluationRecord<P::Solution>] {
        &self.state.records
    }

    /// One report per completed generation.
    pub fn reports(&self) -> &[GenerationSummary] {
        &self.state.reports
    }

    /// Expensive evaluations so far.
    pub fn evaluations(&self) -> u32 {
        self.state.evaluations
    }

    /// Whether the run is over: generations done, evaluation or time budget spent, or the
    /// space exhausted. `elapsed_s` is the run's time so far (the caller's clock).
    pub fn finished(&self, elapsed_s: f64) -> bool {
        let c = self.config();
        self.state.exhausted
            || self.state.reports.len() as u32 >= c.generations
            || c.max_evaluations.is_some_and(|m| self.state.evaluations >= m)
            || c.time_budget_s.is_some_and(|t| elapsed_s >= t)
    }

    /// Progress in [0, 1]: the furthest of the generation, evaluation and time fractions.
    pub fn progress(&self, elapsed_s: f64) -> f64 {
        if self.finished(elapsed_s) {
            return 1.0;
        }
        let c = self.config();
        let mut progress = self.state.reports.len() as f64 / f64::from(c.generations);
        if let Some(m) = c.max_evaluations {
            progress = progress.max(f64::from(self.state.evaluations) / f64::from(m));
        }
        if let Some(t) = c.time_budget_s {
            progress = progress.max(elapsed_s / t);
        }
        progress.clamp(0.0, 1.0)
    }

    /// The next candidate that needs an expensive evaluation, or `None` when the run is over
    /// (asking again before [`Self::record`] returns the same candidate). Candidates that need
    /// no evaluation — cache hits, constraint violators, or all of them when no objective
    /// needs one — are scored on the way; a generation completed on the way is reported.
    pub fn next_candidate(&mut self) -> Option<Candidate<P::Solution>> {
        self.next_candidate_at(0.0)
    }

    /// As [`Self::next_candidate`], with the run's elapsed time for the time budget.
    pub fn next_candidate_at(&mut self, elapsed_s: f64) -> Option<Candidate<P::Solution>> {
        loop {
            if self.finished(elapsed_s) {
                return None;
            }
            if self.state.batch.is_empty() && !self.ask() {
                return None;
            }
            let open = self.state.batch_results.iter().position(Option::is_none);
            let Some(slot) = open else {
                self.finish_generation();
                continue;
            };
            if let Some(candidate) = self.settle_cheaply(slot) {
                return Some(candidate);
            }
        }
    }

    /// Records the evaluation of the pending candidate `id`. Returns the generation's summary
    /// when this completes it.
    pub fn record(&mut self, id: &str, outcome: Outcome) -> Result<Option<GenerationSummary>, SearchError> {
        let slot = self
            .state
            .batch_results
            .iter()
            .position(Option::is_none)
            .filter(|&slot| self.state.batch[slot].id == id)
            .ok_or_else(|| SearchError::NotPending { id: id.to_string() })?;
        if let Outcome::Evaluated { error, .. } = &outcome
            && !(0.0..=1.0).contains(error)
        {
            return Err(SearchError::BadError { id: id.to_string(), error: *error });
        }
        let proposal = self.state.batch[slot].clone();
        let cheap = self.space.cheap(&proposal.solution);
        let Assessed { error, details, fitness, status } = self.assess(&cheap, outcome);
        self.state.evaluations += 1;
        self.push_record(&proposal, cheap, error, details, fitness.clone(), status);
        self.state.cache.insert(proposal.id.clone(), (self.state.records.len() - 1) as u32);
        self.state.batch_results[slot] = Some(fitness);
        if self.state.batch_results.iter().all(Option::is_some) {
            return Ok(Some(self.finish_generation()));
        }
        Ok(None)
    }

    /// Scores an architecture evaluated outside the search (a reference to compare with): its
    /// cheap metrics and what a record of it would hold, its constraint violation included.
    /// The search itself is left as it was.
    pub fn assess_outside(&self, solution: &P::Solution, outcome: Outcome) -> (CheapMetrics, Assessed) {
        let cheap = self.space.cheap(solution);
        let mut assessed = self.assess(&cheap, outcome);
        if assessed.fitness.violation < FAILED_VIOLATION {
            assessed.fitness.violation = violation(&self.config().constraints, &cheap);
        }
        (cheap, assessed)
    }

    fn assess(&self, cheap: &CheapMetrics, outcome: Outcome) -> Assessed {
        match outcome {
            Outcome::Evaluated { error, details } => Assessed {
                error: Some(error),
                fitness: Fitness::feasible(self.objectives(Some(error), cheap, Some(&details))),
                details,
                status: RecordStatus::Evaluated,
            },
            Outcome::Failed { reason } => Assessed {
                error: None,
                details: Details::default(),
                fitness: Fitness { objectives: self.objectives(Some(1.0), cheap, None), violation: FAILED_VIOLATION },
                status: RecordStatus::Failed { reason },
            },
        }
    }

    /// The feasible non-dominated set of everything scored so far.
    pub fn front(&self) -> Vec<&EvaluationRecord<P::Solution>> {
        let mut archive = ParetoArchive::new();
        for (i, r) in self.state.records.iter().enumerate() {
            if r.fitness.is_feasible() && !matches!(r.status, RecordStatus::Failed { .. }) {
                archive.insert(r.id.clone(), i, r.fitness.clone());
            }
        }
        archive.entries().iter().map(|e| &self.state.records[e.item]).collect()
    }

    fn needs_evaluation(&self) -> bool {
        self.config().objectives.contains(&Objective::Error)
    }

    /// Objective values in the configured order; `error` 1.0 when unknown.
    fn objectives(&self, error: Option<f64>, cheap: &CheapMetrics, details: Option<&Details>) -> Vec<f64> {
        let measured = details
            .and_then(|d| d.measured_latency_ms)
            .filter(|_| self.config().latency == LatencySource::Measured);
        self.config()
            .objectives
            .iter()
            .map(|o| match o {
                Objective::Error => error.unwrap_or(1.0),
                Objective::Latency => measured.unwrap_or(cheap.latency_ms),
                Objective::Params => cheap.params as f64 / 1e6,
                Objective::Macs => cheap.macs as f64 / 1e6,
                Objective::Energy => cheap.energy_mj,
            })
            .collect()
    }

    fn ask(&mut self) -> bool {
        let constrained = Constrained { space: &self.space, constraints: self.state.config.get().constraints };
        let generation = self.state.reports.len() as u32;
        let (batch, counts) = match &mut self.state.strategy {
            AnyStrategy::Nsga2(snapshot) => {
                let mut nsga = Nsga2::restore(snapshot.clone());
                let batch = nsga.ask(&constrained);
                *snapshot = nsga.snapshot();
                (batch, snapshot.pending_counts.clone())
            }
            AnyStrategy::Random(s) => (s.ask(&constrained), VariationCounts::default()),
            AnyStrategy::RegularizedEvolution(s) => (s.ask(&constrained), VariationCounts::default()),
        };
        if batch.is_empty() {
            self.state.exhausted = true;
            return false;
        }
        self.state.batch_results = vec![None; batch.len()];
        self.state.batch = batch;
        self.state.batch_generation = generation;
        self.state.batch_counts = counts;
        true
    }

    /// Scores slot `slot` without an expensive evaluation where possible; otherwise returns it
    /// as the candidate to evaluate.
    fn settle_cheaply(&mut self, slot: usize) -> Option<Candidate<P::Solution>> {
        let proposal = self.state.batch[slot].clone();
        let cheap = self.space.cheap(&proposal.solution);
        let fitness = if let Some(&index) = self.state.cache.get(&proposal.id) {
            self.state.records[index as usize].fitness.clone()
        } else if proposal.cheap_violation > 0.0 {
            let fitness = Fitness { objectives: self.objectives(None, &cheap, None), violation: proposal.cheap_violation };
            self.push_record(&proposal, cheap, None, Details::default(), fitness.clone(), RecordStatus::ConstraintViolated);
            fitness
        } else if !self.needs_evaluation() {
            let fitness = Fitness::feasible(self.objectives(None, &cheap, None));
            self.push_record(&proposal, cheap, None, Details::default(), fitness.clone(), RecordStatus::CheapOnly);
            self.state.cache.insert(proposal.id.clone(), (self.state.records.len() - 1) as u32);
            fitness
        } else {
            return Some(Candidate {
                candidate_id: self.state.records.len() as u32,
                generation: self.state.batch_generation,
                text: self.space.describe(&proposal.solution),
                id: proposal.id,
                solution: proposal.solution,
                cheap,
                parents: proposal.parents,
            });
        };
        self.state.batch_results[slot] = Some(fitness);
        None
    }

    fn push_record(
        &mut self,
        proposal: &Proposal<P::Solution>,
        cheap: CheapMetrics,
        error: Option<f64>,
        details: Details,
        fitness: Fitness,
        status: RecordStatus,
    ) {
        self.state.records.push(EvaluationRecord {
            candidate_id: self.state.records.len() as u32,
            generation: self.state.batch_generation,
            id: proposal.id.clone(),
            text: self.space.describe(&proposal.solution),
            solution: proposal.solution.clone(),
            origin: proposal.origin.clone(),
            parents: proposal.parents.clone(),
            cheap,
            error,
            details,
            fitness,
            status,
        });
    }

    /// Tells the strategy the completed batch and reports the generation.
    fn finish_generation(&mut self) -> GenerationSummary {
        let results: Vec<Fitness> = self.state.batch_results.iter().flatten().cloned().collect();
        let told = match &mut self.state.strategy {
            AnyStrategy::Nsga2(snapshot) => {
                let mut nsga = Nsga2::restore(snapshot.clone());
                let report = nsga.tell(results);
                *snapshot = nsga.snapshot();
                report
            }
            AnyStrategy::Random(s) => s.tell(results),
            AnyStrategy::RegularizedEvolution(s) => s.tell(results),
        };
        let told = match told {
            Ok(report) => Some(report),
            Err(error) => {
                self.state.exhausted = true;
                self.fault = Some(SearchError::Strategy(error.to_string()));
                None
            }
        };
        let generation = self.state.batch_generation;
        let counts = told.map(|r| r.counts).unwrap_or_else(|| std::mem::take(&mut self.state.batch_counts));
        let in_batch: Vec<&EvaluationRecord<P::Solution>> =
            self.state.records.iter().filter(|r| r.generation == generation).collect();
        let count = |f: &dyn Fn(&RecordStatus) -> bool| in_batch.iter().filter(|r| f(&r.status)).count() as u32;
        let evaluated = count(&|s| matches!(s, RecordStatus::Evaluated | RecordStatus::CheapOnly));
        let violators = count(&|s| matches!(s, RecordStatus::ConstraintViolated));
        let failures = count(&|s| matches!(s, RecordStatus::Failed { .. }));
        let cache_hits = self.state.batch.len() as u32 - in_batch.len() as u32;
        let front: Vec<FrontPoint> = self
            .front()
            .into_iter()
            .map(|r| FrontPoint {
                candidate_id: r.candidate_id,
                id: r.id.clone(),
                text: r.text.clone(),
                objectives: r.fitness.objectives.clone(),
            })
            .collect();
        let hypervolume = self.normalised_hypervolume(&front);
        let summary = GenerationSummary {
            generation,
            stage: self.space.stage_number(generation),
            counts,
            evaluated,
            cache_hits,
            violators_not_trained: violators,
            failures,
            evaluations_total: self.state.evaluations,
            front,
            hypervolume,
        };
        self.state.reports.push(summary.clone());
        self.state.batch.clear();
        self.state.batch_results.clear();
        summary
    }

    /// Hypervolume of `front` with every objective divided by its bound (error by 1), reference
    /// point 1.1 in each.
    fn normalised_hypervolume(&self, front: &[FrontPoint]) -> f64 {
        let bounds = self.space.bounds();
        let scale: Vec<f64> = self
            .config()
            .objectives
            .iter()
            .map(|o| match o {
                Objective::Error => 1.0,
                Objective::Latency => bounds.latency_ms,
                Objective::Params => bounds.params as f64 / 1e6,
                Objective::Macs => bounds.macs as f64 / 1e6,
                Objective::Energy => bounds.energy_mj,
            })
            .collect();
        let points: Vec<Vec<f64>> =
            front.iter().map(|p| p.objectives.iter().zip(&scale).map(|(v, s)| v / s).collect()).collect();
        hypervolume(&points, &vec![1.1; scale.len()])
    }
}
