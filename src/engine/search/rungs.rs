//! Successive halving inside each generation (multi-fidelity evaluation): every new network of
//! a batch first trains to a rung (a fraction of its budget) and is paused there; once the
//! whole batch has reached the rung, the batch is cut by non-dominated rank (crowding distance
//! within a rank) on its rung error and the exact cheap objectives, and only the best one in
//! `eta` resumes to its full budget. The others are stopped early: their records keep the rung's
//! error, the strategy selects with it, and they never enter the front or its hypervolume.
//!
//! A resumed network continues its own training (same batch order, same learning-rate
//! schedule over the full budget): the evaluator keeps the paused trainer, and one that lost
//! it (a reload) trains the whole budget again, which by construction ends where the paused
//! one would have.

use serde::{Deserialize, Serialize};

use crate::moo::{Fitness, constrained_non_dominated_sort, crowding_distance};
use super::*;

/// How a run cuts each batch at a rung.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rungs {
    /// The fraction of its training budget a new network trains before the cut, in (0, 1).
    pub fraction: f64,
    /// One network in `eta` of those that reached the rung (rounded up, at least one) resumes.
    pub eta: u32,
}

impl Rungs {
    /// The fractions allowed.
    pub const FRACTION: &'static str = "more than 0 and less than 1";
    /// The reductions allowed.
    pub const ETA: std::ops::RangeInclusive<u32> = 2..=8;

    /// How many of `reached` networks at the rung resume.
    pub fn survivors(&self, reached: usize) -> usize {
        reached.div_ceil(self.eta.max(1) as usize).min(reached)
    }

    pub(super) fn check(&self) -> Result<(), ConfigError> {
        if !(self.fraction.is_finite() && self.fraction > 0.0 && self.fraction < 1.0) {
            return Err(ConfigError { field: "rungs.fraction".into(), value: self.fraction.to_string(), allowed: Self::FRACTION.into() });
        }
        if !Self::ETA.contains(&self.eta) {
            let allowed = format!("{} to {}", Self::ETA.start(), Self::ETA.end());
            return Err(ConfigError { field: "rungs.eta".into(), value: self.eta.to_string(), allowed });
        }
        Ok(())
    }
}

/// How far a candidate handed out is to train.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Fidelity {
    /// Its whole budget.
    #[default]
    Full,
    /// `fraction` of its budget, then paused (its result is a rung record).
    Rung {
        /// The fraction of the budget.
        fraction: f64,
    },
    /// From its rung to its whole budget.
    Resume {
        /// The number of its rung record: the candidate whose training (and training seed) it
        /// continues.
        from: u32,
        /// The fraction of the budget it already trained.
        fraction: f64,
    },
}

/// Where a run is in its current batch.
pub(super) enum Next {
    /// This slot is the next to settle or evaluate.
    Slot(usize),
    /// Every network of the batch has reached the rung: cut now.
    Cut,
    /// Every slot has its result: the generation is complete.
    Complete,
}

impl<P: SearchSpace> Search<P> {
    /// The run's rungs, when it evaluates expensively and cuts at a rung.
    pub(super) fn rungs(&self) -> Option<Rungs> {
        self.config().rungs.filter(|_| self.needs_evaluation())
    }

    /// Whether the current batch is still before its cut (some networks train to the rung).
    pub(super) fn before_cut(&self) -> bool {
        self.rungs().is_some() && !self.state.batch_cut
    }

    /// What comes next in the current batch (not yet empty).
    pub(super) fn next_slot(&self) -> Next {
        let open = |slot: &usize| self.state.batch_results[*slot].is_none();
        let mut slots = 0..self.state.batch_results.len();
        if self.before_cut() {
            let at_rung = |slot: &usize| self.state.batch_rungs.get(*slot).copied().flatten().is_some();
            return match slots.find(|s| open(s) && !at_rung(s)) {
                Some(slot) => Next::Slot(slot),
                None if self.state.batch_results.iter().any(Option::is_none) => Next::Cut,
                None => Next::Complete,
            };
        }
        slots.find(open).map_or(Next::Complete, Next::Slot)
    }

    /// How slot `slot` trains if it is handed out now.
    pub(super) fn fidelity(&self, slot: usize) -> Fidelity {
        match self.rungs() {
            None => Fidelity::Full,
            Some(rungs) if self.before_cut() => Fidelity::Rung { fraction: rungs.fraction },
            Some(rungs) => match self.state.batch_rungs.get(slot).copied().flatten() {
                Some(from) => Fidelity::Resume { from, fraction: rungs.fraction },
                None => Fidelity::Full,
            },
        }
    }

    /// Cuts the batch at its rung: the survivors stay open to resume; the others are settled
    /// with their rung fitness (and cached: a later proposal of the same network is not trained
    /// again).
    pub(super) fn cut(&mut self) {
        let Some(rungs) = self.rungs() else { return };
        let at_rung: Vec<(usize, u32)> = (0..self.state.batch.len())
            .filter(|&slot| self.state.batch_results[slot].is_none())
            .filter_map(|slot| self.state.batch_rungs.get(slot).copied().flatten().map(|record| (slot, record)))
            .collect();
        let fitness: Vec<Fitness> = at_rung.iter().map(|&(_, record)| self.state.records[record as usize].fitness.clone()).collect();
        let mut order = Vec::with_capacity(at_rung.len());
        for front in constrained_non_dominated_sort(&fitness) {
            let points: Vec<&[f64]> = front.iter().map(|&i| fitness[i].objectives.as_slice()).collect();
            let crowding = crowding_distance(&points);
            let mut ranked: Vec<(usize, f64)> = front.iter().copied().zip(crowding).collect();
            // Most isolated first; equal distances keep the batch's order.
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            order.extend(ranked.into_iter().map(|(i, _)| i));
        }
        for &i in order.iter().skip(rungs.survivors(at_rung.len())) {
            let (slot, record) = at_rung[i];
            self.state.batch_results[slot] = Some(fitness[i].clone());
            self.state.cache.insert(self.state.records[record as usize].arch_id.clone(), record);
        }
        self.state.batch_cut = true;
    }

    /// Records of this generation trained to the rung and never resumed.
    pub(super) fn stopped_early(&self, generation: u32) -> u32 {
        let resumed: std::collections::BTreeSet<u32> = self.state.records.iter().filter_map(|r| r.resumes).collect();
        let stopped = |r: &&EvaluationRecord<P::Solution>| {
            r.generation == generation && r.status == RecordStatus::Rung && !resumed.contains(&r.candidate_id)
        };
        self.state.records.iter().filter(stopped).count() as u32
    }
}
