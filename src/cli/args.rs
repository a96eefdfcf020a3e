//! A small flag parser: `--name value` pairs and bare `--switch`es after a command.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::CliError;

/// Parsed options of one command.
#[derive(Debug, Default)]
pub struct Args {
    values: BTreeMap<String, String>,
    switches: Vec<String>,
}

impl Args {
    /// Parses `args`; names in `switches` take no value, names in `valued` take one. Anything
    /// else is refused with the list of known options.
    pub fn parse(args: &[String], valued: &[&str], switches: &[&str]) -> Result<Args, CliError> {
        let known = || {
            valued.iter().map(|v| format!("--{v} VALUE")).chain(switches.iter().map(|s| format!("--{s}"))).collect::<Vec<_>>().join(", ")
        };
        let mut parsed = Args::default();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let Some(name) = arg.strip_prefix("--") else {
                return Err(CliError::Usage(format!("unexpected argument {arg:?}; options: {}", known())));
            };
            if switches.contains(&name) {
                parsed.switches.push(name.to_string());
            } else if valued.contains(&name) {
                let value = rest.next().ok_or_else(|| CliError::Usage(format!("--{name} needs a value")))?;
                parsed.values.insert(name.to_string(), value.clone());
            } else {
                return Err(CliError::Usage(format!("unknown option --{name}; options: {}", known())));
            }
        }
        Ok(parsed)
    }

    /// Whether a switch was given.
    pub fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// The raw value of an option.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A parsed value; a value that does not parse is refused naming the option and `expected`.
    pub fn parsed<T: FromStr>(&self, name: &str, expected: &str) -> Result<Option<T>, CliError> {
        self.value(name)
            .map(|v| v.parse::<T>().map_err(|_| CliError::Usage(format!("--{name} must be {expected}, got {v:?}"))))
            .transpose()
    }

    /// A value looked up by name with `lookup`; refused with the allowed names.
    pub fn named<T>(&self, name: &str, lookup: impl Fn(&str) -> Option<T>, allowed: &str) -> Result<Option<T>, CliError> {
        self.value(name)
            .map(|v| lookup(v).ok_or_else(|| CliError::Usage(format!("--{name} {v:?} is not known; allowed: {allowed}"))))
            .transpose()
    }

    /// A comma-separated list of whole numbers.
    pub fn numbers(&self, name: &str) -> Result<Option<Vec<u32>>, CliError> {
        self.value(name)
            .map(|v| {
                v.split(',')
                    .map(|x| x.trim().parse::<u32>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| CliError::Usage(format!("--{name} must be whole numbers separated by commas, got {v:?}")))
            })
            .transpose()
    }
}
