//! Genotype → Burn model. The network is the one `engine::cost` describes: stem, one entry
//! convolution per cell (stride 2 after the first), the cell's layers with their skip inputs
//! added to their input, global average pooling and a linear head. Its trainable parameters
//! equal `cost::params` and its BN running statistics `cost.buffers`.
//!
//! ```
//! use burn::module::Module;
//! use burn::tensor::{Distribution, Tensor};
//! use engine::{cost::cost, rng::{Seed, rng_for}, space::{InputShape, Space, SpaceConfig, Stage}};
//! use nn::{backend, candidate::Network};
//! let space = Space::new(SpaceConfig::for_input(InputShape::DIGITS, 10)).unwrap();
//! let genotype = space.sample(Stage::Three, &mut rng_for(Seed(3), "doc"));
//! let device = backend::cpu();
//! let model = Network::new(&space, &genotype, &device).unwrap();
//! let images: Tensor<4> = Tensor::random([2, 1, 28, 28], Distribution::Default, &device);
//! assert_eq!(model.forward(images).dims(), [2, 10]);
//! let c = cost(space.config(), &genotype);
//! assert_eq!(model.num_params() - model.buffers(), c.params as usize);
//! ```

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use engine::space::{Genotype, Space, SpaceError};
use crate::blocks::{Block, ConvBnRelu, ConvShape};

/// One layer: its block and the earlier nodes added to its input.
#[derive(Module, Debug)]
pub struct CandidateLayer {
    pub(crate) block: Block,
    pub(crate) skips: Vec<usize>,
}

/// One cell: the entry convolution (node 0) and the layers (nodes 1..).
#[derive(Module, Debug)]
pub struct CandidateCell {
    pub(crate) entry: ConvBnRelu,
    pub(crate) layers: Vec<CandidateLayer>,
}

impl CandidateCell {
    /// `[b, c_prev, h, w]` → `[b, width, h', w']`; node `j + 1` = block of (node `j` + skips).
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut nodes: Vec<Tensor<4>> = Vec::with_capacity(self.layers.len());
        let mut last = self.entry.forward(x);
        for layer in &self.layers {
            nodes.push(last);
            let previous = nodes[nodes.len() - 1].clone();
            let input = layer.skips.iter().fold(previous, |sum, &s| sum + nodes[s].clone());
            last = layer.block.forward(input);
        }
        last
    }

    fn buffers(&self) -> usize {
        self.entry.buffers() + self.layers.iter().map(|l| l.block.buffers()).sum::<usize>()
    }
}

/// A candidate network built from a genotype.
#[derive(Module, Debug)]
pub struct Network {
    pub(crate) stem: ConvBnRelu,
    pub(crate) cells: Vec<CandidateCell>,
    pub(crate) head: Linear,
}

impl Network {
    /// Builds `genotype` (which must lie in `space`) with fresh weights on `device`.
    pub fn new(space: &Space, genotype: &Genotype, device: &Device) -> Result<Network, SpaceError> {
        space.check_contains(genotype)?;
        let config = space.config();
        let stem_width = config.stem_width as usize;
        let stem = ConvBnRelu::new(ConvShape::dense(config.input.channels as usize, stem_width, 3), device);
        let mut previous = stem_width;
        let cells = genotype
            .cells
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let width = cell.width as usize;
                let entry = ConvShape { stride: if c == 0 { 1 } else { 2 }, ..ConvShape::dense(previous, width, 3) };
                previous = width;
                CandidateCell {
                    entry: ConvBnRelu::new(entry, device),
                    layers: cell
                        .layers
                        .iter()
                        .map(|layer| CandidateLayer {
                            block: Block::new(layer.op, width, device),
                            skips: layer.skips.iter().map(|&s| usize::from(s)).collect(),
                        })
                        .collect(),
                }
            })
            .collect();
        let head = LinearConfig::new(previous, config.classes as usize).init(device);
        Ok(Network { stem, cells, head })
    }

    /// `[b, channels, height, width]` images → `[b, classes]` logits.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self.stem.forward(images);
        let x = self.cells.iter().fold(x, |x, cell| cell.forward(x));
        let [b, c, _, _] = x.dims();
        let pooled: Tensor<2> = x.mean_dims(&[2, 3]).reshape([b, c]);
        self.head.forward(pooled)
    }

    /// Values of BN running statistics (counted by Burn's `num_params`, not trainable).
    pub fn buffers(&self) -> usize {
        self.stem.buffers() + self.cells.iter().map(CandidateCell::buffers).sum::<usize>()
    }
}

/// What a child took over from its parents.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Inheritance {
    /// Trainable parameters copied from a parent.
    pub inherited_params: usize,
    /// Trainable parameters of the child.
    pub total_params: usize,
    /// Modules (stem, entries, layers, head) copied from a parent, whole or in part.
    pub inherited_modules: usize,
    /// Layers no parent has that start as the identity (see [`crate::inherit`]).
    #[serde(default)]
    pub identity_layers: usize,
    /// How each layer of each cell started (empty for a network built without parents).
    #[serde(default)]
    pub layers: Vec<Vec<engine::search::LayerStart>>,
}
