//! `bench nb201`: random search, regularized evolution, NSGA-II, local search and
//! predictor-guided evolution on NAS-Bench-201 over many seeds, beside the exact expectation of random search and a spot
//! check of the hardware model.

use serde_json::{Value, json};

use crate::{Args, CliError, read, write_json};
use engine::baselines::{RandomSearch, RegularizedEvolution};
use engine::guided::{ELITE, POOL, PredictorGuided, TREES};
use engine::local_search::LocalSearch;
use engine::hardware::{DeviceProfile, LatencyModel, Roofline, Target};
use engine::moo::Fitness;
use engine::nsga2::{Nsga2, Nsga2Config};
use engine::problem::{Problem, Strategy};
use engine::rng::{EngineRng, Seed};
use engine::tabular::{Nb201Arch, Nb201Dataset, Nb201Space, Nb201Table, nb201_cost};

use super::*;

/// NAS-Bench-201 as the bench searches it: on the error alone or on (error, params), the
/// params known before evaluation.
struct Nb201Objectives {
    dataset: Nb201Dataset,
    with_params: bool,
}

impl Problem for Nb201Objectives {
    type Solution = Nb201Arch;

    fn sample(&self, generation: u32, rng: &mut EngineRng) -> Nb201Arch {
        Nb201Space.sample(generation, rng)
    }

    fn crossover(&self, a: &Nb201Arch, b: &Nb201Arch, generation: u32, rng: &mut EngineRng) -> (Nb201Arch, Nb201Arch, &'static str) {
        Nb201Space.crossover(a, b, generation, rng)
    }

    fn mutate(&self, arch: &Nb201Arch, generation: u32, rng: &mut EngineRng) -> (Nb201Arch, &'static str) {
        Nb201Space.mutate(arch, generation, rng)
    }

    fn id(&self, arch: &Nb201Arch) -> String {
        Nb201Space.id(arch)
    }

    fn neighbours(&self, arch: &Nb201Arch, generation: u32) -> Option<Vec<Nb201Arch>> {
        Nb201Space.neighbours(arch, generation)
    }

    fn features(&self, arch: &Nb201Arch) -> Option<Vec<f64>> {
        Nb201Space.features(arch)
    }

    fn known_objectives(&self, arch: &Nb201Arch) -> Option<Vec<Option<f64>>> {
        let params = self.with_params.then(|| nb201_cost(arch, self.dataset).params as f64 / 1e6);
        Some(std::iter::once(None).chain(params.map(Some)).collect())
    }
}

/// Evaluates NB201 candidates from the table until `budget` evaluations; returns every
/// evaluated architecture in order. A run's first `n` evaluations are those of a run with
/// budget `n`: no strategy looks at the budget.
pub(crate) fn nb201_run<S: Strategy<Nb201Arch>>(
    strategy: &mut S,
    table: &Nb201Table,
    dataset: Nb201Dataset,
    with_params: bool,
    budget: usize,
) -> Vec<Nb201Arch> {
    let problem = Nb201Objectives { dataset, with_params };
    let mut evaluated = Vec::new();
    while evaluated.len() < budget {
        let batch = strategy.ask(&problem);
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
            let known = problem.known_objectives(&proposal.solution).into_iter().flatten().flatten();
            results.push(Fitness::feasible(std::iter::once(error).chain(known).collect()));
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

/// The strategies `bench nb201` compares; the `_error_params` ones search on (validation error,
/// params), the rest on the error alone.
const STRATEGIES: [&str; 8] = [
    "random",
    "regularized_evolution",
    "nsga2_error",
    "nsga2_error_params",
    "local_search_error",
    "local_search_error_params",
    "predictor_guided_error",
    "predictor_guided_error_params",
];

/// One run of strategy `name` (one of [`STRATEGIES`]) for `budget` evaluations.
fn run_named(name: &str, seed: Seed, table: &Nb201Table, dataset: Nb201Dataset, budget: usize) -> Vec<Nb201Arch> {
    let with_params = name.ends_with("_error_params");
    match name.trim_end_matches("_error_params").trim_end_matches("_error") {
        "random" => nb201_run(&mut RandomSearch::new(1, seed), table, dataset, false, budget),
        "regularized_evolution" => nb201_run(&mut RegularizedEvolution::new(10, 3, 1, seed), table, dataset, false, budget),
        "nsga2" => nb201_run(&mut nsga2_for_nb201(seed), table, dataset, with_params, budget),
        "local_search" => nb201_run(&mut LocalSearch::new(10, 1, seed), table, dataset, with_params, budget),
        _ => nb201_run(&mut PredictorGuided::new(10, 1, seed), table, dataset, with_params, budget),
    }
}

pub(crate) fn nb201(args: &Args) -> Result<(), CliError> {
    let seeds: u64 = args.parsed("seeds", "a whole number")?.unwrap_or(100);
    let first: u64 = args.parsed("seed", "a whole number")?.unwrap_or(0);
    let budgets = args.numbers("budgets")?.unwrap_or_else(|| vec![50, 100, 150, 200, 300, 500]);
    let datasets = match args.value("datasets") {
        Some(list) => list
            .split(',')
            .map(|name| {
                Nb201Dataset::from_name(name.trim())
                    .ok_or_else(|| CliError::Usage(format!("--datasets: {name:?} is not known; allowed: cifar10, cifar100, imagenet16")))
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => vec![Nb201Dataset::Cifar10, Nb201Dataset::Cifar100, Nb201Dataset::ImageNet16],
    };
    let table = Nb201Table::from_json(&read(TABLE)?).map_err(|e| CliError::File { path: TABLE.into(), message: e.to_string() })?;
    let started = web_time::Instant::now();
    let results: Vec<Value> = datasets.iter().map(|&dataset| nb201_dataset(&table, dataset, first..first + seeds, &budgets)).collect();
    let hardware = hardware_spot_check(TABLE, &table)?;
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    let out = args.value("out").unwrap_or("target/bench/nb201.json");
    write_json(out, &json!({
        "benchmark": "nb201", "seeds": seeds, "first_seed": first, "selection": "12-epoch validation accuracy",
        "settings": {"regularized_evolution": {"population": 10, "tournament": 3}, "nsga2": {"population": 10, "crossover_probability": 0.9, "mutation_probability": 1.0},
                     "local_search": {"random_starts": 10, "batch": 1},
                     "predictor_guided": {"random_starts": 10, "batch": 1, "pool": POOL, "elite": ELITE, "trees": TREES}},
        "igd": "mean distance from each point of the table's front on (validation error, params) to the nearest point of the run's front, both min-max normalised over the table",
        "datasets": results, "latency_model_vs_hw_nas_bench": hardware,
    }))?;
    println!("wrote {out}");
    Ok(())
}

/// Every strategy at every budget over `seeds` seeds on one dataset: the returned cell's test
/// accuracy, how often it is a best-validation cell, and (two objectives) the front's IGD.
fn nb201_dataset(table: &Nb201Table, dataset: Nb201Dataset, seeds: std::ops::Range<u64>, budgets: &[u32]) -> Value {
    let rows = table.accuracies(dataset);
    let best_valid = rows.iter().map(|a| a.valid).fold(0.0, f64::max);
    let best_test = rows.iter().map(|a| a.test).fold(0.0, f64::max);
    let front = TrueFront::new(table, dataset);
    println!(
        "NAS-Bench-201 {} (12-epoch), selection on validation accuracy, seeds {}-{}; returned cell's test accuracy (%)",
        dataset.name(),
        seeds.start,
        seeds.end.saturating_sub(1)
    );
    println!("best test accuracy in the table: {best_test:.2} %; best validation accuracy {best_valid:.2} %");
    println!("{:<30} {:>6}  {:>8} {:>6}  {:>9}  {:>12}  {:>16}", "strategy", "budget", "mean", "std", "best cell", "IGD (median)", "expected (exact)");
    let most = budgets.iter().copied().max().unwrap_or(0) as usize;
    let mut results = Vec::new();
    for name in STRATEGIES {
        let with_params = name.ends_with("_error_params");
        let runs: Vec<Vec<Nb201Arch>> = seeds.clone().map(|seed| run_named(name, Seed(seed), table, dataset, most)).collect();
        for &budget in budgets {
            let budget = budget as usize;
            let prefixes: Vec<&[Nb201Arch]> = runs.iter().map(|run| &run[..budget.min(run.len())]).collect();
            let returned: Vec<Nb201Arch> = prefixes
                .iter()
                .filter_map(|p| p.iter().max_by(|a, b| table.accuracy(a, dataset).valid.total_cmp(&table.accuracy(b, dataset).valid)).copied())
                .collect();
            let tests: Vec<f64> = returned.iter().map(|a| table.accuracy(a, dataset).test).collect();
            let indices: Vec<usize> = returned.iter().map(|a| table.index(a)).collect();
            let s = stats(&tests);
            let best_share = indices.iter().filter(|&&i| rows[i].valid == best_valid).count() as f64 / indices.len().max(1) as f64;
            let igd = with_params.then(|| stats(&prefixes.iter().map(|p| front.igd(p)).collect::<Vec<_>>()));
            let expected = (name == "random").then(|| random_search_expectation(table, dataset, budget));
            println!(
                "{:<30} {:>6}  {:>8.3} {:>6.3}  {:>8.0} %  {:>12}  {:>16}",
                name,
                budget,
                number(&s, "mean"),
                number(&s, "std"),
                100.0 * best_share,
                igd.as_ref().map_or(String::from("-"), |v| format!("{:.4}", number(v, "median"))),
                expected.map_or(String::from("-"), |(m, sd)| format!("{m:.3} ± {sd:.3}")),
            );
            results.push(json!({
                "strategy": name, "budget": budget, "test_accuracy": s, "returned_indices": indices,
                "best_validation_share": best_share, "igd": igd,
                "random_search_expectation": expected.map(|(m, sd)| json!({"mean": m, "std": sd})),
            }));
        }
    }
    json!({ "dataset": dataset.name(), "best_test_accuracy_in_table": best_test, "best_validation_accuracy_in_table": best_valid, "results": results })
}

/// The table's true front on (validation error, params), min-max normalised over the table.
struct TrueFront<'a> {
    table: &'a Nb201Table,
    dataset: Nb201Dataset,
    low: [f64; 2],
    span: [f64; 2],
    points: Vec<[f64; 2]>,
}

impl<'a> TrueFront<'a> {
    fn new(table: &'a Nb201Table, dataset: Nb201Dataset) -> TrueFront<'a> {
        let raw: Vec<[f64; 2]> = (0..table.accuracies(dataset).len()).filter_map(|i| table.arch(i)).map(|a| objectives(table, dataset, &a)).collect();
        let low = [0, 1].map(|k| raw.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min));
        let high = [0, 1].map(|k| raw.iter().map(|p| p[k]).fold(f64::NEG_INFINITY, f64::max));
        let span = [0, 1].map(|k| (high[k] - low[k]).max(f64::MIN_POSITIVE));
        let mut front = TrueFront { table, dataset, low, span, points: Vec::new() };
        front.points = non_dominated(raw).into_iter().map(|p| front.normalised(p)).collect();
        front
    }

    fn normalised(&self, point: [f64; 2]) -> [f64; 2] {
        [0, 1].map(|k| (point[k] - self.low[k]) / self.span[k])
    }

    /// Inverted generational distance of the front among `evaluated`: the mean distance from each
    /// point of the true front to the nearest point of the run's.
    fn igd(&self, evaluated: &[Nb201Arch]) -> f64 {
        let run: Vec<[f64; 2]> = non_dominated(evaluated.iter().map(|a| objectives(self.table, self.dataset, a)).collect())
            .into_iter()
            .map(|p| self.normalised(p))
            .collect();
        let nearest = |t: &[f64; 2]| run.iter().map(|r| (r[0] - t[0]).hypot(r[1] - t[1])).fold(f64::INFINITY, f64::min);
        self.points.iter().map(nearest).sum::<f64>() / self.points.len().max(1) as f64
    }
}

/// A cell's (validation error, params in millions).
fn objectives(table: &Nb201Table, dataset: Nb201Dataset, arch: &Nb201Arch) -> [f64; 2] {
    [1.0 - table.accuracy(arch, dataset).valid / 100.0, nb201_cost(arch, dataset).params as f64 / 1e6]
}

/// The non-dominated points of a set of two-objective points (minimised), each once.
fn non_dominated(mut points: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    points.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let mut front: Vec<[f64; 2]> = Vec::new();
    for point in points {
        if front.last().is_none_or(|last| point[1] < last[1]) {
            front.push(point);
        }
    }
    front
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

