//! Pareto dominance and Deb's constrained dominance.

use serde::{Deserialize, Serialize};

/// What selection knows of an evaluated point: its objective values (all minimised) and its
/// total constraint violation (0 for a feasible point, the summed relative excess otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitness {
    /// Objective values, all minimised.
    #[serde(with = "crate::serde_float::vec")]
    pub objectives: Vec<f64>,
    /// Total constraint violation; 0 means feasible.
    #[serde(with = "crate::serde_float")]
    pub violation: f64,
}

impl Fitness {
    /// A feasible point with these objective values.
    pub fn feasible(objectives: Vec<f64>) -> Self {
        Fitness { objectives, violation: 0.0 }
    }

    /// Whether the point meets every constraint.
    pub fn is_feasible(&self) -> bool {
        self.violation <= 0.0
    }
}

/// `a` dominates `b`: no worse in every objective and strictly better in at least one.
///
/// Identical points do not dominate each other. A NaN compares false both ways, so a point with
/// a NaN objective neither dominates nor is dominated through that objective (the engine never
/// produces NaN objectives: a failed candidate is given a violation instead).
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut strictly_better = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        if x < y {
            strictly_better = true;
        }
    }
    strictly_better
}

/// Deb's constrained dominance: a feasible point dominates every infeasible one; of two
/// infeasible points the one with the smaller violation dominates (equal violations: neither);
/// two feasible points compare by Pareto [`dominates`].
pub fn constrained_dominates(a: &Fitness, b: &Fitness) -> bool {
    match (a.is_feasible(), b.is_feasible()) {
        (true, true) => dominates(&a.objectives, &b.objectives),
        (true, false) => true,
        (false, true) => false,
        (false, false) => a.violation < b.violation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_points_do_not_dominate() {
        assert!(!dominates(&[1.0, 2.0], &[1.0, 2.0]));
        assert!(dominates(&[1.0, 2.0], &[1.0, 3.0]));
        assert!(!dominates(&[0.0, 3.0], &[1.0, 2.0]));
    }
}
