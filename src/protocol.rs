//! Messages between the page and the engine's Web Worker: one enum per direction, serde data
//! only, wrapped in a versioned envelope and sent as JSON text.
//!
//! The handshake: the worker announces [`FromEngine::Booted`] as soon as its wasm runs (messages
//! posted to a worker before that would be lost); the page answers [`ToEngine::Hello`] with the
//! backend it wants; the worker replies [`FromEngine::Ready`] with the backend it got. Every
//! envelope carries [`PROTOCOL_VERSION`] and a decoder refuses any other version, so a page and a
//! worker from different builds fail with a message instead of misreading each other.
//!
//! ```
//! use efficientnas::protocol::{ToEngine, BackendPreference, encode, decode};
//! let text = encode(&ToEngine::Hello { protocol_version: 1, backend: BackendPreference::Auto });
//! let back: ToEngine = decode(&text).unwrap();
//! assert!(matches!(back, ToEngine::Hello { .. }));
//! assert!(decode::<ToEngine>("{\"v\":1,\"msg\":{\"type\":\"launch_rockets\"}}").is_err());
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Version of this protocol; bump it whenever a message changes shape.
pub const PROTOCOL_VERSION: u32 = 1;

/// Smallest and largest number of steps a device check may take.
pub const CHECK_STEPS_RANGE: (u32, u32) = (2, 200);

/// Messages from the page to the engine worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToEngine {
    /// Answer to [`FromEngine::Booted`]: start the backend.
    Hello {
        /// The protocol version the page speaks.
        protocol_version: u32,
        /// Which backend the page asks for.
        backend: BackendPreference,
    },
    /// Train the device-check network for a few steps and report each one.
    CheckDevice(DeviceCheckRequest),
}

/// Messages from the engine worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromEngine {
    /// The worker's wasm is running and listening.
    Booted {
        /// The protocol version the worker speaks.
        protocol_version: u32,
    },
    /// The backend is initialised and the worker accepts work.
    Ready {
        /// The backend in use, and the adapter or the reason for the CPU fallback.
        backend: BackendReport,
    },
    /// A device check started.
    CheckStarted {
        /// Number of steps it will take.
        steps: u32,
        /// Parameters of the network it trains.
        parameters: u64,
    },
    /// One training step of the device check finished (its loss has been read back).
    CheckStep(CheckStep),
    /// The device check finished.
    CheckFinished(DeviceCheckSummary),
    /// A request failed; the worker is still alive and accepts work.
    Error(EngineError),
    /// The worker hit an unrecoverable fault (a panic, a lost device) and has stopped.
    Crashed {
        /// What went wrong, as reported by the fault.
        message: String,
    },
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
        let (low, high) = CHECK_STEPS_RANGE;
        if !(low..=high).contains(&self.steps) {
            return Err(RequestError::OutOfRange {
                field: "steps",
                value: self.steps.to_string(),
                allowed: format!("{low} to {high}"),
            });
        }
        Ok(())
    }
}

/// A request that cannot be carried out as given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    /// A number outside its allowed range.
    #[error("{field} = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
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

/// A failed request, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineError {
    /// What was being done when it failed.
    pub context: String,
    /// What went wrong.
    pub message: String,
}

/// The wire form: a version and one message.
#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    v: u32,
    msg: T,
}

/// Why a text could not be decoded into a message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProtocolError {
    /// Not JSON, or not an envelope `{ "v": <version>, "msg": {...} }`.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The envelope carries another protocol version.
    #[error("protocol version {found} received, this build speaks version {expected}; reload the page")]
    VersionMismatch {
        /// This build's version.
        expected: u32,
        /// The version received.
        found: u32,
    },
    /// A well-formed envelope whose message is not one this build knows.
    #[error("unknown or invalid message: {0}")]
    UnknownMessage(String),
}

/// Encodes a message as envelope JSON text.
pub fn encode<T: Serialize>(message: &T) -> String {
    let envelope = Envelope { v: PROTOCOL_VERSION, msg: message };
    // Serialising these plain enums of strings and numbers cannot fail; a non-finite float
    // becomes `null`, which the decoder rejects as an invalid message rather than panicking.
    serde_json::to_string(&envelope).unwrap_or_else(|error| {
        format!("{{\"v\":{PROTOCOL_VERSION},\"msg\":{{\"type\":\"unencodable\",\"error\":{:?}}}}}", error.to_string())
    })
}

/// Decodes envelope JSON text, checking the version before the message.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ProtocolError> {
    let envelope: Envelope<serde_json::Value> =
        serde_json::from_str(text).map_err(|error| ProtocolError::Malformed(error.to_string()))?;
    if envelope.v != PROTOCOL_VERSION {
        return Err(ProtocolError::VersionMismatch { expected: PROTOCOL_VERSION, found: envelope.v });
    }
    serde_json::from_value(envelope.msg).map_err(|error| ProtocolError::UnknownMessage(error.to_string()))
}

impl DeviceCheckSummary {
    /// Summarises the steps of a check; `None` when there are none.
    ///
    /// The median excludes the first step, which on WebGPU includes compiling every kernel;
    /// with a single step it is that step's time.
    pub fn from_steps(steps: &[CheckStep]) -> Option<Self> {
        let first = steps.first()?;
        let last = steps.last()?;
        let mut later: Vec<f64> = steps.iter().skip(1).map(|step| step.step_ms).collect();
        later.sort_by(f64::total_cmp);
        let median_step_ms = match later.len() {
            0 => first.step_ms,
            count if count % 2 == 1 => later[count / 2],
            count => (later[count / 2 - 1] + later[count / 2]) / 2.0,
        };
        Some(Self {
            steps: steps.len() as u32,
            first_loss: first.loss,
            last_loss: last.loss,
            first_step_ms: first.step_ms,
            median_step_ms,
        })
    }
}
