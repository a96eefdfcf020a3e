//! Quantiles of measured figures: the one convention every reported median, quartile and
//! percentile uses (linear interpolation between order statistics, numpy's default).
//!
//! ```
//! use engine::stats::{Sorted, median};
//! let sorted = Sorted::new(vec![4.0, 1.0, 3.0, 2.0]).unwrap();
//! assert_eq!((sorted.min(), sorted.max()), (1.0, 4.0));
//! assert_eq!((sorted.quantile(0.25), sorted.quantile(0.5)), (1.75, 2.5));
//! assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
//! assert_eq!(median(&[]), None);
//! ```

/// Figures in ascending order, at least one.
#[derive(Debug, Clone, PartialEq)]
pub struct Sorted(Vec<f64>);

impl Sorted {
    /// Sorts `values` (NaN last); `None` when there are none.
    pub fn new(mut values: Vec<f64>) -> Option<Sorted> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        Some(Sorted(values))
    }

    /// The `q`-quantile (`q` in [0, 1], clamped), interpolated linearly.
    pub fn quantile(&self, q: f64) -> f64 {
        let position = q.clamp(0.0, 1.0) * (self.0.len() - 1) as f64;
        let (low, high) = (position.floor() as usize, position.ceil() as usize);
        self.0[low] + (self.0[high] - self.0[low]) * (position - low as f64)
    }

    /// The median.
    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// The smallest figure.
    pub fn min(&self) -> f64 {
        self.0[0]
    }

    /// The largest figure.
    pub fn max(&self) -> f64 {
        self.0[self.0.len() - 1]
    }
}

/// The median of `values`; `None` when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    Sorted::new(values.to_vec()).map(|sorted| sorted.median())
}

/// How well predictions agree with measurements: the share within ±10 %, the mean absolute
/// percentage error, the root mean square error, and Spearman's ρ and Kendall's τ-b of their
/// order (`None` while undefined: fewer than two, or no spread).
///
/// ```
/// use engine::stats::Agreement;
/// let a = Agreement::of(&[1.05, 2.0, 3.5, 4.0], &[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!((a.within_10, a.spearman, a.kendall), (0.75, Some(1.0), Some(1.0)));
/// assert_eq!(Agreement::of(&[4.0, 3.0, 2.0, 1.0], &[1.0, 2.0, 3.0, 4.0]).spearman, Some(-1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Agreement {
    /// Pairs compared.
    pub n: usize,
    /// Share of predictions within ±10 % of the measurement.
    pub within_10: f64,
    /// Mean absolute percentage error, as a fraction.
    pub mape: f64,
    /// Root mean square error, in the figures' unit.
    pub rmse: f64,
    /// Spearman's rank correlation.
    pub spearman: Option<f64>,
    /// Kendall's τ-b.
    pub kendall: Option<f64>,
}

impl Agreement {
    /// The agreement of `predicted` with `truth` (pairs taken in order; truth above zero).
    pub fn of(predicted: &[f64], truth: &[f64]) -> Agreement {
        let pairs: Vec<(f64, f64)> = predicted.iter().copied().zip(truth.iter().copied()).collect();
        let n = pairs.len().max(1) as f64;
        let (p, t): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
        Agreement {
            n: pairs.len(),
            within_10: pairs.iter().filter(|(p, t)| (p / t - 1.0).abs() <= 0.1).count() as f64 / n,
            mape: pairs.iter().map(|(p, t)| ((p - t) / t).abs()).sum::<f64>() / n,
            rmse: (pairs.iter().map(|(p, t)| (p - t).powi(2)).sum::<f64>() / n).sqrt(),
            spearman: pearson(&ranks(&p), &ranks(&t)),
            kendall: kendall(&p, &t),
        }
    }
}

/// Ranks from 1, ties given their mean rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            ranks[k] = (i + j) as f64 / 2.0 + 1.0;
        }
        i = j + 1;
    }
    ranks
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let (va, vb): (f64, f64) = (a.iter().map(|x| (x - ma).powi(2)).sum(), b.iter().map(|y| (y - mb).powi(2)).sum());
    (a.len() >= 2 && va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

fn kendall(a: &[f64], b: &[f64]) -> Option<f64> {
    let (mut concordant, mut discordant, mut ties_a, mut ties_b) = (0.0f64, 0.0, 0.0, 0.0);
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            let (da, db) = ((a[i] - a[j]).signum(), (b[i] - b[j]).signum());
            match (a[i] == a[j], b[i] == b[j]) {
                (true, true) => {}
                (true, false) => ties_a += 1.0,
                (false, true) => ties_b += 1.0,
                _ if da == db => concordant += 1.0,
                _ => discordant += 1.0,
            }
        }
    }
    let denominator = ((concordant + discordant + ties_a) * (concordant + discordant + ties_b)).sqrt();
    (denominator > 0.0).then(|| (concordant - discordant) / denominator)
}
