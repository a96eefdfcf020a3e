//! The predictor benchmark's report (`cli bench predictor`, and the worker's for the browser
//! benchmark): held-out networks timed twice each, and how well each predictor — this device's
//! profile, each built-in roofline, the second timing as the noise ceiling — agrees with the
//! first timing.

use serde::{Deserialize, Serialize};

use engine::hardware::LatencyTable;
use engine::stats::Agreement;

/// One predictor's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictorRow {
    /// Its name.
    pub predictor: String,
    /// Its agreement with the first timing.
    pub agreement: Agreement,
    /// Its prediction of each network, ms.
    pub predicted_ms: Vec<f64>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictorReport {
    /// The device profile judged (with where and how long it was calibrated).
    pub profile: LatencyTable,
    /// The held-out networks, as genotype text.
    pub genotypes: Vec<String>,
    /// Timed runs per network per timing (their median counts).
    pub runs: u32,
    /// The first timing of each network, ms.
    pub first_ms: Vec<f64>,
    /// The second, ms.
    pub second_ms: Vec<f64>,
    /// Every predictor, the second timing last.
    pub rows: Vec<PredictorRow>,
}

/// Held-out networks one benchmark may time, and timed runs of each.
pub const PREDICTOR_GENOTYPES: engine::limits::Whole = engine::limits::Whole::new(2, 1000);
/// Timed runs per network per timing.
pub const PREDICTOR_RUNS: engine::limits::Whole = engine::limits::Whole::new(1, 1000);
