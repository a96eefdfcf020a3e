//! `cli bench curves`: learning curves of training recipes over the default space's networks —
//! validation accuracy after a budget of steps (each budget a training of its own, since the
//! schedule decays over the budget), for the three reference networks and networks sampled from
//! the whole space, on the digits and the procedural set. The recipe and the planner's floor of
//! steps per new network are chosen from it (README, "Benchmarks").

use serde_json::{Value, json};

use engine::rng::{Seed, rng_for};
use engine::space::{Genotype, InputShape, Space, SpaceConfig, Stage};
use engine::stats::Agreement;
use nn::candidate::Network;
use nn::data::{Dataset, Split};
use nn::train::{Budget, OptimizerKind, TrainConfig, TrainData, Trainer};
use protocol::RunRequest;

use crate::{Args, CliError, write_json};

use super::stats;

/// A training recipe as `OPTIMIZER/LR/WARMUP/AUGMENT/BATCH[/bnN]`, e.g. `adam/0.003/2/plain/64/bn0`.
#[derive(Debug, Clone)]
struct Recipe {
    text: String,
    config: TrainConfig,
    /// Training batches that re-estimate BatchNorm statistics before evaluation (0: none; the
    /// evaluator's count unless the recipe names one, so the curves are those of a search).
    reestimate: usize,
}

const RECIPE_FORM: &str = "OPTIMIZER/LR/WARMUP/AUGMENT/BATCH[/bnN] (sgd or adam / a learning rate / warm-up steps / aug or plain / images per step / BatchNorm statistics re-estimated on N batches before evaluation, 8 as in a search unless given), e.g. adam/0.003/2/plain/64/bn0";

impl Recipe {
    fn parse(text: &str) -> Result<Recipe, CliError> {
        let bad = || CliError::Usage(format!("--recipes: {text:?} is not {RECIPE_FORM}"));
        let parts: Vec<&str> = text.split('/').collect();
        let (optimizer, lr, warmup, augment, batch, reestimate) = match parts.as_slice() {
            [o, l, w, a, b] => (*o, *l, *w, *a, *b, search_reestimation()),
            [o, l, w, a, b, bn] => (*o, *l, *w, *a, *b, bn.strip_prefix("bn").and_then(|n| n.parse().ok()).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        let optimizer = match optimizer {
            "sgd" => OptimizerKind::SgdMomentum,
            "adam" => OptimizerKind::Adam,
            _ => return Err(bad()),
        };
        let augment = match augment {
            "aug" => true,
            "plain" => false,
            _ => return Err(bad()),
        };
        let lr: f64 = lr.parse().ok().filter(|lr: &f64| lr.is_finite() && *lr > 0.0).ok_or_else(bad)?;
        let warmup: u32 = warmup.parse().map_err(|_| bad())?;
        let batch: usize = batch.parse().ok().filter(|b| *b > 0).ok_or_else(bad)?;
        let config = TrainConfig::new()
            .with_optimizer(optimizer)
            .with_learning_rate(lr)
            .with_warmup_steps(warmup)
            .with_augment(augment)
            .with_batch_size(batch);
        Ok(Recipe { text: text.to_string(), config, reestimate })
    }
}

/// BatchNorm re-estimation batches of a search's evaluator.
fn search_reestimation() -> usize {
    nn::evaluate::EvaluatorConfig::new(TrainConfig::new(), 0, false).batch_norm_batches as usize
}

/// The networks of a curve: the space's references, then `sampled` drawn from the whole space.
fn networks(space: &Space, sampled: u32, seed: u64) -> Vec<(String, Genotype)> {
    let mut rng = rng_for(Seed(seed), "curves");
    let references = space.references().into_iter().map(|(name, genotype)| (name.to_string(), genotype));
    let drawn = (0..sampled).map(|i| (format!("sampled-{i}"), space.sample(Stage::Three, &mut rng)));
    references.chain(drawn).collect()
}

/// The default space for a built-in dataset, and its images.
fn dataset(name: &str, images: usize) -> Result<(Space, Dataset), CliError> {
    let input = match name {
        "digits" => InputShape::DIGITS,
        "procedural" => InputShape::RGB32,
        _ => return Err(CliError::Usage(format!("--datasets: {name:?} is not known; allowed: digits, procedural"))),
    };
    let mut config: SpaceConfig = RunRequest::default_digits().space;
    config.input = input;
    let space = Space::new(config).map_err(|e| CliError::Run(e.to_string()))?;
    let data = match input {
        InputShape::DIGITS => Dataset::builtin_digits().map_err(|e| CliError::Run(e.to_string()))?,
        _ => Dataset::procedural(images, 2026),
    };
    Ok((space, data))
}

/// One network trained for `steps` under a recipe: validation accuracy, ms per step, and the
/// accuracy of the weights at each step of `paused_at` (a rung's evaluation: BatchNorm
/// re-estimated on a copy, the training going on under its whole budget's schedule).
/// One training: (validation accuracy, milliseconds a step, mean loss of the last tenth of the
/// steps, accuracy at each of `paused_at`). A loss far below ln 10 beside an accuracy at chance
/// says the evaluation, not the training, failed.
fn train(space: &Space, genotype: &Genotype, recipe: &Recipe, steps: u32, paused_at: &[u32], data: &TrainData, seed: u64) -> Result<Trained, CliError> {
    let device = nn::backend::cpu().autodiff();
    // Fresh weights from the seed and the network alone, not from what trained before in this process.
    device.seed(seed ^ engine::rng::fnv1a64(genotype.to_string().as_bytes()));
    let model = Network::new(space, genotype, &device).map_err(|e| CliError::Run(e.to_string()))?;
    let config = recipe.config.clone().with_budget(Budget::Steps(steps)).with_seed(seed);
    let mut trainer = Trainer::new(model, config, data);
    let mut at_rungs = Vec::new();
    while !trainer.finished() {
        if let Err(error) = pollster::block_on(trainer.step(data)) {
            println!("    {genotype}: {error}");
            return Ok(Trained { accuracy: 0.0, step_ms: f64::NAN, loss: f64::NAN, at_rungs: vec![0.0; paused_at.len()] });
        }
        if paused_at.contains(&trainer.steps_taken()) {
            let (accuracy, _) = pollster::block_on(trainer.evaluate_now(data, recipe.reestimate, 250)).map_err(|e| CliError::Run(e.to_string()))?;
            at_rungs.push(accuracy.top1);
        }
    }
    trainer.reestimate_batch_norms(data, recipe.reestimate);
    let accuracy = pollster::block_on(trainer.evaluate(data, 250)).map_err(|e| CliError::Run(e.to_string()))?;
    let report = trainer.report(Some(accuracy), 0);
    let tail = &report.losses[report.losses.len() - report.losses.len().div_ceil(10)..];
    let loss = tail.iter().map(|&l| f64::from(l)).sum::<f64>() / tail.len().max(1) as f64;
    Ok(Trained { accuracy: accuracy.top1, step_ms: report.train_ms / f64::from(steps.max(1)), loss, at_rungs })
}

/// What [`train`] measured.
struct Trained {
    accuracy: f64,
    step_ms: f64,
    loss: f64,
    at_rungs: Vec<f64>,
}

/// The curve of one network under one recipe: accuracy at each budget, and at each rung
/// fraction of the longest budget's training.
#[allow(clippy::too_many_arguments)]
fn curve(space: &Space, name: &str, genotype: &Genotype, recipe: &Recipe, budgets: &[u32], rungs: &[f64], data: &TrainData, seed: u64) -> Result<Value, CliError> {
    let (mut accuracies, mut step_ms, mut losses, mut at_rungs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, &steps) in budgets.iter().enumerate() {
        let paused_at: Vec<u32> = if i + 1 == budgets.len() { rungs.iter().map(|&f| nn::evaluate::rung_steps(steps, f)).collect() } else { Vec::new() };
        let trained = train(space, genotype, recipe, steps, &paused_at, data, seed)?;
        accuracies.push(trained.accuracy);
        step_ms.push(trained.step_ms);
        losses.push(trained.loss);
        at_rungs = trained.at_rungs;
    }
    let macs = engine::cost::cost(space.config(), genotype).macs;
    let shown: Vec<String> = accuracies.iter().chain(&at_rungs).map(|a| format!("{:5.1}", a * 100.0)).collect();
    let loss = losses.last().copied().unwrap_or(f64::NAN);
    println!("  {name:<15} {:>7.2} M MACs {:>6.0} ms/step  {}  (loss {loss:.2})  {genotype}", macs as f64 / 1e6, median(&step_ms), shown.join(" "));
    Ok(json!({ "name": name, "genotype": genotype.to_string(), "macs": macs, "accuracy": accuracies, "step_ms": step_ms, "final_loss": losses, "rung_accuracy": at_rungs }))
}

/// Per rung fraction of the longest budget: Spearman's ρ of the networks' accuracies there with
/// their final ones (how well the rung's cut ranks them).
fn rung_agreement(rows: &[Value], rungs: &[f64], budgets: &[u32]) -> Vec<Value> {
    let last = budgets.len().saturating_sub(1);
    let longest: Vec<f64> = rows.iter().map(|row| row["accuracy"][last].as_f64().unwrap_or(0.0)).collect();
    let steps = budgets.last().copied().unwrap_or(0);
    rungs
        .iter()
        .enumerate()
        .map(|(k, &fraction)| {
            let at: Vec<f64> = rows.iter().map(|row| row["rung_accuracy"][k].as_f64().unwrap_or(0.0)).collect();
            let rho = Agreement::of(&at, &longest).spearman;
            let rung = nn::evaluate::rung_steps(steps, fraction);
            println!("  rung at {fraction:.3} of {steps} steps ({rung} steps): median {:5.1} %, rank vs the whole training: Spearman {:.2}", median(&at) * 100.0, rho.unwrap_or(f64::NAN));
            json!({ "fraction": fraction, "steps": rung, "accuracy": stats(&at), "spearman_with_final": rho })
        })
        .collect()
}

fn median(values: &[f64]) -> f64 {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    engine::stats::median(&finite).unwrap_or(f64::NAN)
}

/// Per budget: the median and quartiles over every network, the worst reference, the share of
/// networks at or above `target`, and Spearman's ρ of the networks' accuracies with those of the
/// longest budget (how well a shorter training ranks them); and the images each reference needs
/// to reach `target`.
fn summary(rows: &[Value], references: usize, budgets: &[u32], batch: usize, target: f64) -> Value {
    let at = |row: &Value, i: usize| row["accuracy"][i].as_f64().unwrap_or(0.0);
    let longest: Vec<f64> = rows.iter().map(|row| at(row, budgets.len().saturating_sub(1))).collect();
    let per_budget: Vec<Value> = budgets
        .iter()
        .enumerate()
        .map(|(i, &steps)| {
            let all: Vec<f64> = rows.iter().map(|row| at(row, i)).collect();
            let worst_reference = rows.iter().take(references).map(|row| at(row, i)).fold(f64::INFINITY, f64::min);
            let reaching = all.iter().filter(|&&a| a >= target).count() as f64 / all.len().max(1) as f64;
            let rho = Agreement::of(&all, &longest).spearman;
            json!({ "steps": steps, "images": steps as usize * batch, "accuracy": stats(&all), "worst_reference": worst_reference, "share_reaching": reaching, "spearman_with_longest": rho })
        })
        .collect();
    let to_target: Vec<Value> = rows
        .iter()
        .take(references)
        .map(|row| {
            let steps = budgets.iter().enumerate().find(|&(i, _)| at(row, i) >= target).map(|(_, &s)| s);
            json!({ "name": row["name"], "steps": steps, "images": steps.map(|s| s as usize * batch) })
        })
        .collect();
    json!({ "per_budget": per_budget, "references_to_target": to_target })
}

/// The default recipes: the one the page used (as it was, without re-estimation, and with it),
/// the one that replaced it and its nearest rivals.
const DEFAULT_RECIPES: &str = "sgd/0.05/10/aug/64/bn0,sgd/0.05/10/aug/64,adam/0.01/10/plain/32,adam/0.01/2/plain/32,adam/0.005/10/plain/32,sgd/0.1/0/plain/32";

/// Options of `bench curves`.
pub(crate) fn options() -> Vec<&'static str> {
    vec!["recipes", "budgets", "networks", "datasets", "images", "seed", "target", "out", "rungs"]
}

/// Runs `bench curves`.
pub(crate) fn curves(args: &Args) -> Result<(), CliError> {
    let recipes = args.value("recipes").unwrap_or(DEFAULT_RECIPES).split(',').map(Recipe::parse).collect::<Result<Vec<_>, _>>()?;
    let budgets = args.numbers("budgets")?.unwrap_or_else(|| vec![10, 20, 30, 45, 60]);
    let sampled: u32 = args.parsed("networks", "a whole number")?.unwrap_or(20);
    let images: usize = args.parsed("images", "a whole number")?.unwrap_or(protocol::DEFAULT_PROCEDURAL_IMAGES as usize);
    let seed: u64 = args.parsed("seed", "a whole number")?.unwrap_or(0);
    let target: f64 = args.parsed("target", "an accuracy in [0, 1]")?.unwrap_or(0.9);
    let datasets = args.value("datasets").unwrap_or("digits,procedural");
    let rungs = parse_fractions(args.value("rungs").unwrap_or(""))?;
    let mut results = Vec::new();
    for name in datasets.split(',') {
        let (space, images) = dataset(name, images)?;
        let data = TrainData::new(images.clone(), Split::new(images.len(), 0.1, seed));
        let networks = networks(&space, sampled, seed);
        let references = space.references().len();
        for recipe in &recipes {
            println!("{name}, recipe {} (accuracy % after {budgets:?} steps):", recipe.text);
            let rows = networks
                .iter()
                .map(|(label, genotype)| curve(&space, label, genotype, recipe, &budgets, &rungs, &data, seed))
                .collect::<Result<Vec<_>, _>>()?;
            let summary = summary(&rows, references, &budgets, recipe.config.batch_size, target);
            for row in summary["per_budget"].as_array().into_iter().flatten() {
                println!(
                    "  {:>4} steps ({:>5} images): median {:5.1} %, q1 {:5.1} %, worst reference {:5.1} %, {:3.0} % of networks >= {:.0} %, rank vs longest: Spearman {:.2}",
                    row["steps"], row["images"], row["accuracy"]["median"].as_f64().unwrap_or(f64::NAN) * 100.0,
                    row["accuracy"]["q1"].as_f64().unwrap_or(f64::NAN) * 100.0, row["worst_reference"].as_f64().unwrap_or(f64::NAN) * 100.0,
                    row["share_reaching"].as_f64().unwrap_or(0.0) * 100.0, target * 100.0,
                    row["spearman_with_longest"].as_f64().unwrap_or(f64::NAN),
                );
            }
            let rung_agreement = rung_agreement(&rows, &rungs, &budgets);
            results.push(json!({ "dataset": name, "recipe": recipe.text, "budgets": budgets, "networks": rows, "summary": summary, "rungs": rung_agreement }));
        }
    }
    let out = args.value("out").unwrap_or("target/bench/curves.json");
    write_json(out, &json!({ "benchmark": "learning_curves", "seed": seed, "target": target, "results": results }))?;
    println!("wrote {out}");
    Ok(())
}

/// `--rungs`: fractions in (0, 1) separated by commas (none when empty).
fn parse_fractions(text: &str) -> Result<Vec<f64>, CliError> {
    text.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<f64>()
                .ok()
                .filter(|f| *f > 0.0 && *f < 1.0)
                .ok_or_else(|| CliError::Usage(format!("--rungs: {t:?} is not a fraction between 0 and 1")))
        })
        .collect()
}
