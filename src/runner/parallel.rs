//! A run whose candidates train several at once, each on a thread of its own (natively:
//! `cli search --jobs N`), kept in order by a [`Pool`]: the same candidates, scores and front as
//! the run trained one at a time. Latency is timed while the other threads wait between two
//! training steps, so parallel training does not distort it.
//!
//! A thread that panics hands its job back to be tried once more (see [`Pool::crashed`]); a
//! backend failure fails its candidate (there is no other device to move to), and progress
//! within a candidate is not reported.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, RwLock};

use crate::pool::{Order, Pool, Scored};
use crate::*;

/// `jobs` when it is a number of training threads a run may use ([`protocol::WORKERS`]), else
/// why not.
pub fn check_jobs(jobs: usize) -> Result<usize, String> {
    if protocol::WORKERS.contains(jobs as u64) {
        Ok(jobs)
    } else {
        Err(format!("{jobs} training threads is not allowed; allowed: {}", protocol::WORKERS))
    }
}

/// A run driven by up to `jobs` training threads at once; see the module's documentation.
pub struct Parallel<'a> {
    run: &'a mut Run,
    pool: Pool,
    /// The stop flag of each job out, by number.
    cancels: Vec<(u64, Arc<AtomicBool>)>,
    sender: Sender<Done>,
    results: Receiver<Done>,
    /// Training threads take it to read between steps; timing takes it to write.
    gate: Arc<RwLock<()>>,
}

/// What a thread sends back: its job's result, `None` when it was stopped, `Err` when it
/// panicked (why).
struct Done {
    job: u64,
    result: Result<Option<Scored>, String>,
}

impl<'a> Parallel<'a> {
    /// `run`, to be driven with up to `jobs` (at least 1) candidates training at once.
    pub fn new(run: &'a mut Run, jobs: usize) -> Self {
        let (sender, results) = channel();
        Parallel { run, pool: Pool::new(jobs), cancels: Vec::new(), sender, results, gate: Arc::new(RwLock::new(())) }
    }

    /// The run, to checkpoint: candidates still training are not in it, so a run resumed
    /// from the checkpoint trains them again.
    pub fn run(&self) -> &Run {
        self.run
    }

    /// How many jobs are training now.
    pub fn training(&self) -> usize {
        self.pool.out().len()
    }

    /// Waits until results can be recorded, records them and returns their events (as
    /// [`Run::advance`] does, with no interruption); keeps every thread busy meanwhile.
    pub fn advance(&mut self, elapsed_s: f64) -> Advance {
        if !Pool::drives(self.run) {
            return pollster::block_on(self.run.advance(elapsed_s, async |_| true));
        }
        loop {
            let events = self.pool.commit(self.run, elapsed_s);
            let (orders, cancelled) = self.pool.hand_out(self.run, elapsed_s);
            self.cancels.retain(|(job, cancel)| {
                let stop = cancelled.contains(job);
                if stop {
                    cancel.store(true, Ordering::Relaxed);
                }
                !stop
            });
            for order in orders {
                self.spawn(order, elapsed_s);
            }
            if !events.is_empty() {
                return Advance::Scored(events);
            }
            if let Some(events) = self.pool.finished(self.run) {
                return Advance::Finished(events);
            }
            // This keeps a sender, so the channel stays open while jobs are out.
            if let Ok(done) = self.results.recv() {
                self.cancels.retain(|(job, _)| *job != done.job);
                match done.result {
                    Ok(result) => self.pool.take(done.job, result),
                    Err(reason) => {
                        if let Some(order) = self.pool.crashed(self.run, done.job, &reason) {
                            self.spawn(order, elapsed_s);
                        }
                    }
                }
            }
        }
    }

    /// Trains and times `order` on a thread of its own.
    fn spawn(&mut self, order: Order, elapsed_s: f64) {
        let (Kind::Arch { data, .. }, Some(timer)) = (&self.run.kind, self.run.timer()) else { return };
        let (data, gate, sender) = (data.clone(), self.gate.clone(), self.sender.clone());
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let Order { job, work, role } = order;
        std::thread::spawn(move || {
            let trained = catch_unwind(AssertUnwindSafe(|| {
                pollster::block_on(async {
                    let mut hook = async |_| {
                        drop(gate.read());
                        !stop.load(Ordering::Relaxed)
                    };
                    let trained = train(work, (role, elapsed_s), &data, &mut hook).await?;
                    let measured = {
                        let _alone = gate.write();
                        timer.time(&trained).await
                    };
                    Some(Scored::new(trained, measured))
                })
            }));
            let result = trained.map_err(|panic| {
                let why = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                why.unwrap_or_else(|| "a panic".into())
            });
            // The run may have ended and gone meanwhile: then nobody waits for this result.
            sender.send(Done { job, result }).ok();
        });
        self.cancels.push((job, cancel));
    }
}

impl Drop for Parallel<'_> {
    /// Stops every job still training (each stops after its current step).
    fn drop(&mut self) {
        for (_, cancel) in &self.cancels {
            cancel.store(true, Ordering::Relaxed);
        }
    }
}
