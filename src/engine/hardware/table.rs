//! A latency table measured on one device: what every block a network of the space is made of
//! costs there, a per-inference overhead, and a network-level correction fitted on whole
//! networks. It predicts a network's latency before it is trained, as the roofline profiles
//! do, but from measurements of this device (see `nn::calibrate`, which makes one).
//!
//! ```
//! use engine::hardware::{Block, BlockTime, Correction, LatencyTable, blocks, space_blocks};
//! use engine::space::{Genotype, InputShape, SpaceConfig};
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![8], vec![16]];
//! let times = space_blocks(&config).into_iter().map(|block| BlockTime { block, ms: 0.5 }).collect();
//! let table = LatencyTable { overhead_ms: 1.0, correction: Correction::NONE, blocks: times, ..LatencyTable::default() };
//! let genotype = Genotype::parse("8:conv3x3,skip+0|16:maxpool3x3").unwrap();
//! // stem, entry, conv3x3, one skip addition, skip, entry, maxpool3x3, head: 8 blocks.
//! assert_eq!(blocks(&config, &genotype).len(), 8);
//! assert_eq!(table.predict_ms(&config, &genotype), Ok(1.0 + 8.0 * 0.5));
//! assert!(table.covers(&config).is_ok());
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::space::{Genotype, Op, SpaceConfig, Stage};

/// One block of a network, as calibration times it: its kind and the shapes it works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", try_from = "BlockFields")]
pub enum Block {
    /// The stem convolution (3×3, stride 1) with BatchNorm and ReLU.
    Stem { channels_in: u32, channels_out: u32, height: u32, width: u32 },
    /// A cell's entry convolution (3×3) with BatchNorm and ReLU; `height`, `width` are its input's.
    Entry { channels_in: u32, channels_out: u32, height: u32, width: u32, stride: u32 },
    /// A layer's op over `channels` at `height` × `width` (shapes kept).
    Op { op: Op, channels: u32, height: u32, width: u32 },
    /// One skip input added to a layer's input.
    Add { channels: u32, height: u32, width: u32 },
    /// Global average pooling and the linear classifier.
    Head { features: u32, classes: u32, height: u32, width: u32 },
}

/// A block as written, `kind` beside the fields of that kind. Profiles are read through this
/// flat form rather than serde's tagged-enum reader, which buffers each block first and costs
/// the page's wasm a copy of its buffering code.
#[derive(Deserialize)]
struct BlockFields {
    kind: String,
    channels_in: Option<u32>,
    channels_out: Option<u32>,
    channels: Option<u32>,
    height: Option<u32>,
    width: Option<u32>,
    stride: Option<u32>,
    op: Option<Op>,
    features: Option<u32>,
    classes: Option<u32>,
}

impl TryFrom<BlockFields> for Block {
    type Error = String;

    fn try_from(fields: BlockFields) -> Result<Block, String> {
        let kind = fields.kind.as_str();
        let need = |value: Option<u32>, name: &str| value.ok_or_else(|| format!("a block of kind \"{kind}\" needs \"{name}\""));
        let (height, width) = (need(fields.height, "height")?, need(fields.width, "width")?);
        Ok(match kind {
            "stem" => Block::Stem { channels_in: need(fields.channels_in, "channels_in")?, channels_out: need(fields.channels_out, "channels_out")?, height, width },
            "entry" => Block::Entry {
                channels_in: need(fields.channels_in, "channels_in")?,
                channels_out: need(fields.channels_out, "channels_out")?,
                height,
                width,
                stride: need(fields.stride, "stride")?,
            },
            "op" => Block::Op { op: fields.op.ok_or("a block of kind \"op\" needs \"op\"")?, channels: need(fields.channels, "channels")?, height, width },
            "add" => Block::Add { channels: need(fields.channels, "channels")?, height, width },
            "head" => Block::Head { features: need(fields.features, "features")?, classes: need(fields.classes, "classes")?, height, width },
            other => return Err(crate::text::unknown_tag("block kind", other, "stem, entry, op, add, head")),
        })
    }
}

impl std::fmt::Display for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Block::Stem { channels_in, channels_out, height, width } => write!(f, "the stem ({channels_in} to {channels_out} channels at {height}x{width})"),
            Block::Entry { channels_in, channels_out, height, width, stride } => {
                write!(f, "an entry convolution ({channels_in} to {channels_out} channels at {height}x{width}, stride {stride})")
            }
            Block::Op { op, channels, height, width } => write!(f, "{} over {channels} channels at {height}x{width}", op.name()),
            Block::Add { channels, height, width } => write!(f, "a skip addition of {channels} channels at {height}x{width}"),
            Block::Head { features, classes, .. } => write!(f, "the head ({features} features to {classes} classes)"),
        }
    }
}

/// The blocks of `genotype` in `config`'s space, in the order a forward pass runs them.
pub fn blocks(config: &SpaceConfig, genotype: &Genotype) -> Vec<Block> {
    let (height, width) = (config.input.height, config.input.width);
    let mut out = vec![Block::Stem { channels_in: config.input.channels, channels_out: config.stem_width, height, width }];
    let (mut channels, mut height, mut width) = (config.stem_width, height, width);
    for (c, cell) in genotype.cells.iter().enumerate() {
        let stride = if c == 0 { 1 } else { 2 };
        out.push(Block::Entry { channels_in: channels, channels_out: cell.width, height, width, stride });
        (channels, height, width) = (cell.width, height.div_ceil(stride), width.div_ceil(stride));
        for layer in &cell.layers {
            out.extend(layer.skips.iter().map(|_| Block::Add { channels, height, width }));
            out.push(Block::Op { op: layer.op, channels, height, width });
        }
    }
    out.push(Block::Head { features: channels, classes: config.classes, height, width });
    out
}

/// Every block a network of `config`'s space can contain (every op open by the last stage, at
/// every width of every cell), each once.
pub fn space_blocks(config: &SpaceConfig) -> Vec<Block> {
    let (mut height, mut width) = (config.input.height, config.input.width);
    let mut out = vec![Block::Stem { channels_in: config.input.channels, channels_out: config.stem_width, height, width }];
    let mut before = vec![config.stem_width];
    for (c, widths) in config.cell_widths.iter().enumerate() {
        let stride = if c == 0 { 1 } else { 2 };
        for &channels_in in &before {
            out.extend(widths.iter().map(|&channels_out| Block::Entry { channels_in, channels_out, height, width, stride }));
        }
        (height, width) = (height.div_ceil(stride), width.div_ceil(stride));
        for &channels in widths {
            out.extend(config.schedule.open_ops(Stage::Three).into_iter().map(|op| Block::Op { op, channels, height, width }));
            if config.max_skips > 0 && config.max_layers > 1 {
                out.push(Block::Add { channels, height, width });
            }
        }
        before.clone_from(widths);
    }
    out.extend(before.iter().map(|&features| Block::Head { features, classes: config.classes, height, width }));
    out
}

/// What identifies the blocks of `config`'s space (FNV-1a of their list, hex): two spaces with
/// the same signature have the same blocks, so one profile serves both.
pub fn space_signature(config: &SpaceConfig) -> String {
    let blocks = serde_json::to_string(&space_blocks(config)).unwrap_or_default();
    format!("{:016x}", crate::rng::fnv1a64(blocks.as_bytes()))
}

/// A block's measured cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlockTime {
    /// The block.
    pub block: Block,
    /// Milliseconds it adds to an inference (the slope of its chain timings).
    pub ms: f64,
}

/// The network-level correction: `scale × (blocks + overhead) + offset_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    /// Multiplies the sum.
    pub scale: f64,
    /// Added, milliseconds.
    pub offset_ms: f64,
}

impl Correction {
    /// No correction.
    pub const NONE: Correction = Correction { scale: 1.0, offset_ms: 0.0 };

    /// The correction from whole networks: each pair is a network's raw sum (see
    /// [`LatencyTable::raw_ms`]) and its measured latency. The least-squares line through
    /// them, or none when they cannot fix one with a positive scale.
    pub fn fit(pairs: &[(f64, f64)]) -> Correction {
        match fit_line(pairs) {
            Some((scale, offset_ms)) if scale > 0.0 && scale.is_finite() && offset_ms.is_finite() => Correction { scale, offset_ms },
            _ => Correction::NONE,
        }
    }
}

/// Where and when a table was measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// The backend (`flex (CPU)`, `WebGPU`, ...).
    pub backend: String,
    /// The adapter or processor, as far as it is known.
    pub adapter: String,
    /// The browser or operating system.
    pub host: String,
    /// When, as ISO 8601 text.
    pub date: String,
    /// Seconds calibration took.
    pub seconds: f64,
}

/// The latency table of one device (a "device profile"): see the module's documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyTable {
    /// The format's version ([`LatencyTable::VERSION`]).
    pub version: u32,
    /// Where and when it was measured.
    pub measured: Measured,
    /// The signature of the space it was calibrated for ([`space_signature`]).
    #[serde(default)]
    pub space: String,
    /// Every calibrated block.
    pub blocks: Vec<BlockTime>,
    /// Milliseconds every inference costs besides its blocks (input, read-back).
    pub overhead_ms: f64,
    /// The network-level correction.
    pub correction: Correction,
}

impl Default for LatencyTable {
    fn default() -> Self {
        LatencyTable {
            version: Self::VERSION,
            measured: Measured::default(),
            space: String::new(),
            blocks: Vec::new(),
            overhead_ms: 0.0,
            correction: Correction::NONE,
        }
    }
}

impl LatencyTable {
    /// The version of the format this code reads and writes.
    pub const VERSION: u32 = 1;

    /// The table's costs by block.
    fn costs(&self) -> BTreeMap<Block, f64> {
        self.blocks.iter().map(|b| (b.block, b.ms)).collect()
    }

    /// The sum of `genotype`'s block costs and the overhead, before the correction; `Err` names
    /// a block the table lacks.
    pub fn raw_ms(&self, config: &SpaceConfig, genotype: &Genotype) -> Result<f64, String> {
        let costs = self.costs();
        blocks(config, genotype).iter().try_fold(self.overhead_ms, |sum, block| {
            costs.get(block).map(|ms| sum + ms).ok_or_else(|| format!("the device profile has no timing of {block}"))
        })
    }

    /// `genotype`'s predicted latency in milliseconds (never below zero).
    pub fn predict_ms(&self, config: &SpaceConfig, genotype: &Genotype) -> Result<f64, String> {
        let raw = self.raw_ms(config, genotype)?;
        Ok((self.correction.scale * raw + self.correction.offset_ms).max(0.0))
    }

    /// `Ok` when every block of `config`'s space is in the table; else the first missing one.
    pub fn covers(&self, config: &SpaceConfig) -> Result<(), String> {
        let costs = self.costs();
        match space_blocks(config).into_iter().find(|block| !costs.contains_key(block)) {
            None => Ok(()),
            Some(block) => Err(format!(
                "the device profile was calibrated for another space: it has no timing of {block}; calibrate again for this space"
            )),
        }
    }

    /// Reads a table (from a file or storage), checked: its version, and every number finite
    /// and not negative (the scale positive). `Err` names what is wrong.
    pub fn from_json(text: &str) -> Result<LatencyTable, String> {
        let table: LatencyTable = serde_json::from_str(text).map_err(|e| format!("not a device profile: {e}"))?;
        table.check()?;
        Ok(table)
    }

    /// The checks of [`Self::from_json`].
    pub fn check(&self) -> Result<(), String> {
        if self.version != Self::VERSION {
            return Err(format!("the device profile has version {}; this build reads version {}", self.version, Self::VERSION));
        }
        let bad = |what: &str, value: f64| !value.is_finite() || value < 0.0 || (what == "correction.scale" && value == 0.0);
        for (what, value) in [("overhead_ms", self.overhead_ms), ("correction.scale", self.correction.scale)] {
            if bad(what, value) {
                return Err(format!("the device profile's {what} is {value}; it must be a finite number above zero"));
            }
        }
        if !self.correction.offset_ms.is_finite() {
            return Err(format!("the device profile's correction.offset_ms is {}; it must be finite", self.correction.offset_ms));
        }
        if self.blocks.is_empty() {
            return Err("the device profile times no block".into());
        }
        for (i, b) in self.blocks.iter().enumerate() {
            if bad("ms", b.ms) {
                return Err(format!("the device profile's block {i} ({}) takes {} ms; it must be a finite number, 0 or more", b.block, b.ms));
            }
        }
        Ok(())
    }
}

/// The least-squares line through `points` (x, y): (slope, intercept); `None` with fewer than
/// two distinct x.
pub fn fit_line(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if points.len() < 2 || sxx <= 0.0 {
        return None;
    }
    let slope = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx;
    Some((slope, my - slope * mx))
}
