//! The native command line, run as a user would run it.

use std::process::Command;

use protocol::results::RunResults;
use protocol::{CandidateReport, RunRequest};
use runner::Run;
use runner::blocking::drive_to_end;
use ui::model::form::{Field, RunForm};

/// The run results `cli search --out` wrote to `path`.
fn read_results(path: &std::path::Path) -> RunResults {
    RunResults::read(&std::fs::read_to_string(path).expect("written")).expect("run results")
}

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
    let results = read_results(&out);
    assert_eq!((results.status.as_str(), results.candidates.len(), results.generations.len()), ("completed", 32, 4));
    assert!(!results.generations[3].front.is_empty());

    let arch = dir.join("arch.json");
    let arch_text = arch.to_string_lossy().into_owned();
    let (code, stdout, stderr) = cli(&[
        "search", "--objectives", "latency,params", "--max-params", "80000", "--generations", "3", "--out", &arch_text,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("stage 1"));
    let results = read_results(&arch);
    let front = &results.generations.last().expect("generations").front;
    assert!(!front.is_empty() && results.references.is_empty(), "cheap objectives train nothing, references included");
    for point in front {
        assert!(results.candidates[point.candidate_id as usize].cheap.params <= 80_000);
    }
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
    let (code, _, stderr) = cli(&["search", "--data", "/nonexistent/cifar"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--data \"/nonexistent/cifar\": allowed:"), "{stderr}");
    let (code, _, stderr) = cli(&["search", "--steps", "0"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("steps = 0 is out of range: allowed 1 to 100000"), "{stderr}");
    let (code, _, stderr) = cli(&["search", "--config", "/nonexistent/config.json"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent/config.json"), "{stderr}");
    let (code, _, stderr) = cli(&["search", "--jobs", "0"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--jobs: 0 training threads is not allowed; allowed: 1 to 64"), "{stderr}");
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
           "search": {"objectives": ["error", "params"], "population": 3, "generations": 2, "seed": 4},
           "training": {"valid_fraction": 0.02}}"#,
    )
    .expect("config written");
    let out = dir.join("out.json");
    let (code, stdout, stderr) = cli(&[
        "search", "--config", &config.to_string_lossy(), "--steps", "8", "--fine-tune-steps", "4", "--batch-size", "16",
        "--out", &out.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.trim_start().starts_with("candidate")).count(), 6, "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.trim_start().starts_with("reference")).count(), 3, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("JSON");
    let records = json["candidates"].as_array().expect("candidates");
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
    // Two threads at once: the same candidates and scores.
    let parallel = dir.join("parallel.json");
    let (code, _, stderr) = cli(&[
        "search", "--config", &config.to_string_lossy(), "--steps", "8", "--fine-tune-steps", "4", "--batch-size", "16",
        "--jobs", "2", "--out", &parallel.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let scored = |path: &std::path::Path| -> Vec<(u32, String, Option<f64>)> {
        read_results(path).candidates.iter().map(|c| (c.candidate_id, c.arch_id.clone(), c.error)).collect()
    };
    assert_eq!(scored(&parallel), scored(&out));
    let (code, _, stderr) = cli(&["search", "--config", &config.to_string_lossy(), "--inherit", "maybe"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--inherit \"maybe\" is not known; allowed: on, off"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// What must agree between two runs of the same settings: each candidate's architecture, how
/// it was made, its scores and status (not its training time or measured latency).
fn scores(candidates: &[CandidateReport]) -> Vec<(String, Vec<String>, Option<f64>, Vec<f64>, String)> {
    candidates
        .iter()
        .map(|c| {
            let origin = c.origin.iter().map(ToString::to_string).collect();
            (c.text.clone(), origin, c.error, c.objectives.clone(), format!("{:?}", c.status))
        })
        .collect()
}

#[test]
fn the_cli_and_the_page_give_the_same_search_for_the_same_settings() {
    // The page's way: its form, filled in as a visitor would, makes the request the worker runs.
    let mut form = RunForm::from_request(&RunRequest::default_digits());
    for (field, value) in [
        (Field::Population, "3"), (Field::Generations, "2"), (Field::Steps, "6"), (Field::FineTuneSteps, "3"),
        (Field::BatchSize, "16"), (Field::LatencyRuns, "0"), (Field::CellWidths, "4 | 8"), (Field::MinLayers, "1"),
        (Field::MaxLayers, "2"), (Field::Seed, "11"),
    ] {
        form.set(field, value);
    }
    let request = form.to_request().expect("the form checks");
    let mut run = Run::new(&request, nn::backend::cpu(), None).expect("the page's run starts");
    let page = RunResults::from_events(&drive_to_end(&mut run, |_| {}));

    let dir = std::env::temp_dir().join(format!("efficientnas-cli-same-{}", std::process::id()));
    let out = dir.join("run.json");
    let (code, _, stderr) = cli(&[
        "search", "--population", "3", "--generations", "2", "--steps", "6", "--fine-tune-steps", "3", "--batch-size", "16",
        "--latency-runs", "0", "--seed", "11", "--config", &small_space(&dir), "--out", &out.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let cli = read_results(&out);
    assert_eq!(page.candidates.len(), 6);
    assert_eq!(scores(&cli.candidates), scores(&page.candidates), "same candidates and scores");
    assert_eq!(scores(&cli.references.iter().map(|r| r.report.clone()).collect::<Vec<_>>()),
        scores(&page.references.iter().map(|r| r.report.clone()).collect::<Vec<_>>()), "same references");
    let fronts = |r: &RunResults| r.generations.iter().map(|g| g.front.iter().map(|p| p.candidate_id).collect::<Vec<_>>()).collect::<Vec<_>>();
    assert_eq!(fronts(&cli), fronts(&page), "same front every generation");
    let _ = std::fs::remove_dir_all(dir);
}

/// A config file with the page's default space but the widths and layers the test's form has.
fn small_space(dir: &std::path::Path) -> String {
    let mut space = RunRequest::default_digits().space;
    space.cell_widths = vec![vec![4], vec![8]];
    space.min_layers = 1;
    space.max_layers = 2;
    std::fs::create_dir_all(dir).expect("temp dir");
    let path = dir.join("space.json");
    let mut space = serde_json::to_value(&space).expect("JSON");
    space["kind"] = "arch".into();
    let config = serde_json::json!({ "space": space });
    std::fs::write(&path, config.to_string()).expect("config written");
    path.to_string_lossy().into_owned()
}

#[test]
fn export_onnx_trains_a_genotype_and_search_writes_its_front_as_onnx() {
    let dir = std::env::temp_dir().join(format!("efficientnas-cli-onnx-{}", std::process::id()));
    let model = dir.join("one.onnx");
    let genotype = "12:conv3x3,eca+0|20:dwconv5x5,maxpool3x3";
    let (code, stdout, stderr) = cli(&["export-onnx", "--genotype", genotype, "--steps", "3", "--batch-size", "8", "--out", &model.to_string_lossy()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("): {genotype} (validation accuracy")), "{stdout}");
    let bytes = std::fs::read(&model).expect("model written");
    assert!(String::from_utf8_lossy(&bytes).contains(genotype), "the file names its genotype");

    let (code, _, stderr) = cli(&["export-onnx", "--genotype", "12:conv9x9"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--genotype \"12:conv9x9\""), "{stderr}");
    let (code, _, stderr) = cli(&["export-onnx"]);
    assert_eq!((code, stderr.contains("--genotype TEXT is needed")), (2, true), "{stderr}");

    let front_dir = dir.join("front");
    let out = dir.join("run.json");
    let (code, stdout, stderr) = cli(&[
        "search", "--population", "3", "--generations", "1", "--steps", "3", "--batch-size", "8", "--references", "off",
        "--latency-runs", "0", "--out", &out.to_string_lossy(), "--export-onnx", &front_dir.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let results = read_results(&out);
    let front = &results.generations.last().expect("a generation").front;
    let mut written: Vec<String> = std::fs::read_dir(&front_dir).expect("front folder").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    written.sort();
    let mut expected: Vec<String> = front.iter().map(|p| format!("{}.onnx", p.arch_id)).collect();
    expected.sort();
    assert_eq!(written, expected, "{stdout}");
}

#[test]
fn calibrate_writes_a_profile_that_search_predicts_latency_with() {
    let dir = std::env::temp_dir().join(format!("efficientnas-cli-calibrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let profile = dir.join("profile.json");
    let (code, stdout, stderr) = cli(&["calibrate", "--out", &profile.to_string_lossy()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("85 blocks in"), "{stdout}");
    let table = engine::hardware::LatencyTable::from_json(&std::fs::read_to_string(&profile).expect("written")).expect("a profile");
    assert_eq!(table.measured.backend, "flex (CPU)");
    let out = dir.join("search.json");
    let (code, _, stderr) = cli(&[
        "search", "--profile", &profile.to_string_lossy(), "--objectives", "latency,params", "--generations", "2",
        "--out", &out.to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let space = protocol::RunRequest::default_digits().space;
    for c in read_results(&out).candidates {
        let genotype: engine::space::Genotype = c.text.parse().expect("genotype");
        assert_eq!(Some(c.cheap.latency_ms), table.predict_ms(&space, &genotype).ok(), "{}", c.text);
    }
    let (code, _, stderr) = cli(&["search", "--target", "this", "--profile", "/nonexistent/profile.json"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/nonexistent/profile.json") && stderr.contains("`cli calibrate` makes a device profile"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
