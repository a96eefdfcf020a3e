//! The expensive evaluation of a search candidate: build its model (inheriting trained weights
//! from its parents when inheritance is on), train it for its budget — the full budget from
//! scratch, the fine-tune budget when it inherited — and evaluate it on the validation split.
//! The worker and the native CLI both drive it.
//!
//! ```
//! use engine::search::{ArchSpace, Outcome, Search, SearchConfig};
//! use engine::{hardware::Target, space::{InputShape, SpaceConfig}};
//! use nn::{backend, data::{Dataset, Split}, train::{Budget, TrainConfig, TrainData}};
//! use nn::evaluate::{EvaluatorConfig, TrainingEvaluator};
//! let mut space_config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! space_config.cell_widths = vec![vec![8], vec![16]];
//! let space = ArchSpace::new(space_config, Target::Mobile).unwrap();
//! let config = SearchConfig { population: 2, tournament: 2, generations: 1, ..SearchConfig::default() }.check().unwrap();
//! let mut search = Search::new(space.clone(), config);
//! let digits = Dataset::builtin_digits().unwrap();
//! let data = TrainData::new(digits, Split::new(10_000, 0.05, 1));
//! let train = TrainConfig::new().with_budget(Budget::Steps(2)).with_batch_size(8);
//! let mut evaluator = TrainingEvaluator::new(space.space().clone(), EvaluatorConfig::new(train, 1, true), backend::cpu());
//! let candidate = search.next_candidate().unwrap();
//! let evaluated = pollster::block_on(evaluator.evaluate(&candidate, &data));
//! assert!(matches!(evaluated.outcome, Outcome::Evaluated { .. }));
//! ```

use std::collections::BTreeMap;

use burn::module::Module;
use burn::tensor::Device;

use engine::search::{Candidate as SearchCandidate, Fidelity, Outcome};
use engine::space::{Genotype, Space};
use crate::candidate::{Network, Inheritance};
use crate::train::{TrainConfig, TrainData, TrainReport};

mod job;
mod remote;
pub use job::{Job, Trained, rung_steps};
use job::Paused;
pub use remote::JobOrder;

/// Models kept for inheritance; the oldest leave first.
const KEPT_MODELS: usize = 256;

/// How candidates are trained.
#[derive(Debug, Clone)]
pub struct EvaluatorConfig {
    /// Training of a candidate from scratch (its budget is the full budget).
    pub train: TrainConfig,
    /// Steps of fine-tuning for a child that inherited weights.
    pub fine_tune_steps: u32,
    /// Whether children inherit their parents' trained weights.
    pub inheritance: bool,
    /// Validation batch size.
    pub eval_batch: usize,
    /// Fine-tuning's peak learning rate as a fraction of training's (inherited weights are
    /// already trained: a full-size rate would knock them about).
    pub fine_tune_lr_scale: f64,
    /// Warm-up steps of fine-tuning (0: it starts at its peak rate).
    pub fine_tune_warmup_steps: u32,
    /// What the device allows: a candidate predicted to need more is not trained (it fails
    /// with the figures) instead of exhausting the device.
    pub memory_limits: Option<engine::memory::MemoryLimits>,
    /// Training batches whose forward passes re-estimate BatchNorm statistics: an inheriting
    /// child's before it fine-tunes, and every trained network's before it is validated (after
    /// a few dozen steps the running averages still hold much of their initial values: the
    /// references validated at 10–12 % after 30 steps without it, 74–76 % with it). 0: none.
    pub batch_norm_batches: u32,
}

impl EvaluatorConfig {
    /// Settings with a validation batch of 256, fine-tuning at a fifth of the learning rate
    /// without warm-up, and
    /// BatchNorm statistics re-estimated on 8 training batches (an inheriting child's before it
    /// fine-tunes, every network's before it is validated).
    pub fn new(train: TrainConfig, fine_tune_steps: u32, inheritance: bool) -> Self {
        EvaluatorConfig {
            train,
            fine_tune_steps,
            inheritance,
            eval_batch: 256,
            fine_tune_lr_scale: 0.2,
            fine_tune_warmup_steps: 0,
            memory_limits: None,
            batch_norm_batches: 8,
        }
    }
}

/// One evaluated candidate.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Evaluated {
    /// What the search records.
    pub outcome: Outcome,
    /// How training went.
    pub report: TrainReport,
    /// What was inherited.
    pub inheritance: Inheritance,
    /// The failure came from the backend (a lost device, a rejected kernel), not from the
    /// candidate itself.
    pub backend_failed: bool,
}

/// Trains candidates and keeps their trained models for their children.
pub struct TrainingEvaluator {
    space: Space,
    config: EvaluatorConfig,
    device: Device,
    models: BTreeMap<String, (u64, Genotype, Network)>,
    evaluated: u64,
    /// Trainings paused at their rung, by architecture id, until their generation's cut.
    paused: BTreeMap<String, Paused>,
}

impl TrainingEvaluator {
    /// An evaluator for candidates of `space`, training on `device` (autodiff is enabled here).
    pub fn new(space: Space, config: EvaluatorConfig, device: Device) -> Self {
        TrainingEvaluator { space, config, device: device.autodiff(), models: BTreeMap::new(), evaluated: 0, paused: BTreeMap::new() }
    }

    /// Builds, trains and evaluates `candidate`. Failures (a genotype outside the space, a
    /// diverged loss, a backend error) come back as [`Outcome::Failed`] with the reason.
    pub async fn evaluate(&mut self, candidate: &SearchCandidate<Genotype>, data: &TrainData) -> Evaluated {
        // A hook that always goes on never interrupts.
        let evaluated = self.evaluate_with(candidate, data, async |_| true).await;
        evaluated.unwrap_or_else(|Interrupted| failed("interrupted".to_string(), 0))
    }

    /// [`Self::evaluate`], calling `between_steps` after every training step with the progress so
    /// far; it answers whether to go on. The caller awaits there (to yield, or to wait while the
    /// user has paused), so control takes effect within one batch. When it answers `false`
    /// the candidate is dropped unrecorded and [`Interrupted`] comes back.
    pub async fn evaluate_with(
        &mut self,
        candidate: &SearchCandidate<Genotype>,
        data: &TrainData,
        between_steps: impl AsyncFnMut(StepProgress) -> bool,
    ) -> Result<Evaluated, Interrupted> {
        let trained = self.job(candidate).train(data, between_steps).await?;
        Ok(self.keep(trained))
    }

    /// `candidate`'s training as a [`Job`] that another thread can run: it carries the trained
    /// networks of the parents it inherits from, and a resume its training paused at the rung.
    pub fn job(&self, candidate: &SearchCandidate<Genotype>) -> Job {
        let paused = match candidate.fidelity {
            Fidelity::Resume { .. } => self.paused.get(&candidate.arch_id).cloned(),
            Fidelity::Full | Fidelity::Rung { .. } => None,
        };
        let parents = if self.config.inheritance {
            candidate.parents.iter().filter_map(|id| self.models.get(id)).map(|(_, g, m)| (g.clone(), m.clone())).collect()
        } else {
            Vec::new()
        };
        let (space, config, device) = (self.space.clone(), self.config.clone(), self.device.clone());
        Job { space, config, device, candidate: candidate.clone(), parents, paused }
    }

    /// Keeps a trained job's network for its children (the oldest kept leaves past 256), and a
    /// rung job's paused training until the cut of its generation, and returns its evaluation.
    /// Jobs kept in the run's order keep the same networks however many trained at once.
    pub fn keep(&mut self, trained: Trained) -> Evaluated {
        let Trained { evaluated, model, arch_id, genotype, paused } = trained;
        match paused {
            Some(paused) => {
                let generation = paused.generation;
                // A later generation's rung: every earlier cut is made.
                self.paused.retain(|_, p| p.generation >= generation);
                self.paused.insert(arch_id.clone(), paused);
            }
            None => {
                self.paused.remove(&arch_id);
            }
        }
        if let Some(model) = model {
            self.evaluated += 1;
            self.models.insert(arch_id, (self.evaluated, genotype, model));
            if self.models.len() > KEPT_MODELS
                && let Some(oldest) = self.models.iter().min_by_key(|(_, (n, _, _))| *n).map(|(id, _)| id.clone())
            {
                self.models.remove(&oldest);
            }
        }
        evaluated
    }

    /// Sets what the device allows (see [`EvaluatorConfig::memory_limits`]).
    pub fn limit_memory(&mut self, limits: Option<engine::memory::MemoryLimits>) {
        self.config.memory_limits = limits;
    }

    /// The genotype of an evaluated candidate whose model is kept.
    pub fn trained_genotype(&self, id: &str) -> Option<&Genotype> {
        self.models.get(id).map(|(_, genotype, _)| genotype)
    }

    /// The trained model of an evaluated candidate, while it is kept for inheritance.
    pub fn trained_model(&self, id: &str) -> Option<&Network> {
        self.models.get(id).map(|(_, _, model)| model)
    }

    /// The burnpack bytes of an evaluated candidate's trained weights, while it is kept (see
    /// [`crate::weights`]); `None` once it has been dropped.
    pub async fn weights(&self, id: &str) -> Option<Result<Vec<u8>, crate::weights::WeightsError>> {
        let (_, genotype, model) = self.models.get(id)?;
        Some(crate::weights::record_bytes(&self.space, genotype, &model.valid()).await)
    }

    /// The `.onnx` bytes of an evaluated candidate's trained network (see [`crate::onnx`]),
    /// while it is kept; `None` once it has been dropped.
    pub async fn onnx(&self, id: &str, about: &crate::onnx::About) -> Option<Result<Vec<u8>, crate::onnx::OnnxError>> {
        let (_, _, model) = self.models.get(id)?;
        Some(crate::onnx::onnx_bytes(&model.valid(), self.space.config().input, about).await)
    }

    /// The device candidates train on (with autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }
}

/// Where training of the current candidate stands, passed between steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepProgress {
    /// Steps taken, from 1.
    pub step: u32,
    /// Steps in this candidate's budget.
    pub steps: u32,
    /// Loss of the step just taken.
    pub loss: f32,
}

/// The caller's hook stopped a candidate's training; nothing was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

fn failed(reason: String, inherited_params: usize) -> Evaluated {
    Evaluated {
        outcome: Outcome::Failed { reason },
        report: TrainReport { steps: 0, losses: Vec::new(), accuracy: None, train_ms: 0.0, inherited_params },
        inheritance: Inheritance { inherited_params, ..Inheritance::default() },
        backend_failed: false,
    }
}
