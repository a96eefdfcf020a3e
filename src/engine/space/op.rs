//! The eleven operations and the three stages that open them.

use serde::{Deserialize, Serialize};

/// One layer operation. Every op keeps the cell's width and resolution (the stride and channel
/// changes happen in each cell's entry convolution, see [`crate::cost`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// 3×3 convolution + BN + ReLU.
    Conv3x3,
    /// 1×1 convolution + BN + ReLU.
    Conv1x1,
    /// 3×3 max pooling, stride 1, padding 1.
    #[serde(rename = "maxpool3x3")]
    MaxPool3x3,
    /// 3×3 average pooling, stride 1, padding 1.
    #[serde(rename = "avgpool3x3")]
    AvgPool3x3,
    /// Identity.
    Skip,
    /// Depthwise-separable 3×3 convolution.
    #[serde(rename = "dwconv3x3")]
    DwConv3x3,
    /// Depthwise-separable 5×5 convolution.
    #[serde(rename = "dwconv5x5")]
    DwConv5x5,
    /// Depthwise-separable 3×3 convolution with dilation 2.
    #[serde(rename = "dilconv3x3")]
    DilConv3x3,
    /// Squeeze-and-excitation channel attention.
    SeBlock,
    /// Convolutional block attention module (channel then spatial attention).
    Cbam,
    /// Efficient channel attention.
    Eca,
}

impl Op {
    /// All ops, stage by stage.
    pub const ALL: [Op; 11] = [
        Op::Conv3x3,
        Op::Conv1x1,
        Op::MaxPool3x3,
        Op::AvgPool3x3,
        Op::Skip,
        Op::DwConv3x3,
        Op::DwConv5x5,
        Op::DilConv3x3,
        Op::SeBlock,
        Op::Cbam,
        Op::Eca,
    ];

    /// The name used in the canonical text form and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Op::Conv3x3 => "conv3x3",
            Op::Conv1x1 => "conv1x1",
            Op::MaxPool3x3 => "maxpool3x3",
            Op::AvgPool3x3 => "avgpool3x3",
            Op::Skip => "skip",
            Op::DwConv3x3 => "dwconv3x3",
            Op::DwConv5x5 => "dwconv5x5",
            Op::DilConv3x3 => "dilconv3x3",
            Op::SeBlock => "se_block",
            Op::Cbam => "cbam",
            Op::Eca => "eca",
        }
    }

    /// The op with this name, if any.
    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The stage that opens this op.
    pub fn stage(self) -> Stage {
        match self {
            Op::Conv3x3 | Op::Conv1x1 | Op::MaxPool3x3 | Op::AvgPool3x3 | Op::Skip => Stage::One,
            Op::DwConv3x3 | Op::DwConv5x5 | Op::DilConv3x3 => Stage::Two,
            Op::SeBlock | Op::Cbam | Op::Eca => Stage::Three,
        }
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A stage of the progressive space. Each stage keeps the ops of the earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Stage {
    /// conv3x3, conv1x1, maxpool3x3, avgpool3x3, skip.
    One = 1,
    /// Stage 1 plus dwconv3x3, dwconv5x5, dilconv3x3.
    Two = 2,
    /// Stage 2 plus se_block, cbam, eca.
    Three = 3,
}

impl Stage {
    /// The stage number, 1 to 3.
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// When stages 2 and 3 open, and which single ops the user switched off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSchedule {
    /// First generation (0-based; generation 0 is the initial population) with stage 2 open.
    pub stage2_at: u32,
    /// First generation with stage 3 open; not before `stage2_at`.
    pub stage3_at: u32,
    /// Ops never used, whatever the stage.
    #[serde(default)]
    pub disabled: Vec<Op>,
}

impl Default for StageSchedule {
    fn default() -> Self {
        StageSchedule { stage2_at: 2, stage3_at: 4, disabled: Vec::new() }
    }
}

impl StageSchedule {
    /// Every op open from the first generation.
    pub fn all_open() -> Self {
        StageSchedule { stage2_at: 0, stage3_at: 0, disabled: Vec::new() }
    }

    /// The stage open at `generation`.
    pub fn stage_at(&self, generation: u32) -> Stage {
        if generation >= self.stage3_at {
            Stage::Three
        } else if generation >= self.stage2_at {
            Stage::Two
        } else {
            Stage::One
        }
    }

    /// The ops open in `stage`, in [`Op::ALL`] order, without the disabled ones.
    pub fn open_ops(&self, stage: Stage) -> Vec<Op> {
        Op::ALL.into_iter().filter(|op| op.stage() <= stage && !self.disabled.contains(op)).collect()
    }
}
