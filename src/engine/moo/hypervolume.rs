//! Exact hypervolume for any number of objectives.
//!
//! 1 and 2 objectives: a sweep. 3 objectives: a sweep over the third objective that keeps the
//! 2-D staircase of the points seen so far (O(n²)). More objectives: exact slicing over the last
//! objective (HSO), each slice a hypervolume of one dimension less over the non-dominated
//! projection of the points below it, down to the 3-D sweep. Exact for every dimension; fast
//! enough for populations of a few hundred points up to 5 objectives.

use super::dominance::dominates;

/// Volume of the region dominated by `points` and bounded by `reference`.
///
/// Only points strictly better than the reference in every objective count. Duplicates and
/// dominated points are allowed (they add nothing). Returns 0 for no counting points.
/// Every point must have as many objectives as `reference`.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let inside: Vec<Vec<f64>> = points
        .iter()
        .filter(|p| p.len() == reference.len() && p.iter().zip(reference).all(|(x, r)| x < r))
        .cloned()
        .collect();
    volume(inside, reference)
}

fn volume(points: Vec<Vec<f64>>, reference: &[f64]) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    match reference.len() {
        0 => 0.0,
        1 => reference[0] - points.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min),
        2 => volume_2d(points, reference),
        3 => volume_3d(points, reference),
        d => volume_slices(points, reference, d),
    }
}

/// Sweep in the first objective over the staircase.
fn volume_2d(mut points: Vec<Vec<f64>>, reference: &[f64]) -> f64 {
    points.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let mut area = 0.0;
    let mut best_y = reference[1];
    for p in &points {
        if p[1] < best_y {
            area += (reference[0] - p[0]) * (best_y - p[1]);
            best_y = p[1];
        }
    }
    area
}

/// Sweep in the third objective; between consecutive z values the slice area is the 2-D
/// hypervolume of the staircase of all points seen so far, kept sorted by x.
fn volume_3d(mut points: Vec<Vec<f64>>, reference: &[f64]) -> f64 {
    points.sort_by(|a, b| a[2].total_cmp(&b[2]));
    let mut staircase: Vec<(f64, f64)> = Vec::new();
    let mut total = 0.0;
    for (i, p) in points.iter().enumerate() {
        insert_into_staircase(&mut staircase, (p[0], p[1]));
        let next_z = points.get(i + 1).map_or(reference[2], |q| q[2]);
        let depth = next_z - p[2];
        if depth > 0.0 {
            total += staircase_area(&staircase, reference) * depth;
        }
    }
    total
}

/// Keeps `staircase` as the non-dominated 2-D points sorted by x ascending (so y descending).
fn insert_into_staircase(staircase: &mut Vec<(f64, f64)>, point: (f64, f64)) {
    let (x, y) = point;
    if staircase.iter().any(|&(sx, sy)| sx <= x && sy <= y) {
        return;
    }
    staircase.retain(|&(sx, sy)| !(x <= sx && y <= sy));
    let at = staircase.partition_point(|&(sx, _)| sx < x);
    staircase.insert(at, point);
}

fn staircase_area(staircase: &[(f64, f64)], reference: &[f64]) -> f64 {
    let mut area = 0.0;
    let mut upper_y = reference[1];
    for &(x, y) in staircase {
        area += (reference[0] - x) * (upper_y - y);
        upper_y = y;
    }
    area
}

/// Exact slicing over the last objective for 4 or more objectives.
fn volume_slices(mut points: Vec<Vec<f64>>, reference: &[f64], d: usize) -> f64 {
    let last = d - 1;
    points.sort_by(|a, b| a[last].total_cmp(&b[last]));
    let lower_reference = &reference[..last];
    let mut projected: Vec<Vec<f64>> = Vec::new();
    let mut total = 0.0;
    for (i, p) in points.iter().enumerate() {
        let shadow = &p[..last];
        if !projected.iter().any(|q| q.as_slice() == shadow || dominates(q, shadow)) {
            projected.retain(|q| !dominates(shadow, q));
            projected.push(shadow.to_vec());
        }
        let next = points.get(i + 1).map_or(reference[last], |q| q[last]);
        let depth = next - p[last];
        if depth > 0.0 {
            total += volume(projected.clone(), lower_reference) * depth;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the unit cells of an integer grid dominated by integer points: an exact,
    /// independent hypervolume for any dimension.
    fn grid_volume(points: &[Vec<f64>], reference: i64, d: usize) -> f64 {
        let mut count = 0u64;
        let cells = (reference as u64).pow(d as u32);
        for cell in 0..cells {
            let coords: Vec<f64> = (0..d)
                .map(|k| ((cell / (reference as u64).pow(k as u32)) % reference as u64) as f64)
                .collect();
            if points.iter().any(|p| p.iter().zip(&coords).all(|(x, c)| x <= c)) {
                count += 1;
            }
        }
        count as f64
    }

    #[test]
    fn four_and_five_objectives_match_cell_counting() {
        use crate::rng::{Seed, rng_for};
        use rand::RngExt;
        for d in [4usize, 5] {
            for seed in 0..4 {
                let mut rng = rng_for(Seed(seed), "hv-grid");
                let points: Vec<Vec<f64>> =
                    (0..12).map(|_| (0..d).map(|_| rng.random_range(0..5) as f64).collect()).collect();
                let exact = grid_volume(&points, 5, d);
                assert_eq!(hypervolume(&points, &vec![5.0; d]), exact, "d={d} seed={seed}");
            }
        }
    }

    #[test]
    fn points_not_better_than_reference_count_nothing() {
        assert_eq!(hypervolume(&[vec![1.0, 5.0], vec![5.0, 1.0]], &[5.0, 5.0]), 0.0);
        assert_eq!(hypervolume(&[], &[1.0, 1.0]), 0.0);
        assert_eq!(hypervolume(&[vec![1.0, 2.0, 3.0, 4.0]], &[2.0, 3.0, 4.0, 5.0]), 1.0);
    }
}
