//! `cli bench moo | nb201 | generation | w1 | step-rate | latency | predictor | jobs | ablation | inheritance | fine-tune | curves | equal-compute`: benchmarks that print a table
//! and write JSON. They report figures; they assert nothing.

mod ablation;
mod compute;
mod curves;
mod moo;
mod nb201;
mod predictor;
mod training;

use serde_json::{Value, json};

use crate::{Args, CliError};
use engine::stats::Sorted;

use moo::*;
use nb201::*;
use training::*;

pub(crate) const PYMOO_REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/reference/pymoo_reference.json");
pub(crate) const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/nb201/nb201_12ep.json");

pub(crate) const HELP: &str = "\
usage: cli bench moo [--seeds N] [--reference FILE] [--out FILE]
       cli bench nb201 [--seeds N] [--seed FIRST] [--budgets 50,100,150,200,300,500] [--datasets cifar10,cifar100,imagenet16] [--out FILE]
       cli bench generation [--repeats N] [--out FILE]
       cli bench w1 [--batch 32] [--steps 50] [--device cpu|gpu|auto] [--out FILE]
       cli bench latency [--runs 9] [--device cpu|gpu|auto] [--out FILE]
       cli bench step-rate [--batch 64] [--steps 10] [--size 1024] [--device cpu|gpu|auto] [--out FILE]
       cli bench predictor [--genotypes 30] [--runs 100] [--profile FILE] [--device cpu|gpu|auto] [--out FILE]
       cli bench jobs [--counts 1,2] [--out FILE] [any option of `cli search`]
       cli bench ablation [--seeds 3] [--csv FILE] [--out FILE] [any option of `cli search`]
       cli bench inheritance [--seeds 5] [--datasets digits,procedural] [--out FILE] [any option of `cli search`]
       cli bench fine-tune [--seeds 3] [--schedules 40/0.2/0,20/0.2/0,...] [--out FILE] [any option of `cli search`]
       cli bench curves [--recipes adam/0.003/2/plain/64,...] [--budgets 10,20,30,45,60] [--networks 20]
                        [--datasets digits,procedural] [--images 2000] [--seed 0] [--target 0.9] [--rungs 0.25,0.33]
                        [--out FILE]
       cli bench equal-compute [--seeds 10] [--seed 100] [--datasets digits,procedural] [--dir DIR] [--out FILE]
                        [any option of `cli search`]
ablation: base NAS, + progressive space, + multi-objective, + hardware-aware, + inheritance, each
a search from the same settings (the page's defaults and the flags) with the same seed and the
same training-step budget (--max-train-steps; without it, what the generations cost trained from
scratch), over the seeds from --seed. inheritance: the last two rows, on each dataset.
fine-tune: the last row with each fine-tuning schedule (steps/learning-rate scale/warm-up).
predictor: calibrates this machine's device profile (or reads --profile), times held-out networks
twice each, and compares the profile's, each roofline's and the second timing's latencies with the first.
curves: validation accuracy after each budget of steps (a training each) under each recipe
(OPTIMIZER/LR/WARMUP/AUGMENT/BATCH), for the space's reference networks and networks sampled from it;
--rungs: also the accuracy at each fraction of the longest training (as a rung evaluates it) and
how its ranking agrees with the whole training's.
equal-compute: the page's search (recipe, inheritance, rungs 1/3 with one in 3 resuming unless
--rungs says otherwise) against every network trained from scratch with the old recipe (its
generations; the new one as many training steps), per seed: the compute (training images x
forward MACs) each needs to reach the other's final hypervolume;
one JSON per seed in --dir (seeds done are skipped), the summary over all of them in --out.
step-rate: GFLOP/s of a training step of the default space's references (6 x MACs x batch) beside a
square f32 matrix product on the same device (scripts/bench-step-rate.sh adds numpy's sgemm).
jobs: candidates per minute of one search trained by 1, 2, ... threads at once (--jobs).
--device gpu needs a build with `--features gpu` (wgpu on Vulkan, Metal or DX12).
JSON goes to target/bench/<name>.json unless --out is given.";

/// Dispatches `bench <name>`.
pub fn bench(raw: &[String]) -> Result<(), CliError> {
    let rest = raw.get(1..).unwrap_or_default();
    match raw.first().map(String::as_str) {
        Some("moo") => moo(&Args::parse(rest, &["seeds", "reference", "out"], &[])?),
        Some("nb201") => nb201(&Args::parse(rest, &["seeds", "seed", "budgets", "datasets", "out"], &[])?),
        Some("generation") => generation(&Args::parse(rest, &["repeats", "out"], &[])?),
        Some("w1") => w1(&Args::parse(rest, &["steps", "batch", "device", "out"], &[])?),
        Some("step-rate") => step_rate(&Args::parse(rest, &["batch", "steps", "size", "device", "out"], &[])?),
        Some("latency") => latency(&Args::parse(rest, &["runs", "device", "out"], &[])?),
        Some("predictor") => predictor::predictor(&Args::parse(rest, &predictor::options(), &[])?),
        Some("jobs") => jobs(&Args::parse(rest, &ablation::options().into_iter().chain(["counts"]).collect::<Vec<_>>(), &[])?),
        Some("ablation") => ablation::ablation(&Args::parse(rest, &ablation::options(), &[])?),
        Some("inheritance") => ablation::inheritance(&Args::parse(rest, &ablation::options(), &[])?),
        Some("curves") => curves::curves(&Args::parse(rest, &curves::options(), &[])?),
        Some("equal-compute") => compute::equal_compute(&Args::parse(rest, &compute::options(), &[])?),
        Some("fine-tune") => ablation::fine_tune(&Args::parse(rest, &ablation::options(), &[])?),
        Some("--help") => {
            println!("{HELP}");
            Ok(())
        }
        _ => Err(CliError::Usage(HELP.into())),
    }
}

/// Median, quartiles, 90th percentile, extremes, mean and standard deviation; nulls without values.
pub(crate) fn stats(values: &[f64]) -> Value {
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

pub(crate) fn number(value: &Value, key: &str) -> f64 {
    value[key].as_f64().unwrap_or(f64::NAN)
}

/// The device named by `--device` (default cpu).
pub(crate) fn device(args: &Args) -> Result<nn::backend::NativeDevice, CliError> {
    nn::backend::native(args.value("device").unwrap_or("cpu")).map_err(|e| CliError::Usage(format!("--device: {e}")))
}
