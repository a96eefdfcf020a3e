//! The device: the backend chosen at start-up, claimed by one search or check at a time, the
//! device check and the W1 benchmark.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use gloo::timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

use nn::backend;
use nn::device_check::{DeviceCheck, DeviceCheckConfig};
use protocol::{BackendPreference, BackendReport, BenchmarkRequest, BenchmarkResult, CheckStep, DeviceCheckRequest, DeviceCheckSummary, FromEngine};

use crate::*;

/// Takes the device for a search or a check, or tells the page why not.
pub(crate) fn claim_device(state: &RefCell<WorkerState>, context: &str) -> Option<Device> {
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
    let Some(device) = claim_device(state, CONTEXT) else { return };
    match nn::workload::train_throughput(request.batch as usize, request.warmup, request.steps, &device).await {
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

pub(crate) async fn run_check(state: &Rc<RefCell<WorkerState>>, request: DeviceCheckRequest) {
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
