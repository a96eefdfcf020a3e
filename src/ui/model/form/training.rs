//! The form's training settings: the recipe, the floor's warning, the settings a run trains with.

use engine::text::quoted;
use protocol::{MAX_LEARNING_RATE, TrainingRecipe, TrainingSettings, learning_rate_allowed};

use super::{Field, FormErrors, RunForm};

impl RunForm {
    /// Chooses a training recipe and, when `with_learning_rate`, its learning rate.
    pub fn choose_recipe(&mut self, recipe: TrainingRecipe, with_learning_rate: bool) {
        self.recipe = recipe;
        if with_learning_rate {
            self.set(Field::LearningRate, &recipe.default_learning_rate().to_string());
        }
    }

    /// When the steps typed for a new network are below the floor at the batch typed (see
    /// `protocol::FLOOR_IMAGES`), what that means; nothing in NAS-Bench-201 mode or while either
    /// field does not parse.
    pub fn floor_warning(&self) -> Option<String> {
        if self.dataset.tabular() {
            return None;
        }
        let steps: u32 = self.get(Field::Steps).trim().parse().ok()?;
        let batch: u32 = self.get(Field::BatchSize).trim().parse().ok()?;
        let floor = protocol::floor_steps(batch);
        (steps < floor).then(|| {
            format!(
                "Below {floor} steps of {batch} images a new network has learned too little for its error to mean much (its rank among networks is still settling): its point on the front is noise more than a result."
            )
        })
    }

    /// How candidates are trained.
    pub(super) fn training(&self, errors: &mut FormErrors) -> TrainingSettings {
        let learning_rate = match self.get(Field::LearningRate).trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 && v <= MAX_LEARNING_RATE => v,
            _ => {
                let text = self.get(Field::LearningRate);
                errors.insert(Field::LearningRate, format!("{} is not allowed: a number {}", quoted(text), learning_rate_allowed()));
                self.recipe.default_learning_rate()
            }
        };
        TrainingSettings {
            recipe: self.recipe,
            steps: self.small(Field::Steps, errors),
            fine_tune_steps: self.small(Field::FineTuneSteps, errors),
            inheritance: self.inheritance,
            references: self.references,
            batch_size: self.small(Field::BatchSize, errors),
            learning_rate,
            latency_runs: self.small(Field::LatencyRuns, errors),
            workers: self.small(Field::Workers, errors),
            ..TrainingSettings::default()
        }
    }
}
