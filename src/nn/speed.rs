//! How fast a device trains networks of a space: training steps of one network on random images
//! of the space's input shape, timed within a time box. The worker times both backends this way
//! and searches on the faster one.
//!
//! ```
//! use engine::space::{Genotype, InputShape, Space, SpaceConfig};
//! use nn::{backend, speed::time_steps};
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![8]];
//! let space = Space::new(config).unwrap();
//! let genotype: Genotype = "8:conv3x3".parse().unwrap();
//! let t = pollster::block_on(time_steps(&space, &genotype, 8, 4, 10_000.0, &backend::cpu())).unwrap();
//! assert_eq!(t.steps, 4);
//! assert!(t.first_ms > 0.0 && t.median_ms > 0.0);
//! ```

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use web_time::Instant;

use engine::space::{Genotype, Space};
use crate::candidate::Network;
use crate::train::TrainError;

/// Step times of one network on one device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepTimes {
    /// The first step (on a GPU it includes compiling the kernels).
    pub first_ms: f64,
    /// The median of the later half of the steps after the first (a browser runs a freshly
    /// loaded worker's code unoptimised for its first moments); the first step's time when the
    /// time box allowed no other.
    pub median_ms: f64,
    /// Steps taken, the first included.
    pub steps: u32,
}

/// Trains `genotype` of `space` on `device` for up to `max_steps` steps of `batch` random images,
/// stopping early once `budget_ms` have passed (after the first step, and one more when the first
/// left time for it). Each step ends with its loss read back, as in training.
pub async fn time_steps(
    space: &Space,
    genotype: &Genotype,
    batch: usize,
    max_steps: u32,
    budget_ms: f64,
    device: &Device,
) -> Result<StepTimes, TrainError> {
    let device = device.clone().autodiff();
    let model = Network::new(space, genotype, &device).map_err(|e| TrainError::Backend { step: 0, message: e.to_string() })?;
    let input = space.config().input;
    let shape = [batch, input.channels as usize, input.height as usize, input.width as usize];
    let classes = space.config().classes.max(1) as usize;
    let go_on = |step: u32, elapsed_ms: f64| step < max_steps && elapsed_ms < budget_ms;
    let step_ms = timed_sgd_steps(model, Network::forward, shape, classes, &device, go_on).await?;
    let first_ms = step_ms[0];
    let later = &step_ms[1..];
    let median_ms = engine::stats::median(&later[later.len() / 2..]).unwrap_or(first_ms);
    Ok(StepTimes { first_ms, median_ms, steps: step_ms.len() as u32 })
}

/// Trains `model` (on an autodiff `device`) by SGD with momentum 0.9 on one fixed batch of
/// random images of `shape`, labels cycling through `classes`: a first step, then more while
/// `go_on(step, milliseconds since the first began)` says so. Each step ends with its loss read
/// back; returns the milliseconds of each.
pub(crate) async fn timed_sgd_steps<M: Module>(
    mut model: M,
    forward: impl Fn(&M, Tensor<4>) -> Tensor<2>,
    shape: [usize; 4],
    classes: usize,
    device: &Device,
    mut go_on: impl FnMut(u32, f64) -> bool,
) -> Result<Vec<f64>, TrainError> {
    let mut optimizer = SgdConfig::new()
        .with_momentum(Some(MomentumConfig::new().with_momentum(0.9).with_dampening(0.0)))
        .init();
    let images: Tensor<4> = Tensor::random(shape, Distribution::Normal(0.0, 1.0), device);
    let labels: Vec<i64> = (0..shape[0]).map(|i| (i % classes.max(1)) as i64).collect();
    let labels: Tensor<1, Int> = Tensor::from_data(TensorData::new(labels, [shape[0]]), device);
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let started = Instant::now();
    let mut step_ms = Vec::new();
    for step in 0.. {
        if step > 0 && !go_on(step, started.elapsed().as_secs_f64() * 1e3) {
            break;
        }
        let step_started = Instant::now();
        let loss = loss_fn.forward(forward(&model, images.clone()), labels.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(0.01, model, grads);
        let _: f32 = loss
            .try_into_scalar_async()
            .await
            .map_err(|e| TrainError::Backend { step: step + 1, message: e.to_string() })?;
        step_ms.push(step_started.elapsed().as_secs_f64() * 1e3);
    }
    Ok(step_ms)
}
