//! Latency measured on a real device: the summary of timed runs.
//!
//! ```
//! use engine::hardware::LatencyMeasurement;
//! let m = LatencyMeasurement::from_runs(1, vec![4.0, 1.0, 3.0, 2.0, 100.0]).unwrap();
//! assert_eq!((m.median_ms, m.min_ms, m.max_ms, m.iqr_ms), (3.0, 1.0, 100.0, 2.0));
//! assert!(LatencyMeasurement::from_runs(1, Vec::new()).is_none());
//! ```

use serde::{Deserialize, Serialize};

/// Measured latency of one run, milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyMeasurement {
    /// Images per run.
    pub batch: usize,
    /// Median.
    pub median_ms: f64,
    /// Fastest run.
    pub min_ms: f64,
    /// Slowest run.
    pub max_ms: f64,
    /// Interquartile range (the spread), quartiles interpolated linearly.
    pub iqr_ms: f64,
    /// Every timed run, in the order taken.
    pub runs_ms: Vec<f64>,
}

impl LatencyMeasurement {
    /// Summarises timed runs; `None` without any.
    pub fn from_runs(batch: usize, runs_ms: Vec<f64>) -> Option<LatencyMeasurement> {
        let mut sorted = runs_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let (&min_ms, &max_ms) = (sorted.first()?, sorted.last()?);
        let at = |q: f64| {
            let position = q * (sorted.len() - 1) as f64;
            let (low, high) = (position.floor() as usize, position.ceil() as usize);
            sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
        };
        Some(LatencyMeasurement { batch, median_ms: at(0.5), min_ms, max_ms, iqr_ms: at(0.75) - at(0.25), runs_ms })
    }
}
