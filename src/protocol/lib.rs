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
//! use protocol::{ToEngine, BackendPreference, encode, decode};
//! let text = encode(&ToEngine::Hello { protocol_version: 4, backend: BackendPreference::Auto });
//! let back: ToEngine = decode(&text).unwrap();
//! assert!(matches!(back, ToEngine::Hello { .. }));
//! assert!(decode::<ToEngine>("{\"v\":4,\"msg\":{\"launch_rockets\":{}}}").is_err());
//! ```

pub mod ablation;
mod codec;
mod device;
mod files;
pub mod predictor;
mod recipe;
pub mod results;
mod run;
pub mod saved;
mod tagged;

use serde::{Deserialize, Serialize};

use engine::search::GenerationSummary;
pub use engine::hardware::LatencyMeasurement;

pub use codec::*;

/// The file format of an exported network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFormat {
    /// Burn's record (burnpack bytes), loadable with `ModuleRecord::from_bytes` and
    /// `load_record` into the same architecture.
    #[default]
    Burnpack,
    /// ONNX (IR 8, opset 17) with the data normalisation inside the graph: runs in
    /// onnxruntime and every tool that reads ONNX.
    Onnx,
}

impl ModelFormat {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ModelFormat::Burnpack => "bpk",
            ModelFormat::Onnx => "onnx",
        }
    }
}
pub use device::*;
pub use files::*;
pub use recipe::*;
pub use run::*;

/// Version of this protocol; bump it whenever a message changes shape.
pub const PROTOCOL_VERSION: u32 = 4;

/// Messages from the page to the engine worker. Messages are externally tagged
/// (`{"check_device": {...}}`, a unit message as its bare name): serde reads that form without
/// buffering, where the internally tagged form would cost the page's wasm a second copy of the
/// reading code of every report inside a message (see `tagged.rs` for the forms that are saved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Time a few training steps of a network of the space on the CPU backend and on WebGPU
    /// (when the worker has an adapter); answered with [`FromEngine::BackendsMeasured`].
    MeasureBackends(SpeedRequest),
    /// Search (and check) on `backend` from now on, `reason` being why (shown to the user);
    /// answered with [`FromEngine::Ready`] naming the backend now in use.
    UseBackend {
        /// The backend.
        backend: BackendKind,
        /// Why it was chosen.
        reason: String,
    },
    /// Start a search run (refused while one is running).
    StartRun(Box<RunRequest>),
    /// Control the running search; takes effect within one training batch.
    Control(RunControl),
    /// Read the user's dataset files, which travel beside this message: the page posts a
    /// two-element array, this message's JSON text and an array of `{path, bytes}` objects
    /// (`bytes` a `Uint8Array`). Answered with [`FromEngine::DatasetLoaded`] or
    /// [`FromEngine::DatasetRefused`].
    LoadDataset(LoadDataset),
    /// Time training of the benchmark workload W1 (see `nn::workload`) on the worker's backend;
    /// answered with [`FromEngine::BenchmarkFinished`]. For the benchmark script, not the page.
    Benchmark(BenchmarkRequest),
    /// Send the trained network of a candidate (or reference) of the last run in `format`;
    /// answered with [`FromEngine::Weights`] or an error saying why not.
    ExportWeights {
        /// The run.
        run_id: String,
        /// The candidate's arch id.
        arch_id: String,
        /// The file format.
        #[serde(default)]
        format: ModelFormat,
    },
    /// Continue a saved run from its last checkpoint in the browser's storage (refused while a
    /// search or check runs). A run saved before its first checkpoint starts again.
    ResumeRun {
        /// The saved run.
        run_id: String,
    },
    /// Calibrate a device profile of `space` (the page's default without one) on the worker's
    /// backend, then time `genotypes` held-out networks twice each, `runs` runs a timing; answered
    /// with [`FromEngine::PredictorMeasured`]. For the browser benchmark, not the page.
    PredictorBenchmark {
        /// The space.
        #[serde(default)]
        space: Option<engine::space::SpaceConfig>,
        /// Held-out networks (see `predictor::PREDICTOR_GENOTYPES`).
        genotypes: u32,
        /// Timed runs per network per timing (see `predictor::PREDICTOR_RUNS`).
        runs: u32,
        /// The browser.
        host: String,
    },
    /// Calibrate a latency table of every block of `space` on the worker's backend (see
    /// `runner::calibration`); answered with [`FromEngine::Calibrating`] as it goes and
    /// [`FromEngine::Calibrated`] at the end.
    Calibrate {
        /// The space whose blocks to time (input and classes as the run will have them).
        space: engine::space::SpaceConfig,
        /// What the page knows of where it runs: the browser, and the adapter on WebGPU.
        host: String,
    },
}

/// Whole networks calibration times after the blocks, to fit the network-level correction.
pub const CALIBRATION_NETWORKS: u32 = 16;

/// What calibrating `space` times: its blocks, then the whole networks.
pub fn calibration_steps(space: &engine::space::SpaceConfig) -> u32 {
    engine::hardware::space_blocks(space).len() as u32 + CALIBRATION_NETWORKS
}

/// How far calibration has come.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationProgress {
    /// Blocks and whole networks timed.
    pub done: u32,
    /// Blocks and whole networks to time.
    pub total: u32,
    /// Seconds so far.
    pub elapsed_s: f64,
}

impl CalibrationProgress {
    /// Seconds left at the pace so far (none before anything is done).
    pub fn seconds_left(&self) -> Option<f64> {
        (self.done > 0).then(|| self.elapsed_s / f64::from(self.done) * f64::from(self.total.saturating_sub(self.done)))
    }
}

/// What the page can do to a running search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunControl {
    /// Hold after the current batch.
    Pause,
    /// Go on after a pause.
    Resume,
    /// Run until the current generation is complete, then pause.
    Step,
    /// End the run; the candidate in training is dropped, everything recorded is kept.
    Stop,
}

/// Messages from the engine worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Both backends were timed (see [`ToEngine::MeasureBackends`]).
    BackendsMeasured(BackendSpeeds),
    /// The device check finished.
    CheckFinished(DeviceCheckSummary),
    /// A search run started.
    RunStarted(RunInfo),
    /// Training progress of the candidate in training (at most a few per second).
    Training(TrainingProgress),
    /// A candidate was scored (trained, looked up, failed, or rejected by a constraint).
    Candidate(CandidateReport),
    /// A generation is complete.
    Generation(GenerationSummary),
    /// A reference architecture was trained and scored like a candidate (it is not one).
    Reference(ReferenceReport),
    /// The run holds (after Pause, or after Step completed a generation).
    RunPaused {
        /// Candidates scored so far.
        evaluations: u32,
    },
    /// The run goes on after a pause.
    RunResumed,
    /// A saved run was restored from its checkpoint and goes on; the page keeps the
    /// `candidates` and `generations` it saved up to that checkpoint.
    RunContinued {
        /// The run.
        run_id: String,
        /// Candidates scored before the checkpoint.
        candidates: u32,
        /// Generations completed before the checkpoint.
        generations: u32,
        /// Reference architectures scored before the checkpoint.
        references: u32,
    },
    /// The run ended.
    RunFinished {
        /// How.
        end: RunEnd,
        /// Candidates scored.
        evaluations: u32,
        /// Seconds of work (pauses excluded).
        seconds: f64,
    },
    /// The trained network of a candidate, as asked with [`ToEngine::ExportWeights`].
    Weights {
        /// The run.
        run_id: String,
        /// The candidate's arch id.
        arch_id: String,
        /// The file format of `bytes`.
        #[serde(default)]
        format: ModelFormat,
        /// The file's bytes.
        bytes: Vec<u8>,
    },
    /// The W1 benchmark finished.
    BenchmarkFinished(BenchmarkResult),
    /// The user's files were read; runs on [`DatasetChoice::Files`] use them.
    DatasetLoaded(DatasetSummary),
    /// The user's files cannot be used; the message names the file and the problem.
    DatasetRefused {
        /// What is wrong.
        message: String,
    },
    /// Calibration's progress (see [`ToEngine::Calibrate`]).
    Calibrating(CalibrationProgress),
    /// Calibration finished: the device profile.
    Calibrated {
        /// The latency table measured on the worker's backend.
        profile: Box<engine::hardware::LatencyTable>,
    },
    /// The predictor benchmark finished (see [`ToEngine::PredictorBenchmark`]).
    PredictorMeasured(Box<predictor::PredictorReport>),
    /// A request failed; the worker is still alive and accepts work.
    Error(EngineError),
    /// The worker hit an unrecoverable fault (a panic, a lost device) and has stopped.
    Crashed {
        /// What went wrong, as reported by the fault.
        message: String,
    },
}
