//! Local search under the ask/tell [`Strategy`] interface: a few random solutions start a
//! climb, then the neighbourhood of the climb's best is evaluated, one neighbour after another in
//! a random order; a neighbour that beats the point being explored becomes the next one (first
//! improvement, as in White et al. 2021, "Local search is state of the art for neural
//! architecture search benchmarks"). With several objectives it is Pareto local search (Paquete
//! et al. 2004) led by the first objective (the error, in a search): every non-dominated member
//! of the climb has its neighbourhood explored once, the one with the lowest first objective
//! first, and the point being explored is left as soon as a neighbour betters its first
//! objective or dominates it. So the climb goes for the most accurate network as the
//! single-objective search does, then widens along the front. When every non-dominated member
//! has been explored the climb is at a local optimum and a new one starts from fresh random
//! solutions (nothing evaluated before is proposed again).
//!
//! A neighbour is one change away: every such solution where the space can list them
//! ([`Problem::neighbours`]), otherwise up to [`NEIGHBOUR_DRAWS`] distinct mutations.
//!
//! ```
//! use engine::local_search::LocalSearch;
//! use engine::problem::Strategy;
//! use engine::problems::Zdt;
//! use engine::rng::Seed;
//! let problem = Zdt::zdt1(3);
//! let mut search = LocalSearch::new(4, 2, Seed(4));
//! for _ in 0..10 {
//!     let batch = search.ask(&problem);
//!     let results = batch.iter().map(|p| problem.fitness(&p.solution)).collect();
//!     search.tell(results).unwrap();
//! }
//! assert_eq!(search.generation(), 10);
//! ```

use std::collections::BTreeSet;

use rand::RngExt;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::moo::{Fitness, constrained_dominates};
use crate::problem::{
    Contains, GenerationReport, Origin, Problem, Proposal, Strategy, StrategyError, VariationCounts, check_fitness, check_proposals,
    check_results, fill_batch, sampled,
};
use crate::rng::{SavedRng, Seed, rng_for};

/// Draws allowed to find one unseen, cheaply feasible random solution.
const MAX_TRIES: u32 = 100;

/// Distinct mutations that make up a neighbourhood where the space cannot list it.
pub const NEIGHBOUR_DRAWS: u32 = 24;

/// An evaluated member of the current climb.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Member<S> {
    solution: S,
    id: String,
    fitness: Fitness,
}

/// The member whose neighbourhood is being explored, and what is left of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Centre<S> {
    member: Member<S>,
    /// Listed neighbours not yet asked, in the order they will be (`None`: drawn by mutation).
    listed: Option<Vec<S>>,
    /// Mutations still allowed where the neighbourhood is drawn.
    draws: u32,
}

/// Local search; Pareto local search with several objectives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "S: Serialize", deserialize = "S: serde::de::DeserializeOwned"))]
pub struct LocalSearch<S> {
    start: usize,
    batch: usize,
    generation: u32,
    /// Random solutions asked for the current climb.
    started: usize,
    climb: Vec<Member<S>>,
    /// Ids of climb members whose neighbourhood is spent.
    explored: BTreeSet<String>,
    centre: Option<Centre<S>>,
    /// Climbs begun (the first included).
    climbs: u32,
    pending: Vec<Proposal<S>>,
    pending_counts: VariationCounts,
    seen: BTreeSet<String>,
    rng: SavedRng,
}

impl<S> LocalSearch<S> {
    /// Checks a state read back from storage, for a run of `objectives` objectives.
    pub fn check_restored(&self, objectives: usize, contains: Contains<'_, S>) -> Result<(), String> {
        if self.start == 0 || self.batch == 0 {
            return Err(format!("local search: {} random starts, batch {}; allowed: each at least 1", self.start, self.batch));
        }
        check_proposals("local search: pending proposal", &self.pending, contains)?;
        let centre = self.centre.as_ref().map(|c| &c.member);
        for (i, member) in self.climb.iter().chain(centre).enumerate() {
            contains(&member.solution).map_err(|e| format!("local search: member {i}: {e}"))?;
            check_fitness(&format!("local search: member {i}"), &member.fitness, objectives)?;
        }
        for (i, neighbour) in self.centre.iter().flat_map(|c| c.listed.iter().flatten()).enumerate() {
            contains(neighbour).map_err(|e| format!("local search: neighbour {i}: {e}"))?;
        }
        Ok(())
    }

    /// Climbs begun so far (restarts + 1, once anything was asked).
    pub fn climbs(&self) -> u32 {
        self.climbs
    }
}

impl<S: Clone> LocalSearch<S> {
    /// Local search that starts each climb from `start` random solutions and asks `batch`
    /// solutions at a time (1 is the sequential algorithm).
    pub fn new(start: usize, batch: usize, seed: Seed) -> Self {
        LocalSearch {
            start: start.max(1),
            batch: batch.max(1),
            generation: 0,
            started: 0,
            climb: Vec::new(),
            explored: BTreeSet::new(),
            centre: None,
            climbs: 0,
            pending: Vec::new(),
            pending_counts: VariationCounts::default(),
            seen: BTreeSet::new(),
            rng: SavedRng(rng_for(seed, "local-search")),
        }
    }

    /// The next solution to ask, or `None` when nothing can be asked before results come back
    /// (or the space is spent).
    fn next<P: Problem<Solution = S>>(&mut self, problem: &P, asked: usize, counts: &mut VariationCounts) -> Option<Proposal<S>> {
        loop {
            if self.started < self.start {
                if self.started == 0 {
                    self.climbs += 1;
                }
                let (generation, rng) = (self.generation, &mut self.rng.0);
                let proposal = fill_batch(problem, 1, MAX_TRIES, &self.seen, counts, |c| sampled(problem, generation, rng, c)).pop()?;
                self.started += 1;
                return Some(proposal);
            }
            if let Some(proposal) = self.neighbour(problem, counts) {
                return Some(proposal);
            }
            if let Some(centre) = self.centre.take() {
                self.explored.insert(centre.member.id);
            }
            let open: Vec<usize> = (0..self.climb.len())
                .filter(|&i| !self.explored.contains(&self.climb[i].id) && !self.dominated(&self.climb[i].fitness))
                .collect();
            if open.is_empty() {
                if asked > 0 || self.climb.is_empty() {
                    return None;
                }
                self.started = 0;
                self.climb.clear();
                self.explored.clear();
                continue;
            }
            let first = |i: usize| self.climb[i].fitness.objectives.first().copied().unwrap_or(0.0);
            let lowest = open.iter().map(|&i| first(i)).fold(f64::INFINITY, f64::min);
            let leaders: Vec<usize> = open.iter().copied().filter(|&i| first(i) == lowest).collect();
            let member = self.climb[leaders[self.rng.0.random_range(0..leaders.len())]].clone();
            let listed = problem.neighbours(&member.solution, self.generation).map(|mut list| {
                list.shuffle(&mut self.rng.0);
                list
            });
            self.centre = Some(Centre { member, listed, draws: NEIGHBOUR_DRAWS });
        }
    }

    /// The centre's next unseen, cheaply feasible neighbour (violators are skipped).
    fn neighbour<P: Problem<Solution = S>>(&mut self, problem: &P, counts: &mut VariationCounts) -> Option<Proposal<S>> {
        let centre = self.centre.as_mut()?;
        let parent = centre.member.id.clone();
        let mut misses = 0;
        loop {
            let (solution, label) = match &mut centre.listed {
                Some(list) => (list.pop()?, "neighbour"),
                None if centre.draws > 0 && misses < MAX_TRIES => problem.mutate(&centre.member.solution, self.generation, &mut self.rng.0),
                None => return None,
            };
            let id = problem.id(&solution);
            if self.seen.contains(&id) {
                counts.duplicates_rejected += 1;
                misses += 1;
                continue;
            }
            centre.draws = centre.draws.saturating_sub(1);
            let cheap_violation = problem.cheap_violation(&solution);
            if cheap_violation > 0.0 {
                counts.constraint_resamples += 1;
                continue;
            }
            counts.neighbours += 1;
            let origin = vec![Origin::Mutation(label.to_string())];
            return Some(Proposal { solution, id, origin, parents: vec![parent], cheap_violation });
        }
    }

    /// Whether some member of the climb dominates `fitness`.
    fn dominated(&self, fitness: &Fitness) -> bool {
        self.climb.iter().any(|m| constrained_dominates(&m.fitness, fitness))
    }
}

impl<S: Clone> Strategy<S> for LocalSearch<S> {
    fn ask<P: Problem<Solution = S>>(&mut self, problem: &P) -> Vec<Proposal<S>> {
        if self.pending.is_empty() {
            let mut counts = VariationCounts::default();
            while self.pending.len() < self.batch {
                let Some(proposal) = self.next(problem, self.pending.len(), &mut counts) else { break };
                self.seen.insert(proposal.id.clone());
                self.pending.push(proposal);
            }
            self.pending_counts = counts;
        }
        self.pending.clone()
    }

    fn tell(&mut self, results: Vec<Fitness>) -> Result<GenerationReport, StrategyError> {
        if self.pending.is_empty() {
            return Err(StrategyError::NothingAsked);
        }
        check_results(self.pending.len(), &results, self.climb.first().map(|m| m.fitness.objectives.len()))?;
        let first = |f: &Fitness| f.objectives.first().copied().unwrap_or(0.0);
        let centre = self.centre.as_ref().map(|c| (c.member.fitness.is_feasible(), first(&c.member.fitness)));
        let improved = centre.is_some_and(|(feasible, value)| results.iter().any(|f| f.is_feasible() >= feasible && first(f) < value));
        for (proposal, fitness) in std::mem::take(&mut self.pending).into_iter().zip(results) {
            self.climb.push(Member { solution: proposal.solution, id: proposal.id, fitness });
        }
        if improved || self.centre.as_ref().is_some_and(|c| self.dominated(&c.member.fitness)) {
            self.centre = None;
        }
        let report = GenerationReport {
            generation: self.generation,
            counts: std::mem::take(&mut self.pending_counts),
            population: self.climb.len(),
        };
        self.generation += 1;
        Ok(report)
    }

    fn generation(&self) -> u32 {
        self.generation
    }

    fn population(&self) -> Vec<(&S, &Fitness)> {
        self.climb.iter().map(|m| (&m.solution, &m.fitness)).collect()
    }
}
