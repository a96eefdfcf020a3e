//! The two backends as the page knows them: the WebGPU adapter (if any), both backends timed on
//! a network of the space, which one searches and whether the visitor chose it. The worker
//! times them once it is up (the CPU alone when it has no WebGPU or the visitor chose the CPU;
//! nothing when the visitor chose WebGPU); a timing kept from an earlier visit on the same
//! adapter and space is used instead of timing again. The timing also sizes a search to a time
//! budget (see [`crate::model::plan`]).

use engine::space::InputShape;
use protocol::{AdapterInfo, BackendKind, BackendSpeeds, RunRequest, SpeedRequest, WebgpuSpeed};

use crate::model::plan::{Sizing, fit};

use super::*;

/// Which backend searches, as the visitor set it in the device panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// The faster one as timed.
    #[default]
    Faster,
    /// This one, whatever the timing says.
    Always(BackendKind),
}

impl BackendChoice {
    /// The value of the device panel's control: `faster`, `webgpu` or `cpu`.
    pub fn key(self) -> &'static str {
        match self {
            BackendChoice::Faster => "faster",
            BackendChoice::Always(BackendKind::Webgpu) => "webgpu",
            BackendChoice::Always(BackendKind::Cpu) => "cpu",
        }
    }

    /// The choice whose key is `key`.
    pub fn from_key(key: &str) -> Option<BackendChoice> {
        [BackendChoice::Faster, BackendChoice::Always(BackendKind::Webgpu), BackendChoice::Always(BackendKind::Cpu)]
            .into_iter()
            .find(|c| c.key() == key)
    }
}

/// What the page knows of the two backends.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BackendsView {
    /// The adapter the worker reported at start (none: it runs on the CPU only).
    pub adapter: Option<AdapterInfo>,
    /// Both are being timed.
    pub timing: bool,
    /// What the timing is for: adapter, input shape, first widths and batch (see [`speed_signature`]).
    pub signature: Option<String>,
    /// The last timing.
    pub speeds: Option<BackendSpeeds>,
    /// The timing was kept from an earlier visit.
    pub remembered: bool,
    /// The visitor's choice.
    pub choice: BackendChoice,
}

impl BackendsView {
    /// The backend that should search now and why, when the page knows enough to say.
    pub fn wanted(&self) -> Option<(BackendKind, String)> {
        match (self.choice, &self.speeds) {
            (BackendChoice::Always(kind), _) => Some((kind, format!("{} chosen in the device panel", kind.name()))),
            (BackendChoice::Faster, Some(speeds)) => Some((speeds.faster(), format!("the faster here: {}", speeds.reason()))),
            (BackendChoice::Faster, None) => None,
        }
    }
}

/// What identifies a timing: the same adapter (or none), input, first stage, batch and
/// backends time alike.
pub fn speed_signature(adapter: Option<&AdapterInfo>, request: &SpeedRequest) -> String {
    let space = &request.space;
    let input = space.input;
    let adapter = adapter.map_or("no adapter".to_string(), |a| format!("{}/{}/{}", a.vendor, a.architecture, a.description));
    format!(
        "{adapter}|{}x{}x{}|{}|{:?}|{}|{}",
        input.channels, input.height, input.width, space.stem_width, space.cell_widths.first(), request.batch_size, request.webgpu
    )
}

impl AppState {
    /// The timing request for the settings in the form (the page's defaults when they do not
    /// check): a generation-0 network of its space, on its dataset's input, at its batch size;
    /// on WebGPU too when `webgpu`.
    pub fn speed_request(&self, webgpu: bool) -> SpeedRequest {
        let request = self.form.to_request().unwrap_or_else(|_| RunRequest::default_digits());
        let mut space = request.space;
        (space.input, space.classes) = match (&self.form.dataset, &self.files.status) {
            (DatasetKind::Procedural, _) => (InputShape::RGB32, 10),
            (DatasetKind::Files, FilesStatus::Loaded(summary)) => (summary.shape, summary.classes),
            _ => (InputShape::DIGITS, 10),
        };
        SpeedRequest { space, batch_size: request.training.batch_size, seed: request.search.seed, webgpu }
    }
}

impl AppState {
    /// The backend that searches (as the page wants it) and its measured step time, when timed.
    pub fn step_time(&self) -> Option<(BackendKind, f64)> {
        let speeds = self.backends.speeds.as_ref()?;
        match self.backends.wanted().map_or(BackendKind::Cpu, |(kind, _)| kind) {
            BackendKind::Cpu => Some((BackendKind::Cpu, speeds.cpu.median_step_ms)),
            BackendKind::Webgpu => match &speeds.webgpu {
                WebgpuSpeed::Measured { speed } => Some((BackendKind::Webgpu, speed.median_step_ms)),
                _ => None,
            },
        }
    }
}

/// Sizes the search in the form to its time budget at the measured step time, the stages'
/// schedule with it (fields a lesson locks stay), and says how; without a budget, a timing or training, leaves the form as it is.
pub(super) fn fit_to_budget(next: &mut AppState) {
    next.plan = None;
    let (Some(budget_s), Some((kind, step_ms))) = (next.form.time_budget_s(), next.step_time()) else { return };
    if next.form.dataset.tabular() {
        return;
    }
    let batch_size = next.form.get(Field::BatchSize).trim().parse().unwrap_or(protocol::TrainingSettings::default().batch_size);
    let rungs = next.form.get(Field::Rungs).trim().parse().ok();
    let sizing = Sizing { references: next.form.references, inheritance: next.form.inheritance, batch_size, rungs };
    let plan = fit(budget_s, step_ms, sizing);
    for (field, value) in [
        (Field::Population, plan.population),
        (Field::Generations, plan.generations),
        (Field::Steps, plan.steps),
        (Field::FineTuneSteps, plan.fine_tune_steps),
        (Field::Stage2At, plan.stages_at.0),
        (Field::Stage3At, plan.stages_at.1),
    ] {
        if next.editable(field) {
            next.form.set(field, &value.to_string());
        }
    }
    let backend = match kind {
        BackendKind::Cpu => "the CPU",
        BackendKind::Webgpu => "WebGPU",
    };
    next.plan = Some(plan.explain(budget_s, step_ms, backend));
}

/// Sizes the search to its budget again, unless the visitor sized it by hand.
pub(super) fn refit(next: &mut AppState) {
    if !next.sized_by_hand {
        fit_to_budget(next);
    }
}

/// Leaves `follow` as the page's next follow-up.
fn push_follow_up(next: &mut AppState, follow: FollowUp) {
    let number = next.pending.as_ref().map_or(1, |(number, _)| number + 1);
    next.pending = Some((number, follow));
}

/// The follow-up that puts the wanted backend to work, unless it already is (or there is no
/// choice to make: without WebGPU the CPU searches, for the reason the engine gave).
fn use_wanted(next: &mut AppState) {
    if next.backends.adapter.is_none() {
        return;
    }
    let Some((kind, reason)) = next.backends.wanted() else { return };
    let current = match &next.backend {
        Some(BackendReport::Webgpu { .. }) => Some(BackendKind::Webgpu),
        Some(BackendReport::Cpu { .. }) => Some(BackendKind::Cpu),
        None => None,
    };
    let reason_changed = matches!((&next.backend, kind), (Some(BackendReport::Cpu { reason: now }), BackendKind::Cpu) if *now != reason);
    if current != Some(kind) || reason_changed {
        push_follow_up(next, FollowUp::UseBackend(kind, reason));
    }
}

/// Nothing holds the engine: no run, no check, no timing.
fn idle(state: &AppState) -> bool {
    state.engine == EngineStatus::Ready && !state.run.status.active() && !state.check.running && !state.backends.timing
}

impl AppState {
    /// Whether the device panel may choose or time the backends now: there are two, and
    /// nothing runs.
    pub fn can_choose_backend(&self) -> bool {
        self.backends.adapter.is_some() && idle(self)
    }
}

/// Asks for a timing of the form's settings (WebGPU's too when there is one and the visitor
/// lets the faster search); a kept one for the same signature is used instead when
/// `kept_will_do` (at start-up), not when the visitor asked for a new one.
fn start_timing(next: &mut AppState, kept_will_do: bool) {
    let webgpu = next.backends.adapter.is_some() && next.backends.choice == BackendChoice::Faster;
    let request = next.speed_request(webgpu);
    let signature = speed_signature(next.backends.adapter.as_ref(), &request);
    next.backends.timing = true;
    next.backends.signature = Some(signature.clone());
    let signature = if kept_will_do { signature } else { String::new() };
    push_follow_up(next, FollowUp::TimeBackends { request, signature });
}

/// Takes the dataset chosen and times the backends again when the form no longer matches the
/// timing's signature (a dataset of other images: another input shape), so the plan is sized
/// with the step time of what will train; a kept timing for the new signature serves. Nothing is
/// timed while something runs (a timing included) or before the first timing.
pub(super) fn dataset_chosen(next: &mut AppState, dataset: DatasetKind) {
    next.form.dataset = dataset;
    let Some(timed) = next.backends.signature.clone() else { return };
    if !idle(next) {
        return;
    }
    let webgpu = next.backends.adapter.is_some() && next.backends.choice == BackendChoice::Faster;
    if speed_signature(next.backends.adapter.as_ref(), &next.speed_request(webgpu)) != timed {
        start_timing(next, true);
    }
}

/// The backends' part of the reducer.
pub(super) fn backends(state: &AppState, next: &mut AppState, action: Action) {
    match action {
        Action::SpeedsRemembered(speeds) if state.backends.timing => {
            next.backends = BackendsView { timing: false, speeds: Some(speeds), remembered: true, ..state.backends.clone() };
            use_wanted(next);
            refit(next);
        }
        Action::BackendChosen(choice) if state.can_choose_backend() => {
            next.backends.choice = choice;
            use_wanted(next);
            refit(next);
        }
        Action::BackendChoiceRemembered(choice) => next.backends.choice = choice,
        Action::TimeBackendsRequested if state.can_choose_backend() => start_timing(next, false),
        _ => {}
    }
}

/// An engine message's effect on the backends: WebGPU's first report starts their timing; a
/// timing puts the wanted backend to work.
pub(super) fn backends_heard(next: &mut AppState, message: &FromEngine) {
    match message {
        // The engine's first report: time it, unless the visitor chose a backend (then it just
        // searches; the panel can ask for a timing) or a run lost on the GPU is to go on first.
        FromEngine::Ready { backend } if next.backends.signature.is_none() && !next.backends.timing => {
            if let BackendReport::Webgpu { adapter } = backend {
                next.backends.adapter = Some(adapter.clone());
            }
            match (next.backends.adapter.is_some(), next.backends.choice) {
                _ if next.resume_after_restart.is_some() => {}
                (true, BackendChoice::Always(_)) => use_wanted(next),
                _ => start_timing(next, true),
            }
        }
        FromEngine::BackendsMeasured(speeds) => {
            next.backends.timing = false;
            next.backends.speeds = Some(speeds.clone());
            next.backends.remembered = false;
            use_wanted(next);
            refit(next);
        }
        FromEngine::Error(_) => next.backends.timing = false,
        _ => {}
    }
}
