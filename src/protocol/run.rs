//! A search run as the page asks for it and the engine reports it: the request and its
//! checked ranges, the run's settings as used, candidate and reference reports, progress, the end.

use serde::{Deserialize, Serialize};

use engine::hardware::Target;
use engine::limits::Whole;
use engine::problem::Origin;
use engine::search::{CheapMetrics, Details, LatencySource, Objective, RecordStatus, SearchConfig};
use engine::space::{InputShape, SpaceConfig};
use engine::tabular::Nb201Dataset;

use crate::*;

/// The dataset a run evaluates candidates on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "crate::tagged::DatasetFields")]
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

/// How candidates are trained in a run on a real dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingSettings {
    /// Optimiser, warm-up and augmentation. Saved runs and configs that name none trained with
    /// [`TrainingRecipe::SgdCrops`].
    #[serde(default = "TrainingRecipe::unnamed")]
    pub recipe: TrainingRecipe,
    /// Steps for a candidate trained from scratch.
    pub steps: u32,
    /// Steps for a child that inherited weights.
    pub fine_tune_steps: u32,
    /// A fine-tuning child's peak learning rate as a fraction of `learning_rate`.
    pub fine_tune_lr_scale: f64,
    /// Warm-up steps of a fine-tuning child (fewer than its steps).
    pub fine_tune_warmup_steps: u32,
    /// Whether children inherit their parents' trained weights.
    pub inheritance: bool,
    /// Images per step.
    pub batch_size: u32,
    /// Peak learning rate (after the recipe's warm-up, then cosine decay).
    pub learning_rate: f64,
    /// Fraction of the dataset held out for validation.
    pub valid_fraction: f64,
    /// Timed inference runs per candidate on this device (0: no measurement).
    pub latency_runs: u32,
    /// Train the hand-designed reference architectures (VGG-, ResNet- and MobileNet-like in the
    /// run's space) first, to draw beside the candidates.
    pub references: bool,
    /// Candidates trained at once, each by a worker of its own (the page) or a thread
    /// (`cli search --jobs`): the run's candidates, scores and front are those of one.
    #[serde(skip_serializing_if = "is_one")]
    pub workers: u32,
}

fn is_one(workers: &u32) -> bool {
    *workers == 1
}

impl Default for TrainingSettings {
    fn default() -> Self {
        TrainingSettings {
            recipe: TrainingRecipe::Adam,
            steps: DEFAULT_STEPS,
            fine_tune_steps: DEFAULT_STEPS / FINE_TUNE_SHARE,
            fine_tune_lr_scale: 0.2,
            fine_tune_warmup_steps: 0,
            inheritance: true,
            batch_size: 32,
            learning_rate: TrainingRecipe::Adam.default_learning_rate(),
            valid_fraction: 0.1,
            latency_runs: 10,
            references: true,
            workers: 1,
        }
    }
}

/// Steps of a candidate trained from scratch unless the user says otherwise.
pub const DEFAULT_STEPS: u32 = 120;
/// A child that inherits fine-tunes for this fraction of the steps from scratch (one sixth):
/// `cli bench fine-tune` at equal compute on the digits, 3 seeds, hypervolume median 1.0740 at
/// 20 of 120 steps against 1.0696 at 40 and 1.0558 at 80 (README, "Benchmarks").
pub const FINE_TUNE_SHARE: u32 = 6;
/// Training steps allowed, from scratch and fine-tuning.
pub const TRAINING_STEPS: Whole = Whole::new(1, 100_000);
/// Batch sizes allowed.
pub const BATCH_SIZE: Whole = Whole::new(1, 1024);
/// Validation fractions allowed (both ends excluded).
pub const VALID_FRACTION_RANGE: (f64, f64) = (0.0, 0.9);
/// The largest fine-tuning learning-rate scale allowed (any above 0 up to it).
pub const MAX_FINE_TUNE_LR_SCALE: f64 = 10.0;
/// The largest learning rate allowed (any above 0 up to it).
pub const MAX_LEARNING_RATE: f64 = 10.0;
/// Timed inference runs allowed per candidate.
pub const LATENCY_RUNS: Whole = Whole::new(0, 200);
/// Candidates a run may train at once (workers in the page, threads natively).
pub const WORKERS: Whole = Whole::new(1, 64);
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
        whole("fine_tune_warmup_steps", self.fine_tune_warmup_steps, Whole::new(0, u64::from(self.fine_tune_steps.saturating_sub(1))))?;
        if !(self.fine_tune_lr_scale.is_finite() && self.fine_tune_lr_scale > 0.0 && self.fine_tune_lr_scale <= MAX_FINE_TUNE_LR_SCALE) {
            return Err(RequestError::OutOfRange {
                field: "fine_tune_lr_scale",
                value: self.fine_tune_lr_scale.to_string(),
                allowed: format!("above 0, at most {MAX_FINE_TUNE_LR_SCALE}"),
            });
        }
        whole("batch_size", self.batch_size, BATCH_SIZE)?;
        whole("latency_runs", self.latency_runs, LATENCY_RUNS)?;
        whole("workers", self.workers, WORKERS)?;
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
    /// A latency table measured on the device the networks are for (`cli calibrate`): the
    /// latency objective and limit use its predictions instead of the target's roofline
    /// (energy stays the target's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_table: Option<engine::hardware::LatencyTable>,
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
            latency_table: None,
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
    /// Seconds of work after which the run stops asking for candidates, if it has a time budget.
    #[serde(default)]
    pub time_budget_s: Option<f64>,
    /// Latency is predicted by a profile calibrated on this device, not the target's roofline.
    #[serde(default)]
    pub this_device: bool,
    /// Candidates training at once (workers in the page, threads natively).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub workers: u32,
}

fn one() -> u32 {
    1
}

/// One scored candidate, as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateReport {
    /// Sequential number within the run.
    pub candidate_id: u32,
    /// The generation that proposed it.
    pub generation: u32,
    /// Its architecture's id.
    #[serde(alias = "id")]
    pub arch_id: String,
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
    /// The number of the rung record this full result resumed from (runs with rungs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumes: Option<u32>,
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
    /// How each layer of each cell started: copied, sliced, identity or fresh (empty when it
    /// inherited nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherited_layers: Vec<Vec<engine::search::LayerStart>>,
}

impl CandidateReport {
    /// Whether it satisfies every constraint and did not fail.
    pub fn feasible(&self) -> bool {
        self.violation <= 0.0
    }

    /// Whether it counts as a full result: feasible and not trained to a rung only (such a
    /// network is stopped early, or its full result is another record).
    pub fn full_result(&self) -> bool {
        self.feasible() && self.status != RecordStatus::Rung
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
    /// What it is and why it trains now.
    pub role: TrainingRole,
    /// Milliseconds since its training began (for the time it still needs).
    pub elapsed_ms: f64,
    /// Seconds of work of the whole run so far.
    pub run_elapsed_s: f64,
}

impl TrainingProgress {
    /// Seconds its training still needs at the pace of its steps so far (`None` before a step).
    pub fn seconds_left(&self) -> Option<f64> {
        (self.step > 0).then(|| self.elapsed_ms / 1e3 / f64::from(self.step) * f64::from(self.steps.saturating_sub(self.step)))
    }
}

/// Why the network in training is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingRole {
    /// A candidate sampled at random (generation 0, or a fresh sample later).
    Sampled,
    /// A child of earlier candidates (crossover and mutation).
    Child,
    /// A hand-designed reference architecture, trained like a new candidate.
    Reference {
        /// What it is modelled on (`VGG-like`, ...).
        name: String,
    },
    /// An imported genotype, trained alone.
    Imported,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "crate::tagged::EndFields")]
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
