//! Crowding distance with pymoo 0.6.2's conventions.

/// Crowding distance of every point of one front (`front[i]` are its objective values).
///
/// - A front of at most two points: every distance is infinite.
/// - Otherwise, per objective, the points are ordered by a stable sort of that objective (ties
///   keep the front's order); the first and last get infinity; an inner point gets
///   `(f[i] - f[prev]) / (max - min) + (f[next] - f[i]) / (max - min)`. An objective whose
///   values are all equal contributes 0 (also to the ends). The sum over objectives is divided by
///   the number of objectives. Duplicates are kept (a duplicate next to its twin gets a smaller
///   distance, never a special value).
pub fn crowding_distance(front: &[&[f64]]) -> Vec<f64> {
    let n = front.len();
    if n <= 2 {
        return vec![f64::INFINITY; n];
    }
    let n_obj = front[0].len();
    let mut sum = vec![0.0; n];
    for m in 0..n_obj {
        let column: Vec<f64> = front.iter().map(|point| point[m]).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| column[a].partial_cmp(&column[b]).unwrap_or(std::cmp::Ordering::Equal));
        let sorted: Vec<f64> = order.iter().map(|&i| column[i]).collect();
        let norm = sorted[n - 1] - sorted[0];
        for (position, &point) in order.iter().enumerate() {
            let to_last = if position == 0 { f64::INFINITY } else { sorted[position] - sorted[position - 1] };
            let to_next = if position == n - 1 { f64::INFINITY } else { sorted[position + 1] - sorted[position] };
            let scaled = |gap: f64| if norm == 0.0 || norm.is_nan() { 0.0 } else { gap / norm };
            sum[point] += scaled(to_last) + scaled(to_next);
        }
    }
    sum.iter().map(|total| total / n_obj as f64).collect()
}
