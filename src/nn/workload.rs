//! Reference workloads for benchmarks that can be set beside other frameworks on the same
//! machine. W1: 32×32×3 input, conv3x3 (16) + BN + ReLU, conv3x3 stride 2 (32) + BN + ReLU,
//! depthwise conv3x3 (32) then pointwise conv1x1 (64) + BN + ReLU, global average pool,
//! linear (10); trained with SGD momentum 0.9 at batch 32.
//!
//! ```
//! use nn::{backend, workload::train_throughput};
//! let t = pollster::block_on(train_throughput(4, 1, 2, &backend::cpu())).unwrap();
//! assert!(t.samples_per_s > 0.0);
//! ```

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::blocks::{ConvBnRelu, ConvShape};
use crate::speed::timed_sgd_steps;
use crate::train::TrainError;

/// The W1 network.
#[derive(Module, Debug)]
pub struct W1 {
    conv1: ConvBnRelu,
    conv2: ConvBnRelu,
    depthwise: Conv2d,
    pointwise: ConvBnRelu,
    head: Linear,
}

impl W1 {
    /// Fresh weights on `device`.
    pub fn new(device: &Device) -> Self {
        W1 {
            conv1: ConvBnRelu::new(ConvShape::dense(3, 16, 3), device),
            conv2: ConvBnRelu::new(ConvShape { stride: 2, ..ConvShape::dense(16, 32, 3) }, device),
            depthwise: Conv2dConfig::new([32, 32], [3, 3])
                .with_groups(32)
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_bias(false)
                .init(device),
            pointwise: ConvBnRelu::new(ConvShape::dense(32, 64, 1), device),
            head: LinearConfig::new(64, 10).init(device),
        }
    }

    /// `[b, 3, 32, 32]` → `[b, 10]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.conv1.forward(x);
        let x = self.conv2.forward(x);
        let x = self.depthwise.forward(x);
        let x = self.pointwise.forward(x);
        let [b, c, _, _] = x.dims();
        let x: Tensor<2> = x.mean_dims(&[2, 3]).reshape([b, c]);
        self.head.forward(x)
    }
}

/// Training throughput.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    /// Images per batch.
    pub batch: usize,
    /// Timed steps.
    pub steps: u32,
    /// Images per second over the timed steps.
    pub samples_per_s: f64,
    /// Median milliseconds per step.
    pub median_step_ms: f64,
}

/// Trains W1 on fixed random data: `warmup` untimed steps, then `steps` timed ones, each ending
/// with the loss read back.
pub async fn train_throughput(batch: usize, warmup: u32, steps: u32, device: &Device) -> Result<Throughput, TrainError> {
    let device = device.clone().autodiff();
    let total = warmup + steps.max(1);
    let all_ms = timed_sgd_steps(W1::new(&device), W1::forward, [batch, 3, 32, 32], 10, &device, |step, _| step < total).await?;
    let step_ms = &all_ms[warmup as usize..];
    let total_ms: f64 = step_ms.iter().sum();
    Ok(Throughput {
        batch,
        steps: step_ms.len() as u32,
        samples_per_s: (batch * step_ms.len()) as f64 / (total_ms / 1e3),
        median_step_ms: engine::stats::median(step_ms).unwrap_or(f64::NAN),
    })
}
