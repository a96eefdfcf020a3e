//! Several candidates of a generation evaluated at once, by several workers, with the run's
//! records exactly those of a single worker: [`Dispatch`] hands out the candidates a single
//! worker would take next, in order and numbered as they will be, takes their results back in
//! whatever order the workers finish, and records each only when its turn comes.
//!
//! ```
//! use engine::search::{ArchSpace, Details, Dispatch, Outcome, Search, SearchConfig};
//! use engine::{hardware::Target, space::{InputShape, SpaceConfig}};
//! let space = ArchSpace::new(SpaceConfig::for_input(InputShape::DIGITS, 10), Target::Mobile).unwrap();
//! let mut search = Search::new(space, SearchConfig { population: 4, generations: 2, ..SearchConfig::default() }.check().unwrap());
//! let mut dispatch = Dispatch::default();
//! loop {
//!     let started = dispatch.hand_out(&mut search, 3, 0.0);
//!     if dispatch.in_flight().is_empty() { break; }
//!     assert!(dispatch.in_flight().len() <= 3);
//!     // The last one handed out finishes first.
//!     let done = dispatch.in_flight().last().unwrap().clone();
//!     let outcome = Outcome::Evaluated { error: 0.5, details: Details::default() };
//!     assert!(dispatch.complete(&done, outcome, ()));
//!     dispatch.commit(&mut search, 0.0);
//! }
//! assert!(search.finished(0.0));
//! assert_eq!(search.records().len(), 8);
//! ```

use std::collections::BTreeSet;

use super::*;
use super::rungs::Next;

/// A result that [`Dispatch::commit`] recorded: the candidate, what the caller attached to it,
/// and the search's answer (the generation it completed, if any).
#[derive(Debug)]
pub struct Committed<S, T> {
    /// The candidate recorded.
    pub candidate: Candidate<S>,
    /// What the caller attached in [`Dispatch::complete`].
    pub extra: T,
    /// The search's answer to [`Search::record`].
    pub recorded: Result<Option<GenerationSummary>, SearchError>,
}

/// The candidates out with workers and the results waiting for their turn.
#[derive(Debug, Clone)]
pub struct Dispatch<S, T> {
    /// Handed out and not back yet, in the order they were handed out.
    handed: Vec<Candidate<S>>,
    /// Back, waiting until every candidate before them is recorded.
    back: Vec<(Candidate<S>, Outcome, T)>,
}

impl<S, T> Default for Dispatch<S, T> {
    fn default() -> Self {
        Dispatch { handed: Vec::new(), back: Vec::new() }
    }
}

impl<S: Clone + PartialEq, T> Dispatch<S, T> {
    /// Hands out what `workers` may take now: the next candidates a single worker would
    /// evaluate, in its order, so that at most `workers` are out. Returns the ones to start;
    /// [`Self::in_flight`] lists all that are out. A candidate out that the run no longer
    /// wants (it ended, or numbered it otherwise) leaves the list: its worker can stop.
    pub fn hand_out<P: SearchSpace<Solution = S>>(&mut self, search: &mut Search<P>, workers: usize, elapsed_s: f64) -> Vec<Candidate<S>> {
        if search.next_candidate_at(elapsed_s).is_none() {
            self.handed.clear();
            self.back.clear();
            return Vec::new();
        }
        let upcoming = search.upcoming(usize::MAX);
        self.handed.retain(|c| upcoming.contains(c));
        self.back.retain(|(c, _, _)| upcoming.contains(c));
        let mut started = Vec::new();
        for candidate in upcoming {
            if self.handed.len() >= workers {
                break;
            }
            let known = |c: &Candidate<S>| c.candidate_id == candidate.candidate_id;
            if !self.handed.iter().any(known) && !self.back.iter().any(|(c, _, _)| known(c)) {
                self.handed.push(candidate.clone());
                started.push(candidate);
            }
        }
        started
    }

    /// The candidates out with workers, in the order they were handed out.
    pub fn in_flight(&self) -> &[Candidate<S>] {
        &self.handed
    }

    /// Takes a worker's result for `candidate`, with `extra` to hand back when it is recorded.
    /// `false` when the candidate is not out (any more): the result is dropped.
    pub fn complete(&mut self, candidate: &Candidate<S>, outcome: Outcome, extra: T) -> bool {
        let Some(at) = self.handed.iter().position(|c| c == candidate) else { return false };
        let candidate = self.handed.remove(at);
        self.back.push((candidate, outcome, extra));
        true
    }

    /// Records, in the run's order, every result whose turn has come: stops at the first
    /// candidate still out (or not handed out yet) and when the run ends.
    pub fn commit<P: SearchSpace<Solution = S>>(&mut self, search: &mut Search<P>, elapsed_s: f64) -> Vec<Committed<S, T>> {
        let mut committed = Vec::new();
        while let Some(next) = search.next_candidate_at(elapsed_s) {
            let Some(at) = self.back.iter().position(|(c, _, _)| *c == next) else { break };
            let (candidate, outcome, extra) = self.back.remove(at);
            let recorded = search.record(&candidate.arch_id, outcome);
            committed.push(Committed { candidate, extra, recorded });
        }
        committed
    }

    /// Forgets everything out and back (the run is being restored or dropped); returns the
    /// candidates that were out.
    pub fn abandon(&mut self) -> Vec<Candidate<S>> {
        self.back.clear();
        std::mem::take(&mut self.handed)
    }
}

impl<P: SearchSpace> Search<P> {
    /// The candidates of this generation that a single worker will evaluate from here, in its
    /// order and numbered as it will number them, at most `limit`: the one
    /// [`Self::next_candidate_at`] hands out (call it first, so the cheap ones before it are
    /// settled), then each later one that will need an expensive evaluation (not a cache hit
    /// of an earlier one, not a constraint violator). None past the evaluation budget. Nothing
    /// is settled or recorded.
    pub fn upcoming(&self, limit: usize) -> Vec<Candidate<P::Solution>> {
        let mut upcoming = Vec::new();
        let Next::Slot(first) = self.next_slot() else { return upcoming };
        let before_cut = self.before_cut();
        let evaluations_left = self.config().max_evaluations.map_or(usize::MAX, |m| m.saturating_sub(self.state.evaluations) as usize);
        let limit = limit.min(evaluations_left);
        let mut cached: BTreeSet<&str> = self.state.cache.keys().map(String::as_str).collect();
        let mut records = self.state.records.len() as u32;
        for (slot, proposal) in self.state.batch.iter().enumerate().skip(first) {
            if upcoming.len() >= limit {
                break;
            }
            let at_rung = self.state.batch_rungs.get(slot).copied().flatten().is_some();
            if self.state.batch_results[slot].is_some() || (before_cut && at_rung) {
                continue;
            }
            if at_rung {
                upcoming.push(self.candidate(slot, records));
                records += 1;
                continue;
            }
            if cached.contains(proposal.id.as_str()) {
                continue;
            }
            if proposal.cheap_violation > 0.0 {
                records += 1;
                continue;
            }
            if self.needs_evaluation() {
                upcoming.push(self.candidate(slot, records));
            }
            cached.insert(&proposal.id);
            records += 1;
        }
        upcoming
    }
}
