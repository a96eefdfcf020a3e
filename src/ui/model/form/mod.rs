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

mod field;

use std::collections::BTreeMap;

use engine::hardware::Target;
use engine::limits::Whole;
use engine::search::{LatencySource, Objective, Rungs, SearchConfig, StrategyKind};
use engine::space::{InputShape, Op, SpaceConfig, SpaceError};
use engine::text::quoted;
use protocol::{DEFAULT_PROCEDURAL_IMAGES, DatasetChoice, RunRequest, TrainingRecipe};

mod training;

pub use field::*;

/// The form's contents.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunForm {
    /// The dataset.
    pub dataset: DatasetKind,
    /// The strategy.
    pub strategy: StrategyKind,
    /// The objectives, kept in [`Objective`] order.
    pub objectives: Vec<Objective>,
    /// The hardware target (for energy always; for latency unless `this_device`).
    pub target: Target,
    /// Latency is predicted by this device's calibrated profile instead of the target's roofline.
    #[serde(default)]
    pub this_device: bool,
    /// Where the latency objective comes from.
    pub latency: LatencySource,
    /// Weight inheritance.
    pub inheritance: bool,
    /// Reference architectures trained first.
    pub references: bool,
    /// How networks are trained (a form kept from before it was a setting had the old one).
    #[serde(default = "TrainingRecipe::unnamed")]
    pub recipe: TrainingRecipe,
    /// Ops switched off.
    pub disabled_ops: Vec<Op>,
    /// Every typed field as typed.
    pub text: BTreeMap<Field, String>,
}

/// The hardware target as the form offers it: a built-in board, or this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetChoice {
    /// A built-in board's roofline.
    Board(Target),
    /// This device's calibrated profile (energy stays the board's).
    ThisDevice,
}

impl RunForm {
    /// The target as the form shows it.
    pub fn target_choice(&self) -> TargetChoice {
        if self.this_device { TargetChoice::ThisDevice } else { TargetChoice::Board(self.target) }
    }

    /// Chooses a target: a board replaces the target, this device keeps it for energy.
    pub fn choose_target(&mut self, choice: TargetChoice) {
        match choice {
            TargetChoice::Board(target) => (self.target, self.this_device) = (target, false),
            TargetChoice::ThisDevice => self.this_device = true,
        }
    }
}

/// What is wrong, per field.
pub type FormErrors = BTreeMap<Field, String>;

/// The fields typed as text.
pub const TEXT_FIELDS: [Field; 21] = [
    Field::ProceduralImages,
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
    Field::BatchSize,
    Field::LearningRate,
    Field::LatencyRuns,
    Field::Workers,
    Field::Stage2At,
    Field::Stage3At,
    Field::CellWidths,
    Field::MinLayers,
    Field::MaxLayers,
    Field::Seed,
];

/// The page's form at first: the default search (the CLI's too), with a time budget.
impl Default for RunForm {
    fn default() -> Self {
        let mut form = RunForm::from_request(&RunRequest::default_digits());
        form.set(Field::TimeBudget, &DEFAULT_TIME_BUDGET_MIN.to_string());
        form
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
                .map(|w| w.trim().parse::<u32>().map_err(|_| format!("{} is not a whole number", quoted(w.trim()))))
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
            (Field::TimeBudget, optional(s.time_budget_s.map(|v| (v / 60.0).to_string()))),
            (Field::StepBudget, optional(s.max_train_steps.map(|v| v.to_string()))),
            (Field::Population, s.population.to_string()),
            (Field::Generations, s.generations.to_string()),
            (Field::Steps, t.steps.to_string()),
            (Field::FineTuneSteps, t.fine_tune_steps.to_string()),
            (Field::Rungs, s.rungs.map_or_else(|| "off".to_string(), |r| r.eta.to_string())),
            (Field::BatchSize, t.batch_size.to_string()),
            (Field::LearningRate, t.learning_rate.to_string()),
            (Field::LatencyRuns, t.latency_runs.to_string()),
            (Field::Workers, t.workers.to_string()),
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
            this_device: request.latency_table.is_some(),
            latency: s.latency,
            inheritance: t.inheritance,
            references: t.references,
            recipe: t.recipe,
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
        let (dataset, space) = self.space_config(&mut errors);
        let search = self.search_config(&mut errors);
        let training = self.training(&mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        engine_checks(&search, (!self.dataset.tabular()).then_some(&space), &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(RunRequest { run_id: String::new(), dataset, space, search, training, genotype: None, latency_table: None })
    }

    /// The whole number typed in `field`, within its range; else its error, and the range's low end.
    fn whole(&self, field: Field, errors: &mut FormErrors) -> u64 {
        let text = self.get(field).trim();
        let range = field.range().unwrap_or(Whole::new(0, u64::MAX));
        match text.parse::<u64>() {
            Ok(v) if range.contains(v) => v,
            _ => {
                errors.insert(field, format!("{} is not allowed: a whole number from {range}", quoted(text)));
                range.low
            }
        }
    }

    /// As [`Self::whole`] for a field whose range fits a u32 (all but the seed's).
    fn small(&self, field: Field, errors: &mut FormErrors) -> u32 {
        u32::try_from(self.whole(field, errors)).unwrap_or(u32::MAX)
    }

    /// The positive limit typed in `field`, none when empty; else its error naming `allowed`.
    fn limit(&self, field: Field, allowed: &str, errors: &mut FormErrors) -> Option<f64> {
        let text = self.get(field).trim();
        if text.is_empty() {
            return None;
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Some(v),
            _ => {
                errors.insert(field, format!("{} is not allowed: {allowed}, or empty for no limit", quoted(text)));
                None
            }
        }
    }

    /// The dataset and the architecture space (its input set by the dataset).
    fn space_config(&self, errors: &mut FormErrors) -> (DatasetChoice, SpaceConfig) {
        let images = self.small(Field::ProceduralImages, errors);
        let (min_layers, max_layers) = (self.small(Field::MinLayers, errors), self.small(Field::MaxLayers, errors));
        let (stage2_at, stage3_at) = (self.small(Field::Stage2At, errors), self.small(Field::Stage3At, errors));
        let cell_widths = parse_widths(self.get(Field::CellWidths)).unwrap_or_else(|problem| {
            errors.insert(Field::CellWidths, format!("{problem}; write widths per cell like 8,16 | 16,32"));
            vec![vec![8]]
        });
        let (dataset, input) = match self.dataset {
            DatasetKind::Digits => (DatasetChoice::Digits, InputShape::DIGITS),
            DatasetKind::Procedural => (DatasetChoice::Procedural { images }, InputShape::RGB32),
            DatasetKind::Nb201(dataset) => (DatasetChoice::Nb201 { dataset }, InputShape::RGB32),
            // The worker takes the shape and classes from the files it read.
            DatasetKind::Files => (DatasetChoice::Files, InputShape::RGB32),
        };
        let mut space = SpaceConfig { input, classes: 10, cell_widths, min_layers, max_layers, ..RunRequest::default_digits().space };
        space.schedule.stage2_at = stage2_at;
        space.schedule.stage3_at = stage3_at;
        space.schedule.disabled = self.disabled_ops.clone();
        (dataset, space)
    }

    /// Strategy, objectives, target, budget, limits and seed.
    fn search_config(&self, errors: &mut FormErrors) -> SearchConfig {
        let mut search = RunRequest::default_digits().search;
        search.strategy = self.strategy;
        search.objectives = self.objectives.clone();
        search.target = self.target;
        // Nothing is timed in NAS-Bench-201 mode: latency is the prediction there.
        search.latency = if self.dataset.tabular() { LatencySource::Predicted } else { self.latency };
        search.population = self.small(Field::Population, errors);
        search.tournament = search.tournament.min(search.population);
        search.generations = self.small(Field::Generations, errors);
        search.seed = self.whole(Field::Seed, errors);
        search.constraints.max_latency_ms = self.limit(Field::MaxLatency, "a positive number of milliseconds", errors);
        search.constraints.max_params = self.limit(Field::MaxParams, "a positive whole number", errors).map(|v| v.round() as u64);
        search.constraints.max_macs = self.limit(Field::MaxMacs, "a positive whole number", errors).map(|v| v.round() as u64);
        search.time_budget_s = self.time_budget_min(errors).map(|minutes| minutes * 60.0);
        search.max_train_steps = self.limit(Field::StepBudget, "a positive whole number", errors).map(|v| v.round() as u64);
        // Tables are looked up, not trained: nothing to cut at a rung.
        search.rungs = if self.dataset.tabular() { None } else { self.rungs(errors) };
        search
    }

    /// The rungs typed: `off` (or empty) for none, else one in N resumes from the rung at 1/N.
    fn rungs(&self, errors: &mut FormErrors) -> Option<Rungs> {
        let text = self.get(Field::Rungs).trim();
        if text.is_empty() || text == "off" {
            return None;
        }
        match text.parse::<u32>() {
            Ok(eta) if Rungs::ETA.contains(&eta) => Some(Rungs { fraction: 1.0 / f64::from(eta), eta }),
            _ => {
                let allowed = format!("off, or a whole number from {} to {}", Rungs::ETA.start(), Rungs::ETA.end());
                errors.insert(Field::Rungs, format!("{} is not allowed: {allowed}", quoted(text)));
                None
            }
        }
    }

    /// The time budget typed, in seconds, when it is one.
    pub fn time_budget_s(&self) -> Option<f64> {
        self.time_budget_min(&mut FormErrors::new()).map(|minutes| minutes * 60.0)
    }

    /// The time budget typed, in minutes (none when empty); else its error.
    fn time_budget_min(&self, errors: &mut FormErrors) -> Option<f64> {
        let minutes = self.limit(Field::TimeBudget, TIME_BUDGET_ALLOWED, errors)?;
        if minutes > MAX_TIME_BUDGET_MIN {
            let text = self.get(Field::TimeBudget);
            errors.insert(Field::TimeBudget, format!("{} is not allowed: {TIME_BUDGET_ALLOWED}, or empty for no limit", quoted(text)));
            return None;
        }
        Some(minutes)
    }

}

/// The engine's own checks of the search settings and of the space (none in NAS-Bench-201
/// mode), each error placed under the field it names.
fn engine_checks(search: &SearchConfig, space: Option<&SpaceConfig>, errors: &mut FormErrors) {
    if let Err(error) = search.clone().check() {
        let field = match error.field.as_str() {
            "objectives" => Field::Objectives,
            "population" | "tournament" => Field::Population,
            "generations" => Field::Generations,
            "constraints.max_latency_ms" => Field::MaxLatency,
            "constraints.max_params" => Field::MaxParams,
            "constraints.max_macs" => Field::MaxMacs,
            "time_budget_s" => Field::TimeBudget,
            "max_train_steps" => Field::StepBudget,
            "rungs.fraction" | "rungs.eta" => Field::Rungs,
            _ => Field::Strategy,
        };
        errors.insert(field, error.to_string());
    }
    if let Some(Err(error)) = space.map(SpaceConfig::check) {
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
}
