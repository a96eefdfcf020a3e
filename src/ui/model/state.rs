//! The page's state and its reducer: `reduce(&AppState, Action) -> AppState`, plus
//! [`follow_up`], which says what the page must do in answer to an engine message.
//!
//! ```
//! use ui::model::state::{reduce, Action, AppState, EngineStatus};
//! use protocol::{FromEngine, BackendReport};
//! let state = reduce(&AppState::default(), Action::Engine(vec![FromEngine::Ready {
//!     backend: BackendReport::Cpu { reason: "no adapter".into() },
//! }]));
//! assert_eq!(state.engine, EngineStatus::Ready);
//! assert_eq!(state.cpu_fallback_reason(), Some("no adapter"));
//! ```

use engine::hardware::Target;
use engine::search::{LatencySource, Objective, StrategyKind};
use engine::space::Op;
use protocol::{
    BackendPreference, BackendReport, CheckStep, DeviceCheckRequest, DeviceCheckSummary, FromEngine,
    PROTOCOL_VERSION, RunControl, RunRequest,
};
use crate::model::form::{DatasetKind, Field, RunForm};
use crate::model::link::{Lesson, decode, encode};
use engine::space::Space;
use protocol::{DatasetChoice, DatasetSummary, FileFormat, RunEnd};
use crate::model::export::read_genotype;
use protocol::results::RunResults;
use protocol::saved::{SavedError, SavedRun, SavedStatus};
use crate::model::run::{RunStatus, RunView, SortKey};
use crate::model::saved::{self, SavedEntry};

/// Where the engine worker is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EngineStatus {
    /// Spawned, waiting for its wasm to boot and its backend to start.
    #[default]
    Starting,
    /// Backend up; accepts work.
    Ready,
    /// Stopped by a fault; the message says why.
    Failed(String),
}

/// The device check as the page shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckView {
    /// A check is running.
    pub running: bool,
    /// Steps of the current or last check.
    pub steps_total: u32,
    /// Parameters of the check network.
    pub parameters: u64,
    /// Steps reported so far.
    pub steps: Vec<CheckStep>,
    /// Summary once finished.
    pub summary: Option<DeviceCheckSummary>,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    /// The engine worker's status.
    pub engine: EngineStatus,
    /// The backend the engine reported.
    pub backend: Option<BackendReport>,
    /// The device check.
    pub check: CheckView,
    /// The steps field as typed.
    pub steps_input: String,
    /// The seed field as typed.
    pub seed_input: String,
    /// Messages for the user, newest last.
    pub notices: Vec<String>,
    /// Set once a WebGPU fault forced the engine onto the CPU: the reason, shown in the banner.
    pub forced_cpu_reason: Option<String>,
    /// The latest follow-up the page must carry out, numbered so each is carried out once.
    pub pending: Option<(u64, FollowUp)>,
    /// The search configuration as edited.
    pub form: RunForm,
    /// The current or last run.
    pub run: RunView,
    /// The candidate opened (index into the run's candidates).
    pub selected: Option<usize>,
    /// Objective indices on the Pareto plot's x and y axes.
    pub axes: (usize, usize),
    /// How the candidate table is ordered and filtered.
    pub table: TableView,
    /// Controls a lesson link hides.
    pub hidden: Vec<Field>,
    /// Controls a lesson link locks.
    pub locked: Vec<Field>,
    /// Saved runs, newest first.
    pub saved: Vec<SavedEntry>,
    /// An unfinished saved run the page offers to resume.
    pub resume_offer: Option<SavedEntry>,
    /// A run whose offer the user dismissed.
    pub offer_dismissed: Option<String>,
    /// Counts the changes after which the list of saved runs must be read again.
    pub saved_changes: u64,
    /// The user's dataset files.
    pub files: FilesView,
    /// A run the GPU lost, to continue from its checkpoint once the engine is back on the CPU.
    pub resume_after_restart: Option<String>,
    /// The genotype to train alone, as pasted or read from a file.
    pub import_text: String,
}

/// The user's dataset files as the page knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct FilesView {
    /// How the files are to be read.
    pub format: FileFormat,
    /// Where they are.
    pub status: FilesStatus,
}

impl Default for FilesView {
    fn default() -> Self {
        FilesView { format: FileFormat::Cifar10, status: FilesStatus::None }
    }
}

/// Where the user's files are.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum FilesStatus {
    /// None chosen.
    #[default]
    None,
    /// Being read (this many files, bytes).
    Reading {
        /// Files.
        files: usize,
        /// Their total size.
        bytes: u64,
    },
    /// Read by the engine.
    Loaded(DatasetSummary),
    /// Refused: what is wrong.
    Refused(String),
}

/// Order and filters of the candidate table.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TableView {
    /// Column sorted by.
    pub sort: SortKey,
    /// Largest first.
    pub descending: bool,
    /// Only the Pareto front.
    pub front_only: bool,
    /// Only candidates that satisfy every constraint.
    pub feasible_only: bool,
}

impl Default for AppState {
    fn default() -> Self {
        let request = DeviceCheckRequest::default();
        Self {
            engine: EngineStatus::Starting,
            backend: None,
            check: CheckView::default(),
            steps_input: request.steps.to_string(),
            seed_input: request.seed.to_string(),
            notices: Vec::new(),
            forced_cpu_reason: None,
            pending: None,
            form: RunForm::default(),
            run: RunView::default(),
            selected: None,
            axes: (0, 1),
            table: TableView::default(),
            hidden: Vec::new(),
            locked: Vec::new(),
            saved: Vec::new(),
            resume_offer: None,
            offer_dismissed: None,
            saved_changes: 0,
            files: FilesView::default(),
            resume_after_restart: None,
            import_text: String::new(),
        }
    }
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Messages from the engine, in the order they came.
    Engine(Vec<FromEngine>),
    /// The worker sent something this page cannot read, or failed to load.
    WorkerFailed(String),
    /// The engine is being restarted on the CPU for the reason given.
    RestartingOnCpu(String),
    /// The steps field changed.
    StepsEdited(String),
    /// The seed field changed.
    SeedEdited(String),
    /// The user asked for a device check (sent to the engine by the component).
    CheckRequested,
    /// The user dismissed notice `index`.
    DismissNotice(usize),
    /// A typed field of the search form changed.
    FormEdited(Field, String),
    /// A dataset was chosen.
    DatasetChosen(DatasetKind),
    /// A strategy was chosen.
    StrategyChosen(StrategyKind),
    /// A hardware target was chosen.
    TargetChosen(Target),
    /// The latency objective's source was chosen.
    LatencyChosen(LatencySource),
    /// An objective was switched on or off.
    ObjectiveToggled(Objective),
    /// An op was switched on or off.
    OpToggled(Op),
    /// Weight inheritance was switched.
    InheritanceSet(bool),
    /// Training the reference architectures was switched.
    ReferencesSet(bool),
    /// The user pressed Search (the component sends [`AppState::run_request`] to the engine).
    SearchRequested,
    /// The genotype to import was edited (or read from a file).
    ImportEdited(String),
    /// The user asked to train the imported genotype alone (the component sends
    /// [`AppState::import_request`] to the engine).
    ImportedTrainingRequested,
    /// The user pressed Pause, Resume, Step or Stop (sent to the engine by the component).
    ControlRequested(RunControl),
    /// A candidate was opened (or closed with `None`).
    Select(Option<usize>),
    /// The Pareto plot's x axis shows objective `index`.
    AxisX(usize),
    /// The Pareto plot's y axis shows objective `index`.
    AxisY(usize),
    /// The table is sorted by this column (again: the other way round).
    SortBy(SortKey),
    /// The table shows only the front.
    FrontOnly(bool),
    /// The table shows only feasible candidates.
    FeasibleOnly(bool),
    /// The page was opened with this URL fragment (a lesson link, or empty).
    LinkOpened(String),
    /// The instructor switched hiding a control in the lesson link.
    HideToggled(Field),
    /// The instructor switched locking a control in the lesson link.
    LockToggled(Field),
    /// The saved runs as storage returned them.
    SavedListed(Vec<Result<SavedRun, SavedError>>),
    /// A saved run was read back with its events: shown read-only, or about to be resumed.
    SavedOpened {
        /// The run.
        run: Box<SavedRun>,
        /// Its saved events (up to its checkpoint when resuming).
        events: Vec<FromEngine>,
        /// Whether the engine is asked to continue it.
        resume: bool,
    },
    /// A saved run was deleted.
    SavedDeleted(String),
    /// The offer to resume a run was dismissed.
    ResumeOfferDismissed,
    /// The browser's storage failed; the message says how.
    StorageFailed(String),
    /// An export could not be handed to the browser.
    ExportFailed(String),
    /// A run-results file was chosen to open read-only (its text, or why it could not be read).
    RunImported(Result<String, String>),
    /// The format of the user's files was chosen.
    FileFormatChosen(FileFormat),
    /// Files were chosen and are being read and sent to the engine.
    FilesChosen {
        /// How many.
        files: usize,
        /// Their total size in bytes.
        bytes: u64,
    },
    /// The chosen files could not be read from disk.
    FilesUnreadable(String),
}

/// What the page must do after an engine message, beyond updating its state.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUp {
    /// Answer the worker's boot with this hello.
    SendHello(BackendPreference),
    /// Replace the worker with a fresh one on the CPU backend, for this reason.
    RestartOnCpu(String),
    /// Continue this saved run (after the engine restarted on the CPU).
    ResumeRun(String),
}

impl AppState {
    /// The device-check request the fields describe, or the message saying what is wrong.
    pub fn check_request(&self) -> Result<DeviceCheckRequest, String> {
        let steps = self
            .steps_input
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("steps must be a whole number, got {:?}", self.steps_input))?;
        let seed = self
            .seed_input
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("seed must be a whole number from 0 to {}, got {:?}", u64::MAX, self.seed_input))?;
        let request = DeviceCheckRequest { steps, seed };
        request.check().map_err(|error| error.to_string())?;
        Ok(request)
    }

    /// Whether the Check button may be pressed.
    pub fn can_check(&self) -> bool {
        self.engine == EngineStatus::Ready && !self.check.running && !self.run.status.active() && self.check_request().is_ok()
    }

    /// The run the form describes, named by the moment it starts (milliseconds since the Unix
    /// epoch), which keeps saved runs apart.
    pub fn run_request(&self, now_ms: f64) -> Result<RunRequest, crate::model::form::FormErrors> {
        let mut request = self.form.to_request()?;
        request.run_id = format!("run-{}-seed-{}", now_ms.max(0.0) as u64, request.search.seed);
        Ok(request)
    }

    /// Whether a saved run may be opened or resumed now (nothing else runs).
    pub fn can_open_saved(&self) -> bool {
        !self.check.running && !self.run.status.active()
    }

    /// Whether a saved run may be resumed now (the engine is up and idle).
    pub fn can_resume(&self) -> bool {
        self.engine == EngineStatus::Ready && self.can_open_saved()
    }

    /// The run in progress, if any (its saved record must not be offered or deleted).
    fn active_run_id(&self) -> Option<&str> {
        self.run.info.as_ref().filter(|_| self.run.status.active()).map(|info| info.run_id.as_str())
    }

    /// The lesson link fragment for the current settings, hidden and locked controls.
    pub fn lesson_link(&self) -> String {
        encode(&Lesson { form: self.form.clone(), hidden: self.hidden.clone(), locked: self.locked.clone() })
    }

    /// Whether the user may change `field` (not locked by a lesson link).
    pub fn editable(&self, field: Field) -> bool {
        !self.locked.contains(&field)
    }

    /// Whether Search may be pressed: the engine is up and idle, the form checks and, for the
    /// user's own files, they are loaded.
    pub fn can_search(&self) -> bool {
        self.ready_for_run() && self.form.to_request().is_ok()
    }

    /// The engine is up and idle and, for the user's own files, they are loaded.
    fn ready_for_run(&self) -> bool {
        let files_ready = self.form.dataset != DatasetKind::Files || matches!(self.files.status, FilesStatus::Loaded(_));
        self.engine == EngineStatus::Ready && !self.check.running && !self.run.status.active() && files_ready
    }

    /// The run that trains the imported genotype alone with the form's dataset and training
    /// settings, named by the moment it starts; or what is wrong.
    pub fn import_request(&self, now_ms: f64) -> Result<RunRequest, String> {
        if self.import_text.trim().is_empty() {
            return Err("paste a genotype (canonical text or an exported JSON file) or choose its file".into());
        }
        let genotype = read_genotype(&self.import_text)?;
        let mut request = self
            .form
            .to_request()
            .map_err(|_| "fix the settings above first: the architecture is trained with them".to_string())?;
        if matches!(request.dataset, DatasetChoice::Nb201 { .. }) {
            return Err("choose a dataset to train on: NAS-Bench-201 only looks cells up".into());
        }
        let space = Space::new(request.space.clone()).map_err(|e| format!("the search space above is not valid: {e}"))?;
        space.check_contains(&genotype).map_err(|e| format!("it is not in the search space above: {e}"))?;
        request.genotype = Some(genotype.to_text());
        request.run_id = format!("run-{}-imported", now_ms.max(0.0) as u64);
        Ok(request)
    }

    /// Whether the imported genotype may be trained now.
    pub fn can_train_imported(&self) -> bool {
        self.ready_for_run() && self.import_request(0.0).is_ok()
    }

    /// The reason WebGPU is not used, when the engine runs on the CPU.
    pub fn cpu_fallback_reason(&self) -> Option<&str> {
        match &self.backend {
            Some(BackendReport::Cpu { reason }) => Some(reason),
            _ => None,
        }
    }
}

/// The state after `action`. An engine message that calls for a [`FollowUp`] leaves it in
/// [`AppState::pending`] under a new number.
pub fn reduce(state: &AppState, action: Action) -> AppState {
    let mut next = state.clone();
    match action {
        Action::Engine(messages) => {
            for message in messages {
                let follow = follow_up(&next, &message);
                let restarting = matches!(follow, Some(FollowUp::RestartOnCpu(_)));
                if let Some(follow) = follow {
                    let number = next.pending.as_ref().map_or(1, |(number, _)| number + 1);
                    next.pending = Some((number, follow));
                }
                apply_engine_message(&mut next, message, restarting);
            }
        }
        Action::WorkerFailed(message) => stop_engine(&mut next, message.clone(), message),
        Action::RestartingOnCpu(reason) => {
            next.engine = EngineStatus::Starting;
            next.backend = None;
            next.check = CheckView::default();
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
        Action::FormEdited(field, text) if state.editable(field) => next.form.set(field, &text),
        Action::DatasetChosen(kind) if state.editable(Field::Dataset) => next.form.dataset = kind,
        Action::StrategyChosen(kind) if state.editable(Field::Strategy) => next.form.strategy = kind,
        Action::TargetChosen(target) if state.editable(Field::Target) => next.form.target = target,
        Action::LatencyChosen(source) if state.editable(Field::Latency) => next.form.latency = source,
        Action::ObjectiveToggled(objective) if state.editable(Field::Objectives) => next.form.toggle_objective(objective),
        Action::OpToggled(op) if state.editable(Field::Ops) => next.form.toggle_op(op),
        Action::InheritanceSet(on) if state.editable(Field::Inheritance) => next.form.inheritance = on,
        Action::ReferencesSet(on) if state.editable(Field::References) => next.form.references = on,
        Action::FormEdited(..)
        | Action::DatasetChosen(_)
        | Action::StrategyChosen(_)
        | Action::TargetChosen(_)
        | Action::LatencyChosen(_)
        | Action::ObjectiveToggled(_)
        | Action::OpToggled(_)
        | Action::InheritanceSet(_)
        | Action::ReferencesSet(_) => {}
        Action::SearchRequested | Action::ImportedTrainingRequested => {
            let allowed = match action {
                Action::SearchRequested => state.can_search(),
                _ => state.can_train_imported(),
            };
            if allowed {
                next.run = RunView { status: RunStatus::Starting, ..RunView::default() };
                next.selected = None;
                next.axes = (0, 1.min(next.form.objectives.len().saturating_sub(1)));
            }
        }
        Action::ImportEdited(text) => next.import_text = text,
        Action::ControlRequested(_) => {}
        Action::Select(index) => next.selected = index.filter(|&i| i < next.run.candidates.len()),
        Action::AxisX(index) => next.axes.0 = index,
        Action::AxisY(index) => next.axes.1 = index,
        Action::SortBy(key) => {
            next.table.descending = next.table.sort == key && !next.table.descending;
            next.table.sort = key;
        }
        Action::LinkOpened(fragment) => {
            if !fragment.trim_start_matches('#').is_empty() {
                match decode(&fragment) {
                    Ok(lesson) => {
                        next.form = lesson.form;
                        next.hidden = lesson.hidden;
                        next.locked = lesson.locked;
                    }
                    Err(problem) => push_notice(
                        &mut next,
                        format!("This lesson link cannot be used: {problem}. The default settings are shown instead."),
                    ),
                }
            }
        }
        Action::HideToggled(field) => toggle(&mut next.hidden, field),
        Action::LockToggled(field) => toggle(&mut next.locked, field),
        Action::FrontOnly(on) => next.table.front_only = on,
        Action::FeasibleOnly(on) => next.table.feasible_only = on,
        Action::SavedListed(runs) => {
            let (entries, problems) = saved::entries(&runs);
            let active = state.active_run_id().map(str::to_string);
            next.saved = entries.into_iter().filter(|e| Some(&e.run_id) != active.as_ref()).collect();
            next.resume_offer = next
                .saved
                .iter()
                .find(|e| e.unfinished && Some(&e.run_id) != next.offer_dismissed.as_ref())
                .cloned();
            for problem in problems {
                push_notice(&mut next, problem);
            }
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
        Action::StorageFailed(problem) => push_notice(&mut next, format!("Saved runs: {problem}")),
        Action::ExportFailed(problem) => push_notice(&mut next, format!("Export: {problem}")),
        Action::RunImported(text) => match text.and_then(|text| RunResults::read(&text)) {
            Ok(results) if state.can_open_saved() => match results.info.clone() {
                Some(info) => {
                    let objectives = info.objectives.len();
                    next.run = RunView::restored(info, &results.events(), RunStatus::Finished(results.ended()), results.seconds);
                    next.selected = None;
                    next.axes = (0, 1.min(objectives.saturating_sub(1)));
                }
                None => push_notice(&mut next, "Import: the run results hold no run (no \"info\")".to_string()),
            },
            Ok(_) => push_notice(&mut next, "Import: a run is under way; open the file when it has ended".to_string()),
            Err(problem) => push_notice(&mut next, format!("Import: {problem}")),
        },
        Action::FileFormatChosen(format) if state.editable(Field::Dataset) => {
            if format != next.files.format {
                next.files = FilesView { format, status: FilesStatus::None };
            }
        }
        Action::FileFormatChosen(_) => {}
        Action::FilesChosen { files, bytes } => next.files.status = FilesStatus::Reading { files, bytes },
        Action::FilesUnreadable(problem) => next.files.status = FilesStatus::Refused(problem),
    }
    next
}

/// Applies one engine message; `restarting` says the page will restart the engine on the CPU
/// in answer to it.
fn apply_engine_message(next: &mut AppState, message: FromEngine, restarting: bool) {
    if matches!(message, FromEngine::RunFinished { .. }) {
        next.saved_changes += 1;
    }
    if next.run.apply(&message) {
        if let FromEngine::RunFinished { end: protocol::RunEnd::Failed { message }, .. } = &message {
            push_notice(next, format!("The search stopped: {message}"));
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
        FromEngine::Crashed { message } => {
            let run_id = next.run.info.as_ref().map(|info| info.run_id.clone());
            match run_id.filter(|_| next.run.status.active()) {
                // The GPU failed under a run: it goes on from its checkpoint on the CPU.
                Some(run_id) if restarting => {
                    next.run.status = RunStatus::Starting;
                    next.run.training = None;
                    next.resume_after_restart = Some(run_id);
                }
                Some(_) => {
                    next.run.status = RunStatus::Finished(protocol::RunEnd::Failed { message: crash_summary(&message) });
                }
                None => {}
            }
            let notice = format!("The engine stopped: {message}");
            stop_engine(next, message, notice);
        }
        _ => {}
    }
}

/// Marks the engine failed and tells the user, unless it has already failed: a dying worker
/// reports its panic, then traps, then may fail again on callbacks; only the first counts.
fn stop_engine(next: &mut AppState, reason: String, notice: String) {
    if !matches!(next.engine, EngineStatus::Failed(_)) {
        next.engine = EngineStatus::Failed(reason);
        next.check.running = false;
        push_notice(next, notice);
    }
}

fn toggle(fields: &mut Vec<Field>, field: Field) {
    if let Some(at) = fields.iter().position(|f| *f == field) {
        fields.remove(at);
    } else {
        fields.push(field);
        fields.sort();
    }
}

/// Longest crash summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;

/// A panic report without its source location (`panicked at file:line:col:`), cut to
/// [`MAX_SUMMARY_CHARS`]: what a banner can show.
pub fn crash_summary(message: &str) -> String {
    let message = match message.strip_prefix("panicked at ").and_then(|rest| rest.split_once('\n')) {
        Some((_, what)) => what.trim(),
        None => message.trim(),
    };
    cut(message, MAX_SUMMARY_CHARS)
}

fn cut(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Most notices kept; older ones are dropped first.
pub const MAX_NOTICES: usize = 4;
/// Longest notice kept, in characters; longer ones are cut with an ellipsis.
pub const MAX_NOTICE_CHARS: usize = 500;

/// Adds a notice, cut to [`MAX_NOTICE_CHARS`], unless it repeats the newest one; keeps the
/// newest [`MAX_NOTICES`].
fn push_notice(next: &mut AppState, notice: String) {
    let notice = cut(&notice, MAX_NOTICE_CHARS);
    if next.notices.last() == Some(&notice) {
        return;
    }
    next.notices.push(notice);
    let excess = next.notices.len().saturating_sub(MAX_NOTICES);
    next.notices.drain(..excess);
}

/// What the page must do in answer to `message`, given the state before it.
///
/// Only the first crash of an engine counts: a dying wasm instance may report several.
/// A boot is answered with a hello (on the CPU once a WebGPU fault forced a restart); a crash on
/// WebGPU restarts the engine on the CPU, but a crash on the CPU does not (it would only repeat).
pub fn follow_up(before: &AppState, message: &FromEngine) -> Option<FollowUp> {
    match message {
        FromEngine::Booted { protocol_version } if *protocol_version == PROTOCOL_VERSION => {
            let preference = match &before.forced_cpu_reason {
                Some(reason) => BackendPreference::Cpu { reason: reason.clone() },
                None => BackendPreference::Auto,
            };
            Some(FollowUp::SendHello(preference))
        }
        FromEngine::Ready { .. } => before.resume_after_restart.clone().map(FollowUp::ResumeRun),
        FromEngine::Crashed { .. } if matches!(before.engine, EngineStatus::Failed(_)) => None,
        FromEngine::Crashed { message } => match (&before.backend, &before.forced_cpu_reason) {
            (Some(BackendReport::Webgpu { .. }) | None, None) => {
                Some(FollowUp::RestartOnCpu(format!("WebGPU failed: {}", crash_summary(message))))
            }
            _ => None,
        },
        _ => None,
    }
}
