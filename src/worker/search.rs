//! A search in the worker: started or resumed from its saved checkpoint, driven one candidate
//! at a time with a yield between steps (so Pause, Step and Stop are heard), saved as it goes.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use gloo::timers::future::TimeoutFuture;

use nn::data::Dataset;
use engine::tabular::Nb201Table;
use protocol::{BackendReport, DatasetChoice, FromEngine, RunEnd, RunRequest, TrainingProgress};
use storage::owner::{self, Ownership, RunLock};
use storage::{Db, SnapshotWrite};
use crate::saver::Saver;
use protocol::saved::{Checkpoint, SavedRun};
use runner::{Advance, Run};

use crate::*;

/// What the page has asked of the running search.
#[derive(Debug, Default)]
pub(crate) struct Flags {
    pub(crate) paused: bool,
    /// Pause when the current generation completes.
    pub(crate) step: bool,
    pub(crate) stop: bool,
}

/// Seconds of work, pauses excluded.
pub(crate) struct ActiveClock {
    pub(crate) banked_s: f64,
    pub(crate) since: Option<web_time::Instant>,
}

impl ActiveClock {
    /// Running, after `banked_s` seconds of earlier work.
    fn running(banked_s: f64) -> Self {
        ActiveClock { banked_s, since: Some(web_time::Instant::now()) }
    }
    pub(crate) fn elapsed_s(&self) -> f64 {
        self.banked_s + self.since.map_or(0.0, |since| since.elapsed().as_secs_f64())
    }
    fn hold(&mut self) {
        self.banked_s = self.elapsed_s();
        self.since = None;
    }
    fn go(&mut self) {
        self.since.get_or_insert_with(web_time::Instant::now);
    }
}

/// Training-progress events are sent at most this often.
pub(crate) const PROGRESS_EVERY_MS: u128 = 250;
/// In tabular mode the loop yields to the event loop after this much work.
pub(crate) const TABULAR_SLICE_MS: u128 = 8;

/// Waits while the run is paused, telling the page once when it holds and when it goes on.
/// Answers whether to go on (false once stopped).
pub(crate) async fn hold_while_paused(flags: &RefCell<Flags>, clock: &RefCell<ActiveClock>, evaluations: u32) -> bool {
    if flags.borrow().paused {
        clock.borrow_mut().hold();
        post(&FromEngine::RunPaused { evaluations });
        while flags.borrow().paused {
            TimeoutFuture::new(50).await;
        }
        clock.borrow_mut().go();
        if !flags.borrow().stop {
            post(&FromEngine::RunResumed);
        }
    }
    !flags.borrow().stop
}

/// A new run, or a saved one to continue.
pub(crate) enum Start {
    New(Box<RunRequest>),
    Resume(String),
}

pub(crate) async fn run_search(state: &Rc<RefCell<WorkerState>>, start: Start) {
    let Some(device) = claim_device(state, "starting the search", "a search is running: stop it first") else { return };
    let flags = Rc::new(RefCell::new(Flags::default()));
    let (files, on_gpu, limits) = {
        let mut state = state.borrow_mut();
        state.run = Some(flags.clone());
        state.last_run = None;
        let limits = state.backend.as_ref().map(BackendReport::memory_limits);
        (state.files.clone(), matches!(state.backend, Some(BackendReport::Webgpu { .. })), limits)
    };
    match drive_search(start, device, files, (on_gpu, limits), &flags).await {
        Ok((evaluations, end, seconds, run)) => {
            // Kept for weight exports until the next run replaces it.
            state.borrow_mut().last_run = run.map(Rc::new);
            post(&FromEngine::RunFinished { end, evaluations, seconds });
        }
        // The run stays unfinished in storage; the page restarts the engine on the CPU and
        // resumes it. This instance keeps the device claimed: it is about to be replaced.
        Err(DeviceLost(reason)) => {
            post(&FromEngine::Crashed { message: format!("the GPU failed under a candidate: {reason}") });
            return;
        }
    }
    let mut state = state.borrow_mut();
    state.run = None;
    state.busy = None;
}

/// The backend failed under a run on the GPU; the reason.
pub(crate) struct DeviceLost(String);

/// What a run needs to start or continue: its request, the saved record and its checkpoint.
pub(crate) async fn prepare(start: Start, db: Option<&Db>) -> Result<(RunRequest, Option<SavedRun>, Option<Checkpoint>), String> {
    match start {
        Start::New(request) => Ok((*request, None, None)),
        Start::Resume(run_id) => {
            let db = db.ok_or("the saved runs cannot be read in this browser")?;
            let saved = match db.run(&run_id).await? {
                Some(saved) if saved.status.resumable() => saved,
                Some(_) => return Err(format!("run {run_id} has ended and cannot be continued")),
                None => return Err(format!("there is no saved run {run_id}")),
            };
            let checkpoint = match saved.checkpoint {
                Some(mark) => {
                    let snapshot = db.snapshot(&run_id).await?.ok_or_else(|| format!("the checkpoint of run {run_id} is missing"))?;
                    Some(mark.with_snapshot(snapshot))
                }
                None => None,
            };
            Ok((saved.request.clone(), Some(saved), checkpoint))
        }
    }
}

/// Takes the run's lock for this tab, so no other tab resumes it meanwhile; refused when
/// another tab drives it. Where locks cannot be taken the run goes on unowned.
async fn claim_run(run_id: &str) -> Result<Option<RunLock>, String> {
    match owner::claim(run_id).await {
        Ok(Ownership::Held(lock)) => Ok(Some(lock)),
        Ok(Ownership::Elsewhere) => {
            Err(format!("run {run_id} is running in another tab of this browser: continue it there, or here once that tab is closed"))
        }
        Ok(Ownership::Unknown) => Ok(None),
        Err(problem) => {
            post(&error_reply("claiming the run for this tab", format!("{problem}; other tabs cannot tell it runs here")));
            Ok(None)
        }
    }
}

/// What `request` reads besides its settings: the NAS-Bench-201 table or the images (the user's
/// `files`, or the built-in digits fetched beside the page).
async fn inputs(request: &RunRequest, files: Option<Dataset>) -> Result<(Option<Nb201Table>, Option<Dataset>), String> {
    match request.dataset {
        DatasetChoice::Nb201 { .. } => {
            let text = fetch_text(NB201_TABLE_URL).await?;
            let table = Nb201Table::from_json(&text).map_err(|error| format!("{NB201_TABLE_URL}: {error}"))?;
            Ok((Some(table), None))
        }
        DatasetChoice::Files => Ok((None, files)),
        DatasetChoice::Digits => Ok((None, Some(fetch_digits().await?))),
        DatasetChoice::Procedural { .. } => Ok((None, None)),
    }
}

/// Runs a search to its end (on the GPU when `on_gpu`, each candidate within the device's memory
/// `limits`); returns the candidates scored, how it ended and its seconds of work, or that the
/// GPU failed under it.
pub(crate) async fn drive_search(
    start: Start,
    device: Device,
    files: Option<Dataset>,
    (on_gpu, limits): (bool, Option<engine::memory::MemoryLimits>),
    flags: &RefCell<Flags>,
) -> Result<(u32, RunEnd, f64, Option<Run>), DeviceLost> {
    let failed = |message: String| Ok((0, RunEnd::Failed { message }, 0.0, None));
    let db = match Db::open().await {
        Ok(db) => Some(db),
        Err(problem) => {
            post(&error_reply("saving the run", format!("{problem}; the search runs without saving")));
            None
        }
    };
    let (request, saved, checkpoint) = match prepare(start, db.as_ref()).await {
        Ok(prepared) => prepared,
        Err(message) => return failed(message),
    };
    // Held until the run ends here (dropped on return), or until this tab goes away.
    let _owner = match claim_run(&request.run_id).await {
        Ok(lock) => lock,
        Err(message) => return failed(message),
    };
    let (table, dataset) = match inputs(&request, files).await {
        Ok(inputs) => inputs,
        Err(message) => return failed(message),
    };
    let run = match (&checkpoint, dataset) {
        (Some(checkpoint), dataset) => Run::resume(&request, checkpoint, device, table, dataset),
        (None, Some(dataset)) => Run::with_dataset(&request, device, dataset),
        (None, None) => Run::new(&request, device, table),
    };
    let mut run = match run {
        Ok(run) => run,
        Err(error) => return failed(error.to_string()),
    };
    if on_gpu {
        run.fail_over_on_backend_errors();
    }
    if let Some(limits) = limits.clone() {
        run.limit_memory(limits);
    }
    // Several workers train on the CPU backend only: a GPU is one device, and the user's files
    // are read in this worker alone.
    let workers = request.training.workers;
    let pooled = workers > 1 && !on_gpu && runner::pool::Pool::drives(&run) && request.dataset != DatasetChoice::Files;
    run.train_at_once(if pooled { workers } else { 1 });
    let resumed = saved.is_some();
    let mut saved = saved.unwrap_or_else(|| SavedRun::started(request.clone(), run.info().clone(), js_sys::Date::now()));
    saved.info = run.info().clone();
    let (candidates, generations, references, seconds) =
        checkpoint.as_ref().map_or((0, 0, 0, 0.0), |c| (c.candidates, c.generations, c.references, c.seconds));
    let mut saver = Saver::new(db, saved, checkpoint.as_ref().map_or(0, |c| c.snapshot.len() as u64));
    saver.flush(SnapshotWrite::Keep, true).await;
    if resumed {
        post(&FromEngine::RunContinued { run_id: request.run_id.clone(), candidates, generations, references });
    } else {
        post(&FromEngine::RunStarted(run.info().clone()));
    }
    let clock = RefCell::new(ActiveClock::running(seconds));
    let (evaluations, end) = if pooled {
        match crate::pool::Trainers::start(workers as usize, &request, limits) {
            Ok(mut trainers) => crate::pool::drive_pool(&mut run, &mut saver, flags, &clock, candidates, &mut trainers).await,
            Err(message) => (candidates, RunEnd::Failed { message }),
        }
    } else {
        drive_loop(&mut run, &mut saver, flags, &clock, candidates).await?
    };
    let seconds = clock.borrow().elapsed_s();
    saver.finish(&end, evaluations, seconds).await;
    Ok((evaluations, end, seconds, Some(run)))
}

/// When the last write failed: tells the page why and what would free space, and pauses the
/// run. Answers whether it did.
pub(crate) async fn pause_unsaved(saver: &Saver, flags: &RefCell<Flags>) -> bool {
    let Some(problem) = &saver.failed else { return false };
    post(&error_reply("saving the run", saver.explain(problem).await));
    flags.borrow_mut().paused = true;
    true
}

/// Tries a failed write again; answers whether the run must wait (the write failed again, and
/// the run is paused until the visitor frees space).
pub(crate) async fn retry_saving(saver: &mut Saver, flags: &RefCell<Flags>) -> bool {
    if saver.failed.is_none() {
        return false;
    }
    saver.flush(SnapshotWrite::Keep, true).await;
    pause_unsaved(saver, flags).await
}

/// Saves `events` (with a checkpoint when due) before the page hears of them, so whatever the
/// page has shown survives a reload; then posts them, counting the candidates, and pauses at
/// the generation's end when Step asked.
pub(crate) async fn publish(run: &Run, saver: &mut Saver, flags: &RefCell<Flags>, clock: &RefCell<ActiveClock>, events: &[FromEngine], evaluations: &mut u32) {
    let checkpoint = if run.checkpoint_due(events) { Some(run.checkpoint(clock.borrow().elapsed_s())) } else { None };
    saver.save(events, checkpoint, !run.info().tabular).await;
    for event in events {
        match event {
            FromEngine::Candidate(_) => *evaluations += 1,
            FromEngine::Generation(_) => {
                let mut flags = flags.borrow_mut();
                if flags.step {
                    flags.step = false;
                    flags.paused = true;
                }
            }
            _ => {}
        }
        post(event);
    }
}

/// Advances the run until it ends or is stopped, posting and saving its events.
pub(crate) async fn drive_loop(
    run: &mut Run,
    saver: &mut Saver,
    flags: &RefCell<Flags>,
    clock: &RefCell<ActiveClock>,
    mut evaluations: u32,
) -> Result<(u32, RunEnd), DeviceLost> {
    let tabular = run.info().tabular;
    let mut slice = web_time::Instant::now();
    let mut last_progress: Option<web_time::Instant> = None;
    loop {
        if !tabular || slice.elapsed().as_millis() >= TABULAR_SLICE_MS {
            crate::wake::yield_now().await;
            slice = web_time::Instant::now();
        }
        if !hold_while_paused(flags, clock, evaluations).await {
            return Ok((evaluations, RunEnd::Stopped));
        }
        // A write that failed is tried again before anything new is trained; while it fails
        // the run waits, paused.
        if retry_saving(saver, flags).await {
            continue;
        }
        let elapsed_s = clock.borrow().elapsed_s();
        let hook = async |progress: TrainingProgress| {
            if last_progress.is_none_or(|at| at.elapsed().as_millis() >= PROGRESS_EVERY_MS) {
                post(&FromEngine::Training(progress));
                last_progress = Some(web_time::Instant::now());
            }
            crate::wake::yield_now().await;
            hold_while_paused(flags, clock, evaluations).await
        };
        let advance = run.advance(elapsed_s, hook).await;
        let (events, finished) = match advance {
            Advance::Scored(events) => (events, false),
            Advance::Finished(events) => (events, true),
            Advance::Interrupted => return Ok((evaluations, RunEnd::Stopped)),
            Advance::DeviceLost(reason) => return Err(DeviceLost(reason)),
        };
        publish(run, saver, flags, clock, &events, &mut evaluations).await;
        if finished {
            return Ok((evaluations, RunEnd::Completed));
        }
        pause_unsaved(saver, flags).await;
    }
}
