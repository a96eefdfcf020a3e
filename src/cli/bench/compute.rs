//! `cli bench equal-compute`: the search as the page now runs it (its recipe, its inheritance,
//! and rungs when `--rungs` asks for them) against every network trained from scratch at full fidelity with the old recipe
//! (`sgd_crops`, no inheritance, no rungs), on each dataset and seed. Compute is training images
//! times the network's forward multiply-adds (a rung counts what it trained, a resume the rest);
//! hypervolume is that of the networks trained to their whole budget (error, predicted latency
//! and parameters, each divided by the space's largest, reference 1.1). The old method runs its
//! generations, the new one as many training steps. Per seed: the compute each needs to reach
//! the other's final hypervolume. Each seed's result is a JSON file of its
//! own (`--dir`), so the benchmark can run in parts; the summary reads every file there.

use std::path::Path;

use serde_json::{Value, json};

use crate::search::{SEARCH_OPTIONS, request, run_with};
use crate::{Args, CliError, write_json};
use engine::moo::hypervolume;
use engine::search::{ArchSpace, RecordStatus, Rungs, SearchSpace};
use engine::space::InputShape;
use protocol::{DEFAULT_PROCEDURAL_IMAGES, DatasetChoice, FromEngine, RunRequest, TrainingRecipe};

/// Options: a search's, and the seeds, datasets and folder.
pub(crate) fn options() -> Vec<&'static str> {
    SEARCH_OPTIONS.iter().copied().chain(["seeds", "datasets", "dir"]).collect()
}

/// `[cumulative image-MACs, hypervolume]` after each scored network, and the totals.
struct Curve {
    points: Vec<[f64; 2]>,
    compute: f64,
    hypervolume: f64,
    networks: u32,
    best_accuracy: f64,
}

fn curve(request: &RunRequest, events: &[FromEngine]) -> Result<Curve, CliError> {
    let bounds = ArchSpace::new(request.space.clone(), request.search.target).map_err(|e| CliError::Run(e.to_string()))?.bounds();
    let (mut points, mut front, mut compute, mut networks, mut best) = (Vec::new(), Vec::new(), 0.0, 0, 0.0_f64);
    for c in events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { Some(c) } else { None }) {
        compute += c.details.train_samples.unwrap_or(0.0) * c.cheap.macs as f64;
        let Some(error) = c.error.filter(|_| c.status == RecordStatus::Evaluated) else { continue };
        networks += 1;
        best = best.max(1.0 - error);
        front.push(vec![error, c.cheap.latency_ms / bounds.latency_ms, c.cheap.params as f64 / bounds.params as f64]);
        points.push([compute, hypervolume(&front, &[1.1; 3])]);
    }
    let hypervolume = points.last().map_or(0.0, |p| p[1]);
    Ok(Curve { points, compute, hypervolume, networks, best_accuracy: best })
}

/// The compute at which `curve` first reaches `target` hypervolume.
fn reach(curve: &Curve, target: f64) -> Option<f64> {
    curve.points.iter().find(|p| p[1] >= target - 1e-12).map(|p| p[0])
}

/// The two arms of one seed on one dataset.
fn arms(base: &RunRequest, seed: u64, rungs: Option<Rungs>) -> (RunRequest, RunRequest) {
    let mut new = base.clone();
    new.search.seed = seed;
    new.training.references = false;
    new.search.rungs = rungs;
    let mut old = new.clone();
    old.search.rungs = None;
    old.training.recipe = TrainingRecipe::SgdCrops;
    old.training.learning_rate = TrainingRecipe::SgdCrops.default_learning_rate();
    old.training.inheritance = false;
    (new, old)
}

/// Training steps the candidates of a run took.
fn steps(events: &[FromEngine]) -> u64 {
    events.iter().filter_map(|e| if let FromEngine::Candidate(c) = e { c.details.train_steps } else { None }).sum::<f64>() as u64
}

/// Runs one seed on one dataset and writes its file. The old method runs its generations; the
/// new one then runs until it has trained as many steps (its cheaper evaluations buy it more
/// generations), so each has the compute to reach the other's final hypervolume if it can.
fn run_seed(args: &Args, base: &RunRequest, dataset: &str, seed: u64, rungs: Option<Rungs>, dir: &str) -> Result<Value, CliError> {
    let (mut new, old) = arms(base, seed, rungs);
    let (_, old_events) = run_with(args, &old, |_| {})?;
    let old_curve = curve(&old, &old_events)?;
    new.search.max_train_steps = Some(steps(&old_events).max(1));
    new.search.generations = old.search.generations.saturating_mul(20);
    let (_, new_events) = run_with(args, &new, |_| {})?;
    let new_curve = curve(&new, &new_events)?;
    let new_to_old = reach(&new_curve, old_curve.hypervolume);
    let share = new_to_old.map_or(f64::INFINITY, |c| c / old_curve.compute.max(1.0));
    println!(
        "{dataset} seed {seed}: new {} networks, best {:.1} %, hypervolume {:.4}, {:.3e} image-MACs; old {} networks, best {:.1} %, hypervolume {:.4}, {:.3e}; new reached old's final with {}",
        new_curve.networks, new_curve.best_accuracy * 100.0, new_curve.hypervolume, new_curve.compute,
        old_curve.networks, old_curve.best_accuracy * 100.0, old_curve.hypervolume, old_curve.compute,
        if share.is_finite() { format!("{:.1} % of its compute", share * 100.0) } else { "never".into() },
    );
    let arm = |c: &Curve| json!({ "networks": c.networks, "best_accuracy": c.best_accuracy, "hypervolume": c.hypervolume, "compute": c.compute, "curve": c.points });
    let result = json!({
        "dataset": dataset, "seed": seed, "rungs": rungs, "new": arm(&new_curve), "old": arm(&old_curve),
        "new_compute_to_old_final": new_to_old, "old_compute_to_new_final": reach(&old_curve, new_curve.hypervolume),
        "new_share_of_old_compute": if share.is_finite() { json!(share) } else { Value::Null },
    });
    write_json(&format!("{dir}/{dataset}-{seed}.json"), &result)?;
    Ok(result)
}

/// Per dataset, over every seed file in `dir`: the new method's share of the old one's compute
/// (median, extremes; a seed where it never got there counts as over 100 %), and how many seeds
/// needed at most 60 %.
fn summary(dir: &str) -> Value {
    let mut by_dataset: std::collections::BTreeMap<String, Vec<Option<f64>>> = Default::default();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
        let Some(dataset) = value["dataset"].as_str() else { continue };
        by_dataset.entry(dataset.to_string()).or_default().push(value["new_share_of_old_compute"].as_f64());
    }
    let rows: Vec<Value> = by_dataset
        .iter()
        .map(|(dataset, shares)| {
            let mut sorted: Vec<f64> = shares.iter().map(|s| s.unwrap_or(f64::INFINITY)).collect();
            sorted.sort_by(f64::total_cmp);
            let median = engine::stats::median(&sorted).unwrap_or(f64::NAN);
            let within = sorted.iter().filter(|s| **s <= 0.6).count();
            let shown = |v: f64| if v.is_finite() { format!("{:.1} %", v * 100.0) } else { "never".into() };
            println!(
                "{dataset}: {} seeds; the new method reached the old one's final hypervolume with {} of its compute (median; {}–{}); within 60 % in {within}",
                sorted.len(), shown(median), shown(sorted[0]), shown(sorted[sorted.len() - 1])
            );
            let finite = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
            json!({ "dataset": dataset, "seeds": sorted.len(), "median_share": finite(median), "min_share": finite(sorted[0]),
                    "max_share": finite(sorted[sorted.len() - 1]), "seeds_within_60_percent": within })
        })
        .collect();
    json!(rows)
}

/// Runs `bench equal-compute`.
pub(crate) fn equal_compute(args: &Args) -> Result<(), CliError> {
    let seeds: u64 = args.parsed("seeds", "a whole number")?.unwrap_or(10);
    let first: u64 = args.parsed("seed", "a whole number")?.unwrap_or(100);
    let dir = args.value("dir").unwrap_or("target/bench/equal-compute");
    // The page's default (off) unless `--rungs F/ETA` says otherwise.
    let rungs = request(args)?.search.rungs;
    for name in args.value("datasets").unwrap_or("digits,procedural").split(',') {
        let mut base = request(args)?;
        (base.dataset, base.space.input) = match name {
            "digits" => (DatasetChoice::Digits, InputShape::DIGITS),
            "procedural" => (DatasetChoice::Procedural { images: DEFAULT_PROCEDURAL_IMAGES }, InputShape::RGB32),
            other => return Err(CliError::Usage(format!("--datasets: {other:?} is not known; allowed: digits, procedural"))),
        };
        for seed in first..first + seeds {
            if Path::new(&format!("{dir}/{name}-{seed}.json")).exists() {
                println!("{name} seed {seed}: done already ({dir}/{name}-{seed}.json)");
                continue;
            }
            run_seed(args, &base, name, seed, rungs, dir)?;
        }
    }
    let out = args.value("out").unwrap_or("target/bench/equal-compute.json");
    write_json(out, &json!({ "benchmark": "equal_compute", "dir": dir, "summary": summary(dir) }))?;
    println!("wrote {out}");
    Ok(())
}
