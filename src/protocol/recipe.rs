//! How a network is trained besides its numbers: the recipe (optimiser, warm-up, augmentation)
//! and the floor of training below which a new network's error says little.
//!
//! ```
//! use protocol::{TrainingRecipe, floor_steps};
//! assert_eq!(TrainingRecipe::from_name("adam"), Some(TrainingRecipe::Adam));
//! assert_eq!(TrainingRecipe::unnamed(), TrainingRecipe::SgdCrops, "what a saved run without one trained with");
//! assert_eq!(floor_steps(32), 60);
//! ```

use serde::{Deserialize, Serialize};

/// How a network is trained besides its steps, batch and learning rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingRecipe {
    /// Adam, 30 warm-up steps, no augmentation: learns in few steps (`cli bench curves`, README
    /// "Learning curves"; with 2 or 10 warm-up steps dense networks often stayed at chance on
    /// the procedural set). The default.
    Adam,
    /// SGD with momentum 0.9, 10 warm-up steps, random crops: the recipe of runs saved before
    /// the recipe was a setting (what a saved run or config without one trained with).
    SgdCrops,
}

impl TrainingRecipe {
    /// Every recipe, the default first.
    pub const ALL: [TrainingRecipe; 2] = [TrainingRecipe::Adam, TrainingRecipe::SgdCrops];

    /// The recipe of a saved run, config or link that names none.
    pub fn unnamed() -> TrainingRecipe {
        TrainingRecipe::SgdCrops
    }

    /// The name in configs, links and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            TrainingRecipe::Adam => "adam",
            TrainingRecipe::SgdCrops => "sgd_crops",
        }
    }

    /// The recipe of a name.
    pub fn from_name(name: &str) -> Option<TrainingRecipe> {
        TrainingRecipe::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Its peak learning rate unless the user says otherwise.
    pub fn default_learning_rate(self) -> f64 {
        match self {
            TrainingRecipe::Adam => 0.01,
            TrainingRecipe::SgdCrops => 0.05,
        }
    }
}

/// Training images below which a new network's validation error says little about it, from
/// `cli bench curves` with the default recipe over the default space's three references and 12
/// sampled networks on the digits (README, "Learning curves"): after 1,920 images (60 steps of
/// 32) the median network validates at 71 % and Spearman's ρ of their order with the order after
/// 3,840 images is 0.92; after 960 images, 39 % and 0.74. The page's planner never sizes a new
/// network's training below it; it trains fewer networks instead.
pub const FLOOR_IMAGES: u32 = 1920;

/// The floor of steps per new network at `batch_size` images a step (at least one).
pub fn floor_steps(batch_size: u32) -> u32 {
    FLOOR_IMAGES.div_ceil(batch_size.max(1)).max(1)
}
