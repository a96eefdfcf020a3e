//! Budgeted training and evaluation of a candidate, one batch at a time, so the worker can
//! report progress and take Pause/Cancel between batches. Only plain numbers leave: a
//! [`TrainReport`]. Fine-tuning an inherited child is the same loop with a shorter budget.
//!
//! ```
//! use engine::space::{Genotype, InputShape, Space, SpaceConfig};
//! use nn::{backend, candidate::Network, data::{Dataset, Split}};
//! use nn::train::{Budget, TrainConfig, TrainData, Trainer};
//! let digits = Dataset::builtin_digits().unwrap();
//! let data = TrainData::new(digits, Split::new(10_000, 0.1, 1));
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![8]];
//! let space = Space::new(config).unwrap();
//! let genotype: Genotype = "8:conv3x3".parse().unwrap();
//! let device = backend::cpu().autodiff();
//! let model = Network::new(&space, &genotype, &device).unwrap();
//! let mut trainer = Trainer::new(model, TrainConfig::new().with_budget(Budget::Steps(3)).with_batch_size(16), &data);
//! while !trainer.finished() {
//!     let step = pollster::block_on(trainer.step(&data)).unwrap();
//!     assert!(step.loss.is_finite());
//! }
//! let accuracy = pollster::block_on(trainer.evaluate(&data, 64)).unwrap();
//! assert!((0.0..=1.0).contains(&accuracy.top1));
//! ```

use burn::config::Config;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Int, Tensor};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use web_time::Instant;

use engine::rng::{SavedRng, Seed, rng_for};
use crate::candidate::Network;
use crate::data::{Dataset, Split};

/// Which optimizer trains the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// SGD with momentum (PyTorch semantics: no dampening).
    SgdMomentum,
    /// Adam.
    Adam,
}

/// How long to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// A number of batches.
    Steps(u32),
    /// Whole passes over the training split.
    Epochs(u32),
}

/// Training settings.
#[derive(Config, Debug)]
pub struct TrainConfig {
    /// The optimizer.
    #[config(default = "OptimizerKind::SgdMomentum")]
    pub optimizer: OptimizerKind,
    /// Peak learning rate (reached after warm-up, then cosine decay to 0).
    #[config(default = 0.05)]
    pub learning_rate: f64,
    /// SGD momentum.
    #[config(default = 0.9)]
    pub momentum: f64,
    /// L2 weight decay.
    #[config(default = 5e-4)]
    pub weight_decay: f64,
    /// Steps of linear warm-up.
    #[config(default = 10)]
    pub warmup_steps: u32,
    /// Images per batch.
    #[config(default = 64)]
    pub batch_size: usize,
    /// How long to train.
    #[config(default = "Budget::Steps(200)")]
    pub budget: Budget,
    /// Label smoothing of the cross-entropy, in [0, 1).
    #[config(default = 0.0)]
    pub label_smoothing: f64,
    /// Random crops (and flips where they make sense) on training batches.
    #[config(default = true)]
    pub augment: bool,
    /// Seed of the batch order and the augmentation.
    #[config(default = 2026)]
    pub seed: u64,
}

impl TrainConfig {
    /// The learning rate of step `step` (from 0) of `total`: linear warm-up from
    /// `lr / warmup` to `lr`, then cosine decay towards 0 at the last step.
    pub fn learning_rate_at(&self, step: u32, total: u32) -> f64 {
        let warmup = self.warmup_steps.min(total.saturating_sub(1));
        if step < warmup {
            return self.learning_rate * f64::from(step + 1) / f64::from(warmup);
        }
        let span = f64::from(total.saturating_sub(warmup).max(1));
        let progress = f64::from(step - warmup) / span;
        0.5 * self.learning_rate * (1.0 + (std::f64::consts::PI * progress).cos())
    }

    fn optimizer(&self) -> ModuleOptimizer {
        let decay = (self.weight_decay > 0.0).then(|| WeightDecayConfig::new(self.weight_decay as f32));
        match self.optimizer {
            OptimizerKind::SgdMomentum => SgdConfig::new()
                .with_momentum(Some(MomentumConfig::new().with_momentum(self.momentum).with_dampening(0.0)))
                .with_weight_decay(decay)
                .init(),
            OptimizerKind::Adam => AdamConfig::new().with_weight_decay(decay).init(),
        }
    }
}

/// A dataset with its split and the training split's channel statistics.
#[derive(Debug, Clone)]
pub struct TrainData {
    /// The images.
    pub dataset: Dataset,
    /// Train and validation indices.
    pub split: Split,
    /// Per-channel mean and standard deviation of the training split.
    pub stats: Vec<(f32, f32)>,
}

impl TrainData {
    /// Computes the normalisation statistics on the training split.
    pub fn new(dataset: Dataset, split: Split) -> Self {
        let stats = dataset.channel_stats(&split.train);
        TrainData { dataset, split, stats }
    }
}

/// Why training stopped early.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrainError {
    /// The budget is spent.
    #[error("the training budget of {0} steps is spent")]
    Finished(u32),
    /// The loss became NaN or infinite: the candidate failed.
    #[error("training diverged at step {step}: loss is {loss}")]
    Diverged {
        /// Step, from 1.
        step: u32,
        /// The loss, as text.
        loss: String,
    },
    /// The backend failed (a lost device, a rejected kernel).
    #[error("the backend failed at step {step}: {message}")]
    Backend {
        /// Step, from 1 (0: evaluation).
        step: u32,
        /// The backend's message.
        message: String,
    },
    /// No training images.
    #[error("the training split is empty")]
    NoData,
}

/// One finished step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainStep {
    /// Step, from 1.
    pub step: u32,
    /// Cross-entropy of the batch before the update.
    pub loss: f32,
    /// Learning rate used.
    pub learning_rate: f64,
}

/// Validation accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Top-1, in [0, 1].
    pub top1: f64,
    /// Top-5 (only with more than 10 classes).
    pub top5: Option<f64>,
    /// Images evaluated.
    pub images: usize,
}

/// The plain-data outcome of training a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Steps taken.
    pub steps: u32,
    /// Loss of every step.
    pub losses: Vec<f32>,
    /// Validation accuracy at the end.
    pub accuracy: Option<Accuracy>,
    /// Milliseconds spent training (evaluation excluded).
    pub train_ms: f64,
    /// Parameters inherited from parents (0 when trained from scratch).
    pub inherited_params: usize,
}

/// A candidate being trained, one batch per [`Trainer::step`]. A clone is the same training
/// paused at the same step (weights, optimizer state, batch order), to resume later.
#[derive(Clone)]
pub struct Trainer {
    model: Option<Network>,
    optimizer: ModuleOptimizer,
    config: TrainConfig,
    device: Device,
    total: u32,
    taken: u32,
    order: Vec<usize>,
    cursor: usize,
    rng: SavedRng,
    losses: Vec<f32>,
    train_ms: f64,
}

impl Trainer {
    /// Prepares training of `model` (built on an autodiff device) on `data`.
    pub fn new(model: Network, config: TrainConfig, data: &TrainData) -> Self {
        let batches_per_epoch = data.split.train.len().div_ceil(config.batch_size.max(1)) as u32;
        let total = match config.budget {
            Budget::Steps(steps) => steps,
            Budget::Epochs(epochs) => epochs.saturating_mul(batches_per_epoch),
        };
        let device = model.devices().into_iter().next().unwrap_or_else(|| crate::backend::cpu().autodiff());
        Trainer {
            model: Some(model),
            optimizer: config.optimizer(),
            rng: SavedRng(rng_for(Seed(config.seed), "train")),
            config,
            device,
            total,
            taken: 0,
            order: Vec::new(),
            cursor: 0,
            losses: Vec::new(),
            train_ms: 0.0,
        }
    }

    /// Steps in the budget.
    pub fn total_steps(&self) -> u32 {
        self.total
    }

    /// Steps taken so far.
    pub fn steps_taken(&self) -> u32 {
        self.taken
    }

    /// Whether the budget is spent.
    pub fn finished(&self) -> bool {
        self.taken >= self.total
    }

    /// The next batch's indices: the training split reshuffled every epoch.
    fn next_indices(&mut self, train: &[usize]) -> Vec<usize> {
        let size = self.config.batch_size.max(1).min(train.len());
        if self.cursor + size > self.order.len() {
            self.order = train.to_vec();
            self.order.shuffle(&mut self.rng.0);
            self.cursor = 0;
        }
        let batch = self.order[self.cursor..self.cursor + size].to_vec();
        self.cursor += size;
        batch
    }

    /// Trains on the next batch and reads its loss back asynchronously. A NaN or infinite loss
    /// ends training with [`TrainError::Diverged`].
    pub async fn step(&mut self, data: &TrainData) -> Result<TrainStep, TrainError> {
        if self.finished() {
            return Err(TrainError::Finished(self.total));
        }
        if data.split.train.is_empty() {
            return Err(TrainError::NoData);
        }
        let step = self.taken + 1;
        let started = Instant::now();
        let model = self.model.take().ok_or(TrainError::Backend {
            step,
            message: "the model was lost by an earlier failed step".into(),
        })?;
        let indices = self.next_indices(&data.split.train);
        let augment = if self.config.augment { Some(&mut self.rng.0) } else { None };
        let (images, labels) = data.dataset.batch(&indices, &data.stats, augment, &self.device);
        let logits = model.forward(images);
        let smoothing = (self.config.label_smoothing > 0.0).then_some(self.config.label_smoothing as f32);
        let loss = CrossEntropyLossConfig::new().with_smoothing(smoothing).init(&self.device).forward(logits, labels);
        let learning_rate = self.config.learning_rate_at(self.taken, self.total);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optimizer.step(learning_rate, model, grads));
        let loss: f32 = loss
            .try_into_scalar_async()
            .await
            .map_err(|error| TrainError::Backend { step, message: error.to_string() })?;
        self.taken = step;
        self.train_ms += started.elapsed().as_secs_f64() * 1e3;
        if !loss.is_finite() {
            self.taken = self.total;
            return Err(TrainError::Diverged { step, loss: loss.to_string() });
        }
        self.losses.push(loss);
        Ok(TrainStep { step, loss, learning_rate })
    }

    /// Top-1 (and top-5 with more than 10 classes) accuracy on the validation split, in
    /// batches of `batch_size`, with BN in inference mode.
    pub async fn evaluate(&self, data: &TrainData, batch_size: usize) -> Result<Accuracy, TrainError> {
        let model = self.model.as_ref().ok_or(TrainError::Backend { step: 0, message: "no model".into() })?.valid();
        let device = self.device.clone().inner();
        let classes = data.dataset.classes();
        let (mut top1, mut top5) = (0usize, 0usize);
        for chunk in data.split.valid.chunks(batch_size.max(1)) {
            let (images, labels) = data.dataset.batch(chunk, &data.stats, None, &device);
            let logits = model.forward(images);
            let k = if classes > 10 { 5 } else { 1 };
            let (_, best): (Tensor<2>, Tensor<2, Int>) = logits.topk_with_indices(k, 1);
            let best = read_ints(best, 0).await?;
            let truth = read_ints(labels, 0).await?;
            for (row, label) in truth.iter().enumerate() {
                let guesses = &best[row * k..(row + 1) * k];
                top1 += usize::from(guesses[0] == *label);
                top5 += usize::from(guesses.contains(label));
            }
        }
        let images = data.split.valid.len();
        let fraction = |hits: usize| if images == 0 { 0.0 } else { hits as f64 / images as f64 };
        Ok(Accuracy { top1: fraction(top1), top5: (classes > 10).then(|| fraction(top5)), images })
    }

    /// Re-estimates the model's BatchNorm running statistics on `batches` training batches (see
    /// [`reestimated`]): after a few steps the running averages still remember their initial
    /// values, and a network evaluated with them scores far below what it has learned.
    pub fn reestimate_batch_norms(&mut self, data: &TrainData, batches: usize) {
        if let Some(model) = self.model.take() {
            self.model = Some(reestimated(model, data, self.config.batch_size, batches, &self.device));
        }
    }

    /// The validation accuracy of the weights as they are now, with BatchNorm statistics
    /// re-estimated on `batches` training batches, and that network; the training itself goes
    /// on unchanged (BatchNorm's running statistics, shared with the copy, are re-estimated
    /// again before any later validation and never used by a training step).
    pub async fn evaluate_now(&self, data: &TrainData, batches: usize, eval_batch: usize) -> Result<(Accuracy, Network), TrainError> {
        let mut copy = self.clone();
        copy.reestimate_batch_norms(data, batches);
        let accuracy = copy.evaluate(data, eval_batch).await?;
        let model = copy.into_model().ok_or(TrainError::Backend { step: self.taken, message: "no model".into() })?;
        Ok((accuracy, model))
    }

    /// The trained model (gone after a failed step).
    pub fn into_model(self) -> Option<Network> {
        self.model
    }

    /// Everything measured so far.
    pub fn report(&self, accuracy: Option<Accuracy>, inherited_params: usize) -> TrainReport {
        TrainReport { steps: self.taken, losses: self.losses.clone(), accuracy, train_ms: self.train_ms, inherited_params }
    }
}

/// `model` with its BatchNorm running statistics re-estimated as the mean over the first `batches`
/// training batches of `batch_size` images (forward passes only, no augmentation; see
/// [`crate::inherit::reestimate_batch_norms`]).
pub fn reestimated(model: Network, data: &TrainData, batch_size: usize, batches: usize, device: &Device) -> Network {
    let images = data
        .split
        .train
        .chunks(batch_size.max(1))
        .take(batches)
        .map(|indices| data.dataset.batch(indices, &data.stats, None, device).0)
        .collect();
    crate::inherit::reestimate_batch_norms(model, images)
}

async fn read_ints<const D: usize>(tensor: Tensor<D, Int>, step: u32) -> Result<Vec<i64>, TrainError> {
    let data = tensor.into_data_async().await.map_err(|e| TrainError::Backend { step, message: e.to_string() })?;
    data.convert::<i64>().try_to_vec::<i64>().map_err(|e| TrainError::Backend { step, message: format!("{e:?}") })
}
