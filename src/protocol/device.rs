//! The device panel's messages: the backend asked for and got, the WebGPU adapter, the device
//! check and the W1 benchmark.

use serde::{Deserialize, Serialize};

use engine::limits::Whole;

use crate::*;

/// Steps a device check may take.
pub const CHECK_STEPS: Whole = Whole::new(2, 200);

/// A W1 training-throughput measurement to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchmarkRequest {
    /// Images per batch (1 to 256).
    pub batch: u32,
    /// Untimed steps first (0 to 100).
    pub warmup: u32,
    /// Timed steps (1 to 1000).
    pub steps: u32,
}

impl BenchmarkRequest {
    /// Checks the ranges, naming the field and what is allowed.
    pub fn check(&self) -> Result<(), String> {
        let within = |name: &str, value: u32, low: u32, high: u32| {
            if (low..=high).contains(&value) { Ok(()) } else { Err(format!("{name} {value} is not allowed: {low} to {high}")) }
        };
        within("batch", self.batch, 1, 256)?;
        within("warmup", self.warmup, 0, 100)?;
        within("steps", self.steps, 1, 1000)
    }
}

/// A W1 training-throughput measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkResult {
    /// Images per batch.
    pub batch: u32,
    /// Timed steps.
    pub steps: u32,
    /// Images per second over the timed steps.
    pub samples_per_s: f64,
    /// Median milliseconds per step.
    pub median_step_ms: f64,
}

/// Which backend the page asks the worker to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackendPreference {
    /// WebGPU when an adapter is available, otherwise the CPU backend.
    Auto,
    /// The CPU backend, for the reason given (shown to the user).
    Cpu {
        /// Why the page asks for the CPU.
        reason: String,
    },
}

/// The backend the worker runs on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackendReport {
    /// Burn's wgpu backend on a WebGPU adapter.
    Webgpu {
        /// What the adapter says about itself.
        adapter: AdapterInfo,
    },
    /// Burn's CPU backend (flex), with the reason WebGPU is not used.
    Cpu {
        /// Why WebGPU is not in use.
        reason: String,
    },
}

/// A WebGPU adapter's self-description and the limits that matter for training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AdapterInfo {
    /// Vendor name, possibly empty (browsers may hide it).
    pub vendor: String,
    /// Architecture family, possibly empty.
    pub architecture: String,
    /// Device name, possibly empty.
    pub device: String,
    /// Free-form description, possibly empty.
    pub description: String,
    /// Key limits as (name, value), in a fixed order.
    pub limits: Vec<AdapterLimit>,
    /// Optional features the adapter offers (e.g. `shader-f16`, `subgroups`), sorted.
    pub features: Vec<String>,
}

/// One named adapter limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdapterLimit {
    /// The WebGPU limit name, e.g. `maxBufferSize`.
    pub name: String,
    /// Its value.
    pub value: u64,
}

/// What the page asks of a device check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceCheckRequest {
    /// Training steps, within [`CHECK_STEPS_RANGE`].
    pub steps: u32,
    /// Seed for the synthetic data and the initial weights.
    pub seed: u64,
}

impl Default for DeviceCheckRequest {
    fn default() -> Self {
        Self { steps: 20, seed: 7 }
    }
}

impl DeviceCheckRequest {
    /// Checks the request, naming the field, its value and the allowed range.
    pub fn check(&self) -> Result<(), RequestError> {
        whole("steps", self.steps, CHECK_STEPS)
    }
}

/// One device-check step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckStep {
    /// Step number, from 1.
    pub step: u32,
    /// Training loss of the batch of this step (before the update).
    pub loss: f32,
    /// Wall-clock milliseconds of the step, including reading the loss back.
    pub step_ms: f64,
}

/// The outcome of a device check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceCheckSummary {
    /// Steps taken.
    pub steps: u32,
    /// Loss of the first step.
    pub first_loss: f32,
    /// Loss of the last step.
    pub last_loss: f32,
    /// Milliseconds of the first step (includes kernel compilation on WebGPU).
    pub first_step_ms: f64,
    /// Median milliseconds per step over the steps after the first.
    pub median_step_ms: f64,
}

impl DeviceCheckSummary {
    /// Summarises the steps of a check; `None` when there are none.
    ///
    /// The median excludes the first step, which on WebGPU includes compiling every kernel;
    /// with a single step it is that step's time.
    pub fn from_steps(steps: &[CheckStep]) -> Option<Self> {
        let first = steps.first()?;
        let last = steps.last()?;
        let later: Vec<f64> = steps.iter().skip(1).map(|step| step.step_ms).collect();
        let median_step_ms = engine::stats::median(&later).unwrap_or(first.step_ms);
        Some(Self {
            steps: steps.len() as u32,
            first_loss: first.loss,
            last_loss: last.loss,
            first_step_ms: first.step_ms,
            median_step_ms,
        })
    }
}
