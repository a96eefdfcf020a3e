//! Baselines under the same ask/tell [`Strategy`] interface as NSGA-II: random search and
//! regularized (aging) evolution (Real et al. 2019, as configured in the NAS-Bench-201 paper:
//! population 10, tournament 3).
//!
//! ```
//! use engine::baselines::{RandomSearch, RegularizedEvolution};
//! use engine::problem::Strategy;
//! use engine::problems::Zdt;
//! use engine::rng::Seed;
//! let problem = Zdt::zdt1(3);
//! let mut rea = RegularizedEvolution::new(5, 2, 1, Seed(4));
//! for _ in 0..20 {
//!     let batch = rea.ask(&problem);
//!     let results = batch.iter().map(|p| problem.fitness(&p.solution)).collect();
//!     rea.tell(results).unwrap();
//! }
//! assert_eq!(rea.population().len(), 5);
//! let mut random = RandomSearch::new(4, Seed(4));
//! assert_eq!(random.ask(&problem).len(), 4);
//! ```

use std::collections::{BTreeSet, VecDeque};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::moo::{Fitness, constrained_non_dominated_sort, ranks_from_fronts};
use crate::problem::{
    Contains, GenerationReport, Origin, Problem, Proposal, Strategy, StrategyError, VariationCounts, check_fitness, check_proposals,
    check_results, fill_batch, sampled,
};
use crate::rng::{EngineRng, SavedRng, Seed, rng_for};

/// Draws allowed per slot to find an unseen, cheaply feasible solution.
const MAX_TRIES: u32 = 100;

/// Uniform random sampling without repeats, `batch` solutions per ask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: serde::de::DeserializeOwned"))]
pub struct RandomSearch<S> {
    batch: usize,
    generation: u32,
    pending: Vec<Proposal<S>>,
    pending_counts: VariationCounts,
    evaluated: Vec<(S, Fitness)>,
    seen: BTreeSet<String>,
    rng: SavedRng,
}

impl<S> RandomSearch<S> {
    /// Checks a state read back from storage, for a run of `objectives` objectives.
    pub fn check_restored(&self, objectives: usize, contains: Contains<'_, S>) -> Result<(), String> {
        if self.batch == 0 {
            return Err("random search: a batch of 0".into());
        }
        check_proposals("random search: pending proposal", &self.pending, contains)?;
        for (i, (solution, fitness)) in self.evaluated.iter().enumerate() {
            contains(solution).map_err(|e| format!("random search: evaluated solution {i}: {e}"))?;
            check_fitness(&format!("random search: evaluated solution {i}"), fitness, objectives)?;
        }
        Ok(())
    }
}

impl<S: Clone> RandomSearch<S> {
    /// Random search asking `batch` solutions at a time.
    pub fn new(batch: usize, seed: Seed) -> Self {
        RandomSearch {
            batch: batch.max(1),
            generation: 0,
            pending: Vec::new(),
            pending_counts: VariationCounts::default(),
            evaluated: Vec::new(),
            seen: BTreeSet::new(),
            rng: SavedRng(rng_for(seed, "random-search")),
        }
    }
}

impl<S: Clone> Strategy<S> for RandomSearch<S> {
    fn ask<P: Problem<Solution = S>>(&mut self, problem: &P) -> Vec<Proposal<S>> {
        if self.pending.is_empty() {
            let mut counts = VariationCounts::default();
            let generation = self.generation;
            let rng = &mut self.rng.0;
            let batch = fill_batch(problem, self.batch, MAX_TRIES, &self.seen, &mut counts, |counts| {
                sampled(problem, generation, rng, counts)
            });
            self.seen.extend(batch.iter().map(|p| p.id.clone()));
            self.pending = batch;
            self.pending_counts = counts;
        }
        self.pending.clone()
    }

    fn tell(&mut self, results: Vec<Fitness>) -> Result<GenerationReport, StrategyError> {
        if self.pending.is_empty() {
            return Err(StrategyError::NothingAsked);
        }
        check_results(self.pending.len(), &results, self.evaluated.first().map(|(_, f)| f.objectives.len()))?;
        let pending = std::mem::take(&mut self.pending);
        self.evaluated.extend(pending.into_iter().map(|p| p.solution).zip(results));
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
        self.evaluated.iter().map(|(s, f)| (s, f)).collect()
    }
}

/// Regularized (aging) evolution: a queue of `population` members; each child is a mutation of
/// the best of `tournament` members drawn at random (best = lowest constrained non-dominated
/// rank within the population, ties at random); the child joins and the oldest member leaves.
/// The first `population` solutions are random.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: serde::de::DeserializeOwned"))]
pub struct RegularizedEvolution<S> {
    population_size: usize,
    tournament: usize,
    batch: usize,
    generation: u32,
    queue: VecDeque<(S, Fitness)>,
    pending: Vec<Proposal<S>>,
    pending_counts: VariationCounts,
    seen: BTreeSet<String>,
    rng: SavedRng,
}

impl<S> RegularizedEvolution<S> {
    /// Checks a state read back from storage, for a run of `objectives` objectives.
    pub fn check_restored(&self, objectives: usize, contains: Contains<'_, S>) -> Result<(), String> {
        let (population, tournament, batch) = (self.population_size, self.tournament, self.batch);
        if population == 0 || batch == 0 || tournament == 0 || tournament > population {
            return Err(format!(
                "regularized evolution: population {population}, tournament {tournament}, batch {batch}; \
                 allowed: each at least 1, the tournament at most the population"
            ));
        }
        if self.queue.len() > population {
            return Err(format!("regularized evolution: {} in a queue of {population}", self.queue.len()));
        }
        check_proposals("regularized evolution: pending proposal", &self.pending, contains)?;
        for (i, (solution, fitness)) in self.queue.iter().enumerate() {
            contains(solution).map_err(|e| format!("regularized evolution: queued solution {i}: {e}"))?;
            check_fitness(&format!("regularized evolution: queued solution {i}"), fitness, objectives)?;
        }
        Ok(())
    }
}

impl<S: Clone> RegularizedEvolution<S> {
    /// Aging evolution with a queue of `population`, tournaments of `tournament` and `batch`
    /// children per ask (1 is the sequential algorithm).
    pub fn new(population: usize, tournament: usize, batch: usize, seed: Seed) -> Self {
        RegularizedEvolution {
            population_size: population.max(1),
            tournament: tournament.max(1),
            batch: batch.max(1),
            generation: 0,
            queue: VecDeque::new(),
            pending: Vec::new(),
            pending_counts: VariationCounts::default(),
            seen: BTreeSet::new(),
            rng: SavedRng(rng_for(seed, "regularized-evolution")),
        }
    }
}

impl<S: Clone> Strategy<S> for RegularizedEvolution<S> {
    fn ask<P: Problem<Solution = S>>(&mut self, problem: &P) -> Vec<Proposal<S>> {
        if !self.pending.is_empty() {
            return self.pending.clone();
        }
        let mut counts = VariationCounts::default();
        let generation = self.generation;
        let warming_up = self.queue.len() < self.population_size;
        let wanted = if warming_up { (self.population_size - self.queue.len()).min(self.batch) } else { self.batch };
        let fitness: Vec<Fitness> = self.queue.iter().map(|(_, f)| f.clone()).collect();
        let ranks = ranks_from_fronts(&constrained_non_dominated_sort(&fitness), fitness.len());
        let rng = &mut self.rng.0;
        let queue = &self.queue;
        let tournament = self.tournament;
        let batch = fill_batch(problem, wanted, MAX_TRIES, &self.seen, &mut counts, |counts| {
            if warming_up {
                return sampled(problem, generation, rng, counts);
            }
            let parent = tournament_winner(&ranks, tournament, rng);
            counts.parents_selected += 1;
            let (child, label) = problem.mutate(&queue[parent].0, generation, rng);
            *counts.mutations.entry(label.to_string()).or_default() += 1;
            (child, vec![Origin::Mutation(label.to_string())], vec![problem.id(&queue[parent].0)])
        });
        self.seen.extend(batch.iter().map(|p| p.id.clone()));
        self.pending = batch;
        self.pending_counts = counts;
        self.pending.clone()
    }

    fn tell(&mut self, results: Vec<Fitness>) -> Result<GenerationReport, StrategyError> {
        if self.pending.is_empty() {
            return Err(StrategyError::NothingAsked);
        }
        check_results(self.pending.len(), &results, self.queue.front().map(|(_, f)| f.objectives.len()))?;
        for (proposal, fitness) in std::mem::take(&mut self.pending).into_iter().zip(results) {
            self.queue.push_back((proposal.solution, fitness));
            if self.queue.len() > self.population_size {
                self.queue.pop_front();
            }
        }
        let report = GenerationReport {
            generation: self.generation,
            counts: std::mem::take(&mut self.pending_counts),
            population: self.queue.len(),
        };
        self.generation += 1;
        Ok(report)
    }

    fn generation(&self) -> u32 {
        self.generation
    }

    fn population(&self) -> Vec<(&S, &Fitness)> {
        self.queue.iter().map(|(s, f)| (s, f)).collect()
    }
}

/// The best of `size` members drawn at random (with repeats): lowest rank, ties at random.
fn tournament_winner(ranks: &[usize], size: usize, rng: &mut EngineRng) -> usize {
    let mut best: Option<(usize, u64, usize)> = None;
    for _ in 0..size {
        let index = rng.random_range(0..ranks.len());
        let key = (ranks[index], rng.random::<u64>(), index);
        if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
            best = Some(key);
        }
    }
    best.map_or(0, |b| b.2)
}
