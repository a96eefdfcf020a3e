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
//! let text = encode(&ToEngine::Hello { protocol_version: 3, backend: BackendPreference::Auto });
//! let back: ToEngine = decode(&text).unwrap();
//! assert!(matches!(back, ToEngine::Hello { .. }));
//! assert!(decode::<ToEngine>("{\"v\":3,\"msg\":{\"type\":\"launch_rockets\"}}").is_err());
//! ```

pub mod results;
pub mod saved;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use engine::hardware::Target;
use engine::limits::Whole;
use engine::problem::Origin;
use engine::search::{CheapMetrics, Details, GenerationSummary, LatencySource, Objective, RecordStatus, SearchConfig};
use engine::space::{InputShape, SpaceConfig};
use engine::tabular::Nb201Dataset;
pub use engine::hardware::LatencyMeasurement;

/// Version of this protocol; bump it whenever a message changes shape.
pub const PROTOCOL_VERSION: u32 = 3;

/// Steps a device check may take.
pub const CHECK_STEPS: Whole = Whole::new(2, 200);

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
    /// Start a search run (refused while one is running).
    StartRun(Box<RunRequest>),
    /// Control the running search; takes effect within one training batch.
    Control(RunControl),
    /// Read the user's dataset files, which travel beside this message: the page posts a
    /// two-element array, this message's JSON text and an array of `{path, bytes}` objects
    /// (`bytes` a `Uint8Array`). Answered with [`FromEngine::DatasetLoaded`] or
    /// [`FromEngine::DatasetRefused`].
    LoadDataset(LoadDataset),
    /// Time training of the reference workload W1 (see `nn::reference`) on the worker's backend;
    /// answered with [`FromEngine::BenchmarkFinished`]. For the benchmark script, not the page.
    Benchmark(BenchmarkRequest),
    /// Send the trained weights of a candidate of the last run (Burn record, burnpack bytes);
    /// answered with [`FromEngine::Weights`] or an error saying why not.
    ExportWeights {
        /// The run.
        run_id: String,
        /// The candidate's arch id.
        arch_id: String,
    },
    /// Continue a saved run from its last checkpoint in the browser's storage (refused while a
    /// search or check runs). A run saved before its first checkpoint starts again.
    ResumeRun {
        /// The saved run.
        run_id: String,
    },
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

/// The dataset a run evaluates candidates on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DatasetChoice {
    /// The built-in MNIST digits (10,000 real 28x28 digits).
    Digits,
    /// The built-in procedural 32x32 RGB set, generated from the run's seed.
    Procedural {
        /// Images to generate.
        images: u32,
    },
    /// NAS-Bench-201 looked up in its table: no training, instant.
    Nb201 {
        /// Which of its datasets.
        dataset: Nb201Dataset,
    },
    /// The user's own files, as last loaded into the worker with [`ToEngine::LoadDataset`].
    Files,
}

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

/// Formats of the user's dataset files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// CIFAR-10 binary batches (`data_batch_1.bin`, ...): 1 label byte and 3,072 pixel bytes
    /// per image.
    Cifar10,
    /// An MNIST-style IDX image file and its IDX label file, raw or gzip.
    Idx,
    /// A folder with one subfolder of PNG or JPEG images per class.
    ImageFolder,
}

impl FileFormat {
    /// Every format, in the order the page offers them.
    pub const ALL: [FileFormat; 3] = [FileFormat::Cifar10, FileFormat::Idx, FileFormat::ImageFolder];

    /// Its key in the page and in lesson links.
    pub fn key(self) -> &'static str {
        match self {
            FileFormat::Cifar10 => "cifar10",
            FileFormat::Idx => "idx",
            FileFormat::ImageFolder => "folder",
        }
    }

    /// The format with this key.
    pub fn from_key(key: &str) -> Option<FileFormat> {
        FileFormat::ALL.into_iter().find(|f| f.key() == key)
    }

    /// What the user picks, in words.
    pub fn label(self) -> &'static str {
        match self {
            FileFormat::Cifar10 => "CIFAR-10 binary batches (.bin)",
            FileFormat::Idx => "MNIST IDX images + labels (raw or .gz)",
            FileFormat::ImageFolder => "image folder (one subfolder per class)",
        }
    }
}

/// The user's dataset files to read: the format and a name; the files travel beside this
/// message (see [`ToEngine::LoadDataset`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadDataset {
    /// How to read the files.
    pub format: FileFormat,
    /// What to call the dataset.
    pub name: String,
    /// Side in pixels images of a folder are resized to.
    pub side: u32,
}

/// A dataset the worker has read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    /// Its name.
    pub name: String,
    /// Images.
    pub images: u32,
    /// Classes.
    pub classes: u32,
    /// Shape of one image.
    pub shape: InputShape,
}

/// How candidates are trained in a run on a real dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingSettings {
    /// Steps for a candidate trained from scratch.
    pub steps: u32,
    /// Steps for a child that inherited weights.
    pub fine_tune_steps: u32,
    /// Whether children inherit their parents' trained weights.
    pub inheritance: bool,
    /// Images per step.
    pub batch_size: u32,
    /// Peak learning rate (SGD with momentum, warm-up and cosine decay).
    pub learning_rate: f64,
    /// Fraction of the dataset held out for validation.
    pub valid_fraction: f64,
    /// Timed inference runs per candidate on this device (0: no measurement).
    pub latency_runs: u32,
    /// Train the hand-designed reference architectures (VGG-, ResNet- and MobileNet-like in the
    /// run's space) first, to draw beside the candidates.
    pub references: bool,
}

impl Default for TrainingSettings {
    fn default() -> Self {
        TrainingSettings {
            steps: 120,
            fine_tune_steps: 40,
            inheritance: true,
            batch_size: 64,
            learning_rate: 0.05,
            valid_fraction: 0.1,
            latency_runs: 10,
            references: true,
        }
    }
}

/// Training steps allowed, from scratch and fine-tuning.
pub const TRAINING_STEPS: Whole = Whole::new(1, 100_000);
/// Batch sizes allowed.
pub const BATCH_SIZE: Whole = Whole::new(1, 1024);
/// Validation fractions allowed (both ends excluded).
pub const VALID_FRACTION_RANGE: (f64, f64) = (0.0, 0.9);
/// The largest learning rate allowed (any above 0 up to it).
pub const MAX_LEARNING_RATE: f64 = 10.0;
/// Timed inference runs allowed per candidate.
pub const LATENCY_RUNS: Whole = Whole::new(0, 200);
/// Images the procedural dataset may have.
pub const PROCEDURAL_IMAGES: Whole = Whole::new(100, 50_000);
/// Images of the procedural dataset unless the user says otherwise.
pub const DEFAULT_PROCEDURAL_IMAGES: u32 = 2000;

/// The learning rates allowed, in words.
pub fn learning_rate_allowed() -> String {
    format!("above 0, at most {MAX_LEARNING_RATE}")
}

impl TrainingSettings {
    /// Checks every field, naming the first one out of range.
    pub fn check(&self) -> Result<(), RequestError> {
        whole("steps", self.steps, TRAINING_STEPS)?;
        whole("fine_tune_steps", self.fine_tune_steps, TRAINING_STEPS)?;
        whole("batch_size", self.batch_size, BATCH_SIZE)?;
        whole("latency_runs", self.latency_runs, LATENCY_RUNS)?;
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= MAX_LEARNING_RATE) {
            return Err(RequestError::OutOfRange {
                field: "learning_rate",
                value: self.learning_rate.to_string(),
                allowed: learning_rate_allowed(),
            });
        }
        let (low, high) = VALID_FRACTION_RANGE;
        if !(self.valid_fraction > low && self.valid_fraction < high) {
            return Err(RequestError::OutOfRange {
                field: "valid_fraction",
                value: self.valid_fraction.to_string(),
                allowed: format!("between {low} and {high}"),
            });
        }
        Ok(())
    }
}

/// Everything a search run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    /// A name for the run, chosen by the page (used to store and reopen it).
    pub run_id: String,
    /// The dataset.
    pub dataset: DatasetChoice,
    /// The architecture space (ignored in NAS-Bench-201 mode; its input shape and class count
    /// are taken from the dataset).
    pub space: SpaceConfig,
    /// Strategy, objectives, constraints, target, budget and seed.
    pub search: SearchConfig,
    /// Training of candidates (ignored in NAS-Bench-201 mode).
    pub training: TrainingSettings,
    /// Train and evaluate this genotype (canonical text) alone instead of searching.
    #[serde(default)]
    pub genotype: Option<String>,
}

impl RunRequest {
    /// The default run: NSGA-II on the built-in digits with error, latency and params.
    pub fn default_digits() -> RunRequest {
        let mut space = SpaceConfig::for_input(InputShape::DIGITS, 10);
        space.stem_width = 8;
        space.cell_widths = vec![vec![8, 16], vec![16, 32], vec![32, 48]];
        space.max_layers = 3;
        space.schedule.stage2_at = 2;
        space.schedule.stage3_at = 4;
        RunRequest {
            run_id: "run".into(),
            dataset: DatasetChoice::Digits,
            space,
            search: SearchConfig { population: 8, generations: 6, seed: 2026, ..SearchConfig::default() },
            training: TrainingSettings::default(),
            genotype: None,
        }
    }

    /// Checks the dataset and training settings (the space and search settings are checked by
    /// the engine's own `check`s).
    pub fn check(&self) -> Result<(), RequestError> {
        if let DatasetChoice::Procedural { images } = self.dataset {
            whole("procedural images", images, PROCEDURAL_IMAGES)?;
        }
        self.training.check()
    }
}

/// What the worker says about a run that has started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The run.
    pub run_id: String,
    /// The dataset's name.
    pub dataset: String,
    /// Images in the dataset (0 in NAS-Bench-201 mode).
    pub images: u32,
    /// Images held out for validation.
    pub valid_images: u32,
    /// Objectives in order.
    pub objectives: Vec<Objective>,
    /// Generations the run will make (the initial population is generation 0).
    pub generations: u32,
    /// Candidates per generation.
    pub population: u32,
    /// NAS-Bench-201 mode: candidates are looked up, not trained.
    pub tabular: bool,
    /// The architecture space as used (input and classes from the dataset); none in
    /// NAS-Bench-201 mode.
    pub space: Option<SpaceConfig>,
    /// The hardware target of the latency and energy objectives.
    pub target: Target,
    /// Where the latency objective comes from.
    #[serde(default)]
    pub latency: LatencySource,
}

/// One scored candidate, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateReport {
    /// Sequential number within the run.
    pub candidate_id: u32,
    /// The generation that proposed it.
    pub generation: u32,
    /// Its architecture id.
    pub id: String,
    /// Its canonical text.
    pub text: String,
    /// How it was made (sampled, crossover, mutation kinds).
    pub origin: Vec<Origin>,
    /// Ids of its parents, the main one first.
    pub parents: Vec<String>,
    /// Metrics known before training.
    pub cheap: CheapMetrics,
    /// Objective values in the run's order.
    #[serde(with = "engine::serde_float::vec")]
    pub objectives: Vec<f64>,
    /// Constraint violation (0: feasible).
    pub violation: f64,
    /// How its fitness came about.
    pub status: RecordStatus,
    /// Validation error, when evaluated.
    pub error: Option<f64>,
    /// Extra figures of the evaluation (accuracies, steps, training time, inherited parameters).
    pub details: Details,
    /// Training loss per step (empty when not trained).
    pub losses: Vec<f32>,
    /// Inference latency measured on this device, batch 1.
    pub measured_latency: Option<LatencyMeasurement>,
    /// Parameters inherited from parents.
    pub inherited_params: u64,
}

impl CandidateReport {
    /// Whether it satisfies every constraint and did not fail.
    pub fn feasible(&self) -> bool {
        self.violation <= 0.0
    }
}

/// A hand-designed reference architecture, scored like a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceReport {
    /// What it is modelled on (`VGG-like`, ...).
    pub name: String,
    /// Its scores; `candidate_id` numbers the references of the run from 0.
    pub report: CandidateReport,
}

/// Training progress of the candidate in training (throttled by the worker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingProgress {
    /// The candidate.
    pub candidate_id: u32,
    /// Its canonical text.
    pub text: String,
    /// Steps taken.
    pub step: u32,
    /// Steps in its budget.
    pub steps: u32,
    /// Latest loss.
    pub loss: f32,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunEnd {
    /// Its budget is spent.
    Completed,
    /// The user stopped it.
    Stopped,
    /// It could not go on; what is recorded is kept.
    Failed {
        /// Why.
        message: String,
    },
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
    /// The trained weights of a candidate, as asked with [`ToEngine::ExportWeights`].
    Weights {
        /// The run.
        run_id: String,
        /// The candidate's arch id.
        arch_id: String,
        /// Burnpack bytes, loadable with Burn's `ModuleRecord::from_bytes` and `load_record`.
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
        whole("steps", self.steps, CHECK_STEPS)
    }
}

/// `value` of `field` within `allowed`, or the error naming all three.
fn whole(field: &'static str, value: u32, allowed: Whole) -> Result<(), RequestError> {
    if allowed.contains(value) {
        Ok(())
    } else {
        Err(RequestError::OutOfRange { field, value: value.to_string(), allowed: allowed.to_string() })
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

/// Decodes one incoming message, or says what is wrong with it (sent back as [`FromEngine::Error`]).
/// ```
/// use protocol::{encode, read_request, DeviceCheckRequest, ToEngine};
/// let ok = read_request(Some(encode(&ToEngine::CheckDevice(DeviceCheckRequest::default()))));
/// assert!(ok.is_ok());
/// let unknown = read_request(Some("{\"v\":3,\"msg\":{\"type\":\"dance\"}}".into())).unwrap_err();
/// assert!(unknown.message.contains("unknown"), "{}", unknown.message);
/// assert!(read_request(None).is_err());
/// ```
pub fn read_request(data: Option<String>) -> Result<ToEngine, EngineError> {
    let text = data.ok_or_else(|| EngineError::new("reading a message", "messages must be JSON text"))?;
    decode::<ToEngine>(&text).map_err(|error| EngineError::new("reading a message", error.to_string()))
}

/// Checks the page's protocol version from [`ToEngine::Hello`].
pub fn check_hello(protocol_version: u32) -> Result<(), EngineError> {
    if protocol_version == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(EngineError::new(
            "starting the engine",
            format!("the page speaks protocol version {protocol_version}, this worker speaks {PROTOCOL_VERSION}; reload the page"),
        ))
    }
}

impl EngineError {
    /// An error met while doing `context`.
    pub fn new(context: &str, message: impl Into<String>) -> Self {
        EngineError { context: context.to_string(), message: message.into() }
    }
}
