//! The pure search engine: synchronous, seeded, free of Burn and browser code.
//!
//! ```
//! use engine::rng::{Seed, rng_for};
//! use rand::RngExt;
//! let a: u32 = rng_for(Seed(7), "doc").random();
//! let b: u32 = rng_for(Seed(7), "doc").random();
//! assert_eq!(a, b);
//! ```

pub mod rng;
pub mod moo;
pub mod cost;
pub mod hardware;
pub mod space;
pub mod limits;
pub mod memory;
pub mod serde_float;
pub mod stats;
pub mod nsga2;
pub mod problem;
pub mod problems;
pub mod baselines;
pub mod local_search;
pub mod guided;
pub mod surrogate;
pub mod calendar;
pub mod tabular;
pub mod text;
pub mod search;
