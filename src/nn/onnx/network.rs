//! A candidate network as ONNX nodes, module by module, in the order its `forward` runs them:
//! every attribute is read from the Burn module itself (kernel, stride, dilation, groups,
//! padding, epsilon), every weight is the module's own tensor.

use burn::nn::conv::{Conv1d, Conv2d};
use burn::nn::pool::{AvgPool2d, MaxPool2d};
use burn::nn::{BatchNorm, Linear, PaddingConfig1d, PaddingConfig2d};

use super::OnnxError;
use super::graph::{Builder, int, ints};
use super::proto::{Attribute, AttributeValue, Values};
use crate::blocks::{Block, Cbam, ChannelMlp, ConvBnRelu, Eca, SeparableConv, SqueezeExcite};
use crate::candidate::{CandidateCell, Network};

fn pads(padding: &PaddingConfig2d, scope: &str) -> Result<Vec<usize>, OnnxError> {
    match padding {
        // Burn's order (top, left, bottom, right) is ONNX's (begin of H, W, end of H, W).
        PaddingConfig2d::Explicit(top, left, bottom, right) => Ok(vec![*top, *left, *bottom, *right]),
        other => Err(OnnxError::Unsupported(format!("{scope}: padding {other:?} (the exporter writes explicit padding only)"))),
    }
}

fn conv2d(b: &mut Builder, scope: &str, x: &str, conv: &Conv2d) -> Result<String, OnnxError> {
    let weight = b.weight(format!("{scope}.weight"), &conv.weight);
    let mut inputs = vec![x, weight.as_str()];
    let bias = conv.bias.as_ref().map(|bias| b.weight(format!("{scope}.bias"), bias));
    inputs.extend(bias.as_deref());
    let attributes = vec![
        ints("kernel_shape", &conv.kernel_size),
        ints("strides", &conv.stride),
        ints("dilations", &conv.dilation),
        int("group", conv.groups as i64),
        ints("pads", &pads(&conv.padding, scope)?),
    ];
    Ok(b.node(scope, "Conv", &inputs, attributes))
}

fn batch_norm(b: &mut Builder, scope: &str, x: &str, bn: &BatchNorm) -> String {
    let scale = b.weight(format!("{scope}.gamma"), &bn.gamma);
    let bias = b.weight(format!("{scope}.beta"), &bn.beta);
    let mean = b.tensor(format!("{scope}.running_mean"), bn.running_mean.value_sync());
    let var = b.tensor(format!("{scope}.running_var"), bn.running_var.value_sync());
    let epsilon = Attribute { name: "epsilon", value: AttributeValue::Float(bn.epsilon as f32) };
    b.node(scope, "BatchNormalization", &[x, &scale, &bias, &mean, &var], vec![epsilon])
}

fn conv_bn_relu(b: &mut Builder, scope: &str, x: &str, m: &ConvBnRelu) -> Result<String, OnnxError> {
    let x = conv2d(b, &format!("{scope}.conv"), x, &m.conv)?;
    let x = batch_norm(b, &format!("{scope}.bn"), &x, &m.bn);
    Ok(b.node(scope, "Relu", &[&x], vec![]))
}

/// A linear layer's weight (`[in, out]`, Burn's row layout) and bias as initializers.
fn linear_weights(b: &mut Builder, scope: &str, linear: &Linear) -> (String, Option<String>) {
    let weight = b.weight(format!("{scope}.weight"), &linear.weight);
    let bias = linear.bias.as_ref().map(|bias| b.weight(format!("{scope}.bias"), bias));
    (weight, bias)
}

/// `x · W + bias` for `x` of `[n, in]`: Gemm without transposition (Burn stores `[in, out]`).
fn gemm(b: &mut Builder, scope: &str, x: &str, (weight, bias): &(String, Option<String>)) -> String {
    let mut inputs = vec![x, weight.as_str()];
    inputs.extend(bias.as_deref());
    b.node(scope, "Gemm", &inputs, vec![])
}

/// The shared MLP of SE and CBAM on `[n, c]`, with its weights registered once.
struct Mlp {
    reduce: (String, Option<String>),
    expand: (String, Option<String>),
}

impl Mlp {
    fn new(b: &mut Builder, scope: &str, mlp: &ChannelMlp) -> Self {
        Mlp { reduce: linear_weights(b, &format!("{scope}.reduce"), &mlp.reduce), expand: linear_weights(b, &format!("{scope}.expand"), &mlp.expand) }
    }

    fn apply(&self, b: &mut Builder, scope: &str, x: &str) -> String {
        let x = gemm(b, scope, x, &self.reduce);
        let x = b.node(scope, "Relu", &[&x], vec![]);
        gemm(b, scope, &x, &self.expand)
    }
}

/// `[n, c, h, w]` pooled over the image to `[n, c]`, by `GlobalAveragePool` or `GlobalMaxPool`.
fn pooled(b: &mut Builder, scope: &str, x: &str, op: &'static str) -> String {
    let pooled = b.node(scope, op, &[x], vec![]);
    b.node(scope, "Flatten", &[&pooled], vec![int("axis", 1)])
}

/// `x · gate` for a gate of `[n, c]` (or `[n, 1, c]`) laid out as `[n, c, 1, 1]`.
fn scale_channels(b: &mut Builder, scope: &str, x: &str, gate: &str, channels: usize) -> String {
    let shape = b.constant(&format!("shape_n_{channels}_1_1"), &[4], Values::I64(vec![0, channels as i64, 1, 1]));
    let gate = b.node(scope, "Reshape", &[gate, &shape], vec![]);
    b.node(scope, "Mul", &[x, &gate], vec![])
}

fn max_pool(b: &mut Builder, scope: &str, x: &str, pool: &MaxPool2d) -> Result<String, OnnxError> {
    let attributes = vec![
        ints("kernel_shape", &pool.kernel_size),
        ints("strides", &pool.stride),
        ints("dilations", &pool.dilation),
        ints("pads", &pads(&pool.padding, scope)?),
        int("ceil_mode", i64::from(pool.ceil_mode)),
    ];
    Ok(b.node(scope, "MaxPool", &[x], attributes))
}

fn avg_pool(b: &mut Builder, scope: &str, x: &str, pool: &AvgPool2d) -> Result<String, OnnxError> {
    let attributes = vec![
        ints("kernel_shape", &pool.kernel_size),
        ints("strides", &pool.stride),
        ints("pads", &pads(&pool.padding, scope)?),
        int("count_include_pad", i64::from(pool.count_include_pad)),
        int("ceil_mode", i64::from(pool.ceil_mode)),
    ];
    Ok(b.node(scope, "AveragePool", &[x], attributes))
}

fn separable(b: &mut Builder, scope: &str, x: &str, m: &SeparableConv) -> Result<String, OnnxError> {
    let x = conv_bn_relu(b, &format!("{scope}.depthwise"), x, &m.depthwise)?;
    conv_bn_relu(b, &format!("{scope}.pointwise"), &x, &m.pointwise)
}

fn squeeze_excite(b: &mut Builder, scope: &str, x: &str, m: &SqueezeExcite, channels: usize) -> String {
    let mlp = Mlp::new(b, &format!("{scope}.mlp"), &m.mlp);
    let average = pooled(b, scope, x, "GlobalAveragePool");
    let gate = mlp.apply(b, scope, &average);
    let gate = b.node(scope, "Sigmoid", &[&gate], vec![]);
    scale_channels(b, scope, x, &gate, channels)
}

fn cbam(b: &mut Builder, scope: &str, x: &str, m: &Cbam, channels: usize) -> Result<String, OnnxError> {
    let mlp = Mlp::new(b, &format!("{scope}.mlp"), &m.mlp);
    let average = pooled(b, scope, x, "GlobalAveragePool");
    let maximum = pooled(b, scope, x, "GlobalMaxPool");
    let (average, maximum) = (mlp.apply(b, scope, &average), mlp.apply(b, scope, &maximum));
    let sum = b.node(scope, "Add", &[&average, &maximum], vec![]);
    let gate = b.node(scope, "Sigmoid", &[&sum], vec![]);
    let x = scale_channels(b, scope, x, &gate, channels);
    // Channel-wise mean first, then max: the order of the 7×7 convolution's input channels.
    let mean = b.node(scope, "ReduceMean", &[&x], vec![ints("axes", &[1]), int("keepdims", 1)]);
    let max = b.node(scope, "ReduceMax", &[&x], vec![ints("axes", &[1]), int("keepdims", 1)]);
    let maps = b.node(scope, "Concat", &[&mean, &max], vec![int("axis", 1)]);
    let spatial = conv2d(b, &format!("{scope}.spatial"), &maps, &m.spatial)?;
    let gate = b.node(scope, "Sigmoid", &[&spatial], vec![]);
    Ok(b.node(scope, "Mul", &[&x, &gate], vec![]))
}

fn conv1d(b: &mut Builder, scope: &str, x: &str, conv: &Conv1d) -> Result<String, OnnxError> {
    let PaddingConfig1d::Explicit(left, right) = conv.padding else {
        return Err(OnnxError::Unsupported(format!("{scope}: padding {:?} (the exporter writes explicit padding only)", conv.padding)));
    };
    let weight = b.weight(format!("{scope}.weight"), &conv.weight);
    let mut inputs = vec![x, weight.as_str()];
    let bias = conv.bias.as_ref().map(|bias| b.weight(format!("{scope}.bias"), bias));
    inputs.extend(bias.as_deref());
    let attributes = vec![
        ints("kernel_shape", &[conv.kernel_size]),
        ints("strides", &[conv.stride]),
        ints("dilations", &[conv.dilation]),
        int("group", conv.groups as i64),
        ints("pads", &[left, right]),
    ];
    Ok(b.node(scope, "Conv", &inputs, attributes))
}

fn eca(b: &mut Builder, scope: &str, x: &str, m: &Eca, channels: usize) -> Result<String, OnnxError> {
    let average = b.node(scope, "GlobalAveragePool", &[x], vec![]);
    let shape = b.constant(&format!("shape_n_1_{channels}"), &[3], Values::I64(vec![0, 1, channels as i64]));
    let row = b.node(scope, "Reshape", &[&average, &shape], vec![]);
    let gate = conv1d(b, &format!("{scope}.conv"), &row, &m.conv)?;
    let gate = b.node(scope, "Sigmoid", &[&gate], vec![]);
    Ok(scale_channels(b, scope, x, &gate, channels))
}

fn block(b: &mut Builder, scope: &str, x: &str, block: &Block, channels: usize) -> Result<String, OnnxError> {
    match block {
        Block::Conv(m) => conv_bn_relu(b, scope, x, m),
        Block::MaxPool(pool) => max_pool(b, scope, x, pool),
        Block::AvgPool(pool) => avg_pool(b, scope, x, pool),
        Block::Skip(_) => Ok(x.to_string()),
        Block::Separable(m) => separable(b, scope, x, m),
        Block::SqueezeExcite(m) => Ok(squeeze_excite(b, scope, x, m, channels)),
        Block::Cbam(m) => cbam(b, scope, x, m, channels),
        Block::Eca(m) => eca(b, scope, x, m, channels),
    }
}

/// A cell: node 0 is the entry convolution, node `j + 1` the block of layer `j` applied to
/// node `j` plus its skip inputs (added in the order the model adds them).
fn cell(b: &mut Builder, scope: &str, x: &str, cell: &CandidateCell, width: usize) -> Result<String, OnnxError> {
    let mut nodes: Vec<String> = Vec::with_capacity(cell.layers.len());
    let mut last = conv_bn_relu(b, &format!("{scope}.entry"), x, &cell.entry)?;
    for (j, layer) in cell.layers.iter().enumerate() {
        let layer_scope = format!("{scope}.layer{}", j + 1);
        nodes.push(last);
        let mut input = nodes[nodes.len() - 1].clone();
        for &s in &layer.skips {
            let skip = nodes.get(s).ok_or_else(|| OnnxError::Unsupported(format!("{layer_scope}: skip input {s} is not an earlier node")))?.clone();
            input = b.node(&layer_scope, "Add", &[&input, &skip], vec![]);
        }
        last = block(b, &layer_scope, &input, &layer.block, width)?;
    }
    Ok(last)
}

/// The network from normalised images `x` to the logits, written to the value named `logits`.
pub(super) fn network(b: &mut Builder, x: &str, network: &Network, logits: &str) -> Result<(), OnnxError> {
    let mut x = conv_bn_relu(b, "stem", x, &network.stem)?;
    for (c, candidate_cell) in network.cells.iter().enumerate() {
        let width = candidate_cell.entry.conv.weight.dims()[0];
        x = cell(b, &format!("cell{}", c + 1), &x, candidate_cell, width)?;
    }
    let features = pooled(b, "head", &x, "GlobalAveragePool");
    let (weight, bias) = linear_weights(b, "head", &network.head);
    let mut inputs = vec![features.as_str(), weight.as_str()];
    inputs.extend(bias.as_deref());
    b.push("Gemm", &inputs, vec![], logits.to_string());
    Ok(())
}
