//! `bench moo` (NSGA-II on ZDT1-3 and DTLZ2 against pymoo) and `bench generation` (the
//! bookkeeping of one NSGA-II generation).

use serde_json::{Value, json};

use crate::{Args, CliError, read, write_json};
use engine::moo::{Fitness, hypervolume, non_dominated_sort};
use engine::nsga2::{Nsga2, Nsga2Config};
use engine::problem::{Problem, Strategy};
use engine::problems::{Dtlz2, Zdt};
use engine::rng::Seed;

use super::*;

/// Runs NSGA-II on one problem for `seeds`, returning the hypervolume of the final population's
/// non-dominated set at each checkpoint (generation 1 = the random population).
pub(crate) fn moo_runs<P: Problem<Solution = Vec<f64>>>(
    problem: &P,
    evaluate: impl Fn(&[f64]) -> Vec<f64>,
    seeds: u64,
    checkpoints: &[u32],
    reference: &[f64],
) -> Vec<Vec<f64>> {
    let last = checkpoints.iter().copied().max().unwrap_or(0);
    let mut hv = vec![Vec::new(); checkpoints.len()];
    for seed in 1..=seeds {
        let mut nsga = Nsga2::new(Nsga2Config { population: 100, ..Nsga2Config::default() }, Seed(seed));
        for generation in 1..=last {
            let batch = nsga.ask(problem);
            let results = batch.iter().map(|p| Fitness::feasible(evaluate(&p.solution))).collect();
            if nsga.tell(results).is_err() {
                break;
            }
            if let Some(k) = checkpoints.iter().position(|&c| c == generation) {
                let points: Vec<Vec<f64>> = nsga.members().iter().map(|m| m.fitness.objectives.clone()).collect();
                let first: Vec<Vec<f64>> =
                    non_dominated_sort(&points).first().map(|f| f.iter().map(|&i| points[i].clone()).collect()).unwrap_or_default();
                hv[k].push(hypervolume(&first, reference));
            }
        }
    }
    hv
}

pub(crate) fn moo(args: &Args) -> Result<(), CliError> {
    let seeds: u64 = args.parsed("seeds", "a whole number")?.unwrap_or(10);
    let reference_path = args.value("reference").unwrap_or(PYMOO_REFERENCE);
    let reference: Option<Value> = match read(reference_path) {
        Ok(text) => Some(serde_json::from_str(&text).map_err(|e| CliError::File { path: reference_path.into(), message: e.to_string() })?),
        Err(error) => {
            eprintln!("note: {error}; printing our figures without the pymoo comparison");
            None
        }
    };
    let checkpoints = [100u32, 250];
    let started = web_time::Instant::now();
    let zdt = [("zdt1", Zdt::zdt1(30)), ("zdt2", Zdt::zdt2(30)), ("zdt3", Zdt::zdt3(30))];
    let mut rows: Vec<(String, Vec<Vec<f64>>, f64)> = Vec::new();
    for (name, problem) in &zdt {
        let t = web_time::Instant::now();
        let hv = moo_runs(problem, |x| problem.evaluate(x), seeds, &checkpoints, &[1.1, 1.1]);
        rows.push((name.to_string(), hv, t.elapsed().as_secs_f64() / seeds as f64));
    }
    let dtlz2 = Dtlz2::new(12, 3);
    let t = web_time::Instant::now();
    let hv = moo_runs(&dtlz2, |x| dtlz2.evaluate(x), seeds, &checkpoints, &[1.1, 1.1, 1.1]);
    rows.push(("dtlz2".into(), hv, t.elapsed().as_secs_f64() / seeds as f64));

    println!("NSGA-II, population 100, SBX(15, 0.9) + PM(20, 1/n), {seeds} seeds; hypervolume of the final non-dominated set, ref 1.1");
    println!("{:<6} {:>5}  {:>10} {:>10} {:>10}  {:>10} {:>10} {:>10}  {:>7}  {:>7}", "problem", "gens", "median", "q1", "q3", "pymoo med", "pymoo q1", "pymoo q3", "ratio", "overlap");
    let mut results = Vec::new();
    for (name, hv, seconds_per_run) in &rows {
        for (k, gens) in checkpoints.iter().enumerate() {
            let ours = stats(&hv[k]);
            let theirs = reference.as_ref().and_then(|r| {
                r["problems"].as_array()?.iter().find(|p| p["problem"] == name.as_str())?["results"]
                    .as_array()?
                    .iter()
                    .find(|x| x["gens"].as_u64() == Some(u64::from(*gens)))
                    .map(|x| x["hv"].clone())
            });
            let (ratio, overlap) = match &theirs {
                Some(t) => (
                    number(&ours, "median") / number(t, "median"),
                    number(&ours, "q1") <= number(t, "q3") && number(t, "q1") <= number(&ours, "q3"),
                ),
                None => (f64::NAN, false),
            };
            let t = theirs.clone().unwrap_or(Value::Null);
            println!(
                "{:<6} {:>5}  {:>10.6} {:>10.6} {:>10.6}  {:>10.6} {:>10.6} {:>10.6}  {:>7.4}  {:>7}",
                name, gens, number(&ours, "median"), number(&ours, "q1"), number(&ours, "q3"),
                number(&t, "median"), number(&t, "q1"), number(&t, "q3"), ratio, overlap
            );
            results.push(json!({
                "problem": name, "gens": gens, "hv": ours, "hv_per_seed": hv[k], "pymoo_hv": t,
                "ratio_of_medians": ratio, "iqr_overlap": overlap, "seconds_per_run_250gen": seconds_per_run,
            }));
        }
    }
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    let out = args.value("out").unwrap_or("target/bench/moo.json");
    write_json(out, &json!({ "benchmark": "moo", "seeds": seeds, "population": 100, "results": results }))?;
    println!("wrote {out}");
    Ok(())
}

pub(crate) fn generation(args: &Args) -> Result<(), CliError> {
    let repeats: usize = args.parsed("repeats", "a whole number")?.unwrap_or(500);
    let problem = Dtlz2::new(12, 3);
    let mut nsga = Nsga2::new(Nsga2Config { population: 100, ..Nsga2Config::default() }, Seed(1));
    let mut step = |timings: Option<&mut Vec<f64>>| -> Result<(), CliError> {
        let t = web_time::Instant::now();
        let batch = nsga.ask(&problem);
        let ask = t.elapsed().as_secs_f64();
        let results: Vec<Fitness> = batch.iter().map(|p| problem.fitness(&p.solution)).collect();
        let t = web_time::Instant::now();
        nsga.tell(results).map_err(|e| CliError::Run(e.to_string()))?;
        let tell = t.elapsed().as_secs_f64();
        if let Some(timings) = timings {
            timings.push((ask + tell) * 1e6);
        }
        Ok(())
    };
    for _ in 0..20 {
        step(None)?;
    }
    let mut micros = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        step(Some(&mut micros))?;
    }
    let s = stats(&micros);
    let p90 = number(&s, "p90");
    println!(
        "one NSGA-II generation of bookkeeping (sort, crowding, tournament, SBX + PM, duplicate check, survival), population 100, 3 objectives (DTLZ2), {repeats} generations:"
    );
    println!("median {:.1} us, p90 {:.1} us, min {:.1} us", number(&s, "median"), p90, number(&s, "min"));
    let out = args.value("out").unwrap_or("target/bench/generation.json");
    write_json(out, &json!({"benchmark": "nsga2_generation", "population": 100, "objectives": 3, "microseconds": s, "p90_us": p90}))?;
    println!("wrote {out}");
    Ok(())
}
