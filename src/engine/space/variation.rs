//! The space verbs that make genotypes: `sample`, `mutate`, `crossover`. Every output lies in
//! the space at the stage it was made for.

use rand::RngExt;
use rand::seq::{IndexedRandom, SliceRandom};
use serde::{Deserialize, Serialize};

use super::{Cell, Genotype, Layer, Op, Space, Stage};

/// Probability that a candidate skip input is drawn when sampling a layer.
const SKIP_PROBABILITY: f64 = 0.25;

/// What a mutation changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationKind {
    /// One layer's op replaced by another open op.
    ChangeOp,
    /// One cell's width replaced by another allowed width.
    ChangeWidth,
    /// A layer inserted into a cell.
    AddLayer,
    /// A layer removed from a cell.
    RemoveLayer,
    /// One skip input added or removed.
    ToggleSkip,
    /// Nothing could change (a space with a single point).
    Unchanged,
}

impl MutationKind {
    /// A short label for reports.
    pub fn label(self) -> &'static str {
        match self {
            MutationKind::ChangeOp => "change_op",
            MutationKind::ChangeWidth => "change_width",
            MutationKind::AddLayer => "add_layer",
            MutationKind::RemoveLayer => "remove_layer",
            MutationKind::ToggleSkip => "toggle_skip",
            MutationKind::Unchanged => "unchanged",
        }
    }
}

/// How two parents were recombined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossoverKind {
    /// Whole cells taken from one parent or the other.
    Cell,
    /// Within each cell, width and each layer taken from either parent.
    Layer,
}

/// A mutated genotype and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutated {
    /// The child.
    pub genotype: Genotype,
    /// The change made.
    pub kind: MutationKind,
}

impl Space {
    /// A uniformly drawn genotype using the ops open at `stage`: per cell a width, a layer count,
    /// per layer an op, and each possible skip input with probability 1/4 (at most `max_skips`).
    pub fn sample(&self, stage: Stage, rng: &mut impl rand::Rng) -> Genotype {
        let config = self.config();
        let ops = config.schedule.open_ops(stage);
        let cells = config
            .cell_widths
            .iter()
            .map(|widths| {
                let width = *widths.choose(rng).unwrap_or(&widths[0]);
                let n = rng.random_range(config.min_layers..=config.max_layers) as usize;
                let layers = (0..n)
                    .map(|index| {
                        let op = *ops.choose(rng).unwrap_or(&ops[0]);
                        let mut skips: Vec<u8> =
                            (0..index as u8).filter(|_| rng.random_bool(SKIP_PROBABILITY)).collect();
                        skips.shuffle(rng);
                        skips.truncate(config.max_skips as usize);
                        skips.sort_unstable();
                        Layer { op, skips }
                    })
                    .collect();
                Cell { width, layers }
            })
            .collect();
        Genotype { cells }
    }

    /// One random change among those possible: change an op (to another open op), change a
    /// width, add a layer, remove a layer, or toggle a skip input. Skip inputs of later layers
    /// are renumbered when a layer is added or removed (a skip from a removed layer is dropped).
    /// A genotype with another number of cells than the space comes back unchanged.
    pub fn mutate(&self, genotype: &Genotype, stage: Stage, rng: &mut impl rand::Rng) -> Mutated {
        let config = self.config();
        let ops = config.schedule.open_ops(stage);
        if genotype.cells.len() != config.cell_widths.len() {
            return Mutated { genotype: genotype.clone(), kind: MutationKind::Unchanged };
        }
        let kinds = self.possible_mutations(genotype, ops.len());
        let Some(&kind) = kinds.choose(rng) else {
            return Mutated { genotype: genotype.clone(), kind: MutationKind::Unchanged };
        };
        let mut child = genotype.clone();
        let pick_cell = |rng: &mut dyn rand::Rng, ok: &dyn Fn(&Cell, usize) -> bool| -> usize {
            let candidates: Vec<usize> =
                (0..genotype.cells.len()).filter(|&c| ok(&genotype.cells[c], c)).collect();
            candidates[rng.random_range(0..candidates.len())]
        };
        match kind {
            MutationKind::ChangeOp => {
                let c = pick_cell(rng, &|cell, _| !cell.layers.is_empty());
                let cell = &mut child.cells[c];
                let l = rng.random_range(0..cell.layers.len());
                let current = cell.layers[l].op;
                let others: Vec<_> = ops.iter().copied().filter(|op| *op != current).collect();
                cell.layers[l].op = others[rng.random_range(0..others.len())];
            }
            MutationKind::ChangeWidth => {
                let c = pick_cell(rng, &|_, c| config.cell_widths[c].len() > 1);
                let current = child.cells[c].width;
                let others: Vec<u32> = config.cell_widths[c].iter().copied().filter(|w| *w != current).collect();
                child.cells[c].width = others[rng.random_range(0..others.len())];
            }
            MutationKind::AddLayer => {
                let c = pick_cell(rng, &|cell, _| cell.layers.len() < config.max_layers as usize);
                let cell = &mut child.cells[c];
                let at = rng.random_range(0..=cell.layers.len());
                let op = ops[rng.random_range(0..ops.len())];
                insert_layer(cell, at, op);
            }
            MutationKind::RemoveLayer => {
                let c = pick_cell(rng, &|cell, _| cell.layers.len() > config.min_layers as usize);
                let cell = &mut child.cells[c];
                let at = rng.random_range(0..cell.layers.len());
                remove_layer(cell, at, config.max_skips as usize);
            }
            MutationKind::ToggleSkip => {
                let c = pick_cell(rng, &|cell, _| cell.layers.len() > 1);
                let cell = &mut child.cells[c];
                let l = rng.random_range(1..cell.layers.len());
                let node = rng.random_range(0..l) as u8;
                toggle_skip(&mut cell.layers[l].skips, node, config.max_skips as usize, rng);
            }
            MutationKind::Unchanged => {}
        }
        Mutated { genotype: child, kind }
    }

    /// The mutations that can change `genotype` with `open_ops` ops open, in a fixed order.
    fn possible_mutations(&self, genotype: &Genotype, open_ops: usize) -> Vec<MutationKind> {
        let config = self.config();
        let cells = &genotype.cells;
        [
            (MutationKind::ChangeOp, open_ops > 1 && cells.iter().any(|c| !c.layers.is_empty())),
            (MutationKind::ChangeWidth, config.cell_widths.iter().any(|w| w.len() > 1)),
            (MutationKind::AddLayer, cells.iter().any(|c| c.layers.len() < config.max_layers as usize)),
            (MutationKind::RemoveLayer, cells.iter().any(|c| c.layers.len() > config.min_layers as usize)),
            (MutationKind::ToggleSkip, config.max_skips > 0 && cells.iter().any(|c| c.layers.len() > 1)),
        ]
        .into_iter()
        .filter_map(|(kind, possible)| possible.then_some(kind))
        .collect()
    }

    /// Two children of `a` and `b` (which must have this space's number of cells).
    ///
    /// - [`CrossoverKind::Cell`]: each cell comes whole from one parent; the second child takes
    ///   the other parent's cell.
    /// - [`CrossoverKind::Layer`]: per cell, the first child keeps `a`'s layer count and the
    ///   second `b`'s; width and each layer position both parents have come from either
    ///   parent (the second child takes the other choice); skip inputs that no longer point
    ///   to an earlier node are dropped.
    pub fn crossover(
        &self,
        a: &Genotype,
        b: &Genotype,
        rng: &mut impl rand::Rng,
    ) -> (Genotype, Genotype, CrossoverKind) {
        let kind = if rng.random_bool(0.5) { CrossoverKind::Cell } else { CrossoverKind::Layer };
        let max_skips = self.config().max_skips as usize;
        let mut first = Vec::new();
        let mut second = Vec::new();
        for (ca, cb) in a.cells.iter().zip(&b.cells) {
            match kind {
                CrossoverKind::Cell => {
                    let swap = rng.random_bool(0.5);
                    first.push(if swap { cb.clone() } else { ca.clone() });
                    second.push(if swap { ca.clone() } else { cb.clone() });
                }
                CrossoverKind::Layer => {
                    let swap_width = rng.random_bool(0.5);
                    let mut one = Cell { width: if swap_width { cb.width } else { ca.width }, layers: Vec::new() };
                    let mut two = Cell { width: if swap_width { ca.width } else { cb.width }, layers: Vec::new() };
                    let longest = ca.layers.len().max(cb.layers.len());
                    for i in 0..longest {
                        let swap = rng.random_bool(0.5);
                        match (ca.layers.get(i), cb.layers.get(i)) {
                            (Some(la), Some(lb)) => {
                                one.layers.push(if swap { lb.clone() } else { la.clone() });
                                two.layers.push(if swap { la.clone() } else { lb.clone() });
                            }
                            (Some(la), None) => one.layers.push(la.clone()),
                            (None, Some(lb)) => two.layers.push(lb.clone()),
                            (None, None) => {}
                        }
                    }
                    normalise_skips(&mut one, max_skips);
                    normalise_skips(&mut two, max_skips);
                    first.push(one);
                    second.push(two);
                }
            }
        }
        (Genotype { cells: first }, Genotype { cells: second }, kind)
    }
}

/// Keeps each layer's skips ascending, distinct, below its index and at most `max_skips`.
fn normalise_skips(cell: &mut Cell, max_skips: usize) {
    for (index, layer) in cell.layers.iter_mut().enumerate() {
        layer.skips.retain(|&s| usize::from(s) < index);
        layer.skips.sort_unstable();
        layer.skips.dedup();
        layer.skips.truncate(max_skips);
    }
}

/// Inserts a plain `op` layer at `at`, renumbering the skips of the layers after it.
fn insert_layer(cell: &mut Cell, at: usize, op: Op) {
    for layer in &mut cell.layers[at..] {
        for skip in &mut layer.skips {
            if usize::from(*skip) > at {
                *skip += 1;
            }
        }
    }
    cell.layers.insert(at, Layer::plain(op));
}

/// Removes the layer at `at`: skips from it are dropped, later ones renumbered.
fn remove_layer(cell: &mut Cell, at: usize, max_skips: usize) {
    cell.layers.remove(at);
    let removed_node = at + 1;
    for layer in &mut cell.layers[at..] {
        layer.skips.retain(|&s| usize::from(s) != removed_node);
        for skip in &mut layer.skips {
            if usize::from(*skip) > removed_node {
                *skip -= 1;
            }
        }
    }
    normalise_skips(cell, max_skips);
}

/// Adds a skip from `node` to a layer's `skips`, or removes it when present; at the limit it
/// replaces a random one.
fn toggle_skip(skips: &mut Vec<u8>, node: u8, max_skips: usize, rng: &mut impl rand::Rng) {
    if let Some(position) = skips.iter().position(|&s| s == node) {
        skips.remove(position);
    } else if skips.len() < max_skips {
        skips.push(node);
        skips.sort_unstable();
    } else {
        let drop = rng.random_range(0..skips.len());
        skips[drop] = node;
        skips.sort_unstable();
        skips.dedup();
    }
}
