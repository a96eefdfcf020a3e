//! How a run moves through a generation: asking the strategy for a batch, settling cheap
//! candidates and cache hits without evaluation, and telling the strategy the results.

use crate::moo::{Fitness, hypervolume};
use crate::nsga2::Nsga2;
use crate::problem::{Proposal, Strategy, VariationCounts};
use super::*;

impl<P: SearchSpace> Search<P> {
    pub(super) fn needs_evaluation(&self) -> bool {
        self.config().objectives.contains(&Objective::Error)
    }

    /// Objective values in the configured order; `error` 1.0 when unknown.
    pub(super) fn objectives(&self, error: Option<f64>, cheap: &CheapMetrics, details: Option<&Details>) -> Vec<f64> {
        let measured = details
            .and_then(|d| d.measured_latency_ms)
            .filter(|_| self.config().latency == LatencySource::Measured);
        objective_values(&self.config().objectives, error, cheap, measured).into_iter().map(|v| v.unwrap_or(1.0)).collect()
    }

    pub(super) fn ask(&mut self) -> bool {
        let config = self.state.config.get();
        let constrained = Constrained { space: &self.space, constraints: config.constraints, objectives: &config.objectives };
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
            AnyStrategy::LocalSearch(s) => (s.ask(&constrained), VariationCounts::default()),
            AnyStrategy::PredictorGuided(s) => (s.ask(&constrained), VariationCounts::default()),
        };
        if batch.is_empty() {
            self.state.exhausted = true;
            return false;
        }
        self.state.batch_results = vec![None; batch.len()];
        self.state.batch = batch;
        self.state.batch_generation = generation;
        self.state.batch_counts = counts;
        self.state.batch_rungs = if self.rungs().is_some() { vec![None; self.state.batch.len()] } else { Vec::new() };
        self.state.batch_cut = false;
        true
    }

    /// Scores slot `slot` without an expensive evaluation where possible; otherwise returns it
    /// as the candidate to evaluate.
    pub(super) fn settle_cheaply(&mut self, slot: usize) -> Option<Candidate<P::Solution>> {
        if matches!(self.fidelity(slot), Fidelity::Resume { .. }) {
            return Some(self.candidate(slot, self.state.records.len() as u32));
        }
        let proposal = self.state.batch[slot].clone();
        let cheap = self.space.cheap(&proposal.solution);
        let fitness = if let Some(&index) = self.state.cache.get(&proposal.id) {
            self.state.records[index as usize].fitness.clone()
        } else if proposal.cheap_violation > 0.0 {
            let fitness = Fitness { objectives: self.objectives(None, &cheap, None), violation: proposal.cheap_violation };
            self.push_record(&proposal, cheap, None, Details::default(), fitness.clone(), RecordStatus::ConstraintViolated, None);
            fitness
        } else if !self.needs_evaluation() {
            let fitness = Fitness::feasible(self.objectives(None, &cheap, None));
            self.push_record(&proposal, cheap, None, Details::default(), fitness.clone(), RecordStatus::CheapOnly, None);
            self.state.cache.insert(proposal.id.clone(), (self.state.records.len() - 1) as u32);
            fitness
        } else {
            return Some(self.candidate(slot, self.state.records.len() as u32));
        };
        self.state.batch_results[slot] = Some(fitness);
        None
    }

    /// Slot `slot` as the candidate numbered `candidate_id` to evaluate.
    pub(super) fn candidate(&self, slot: usize, candidate_id: u32) -> Candidate<P::Solution> {
        let proposal = &self.state.batch[slot];
        Candidate {
            candidate_id,
            generation: self.state.batch_generation,
            text: self.space.describe(&proposal.solution),
            arch_id: proposal.id.clone(),
            solution: proposal.solution.clone(),
            cheap: self.space.cheap(&proposal.solution),
            parents: proposal.parents.clone(),
            fidelity: self.fidelity(slot),
        }
    }

    pub(super) fn push_record(
        &mut self,
        proposal: &Proposal<P::Solution>,
        cheap: CheapMetrics,
        error: Option<f64>,
        details: Details,
        fitness: Fitness,
        status: RecordStatus,
        resumes: Option<u32>,
    ) {
        self.state.records.push(EvaluationRecord {
            candidate_id: self.state.records.len() as u32,
            generation: self.state.batch_generation,
            arch_id: proposal.id.clone(),
            text: self.space.describe(&proposal.solution),
            solution: proposal.solution.clone(),
            origin: proposal.origin.clone(),
            parents: proposal.parents.clone(),
            resumes,
            cheap,
            error,
            details,
            fitness,
            status,
        });
    }

    /// Tells the strategy the completed batch and reports the generation.
    pub(super) fn finish_generation(&mut self) -> GenerationSummary {
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
            AnyStrategy::LocalSearch(s) => s.tell(results),
            AnyStrategy::PredictorGuided(s) => s.tell(results),
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
        let stopped_early = self.stopped_early(generation);
        let resumed = in_batch.iter().filter(|r| r.resumes.is_some()).count() as u32;
        let cache_hits = (self.state.batch.len() as u32).saturating_sub(in_batch.len() as u32 - resumed);
        let front: Vec<FrontPoint> = self
            .front()
            .into_iter()
            .map(|r| FrontPoint {
                candidate_id: r.candidate_id,
                arch_id: r.arch_id.clone(),
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
            stopped_early,
            evaluations_total: self.state.evaluations,
            front,
            hypervolume,
            compute: self.compute(),
        };
        self.state.reports.push(summary.clone());
        self.state.batch.clear();
        self.state.batch_results.clear();
        self.state.batch_rungs.clear();
        self.state.batch_cut = false;
        summary
    }

    /// Hypervolume of `front` with every objective divided by its bound (error by 1), reference
    /// point 1.1 in each.
    pub(super) fn normalised_hypervolume(&self, front: &[FrontPoint]) -> f64 {
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

/// Objective values in the order of `objectives`: the error where it is known, the latency as
/// measured where it was, else as predicted.
pub(super) fn objective_values(objectives: &[Objective], error: Option<f64>, cheap: &CheapMetrics, measured: Option<f64>) -> Vec<Option<f64>> {
    objectives
        .iter()
        .map(|o| match o {
            Objective::Error => error,
            Objective::Latency => Some(measured.unwrap_or(cheap.latency_ms)),
            Objective::Params => Some(cheap.params as f64 / 1e6),
            Objective::Macs => Some(cheap.macs as f64 / 1e6),
            Objective::Energy => Some(cheap.energy_mj),
        })
        .collect()
}
