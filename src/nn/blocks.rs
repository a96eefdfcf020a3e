//! One Burn module per op of the search space, as `engine::cost` defines them (that module's
//! docs are the contract: same layers, same parameter counts), and the enum of blocks a
//! candidate is built from.
//!
//! ```
//! use burn::tensor::{Distribution, Tensor};
//! use engine::space::Op;
//! use nn::{backend, blocks::Block};
//! let device = backend::cpu();
//! let block = Block::new(Op::Cbam, 16, &device);
//! let x: Tensor<4> = Tensor::random([2, 16, 7, 7], Distribution::Default, &device);
//! assert_eq!(block.forward(x).dims(), [2, 16, 7, 7]);
//! ```

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Identity, Linear, LinearConfig, PaddingConfig1d, PaddingConfig2d};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor};

use engine::cost::{attention_hidden, eca_kernel};
use engine::space::Op;

/// Convolution (no bias) + BN + ReLU.
#[derive(Module, Debug)]
pub struct ConvBnRelu {
    pub(crate) conv: Conv2d,
    pub(crate) bn: BatchNorm,
}

/// Shape of a [`ConvBnRelu`]: channels, kernel, stride, dilation, groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvShape {
    /// Input channels.
    pub channels_in: usize,
    /// Output channels.
    pub channels_out: usize,
    /// Square kernel side.
    pub kernel: usize,
    /// Stride.
    pub stride: usize,
    /// Dilation.
    pub dilation: usize,
    /// Groups (the input channels for a depthwise convolution).
    pub groups: usize,
}

impl ConvShape {
    /// A dense k×k convolution with stride 1.
    pub fn dense(channels_in: usize, channels_out: usize, kernel: usize) -> Self {
        ConvShape { channels_in, channels_out, kernel, stride: 1, dilation: 1, groups: 1 }
    }
}

impl ConvBnRelu {
    /// Padding `dilation · (kernel − 1) / 2` keeps the size at stride 1 and gives
    /// `ceil(size / 2)` at stride 2.
    pub fn new(shape: ConvShape, device: &Device) -> Self {
        let pad = shape.dilation * (shape.kernel - 1) / 2;
        let conv = Conv2dConfig::new([shape.channels_in, shape.channels_out], [shape.kernel, shape.kernel])
            .with_stride([shape.stride, shape.stride])
            .with_dilation([shape.dilation, shape.dilation])
            .with_groups(shape.groups)
            .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
            .with_bias(false)
            .init(device);
        let bn = BatchNormConfig::new(shape.channels_out).init(device);
        ConvBnRelu { conv, bn }
    }

    /// Values of the BN running statistics (mean and variance per channel): Burn counts them in
    /// `num_params`, the cost model calls them buffers.
    pub fn buffers(&self) -> usize {
        2 * self.bn.gamma.shape().dims::<1>()[0]
    }

    /// `[b, c_in, h, w]` → `[b, c_out, h', w']` (`h' = h` at stride 1, `ceil(h / 2)` at 2).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.conv.forward(x);
        let x = self.bn.forward(x);
        relu(x)
    }
}

/// Depthwise k×k conv + BN + ReLU, then pointwise 1×1 conv + BN + ReLU.
#[derive(Module, Debug)]
pub struct SeparableConv {
    pub(crate) depthwise: ConvBnRelu,
    pub(crate) pointwise: ConvBnRelu,
}

impl SeparableConv {
    /// `kernel` 3 or 5; `dilation` 1, or 2 for dilconv3x3.
    pub fn new(channels: usize, kernel: usize, dilation: usize, device: &Device) -> Self {
        let depthwise = ConvShape { channels_in: channels, channels_out: channels, kernel, stride: 1, dilation, groups: channels };
        SeparableConv {
            depthwise: ConvBnRelu::new(depthwise, device),
            pointwise: ConvBnRelu::new(ConvShape::dense(channels, channels, 1), device),
        }
    }

    /// `[b, c, h, w]` → `[b, c, h, w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.depthwise.forward(x);
        self.pointwise.forward(x)
    }
}

/// The shared MLP of SE and CBAM: linear `c → h` (bias), ReLU, linear `h → c` (bias).
#[derive(Module, Debug)]
pub struct ChannelMlp {
    pub(crate) reduce: Linear,
    pub(crate) expand: Linear,
}

impl ChannelMlp {
    fn new(channels: usize, device: &Device) -> Self {
        let hidden = attention_hidden(channels as u32) as usize;
        ChannelMlp {
            reduce: LinearConfig::new(channels, hidden).init(device),
            expand: LinearConfig::new(hidden, channels).init(device),
        }
    }

    /// `[b, c]` → `[b, c]`.
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let x = self.reduce.forward(x);
        let x = relu(x);
        self.expand.forward(x)
    }
}

/// Squeeze-and-excitation: global average pool, MLP, sigmoid, channel-wise scale.
#[derive(Module, Debug)]
pub struct SqueezeExcite {
    pub(crate) mlp: ChannelMlp,
}

impl SqueezeExcite {
    /// SE over `channels`, reduction 4.
    pub fn new(channels: usize, device: &Device) -> Self {
        SqueezeExcite { mlp: ChannelMlp::new(channels, device) }
    }

    /// `[b, c, h, w]` → `[b, c, h, w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, _, _] = x.dims();
        let pooled: Tensor<2> = x.clone().mean_dims(&[2, 3]).reshape([b, c]);
        let gate = sigmoid(self.mlp.forward(pooled));
        let gate: Tensor<4> = gate.reshape([b, c, 1, 1]);
        x * gate
    }
}

/// CBAM: channel attention (shared MLP over average- and max-pooled vectors, added, sigmoid),
/// then spatial attention (7×7 conv with bias over the channel-wise mean and max, sigmoid).
#[derive(Module, Debug)]
pub struct Cbam {
    pub(crate) mlp: ChannelMlp,
    pub(crate) spatial: Conv2d,
}

impl Cbam {
    /// CBAM over `channels`, MLP reduction 4.
    pub fn new(channels: usize, device: &Device) -> Self {
        Cbam {
            mlp: ChannelMlp::new(channels, device),
            spatial: Conv2dConfig::new([2, 1], [7, 7]).with_padding(PaddingConfig2d::Explicit(3, 3, 3, 3)).init(device),
        }
    }

    /// `[b, c, h, w]` → `[b, c, h, w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, _, _] = x.dims();
        let average: Tensor<2> = x.clone().mean_dims(&[2, 3]).reshape([b, c]);
        let maximum: Tensor<2> = x.clone().max_dims(&[2, 3]).reshape([b, c]);
        let channel_gate = sigmoid(self.mlp.forward(average) + self.mlp.forward(maximum));
        let channel_gate: Tensor<4> = channel_gate.reshape([b, c, 1, 1]);
        let x = x * channel_gate;
        let maps = Tensor::cat(vec![x.clone().mean_dim(1), x.clone().max_dim(1)], 1);
        let spatial_gate = sigmoid(self.spatial.forward(maps));
        x * spatial_gate
    }
}

/// Efficient channel attention: global average pool, 1-D conv across channels (no bias,
/// kernel from [`eca_kernel`]), sigmoid, channel-wise scale.
#[derive(Module, Debug)]
pub struct Eca {
    pub(crate) conv: Conv1d,
}

impl Eca {
    /// ECA over `channels`.
    pub fn new(channels: usize, device: &Device) -> Self {
        let k = eca_kernel(channels as u32) as usize;
        let pad = k / 2;
        Eca {
            conv: Conv1dConfig::new(1, 1, k).with_padding(PaddingConfig1d::Explicit(pad, pad)).with_bias(false).init(device),
        }
    }

    /// `[b, c, h, w]` → `[b, c, h, w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, _, _] = x.dims();
        let pooled: Tensor<3> = x.clone().mean_dims(&[2, 3]).reshape([b, 1, c]);
        let gate = sigmoid(self.conv.forward(pooled));
        let gate: Tensor<4> = gate.reshape([b, c, 1, 1]);
        x * gate
    }
}

/// The block of one layer: every op keeps channels and resolution.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant, reason = "Burn's Module derive has no Box; a model holds a few dozen blocks")]
pub enum Block {
    /// conv3x3 or conv1x1.
    Conv(ConvBnRelu),
    /// maxpool3x3, stride 1, padding 1.
    MaxPool(MaxPool2d),
    /// avgpool3x3, stride 1, padding 1, averaging only real pixels at the borders.
    AvgPool(AvgPool2d),
    /// Identity.
    Skip(Identity),
    /// dwconv3x3, dwconv5x5, dilconv3x3.
    Separable(SeparableConv),
    /// se_block.
    SqueezeExcite(SqueezeExcite),
    /// cbam.
    Cbam(Cbam),
    /// eca.
    Eca(Eca),
}

impl Block {
    /// Values of BN running statistics inside the block.
    pub fn buffers(&self) -> usize {
        match self {
            Block::Conv(block) => block.buffers(),
            Block::Separable(block) => block.depthwise.buffers() + block.pointwise.buffers(),
            _ => 0,
        }
    }

    /// The block of `op` over `channels`, freshly initialised.
    pub fn new(op: Op, channels: usize, device: &Device) -> Block {
        let pool_padding = PaddingConfig2d::Explicit(1, 1, 1, 1);
        match op {
            Op::Conv3x3 => Block::Conv(ConvBnRelu::new(ConvShape::dense(channels, channels, 3), device)),
            Op::Conv1x1 => Block::Conv(ConvBnRelu::new(ConvShape::dense(channels, channels, 1), device)),
            Op::MaxPool3x3 => Block::MaxPool(MaxPool2dConfig::new([3, 3]).with_strides([1, 1]).with_padding(pool_padding).init()),
            Op::AvgPool3x3 => Block::AvgPool(
                AvgPool2dConfig::new([3, 3])
                    .with_strides([1, 1])
                    .with_padding(pool_padding)
                    .with_count_include_pad(false)
                    .init(),
            ),
            Op::Skip => Block::Skip(Identity),
            Op::DwConv3x3 => Block::Separable(SeparableConv::new(channels, 3, 1, device)),
            Op::DwConv5x5 => Block::Separable(SeparableConv::new(channels, 5, 1, device)),
            Op::DilConv3x3 => Block::Separable(SeparableConv::new(channels, 3, 2, device)),
            Op::SeBlock => Block::SqueezeExcite(SqueezeExcite::new(channels, device)),
            Op::Cbam => Block::Cbam(Cbam::new(channels, device)),
            Op::Eca => Block::Eca(Eca::new(channels, device)),
        }
    }

    /// `[b, c, h, w]` → `[b, c, h, w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Block::Conv(block) => block.forward(x),
            Block::MaxPool(pool) => pool.forward(x),
            Block::AvgPool(pool) => pool.forward(x),
            Block::Skip(_) => x,
            Block::Separable(block) => block.forward(x),
            Block::SqueezeExcite(block) => block.forward(x),
            Block::Cbam(block) => block.forward(x),
            Block::Eca(block) => block.forward(x),
        }
    }
}
