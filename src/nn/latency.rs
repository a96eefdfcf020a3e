//! Inference latency of a candidate on the active backend: warm-up runs, then the median and
//! spread of timed runs, each ending only when its output has been read back (on WebGPU the
//! work is asynchronous, so a timer around the call alone would measure nothing).
//!
//! ```
//! use engine::space::{Genotype, InputShape, Space, SpaceConfig};
//! use nn::{backend, candidate::Network, latency::{LatencyConfig, measure}};
//! let space = Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).unwrap();
//! let genotype: Genotype = "16:conv3x3|32:skip|64:eca".parse().unwrap();
//! let device = backend::cpu();
//! let model = Network::new(&space, &genotype, &device).unwrap();
//! let config = LatencyConfig { warmup: 1, runs: 5, batch: 1 };
//! let m = pollster::block_on(measure(&model, InputShape::DIGITS, &config, &device)).unwrap();
//! assert!(m.median_ms > 0.0 && m.min_ms <= m.median_ms && m.median_ms <= m.max_ms);
//! ```

use burn::tensor::{Device, Tensor, TensorData};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use web_time::Instant;

pub use engine::hardware::LatencyMeasurement;
use engine::space::InputShape;
use crate::candidate::Network;
use crate::train::TrainError;

/// How to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyConfig {
    /// Untimed runs first (kernel compilation, caches).
    pub warmup: u32,
    /// Timed runs.
    pub runs: u32,
    /// Images per run.
    pub batch: usize,
}

impl Default for LatencyConfig {
    fn default() -> Self {
        LatencyConfig { warmup: 3, runs: 15, batch: 1 }
    }
}

/// Times `model` (an inference model: BN uses its running statistics) on random input of
/// `shape`, drawn from a generator of its own (not the backend's, which the networks being
/// built beside it draw their fresh weights from).
pub async fn measure(
    model: &Network,
    shape: InputShape,
    config: &LatencyConfig,
    device: &Device,
) -> Result<LatencyMeasurement, TrainError> {
    let dims = [config.batch.max(1), shape.channels as usize, shape.height as usize, shape.width as usize];
    let mut runs_ms = Vec::with_capacity(config.runs as usize);
    let mut rng = engine::rng::rng_for(engine::rng::Seed(0), "latency input");
    for run in 0..config.warmup + config.runs.max(1) {
        let input = random_input(dims, &mut rng, device);
        let started = Instant::now();
        let output = model.forward(input);
        output
            .into_data_async()
            .await
            .map_err(|error| TrainError::Backend { step: 0, message: error.to_string() })?;
        if run >= config.warmup {
            runs_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    LatencyMeasurement::from_runs(dims[0], runs_ms)
        .ok_or(TrainError::Backend { step: 0, message: "no timed run".into() })
}

/// Input of `dims` drawn uniformly from [-1, 1) with `rng` (not the backend's generator).
pub(crate) fn random_input(dims: [usize; 4], rng: &mut engine::rng::EngineRng, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..dims.iter().product()).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    Tensor::from_data(TensorData::new(values, dims), device)
}
