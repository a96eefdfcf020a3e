//! What a run is asked to do: objectives, strategy, constraints, the latency source, and the
//! configuration checked once.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::hardware::Target;
use crate::limits::Whole;
use crate::rng::Seed;
use super::Rungs;

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
    /// Local search (Pareto local search with several objectives).
    LocalSearch,
    /// Predictor-guided evolution: a random forest ranks many mutations, the best are trained.
    PredictorGuided,
}

impl StrategyKind {
    /// All strategies.
    pub const ALL: [StrategyKind; 5] = [
        StrategyKind::Nsga2,
        StrategyKind::Random,
        StrategyKind::RegularizedEvolution,
        StrategyKind::LocalSearch,
        StrategyKind::PredictorGuided,
    ];

    /// The names of all strategies, for messages that say what is allowed.
    pub fn allowed() -> String {
        StrategyKind::ALL.map(StrategyKind::name).join(", ")
    }

    /// Name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StrategyKind::Nsga2 => "nsga2",
            StrategyKind::Random => "random",
            StrategyKind::RegularizedEvolution => "regularized_evolution",
            StrategyKind::LocalSearch => "local_search",
            StrategyKind::PredictorGuided => "predictor_guided",
        }
    }

    /// The strategy with this name (`rea` is accepted for regularized evolution, `ls` for local
    /// search).
    pub fn from_name(name: &str) -> Option<StrategyKind> {
        match name {
            "nsga2" => Some(StrategyKind::Nsga2),
            "random" => Some(StrategyKind::Random),
            "regularized_evolution" | "rea" => Some(StrategyKind::RegularizedEvolution),
            "local_search" | "ls" => Some(StrategyKind::LocalSearch),
            "predictor_guided" => Some(StrategyKind::PredictorGuided),
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
    /// 1 to 5 distinct objectives (with one, NSGA-II is an elitist genetic algorithm on it).
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
    /// Stop once the candidates have trained this many steps in all (see [`Compute`]).
    pub max_train_steps: Option<u64>,
    /// Draws allowed to find an unseen, feasible child before a violator is kept.
    pub max_resample: u32,
    /// Successive halving inside each generation (see [`Rungs`]); `None`: every network trains
    /// its whole budget.
    pub rungs: Option<Rungs>,
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
            max_train_steps: None,
            max_resample: 50,
            rungs: None,
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
        if self.max_train_steps == Some(0) {
            return fail("max_train_steps", "0".into(), "at least 1, or none");
        }
        if let Some(seconds) = self.time_budget_s
            && !(seconds.is_finite() && seconds > 0.0)
        {
            return fail("time_budget_s", seconds.to_string(), "a positive number of seconds, or none");
        }
        if !(1..=10_000).contains(&self.max_resample) {
            return fail("max_resample", self.max_resample.to_string(), "1 to 10000");
        }
        if let Some(rungs) = &self.rungs {
            rungs.check()?;
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
