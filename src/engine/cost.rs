//! The exact cost model: parameters, MACs, activation memory and bytes moved, per layer and in
//! total, for any genotype and input shape (inference at batch 1, 32-bit floats).
//!
//! # The network a genotype describes
//!
//! - **Stem**: 3×3 convolution (padding 1, no bias) from the input channels to `stem_width`,
//!   BN, ReLU.
//! - **Cell entry** (one per cell): 3×3 convolution (padding 1, no bias), stride 1 for the first
//!   cell and stride 2 after (output size `ceil(size / 2)`), from the previous width to the
//!   cell's width, BN, ReLU. Its output is node 0 of the cell.
//! - **Layers**: layer `j` reads node `j` plus the sum of its skip inputs (merged by addition)
//!   and writes node `j + 1`. Every op keeps width `C` and resolution:
//!   - `conv3x3`: 3×3 conv (padding 1, no bias) + BN + ReLU — `9C² + 2C` parameters.
//!   - `conv1x1`: 1×1 conv (no bias) + BN + ReLU — `C² + 2C`.
//!   - `maxpool3x3`, `avgpool3x3`: 3×3 pooling, stride 1, padding 1 — 0.
//!   - `skip`: identity — 0.
//!   - `dwconv3x3`, `dwconv5x5`: depthwise k×k conv (padding k/2, no bias) + BN + ReLU +
//!     pointwise 1×1 conv (no bias) + BN + ReLU — `k²C + C² + 4C`.
//!   - `dilconv3x3`: as `dwconv3x3` with dilation 2 (padding 2) — `9C + C² + 4C`.
//!   - `se_block`: global average pool → linear `C→h` (bias) → ReLU → linear `h→C` (bias) →
//!     sigmoid → channel-wise scale, reduction 4: `h = max(1, C / 4)` — `2Ch + h + C`.
//!   - `cbam`: channel attention — a shared MLP `C→h` (bias), ReLU, `h→C` (bias), `h = max(1,
//!     C / 4)`, applied to the average- and the max-pooled vector, the two results added,
//!     sigmoid, scale; then spatial attention — channel-wise mean and max stacked (2 maps), 7×7
//!     conv 2→1 (padding 3, with bias), sigmoid, scale — `2Ch + h + C + 99`.
//!   - `eca`: global average pool → 1-D convolution across channels (no bias, padding k/2) →
//!     sigmoid → scale, kernel `k` = `t` if odd else `t + 1`, `t = floor((log2 C + 1) / 2)` —
//!     `k` parameters ([`eca_kernel`]).
//! - **Head**: global average pool, linear from the last width to the classes (with bias).
//!
//! BN has 2 parameters per channel (scale, shift) and 2 buffers (running mean, variance);
//! buffers are not parameters. MACs count the multiplies of convolutions and linear layers
//! (pooling, BN, activations, additions and scaling are not MACs). A layer's activation memory
//! is what is live while it runs: its input node, its output, its merged input when it has
//! skips, every node an upcoming skip still needs, and its internal temporaries: the larger of
//! the merge phase (input node, skip sources, merged sum) and the op phase (op input, output,
//! temporaries). Bytes moved are
//! weights and buffers read once, inputs read (twice for attention ops: pool and scale), outputs
//! written, and temporaries written and read back.
//!
//! ```
//! use engine::cost::cost;
//! use engine::rng::{Seed, rng_for};
//! use engine::space::{Genotype, InputShape, Space, SpaceConfig, Stage};
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![16]];
//! let genotype: Genotype = "16:conv3x3".parse().unwrap();
//! let total = cost(&config, &genotype);
//! // stem 176 + entry 2336 + conv3x3 2336 + head 170
//! assert_eq!(total.params, 5018);
//! // Any genotype: the total is the sum over its layers.
//! let space = Space::new(SpaceConfig::for_input(InputShape::RGB32, 10)).unwrap();
//! let sampled = space.sample(Stage::Three, &mut rng_for(Seed(5), "doc"));
//! let c = cost(space.config(), &sampled);
//! assert_eq!(c.params, c.layers.iter().map(|l| l.params).sum::<u64>());
//! ```

use serde::{Deserialize, Serialize};

use crate::space::{Genotype, InputShape, Op, SpaceConfig};

/// Bytes per stored number (32-bit floats).
pub const BYTES_PER_VALUE: u64 = 4;

/// A tensor shape at batch 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// Channels.
    pub channels: u32,
    /// Height.
    pub height: u32,
    /// Width.
    pub width: u32,
}

impl Shape {
    /// Number of values.
    pub fn elements(self) -> u64 {
        u64::from(self.channels) * u64::from(self.height) * u64::from(self.width)
    }

    fn pixels(self) -> u64 {
        u64::from(self.height) * u64::from(self.width)
    }
}

/// Where a layer sits in the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "at")]
pub enum Location {
    /// The stem convolution.
    Stem,
    /// The entry convolution of a cell.
    Entry { cell: usize },
    /// Layer `layer` of cell `cell`.
    Layer { cell: usize, layer: usize },
    /// Pooling and classifier.
    Head,
}

/// How a layer uses the hardware; the latency model has an efficiency per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputeKind {
    /// k×k convolutions with k > 1 over all channels.
    DenseConv,
    /// 1×1 convolutions.
    Pointwise,
    /// Depthwise-separable blocks (memory-bound depthwise part).
    Depthwise,
    /// Pooling.
    Pool,
    /// Identity (free).
    Identity,
    /// Attention blocks: pooling, small MLPs or convs, scaling.
    Attention,
    /// Fully connected layers.
    Linear,
}

/// The cost of one layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerCost {
    /// Where it is.
    pub location: Location,
    /// The op name, or `stem`, `entry`, `head`.
    pub label: String,
    /// How it uses the hardware.
    pub kind: ComputeKind,
    /// Input shape (before merging skips).
    pub input: Shape,
    /// Output shape.
    pub output: Shape,
    /// Trainable parameters.
    pub params: u64,
    /// Non-trainable buffers (BN running statistics).
    pub buffers: u64,
    /// Multiply-accumulates.
    pub macs: u64,
    /// Bytes of activations live while the layer runs.
    pub activation_bytes: u64,
    /// Bytes read and written.
    pub bytes_moved: u64,
    /// Kernel launches at inference (BN folded, activations fused, one for a skip merge).
    pub kernels: u32,
}

/// Per-layer costs and totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Every layer, stem first, head last.
    pub layers: Vec<LayerCost>,
    /// Total trainable parameters.
    pub params: u64,
    /// Total buffers.
    pub buffers: u64,
    /// Total MACs.
    pub macs: u64,
    /// The largest activation memory of any layer.
    pub peak_activation_bytes: u64,
    /// Total bytes moved.
    pub bytes_moved: u64,
}

impl Cost {
    /// Sums per-layer costs into a total.
    pub fn from_layers(layers: Vec<LayerCost>) -> Cost {
        Cost {
            params: layers.iter().map(|l| l.params).sum(),
            buffers: layers.iter().map(|l| l.buffers).sum(),
            macs: layers.iter().map(|l| l.macs).sum(),
            peak_activation_bytes: layers.iter().map(|l| l.activation_bytes).max().unwrap_or(0),
            bytes_moved: layers.iter().map(|l| l.bytes_moved).sum(),
            layers,
        }
    }
}

/// ECA's kernel size for `channels`: `t = floor((log2 C + 1) / 2)`, `k = t` if odd else
/// `t + 1` (so 1→1, 16→3, 64→3, 128→5, 512→5).
pub fn eca_kernel(channels: u32) -> u32 {
    let t = ((f64::from(channels.max(1)).log2() + 1.0) / 2.0).floor() as u32;
    if t % 2 == 1 { t } else { t + 1 }
}

/// Hidden width of the SE and CBAM MLPs (reduction 4).
pub fn attention_hidden(channels: u32) -> u32 {
    (channels / 4).max(1)
}

/// Trainable parameters of the network.
pub fn params(config: &SpaceConfig, genotype: &Genotype) -> u64 {
    cost(config, genotype).params
}

/// The cost of the whole network, per layer.
pub fn cost(config: &SpaceConfig, genotype: &Genotype) -> Cost {
    let InputShape { channels, height, width } = config.input;
    let image = Shape { channels, height, width };
    let mut layers = Vec::new();
    let stem_out = Shape { channels: config.stem_width, ..image };
    layers.push(conv_layer(Location::Stem, "stem", image, stem_out, 3, 2));
    let mut previous = stem_out;
    for (c, cell) in genotype.cells.iter().enumerate() {
        let (height, width) = if c == 0 {
            (previous.height, previous.width)
        } else {
            (previous.height.div_ceil(2), previous.width.div_ceil(2))
        };
        let node = Shape { channels: cell.width, height, width };
        layers.push(conv_layer(Location::Entry { cell: c }, "entry", previous, node, 3, 2));
        for (l, layer) in cell.layers.iter().enumerate() {
            let needed_later = |s: usize| cell.layers[l + 1..].iter().any(|later| later.skips.contains(&(s as u8)));
            let live = LiveNodes {
                kept_during_merge: (0..l).filter(|&s| needed_later(s) && !layer.skips.contains(&(s as u8))).count() as u64,
                kept_during_op: (0..=l).filter(|&s| needed_later(s) && (s < l || !layer.skips.is_empty())).count() as u64,
            };
            layers.push(op_layer(Location::Layer { cell: c, layer: l }, layer.op, node, layer.skips.len(), live));
        }
        previous = node;
    }
    let classes = u64::from(config.classes);
    let features = u64::from(previous.channels);
    layers.push(LayerCost {
        location: Location::Head,
        label: "head".into(),
        kind: ComputeKind::Linear,
        input: previous,
        output: Shape { channels: config.classes, height: 1, width: 1 },
        params: features * classes + classes,
        buffers: 0,
        macs: features * classes,
        activation_bytes: BYTES_PER_VALUE * (previous.elements() + features + classes),
        bytes_moved: BYTES_PER_VALUE * (features * classes + classes + previous.elements() + 2 * features + classes),
        kernels: 2,
    });
    Cost::from_layers(layers)
}

/// A k×k convolution without bias from `input` to `output` (the stride follows from the
/// sizes), followed by `bn` BN parameters per output channel (2, or 0 for none) and a fused
/// activation.
pub(crate) fn conv_layer(location: Location, label: &str, input: Shape, output: Shape, k: u64, bn: u64) -> LayerCost {
    let cin = u64::from(input.channels);
    let cout = u64::from(output.channels);
    let params = k * k * cin * cout + bn * cout;
    let buffers = bn * cout;
    LayerCost {
        location,
        label: label.into(),
        kind: if k == 1 { ComputeKind::Pointwise } else { ComputeKind::DenseConv },
        input,
        output,
        params,
        buffers,
        macs: k * k * cin * cout * output.pixels(),
        activation_bytes: BYTES_PER_VALUE * (input.elements() + output.elements()),
        bytes_moved: BYTES_PER_VALUE * (params + buffers + input.elements() + output.elements()),
        kernels: 1,
    }
}

/// The parts of an op's cost that depend only on the op, its width and its resolution.
struct OpParts {
    kind: ComputeKind,
    params: u64,
    buffers: u64,
    macs: u64,
    /// Values of internal temporaries.
    temporaries: u64,
    /// How often the temporaries are touched (written once, read back `traffic - 1` times).
    temporary_traffic: u64,
    /// How often the input is read.
    input_reads: u64,
    /// Whether the output is a new tensor (not an alias of the input).
    writes_output: bool,
    kernels: u32,
}

fn op_parts(op: Op, node: Shape) -> OpParts {
    let c = u64::from(node.channels);
    let n = node.pixels();
    let plain = |kind, params, buffers, macs, kernels| OpParts {
        kind,
        params,
        buffers,
        macs,
        temporaries: 0,
        temporary_traffic: 0,
        input_reads: 1,
        writes_output: true,
        kernels,
    };
    let separable = |k: u64| OpParts {
        kind: ComputeKind::Depthwise,
        params: k * k * c + c * c + 4 * c,
        buffers: 4 * c,
        macs: (k * k * c + c * c) * n,
        temporaries: c * n,
        temporary_traffic: 2,
        input_reads: 1,
        writes_output: true,
        kernels: 2,
    };
    match op {
        Op::Conv3x3 => plain(ComputeKind::DenseConv, 9 * c * c + 2 * c, 2 * c, 9 * c * c * n, 1),
        Op::Conv1x1 => plain(ComputeKind::Pointwise, c * c + 2 * c, 2 * c, c * c * n, 1),
        Op::MaxPool3x3 | Op::AvgPool3x3 => plain(ComputeKind::Pool, 0, 0, 0, 1),
        Op::Skip => OpParts { writes_output: false, input_reads: 0, ..plain(ComputeKind::Identity, 0, 0, 0, 0) },
        Op::DwConv3x3 | Op::DilConv3x3 => separable(3),
        Op::DwConv5x5 => separable(5),
        Op::SeBlock => {
            let h = u64::from(attention_hidden(node.channels));
            OpParts {
                temporaries: 2 * c + h,
                temporary_traffic: 2,
                input_reads: 2,
                ..plain(ComputeKind::Attention, 2 * c * h + h + c, 0, 2 * c * h, 4)
            }
        }
        Op::Cbam => {
            let h = u64::from(attention_hidden(node.channels));
            OpParts {
                temporaries: c * n + 3 * n + 3 * c + 2 * h,
                temporary_traffic: 3,
                input_reads: 2,
                ..plain(ComputeKind::Attention, 2 * c * h + h + c + 99, 0, 4 * c * h + 98 * n, 7)
            }
        }
        Op::Eca => {
            let k = u64::from(eca_kernel(node.channels));
            OpParts { temporaries: 2 * c, temporary_traffic: 2, input_reads: 2, ..plain(ComputeKind::Attention, k, 0, k * c, 3) }
        }
    }
}

/// Other nodes of the cell that stay alive while a layer runs, because a later layer adds them.
struct LiveNodes {
    /// While the skip inputs are merged (besides the input node and the skip sources).
    kept_during_merge: u64,
    /// While the op runs (besides its input and output); includes the input node when the op
    /// reads a merged copy and a later layer still needs the node.
    kept_during_op: u64,
}

fn op_layer(location: Location, op: Op, node: Shape, skips: usize, live: LiveNodes) -> LayerCost {
    let parts = op_parts(op, node);
    let e = node.elements();
    let skips = skips as u64;
    let output = if parts.writes_output { e } else { 0 };
    let op_phase = e + output + parts.temporaries + live.kept_during_op * e;
    let merge_phase = if skips > 0 { (1 + skips + 1 + live.kept_during_merge) * e } else { 0 };
    let live = op_phase.max(merge_phase);
    let merge_traffic = if skips > 0 { (skips + 2) * e } else { 0 };
    let moved = parts.params
        + parts.buffers
        + parts.input_reads * e
        + output
        + parts.temporary_traffic * parts.temporaries
        + merge_traffic;
    LayerCost {
        location,
        label: op.name().into(),
        kind: parts.kind,
        input: node,
        output: node,
        params: parts.params,
        buffers: parts.buffers,
        macs: parts.macs,
        activation_bytes: BYTES_PER_VALUE * live,
        bytes_moved: BYTES_PER_VALUE * moved,
        kernels: parts.kernels + u32::from(skips > 0),
    }
}
