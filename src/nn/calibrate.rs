//! Calibration of a latency table on a device: every block the space can produce (see
//! [`engine::hardware::space_blocks`]) timed as runs of N identical blocks for several N (longer
//! for blocks too quick for the clock), each run
//! ending in an asynchronous read-back with its input made before the clock starts; a block's
//! cost is the slope of its medians against N, the per-inference overhead the median intercept.
//! Whole networks timed once then fit the network-level correction.
//!
//! ```
//! use engine::hardware::LatencyTable;
//! use engine::space::{InputShape, SpaceConfig};
//! use nn::{backend, calibrate::{CalibrationConfig, calibrate}};
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![4], vec![8]];
//! let quick = CalibrationConfig { chains: vec![1, 3], rounds: 2, warmup: 1, shortest_run_ms: 0.0 };
//! let table: LatencyTable = pollster::block_on(calibrate(&config, &quick, &backend::cpu(), async |_, _| {})).unwrap();
//! assert!(table.covers(&config).is_ok());
//! assert!(table.blocks.iter().all(|b| b.ms >= 0.0));
//! ```

use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use web_time::Instant;

use engine::hardware::{Block, BlockTime, LatencyTable, fit_line, space_blocks, space_signature};
#[cfg(doc)]
use engine::hardware::Correction;
use engine::space::SpaceConfig;
use engine::stats::median;

use crate::blocks::{Block as OpBlock, ConvBnRelu, ConvShape};
use crate::latency::random_input as input;
use crate::train::TrainError;

/// How blocks are timed.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationConfig {
    /// The run lengths N: blocks per timed run.
    pub chains: Vec<u32>,
    /// Timed runs per length (their median counts).
    pub rounds: u32,
    /// Untimed runs first, per block (at least one: it tells how quick the block is).
    pub warmup: u32,
    /// How long the shortest timed run of a block should last, milliseconds (quick blocks run
    /// in longer runs, see [`time_block`]).
    pub shortest_run_ms: f64,
}

impl Default for CalibrationConfig {
    /// Runs of 1, 2, 4 and 8 blocks (times a multiple for quick blocks: the shortest run
    /// about half a millisecond), 15 rounds each after 3 untimed runs.
    fn default() -> Self {
        CalibrationConfig { chains: vec![1, 2, 4, 8], rounds: 15, warmup: 3, shortest_run_ms: 0.5 }
    }
}

/// A block built to run: shape-keeping ones chain (each feeds the next); the others run N
/// times on the same input, one value of each output added up so every one is computed.
#[allow(clippy::large_enum_variant, reason = "one is built per block timed")]
enum Runnable {
    Chain(OpBlock),
    Add(Tensor<4>),
    Conv(ConvBnRelu),
    Head(Linear),
}

impl Runnable {
    fn new(block: &Block, device: &Device) -> (Runnable, [usize; 4]) {
        let dims = |c: u32, h: u32, w: u32| [1, c as usize, h as usize, w as usize];
        match *block {
            Block::Stem { channels_in, channels_out, height, width } => {
                let conv = ConvBnRelu::new(ConvShape::dense(channels_in as usize, channels_out as usize, 3), device);
                (Runnable::Conv(conv), dims(channels_in, height, width))
            }
            Block::Entry { channels_in, channels_out, height, width, stride } => {
                let shape = ConvShape { stride: stride as usize, ..ConvShape::dense(channels_in as usize, channels_out as usize, 3) };
                (Runnable::Conv(ConvBnRelu::new(shape, device)), dims(channels_in, height, width))
            }
            Block::Op { op, channels, height, width } => {
                (Runnable::Chain(OpBlock::new(op, channels as usize, device)), dims(channels, height, width))
            }
            Block::Add { channels, height, width } => {
                (Runnable::Add(Tensor::zeros(dims(channels, height, width), device)), dims(channels, height, width))
            }
            Block::Head { features, classes, height, width } => {
                (Runnable::Head(LinearConfig::new(features as usize, classes as usize).init(device)), dims(features, height, width))
            }
        }
    }

    /// `n` blocks on `x`; what is read back.
    fn run(&self, x: Tensor<4>, n: u32) -> Tensor<1> {
        let one = |y: Tensor<4>| y.slice([0..1, 0..1, 0..1, 0..1]).reshape([1]);
        match self {
            Runnable::Chain(block) => one((0..n).fold(x, |x, _| block.forward(x))),
            Runnable::Add(other) => one((0..n).fold(x, |x, _| x + other.clone())),
            Runnable::Conv(conv) => (1..n).fold(one(conv.forward(x.clone())), |sum, _| sum + one(conv.forward(x.clone()))),
            Runnable::Head(linear) => {
                let head = |x: Tensor<4>| {
                    let [b, c, _, _] = x.dims();
                    linear.forward(x.mean_dims(&[2, 3]).reshape([b, c])).slice([0..1, 0..1]).reshape([1])
                };
                (1..n).fold(head(x.clone()), |sum, _| sum + head(x.clone()))
            }
        }
    }
}

/// The median milliseconds of a run of each length of `config.chains` of `block` on `device`.
/// A block too quick for the clock (browsers give workers a tenth of a millisecond) runs in
/// longer runs: every length times a multiple that makes its shortest run last about
/// [`CalibrationConfig::shortest_run_ms`]; the lengths reported are the blocks actually run.
pub async fn time_block(block: &Block, config: &CalibrationConfig, device: &Device) -> Result<Vec<(u32, f64)>, TrainError> {
    let (runnable, dims) = Runnable::new(block, device);
    let mut rng = engine::rng::rng_for(engine::rng::Seed(0), "calibration input");
    let backend = |error| TrainError::Backend { step: 0, message: format!("{error}") };
    let mut warm = Vec::with_capacity(config.warmup as usize);
    for _ in 0..config.warmup.max(1) {
        let x = input(dims, &mut rng, device);
        let started = Instant::now();
        runnable.run(x, 1).into_data_async().await.map_err(backend)?;
        warm.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let one = median(&warm).unwrap_or(0.0);
    let multiple = if one <= 0.0 { MAX_MULTIPLE } else { ((config.shortest_run_ms / one).ceil() as u32).clamp(1, MAX_MULTIPLE) };
    let mut points = Vec::with_capacity(config.chains.len());
    for &n in &config.chains {
        let n = n * multiple;
        let mut runs = Vec::with_capacity(config.rounds as usize);
        for _ in 0..config.rounds.max(1) {
            let x = input(dims, &mut rng, device);
            let started = Instant::now();
            runnable.run(x, n).into_data_async().await.map_err(backend)?;
            runs.push(started.elapsed().as_secs_f64() * 1e3);
        }
        points.push((n, median(&runs).unwrap_or(0.0)));
    }
    Ok(points)
}

/// The most a run length is multiplied by for a quick block.
const MAX_MULTIPLE: u32 = 64;

/// Times every block of `config`'s space on `device` (telling `progress` how many are done of
/// how many) and fits the table: each block's cost, the per-inference overhead. The
/// correction is left at none (see [`Correction::fit`]); `measured` is left for the caller.
pub async fn calibrate(
    config: &SpaceConfig,
    calibration: &CalibrationConfig,
    device: &Device,
    mut progress: impl AsyncFnMut(usize, usize),
) -> Result<LatencyTable, TrainError> {
    let started = Instant::now();
    let blocks = space_blocks(config);
    let mut times = Vec::with_capacity(blocks.len());
    let mut intercepts = Vec::with_capacity(blocks.len());
    for (i, block) in blocks.iter().enumerate() {
        let points = time_block(block, calibration, device).await?;
        let line: Vec<(f64, f64)> = points.iter().map(|&(n, ms)| (f64::from(n), ms)).collect();
        let (slope, intercept) = fit_line(&line).unwrap_or((line.first().map_or(0.0, |p| p.1), 0.0));
        times.push(BlockTime { block: *block, ms: slope.max(0.0) });
        intercepts.push(intercept);
        progress(i + 1, blocks.len()).await;
    }
    let overhead_ms = median(&intercepts).unwrap_or(0.0).max(0.0);
    let mut table = LatencyTable { space: space_signature(config), blocks: times, overhead_ms, ..LatencyTable::default() };
    table.measured.seconds = started.elapsed().as_secs_f64();
    Ok(table)
}
