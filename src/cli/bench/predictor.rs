//! `cli bench predictor`: how well latency is predicted before training. Calibrates this
//! machine's device profile (or reads `--profile`), then times held-out networks of the space
//! twice each and compares, against the first timing, the profile's predictions, each
//! roofline target's, and the second timing (the noise ceiling).

use serde_json::{Value, json};

use crate::calibrate::profile;
use runner::calibration::{sample, time};
use crate::search::{SEARCH_OPTIONS, read_profile, request};
use crate::{Args, CliError, write_json};
use engine::cost::cost;
use engine::hardware::{DeviceProfile, LatencyModel, Roofline, Target};
use engine::stats::Agreement;

/// The options: a search's (for its space), and the benchmark's own.
pub(crate) fn options() -> Vec<&'static str> {
    SEARCH_OPTIONS.iter().copied().chain(["genotypes", "runs"]).collect()
}

/// `cli bench predictor`.
pub(crate) fn predictor(args: &Args) -> Result<(), CliError> {
    let space = request(args)?.space;
    let count: u32 = args.parsed("genotypes", "a whole number")?.unwrap_or(30);
    let runs: u32 = args.parsed("runs", "a whole number")?.unwrap_or(100);
    let device = super::device(args)?;
    let table = match args.value("profile") {
        Some(path) => read_profile(path)?,
        None => profile(&space, &device)?,
    };
    table.covers(&space).map_err(CliError::Run)?;
    let held_out = sample(&space, count, "held-out networks").map_err(CliError::Usage)?;
    let mut timings = [Vec::new(), Vec::new()];
    for pass in &mut timings {
        for genotype in &held_out {
            pass.push(pollster::block_on(time(&space, genotype, runs, &device.device)).map_err(CliError::Run)?);
        }
    }
    let [first, second] = timings;
    let mut rows = vec![("device profile".to_string(), held_out.iter().map(|g| table.predict_ms(&space, g)).collect::<Result<Vec<_>, _>>().map_err(CliError::Run)?)];
    for target in Target::ALL {
        let model = Roofline::new(DeviceProfile::builtin(target));
        rows.push((format!("roofline {}", target.name()), held_out.iter().map(|g| model.latency_ms(&cost(&space, g))).collect()));
    }
    rows.push(("second timing".to_string(), second.clone()));
    println!(
        "{} held-out networks on {}, each timed twice ({runs} runs, median); predictions against the first timing:",
        held_out.len(),
        device.description
    );
    println!("{:<18} {:>9} {:>8} {:>10} {:>9} {:>9}", "predictor", "±10 %", "MAPE", "RMSE (ms)", "Spearman", "Kendall");
    let mut results = Vec::new();
    for (name, predicted) in &rows {
        let m = metrics(predicted, &first);
        println!(
            "{name:<18} {:>8.1}% {:>7.1}% {:>10.4} {:>9.3} {:>9.3}",
            100.0 * super::number(&m, "within_10"),
            100.0 * super::number(&m, "mape"),
            super::number(&m, "rmse"),
            super::number(&m, "spearman"),
            super::number(&m, "kendall")
        );
        results.push(json!({"predictor": name, "metrics": m, "predicted_ms": predicted}));
    }
    let out = args.value("out").unwrap_or("target/bench/predictor.json");
    write_json(out, &json!({
        "benchmark": "predictor", "backend": device.description, "calibration_seconds": table.measured.seconds,
        "profile": table, "genotypes": held_out.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "first_ms": first, "second_ms": second, "results": results,
    }))?;
    println!("calibration took {:.1} s\nwrote {out}", table.measured.seconds);
    Ok(())
}

/// [`Agreement`] of `predicted` with `truth`, as JSON.
pub(crate) fn metrics(predicted: &[f64], truth: &[f64]) -> Value {
    serde_json::to_value(Agreement::of(predicted, truth)).unwrap_or_default()
}
