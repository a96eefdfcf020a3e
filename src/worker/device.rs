//! The device: the backend chosen at start-up (or by the page, after timing both), claimed by
//! one search, check or timing at a time; the device check, the backends' timing and the W1
//! benchmark.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use gloo::timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

use nn::backend;
use nn::device_check::{DeviceCheck, DeviceCheckConfig};
use nn::train::TrainError;
use engine::rng::{Seed, rng_for};
use engine::space::{Space, Stage};
use protocol::{
    BackendKind, BackendPreference, BackendReport, BackendSpeeds, BenchmarkRequest, BenchmarkResult, CheckStep, DeviceCheckRequest,
    DeviceCheckSummary, FromEngine, RunRequest, STEP_RATE_MATMUL, SpeedRequest, StepSpeed, WebgpuSpeed,
};

use crate::*;

/// Takes the device for the work `doing` describes (as a reply to anyone else who asks while it
/// holds it), or tells the page why not.
pub(crate) fn claim_device(state: &RefCell<WorkerState>, context: &str, doing: &'static str) -> Option<Device> {
    let mut state = state.borrow_mut();
    if let Some(what) = state.busy {
        post(&error_reply(context, format!("the engine is busy: {what}")));
        return None;
    }
    let Some(device) = state.device.clone() else {
        post(&error_reply(context, "the engine has not started yet: send hello first"));
        return None;
    };
    state.busy = Some(doing);
    Some(device)
}

/// WebGPU when asked for and available, otherwise the CPU backend with the reason.
pub(crate) async fn start_backend(preference: BackendPreference) -> (Device, BackendReport) {
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

pub(crate) async fn run_benchmark(state: &Rc<RefCell<WorkerState>>, request: BenchmarkRequest) {
    const CONTEXT: &str = "running the benchmark";
    if let Err(problem) = request.check() {
        post(&error_reply(CONTEXT, problem));
        return;
    }
    let Some(device) = claim_device(state, CONTEXT, "a benchmark is running: wait for it") else { return };
    match benchmark(request, &device).await {
        Ok(result) => post(&FromEngine::BenchmarkFinished(result)),
        Err(error) => post(&error_reply(CONTEXT, error.to_string())),
    }
    state.borrow_mut().busy = None;
}

/// W1's throughput and, when asked for, the step rate of the default space's references.
async fn benchmark(request: BenchmarkRequest, device: &Device) -> Result<BenchmarkResult, TrainError> {
    let t = nn::workload::train_throughput(request.batch as usize, request.warmup, request.steps, device).await?;
    let step_rates = if request.step_rate {
        let space = Space::new(RunRequest::default_digits().space).map_err(|e| TrainError::Backend { step: 0, message: e.to_string() })?;
        Some(nn::workload::step_rates(&space, request.batch as usize, request.steps, STEP_RATE_MATMUL, device).await?)
    } else {
        None
    };
    Ok(BenchmarkResult { batch: t.batch as u32, steps: t.steps, samples_per_s: t.samples_per_s, median_step_ms: t.median_step_ms, step_rates })
}

pub(crate) async fn run_check(state: &Rc<RefCell<WorkerState>>, request: DeviceCheckRequest) {
    const CONTEXT: &str = "checking the device";
    if let Err(error) = request.check() {
        post(&error_reply(CONTEXT, error.to_string()));
        return;
    }
    let Some(device) = claim_device(state, CONTEXT, "a device check is running: wait for it") else { return };
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
    state.borrow_mut().busy = None;
}

/// Steps and time box of each backend's timing: enough for a median of the later steps (the
/// first on WebGPU compiles the kernels, and a release worker's first steps ran at 102 ms
/// where its search went at about 40), few enough to take seconds.
const SPEED_STEPS: u32 = 12;
const CPU_BUDGET_MS: f64 = 3_000.0;
const WEBGPU_BUDGET_MS: f64 = 8_000.0;

/// Times a few training steps of a generation-0 network of the request's space on the CPU
/// backend and on WebGPU (when there is an adapter), and reports both.
pub(crate) async fn run_speeds(state: &Rc<RefCell<WorkerState>>, request: SpeedRequest) {
    const CONTEXT: &str = "timing the backends";
    if let Err(error) = request.check() {
        post(&error_reply(CONTEXT, error.to_string()));
        return;
    }
    let space = match Space::new(request.space.clone()) {
        Ok(space) => space,
        Err(error) => return post(&error_reply(CONTEXT, format!("search space: {error}"))),
    };
    let genotype = space.sample(Stage::One, &mut rng_for(Seed(request.seed), "backend-speeds"));
    if claim_device(state, CONTEXT, "the backends are being timed: wait a few seconds").is_none() {
        return;
    }
    let batch = request.batch_size as usize;
    let webgpu_device = state.borrow().webgpu.clone().map(|(device, _)| device);
    let reply = match nn::speed::time_steps(&space, &genotype, batch, SPEED_STEPS, CPU_BUDGET_MS, &backend::cpu()).await {
        Ok(cpu) => {
            let webgpu = match (webgpu_device, request.webgpu) {
                (None, _) => WebgpuSpeed::Unavailable { reason: cpu_reason(state.borrow().backend.as_ref()) },
                (Some(_), false) => WebgpuSpeed::Unavailable { reason: "not timed: the CPU was chosen".into() },
                (Some(device), true) => match nn::speed::time_steps(&space, &genotype, batch, SPEED_STEPS, WEBGPU_BUDGET_MS, &device).await {
                    Ok(t) => WebgpuSpeed::Measured { speed: speed(t) },
                    Err(error) => WebgpuSpeed::Failed { reason: error.to_string() },
                },
            };
            let parameters = engine::cost::params(space.config(), &genotype);
            FromEngine::BackendsMeasured(BackendSpeeds {
                network: genotype.to_text(),
                parameters,
                batch_size: request.batch_size,
                cpu: speed(cpu),
                webgpu,
            })
        }
        Err(error) => error_reply(CONTEXT, error.to_string()),
    };
    post(&reply);
    state.borrow_mut().busy = None;
}

fn speed(t: nn::speed::StepTimes) -> StepSpeed {
    StepSpeed { first_step_ms: t.first_ms, median_step_ms: t.median_ms, steps: t.steps }
}

/// Why the worker has no WebGPU, as its backend report says.
fn cpu_reason(report: Option<&BackendReport>) -> String {
    match report {
        Some(BackendReport::Cpu { reason }) => reason.clone(),
        _ => "no adapter".into(),
    }
}

/// Moves searches and checks to `backend` (refused while the device is in use): the report the
/// page is sent.
pub(crate) fn use_backend(state: &mut WorkerState, backend: BackendKind, reason: String) -> FromEngine {
    const CONTEXT: &str = "choosing the backend";
    if let Some(what) = state.busy {
        return error_reply(CONTEXT, format!("the engine is busy: {what}"));
    }
    let (device, report) = match (backend, &state.webgpu) {
        (BackendKind::Webgpu, Some((device, adapter))) => (device.clone(), BackendReport::Webgpu { adapter: adapter.clone() }),
        (BackendKind::Webgpu, None) => return error_reply(CONTEXT, "this engine has no WebGPU adapter: it runs on the CPU"),
        (BackendKind::Cpu, _) => (backend::cpu(), BackendReport::Cpu { reason }),
    };
    state.device = Some(device);
    state.backend = Some(report.clone());
    FromEngine::Ready { backend: report }
}

/// Where the worker's backend is, for a device profile: the backend, the adapter, `host`, now.
fn measured_here(state: &RefCell<WorkerState>, host: String) -> engine::hardware::Measured {
    let (backend, adapter) = match &state.borrow().backend {
        Some(BackendReport::Webgpu { adapter }) => {
            ("WebGPU".to_string(), format!("{} {} {}", adapter.vendor, adapter.architecture, adapter.description).trim().to_string())
        }
        Some(BackendReport::Cpu { .. }) | None => ("CPU backend".to_string(), String::new()),
    };
    let date = js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default();
    engine::hardware::Measured { backend, adapter, host, date, seconds: 0.0 }
}

/// Calibration's progress to the page, with a yield so the page hears it as it goes.
async fn calibrating(progress: protocol::CalibrationProgress) {
    post(&FromEngine::Calibrating(progress));
    TimeoutFuture::new(0).await;
}

/// Calibrates the device profile of `space` on the worker's backend, posting its progress; the
/// page keeps the profile (see `ToEngine::Calibrate`).
pub(crate) async fn run_calibration(state: &Rc<RefCell<WorkerState>>, space: engine::space::SpaceConfig, host: String) {
    const CONTEXT: &str = "calibrating this device";
    let Some(device) = claim_device(state, CONTEXT, "this device is being calibrated: wait for it") else { return };
    let measured = measured_here(state, host);
    match runner::calibration::device_profile(&space, &device, measured, async |p| calibrating(p).await).await {
        Ok(profile) => post(&FromEngine::Calibrated { profile: Box::new(profile) }),
        Err(message) => post(&error_reply(CONTEXT, message)),
    }
    state.borrow_mut().busy = None;
}

/// The predictor benchmark on the worker's backend (see `ToEngine::PredictorBenchmark`).
pub(crate) async fn run_predictor_benchmark(
    state: &Rc<RefCell<WorkerState>>,
    space: Option<engine::space::SpaceConfig>,
    (genotypes, runs): (u32, u32),
    host: String,
) {
    const CONTEXT: &str = "benchmarking the latency predictor";
    let Some(device) = claim_device(state, CONTEXT, "the latency predictor is being benchmarked: wait for it") else { return };
    let space = space.unwrap_or_else(|| protocol::RunRequest::default_digits().space);
    let measured = measured_here(state, host);
    let report = match runner::calibration::device_profile(&space, &device, measured, async |p| calibrating(p).await).await {
        Ok(profile) => runner::calibration::predictor_benchmark(&space, &device, profile, (genotypes, runs), async |_, _| TimeoutFuture::new(0).await).await,
        Err(message) => Err(message),
    };
    match report {
        Ok(report) => post(&FromEngine::PredictorMeasured(Box::new(report))),
        Err(message) => post(&error_reply(CONTEXT, message)),
    }
    state.borrow_mut().busy = None;
}
