//! Latency measured on a real device: the summary of timed runs.
//!
//! ```
//! use engine::hardware::LatencyMeasurement;
//! let m = LatencyMeasurement::from_runs(1, vec![4.0, 1.0, 3.0, 2.0, 100.0]).unwrap();
//! assert_eq!((m.median_ms, m.min_ms, m.max_ms, m.iqr_ms), (3.0, 1.0, 100.0, 2.0));
//! assert!(LatencyMeasurement::from_runs(1, Vec::new()).is_none());
//! ```

use serde::{Deserialize, Serialize};

use crate::stats::Sorted;

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
        let sorted = Sorted::new(runs_ms.clone())?;
        Some(LatencyMeasurement {
            batch,
            median_ms: sorted.median(),
            min_ms: sorted.min(),
            max_ms: sorted.max(),
            iqr_ms: sorted.quantile(0.75) - sorted.quantile(0.25),
            runs_ms,
        })
    }
}
