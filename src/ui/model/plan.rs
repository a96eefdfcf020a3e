//! A search sized to a time budget: from the measured time of one training step on the backend
//! that searches, the population, generations and training steps that fit, and the time any
//! settings are expected to take. Pure: the page shows the proposal and its reasons, and the
//! visitor can edit every number after.
//!
//! ```
//! use ui::model::plan::{Sizing, fit};
//! let plan = fit(180.0, 100.0, Sizing { references: true, inheritance: true });
//! assert!(plan.expected_s > 140.0 && plan.expected_s <= 180.0);
//! assert!(plan.generations > plan.fitting, "the time budget, not the count, ends the run");
//! assert!(plan.steps >= 10 && plan.fine_tune_steps < plan.steps);
//! ```

use protocol::FINE_TUNE_SHARE;

/// What changes how many steps a search trains besides its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    /// The three reference architectures train too (a new candidate's steps each).
    pub references: bool,
    /// Children inherit weights and are only fine-tuned.
    pub inheritance: bool,
}

/// A search's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Candidates per generation.
    pub population: u32,
    /// Generations expected to fit.
    pub fitting: u32,
    /// Generations allowed: more than fit, so that the time budget ends the run, not a count
    /// the estimate got wrong.
    pub generations: u32,
    /// Steps of a new candidate.
    pub steps: u32,
    /// Steps of an inheriting child.
    pub fine_tune_steps: u32,
    /// Seconds it is expected to take.
    pub expected_s: f64,
}

/// The page's default shape of a search (population × generations) and most steps of a new candidate.
const POPULATION: u32 = 8;
const GENERATIONS: u32 = 6;
const MAX_STEPS: u32 = 120;
const MIN_STEPS: u32 = 10;
/// Validation, latency timing, checkpoint and bookkeeping of one candidate, in training steps:
/// between what one-minute default searches in Chromium on the CPU backend took alone and
/// beside a build (an estimate: the spare generations absorb its error).
const OVERHEAD_STEPS: f64 = 12.0;
/// A reference architecture's step against a sampled candidate's (each cell at its widest).
const REFERENCE_COST: f64 = 3.0;
/// Children of a generation after the first that inherit (and are only fine-tuned), as seen in
/// runs of the default space; the rest train from scratch.
const INHERITING: f64 = 0.75;
/// Generations allowed beyond those that fit, as a share of them.
const SPARE_GENERATIONS: f64 = 1.0;

/// Training steps (and their overhead) of a search of this size.
pub fn steps_of(population: u32, generations: u32, steps: u32, fine_tune_steps: u32, sizing: Sizing) -> f64 {
    let (p, g, s, f) = (f64::from(population), f64::from(generations.max(1)), f64::from(steps), f64::from(fine_tune_steps));
    let inheriting = if sizing.inheritance { INHERITING } else { 0.0 };
    let child = inheriting * f + (1.0 - inheriting) * s;
    let references = if sizing.references { 3.0 } else { 0.0 };
    p * s + (g - 1.0) * p * child + references * REFERENCE_COST * s + OVERHEAD_STEPS * (p * g + references)
}

/// Seconds a search of this size is expected to take at `step_ms` a step.
pub fn expected_seconds(population: u32, generations: u32, steps: u32, fine_tune_steps: u32, step_ms: f64, sizing: Sizing) -> f64 {
    steps_of(population, generations, steps, fine_tune_steps, sizing) * step_ms / 1e3
}

/// The largest search of the page's shape that fits `budget_s` at `step_ms` a step: the default
/// population and generations with as many steps as fit (at most 120, a sixth of them to
/// fine-tune: `protocol::FINE_TUNE_SHARE`); when even 10 steps do not fit, fewer generations (down to 3), then a smaller
/// population (down to 4), then fewer steps. Twice the generations are allowed, so the time
/// budget ends the run.
pub fn fit(budget_s: f64, step_ms: f64, sizing: Sizing) -> Plan {
    let available = budget_s * 1e3 / step_ms.max(1e-3);
    let steps_for = |population: u32, generations: u32| -> u32 {
        // Steps grow the total linearly (fine-tuning is a share of them): solve for them.
        let share = FINE_TUNE_SHARE;
        let per_share = steps_of(population, generations, share, 1, sizing) - steps_of(population, generations, 0, 0, sizing);
        let fixed = steps_of(population, generations, 0, 0, sizing);
        (((available - fixed) / per_share * f64::from(share)).floor().max(0.0) as u32).min(MAX_STEPS)
    };
    let mut shape = (POPULATION, GENERATIONS);
    for candidate in [(POPULATION, GENERATIONS), (POPULATION, 4), (POPULATION, 3), (6, 3), (4, 3)] {
        shape = candidate;
        if steps_for(candidate.0, candidate.1) >= MIN_STEPS {
            break;
        }
    }
    let (population, fitting) = shape;
    let steps = steps_for(population, fitting).max(2);
    let fine_tune_steps = (steps / FINE_TUNE_SHARE).max(1);
    let expected_s = expected_seconds(population, fitting, steps, fine_tune_steps, step_ms, sizing);
    let generations = fitting + ((f64::from(fitting) * SPARE_GENERATIONS).ceil() as u32).max(2);
    Plan { population, fitting, generations, steps, fine_tune_steps, expected_s }
}

impl Plan {
    /// Why these numbers, for the visitor.
    pub fn explain(&self, budget_s: f64, step_ms: f64, backend: &str) -> String {
        format!(
            "Sized for about {} at {} a training step on {backend} (as timed): population {}, about {} generations (up to {} if time allows), {} steps per new network, {} to fine-tune an inheriting child. The run stops when the time is up; edit any of them.",
            crate::model::format::duration(budget_s),
            protocol::step_time(step_ms),
            self.population,
            self.fitting,
            self.generations,
            self.steps,
            self.fine_tune_steps,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Sizing = Sizing { references: true, inheritance: true };

    #[test]
    fn a_fast_device_gets_the_full_default_and_a_slow_one_a_smaller_search() {
        let fast = fit(180.0, 2.0, ON);
        assert_eq!((fast.population, fast.fitting, fast.generations, fast.steps, fast.fine_tune_steps), (8, 6, 12, 120, 20));
        let cpu = fit(180.0, 119.0, ON);
        assert_eq!(cpu.population, 8);
        assert!((MIN_STEPS..MAX_STEPS).contains(&cpu.steps), "{cpu:?}");
        assert!(cpu.expected_s <= 180.0 && cpu.expected_s > 180.0 * 0.8, "{cpu:?}");
        let slow = fit(180.0, 2_200.0, ON);
        assert!(slow.population * slow.fitting < 48, "a software GPU gets fewer candidates: {slow:?}");
        assert!(slow.steps >= 2);
    }

    #[test]
    fn one_minute_on_a_cpu_like_this_one() {
        let plan = fit(60.0, 121.0, ON);
        assert!(plan.population >= 4 && plan.fitting >= 3 && plan.steps >= MIN_STEPS, "{plan:?}");
        assert_eq!(plan.generations, 2 * plan.fitting);
    }

    #[test]
    fn expected_time_counts_references_inheritance_and_overhead() {
        let off = Sizing { references: false, inheritance: false };
        assert_eq!(steps_of(2, 1, 10, 3, off), 2.0 * 10.0 + 2.0 * OVERHEAD_STEPS);
        assert_eq!(steps_of(2, 1, 10, 3, ON) - steps_of(2, 1, 10, 3, off), 3.0 * (REFERENCE_COST * 10.0 + OVERHEAD_STEPS));
        assert!(steps_of(8, 6, 60, 20, ON) < steps_of(8, 6, 60, 20, Sizing { inheritance: false, ..ON }), "inheritance saves steps");
        assert_eq!(expected_seconds(2, 1, 10, 3, 500.0, off), (20.0 + 2.0 * OVERHEAD_STEPS) * 0.5);
        let budget = fit(60.0, 143.0, ON);
        assert!(budget.explain(60.0, 143.0, "the CPU").contains("about 1 min 00 s at 143 ms a training step on the CPU"));
    }
}
