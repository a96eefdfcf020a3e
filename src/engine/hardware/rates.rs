//! Measured training rates: a training step of a network counted as 6 × MACs × batch
//! floating-point operations (the forward pass 2 × MACs an image, the backward pass twice that),
//! and a square matrix product's 2 × size³. Plain data: `nn` measures them, the worker and the
//! CLI report them.
//!
//! ```
//! use engine::hardware::NetworkRate;
//! assert_eq!(NetworkRate::gflops_of(11_800_000, 64, 1000.0), 6.0 * 11.8e6 * 64.0 / 1e9);
//! ```

use serde::{Deserialize, Serialize};

/// The training rate of one network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkRate {
    /// Its name (`VGG-like`, …).
    pub name: String,
    /// Its canonical text.
    pub genotype: String,
    /// Multiply-accumulates of one image's forward pass.
    pub macs: u64,
    /// Images per step.
    pub batch: usize,
    /// Median milliseconds per step (after a first, untimed one).
    pub median_step_ms: f64,
    /// 6 × MACs × batch per step, in GFLOP/s.
    pub gflops: f64,
}

impl NetworkRate {
    /// GFLOP/s of a step of `batch` images of `macs` each taking `step_ms`.
    pub fn gflops_of(macs: u64, batch: usize, step_ms: f64) -> f64 {
        6.0 * macs as f64 * batch as f64 / (step_ms * 1e6)
    }
}

/// The rate of a square f32 matrix product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatmulRate {
    /// Its side.
    pub size: usize,
    /// Median milliseconds of one product, read back.
    pub median_ms: f64,
    /// 2 × size³ per product, in GFLOP/s.
    pub gflops: f64,
}

/// Step rates of a space's references and the matrix-product rate, on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRates {
    /// One per reference of the space.
    pub networks: Vec<NetworkRate>,
    /// The matrix product.
    pub matmul: MatmulRate,
}
