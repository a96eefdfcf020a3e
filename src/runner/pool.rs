//! The bookkeeping of a run whose candidates train several at once, wherever they train:
//! threads natively ([`crate::parallel`]), the page's trainer workers in the browser. The
//! engine's [`Dispatch`] hands out a generation's candidates in the order and numbering of a
//! single worker and records their results in that order, so the run's candidates, scores and
//! front are those of the run trained one at a time — with inheritance too: a child's parents
//! were trained and kept before its generation was asked for, and every network is kept in the
//! run's order. The reference networks are handed out as jobs too once generation 0 is scored,
//! and are reported in their order.
//!
//! A job whose trainer dies ([`Pool::crashed`]) is handed out once more; a second death fails
//! its candidate. Nothing here waits or spawns: the caller starts each [`Order`], and gives
//! each result back with [`Pool::take`].

use std::collections::BTreeMap;

use engine::search::{Candidate, Dispatch, Outcome};
use nn::evaluate::{Job, Trained};
use protocol::{FromEngine, ReferenceReport, TrainingRole};

use crate::*;

/// A job to start: its number (to give its result back with), what it trains and as what.
pub struct Order {
    /// The job's number in this pool.
    pub job: u64,
    /// The training, with its parents' networks.
    pub work: Job,
    /// As what it trains.
    pub role: TrainingRole,
}

/// A trained (and perhaps timed) job's result, as [`Pool::take`] takes it.
pub struct Scored {
    pub(crate) outcome: Outcome,
    pub(crate) extras: Extras,
    pub(crate) trained: Option<Trained>,
}

impl Scored {
    /// `trained`, with its latency as measured (see [`Run::time`]).
    pub fn new(trained: Trained, measured: Option<Result<nn::latency::LatencyMeasurement, String>>) -> Self {
        let (outcome, extras, _) = scored(trained.arch_id(), trained.evaluated.clone(), measured);
        Scored { outcome, extras, trained: Some(trained) }
    }

    /// Candidate `arch_id` failed, for `reason`, before it was trained.
    pub fn failed(arch_id: &str, reason: String) -> Self {
        Scored { outcome: Outcome::Failed { reason }, extras: Extras { arch_id: arch_id.to_string(), ..Extras::default() }, trained: None }
    }
}

/// The jobs out and the results waiting for their turn; see the module's documentation.
pub struct Pool {
    jobs: usize,
    dispatch: Dispatch<Genotype, (Extras, Option<Trained>)>,
    out: Vec<Out>,
    started: u64,
    /// Trained references waiting for those before them, by number.
    references_back: BTreeMap<u32, Scored>,
}

/// A job out with a trainer.
struct Out {
    job: u64,
    what: What,
    role: TrainingRole,
    /// It was handed out again after its trainer died.
    retried: bool,
}

#[derive(Clone)]
enum What {
    Candidate(Candidate<Genotype>),
    Reference(u32),
}

impl Pool {
    /// A pool keeping up to `jobs` (at least 1) jobs out.
    pub fn new(jobs: usize) -> Self {
        Pool { jobs: jobs.max(1), dispatch: Dispatch::default(), out: Vec::new(), started: 0, references_back: BTreeMap::new() }
    }

    /// Whether `run` is one a pool drives: a search trained in the architecture space (a
    /// tabular run looks its candidates up; an imported genotype trains alone).
    pub fn drives(run: &Run) -> bool {
        matches!(run.kind, Kind::Arch { .. }) && matches!(run.alone, Alone::No)
    }

    /// The numbers of the jobs out now.
    pub fn out(&self) -> Vec<u64> {
        self.out.iter().map(|o| o.job).collect()
    }

    /// Records the results whose turn has come (the search's, then the references') and
    /// returns their events, as [`Run::advance`] would.
    pub fn commit(&mut self, run: &mut Run, elapsed_s: f64) -> Vec<FromEngine> {
        let Kind::Arch { search, evaluator, .. } = &mut run.kind else { return Vec::new() };
        let mut extras = Vec::new();
        let mut errors = Vec::new();
        for committed in self.dispatch.commit(search, elapsed_s) {
            let (more, trained) = committed.extra;
            if let Some(trained) = trained {
                evaluator.keep(trained);
            }
            extras.push(more);
            if let Err(error) = committed.recorded {
                errors.push(FromEngine::Error(protocol::EngineError::new("recording a candidate", error.to_string())));
            }
        }
        let mut events = drain(search, &mut run.reported, extras);
        events.extend(errors);
        while let Some(scored) = self.references_back.remove(&run.references_done) {
            let (name, genotype) = run.references.remove(0);
            if let Some(trained) = scored.trained {
                evaluator.keep(trained);
            }
            let role = TrainingRole::Reference { name: name.to_string() };
            let candidate = outside_candidate(search, genotype, run.references_done);
            let report = outside_report(search, candidate, &role, scored.outcome, scored.extras);
            events.push(FromEngine::Reference(ReferenceReport { name: name.to_string(), report }));
            run.references_done += 1;
        }
        events
    }

    /// The run's last events once nothing is out and nothing more is handed out.
    pub fn finished(&self, run: &mut Run) -> Option<Vec<FromEngine>> {
        let Kind::Arch { search, .. } = &mut run.kind else { return None };
        self.out.is_empty().then(|| finish(search, &mut run.reported))
    }

    /// The jobs to start so that up to `jobs` are out: the references once generation 0 is
    /// scored (as the single worker takes them), then the search's candidates; and the jobs
    /// out whose candidates the search no longer wants (their trainers can stop).
    pub fn hand_out(&mut self, run: &mut Run, elapsed_s: f64) -> (Vec<Order>, Vec<u64>) {
        let Kind::Arch { search, evaluator, .. } = &mut run.kind else { return (Vec::new(), Vec::new()) };
        let time_left = search.config().time_budget_s.is_none_or(|t| elapsed_s < t);
        let mut orders = Vec::new();
        if !search.reports().is_empty() && time_left {
            for (k, (name, genotype)) in run.references.iter().enumerate() {
                let number = run.references_done + k as u32;
                if self.out.len() >= self.jobs {
                    break;
                }
                let known = self.out.iter().any(|o| matches!(o.what, What::Reference(n) if n == number));
                if known || self.references_back.contains_key(&number) {
                    continue;
                }
                let work = evaluator.job(&outside_candidate(search, genotype.clone(), number));
                orders.push(self.start(work, TrainingRole::Reference { name: name.to_string() }, What::Reference(number)));
            }
        }
        let references_out = self.out.iter().filter(|o| matches!(o.what, What::Reference(_))).count();
        for candidate in self.dispatch.hand_out(search, self.jobs.saturating_sub(references_out), elapsed_s) {
            let role = if candidate.parents.is_empty() { TrainingRole::Sampled } else { TrainingRole::Child };
            orders.push(self.start(evaluator.job(&candidate), role, What::Candidate(candidate)));
        }
        let wanted = self.dispatch.in_flight();
        let mut cancelled = Vec::new();
        self.out.retain(|o| match &o.what {
            What::Candidate(c) if !wanted.contains(c) => {
                cancelled.push(o.job);
                false
            }
            _ => true,
        });
        (orders, cancelled)
    }

    fn start(&mut self, work: Job, role: TrainingRole, what: What) -> Order {
        let job = self.started;
        self.started += 1;
        self.out.push(Out { job, what, role: role.clone(), retried: false });
        Order { job, work, role }
    }

    /// Takes job `job`'s result (`None`: it was stopped, and is not out any more).
    pub fn take(&mut self, job: u64, result: Option<Scored>) {
        let Some(at) = self.out.iter().position(|o| o.job == job) else { return };
        let out = self.out.remove(at);
        let Some(scored) = result else { return };
        match out.what {
            What::Candidate(candidate) => {
                self.dispatch.complete(&candidate, scored.outcome, (scored.extras, scored.trained));
            }
            What::Reference(number) => {
                self.references_back.insert(number, scored);
            }
        }
    }

    /// Job `job`'s trainer died (a panic, a lost device) for `reason`: the job once more, as a
    /// new order, the first time; its candidate failed the second.
    pub fn crashed(&mut self, run: &Run, job: u64, reason: &str) -> Option<Order> {
        let Kind::Arch { search, evaluator, .. } = &run.kind else { return None };
        let at = self.out.iter().position(|o| o.job == job)?;
        let (what, role, retried) = {
            let out = &self.out[at];
            (out.what.clone(), out.role.clone(), out.retried)
        };
        let candidate = match &what {
            What::Candidate(candidate) => candidate.clone(),
            What::Reference(number) => {
                let (_, genotype) = run.references.get((number - run.references_done) as usize)?;
                outside_candidate(search, genotype.clone(), *number)
            }
        };
        if retried {
            self.take(job, Some(Scored::failed(&candidate.arch_id, format!("training stopped twice: {reason}"))));
            return None;
        }
        self.out.remove(at);
        let order = self.start(evaluator.job(&candidate), role, what);
        if let Some(out) = self.out.last_mut() {
            out.retried = true;
        }
        Some(order)
    }
}
