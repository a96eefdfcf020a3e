//! Architecture diagram geometry: a genotype laid out as boxes (stem, each cell's entry
//! convolution and layers, head), one row per cell, with the skip connections as arcs above
//! the layers. Every box carries its cost: parameters, MACs and predicted latency, and a
//! child's layers how they started (weights copied, sliced, identity or fresh).
//!
//! ```
//! use engine::hardware::{DeviceProfile, Roofline, Target};
//! use engine::space::{Genotype, InputShape, SpaceConfig};
//! use ui::model::diagram::diagram;
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![16], vec![32]];
//! let genotype: Genotype = "16:conv3x3,skip+0|32:eca".parse().unwrap();
//! let d = diagram(&config, &genotype, &Roofline::new(DeviceProfile::builtin(Target::Mobile)), &[]);
//! // stem, entry + 2 layers, entry + 1 layer, head
//! assert_eq!(d.boxes.len(), 7);
//! assert_eq!(d.arcs.len(), 1);
//! ```

use engine::cost::{Location, cost};
use engine::hardware::LatencyModel;
use engine::search::LayerStart;
use engine::space::{Genotype, SpaceConfig};

/// Box width and height, gaps between boxes and rows, in SVG units.
const BOX_W: f64 = 92.0;
const BOX_H: f64 = 34.0;
const GAP_X: f64 = 18.0;
const ROW_H: f64 = 86.0;
const LEFT: f64 = 96.0;
const TOP: f64 = 30.0;

/// One drawn layer.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramBox {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// The op (or stem, entry, head).
    pub label: String,
    /// Output shape, e.g. `16×28×28`.
    pub shape: String,
    /// Trainable parameters.
    pub params: u64,
    /// Multiply-accumulates.
    pub macs: u64,
    /// Predicted latency on the target, milliseconds.
    pub latency_ms: f64,
    /// CSS class by op family: `conv`, `pool`, `skip`, `depthwise`, `attention`, `fixed`.
    pub family: &'static str,
    /// How a cell layer of an inheriting child started.
    pub start: Option<LayerStart>,
}

/// A skip connection from an earlier node of a cell to a layer's input.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramArc {
    /// SVG path data.
    pub path: String,
}

/// A cell's row label.
#[derive(Debug, Clone, PartialEq)]
pub struct RowLabel {
    /// Baseline y.
    pub y: f64,
    /// Text, e.g. `cell 1 · 32 ch`.
    pub text: String,
}

/// The whole diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    /// SVG width.
    pub width: f64,
    /// SVG height.
    pub height: f64,
    /// Layers in order, stem first, head last.
    pub boxes: Vec<DiagramBox>,
    /// Straight data-flow links between consecutive boxes: (x1, y1, x2, y2).
    pub links: Vec<(f64, f64, f64, f64)>,
    /// Skip connections.
    pub arcs: Vec<DiagramArc>,
    /// Row labels.
    pub rows: Vec<RowLabel>,
}

fn family(label: &str) -> &'static str {
    match label {
        "conv3x3" | "conv1x1" => "conv",
        "maxpool3x3" | "avgpool3x3" => "pool",
        "skip" => "skip",
        "dwconv3x3" | "dwconv5x5" | "dilconv3x3" => "depthwise",
        "se_block" | "cbam" | "eca" => "attention",
        _ => "fixed",
    }
}

/// Lays out `genotype` of the space `config`, with latencies from `model` and, for a child
/// that inherited, how each cell layer started (`starts[cell][layer]`; empty otherwise).
pub fn diagram(config: &SpaceConfig, genotype: &Genotype, model: &impl LatencyModel, starts: &[Vec<LayerStart>]) -> Diagram {
    let c = cost(config, genotype);
    let mut boxes: Vec<DiagramBox> = Vec::with_capacity(c.layers.len());
    let mut rows = Vec::new();
    let mut links = Vec::new();
    let mut arcs = Vec::new();
    let row_y = |row: usize| TOP + ROW_H * row as f64;
    let cells = genotype.cells.len();
    for layer in &c.layers {
        let start = match layer.location {
            Location::Layer { cell, layer } => starts.get(cell).and_then(|s| s.get(layer)).copied(),
            _ => None,
        };
        let (row, column) = match layer.location {
            Location::Stem => (0, 0),
            Location::Entry { cell } => (cell + 1, 0),
            Location::Layer { cell, layer } => (cell + 1, layer + 1),
            Location::Head => (cells + 1, 0),
        };
        let shape = format!("{}×{}×{}", layer.output.channels, layer.output.height, layer.output.width);
        boxes.push(DiagramBox {
            x: LEFT + column as f64 * (BOX_W + GAP_X),
            y: row_y(row),
            width: BOX_W,
            height: BOX_H,
            label: layer.label.clone(),
            shape,
            params: layer.params,
            macs: layer.macs,
            latency_ms: model.layer_ms(layer),
            family: family(&layer.label),
            start,
        });
    }
    rows.push(RowLabel { y: row_y(0) + BOX_H / 2.0 + 4.0, text: "input".into() });
    for (i, cell) in genotype.cells.iter().enumerate() {
        rows.push(RowLabel { y: row_y(i + 1) + BOX_H / 2.0 + 4.0, text: format!("cell {i} · {} ch", cell.width) });
    }
    rows.push(RowLabel { y: row_y(cells + 1) + BOX_H / 2.0 + 4.0, text: "output".into() });
    for pair in boxes.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if (a.y - b.y).abs() < 1e-9 {
            links.push((a.x + a.width, a.y + a.height / 2.0, b.x, b.y + b.height / 2.0));
        } else {
            links.push((a.x + a.width / 2.0, a.y + a.height, b.x + b.width / 2.0, b.y));
        }
    }
    for (i, cell) in genotype.cells.iter().enumerate() {
        for (j, layer) in cell.layers.iter().enumerate() {
            for &skip in &layer.skips {
                // Node k sits in column k of the row; layer j (node j + 1) reads it at its input.
                let from_x = LEFT + f64::from(skip) * (BOX_W + GAP_X) + BOX_W / 2.0;
                let to_x = LEFT + (j + 1) as f64 * (BOX_W + GAP_X) + BOX_W / 4.0;
                let y = row_y(i + 1);
                let lift = 14.0 + 4.0 * (j as f64 - f64::from(skip));
                arcs.push(DiagramArc {
                    path: format!(
                        "M{from_x:.1},{y:.1} C{from_x:.1},{:.1} {to_x:.1},{:.1} {to_x:.1},{y:.1}",
                        y - lift,
                        y - lift
                    ),
                });
            }
        }
    }
    let columns = genotype.cells.iter().map(|cell| cell.layers.len() + 1).max().unwrap_or(1);
    Diagram {
        width: LEFT + columns as f64 * (BOX_W + GAP_X),
        height: row_y(cells + 2) - ROW_H + BOX_H + 16.0,
        boxes,
        links,
        arcs,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::hardware::{DeviceProfile, Roofline, Target};
    use engine::space::InputShape;

    #[test]
    fn boxes_carry_the_cost_model_and_sum_to_its_totals() {
        let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
        config.cell_widths = vec![vec![16], vec![32], vec![64]];
        let genotype: Genotype = "16:conv3x3,dwconv3x3+0|32:se_block|64:cbam,skip+0+1".parse().unwrap();
        let model = Roofline::new(DeviceProfile::builtin(Target::Edge));
        let d = diagram(&config, &genotype, &model, &[vec![LayerStart::Copied, LayerStart::Identity], vec![], vec![LayerStart::Sliced]]);
        let total = cost(&config, &genotype);
        assert_eq!(d.boxes.iter().map(|b| b.params).sum::<u64>(), total.params);
        assert_eq!(d.boxes.iter().map(|b| b.macs).sum::<u64>(), total.macs);
        let latency: f64 = d.boxes.iter().map(|b| b.latency_ms).sum();
        assert!((latency - model.latency_ms(&total)).abs() < 1e-9);
        assert_eq!(d.arcs.len(), 3);
        assert_eq!(d.links.len(), d.boxes.len() - 1);
        assert_eq!(d.rows.len(), 5);
        assert!(d.boxes.iter().all(|b| b.x + b.width <= d.width && b.y + b.height <= d.height));
        assert_eq!(d.boxes[2].family, "conv");
        assert_eq!(d.boxes[3].family, "depthwise");
        let starts: Vec<Option<LayerStart>> = d.boxes.iter().map(|b| b.start).collect();
        let (copied, identity, sliced) = (Some(LayerStart::Copied), Some(LayerStart::Identity), Some(LayerStart::Sliced));
        assert_eq!(starts, [None, None, copied, identity, None, None, None, sliced, None, None], "cell layers only, by position");
    }
}
