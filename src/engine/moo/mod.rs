//! The multi-objective core: constrained dominance, fast non-dominated sorting, crowding
//! distance, exact hypervolume and a Pareto archive. All objectives are minimised.
//!
//! The conventions follow pymoo 0.6.2 exactly (the reference data in the tests were made with
//! it): identical points do not dominate each other and share a rank; fronts list point indices
//! in ascending order; crowding distance is computed per front and divided by the number of
//! objectives; the hypervolume counts only points strictly better than the reference point.
//!
//! ```
//! use engine::moo::{crowding_distance, hypervolume, non_dominated_sort};
//! let points = vec![vec![1.0, 4.0], vec![2.0, 2.0], vec![4.0, 1.0], vec![3.0, 3.0]];
//! let fronts = non_dominated_sort(&points);
//! assert_eq!(fronts, vec![vec![0, 1, 2], vec![3]]);
//! let first: Vec<&[f64]> = fronts[0].iter().map(|&i| points[i].as_slice()).collect();
//! assert_eq!(crowding_distance(&first)[1], 1.0);
//! assert_eq!(hypervolume(&points, &[5.0, 5.0]), 11.0);
//! ```

mod archive;
mod crowding;
mod dominance;
mod hypervolume;
mod sort;

pub use archive::{ArchiveEntry, ParetoArchive};
pub use crowding::crowding_distance;
pub use dominance::{Fitness, constrained_dominates, dominates};
pub use hypervolume::hypervolume;
pub use sort::{constrained_non_dominated_sort, non_dominated_sort, ranks_from_fronts};
