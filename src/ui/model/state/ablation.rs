//! The ablation in the page: the five searches of `protocol::ablation::plan` from the form's
//! settings, run one after another in the engine (each saved like any run), each judged when
//! it ends; the table, the chart of hypervolume against training steps, and the CSV.

use protocol::RunEnd;
use protocol::ablation::{ABLATION_SEEDS, AblationPlan, AblationResult, RowSummary, csv, plan_seeds, summarise};

use crate::model::run::{RunStatus, RunView};

use super::*;

/// An ablation started in this page.
#[derive(Debug, Clone, PartialEq)]
pub struct AblationView {
    /// Its searches.
    pub plan: AblationPlan,
    /// The search in progress (or the number done, once all are).
    pub current: usize,
    /// The rows judged so far, in row order.
    pub results: Vec<AblationResult>,
    /// Why it ended before its last row (stopped, failed).
    pub ended_early: Option<String>,
}

impl AblationView {
    /// Whether one of its searches is still to finish.
    pub fn running(&self) -> bool {
        self.ended_early.is_none() && self.current < self.plan.runs.len()
    }

    /// The table of the rows judged so far.
    pub fn table(&self) -> Vec<RowSummary> {
        summarise(&self.results)
    }

    /// The rows as CSV.
    pub fn csv(&self) -> String {
        csv(&self.results)
    }

    /// What it is doing, in words.
    pub fn status(&self) -> String {
        let total = self.plan.runs.len();
        match (&self.ended_early, self.plan.runs.get(self.current)) {
            (Some(why), _) => format!("Ended after {} of {total} searches: {why}", self.results.len()),
            (None, Some(run)) => format!("Search {} of {total}: {}", self.current + 1, run.row.label()),
            (None, None) => format!("All {total} searches done, {} training steps each", self.plan.budget_steps),
        }
    }
}

impl AppState {
    /// The ablation of the form's settings over the seeds typed, its searches named by the
    /// moment it starts. Without a step budget but with a time budget and a timed backend,
    /// each search gets the training steps its time budget allows at the measured step time
    /// (the time budget itself would not give every row the same compute).
    pub fn ablation_plan(&self, now_ms: f64) -> Result<AblationPlan, String> {
        let seeds = self.ablation_seeds.trim().parse::<u32>().ok().filter(|&n| ABLATION_SEEDS.contains(n)).ok_or_else(|| {
            format!("seeds must be a whole number from {ABLATION_SEEDS}, got {}", engine::text::quoted(&self.ablation_seeds))
        })?;
        let mut base = self
            .run_request(now_ms)
            .map_err(|errors| errors.values().next().cloned().unwrap_or_else(|| "the settings have errors".into()))?;
        base.run_id = base.run_id.replacen("run-", "ablation-", 1);
        if base.search.max_train_steps.is_none()
            && let (Some(budget_s), Some((_, step_ms))) = (base.search.time_budget_s, self.step_time())
        {
            base.search.max_train_steps = Some(((budget_s * 1e3 / step_ms.max(1e-3)) as u64).max(1));
        }
        plan_seeds(&base, seeds).map_err(|e| e.to_string())
    }

    /// What the ablation panel offers now, from one plan (the page asks at every render): its
    /// size in words — steps per search and, once a backend is timed, about how long each search
    /// and all of them take here — or why the settings cannot be ablated; and whether it may
    /// start (a search could, and the settings can be ablated).
    pub fn ablation_offer(&self) -> (Result<String, String>, bool) {
        let plan = self.ablation_plan(0.0);
        let can_start = plan.is_ok() && self.can_search();
        (plan.map(|plan| self.ablation_size(&plan)), can_start)
    }

    fn ablation_size(&self, plan: &AblationPlan) -> String {
        let steps = crate::model::format::count(plan.budget_steps as f64);
        let searches = plan.runs.len();
        match self.step_time() {
            Some((_, step_ms)) => {
                let each = plan.budget_steps as f64 * step_ms / 1e3;
                format!(
                    "{searches} searches of {steps} training steps: about {} each, {} in all at {} a step here (plus validation and timing).",
                    crate::model::format::duration(each),
                    crate::model::format::duration(each * searches as f64),
                    protocol::step_time(step_ms)
                )
            }
            None => format!("{searches} searches of {steps} training steps each."),
        }
    }
}

/// The page starts the ablation `plan` (its first search is sent by the component).
pub(super) fn started(state: &AppState, next: &mut AppState, plan: AblationPlan) {
    if let Some(first) = plan.runs.first().filter(|_| state.can_search()) {
        fresh_run(next, first.request.search.objectives.len());
        next.ablation = Some(AblationView { plan, current: 0, results: Vec::new(), ended_early: None });
    }
}

/// A run ended with `end`: if it was the ablation's current search, it is judged and the next
/// one is asked of the engine.
pub(crate) fn run_finished(next: &mut AppState, end: &RunEnd) {
    let Some(mut view) = next.ablation.take() else { return };
    let current = view.plan.runs.get(view.current).filter(|_| view.running()).cloned();
    let finished_id = next.run.info.as_ref().map(|info| info.run_id.clone());
    if let Some(run) = current.filter(|run| Some(&run.request.run_id) == finished_id.as_ref()) {
        match end {
            RunEnd::Completed => {
                let judged = next.run.info.as_ref().and_then(|info| {
                    let candidates = next.run.candidates.iter().map(|c| c.as_ref());
                    AblationResult::new(run.row, run.request.search.seed, &run.limits, info, candidates, next.run.seconds.unwrap_or(0.0))
                });
                view.results.extend(judged);
                view.current += 1;
                if let Some(following) = view.plan.runs.get(view.current) {
                    let number = next.pending.as_ref().map_or(1, |(number, _)| number + 1);
                    next.pending = Some((number, FollowUp::StartRun(Box::new(following.request.clone()))));
                    fresh_run(next, following.request.search.objectives.len());
                }
            }
            RunEnd::Stopped => view.ended_early = Some(format!("{} was stopped", run.row.label())),
            RunEnd::Failed { message } => view.ended_early = Some(format!("{} failed: {message}", run.row.label())),
        }
    }
    next.ablation = Some(view);
}

/// The run view emptied for a run about to start with `objectives` objectives.
pub(super) fn fresh_run(next: &mut AppState, objectives: usize) {
    next.run = RunView::default();
    next.run.status = RunStatus::Starting;
    next.selected = None;
    next.axes = (0, 1.min(objectives.saturating_sub(1)));
}
