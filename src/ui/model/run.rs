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
use protocol::{CandidateReport, FromEngine, ReferenceReport, RunEnd, RunInfo, TrainingProgress};

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
    /// The candidate in training.
    pub training: Option<TrainingProgress>,
    /// Seconds of work, when finished.
    pub seconds: Option<f64>,
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
            FromEngine::Training(progress) => self.training = Some(progress.clone()),
            FromEngine::Candidate(report) => {
                if self.training.as_ref().is_some_and(|t| t.candidate_id == report.candidate_id) {
                    self.training = None;
                }
                self.candidates.push(Rc::new(report.clone()));
            }
            FromEngine::Generation(summary) => self.generations.push(Rc::new(summary.clone())),
            FromEngine::Reference(reference) => self.references.push(Rc::new(reference.clone())),
            FromEngine::RunPaused { .. } => self.status = RunStatus::Paused,
            FromEngine::RunResumed => self.status = RunStatus::Running,
            FromEngine::RunContinued { run_id, candidates, generations, references } => {
                if self.info.as_ref().is_none_or(|info| info.run_id != *run_id) {
                    return false;
                }
                self.candidates.truncate(*candidates as usize);
                self.generations.truncate(*generations as usize);
                self.references.truncate(*references as usize);
                self.training = None;
                self.status = RunStatus::Running;
            }
            FromEngine::RunFinished { end, seconds, .. } => {
                self.status = RunStatus::Finished(end.clone());
                self.training = None;
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

    /// The objectives of the run, in order.
    pub fn objectives(&self) -> &[Objective] {
        self.info.as_ref().map_or(&[], |info| &info.objectives)
    }

    /// Indices of the candidates on the feasible non-dominated front of all objectives.
    pub fn front(&self) -> Vec<usize> {
        let usable: Vec<(usize, &[f64])> = self
            .candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.feasible() && !matches!(c.status, RecordStatus::Failed { .. }))
            .map(|(i, c)| (i, c.objectives.as_slice()))
            .collect();
        let mut front: Vec<usize> = Vec::new();
        for (i, fitness) in &usable {
            let dominated = usable.iter().any(|(j, other)| j != i && dominates(other, fitness));
            let repeat = front.iter().any(|&k| self.candidates[k].arch_id == self.candidates[*i].arch_id);
            if !dominated && !repeat {
                front.push(*i);
            }
        }
        front
    }

    /// Progress in [0, 1]: completed generations over all.
    pub fn progress(&self) -> f64 {
        match (&self.status, &self.info) {
            (RunStatus::Finished(_), _) => 1.0,
            (_, Some(info)) if info.generations > 0 => {
                let per_generation = f64::from(info.population.max(1));
                let partial = (self.candidates.len() as f64 / per_generation).min(f64::from(info.generations));
                (partial / f64::from(info.generations)).clamp(0.0, 1.0)
            }
            _ => 0.0,
        }
    }

    /// Seconds still to go, from the mean training time of the candidates so far.
    pub fn eta_seconds(&self) -> Option<f64> {
        let info = self.info.as_ref()?;
        if !self.status.active() || info.tabular {
            return None;
        }
        let times: Vec<f64> = self.candidates.iter().filter_map(|c| c.details.train_ms).collect();
        if times.is_empty() {
            return None;
        }
        let mean_s = times.iter().sum::<f64>() / times.len() as f64 / 1e3;
        let total = f64::from(info.population) * f64::from(info.generations);
        Some(((total - self.candidates.len() as f64).max(0.0)) * mean_s)
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

/// A short explanation of what happened in a generation, for people learning NAS.
pub fn narrative(summary: &GenerationSummary, inherited: usize, population: u32) -> String {
    let c = &summary.counts;
    let mut parts = Vec::new();
    if summary.generation == 0 || c.sampled as u32 >= population {
        parts.push(format!("Generation {}: {} architectures sampled at random", summary.generation, c.sampled));
    } else {
        let crossed: usize = c.crossovers.values().sum();
        let mutated: usize = c.mutations.values().sum();
        parts.push(format!(
            "Generation {}: {} parents chosen by tournament, {} children by crossover, {} mutations",
            summary.generation, c.parents_selected, crossed, mutated
        ));
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
