//! A run's complete state as plain serde data, and its check when read back from storage.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::baselines::{RandomSearch, RegularizedEvolution};
use crate::guided::PredictorGuided;
use crate::local_search::LocalSearch;
use crate::moo::Fitness;
use crate::problem::{Proposal, VariationCounts, check_fitness, check_proposals};
use super::*;

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
    /// Local search.
    LocalSearch(LocalSearch<S>),
    /// Predictor-guided evolution.
    PredictorGuided(PredictorGuided<S>),
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
    pub(super) config: ValidSearchConfig,
    pub(super) strategy: AnyStrategy<S>,
    pub(super) batch: Vec<Proposal<S>>,
    pub(super) batch_generation: u32,
    pub(super) batch_results: Vec<Option<Fitness>>,
    pub(super) batch_counts: VariationCounts,
    /// With rungs: each slot's rung record, once it has one (empty without rungs).
    #[serde(default)]
    pub(super) batch_rungs: Vec<Option<u32>>,
    /// With rungs: whether the current batch has been cut.
    #[serde(default)]
    pub(super) batch_cut: bool,
    pub(super) records: Vec<EvaluationRecord<S>>,
    pub(super) cache: BTreeMap<String, u32>,
    pub(super) reports: Vec<GenerationSummary>,
    pub(super) evaluations: u32,
    pub(super) exhausted: bool,
    /// Training compute of the expensive evaluations (a snapshot saved before it was counted
    /// starts from zero).
    #[serde(default)]
    pub(super) compute: Compute,
}

impl<S> SearchSnapshot<S> {
    pub(super) fn check<P: SearchSpace<Solution = S>>(&self, space: &P) -> Result<(), String> {
        let config = self.config.get();
        let objectives = config.objectives.len();
        let contains = |s: &S| space.contains(s);
        match (&self.strategy, config.strategy) {
            (AnyStrategy::Nsga2(state), StrategyKind::Nsga2) => state.check_restored(objectives, &contains)?,
            (AnyStrategy::Random(state), StrategyKind::Random) => state.check_restored(objectives, &contains)?,
            (AnyStrategy::RegularizedEvolution(state), StrategyKind::RegularizedEvolution) => {
                state.check_restored(objectives, &contains)?
            }
            (AnyStrategy::LocalSearch(state), StrategyKind::LocalSearch) => state.check_restored(objectives, &contains)?,
            (AnyStrategy::PredictorGuided(state), StrategyKind::PredictorGuided) => state.check_restored(objectives, &contains)?,
            (_, kind) => return Err(format!("its strategy's state is not that of {kind:?}, the configured strategy")),
        }
        if self.batch_results.len() != self.batch.len() {
            return Err(format!("{} results for a batch of {}", self.batch_results.len(), self.batch.len()));
        }
        check_proposals("batch proposal", &self.batch, &contains)?;
        self.check_rungs()?;
        for (i, result) in self.batch_results.iter().enumerate() {
            if let Some(fitness) = result {
                check_fitness(&format!("batch result {i}"), fitness, objectives)?;
            }
        }
        for (i, record) in self.records.iter().enumerate() {
            if record.candidate_id as usize != i {
                return Err(format!("record {i} says it is candidate {}", record.candidate_id));
            }
            space.contains(&record.solution).map_err(|e| format!("record {i} ({}): {e}", record.arch_id))?;
            check_fitness(&format!("record {i}"), &record.fitness, objectives)?;
        }
        for (id, &index) in &self.cache {
            match self.records.get(index as usize) {
                Some(record) if record.arch_id == *id => {}
                Some(record) => return Err(format!("the cache sends {id} to record {index}, which is {}", record.arch_id)),
                None => return Err(format!("the cache sends {id} to record {index} of {}", self.records.len())),
            }
        }
        if let Some((i, from)) = self.records.iter().enumerate().find_map(|(i, r)| r.resumes.filter(|&from| !self.is_rung_of(from, &r.arch_id)).map(|from| (i, from))) {
            return Err(format!("record {i} resumes record {from}, which is no rung record of the same network"));
        }
        if self.evaluations as usize > self.records.len() {
            return Err(format!("{} evaluations but {} records", self.evaluations, self.records.len()));
        }
        Ok(())
    }
}

impl<S> SearchSnapshot<S> {
    /// Whether record `index` is a rung record of `arch_id`.
    fn is_rung_of(&self, index: u32, arch_id: &str) -> bool {
        self.records.get(index as usize).is_some_and(|r| r.status == RecordStatus::Rung && r.arch_id == arch_id)
    }

    /// The batch's rung records are rung records of the batch's own networks, and only a run
    /// with rungs has them.
    fn check_rungs(&self) -> Result<(), String> {
        let config = self.config.get();
        if self.batch_rungs.is_empty() {
            return Ok(());
        }
        if config.rungs.is_none() || self.batch_rungs.len() != self.batch.len() {
            return Err(format!("{} rung slots for a batch of {} in a run with rungs {:?}", self.batch_rungs.len(), self.batch.len(), config.rungs));
        }
        for (slot, record) in self.batch_rungs.iter().enumerate() {
            if let Some(index) = *record
                && !self.is_rung_of(index, &self.batch[slot].id)
            {
                return Err(format!("batch slot {slot} names record {index} as its rung, which is no rung record of {}", self.batch[slot].id));
            }
        }
        Ok(())
    }
}
