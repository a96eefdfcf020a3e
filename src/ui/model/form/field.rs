//! The form's fields (names, labels, ranges, help texts) and its dataset choices.

use engine::limits::Whole;
use engine::search::{Rungs, SearchConfig};
use engine::space::SpaceConfig;
use engine::tabular::Nb201Dataset;
use protocol::{BATCH_SIZE, LATENCY_RUNS, PROCEDURAL_IMAGES, TRAINING_STEPS, TrainingRecipe, WORKERS, learning_rate_allowed};

/// A field of the form (typed values and choices alike), in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Which dataset.
    Dataset,
    /// Images of the procedural set.
    ProceduralImages,
    /// NSGA-II, random search, regularized evolution, local search or predictor-guided evolution.
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
    /// Minutes of work after which the search stops.
    TimeBudget,
    /// Training steps (all candidates together) after which the search stops.
    StepBudget,
    /// Candidates per generation.
    Population,
    /// Generations.
    Generations,
    /// Training steps from scratch.
    Steps,
    /// Fine-tuning steps of an inheriting child.
    FineTuneSteps,
    /// Successive halving in each generation: off, or one network in N resumes.
    Rungs,
    /// Weight inheritance on or off.
    Inheritance,
    /// Reference architectures trained beside the search, on or off.
    References,
    /// Optimiser, warm-up and augmentation.
    Recipe,
    /// Images per step.
    BatchSize,
    /// Peak learning rate.
    LearningRate,
    /// Timed inference runs per candidate.
    LatencyRuns,
    /// Candidates trained at once, each in a worker of its own.
    Workers,
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
    pub const ALL: [Field; 30] = [
        Field::Dataset,
        Field::ProceduralImages,
        Field::Strategy,
        Field::Objectives,
        Field::Target,
        Field::Latency,
        Field::MaxLatency,
        Field::MaxParams,
        Field::MaxMacs,
        Field::TimeBudget,
        Field::StepBudget,
        Field::Population,
        Field::Generations,
        Field::Steps,
        Field::FineTuneSteps,
        Field::Rungs,
        Field::Inheritance,
        Field::References,
        Field::Recipe,
        Field::BatchSize,
        Field::LearningRate,
        Field::LatencyRuns,
        Field::Workers,
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
            Field::TimeBudget => "time_budget",
            Field::StepBudget => "step_budget",
            Field::Population => "population",
            Field::Generations => "generations",
            Field::Steps => "steps",
            Field::FineTuneSteps => "fine_tune_steps",
            Field::Rungs => "rungs",
            Field::Inheritance => "inheritance",
            Field::References => "references",
            Field::Recipe => "recipe",
            Field::BatchSize => "batch_size",
            Field::LearningRate => "learning_rate",
            Field::LatencyRuns => "latency_runs",
            Field::Workers => "workers",
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
            Field::TimeBudget => "Time budget (minutes)",
            Field::StepBudget => "Training-step budget",
            Field::Population => "Population",
            Field::Generations => "Generations",
            Field::Steps => "Training steps",
            Field::FineTuneSteps => "Fine-tune steps",
            Field::Rungs => "Rungs (one in N resumes)",
            Field::Inheritance => "Weight inheritance",
            Field::References => "Train reference architectures",
            Field::Recipe => "Training recipe",
            Field::BatchSize => "Batch size",
            Field::LearningRate => "Learning rate",
            Field::LatencyRuns => "Timed runs",
            Field::Workers => "Workers",
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
            Field::Workers => Some(WORKERS),
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
            (Field::TimeBudget, None) => format!("{about} Allowed: {TIME_BUDGET_ALLOWED}, or empty for no time limit."),
            (Field::StepBudget, None) => format!("{about} Allowed: a positive whole number, or empty for no step limit."),
            (Field::Rungs, None) => format!("{about} Allowed: off, or N from {} to {}.", Rungs::ETA.start(), Rungs::ETA.end()),
            _ => about.to_string(),
        }
    }

    fn about(self) -> &'static str {
        match self {
            Field::Dataset => "What candidates are trained on. The built-in digits are 10,000 real handwritten MNIST digits; the procedural set is 32x32 colour shapes generated from the seed; NAS-Bench-201 looks accuracies up in a table of 15,625 pre-trained networks, so a whole search takes seconds.",
            Field::ProceduralImages => "How many 32x32 images the procedural set generates.",
            Field::Strategy => "NSGA-II evolves a population towards the Pareto front of all objectives. Random search samples independently (the baseline every method must beat). Regularized evolution keeps the best by error only, ageing the oldest out. Local search tries the neighbours of the best network found (one change away) and moves as soon as one is better; with several objectives it explores around every network on the front; at a dead end it starts again from random networks. Predictor-guided evolution fits a random forest to the networks scored so far, makes 100 mutations of the best and trains only those the forest expects to do best (latency, size and MACs exact, the error predicted with its uncertainty).",
            Field::Objectives => "What the search minimises (1 to 5; with one, NSGA-II is an elitist genetic algorithm on it). Error is 1 - validation accuracy and needs training; latency, parameters, MACs and energy are computed from the architecture before training.",
            Field::Target => "The device the latency and energy objectives are predicted for: a phone CPU, an embedded GPU board or a desktop GPU. Every candidate is also timed on this device.",
            Field::Latency => "Predicted: the latency objective is the target's prediction, the same on every machine. Measured on this device: each trained candidate's median inference time here (batch 1), so the search optimises for the device you are using; the max-latency limit still uses the prediction, because it acts before training.",
            Field::MaxLatency => "Candidates predicted slower than this on the target never train; they are drawn grey. Leave empty for no limit.",
            Field::MaxParams => "Candidates with more parameters never train. Leave empty for no limit.",
            Field::MaxMacs => "Candidates with more multiply-accumulates per image never train. Leave empty for no limit.",
            Field::TimeBudget => "About how long the search may take. Once both backends are timed, the page sizes the population, generations and training steps to fit it (and says how); the run stops asking for candidates when the time is up. Empty: no time limit, the generations decide.",
            Field::StepBudget => "Compute as the budget: the search stops once its candidates have trained this many steps in all, so runs of different settings (inheritance on and off, say) compare at equal compute. Empty: no step limit.",
            Field::Population => "Candidates per generation. NSGA-II keeps the best this many of parents and children.",
            Field::Generations => "How many generations the search runs; the initial random population is generation 0.",
            Field::Steps => "Training batches for a candidate trained from scratch.",
            Field::Rungs => "Successive halving inside each generation: every new network first trains 1/N of its steps, the generation is cut by rank on the error there and the other objectives, and only the best one in N trains the rest. More networks in the same time, fewer of them trained fully; the others are drawn as rings and never enter the front. Off: every network trains all its steps.",
            Field::FineTuneSteps => "Training batches for a child that inherited its parents' trained weights (Lamarckian inheritance): much fewer than from scratch.",
            Field::References => "Once generation 0 is scored (so the first candidate is plotted first), train three hand-designed networks of this space (VGG-like: plain 3x3 convolutions; ResNet-like: with a residual skip; MobileNet-like: depthwise-separable convolutions) with the same steps as a new candidate, and draw them as labelled diamonds to compare the search's finds with.",
            Field::Inheritance => "Children start from the trained weights of every layer they share with a parent and are only fine-tuned. Switch it off to see how much training it saves.",
            Field::Recipe => "How every network is trained. Adam (10 warm-up steps, no augmentation) learns in few steps: chosen by learning curves over this space's networks. SGD with momentum (10 warm-up steps, random crops) is the recipe of earlier versions, kept so their runs and links train alike. Choosing one sets its learning rate.",
            Field::BatchSize => "Images per training step.",
            Field::LearningRate => "Peak learning rate of the recipe (after its warm-up, then cosine decay to 0). Fine-tuning uses a fifth of it.",
            Field::LatencyRuns => "How many timed inference runs (batch 1) measure each trained candidate on this device; 0 skips the measurement.",
            Field::Workers => "How many candidates of a generation train at once, each in a worker of its own, on the CPU backend (the page starts with one per core but one, within the memory this device reports). The results are those of one worker: candidates enter the search in order, and each is timed while the others hold. On WebGPU, and with your own files, one worker trains.",
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

/// What the time budget field allows.
pub const TIME_BUDGET_ALLOWED: &str = "a positive number of minutes, at most 1440 (a day)";
/// The longest time budget, in minutes.
pub const MAX_TIME_BUDGET_MIN: f64 = 1440.0;
/// The page's time budget until the visitor changes it, in minutes.
pub const DEFAULT_TIME_BUDGET_MIN: f64 = 3.0;

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

/// Workers a page starts with on a device with `cores` logical cores and `memory_gb` of memory
/// (as the browser reports them, when it does): one per core but one (left to the page), and
/// no more than half the memory holds at about 256 MB a worker (its own copy of the engine, the
/// dataset and a candidate in training).
pub fn default_workers(cores: Option<u32>, memory_gb: Option<f64>) -> u32 {
    let by_cores = cores.unwrap_or(1).saturating_sub(1);
    let by_memory = memory_gb.filter(|m| m.is_finite() && *m > 0.0).map_or(u32::MAX, |m| (m * 2.0) as u32);
    by_cores.min(by_memory).clamp(1, WORKERS.high as u32)
}

/// The training recipes as the recipe control offers them: the recipe, its name, its label.
pub fn recipe_choices() -> Vec<(TrainingRecipe, &'static str, String)> {
    let label = |recipe| match recipe {
        TrainingRecipe::Adam => "Adam, learns in few steps",
        TrainingRecipe::SgdCrops => "SGD with momentum and random crops (earlier versions)",
    };
    TrainingRecipe::ALL.into_iter().map(|recipe| (recipe, recipe.name(), label(recipe).to_string())).collect()
}
