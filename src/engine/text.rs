//! User input quoted in messages: whole when short, otherwise its first characters and its
//! length, so a megabyte pasted into a field never comes back as a megabyte of message.
//!
//! ```
//! use engine::text::quoted;
//! assert_eq!(quoted("conv9x9"), "\"conv9x9\"");
//! let long = "x".repeat(1_048_649);
//! assert_eq!(quoted(&long), format!("\"{}…\" (1048649 characters)", "x".repeat(40)));
//! ```

/// Characters of an input shown whole.
pub const SHOWN_CHARS: usize = 40;

/// `text` in double quotes (escaped as Rust escapes strings, so invisible characters show),
/// cut after [`SHOWN_CHARS`] characters with its length said.
pub fn quoted(text: &str) -> String {
    let length = text.chars().count();
    if length <= SHOWN_CHARS {
        return format!("{text:?}");
    }
    let start: String = text.chars().take(SHOWN_CHARS).collect();
    let escaped = format!("{start:?}");
    format!("{}…\" ({length} characters)", &escaped[..escaped.len() - 1])
}

/// The error for a tag read from a file that is not one of `allowed`: `unknown block kind
/// "teleport": allowed are stem, entry`, the tag [`quoted`].
pub fn unknown_tag(what: &str, value: &str, allowed: &str) -> String {
    format!("unknown {what} {}: allowed are {allowed}", quoted(value))
}

/// Items separated by commas, as a message lists them: `8, 16, 24`.
pub fn listed<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Bytes in the largest binary unit that keeps the number at least 1, to at most one decimal.
pub fn bytes(value: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut amount = value as f64;
    let mut unit = 0;
    while amount >= 1024.0 && unit + 1 < UNITS.len() {
        amount /= 1024.0;
        unit += 1;
    }
    let text = format!("{amount:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}
