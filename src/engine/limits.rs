//! The range a whole-number setting may take, written once beside the check that enforces it:
//! the same value gives the check's message, the page's form and help texts, and the CLI's.
//!
//! ```
//! use engine::limits::Whole;
//! const POPULATION: Whole = Whole::new(2, 1000);
//! assert!(POPULATION.contains(2u32) && !POPULATION.contains(1001u32));
//! assert_eq!(POPULATION.to_string(), "2 to 1000");
//! ```

/// An inclusive range of whole numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole {
    /// The smallest value allowed.
    pub low: u64,
    /// The largest value allowed.
    pub high: u64,
}

impl Whole {
    /// The values from `low` to `high`, both included.
    pub const fn new(low: u64, high: u64) -> Whole {
        Whole { low, high }
    }

    /// Whether `value` is allowed.
    pub fn contains(self, value: impl Into<u64>) -> bool {
        (self.low..=self.high).contains(&value.into())
    }
}

impl std::fmt::Display for Whole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to {}", self.low, self.high)
    }
}
