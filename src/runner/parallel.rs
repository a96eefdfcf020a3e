//! A run whose candidates train several at once, each on a thread of its own (natively:
//! `cli search --jobs N`). The engine's [`Dispatch`] hands out a generation's candidates in the
//! order and numbering of a single worker and records their results in that order, so the run's
//! candidates, scores and front are those of the run trained one at a time — with inheritance
//! too: a child's parents were trained and kept before its generation was asked for, and every
//! network is kept in the run's order. Latency is timed while the other threads wait between
//! two training steps, so parallel training does not distort it. The reference networks train
//! as jobs too once generation 0 is scored, and are reported in their order.
//!
//! A backend failure fails its candidate (there is no other device to move to), and progress
//! within a candidate is not reported.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, RwLock};

use engine::search::{Candidate, Dispatch, Outcome};
use nn::evaluate::{Job, Trained};
use protocol::{FromEngine, ReferenceReport, TrainingRole};

use crate::*;

/// The most training threads one run may use.
pub const MAX_JOBS: usize = 64;

/// `jobs` when it is a number of training threads a run may use, else why not.
pub fn check_jobs(jobs: usize) -> Result<usize, String> {
    if (1..=MAX_JOBS).contains(&jobs) {
        Ok(jobs)
    } else {
        Err(format!("{jobs} training threads is not allowed; allowed: 1 to {MAX_JOBS}"))
    }
}

/// A run driven by up to `jobs` training threads at once; see the module's documentation.
pub struct Parallel<'a> {
    run: &'a mut Run,
    jobs: usize,
    dispatch: Dispatch<Genotype, (Extras, Option<Trained>)>,
    out: Vec<Out>,
    started: u64,
    /// Trained references waiting for those before them, by number.
    references_back: BTreeMap<u32, Scored>,
    sender: Sender<Done>,
    results: Receiver<Done>,
    /// Training threads take it to read between steps; timing takes it to write.
    gate: Arc<RwLock<()>>,
}

/// A job running on its thread.
struct Out {
    job: u64,
    what: What,
    cancel: Arc<AtomicBool>,
}

enum What {
    Candidate(Candidate<Genotype>),
    Reference(u32),
}

/// What a thread sends back: its job's result, `None` when it was stopped.
struct Done {
    job: u64,
    result: Option<Scored>,
}

struct Scored {
    outcome: Outcome,
    extras: Extras,
    trained: Option<Trained>,
}

impl<'a> Parallel<'a> {
    /// `run`, to be driven with up to `jobs` (at least 1) candidates training at once.
    pub fn new(run: &'a mut Run, jobs: usize) -> Self {
        let (sender, results) = channel();
        Parallel {
            run,
            jobs: jobs.max(1),
            dispatch: Dispatch::default(),
            out: Vec::new(),
            started: 0,
            references_back: BTreeMap::new(),
            sender,
            results,
            gate: Arc::new(RwLock::new(())),
        }
    }

    /// The run, to checkpoint: candidates still training are not in it, so a run resumed
    /// from the checkpoint trains them again.
    pub fn run(&self) -> &Run {
        self.run
    }

    /// How many jobs are training now.
    pub fn training(&self) -> usize {
        self.out.len()
    }

    /// Waits until results can be recorded, records them and returns their events (as
    /// [`Run::advance`] does, with no interruption); keeps every thread busy meanwhile.
    pub fn advance(&mut self, elapsed_s: f64) -> Advance {
        if !matches!(self.run.kind, Kind::Arch { .. }) || !matches!(self.run.alone, Alone::No) {
            return pollster::block_on(self.run.advance(elapsed_s, async |_| true));
        }
        loop {
            let events = self.commit(elapsed_s);
            self.hand_out(elapsed_s);
            if !events.is_empty() {
                return Advance::Scored(events);
            }
            if self.out.is_empty() {
                let Kind::Arch { search, .. } = &mut self.run.kind else { unreachable!("checked above") };
                return Advance::Finished(finish(search, &mut self.run.reported));
            }
            // This keeps a sender, so the channel stays open while jobs are out.
            if let Ok(done) = self.results.recv() {
                self.take(done);
            }
        }
    }

    /// Records the results whose turn has come: the search's, then the references'.
    fn commit(&mut self, elapsed_s: f64) -> Vec<FromEngine> {
        let Kind::Arch { search, evaluator, .. } = &mut self.run.kind else { return Vec::new() };
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
        let mut events = drain(search, &mut self.run.reported, extras);
        events.extend(errors);
        while let Some(scored) = self.references_back.remove(&self.run.references_done) {
            let (name, genotype) = self.run.references.remove(0);
            if let Some(trained) = scored.trained {
                evaluator.keep(trained);
            }
            let role = TrainingRole::Reference { name: name.to_string() };
            let candidate = outside_candidate(search, genotype, self.run.references_done);
            let report = outside_report(search, candidate, &role, scored.outcome, scored.extras);
            events.push(FromEngine::Reference(ReferenceReport { name: name.to_string(), report }));
            self.run.references_done += 1;
        }
        events
    }

    /// Starts jobs until `jobs` are out: the references once generation 0 is scored (as the
    /// single worker takes them), then the search's candidates. Stops the jobs of candidates
    /// the search no longer wants.
    fn hand_out(&mut self, elapsed_s: f64) {
        let Kind::Arch { search, evaluator, .. } = &mut self.run.kind else { return };
        let time_left = search.config().time_budget_s.is_none_or(|t| elapsed_s < t);
        let mut jobs = Vec::new();
        if !search.reports().is_empty() && time_left {
            for (k, (name, genotype)) in self.run.references.iter().enumerate() {
                let number = self.run.references_done + k as u32;
                if self.out.len() + jobs.len() >= self.jobs {
                    break;
                }
                let known = self.out.iter().any(|o| matches!(o.what, What::Reference(n) if n == number));
                if known || self.references_back.contains_key(&number) {
                    continue;
                }
                let job = evaluator.job(&outside_candidate(search, genotype.clone(), number));
                jobs.push((job, TrainingRole::Reference { name: name.to_string() }, What::Reference(number)));
            }
        }
        let references_out = self.out.iter().filter(|o| matches!(o.what, What::Reference(_))).count() + jobs.len();
        for candidate in self.dispatch.hand_out(search, self.jobs.saturating_sub(references_out), elapsed_s) {
            let role = if candidate.parents.is_empty() { TrainingRole::Sampled } else { TrainingRole::Child };
            jobs.push((evaluator.job(&candidate), role, What::Candidate(candidate)));
        }
        let wanted = self.dispatch.in_flight();
        self.out.retain(|o| match &o.what {
            What::Candidate(c) if !wanted.contains(c) => {
                o.cancel.store(true, Ordering::Relaxed);
                false
            }
            _ => true,
        });
        for (job, role, what) in jobs {
            self.spawn(job, (role, elapsed_s), what);
        }
    }

    /// Trains and times `job` on a thread of its own.
    fn spawn(&mut self, job: Job, role: (TrainingRole, f64), what: What) {
        let Kind::Arch { data, latency, device, search, .. } = &self.run.kind else { return };
        let input = search.space().space().config().input;
        let (data, latency, device, gate, sender) = (data.clone(), *latency, device.clone(), self.gate.clone(), self.sender.clone());
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let number = self.started;
        self.started += 1;
        let arch_id = job.candidate().arch_id.clone();
        std::thread::spawn(move || {
            let trained = catch_unwind(AssertUnwindSafe(|| {
                pollster::block_on(async {
                    let mut hook = async |_| {
                        drop(gate.read());
                        !stop.load(Ordering::Relaxed)
                    };
                    let trained = train(job, role, &data, &mut hook).await?;
                    let measured = {
                        let _alone = gate.write();
                        time(&trained, input, &latency, &device).await
                    };
                    let (outcome, extras, _) = scored(&arch_id, trained.evaluated.clone(), measured);
                    Some(Scored { outcome, extras, trained: Some(trained) })
                })
            }));
            let result = trained.unwrap_or_else(|panic| {
                let why = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                let reason = format!("training stopped: {}", why.unwrap_or_else(|| "a panic".into()));
                Some(Scored { outcome: Outcome::Failed { reason }, extras: Extras { arch_id, ..Extras::default() }, trained: None })
            });
            // The run may have ended and gone meanwhile: then nobody waits for this result.
            sender.send(Done { job: number, result }).ok();
        });
        self.out.push(Out { job: number, what, cancel });
    }

    /// Takes a thread's result: to the dispatch (a candidate) or to the references waiting.
    fn take(&mut self, done: Done) {
        let Some(at) = self.out.iter().position(|o| o.job == done.job) else { return };
        let out = self.out.remove(at);
        let Some(scored) = done.result else { return };
        match out.what {
            What::Candidate(candidate) => {
                self.dispatch.complete(&candidate, scored.outcome, (scored.extras, scored.trained));
            }
            What::Reference(number) => {
                self.references_back.insert(number, scored);
            }
        }
    }
}

impl Drop for Parallel<'_> {
    /// Stops every job still training (each stops after its current step).
    fn drop(&mut self) {
        for out in &self.out {
            out.cancel.store(true, Ordering::Relaxed);
        }
    }
}
