//! A run trained by a pool of trainer workers (see [`crate::trainer`]): this worker keeps the
//! run and a [`runner::pool::Pool`], which hands out the candidates in a single worker's order
//! and records their results in that order, so the run is the one a single worker makes. Each
//! job travels to a free trainer with its parents' weights (moved, not copied) and comes back
//! with its network's; this worker times the network itself while every trainer holds at a
//! step boundary, so training beside it does not distort the latency. A trainer that breaks is
//! replaced, and its job is tried once more; Pause holds every trainer after its current step.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{ErrorEvent, MessageEvent, Worker, WorkerOptions};

use engine::memory::MemoryLimits;
use engine::search::Candidate;
use engine::space::Genotype;
use protocol::{FromEngine, RunEnd, RunRequest};
use runner::pool::{Order, Pool, Scored};
use runner::{Run, Timer};

use crate::saver::Saver;
use crate::search::{ActiveClock, Flags, PROGRESS_EVERY_MS, hold_while_paused, pause_unsaved, publish, retry_saving};
use crate::wake::{Signal, yield_now};
use crate::wire::{FromTrainer, TRAINER_NAME, ToTrainer, message, read_message};
use crate::*;

/// Where the worker's loader lands beside the page (trainers are instances of this worker).
const WORKER_LOADER: &str = "./worker_loader.js";

/// A message from trainer `slot` (its `life`-th worker), or why it failed.
type Inbound = (usize, u32, Result<(FromTrainer, Vec<Vec<u8>>), String>);

/// One trainer worker and what it does.
struct Slot {
    worker: Worker,
    life: u32,
    ready: bool,
    /// The job it trains: its number and candidate.
    job: Option<(u64, Candidate<Genotype>)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

/// A job ready to send: its number, its candidate, its message and its parents' records.
struct Prepared {
    job: u64,
    candidate: Candidate<Genotype>,
    text: String,
    records: Vec<Vec<u8>>,
}

/// The trainer workers of a run.
pub(crate) struct Trainers {
    slots: Vec<Slot>,
    inbox: Rc<RefCell<VecDeque<Inbound>>>,
    /// Raised when a message lands in the inbox.
    news: Signal,
    /// Messages put aside while timing, handled next.
    later: VecDeque<Inbound>,
    setup: String,
    queue: VecDeque<Prepared>,
    round: u64,
    /// When training progress was last passed to the page.
    progress_posted: Option<web_time::Instant>,
    /// Trainers that broke before taking a job.
    setup_failures: u32,
}

impl Trainers {
    /// `count` trainers, each set up to train `request`'s candidates within `limits`.
    pub(crate) fn start(count: usize, request: &RunRequest, limits: Option<MemoryLimits>) -> Result<Trainers, String> {
        let setup = ToTrainer::Setup { request: Box::new(request.clone()), limits };
        let setup = serde_json::to_string(&setup).map_err(|e| format!("writing the trainers' set-up: {e}"))?;
        let mut trainers = Trainers { slots: Vec::new(), inbox: Rc::default(), news: Signal::default(), later: VecDeque::new(), setup, queue: VecDeque::new(), round: 0, progress_posted: None, setup_failures: 0 };
        for slot in 0..count {
            let started = trainers.spawn(slot, 0)?;
            trainers.slots.push(started);
        }
        Ok(trainers)
    }

    fn spawn(&self, slot: usize, life: u32) -> Result<Slot, String> {
        let options = WorkerOptions::new();
        options.set_name(TRAINER_NAME);
        let worker = Worker::new_with_options(WORKER_LOADER, &options).map_err(|e| format!("starting a trainer worker: {e:?}"))?;
        let (inbox, news) = (self.inbox.clone(), self.news.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let read = read_message(&event.data()).ok_or_else(|| "a trainer sent a message that is not its own".to_string());
            let decoded = read.and_then(|(text, records)| serde_json::from_str(&text).map(|m| (m, records)).map_err(|e| format!("a trainer's message: {e}")));
            inbox.borrow_mut().push_back((slot, life, decoded));
            news.raise();
        });
        let (inbox, news) = (self.inbox.clone(), self.news.clone());
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            inbox.borrow_mut().push_back((slot, life, Err(format!("the trainer worker failed: {}", event.message()))));
            news.raise();
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Slot { worker, life, ready: false, job: None, _on_message: on_message, _on_error: on_error })
    }

    fn post(&self, slot: usize, text: String, records: Vec<Vec<u8>>) {
        let (value, transfer) = message(text, records);
        if let Err(error) = self.slots[slot].worker.post_message_with_transfer(&value, &transfer) {
            web_sys::console::error_1(&error);
        }
    }

    /// Sends `request` to every trainer set up.
    fn post_all(&self, request: &ToTrainer) {
        let text = serde_json::to_string(request).unwrap_or_default();
        for slot in (0..self.slots.len()).filter(|&s| self.slots[s].ready) {
            self.post(slot, text.clone(), Vec::new());
        }
    }

    /// Queues `order` for the next free trainer, its parents' weights read out.
    pub(crate) async fn order(&mut self, order: Order, run_elapsed_s: f64) -> Result<(), String> {
        let Order { job, work, role } = order;
        let candidate = work.candidate().clone();
        let (order, records) = work.into_order().await.map_err(|e| format!("reading the parents' weights: {e}"))?;
        let train = ToTrainer::Train { job, order: Box::new(order), role, run_elapsed_s };
        let text = serde_json::to_string(&train).map_err(|e| format!("writing a job: {e}"))?;
        self.queue.push_back(Prepared { job, candidate, text, records });
        self.dispatch();
        Ok(())
    }

    /// Sends queued jobs to the trainers set up and free.
    fn dispatch(&mut self) {
        while let Some(slot) = self.slots.iter().position(|s| s.ready && s.job.is_none()) {
            let Some(prepared) = self.queue.pop_front() else { return };
            self.slots[slot].job = Some((prepared.job, prepared.candidate));
            self.post(slot, prepared.text, prepared.records);
        }
    }

    /// Drops `jobs`: queued ones at once, training ones at their next step.
    pub(crate) fn cancel(&mut self, jobs: &[u64]) {
        self.queue.retain(|p| !jobs.contains(&p.job));
        for slot in 0..self.slots.len() {
            if let Some((job, _)) = &self.slots[slot].job
                && jobs.contains(job)
            {
                let text = serde_json::to_string(&ToTrainer::Cancel { job: *job }).unwrap_or_default();
                self.post(slot, text, Vec::new());
            }
        }
    }

    /// The next message of a trainer still alive.
    async fn next(&mut self) -> (usize, Result<(FromTrainer, Vec<Vec<u8>>), String>) {
        loop {
            let inbound = match self.later.pop_front() {
                Some(inbound) => Some(inbound),
                None => self.inbox.borrow_mut().pop_front(),
            };
            match inbound {
                Some((slot, life, message)) if self.slots.get(slot).is_some_and(|s| s.life == life) => return (slot, message),
                Some(_) => {}
                None => self.news.wait().await,
            }
        }
    }

    /// Every trainer holds after its current step (the visitor paused).
    pub(crate) fn hold(&mut self) {
        self.round += 1;
        self.post_all(&ToTrainer::Hold { round: self.round });
    }

    pub(crate) fn release(&self) {
        self.post_all(&ToTrainer::Release);
    }

    /// `trained`'s latency, timed while every trainer holds at a step boundary. What the
    /// trainers say meanwhile is handled after.
    async fn time_alone(&mut self, timer: &Timer, trained: &nn::evaluate::Trained) -> Option<Result<nn::latency::LatencyMeasurement, String>> {
        self.hold();
        let mut waiting: Vec<usize> = (0..self.slots.len()).filter(|&s| self.slots[s].ready).collect();
        let mut aside = VecDeque::new();
        while !waiting.is_empty() {
            let (slot, message) = self.next().await;
            match message {
                Ok((FromTrainer::Held { round }, _)) if round == self.round => waiting.retain(|&s| s != slot),
                Ok((FromTrainer::Held { .. } | FromTrainer::Progress(_), _)) => {}
                other => {
                    if matches!(other, Ok((FromTrainer::Broken { .. }, _)) | Err(_)) {
                        waiting.retain(|&s| s != slot);
                    }
                    aside.push_back((slot, self.slots[slot].life, other));
                }
            }
        }
        let measured = timer.time(trained).await;
        self.release();
        aside.extend(self.later.drain(..));
        self.later = aside;
        measured
    }

    /// Replaces trainer `slot` (it broke); the job it had, if any.
    fn replace(&mut self, slot: usize) -> Result<Option<u64>, String> {
        let life = self.slots[slot].life + 1;
        let fresh = self.spawn(slot, life)?;
        let old = std::mem::replace(&mut self.slots[slot], fresh);
        old.worker.set_onmessage(None);
        old.worker.set_onerror(None);
        old.worker.terminate();
        Ok(old.job.map(|(job, _)| job))
    }
}

impl Drop for Trainers {
    fn drop(&mut self) {
        for slot in &self.slots {
            slot.worker.set_onmessage(None);
            slot.worker.set_onerror(None);
            slot.worker.terminate();
        }
    }
}

/// Advances the run with its trainers until it ends or is stopped, posting and saving its
/// events as [`crate::search::drive_loop`] does.
pub(crate) async fn drive_pool(run: &mut Run, saver: &mut Saver, flags: &RefCell<Flags>, clock: &RefCell<ActiveClock>, mut evaluations: u32, trainers: &mut Trainers) -> (u32, RunEnd) {
    let mut pool = Pool::new(trainers.slots.len());
    loop {
        yield_now().await;
        if flags.borrow().paused {
            trainers.hold();
            let go_on = hold_while_paused(flags, clock, evaluations).await;
            trainers.release();
            if !go_on {
                return (evaluations, RunEnd::Stopped);
            }
        }
        if flags.borrow().stop {
            return (evaluations, RunEnd::Stopped);
        }
        if retry_saving(saver, flags).await {
            continue;
        }
        let elapsed_s = clock.borrow().elapsed_s();
        let events = pool.commit(run, elapsed_s);
        let (orders, cancelled) = pool.hand_out(run, elapsed_s);
        trainers.cancel(&cancelled);
        for order in orders {
            send_order(trainers, &mut pool, order, elapsed_s).await;
        }
        if !events.is_empty() {
            publish(run, saver, flags, clock, &events, &mut evaluations).await;
            pause_unsaved(saver, flags).await;
            continue;
        }
        if let Some(last) = pool.finished(run) {
            publish(run, saver, flags, clock, &last, &mut evaluations).await;
            return (evaluations, RunEnd::Completed);
        }
        let (slot, message) = trainers.next().await;
        if let Err(message) = trainers.heard(run, &mut pool, slot, message, elapsed_s).await {
            return (evaluations, RunEnd::Failed { message });
        }
    }
}

impl Trainers {
    /// Acts on what trainer `slot` said: a job trained (timed, to the pool), a trainer broken
    /// (replaced, its job tried again), progress (to the page). `Err`: the run cannot go on.
    async fn heard(&mut self, run: &Run, pool: &mut Pool, slot: usize, message: Result<(FromTrainer, Vec<Vec<u8>>), String>, elapsed_s: f64) -> Result<(), String> {
        match message {
            Ok((FromTrainer::Booted, _)) => self.post(slot, self.setup.clone(), Vec::new()),
            Ok((FromTrainer::Ready, _)) => {
                self.slots[slot].ready = true;
                self.dispatch();
            }
            Ok((FromTrainer::Progress(progress), _)) => {
                if self.progress_posted.is_none_or(|at| at.elapsed().as_millis() >= PROGRESS_EVERY_MS) {
                    post(&FromEngine::Training(progress));
                    self.progress_posted = Some(web_time::Instant::now());
                }
            }
            Ok((FromTrainer::Held { .. }, _)) => {}
            Ok((FromTrainer::Dropped { job }, _)) => {
                self.slots[slot].job = None;
                pool.take(job, None);
                self.dispatch();
            }
            Ok((FromTrainer::Trained { job, evaluated }, records)) => {
                let Some((_, candidate)) = self.slots[slot].job.take() else { return Ok(()) };
                self.dispatch();
                let scored = match run.evaluator().map(|e| e.trained_from(&candidate, *evaluated, records.into_iter().next())) {
                    Some(Ok(trained)) => {
                        let measured = match run.timer() {
                            Some(timer) => self.time_alone(&timer, &trained).await,
                            None => None,
                        };
                        Scored::new(trained, measured)
                    }
                    Some(Err(error)) => Scored::failed(&candidate.arch_id, format!("reading the trained weights: {error}")),
                    None => Scored::failed(&candidate.arch_id, "this run trains nothing".into()),
                };
                pool.take(job, Some(scored));
            }
            Ok((FromTrainer::Broken { message }, _)) | Err(message) => {
                let job = self.replace(slot).map_err(|problem| format!("{message}; {problem}"))?;
                match job {
                    Some(job) => {
                        if let Some(order) = pool.crashed(run, job, &message) {
                            send_order(self, pool, order, elapsed_s).await;
                        }
                    }
                    None => {
                        self.setup_failures += 1;
                        if self.setup_failures >= MAX_SETUP_FAILURES {
                            return Err(format!("the trainer workers could not start: {message}"));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Trainers that may fail to set up before the run gives up.
const MAX_SETUP_FAILURES: u32 = 3;

/// Queues `order` with the trainers; a job that cannot be sent fails its candidate.
async fn send_order(trainers: &mut Trainers, pool: &mut Pool, order: Order, run_elapsed_s: f64) {
    let (job, arch_id) = (order.job, order.work.candidate().arch_id.clone());
    if let Err(message) = trainers.order(order, run_elapsed_s).await {
        pool.take(job, Some(Scored::failed(&arch_id, message)));
    }
}
