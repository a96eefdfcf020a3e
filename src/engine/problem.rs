//! What every search strategy works on ([`Problem`]) and the ask/tell interface every strategy
//! offers ([`Strategy`]): NSGA-II, random search and regularized evolution alike.
//!
//! ```
//! use engine::problem::{Problem, Strategy};
//! use engine::problems::Zdt;
//! use engine::nsga2::{Nsga2, Nsga2Config};
//! use engine::rng::Seed;
//! let problem = Zdt::zdt1(5);
//! let mut search = Nsga2::new(Nsga2Config { population: 8, ..Nsga2Config::default() }, Seed(3));
//! let asked = search.ask(&problem);
//! let told: Vec<_> = asked.iter().map(|p| problem.fitness(&p.solution)).collect();
//! let report = search.tell(told).unwrap();
//! assert_eq!(report.generation, 0);
//! assert_eq!(search.population().len(), 8);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::moo::Fitness;
use crate::rng::EngineRng;

/// A search problem: how solutions are made and changed, and how they are told apart.
/// Evaluation happens outside (the caller computes each [`Fitness`]).
pub trait Problem {
    /// One candidate solution (plain serde data).
    type Solution: Clone + std::fmt::Debug + PartialEq + Serialize + DeserializeOwned;

    /// A random solution for `generation` (a progressive space opens more ops later).
    fn sample(&self, generation: u32, rng: &mut EngineRng) -> Self::Solution;

    /// Two children of two parents, and a label of what was done.
    fn crossover(
        &self,
        a: &Self::Solution,
        b: &Self::Solution,
        generation: u32,
        rng: &mut EngineRng,
    ) -> (Self::Solution, Self::Solution, &'static str);

    /// A changed copy of `solution`, and a label of what changed.
    fn mutate(&self, solution: &Self::Solution, generation: u32, rng: &mut EngineRng) -> (Self::Solution, &'static str);

    /// The identity used to remove duplicates and to cache evaluations.
    fn id(&self, solution: &Self::Solution) -> String;

    /// Every solution one change away from `solution`, where the space can list them (local
    /// search walks them in a random order); `None` where it cannot (local search draws
    /// mutations instead).
    fn neighbours(&self, _solution: &Self::Solution, _generation: u32) -> Option<Vec<Self::Solution>> {
        None
    }

    /// `solution` as numbers of a fixed length, for a predictor to learn from; `None` where the
    /// space cannot say.
    fn features(&self, _solution: &Self::Solution) -> Option<Vec<f64>> {
        None
    }

    /// The objectives known before any expensive evaluation, in the run's order (`None` for each
    /// one only an evaluation gives, such as the error); `None` where the problem cannot say.
    fn known_objectives(&self, _solution: &Self::Solution) -> Option<Vec<Option<f64>>> {
        None
    }

    /// Constraint violation known before any expensive evaluation (0 = feasible). Strategies
    /// resample violators (up to a cap) so that they are never sent to training.
    fn cheap_violation(&self, _solution: &Self::Solution) -> f64 {
        0.0
    }
}

/// One step in how a proposal was made. In JSON it is the text `sample`, `crossover:<label>`,
/// `mutation:<label>`, `imported` or `reference`.
///
/// ```
/// use engine::problem::Origin;
/// let steps = vec![Origin::Crossover("one_point".into()), Origin::Mutation("swap_op".into())];
/// let json = serde_json::to_string(&steps).unwrap();
/// assert_eq!(json, r#"["crossover:one_point","mutation:swap_op"]"#);
/// assert_eq!(serde_json::from_str::<Vec<Origin>>(&json).unwrap(), steps);
/// assert!(serde_json::from_str::<Origin>(r#""teleported""#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Origin {
    /// Drawn at random from the space.
    Sampled,
    /// Made by crossing two parents over, the way the label names.
    Crossover(String),
    /// Changed by a mutation, the one the label names.
    Mutation(String),
    /// Given by the user, to be trained alone.
    Imported,
    /// One of the hand-designed reference networks trained beside a search.
    Reference,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Sampled => f.write_str("sample"),
            Origin::Crossover(label) => write!(f, "crossover:{label}"),
            Origin::Mutation(label) => write!(f, "mutation:{label}"),
            Origin::Imported => f.write_str("imported"),
            Origin::Reference => f.write_str("reference"),
        }
    }
}

impl From<Origin> for String {
    fn from(origin: Origin) -> String {
        origin.to_string()
    }
}

impl TryFrom<String> for Origin {
    type Error = String;
    fn try_from(text: String) -> Result<Origin, String> {
        match text.split_once(':') {
            Some(("crossover", label)) if !label.is_empty() => Ok(Origin::Crossover(label.to_string())),
            Some(("mutation", label)) if !label.is_empty() => Ok(Origin::Mutation(label.to_string())),
            None if text == "sample" => Ok(Origin::Sampled),
            None if text == "imported" => Ok(Origin::Imported),
            None if text == "reference" => Ok(Origin::Reference),
            _ => Err(format!(
                "origin {text:?} is not known; allowed: sample, crossover:<label>, mutation:<label>, imported, reference"
            )),
        }
    }
}

/// A solution a strategy asks to have evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal<S> {
    /// The solution.
    pub solution: S,
    /// Its id.
    pub id: String,
    /// How it was made: sampled, or the crossover and mutation it went through.
    pub origin: Vec<Origin>,
    /// Ids of the parents it was made from, the main one first (none for a sample).
    #[serde(default)]
    pub parents: Vec<String>,
    /// Its cheap constraint violation (positive: it violates and could not be resampled).
    #[serde(with = "crate::serde_float")]
    pub cheap_violation: f64,
}

/// What a strategy did to make one batch, for reports and the per-generation narrative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariationCounts {
    /// Solutions drawn at random.
    pub sampled: usize,
    /// Parents chosen by tournament.
    pub parents_selected: usize,
    /// Crossovers performed, by kind.
    pub crossovers: BTreeMap<String, usize>,
    /// Mutations performed, by kind.
    pub mutations: BTreeMap<String, usize>,
    /// Candidates thrown away because their id had been seen before.
    pub duplicates_rejected: usize,
    /// Candidates thrown away because they violated a constraint before training.
    pub constraint_resamples: usize,
    /// Violators kept because resampling hit its cap (they are scored, never trained).
    pub violators_kept: usize,
    /// Neighbours of the point local search is exploring, one change away from it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub neighbours: usize,
    /// Mutations a predictor ranked to choose the batch from.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ranked: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What one `tell` produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationReport {
    /// The generation just completed (0 = the initial population).
    pub generation: u32,
    /// How its batch was made.
    pub counts: VariationCounts,
    /// Population size after survival.
    pub population: usize,
}

/// Why a `tell` was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StrategyError {
    /// `tell` without a pending `ask`.
    #[error("tell called without a pending ask")]
    NothingAsked,
    /// The number of results differs from the number asked.
    #[error("told {told} results for {asked} asked solutions")]
    CountMismatch { asked: usize, told: usize },
    /// A result has the wrong number of objectives.
    #[error("result {index} has {found} objectives; expected {expected}")]
    ObjectiveCount { index: usize, found: usize, expected: usize },
}

/// An ask/tell search strategy over solutions `S`. The caller evaluates every asked solution
/// and tells the results in the same order; nothing waits inside the strategy.
pub trait Strategy<S> {
    /// The next batch to evaluate. Asking again before telling returns the same batch. An
    /// empty batch means the space is exhausted.
    fn ask<P: Problem<Solution = S>>(&mut self, problem: &P) -> Vec<Proposal<S>>;

    /// The results of the pending batch, in order.
    fn tell(&mut self, results: Vec<Fitness>) -> Result<GenerationReport, StrategyError>;

    /// Generations completed.
    fn generation(&self) -> u32;

    /// The current population (solutions and fitness).
    fn population(&self) -> Vec<(&S, &Fitness)>;
}

/// Checks a told batch against what was asked.
pub(crate) fn check_results(asked: usize, results: &[Fitness], n_objectives: Option<usize>) -> Result<(), StrategyError> {
    if asked != results.len() {
        return Err(StrategyError::CountMismatch { asked, told: results.len() });
    }
    if let Some(expected) = n_objectives.or_else(|| results.first().map(|r| r.objectives.len()))
        && let Some((index, r)) = results.iter().enumerate().find(|(_, r)| r.objectives.len() != expected)
    {
        return Err(StrategyError::ObjectiveCount { index, found: r.objectives.len(), expected });
    }
    Ok(())
}

/// Makes up to `wanted` proposals with `make` (a solution, how it was made, its parents). Each slot
/// draws until it finds an id not in `seen` nor in the batch that is cheaply feasible, within
/// `max_tries` draws; when the cap is hit, the last violator drawn is kept (and counted), and a
/// slot that found only duplicates ends the batch early.
pub(crate) fn fill_batch<P: Problem>(
    problem: &P,
    wanted: usize,
    max_tries: u32,
    seen: &BTreeSet<String>,
    counts: &mut VariationCounts,
    mut make: impl FnMut(&mut VariationCounts) -> (P::Solution, Vec<Origin>, Vec<String>),
) -> Vec<Proposal<P::Solution>> {
    let mut batch: Vec<Proposal<P::Solution>> = Vec::new();
    for _ in 0..wanted {
        let mut violator = None;
        let mut found = None;
        for _ in 0..max_tries.max(1) {
            let (solution, origin, parents) = make(counts);
            let id = problem.id(&solution);
            if seen.contains(&id) || batch.iter().any(|p| p.id == id) {
                counts.duplicates_rejected += 1;
                continue;
            }
            let cheap_violation = problem.cheap_violation(&solution);
            let proposal = Proposal { solution, id, origin, parents, cheap_violation };
            if cheap_violation > 0.0 {
                counts.constraint_resamples += 1;
                violator = Some(proposal);
                continue;
            }
            found = Some(proposal);
            break;
        }
        if found.is_none() && violator.is_some() {
            counts.constraint_resamples -= 1;
            counts.violators_kept += 1;
            found = violator;
        }
        match found {
            Some(proposal) => batch.push(proposal),
            None => break,
        }
    }
    batch
}

/// A random solution for `generation`, counted as sampled.
pub(crate) fn sampled<P: Problem>(
    problem: &P,
    generation: u32,
    rng: &mut EngineRng,
    counts: &mut VariationCounts,
) -> (P::Solution, Vec<Origin>, Vec<String>) {
    counts.sampled += 1;
    (problem.sample(generation, rng), vec![Origin::Sampled], Vec::new())
}

/// Whether a solution read back from storage belongs to the space (`Err` says why not).
pub type Contains<'a, S> = &'a dyn Fn(&S) -> Result<(), String>;

/// Checks proposals read back from storage: each solution in the space, each id present.
pub(crate) fn check_proposals<S>(what: &str, proposals: &[Proposal<S>], contains: Contains<'_, S>) -> Result<(), String> {
    for (i, proposal) in proposals.iter().enumerate() {
        if proposal.id.is_empty() {
            return Err(format!("{what} {i} has no id"));
        }
        contains(&proposal.solution).map_err(|e| format!("{what} {i} ({}): {e}", proposal.id))?;
    }
    Ok(())
}

/// Checks a fitness read back from storage: `objectives` values, none of them NaN.
pub(crate) fn check_fitness(what: &str, fitness: &Fitness, objectives: usize) -> Result<(), String> {
    if fitness.objectives.len() != objectives {
        return Err(format!("{what} has {} objective values; the run has {objectives}", fitness.objectives.len()));
    }
    if fitness.objectives.iter().chain([&fitness.violation]).any(|v| v.is_nan()) {
        return Err(format!("{what} has a value that is not a number"));
    }
    Ok(())
}
