//! The device check trains for real on Burn's CPU backend (the browser's fallback).

use nn::backend;
use nn::device_check::{CheckError, DeviceCheck, DeviceCheckConfig, reference_logits};

fn run(config: &DeviceCheckConfig) -> Vec<f32> {
    let mut check = DeviceCheck::new(config, &backend::cpu());
    let mut losses = Vec::new();
    while !check.finished() {
        losses.push(pollster::block_on(check.step()).expect("step").loss);
    }
    losses
}

#[test]
fn defaults_are_a_small_quick_check() {
    let config = DeviceCheckConfig::new();
    assert_eq!(config.steps, 20);
    assert_eq!(config.batch_size, 32);
    assert_eq!(config.channels, 8);
    let check = DeviceCheck::new(&config, &backend::cpu());
    // conv 8·1·3·3 + 8, linear 128·4 + 4
    assert_eq!(check.parameters(), 80 + 516);
}

#[test]
fn loss_falls_over_the_default_check() {
    let losses = run(&DeviceCheckConfig::new());
    assert_eq!(losses.len(), 20);
    let first = losses[0];
    let tail = losses[losses.len() - 5..].iter().sum::<f32>() / 5.0;
    assert!((first - (4.0f32).ln()).abs() < 0.5, "first loss {first} should be near ln 4");
    assert!(tail < 0.75 * first, "loss did not fall: {losses:?}");
}

#[test]
fn same_seed_same_losses_other_seed_other_losses() {
    let config = DeviceCheckConfig::new().with_steps(4);
    assert_eq!(run(&config), run(&config));
    assert_ne!(run(&config), run(&config.clone().with_seed(8)));
}

#[test]
fn stepping_past_the_end_is_an_error_not_a_panic() {
    let config = DeviceCheckConfig::new().with_steps(2);
    let mut check = DeviceCheck::new(&config, &backend::cpu());
    pollster::block_on(check.step()).unwrap();
    pollster::block_on(check.step()).unwrap();
    assert_eq!(pollster::block_on(check.step()), Err(CheckError::Finished(2)));
}

#[test]
fn a_huge_learning_rate_diverges_as_a_value() {
    let config = DeviceCheckConfig::new().with_steps(30).with_learning_rate(1e30);
    let mut check = DeviceCheck::new(&config, &backend::cpu());
    let outcome = (0..30).map(|_| pollster::block_on(check.step())).find(Result::is_err);
    assert!(matches!(outcome, Some(Err(CheckError::Diverged { .. }))), "{outcome:?}");
}

#[test]
fn reference_logits_are_deterministic() {
    let config = DeviceCheckConfig::new();
    let a = pollster::block_on(reference_logits(&config, &backend::cpu())).unwrap();
    let b = pollster::block_on(reference_logits(&config, &backend::cpu())).unwrap();
    assert_eq!(a.len(), 32 * 4);
    assert_eq!(a, b);
}
