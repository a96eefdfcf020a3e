//! The reducer: the state after an action, and what the page must do in answer to an engine
//! message.

use protocol::results::RunResults;
use protocol::saved::SavedStatus;
use protocol::{FromEngine, RunEnd};

use crate::model::form::Field;
use crate::model::link::decode;
use crate::model::run::{RunStatus, RunView};
use crate::model::saved;

use super::*;

/// The state after `action`. An engine message that calls for a [`FollowUp`] leaves it in
/// [`AppState::pending`] under a new number.
pub fn reduce(state: &AppState, action: Action) -> AppState {
    let mut next = state.clone();
    match action {
        Action::Engine(..)
        | Action::WorkerFailed(..)
        | Action::RestartingOnCpu(..)
        | Action::StepsEdited(..)
        | Action::SeedEdited(..)
        | Action::CheckRequested
        | Action::DismissNotice(..) => engine_and_check(state, &mut next, action),
        Action::FormEdited(..)
        | Action::DatasetChosen(..)
        | Action::StrategyChosen(..)
        | Action::RecipeChosen(..)
        | Action::TargetChosen(..)
        | Action::LatencyChosen(..)
        | Action::ObjectiveToggled(..)
        | Action::OpToggled(..)
        | Action::InheritanceSet(..)
        | Action::ReferencesSet(..)
        | Action::ImportEdited(..)
        | Action::LinkOpened(..)
        | Action::HideToggled(..)
        | Action::LockToggled(..)
        | Action::FileFormatChosen(..)
        | Action::FilesChosen{ .. }
        | Action::FilesUnreadable(..) => settings(state, &mut next, action),
        Action::AblationRequested(plan) => ablation::started(state, &mut next, *plan),
        Action::AblationSeedsEdited(text) => next.ablation_seeds = text,
        Action::OverlayLoaded(overlay) => views::overlay_loaded(&mut next, *overlay),
        Action::OverlayRemoved(run_id) => next.overlays.retain(|o| o.run_id != run_id),
        Action::SearchRequested
        | Action::ImportedTrainingRequested
        | Action::ControlRequested(..)
        | Action::Select(..)
        | Action::AxisX(..)
        | Action::AxisY(..)
        | Action::SortBy(..)
        | Action::FrontOnly(..)
        | Action::FeasibleOnly(..) => run_view(state, &mut next, action),
        Action::SavedListed(..)
        | Action::HeldRuns(..)
        | Action::SavedOpened{ .. }
        | Action::SavedDeleted(..)
        | Action::ResumeOfferDismissed
        | Action::StorageFailed(..)
        | Action::ExportFailed(..)
        | Action::RunImported(..) => saved_runs(state, &mut next, action),
        Action::SpeedsRemembered(..)
        | Action::BackendChosen(..)
        | Action::BackendChoiceRemembered(..)
        | Action::TimeBackendsRequested => backends::backends(state, &mut next, action),
        Action::ProfileRead { key, kept, blocks } => calibration::profile_read(&mut next, key, kept.map(|t| *t), blocks),
    }
    calibration::ask_for_profile(state, &mut next);
    next
}

/// Engine messages, the worker's state and the device check.
fn engine_and_check(state: &AppState, next: &mut AppState, action: Action) {
    match action {
        Action::Engine(messages) => {
            for message in messages {
                let follow = follow_up(&next, &message);
                let restarting = matches!(follow, Some(FollowUp::RestartOnCpu(_)));
                if let Some(follow) = follow {
                    let number = next.pending.as_ref().map_or(1, |(number, _)| number + 1);
                    next.pending = Some((number, follow));
                }
                backends::backends_heard(next, &message);
                calibration::heard(next, &message);
                apply_engine_message(next, message, restarting);
            }
        }
        // The worker died without a panic report (a trap, such as running out of memory, or a
        // script that failed): handled as a crash, so a fresh engine starts where that may help.
        Action::WorkerFailed(message) if !matches!(next.engine, EngineStatus::Failed(_)) => {
            engine_and_check(state, next, Action::Engine(vec![FromEngine::Crashed { message }]));
        }
        Action::WorkerFailed(_) => {}
        Action::RestartingOnCpu(reason) => {
            next.crash_restarts += 1;
            next.engine = EngineStatus::Starting;
            next.backend = None;
            next.check = CheckView::default();
            next.backends = BackendsView { choice: next.backends.choice, ..BackendsView::default() };
            next.forced_cpu_reason = Some(reason);
        }
        Action::StepsEdited(text) => next.steps_input = text,
        Action::SeedEdited(text) => next.seed_input = text,
        Action::CheckRequested => {
            if let Some(request) = state.check_request().ok().filter(|_| state.can_check()) {
                next.check = CheckView { running: true, steps_total: request.steps, ..CheckView::default() };
            }
        }
        Action::DismissNotice(index) => {
            if index < next.notices.len() {
                next.notices.remove(index);
            }
        }
        _ => {}
    }
}

/// The form, lesson links and the user's dataset files (locked fields stay as they are).
fn settings(state: &AppState, next: &mut AppState, action: Action) {
    match action {
        Action::FormEdited(field, text) if state.editable(field) => {
            next.form.set(field, &text);
            match field {
                // A new budget resizes the search; a size typed by hand is the visitor's.
                Field::TimeBudget => {
                    next.sized_by_hand = false;
                    backends::fit_to_budget(next);
                }
                // Rungs change what a network costs: resized, unless the visitor sized it.
                Field::Rungs if !state.sized_by_hand => backends::fit_to_budget(next),
                Field::Population | Field::Generations | Field::Steps | Field::FineTuneSteps => {
                    next.sized_by_hand = true;
                    next.plan = None;
                }
                _ => {}
            }
        }
        Action::DatasetChosen(kind) if state.editable(Field::Dataset) => backends::dataset_chosen(next, kind),
        Action::StrategyChosen(kind) if state.editable(Field::Strategy) => next.form.strategy = kind,
        Action::RecipeChosen(recipe) if state.editable(Field::Recipe) => next.form.choose_recipe(recipe, state.editable(Field::LearningRate)),
        Action::TargetChosen(choice) if state.editable(Field::Target) => next.form.choose_target(choice),
        Action::LatencyChosen(source) if state.editable(Field::Latency) => next.form.latency = source,
        Action::ObjectiveToggled(objective) if state.editable(Field::Objectives) => next.form.toggle_objective(objective),
        Action::OpToggled(op) if state.editable(Field::Ops) => next.form.toggle_op(op),
        Action::InheritanceSet(on) if state.editable(Field::Inheritance) => {
            next.form.inheritance = on;
            backends::refit(next);
        }
        Action::ReferencesSet(on) if state.editable(Field::References) => {
            next.form.references = on;
            backends::refit(next);
        }
        Action::FormEdited(..)
        | Action::DatasetChosen(_)
        | Action::StrategyChosen(_)
        | Action::RecipeChosen(_)
        | Action::TargetChosen(_)
        | Action::LatencyChosen(_)
        | Action::ObjectiveToggled(_)
        | Action::OpToggled(_)
        | Action::InheritanceSet(_)
        | Action::ReferencesSet(_) => {}
        Action::ImportEdited(text) => next.import_text = text,
        Action::LinkOpened(fragment) => {
            if !fragment.trim_start_matches('#').is_empty() {
                match decode(&fragment) {
                    Ok(lesson) => {
                        next.form = lesson.form;
                        // The lesson's numbers are the instructor's: a timing does not resize them.
                        next.sized_by_hand = true;
                        next.hidden = lesson.hidden;
                        next.locked = lesson.locked;
                    }
                    Err(problem) => push_notice(
                        next,
                        format!("This lesson link cannot be used: {problem}. The default settings are shown instead."),
                    ),
                }
            }
        }
        Action::HideToggled(field) => toggle(&mut next.hidden, field),
        Action::LockToggled(field) => toggle(&mut next.locked, field),
        Action::FileFormatChosen(format) if state.editable(Field::Dataset) => {
            if format != next.files.format {
                next.files = FilesView { format, status: FilesStatus::None };
            }
        }
        Action::FileFormatChosen(_) => {}
        Action::FilesChosen { files, bytes } => next.files.status = FilesStatus::Reading { files, bytes },
        Action::FilesUnreadable(problem) => next.files.status = FilesStatus::Refused(problem),
        _ => {}
    }
}

/// Starting a run and how the run is viewed: selection, axes, table order and filters.
fn run_view(state: &AppState, next: &mut AppState, action: Action) {
    match action {
        Action::SearchRequested | Action::ImportedTrainingRequested => {
            let allowed = match action {
                Action::SearchRequested => state.can_search(),
                _ => state.can_train_imported(),
            };
            if allowed {
                ablation::fresh_run(next, next.form.objectives.len());
            }
        }
        Action::ControlRequested(_) => {}
        Action::Select(index) => next.selected = index.filter(|&i| i < next.run.candidates.len()),
        Action::AxisX(index) => next.axes.0 = index,
        Action::AxisY(index) => next.axes.1 = index,
        Action::SortBy(key) => {
            next.table.descending = next.table.sort == key && !next.table.descending;
            next.table.sort = key;
        }
        Action::FrontOnly(on) => next.table.front_only = on,
        Action::FeasibleOnly(on) => next.table.feasible_only = on,
        _ => {}
    }
}

/// Saved runs, imported results and the notices of storage and exports.
fn saved_runs(state: &AppState, next: &mut AppState, action: Action) {
    match action {
        Action::SavedListed(runs) => {
            let (entries, problems) = saved::entries(&runs);
            let active = state.active_run_id().map(str::to_string);
            next.saved = entries.into_iter().filter(|e| Some(&e.run_id) != active.as_ref()).collect();
            saved::mark_held(&mut next.saved, next.held_runs.as_deref());
            next.resume_offer = resume_offer(next);
            for problem in problems {
                push_notice(next, problem);
            }
        }
        Action::HeldRuns(held) => {
            next.held_runs = held;
            saved::mark_held(&mut next.saved, next.held_runs.as_deref());
            // A run another tab drives is not offered; once that tab lets it go, it is.
            next.resume_offer = resume_offer(next);
        }
        Action::SavedOpened { run, events, resume } => {
            if state.can_open_saved() && (!resume || state.can_resume()) {
                let status = match (&run.status, resume) {
                    (_, true) => RunStatus::Starting,
                    (SavedStatus::Finished { end }, false) => RunStatus::Finished(end.clone()),
                    (SavedStatus::Unfinished, false) => RunStatus::Finished(RunEnd::Stopped),
                };
                next.run = RunView::restored(run.info.clone(), &events, status, (!resume).then_some(run.seconds));
                next.selected = None;
                next.axes = (0, 1.min(run.info.objectives.len().saturating_sub(1)));
                next.resume_offer = None;
                if resume {
                    next.saved.retain(|e| e.run_id != run.run_id);
                }
            }
        }
        Action::SavedDeleted(run_id) => {
            next.saved.retain(|e| e.run_id != run_id);
            if next.resume_offer.as_ref().is_some_and(|e| e.run_id == run_id) {
                next.resume_offer = None;
            }
        }
        Action::ResumeOfferDismissed => {
            next.offer_dismissed = next.resume_offer.take().map(|e| e.run_id);
        }
        Action::StorageFailed(problem) => push_notice(next, format!("Saved runs: {problem}")),
        Action::ExportFailed(problem) => push_notice(next, format!("Export: {problem}")),
        Action::RunImported(text) => match text.and_then(|text| RunResults::read(&text)) {
            Ok(results) if state.can_open_saved() => match results.info.clone() {
                Some(info) => {
                    let objectives = info.objectives.len();
                    next.run = RunView::restored(info, &results.events(), RunStatus::Finished(results.ended()), results.seconds);
                    next.selected = None;
                    next.axes = (0, 1.min(objectives.saturating_sub(1)));
                }
                None => push_notice(next, "Import: the run results hold no run (no \"info\")".to_string()),
            },
            Ok(_) => push_notice(next, "Import: a run is under way; open the file when it has ended".to_string()),
            Err(problem) => push_notice(next, format!("Import: {problem}")),
        },
        _ => {}
    }
}

/// Applies one engine message; `restarting` says the page will restart the engine on the CPU
/// in answer to it.
pub(crate) fn apply_engine_message(next: &mut AppState, message: FromEngine, restarting: bool) {
    if matches!(message, FromEngine::RunFinished { .. }) {
        next.saved_changes += 1;
    }
    // The engine got something done: later crashes may restart it again.
    if matches!(
        message,
        FromEngine::Candidate(_) | FromEngine::CheckFinished(_) | FromEngine::DatasetLoaded(_) | FromEngine::BackendsMeasured(_)
    ) {
        next.crash_restarts = 0;
    }
    if matches!(message, FromEngine::Candidate(_)) {
        next.restored_run = None;
    }
    if next.run.apply(&message) {
        if let FromEngine::RunFinished { end, .. } = &message {
            ablation::run_finished(next, end);
        }
        if let FromEngine::RunFinished { end: protocol::RunEnd::Failed { message }, .. } = &message {
            push_notice(next, format!("The search stopped: {message}"));
            // A run that failed (a refused checkpoint, say) is not offered again on this page.
            next.offer_dismissed = next.run.info.as_ref().map(|info| info.run_id.clone());
        }
        return;
    }
    match message {
        FromEngine::Booted { .. } => next.engine = EngineStatus::Starting,
        FromEngine::Ready { backend } => {
            next.engine = EngineStatus::Ready;
            next.backend = Some(backend);
            next.resume_after_restart = None;
        }
        FromEngine::CheckStarted { steps, parameters } => {
            next.check = CheckView { running: true, steps_total: steps, parameters, ..CheckView::default() };
        }
        FromEngine::CheckStep(step) => next.check.steps.push(step),
        FromEngine::DatasetLoaded(summary) => next.files.status = FilesStatus::Loaded(summary),
        FromEngine::DatasetRefused { message } => next.files.status = FilesStatus::Refused(message),
        FromEngine::CheckFinished(summary) => {
            next.check.running = false;
            next.check.summary = Some(summary);
        }
        FromEngine::Error(error) => {
            next.check.running = false;
            if next.run.status == RunStatus::Starting {
                next.run.status = RunStatus::Idle;
            }
            push_notice(next, format!("Error while {}: {}", error.context, error.message));
        }
        FromEngine::Crashed { message } => crashed(next, message, restarting),
        _ => {}
    }
}

/// The unfinished saved run to offer: the newest one not dismissed and not driven by another tab.
fn resume_offer(next: &AppState) -> Option<SavedEntry> {
    next.saved.iter().find(|e| e.unfinished && !e.elsewhere && Some(&e.run_id) != next.offer_dismissed.as_ref()).cloned()
}

/// The engine crashed; `restarting` says a fresh one is on its way. What it was doing is
/// restored where that is safe: a run goes on from its checkpoint, unless it was just resumed
/// after a crash and stopped the engine again before scoring anything; files being read are
/// refused (they are what stopped it).
fn crashed(next: &mut AppState, message: String, restarting: bool) {
    let summary = crash_summary(&message);
    let mut notice = format!("The engine stopped: {summary}");
    let run_id = next.run.info.as_ref().map(|info| info.run_id.clone()).filter(|_| next.run.status.active());
    let failed = |message: String| RunStatus::Finished(protocol::RunEnd::Failed { message });
    match (run_id, restarting) {
        (Some(run_id), true) if next.restored_run.as_ref() != Some(&run_id) => {
            next.run.status = RunStatus::Starting;
            next.run.training.clear();
            next.resume_after_restart = Some(run_id.clone());
            next.restored_run = Some(run_id);
            notice.push_str(". A fresh engine continues the run from its last checkpoint.");
        }
        (Some(_), true) => {
            next.run.status = failed(format!("{summary}; it stopped the engine twice without scoring a candidate between, so it is not resumed again"));
            notice.push_str(". A fresh engine was started; the run, which stopped it twice, was not resumed.");
        }
        (run_id, false) => {
            if run_id.is_some() {
                next.run.status = failed(summary.clone());
            }
            notice.push_str(". It stopped again right after a restart, so it was not restarted: reload the page.");
        }
        (None, true) => notice.push_str(". A fresh engine was started."),
    }
    if matches!(next.files.status, FilesStatus::Reading { .. }) {
        next.files.status = FilesStatus::Refused(format!("reading these files stopped the engine ({summary}); choose other files"));
    }
    stop_engine(next, message, notice);
}

/// Marks the engine failed and tells the user, unless it has already failed: a dying worker
/// reports its panic, then traps, then may fail again on callbacks; only the first counts.
pub(crate) fn stop_engine(next: &mut AppState, reason: String, notice: String) {
    if !matches!(next.engine, EngineStatus::Failed(_)) {
        next.engine = EngineStatus::Failed(reason);
        next.check.running = false;
        push_notice(next, notice);
    }
}

pub(crate) fn toggle(fields: &mut Vec<Field>, field: Field) {
    if let Some(at) = fields.iter().position(|f| *f == field) {
        fields.remove(at);
    } else {
        fields.push(field);
        fields.sort();
    }
}
