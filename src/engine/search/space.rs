//! What a search runs over: cheap metrics, the [`SearchSpace`] trait and the progressive
//! architecture space on a hardware target.

use serde::{Deserialize, Serialize};

use crate::cost::{Cost, cost};
use crate::hardware::{DeviceProfile, LatencyModel, LatencyTable, Roofline, Target};
use crate::problem::Problem;
use crate::rng::EngineRng;
use crate::space::{Cell, CrossoverKind, Genotype, Layer, Op, Space, SpaceConfig, SpaceError, Stage};

/// The objectives known from the architecture alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CheapMetrics {
    /// Parameters.
    pub params: u64,
    /// Multiply-accumulates.
    pub macs: u64,
    /// Peak activation memory, bytes.
    pub peak_activation_bytes: u64,
    /// Predicted latency on the target, milliseconds.
    pub latency_ms: f64,
    /// Predicted energy on the target, millijoules.
    pub energy_mj: f64,
}

impl CheapMetrics {
    /// The metrics of a network's cost on a hardware model.
    pub fn from_cost(cost: &Cost, model: &Roofline) -> Self {
        CheapMetrics {
            params: cost.params,
            macs: cost.macs,
            peak_activation_bytes: cost.peak_activation_bytes,
            latency_ms: model.latency_ms(cost),
            energy_mj: model.energy_mj(cost),
        }
    }
}

/// A space a [`Search`] can run over: a [`Problem`] whose solutions have cheap metrics.
pub trait SearchSpace: Problem {
    /// The metrics known without training.
    fn cheap(&self, solution: &Self::Solution) -> CheapMetrics;
    /// A human-readable form (the canonical text).
    fn describe(&self, solution: &Self::Solution) -> String;
    /// Upper bounds of the cheap metrics over the space, used to normalise the hypervolume.
    fn bounds(&self) -> CheapMetrics;
    /// Whether `solution` (read back from storage) lies in this space; `Err` says why not.
    fn contains(&self, solution: &Self::Solution) -> Result<(), String>;
    /// The stage of a progressive space open at `generation` (none for a fixed space).
    fn stage_number(&self, _generation: u32) -> Option<u8> {
        None
    }
}

/// The progressive architecture space on a hardware target, its latency predicted by the
/// target's roofline or by a latency table measured on this device.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchSpace {
    space: Space,
    model: Roofline,
    table: Option<Box<LatencyTable>>,
    bounds: CheapMetrics,
}

impl ArchSpace {
    /// The space of `config` with latency and energy predicted for `target`.
    pub fn new(config: SpaceConfig, target: Target) -> Result<ArchSpace, SpaceError> {
        Self::with_profile(config, DeviceProfile::builtin(target))
    }

    /// The same with any device profile.
    pub fn with_profile(config: SpaceConfig, profile: DeviceProfile) -> Result<ArchSpace, SpaceError> {
        let space = Space::new(config)?;
        let mut arch = ArchSpace { space, model: Roofline::new(profile), table: None, bounds: CheapMetrics::default() };
        arch.bounds = arch.largest();
        Ok(arch)
    }

    /// The space of `config` on `target`, its latency predicted by `table` (measured on this
    /// device) instead of the target's roofline; energy stays the target's. `Err` when the
    /// space is invalid, or the table is damaged or lacks one of the space's blocks.
    pub fn with_table(config: SpaceConfig, target: Target, table: LatencyTable) -> Result<ArchSpace, String> {
        table.check()?;
        table.covers(&config)?;
        let mut arch = ArchSpace::new(config, target).map_err(|e| e.to_string())?;
        arch.table = Some(Box::new(table));
        arch.bounds = arch.largest();
        Ok(arch)
    }

    /// The underlying space.
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// The stage open at `generation`.
    pub fn stage_at(&self, generation: u32) -> Stage {
        self.space.config().schedule.stage_at(generation)
    }

    /// Bounds from the largest networks: every cell at its widest with the most layers, all of
    /// one op and the most skip inputs, for each op; the maximum of each metric.
    fn largest(&self) -> CheapMetrics {
        let config = self.space.config();
        let mut bounds = CheapMetrics { params: 1, macs: 1, peak_activation_bytes: 1, latency_ms: 0.0, energy_mj: 0.0 };
        for op in config.schedule.open_ops(Stage::Three) {
            let cells = config
                .cell_widths
                .iter()
                .map(|widths| Cell {
                    width: widths.iter().copied().max().unwrap_or(1),
                    layers: (0..config.max_layers as usize)
                        .map(|l| Layer {
                            op,
                            skips: (0..l as u8).rev().take(config.max_skips as usize).rev().collect(),
                        })
                        .collect(),
                })
                .collect();
            let c = self.cheap(&Genotype { cells });
            bounds.params = bounds.params.max(c.params);
            bounds.macs = bounds.macs.max(c.macs);
            bounds.peak_activation_bytes = bounds.peak_activation_bytes.max(c.peak_activation_bytes);
            bounds.latency_ms = bounds.latency_ms.max(c.latency_ms);
            bounds.energy_mj = bounds.energy_mj.max(c.energy_mj);
        }
        bounds
    }
}

impl Problem for ArchSpace {
    type Solution = Genotype;

    fn sample(&self, generation: u32, rng: &mut EngineRng) -> Genotype {
        self.space.sample(self.stage_at(generation), rng)
    }

    fn crossover(&self, a: &Genotype, b: &Genotype, _generation: u32, rng: &mut EngineRng) -> (Genotype, Genotype, &'static str) {
        let (x, y, kind) = self.space.crossover(a, b, rng);
        (x, y, match kind {
            CrossoverKind::Cell => "cell",
            CrossoverKind::Layer => "layer",
        })
    }

    fn mutate(&self, genotype: &Genotype, generation: u32, rng: &mut EngineRng) -> (Genotype, &'static str) {
        let mutated = self.space.mutate(genotype, self.stage_at(generation), rng);
        (mutated.genotype, mutated.kind.label())
    }

    fn id(&self, genotype: &Genotype) -> String {
        genotype.arch_id()
    }

    /// Per cell: its width as a share of the widest allowed, its layers, how many of each op
    /// and its skips; then log10 of the network's MACs and parameters.
    fn features(&self, genotype: &Genotype) -> Option<Vec<f64>> {
        let widths = &self.space.config().cell_widths;
        let mut features = Vec::new();
        for (i, allowed) in widths.iter().enumerate() {
            let widest = allowed.iter().copied().max().unwrap_or(1).max(1);
            let cell = genotype.cells.get(i);
            features.push(cell.map_or(0.0, |c| f64::from(c.width) / f64::from(widest)));
            features.push(cell.map_or(0.0, |c| c.layers.len() as f64));
            features.extend(Op::ALL.iter().map(|op| cell.map_or(0.0, |c| c.layers.iter().filter(|l| l.op == *op).count() as f64)));
            features.push(cell.map_or(0.0, |c| c.layers.iter().map(|l| l.skips.len()).sum::<usize>() as f64));
        }
        let cheap = self.cheap(genotype);
        features.push((cheap.macs.max(1) as f64).log10());
        features.push((cheap.params.max(1) as f64).log10());
        Some(features)
    }
}

impl SearchSpace for ArchSpace {
    fn cheap(&self, genotype: &Genotype) -> CheapMetrics {
        let mut metrics = CheapMetrics::from_cost(&cost(self.space.config(), genotype), &self.model);
        // The table covers every block of the space (checked when it was given); a genotype
        // outside it keeps the roofline's figure.
        if let Some(ms) = self.table.as_ref().and_then(|t| t.predict_ms(self.space.config(), genotype).ok()) {
            metrics.latency_ms = ms;
        }
        metrics
    }

    fn describe(&self, genotype: &Genotype) -> String {
        genotype.to_text()
    }

    fn contains(&self, genotype: &Genotype) -> Result<(), String> {
        self.space.check_contains(genotype).map_err(|e| e.to_string())
    }

    fn stage_number(&self, generation: u32) -> Option<u8> {
        Some(self.stage_at(generation).number())
    }

    fn bounds(&self) -> CheapMetrics {
        self.bounds
    }
}
