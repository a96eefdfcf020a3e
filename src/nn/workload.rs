//! Reference workloads for benchmarks that can be set beside other frameworks on the same
//! machine. W1: 32×32×3 input, conv3x3 (16) + BN + ReLU, conv3x3 stride 2 (32) + BN + ReLU,
//! depthwise conv3x3 (32) then pointwise conv1x1 (64) + BN + ReLU, global average pool,
//! linear (10); trained with SGD momentum 0.9 at batch 32.
//!
//!
//! The step rate: the floating-point rate of a training step of a space's reference networks
//! (a step counted as 6 × MACs × batch: the forward pass 2 × MACs an image, the backward pass
//! twice that), beside the rate of one square f32 matrix product on the same device, the ceiling
//! a convolution lowered to matrix products can reach.
//!
//! ```
//! use engine::space::{InputShape, Space, SpaceConfig};
//! use nn::{backend, workload::{step_rates, train_throughput}};
//! let t = pollster::block_on(train_throughput(4, 1, 2, &backend::cpu())).unwrap();
//! assert!(t.samples_per_s > 0.0);
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![8]];
//! let rates = pollster::block_on(step_rates(&Space::new(config).unwrap(), 2, 2, 32, &backend::cpu())).unwrap();
//! assert_eq!(rates.networks.len(), 3);
//! assert!(rates.networks.iter().all(|n| n.gflops > 0.0) && rates.matmul.gflops > 0.0);
//! ```

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use engine::hardware::{MatmulRate, NetworkRate, StepRates};
use engine::space::Space;
use crate::blocks::{ConvBnRelu, ConvShape};
use crate::speed::{time_steps, timed_sgd_steps};
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

/// Times `steps` training steps (after one untimed) of each reference network of `space` at
/// `batch` random images, and `steps` products of two `size` × `size` f32 matrices.
pub async fn step_rates(space: &Space, batch: usize, steps: u32, size: usize, device: &Device) -> Result<StepRates, TrainError> {
    let mut networks = Vec::new();
    for (name, genotype) in space.references() {
        let times = time_steps(space, &genotype, batch, steps.max(1) + 1, f64::INFINITY, device).await?;
        let macs = engine::cost::cost(space.config(), &genotype).macs;
        let gflops = NetworkRate::gflops_of(macs, batch, times.median_ms);
        networks.push(NetworkRate { name: name.to_string(), genotype: genotype.to_string(), macs, batch, median_step_ms: times.median_ms, gflops });
    }
    let matmul = matmul_rate(size, steps.max(1), device).await?;
    Ok(StepRates { networks, matmul })
}

async fn matmul_rate(size: usize, runs: u32, device: &Device) -> Result<MatmulRate, TrainError> {
    let backend = |e: burn::tensor::ExecutionError| TrainError::Backend { step: 0, message: e.to_string() };
    let a: Tensor<2> = Tensor::random([size, size], burn::tensor::Distribution::Default, device);
    let b: Tensor<2> = Tensor::random([size, size], burn::tensor::Distribution::Default, device);
    let mut times = Vec::new();
    for run in 0..=runs {
        let started = web_time::Instant::now();
        a.clone().matmul(b.clone()).into_data_async().await.map_err(backend)?;
        if run > 0 {
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    let median_ms = engine::stats::median(&times).unwrap_or(f64::NAN);
    Ok(MatmulRate { size, median_ms, gflops: 2.0 * (size as f64).powi(3) / (median_ms * 1e6) })
}
