//! A random forest regressor (Breiman 2001): the surrogate of predictor-guided search. Each tree
//! is grown on a bootstrap sample, splitting on the best of a random third of the features; the
//! forest predicts the mean of its trees and their spread as its uncertainty. Pure Rust, seeded,
//! fitted in milliseconds on the few hundred points a search evaluates.
//!
//! ```
//! use engine::rng::{Seed, rng_for};
//! use engine::surrogate::Forest;
//! let x: Vec<Vec<f64>> = (0..40).map(|i| vec![f64::from(i % 2), f64::from(i % 5)]).collect();
//! let y: Vec<f64> = x.iter().map(|f| 3.0 * f[0] + f[1]).collect();
//! let forest = Forest::fit(&x, &y, 20, &mut rng_for(Seed(1), "doc"));
//! let (mean, _spread) = forest.predict(&[1.0, 4.0]);
//! assert!((mean - 7.0).abs() < 1.0);
//! ```

use rand::RngExt;

use crate::rng::EngineRng;

/// Fewest points a node needs to be split.
const MIN_SPLIT: usize = 4;
/// Deepest a tree grows.
const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone)]
enum Node {
    Leaf(f64),
    Split { feature: usize, threshold: f64, left: usize, right: usize },
}

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
}

/// A fitted random forest.
#[derive(Debug, Clone)]
pub struct Forest {
    trees: Vec<Tree>,
}

impl Forest {
    /// Fits `trees` trees to the rows `x` (all of one length) and targets `y`. With no rows it
    /// predicts 0 with no spread.
    pub fn fit(x: &[Vec<f64>], y: &[f64], trees: usize, rng: &mut EngineRng) -> Forest {
        let n = x.len().min(y.len());
        if n == 0 {
            return Forest { trees: vec![Tree { nodes: vec![Node::Leaf(0.0)] }] };
        }
        let trees = (0..trees.max(1))
            .map(|_| {
                let sample: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                let mut tree = Tree { nodes: Vec::new() };
                tree.grow(x, y, sample, 0, rng);
                tree
            })
            .collect();
        Forest { trees }
    }

    /// The mean of the trees' predictions for `features`, and their standard deviation.
    pub fn predict(&self, features: &[f64]) -> (f64, f64) {
        let values: Vec<f64> = self.trees.iter().map(|t| t.predict(features)).collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
        (mean, variance.sqrt())
    }
}

impl Tree {
    /// Grows the subtree of the rows `rows` at `depth`; returns its node's index.
    fn grow(&mut self, x: &[Vec<f64>], y: &[f64], rows: Vec<usize>, depth: usize, rng: &mut EngineRng) -> usize {
        let index = self.nodes.len();
        let mean = rows.iter().map(|&r| y[r]).sum::<f64>() / rows.len() as f64;
        self.nodes.push(Node::Leaf(mean));
        if rows.len() < MIN_SPLIT || depth >= MAX_DEPTH {
            return index;
        }
        let Some((feature, threshold)) = best_split(x, y, &rows, rng) else { return index };
        let (low, high): (Vec<usize>, Vec<usize>) = rows.into_iter().partition(|&r| x[r][feature] <= threshold);
        let left = self.grow(x, y, low, depth + 1, rng);
        let right = self.grow(x, y, high, depth + 1, rng);
        self.nodes[index] = Node::Split { feature, threshold, left, right };
        index
    }

    fn predict(&self, features: &[f64]) -> f64 {
        let mut node = 0;
        loop {
            match self.nodes[node] {
                Node::Leaf(value) => return value,
                Node::Split { feature, threshold, left, right } => {
                    node = if features.get(feature).copied().unwrap_or(0.0) <= threshold { left } else { right };
                }
            }
        }
    }
}

/// The split of `rows` that most reduces the squared error, over a random third of the features
/// (at least one); `None` when no candidate feature separates the rows.
fn best_split(x: &[Vec<f64>], y: &[f64], rows: &[usize], rng: &mut EngineRng) -> Option<(usize, f64)> {
    let features = x[rows[0]].len();
    let tries = (features / 3).max(1);
    let mut best: Option<(f64, usize, f64)> = None;
    for _ in 0..tries {
        let feature = rng.random_range(0..features);
        let mut pairs: Vec<(f64, f64)> = rows.iter().map(|&r| (x[r][feature], y[r])).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        let n = pairs.len() as f64;
        let mut left_sum = 0.0;
        for i in 0..pairs.len() - 1 {
            left_sum += pairs[i].1;
            if pairs[i].0 == pairs[i + 1].0 {
                continue;
            }
            let left_n = (i + 1) as f64;
            // Minimising the squared error is maximising this.
            let gain = left_sum * left_sum / left_n + (total - left_sum).powi(2) / (n - left_n);
            if best.is_none_or(|b| gain > b.0) {
                best = Some((gain, feature, (pairs[i].0 + pairs[i + 1].0) / 2.0));
            }
        }
    }
    best.map(|(_, feature, threshold)| (feature, threshold))
}
