//! What each row of the ablation achieved, judged the same way for every row: the error,
//! predicted latency and parameters of its trained networks within the plan's limits, as a
//! hypervolume with one reference point; the table over seeds (median and spread) and its CSV.

use serde::{Deserialize, Serialize};

use engine::hardware::Target;
use engine::moo::hypervolume;
use engine::search::{ArchSpace, CheapMetrics, Constraints, RecordStatus, SearchSpace};
use engine::space::SpaceConfig;
use engine::stats::Sorted;

use super::AblationRow;
use crate::{CandidateReport, FromEngine, RunInfo};

/// The most accurate trained network of a row within the limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestNetwork {
    /// Its architecture's id.
    pub arch_id: String,
    /// Its canonical text.
    pub text: String,
    /// Validation accuracy, a fraction.
    pub accuracy: f64,
    /// Latency predicted on the target, milliseconds.
    pub latency_ms: f64,
    /// Latency measured on this device, milliseconds (when timed).
    pub measured_latency_ms: Option<f64>,
    /// Parameters.
    pub params: u64,
}

/// One row's search, judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AblationResult {
    /// The row.
    pub row: AblationRow,
    /// The seed of its search.
    pub seed: u64,
    /// Candidates it scored.
    pub candidates: u32,
    /// Hypervolume of its trained networks within the limits: error, predicted latency and
    /// parameters, each divided by the space's largest value (error by 1), reference 1.1 each.
    pub hypervolume: f64,
    /// Its most accurate network within the limits.
    pub best: Option<BestNetwork>,
    /// Training steps its candidates took.
    pub train_steps: u64,
    /// Training images they saw.
    pub train_samples: u64,
    /// Seconds the search took.
    pub seconds: f64,
    /// `[cumulative training steps, hypervolume]` after each candidate.
    pub curve: Vec<[f64; 2]>,
}

impl AblationResult {
    /// Judges the candidates of a row's run (as `info` describes it, in scoring order) by
    /// `limits`; `None` for a run without an architecture space.
    pub fn new<'a>(
        row: AblationRow,
        seed: u64,
        limits: &Constraints,
        info: &RunInfo,
        candidates: impl IntoIterator<Item = &'a CandidateReport>,
        seconds: f64,
    ) -> Option<AblationResult> {
        let scale = Scale::new(info.space.as_ref()?, info.target)?;
        let (mut points, mut curve, mut best) = (Vec::new(), Vec::new(), None::<BestNetwork>);
        let (mut count, mut train_steps, mut train_samples) = (0, 0u64, 0u64);
        for c in candidates {
            count += 1;
            train_steps += c.details.train_steps.unwrap_or(0.0) as u64;
            train_samples += c.details.train_samples.unwrap_or(0.0) as u64;
            let Some(error) = c.error.filter(|_| c.status == RecordStatus::Evaluated && within(&c.cheap, limits)) else {
                continue;
            };
            points.push(scale.point(error, &c.cheap));
            curve.push([train_steps as f64, hypervolume(&points, &[1.1; 3])]);
            if best.as_ref().is_none_or(|b| 1.0 - error > b.accuracy) {
                best = Some(BestNetwork {
                    arch_id: c.arch_id.clone(),
                    text: c.text.clone(),
                    accuracy: 1.0 - error,
                    latency_ms: c.cheap.latency_ms,
                    measured_latency_ms: c.measured_latency.as_ref().map(|m| m.median_ms),
                    params: c.cheap.params,
                });
            }
        }
        let hypervolume = curve.last().map_or(0.0, |p| p[1]);
        Some(AblationResult { row, seed, candidates: count, hypervolume, best, train_steps, train_samples, seconds, curve })
    }

    /// Judges a row's run from its events, as `runner::blocking::drive_to_end` returns them.
    pub fn from_events(row: AblationRow, seed: u64, limits: &Constraints, events: &[FromEngine]) -> Option<AblationResult> {
        let info = events.iter().find_map(|e| if let FromEngine::RunStarted(info) = e { Some(info) } else { None })?;
        let candidates = events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { Some(c) } else { None });
        let seconds = events.iter().rev().find_map(|e| if let FromEngine::RunFinished { seconds, .. } = e { Some(*seconds) } else { None });
        AblationResult::new(row, seed, limits, info, candidates, seconds.unwrap_or(0.0))
    }

    /// The accuracy of its most accurate network within the limits (0 without one).
    pub fn best_accuracy(&self) -> f64 {
        self.best.as_ref().map_or(0.0, |b| b.accuracy)
    }
}

/// Whether a network's cheap metrics keep every limit.
fn within(cheap: &CheapMetrics, limits: &Constraints) -> bool {
    limits.max_latency_ms.is_none_or(|m| cheap.latency_ms <= m)
        && limits.max_params.is_none_or(|m| cheap.params <= m)
        && limits.max_macs.is_none_or(|m| cheap.macs <= m)
}

/// The space's largest latency and parameter count, which divide a network's.
struct Scale {
    latency_ms: f64,
    params: f64,
}

impl Scale {
    fn new(space: &SpaceConfig, target: Target) -> Option<Scale> {
        let bounds = ArchSpace::new(space.clone(), target).ok()?.bounds();
        Some(Scale { latency_ms: bounds.latency_ms.max(f64::MIN_POSITIVE), params: (bounds.params as f64).max(1.0) })
    }

    fn point(&self, error: f64, cheap: &CheapMetrics) -> Vec<f64> {
        vec![error, cheap.latency_ms / self.latency_ms, cheap.params as f64 / self.params]
    }
}

/// A figure over the seeds of one row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The median.
    pub median: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Spread {
    /// The median and extremes of `values` (NaN without any).
    pub fn of_values(values: impl IntoIterator<Item = f64>) -> Spread {
        Sorted::new(values.into_iter().collect())
            .map_or(Spread { median: f64::NAN, min: f64::NAN, max: f64::NAN }, |s| Spread { median: s.median(), min: s.min(), max: s.max() })
    }
}

/// One row of the table: its figures over the seeds that ran it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowSummary {
    /// The row.
    pub row: AblationRow,
    /// Seeds that ran it.
    pub seeds: u32,
    /// Accuracy of the most accurate network within the limits.
    pub best_accuracy: Spread,
    /// Hypervolume (the same reference point for every row).
    pub hypervolume: Spread,
    /// Predicted latency of the most accurate network, milliseconds.
    pub latency_ms: Spread,
    /// Parameters of the most accurate network.
    pub params: Spread,
    /// Training steps spent.
    pub train_steps: Spread,
    /// Wall time, seconds.
    pub seconds: Spread,
}

/// The table: one summary per row that has results, in row order.
pub fn summarise(results: &[AblationResult]) -> Vec<RowSummary> {
    AblationRow::ALL
        .into_iter()
        .filter_map(|row| {
            let of_row: Vec<&AblationResult> = results.iter().filter(|r| r.row == row).collect();
            let spread = |f: &dyn Fn(&AblationResult) -> Option<f64>| Spread::of_values(of_row.iter().filter_map(|r| f(r)));
            (!of_row.is_empty()).then(|| RowSummary {
                row,
                seeds: of_row.len() as u32,
                best_accuracy: spread(&|r| Some(r.best_accuracy())),
                hypervolume: spread(&|r| Some(r.hypervolume)),
                latency_ms: spread(&|r| r.best.as_ref().map(|b| b.latency_ms)),
                params: spread(&|r| r.best.as_ref().map(|b| b.params as f64)),
                train_steps: spread(&|r| Some(r.train_steps as f64)),
                seconds: spread(&|r| Some(r.seconds)),
            })
        })
        .collect()
}

/// Every result as a CSV line (a header first): row, seed and each figure.
pub fn csv(results: &[AblationResult]) -> String {
    let mut text = String::from(
        "row,seed,candidates,best_accuracy,hypervolume,best_latency_ms,best_measured_latency_ms,best_params,train_steps,train_samples,seconds,best_genotype\n",
    );
    for r in results {
        let best = r.best.as_ref();
        let optional = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.row.name(),
            r.seed,
            r.candidates,
            optional(best.map(|b| b.accuracy)),
            r.hypervolume,
            optional(best.map(|b| b.latency_ms)),
            optional(best.and_then(|b| b.measured_latency_ms)),
            best.map(|b| b.params.to_string()).unwrap_or_default(),
            r.train_steps,
            r.train_samples,
            r.seconds,
            best.map(|b| format!("\"{}\"", b.text)).unwrap_or_default(),
        ));
    }
    text
}
