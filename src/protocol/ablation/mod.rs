//! The ablation of the method: five searches from one request, each adding one component, all
//! with the same seed and the same training-step budget, judged in the same objective space.
//!
//! | row | objectives | space | hardware limit | inheritance |
//! |---|---|---|---|---|
//! | base | error | every op open from generation 0 | none | off |
//! | + progressive space | error | the request's stage schedule | none | off |
//! | + multi-objective | error, latency, params | as above | none | off |
//! | + hardware-aware | as above, latency as the request's source | as above | the plan's limits | off |
//! | + inheritance (the full method) | as above | as above | as above | on |
//!
//! Every row uses NSGA-II (with one objective it is an elitist genetic algorithm on the error),
//! trains no reference networks, and stops when its candidates have trained the budget's steps
//! (the last candidate may overshoot by its own steps). The page and `cli bench ablation` build
//! their rows with [`plan`] (several seeds: [`plan_seeds`]), so the same settings and seed give
//! the same rows.
//!
//! ```
//! use protocol::RunRequest;
//! use protocol::ablation::{AblationRow, plan};
//! let plan = plan(&RunRequest::default_digits()).unwrap();
//! assert_eq!(plan.runs.len(), 5);
//! assert!(plan.runs.iter().all(|r| r.request.search.max_train_steps == Some(plan.budget_steps)));
//! assert_eq!(plan.runs[0].row, AblationRow::Base);
//! assert!(plan.runs[4].request.training.inheritance);
//! ```

mod results;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use engine::search::{ArchSpace, Constraints, LatencySource, Objective, SearchSpace, StrategyKind};
use engine::problem::Problem;
use engine::rng::{Seed, rng_for};
use engine::space::StageSchedule;

use crate::{DatasetChoice, RunRequest};

pub use results::*;

/// One row of the ablation: the components switched on so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AblationRow {
    /// Single-objective on the error, the whole space open from the start, no hardware
    /// objective or limit, no inheritance.
    Base,
    /// + the progressive space (ops open stage by stage).
    Progressive,
    /// + multi-objective (error, latency, params).
    MultiObjective,
    /// + hardware-aware (the latency on the target as the request measures it, and its limit).
    HardwareAware,
    /// + weight inheritance: the full method.
    Inheritance,
}

impl AblationRow {
    /// The rows in order.
    pub const ALL: [AblationRow; 5] =
        [AblationRow::Base, AblationRow::Progressive, AblationRow::MultiObjective, AblationRow::HardwareAware, AblationRow::Inheritance];

    /// The short name used in run ids, JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            AblationRow::Base => "base",
            AblationRow::Progressive => "progressive",
            AblationRow::MultiObjective => "multi_objective",
            AblationRow::HardwareAware => "hardware_aware",
            AblationRow::Inheritance => "inheritance",
        }
    }

    /// The row's label in tables.
    pub fn label(self) -> &'static str {
        match self {
            AblationRow::Base => "base NAS",
            AblationRow::Progressive => "+ progressive space",
            AblationRow::MultiObjective => "+ multi-objective",
            AblationRow::HardwareAware => "+ hardware-aware",
            AblationRow::Inheritance => "+ inheritance (full method)",
        }
    }
}

/// One search of the ablation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AblationRun {
    /// Its row.
    pub row: AblationRow,
    /// The search to run.
    pub request: RunRequest,
    /// The limits its networks are judged by (those of its seed's plan).
    pub limits: Constraints,
}

/// The five searches and how they are judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AblationPlan {
    /// Training steps every row may spend.
    pub budget_steps: u64,
    /// The hardware limits of the hardware-aware rows (of the first seed, with several); every
    /// row's networks are judged by its run's limits, these for one seed (hypervolume and most
    /// accurate network count only networks within them).
    pub limits: Constraints,
    /// The latency limit was chosen by the plan (the request set none): the median predicted
    /// latency of networks sampled from the whole space, so about half of it is too slow.
    pub latency_limit_chosen: bool,
    /// The searches, in row order.
    pub runs: Vec<AblationRun>,
}

/// Why an ablation cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AblationError {
    /// NAS-Bench-201 candidates are looked up: there is no training to budget or inherit.
    #[error("the ablation trains its candidates: choose a dataset to train on (NAS-Bench-201 only looks cells up)")]
    Tabular,
    /// An imported genotype is trained alone; there is no search to ablate.
    #[error("the ablation runs searches: clear the imported genotype")]
    Imported,
    /// Seeds out of range.
    #[error("seeds = {0} is out of range: allowed {1}")]
    Seeds(u32, String),
    /// The request's space is not valid.
    #[error("search space: {0}")]
    Space(String),
}

/// Networks sampled to choose a latency limit when the request sets none.
const LIMIT_SAMPLES: usize = 256;

/// Seeds an ablation may run over.
pub const ABLATION_SEEDS: engine::limits::Whole = engine::limits::Whole::new(1, 20);

/// The ablation of `base` over `seeds` seeds from its own: every row for the first seed, then
/// for the next; the same budget for all, and each seed's rows judged by that seed's limits
/// (a latency limit the plan chooses is drawn from the seed).
pub fn plan_seeds(base: &RunRequest, seeds: u32) -> Result<AblationPlan, AblationError> {
    if !ABLATION_SEEDS.contains(seeds) {
        return Err(AblationError::Seeds(seeds, ABLATION_SEEDS.to_string()));
    }
    let mut all = plan(base)?;
    for k in 1..u64::from(seeds) {
        let mut seeded = base.clone();
        seeded.search.seed = base.search.seed.wrapping_add(k);
        seeded.run_id = format!("{}-{k}", base.run_id);
        all.runs.extend(plan(&seeded)?.runs);
    }
    Ok(all)
}

/// The ablation of `base`: its dataset, space, training, population, target and seed, its
/// step budget (or, without one, what its generations would cost trained from scratch).
pub fn plan(base: &RunRequest) -> Result<AblationPlan, AblationError> {
    if matches!(base.dataset, DatasetChoice::Nb201 { .. }) {
        return Err(AblationError::Tabular);
    }
    if base.genotype.is_some() {
        return Err(AblationError::Imported);
    }
    let search = &base.search;
    let training = &base.training;
    let population = u64::from(search.population);
    let budget_steps =
        search.max_train_steps.unwrap_or(population * u64::from(search.generations) * u64::from(training.steps)).max(1);
    // Enough generations for the budget even if every child inherits and fine-tunes.
    let child_steps = u64::from(training.fine_tune_steps.min(training.steps)).max(1);
    let generations = (budget_steps / (population * child_steps) + 2).max(u64::from(search.generations)).min(10_000) as u32;
    let mut limits = search.constraints;
    let latency_limit_chosen = limits.max_latency_ms.is_none();
    if latency_limit_chosen {
        limits.max_latency_ms = Some(median_latency(base)?);
    }
    let runs = AblationRow::ALL
        .into_iter()
        .map(|row| {
            let mut request = base.clone();
            request.run_id = format!("{}-{}", base.run_id, row.name());
            let s = &mut request.search;
            s.strategy = StrategyKind::Nsga2;
            (s.generations, s.max_train_steps, s.max_evaluations, s.time_budget_s) = (generations, Some(budget_steps), None, None);
            request.training.references = false;
            request.training.inheritance = row >= AblationRow::Inheritance;
            if row < AblationRow::Progressive {
                request.space.schedule = StageSchedule { disabled: base.space.schedule.disabled.clone(), ..StageSchedule::all_open() };
            }
            s.objectives = if row < AblationRow::MultiObjective {
                vec![Objective::Error]
            } else {
                vec![Objective::Error, Objective::Latency, Objective::Params]
            };
            if row < AblationRow::HardwareAware {
                (s.constraints, s.latency) = (Constraints::default(), LatencySource::Predicted);
            } else {
                s.constraints = limits;
            }
            AblationRun { row, request, limits }
        })
        .collect();
    Ok(AblationPlan { budget_steps, limits, latency_limit_chosen, runs })
}

/// The median predicted latency (on the request's target, or its device profile) of networks
/// sampled from its whole space (every op open), drawn from its seed.
fn median_latency(base: &RunRequest) -> Result<f64, AblationError> {
    let mut config = base.space.clone();
    config.schedule = StageSchedule { disabled: config.schedule.disabled.clone(), ..StageSchedule::all_open() };
    // On the latency the rows' searches predict: this device's profile when the request has one.
    let space = match &base.latency_table {
        Some(table) => ArchSpace::with_table(config, base.search.target, table.clone()),
        None => ArchSpace::new(config, base.search.target).map_err(|e| e.to_string()),
    };
    let space = space.map_err(AblationError::Space)?;
    let mut rng = rng_for(Seed(base.search.seed), "ablation latency limit");
    let mut latencies: Vec<f64> =
        (0..LIMIT_SAMPLES).map(|_| space.cheap(&space.sample(0, &mut rng)).latency_ms).collect();
    latencies.sort_by(f64::total_cmp);
    Ok(latencies[LIMIT_SAMPLES / 2])
}
