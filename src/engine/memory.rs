//! What training a network takes in memory, predicted from the cost model before it is built,
//! and whether a device has that much: a WebGPU adapter caps every buffer (its
//! `maxStorageBufferBindingSize` and `maxBufferSize`), wasm32 caps one allocation at 2 GiB and
//! all of them at its 4 GiB address space.
//!
//! The prediction counts, for a batch: every layer's output (kept for the backward pass), the
//! gradient of the largest one, the input batch, and the parameters with their gradients and
//! optimizer state. The largest single tensor is one layer's output for the whole batch.
//! Kernels' own scratch space (an im2col buffer, say) is not counted.
//!
//! ```
//! use engine::memory::{MemoryLimits, training_memory, widest};
//! use engine::space::{InputShape, SpaceConfig};
//! let mut config = SpaceConfig::for_input(InputShape { channels: 1, height: 256, width: 256 }, 10);
//! config.cell_widths = vec![vec![64, 128], vec![128]];
//! let memory = training_memory(&config, &widest(&config), 64, 1);
//! assert_eq!(memory.largest_tensor_bytes, 64 * 128 * 256 * 256 * 4);
//! let gpu = MemoryLimits::webgpu(1 << 30, 1 << 30);
//! assert!(gpu.check(&memory).unwrap_err().contains("largest tensor 2 GiB"));
//! ```

use crate::cost::{Location, cost};
use crate::space::{Cell, Genotype, Layer, Op, SpaceConfig};
use crate::text::bytes;

/// Bytes of one value (f32).
const VALUE: u64 = 4;

/// What training one network at one batch size takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingMemory {
    /// The batch size it was predicted for.
    pub batch: u32,
    /// The largest single tensor.
    pub largest_tensor_bytes: u64,
    /// Which tensor that is, in words, with its shape.
    pub largest_tensor: String,
    /// Everything at once.
    pub total_bytes: u64,
}

/// The prediction for `genotype` in `config` at `batch`, with `optimizer_states` values of
/// optimizer state per parameter (1 for SGD with momentum, 2 for Adam).
pub fn training_memory(config: &SpaceConfig, genotype: &Genotype, batch: u32, optimizer_states: u32) -> TrainingMemory {
    let c = cost(config, genotype);
    let batch64 = u64::from(batch);
    let input = config.input;
    let mut largest = (u64::from(input.channels) * u64::from(input.height) * u64::from(input.width), "the input batch".to_string(), input.channels, input.height, input.width);
    let mut kept = largest.0;
    for layer in c.layers.iter().filter(|l| l.location != Location::Head) {
        let values = layer.output.elements();
        kept += values;
        if values > largest.0 {
            let place = match layer.location {
                Location::Stem => "the stem's output".to_string(),
                Location::Entry { cell } => format!("cell {}'s entry output", cell + 1),
                Location::Layer { cell, layer: l } => format!("the output of cell {} layer {}", cell + 1, l + 1),
                Location::Head => String::new(),
            };
            largest = (values, place, layer.output.channels, layer.output.height, layer.output.width);
        }
    }
    let (values, place, channels, height, width) = largest;
    let weights = VALUE * (c.params * (2 + u64::from(optimizer_states)) + c.buffers);
    TrainingMemory {
        batch,
        largest_tensor_bytes: VALUE * batch64 * values,
        largest_tensor: format!("{place}, {batch} × {channels} × {height} × {width} values of 4 bytes"),
        total_bytes: VALUE * batch64 * (kept + values) + weights,
    }
}

/// The largest network of a space for memory: every cell at its widest with the most layers,
/// each a 3×3 convolution (the op with the most parameters; every op keeps the shape).
pub fn widest(config: &SpaceConfig) -> Genotype {
    let layers = config.max_layers.max(1) as usize;
    Genotype {
        cells: config
            .cell_widths
            .iter()
            .map(|widths| Cell {
                width: widths.iter().copied().max().unwrap_or(1),
                layers: vec![Layer { op: Op::Conv3x3, skips: Vec::new() }; layers],
            })
            .collect(),
    }
}

/// What a device allows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MemoryLimits {
    /// The largest tensor (one buffer or allocation), if capped.
    pub max_tensor_bytes: Option<u64>,
    /// Everything at once, if capped.
    pub max_total_bytes: Option<u64>,
    /// Whose limits these are and which, in words.
    pub source: String,
}

impl MemoryLimits {
    /// A WebGPU adapter's: no buffer beyond either limit.
    pub fn webgpu(max_buffer_size: u64, max_storage_buffer_binding_size: u64) -> Self {
        let (max, name) = if max_storage_buffer_binding_size <= max_buffer_size {
            (max_storage_buffer_binding_size, "maxStorageBufferBindingSize")
        } else {
            (max_buffer_size, "maxBufferSize")
        };
        MemoryLimits { max_tensor_bytes: Some(max), max_total_bytes: None, source: format!("this WebGPU adapter ({name} {})", bytes(max)) }
    }

    /// The CPU backend in WebAssembly: one allocation below 2 GiB, and 3 GiB in all (wasm32's
    /// 4 GiB address space also holds the code, the dataset and the allocator's slack).
    pub fn wasm_cpu() -> Self {
        MemoryLimits {
            max_tensor_bytes: Some((1 << 31) - 1),
            max_total_bytes: Some(3 << 30),
            source: "the CPU backend in WebAssembly (one allocation below 2 GiB, 3 GiB in all)".into(),
        }
    }

    /// Whether `memory` fits; if not, what it needs against what is allowed.
    pub fn check(&self, memory: &TrainingMemory) -> Result<(), String> {
        let tensor = self.max_tensor_bytes.filter(|&max| memory.largest_tensor_bytes > max);
        let total = self.max_total_bytes.filter(|&max| memory.total_bytes > max);
        if tensor.is_none() && total.is_none() {
            return Ok(());
        }
        let allowed = match (tensor, total) {
            (Some(max), _) => format!("{} allows at most {} per tensor", self.source, bytes(max)),
            (None, Some(max)) => format!("{} allows at most {} in all", self.source, bytes(max)),
            (None, None) => String::new(),
        };
        Err(format!(
            "training it at batch {} needs about {} (largest tensor {}: {}), but {allowed}",
            memory.batch,
            bytes(memory.total_bytes),
            bytes(memory.largest_tensor_bytes),
            memory.largest_tensor
        ))
    }
}
