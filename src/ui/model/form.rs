//! The search configuration as the page edits it: every number as typed, choices as values.
//! [`RunForm::to_request`] turns it into a [`RunRequest`] or says, per field, what is wrong and
//! what is allowed; the engine's own checks run too, so the page refuses exactly what the
//! engine would.
//!
//! ```
//! use ui::model::form::{Field, RunForm};
//! use protocol::RunRequest;
//! let mut form = RunForm::from_request(&RunRequest::default_digits());
//! assert!(form.to_request().is_ok());
//! form.set(Field::Population, "1");
//! let errors = form.to_request().unwrap_err();
//! assert!(errors[&Field::Population].contains("2 to 1000"), "{}", errors[&Field::Population]);
//! ```

use std::collections::BTreeMap;

use engine::hardware::Target;
use engine::limits::Whole;
use engine::search::{LatencySource, Objective, SearchConfig, StrategyKind};
use engine::space::{InputShape, Op, SpaceConfig, SpaceError};
use engine::tabular::Nb201Dataset;
use protocol::{
    BATCH_SIZE, DEFAULT_PROCEDURAL_IMAGES, DatasetChoice, LATENCY_RUNS, MAX_LEARNING_RATE, PROCEDURAL_IMAGES, RunRequest, TRAINING_STEPS, TrainingSettings,
    learning_rate_allowed,
};

/// A field of the form (typed values and choices alike), in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Which dataset.
    Dataset,
    /// Images of the procedural set.
    ProceduralImages,
    /// NSGA-II, random search or regularized evolution.
    Strategy,
    /// Objectives to minimise.
    Objectives,
    /// Hardware target of the latency and energy objectives.
    Target,
    /// Latency objective predicted for the target or measured on this device.
    Latency,
    /// Constraint on predicted latency.
    MaxLatency,
    /// Constraint on parameters.
    MaxParams,
    /// Constraint on MACs.
    MaxMacs,
    /// Candidates per generation.
    Population,
    /// Generations.
    Generations,
    /// Training steps from scratch.
    Steps,
    /// Fine-tuning steps of an inheriting child.
    FineTuneSteps,
    /// Weight inheritance on or off.
    Inheritance,
    /// Reference architectures trained first, on or off.
    References,
    /// Images per step.
    BatchSize,
    /// Peak learning rate.
    LearningRate,
    /// Timed inference runs per candidate.
    LatencyRuns,
    /// Ops switched on or off.
    Ops,
    /// Generation at which stage 2 opens.
    Stage2At,
    /// Generation at which stage 3 opens.
    Stage3At,
    /// Widths allowed per cell.
    CellWidths,
    /// Fewest layers per cell.
    MinLayers,
    /// Most layers per cell.
    MaxLayers,
    /// Seed of every random choice.
    Seed,
}

impl Field {
    /// Every field, in display order.
    pub const ALL: [Field; 25] = [
        Field::Dataset,
        Field::ProceduralImages,
        Field::Strategy,
        Field::Objectives,
        Field::Target,
        Field::Latency,
        Field::MaxLatency,
        Field::MaxParams,
        Field::MaxMacs,
        Field::Population,
        Field::Generations,
        Field::Steps,
        Field::FineTuneSteps,
        Field::Inheritance,
        Field::References,
        Field::BatchSize,
        Field::LearningRate,
        Field::LatencyRuns,
        Field::Ops,
        Field::Stage2At,
        Field::Stage3At,
        Field::CellWidths,
        Field::MinLayers,
        Field::MaxLayers,
        Field::Seed,
    ];

    /// The name used in links and test ids.
    pub fn key(self) -> &'static str {
        match self {
            Field::Dataset => "dataset",
            Field::ProceduralImages => "procedural_images",
            Field::Strategy => "strategy",
            Field::Objectives => "objectives",
            Field::Target => "target",
            Field::Latency => "latency",
            Field::MaxLatency => "max_latency",
            Field::MaxParams => "max_params",
            Field::MaxMacs => "max_macs",
            Field::Population => "population",
            Field::Generations => "generations",
            Field::Steps => "steps",
            Field::FineTuneSteps => "fine_tune_steps",
            Field::Inheritance => "inheritance",
            Field::References => "references",
            Field::BatchSize => "batch_size",
            Field::LearningRate => "learning_rate",
            Field::LatencyRuns => "latency_runs",
            Field::Ops => "ops",
            Field::Stage2At => "stage2_at",
            Field::Stage3At => "stage3_at",
            Field::CellWidths => "cell_widths",
            Field::MinLayers => "min_layers",
            Field::MaxLayers => "max_layers",
            Field::Seed => "seed",
        }
    }

    /// The field named `key`.
    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// Its label.
    pub fn label(self) -> &'static str {
        match self {
            Field::Dataset => "Dataset",
            Field::ProceduralImages => "Procedural images",
            Field::Strategy => "Strategy",
            Field::Objectives => "Objectives",
            Field::Target => "Hardware target",
            Field::Latency => "Latency objective",
            Field::MaxLatency => "Max latency (ms)",
            Field::MaxParams => "Max parameters",
            Field::MaxMacs => "Max MACs",
            Field::Population => "Population",
            Field::Generations => "Generations",
            Field::Steps => "Training steps",
            Field::FineTuneSteps => "Fine-tune steps",
            Field::Inheritance => "Weight inheritance",
            Field::References => "Train reference architectures",
            Field::BatchSize => "Batch size",
            Field::LearningRate => "Learning rate",
            Field::LatencyRuns => "Timed runs",
            Field::Ops => "Operations",
            Field::Stage2At => "Stage 2 opens at generation",
            Field::Stage3At => "Stage 3 opens at generation",
            Field::CellWidths => "Cell widths",
            Field::MinLayers => "Min layers per cell",
            Field::MaxLayers => "Max layers per cell",
            Field::Seed => "Seed",
        }
    }

    /// The whole numbers a numeric field allows: the range its check enforces.
    pub fn range(self) -> Option<Whole> {
        match self {
            Field::ProceduralImages => Some(PROCEDURAL_IMAGES),
            Field::Population => Some(SearchConfig::POPULATION),
            Field::Generations => Some(SearchConfig::GENERATIONS),
            Field::Steps | Field::FineTuneSteps => Some(TRAINING_STEPS),
            Field::BatchSize => Some(BATCH_SIZE),
            Field::LatencyRuns => Some(LATENCY_RUNS),
            Field::Stage2At | Field::Stage3At => Some(SpaceConfig::STAGE_AT),
            Field::MinLayers | Field::MaxLayers => Some(SpaceConfig::LAYERS),
            Field::Seed => Some(Whole::new(0, u64::MAX)),
            _ => None,
        }
    }

    /// The "?" explanation beside the control, with what it allows.
    pub fn help(self) -> String {
        let about = self.about();
        match (self, self.range()) {
            (Field::Seed, _) => about.to_string(),
            (_, Some(range)) => format!("{about} Allowed: {range}."),
            (Field::LearningRate, None) => format!("{about} Allowed: {}.", learning_rate_allowed()),
            _ => about.to_string(),
        }
    }

    fn about(self) -> &'static str {
        match self {
            Field::Dataset => "What candidates are trained on. The built-in digits are 10,000 real handwritten MNIST digits; the procedural set is 32x32 colour shapes generated from the seed; NAS-Bench-201 looks accuracies up in a table of 15,625 pre-trained networks, so a whole search takes seconds.",
            Field::ProceduralImages => "How many 32x32 images the procedural set generates.",
            Field::Strategy => "NSGA-II evolves a population towards the Pareto front of all objectives. Random search samples independently (the baseline every method must beat). Regularized evolution keeps the best by error only, ageing the oldest out.",
            Field::Objectives => "What the search minimises (pick 2 to 5 for NSGA-II). Error is 1 - validation accuracy and needs training; latency, parameters, MACs and energy are computed from the architecture before training.",
            Field::Target => "The device the latency and energy objectives are predicted for: a phone CPU, an embedded GPU board or a desktop GPU. Every candidate is also timed on this device.",
            Field::Latency => "Predicted: the latency objective is the target's prediction, the same on every machine. Measured on this device: each trained candidate's median inference time here (batch 1), so the search optimises for the device you are using; the max-latency limit still uses the prediction, because it acts before training.",
            Field::MaxLatency => "Candidates predicted slower than this on the target never train; they are drawn grey. Leave empty for no limit.",
            Field::MaxParams => "Candidates with more parameters never train. Leave empty for no limit.",
            Field::MaxMacs => "Candidates with more multiply-accumulates per image never train. Leave empty for no limit.",
            Field::Population => "Candidates per generation. NSGA-II keeps the best this many of parents and children.",
            Field::Generations => "How many generations the search runs; the initial random population is generation 0.",
            Field::Steps => "Training batches for a candidate trained from scratch.",
            Field::FineTuneSteps => "Training batches for a child that inherited its parents' trained weights (Lamarckian inheritance): much fewer than from scratch.",
            Field::References => "Before the search, train three hand-designed networks of this space (VGG-like: plain 3x3 convolutions; ResNet-like: with a residual skip; MobileNet-like: depthwise-separable convolutions) exactly like candidates, and draw them as labelled diamonds to compare the search's finds with.",
            Field::Inheritance => "Children start from the trained weights of every layer they share with a parent and are only fine-tuned. Switch it off to see how much training it saves.",
            Field::BatchSize => "Images per training step.",
            Field::LearningRate => "Peak learning rate of SGD with momentum (warm-up, then cosine decay). Fine-tuning uses a fifth of it.",
            Field::LatencyRuns => "How many timed inference runs (batch 1) measure each trained candidate on this device; 0 skips the measurement.",
            Field::Ops => "Operations the search may use. Stage 1: plain convolutions, pooling and skip; stage 2 adds depthwise and dilated convolutions; stage 3 adds attention (SE, CBAM, ECA).",
            Field::Stage2At => "The generation from which stage-2 operations may appear (progressive search space).",
            Field::Stage3At => "The generation from which stage-3 attention operations may appear.",
            Field::CellWidths => "Channel widths each cell may choose from, cells separated by '|', e.g. 8,16 | 16,32 | 32,48. Every cell after the first halves the resolution.",
            Field::MinLayers => "Fewest layers in a cell.",
            Field::MaxLayers => "Most layers in a cell.",
            Field::Seed => "Seeds every random choice: the same seed and settings give the same search.",
        }
    }
}

/// The dataset choices of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    /// Built-in MNIST digits.
    Digits,
    /// Built-in procedural 32x32 RGB set.
    Procedural,
    /// NAS-Bench-201 lookup on one of its datasets.
    Nb201(Nb201Dataset),
    /// The user's own files (CIFAR-10 binary, MNIST IDX or an image folder).
    Files,
}

impl DatasetKind {
    /// Every choice.
    pub const ALL: [DatasetKind; 6] = [
        DatasetKind::Digits,
        DatasetKind::Procedural,
        DatasetKind::Files,
        DatasetKind::Nb201(Nb201Dataset::Cifar10),
        DatasetKind::Nb201(Nb201Dataset::Cifar100),
        DatasetKind::Nb201(Nb201Dataset::ImageNet16),
    ];

    /// Its key in the form and in links.
    pub fn key(self) -> &'static str {
        match self {
            DatasetKind::Digits => "digits",
            DatasetKind::Procedural => "procedural",
            DatasetKind::Nb201(Nb201Dataset::Cifar10) => "nb201-cifar10",
            DatasetKind::Nb201(Nb201Dataset::Cifar100) => "nb201-cifar100",
            DatasetKind::Nb201(Nb201Dataset::ImageNet16) => "nb201-imagenet16",
            DatasetKind::Files => "files",
        }
    }

    /// The choice named `key`.
    pub fn from_key(key: &str) -> Option<DatasetKind> {
        DatasetKind::ALL.into_iter().find(|d| d.key() == key)
    }

    /// Its label.
    pub fn label(self) -> &'static str {
        match self {
            DatasetKind::Digits => "Built-in digits (MNIST, 28x28)",
            DatasetKind::Procedural => "Built-in procedural shapes (32x32 RGB)",
            DatasetKind::Nb201(Nb201Dataset::Cifar10) => "NAS-Bench-201 tabular: CIFAR-10",
            DatasetKind::Nb201(Nb201Dataset::Cifar100) => "NAS-Bench-201 tabular: CIFAR-100",
            DatasetKind::Nb201(Nb201Dataset::ImageNet16) => "NAS-Bench-201 tabular: ImageNet16-120",
            DatasetKind::Files => "Your own files (CIFAR-10, MNIST IDX, image folder)",
        }
    }

    /// Whether candidates are looked up rather than trained.
    pub fn tabular(self) -> bool {
        matches!(self, DatasetKind::Nb201(_))
    }
}

/// The form's contents.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunForm {
    /// The dataset.
    pub dataset: DatasetKind,
    /// The strategy.
    pub strategy: StrategyKind,
    /// The objectives, kept in [`Objective`] order.
    pub objectives: Vec<Objective>,
    /// The hardware target.
    pub target: Target,
    /// Where the latency objective comes from.
    pub latency: LatencySource,
    /// Weight inheritance.
    pub inheritance: bool,
    /// Reference architectures trained first.
    pub references: bool,
    /// Ops switched off.
    pub disabled_ops: Vec<Op>,
    /// Every typed field as typed.
    pub text: BTreeMap<Field, String>,
}

/// What is wrong, per field.
pub type FormErrors = BTreeMap<Field, String>;

/// The fields typed as text.
pub const TEXT_FIELDS: [Field; 17] = [
    Field::ProceduralImages,
    Field::MaxLatency,
    Field::MaxParams,
    Field::MaxMacs,
    Field::Population,
    Field::Generations,
    Field::Steps,
    Field::FineTuneSteps,
    Field::BatchSize,
    Field::LearningRate,
    Field::LatencyRuns,
    Field::Stage2At,
    Field::Stage3At,
    Field::CellWidths,
    Field::MinLayers,
    Field::MaxLayers,
    Field::Seed,
];

impl Default for RunForm {
    fn default() -> Self {
        RunForm::from_request(&RunRequest::default_digits())
    }
}

fn widths_text(widths: &[Vec<u32>]) -> String {
    widths
        .iter()
        .map(|cell| cell.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Reads `8,16 | 16,32` as cell widths.
pub fn parse_widths(text: &str) -> Result<Vec<Vec<u32>>, String> {
    text.split('|')
        .map(|cell| {
            cell.split(',')
                .map(|w| w.trim().parse::<u32>().map_err(|_| format!("{:?} is not a whole number", w.trim())))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect()
}

impl RunForm {
    /// The form showing `request`.
    pub fn from_request(request: &RunRequest) -> RunForm {
        let s = &request.search;
        let t = &request.training;
        let sp = &request.space;
        let (dataset, images) = match request.dataset {
            DatasetChoice::Digits => (DatasetKind::Digits, DEFAULT_PROCEDURAL_IMAGES),
            DatasetChoice::Procedural { images } => (DatasetKind::Procedural, images),
            DatasetChoice::Nb201 { dataset } => (DatasetKind::Nb201(dataset), DEFAULT_PROCEDURAL_IMAGES),
            DatasetChoice::Files => (DatasetKind::Files, DEFAULT_PROCEDURAL_IMAGES),
        };
        let optional = |value: Option<String>| value.unwrap_or_default();
        let text = BTreeMap::from([
            (Field::ProceduralImages, images.to_string()),
            (Field::MaxLatency, optional(s.constraints.max_latency_ms.map(|v| v.to_string()))),
            (Field::MaxParams, optional(s.constraints.max_params.map(|v| v.to_string()))),
            (Field::MaxMacs, optional(s.constraints.max_macs.map(|v| v.to_string()))),
            (Field::Population, s.population.to_string()),
            (Field::Generations, s.generations.to_string()),
            (Field::Steps, t.steps.to_string()),
            (Field::FineTuneSteps, t.fine_tune_steps.to_string()),
            (Field::BatchSize, t.batch_size.to_string()),
            (Field::LearningRate, t.learning_rate.to_string()),
            (Field::LatencyRuns, t.latency_runs.to_string()),
            (Field::Stage2At, sp.schedule.stage2_at.to_string()),
            (Field::Stage3At, sp.schedule.stage3_at.to_string()),
            (Field::CellWidths, widths_text(&sp.cell_widths)),
            (Field::MinLayers, sp.min_layers.to_string()),
            (Field::MaxLayers, sp.max_layers.to_string()),
            (Field::Seed, s.seed.to_string()),
        ]);
        let mut objectives = s.objectives.clone();
        objectives.sort();
        RunForm {
            dataset,
            strategy: s.strategy,
            objectives,
            target: s.target,
            latency: s.latency,
            inheritance: t.inheritance,
            references: t.references,
            disabled_ops: sp.schedule.disabled.clone(),
            text,
        }
    }

    /// The text of `field`.
    pub fn get(&self, field: Field) -> &str {
        self.text.get(&field).map_or("", String::as_str)
    }

    /// Sets the text of `field`.
    pub fn set(&mut self, field: Field, value: &str) {
        self.text.insert(field, value.to_string());
    }

    /// Adds or removes an objective.
    pub fn toggle_objective(&mut self, objective: Objective) {
        if let Some(at) = self.objectives.iter().position(|o| *o == objective) {
            self.objectives.remove(at);
        } else {
            self.objectives.push(objective);
            self.objectives.sort();
        }
    }

    /// Switches an op on or off.
    pub fn toggle_op(&mut self, op: Op) {
        if let Some(at) = self.disabled_ops.iter().position(|o| *o == op) {
            self.disabled_ops.remove(at);
        } else {
            self.disabled_ops.push(op);
            self.disabled_ops.sort_by_key(|o| Op::ALL.iter().position(|a| a == o));
        }
    }

    /// The request the form describes, or what is wrong with each field.
    pub fn to_request(&self) -> Result<RunRequest, FormErrors> {
        let mut errors = FormErrors::new();
        let mut whole = |field: Field| -> u64 {
            let text = self.get(field).trim();
            let range = field.range().unwrap_or(Whole::new(0, u64::MAX));
            match text.parse::<u64>() {
                Ok(v) if range.contains(v) => v,
                _ => {
                    errors.insert(field, format!("{text:?} is not allowed: a whole number from {range}"));
                    range.low
                }
            }
        };
        // Every range fits a u32 but the seed's.
        let mut small = |field: Field| u32::try_from(whole(field)).unwrap_or(u32::MAX);
        let images = small(Field::ProceduralImages);
        let population = small(Field::Population);
        let generations = small(Field::Generations);
        let steps = small(Field::Steps);
        let fine_tune_steps = small(Field::FineTuneSteps);
        let batch_size = small(Field::BatchSize);
        let latency_runs = small(Field::LatencyRuns);
        let stage2_at = small(Field::Stage2At);
        let stage3_at = small(Field::Stage3At);
        let min_layers = small(Field::MinLayers);
        let max_layers = small(Field::MaxLayers);
        let seed = whole(Field::Seed);
        let mut optional = |field: Field, allowed: &str| -> Option<f64> {
            let text = self.get(field).trim();
            if text.is_empty() {
                return None;
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Some(v),
                _ => {
                    errors.insert(field, format!("{text:?} is not allowed: {allowed}, or empty for no limit"));
                    None
                }
            }
        };
        let max_latency_ms = optional(Field::MaxLatency, "a positive number of milliseconds");
        let max_params = optional(Field::MaxParams, "a positive whole number").map(|v| v.round() as u64);
        let max_macs = optional(Field::MaxMacs, "a positive whole number").map(|v| v.round() as u64);
        let learning_rate = match self.get(Field::LearningRate).trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 && v <= MAX_LEARNING_RATE => v,
            _ => {
                errors.insert(
                    Field::LearningRate,
                    format!("{:?} is not allowed: a number {}", self.get(Field::LearningRate), learning_rate_allowed()),
                );
                0.05
            }
        };
        let cell_widths = parse_widths(self.get(Field::CellWidths)).unwrap_or_else(|problem| {
            errors.insert(Field::CellWidths, format!("{problem}; write widths per cell like 8,16 | 16,32"));
            vec![vec![8]]
        });
        let defaults = RunRequest::default_digits();
        let (dataset, input) = match self.dataset {
            DatasetKind::Digits => (DatasetChoice::Digits, InputShape::DIGITS),
            DatasetKind::Procedural => (DatasetChoice::Procedural { images }, InputShape::RGB32),
            DatasetKind::Nb201(dataset) => (DatasetChoice::Nb201 { dataset }, InputShape::RGB32),
            // The worker takes the shape and classes from the files it read.
            DatasetKind::Files => (DatasetChoice::Files, InputShape::RGB32),
        };
        let mut space = SpaceConfig { input, classes: 10, cell_widths, min_layers, max_layers, ..defaults.space };
        space.schedule.stage2_at = stage2_at;
        space.schedule.stage3_at = stage3_at;
        space.schedule.disabled = self.disabled_ops.clone();
        let mut search = defaults.search;
        search.strategy = self.strategy;
        search.objectives = self.objectives.clone();
        search.target = self.target;
        // Nothing is timed in NAS-Bench-201 mode: latency is the prediction there.
        search.latency = if self.dataset.tabular() { LatencySource::Predicted } else { self.latency };
        search.population = population;
        search.tournament = search.tournament.min(population);
        search.generations = generations;
        search.seed = seed;
        search.constraints.max_latency_ms = max_latency_ms;
        search.constraints.max_params = max_params;
        search.constraints.max_macs = max_macs;
        let training = TrainingSettings {
            steps,
            fine_tune_steps,
            inheritance: self.inheritance,
            references: self.references,
            batch_size,
            learning_rate,
            latency_runs,
            ..TrainingSettings::default()
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        if let Err(error) = search.clone().check() {
            let field = match error.field.as_str() {
                "objectives" => Field::Objectives,
                "population" | "tournament" => Field::Population,
                "generations" => Field::Generations,
                "constraints.max_latency_ms" => Field::MaxLatency,
                "constraints.max_params" => Field::MaxParams,
                "constraints.max_macs" => Field::MaxMacs,
                _ => Field::Strategy,
            };
            errors.insert(field, error.to_string());
        }
        if !self.dataset.tabular()
            && let Err(error) = space.check()
        {
            let field = match &error {
                SpaceError::Config { field, .. } => match field.as_str() {
                    "min_layers" => Field::MinLayers,
                    "max_layers" => Field::MaxLayers,
                    "schedule.stage2_at" => Field::Stage2At,
                    "schedule.stage3_at" => Field::Stage3At,
                    "schedule.disabled" => Field::Ops,
                    _ => Field::CellWidths,
                },
                _ => Field::CellWidths,
            };
            errors.insert(field, error.to_string());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(RunRequest { run_id: String::new(), dataset, space, search, training, genotype: None })
    }
}
