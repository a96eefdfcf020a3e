//! `cli calibrate`: this machine's device profile (a latency table of every block of the
//! search's space, timed on the chosen device, and the network-level correction fitted on a
//! few whole networks), written as JSON for `cli search --target this` or `--profile FILE`.

use engine::hardware::{LatencyTable, Measured};
use engine::space::SpaceConfig;
use runner::calibration::device_profile;

use super::search::{DEVICE_PROFILE, SEARCH_OPTIONS, request};
use super::{Args, CliError};

const HELP: &str = "\
usage: cli calibrate [--device cpu|gpu|auto] [--out FILE] [options of `cli search`]

Times every block the search's space can produce (each op at each width and resolution, the
stem, every entry convolution, the skip additions, the head) on the device as runs of 1, 2, 4
and 8 identical blocks, fits each block's cost and the per-inference overhead, then times 16
whole networks sampled from the space once each and fits the network-level correction. Writes
the device profile (default target/cli/device-profile.json), which
`cli search --target this` reads. The space is the page's default, or the one --config and the
space flags give (--input digits|rgb32).";

/// `cli calibrate`.
pub fn calibrate_command(raw: &[String]) -> Result<(), CliError> {
    let args = Args::parse(raw, &SEARCH_OPTIONS, &["help"])?;
    if args.switch("help") {
        println!("{HELP}");
        return Ok(());
    }
    let space = request(&args)?.space;
    let device = nn::backend::native(args.value("device").unwrap_or("cpu")).map_err(|e| CliError::Usage(format!("--device: {e}")))?;
    println!("calibrating on {}", device.description);
    let table = profile(&space, &device)?;
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
/// whole networks sampled from the space; progress printed now and then.
pub(crate) fn profile(space: &SpaceConfig, device: &nn::backend::NativeDevice) -> Result<LatencyTable, CliError> {
    let measured = Measured {
        backend: device.description.clone(),
        adapter: std::env::consts::ARCH.to_string(),
        host: std::env::consts::OS.to_string(),
        date: today(),
        seconds: 0.0,
    };
    let mut said = 0;
    let progress = async |p: protocol::CalibrationProgress| {
        if p.done >= said + 20 || p.done == p.total {
            println!("  {} of {} blocks and networks timed", p.done, p.total);
            said = p.done;
        }
    };
    pollster::block_on(device_profile(space, &device.device, measured, progress)).map_err(|e| CliError::Run(format!("calibrating: {e}")))
}

/// Today's date (UTC) as `YYYY-MM-DD`.
fn today() -> String {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400) as i64;
    let (year, month, day) = engine::calendar::civil_date(days);
    format!("{year:04}-{month:02}-{day:02}")
}
