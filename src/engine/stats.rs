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
