//! Training candidates on Burn's CPU backend with autodiff: the schedule, learning on the
//! built-in digits, divergence as a result, budgets in epochs.

use engine::space::{Genotype, InputShape, Space, SpaceConfig};
use nn::backend;
use nn::candidate::Network;
use nn::data::{Dataset, Split};
use nn::train::{Budget, OptimizerKind, TrainConfig, TrainData, TrainError, Trainer};

fn digits() -> TrainData {
    let dataset = Dataset::builtin_digits().expect("built-in digits");
    let split = Split::new(dataset.len(), 0.1, 11);
    TrainData::new(dataset, split)
}

fn small_model(text: &str) -> Network {
    let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
    config.stem_width = 8;
    config.cell_widths = vec![vec![8], vec![16]];
    let space = Space::new(config).expect("valid space");
    let genotype: Genotype = text.parse().expect("genotype");
    Network::new(&space, &genotype, &backend::cpu().autodiff()).expect("in the space")
}

#[test]
fn learning_rate_warms_up_then_decays_by_cosine() {
    let config = TrainConfig::new().with_learning_rate(0.1).with_warmup_steps(4);
    let lr: Vec<f64> = (0..20).map(|s| config.learning_rate_at(s, 20)).collect();
    for (got, expected) in lr[..4].iter().zip([0.025, 0.05, 0.075, 0.1]) {
        assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    }
    assert!((lr[4] - 0.1).abs() < 1e-12);
    assert!(lr[4..].windows(2).all(|w| w[1] < w[0]));
    assert!(lr[19] < 0.01);
}

#[test]
fn a_small_genotype_learns_the_digits() {
    let data = digits();
    let config = TrainConfig::new().with_budget(Budget::Steps(300)).with_batch_size(32).with_learning_rate(0.05);
    let mut trainer = Trainer::new(small_model("8:conv3x3|16:conv3x3,maxpool3x3"), config, &data);
    while !trainer.finished() {
        pollster::block_on(trainer.step(&data)).expect("step");
    }
    let accuracy = pollster::block_on(trainer.evaluate(&data, 250)).expect("evaluation");
    let report = trainer.report(Some(accuracy), 0);
    assert_eq!(report.steps, 300);
    let first: f32 = report.losses[..20].iter().sum::<f32>() / 20.0;
    let last: f32 = report.losses[280..].iter().sum::<f32>() / 20.0;
    assert!(last < first * 0.5, "loss {first} -> {last}");
    assert_eq!(accuracy.images, 1_000);
    assert!(accuracy.top5.is_none());
    // Chance is 10%.
    assert!(accuracy.top1 > 0.6, "validation accuracy {}", accuracy.top1);
    println!("300 steps: loss {first:.3} -> {last:.3}, validation top-1 {:.3}, {:.0} ms", accuracy.top1, report.train_ms);
}

#[test]
fn a_nan_loss_ends_the_candidate_with_diverged() {
    let data = digits();
    let config = TrainConfig::new()
        .with_optimizer(OptimizerKind::SgdMomentum)
        .with_learning_rate(1e12)
        .with_warmup_steps(0)
        .with_budget(Budget::Steps(50));
    let mut trainer = Trainer::new(small_model("8:conv3x3|16:conv1x1"), config, &data);
    let mut outcome = None;
    for _ in 0..50 {
        if let Err(error) = pollster::block_on(trainer.step(&data)) {
            outcome = Some(error);
            break;
        }
    }
    let error = outcome.expect("diverges");
    assert!(matches!(error, TrainError::Diverged { .. }), "{error}");
    assert!(trainer.finished());
    assert_eq!(pollster::block_on(trainer.step(&data)), Err(TrainError::Finished(50)));
}

#[test]
fn epoch_budgets_count_batches_of_the_training_split() {
    let data = digits();
    let config = TrainConfig::new().with_budget(Budget::Epochs(2)).with_batch_size(100).with_optimizer(OptimizerKind::Adam);
    let trainer = Trainer::new(small_model("8:skip|16:eca"), config, &data);
    assert_eq!(trainer.total_steps(), 2 * 90);
}

#[test]
fn measured_latency_times_every_run() {
    use nn::latency::{LatencyConfig, measure};
    let space = Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).expect("valid space");
    let device = backend::cpu();
    let config = LatencyConfig { warmup: 2, runs: 9, batch: 4 };
    let time = |text: &str| {
        let genotype: Genotype = text.parse().expect("genotype");
        let model = Network::new(&space, &genotype, &device).expect("in the space");
        pollster::block_on(measure(&model, InputShape::DIGITS, &config, &device)).expect("measures")
    };
    let small = time("16:skip|32:skip|64:skip");
    let large = time("32:conv3x3,conv3x3,conv3x3,conv3x3|64:conv3x3,conv3x3|128:conv3x3,conv3x3");
    // How much longer the large one takes is a figure (`cli bench latency`), not a test.
    for timing in [&small, &large] {
        assert_eq!(timing.runs_ms.len(), 9);
        assert!(timing.runs_ms.iter().all(|ms| ms.is_finite() && *ms > 0.0), "{timing:?}");
        let (low, high) = timing.runs_ms.iter().fold((f64::MAX, 0.0f64), |(l, h), &ms| (l.min(ms), h.max(ms)));
        assert!(low <= timing.median_ms && timing.median_ms <= high && timing.iqr_ms >= 0.0, "{timing:?}");
    }
}
