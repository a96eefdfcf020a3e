//! `cli calibrate`: this machine's device profile (a latency table of every block of the
//! search's space, timed on the chosen device, and the network-level correction fitted on a
//! few whole networks), written as JSON for `cli search --target this` or `--profile FILE`.

use engine::hardware::{Correction, LatencyTable, Measured};
use engine::rng::{Seed, rng_for};
use engine::space::{Genotype, Space, SpaceConfig, Stage};
use nn::calibrate::{CalibrationConfig, calibrate};
use nn::latency::{LatencyConfig, measure};

use super::search::{DEVICE_PROFILE, SEARCH_OPTIONS, request};
use super::{Args, CliError};

const HELP: &str = "\
usage: cli calibrate [--device cpu|gpu|auto] [--out FILE] [--networks N] [options of `cli search`]

Times every block the search's space can produce (each op at each width and resolution, the
stem, every entry convolution, the skip additions, the head) on the device as runs of 1, 2, 4
and 8 identical blocks, fits each block's cost and the per-inference overhead, then times N
whole networks sampled from the space (default 16) once each and fits the network-level
correction. Writes the device profile (default target/cli/device-profile.json), which
`cli search --target this` reads. The space is the page's default, or the one --config and the
space flags give (--input digits|rgb32).";

/// `cli calibrate`.
pub fn calibrate_command(raw: &[String]) -> Result<(), CliError> {
    let options: Vec<&str> = SEARCH_OPTIONS.iter().copied().chain(["networks"]).collect();
    let args = Args::parse(raw, &options, &["help"])?;
    if args.switch("help") {
        println!("{HELP}");
        return Ok(());
    }
    let space = request(&args)?.space;
    let networks: u32 = args.parsed("networks", "a whole number")?.unwrap_or(16);
    let device = nn::backend::native(args.value("device").unwrap_or("cpu")).map_err(|e| CliError::Usage(format!("--device: {e}")))?;
    println!("calibrating on {}", device.description);
    let table = profile(&space, networks, &device)?;
    let out = args.value("out").unwrap_or(DEVICE_PROFILE);
    let text = serde_json::to_string_pretty(&table).map_err(|e| CliError::Run(e.to_string()))?;
    super::write_text(out, &text)?;
    println!(
        "{} blocks in {:.1} s; overhead {:.3} ms per inference; correction {:.3} x + {:.3} ms\nwrote {out}",
        table.blocks.len(),
        table.measured.seconds,
        table.overhead_ms,
        table.correction.scale,
        table.correction.offset_ms
    );
    Ok(())
}

/// The device profile of `space` on `device`: every block timed, the correction fitted on
/// `networks` whole networks sampled from the space.
pub(crate) fn profile(space: &SpaceConfig, networks: u32, device: &nn::backend::NativeDevice) -> Result<LatencyTable, CliError> {
    let started = web_time::Instant::now();
    let run = |e: nn::train::TrainError| CliError::Run(format!("calibrating: {e}"));
    let mut table = pollster::block_on(calibrate(space, &CalibrationConfig::default(), &device.device, |done, all| {
        if done % 20 == 0 || done == all {
            println!("  {done} of {all} blocks timed");
        }
    }))
    .map_err(run)?;
    let mut pairs = Vec::new();
    for genotype in sample(space, networks, "calibration networks")? {
        let raw = table.raw_ms(space, &genotype).map_err(CliError::Run)?;
        pairs.push((raw, time(space, &genotype, 50, device).map_err(run)?));
    }
    table.correction = Correction::fit(&pairs);
    table.measured = Measured {
        backend: device.description.clone(),
        adapter: std::env::consts::ARCH.to_string(),
        host: std::env::consts::OS.to_string(),
        date: today(),
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok(table)
}

/// `count` networks sampled from the whole of `space` (every op open), from the stream `stream`.
pub(crate) fn sample(space: &SpaceConfig, count: u32, stream: &str) -> Result<Vec<Genotype>, CliError> {
    let space = Space::new(space.clone()).map_err(|e| CliError::Usage(format!("search space: {e}")))?;
    let mut rng = rng_for(Seed(2026), stream);
    Ok((0..count).map(|_| space.sample(Stage::Three, &mut rng)).collect())
}

/// The median latency of `genotype` (fresh weights) over `runs` timed runs at batch 1.
pub(crate) fn time(space: &SpaceConfig, genotype: &Genotype, runs: u32, device: &nn::backend::NativeDevice) -> Result<f64, nn::train::TrainError> {
    let checked = Space::new(space.clone()).map_err(|e| nn::train::TrainError::Backend { step: 0, message: e.to_string() })?;
    let model = nn::candidate::Network::new(&checked, genotype, &device.device)
        .map_err(|e| nn::train::TrainError::Backend { step: 0, message: e.to_string() })?;
    let config = LatencyConfig { warmup: 2, runs, batch: 1 };
    Ok(pollster::block_on(measure(&model, space.input, &config, &device.device))?.median_ms)
}

/// Today's date (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
