//! The run itself: creation, restore, what it reports, and handing out and recording candidates.

use std::collections::BTreeMap;

use crate::baselines::{RandomSearch, RegularizedEvolution};
use crate::guided::PredictorGuided;
use crate::local_search::LocalSearch;
use crate::moo::{Fitness, ParetoArchive};
use crate::nsga2::{Nsga2, Nsga2Config};
use crate::problem::{Problem, VariationCounts};
use crate::rng::{EngineRng, Seed};
use super::*;
use super::generation::objective_values;
use super::rungs::Next;

/// A running search over a [`SearchSpace`].
#[derive(Debug, Clone)]
pub struct Search<P: SearchSpace> {
    pub(super) space: P,
    pub(super) state: SearchSnapshot<P::Solution>,
    /// Why the run stopped early, if its strategy refused a generation (see [`Self::fault`]).
    pub(super) fault: Option<SearchError>,
}

/// The problem a strategy sees: the space plus the run's constraints as cheap violation, and
/// its objectives known before training.
pub(super) struct Constrained<'a, P> {
    pub(super) space: &'a P,
    pub(super) constraints: Constraints,
    pub(super) objectives: &'a [Objective],
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
    fn neighbours(&self, s: &P::Solution, generation: u32) -> Option<Vec<P::Solution>> {
        self.space.neighbours(s, generation)
    }
    fn features(&self, s: &P::Solution) -> Option<Vec<f64>> {
        self.space.features(s)
    }
    fn known_objectives(&self, s: &P::Solution) -> Option<Vec<Option<f64>>> {
        Some(objective_values(self.objectives, None, &self.space.cheap(s), None))
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
            StrategyKind::LocalSearch => AnyStrategy::LocalSearch(LocalSearch::new(c.population as usize, c.population as usize, seed)),
            StrategyKind::PredictorGuided => {
                AnyStrategy::PredictorGuided(PredictorGuided::new(c.population as usize, c.population as usize, seed))
            }
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
                batch_rungs: Vec::new(),
                batch_cut: false,
                records: Vec::new(),
                cache: BTreeMap::new(),
                reports: Vec::new(),
                evaluations: 0,
                exhausted: false,
                compute: Compute::default(),
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
            || c.max_train_steps.is_some_and(|m| self.compute().train_steps >= m)
    }

    /// Training compute spent so far by every scored candidate.
    pub fn compute(&self) -> Compute {
        self.state.compute
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
        if let Some(m) = c.max_train_steps {
            progress = progress.max(self.compute().train_steps as f64 / m as f64);
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
            match self.next_slot() {
                Next::Slot(slot) => {
                    if let Some(candidate) = self.settle_cheaply(slot) {
                        return Some(candidate);
                    }
                }
                Next::Cut => self.cut(),
                Next::Complete => {
                    self.finish_generation();
                }
            }
        }
    }

    /// Records the evaluation of the pending candidate `arch_id`. Returns the generation's summary
    /// when this completes it.
    pub fn record(&mut self, arch_id: &str, outcome: Outcome) -> Result<Option<GenerationSummary>, SearchError> {
        let slot = match self.next_slot() {
            Next::Slot(slot) if self.state.batch[slot].id == arch_id => slot,
            _ => return Err(SearchError::NotPending { arch_id: arch_id.to_string() }),
        };
        if let Outcome::Evaluated { error, .. } = &outcome
            && !(0.0..=1.0).contains(error)
        {
            return Err(SearchError::BadError { arch_id: arch_id.to_string(), error: *error });
        }
        let proposal = self.state.batch[slot].clone();
        let cheap = self.space.cheap(&proposal.solution);
        let fidelity = self.fidelity(slot);
        let Assessed { error, details, fitness, mut status } = self.assess(&cheap, outcome);
        let at_rung = matches!(fidelity, Fidelity::Rung { .. }) && status == RecordStatus::Evaluated;
        if at_rung {
            status = RecordStatus::Rung;
        }
        let resumes = match fidelity {
            Fidelity::Resume { from, .. } => Some(from),
            _ => None,
        };
        self.state.evaluations += 1;
        self.state.compute.add(&details);
        self.push_record(&proposal, cheap, error, details, fitness.clone(), status, resumes);
        let index = (self.state.records.len() - 1) as u32;
        if at_rung {
            self.state.batch_rungs[slot] = Some(index);
            return Ok(None);
        }
        self.state.cache.insert(proposal.id.clone(), index);
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

    pub(super) fn assess(&self, cheap: &CheapMetrics, outcome: Outcome) -> Assessed {
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
            if r.fitness.is_feasible() && !matches!(r.status, RecordStatus::Failed { .. } | RecordStatus::Rung) {
                archive.insert(r.arch_id.clone(), i, r.fitness.clone());
            }
        }
        archive.entries().iter().map(|e| &self.state.records[e.item]).collect()
    }
}
