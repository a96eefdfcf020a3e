//! The native command line, run as a user would run it.

use std::process::Command;

fn cli(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cli")).args(args).output().expect("cli runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn tabular_json_last_line_holds_best_and_front() {
    let (code, stdout, stderr) = cli(&["tabular", "--strategy", "rea", "--objectives", "error", "--budget", "60", "--seed", "5", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let last = stdout.lines().last().expect("output");
    let result: serde_json::Value = serde_json::from_str(last).expect("one JSON object");
    let index = result["best"]["nb201_index"].as_u64().expect("index");
    assert!(index < 15_625);
    assert!(result["best"]["arch"].as_str().expect("arch").starts_with('|'));
    assert!(result["best"]["valid_accuracy"].as_f64().expect("valid") > 70.0);
    assert_eq!(result["evaluations"], 60);
    assert!(!result["front"].as_array().expect("front").is_empty());
    // Same seed, same answer.
    let (_, again, _) = cli(&["tabular", "--strategy", "rea", "--objectives", "error", "--budget", "60", "--seed", "5", "--json"]);
    assert_eq!(again.lines().last(), Some(last));
}

#[test]
fn search_writes_front_and_evaluations() {
    let dir = std::env::temp_dir().join(format!("efficientnas-cli-{}", std::process::id()));
    let out = dir.join("nb201.json");
    let out_text = out.to_string_lossy().into_owned();
    let (code, stdout, stderr) =
        cli(&["search", "--space", "nb201", "--objectives", "error,params,latency", "--population", "8", "--generations", "4", "--out", &out_text]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("gen ")).count(), 4);
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("JSON");
    assert_eq!(json["evaluations"].as_array().expect("evaluations").len(), 32);
    assert!(!json["front"].as_array().expect("front").is_empty());

    let arch = dir.join("arch.json");
    let arch_text = arch.to_string_lossy().into_owned();
    let (code, stdout, stderr) = cli(&[
        "search", "--objectives", "latency,params", "--max-params", "80000", "--generations", "3", "--out", &arch_text,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("stage 1"));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&arch).expect("written")).expect("JSON");
    assert!(json["front"].as_array().expect("front").iter().all(|r| r["cheap"]["params"].as_u64().expect("params") <= 80_000));
    for config in ["configs/search-digits.json", "configs/search-nb201.json"] {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../").to_string() + config;
        let (code, stdout, stderr) = cli(&["search", "--config", &path, "--out", &arch_text]);
        assert_eq!(code, 0, "{config}: {stderr}");
        assert!(stdout.contains("done:"), "{config}: {stdout}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_input_gets_a_clear_message() {
    let (code, _, stderr) = cli(&["tabular", "--dataset", "mnist"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--dataset \"mnist\" is not known; allowed: cifar10, cifar100, imagenet16"), "{stderr}");
    let (code, _, stderr) = cli(&["search", "--population", "1", "--objectives", "latency,params"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("population = 1 is invalid; allowed: 2 to 1000"), "{stderr}");
    let (code, _, stderr) = cli(&["search", "--objectives", "error,params", "--input", "rgb32"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("use --input digits"), "{stderr}");
    let (code, _, stderr) = cli(&["search", "--config", "/nonexistent/config.json"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent/config.json"), "{stderr}");
    let (code, _, stderr) = cli(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown command"), "{stderr}");
}

#[test]
fn search_trains_candidates_for_real_and_children_inherit() {
    let dir = std::env::temp_dir().join(format!("efficientnas-cli-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("small.json");
    std::fs::write(
        &config,
        r#"{"space": {"kind": "arch", "input": {"channels": 1, "height": 28, "width": 28}, "classes": 10,
            "stem_width": 8, "cell_widths": [[8], [16]], "min_layers": 1, "max_layers": 2, "max_skips": 1,
            "schedule": {"stage2_at": 1, "stage3_at": 2}},
           "search": {"objectives": ["error", "params"], "population": 3, "generations": 2, "seed": 4}}"#,
    )
    .expect("config written");
    let out = dir.join("out.json");
    let (code, stdout, stderr) = cli(&[
        "search", "--config", &config.to_string_lossy(), "--steps", "8", "--fine-tune-steps", "4", "--batch-size", "16",
        "--out", &out.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.trim_start().starts_with("candidate")).count(), 6, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("JSON");
    let records = json["evaluations"].as_array().expect("evaluations");
    assert_eq!(records.len(), 6);
    for r in records {
        assert_eq!(r["status"], "evaluated", "{r}");
        let error = r["error"].as_f64().expect("error");
        assert!((0.0..=1.0).contains(&error));
    }
    let steps = |r: &serde_json::Value| r["details"]["train_steps"].as_f64().expect("steps");
    assert!(records.iter().filter(|r| r["generation"] == 0).all(|r| steps(r) == 8.0));
    let children: Vec<_> = records.iter().filter(|r| r["generation"] == 1).collect();
    assert!(children.iter().all(|r| steps(r) == 4.0 && r["details"]["inherited_params"].as_f64().expect("inherited") > 0.0));
    let (code, _, stderr) = cli(&["search", "--config", &config.to_string_lossy(), "--inherit", "maybe"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--inherit \"maybe\" is not known; allowed: on, off"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
