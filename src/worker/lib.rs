//! The engine's Web Worker: receives [`ToEngine`] messages as JSON text, runs Burn off the main
//! thread, and answers with [`FromEngine`] messages. Long work is driven one step at a time with
//! a yield to the event loop between steps, so new messages are heard within one step.
//!
//! A message the worker does not understand is answered with [`FromEngine::Error`]; a panic
//! (for example a shader the browser rejects, which poisons the device) is reported as
//! [`FromEngine::Crashed`] by the panic hook before the instance dies, so the page can restart
//! the worker on the CPU backend instead of waiting forever.

pub mod gpu_probe;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::tensor::Device;
use gloo::timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use nn::backend;
use nn::data::{DIGITS_IMAGES, DIGITS_LABELS, Dataset};
use nn::device_check::{DeviceCheck, DeviceCheckConfig};
use engine::tabular::Nb201Table;
use protocol::{
    BackendPreference, BackendReport, BenchmarkRequest, BenchmarkResult, CheckStep, DatasetChoice, DeviceCheckRequest, DeviceCheckSummary, EngineError,
    FromEngine, PROTOCOL_VERSION, RunControl, RunEnd, RunRequest, ToEngine, TrainingProgress, check_hello, encode, read_request,
};
use storage::{Db, SnapshotWrite};
use protocol::saved::{Checkpoint, SavedRun, events_to_save};
use runner::{Advance, Run, RunError, files};

fn error_reply(context: &str, message: impl Into<String>) -> FromEngine {
    FromEngine::Error(EngineError::new(context, message))
}

#[derive(Default)]
struct WorkerState {
    device: Option<Device>,
    backend: Option<BackendReport>,
    busy: bool,
    /// The controls of the running search, while one runs.
    run: Option<Rc<RefCell<Flags>>>,
    /// The user's dataset, once read.
    files: Option<Dataset>,
    /// The last finished run, whose trained models can still be exported.
    last_run: Option<Rc<Run>>,
}

/// What the page has asked of the running search.
#[derive(Debug, Default)]
struct Flags {
    paused: bool,
    /// Pause when the current generation completes.
    step: bool,
    stop: bool,
}

/// Seconds of work, pauses excluded.
struct ActiveClock {
    banked_s: f64,
    since: Option<web_time::Instant>,
}

impl ActiveClock {
    /// Running, after `banked_s` seconds of earlier work.
    fn running(banked_s: f64) -> Self {
        ActiveClock { banked_s, since: Some(web_time::Instant::now()) }
    }
    fn elapsed_s(&self) -> f64 {
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
const PROGRESS_EVERY_MS: u128 = 250;
/// In tabular mode the loop yields to the event loop after this much work.
const TABULAR_SLICE_MS: u128 = 8;
/// Where the NAS-Bench-201 table is served, relative to the page.
const NB201_TABLE_URL: &str = "nb201/nb201_12ep.json";

/// Starts the worker: installs the panic hook, listens for messages and announces itself.
pub fn start() {
    install_panic_hook();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(WorkerState::default()));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let state = state.clone();
        spawn_local(async move {
            let (text, files) = split_message(event.data());
            match read_request(text) {
                Ok(request) => handle(&state, request, files).await,
                Err(error) => post(&FromEngine::Error(error)),
            }
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromEngine::Booted { protocol_version: PROTOCOL_VERSION });
}

/// A message is JSON text, or a two-element array of JSON text and files (`{path, bytes}`
/// objects with `Uint8Array` bytes) for [`ToEngine::LoadDataset`].
fn split_message(data: wasm_bindgen::JsValue) -> (Option<String>, Vec<(String, Vec<u8>)>) {
    if let Some(text) = data.as_string() {
        return (Some(text), Vec::new());
    }
    if !js_sys::Array::is_array(&data) {
        return (None, Vec::new());
    }
    let parts = js_sys::Array::from(&data);
    let files = js_sys::Array::from(&parts.get(1))
        .iter()
        .map(|file| {
            let field = |name: &str| js_sys::Reflect::get(&file, &name.into()).unwrap_or_default();
            let path = field("path").as_string().unwrap_or_default();
            let bytes = field("bytes").dyn_into::<js_sys::Uint8Array>().map(|b| b.to_vec()).unwrap_or_default();
            (path, bytes)
        })
        .collect();
    (parts.get(0).as_string(), files)
}

/// Posts one message to the page.
fn post(message: &FromEngine) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if let Err(error) = scope.post_message(&encode(message).into()) {
        web_sys::console::error_1(&error);
    }
}

/// Reports the first panic to the page as [`FromEngine::Crashed`] (every panic is logged to the
/// console). A dead instance can panic again on every callback the browser still makes into
/// it; the page needs to hear about it once.
fn install_panic_hook() {
    static REPORTED: AtomicBool = AtomicBool::new(false);
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if !REPORTED.swap(true, Ordering::SeqCst) {
            post(&FromEngine::Crashed { message: info.to_string() });
        }
    }));
}

async fn handle(state: &Rc<RefCell<WorkerState>>, request: ToEngine, files: Vec<(String, Vec<u8>)>) {
    match request {
        ToEngine::Hello { protocol_version, backend } => {
            if let Err(error) = check_hello(protocol_version) {
                post(&FromEngine::Error(error));
                return;
            }
            let known = state.borrow().backend.clone();
            let report = match known {
                Some(report) => report,
                None => {
                    let (device, report) = start_backend(backend).await;
                    let mut state = state.borrow_mut();
                    state.device = Some(device);
                    state.backend = Some(report.clone());
                    report
                }
            };
            post(&FromEngine::Ready { backend: report });
        }
        ToEngine::CheckDevice(request) => run_check(state, request).await,
        ToEngine::LoadDataset(request) => match files::read_dataset(&request, &files) {
            Ok(dataset) => {
                post(&FromEngine::DatasetLoaded(files::summary(&dataset)));
                state.borrow_mut().files = Some(dataset);
            }
            Err(message) => post(&FromEngine::DatasetRefused { message }),
        },
        ToEngine::Benchmark(request) => run_benchmark(state, request).await,
        ToEngine::ExportWeights { run_id, arch_id } => {
            let run = state.borrow().last_run.clone().filter(|run| run.info().run_id == run_id);
            let reply = match run {
                Some(run) => match run.weights(&arch_id).await {
                    Ok(bytes) => FromEngine::Weights { run_id, arch_id, bytes },
                    Err(message) => error_reply("exporting weights", message),
                },
                None => error_reply(
                    "exporting weights",
                    format!("run {run_id} is not the last finished run of this page: weights are kept only for that run, in memory"),
                ),
            };
            post(&reply);
        }
        ToEngine::StartRun(request) => run_search(state, Start::New(request)).await,
        ToEngine::ResumeRun { run_id } => run_search(state, Start::Resume(run_id)).await,
        ToEngine::Control(control) => {
            let Some(flags) = state.borrow().run.clone() else {
                post(&error_reply("controlling the search", "no search is running"));
                return;
            };
            let mut flags = flags.borrow_mut();
            match control {
                RunControl::Pause => flags.paused = true,
                RunControl::Resume => flags.paused = false,
                RunControl::Step => {
                    flags.step = true;
                    flags.paused = false;
                }
                RunControl::Stop => {
                    flags.stop = true;
                    flags.paused = false;
                }
            }
        }
    }
}

/// Waits while the run is paused, telling the page once when it holds and when it goes on.
/// Answers whether to go on (false once stopped).
async fn hold_while_paused(flags: &RefCell<Flags>, clock: &RefCell<ActiveClock>, evaluations: u32) -> bool {
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

/// The response to a GET of `url`, or what went wrong.
async fn fetch(url: &str) -> Result<web_sys::Response, String> {
    use wasm_bindgen_futures::JsFuture;
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let response = JsFuture::from(scope.fetch_with_str(url)).await.map_err(|e| format!("fetching {url}: {e:?}"))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(format!("fetching {url}: HTTP {}", response.status()));
    }
    Ok(response)
}

/// The bytes at `url`.
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    use wasm_bindgen_futures::JsFuture;
    let response = fetch(url).await?;
    let buffer = response.array_buffer().map_err(|e| format!("reading {url}: {e:?}"))?;
    let buffer = JsFuture::from(buffer).await.map_err(|e| format!("reading {url}: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The built-in digits, fetched beside the page (the browser caches them after the first run).
async fn fetch_digits() -> Result<Dataset, String> {
    let images = fetch_bytes(DIGITS_IMAGES).await?;
    let labels = fetch_bytes(DIGITS_LABELS).await?;
    Dataset::digits_from(&images, &labels).map_err(|e| e.to_string())
}

async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen_futures::JsFuture;
    let response = fetch(url).await?;
    let text = response.text().map_err(|e| format!("reading {url}: {e:?}"))?;
    let text = JsFuture::from(text).await.map_err(|e| format!("reading {url}: {e:?}"))?;
    text.as_string().ok_or_else(|| format!("{url} is not text"))
}

/// Takes the device for a search or a check, or tells the page why not.
fn claim_device(state: &RefCell<WorkerState>, context: &str) -> Option<Device> {
    let mut state = state.borrow_mut();
    if state.busy {
        let what = if state.run.is_some() { "a search is running: stop it first" } else { "a device check is running: wait for it" };
        post(&error_reply(context, format!("the engine is busy: {what}")));
        return None;
    }
    let Some(device) = state.device.clone() else {
        post(&error_reply(context, "the engine has not started yet: send hello first"));
        return None;
    };
    state.busy = true;
    Some(device)
}

/// A new run, or a saved one to continue.
enum Start {
    New(Box<RunRequest>),
    Resume(String),
}

async fn run_search(state: &Rc<RefCell<WorkerState>>, start: Start) {
    let Some(device) = claim_device(state, "starting the search") else { return };
    let flags = Rc::new(RefCell::new(Flags::default()));
    let (files, on_gpu) = {
        let mut state = state.borrow_mut();
        state.run = Some(flags.clone());
        state.last_run = None;
        (state.files.clone(), matches!(state.backend, Some(BackendReport::Webgpu { .. })))
    };
    match drive_search(start, device, files, on_gpu, &flags).await {
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
    state.busy = false;
}

/// The backend failed under a run on the GPU; the reason.
struct DeviceLost(String);

/// Saves a run as it goes: its record on start, its candidate and generation events with each
/// checkpoint, its end. Storage failing is reported once; the search goes on unsaved.
struct Saver {
    db: Option<Db>,
    saved: SavedRun,
    next_event: u32,
    pending: Vec<(String, String)>,
}

impl Saver {
    /// Queues the events to save; with a checkpoint, writes them and the run record together
    /// (waiting for the commit when `wait`).
    async fn save(&mut self, events: &[FromEngine], checkpoint: Option<Result<Checkpoint, RunError>>, wait: bool) {
        let run_id = self.saved.run_id.clone();
        self.pending.extend(events_to_save(&run_id, &mut self.next_event, events));
        match checkpoint {
            Some(Ok(checkpoint)) => {
                self.saved.checkpointed(&checkpoint);
                self.flush(SnapshotWrite::Put(&checkpoint.snapshot), wait).await;
            }
            // The events are kept for the next checkpoint; the saved run resumes from the last good one.
            Some(Err(problem)) => post(&error_reply("saving the run", format!("{problem}; the last checkpoint is kept"))),
            None => {}
        }
    }

    async fn flush(&mut self, snapshot: SnapshotWrite<'_>, wait: bool) {
        let Some(db) = &self.db else { return };
        let pending = std::mem::take(&mut self.pending);
        let outcome = match db.write(&self.saved, snapshot, &pending) {
            Ok(transaction) if wait => Db::commit(&transaction).await,
            Ok(_) => Ok(()),
            Err(problem) => Err(problem),
        };
        if let Err(problem) = outcome {
            post(&error_reply("saving the run", format!("{problem}; the search goes on without saving")));
            self.db = None;
        }
    }

    async fn finish(&mut self, end: &RunEnd, evaluations: u32, seconds: f64) {
        self.saved.finished(end.clone(), evaluations, seconds);
        self.flush(SnapshotWrite::Delete, true).await;
    }
}

/// What a run needs to start or continue: its request, the saved record and its checkpoint.
async fn prepare(start: Start, db: Option<&Db>) -> Result<(RunRequest, Option<SavedRun>, Option<Checkpoint>), String> {
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

/// Runs a search to its end; returns the candidates scored, how it ended and its seconds of
/// work, or that the GPU (`on_gpu`) failed under it.
async fn drive_search(
    start: Start,
    device: Device,
    files: Option<Dataset>,
    on_gpu: bool,
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
    let table = match request.dataset {
        DatasetChoice::Nb201 { .. } => match fetch_text(NB201_TABLE_URL).await {
            Ok(text) => match Nb201Table::from_json(&text) {
                Ok(table) => Some(table),
                Err(error) => return failed(format!("{NB201_TABLE_URL}: {error}")),
            },
            Err(message) => return failed(message),
        },
        _ => None,
    };
    let dataset = match request.dataset {
        DatasetChoice::Files => files,
        DatasetChoice::Digits => match fetch_digits().await {
            Ok(digits) => Some(digits),
            Err(message) => return failed(message),
        },
        _ => None,
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
    let resumed = saved.is_some();
    let mut saved = saved.unwrap_or_else(|| SavedRun::started(request.clone(), run.info().clone(), js_sys::Date::now()));
    saved.info = run.info().clone();
    let (candidates, generations, references, seconds) =
        checkpoint.as_ref().map_or((0, 0, 0, 0.0), |c| (c.candidates, c.generations, c.references, c.seconds));
    let mut saver = Saver { db, next_event: saved.next_event(), saved, pending: Vec::new() };
    saver.flush(SnapshotWrite::Keep, true).await;
    if resumed {
        post(&FromEngine::RunContinued { run_id: request.run_id.clone(), candidates, generations, references });
    } else {
        post(&FromEngine::RunStarted(run.info().clone()));
    }
    let clock = RefCell::new(ActiveClock::running(seconds));
    let (evaluations, end) = drive_loop(&mut run, &mut saver, flags, &clock, candidates).await?;
    let seconds = clock.borrow().elapsed_s();
    saver.finish(&end, evaluations, seconds).await;
    Ok((evaluations, end, seconds, Some(run)))
}

/// Advances the run until it ends or is stopped, posting and saving its events.
async fn drive_loop(
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
            TimeoutFuture::new(0).await;
            slice = web_time::Instant::now();
        }
        if !hold_while_paused(flags, clock, evaluations).await {
            return Ok((evaluations, RunEnd::Stopped));
        }
        let elapsed_s = clock.borrow().elapsed_s();
        let hook = async |progress: TrainingProgress| {
            if last_progress.is_none_or(|at| at.elapsed().as_millis() >= PROGRESS_EVERY_MS) {
                post(&FromEngine::Training(progress));
                last_progress = Some(web_time::Instant::now());
            }
            TimeoutFuture::new(0).await;
            hold_while_paused(flags, clock, evaluations).await
        };
        let advance = run.advance(elapsed_s, hook).await;
        let (events, finished) = match advance {
            Advance::Scored(events) => (events, false),
            Advance::Finished(events) => (events, true),
            Advance::Interrupted => return Ok((evaluations, RunEnd::Stopped)),
            Advance::DeviceLost(reason) => return Err(DeviceLost(reason)),
        };
        // Saved before the page hears of them: whatever the page has shown survives a reload.
        let checkpoint = if run.checkpoint_due(&events) { Some(run.checkpoint(clock.borrow().elapsed_s())) } else { None };
        saver.save(&events, checkpoint, !tabular).await;
        for event in &events {
            match event {
                FromEngine::Candidate(_) => evaluations += 1,
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
        if finished {
            return Ok((evaluations, RunEnd::Completed));
        }
    }
}

/// WebGPU when asked for and available, otherwise the CPU backend with the reason.
async fn start_backend(preference: BackendPreference) -> (Device, BackendReport) {
    let reason = match preference {
        BackendPreference::Cpu { reason } => reason,
        BackendPreference::Auto => {
            let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
            match gpu_probe::probe_adapter(&scope).await {
                Ok(adapter) => match backend::init_webgpu().await {
                    Ok(device) => return (device, BackendReport::Webgpu { adapter }),
                    Err(error) => error.to_string(),
                },
                Err(reason) => reason,
            }
        }
    };
    (backend::cpu(), BackendReport::Cpu { reason })
}

async fn run_benchmark(state: &Rc<RefCell<WorkerState>>, request: BenchmarkRequest) {
    const CONTEXT: &str = "running the benchmark";
    if let Err(problem) = request.check() {
        post(&error_reply(CONTEXT, problem));
        return;
    }
    let Some(device) = claim_device(state, CONTEXT) else { return };
    match nn::reference::train_throughput(request.batch as usize, request.warmup, request.steps, &device).await {
        Ok(t) => post(&FromEngine::BenchmarkFinished(BenchmarkResult {
            batch: t.batch as u32,
            steps: t.steps,
            samples_per_s: t.samples_per_s,
            median_step_ms: t.median_step_ms,
        })),
        Err(error) => post(&error_reply(CONTEXT, error.to_string())),
    }
    state.borrow_mut().busy = false;
}

async fn run_check(state: &Rc<RefCell<WorkerState>>, request: DeviceCheckRequest) {
    const CONTEXT: &str = "checking the device";
    if let Err(error) = request.check() {
        post(&error_reply(CONTEXT, error.to_string()));
        return;
    }
    let Some(device) = claim_device(state, CONTEXT) else { return };
    let config = DeviceCheckConfig::new().with_steps(request.steps).with_seed(request.seed);
    let mut check = DeviceCheck::new(&config, &device);
    post(&FromEngine::CheckStarted { steps: check.steps(), parameters: check.parameters() });
    let mut steps = Vec::new();
    while !check.finished() {
        match check.step().await {
            Ok(outcome) => {
                let step = CheckStep { step: outcome.step, loss: outcome.loss, step_ms: outcome.step_ms };
                post(&FromEngine::CheckStep(step.clone()));
                steps.push(step);
            }
            Err(error) => {
                post(&error_reply(CONTEXT, error.to_string()));
                break;
            }
        }
        TimeoutFuture::new(0).await;
    }
    if let Some(summary) = DeviceCheckSummary::from_steps(&steps).filter(|summary| summary.steps == check.steps()) {
        post(&FromEngine::CheckFinished(summary));
    }
    state.borrow_mut().busy = false;
}
