//! The progressive search space: ops and stages, the macro skeleton, the genotype, and the
//! space verbs `sample`, `mutate`, `crossover` and `check_contains`.
//!
//! ```
//! use engine::rng::{Seed, rng_for};
//! use engine::space::{Genotype, InputShape, Space, SpaceConfig, Stage};
//! let space = Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).unwrap();
//! let mut rng = rng_for(Seed(1), "doc");
//! let genotype = space.sample(Stage::One, &mut rng);
//! assert!(space.check_contains_at(&genotype, Stage::One).is_ok());
//! let text = genotype.to_text();
//! assert_eq!(Genotype::parse(&text).unwrap().arch_id(), genotype.arch_id());
//! let child = space.mutate(&genotype, Stage::Three, &mut rng);
//! assert!(space.check_contains(&child.genotype).is_ok());
//! ```

mod genotype;
mod op;
mod variation;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::limits::Whole;

pub use genotype::{Cell, Genotype, Layer, ParseError};
pub use op::{Op, Stage, StageSchedule};
pub use variation::{CrossoverKind, Mutated, MutationKind};

/// Channels × height × width of one input image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InputShape {
    /// Colour channels (1 for grey, 3 for RGB).
    pub channels: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Image width in pixels.
    pub width: u32,
}

impl InputShape {
    /// 28×28 grey digits.
    pub const DIGITS: InputShape = InputShape { channels: 1, height: 28, width: 28 };
    /// 32×32 RGB images (CIFAR-10 and the procedural set).
    pub const RGB32: InputShape = InputShape { channels: 3, height: 32, width: 32 };
}

/// The macro skeleton: everything around the searched layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceConfig {
    /// Shape of one input image.
    pub input: InputShape,
    /// Number of classes of the classifier head.
    pub classes: u32,
    /// Channels of the stem convolution.
    pub stem_width: u32,
    /// Allowed widths per cell; its length is the number of cells (resolution stages). Cell
    /// `i > 0` halves the resolution.
    pub cell_widths: Vec<Vec<u32>>,
    /// Fewest layers in a cell.
    pub min_layers: u32,
    /// Most layers in a cell.
    pub max_layers: u32,
    /// Most skip inputs of one layer.
    pub max_skips: u32,
    /// When the stages open, and which ops are switched off.
    pub schedule: StageSchedule,
}

impl SpaceConfig {
    /// Largest allowed width of a cell.
    pub const MAX_WIDTH: u32 = 1024;
    /// Most cells.
    pub const MAX_CELLS: usize = 5;
    /// Layers a cell may have.
    pub const LAYERS: Whole = Whole::new(1, 12);
    /// Generations at which a stage may open.
    pub const STAGE_AT: Whole = Whole::new(0, 10_000);
    /// Most skip inputs of a layer.
    pub const MAX_SKIPS: u32 = 4;

    /// Defaults sized for small images (28×28 or 32×32): stem 16, three cells with widths
    /// {16, 24, 32}, {32, 48, 64}, {64, 96, 128}, 1–4 layers per cell, up to 2 skip inputs.
    pub fn for_input(input: InputShape, classes: u32) -> Self {
        SpaceConfig {
            input,
            classes,
            stem_width: 16,
            cell_widths: vec![vec![16, 24, 32], vec![32, 48, 64], vec![64, 96, 128]],
            min_layers: 1,
            max_layers: 4,
            max_skips: 2,
            schedule: StageSchedule::default(),
        }
    }

    /// Checks the skeleton itself; every error names the field and the allowed values.
    pub fn check(&self) -> Result<(), SpaceError> {
        let invalid = |field: &str, value: String, allowed: &str| {
            Err(SpaceError::Config { field: field.to_string(), value, allowed: allowed.to_string() })
        };
        let InputShape { channels, height, width } = self.input;
        if !(1..=4).contains(&channels) {
            return invalid("input.channels", channels.to_string(), "1 to 4");
        }
        if !(4..=512).contains(&height) || !(4..=512).contains(&width) {
            return invalid("input", format!("{height}x{width}"), "height and width from 4 to 512");
        }
        if !(2..=1000).contains(&self.classes) {
            return invalid("classes", self.classes.to_string(), "2 to 1000");
        }
        if !(1..=Self::MAX_WIDTH).contains(&self.stem_width) {
            return invalid("stem_width", self.stem_width.to_string(), "1 to 1024");
        }
        if self.cell_widths.is_empty() || self.cell_widths.len() > Self::MAX_CELLS {
            return invalid("cell_widths", format!("{} cells", self.cell_widths.len()), "1 to 5 cells");
        }
        if height.min(width) >> (self.cell_widths.len() - 1) < 1 {
            return invalid("cell_widths", format!("{} cells", self.cell_widths.len()), "at most log2(input size) + 1 cells");
        }
        for (cell, widths) in self.cell_widths.iter().enumerate() {
            if widths.is_empty() || widths.iter().any(|w| !(1..=Self::MAX_WIDTH).contains(w)) {
                return invalid(
                    &format!("cell_widths[{cell}]"),
                    crate::text::listed(widths),
                    "one or more widths from 1 to 1024",
                );
            }
        }
        for (field, layers) in [("min_layers", self.min_layers), ("max_layers", self.max_layers)] {
            if !Self::LAYERS.contains(layers) {
                return invalid(field, layers.to_string(), &Self::LAYERS.to_string());
            }
        }
        if self.min_layers > self.max_layers {
            return invalid("max_layers", self.max_layers.to_string(), "at least min_layers");
        }
        if self.max_skips > Self::MAX_SKIPS {
            return invalid("max_skips", self.max_skips.to_string(), "0 to 4");
        }
        for (field, at) in [("schedule.stage2_at", self.schedule.stage2_at), ("schedule.stage3_at", self.schedule.stage3_at)] {
            if !Self::STAGE_AT.contains(at) {
                return invalid(field, at.to_string(), &Self::STAGE_AT.to_string());
            }
        }
        if self.schedule.stage3_at < self.schedule.stage2_at {
            return invalid(
                "schedule.stage3_at",
                self.schedule.stage3_at.to_string(),
                "a generation not before schedule.stage2_at",
            );
        }
        if self.schedule.open_ops(Stage::One).is_empty() {
            return invalid("schedule.disabled", crate::text::listed(&self.schedule.disabled), "at least one stage-1 op enabled");
        }
        Ok(())
    }
}

/// Why a genotype or a skeleton is not in the space. Every genotype error names the cell (and
/// layer) and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpaceError {
    /// The skeleton itself is invalid.
    #[error("space setting {field} = {value} is invalid; allowed: {allowed}")]
    Config { field: String, value: String, allowed: String },
    /// The genotype has another number of cells.
    #[error("the genotype has {found} cells; this space has {expected}")]
    CellCount { found: usize, expected: usize },
    /// A cell's width is not one of its allowed widths.
    #[error("cell {cell}: width {width} is not allowed; allowed: {}", crate::text::listed(allowed))]
    Width { cell: usize, width: u32, allowed: Vec<u32> },
    /// A cell has too few or too many layers.
    #[error("cell {cell}: {layers} layers; allowed {min} to {max}")]
    LayerCount { cell: usize, layers: usize, min: u32, max: u32 },
    /// A layer uses an op that is switched off.
    #[error("cell {cell} layer {layer}: op {op} is disabled in this space")]
    OpDisabled { cell: usize, layer: usize, op: Op },
    /// A layer uses an op of a stage that is not open yet.
    #[error("cell {cell} layer {layer}: op {op} belongs to stage {op_stage}, but only stage {open} is open")]
    OpNotOpen { cell: usize, layer: usize, op: Op, op_stage: u8, open: u8 },
    /// A skip input is not an earlier node.
    #[error("cell {cell} layer {layer}: skip input {skip} is not allowed; a layer may only add nodes below its own index ({layer})")]
    SkipNode { cell: usize, layer: usize, skip: u8 },
    /// Skip inputs are not ascending and distinct.
    #[error("cell {cell} layer {layer}: skip inputs {} must be ascending without repeats", crate::text::listed(skips))]
    SkipOrder { cell: usize, layer: usize, skips: Vec<u8> },
    /// A layer has too many skip inputs.
    #[error("cell {cell} layer {layer}: {count} skip inputs; at most {max} allowed")]
    SkipCount { cell: usize, layer: usize, count: usize, max: u32 },
}

/// A checked space: the skeleton plus the space verbs. Read back from storage, its skeleton is
/// checked again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedSpace")]
pub struct Space {
    config: SpaceConfig,
}

/// A [`Space`] as stored, before its check.
#[derive(Deserialize)]
struct UncheckedSpace {
    config: SpaceConfig,
}

impl TryFrom<UncheckedSpace> for Space {
    type Error = SpaceError;
    fn try_from(unchecked: UncheckedSpace) -> Result<Space, SpaceError> {
        Space::new(unchecked.config)
    }
}

impl Space {
    /// A space over a checked skeleton.
    pub fn new(config: SpaceConfig) -> Result<Space, SpaceError> {
        config.check()?;
        Ok(Space { config })
    }

    /// The skeleton.
    pub fn config(&self) -> &SpaceConfig {
        &self.config
    }

    /// Whether `genotype` lies in the space with every stage open.
    pub fn check_contains(&self, genotype: &Genotype) -> Result<(), SpaceError> {
        self.check_contains_at(genotype, Stage::Three)
    }

    /// Whether `genotype` lies in the space with only the ops of `stage` open.
    pub fn check_contains_at(&self, genotype: &Genotype, stage: Stage) -> Result<(), SpaceError> {
        let config = &self.config;
        if genotype.cells.len() != config.cell_widths.len() {
            return Err(SpaceError::CellCount { found: genotype.cells.len(), expected: config.cell_widths.len() });
        }
        for (c, (cell, allowed)) in genotype.cells.iter().zip(&config.cell_widths).enumerate() {
            if !allowed.contains(&cell.width) {
                return Err(SpaceError::Width { cell: c, width: cell.width, allowed: allowed.clone() });
            }
            let n = cell.layers.len();
            if n < config.min_layers as usize || n > config.max_layers as usize {
                return Err(SpaceError::LayerCount { cell: c, layers: n, min: config.min_layers, max: config.max_layers });
            }
            for (l, layer) in cell.layers.iter().enumerate() {
                if config.schedule.disabled.contains(&layer.op) {
                    return Err(SpaceError::OpDisabled { cell: c, layer: l, op: layer.op });
                }
                if layer.op.stage() > stage {
                    return Err(SpaceError::OpNotOpen {
                        cell: c,
                        layer: l,
                        op: layer.op,
                        op_stage: layer.op.stage().number(),
                        open: stage.number(),
                    });
                }
                if layer.skips.windows(2).any(|pair| pair[0] >= pair[1]) {
                    return Err(SpaceError::SkipOrder { cell: c, layer: l, skips: layer.skips.clone() });
                }
                if let Some(&skip) = layer.skips.iter().find(|&&s| usize::from(s) >= l) {
                    return Err(SpaceError::SkipNode { cell: c, layer: l, skip });
                }
                if layer.skips.len() > config.max_skips as usize {
                    return Err(SpaceError::SkipCount { cell: c, layer: l, count: layer.skips.len(), max: config.max_skips });
                }
            }
        }
        Ok(())
    }

    /// Hand-designed reference architectures in this space, each cell at its widest with two
    /// layers (or the nearest count allowed): a plain VGG-like stack of 3×3 convolutions, a
    /// ResNet-like one whose second layer adds the cell's entry (a residual skip), and a
    /// MobileNet-like one of depthwise-separable 3×3 convolutions. Those the space cannot hold
    /// (an op switched off, no skips allowed) are left out.
    ///
    /// ```
    /// use engine::space::{InputShape, Space, SpaceConfig};
    /// let space = Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).unwrap();
    /// let names: Vec<&str> = space.references().iter().map(|(name, _)| *name).collect();
    /// assert_eq!(names, ["VGG-like", "ResNet-like", "MobileNet-like"]);
    /// assert!(space.references().iter().all(|(_, g)| space.check_contains(g).is_ok()));
    /// ```
    pub fn references(&self) -> Vec<(&'static str, Genotype)> {
        let config = &self.config;
        let layers = 2u32.clamp(config.min_layers, config.max_layers) as usize;
        let build = |op: Op, residual: bool| Genotype {
            cells: config
                .cell_widths
                .iter()
                .map(|widths| Cell {
                    width: widths.iter().copied().max().unwrap_or(1),
                    layers: (0..layers)
                        .map(|l| Layer { op, skips: if residual && l % 2 == 1 { vec![(l - 1) as u8] } else { Vec::new() } })
                        .collect(),
                })
                .collect(),
        };
        [
            ("VGG-like", build(Op::Conv3x3, false)),
            ("ResNet-like", build(Op::Conv3x3, true)),
            ("MobileNet-like", build(Op::DwConv3x3, false)),
        ]
        .into_iter()
        .filter(|(_, genotype)| self.check_contains(genotype).is_ok())
        .collect()
    }
}
