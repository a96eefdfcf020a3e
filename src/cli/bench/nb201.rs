//! `bench nb201`: random search, regularized evolution, NSGA-II and local search on
//! NAS-Bench-201 over many seeds, beside the exact expectation of random search and a spot
//! check of the hardware model.

use serde_json::{Value, json};

use crate::{Args, CliError, read, write_json};
use engine::baselines::{RandomSearch, RegularizedEvolution};
use engine::local_search::LocalSearch;
use engine::hardware::{DeviceProfile, LatencyModel, Roofline, Target};
use engine::moo::Fitness;
use engine::nsga2::{Nsga2, Nsga2Config};
use engine::problem::Strategy;
use engine::rng::Seed;
use engine::tabular::{Nb201Arch, Nb201Dataset, Nb201Space, Nb201Table, nb201_cost};

use super::*;

/// Evaluates NB201 candidates from the table until `budget` evaluations; returns every
/// evaluated architecture in order.
pub(crate) fn nb201_run<S: Strategy<Nb201Arch>>(
    strategy: &mut S,
    table: &Nb201Table,
    dataset: Nb201Dataset,
    with_params: bool,
    budget: usize,
) -> Vec<Nb201Arch> {
    let mut evaluated = Vec::new();
    while evaluated.len() < budget {
        let batch = strategy.ask(&Nb201Space);
        if batch.is_empty() {
            break;
        }
        let mut results = Vec::new();
        for proposal in &batch {
            if evaluated.len() == budget {
                return evaluated;
            }
            evaluated.push(proposal.solution);
            let error = 1.0 - table.accuracy(&proposal.solution, dataset).valid / 100.0;
            let mut objectives = vec![error];
            if with_params {
                objectives.push(nb201_cost(&proposal.solution, dataset).params as f64 / 1e6);
            }
            results.push(Fitness::feasible(objectives));
        }
        if strategy.tell(results).is_err() {
            break;
        }
    }
    evaluated
}

/// The exact expected test accuracy of the best-validation architecture among `n` distinct
/// architectures drawn uniformly (random search without repeats). Ties in validation accuracy
/// are broken at random, so a tied group contributes its mean test accuracy.
pub(crate) fn random_search_expectation(table: &Nb201Table, dataset: Nb201Dataset, n: usize) -> (f64, f64) {
    let mut rows: Vec<(f64, f64)> = table.accuracies(dataset).iter().map(|a| (a.valid, a.test)).collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total = rows.len();
    // P(all n draws avoid the first `a` rows) = C(total - a, n) / C(total, n).
    let avoid = |a: usize| -> f64 {
        if total - a < n {
            return 0.0;
        }
        (0..n).map(|i| (total - a - i) as f64 / (total - i) as f64).product()
    };
    let (mut mean, mut second_moment) = (0.0, 0.0);
    let mut start = 0;
    while start < total {
        let mut end = start;
        while end < total && rows[end].0 == rows[start].0 {
            end += 1;
        }
        let probability = avoid(start) - avoid(end);
        let group = &rows[start..end];
        let group_mean = group.iter().map(|r| r.1).sum::<f64>() / group.len() as f64;
        let group_square = group.iter().map(|r| r.1 * r.1).sum::<f64>() / group.len() as f64;
        mean += probability * group_mean;
        second_moment += probability * group_square;
        start = end;
    }
    (mean, (second_moment - mean * mean).max(0.0).sqrt())
}

pub(crate) fn nb201(args: &Args) -> Result<(), CliError> {
    let seeds: u64 = args.parsed("seeds", "a whole number")?.unwrap_or(100);
    let budgets = args.numbers("budgets")?.unwrap_or_else(|| vec![50, 100, 200]);
    let dataset = args.named("dataset", Nb201Dataset::from_name, "cifar10, cifar100, imagenet16")?.unwrap_or(Nb201Dataset::Cifar10);
    let table = Nb201Table::from_json(&read(TABLE)?).map_err(|e| CliError::File { path: TABLE.into(), message: e.to_string() })?;
    let started = web_time::Instant::now();
    let best_test = table.accuracies(dataset).iter().map(|a| a.test).fold(0.0, f64::max);
    println!(
        "NAS-Bench-201 {} (12-epoch), selection on validation accuracy, {seeds} seeds; returned architecture's test accuracy (%)",
        dataset.name()
    );
    println!("best test accuracy in the table: {best_test:.2}%");
    println!("{:<26} {:>6}  {:>8} {:>6}  {:>14}  {:>18}", "strategy", "budget", "mean", "std", "expected (exact)", "most returned index");
    let strategies = ["random", "regularized_evolution", "nsga2_error", "nsga2_error_params", "local_search_error", "local_search_error_params"];
    let mut results = Vec::new();
    for &budget in &budgets {
        let budget = budget as usize;
        for name in strategies {
            let mut tests = Vec::new();
            let mut indices = Vec::new();
            for seed in 0..seeds {
                let seed = Seed(seed);
                let evaluated = match name {
                    "random" => nb201_run(&mut RandomSearch::new(1, seed), &table, dataset, false, budget),
                    "regularized_evolution" => nb201_run(&mut RegularizedEvolution::new(10, 3, 1, seed), &table, dataset, false, budget),
                    "nsga2_error" => nb201_run(&mut nsga2_for_nb201(seed), &table, dataset, false, budget),
                    "nsga2_error_params" => nb201_run(&mut nsga2_for_nb201(seed), &table, dataset, true, budget),
                    "local_search_error" => nb201_run(&mut local_search_for_nb201(seed), &table, dataset, false, budget),
                    _ => nb201_run(&mut local_search_for_nb201(seed), &table, dataset, true, budget),
                };
                let best = evaluated
                    .iter()
                    .max_by(|a, b| table.accuracy(a, dataset).valid.total_cmp(&table.accuracy(b, dataset).valid))
                    .copied();
                if let Some(best) = best {
                    tests.push(table.accuracy(&best, dataset).test);
                    indices.push(table.index(&best));
                }
            }
            let s = stats(&tests);
            let mut counts = std::collections::BTreeMap::new();
            for i in &indices {
                *counts.entry(*i).or_insert(0usize) += 1;
            }
            let (mode, mode_count) = counts.iter().max_by_key(|(i, c)| (**c, std::cmp::Reverse(**i))).map_or((0, 0), |(i, c)| (*i, *c));
            let expected = (name == "random").then(|| random_search_expectation(&table, dataset, budget));
            println!(
                "{:<26} {:>6}  {:>8.3} {:>6.3}  {:>14}  {:>10} ({:>3}x)",
                name,
                budget,
                number(&s, "mean"),
                number(&s, "std"),
                expected.map_or(String::from("-"), |(m, sd)| format!("{m:.3} ± {sd:.3}")),
                mode,
                mode_count
            );
            results.push(json!({
                "strategy": name, "budget": budget, "test_accuracy": s, "returned_indices": indices,
                "most_returned_index": mode, "most_returned_count": mode_count,
                "random_search_expectation": expected.map(|(m, sd)| json!({"mean": m, "std": sd})),
            }));
        }
    }
    let hardware = hardware_spot_check(TABLE, &table)?;
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    let out = args.value("out").unwrap_or("target/bench/nb201.json");
    write_json(out, &json!({
        "benchmark": "nb201", "dataset": dataset.name(), "seeds": seeds, "selection": "12-epoch validation accuracy",
        "settings": {"regularized_evolution": {"population": 10, "tournament": 3}, "nsga2": {"population": 10, "crossover_probability": 0.9, "mutation_probability": 1.0},
                     "local_search": {"random_starts": 10, "batch": 1}},
        "best_test_accuracy_in_table": best_test, "results": results, "latency_model_vs_hw_nas_bench": hardware,
    }))?;
    println!("wrote {out}");
    Ok(())
}

/// Our roofline predictions beside the HW-NAS-Bench measurements the table carries (Jetson
/// Nano "edgegpu" against the edge profile, Pixel 3 against the mobile profile).
pub(crate) fn hardware_spot_check(path: &str, table: &Nb201Table) -> Result<Value, CliError> {
    let raw: Value = serde_json::from_str(&read(path)?).map_err(|e| CliError::File { path: path.into(), message: e.to_string() })?;
    let Some(values) = raw["hw_nas_bench_spot_values"]["values"].as_array() else {
        return Ok(Value::Null);
    };
    let edge = Roofline::new(DeviceProfile::builtin(Target::Edge));
    let mobile = Roofline::new(DeviceProfile::builtin(Target::Mobile));
    println!("latency model vs HW-NAS-Bench measurements (ms):");
    println!("{:>5} {:<15} {:>12} {:>10} {:>12} {:>10}", "index", "dataset", "edgegpu", "edge (ours)", "pixel3", "mobile (ours)");
    let mut rows = Vec::new();
    for v in values {
        let (Some(index), Some(dataset)) = (v["index"].as_u64(), v["dataset"].as_str()) else { continue };
        let dataset = match dataset {
            "cifar10" => Nb201Dataset::Cifar10,
            "cifar100" => Nb201Dataset::Cifar100,
            _ => Nb201Dataset::ImageNet16,
        };
        let Some(arch) = table.arch(index as usize) else { continue };
        let cost = nb201_cost(&arch, dataset);
        let (ours_edge, ours_mobile) = (edge.latency_ms(&cost), mobile.latency_ms(&cost));
        let (edgegpu, pixel3) = (number(v, "edgegpu_latency"), number(v, "pixel3_latency"));
        println!("{:>5} {:<15} {:>12.2} {:>10.2} {:>12.2} {:>10.2}", index, dataset.name(), edgegpu, ours_edge, pixel3, ours_mobile);
        rows.push(json!({"index": index, "dataset": dataset.name(), "edgegpu_ms": edgegpu, "edge_profile_ms": ours_edge, "pixel3_ms": pixel3, "mobile_profile_ms": ours_mobile}));
    }
    Ok(Value::Array(rows))
}

pub(crate) fn nsga2_for_nb201(seed: Seed) -> Nsga2<Nb201Arch> {
    Nsga2::new(Nsga2Config { population: 10, mutation_probability: 1.0, ..Nsga2Config::default() }, seed)
}

/// Local search as White et al. ran it on NAS-Bench-201: 10 random cells start each climb, one
/// evaluation at a time.
pub(crate) fn local_search_for_nb201(seed: Seed) -> LocalSearch<Nb201Arch> {
    LocalSearch::new(10, 1, seed)
}
