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
            super::number(&m, "rmse_ms"),
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

/// Share within ±10 %, mean absolute percentage error, root mean square error, Spearman's ρ and
/// Kendall's τ-b of `predicted` against `truth`.
pub(crate) fn metrics(predicted: &[f64], truth: &[f64]) -> Value {
    let n = truth.len().max(1) as f64;
    let pairs = || predicted.iter().zip(truth);
    let within = pairs().filter(|(p, t)| (*p / *t - 1.0).abs() <= 0.1).count() as f64 / n;
    let mape = pairs().map(|(p, t)| ((p - t) / t).abs()).sum::<f64>() / n;
    let rmse = (pairs().map(|(p, t)| (p - t).powi(2)).sum::<f64>() / n).sqrt();
    json!({
        "within_10": within, "mape": mape, "rmse_ms": rmse,
        "spearman": pearson(&ranks(predicted), &ranks(truth)), "kendall": kendall(predicted, truth), "n": truth.len(),
    })
}

/// Ranks from 1, ties given their mean rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            ranks[k] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    ranks
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let (va, vb): (f64, f64) = (a.iter().map(|x| (x - ma).powi(2)).sum(), b.iter().map(|y| (y - mb).powi(2)).sum());
    cov / (va * vb).sqrt()
}

/// Kendall's τ-b.
fn kendall(a: &[f64], b: &[f64]) -> f64 {
    let (mut concordant, mut discordant, mut ties_a, mut ties_b) = (0.0f64, 0.0, 0.0, 0.0);
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            let (da, db) = ((a[i] - a[j]).signum(), (b[i] - b[j]).signum());
            match (da == 0.0, db == 0.0) {
                (true, true) => {}
                (true, false) => ties_a += 1.0,
                (false, true) => ties_b += 1.0,
                _ if da == db => concordant += 1.0,
                _ => discordant += 1.0,
            }
        }
    }
    (concordant - discordant) / ((concordant + discordant + ties_a) * (concordant + discordant + ties_b)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_metrics_are_one_for_the_same_order_and_minus_one_reversed() {
        let truth = [1.0, 2.0, 3.0, 4.0];
        let m = metrics(&[10.0, 20.0, 30.0, 40.0], &truth);
        assert_eq!((m["spearman"].as_f64(), m["kendall"].as_f64(), m["within_10"].as_f64()), (Some(1.0), Some(1.0), Some(0.0)));
        let m = metrics(&[4.0, 3.0, 2.0, 1.0], &truth);
        assert_eq!((m["spearman"].as_f64(), m["kendall"].as_f64()), (Some(-1.0), Some(-1.0)));
        let m = metrics(&[1.05, 2.0, 3.5, 4.0], &truth);
        assert_eq!(m["within_10"].as_f64(), Some(0.75));
        assert_eq!(ranks(&[2.0, 1.0, 2.0]), vec![2.5, 1.0, 2.5]);
    }
}
