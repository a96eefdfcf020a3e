//! `cli bench predictor`: how well latency is predicted before training. Calibrates this
//! machine's device profile (or reads `--profile`), then times held-out networks of the space
//! twice each and compares, against the first timing, the profile's predictions, each
//! roofline target's, and the second timing (the noise ceiling).

use serde_json::json;

use crate::calibrate::profile;
use crate::search::{SEARCH_OPTIONS, read_profile, request};
use crate::{Args, CliError, write_json};
use protocol::predictor::PredictorRow;
use runner::calibration::predictor_benchmark;

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
    let report = pollster::block_on(predictor_benchmark(&space, &device.device, table, (count, runs), async |_, _| {})).map_err(CliError::Run)?;
    println!(
        "{} held-out networks on {}, each timed twice ({runs} runs, median); predictions against the first timing:",
        report.genotypes.len(),
        device.description
    );
    print_table(&report.rows);
    let out = args.value("out").unwrap_or("target/bench/predictor.json");
    write_json(out, &json!({"benchmark": "predictor", "backend": device.description, "report": report}))?;
    println!("calibration took {:.1} s\nwrote {out}", report.profile.measured.seconds);
    Ok(())
}

/// The rows as a table: share within ±10 %, MAPE, RMSE, Spearman, Kendall.
pub(crate) fn print_table(rows: &[PredictorRow]) {
    let rank = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.3}"));
    println!("{:<18} {:>9} {:>8} {:>10} {:>9} {:>9}", "predictor", "±10 %", "MAPE", "RMSE (ms)", "Spearman", "Kendall");
    for row in rows {
        let a = &row.agreement;
        println!(
            "{:<18} {:>8.1}% {:>7.1}% {:>10.4} {:>9} {:>9}",
            row.predictor,
            100.0 * a.within_10,
            100.0 * a.mape,
            a.rmse,
            rank(a.spearman),
            rank(a.kendall)
        );
    }
}
