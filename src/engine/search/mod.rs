//! A search run: a configuration checked once, cheap objectives and constraints computed
//! before any expensive evaluation, an evaluation cache by id, termination by generations,
//! evaluations or time, and a report per generation.
//!
//! The run is driven from outside, one candidate at a time ([`Search::next_candidate`] then
//! [`Search::record`]): the worker trains a candidate between the two calls, the native CLI
//! looks it up in a table. Several workers at once take their candidates from a [`Dispatch`],
//! which records their results in the order one worker would. Nothing here waits or reads a
//! clock; elapsed time is passed in.
//!
//! ```
//! use engine::search::{Objective, Outcome, Search, SearchConfig, ArchSpace};
//! use engine::space::{InputShape, SpaceConfig};
//! use engine::hardware::Target;
//! let config = SearchConfig {
//!     objectives: vec![Objective::Latency, Objective::Params],
//!     population: 8,
//!     generations: 3,
//!     ..SearchConfig::default()
//! };
//! let space = ArchSpace::new(SpaceConfig::for_input(InputShape::DIGITS, 10), Target::Mobile).unwrap();
//! let mut search = Search::new(space, config.check().unwrap());
//! // Only cheap objectives: nothing needs training, so `next` has nothing to hand out.
//! assert!(search.next_candidate().is_none());
//! assert!(search.finished(0.0));
//! assert_eq!(search.reports().len(), 3);
//! assert!(search.reports()[2].hypervolume > 0.0);
//! ```

mod config;
mod dispatch;
mod generation;
mod records;
mod rungs;
mod run;
mod snapshot;
mod space;

pub use config::*;
pub use dispatch::*;
pub use records::*;
pub use rungs::{Fidelity, Rungs};
pub use run::*;
pub use snapshot::*;
pub use space::*;
