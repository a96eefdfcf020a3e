//! This device's latency profile in the page: when the form asks for latency on this device,
//! the page reads the profile it kept for this backend and space in IndexedDB, or has the
//! engine calibrate one (with its progress) and keeps it; a search then carries it, so its
//! latency objective and limit are predicted for this device before anything is trained.

use engine::hardware::LatencyTable;
use engine::space::SpaceConfig;
use protocol::{BackendReport, CalibrationProgress, FromEngine};
use protocol::saved::profile_key;

use super::*;

/// Where this device's profile stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalibrationView {
    /// The profile held, and its key.
    pub profile: Option<(String, LatencyTable)>,
    /// It was kept from an earlier visit (not calibrated on this one).
    pub kept: bool,
    /// Calibration's progress while the engine calibrates.
    pub progress: Option<CalibrationProgress>,
    /// The key last asked for, so each is asked for once.
    pub asked: Option<String>,
    /// Why the last calibration failed.
    pub problem: Option<String>,
}

impl CalibrationView {
    /// Whether the engine is calibrating.
    pub fn running(&self) -> bool {
        self.progress.is_some()
    }
}

impl AppState {
    /// Whether the search needs this device's profile: the form asks for it and searches the
    /// architecture space (NAS-Bench-201's cells are looked up, never built here).
    pub fn wants_profile(&self) -> bool {
        self.form.this_device && !self.form.dataset.tabular()
    }

    /// The key of this device's profile for the form's space on the backend in use, and that
    /// space (input and classes as the run will have them); none before the backend is known,
    /// in NAS-Bench-201 mode, or while the form does not check.
    pub fn profile_key(&self) -> Option<(String, SpaceConfig)> {
        let request = self.form.to_request().ok()?;
        let mut space = request.space;
        match (&request.dataset, &self.files.status) {
            (DatasetChoice::Files, FilesStatus::Loaded(summary)) => (space.input, space.classes) = (summary.shape, summary.classes),
            (DatasetChoice::Nb201 { .. } | DatasetChoice::Files, _) => return None,
            _ => {}
        }
        let backend = match self.backend.as_ref()? {
            BackendReport::Webgpu { adapter } => format!("webgpu {} {} {}", adapter.vendor, adapter.architecture, adapter.description),
            BackendReport::Cpu { .. } => "cpu".to_string(),
        };
        Some((profile_key(&backend, &space), space))
    }

    /// The profile for the form's space on this backend, when the page holds it.
    pub fn profile(&self) -> Option<&LatencyTable> {
        let (key, _) = self.profile_key()?;
        self.calibration.profile.as_ref().filter(|(held, _)| *held == key).map(|(_, table)| table)
    }

    /// What the form says of this device's profile: calibrating (with the time left), kept,
    /// calibrated, failed, or still to calibrate; none when the form does not ask for it.
    pub fn calibration_status(&self) -> Option<String> {
        if !self.form.this_device {
            return None;
        }
        if !self.wants_profile() {
            return Some(format!("NAS-Bench-201's cells are looked up, not built here: their latency is the {} profile's", self.form.target.name()));
        }
        let c = &self.calibration;
        Some(match (&c.progress, self.profile(), &c.problem) {
            (Some(p), _, _) => match p.seconds_left() {
                Some(left) => format!("Calibrating this device: {} of {} timed, about {left:.0} s left", p.done, p.total),
                None => format!("Calibrating this device: {} blocks and networks to time", p.total),
            },
            (None, Some(table), _) => format!(
                "Latency predicted for this device ({}{}): {} blocks timed in {:.1} s{}; energy stays the {} profile's",
                table.measured.backend,
                if table.measured.adapter.is_empty() { String::new() } else { format!(", {}", table.measured.adapter) },
                table.blocks.len(),
                table.measured.seconds,
                if c.kept { ", kept from an earlier visit" } else { "" },
                self.form.target.name()
            ),
            (None, None, Some(problem)) => format!("This device could not be calibrated: {problem}"),
            (None, None, None) => "This device is calibrated once the engine is ready".to_string(),
        })
    }
}

/// After an action that left no follow-up of its own (`state` is the state before it): when
/// the form asks for latency on this device and the page holds no profile for its space and
/// backend, asks (once per key, with the engine idle) for the kept one or a calibration.
pub(crate) fn ask_for_profile(state: &AppState, next: &mut AppState) {
    let idle = next.engine == EngineStatus::Ready && !next.backends.timing && !next.check.running && !next.run.status.active();
    if !next.wants_profile() || !idle || next.calibration.running() || next.profile().is_some() {
        return;
    }
    let Some((key, space)) = next.profile_key() else { return };
    if next.calibration.asked.as_ref() == Some(&key) || next.pending != state.pending {
        return;
    }
    next.calibration.asked = Some(key.clone());
    let number = next.pending.as_ref().map_or(1, |(number, _)| number + 1);
    next.pending = Some((number, FollowUp::Profile { key, space: Box::new(space) }));
}

/// Calibration's messages from the engine.
pub(crate) fn heard(next: &mut AppState, message: &FromEngine) {
    match message {
        FromEngine::Calibrating(progress) => next.calibration.progress = Some(*progress),
        FromEngine::Calibrated { profile } => {
            let key = next.calibration.asked.clone().unwrap_or_default();
            next.calibration = CalibrationView { profile: Some((key.clone(), (**profile).clone())), asked: Some(key.clone()), ..CalibrationView::default() };
            let number = next.pending.as_ref().map_or(1, |(number, _)| number + 1);
            next.pending = Some((number, FollowUp::KeepProfile { key, profile: profile.clone() }));
        }
        FromEngine::Error(error) if next.calibration.running() && error.context == "calibrating this device" => {
            next.calibration.progress = None;
            next.calibration.problem = Some(error.message.clone());
        }
        _ => {}
    }
}

/// The page found the profile kept under `key` (`Some`), or sent the engine to calibrate one.
pub(crate) fn profile_read(next: &mut AppState, key: String, kept: Option<LatencyTable>, blocks: u32) {
    match kept {
        Some(table) => next.calibration = CalibrationView { profile: Some((key.clone(), table)), kept: true, asked: Some(key), ..CalibrationView::default() },
        None => {
            next.calibration.problem = None;
            next.calibration.progress = Some(CalibrationProgress { done: 0, total: blocks, elapsed_s: 0.0 });
        }
    }
}
