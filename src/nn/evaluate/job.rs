//! One candidate's training as a [`Job`] that runs wherever a thread is free: built (inheriting
//! from its parents' networks), trained to its rung or its whole budget, or resumed from the
//! training paused at its rung, then validated.

use std::sync::Mutex;

use burn::module::Module;
use burn::tensor::Device;

use engine::search::{Candidate as SearchCandidate, Details, Fidelity, Outcome};
use engine::space::{Genotype, Space};
use crate::candidate::{Inheritance, Network};
use crate::train::{Budget, TrainConfig, TrainData, TrainError, Trainer};
use super::{Evaluated, EvaluatorConfig, Interrupted, StepProgress, failed};

/// Fresh weights come from the backend's random generator, which Burn's CPU backend shares
/// between threads: jobs seed it and build their networks one at a time, so a network's
/// fresh weights do not depend on what trains beside it.
static FRESH_WEIGHTS: Mutex<()> = Mutex::new(());

/// Reads every parameter once, so lazily initialised ones draw their values now.
struct Materialise;

impl burn::module::ModuleVisitor for Materialise {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<burn::tensor::Tensor<D>>) {
        param.val();
    }
}

/// A network's training paused at its rung, to resume if the cut keeps it.
#[derive(Clone)]
pub(super) struct Paused {
    /// The generation whose cut decides on it.
    pub(super) generation: u32,
    pub(super) trainer: Trainer,
    pub(super) inheritance: Inheritance,
}

/// One candidate's training, with everything it needs (its parents' trained networks, or its
/// training paused at the rung), to run wherever a thread is free. See
/// [`super::TrainingEvaluator::job`].
pub struct Job {
    pub(super) space: Space,
    pub(super) config: EvaluatorConfig,
    pub(super) device: Device,
    pub(super) candidate: SearchCandidate<Genotype>,
    pub(super) parents: Vec<(Genotype, Network)>,
    pub(super) paused: Option<Paused>,
}

/// A job's result: the evaluation, and the trained network (for its children and its timing).
pub struct Trained {
    /// What the search records and how training went.
    pub evaluated: Evaluated,
    pub(super) model: Option<Network>,
    pub(super) arch_id: String,
    pub(super) genotype: Genotype,
    /// The training paused at the rung (a rung job that succeeded).
    pub(super) paused: Option<Paused>,
}

impl Trained {
    /// The trained network, when training succeeded.
    pub fn model(&self) -> Option<&Network> {
        self.model.as_ref()
    }

    /// The trained candidate's architecture id.
    pub fn arch_id(&self) -> &str {
        &self.arch_id
    }
}

/// Steps of a `total`-step budget trained before the cut at `fraction`: at least one, at most
/// the budget.
pub fn rung_steps(total: u32, fraction: f64) -> u32 {
    ((f64::from(total) * fraction).round() as u32).clamp(1, total.max(1))
}

impl Job {
    /// The candidate this job trains.
    pub fn candidate(&self) -> &SearchCandidate<Genotype> {
        &self.candidate
    }

    /// Builds, trains and evaluates the candidate as far as its fidelity says, calling
    /// `between_steps` after every step (see [`super::TrainingEvaluator::evaluate_with`]). A
    /// resume without the paused training (a reload, another worker) trains the whole budget
    /// from scratch with the rung's seed, which ends where the paused training would have.
    /// Failures (a genotype outside the space, a diverged loss, a backend error) come back as
    /// [`Outcome::Failed`] with the reason.
    pub async fn train(self, data: &TrainData, mut between_steps: impl AsyncFnMut(StepProgress) -> bool) -> Result<Trained, Interrupted> {
        let candidate = &self.candidate;
        let done = |evaluated: Evaluated, model: Option<Network>, paused: Option<Paused>| Trained {
            evaluated,
            model,
            arch_id: candidate.arch_id.clone(),
            genotype: candidate.solution.clone(),
            paused,
        };
        if let Some(why) = self.too_big(&candidate.solution) {
            return Ok(done(failed(format!("not trained: {why}"), 0), None, None));
        }
        let paused = self.paused.clone().filter(|_| matches!(candidate.fidelity, Fidelity::Resume { .. }));
        let (mut trainer, inheritance) = match paused {
            Some(Paused { trainer, inheritance, .. }) => (trainer, inheritance),
            None => match self.start(data) {
                Ok(started) => started,
                Err(evaluated) => return Ok(done(evaluated, None, None)),
            },
        };
        let inherited = inheritance.inherited_params;
        let (from_step, from_ms) = (trainer.steps_taken(), trainer.report(None, 0).train_ms);
        let stop_at = match candidate.fidelity {
            Fidelity::Rung { fraction } => rung_steps(trainer.total_steps(), fraction),
            Fidelity::Full | Fidelity::Resume { .. } => trainer.total_steps(),
        };
        while trainer.steps_taken() < stop_at {
            match trainer.step(data).await {
                Ok(step) => {
                    if !between_steps(StepProgress { step: step.step, steps: stop_at, loss: step.loss }).await {
                        return Err(Interrupted);
                    }
                }
                Err(error) => {
                    let mut evaluated = failed(error.to_string(), inherited);
                    evaluated.report = trainer.report(None, inherited);
                    evaluated.inheritance = inheritance;
                    evaluated.backend_failed = matches!(error, TrainError::Backend { .. });
                    return Ok(done(evaluated, None, None));
                }
            }
        }
        let batches = self.config.batch_norm_batches as usize;
        let validated = if let Fidelity::Rung { .. } = candidate.fidelity {
            match trainer.evaluate_now(data, batches, self.config.eval_batch).await {
                Ok((accuracy, model)) => {
                    let report = trainer.report(Some(accuracy), inherited);
                    let paused = Paused { generation: candidate.generation, trainer, inheritance: inheritance.clone() };
                    Ok((accuracy, report, Some(model), Some(paused)))
                }
                Err(error) => Err(error),
            }
        } else {
            trainer.reestimate_batch_norms(data, batches);
            match trainer.evaluate(data, self.config.eval_batch).await {
                Ok(accuracy) => Ok((accuracy, trainer.report(Some(accuracy), inherited), trainer.into_model(), None)),
                Err(error) => Err(error),
            }
        };
        let (accuracy, report, model, paused) = match validated {
            Ok(validated) => validated,
            Err(error) => {
                let mut evaluated = failed(error.to_string(), inherited);
                evaluated.backend_failed = matches!(error, TrainError::Backend { .. });
                return Ok(done(evaluated, None, None));
            }
        };
        let steps = report.steps.saturating_sub(from_step);
        let details = Details {
            valid_accuracy: Some(accuracy.top1),
            train_steps: Some(f64::from(steps)),
            train_samples: Some(f64::from(steps) * self.config.train.batch_size as f64),
            train_ms: Some(report.train_ms - from_ms),
            inherited_params: Some(inherited as f64),
            final_loss: report.losses.last().map(|&loss| f64::from(loss)),
            ..Details::default()
        };
        let outcome = Outcome::Evaluated { error: 1.0 - accuracy.top1, details };
        Ok(done(Evaluated { outcome, report, inheritance, backend_failed: false }, model, paused))
    }

    /// Builds the network (inheriting from the parents, BatchNorm re-estimated when it did) and
    /// its trainer; or the failed evaluation.
    fn start(&self, data: &TrainData) -> Result<(Trainer, Inheritance), Evaluated> {
        let candidate = &self.candidate;
        let parents: Vec<(&Genotype, &Network)> = self.parents.iter().map(|(g, m)| (g, m)).collect();
        let built = {
            let _one_at_a_time = FRESH_WEIGHTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // Fresh weights depend only on the run's seed and the candidate, not on evaluation order.
            self.device.seed(self.config.train.seed ^ engine::rng::fnv1a64(candidate.arch_id.as_bytes()));
            let built = Network::inherit(&self.space, &candidate.solution, &parents, &self.device);
            // Burn draws a parameter's fresh values when it is first read: read them all here.
            if let Ok((model, _)) = &built {
                model.visit(&mut Materialise);
            }
            built
        };
        let (model, inheritance) = built.map_err(|error| failed(error.to_string(), 0))?;
        let inherited = inheritance.inherited_params > 0;
        let model = if inherited {
            crate::train::reestimated(model, data, self.config.train.batch_size, self.config.batch_norm_batches as usize, &self.device)
        } else {
            model
        };
        // A resume continues the training of its rung: the rung's number seeds the batch order.
        let number = match candidate.fidelity {
            Fidelity::Resume { from, .. } => from,
            Fidelity::Full | Fidelity::Rung { .. } => candidate.candidate_id,
        };
        Ok((Trainer::new(model, self.training(number, inherited), data), inheritance))
    }

    /// How candidate number `candidate_id` trains: its full budget, or fine-tuning when it
    /// `inherited`. The batch order depends on the candidate's number in the run (kept in the
    /// search's snapshot), not on how many this evaluator has trained, so a resumed run trains
    /// alike.
    fn training(&self, candidate_id: u32, inherited: bool) -> TrainConfig {
        let base = self.config.train.clone().with_seed(self.config.train.seed ^ u64::from(candidate_id));
        if inherited {
            let learning_rate = base.learning_rate * self.config.fine_tune_lr_scale;
            base.with_budget(Budget::Steps(self.config.fine_tune_steps)).with_learning_rate(learning_rate).with_warmup_steps(self.config.fine_tune_warmup_steps)
        } else {
            base
        }
    }

    /// Why `genotype` would not fit the device's memory at the training batch, if it would not.
    fn too_big(&self, genotype: &Genotype) -> Option<String> {
        let limits = self.config.memory_limits.as_ref()?;
        let states = match self.config.train.optimizer {
            crate::train::OptimizerKind::SgdMomentum => 1,
            crate::train::OptimizerKind::Adam => 2,
        };
        let batch = u32::try_from(self.config.train.batch_size).unwrap_or(u32::MAX);
        limits.check(&engine::memory::training_memory(self.space.config(), genotype, batch, states)).err()
    }
}

