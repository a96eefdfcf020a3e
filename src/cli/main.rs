//! Native command line: `search`, `tabular` and `bench` run from the `cli` library;
//! `check-device [--steps N] [--seed S]` trains the device-check network on Burn's CPU backend
//! and prints each step, as the page's "Check device" does.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("check-device") {
        check_device(&args);
    } else {
        std::process::exit(cli::run(&args));
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn check_device(args: &[String]) {
    use nn::{backend, device_check::{DeviceCheck, DeviceCheckConfig}};
    use protocol::{CheckStep, DeviceCheckRequest, DeviceCheckSummary};

    const USAGE: &str = "usage: cli check-device [--steps N] [--seed S]";
    let fail = |message: String| -> ! {
        eprintln!("{message}\n{USAGE}");
        std::process::exit(2);
    };
    let mut request = DeviceCheckRequest::default();
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().unwrap_or_else(|| fail(format!("{flag} needs a value")));
        let number = |what: &str| -> u64 {
            value.parse().unwrap_or_else(|_| fail(format!("{what} must be a whole number, got {value:?}")))
        };
        match flag.as_str() {
            "--steps" => request.steps = u32::try_from(number("--steps")).unwrap_or(u32::MAX),
            "--seed" => request.seed = number("--seed"),
            other => fail(format!("unknown option {other:?}")),
        }
    }
    if let Err(error) = request.check() {
        fail(error.to_string());
    }
    let config = DeviceCheckConfig::new().with_steps(request.steps).with_seed(request.seed);
    let mut check = DeviceCheck::new(&config, &backend::cpu());
    println!("device check on the CPU backend: {} steps, {} parameters", check.steps(), check.parameters());
    let mut steps = Vec::new();
    while !check.finished() {
        match pollster::block_on(check.step()) {
            Ok(outcome) => {
                println!("step {:>3}  loss {:.4}  {:.2} ms", outcome.step, outcome.loss, outcome.step_ms);
                steps.push(CheckStep { step: outcome.step, loss: outcome.loss, step_ms: outcome.step_ms });
            }
            Err(error) => {
                eprintln!("{error}");
                std::process::exit(1);
            }
        }
    }
    if let Some(summary) = DeviceCheckSummary::from_steps(&steps) {
        println!(
            "loss {:.4} -> {:.4}; first step {:.2} ms, median {:.2} ms per step",
            summary.first_loss, summary.last_loss, summary.first_step_ms, summary.median_step_ms
        );
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
