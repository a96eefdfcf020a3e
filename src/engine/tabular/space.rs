//! NAS-Bench-201 as a search space: the cell's variation operators, and the space on a
//! dataset and a hardware target.

use rand::RngExt;

use crate::hardware::{DeviceProfile, Roofline, Target};
use crate::problem::Problem;
use crate::rng::EngineRng;
use crate::search::{CheapMetrics, SearchSpace};

use super::*;

/// The NAS-Bench-201 space as a [`Problem`]: uniform sampling, mutation of one edge to another
/// op (as in the NAS-Bench-201 paper's evolution baseline), uniform crossover of edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Nb201Space;

impl Problem for Nb201Space {
    type Solution = Nb201Arch;

    fn sample(&self, _generation: u32, rng: &mut EngineRng) -> Nb201Arch {
        Nb201Arch(std::array::from_fn(|_| rng.random_range(0..5u8)))
    }

    fn crossover(&self, a: &Nb201Arch, b: &Nb201Arch, _generation: u32, rng: &mut EngineRng) -> (Nb201Arch, Nb201Arch, &'static str) {
        let (mut x, mut y) = (*a, *b);
        for e in 0..6 {
            if rng.random_bool(0.5) {
                std::mem::swap(&mut x.0[e], &mut y.0[e]);
            }
        }
        (x, y, "uniform_edges")
    }

    fn mutate(&self, arch: &Nb201Arch, _generation: u32, rng: &mut EngineRng) -> (Nb201Arch, &'static str) {
        let mut child = *arch;
        let edge = rng.random_range(0..6);
        let shift = rng.random_range(1..5u8);
        child.0[edge] = (child.0[edge] + shift) % 5;
        (child, "change_edge_op")
    }

    fn id(&self, arch: &Nb201Arch) -> String {
        arch.codes()
    }

    /// The 24 cells with one edge's op changed.
    fn neighbours(&self, arch: &Nb201Arch, _generation: u32) -> Option<Vec<Nb201Arch>> {
        let change = |(edge, shift): (usize, u8)| {
            let mut neighbour = *arch;
            neighbour.0[edge] = (neighbour.0[edge] + shift) % 5;
            neighbour
        };
        Some((0..6).flat_map(|edge| (1..5u8).map(move |shift| (edge, shift))).map(change).collect())
    }

    /// One-hot: for each edge, which of the five ops it has.
    fn features(&self, arch: &Nb201Arch) -> Option<Vec<f64>> {
        Some(arch.ops().iter().flat_map(|&op| (0..5u8).map(move |o| f64::from(u8::from(o == op)))).collect())
    }
}

/// The NAS-Bench-201 space on a dataset and a hardware target.
#[derive(Debug, Clone, PartialEq)]
pub struct Nb201SearchSpace {
    dataset: Nb201Dataset,
    model: Roofline,
    bounds: CheapMetrics,
}

impl Nb201SearchSpace {
    /// The NB201 space for `dataset`, latency and energy predicted for `target`.
    pub fn new(dataset: Nb201Dataset, target: Target) -> Self {
        let model = Roofline::new(DeviceProfile::builtin(target));
        // The all-3×3-convolution cell is the largest in every metric.
        let bounds = CheapMetrics::from_cost(&nb201_cost(&Nb201Arch([3; 6]), dataset), &model);
        Nb201SearchSpace { dataset, model, bounds }
    }

    /// The dataset.
    pub fn dataset(&self) -> Nb201Dataset {
        self.dataset
    }
}

impl Problem for Nb201SearchSpace {
    type Solution = Nb201Arch;

    fn sample(&self, generation: u32, rng: &mut EngineRng) -> Nb201Arch {
        Nb201Space.sample(generation, rng)
    }

    fn crossover(&self, a: &Nb201Arch, b: &Nb201Arch, generation: u32, rng: &mut EngineRng) -> (Nb201Arch, Nb201Arch, &'static str) {
        Nb201Space.crossover(a, b, generation, rng)
    }

    fn mutate(&self, arch: &Nb201Arch, generation: u32, rng: &mut EngineRng) -> (Nb201Arch, &'static str) {
        Nb201Space.mutate(arch, generation, rng)
    }

    fn id(&self, arch: &Nb201Arch) -> String {
        Nb201Space.id(arch)
    }

    fn neighbours(&self, arch: &Nb201Arch, generation: u32) -> Option<Vec<Nb201Arch>> {
        Nb201Space.neighbours(arch, generation)
    }

    fn features(&self, arch: &Nb201Arch) -> Option<Vec<f64>> {
        Nb201Space.features(arch)
    }
}

impl SearchSpace for Nb201SearchSpace {
    fn cheap(&self, arch: &Nb201Arch) -> CheapMetrics {
        CheapMetrics::from_cost(&nb201_cost(arch, self.dataset), &self.model)
    }

    fn describe(&self, arch: &Nb201Arch) -> String {
        arch.to_string()
    }

    /// Every op code was checked when the arch was read, so every arch lies in the space.
    fn contains(&self, _arch: &Nb201Arch) -> Result<(), String> {
        Ok(())
    }

    fn bounds(&self) -> CheapMetrics {
        self.bounds
    }
}
