//! The exact per-layer cost of a NAS-Bench-201 network (parameters, MACs, memory).

use crate::cost::{BYTES_PER_VALUE, ComputeKind, Cost, LayerCost, Location, Shape, conv_layer};

use super::*;

/// Per-layer cost of the NAS-Bench-201 network for `dataset` (ResNet-style skeleton: stem
/// conv3x3 3→16 + BN; 3 stages of 5 cells at 16, 32, 64 channels; between stages a basic block
/// — ReLU-conv3x3(stride 2)-BN, ReLU-conv3x3-BN, shortcut 2×2 average pool + conv1x1 — ; final
/// BN + ReLU, global pool, linear). Cell edges: `nor_conv_kxk` = ReLU-conv-BN, `avg_pool_3x3`
/// stride 1, `skip_connect` identity, `none` nothing; a node with several inputs adds them.
/// MACs count convolutions and the classifier including its bias (the table's convention).
pub fn nb201_cost(arch: &Nb201Arch, dataset: Nb201Dataset) -> Cost {
    let size = dataset.input_size();
    let mut layers = Vec::new();
    let image = Shape { channels: 3, height: size, width: size };
    let stem = Shape { channels: 16, ..image };
    layers.push(conv_layer(Location::Stem, "stem", image, stem, 3, 2));
    let mut node_shape = stem;
    for stage in 0..3usize {
        if stage > 0 {
            let out = Shape {
                channels: node_shape.channels * 2,
                height: node_shape.height / 2,
                width: node_shape.width / 2,
            };
            layers.push(conv_layer(Location::Entry { cell: stage * 6 }, "reduce_a", node_shape, out, 3, 2));
            layers.push(conv_layer(Location::Entry { cell: stage * 6 }, "reduce_b", out, out, 3, 2));
            layers.push(conv_layer(Location::Entry { cell: stage * 6 }, "reduce_shortcut", node_shape, out, 1, 0));
            node_shape = out;
        }
        for cell in 0..5usize {
            let cell_index = stage * 6 + 1 + cell;
            for (e, &code) in arch.0.iter().enumerate() {
                let location = Location::Layer { cell: cell_index, layer: e };
                match code {
                    2 => layers.push(conv_layer(location, "nor_conv_1x1", node_shape, node_shape, 1, 2)),
                    3 => layers.push(conv_layer(location, "nor_conv_3x3", node_shape, node_shape, 3, 2)),
                    4 => layers.push(memory_op(location, "avg_pool_3x3", ComputeKind::Pool, node_shape, 2)),
                    _ => {}
                }
            }
            for target in 1..4 {
                let inputs = (0..6).filter(|&e| EDGE_TARGET[e] == target && arch.0[e] != 0).count() as u64;
                if inputs > 1 {
                    let location = Location::Layer { cell: cell_index, layer: 6 + target };
                    layers.push(memory_op(location, "add", ComputeKind::Identity, node_shape, inputs + 1));
                }
            }
        }
    }
    let features = u64::from(node_shape.channels);
    let classes = u64::from(dataset.classes());
    layers.push(LayerCost {
        params: 2 * features,
        buffers: 2 * features,
        ..memory_op(Location::Head, "last_bn", ComputeKind::Identity, node_shape, 2)
    });
    layers.push(LayerCost {
        location: Location::Head,
        label: "classifier".into(),
        kind: ComputeKind::Linear,
        input: node_shape,
        output: Shape { channels: dataset.classes(), height: 1, width: 1 },
        params: features * classes + classes,
        buffers: 0,
        macs: features * classes + classes,
        activation_bytes: BYTES_PER_VALUE * (node_shape.elements() + features + classes),
        bytes_moved: BYTES_PER_VALUE * (features * classes + classes + node_shape.elements() + features + classes),
        kernels: 2,
    });
    Cost::from_layers(layers)
}

/// A parameter-free op that touches `tensors` tensors of `shape` (reads and writes).
fn memory_op(location: Location, label: &str, kind: ComputeKind, shape: Shape, tensors: u64) -> LayerCost {
    LayerCost {
        location,
        label: label.into(),
        kind,
        input: shape,
        output: shape,
        params: 0,
        buffers: 0,
        macs: 0,
        activation_bytes: BYTES_PER_VALUE * tensors * shape.elements(),
        bytes_moved: BYTES_PER_VALUE * tensors * shape.elements(),
        kernels: 1,
    }
}
