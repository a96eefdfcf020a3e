//! A device profile made on the run's device, as `cli calibrate` and the page's worker make it:
//! every block of the space timed (`nn::calibrate`), then whole networks sampled from the space
//! timed once each and the network-level correction fitted on them; and the benchmark of how
//! well a profile predicts latency there.

use burn::tensor::Device;

use engine::cost::cost;
use engine::hardware::{Correction, DeviceProfile, LatencyModel, LatencyTable, Measured, Roofline, Target};
use engine::stats::Agreement;
use engine::rng::{Seed, rng_for};
use engine::space::{Genotype, Space, SpaceConfig, Stage};
use nn::calibrate::{CalibrationConfig, calibrate};
use nn::latency::{LatencyConfig, measure};
use protocol::CalibrationProgress;
use protocol::predictor::{PREDICTOR_GENOTYPES, PREDICTOR_RUNS, PredictorReport, PredictorRow};

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
    let total = protocol::calibration_steps(space);
    let elapsed = || started.elapsed().as_secs_f64();
    let mut table = calibrate(space, &CalibrationConfig::default(), device, async |done, _| {
        progress(CalibrationProgress { done: done as u32, total, elapsed_s: elapsed() }).await;
    })
    .await
    .map_err(|e| format!("timing the blocks: {e}"))?;
    let blocks = table.blocks.len() as u32;
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

/// How well `profile` predicts latency on `device`: `count` networks held out from `space`
/// (a stream calibration never sees) timed twice each, all once and then all again, `runs` runs
/// a timing; the profile's, each built-in roofline's and the second timing's agreement with
/// the first. `progress` hears each timing done of the `2 × count`.
pub async fn predictor_benchmark(
    space: &SpaceConfig,
    device: &Device,
    profile: LatencyTable,
    (count, runs): (u32, u32),
    mut progress: impl AsyncFnMut(u32, u32),
) -> Result<PredictorReport, String> {
    for (what, value, allowed) in [("held-out networks", count, PREDICTOR_GENOTYPES), ("timed runs", runs, PREDICTOR_RUNS)] {
        if !allowed.contains(value) {
            return Err(format!("{value} {what} is not allowed; allowed: {allowed}"));
        }
    }
    profile.covers(space)?;
    let held_out = sample(space, count, "held-out networks")?;
    let mut timings = [Vec::new(), Vec::new()];
    for (pass, timing) in timings.iter_mut().enumerate() {
        for (i, genotype) in held_out.iter().enumerate() {
            timing.push(time(space, genotype, runs, device).await?);
            progress((pass as u32) * count + i as u32 + 1, 2 * count).await;
        }
    }
    let [first_ms, second_ms] = timings;
    let row = |predictor: String, predicted_ms: Vec<f64>| PredictorRow { agreement: Agreement::of(&predicted_ms, &first_ms), predictor, predicted_ms };
    let mut rows = vec![row("device profile".into(), held_out.iter().map(|g| profile.predict_ms(space, g)).collect::<Result<_, _>>()?)];
    for target in Target::ALL {
        let model = Roofline::new(DeviceProfile::builtin(target));
        rows.push(row(format!("roofline {}", target.name()), held_out.iter().map(|g| model.latency_ms(&cost(space, g))).collect()));
    }
    rows.push(row("second timing".into(), second_ms.clone()));
    let genotypes = held_out.iter().map(ToString::to_string).collect();
    Ok(PredictorReport { profile, genotypes, runs, first_ms, second_ms, rows })
}
