//! `cli bench ablation`, `cli bench inheritance` and `cli bench fine-tune`: the rows of `protocol::ablation`, run
//! through the runner as `cli search` runs a search, over several seeds.

use serde_json::json;

use crate::search::{SEARCH_OPTIONS, request, run_with};
use crate::{Args, CliError, write_json, write_text};
use engine::space::InputShape;
use engine::search::Constraints;
use protocol::ablation::{AblationPlan, AblationResult, AblationRow, RowSummary, Spread, csv, plan_seeds, summarise};
use protocol::{DEFAULT_PROCEDURAL_IMAGES, DatasetChoice, RunRequest};

/// The options of both benchmarks: a search's, and how many seeds.
pub(crate) fn options() -> Vec<&'static str> {
    SEARCH_OPTIONS.iter().copied().chain(["seeds", "csv", "datasets", "schedules"]).collect()
}

/// `cli bench ablation`: every row over `--seeds` seeds (from `--seed`); the table, JSON, CSV.
pub(crate) fn ablation(args: &Args) -> Result<(), CliError> {
    let base = request(args)?;
    let (plan, results) = run_rows(args, &base, &AblationRow::ALL)?;
    println!("\n{}", table(&summarise(&results)));
    let out = args.value("out").unwrap_or("target/bench/ablation.json");
    write_json(out, &json!({
        "benchmark": "ablation", "dataset": format!("{:?}", base.dataset), "budget_steps": plan.budget_steps,
        "limits": limits_by_seed(&plan), "plan": plan, "table": summarise(&results), "results": results,
    }))?;
    let csv_out = args.value("csv").unwrap_or("target/bench/ablation.csv");
    write_text(csv_out, &csv(&results))?;
    println!("wrote {out} and {csv_out}");
    Ok(())
}

/// `cli bench inheritance`: the hardware-aware search with and without inheritance (the
/// ablation's last two rows) on each of `--datasets`, at equal compute, over `--seeds` seeds;
/// how many steps each needs to reach the other's final hypervolume.
pub(crate) fn inheritance(args: &Args) -> Result<(), CliError> {
    let names = args.value("datasets").unwrap_or("digits,procedural");
    let mut datasets = Vec::new();
    for name in names.split(',') {
        let mut base = request(args)?;
        (base.dataset, base.space.input) = match name {
            "digits" => (DatasetChoice::Digits, InputShape::DIGITS),
            "procedural" => (DatasetChoice::Procedural { images: DEFAULT_PROCEDURAL_IMAGES }, InputShape::RGB32),
            other => return Err(CliError::Usage(format!("--datasets: {other:?} is not known; allowed: digits, procedural"))),
        };
        let (plan, results) = run_rows(args, &base, &[AblationRow::HardwareAware, AblationRow::Inheritance])?;
        let pairs = reach(&results);
        let on_share = Spread::of_values(pairs.iter().map(|p| p["on_share_of_off_steps"].as_f64().unwrap_or(f64::NAN)));
        println!(
            "\n{name}: inheritance reached the final hypervolume of training from scratch with {} of its steps (median over {} seeds, {}–{})\n{}",
            percent(on_share.median),
            pairs.len(),
            percent(on_share.min),
            percent(on_share.max),
            table(&summarise(&results))
        );
        datasets.push(json!({
            "dataset": name, "budget_steps": plan.budget_steps, "limits": limits_by_seed(&plan), "table": summarise(&results),
            "reach": pairs, "on_share_of_off_steps": on_share, "results": results,
        }));
    }
    let out = args.value("out").unwrap_or("target/bench/inheritance.json");
    write_json(out, &json!({ "benchmark": "inheritance", "datasets": datasets }))?;
    println!("wrote {out}");
    Ok(())
}

/// Fine-tuning schedules tried by `cli bench fine-tune` unless `--schedules` says otherwise:
/// steps/learning-rate scale/warm-up, each varied alone from today's default (the first).
const SCHEDULES: &str = "40/0.2/0,20/0.2/0,80/0.2/0,40/0.1/0,40/0.5/0,40/1/0,40/0.2/10";

/// `cli bench fine-tune`: the full method's search (the ablation's last row) with each
/// fine-tuning schedule of `--schedules` (steps/rate scale/warm-up), at equal compute, over
/// `--seeds` seeds: which schedule reaches the highest hypervolume.
pub(crate) fn fine_tune(args: &Args) -> Result<(), CliError> {
    let mut runs = Vec::new();
    for schedule in args.value("schedules").unwrap_or(SCHEDULES).split(',') {
        let bad = || CliError::Usage(format!("--schedules: {schedule:?} is not steps/rate-scale/warm-up, such as 40/0.2/0"));
        let parts: Vec<&str> = schedule.split('/').collect();
        let [steps, scale, warmup] = parts[..] else { return Err(bad()) };
        let mut base = request(args)?;
        let t = &mut base.training;
        t.fine_tune_steps = steps.parse().map_err(|_| bad())?;
        t.fine_tune_lr_scale = scale.parse().map_err(|_| bad())?;
        t.fine_tune_warmup_steps = warmup.parse().map_err(|_| bad())?;
        println!("schedule {schedule}: {} fine-tuning steps at {} x the rate, {} warm-up", steps, scale, warmup);
        let (plan, results) = run_rows(args, &base, &[AblationRow::Inheritance])?;
        let summary = summarise(&results);
        runs.push((schedule.to_string(), plan.budget_steps, summary, results));
    }
    println!("\n{:<14} {:<24} {:<22} candidates", "schedule", "hypervolume", "best accuracy");
    for (schedule, _, summary, results) in &runs {
        let Some(row) = summary.first() else { continue };
        let candidates = Spread::of_values(results.iter().map(|r| f64::from(r.candidates)));
        println!(
            "{schedule:<14} {:<24} {:<22} {:.0}",
            format!("{:.4} [{:.4}–{:.4}]", row.hypervolume.median, row.hypervolume.min, row.hypervolume.max),
            format!("{} [{}–{}]", percent(row.best_accuracy.median), percent(row.best_accuracy.min), percent(row.best_accuracy.max)),
            candidates.median
        );
    }
    let out = args.value("out").unwrap_or("target/bench/fine-tune.json");
    let json_runs: Vec<_> = runs
        .iter()
        .map(|(schedule, budget, summary, results)| json!({ "schedule": schedule, "budget_steps": budget, "table": summary, "results": results }))
        .collect();
    write_json(out, &json!({ "benchmark": "fine_tune", "schedules": json_runs }))?;
    println!("wrote {out}");
    Ok(())
}

/// Plans the ablation of `base` over `--seeds` seeds and runs `rows` of it, one line per row.
fn run_rows(args: &Args, base: &RunRequest, rows: &[AblationRow]) -> Result<(AblationPlan, Vec<AblationResult>), CliError> {
    let seeds: u32 = args.parsed("seeds", "a whole number")?.unwrap_or(3);
    let plan = plan_seeds(base, seeds).map_err(|e| CliError::Usage(e.to_string()))?;
    println!("{} training steps per row", plan.budget_steps);
    let mut results = Vec::new();
    for run in plan.runs.iter().filter(|r| rows.contains(&r.row)) {
        let seed = run.request.search.seed;
        if run.row == rows[0] {
            println!("seed {seed}: networks judged within {}", limits_text(&run.limits, plan.latency_limit_chosen));
        }
        let (_, events) = run_with(args, &run.request, |_| {})?;
        let result = AblationResult::from_events(run.row, seed, &run.limits, &events)
            .ok_or_else(|| CliError::Run(format!("row {} did not run in the architecture space", run.row.name())))?;
        println!(
            "  {:<28} {:>3} candidates  best accuracy {:>6}  hypervolume {:.4}  {} steps  {:.0} s",
            run.row.label(),
            result.candidates,
            percent(result.best_accuracy()),
            result.hypervolume,
            result.train_steps,
            result.seconds
        );
        results.push(result);
    }
    Ok((plan, results))
}

/// Per seed: the steps inheritance (on) needs to reach the final hypervolume of training from
/// scratch (off), and the other way round, from the hypervolume-against-steps curves.
fn reach(results: &[AblationResult]) -> Vec<serde_json::Value> {
    let of = |seed: u64, row: AblationRow| results.iter().find(|r| r.seed == seed && r.row == row);
    let mut seeds: Vec<u64> = results.iter().map(|r| r.seed).collect();
    seeds.dedup();
    seeds
        .into_iter()
        .filter_map(|seed| {
            let (off, on) = (of(seed, AblationRow::HardwareAware)?, of(seed, AblationRow::Inheritance)?);
            let steps_to = |r: &AblationResult, hv: f64| r.curve.iter().find(|p| p[1] >= hv - 1e-12).map(|p| p[0]);
            let on_steps = steps_to(on, off.hypervolume);
            Some(json!({
                "seed": seed, "off_final_hypervolume": off.hypervolume, "on_final_hypervolume": on.hypervolume,
                "off_steps": off.train_steps, "on_steps": on.train_steps,
                "on_steps_to_off_final": on_steps, "off_steps_to_on_final": steps_to(off, on.hypervolume),
                // Never reaching it counts as more than the whole budget.
                "on_share_of_off_steps": on_steps.map_or(f64::INFINITY, |s| s / off.train_steps.max(1) as f64),
            }))
        })
        .collect()
}

/// The table: one line per row, medians with the spread over seeds.
fn table(rows: &[RowSummary]) -> String {
    let mut text = format!(
        "{:<28} {:>5}  {:<22} {:<22} {:<20} {:<18} {:<18} {}\n",
        "row", "seeds", "best accuracy", "hypervolume", "latency ms (best)", "params (best)", "training steps", "seconds"
    );
    for r in rows {
        let spread = |s: &Spread, digits: usize| format!("{:.digits$} [{:.digits$}–{:.digits$}]", s.median, s.min, s.max);
        text.push_str(&format!(
            "{:<28} {:>5}  {:<22} {:<22} {:<20} {:<18} {:<18} {}\n",
            r.row.label(),
            r.seeds,
            format!("{} [{}–{}]", percent(r.best_accuracy.median), percent(r.best_accuracy.min), percent(r.best_accuracy.max)),
            spread(&r.hypervolume, 4),
            spread(&r.latency_ms, 3),
            spread(&r.params, 0),
            spread(&r.train_steps, 0),
            spread(&r.seconds, 0),
        ));
    }
    text
}

fn percent(fraction: f64) -> String {
    if fraction.is_finite() { format!("{:.1} %", fraction * 100.0) } else { "never".into() }
}

/// Each seed's limits, by seed.
fn limits_by_seed(plan: &AblationPlan) -> std::collections::BTreeMap<u64, Constraints> {
    plan.runs.iter().map(|r| (r.request.search.seed, r.limits)).collect()
}

fn limits_text(l: &Constraints, chosen: bool) -> String {
    let mut parts = vec![format!(
        "{:.3} ms predicted latency{}",
        l.max_latency_ms.unwrap_or(f64::NAN),
        if chosen { " (the median of the space: no limit was set)" } else { "" }
    )];
    parts.extend(l.max_params.map(|p| format!("{p} parameters")));
    parts.extend(l.max_macs.map(|m| format!("{m} MACs")));
    parts.join(", ")
}
