//! `cli search` and `cli tabular`.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Args, CliError, read, write_json};
use engine::hardware::Target;
use engine::search::{
    ArchSpace, Candidate, EvaluationRecord, GenerationSummary, Objective, Search, SearchConfig, SearchSpace, StrategyKind,
};
use nn::data::{Dataset, Split};
use nn::evaluate::{Evaluated, EvaluatorConfig, TrainingEvaluator};
use nn::train::{Budget, TrainConfig, TrainData};
use engine::space::{InputShape, SpaceConfig};
use engine::tabular::{Nb201Dataset, Nb201SearchSpace, Nb201Table};

/// Where the compact NAS-Bench-201 table lives in this repository.
const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/nb201/nb201_12ep.json");

const SEARCH_HELP: &str = "\
usage: cli search [--config FILE] [options]

The config file is JSON: {\"space\": {\"kind\": \"arch\", ...space settings} or
{\"kind\": \"nb201\", \"dataset\": \"cifar10\"}, \"search\": {...search settings}} (see README.md).
Flags override the file:
  --space arch|nb201          --input digits|rgb32 (arch)    --dataset cifar10|cifar100|imagenet16 (nb201)
  --strategy nsga2|random|rea --objectives LIST (error,latency,params,macs,energy)
  --target mobile|edge|gpu    --population N   --generations N   --max-evaluations N   --time-budget SECONDS
  --max-latency MS            --max-params N   --max-macs N      --seed N
  --out FILE                  (default target/cli/search.json)
Training (architecture space with the error objective; built-in digits):
  --steps N (default 200)     --fine-tune-steps N (default 50)  --inherit on|off (default on)
  --batch-size N (default 64) --learning-rate X (default 0.05)
  --device cpu|gpu|auto (default cpu; gpu needs a build with `--features gpu` and a Vulkan,
                         Metal or DX12 adapter; auto takes the GPU when there is one)

In the architecture space the error objective trains every candidate for real; with cheap
objectives only (latency, params, macs, energy) nothing is trained.";

const TABULAR_HELP: &str = "\
usage: cli tabular [options]
  --strategy nsga2|random|rea (default nsga2; rea makes --population children per generation,
                                               `bench nb201` runs the sequential one)
  --dataset cifar10|cifar100|imagenet16 (default cifar10)
  --budget N  evaluations (default 100)          --population N (default 10)
  --objectives LIST (default error,params; one objective for random/rea allowed)
  --target mobile|edge|gpu (default edge)        --seed N (default 2026)
  --table FILE (default www/nb201/nb201_12ep.json)  --json  (last line: one JSON object)";

/// The space part of a config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
enum SpaceChoice {
    /// The progressive architecture space.
    Arch(SpaceConfig),
    /// NAS-Bench-201 from the table.
    Nb201 { dataset: Nb201Dataset },
}

/// A config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RunFile {
    space: SpaceChoice,
    #[serde(default)]
    search: SearchConfig,
}

fn objectives(text: &str) -> Result<Vec<Objective>, CliError> {
    text.split(',')
        .map(|name| {
            Objective::from_name(name.trim()).ok_or_else(|| {
                CliError::Usage(format!("unknown objective {name:?}; allowed: error, latency, params, macs, energy"))
            })
        })
        .collect()
}

/// Applies the flags shared by `search` and `tabular` to `config`.
fn apply_flags(args: &Args, config: &mut SearchConfig) -> Result<(), CliError> {
    if let Some(s) = args.named("strategy", StrategyKind::from_name, "nsga2, random, rea")? {
        config.strategy = s;
    }
    if let Some(list) = args.value("objectives") {
        config.objectives = objectives(list)?;
    }
    if let Some(t) = args.named("target", Target::from_name, "mobile, edge, gpu")? {
        config.target = t;
    }
    if let Some(n) = args.parsed("population", "a whole number")? {
        config.population = n;
    }
    if let Some(n) = args.parsed("seed", "a whole number")? {
        config.seed = n;
    }
    Ok(())
}

/// `cli search`.
pub fn search(raw: &[String]) -> Result<(), CliError> {
    let args = Args::parse(
        raw,
        &[
            "config", "space", "input", "dataset", "strategy", "objectives", "target", "population", "generations",
            "max-evaluations", "time-budget", "max-latency", "max-params", "max-macs", "seed", "out", "steps",
            "fine-tune-steps", "inherit", "batch-size", "learning-rate", "device",
        ],
        &["help"],
    )?;
    if args.switch("help") {
        println!("{SEARCH_HELP}");
        return Ok(());
    }
    let mut file = match args.value("config") {
        Some(path) => serde_json::from_str::<RunFile>(&read(path)?)
            .map_err(|e| CliError::File { path: path.to_string(), message: format!("not a valid search config: {e}") })?,
        None => RunFile {
            space: SpaceChoice::Arch(SpaceConfig::for_input(InputShape::DIGITS, 10)),
            search: SearchConfig { objectives: vec![Objective::Latency, Objective::Params, Objective::Macs], ..SearchConfig::default() },
        },
    };
    match (args.value("space"), args.value("dataset")) {
        (Some("nb201"), dataset) | (None, dataset @ Some(_)) => {
            let dataset = match dataset {
                Some(name) => Nb201Dataset::from_name(name).ok_or_else(|| {
                    CliError::Usage(format!("--dataset {name:?} is not known; allowed: cifar10, cifar100, imagenet16"))
                })?,
                None => Nb201Dataset::Cifar10,
            };
            file.space = SpaceChoice::Nb201 { dataset };
        }
        (Some("arch"), _) => {
            if !matches!(file.space, SpaceChoice::Arch(_)) {
                file.space = SpaceChoice::Arch(SpaceConfig::for_input(InputShape::DIGITS, 10));
            }
        }
        (Some(other), _) => return Err(CliError::Usage(format!("--space {other:?} is not known; allowed: arch, nb201"))),
        (None, None) => {}
    }
    if let (Some(input), SpaceChoice::Arch(space)) = (args.value("input"), &mut file.space) {
        space.input = match input {
            "digits" => InputShape::DIGITS,
            "rgb32" => InputShape::RGB32,
            other => return Err(CliError::Usage(format!("--input {other:?} is not known; allowed: digits, rgb32"))),
        };
    }
    let config = &mut file.search;
    apply_flags(&args, config)?;
    if let Some(n) = args.parsed("generations", "a whole number")? {
        config.generations = n;
    }
    if let Some(n) = args.parsed::<u32>("max-evaluations", "a whole number")? {
        config.max_evaluations = Some(n);
    }
    if let Some(s) = args.parsed::<f64>("time-budget", "a number of seconds")? {
        config.time_budget_s = Some(s);
    }
    if let Some(ms) = args.parsed::<f64>("max-latency", "a number of milliseconds")? {
        config.constraints.max_latency_ms = Some(ms);
    }
    if let Some(n) = args.parsed::<u64>("max-params", "a whole number")? {
        config.constraints.max_params = Some(n);
    }
    if let Some(n) = args.parsed::<u64>("max-macs", "a whole number")? {
        config.constraints.max_macs = Some(n);
    }
    let out = args.value("out").unwrap_or("target/cli/search.json").to_string();
    let valid = file.search.clone().check().map_err(|e| CliError::Run(format!("search config: {e}")))?;
    let config_json = serde_json::to_value(&file).map_err(|e| CliError::Run(e.to_string()))?;
    let result = match &file.space {
        SpaceChoice::Arch(space_config) => {
            let space = ArchSpace::new(space_config.clone(), file.search.target)
                .map_err(|e| CliError::Run(format!("space: {e}")))?;
            let mut run = Search::new(space.clone(), valid);
            if file.search.objectives.contains(&Objective::Error) {
                let (data, mut evaluator) = training(&args, space_config, &space, file.search.seed)?;
                drive(&mut run, |candidate| {
                    let evaluated = pollster::block_on(evaluator.evaluate(candidate, &data));
                    print_candidate(candidate, &evaluated);
                    Some(evaluated.outcome)
                })?;
            } else {
                drive(&mut run, |_| None)?;
            }
            results_json(&run, config_json)
        }
        SpaceChoice::Nb201 { dataset } => {
            let table = load_table(TABLE)?;
            let dataset = *dataset;
            let mut run = Search::new(Nb201SearchSpace::new(dataset, file.search.target), valid);
            drive(&mut run, |candidate| Some(table.outcome(&candidate.solution, dataset)))?;
            results_json(&run, config_json)
        }
    };
    write_json(&out, &result)?;
    println!("wrote {out}");
    Ok(())
}

/// The built-in digits and a training evaluator for the architecture space, from the flags.
fn training(
    args: &Args,
    space_config: &SpaceConfig,
    space: &ArchSpace,
    seed: u64,
) -> Result<(TrainData, TrainingEvaluator), CliError> {
    if space_config.input != InputShape::DIGITS || space_config.classes != 10 {
        return Err(CliError::Run(
            "training in `cli search` uses the built-in digits (28x28 grey, 10 classes): use --input digits".into(),
        ));
    }
    let digits = Dataset::builtin_digits().map_err(|e| CliError::Run(e.to_string()))?;
    let split = Split::new(digits.len(), 0.1, seed);
    let steps: u32 = args.parsed("steps", "a whole number")?.unwrap_or(200);
    let fine_tune: u32 = args.parsed("fine-tune-steps", "a whole number")?.unwrap_or(50);
    let inheritance = match args.value("inherit").unwrap_or("on") {
        "on" => true,
        "off" => false,
        other => return Err(CliError::Usage(format!("--inherit {other:?} is not known; allowed: on, off"))),
    };
    let batch: usize = args.parsed("batch-size", "a whole number")?.unwrap_or(64);
    let learning_rate: f64 = args.parsed("learning-rate", "a number")?.unwrap_or(0.05);
    if steps == 0 || batch == 0 || !(learning_rate.is_finite() && learning_rate > 0.0) {
        return Err(CliError::Usage("--steps and --batch-size must be at least 1 and --learning-rate above 0".into()));
    }
    let train = TrainConfig::new()
        .with_budget(Budget::Steps(steps))
        .with_batch_size(batch)
        .with_learning_rate(learning_rate)
        .with_seed(seed);
    let device = nn::backend::native(args.value("device").unwrap_or("cpu"))
        .map_err(|e| CliError::Usage(format!("--device: {e}")))?;
    println!("training on {}", device.description);
    let evaluator =
        TrainingEvaluator::new(space.space().clone(), EvaluatorConfig::new(train, fine_tune, inheritance), device.device);
    Ok((TrainData::new(digits, split), evaluator))
}

fn print_candidate(candidate: &Candidate<engine::space::Genotype>, evaluated: &Evaluated) {
    let how = match &evaluated.outcome {
        engine::search::Outcome::Evaluated { error, .. } => format!("error {error:.4}"),
        engine::search::Outcome::Failed { reason } => format!("failed: {reason}"),
    };
    println!(
        "  candidate {:>3} {}  {how}  {} steps, {} of {} params inherited, {:.1} s",
        candidate.candidate_id,
        candidate.text,
        evaluated.report.steps,
        evaluated.inheritance.inherited_params,
        evaluated.inheritance.total_params,
        evaluated.report.train_ms / 1e3
    );
}

fn load_table(path: &str) -> Result<Nb201Table, CliError> {
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
        run.record(&candidate.id, outcome).map_err(|e| CliError::Run(e.to_string()))?;
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

fn print_generation(report: &GenerationSummary, objectives: &[Objective]) {
    let best: Vec<String> = objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let min = report.front.iter().map(|p| p.objectives[i]).fold(f64::INFINITY, f64::min);
            format!("{} {:.4}", o.name(), min)
        })
        .collect();
    let stage = report.stage.map(|s| format!(" stage {s}")).unwrap_or_default();
    println!(
        "gen {:>3}{stage}  evaluated {:>3}  violators {:>2}  front {:>3}  hv {:.4}  best: {}",
        report.generation,
        report.evaluated,
        report.violators_not_trained,
        report.front.len(),
        report.hypervolume,
        best.join(", ")
    );
}

fn results_json<P: SearchSpace>(run: &Search<P>, config: serde_json::Value) -> serde_json::Value
where
    EvaluationRecord<P::Solution>: Serialize,
{
    json!({
        "config": config,
        "reports": run.reports(),
        "front": run.front(),
        "evaluations": run.records(),
    })
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
