//! `cli bench moo | nb201 | generation`: benchmarks that print a table and write JSON. They
//! report figures; they assert nothing.

use serde_json::{Value, json};

use super::{Args, CliError, read, write_json};
use engine::baselines::{RandomSearch, RegularizedEvolution};
use engine::hardware::{DeviceProfile, LatencyModel, Roofline, Target};
use engine::moo::{Fitness, hypervolume, non_dominated_sort};
use engine::nsga2::{Nsga2, Nsga2Config};
use engine::problem::{Problem, Strategy};
use engine::problems::{Dtlz2, Zdt};
use engine::rng::Seed;
use engine::stats::Sorted;
use engine::tabular::{Nb201Arch, Nb201Dataset, Nb201Space, Nb201Table, nb201_cost};

const PYMOO_REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/reference/pymoo_reference.json");
const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/nb201/nb201_12ep.json");

const HELP: &str = "\
usage: cli bench moo [--seeds N] [--reference FILE] [--out FILE]
       cli bench nb201 [--seeds N] [--budgets 50,100,200] [--dataset cifar10] [--out FILE]
       cli bench generation [--repeats N] [--out FILE]
       cli bench w1 [--batch 32] [--steps 50] [--device cpu|gpu|auto] [--out FILE]
       cli bench latency [--runs 9] [--device cpu|gpu|auto] [--out FILE]
       cli bench inheritance [--population 8] [--generations 5] [--steps 150] [--fine-tune-steps 40]
                             [--fine-tune-lr-scale 0.2] [--seed 1] [--device cpu|gpu|auto] [--out FILE]
--device gpu needs a build with `--features gpu` (wgpu on Vulkan, Metal or DX12).
JSON goes to target/bench/<name>.json unless --out is given.";

/// Dispatches `bench <name>`.
pub fn bench(raw: &[String]) -> Result<(), CliError> {
    let rest = raw.get(1..).unwrap_or_default();
    match raw.first().map(String::as_str) {
        Some("moo") => moo(&Args::parse(rest, &["seeds", "reference", "out"], &[])?),
        Some("nb201") => nb201(&Args::parse(rest, &["seeds", "budgets", "dataset", "out"], &[])?),
        Some("generation") => generation(&Args::parse(rest, &["repeats", "out"], &[])?),
        Some("w1") => w1(&Args::parse(rest, &["steps", "batch", "device", "out"], &[])?),
        Some("latency") => latency(&Args::parse(rest, &["runs", "device", "out"], &[])?),
        Some("inheritance") => inheritance(&Args::parse(
            rest,
            &["population", "generations", "steps", "fine-tune-steps", "fine-tune-lr-scale", "seed", "device", "out"],
            &[],
        )?),
        Some("--help") => {
            println!("{HELP}");
            Ok(())
        }
        _ => Err(CliError::Usage(HELP.into())),
    }
}

/// Median, quartiles, 90th percentile, extremes, mean and standard deviation; nulls without values.
fn stats(values: &[f64]) -> Value {
    let Some(sorted) = Sorted::new(values.to_vec()) else {
        return json!({ "n": 0 });
    };
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    json!({
        "median": sorted.median(), "q1": sorted.quantile(0.25), "q3": sorted.quantile(0.75), "p90": sorted.quantile(0.9),
        "min": sorted.min(), "max": sorted.max(), "mean": mean, "std": std, "n": values.len(),
    })
}

fn number(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or(f64::NAN)
}

/// Runs NSGA-II on one problem for `seeds`, returning the hypervolume of the final population's
/// non-dominated set at each checkpoint (generation 1 = the random population).
fn moo_runs<P: Problem<Solution = Vec<f64>>>(
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

fn moo(args: &Args) -> Result<(), CliError> {
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

/// Evaluates NB201 candidates from the table until `budget` evaluations; returns every
/// evaluated architecture in order.
fn nb201_run<S: Strategy<Nb201Arch>>(
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
fn random_search_expectation(table: &Nb201Table, dataset: Nb201Dataset, n: usize) -> (f64, f64) {
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

fn nb201(args: &Args) -> Result<(), CliError> {
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
    let strategies = ["random", "regularized_evolution", "nsga2_error", "nsga2_error_params"];
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
                    _ => nb201_run(&mut nsga2_for_nb201(seed), &table, dataset, true, budget),
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
        "settings": {"regularized_evolution": {"population": 10, "tournament": 3}, "nsga2": {"population": 10, "crossover_probability": 0.9, "mutation_probability": 1.0}},
        "best_test_accuracy_in_table": best_test, "results": results, "latency_model_vs_hw_nas_bench": hardware,
    }))?;
    println!("wrote {out}");
    Ok(())
}

/// Our roofline predictions beside the HW-NAS-Bench measurements the table carries (Jetson
/// Nano "edgegpu" against the edge profile, Pixel 3 against the mobile profile).
fn hardware_spot_check(path: &str, table: &Nb201Table) -> Result<Value, CliError> {
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

fn nsga2_for_nb201(seed: Seed) -> Nsga2<Nb201Arch> {
    Nsga2::new(Nsga2Config { population: 10, mutation_probability: 1.0, ..Nsga2Config::default() }, seed)
}

fn generation(args: &Args) -> Result<(), CliError> {
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

/// A short NSGA-II search on the built-in digits (error, params), trained for real on the CPU
/// backend, run twice with the same seed: children inheriting their parents' weights and
/// fine-tuning, and children trained from scratch.
fn inheritance(args: &Args) -> Result<(), CliError> {
    use engine::search::{ArchSpace, Objective, RecordStatus, Search, SearchConfig};
    use engine::space::{InputShape, SpaceConfig, StageSchedule};
    use nn::data::{Dataset, Split};
    use nn::evaluate::{EvaluatorConfig, TrainingEvaluator};
    use nn::train::{Budget, TrainConfig, TrainData};

    let population: u32 = args.parsed("population", "a whole number")?.unwrap_or(8);
    let generations: u32 = args.parsed("generations", "a whole number")?.unwrap_or(5);
    let steps: u32 = args.parsed("steps", "a whole number")?.unwrap_or(150);
    let fine_tune: u32 = args.parsed("fine-tune-steps", "a whole number")?.unwrap_or(40);
    let seed: u64 = args.parsed("seed", "a whole number")?.unwrap_or(1);
    let lr_scale: f64 = args.parsed("fine-tune-lr-scale", "a number")?.unwrap_or(EvaluatorConfig::new(TrainConfig::new(), 0, true).fine_tune_lr_scale);
    let device = device(args)?;
    let mut space_config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    space_config.stem_width = 8;
    space_config.cell_widths = vec![vec![8, 16], vec![16, 32], vec![32, 48]];
    space_config.max_layers = 3;
    space_config.schedule = StageSchedule { stage2_at: 2, stage3_at: 3, disabled: Vec::new() };
    let space = ArchSpace::new(space_config, Target::Mobile).map_err(|e| CliError::Run(e.to_string()))?;
    let digits = Dataset::builtin_digits().map_err(|e| CliError::Run(e.to_string()))?;
    let data = TrainData::new(digits, Split::new(10_000, 0.1, seed));
    println!(
        "NSGA-II on the built-in digits, objectives error + params, population {population}, {generations} generations, seed {seed}; \
         {steps} training steps from scratch, {fine_tune} fine-tuning steps at {lr_scale} x the learning rate when inheriting (batch 64, {})",
        device.description
    );
    let mut runs = Vec::new();
    for inherit in [true, false] {
        let config = SearchConfig {
            objectives: vec![Objective::Error, Objective::Params],
            population,
            generations,
            seed,
            ..SearchConfig::default()
        }
        .check()
        .map_err(|e| CliError::Run(e.to_string()))?;
        let mut search = Search::new(space.clone(), config);
        let train = TrainConfig::new().with_budget(Budget::Steps(steps)).with_seed(seed);
        let evaluator_config = EvaluatorConfig { fine_tune_lr_scale: lr_scale, ..EvaluatorConfig::new(train, fine_tune, inherit) };
        let mut evaluator = TrainingEvaluator::new(space.space().clone(), evaluator_config, device.device.clone());
        let started = web_time::Instant::now();
        let (mut total_steps, mut inherited) = (0u64, 0u32);
        while let Some(candidate) = search.next_candidate() {
            let evaluated = pollster::block_on(evaluator.evaluate(&candidate, &data));
            total_steps += u64::from(evaluated.report.steps);
            inherited += u32::from(evaluated.inheritance.inherited_params > 0);
            search.record(&candidate.id, evaluated.outcome).map_err(|e| CliError::Run(e.to_string()))?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let hv: Vec<f64> = search.reports().iter().map(|r| r.hypervolume).collect();
        let best_error = search
            .records()
            .iter()
            .filter(|r| r.status == RecordStatus::Evaluated)
            .filter_map(|r| r.error)
            .fold(1.0, f64::min);
        println!(
            "inheritance {:<3}  hypervolume per generation {:?}  best error {:.4}  training steps {}  inheriting children {}  {:.0} s",
            if inherit { "on" } else { "off" },
            hv.iter().map(|h| (h * 1e4).round() / 1e4).collect::<Vec<_>>(),
            best_error,
            total_steps,
            inherited,
            seconds
        );
        runs.push(json!({
            "inheritance": inherit, "hypervolume_per_generation": hv, "final_hypervolume": hv.last(),
            "best_error": best_error, "training_steps": total_steps, "children_inheriting": inherited, "seconds": seconds,
        }));
    }
    let out = args.value("out").unwrap_or("target/bench/inheritance.json");
    write_json(out, &json!({
        "benchmark": "inheritance", "population": population, "generations": generations, "steps": steps,
        "fine_tune_steps": fine_tune, "fine_tune_lr_scale": lr_scale, "seed": seed, "backend": device.description, "runs": runs,
    }))?;
    println!("wrote {out}");
    Ok(())
}

/// The device named by `--device` (default cpu).
fn device(args: &Args) -> Result<nn::backend::NativeDevice, CliError> {
    nn::backend::native(args.value("device").unwrap_or("cpu")).map_err(|e| CliError::Usage(format!("--device: {e}")))
}

/// Training throughput of the reference workload W1 on Burn's CPU backend (or the GPU).
fn w1(args: &Args) -> Result<(), CliError> {
    let batch: usize = args.parsed("batch", "a whole number")?.unwrap_or(32);
    let steps: u32 = args.parsed("steps", "a whole number")?.unwrap_or(50);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let device = device(args)?;
    let t = pollster::block_on(nn::reference::train_throughput(batch, 5, steps, &device.device))
        .map_err(|e| CliError::Run(e.to_string()))?;
    println!(
        "W1 (32x32x3: conv3x3(16)+BN+ReLU, conv3x3 s2(32)+BN+ReLU, dwconv3x3 + pointwise(64)+BN+ReLU, GAP, linear(10)), \
         SGD momentum, batch {batch}, {}, {threads} hardware threads:",
        device.description
    );
    println!("{:.1} samples/s, median {:.2} ms per step over {} steps", t.samples_per_s, t.median_step_ms, t.steps);
    let out = args.value("out").unwrap_or("target/bench/w1.json");
    write_json(out, &json!({"benchmark": "w1_training_throughput", "backend": device.description, "hardware_threads": threads, "result": t}))?;
    println!("wrote {out}");
    Ok(())
}

/// Measured inference latency (batch 4) of a small and a large digits network on the device: the
/// large one has about 40 times the MACs, so its median should be several times the small one's.
fn latency(args: &Args) -> Result<(), CliError> {
    use engine::space::{Genotype, InputShape, Space, SpaceConfig};
    use nn::candidate::Network;
    use nn::latency::{LatencyConfig, measure};

    let runs: u32 = args.parsed("runs", "a whole number")?.unwrap_or(9);
    let device = device(args)?;
    let space = Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).map_err(|e| CliError::Run(e.to_string()))?;
    let config = LatencyConfig { warmup: 2, runs, batch: 4 };
    let mut results = Vec::new();
    for (name, text) in [
        ("small", "16:skip|32:skip|64:skip"),
        ("large", "32:conv3x3,conv3x3,conv3x3,conv3x3|64:conv3x3,conv3x3|128:conv3x3,conv3x3"),
    ] {
        let genotype: Genotype = text.parse().map_err(|e: engine::space::ParseError| CliError::Run(e.to_string()))?;
        let model = Network::new(&space, &genotype, &device.device).map_err(|e| CliError::Run(e.to_string()))?;
        let timing = pollster::block_on(measure(&model, InputShape::DIGITS, &config, &device.device))
            .map_err(|e| CliError::Run(e.to_string()))?;
        println!("{name:<6} {text:<72} median {:>8.3} ms, IQR {:>7.3} ms over {runs} runs", timing.median_ms, timing.iqr_ms);
        results.push(json!({ "name": name, "genotype": text, "timing": timing }));
    }
    let ratio = number(&results[1]["timing"], "median_ms") / number(&results[0]["timing"], "median_ms");
    println!("large / small median: {ratio:.1}x ({})", device.description);
    let out = args.value("out").unwrap_or("target/bench/latency.json");
    write_json(out, &json!({ "benchmark": "measured_latency", "backend": device.description, "batch": 4, "results": results, "ratio": ratio }))?;
    println!("wrote {out}");
    Ok(())
}
