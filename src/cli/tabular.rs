//! `cli tabular`: a budgeted search of NAS-Bench-201 answered from the 12-epoch table, and the
//! flags it shares with `cli search`.

use serde_json::json;

use super::{Args, CliError, read};
use engine::hardware::Target;
use engine::search::{Candidate, GenerationSummary, Objective, Search, SearchConfig, SearchSpace, StrategyKind};
use engine::tabular::{Nb201Dataset, Nb201SearchSpace, Nb201Table};

/// Where the compact NAS-Bench-201 table lives in this repository.
pub(crate) const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/nb201/nb201_12ep.json");

const TABULAR_HELP: &str = "\
usage: cli tabular [options]
  --strategy nsga2|random|rea (default nsga2; rea makes --population children per generation,
                                               `bench nb201` runs the sequential one)
  --dataset cifar10|cifar100|imagenet16 (default cifar10)
  --budget N  evaluations (default 100)          --population N (default 10)
  --objectives LIST (default error,params; one objective for random/rea allowed)
  --target mobile|edge|gpu (default edge)        --seed N (default 2026)
  --table FILE (default www/nb201/nb201_12ep.json)  --json  (last line: one JSON object)";

pub(crate) fn objectives(text: &str) -> Result<Vec<Objective>, CliError> {
    text.split(',')
        .map(|name| {
            Objective::from_name(name.trim()).ok_or_else(|| {
                CliError::Usage(format!("unknown objective {name:?}; allowed: error, latency, params, macs, energy"))
            })
        })
        .collect()
}

/// Applies the flags shared by `search` and `tabular` to `config` (each reads `--target` itself).
pub(crate) fn apply_flags(args: &Args, config: &mut SearchConfig) -> Result<(), CliError> {
    if let Some(s) = args.named("strategy", StrategyKind::from_name, &StrategyKind::allowed())? {
        config.strategy = s;
    }
    if let Some(list) = args.value("objectives") {
        config.objectives = objectives(list)?;
    }
    if let Some(n) = args.parsed("population", "a whole number")? {
        config.population = n;
    }
    if let Some(n) = args.parsed("seed", "a whole number")? {
        config.seed = n;
    }
    Ok(())
}

pub(crate) fn load_table(path: &str) -> Result<Nb201Table, CliError> {
    Nb201Table::from_json(&read(path)?).map_err(|e| CliError::File { path: path.to_string(), message: e.to_string() })
}

/// Runs a search to its end, evaluating candidates with `evaluate`, printing each generation.
fn drive<P: SearchSpace>(
    run: &mut Search<P>,
    mut evaluate: impl FnMut(&Candidate<P::Solution>) -> Option<engine::search::Outcome>,
) -> Result<(), CliError> {
    let started = web_time::Instant::now();
    let mut printed = 0;
    loop {
        let candidate = run.next_candidate_at(started.elapsed().as_secs_f64());
        for report in &run.reports()[printed..] {
            print_generation(report, &run.config().objectives);
        }
        printed = run.reports().len();
        let Some(candidate) = candidate else { break };
        let outcome = evaluate(&candidate)
            .ok_or_else(|| CliError::Run(format!("no evaluator for candidate {}", candidate.text)))?;
        run.record(&candidate.arch_id, outcome).map_err(|e| CliError::Run(e.to_string()))?;
    }
    for report in &run.reports()[printed..] {
        print_generation(report, &run.config().objectives);
    }
    println!(
        "done: {} generations, {} candidates scored, {} evaluations, {:.2} s",
        run.reports().len(),
        run.records().len(),
        run.evaluations(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub(crate) fn print_generation(report: &GenerationSummary, objectives: &[Objective]) {
    let best: Vec<String> = objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let min = report.front.iter().map(|p| p.objectives[i]).fold(f64::INFINITY, f64::min);
            format!("{} {:.4}", o.name(), min)
        })
        .collect();
    let stage = report.stage.map(|s| format!(" stage {s}")).unwrap_or_default();
    let compute = match report.compute.train_steps {
        0 => String::new(),
        steps => format!("  trained {steps} steps ({:.1} s)", report.compute.train_seconds),
    };
    println!(
        "gen {:>3}{stage}  evaluated {:>3}  violators {:>2}  front {:>3}  hv {:.4}{compute}  best: {}",
        report.generation,
        report.evaluated,
        report.violators_not_trained,
        report.front.len(),
        report.hypervolume,
        best.join(", ")
    );
}

/// `cli tabular`.
pub fn tabular(raw: &[String]) -> Result<(), CliError> {
    let args = Args::parse(
        raw,
        &["strategy", "dataset", "budget", "population", "objectives", "target", "seed", "table"],
        &["json", "help"],
    )?;
    if args.switch("help") {
        println!("{TABULAR_HELP}");
        return Ok(());
    }
    let dataset = args
        .named("dataset", Nb201Dataset::from_name, "cifar10, cifar100, imagenet16")?
        .unwrap_or(Nb201Dataset::Cifar10);
    let budget: u32 = args.parsed("budget", "a whole number")?.unwrap_or(100);
    let mut config = SearchConfig {
        objectives: vec![Objective::Error, Objective::Params],
        target: Target::Edge,
        population: 10,
        generations: 10_000,
        max_evaluations: Some(budget),
        ..SearchConfig::default()
    };
    apply_flags(&args, &mut config)?;
    if let Some(t) = args.named("target", Target::from_name, "mobile, edge, gpu")? {
        config.target = t;
    }
    let valid = config.clone().check().map_err(|e| CliError::Run(format!("search config: {e}")))?;
    let table = load_table(args.value("table").unwrap_or(TABLE))?;
    let mut run = Search::new(Nb201SearchSpace::new(dataset, config.target), valid);
    let quiet = args.switch("json");
    if quiet {
        table.run(&mut run);
    } else {
        drive(&mut run, |candidate| Some(table.outcome(&candidate.solution, dataset)))?;
    }
    let best = run
        .records()
        .iter()
        .filter(|r| r.error.is_some())
        .min_by(|a, b| a.error.unwrap_or(1.0).total_cmp(&b.error.unwrap_or(1.0)))
        .ok_or_else(|| CliError::Run("no architecture was evaluated".into()))?;
    let summary = json!({
        "strategy": config.strategy.name(),
        "dataset": dataset.name(),
        "seed": config.seed,
        "evaluations": run.evaluations(),
        "objectives": config.objectives.iter().map(|o| o.name()).collect::<Vec<_>>(),
        "best": {
            "nb201_index": table.index(&best.solution),
            "arch": best.text,
            "valid_accuracy": best.details.valid_accuracy,
            "test_accuracy": best.details.test_accuracy,
            "params": best.cheap.params,
            "macs": best.cheap.macs,
            "latency_ms": best.cheap.latency_ms,
        },
        "front": run.front().iter().map(|r| json!({
            "nb201_index": table.index(&r.solution),
            "arch": r.text,
            "objectives": r.fitness.objectives,
        })).collect::<Vec<_>>(),
    });
    if quiet {
        println!("{summary}");
    } else {
        println!(
            "best: NB201 index {} {}  valid {:.2}%  test {:.2}%  params {}",
            table.index(&best.solution),
            best.text,
            best.details.valid_accuracy.unwrap_or(f64::NAN),
            best.details.test_accuracy.unwrap_or(f64::NAN),
            best.cheap.params
        );
    }
    Ok(())
}
