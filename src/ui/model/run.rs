//! A search run as the page shows it: what the worker reported, kept as plain data, plus the
//! derived views (front, table order, narrative, ETA). Pure: no Yew, no browser.
//!
//! ```
//! use ui::model::run::{RunStatus, RunView};
//! let view = RunView::default();
//! assert_eq!(view.status, RunStatus::Idle);
//! assert!(view.candidates.is_empty());
//! ```

use std::rc::Rc;

use engine::moo::dominates;
use engine::search::{GenerationSummary, Objective, RecordStatus};
use protocol::{CandidateReport, FromEngine, ReferenceReport, RunEnd, RunInfo, TrainingProgress, TrainingRole};

use crate::model::format::{duration, short};

/// Where the run is.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum RunStatus {
    /// No run yet.
    #[default]
    Idle,
    /// Asked for; the worker has not confirmed.
    Starting,
    /// Running.
    Running,
    /// Held; Resume or Step continue it.
    Paused,
    /// Over.
    Finished(RunEnd),
}

impl RunStatus {
    /// A short key: `idle`, `starting`, `running`, `paused`, `completed`, `stopped` or `failed`
    /// (the page's `data-status`, and exported results).
    pub fn key(&self) -> &'static str {
        match self {
            RunStatus::Idle => "idle",
            RunStatus::Starting => "starting",
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::Finished(RunEnd::Completed) => "completed",
            RunStatus::Finished(RunEnd::Stopped) => "stopped",
            RunStatus::Finished(RunEnd::Failed { .. }) => "failed",
        }
    }

    /// Whether a run is under way (running, paused or starting).
    pub fn active(&self) -> bool {
        matches!(self, RunStatus::Starting | RunStatus::Running | RunStatus::Paused)
    }
}

/// Everything known about the current (or last) run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunView {
    /// What the worker said when it started.
    pub info: Option<RunInfo>,
    /// Where it is.
    pub status: RunStatus,
    /// Every scored candidate, in order (shared, so a state copy is cheap).
    pub candidates: Vec<Rc<CandidateReport>>,
    /// One summary per completed generation.
    pub generations: Vec<Rc<GenerationSummary>>,
    /// The reference architectures scored.
    pub references: Vec<Rc<ReferenceReport>>,
    /// The candidates in training (one per worker), in the order they started.
    pub training: Vec<TrainingProgress>,
    /// Seconds of work, when finished.
    pub seconds: Option<f64>,
    /// Seconds of work so far, as the latest training progress said.
    pub elapsed_s: f64,
    /// Indices of the candidates on the feasible non-dominated front of all objectives, kept up
    /// to date as candidates arrive (see [`Self::front`]).
    front: Vec<usize>,
}

/// Table orderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// By candidate number.
    #[default]
    Candidate,
    /// By the objective at this index.
    Objective(usize),
    /// By measured latency.
    Measured,
}

impl RunView {
    /// Applies a run event; other messages leave it unchanged. Returns whether it was one.
    pub fn apply(&mut self, message: &FromEngine) -> bool {
        match message {
            FromEngine::RunStarted(info) => {
                *self = RunView { info: Some(info.clone()), status: RunStatus::Running, ..RunView::default() };
            }
            FromEngine::Training(progress) => {
                self.elapsed_s = self.elapsed_s.max(progress.run_elapsed_s);
                let same = |t: &TrainingProgress| t.candidate_id == progress.candidate_id && is_reference(t) == is_reference(progress);
                match self.training.iter_mut().find(|t| same(t)) {
                    Some(training) => *training = progress.clone(),
                    None => self.training.push(progress.clone()),
                }
            }
            FromEngine::Candidate(report) => {
                self.training.retain(|t| t.candidate_id != report.candidate_id || is_reference(t));
                self.candidates.push(Rc::new(report.clone()));
                self.update_front(self.candidates.len() - 1);
            }
            FromEngine::Generation(summary) => self.generations.push(Rc::new(summary.clone())),
            FromEngine::Reference(reference) => {
                self.training.retain(|t| t.candidate_id != reference.report.candidate_id || !is_reference(t));
                self.references.push(Rc::new(reference.clone()));
            }
            FromEngine::RunPaused { .. } => self.status = RunStatus::Paused,
            FromEngine::RunResumed => self.status = RunStatus::Running,
            FromEngine::RunContinued { run_id, candidates, generations, references } => {
                if self.info.as_ref().is_none_or(|info| info.run_id != *run_id) {
                    return false;
                }
                self.candidates.truncate(*candidates as usize);
                self.generations.truncate(*generations as usize);
                self.references.truncate(*references as usize);
                self.front.clear();
                (0..self.candidates.len()).for_each(|i| self.update_front(i));
                self.training.clear();
                self.elapsed_s = 0.0;
                self.status = RunStatus::Running;
            }
            FromEngine::RunFinished { end, seconds, .. } => {
                self.status = RunStatus::Finished(end.clone());
                self.training.clear();
                self.seconds = Some(*seconds);
            }
            _ => return false,
        }
        true
    }

    /// A saved run: `info`, the saved candidate and generation events, in `status`.
    pub fn restored(info: RunInfo, events: &[FromEngine], status: RunStatus, seconds: Option<f64>) -> RunView {
        let mut view = RunView { info: Some(info), ..RunView::default() };
        for event in events {
            if matches!(event, FromEngine::Candidate(_) | FromEngine::Generation(_) | FromEngine::Reference(_)) {
                view.apply(event);
            }
        }
        view.status = status;
        view.seconds = seconds;
        view
    }

    /// Whether a completed run ended because its time budget was spent (before its last
    /// generation).
    pub fn ended_on_time(&self) -> bool {
        matches!(self.status, RunStatus::Finished(RunEnd::Completed))
            && self.info.as_ref().is_some_and(|info| info.time_budget_s.is_some() && (self.generations.len() as u32) < info.generations)
    }

    /// The objectives of the run, in order.
    pub fn objectives(&self) -> &[Objective] {
        self.info.as_ref().map_or(&[], |info| &info.objectives)
    }

    /// Indices of the candidates on the feasible non-dominated front of all objectives, in
    /// order; of candidates with one `arch_id`, the first.
    pub fn front(&self) -> &[usize] {
        &self.front
    }

    /// Puts candidate `i` (the newest) on the front if nothing there dominates or repeats it,
    /// dropping what it dominates: work in the size of the front, not of the run. (A candidate
    /// dominated by one that left the front is dominated by whatever pushed that one out.)
    fn update_front(&mut self, i: usize) {
        let new = &self.candidates[i];
        if !new.full_result() || matches!(new.status, RecordStatus::Failed { .. }) {
            return;
        }
        let candidates = &self.candidates;
        let kept_out = self.front.iter().any(|&k| candidates[k].arch_id == new.arch_id || dominates(&candidates[k].objectives, &new.objectives));
        if !kept_out {
            self.front.retain(|&k| !dominates(&new.objectives, &candidates[k].objectives));
            self.front.push(i);
        }
    }

    /// Progress in [0, 1]: the further of candidates scored over all and, with a time budget,
    /// seconds of work over the budget.
    pub fn progress(&self) -> f64 {
        match (&self.status, &self.info) {
            (RunStatus::Finished(_), _) => 1.0,
            (_, Some(info)) if info.generations > 0 => {
                let per_generation = f64::from(info.population.max(1));
                let partial = (self.candidates.len() as f64 / per_generation).min(f64::from(info.generations));
                let by_count = partial / f64::from(info.generations);
                let by_time = info.time_budget_s.filter(|b| *b > 0.0).map_or(0.0, |budget| self.elapsed_s / budget);
                by_count.max(by_time).clamp(0.0, 1.0)
            }
            _ => 0.0,
        }
    }

    /// Seconds still to go: the candidates left at the mean training time so far (before the
    /// first is scored, the pace of the one in training), at most what is left of a time budget.
    pub fn eta_seconds(&self) -> Option<f64> {
        let info = self.info.as_ref()?;
        if !self.status.active() || info.tabular {
            return None;
        }
        let times: Vec<f64> = self.candidates.iter().filter_map(|c| c.details.train_ms).collect();
        let per_candidate_s = if times.is_empty() {
            let t = self.training.iter().find(|t| t.step > 0)?;
            t.elapsed_ms / 1e3 / f64::from(t.step) * f64::from(t.steps)
        } else {
            times.iter().sum::<f64>() / times.len() as f64 / 1e3
        };
        // Several workers train that many candidates in the time of one.
        let per_candidate_s = per_candidate_s / f64::from(info.workers.max(1));
        let total = f64::from(info.population) * f64::from(info.generations);
        let by_count = (total - self.candidates.len() as f64).max(0.0) * per_candidate_s;
        Some(info.time_budget_s.map_or(by_count, |budget| by_count.min((budget - self.elapsed_s).max(0.0))))
    }

    /// Candidate indices ordered by `key` (ascending, or descending), keeping only the `front`
    /// (as [`Self::front`] gives it) or only feasible candidates when asked.
    pub fn table_order(&self, key: SortKey, descending: bool, front: &[usize], front_only: bool, feasible_only: bool) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..self.candidates.len())
            .filter(|i| !front_only || front.contains(i))
            .filter(|&i| !feasible_only || self.candidates[i].feasible())
            .collect();
        let value = |i: usize| -> f64 {
            let c = &self.candidates[i];
            match key {
                SortKey::Candidate => f64::from(c.candidate_id),
                SortKey::Objective(k) => c.objectives.get(k).copied().unwrap_or(f64::INFINITY),
                SortKey::Measured => c.measured_latency.as_ref().map_or(f64::INFINITY, |m| m.median_ms),
            }
        };
        rows.sort_by(|&a, &b| value(a).total_cmp(&value(b)).then(a.cmp(&b)));
        if descending {
            rows.reverse();
        }
        rows
    }
}

/// Whether `t` is a reference network's training (numbered apart from the candidates).
fn is_reference(t: &TrainingProgress) -> bool {
    matches!(t.role, TrainingRole::Reference { .. })
}

/// What is training, why, how far it is and how long it still needs, in one line.
pub fn training_line(t: &TrainingProgress) -> String {
    let what = match &t.role {
        TrainingRole::Sampled => format!("Training #{}, sampled at random", t.candidate_id),
        TrainingRole::Child => format!("Training #{}, a child of earlier candidates", t.candidate_id),
        TrainingRole::Reference { name } => format!("Training the reference {name} (hand-designed, the same steps as a new candidate)"),
        TrainingRole::Imported => "Training the imported genotype".to_string(),
    };
    let left = t.seconds_left().map_or(String::new(), |s| format!(", about {} left for it", duration(s)));
    format!("{what}: {} — step {} of {}, loss {}{left}", t.text, t.step, t.steps, short(f64::from(t.loss)))
}

/// A short explanation of what happened in a generation, for people learning NAS.
pub fn narrative(summary: &GenerationSummary, inherited: usize, population: u32) -> String {
    let c = &summary.counts;
    let mut parts = Vec::new();
    let mutated: usize = c.mutations.values().sum();
    let crossed: usize = c.crossovers.values().sum();
    let generation = summary.generation;
    if generation == 0 || c.sampled as u32 >= population {
        parts.push(format!("Generation {generation}: {} architectures sampled at random", c.sampled));
    } else {
        parts.push(if c.neighbours > 0 {
            format!("Generation {generation}: {} neighbours of the best network so far tried, one change each", c.neighbours)
        } else if c.ranked > 0 {
            format!("Generation {generation}: the predictor ranked {} mutations of the best networks and chose {mutated}", c.ranked)
        } else {
            format!(
                "Generation {generation}: {} parents chosen by tournament, {crossed} children by crossover, {mutated} mutations",
                c.parents_selected
            )
        });
        if c.sampled > 0 {
            parts.push(format!("{} sampled fresh", c.sampled));
        }
    }
    if let Some(stage) = summary.stage {
        parts.push(format!("stage {stage} of 3 open"));
    }
    if inherited > 0 {
        parts.push(format!("{inherited} children inherited trained weights and were only fine-tuned"));
    }
    if c.duplicates_rejected > 0 {
        parts.push(format!("{} duplicates redrawn", c.duplicates_rejected));
    }
    if c.constraint_resamples > 0 {
        parts.push(format!("{} redrawn for breaking a constraint", c.constraint_resamples));
    }
    if summary.violators_not_trained > 0 {
        parts.push(format!("{} kept untrained as constraint violators", summary.violators_not_trained));
    }
    if summary.cache_hits > 0 {
        parts.push(format!("{} already known (no retraining)", summary.cache_hits));
    }
    if summary.failures > 0 {
        parts.push(format!("{} failed", summary.failures));
    }
    parts.push(format!("front: {} architectures, hypervolume {:.4}", summary.front.len(), summary.hypervolume));
    format!("{}.", parts.join("; "))
}
