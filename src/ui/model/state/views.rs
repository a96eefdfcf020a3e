//! Small views of the page's state: the device check, the candidate table's order, and the
//! saved runs drawn over the hypervolume chart.

use protocol::{CheckStep, DeviceCheckSummary};

use crate::model::run::SortKey;
use crate::model::saved::Overlay;

use super::{AppState, push_notice};

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

/// Saved runs drawn over the chart at most.
pub const MAX_OVERLAYS: usize = 6;

/// Draws `overlay` over the hypervolume chart, unless its objectives differ from the current
/// run's (a hypervolume compares only over the same objectives) or the chart is full.
pub(super) fn overlay_loaded(next: &mut AppState, overlay: Overlay) {
    let objectives = next.run.objectives();
    if !objectives.is_empty() && objectives != overlay.objectives.as_slice() {
        let names = |o: &[engine::search::Objective]| o.iter().map(|o| o.name()).collect::<Vec<_>>().join(", ");
        let why = format!("its objectives ({}) are not this run's ({})", names(&overlay.objectives), names(objectives));
        push_notice(next, format!("Overlay: {} cannot be compared: {why}", overlay.label));
    } else if next.overlays.len() >= MAX_OVERLAYS {
        push_notice(next, format!("Overlay: at most {MAX_OVERLAYS} runs are drawn; take one off first"));
    } else if !next.overlays.iter().any(|o| o.run_id == overlay.run_id) {
        next.overlays.push(overlay);
    }
}
