//! What the page hears: the search's new records and generation summaries as events, in the
//! order they happened.

use engine::search::{EvaluationRecord, Outcome, Search, SearchSpace};
use protocol::{CandidateReport, FromEngine};

use crate::*;

/// Records `outcome` and returns the events of every record made since the last report.
pub(crate) fn record<P: SearchSpace>(
    search: &mut Search<P>,
    arch_id: &str,
    outcome: Outcome,
    reported: &mut Reported,
    extras: Option<Extras>,
) -> Vec<FromEngine> {
    match search.record(arch_id, outcome) {
        // The generation it completed, if any, is among the search's reports: drained too.
        Ok(_) => drain(search, reported, extras.into_iter().collect()),
        // The arch_id came from this search's own `next_candidate`, so this is a broken invariant,
        // reported rather than panicking.
        Err(error) => vec![FromEngine::Error(protocol::EngineError {
            context: "recording a candidate".into(),
            message: error.to_string(),
        })],
    }
}

/// The last reports of a search that has ended, and why it ended early if it did.
pub(crate) fn finish<P: SearchSpace>(search: &Search<P>, reported: &mut Reported) -> Vec<FromEngine>
where
    P::Solution: Clone,
{
    let mut events = drain(search, reported, Vec::new());
    events.extend(search.fault().map(|fault| FromEngine::Error(protocol::EngineError::new("running the search", fault.to_string()))));
    events
}

/// How many of the search's records and generation summaries the page has been told of.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Reported {
    pub(crate) records: usize,
    pub(crate) generations: usize,
}

/// Events for the records and generation summaries made since `reported`, in the order they
/// happened: a generation's summary after its candidates and before the next generation's.
/// (Cheap candidates and whole generations can be settled inside one `next_candidate`.) Each
/// record takes the `extras` of its architecture, if any.
pub(crate) fn drain<P: SearchSpace>(search: &Search<P>, reported: &mut Reported, mut extras: Vec<Extras>) -> Vec<FromEngine> {
    let records = search.records().get(reported.records..).unwrap_or_default();
    let summaries = search.reports().get(reported.generations..).unwrap_or_default();
    *reported = Reported { records: search.records().len(), generations: search.reports().len() };
    let mut summaries = summaries.iter().peekable();
    let mut events = Vec::new();
    for r in records {
        while let Some(summary) = summaries.next_if(|s| s.generation < r.generation) {
            events.push(FromEngine::Generation(summary.clone()));
        }
        let mine = extras.iter().position(|e| e.arch_id == r.arch_id).map(|at| extras.remove(at)).unwrap_or_default();
        events.push(FromEngine::Candidate(report(r, mine)));
    }
    events.extend(summaries.cloned().map(FromEngine::Generation));
    events
}

pub(crate) fn report<S>(r: &EvaluationRecord<S>, extras: Extras) -> CandidateReport {
    CandidateReport {
        candidate_id: r.candidate_id,
        generation: r.generation,
        arch_id: r.arch_id.clone(),
        text: r.text.clone(),
        origin: r.origin.clone(),
        parents: r.parents.clone(),
        cheap: r.cheap,
        objectives: r.fitness.objectives.clone(),
        violation: r.fitness.violation,
        status: r.status.clone(),
        resumes: r.resumes,
        error: r.error,
        details: r.details.clone(),
        losses: extras.losses,
        measured_latency: extras.measured_latency,
        inherited_params: extras.inherited_params,
        inherited_layers: extras.inherited_layers,
    }
}
