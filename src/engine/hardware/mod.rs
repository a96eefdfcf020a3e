//! Hardware models: device profiles (loaded from JSON, every number with its source), the
//! [`LatencyModel`] trait, the analytical roofline model and the energy estimate.
//!
//! Per layer the roofline model predicts
//! `max(MACs / (peak × efficiency[kind]), bytes moved / bandwidth) + kernels × launch overhead`.
//! Energy is `MACs × energy per MAC + bytes moved × energy per byte`. A lookup table measured on
//! the visitor's device implements the same trait.
//!
//! ```
//! use engine::cost::cost;
//! use engine::hardware::{DeviceProfile, LatencyModel, Roofline, Target};
//! use engine::space::{Genotype, InputShape, SpaceConfig};
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![16]];
//! let small = cost(&config, &"16:conv3x3".parse::<Genotype>().unwrap());
//! let large = cost(&config, &"16:conv3x3,conv3x3".parse::<Genotype>().unwrap());
//! let model = Roofline::new(DeviceProfile::builtin(Target::Mobile));
//! assert!(model.latency_ms(&large) > model.latency_ms(&small));
//! assert!(model.energy_mj(&small) > 0.0);
//! // A seeded sample: the whole is the sum of its layers.
//! use engine::{rng::{Seed, rng_for}, space::{Space, Stage}};
//! let space = Space::new(SpaceConfig::for_input(InputShape::RGB32, 10)).unwrap();
//! let c = cost(space.config(), &space.sample(Stage::Two, &mut rng_for(Seed(2), "doc")));
//! let sum: f64 = c.layers.iter().map(|l| model.layer_ms(l)).sum();
//! assert_eq!(model.latency_ms(&c), sum);
//! ```

mod measured;
mod profile;
mod rates;
mod table;

pub use measured::LatencyMeasurement;
pub use profile::{DeviceProfile, HardwareError, Sourced, Target};
pub use rates::{MatmulRate, NetworkRate, StepRates};
pub use table::{Block, BlockTime, Correction, LatencyTable, Measured, blocks, fit_line, space_blocks, space_signature};

use crate::cost::{Cost, LayerCost};

/// Predicts inference latency at batch 1.
pub trait LatencyModel {
    /// Milliseconds for one layer.
    fn layer_ms(&self, layer: &LayerCost) -> f64;

    /// Milliseconds for the whole network: the sum over its layers.
    fn latency_ms(&self, cost: &Cost) -> f64 {
        cost.layers.iter().map(|layer| self.layer_ms(layer)).sum()
    }
}

/// The analytical roofline model of a [`DeviceProfile`].
#[derive(Debug, Clone, PartialEq)]
pub struct Roofline {
    profile: DeviceProfile,
}

impl Roofline {
    /// The model of `profile`.
    pub fn new(profile: DeviceProfile) -> Self {
        Roofline { profile }
    }

    /// The profile it models.
    pub fn profile(&self) -> &DeviceProfile {
        &self.profile
    }

    /// Energy of one inference in millijoules: per MAC plus per byte moved.
    pub fn energy_mj(&self, cost: &Cost) -> f64 {
        let picojoules = cost.macs as f64 * self.profile.energy_per_mac_pj.value
            + cost.bytes_moved as f64 * self.profile.energy_per_byte_pj.value;
        picojoules * 1e-9
    }
}

impl LatencyModel for Roofline {
    fn layer_ms(&self, layer: &LayerCost) -> f64 {
        let profile = &self.profile;
        let compute_s = if layer.macs == 0 {
            0.0
        } else {
            layer.macs as f64 / (profile.peak_macs_per_s.value * profile.efficiency(layer.kind))
        };
        let memory_s = layer.bytes_moved as f64 / profile.memory_bandwidth_bytes_per_s.value;
        let overhead_s = f64::from(layer.kernels) * profile.launch_overhead_us.value * 1e-6;
        (compute_s.max(memory_s) + overhead_s) * 1e3
    }
}
