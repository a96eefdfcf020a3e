//! A device profile made on the run's device, as `cli calibrate` and the page's worker make it:
//! every block of the space timed (`nn::calibrate`), then whole networks sampled from the space
//! timed once each and the network-level correction fitted on them.

use burn::tensor::Device;

use engine::hardware::{Correction, LatencyTable, Measured};
use engine::rng::{Seed, rng_for};
use engine::space::{Genotype, Space, SpaceConfig, Stage};
use nn::calibrate::{CalibrationConfig, calibrate};
use nn::latency::{LatencyConfig, measure};
use protocol::CalibrationProgress;

use protocol::CALIBRATION_NETWORKS as CORRECTION_NETWORKS;

/// Timed runs of each whole network.
const CORRECTION_RUNS: u32 = 50;

/// The device profile of `space` on `device` (`measured` says where; its seconds are filled
/// in), telling `progress` how far it has come; `Err` says what failed.
pub async fn device_profile(
    space: &SpaceConfig,
    device: &Device,
    mut measured: Measured,
    mut progress: impl AsyncFnMut(CalibrationProgress),
) -> Result<LatencyTable, String> {
    let started = web_time::Instant::now();
    let blocks = engine::hardware::space_blocks(space).len() as u32;
    let total = blocks + CORRECTION_NETWORKS;
    let elapsed = || started.elapsed().as_secs_f64();
    let mut table = calibrate(space, &CalibrationConfig::default(), device, async |done, _| {
        progress(CalibrationProgress { done: done as u32, total, elapsed_s: elapsed() }).await;
    })
    .await
    .map_err(|e| format!("timing the blocks: {e}"))?;
    let mut pairs = Vec::new();
    for (i, genotype) in sample(space, CORRECTION_NETWORKS, "calibration networks")?.iter().enumerate() {
        let raw = table.raw_ms(space, genotype)?;
        pairs.push((raw, time(space, genotype, CORRECTION_RUNS, device).await?));
        progress(CalibrationProgress { done: blocks + i as u32 + 1, total, elapsed_s: elapsed() }).await;
    }
    table.correction = Correction::fit(&pairs);
    measured.seconds = elapsed();
    table.measured = measured;
    Ok(table)
}

/// `count` networks sampled from the whole of `space` (every op open), from the stream `stream`
/// of a fixed seed.
pub fn sample(space: &SpaceConfig, count: u32, stream: &str) -> Result<Vec<Genotype>, String> {
    let space = Space::new(space.clone()).map_err(|e| format!("search space: {e}"))?;
    let mut rng = rng_for(Seed(2026), stream);
    Ok((0..count).map(|_| space.sample(Stage::Three, &mut rng)).collect())
}

/// The median latency of `genotype` (fresh weights) over `runs` timed runs at batch 1.
pub async fn time(space: &SpaceConfig, genotype: &Genotype, runs: u32, device: &Device) -> Result<f64, String> {
    let checked = Space::new(space.clone()).map_err(|e| format!("search space: {e}"))?;
    let model = nn::candidate::Network::new(&checked, genotype, device).map_err(|e| e.to_string())?;
    let config = LatencyConfig { warmup: 2, runs, batch: 1 };
    Ok(measure(&model, space.input, &config, device).await.map_err(|e| format!("timing {genotype}: {e}"))?.median_ms)
}
