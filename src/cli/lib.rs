//! The native command line's commands (`main.rs` dispatches here): `search`, `tabular`
//! and the `bench` benchmarks. Each prints a human-readable table and writes JSON.

mod args;
mod bench;
mod calibrate;
mod data;
mod export;
mod search;
mod tabular;

use thiserror::Error;

pub use args::Args;

/// The usage text.
pub const USAGE: &str = "\
usage: cli <command> [options]

commands:
  search       run a search (--config FILE or flags); one line per generation, JSON to --out
  export-onnx  train one genotype and write it as ONNX (--genotype TEXT, --out FILE)
  calibrate    time every block of the space on this machine: the device profile for --target this
  tabular      NAS-Bench-201 search from the 12-epoch table; --json prints the result as one JSON line
  bench moo    NSGA-II on ZDT1-3 and DTLZ2 against pymoo's reference hypervolumes
  bench nb201  every strategy on NAS-Bench-201 (three datasets, budgets 50-500), many seeds
  bench generation  time of one NSGA-II generation of bookkeeping (population 100, 3 objectives)
  check-device run the device-check network on the CPU backend

run `cli <command> --help` for a command's options";

/// Why a command failed.
#[derive(Debug, Error)]
pub enum CliError {
    /// Wrong arguments.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The run itself was refused.
    #[error("{0}")]
    Run(String),
}

/// Runs one command (everything after the program name); returns the exit code.
pub fn run(args: &[String]) -> i32 {
    let result = match args.first().map(String::as_str) {
        Some("search") => search::search(&args[1..]),
        Some("export-onnx") => export::export_onnx(&args[1..]),
        Some("calibrate") => calibrate::calibrate_command(&args[1..]),
        Some("tabular") => tabular::tabular(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("--help" | "-h" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(CliError::Usage(format!("unknown command {other:?}\n\n{USAGE}"))),
    };
    match result {
        Ok(()) => 0,
        Err(error @ CliError::Usage(_)) => {
            eprintln!("{error}");
            2
        }
        Err(error) => {
            eprintln!("error: {error}");
            1
        }
    }
}

/// Reads a file to text, naming the file on failure.
pub(crate) fn read(path: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::File { path: path.to_string(), message: e.to_string() })
}

/// Writes JSON to a file (creating its folder), naming the file on failure.
pub(crate) fn write_json(path: &str, value: &serde_json::Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Run(e.to_string()))?;
    write_text(path, &text)
}

/// Writes text and a final line break to a file (creating its folder), naming the file on failure.
pub(crate) fn write_text(path: &str, text: &str) -> Result<(), CliError> {
    write_bytes(path, format!("{text}\n").as_bytes())
}

/// Writes bytes to a file (creating its folder), naming the file on failure.
pub(crate) fn write_bytes(path: &str, bytes: &[u8]) -> Result<(), CliError> {
    let file = |e: std::io::Error| CliError::File { path: path.to_string(), message: e.to_string() };
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(file)?;
    }
    std::fs::write(path, bytes).map_err(file)
}
