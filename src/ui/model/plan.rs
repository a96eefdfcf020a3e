//! A search sized to a time budget: from the measured time of one training step on the backend
//! that searches, the population, generations and training steps that fit, and the time any
//! settings are expected to take. A new network never gets fewer steps than the floor below
//! which its error means nothing (`protocol::FLOOR_IMAGES`): when the budget cannot pay it for
//! the page's shape of search, the plan trains fewer networks and says what the full search
//! would need on this device. Pure: the page shows the proposal and its reasons, and the
//! visitor can edit every number after.
//!
//! ```
//! use ui::model::plan::{Sizing, fit};
//! let sizing = Sizing { references: true, inheritance: true, batch_size: 32, rungs: None };
//! let plan = fit(180.0, 20.0, sizing);
//! assert!(plan.expected_s > 140.0 && plan.expected_s <= 180.0);
//! assert!(plan.generations > plan.fitting, "the time budget, not the count, ends the run");
//! assert!(plan.steps >= protocol::floor_steps(32) && plan.fine_tune_steps < plan.steps);
//! let slow = fit(180.0, 2_000.0, sizing);
//! assert_eq!(slow.steps, protocol::floor_steps(32), "never below the floor");
//! assert!(slow.full_s.is_some_and(|s| s > 180.0), "says what the full search needs");
//! ```

use protocol::{FINE_TUNE_SHARE, floor_steps};

/// What changes how many steps a search trains besides its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    /// The three reference architectures train too (a new candidate's steps each).
    pub references: bool,
    /// Children inherit weights and are only fine-tuned.
    pub inheritance: bool,
    /// Images per training step (the floor and the ceiling of steps are counted in images).
    pub batch_size: u32,
    /// With rungs: one network in this many resumes past the rung at 1/N of its steps.
    pub rungs: Option<u32>,
}

impl Sizing {
    /// The share of its steps a network of a generation of `population` trains on average, and
    /// the evaluations (each with its overhead) per network: every one to the rung, one in N
    /// the rest.
    fn rung_shares(&self, population: f64) -> (f64, f64) {
        match self.rungs {
            Some(eta) if eta > 1 => {
                let eta = f64::from(eta);
                let resumed = (population / eta).ceil() / population.max(1.0);
                (1.0 / eta + resumed * (1.0 - 1.0 / eta), 1.0 + resumed)
            }
            _ => (1.0, 1.0),
        }
    }
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
    /// When the plan is smaller than the page's shape (population × generations): the seconds
    /// that search would need here, each new network trained to the comfortable level.
    pub full_s: Option<f64>,
    /// The generations at which stages 2 and 3 open: a third and two thirds of those that fit
    /// (2 and 4 of 6, the page's schedule), so a smaller search still opens every stage.
    pub stages_at: (u32, u32),
}

/// The page's default shape of a search (population × generations).
pub const POPULATION: u32 = 8;
/// See [`POPULATION`].
pub const GENERATIONS: u32 = 6;
/// Most training images of a new candidate (120 steps of 64).
const MAX_IMAGES: u32 = 7680;
/// Training images where the default space's networks have mostly learned the digits (after
/// 3,840 the median network validated at 90.0 % and every reference at 92.9 % or more, README
/// "Learning curves"): the plan keeps more than 4 generations only when each new network can
/// train that much.
pub const COMFORT_IMAGES: u32 = 3840;
/// The first shapes of [`SHAPES`] that are planned only at the comfortable level.
const COMFORT_ONLY: usize = 2;
/// Validation, BatchNorm re-estimation, latency timing, checkpoint and bookkeeping of one
/// candidate, in training images: about what one-minute default searches in Chromium on the
/// CPU backend took alone and beside a build (an estimate: the spare generations absorb its
/// error).
const OVERHEAD_IMAGES: f64 = 768.0;
/// A reference architecture's step against a sampled candidate's (each cell at its widest).
const REFERENCE_COST: f64 = 3.0;
/// Children of a generation after the first that inherit (and are only fine-tuned), as seen in
/// runs of the default space; the rest train from scratch.
const INHERITING: f64 = 0.75;
/// Generations allowed beyond those that fit, as a share of them.
const SPARE_GENERATIONS: f64 = 1.0;
/// The shapes tried, in order: the first [`COMFORT_ONLY`] when each new network trains to the
/// comfortable level, the others when it trains at least to the floor.
const SHAPES: [(u32, u32); 8] = [(POPULATION, GENERATIONS), (POPULATION, 5), (POPULATION, 4), (POPULATION, 3), (6, 3), (4, 3), (4, 2), (3, 2)];

/// Training steps (and their overhead) of a search of this size.
pub fn steps_of(population: u32, generations: u32, steps: u32, fine_tune_steps: u32, sizing: Sizing) -> f64 {
    let (p, g, s, f) = (f64::from(population), f64::from(generations.max(1)), f64::from(steps), f64::from(fine_tune_steps));
    let inheriting = if sizing.inheritance { INHERITING } else { 0.0 };
    let child = inheriting * f + (1.0 - inheriting) * s;
    let references = if sizing.references { 3.0 } else { 0.0 };
    let overhead = OVERHEAD_IMAGES / f64::from(sizing.batch_size.max(1));
    let (trained, evaluations) = sizing.rung_shares(p);
    (p * s + (g - 1.0) * p * child) * trained + references * REFERENCE_COST * s + overhead * (p * g * evaluations + references)
}

/// Seconds a search of this size is expected to take at `step_ms` a step.
pub fn expected_seconds(population: u32, generations: u32, steps: u32, fine_tune_steps: u32, step_ms: f64, sizing: Sizing) -> f64 {
    steps_of(population, generations, steps, fine_tune_steps, sizing) * step_ms / 1e3
}

/// The search that fits `budget_s` at `step_ms` a step, with as many steps per new network as fit
/// (at most 7,680 images' worth, a sixth of them to fine-tune: `protocol::FINE_TUNE_SHARE`): the
/// page's shape (8 × 6), or 8 × 5, when those steps reach the comfortable level
/// ([`COMFORT_IMAGES`]); else the first of 8 × 4, 8 × 3, 6 × 3, 4 × 3, 4 × 2 and 3 × 2 whose steps
/// pay the floor (`protocol::floor_steps`); when even 3 × 2 cannot, 3 × 2 at the floor, and the
/// time budget ends the run after fewer networks. A new network never gets fewer steps than the
/// floor. Twice the generations are allowed, so the time budget ends the run.
pub fn fit(budget_s: f64, step_ms: f64, sizing: Sizing) -> Plan {
    let batch = sizing.batch_size.max(1);
    let floor = floor_steps(batch);
    let ceiling = (MAX_IMAGES / batch).max(floor);
    let comfort = (COMFORT_IMAGES / batch).clamp(floor, ceiling);
    let available = budget_s * 1e3 / step_ms.max(1e-3);
    let steps_for = |population: u32, generations: u32| -> u32 {
        // Steps grow the total linearly (fine-tuning is a share of them): solve for them.
        let share = FINE_TUNE_SHARE;
        let fixed = steps_of(population, generations, 0, 0, sizing);
        let per_share = steps_of(population, generations, share, 1, sizing) - fixed;
        (((available - fixed) / per_share * f64::from(share)).floor().max(0.0) as u32).min(ceiling)
    };
    let (population, fitting) = SHAPES
        .into_iter()
        .enumerate()
        .find(|&(k, (p, g))| steps_for(p, g) >= if k < COMFORT_ONLY { comfort } else { floor })
        .map_or(SHAPES[SHAPES.len() - 1], |(_, shape)| shape);
    let steps = steps_for(population, fitting).max(floor);
    let fine_tune_steps = (steps / FINE_TUNE_SHARE).max(1);
    let expected_s = expected_seconds(population, fitting, steps, fine_tune_steps, step_ms, sizing);
    let generations = fitting + ((f64::from(fitting) * SPARE_GENERATIONS).ceil() as u32).max(2);
    let full = (population, fitting) != SHAPES[0];
    let full_s = full.then(|| expected_seconds(POPULATION, GENERATIONS, comfort, (comfort / FINE_TUNE_SHARE).max(1), step_ms, sizing));
    let third = |k: u32| ((f64::from(k * fitting) / 3.0).round() as u32).max(1);
    Plan { population, fitting, generations, steps, fine_tune_steps, expected_s, full_s, stages_at: (third(1), third(2)) }
}

impl Plan {
    /// Why these numbers, for the visitor.
    pub fn explain(&self, budget_s: f64, step_ms: f64, backend: &str) -> String {
        let sized = format!(
            "Sized for about {} at {} a training step on {backend} (as timed): population {}, about {} generations (up to {} if time allows), {} steps per new network, {} to fine-tune an inheriting child. The run stops when the time is up; edit any of them.",
            crate::model::format::duration(budget_s),
            protocol::step_time(step_ms),
            self.population,
            self.fitting,
            self.generations,
            self.steps,
            self.fine_tune_steps,
        );
        let stages = format!(" Stages 2 and 3 open at generations {} and {}.", self.stages_at.0, self.stages_at.1);
        match self.full_s {
            Some(full_s) => format!(
                "{sized}{stages} Fewer networks, so that each learns enough for its error to mean something; a search of {POPULATION} × {GENERATIONS} trained as well needs about {} on this device.",
                crate::model::format::duration(full_s)
            ),
            None => format!("{sized}{stages}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Sizing = Sizing { references: true, inheritance: true, batch_size: 32, rungs: None };

    #[test]
    fn a_fast_device_gets_the_full_default_and_a_slow_one_a_smaller_search() {
        let fast = fit(180.0, 1.0, ON);
        assert_eq!((fast.population, fast.fitting, fast.generations, fast.steps, fast.fine_tune_steps), (8, 6, 12, 240, 40));
        assert_eq!((fast.full_s, fast.stages_at), (None, (2, 4)), "the page's own schedule");
        let slow = fit(180.0, 2_200.0, ON);
        assert!(slow.population * slow.fitting < 48, "a software GPU gets fewer candidates: {slow:?}");
        assert_eq!(slow.steps, floor_steps(32));
        let said = slow.explain(180.0, 2_200.0, "WebGPU");
        assert!(said.contains("a search of 8 × 6 trained as well needs about"), "{said}");
    }

    #[test]
    fn generations_give_way_to_steps_down_to_four_and_the_stages_follow() {
        // A CPU like this one: 8 × 6 would train each new network 84 steps, 8 × 4 trains it more.
        let cpu = fit(180.0, 46.0, ON);
        assert_eq!((cpu.population, cpu.fitting), (8, 4), "{cpu:?}");
        assert!(cpu.steps > 100 && cpu.steps < COMFORT_IMAGES / 32, "{cpu:?}");
        assert_eq!(cpu.stages_at, (1, 3), "every stage opens within the generations that fit");
        assert!(cpu.full_s.is_some_and(|s| s > 180.0));
        // Fast enough for the comfortable level at 8 × 5: kept.
        let five = SHAPES.iter().position(|&s| s == (8, 5)).unwrap();
        assert!(five < COMFORT_ONLY);
        let quick = fit(180.0, 30.0, ON);
        assert!(quick.fitting >= 5 && quick.steps >= COMFORT_IMAGES / 32, "{quick:?}");
        for step_ms in [1.0, 10.0, 30.0, 46.0, 80.0, 150.0, 400.0] {
            let plan = fit(180.0, step_ms, ON);
            assert!(plan.stages_at.0 >= 1 && plan.stages_at.0 <= plan.stages_at.1 && plan.stages_at.1 < plan.fitting.max(2), "{plan:?}");
            if plan.fitting > 4 {
                assert!(plan.steps >= COMFORT_IMAGES / 32, "more than 4 generations only at the comfortable level: {plan:?}");
            }
        }
    }

    #[test]
    fn the_planner_never_plans_below_its_floor() {
        for batch_size in [8, 16, 32, 64, 100, 256] {
            for references in [true, false] {
                for inheritance in [true, false] {
                    let sizing = Sizing { references, inheritance, batch_size, rungs: None };
                    for budget_s in [10.0, 60.0, 180.0, 600.0, 3_600.0] {
                        for step_ms in [0.5, 5.0, 20.0, 60.0, 150.0, 400.0, 2_500.0] {
                            let plan = fit(budget_s, step_ms, sizing);
                            assert!(plan.steps >= floor_steps(batch_size), "{budget_s} s at {step_ms} ms, {sizing:?}: {plan:?}");
                            assert!(plan.generations > plan.fitting);
                            let fits = plan.expected_s <= budget_s;
                            assert!(fits || (plan.population, plan.fitting) == (3, 2), "over the budget only at the smallest shape: {plan:?}");
                            assert_eq!(plan.full_s.is_some(), (plan.population, plan.fitting) != (POPULATION, GENERATIONS));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_floor_and_the_ceiling_are_counted_in_images() {
        let at = |batch_size| fit(3_600.0, 0.5, Sizing { batch_size, ..ON });
        assert_eq!(at(64).steps, 120);
        assert_eq!(at(32).steps, 240);
        assert_eq!(fit(60.0, 400.0, Sizing { batch_size: 16, ..ON }).steps, floor_steps(16));
        assert_eq!(floor_steps(16), 2 * floor_steps(32));
    }

    #[test]
    fn expected_time_counts_references_inheritance_and_overhead() {
        let off = Sizing { references: false, inheritance: false, batch_size: 64, rungs: None };
        let overhead = OVERHEAD_IMAGES / 64.0;
        assert_eq!(steps_of(2, 1, 10, 3, off), 2.0 * 10.0 + 2.0 * overhead);
        let on = Sizing { batch_size: 64, ..ON };
        assert_eq!(steps_of(2, 1, 10, 3, on) - steps_of(2, 1, 10, 3, off), 3.0 * (REFERENCE_COST * 10.0 + overhead));
        assert!(steps_of(8, 6, 60, 20, on) < steps_of(8, 6, 60, 20, Sizing { inheritance: false, ..on }), "inheritance saves steps");
        assert_eq!(expected_seconds(2, 1, 10, 3, 500.0, off), (20.0 + 2.0 * overhead) * 0.5);
        // Rungs: 8 networks to a third of their steps, 3 of them the other two thirds.
        let rungs = Sizing { rungs: Some(3), ..off };
        assert!((steps_of(8, 1, 30, 5, rungs) - (8.0 * 10.0 + 3.0 * 20.0 + 11.0 * overhead)).abs() < 1e-9);
        assert!(fit(180.0, 46.0, Sizing { rungs: Some(3), ..ON }).steps > fit(180.0, 46.0, ON).steps, "rungs pay for more steps");
        let budget = fit(60.0, 143.0, ON);
        assert!(budget.explain(60.0, 143.0, "the CPU").contains("about 1 min 00 s at 143 ms a training step on the CPU"));
    }
}
