//! How a run starts: its request checked, its dataset, space, evaluator and references made,
//! or its saved checkpoint restored.

use burn::tensor::Device;

use engine::space::SpaceConfig;
use engine::search::{ArchSpace, Objective, Search};
use engine::tabular::{Nb201SearchSpace, Nb201Table};
use nn::data::{Dataset, Split};
use nn::evaluate::{EvaluatorConfig, TrainingEvaluator};
use nn::latency::LatencyConfig;
use nn::train::{Budget, TrainConfig, TrainData};
use protocol::{DatasetChoice, RunInfo, RunRequest};
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
        let search_config = config.get().clone();
        let info = |dataset: String, images: usize, valid_images: usize, space: Option<SpaceConfig>| RunInfo {
            run_id: request.run_id.clone(),
            dataset,
            images: images as u32,
            valid_images: valid_images as u32,
            objectives: search_config.objectives.clone(),
            generations: search_config.generations,
            population: search_config.population,
            tabular: space.is_none(),
            space,
            target: search_config.target,
            latency: search_config.latency,
        };
        match &request.dataset {
            DatasetChoice::Nb201 { .. } if request.genotype.is_some() => Err(RunError::Settings(
                "an imported genotype is trained, so it needs a dataset to train on; NAS-Bench-201 only looks cells up".into(),
            )),
            DatasetChoice::Nb201 { dataset } => {
                let table = table.ok_or(RunError::NoTable)?;
                let search = Search::new(Nb201SearchSpace::new(*dataset, search_config.target), config);
                let name = format!("NAS-Bench-201 ({})", dataset.name());
                Ok(Run {
                    kind: Kind::Tabular { search: Box::new(search), table: Box::new(table), dataset: *dataset },
                    info: info(name, 0, 0, None),
                    reported: Reported::default(),
                    references: Vec::new(),
                    references_done: 0,
                    fail_over: false,
                    alone: Alone::No,
                })
            }
            choice => {
                let dataset = match choice {
                    DatasetChoice::Procedural { images } => Dataset::procedural(*images as usize, request.search.seed),
                    DatasetChoice::Files => files.ok_or(RunError::NoFiles)?,
                    _ => match files {
                        Some(digits) => digits,
                        None => Dataset::builtin_digits().map_err(|e| RunError::Dataset(e.to_string()))?,
                    },
                };
                let mut space_config = request.space.clone();
                space_config.input = dataset.shape();
                space_config.classes = dataset.classes() as u32;
                let space = ArchSpace::new(space_config.clone(), search_config.target)
                    .map_err(|e| RunError::Settings(format!("search space: {e}")))?;
                let t = &request.training;
                let split = Split::new(dataset.len(), t.valid_fraction, request.search.seed);
                let (images, valid_images) = (dataset.len(), split.valid.len());
                let name = dataset.name().to_string();
                let train = TrainConfig::new()
                    .with_budget(Budget::Steps(t.steps))
                    .with_batch_size(t.batch_size as usize)
                    .with_learning_rate(t.learning_rate)
                    .with_seed(request.search.seed);
                let evaluator = TrainingEvaluator::new(
                    space.space().clone(),
                    EvaluatorConfig::new(train, t.fine_tune_steps, t.inheritance),
                    device.clone(),
                );
                let latency = LatencyConfig { warmup: 2, runs: t.latency_runs, batch: 1 };
                let alone = match &request.genotype {
                    Some(text) => {
                        let genotype = Genotype::parse(text).map_err(|e| RunError::Settings(format!("imported genotype: {e}")))?;
                        space
                            .space()
                            .check_contains(&genotype)
                            .map_err(|e| RunError::Settings(format!("imported genotype {text:?} is not in this space: {e}")))?;
                        Alone::Pending(genotype)
                    }
                    None => Alone::No,
                };
                let searching = matches!(alone, Alone::No);
                // References are trained like candidates: a run that trains no candidate (only
                // cheap objectives) trains none either.
                let trains = search_config.objectives.contains(&Objective::Error);
                let references = if t.references && searching && trains { space.space().references() } else { Vec::new() };
                let mut info = info(name, images, valid_images, Some(space_config));
                if !searching {
                    (info.generations, info.population) = (1, 1);
                }
                Ok(Run {
                    kind: Kind::Arch {
                        search: Box::new(Search::new(space, config)),
                        evaluator: Box::new(evaluator),
                        data: Box::new(TrainData::new(dataset, split)),
                        latency,
                        device,
                    },
                    info,
                    reported: Reported::default(),
                    references,
                    references_done: 0,
                    fail_over: false,
                    alone,
                })
            }
        }
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
