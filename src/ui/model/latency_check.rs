//! How well the run's latency prediction matches this device: every trained candidate's
//! predicted latency (the one its objective and limit used before training: the target's
//! roofline, or this device's profile) against its latency measured here after training,
//! the share within ±10 %, the mean absolute percentage error and the rank correlations.
//!
//! ```
//! use ui::model::latency_check::{Point, LatencyCheck};
//! let points = vec![Point { candidate_id: 0, predicted_ms: 1.0, measured_ms: 1.05 }, Point { candidate_id: 1, predicted_ms: 2.0, measured_ms: 3.0 }];
//! let check = LatencyCheck::of(points, "the mobile roofline".into());
//! assert_eq!(check.agreement.within_10, 0.5);
//! let (x, y) = check.scale(100.0).place(&check.points[1]);
//! assert!(y < 100.0 - x, "measured above predicted: above the diagonal (SVG y grows downwards)");
//! ```

use std::rc::Rc;

use engine::stats::Agreement;
use protocol::CandidateReport;

/// One trained candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The candidate.
    pub candidate_id: u32,
    /// Its latency as predicted before training, ms.
    pub predicted_ms: f64,
    /// Its latency measured here after training (median), ms.
    pub measured_ms: f64,
}

/// The predictions of a run against its measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyCheck {
    /// Every candidate with both figures, in order.
    pub points: Vec<Point>,
    /// How well they agree.
    pub agreement: Agreement,
    /// What predicted them, in words.
    pub predictor: String,
}

/// Where points go on a square plot of `size`: both axes from 0 to the largest figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The largest figure (ms), at the plot's edge.
    pub max_ms: f64,
    /// The plot's side.
    pub size: f64,
}

impl Scale {
    /// A point's (x, y): predicted across, measured up (y grows downwards in SVG).
    pub fn place(&self, p: &Point) -> (f64, f64) {
        (self.at(p.predicted_ms), self.size - self.at(p.measured_ms))
    }

    /// How far along an axis `ms` lies.
    pub fn at(&self, ms: f64) -> f64 {
        (ms / self.max_ms).clamp(0.0, 1.0) * self.size
    }
}

impl LatencyCheck {
    /// The check of `points`, predicted by `predictor`.
    pub fn of(points: Vec<Point>, predictor: String) -> LatencyCheck {
        let predicted: Vec<f64> = points.iter().map(|p| p.predicted_ms).collect();
        let measured: Vec<f64> = points.iter().map(|p| p.measured_ms).collect();
        LatencyCheck { agreement: Agreement::of(&predicted, &measured), points, predictor }
    }

    /// The check of a run's candidates (those trained and timed); none before the first.
    pub fn of_run(candidates: &[Rc<CandidateReport>], predictor: String) -> Option<LatencyCheck> {
        let points: Vec<Point> = candidates
            .iter()
            .filter_map(|c| {
                let measured = c.measured_latency.as_ref()?.median_ms;
                (measured > 0.0).then_some(Point { candidate_id: c.candidate_id, predicted_ms: c.cheap.latency_ms, measured_ms: measured })
            })
            .collect();
        (!points.is_empty()).then(|| LatencyCheck::of(points, predictor))
    }

    /// The check of the run `info` describes (its predictor named from it); none in
    /// NAS-Bench-201 mode, where nothing is timed.
    pub fn of_info(info: &protocol::RunInfo, candidates: &[Rc<CandidateReport>]) -> Option<LatencyCheck> {
        let predictor = if info.this_device { "this device's calibrated profile".to_string() } else { format!("the {} roofline", info.target.name()) };
        LatencyCheck::of_run(candidates, predictor).filter(|_| !info.tabular)
    }

    /// The plot's scale: a tenth above the largest figure.
    pub fn scale(&self, size: f64) -> Scale {
        let max = self.points.iter().flat_map(|p| [p.predicted_ms, p.measured_ms]).fold(0.0f64, f64::max);
        Scale { max_ms: (max * 1.1).max(f64::MIN_POSITIVE), size }
    }

    /// The figures in words.
    pub fn summary(&self) -> String {
        let a = &self.agreement;
        let rank = a.spearman.map_or("no order yet".to_string(), |rho| format!("Spearman ρ {rho:.2}"));
        format!(
            "{} trained candidates: {:.0} % within ±10 % of the prediction, mean error {:.1} %, {rank}",
            a.n,
            100.0 * a.within_10,
            100.0 * a.mape
        )
    }
}
