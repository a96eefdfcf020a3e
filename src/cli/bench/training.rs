//! Benchmarks that train or time real networks on Burn: `bench w1`, `bench latency`, `bench jobs`.

use serde_json::json;

use crate::{Args, CliError, write_json};

use super::*;

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

/// Candidates per minute of one search (the page's defaults and the flags) trained by each
/// number of threads of `--counts`, and whether every count gave the candidates and scores of
/// the first.
pub(crate) fn jobs(args: &Args) -> Result<(), CliError> {
    let counts = args.numbers("counts")?.unwrap_or_else(|| vec![1, 2]);
    let request = crate::search::request(args)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut rows = Vec::new();
    let mut first: Option<Vec<String>> = None;
    for &jobs in &counts {
        let started = web_time::Instant::now();
        let (_, events) = crate::search::run_jobs(args, &request, jobs as usize, |_| {})?;
        let seconds = started.elapsed().as_secs_f64();
        let scores: Vec<String> = events
            .iter()
            .filter_map(|e| match e {
                protocol::FromEngine::Candidate(c) => Some(format!("{} {} {:?} {:?}", c.candidate_id, c.text, c.error, c.objectives)),
                _ => None,
            })
            .collect();
        let per_minute = scores.len() as f64 / seconds * 60.0;
        let same = first.get_or_insert_with(|| scores.clone()) == &scores;
        let speedup = rows.first().map_or(1.0, |r: &serde_json::Value| per_minute / number(r, "candidates_per_minute"));
        println!(
            "{jobs:>2} threads: {} candidates in {seconds:.1} s, {per_minute:.2} per minute, {speedup:.2}x; same candidates and scores as {} thread(s): {same}",
            scores.len(),
            counts[0]
        );
        rows.push(json!({"jobs": jobs, "candidates": scores.len(), "seconds": seconds, "candidates_per_minute": per_minute, "speedup": speedup, "same_as_first": same}));
    }
    let out = args.value("out").unwrap_or("target/bench/jobs.json");
    write_json(out, &json!({"benchmark": "jobs", "hardware_threads": threads, "request": request, "rows": rows}))?;
    println!("wrote {out}");
    Ok(())
}

/// GFLOP/s of a training step of the default space's three references (6 × MACs × batch a
/// step) and of one square f32 matrix product, on the device.
pub(crate) fn step_rate(args: &Args) -> Result<(), CliError> {
    let batch: usize = args.parsed("batch", "a whole number")?.unwrap_or(64);
    let steps: u32 = args.parsed("steps", "a whole number")?.unwrap_or(10);
    let size: usize = args.parsed("size", "a whole number")?.unwrap_or(1024);
    let device = device(args)?;
    let space = engine::space::Space::new(protocol::RunRequest::default_digits().space).map_err(|e| CliError::Run(e.to_string()))?;
    let rates = pollster::block_on(nn::workload::step_rates(&space, batch, steps, size, &device.device)).map_err(|e| CliError::Run(e.to_string()))?;
    println!("training steps of the default space's references at batch {batch} ({}), median of {steps}:", device.description);
    for n in &rates.networks {
        let share = n.gflops / rates.matmul.gflops * 100.0;
        println!("  {:<15} {:>6.2} M MACs {:>8.1} ms/step {:>6.1} GFLOP/s ({share:.0} % of the matrix product)", n.name, n.macs as f64 / 1e6, n.median_step_ms, n.gflops);
    }
    println!("  f32 matrix product {size}x{size}: {:.1} ms, {:.1} GFLOP/s", rates.matmul.median_ms, rates.matmul.gflops);
    let out = args.value("out").unwrap_or("target/bench/step-rate.json");
    write_json(out, &json!({"benchmark": "step_rate", "backend": device.description, "rates": rates}))?;
    println!("wrote {out}");
    Ok(())
}
