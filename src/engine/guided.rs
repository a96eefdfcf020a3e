//! Predictor-guided evolution under the ask/tell [`Strategy`] interface (after BANANAS, White
//! et al. 2021, and NPENAS, Wei et al. 2022): a few random solutions first; then each ask fits a
//! random forest ([`Forest`]) to everything evaluated so far, makes a pool of mutations of the
//! best solutions (by constrained non-dominated rank), and asks only the most promising of the
//! pool. Objectives known before evaluation ([`Problem::known_objectives`]: latency, params,
//! MACs) are taken exactly; the others (the error) are predicted, each value drawn from the
//! forest's mean and spread (independent Thompson sampling), so an uncertain network can win a
//! place. With one objective the lowest draws win; with several, non-dominated rank, then
//! crowding distance. A space that cannot describe its solutions as features
//! ([`Problem::features`]) gets the pool in random order.
//!
//! ```
//! use engine::guided::PredictorGuided;
//! use engine::problem::Strategy;
//! use engine::problems::Zdt;
//! use engine::rng::Seed;
//! let problem = Zdt::zdt1(3);
//! let mut search = PredictorGuided::new(6, 3, Seed(4));
//! for _ in 0..6 {
//!     let batch = search.ask(&problem);
//!     let results = batch.iter().map(|p| problem.fitness(&p.solution)).collect();
//!     search.tell(results).unwrap();
//! }
//! assert_eq!(search.population().len(), 18);
//! ```

use std::collections::BTreeSet;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::moo::{Fitness, constrained_non_dominated_sort, crowding_distance, non_dominated_sort};
use crate::problem::{
    Contains, GenerationReport, Origin, Problem, Proposal, Strategy, StrategyError, VariationCounts, check_fitness, check_proposals,
    check_results, fill_batch, sampled,
};
use crate::rng::{EngineRng, SavedRng, Seed, rng_for};
use crate::surrogate::Forest;

/// Draws allowed to find one unseen, cheaply feasible random solution.
const MAX_TRIES: u32 = 100;
/// Mutations ranked by the predictor per ask.
pub const POOL: usize = 100;
/// The best evaluated solutions the pool's mutations start from.
pub const ELITE: usize = 10;
/// Trees of the forest.
pub const TREES: usize = 20;

/// Predictor-guided evolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: serde::de::DeserializeOwned"))]
pub struct PredictorGuided<S> {
    start: usize,
    batch: usize,
    generation: u32,
    evaluated: Vec<(S, String, Fitness)>,
    pending: Vec<Proposal<S>>,
    pending_counts: VariationCounts,
    seen: BTreeSet<String>,
    rng: SavedRng,
}

impl<S> PredictorGuided<S> {
    /// Checks a state read back from storage, for a run of `objectives` objectives.
    pub fn check_restored(&self, objectives: usize, contains: Contains<'_, S>) -> Result<(), String> {
        if self.start == 0 || self.batch == 0 {
            return Err(format!("predictor-guided: {} random starts, batch {}; allowed: each at least 1", self.start, self.batch));
        }
        check_proposals("predictor-guided: pending proposal", &self.pending, contains)?;
        for (i, (solution, _, fitness)) in self.evaluated.iter().enumerate() {
            contains(solution).map_err(|e| format!("predictor-guided: evaluated solution {i}: {e}"))?;
            check_fitness(&format!("predictor-guided: evaluated solution {i}"), fitness, objectives)?;
        }
        Ok(())
    }
}

impl<S: Clone> PredictorGuided<S> {
    /// Predictor-guided evolution that evaluates `start` random solutions first and asks `batch`
    /// solutions at a time (1 is the sequential algorithm).
    pub fn new(start: usize, batch: usize, seed: Seed) -> Self {
        PredictorGuided {
            start: start.max(1),
            batch: batch.max(1),
            generation: 0,
            evaluated: Vec::new(),
            pending: Vec::new(),
            pending_counts: VariationCounts::default(),
            seen: BTreeSet::new(),
            rng: SavedRng(rng_for(seed, "predictor-guided")),
        }
    }

    /// Up to [`POOL`] unseen, cheaply feasible mutations of the best evaluated solutions.
    fn pool<P: Problem<Solution = S>>(&mut self, problem: &P, counts: &mut VariationCounts) -> Vec<Proposal<S>> {
        let fitness: Vec<Fitness> = self.evaluated.iter().map(|(_, _, f)| f.clone()).collect();
        let elite: Vec<usize> = constrained_non_dominated_sort(&fitness).into_iter().flatten().take(ELITE).collect();
        let mut pool: Vec<Proposal<S>> = Vec::new();
        let mut ids = BTreeSet::new();
        for _ in 0..POOL * 10 {
            if pool.len() == POOL {
                break;
            }
            let rng = &mut self.rng.0;
            let (parent, parent_id, _) = &self.evaluated[elite[rng.random_range(0..elite.len())]];
            let (mut child, label) = problem.mutate(parent, self.generation, rng);
            if rng.random_bool(0.5) {
                child = problem.mutate(&child, self.generation, rng).0;
            }
            let id = problem.id(&child);
            if self.seen.contains(&id) || !ids.insert(id.clone()) {
                counts.duplicates_rejected += 1;
                continue;
            }
            let cheap_violation = problem.cheap_violation(&child);
            if cheap_violation > 0.0 {
                counts.constraint_resamples += 1;
                continue;
            }
            let origin = vec![Origin::Mutation(label.to_string())];
            pool.push(Proposal { solution: child, id, origin, parents: vec![parent_id.clone()], cheap_violation });
        }
        pool
    }

    /// Each pool member's acquisition values: the known objectives exactly, the others drawn
    /// from the forest's prediction. `None` where the space has no features.
    fn acquisition<P: Problem<Solution = S>>(&mut self, problem: &P, pool: &[Proposal<S>]) -> Option<Vec<Vec<f64>>> {
        let x: Vec<Vec<f64>> = self.evaluated.iter().map(|(s, _, _)| problem.features(s)).collect::<Option<_>>()?;
        let candidates: Vec<Vec<f64>> = pool.iter().map(|p| problem.features(&p.solution)).collect::<Option<_>>()?;
        let objectives = self.evaluated.first().map_or(0, |(_, _, f)| f.objectives.len());
        let known: Vec<Vec<Option<f64>>> = pool
            .iter()
            .map(|p| problem.known_objectives(&p.solution).filter(|k| k.len() == objectives).unwrap_or_else(|| vec![None; objectives]))
            .collect();
        let mut values = vec![vec![0.0; objectives]; pool.len()];
        for k in 0..objectives {
            let forest = known.iter().any(|row| row[k].is_none()).then(|| {
                let y: Vec<f64> = self.evaluated.iter().map(|(_, _, f)| f.objectives[k]).collect();
                Forest::fit(&x, &y, TREES, &mut self.rng.0)
            });
            for (i, row) in values.iter_mut().enumerate() {
                row[k] = match (known[i][k], &forest) {
                    (Some(value), _) => value,
                    (None, Some(forest)) => {
                        let (mean, spread) = forest.predict(&candidates[i]);
                        mean + spread * standard_normal(&mut self.rng.0)
                    }
                    (None, None) => 0.0,
                };
            }
        }
        Some(values)
    }
}

/// Indices of the `wanted` best rows: by value with one objective, by non-dominated rank and
/// then crowding distance with several.
fn select(values: &[Vec<f64>], wanted: usize) -> Vec<usize> {
    let mut chosen = Vec::new();
    for front in non_dominated_sort(values) {
        if chosen.len() + front.len() <= wanted {
            chosen.extend(front);
            continue;
        }
        let points: Vec<&[f64]> = front.iter().map(|&i| values[i].as_slice()).collect();
        let crowding = crowding_distance(&points);
        let mut order: Vec<usize> = (0..front.len()).collect();
        order.sort_by(|&a, &b| crowding[b].total_cmp(&crowding[a]).then(a.cmp(&b)));
        chosen.extend(order.into_iter().take(wanted - chosen.len()).map(|j| front[j]));
        break;
    }
    chosen
}

/// A draw from the standard normal distribution (Box–Muller).
fn standard_normal(rng: &mut EngineRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

impl<S: Clone> Strategy<S> for PredictorGuided<S> {
    fn ask<P: Problem<Solution = S>>(&mut self, problem: &P) -> Vec<Proposal<S>> {
        if !self.pending.is_empty() {
            return self.pending.clone();
        }
        let mut counts = VariationCounts::default();
        let mut batch = Vec::new();
        if self.evaluated.len() >= self.start {
            let mut pool = self.pool(problem, &mut counts);
            let pool_size = pool.len();
            let order = match self.acquisition(problem, &pool) {
                Some(values) => select(&values, self.batch),
                None => (0..pool.len().min(self.batch)).collect(),
            };
            let mut slots: Vec<Option<Proposal<S>>> = pool.drain(..).map(Some).collect();
            batch.extend(order.into_iter().filter_map(|i| slots[i].take()));
            counts.ranked += pool_size;
            for proposal in &batch {
                if let Some(Origin::Mutation(label)) = proposal.origin.first() {
                    *counts.mutations.entry(label.clone()).or_default() += 1;
                }
            }
        }
        let wanted = if self.evaluated.len() < self.start { self.batch.min(self.start - self.evaluated.len()) } else { self.batch };
        if batch.len() < wanted {
            let mut seen = self.seen.clone();
            seen.extend(batch.iter().map(|p| p.id.clone()));
            let (generation, rng) = (self.generation, &mut self.rng.0);
            batch.extend(fill_batch(problem, wanted - batch.len(), MAX_TRIES, &seen, &mut counts, |c| sampled(problem, generation, rng, c)));
        }
        self.seen.extend(batch.iter().map(|p| p.id.clone()));
        self.pending = batch;
        self.pending_counts = counts;
        self.pending.clone()
    }

    fn tell(&mut self, results: Vec<Fitness>) -> Result<GenerationReport, StrategyError> {
        if self.pending.is_empty() {
            return Err(StrategyError::NothingAsked);
        }
        check_results(self.pending.len(), &results, self.evaluated.first().map(|(_, _, f)| f.objectives.len()))?;
        for (proposal, fitness) in std::mem::take(&mut self.pending).into_iter().zip(results) {
            self.evaluated.push((proposal.solution, proposal.id, fitness));
        }
        let report = GenerationReport {
            generation: self.generation,
            counts: std::mem::take(&mut self.pending_counts),
            population: self.evaluated.len(),
        };
        self.generation += 1;
        Ok(report)
    }

    fn generation(&self) -> u32 {
        self.generation
    }

    fn population(&self) -> Vec<(&S, &Fitness)> {
        self.evaluated.iter().map(|(s, _, f)| (s, f)).collect()
    }
}
