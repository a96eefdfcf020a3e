//! `cli search`: a search run through the same runner as the page's worker, from a config file
//! or flags. It has the page's defaults and checks, trains the reference architectures, can
//! measure latency on this machine, prints one line per candidate and generation, and writes
//! the page's run-results JSON, which the page imports under Saved runs.

use serde::{Deserialize, Serialize};

use super::data::read_data;
use super::tabular::{TABLE, apply_flags, load_table, print_generation};
use super::{Args, CliError, read};
use engine::hardware::{LatencyTable, Target};
use engine::search::{LatencySource, Objective, RecordStatus, Rungs, SearchConfig};
use engine::space::{InputShape, SpaceConfig};
use engine::tabular::Nb201Dataset;
use protocol::results::RunResults;
use protocol::{CandidateReport, DEFAULT_PROCEDURAL_IMAGES, DatasetChoice, FromEngine, RunEnd, RunRequest, TrainingRecipe, TrainingSettings};
use runner::Run;
use runner::blocking::{drive_in_parallel, drive_to_end};

const SEARCH_HELP: &str = "\
usage: cli search [--config FILE] [options]

The same search as the page's, through the same runner, with the page's defaults (NSGA-II on
the built-in digits: error, latency and params; population 8, 6 generations; 120 training
steps, 20 for a child that inherits; the three reference networks first).
The config file is JSON: {\"space\": {\"kind\": \"arch\", ...space settings} or
{\"kind\": \"nb201\", \"dataset\": \"cifar10\"}, \"search\": {...}, \"training\": {...}} (see README.md).
Flags override the file:
  --space arch|nb201          --input digits|rgb32 (arch: the built-in digits or the procedural set)
  --dataset cifar10|cifar100|imagenet16 (nb201)   --data PATH (your own data, see below)
  --strategy nsga2|random|rea|local_search|predictor_guided
                              --objectives LIST (error,latency,params,macs,energy)
  --target mobile|edge|gpu|this (this: latency predicted by this machine's device profile,
                              made by `cli calibrate`; energy stays the mobile profile's)
  --profile FILE              latency predicted by the device profile FILE (`cli calibrate --out`)
  --population N   --generations N   --max-evaluations N   --time-budget SECONDS
  --max-train-steps N         stop once the candidates trained N steps in all (compute as the budget)
  --rungs F/ETA|off           successive halving in each generation: every new network trains the
                              fraction F of its steps, one in ETA (best by rank on the rung's
                              error and the cheap objectives) resumes to all of them (default off)
  --max-latency MS            --max-params N   --max-macs N      --seed N
  --latency predicted|measured (the latency objective: the target's prediction, or timed here)
  --out FILE                  the run's results, as the page exports them (default target/cli/search.json)
  --export-onnx DIR           also write the final front's trained networks as ONNX, DIR/ARCH_ID.onnx
Training (architecture space):
  --steps N   --fine-tune-steps N   --fine-tune-lr-scale X (a child's rate as a fraction of
  --learning-rate; default 0.2)   --fine-tune-warmup N (its warm-up steps; default 0)
  --inherit on|off   --batch-size N   --recipe adam|sgd_crops (default adam; sets the learning rate)   --learning-rate X
  --latency-runs N (timed inference runs per trained candidate; 0: none)   --references on|off
  --device cpu|gpu|auto (default cpu; gpu needs a build with `--features gpu` and a Vulkan,
                         Metal or DX12 adapter; auto takes the GPU when there is one)
  --jobs N    train up to N candidates of a generation at once, each on a thread of its own
              (default: the config's `workers`, else 1; 1 to 64): the same candidates, scores and
              front as with 1
--data PATH reads your own data with the page's parsers: a folder of CIFAR-10 batches
(data_batch_N.bin), an MNIST IDX pair (two files, FILE,FILE, or a folder holding both; raw or .gz),
or a folder with one subfolder of PNG/JPEG images per class (resized to 32x32).";

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
    search: Option<SearchConfig>,
    #[serde(default)]
    training: Option<TrainingSettings>,
}

/// The options of `cli search` (and of `cli export-onnx`, which adds its own).
pub(crate) const SEARCH_OPTIONS: [&str; 33] = [
    "config", "space", "input", "dataset", "data", "strategy", "objectives", "target", "population", "generations",
    "max-evaluations", "time-budget", "max-train-steps", "max-latency", "max-params", "max-macs", "seed", "latency", "out", "steps",
    "fine-tune-steps", "fine-tune-lr-scale", "fine-tune-warmup", "inherit", "batch-size", "recipe", "learning-rate", "latency-runs", "references", "device",
    "jobs", "profile", "rungs",
];

/// Where `cli calibrate` writes this machine's device profile and `--target this` reads it.
pub(crate) const DEVICE_PROFILE: &str = "target/cli/device-profile.json";

/// `cli search`.
pub fn search(raw: &[String]) -> Result<(), CliError> {
    let options: Vec<&str> = SEARCH_OPTIONS.iter().copied().chain(["export-onnx"]).collect();
    let args = Args::parse(raw, &options, &["help"])?;
    if args.switch("help") {
        println!("{SEARCH_HELP}");
        return Ok(());
    }
    let request = request(&args)?;
    let (run, events) = run_request(&args, &request)?;
    let out = args.value("out").unwrap_or("target/cli/search.json");
    let results = RunResults::from_events(&events);
    super::write_text(out, &results.to_json())?;
    println!("wrote {out}");
    if let RunEnd::Failed { message } = results.ended() {
        return Err(CliError::Run(message));
    }
    match args.value("export-onnx") {
        Some(dir) => super::export::write_front(&run, &events, dir),
        None => Ok(()),
    }
}

/// Runs `request` (on `--data` files when given, on `--device`) to its end, printing its
/// events; returns the run (which keeps its trained networks) and the events.
pub(crate) fn run_request(args: &Args, request: &RunRequest) -> Result<(Run, Vec<FromEngine>), CliError> {
    let objectives = request.search.objectives.clone();
    run_with(args, request, |event| print_event(event, &objectives))
}

/// As [`run_request`], handing each event to `on_event` instead of printing it.
pub(crate) fn run_with(args: &Args, request: &RunRequest, on_event: impl FnMut(&FromEngine)) -> Result<(Run, Vec<FromEngine>), CliError> {
    // A request's own count (a config or run file made in the page) unless --jobs says otherwise.
    let jobs = args.parsed::<usize>("jobs", "a whole number")?.unwrap_or(request.training.workers as usize);
    run_jobs(args, request, jobs, on_event)
}

/// As [`run_with`], with up to `jobs` candidates training at once.
pub(crate) fn run_jobs(args: &Args, request: &RunRequest, jobs: usize, on_event: impl FnMut(&FromEngine)) -> Result<(Run, Vec<FromEngine>), CliError> {
    let jobs = runner::parallel::check_jobs(jobs).map_err(|e| CliError::Usage(format!("--jobs: {e}")))?;
    let files = args.value("data").map(read_data).transpose()?;
    let table = match request.dataset {
        DatasetChoice::Nb201 { .. } => Some(load_table(TABLE)?),
        _ => None,
    };
    let device = nn::backend::native(args.value("device").unwrap_or("cpu")).map_err(|e| CliError::Usage(format!("--device: {e}")))?;
    if !matches!(request.dataset, DatasetChoice::Nb201 { .. }) {
        println!("training on {}", device.description);
    }
    let run = match files {
        Some(dataset) => Run::with_dataset(request, device.device, dataset),
        None => Run::new(request, device.device, table),
    };
    let mut run = run.map_err(|e| CliError::Run(e.to_string()))?;
    let events = if jobs == 1 { drive_to_end(&mut run, on_event) } else { drive_in_parallel(&mut run, jobs, on_event) };
    Ok((run, events))
}

/// The run the config file and flags describe, from the page's defaults.
pub(crate) fn request(args: &Args) -> Result<RunRequest, CliError> {
    let mut request = RunRequest::default_digits();
    request.run_id = "cli".into();
    if let Some(path) = args.value("config") {
        let file = serde_json::from_str::<RunFile>(&read(path)?)
            .map_err(|e| CliError::File { path: path.to_string(), message: format!("not a valid search config: {e}") })?;
        match file.space {
            SpaceChoice::Arch(space) => {
                request.dataset = dataset_for(space.input)?;
                request.space = space;
            }
            SpaceChoice::Nb201 { dataset } => request.dataset = DatasetChoice::Nb201 { dataset },
        }
        request.search = file.search.unwrap_or(request.search);
        request.training = file.training.unwrap_or(request.training);
    }
    space_flags(args, &mut request)?;
    search_flags(args, &mut request.search)?;
    target_flags(args, &mut request)?;
    training_flags(args, &mut request.training)?;
    if args.value("data").is_some() {
        request.dataset = DatasetChoice::Files;
    }
    Ok(request)
}

/// The built-in dataset of an input shape.
fn dataset_for(input: InputShape) -> Result<DatasetChoice, CliError> {
    match input {
        InputShape::DIGITS => Ok(DatasetChoice::Digits),
        InputShape::RGB32 => Ok(DatasetChoice::Procedural { images: DEFAULT_PROCEDURAL_IMAGES }),
        other => Err(CliError::Usage(format!(
            "input {}x{}x{} has no built-in dataset; allowed: 1x28x28 (digits), 3x32x32 (procedural), or --data PATH",
            other.channels, other.height, other.width
        ))),
    }
}

fn space_flags(args: &Args, request: &mut RunRequest) -> Result<(), CliError> {
    match (args.value("space"), args.value("dataset")) {
        (Some("nb201"), dataset) | (None, dataset @ Some(_)) => {
            let dataset = match dataset {
                Some(name) => Nb201Dataset::from_name(name).ok_or_else(|| {
                    CliError::Usage(format!("--dataset {name:?} is not known; allowed: cifar10, cifar100, imagenet16"))
                })?,
                None => Nb201Dataset::Cifar10,
            };
            request.dataset = DatasetChoice::Nb201 { dataset };
        }
        (Some("arch"), _) if matches!(request.dataset, DatasetChoice::Nb201 { .. }) => request.dataset = DatasetChoice::Digits,
        (Some("arch") | None, None) => {}
        (Some(other), _) => return Err(CliError::Usage(format!("--space {other:?} is not known; allowed: arch, nb201"))),
    }
    if let Some(input) = args.value("input") {
        request.space.input = match input {
            "digits" => InputShape::DIGITS,
            "rgb32" => InputShape::RGB32,
            other => return Err(CliError::Usage(format!("--input {other:?} is not known; allowed: digits, rgb32"))),
        };
        request.dataset = dataset_for(request.space.input)?;
    }
    Ok(())
}

/// `--target` and `--profile`: a built-in target, or a device profile predicting latency.
fn target_flags(args: &Args, request: &mut RunRequest) -> Result<(), CliError> {
    let target = |name: &str| if name == "this" { Some(None) } else { Target::from_name(name).map(Some) };
    match args.named("target", target, "mobile, edge, gpu, this")? {
        Some(Some(target)) => request.search.target = target,
        Some(None) => request.latency_table = Some(read_profile(args.value("profile").unwrap_or(DEVICE_PROFILE))?),
        None => {}
    }
    if let Some(path) = args.value("profile") {
        request.latency_table = Some(read_profile(path)?);
    }
    Ok(())
}

/// A device profile from `path`, checked.
pub(crate) fn read_profile(path: &str) -> Result<LatencyTable, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::File { path: path.to_string(), message: format!("{e}; `cli calibrate` makes a device profile") })?;
    LatencyTable::from_json(&text).map_err(|message| CliError::File { path: path.to_string(), message })
}

fn search_flags(args: &Args, config: &mut SearchConfig) -> Result<(), CliError> {
    apply_flags(args, config)?;
    if let Some(n) = args.parsed("generations", "a whole number")? {
        config.generations = n;
    }
    if let Some(n) = args.parsed::<u32>("max-evaluations", "a whole number")? {
        config.max_evaluations = Some(n);
    }
    if let Some(s) = args.parsed::<f64>("time-budget", "a number of seconds")? {
        config.time_budget_s = Some(s);
    }
    if let Some(n) = args.parsed::<u64>("max-train-steps", "a whole number")? {
        config.max_train_steps = Some(n);
    }
    if let Some(text) = args.value("rungs") {
        config.rungs = parse_rungs(text).ok_or_else(|| CliError::Usage(format!("--rungs must be off or FRACTION/ETA such as 0.33/3, got {text:?}")))?;
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
    let latency = |name: &str| match name {
        "predicted" => Some(LatencySource::Predicted),
        "measured" => Some(LatencySource::Measured),
        _ => None,
    };
    if let Some(source) = args.named("latency", latency, "predicted, measured")? {
        config.latency = source;
    }
    // As the page does: a tournament never larger than the population.
    config.tournament = config.tournament.min(config.population);
    Ok(())
}

/// `off`, or `FRACTION/ETA` (ranges are checked with the rest of the search's settings).
fn parse_rungs(text: &str) -> Option<Option<Rungs>> {
    if text == "off" {
        return Some(None);
    }
    let (fraction, eta) = text.split_once('/')?;
    Some(Some(Rungs { fraction: fraction.trim().parse().ok()?, eta: eta.trim().parse().ok()? }))
}

fn training_flags(args: &Args, training: &mut TrainingSettings) -> Result<(), CliError> {
    let on_off = |name: &str| match name {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    };
    if let Some(n) = args.parsed("steps", "a whole number")? {
        training.steps = n;
    }
    if let Some(n) = args.parsed("fine-tune-steps", "a whole number")? {
        training.fine_tune_steps = n;
    }
    if let Some(x) = args.parsed("fine-tune-lr-scale", "a number")? {
        training.fine_tune_lr_scale = x;
    }
    if let Some(n) = args.parsed("fine-tune-warmup", "a whole number")? {
        training.fine_tune_warmup_steps = n;
    }
    if let Some(on) = args.named("inherit", on_off, "on, off")? {
        training.inheritance = on;
    }
    if let Some(n) = args.parsed("batch-size", "a whole number")? {
        training.batch_size = n;
    }
    if let Some(recipe) = args.named("recipe", TrainingRecipe::from_name, "adam, sgd_crops")? {
        training.recipe = recipe;
        training.learning_rate = recipe.default_learning_rate();
    }
    if let Some(x) = args.parsed("learning-rate", "a number")? {
        training.learning_rate = x;
    }
    if let Some(n) = args.parsed("latency-runs", "a whole number")? {
        training.latency_runs = n;
    }
    if let Some(on) = args.named("references", on_off, "on, off")? {
        training.references = on;
    }
    Ok(())
}

/// One line per candidate, reference and generation, and the run's start and end.
fn print_event(event: &FromEngine, objectives: &[Objective]) {
    match event {
        FromEngine::RunStarted(info) => println!(
            "run: {} on {} ({} images, {} for validation), {} x {} generations",
            objectives.iter().map(|o| o.name()).collect::<Vec<_>>().join(","),
            info.dataset,
            info.images,
            info.valid_images,
            info.population,
            info.generations
        ),
        FromEngine::Reference(reference) => println!("  reference {:<14} {}", reference.name, candidate_line(&reference.report)),
        FromEngine::Candidate(report) => println!("  candidate {:>3} {}", report.candidate_id, candidate_line(report)),
        FromEngine::Generation(summary) => print_generation(summary, objectives),
        FromEngine::RunFinished { end, evaluations, seconds } => {
            println!("done: {end:?}, {evaluations} candidates scored, {seconds:.2} s")
        }
        FromEngine::Error(error) => eprintln!("{}: {}", error.context, error.message),
        _ => {}
    }
}

fn candidate_line(c: &CandidateReport) -> String {
    let how = match &c.status {
        RecordStatus::Evaluated => match (c.error, c.resumes) {
            (Some(e), Some(from)) => format!("error {e:.4} (resumed from #{from})"),
            (Some(e), None) => format!("error {e:.4}"),
            (None, _) => "looked up".into(),
        },
        RecordStatus::Rung => c.error.map_or("at the rung".into(), |e| format!("error {e:.4} at the rung")),
        RecordStatus::CheapOnly => "scored without training".into(),
        RecordStatus::ConstraintViolated => "breaks a constraint: not trained".into(),
        RecordStatus::Failed { reason } => format!("failed: {reason}"),
    };
    let trained = match (c.details.train_steps, c.details.train_ms) {
        (Some(steps), Some(ms)) => format!(
            "  {steps} steps, {} params inherited, {:.1} s",
            c.details.inherited_params.unwrap_or(0.0),
            ms / 1e3
        ),
        _ => String::new(),
    };
    let measured = c.measured_latency.as_ref().map_or(String::new(), |m| format!("  {:.2} ms here", m.median_ms));
    format!("{}  {how}{trained}{measured}", c.text)
}
