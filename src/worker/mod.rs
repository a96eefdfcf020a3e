//! The engine's Web Worker: receives [`ToEngine`] messages as JSON text, runs Burn off the main
//! thread, and answers with [`FromEngine`] messages. Long work is driven one step at a time with
//! a yield to the event loop between steps, so new messages are heard within one step.
//!
//! A message the worker does not understand is answered with [`FromEngine::Error`]; a panic
//! (for example a shader the browser rejects, which poisons the device) is reported as
//! [`FromEngine::Crashed`] by the panic hook before the instance dies, so the page can restart
//! the worker on the CPU backend instead of waiting forever.
//!
//! ```
//! use efficientnas::worker::read_request;
//! use efficientnas::protocol::{encode, ToEngine, DeviceCheckRequest};
//! let ok = read_request(Some(encode(&ToEngine::CheckDevice(DeviceCheckRequest::default()))));
//! assert!(ok.is_ok());
//! let unknown = read_request(Some("{\"v\":1,\"msg\":{\"type\":\"dance\"}}".into())).unwrap_err();
//! assert!(unknown.message.contains("unknown"), "{}", unknown.message);
//! assert!(read_request(None).is_err());
//! ```

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

use crate::nn::backend;
use crate::nn::device_check::{DeviceCheck, DeviceCheckConfig};
use crate::protocol::{
    BackendPreference, BackendReport, CheckStep, DeviceCheckRequest, DeviceCheckSummary, EngineError, FromEngine,
    PROTOCOL_VERSION, ToEngine, decode, encode,
};

/// Decodes one incoming message, or says what is wrong with it (sent back as [`FromEngine::Error`]).
pub fn read_request(data: Option<String>) -> Result<ToEngine, EngineError> {
    let text = data.ok_or_else(|| engine_error("reading a message", "messages must be JSON text"))?;
    decode::<ToEngine>(&text).map_err(|error| engine_error("reading a message", error.to_string()))
}

/// Checks the page's protocol version from [`ToEngine::Hello`].
pub fn check_hello(protocol_version: u32) -> Result<(), EngineError> {
    if protocol_version == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(engine_error(
            "starting the engine",
            format!("the page speaks protocol version {protocol_version}, this worker speaks {PROTOCOL_VERSION}; reload the page"),
        ))
    }
}

fn engine_error(context: &str, message: impl Into<String>) -> EngineError {
    EngineError { context: context.to_string(), message: message.into() }
}

fn error_reply(context: &str, message: impl Into<String>) -> FromEngine {
    FromEngine::Error(engine_error(context, message))
}

#[derive(Default)]
struct WorkerState {
    device: Option<Device>,
    backend: Option<BackendReport>,
    busy: bool,
}

/// Starts the worker: installs the panic hook, listens for messages and announces itself.
pub fn start() {
    install_panic_hook();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(WorkerState::default()));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let state = state.clone();
        spawn_local(async move {
            match read_request(event.data().as_string()) {
                Ok(request) => handle(&state, request).await,
                Err(error) => post(&FromEngine::Error(error)),
            }
        });
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FromEngine::Booted { protocol_version: PROTOCOL_VERSION });
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

async fn handle(state: &Rc<RefCell<WorkerState>>, request: ToEngine) {
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

async fn run_check(state: &Rc<RefCell<WorkerState>>, request: DeviceCheckRequest) {
    const CONTEXT: &str = "checking the device";
    if let Err(error) = request.check() {
        post(&error_reply(CONTEXT, error.to_string()));
        return;
    }
    let device = {
        let mut state = state.borrow_mut();
        if state.busy {
            post(&error_reply(CONTEXT, "a device check is already running"));
            return;
        }
        let Some(device) = state.device.clone() else {
            post(&error_reply(CONTEXT, "the engine has not started yet: send hello first"));
            return;
        };
        state.busy = true;
        device
    };
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
