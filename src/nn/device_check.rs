//! The device check: a tiny CNN trained for a few steps on seeded synthetic data, so a visitor
//! sees at once whether training works on their device and how fast a step is.
//!
//! The data and the initial weights come from the engine's seeded RNG, not from the backend's,
//! so the same seed gives the same network and the same batches on WebGPU and on the CPU, and
//! the two backends can be compared number for number.
//!
//! ```
//! use nn::{backend, device_check::{DeviceCheck, DeviceCheckConfig}};
//! let config = DeviceCheckConfig::new().with_steps(3);
//! let mut check = DeviceCheck::new(&config, &backend::cpu());
//! let first = pollster::block_on(check.step()).unwrap();
//! assert!(first.loss.is_finite());
//! ```

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::RngExt;
use thiserror::Error;
use web_time::Instant;

use engine::rng::{Seed, rng_for};

/// Side of the square grey-scale images the check trains on.
pub const IMAGE_SIDE: usize = 8;
/// Number of classes of the synthetic task (horizontal bar, vertical bar, diagonal, square).
pub const CLASSES: usize = 4;

/// Settings of the device check.
#[derive(Config, Debug)]
pub struct DeviceCheckConfig {
    /// Training steps (one batch each).
    #[config(default = 20)]
    pub steps: u32,
    /// Images per batch.
    #[config(default = 32)]
    pub batch_size: usize,
    /// Size of the synthetic training set; batches cycle through it.
    #[config(default = 256)]
    pub dataset_size: usize,
    /// Output channels of the convolution.
    #[config(default = 8)]
    pub channels: usize,
    /// Adam learning rate.
    #[config(default = 0.02)]
    pub learning_rate: f64,
    /// Seed of the data and of the initial weights.
    #[config(default = 7)]
    pub seed: u64,
}

/// The tiny network: conv3x3 (1 → C, padding 1) + ReLU, maxpool 2×2, linear (C·4·4 → 4).
#[derive(Module, Debug)]
pub struct TinyNet {
    conv: Conv2d,
    pool: MaxPool2d,
    head: Linear,
}

impl TinyNet {
    /// Builds the network on `device` with weights drawn uniformly from the seeded stream
    /// (bound 1/√fan-in, as PyTorch's default initialisation), identical on every backend.
    pub fn from_seed(channels: usize, seed: Seed, device: &Device) -> Self {
        let mut rng = rng_for(seed, "device-check-weights");
        let mut uniform = |count: usize, fan_in: usize| -> Vec<f32> {
            let bound = 1.0 / (fan_in as f32).sqrt();
            (0..count).map(|_| rng.random_range(-bound..bound)).collect()
        };
        let conv_fan_in = 9;
        let head_inputs = channels * (IMAGE_SIDE / 2) * (IMAGE_SIDE / 2);
        let conv_weight = uniform(channels * conv_fan_in, conv_fan_in);
        let conv_bias = uniform(channels, conv_fan_in);
        let head_weight = uniform(head_inputs * CLASSES, head_inputs);
        let head_bias = uniform(CLASSES, head_inputs);

        let mut conv = Conv2dConfig::new([1, channels], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init(device);
        conv.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(conv_weight, [channels, 1, 3, 3]),
            device,
        ));
        conv.bias = Some(Param::from_tensor(Tensor::from_data(TensorData::new(conv_bias, [channels]), device)));
        let mut head = LinearConfig::new(head_inputs, CLASSES).init(device);
        head.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(head_weight, [head_inputs, CLASSES]),
            device,
        ));
        head.bias = Some(Param::from_tensor(Tensor::from_data(TensorData::new(head_bias, [CLASSES]), device)));
        let pool = MaxPool2dConfig::new([2, 2]).init();
        Self { conv, pool, head }
    }

    /// `[batch, 1, 8, 8]` images → `[batch, 4]` logits.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self.conv.forward(images);
        let x = relu(x);
        let x = self.pool.forward(x);
        let x: Tensor<2> = x.flatten(1, 3);
        self.head.forward(x)
    }
}

/// The synthetic task: each image shows one pattern at a random place, plus uniform noise.
pub struct SyntheticDigits {
    /// `dataset_size × 64` pixel values in [−0.3, 1.3].
    pixels: Vec<f32>,
    /// One class per image.
    labels: Vec<i64>,
}

impl SyntheticDigits {
    /// Generates `count` images from the seeded stream; classes cycle 0, 1, 2, 3, 0, ...
    pub fn generate(count: usize, seed: Seed) -> Self {
        let mut rng = rng_for(seed, "device-check-data");
        let side = IMAGE_SIDE;
        let mut pixels = Vec::with_capacity(count * side * side);
        let mut labels = Vec::with_capacity(count);
        for index in 0..count {
            let class = index % CLASSES;
            let mut image = vec![0.0f32; side * side];
            let at = rng.random_range(0..side - 2);
            let other = rng.random_range(0..side - 2);
            for i in 0..side {
                match class {
                    0 => image[at * side + i] = 1.0,
                    1 => image[i * side + at] = 1.0,
                    2 => image[i * side + i] = 1.0,
                    _ => {}
                }
            }
            if class == 3 {
                for row in at..at + 3 {
                    for col in other..other + 3 {
                        image[row * side + col] = 1.0;
                    }
                }
            }
            pixels.extend(image.iter().map(|value| value + rng.random_range(-0.3f32..0.3)));
            labels.push(class as i64);
        }
        Self { pixels, labels }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Batch `index` (cycling through the set) as `[batch, 1, 8, 8]` images and `[batch]` labels.
    pub fn batch(&self, index: usize, batch_size: usize, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
        let area = IMAGE_SIDE * IMAGE_SIDE;
        let (pixels, labels): (Vec<f32>, Vec<i64>) = (0..batch_size)
            .map(|offset| (index * batch_size + offset) % self.len())
            .fold((Vec::new(), Vec::new()), |(mut pixels, mut labels), item| {
                pixels.extend_from_slice(&self.pixels[item * area..(item + 1) * area]);
                labels.push(self.labels[item]);
                (pixels, labels)
            });
        let images = Tensor::from_data(TensorData::new(pixels, [batch_size, 1, IMAGE_SIDE, IMAGE_SIDE]), device);
        let labels = Tensor::from_data(TensorData::new(labels, [batch_size]), device);
        (images, labels)
    }
}

/// A device-check step that could not complete.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckError {
    /// All configured steps have been taken.
    #[error("the device check has already taken all {0} steps")]
    Finished(u32),
    /// The backend failed to run or read back the step.
    #[error("the backend failed during step {step}: {message}")]
    Backend {
        /// The failing step, from 1.
        step: u32,
        /// The backend's message.
        message: String,
    },
    /// The loss became NaN or infinite.
    #[error("training diverged at step {step}: loss is {loss}")]
    Diverged {
        /// The failing step, from 1.
        step: u32,
        /// The non-finite loss, as text.
        loss: String,
    },
}

/// One finished step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOutcome {
    /// Step number, from 1.
    pub step: u32,
    /// Cross-entropy of this step's batch before the update.
    pub loss: f32,
    /// Wall-clock milliseconds, including the loss read-back.
    pub step_ms: f64,
}

/// A device check in progress, advanced one batch at a time by [`DeviceCheck::step`] so the
/// caller can report and yield between steps.
pub struct DeviceCheck {
    model: Option<TinyNet>,
    optimizer: ModuleOptimizer,
    data: SyntheticDigits,
    device: Device,
    steps: u32,
    taken: u32,
    batch_size: usize,
    learning_rate: f64,
}

impl DeviceCheck {
    /// Prepares the network, optimizer and data on `device` (autodiff is enabled here).
    pub fn new(config: &DeviceCheckConfig, device: &Device) -> Self {
        let device = device.clone().autodiff();
        let seed = Seed(config.seed);
        Self {
            model: Some(TinyNet::from_seed(config.channels.max(1), seed, &device)),
            optimizer: AdamConfig::new().init(),
            data: SyntheticDigits::generate(config.dataset_size.max(config.batch_size).max(1), seed),
            device,
            steps: config.steps,
            taken: 0,
            batch_size: config.batch_size.max(1),
            learning_rate: config.learning_rate,
        }
    }

    /// Parameters of the network.
    pub fn parameters(&self) -> u64 {
        self.model.as_ref().map_or(0, |model| model.num_params() as u64)
    }

    /// Steps configured.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Whether every configured step has been taken.
    pub fn finished(&self) -> bool {
        self.taken >= self.steps
    }

    /// Trains on the next batch and reads its loss back asynchronously (the only kind of read
    /// back WebGPU allows).
    pub async fn step(&mut self) -> Result<StepOutcome, CheckError> {
        if self.finished() {
            return Err(CheckError::Finished(self.steps));
        }
        let step = self.taken + 1;
        let started = Instant::now();
        let model = self.model.take().ok_or(CheckError::Backend {
            step,
            message: "the model was lost by an earlier failed step".into(),
        })?;
        let (images, labels) = self.data.batch(self.taken as usize, self.batch_size, &self.device);
        let logits = model.forward(images);
        let loss = CrossEntropyLossConfig::new().init(&self.device).forward(logits, labels);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let model = self.optimizer.step(self.learning_rate, model, grads);
        self.model = Some(model);
        let loss: f32 = loss
            .try_into_scalar_async()
            .await
            .map_err(|error| CheckError::Backend { step, message: error.to_string() })?;
        self.taken = step;
        if !loss.is_finite() {
            return Err(CheckError::Diverged { step, loss: loss.to_string() });
        }
        Ok(StepOutcome { step, loss, step_ms: started.elapsed().as_secs_f64() * 1e3 })
    }
}

/// Logits of the untrained check network for the first batch, read back asynchronously:
/// the same numbers on every backend up to floating-point rounding.
pub async fn reference_logits(config: &DeviceCheckConfig, device: &Device) -> Result<Vec<f32>, CheckError> {
    let seed = Seed(config.seed);
    let model = TinyNet::from_seed(config.channels.max(1), seed, device);
    let data = SyntheticDigits::generate(config.dataset_size.max(config.batch_size).max(1), seed);
    let (images, _) = data.batch(0, config.batch_size.max(1), device);
    let logits = model.forward(images);
    let data = logits
        .into_data_async()
        .await
        .map_err(|error| CheckError::Backend { step: 0, message: error.to_string() })?;
    data.try_to_vec::<f32>()
        .map_err(|error| CheckError::Backend { step: 0, message: format!("{error:?}") })
}
