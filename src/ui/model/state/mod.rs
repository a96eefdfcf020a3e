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

mod ablation;
mod calibration;
pub mod backends;
mod files;
mod import;
mod notices;
mod reducer;
mod views;

use engine::search::{LatencySource, Objective, StrategyKind};
use engine::space::Op;
use protocol::{
    BackendReport, DeviceCheckRequest, FromEngine, RunControl, RunRequest,
};
use crate::model::form::{DatasetKind, Field, RunForm};
use crate::model::link::{Lesson, encode};
use protocol::{DatasetChoice, FileFormat};
use protocol::saved::{SavedError, SavedRun};
use crate::model::run::{RunView, SortKey};
use crate::model::saved::SavedEntry;

pub use ablation::AblationView;
pub use calibration::CalibrationView;
pub use backends::{BackendChoice, BackendsView};
pub use files::{FilesStatus, FilesView};
pub use notices::{FollowUp, MAX_NOTICE_CHARS, MAX_NOTICES, MAX_SUMMARY_CHARS, crash_summary, follow_up};
pub(crate) use notices::push_notice;
pub use reducer::*;
pub use views::{CheckView, TableView};

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
    /// The runs whose lock some tab holds (`None` where the browser cannot tell).
    pub held_runs: Option<Vec<String>>,
    /// A run whose offer the user dismissed.
    pub offer_dismissed: Option<String>,
    /// Counts the changes after which the list of saved runs must be read again.
    pub saved_changes: u64,
    /// The user's dataset files.
    pub files: FilesView,
    /// A run the GPU lost, to continue from its checkpoint once the engine is back on the CPU.
    pub resume_after_restart: Option<String>,
    /// Crash restarts since the engine last got something done (see `notices::follow_up`).
    pub crash_restarts: u32,
    /// The run resumed after the last crash, until it scores a candidate: if it stops the
    /// engine again first, it is not resumed a second time.
    pub restored_run: Option<String>,
    /// The genotype to train alone, as pasted or read from a file.
    pub import_text: String,
    /// The two backends: their timing and which one searches.
    pub backends: BackendsView,
    /// How the search was sized to the time budget (none: not sized, or edited since).
    pub plan: Option<String>,
    /// The visitor (or a lesson link) set the search's size: timings no longer resize it.
    pub sized_by_hand: bool,
    /// The ablation started in this page, if any.
    pub ablation: Option<AblationView>,
    /// The ablation's seeds field as typed.
    pub ablation_seeds: String,
    /// Saved runs drawn over the current run's hypervolume chart.
    pub overlays: Vec<crate::model::saved::Overlay>,
    /// This device's latency profile.
    pub calibration: CalibrationView,
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
            held_runs: None,
            offer_dismissed: None,
            saved_changes: 0,
            files: FilesView::default(),
            resume_after_restart: None,
            crash_restarts: 0,
            restored_run: None,
            import_text: String::new(),
            backends: BackendsView::default(),
            plan: None,
            sized_by_hand: false,
            ablation: None,
            ablation_seeds: "1".into(),
            overlays: Vec::new(),
            calibration: CalibrationView::default(),
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
    /// A training recipe was chosen (its learning rate comes with it).
    RecipeChosen(protocol::TrainingRecipe),
    /// A hardware target was chosen.
    TargetChosen(crate::model::form::TargetChoice),
    /// The page read this device's profile kept under `key` (none kept: the engine calibrates
    /// `blocks` blocks and networks).
    ProfileRead {
        /// Its key.
        key: String,
        /// The profile kept, if one was.
        kept: Option<Box<engine::hardware::LatencyTable>>,
        /// What calibration times, when none was kept.
        blocks: u32,
    },
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
    /// The user started this ablation (the component sends its first search to the engine).
    AblationRequested(Box<protocol::ablation::AblationPlan>),
    /// The ablation's seeds field changed.
    AblationSeedsEdited(String),
    /// A saved run was read to draw over the hypervolume chart.
    OverlayLoaded(Box<crate::model::saved::Overlay>),
    /// The overlay of this run was taken off the chart.
    OverlayRemoved(String),
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
    /// The runs whose lock is held now (`None`: the browser has no Web Locks).
    HeldRuns(Option<Vec<String>>),
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
    /// A timing of both backends kept from an earlier visit, for the signature asked about.
    SpeedsRemembered(protocol::BackendSpeeds),
    /// The visitor chose which backend searches (in the device panel).
    BackendChosen(BackendChoice),
    /// The choice kept from an earlier visit (read at start-up, before the engine is ready).
    BackendChoiceRemembered(BackendChoice),
    /// Time both backends again, on the settings in the form.
    TimeBackendsRequested,
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

impl AppState {
    /// The device-check request the fields describe, or the message saying what is wrong.
    pub fn check_request(&self) -> Result<DeviceCheckRequest, String> {
        let steps = self
            .steps_input
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("steps must be a whole number, got {}", engine::text::quoted(&self.steps_input)))?;
        let seed = self
            .seed_input
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("seed must be a whole number from 0 to {}, got {}", u64::MAX, engine::text::quoted(&self.seed_input)))?;
        let request = DeviceCheckRequest { steps, seed };
        request.check().map_err(|error| error.to_string())?;
        Ok(request)
    }

    /// Whether the Check button may be pressed.
    pub fn can_check(&self) -> bool {
        self.engine == EngineStatus::Ready
            && !self.check.running
            && !self.run.status.active()
            && !self.backends.timing
            && self.check_request().is_ok()
    }

    /// The run the form describes, named by the moment it starts (milliseconds since the Unix
    /// epoch), which keeps saved runs apart.
    pub fn run_request(&self, now_ms: f64) -> Result<RunRequest, crate::model::form::FormErrors> {
        let mut request = self.form.to_request()?;
        request.run_id = format!("run-{}-seed-{}", now_ms.max(0.0) as u64, request.search.seed);
        if self.wants_profile() {
            let why = "this device is not calibrated for this space yet: wait for its calibration, or choose a board";
            let profile = self.profile().ok_or_else(|| crate::model::form::FormErrors::from([(Field::Target, why.to_string())]))?;
            request.latency_table = Some(profile.clone());
        }
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

    /// Whether Search may be pressed: the engine is up and idle, the form checks, its widest
    /// network fits this device and, for the user's own files, they are loaded.
    pub fn can_search(&self) -> bool {
        self.ready_for_run() && self.form.to_request().is_ok() && self.memory_problem().is_none() && (!self.wants_profile() || self.profile().is_some())
    }

    /// Why the widest network of the form's space would not fit this device's memory at the
    /// form's batch size, with the figures (see `engine::memory`); `None` when it fits, or
    /// before the device (or the user's files) is known.
    pub fn memory_problem(&self) -> Option<String> {
        let request = self.form.to_request().ok()?;
        let mut space = request.space;
        match (&request.dataset, &self.files.status) {
            (DatasetChoice::Nb201 { .. }, _) => return None,
            (DatasetChoice::Files, FilesStatus::Loaded(summary)) => space.input = summary.shape,
            (DatasetChoice::Files, _) => return None,
            _ => {}
        }
        let limits = self.backend.as_ref()?.memory_limits();
        let memory = engine::memory::training_memory(&space, &engine::memory::widest(&space), request.training.batch_size, 1);
        let why = limits.check(&memory).err()?;
        Some(format!("The widest network of this space does not fit this device: {why}. Lower the cell widths or the batch size."))
    }

    /// The engine is up and idle and, for the user's own files, they are loaded.
    fn ready_for_run(&self) -> bool {
        let files_ready = self.form.dataset != DatasetKind::Files || matches!(self.files.status, FilesStatus::Loaded(_));
        let calibrating = self.calibration.running();
        self.engine == EngineStatus::Ready && !self.check.running && !self.run.status.active() && !self.backends.timing && files_ready && !calibrating
    }

    /// The reason WebGPU is not used, when the engine runs on the CPU.
    pub fn cpu_fallback_reason(&self) -> Option<&str> {
        match &self.backend {
            Some(BackendReport::Cpu { reason }) => Some(reason),
            _ => None,
        }
    }
}
