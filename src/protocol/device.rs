//! The device panel's messages: the backend asked for and got, the WebGPU adapter, the two
//! backends timed on a network of the space, the device check and the W1 benchmark.

use serde::{Deserialize, Serialize};

use engine::limits::Whole;
use engine::space::SpaceConfig;

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
    /// Also the step rate: the default space's references trained at `batch` and a square f32
    /// matrix product of side [`STEP_RATE_MATMUL`], each timed `steps` times.
    #[serde(default)]
    pub step_rate: bool,
}

/// The side of the matrix product the step rate is set beside.
pub const STEP_RATE_MATMUL: usize = 1024;

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
    /// The step rate, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_rates: Option<engine::hardware::StepRates>,
}

/// Which backend the page asks the worker to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[serde(rename_all = "snake_case")]
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

impl BackendReport {
    /// What a network trained on this backend may take (see `engine::memory`): a WebGPU
    /// adapter's buffer limits (WebGPU's defaults where the adapter did not say), or the CPU
    /// backend's in WebAssembly.
    pub fn memory_limits(&self) -> engine::memory::MemoryLimits {
        match self {
            BackendReport::Webgpu { adapter } => {
                let limit = |name: &str, default: u64| adapter.limits.iter().find(|l| l.name == name).map_or(default, |l| l.value);
                engine::memory::MemoryLimits::webgpu(limit("maxBufferSize", 256 << 20), limit("maxStorageBufferBindingSize", 128 << 20))
            }
            BackendReport::Cpu { .. } => engine::memory::MemoryLimits::wasm_cpu(),
        }
    }
}

/// One of the two backends a worker with a WebGPU adapter can search on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// Burn's wgpu backend on the adapter.
    Webgpu,
    /// Burn's CPU backend.
    Cpu,
}

impl BackendKind {
    /// How the page names it.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Webgpu => "WebGPU",
            BackendKind::Cpu => "CPU",
        }
    }
}

/// What the worker times on each backend: a few training steps of a network of `space` (one
/// generation 0 would sample, drawn with `seed`) at `batch_size`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedRequest {
    /// The search space (its input shape and classes as the dataset has them).
    pub space: SpaceConfig,
    /// Images per step, as the search will train.
    pub batch_size: u32,
    /// Draws the network timed.
    pub seed: u64,
    /// Time WebGPU too (when the worker has it); the CPU is always timed.
    pub webgpu: bool,
}

impl SpeedRequest {
    /// Checks the batch size (the space is checked where it is built).
    pub fn check(&self) -> Result<(), RequestError> {
        whole("batch_size", self.batch_size, BATCH_SIZE)
    }
}

/// Training step times of one backend.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepSpeed {
    /// The first step (on WebGPU it includes compiling the kernels).
    pub first_step_ms: f64,
    /// The median of the later steps (the first step's time when there was no other).
    pub median_step_ms: f64,
    /// Steps taken.
    pub steps: u32,
}

/// How WebGPU did when timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebgpuSpeed {
    /// Timed.
    Measured {
        /// Its step times.
        speed: StepSpeed,
    },
    /// Not timed: the worker has no WebGPU adapter.
    Unavailable {
        /// Why.
        reason: String,
    },
    /// Training on it failed.
    Failed {
        /// What went wrong.
        reason: String,
    },
}

/// Both backends timed on one network of the space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendSpeeds {
    /// The network timed (its canonical text).
    pub network: String,
    /// Its parameters.
    pub parameters: u64,
    /// Images per step.
    pub batch_size: u32,
    /// The CPU backend's step times.
    pub cpu: StepSpeed,
    /// WebGPU's, or why there are none.
    pub webgpu: WebgpuSpeed,
}

impl BackendSpeeds {
    /// The backend with the shorter median step: WebGPU only when it was timed and is faster.
    pub fn faster(&self) -> BackendKind {
        match &self.webgpu {
            WebgpuSpeed::Measured { speed } if speed.median_step_ms < self.cpu.median_step_ms => BackendKind::Webgpu,
            _ => BackendKind::Cpu,
        }
    }

    /// Why [`Self::faster`] chose as it did, with both figures.
    pub fn reason(&self) -> String {
        let cpu = self.cpu.median_step_ms;
        match &self.webgpu {
            WebgpuSpeed::Measured { speed } => {
                let gpu = speed.median_step_ms;
                let (fast, slow, ratio) = if gpu < cpu { ("WebGPU", "the CPU", cpu / gpu) } else { ("the CPU", "WebGPU", gpu / cpu) };
                format!(
                    "measured on {}: {fast} trains a step in {} against {} on {slow} ({ratio:.1}× faster; WebGPU's first step, compiling its kernels, took {})",
                    self.network, step_time(gpu.min(cpu)), step_time(gpu.max(cpu)), step_time(speed.first_step_ms)
                )
            }
            WebgpuSpeed::Unavailable { reason } => format!("WebGPU is not available ({reason}); the CPU trains a step in {}", step_time(cpu)),
            WebgpuSpeed::Failed { reason } => format!("WebGPU failed when timed ({reason}); the CPU trains a step in {}", step_time(cpu)),
        }
    }
}

/// Milliseconds as `85 ms` or `1.2 s`.
pub fn step_time(ms: f64) -> String {
    if ms >= 1000.0 { format!("{:.1} s", ms / 1e3) } else { format!("{ms:.0} ms") }
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
