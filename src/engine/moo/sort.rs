//! Fast non-dominated sorting (Deb et al. 2002), plain and constrained.

use super::dominance::{Fitness, constrained_dominates, dominates};

/// Sorts points into fronts by Pareto dominance. Front 0 is the non-dominated set; each front
/// lists point indices in ascending order. Identical points share a front. Empty input gives no
/// fronts.
pub fn non_dominated_sort(points: &[Vec<f64>]) -> Vec<Vec<usize>> {
    sort_by(points.len(), |a, b| dominates(&points[a], &points[b]))
}

/// Sorts by Deb's constrained dominance: feasible points by Pareto fronts first, then infeasible
/// points in fronts of equal violation, smallest violation first.
pub fn constrained_non_dominated_sort(fitness: &[Fitness]) -> Vec<Vec<usize>> {
    sort_by(fitness.len(), |a, b| constrained_dominates(&fitness[a], &fitness[b]))
}

/// The rank (0-based front index) of every point, given its fronts.
pub fn ranks_from_fronts(fronts: &[Vec<usize>], n_points: usize) -> Vec<usize> {
    let mut ranks = vec![0; n_points];
    for (rank, front) in fronts.iter().enumerate() {
        for &index in front {
            ranks[index] = rank;
        }
    }
    ranks
}

/// O(M·N²) sort for any strict dominance relation `dominates(a, b)`.
fn sort_by(n: usize, dominates: impl Fn(usize, usize) -> bool) -> Vec<Vec<usize>> {
    let mut dominated_by_count = vec![0usize; n];
    let mut dominated: Vec<Vec<usize>> = vec![Vec::new(); n];
    for a in 0..n {
        for b in (a + 1)..n {
            if dominates(a, b) {
                dominated[a].push(b);
                dominated_by_count[b] += 1;
            } else if dominates(b, a) {
                dominated[b].push(a);
                dominated_by_count[a] += 1;
            }
        }
    }
    let mut fronts = Vec::new();
    let mut current: Vec<usize> = (0..n).filter(|&i| dominated_by_count[i] == 0).collect();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &a in &current {
            for &b in &dominated[a] {
                dominated_by_count[b] -= 1;
                if dominated_by_count[b] == 0 {
                    next.push(b);
                }
            }
        }
        next.sort_unstable();
        fronts.push(current);
        current = next;
    }
    fronts
}
