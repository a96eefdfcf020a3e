//! Benchmarks that train or time real networks on Burn: `bench inheritance`, `bench w1`,
//! `bench latency`.

use serde_json::json;

use crate::{Args, CliError, write_json};
use engine::hardware::Target;

use super::*;

/// A short NSGA-II search on the built-in digits (error, params), trained for real on the CPU
/// backend, run twice with the same seed: children inheriting their parents' weights and
/// fine-tuning, and children trained from scratch.
pub(crate) fn inheritance(args: &Args) -> Result<(), CliError> {
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
            search.record(&candidate.arch_id, evaluated.outcome).map_err(|e| CliError::Run(e.to_string()))?;
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

/// Training throughput of the benchmark workload W1 on Burn's CPU backend (or the GPU).
pub(crate) fn w1(args: &Args) -> Result<(), CliError> {
    let batch: usize = args.parsed("batch", "a whole number")?.unwrap_or(32);
    let steps: u32 = args.parsed("steps", "a whole number")?.unwrap_or(50);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let device = device(args)?;
    let t = pollster::block_on(nn::workload::train_throughput(batch, 5, steps, &device.device))
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
pub(crate) fn latency(args: &Args) -> Result<(), CliError> {
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
