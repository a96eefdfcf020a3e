//! Device profiles: the numbers a roofline needs, each with where it comes from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::cost::ComputeKind;

/// A number and where it comes from (a data sheet, a paper, or "estimate: ...").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sourced {
    /// The value.
    pub value: f64,
    /// Its source.
    pub source: String,
}

/// A hardware target for the latency and energy objectives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceProfile {
    /// Short name (`mobile`, `edge`, `gpu`, ...).
    pub name: String,
    /// What device it stands for.
    pub description: String,
    /// Peak multiply-accumulates per second.
    pub peak_macs_per_s: Sourced,
    /// Memory bandwidth reached by inference kernels, bytes per second.
    pub memory_bandwidth_bytes_per_s: Sourced,
    /// Fixed cost of launching one kernel, microseconds.
    pub launch_overhead_us: Sourced,
    /// Energy per MAC, picojoules.
    pub energy_per_mac_pj: Sourced,
    /// Energy per byte moved, picojoules.
    pub energy_per_byte_pj: Sourced,
    /// Fraction of peak compute each kind of layer reaches, in (0, 1].
    pub efficiency: BTreeMap<ComputeKind, Sourced>,
}

/// The built-in profiles, shipped in `www/profiles/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A flagship phone CPU.
    Mobile,
    /// An embedded GPU board.
    Edge,
    /// A desktop GPU through WebGPU.
    Gpu,
}

impl Target {
    /// All built-in targets.
    pub const ALL: [Target; 3] = [Target::Mobile, Target::Edge, Target::Gpu];

    /// The profile's name.
    pub fn name(self) -> &'static str {
        match self {
            Target::Mobile => "mobile",
            Target::Edge => "edge",
            Target::Gpu => "gpu",
        }
    }

    /// The target with this name.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Why a profile was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum HardwareError {
    /// Not valid profile JSON.
    #[error("device profile is not valid JSON of the expected shape: {0}")]
    Json(String),
    /// A number is out of range.
    #[error("device profile {profile}: {field} = {value} is invalid; allowed: {allowed}")]
    Value { profile: String, field: String, value: f64, allowed: &'static str },
    /// An efficiency is missing.
    #[error("device profile {profile}: no efficiency for {kind:?} layers")]
    MissingEfficiency { profile: String, kind: ComputeKind },
}

const KINDS: [ComputeKind; 7] = [
    ComputeKind::DenseConv,
    ComputeKind::Pointwise,
    ComputeKind::Depthwise,
    ComputeKind::Pool,
    ComputeKind::Identity,
    ComputeKind::Attention,
    ComputeKind::Linear,
];

impl DeviceProfile {
    /// Parses and checks a profile: every number finite and positive, every efficiency in
    /// (0, 1] and present for every kind of layer.
    pub fn from_json(text: &str) -> Result<DeviceProfile, HardwareError> {
        let profile: DeviceProfile = serde_json::from_str(text).map_err(|e| HardwareError::Json(e.to_string()))?;
        profile.check()?;
        Ok(profile)
    }

    /// A built-in profile (compiled in from `www/profiles/`).
    pub fn builtin(target: Target) -> DeviceProfile {
        let text = match target {
            Target::Mobile => include_str!("../../../www/profiles/mobile.json"),
            Target::Edge => include_str!("../../../www/profiles/edge.json"),
            Target::Gpu => include_str!("../../../www/profiles/gpu.json"),
        };
        match DeviceProfile::from_json(text) {
            Ok(profile) => profile,
            Err(error) => unreachable!("built-in profile {} is checked by the tests: {error}", target.name()),
        }
    }

    /// The efficiency of a kind of layer (1 for a kind the profile lacks; [`Self::check`]
    /// refuses such profiles).
    pub fn efficiency(&self, kind: ComputeKind) -> f64 {
        self.efficiency.get(&kind).map_or(1.0, |e| e.value)
    }

    fn check(&self) -> Result<(), HardwareError> {
        let positive = |field: &str, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(HardwareError::Value {
                    profile: self.name.clone(),
                    field: field.to_string(),
                    value,
                    allowed: "a finite number above 0",
                })
            }
        };
        positive("peak_macs_per_s", self.peak_macs_per_s.value)?;
        positive("memory_bandwidth_bytes_per_s", self.memory_bandwidth_bytes_per_s.value)?;
        positive("launch_overhead_us", self.launch_overhead_us.value)?;
        positive("energy_per_mac_pj", self.energy_per_mac_pj.value)?;
        positive("energy_per_byte_pj", self.energy_per_byte_pj.value)?;
        for kind in KINDS {
            let Some(efficiency) = self.efficiency.get(&kind) else {
                return Err(HardwareError::MissingEfficiency { profile: self.name.clone(), kind });
            };
            if !(efficiency.value > 0.0 && efficiency.value <= 1.0) {
                return Err(HardwareError::Value {
                    profile: self.name.clone(),
                    field: format!("efficiency.{kind:?}"),
                    value: efficiency.value,
                    allowed: "a fraction in (0, 1]",
                });
            }
        }
        Ok(())
    }
}
