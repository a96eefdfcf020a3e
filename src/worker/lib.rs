//! The engine's Web Worker: receives [`ToEngine`] messages as JSON text, runs Burn off the main
//! thread, and answers with [`FromEngine`] messages. Long work is driven one step at a time with
//! a yield to the event loop between steps, so new messages are heard within one step.
//!
//! A message the worker does not understand is answered with [`FromEngine::Error`]; a panic
//! (for example a shader the browser rejects, which poisons the device) is reported as
//! [`FromEngine::Crashed`] by the panic hook before the instance dies, so the page can restart
//! the worker on the CPU backend instead of waiting forever.

mod device;
mod fetch;
pub mod gpu_probe;
mod pool;
mod saver;
mod search;
mod trainer;
mod wake;
mod wire;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::tensor::Device;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use nn::data::Dataset;
use protocol::{AdapterInfo, BackendReport, EngineError, FromEngine, PROTOCOL_VERSION, RunControl, ToEngine, check_hello, encode, read_request};
use runner::{Run, files};

use device::*;
use fetch::*;
use search::*;

fn error_reply(context: &str, message: impl Into<String>) -> FromEngine {
    FromEngine::Error(EngineError::new(context, message))
}

#[derive(Default)]
struct WorkerState {
    /// The device searches and checks run on, and how the page is told of it.
    device: Option<Device>,
    backend: Option<BackendReport>,
    /// The WebGPU device and its adapter, when the worker has one (kept while the CPU is in use).
    webgpu: Option<(Device, AdapterInfo)>,
    /// What holds the device now, as the page is told when it asks for more.
    busy: Option<&'static str>,
    /// The controls of the running search, while one runs.
    run: Option<Rc<RefCell<Flags>>>,
    /// The user's dataset, once read.
    files: Option<Dataset>,
    /// The last finished run, whose trained models can still be exported.
    last_run: Option<Rc<Run>>,
}

/// Starts the worker: installs the panic hook, listens for messages and announces itself.
pub fn start() {
    install_panic_hook();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if scope.name() == wire::TRAINER_NAME {
        return trainer::start();
    }
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
            if trainer::is_trainer() {
                trainer::send(&wire::FromTrainer::Broken { message: info.to_string() }, Vec::new());
            } else {
                post(&FromEngine::Crashed { message: info.to_string() });
            }
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
                    if let BackendReport::Webgpu { adapter } = &report {
                        state.webgpu = Some((device.clone(), adapter.clone()));
                    }
                    state.device = Some(device);
                    state.backend = Some(report.clone());
                    report
                }
            };
            post(&FromEngine::Ready { backend: report });
        }
        ToEngine::CheckDevice(request) => run_check(state, request).await,
        ToEngine::MeasureBackends(request) => run_speeds(state, request).await,
        ToEngine::UseBackend { backend, reason } => post(&use_backend(&mut state.borrow_mut(), backend, reason)),
        ToEngine::LoadDataset(request) => match files::read_dataset(&request, &files) {
            Ok(dataset) => {
                post(&FromEngine::DatasetLoaded(files::summary(&dataset)));
                state.borrow_mut().files = Some(dataset);
            }
            Err(message) => post(&FromEngine::DatasetRefused { message }),
        },
        ToEngine::Benchmark(request) => run_benchmark(state, request).await,
        ToEngine::Calibrate { space, host } => run_calibration(state, space, host).await,
        ToEngine::PredictorBenchmark { space, genotypes, runs, host } => run_predictor_benchmark(state, space, (genotypes, runs), host).await,
        ToEngine::ExportWeights { run_id, arch_id, format } => {
            let run = state.borrow().last_run.clone().filter(|run| run.info().run_id == run_id);
            let reply = match run {
                Some(run) => match run.export(&arch_id, format).await {
                    Ok(bytes) => FromEngine::Weights { run_id, arch_id, format, bytes },
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
