//! How a run starts: its request checked, its dataset, space, evaluator and references made,
//! or its saved checkpoint restored.

use burn::tensor::Device;

use engine::space::SpaceConfig;
use engine::search::{ArchSpace, Objective, Search, ValidSearchConfig};
use engine::tabular::{Nb201SearchSpace, Nb201Table};
use nn::data::{Dataset, Split};
use nn::evaluate::{EvaluatorConfig, TrainingEvaluator};
use nn::latency::LatencyConfig;
use nn::train::{Budget, OptimizerKind, TrainConfig, TrainData};
use protocol::{DatasetChoice, RunInfo, RunRequest, TrainingRecipe};
use engine::space::Genotype;
use protocol::saved::Checkpoint;

use crate::*;

impl Run {
    /// Checks `request` and sets the run up on `device` (the table is needed in NAS-Bench-201 mode).
    pub fn new(request: &RunRequest, device: Device, table: Option<Nb201Table>) -> Result<Run, RunError> {
        Run::build(request, device, table, None)
    }

    /// As [`Self::new`] with the dataset already in hand: the user's files for
    /// [`DatasetChoice::Files`], or the built-in digits as the worker fetched them.
    pub fn with_dataset(request: &RunRequest, device: Device, dataset: Dataset) -> Result<Run, RunError> {
        Run::build(request, device, None, Some(dataset))
    }

    pub(crate) fn build(request: &RunRequest, device: Device, table: Option<Nb201Table>, files: Option<Dataset>) -> Result<Run, RunError> {
        request.check().map_err(|e| RunError::Settings(e.to_string()))?;
        let config = request.search.clone().check().map_err(|e| RunError::Settings(e.to_string()))?;
        match &request.dataset {
            DatasetChoice::Nb201 { .. } if request.genotype.is_some() => Err(RunError::Settings(
                "an imported genotype is trained, so it needs a dataset to train on; NAS-Bench-201 only looks cells up".into(),
            )),
            DatasetChoice::Nb201 { .. } if request.search.rungs.is_some() => Err(RunError::Settings(
                "rungs train each network part of the way first; NAS-Bench-201 looks accuracies up, so it has no rungs: set rungs off".into(),
            )),
            DatasetChoice::Nb201 { dataset } => {
                let table = table.ok_or(RunError::NoTable)?;
                let name = format!("NAS-Bench-201 ({})", dataset.name());
                let info = run_info(request, name, 0, 0, None);
                let search = Search::new(Nb201SearchSpace::new(*dataset, config.get().target), config);
                let kind = Kind::Tabular { search: Box::new(search), table: Box::new(table), dataset: *dataset };
                Ok(Run::with(kind, info, Vec::new(), Alone::No))
            }
            _ => Run::build_arch(request, config, device, dataset_of(request, files)?),
        }
    }

    /// A run in the architecture space, trained on `dataset`.
    fn build_arch(request: &RunRequest, config: ValidSearchConfig, device: Device, dataset: Dataset) -> Result<Run, RunError> {
        let mut space_config = request.space.clone();
        space_config.input = dataset.shape();
        space_config.classes = dataset.classes() as u32;
        let target = config.get().target;
        let space = match &request.latency_table {
            Some(table) => ArchSpace::with_table(space_config.clone(), target, table.clone()),
            None => ArchSpace::new(space_config.clone(), target).map_err(|e| e.to_string()),
        };
        let space = space.map_err(|e| RunError::Settings(format!("search space: {e}")))?;
        let t = &request.training;
        let split = Split::new(dataset.len(), t.valid_fraction, request.search.seed);
        let mut info = run_info(request, dataset.name().to_string(), dataset.len(), split.valid.len(), Some(space_config));
        let alone = imported(request, &space)?;
        let searching = matches!(alone, Alone::No);
        // References are trained like candidates: a run that trains no candidate (only cheap
        // objectives) trains none either.
        let trains = config.get().objectives.contains(&Objective::Error);
        let references = if t.references && searching && trains { space.space().references() } else { Vec::new() };
        if !searching {
            (info.generations, info.population) = (1, 1);
        }
        let kind = Kind::Arch {
            evaluator: Box::new(evaluator(request, &space, &device)),
            search: Box::new(Search::new(space, config)),
            data: std::sync::Arc::new(TrainData::new(dataset, split)),
            latency: LatencyConfig { warmup: 2, runs: t.latency_runs, batch: 1 },
            device,
        };
        Ok(Run::with(kind, info, references, alone))
    }

    /// A run of `kind` that has reported nothing yet.
    fn with(kind: Kind, info: RunInfo, references: Vec<(&'static str, Genotype)>, alone: Alone) -> Run {
        Run { kind, info, reported: Reported::default(), references, references_done: 0, fail_over: false, alone }
    }

    /// Continues a run from `checkpoint`, made by [`Self::checkpoint`] of a run of the same
    /// `request`. The engine goes on exactly where it was; candidates trained before the
    /// checkpoint keep their scores, but their weights are gone, so children of them train from
    /// scratch instead of inheriting.
    pub fn resume(
        request: &RunRequest,
        checkpoint: &Checkpoint,
        device: Device,
        table: Option<Nb201Table>,
        dataset: Option<Dataset>,
    ) -> Result<Run, RunError> {
        let mut run = Run::build(request, device, table, dataset)?;
        let bad = |e: serde_json::Error| RunError::Checkpoint(e.to_string());
        match &mut run.kind {
            Kind::Arch { search, .. } => {
                let snapshot = serde_json::from_str(&checkpoint.snapshot).map_err(bad)?;
                **search = Search::restore(search.space().clone(), snapshot).map_err(RunError::Checkpoint)?;
            }
            Kind::Tabular { search, .. } => {
                let snapshot = serde_json::from_str(&checkpoint.snapshot).map_err(bad)?;
                **search = Search::restore(search.space().clone(), snapshot).map_err(RunError::Checkpoint)?;
            }
        }
        let (config, records, reports) = match &run.kind {
            Kind::Arch { search, .. } => (search.config().clone(), search.records().len(), search.reports().len()),
            Kind::Tabular { search, .. } => (search.config().clone(), search.records().len(), search.reports().len()),
        };
        if config != *request.search.clone().check().map_err(|e| RunError::Settings(e.to_string()))?.get() {
            return Err(RunError::Checkpoint("it was made by a run with other search settings".into()));
        }
        if (records as u32, reports as u32) != (checkpoint.candidates, checkpoint.generations) {
            return Err(RunError::Checkpoint(format!(
                "it says {} candidates and {} generations but holds {records} and {reports}",
                checkpoint.candidates, checkpoint.generations
            )));
        }
        run.reported = Reported { records, generations: reports };
        let done = (checkpoint.references as usize).min(run.references.len());
        run.references.drain(..done);
        run.references_done = done as u32;
        Ok(run)
    }
}

/// What the page is told of the run at its start.
fn run_info(request: &RunRequest, dataset: String, images: usize, valid_images: usize, space: Option<SpaceConfig>) -> RunInfo {
    let search = &request.search;
    RunInfo {
        run_id: request.run_id.clone(),
        dataset,
        images: images as u32,
        valid_images: valid_images as u32,
        objectives: search.objectives.clone(),
        generations: search.generations,
        population: search.population,
        tabular: space.is_none(),
        space,
        target: search.target,
        latency: search.latency,
        time_budget_s: search.time_budget_s,
        this_device: request.latency_table.is_some(),
        workers: 1,
    }
}

/// The images a run in the architecture space trains on: the procedural set, the user's files,
/// or the built-in digits (as fetched beside the page, or read from `www/` natively).
fn dataset_of(request: &RunRequest, files: Option<Dataset>) -> Result<Dataset, RunError> {
    match (&request.dataset, files) {
        (DatasetChoice::Procedural { images }, _) => Ok(Dataset::procedural(*images as usize, request.search.seed)),
        (DatasetChoice::Files, files) => files.ok_or(RunError::NoFiles),
        (_, Some(digits)) => Ok(digits),
        (_, None) => Dataset::builtin_digits().map_err(|e| RunError::Dataset(e.to_string())),
    }
}

/// The genotype the request imports to train alone, checked against the space; or a search.
fn imported(request: &RunRequest, space: &ArchSpace) -> Result<Alone, RunError> {
    let Some(text) = &request.genotype else { return Ok(Alone::No) };
    let genotype = Genotype::parse(text).map_err(|e| RunError::Settings(format!("imported genotype: {e}")))?;
    space
        .space()
        .check_contains(&genotype)
        .map_err(|e| RunError::Settings(format!("imported genotype {} is not in this space: {e}", engine::text::quoted(text))))?;
    Ok(Alone::Pending(genotype))
}

/// Warm-up of the Adam recipe. At 10, networks of the procedural set stuck at a loss of ln 10
/// (VGG-like and ResNet-like at chance in 2 of 4 seeds); at 30 the median network of 12 reached
/// 85.5–94.8 % there (seeds 1–4) against 73.0–82.0 %, and the digits did as well (README
/// "Learning curves").
const ADAM_WARMUP_STEPS: u32 = 30;

/// The evaluator that trains the run's candidates as the request says.
fn evaluator(request: &RunRequest, space: &ArchSpace, device: &Device) -> TrainingEvaluator {
    let t = &request.training;
    let (optimizer, warmup_steps, augment) = match t.recipe {
        TrainingRecipe::Adam => (OptimizerKind::Adam, ADAM_WARMUP_STEPS, false),
        TrainingRecipe::SgdCrops => (OptimizerKind::SgdMomentum, 10, true),
    };
    let train = TrainConfig::new()
        .with_optimizer(optimizer)
        .with_warmup_steps(warmup_steps)
        .with_augment(augment)
        .with_budget(Budget::Steps(t.steps))
        .with_batch_size(t.batch_size as usize)
        .with_learning_rate(t.learning_rate)
        .with_seed(request.search.seed);
    let config = EvaluatorConfig {
        fine_tune_lr_scale: t.fine_tune_lr_scale,
        fine_tune_warmup_steps: t.fine_tune_warmup_steps,
        ..EvaluatorConfig::new(train, t.fine_tune_steps, t.inheritance)
    };
    TrainingEvaluator::new(space.space().clone(), config, device.clone())
}
