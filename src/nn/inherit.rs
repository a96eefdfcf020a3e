//! Weight inheritance: a child starts from its parents' trained weights wherever they carry
//! over. Within each cell, the child's layers are aligned with a parent's by their ops (the
//! longest common subsequence, so a layer inserted or removed by a mutation does not shift the
//! rest); an aligned layer, an entry convolution and the head are copied, and where widths
//! differ their leading channels are (as weight-sharing methods slice channels), the rest
//! freshly initialised. A layer the parent does not have starts as the identity where its op
//! allows it (a convolution whose kernel is a centred 1, BatchNorm as the identity), so the
//! child computes what its parent did; other ops start fresh. Nothing is read back from the
//! device: slices and identities are tensor operations, so this works on WebGPU as on the CPU.

use std::ops::Range;

use burn::module::{Module, Param, RunningState};
use burn::nn::conv::{Conv1d, Conv2d};
use burn::nn::{BatchNorm, Linear};
use burn::tensor::{Device, Tensor, TensorData};

use engine::search::LayerStart;
use engine::space::{Genotype, Op, Space, SpaceError};
use crate::blocks::{Block, Cbam, ChannelMlp, ConvBnRelu, Eca, SeparableConv, SqueezeExcite};
use crate::candidate::{Inheritance, Network};

/// `value` (without autodiff) as a parameter's own leaf: on an autodiff device (`autodiff`),
/// tracked for gradients with no graph behind it.
fn leaf<const D: usize>(value: Tensor<D>, autodiff: bool) -> Tensor<D> {
    if autodiff { value.autodiff().require_grad() } else { value }
}

/// `fresh` with the leading part it shares with `parent` copied from it; also the values copied.
fn slice_param<const D: usize>(fresh: Param<Tensor<D>>, parent: &Param<Tensor<D>>) -> (Param<Tensor<D>>, usize) {
    let (f, p) = (fresh.val().dims(), parent.val().dims());
    let ranges: [Range<usize>; D] = std::array::from_fn(|i| 0..f[i].min(p[i]));
    let copied = ranges.iter().map(|r| r.end).product();
    let part = parent.val().inner().slice(ranges.clone());
    // Computed without autodiff, then marked: the child's parameter is a leaf of its own graph.
    (fresh.map(|t| leaf(t.clone().inner().slice_assign(ranges, part), t.is_autodiff())), copied)
}

fn slice_state(fresh: RunningState<Tensor<1>>, parent: &RunningState<Tensor<1>>) -> RunningState<Tensor<1>> {
    let (value, other) = (fresh.value(), parent.value_sync());
    let n = value.dims()[0].min(other.dims()[0]);
    RunningState::new(value.slice_assign([0..n], other.slice([0..n])))
}

/// Copies of trainable values, counted as they are made.
#[derive(Default)]
struct Copied(usize);

impl Copied {
    fn param<const D: usize>(&mut self, fresh: Param<Tensor<D>>, parent: &Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (param, n) = slice_param(fresh, parent);
        self.0 += n;
        param
    }

    fn conv(&mut self, mut child: Conv2d, parent: &Conv2d) -> Conv2d {
        child.weight = self.param(child.weight, &parent.weight);
        if let (Some(bias), Some(other)) = (child.bias.take(), parent.bias.as_ref()) {
            child.bias = Some(self.param(bias, other));
        }
        child
    }

    fn bn(&mut self, mut child: BatchNorm, parent: &BatchNorm) -> BatchNorm {
        child.gamma = self.param(child.gamma, &parent.gamma);
        child.beta = self.param(child.beta, &parent.beta);
        child.running_mean = slice_state(child.running_mean, &parent.running_mean);
        child.running_var = slice_state(child.running_var, &parent.running_var);
        child
    }

    fn conv_bn_relu(&mut self, mut child: ConvBnRelu, parent: &ConvBnRelu) -> ConvBnRelu {
        child.conv = self.conv(child.conv, &parent.conv);
        child.bn = self.bn(child.bn, &parent.bn);
        child
    }

    fn linear(&mut self, mut child: Linear, parent: &Linear) -> Linear {
        child.weight = self.param(child.weight, &parent.weight);
        if let (Some(bias), Some(other)) = (child.bias.take(), parent.bias.as_ref()) {
            child.bias = Some(self.param(bias, other));
        }
        child
    }

    fn mlp(&mut self, mut child: ChannelMlp, parent: &ChannelMlp) -> ChannelMlp {
        child.reduce = self.linear(child.reduce, &parent.reduce);
        child.expand = self.linear(child.expand, &parent.expand);
        child
    }

    /// The child's block with what it shares with the parent's block of the same op.
    fn block(&mut self, child: Block, parent: &Block) -> Block {
        match (child, parent) {
            (Block::Conv(c), Block::Conv(p)) => Block::Conv(self.conv_bn_relu(c, p)),
            (Block::Separable(c), Block::Separable(p)) => Block::Separable(SeparableConv {
                depthwise: self.conv_bn_relu(c.depthwise, &p.depthwise),
                pointwise: self.conv_bn_relu(c.pointwise, &p.pointwise),
            }),
            (Block::SqueezeExcite(c), Block::SqueezeExcite(p)) => Block::SqueezeExcite(SqueezeExcite { mlp: self.mlp(c.mlp, &p.mlp) }),
            (Block::Cbam(c), Block::Cbam(p)) => {
                let mlp = self.mlp(c.mlp, &p.mlp);
                Block::Cbam(Cbam { mlp, spatial: self.conv(c.spatial, &p.spatial) })
            }
            // ECA's kernel grows with the width and is centred: only an equal one carries over.
            (Block::Eca(c), Block::Eca(p)) if c.conv.weight.dims() == p.conv.weight.dims() => Block::Eca(Eca { conv: self.conv1d(c.conv, &p.conv) }),
            (child, _) => child,
        }
    }

    fn conv1d(&mut self, mut child: Conv1d, parent: &Conv1d) -> Conv1d {
        child.weight = self.param(child.weight, &parent.weight);
        child
    }
}

/// Pairs (child layer, parent layer) of the longest common subsequence of the two op lists.
fn align(child: &[Op], parent: &[Op]) -> Vec<(usize, usize)> {
    let (n, m) = (child.len(), parent.len());
    let mut best = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            best[i][j] = if child[i] == parent[j] { best[i + 1][j + 1] + 1 } else { best[i + 1][j].max(best[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if child[i] == parent[j] {
            pairs.push((i, j));
            (i, j) = (i + 1, j + 1);
        } else if best[i + 1][j] >= best[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// A convolution + BN + ReLU that passes its (non-negative) input through unchanged: a centred
/// 1 from each channel to itself, BatchNorm with mean 0, variance `1 − ε` (so it divides by
/// exactly 1), scale 1 and shift 0. Only for square shapes (channels in = out).
fn identity_conv_bn_relu(mut m: ConvBnRelu, device: &Device) -> ConvBnRelu {
    let [out, per_group, kh, kw] = m.conv.weight.dims();
    let mut values = vec![0f32; out * per_group * kh * kw];
    for o in 0..out {
        let i = if per_group == 1 { 0 } else { o };
        values[((o * per_group + i) * kh + kh / 2) * kw + kw / 2] = 1.0;
    }
    let autodiff = device.is_autodiff();
    let plain = |t: Tensor<1>| t.inner();
    let dirac = Tensor::<4>::from_data(TensorData::new(values, [out, per_group, kh, kw]), device).inner();
    m.conv.weight = m.conv.weight.map(|_| leaf(dirac, autodiff));
    let channels = out;
    let epsilon = m.bn.epsilon as f32;
    m.bn.gamma = m.bn.gamma.map(|_| leaf(plain(Tensor::ones([channels], device)), autodiff));
    m.bn.beta = m.bn.beta.map(|_| leaf(plain(Tensor::zeros([channels], device)), autodiff));
    m.bn.running_mean = RunningState::new(Tensor::zeros([channels], device));
    m.bn.running_var = RunningState::new(Tensor::<1>::ones([channels], device).sub_scalar(epsilon));
    m
}

/// The identity version of a fresh block where its op has one (convolutions, separable
/// convolutions, skip); `None` for the others.
fn identity_block(block: Block, device: &Device) -> Option<Block> {
    match block {
        Block::Conv(m) => Some(Block::Conv(identity_conv_bn_relu(m, device))),
        Block::Separable(m) => Some(Block::Separable(SeparableConv {
            depthwise: identity_conv_bn_relu(m.depthwise, device),
            pointwise: identity_conv_bn_relu(m.pointwise, device),
        })),
        Block::Skip(_) => Some(block),
        _ => None,
    }
}

impl Network {
    /// Builds `genotype` inheriting from `parents` (tried in order, each with the genotype it
    /// was built from) as the module documentation says; the rest freshly initialised.
    pub fn inherit(
        space: &Space,
        genotype: &Genotype,
        parents: &[(&Genotype, &Network)],
        device: &Device,
    ) -> Result<(Network, Inheritance), SpaceError> {
        let mut child = Network::new(space, genotype, device)?;
        let mut report = Inheritance { total_params: child.num_params() - child.buffers(), ..Inheritance::default() };
        let Some((_, first)) = parents.first() else { return Ok((child, report)) };
        let mut copied = Copied::default();
        child.stem = copied.conv_bn_relu(child.stem, &first.stem);
        report.inherited_modules += 1;
        let stem = space.config().stem_width;
        let input_width = |g: &Genotype, c: usize| if c == 0 { stem } else { g.cells[c - 1].width };
        for (c, cell) in genotype.cells.iter().enumerate() {
            // Parents holding this cell, those of the same shape first (they give whole copies).
            let mut donors: Vec<&(&Genotype, &Network)> = parents.iter().filter(|(g, _)| g.cells.len() > c).collect();
            donors.sort_by_key(|(g, _)| g.cells[c].width != cell.width);
            let entry_donor = donors.iter().min_by_key(|(g, _)| (g.cells[c].width != cell.width || input_width(g, c) != input_width(genotype, c)) as u8);
            if let Some((_, parent)) = entry_donor {
                let entry = child.cells[c].entry.clone();
                child.cells[c].entry = copied.conv_bn_relu(entry, &parent.cells[c].entry);
                report.inherited_modules += 1;
            }
            let ops: Vec<Op> = cell.layers.iter().map(|l| l.op).collect();
            let mut starts = vec![LayerStart::Fresh; ops.len()];
            let mut taken = vec![false; ops.len()];
            for (g, parent) in donors {
                let parent_ops: Vec<Op> = g.cells[c].layers.iter().map(|l| l.op).collect();
                for (j, i) in align(&ops, &parent_ops) {
                    if !taken[j] {
                        taken[j] = true;
                        let block = child.cells[c].layers[j].block.clone();
                        let (whole, before) = (block.num_params() - block.buffers(), copied.0);
                        child.cells[c].layers[j].block = copied.block(block, &parent.cells[c].layers[i].block);
                        starts[j] = match copied.0 - before {
                            0 if whole > 0 => LayerStart::Fresh,
                            n if n < whole => LayerStart::Sliced,
                            _ => LayerStart::Copied,
                        };
                        report.inherited_modules += 1;
                    }
                }
            }
            // Layers no parent has start as the identity where their op allows it.
            for (j, _) in taken.iter().enumerate().filter(|(_, t)| !**t) {
                let block = child.cells[c].layers[j].block.clone();
                if let Some(identity) = identity_block(block, device) {
                    child.cells[c].layers[j].block = identity;
                    starts[j] = LayerStart::Identity;
                    report.identity_layers += 1;
                }
            }
            report.layers.push(starts);
        }
        let last = |g: &Genotype| g.cells.last().map(|cell| cell.width);
        let head_donor = parents.iter().find(|(g, _)| last(g) == last(genotype)).map_or(*first, |(_, p)| *p);
        child.head = copied.linear(child.head, &head_donor.head);
        report.inherited_modules += 1;
        report.inherited_params = copied.0;
        Ok((child, report))
    }
}

/// Every BatchNorm of `network` through `f`.
fn map_batch_norms(mut network: Network, f: &mut impl FnMut(BatchNorm) -> BatchNorm) -> Network {
    let mut each = |mut m: ConvBnRelu| {
        m.bn = f(m.bn);
        m
    };
    network.stem = each(network.stem);
    for cell in &mut network.cells {
        cell.entry = each(cell.entry.clone());
        for layer in &mut cell.layers {
            layer.block = match layer.block.clone() {
                Block::Conv(m) => Block::Conv(each(m)),
                Block::Separable(m) => Block::Separable(SeparableConv { depthwise: each(m.depthwise), pointwise: each(m.pointwise) }),
                other => other,
            };
        }
    }
    network
}

/// Re-estimates every BatchNorm's running statistics of a network from `batches` (forward passes
/// in training mode on an autodiff device, no gradient step), as the mean over the batches: an
/// inheriting child's, so inherited layers that now see other inputs are not normalised with
/// their parent's statistics, and a trained network's before validation. Only the running
/// statistics change. The passes track no gradients: a forward pass that is never followed by a
/// backward one otherwise leaves its graph with the autodiff backend (a default search's worth
/// of them grew the process by 2 GB in 80 s natively, and ran the page's worker out of memory).
pub fn reestimate_batch_norms(network: Network, batches: Vec<Tensor<4>>) -> Network {
    let momentum = network.stem.bn.momentum;
    let mut network = network.no_grad();
    for (k, images) in batches.into_iter().enumerate() {
        network = map_batch_norms(network, &mut |mut bn| {
            bn.momentum = 1.0 / (k as f64 + 1.0);
            bn
        });
        drop(network.forward(images));
    }
    map_batch_norms(network, &mut |mut bn| {
        bn.momentum = momentum;
        bn
    })
    .set_require_grad(true)
}
