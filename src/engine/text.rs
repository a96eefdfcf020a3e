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

/// Items separated by commas, as a message lists them: `8, 16, 24`.
pub fn listed<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
