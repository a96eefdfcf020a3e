//! The genotype, its canonical text form and its stable id.
//!
//! # Canonical text grammar
//!
//! ```text
//! genotype := cell ( "|" cell )*
//! cell     := width ":" layer ( "," layer )*
//! layer    := op ( "+" node )*
//! op       := conv3x3 | conv1x1 | maxpool3x3 | avgpool3x3 | skip | dwconv3x3 | dwconv5x5
//!           | dilconv3x3 | se_block | cbam | eca
//! ```
//!
//! Nodes of a cell are numbered from 0: node 0 is the output of the cell's entry convolution and
//! node `j + 1` the output of layer `j`. Layer `j` always reads node `j` (the previous layer) and
//! adds the skip inputs listed after `+`, each an earlier node `< j`. Example:
//! `16:conv3x3,skip,dwconv3x3+0|32:conv1x1,eca+0` has two cells; in the first, layer 2 adds the
//! entry output (node 0) to its input. The canonical form has no spaces and lists skip inputs in
//! ascending order; the parser also accepts spaces around separators and any skip order.
//!
//! The `arch_id` is the FNV-1a 64-bit hash of the canonical text's UTF-8 bytes, written as 16
//! lowercase hex digits: the same on every platform.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::op::Op;
use crate::rng::fnv1a64;

/// One layer: an op and the earlier nodes added to its input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Layer {
    /// The operation.
    pub op: Op,
    /// Skip inputs: earlier nodes of the same cell (ascending, each below this layer's index).
    #[serde(default)]
    pub skips: Vec<u8>,
}

impl Layer {
    /// A layer without skip inputs.
    pub fn plain(op: Op) -> Self {
        Layer { op, skips: Vec::new() }
    }
}

/// One resolution stage: a width and a chain of layers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cell {
    /// Channels of every layer of the cell.
    pub width: u32,
    /// The layers, in order.
    pub layers: Vec<Layer>,
}

/// An architecture: its cells, from the input side to the classifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Genotype {
    /// The cells; cell `i > 0` halves the resolution.
    pub cells: Vec<Cell>,
}

/// Why a text is not a genotype.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// The text is empty.
    #[error("the genotype text is empty; expected cells like `16:conv3x3,skip+0|32:conv1x1`")]
    Empty,
    /// A cell lacks `width:`.
    #[error("cell {cell}: expected `width:layers`, got {}", crate::text::quoted(text))]
    CellForm { cell: usize, text: String },
    /// The width is not a positive whole number.
    #[error("cell {cell}: width {} is not a positive whole number", crate::text::quoted(text))]
    Width { cell: usize, text: String },
    /// A layer names no known op.
    #[error("cell {cell} layer {layer}: unknown op {}; allowed: {allowed}", crate::text::quoted(text))]
    UnknownOp { cell: usize, layer: usize, text: String, allowed: String },
    /// A skip input is not a node number.
    #[error("cell {cell} layer {layer}: skip input {} is not a node number (0-255)", crate::text::quoted(text))]
    Skip { cell: usize, layer: usize, text: String },
}

impl Genotype {
    /// The canonical text form (see the module docs for the grammar).
    pub fn to_text(&self) -> String {
        let cells: Vec<String> = self
            .cells
            .iter()
            .map(|cell| {
                let layers: Vec<String> = cell
                    .layers
                    .iter()
                    .map(|layer| {
                        let mut skips = layer.skips.clone();
                        skips.sort_unstable();
                        skips.dedup();
                        let mut text = layer.op.name().to_string();
                        for skip in skips {
                            text.push('+');
                            text.push_str(&skip.to_string());
                        }
                        text
                    })
                    .collect();
                format!("{}:{}", cell.width, layers.join(","))
            })
            .collect();
        cells.join("|")
    }

    /// Parses the text form. Skip inputs come back sorted and without repeats; whether the
    /// genotype lies in a space is [`super::Space::check_contains`]'s question.
    pub fn parse(text: &str) -> Result<Genotype, ParseError> {
        if text.trim().is_empty() {
            return Err(ParseError::Empty);
        }
        let mut cells = Vec::new();
        for (c, cell_text) in text.split('|').enumerate() {
            let (width_text, layers_text) = cell_text
                .split_once(':')
                .ok_or_else(|| ParseError::CellForm { cell: c, text: cell_text.trim().to_string() })?;
            let width_text = width_text.trim();
            let width = width_text
                .parse::<u32>()
                .ok()
                .filter(|w| *w > 0)
                .ok_or_else(|| ParseError::Width { cell: c, text: width_text.to_string() })?;
            let mut layers = Vec::new();
            for (l, layer_text) in layers_text.split(',').enumerate() {
                let mut parts = layer_text.split('+').map(str::trim);
                let op_text = parts.next().unwrap_or_default();
                let op = Op::from_name(op_text).ok_or_else(|| ParseError::UnknownOp {
                    cell: c,
                    layer: l,
                    text: op_text.to_string(),
                    allowed: Op::ALL.map(Op::name).join(", "),
                })?;
                let mut skips = parts
                    .map(|s| s.parse::<u8>().map_err(|_| ParseError::Skip { cell: c, layer: l, text: s.to_string() }))
                    .collect::<Result<Vec<u8>, _>>()?;
                skips.sort_unstable();
                skips.dedup();
                layers.push(Layer { op, skips });
            }
            cells.push(Cell { width, layers });
        }
        Ok(Genotype { cells })
    }

    /// The stable id: FNV-1a 64 of the canonical text, 16 hex digits.
    pub fn arch_id(&self) -> String {
        format!("{:016x}", fnv1a64(self.to_text().as_bytes()))
    }

    /// Total number of layers over all cells.
    pub fn depth(&self) -> usize {
        self.cells.iter().map(|cell| cell.layers.len()).sum()
    }
}

impl std::fmt::Display for Genotype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl std::str::FromStr for Genotype {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Genotype::parse(text)
    }
}
