//! The paper's headline in the tab: once a search ends, each hand-designed reference set beside
//! the network the search found that matches it at the least compute — the candidate with the
//! fewest MACs whose accuracy is within one point of the reference's, or, when none is, the most
//! accurate candidate. Pure; the run panel draws the lines.
//!
//! ```
//! use ui::model::headline::{Match, matches};
//! let lines = matches(&[], &[]);
//! assert!(lines.is_empty(), "nothing to compare without references");
//! ```

use std::rc::Rc;

use engine::search::RecordStatus;
use protocol::{CandidateReport, ReferenceReport};

use crate::model::format::{count, percent};

/// Within this many points of the reference's accuracy, a network counts as comparable.
pub const COMPARABLE_POINTS: f64 = 1.0;

/// A reference and the network found to set beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The reference's name (`VGG-like`, …).
    pub reference: String,
    /// Its validation accuracy and MACs.
    pub reference_accuracy: f64,
    /// See `reference_accuracy`.
    pub reference_macs: u64,
    /// The candidate found.
    pub candidate_id: u32,
    /// Its validation accuracy and MACs.
    pub accuracy: f64,
    /// See `accuracy`.
    pub macs: u64,
    /// Whether it is within [`COMPARABLE_POINTS`] of the reference (else: the most accurate).
    pub comparable: bool,
    /// Its latency as a share of the reference's: measured on this device when both were,
    /// else as predicted.
    pub latency_share: f64,
    /// Whether `latency_share` is of measured latencies.
    pub measured: bool,
}

fn accuracy(report: &CandidateReport) -> Option<f64> {
    report.details.valid_accuracy.or(report.error.map(|e| 1.0 - e)).filter(|a| a.is_finite())
}

fn latency(report: &CandidateReport, measured: bool) -> f64 {
    match (&report.measured_latency, measured) {
        (Some(m), true) => m.median_ms,
        _ => report.cheap.latency_ms,
    }
}

/// One line per trained reference: the cheapest comparable candidate (fewest MACs, then the most
/// accurate, then the first), or the most accurate one when none is comparable. Only trained,
/// feasible candidates count. Empty when no reference or no candidate was trained.
pub fn matches(candidates: &[Rc<CandidateReport>], references: &[Rc<ReferenceReport>]) -> Vec<Match> {
    let trained: Vec<(&CandidateReport, f64)> =
        candidates.iter().filter(|c| c.feasible() && c.status == RecordStatus::Evaluated).filter_map(|c| accuracy(c).map(|a| (c.as_ref(), a))).collect();
    let Some(best) = trained.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.candidate_id.cmp(&a.0.candidate_id))) else {
        return Vec::new();
    };
    references
        .iter()
        .filter_map(|reference| {
            let target = accuracy(&reference.report)?;
            let comparable = trained
                .iter()
                .copied()
                .filter(|(_, a)| (target - a) * 100.0 <= COMPARABLE_POINTS)
                .min_by(|a, b| a.0.cheap.macs.cmp(&b.0.cheap.macs).then(b.1.total_cmp(&a.1)).then(a.0.candidate_id.cmp(&b.0.candidate_id)));
            let (found, found_accuracy) = comparable.unwrap_or(best);
            let measured = found.measured_latency.is_some() && reference.report.measured_latency.is_some();
            let reference_latency = latency(&reference.report, measured);
            Some(Match {
                reference: reference.name.clone(),
                reference_accuracy: target,
                reference_macs: reference.report.cheap.macs,
                candidate_id: found.candidate_id,
                accuracy: found_accuracy,
                macs: found.cheap.macs,
                comparable: comparable.is_some(),
                latency_share: if reference_latency > 0.0 { latency(found, measured) / reference_latency } else { f64::NAN },
                measured,
            })
        })
        .collect()
}

impl Match {
    /// The line the page shows, e.g. "VGG-like: 95.1 %, 11.8 M MACs — found #17: 94.8 %, 3.1 M
    /// MACs (26 % of its MACs), 38 % of its latency measured here".
    pub fn line(&self) -> String {
        let share = |x: f64| if x.is_finite() { percent(x) } else { "?".to_string() };
        let how = if self.comparable { "found" } else { "closest found, the most accurate" };
        let latency = if self.measured { "measured here" } else { "as predicted" };
        format!(
            "{}: {}, {} MACs — {how} #{}: {}, {} MACs ({} of its MACs), {} of its latency {latency}",
            self.reference,
            percent(self.reference_accuracy),
            count(self.reference_macs as f64),
            self.candidate_id,
            percent(self.accuracy),
            count(self.macs as f64),
            share(self.macs as f64 / self.reference_macs.max(1) as f64),
            share(self.latency_share),
        )
    }
}
