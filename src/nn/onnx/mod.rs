//! A trained candidate as an ONNX model (IR 8, opset 17), readable by onnxruntime, TensorRT,
//! OpenVINO and the rest: the stem, every cell's entry convolution, layers and skip additions,
//! the head, BatchNormalization in inference form with the trained running statistics, and the
//! data normalisation (the training set's per-channel mean and std) inside the graph, so a user
//! feeds pixels scaled to [0, 1]. The batch dimension is free. Weights are read back
//! asynchronously, so this works on WebGPU in the browser as on the CPU.
//!
//! ```
//! use engine::space::{Genotype, InputShape, Space, SpaceConfig};
//! use nn::{backend, candidate::Network, onnx::{About, onnx_bytes}};
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![4], vec![8]];
//! let space = Space::new(config).unwrap();
//! let genotype = Genotype::parse("4:conv3x3,skip+0|8:cbam").unwrap();
//! let model = Network::new(&space, &genotype, &backend::cpu()).unwrap();
//! let about = About { arch_id: "0123456789abcdef".into(), genotype: genotype.to_string(), stats: vec![(0.13, 0.31)], summary: String::new() };
//! let bytes = pollster::block_on(onnx_bytes(&model, InputShape::DIGITS, &about)).unwrap();
//! assert!(bytes.len() > 1000);
//! ```

mod graph;
mod network;
pub mod proto;

use thiserror::Error;

use engine::space::InputShape;
use crate::candidate::Network;
use proto::{Dim, Graph, Model, ValueInfo, Values};

/// Why a model could not be written.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OnnxError {
    /// Reading a weight back from the device failed.
    #[error("reading the weights back from the device: {0}")]
    ReadBack(String),
    /// The model holds something the exporter does not write.
    #[error("cannot be written as ONNX: {0}")]
    Unsupported(String),
}

/// What the model file says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct About {
    /// The architecture's id in its run.
    pub arch_id: String,
    /// The genotype text (`engine::space::Genotype`'s format).
    pub genotype: String,
    /// Per-channel mean and std of the training pixels (scaled to [0, 1]), one pair per input
    /// channel: the graph normalises its input with them.
    pub stats: Vec<(f32, f32)>,
    /// A line on where the model comes from and how well it did (the run, its accuracy).
    pub summary: String,
}

/// The graph input's name.
pub const INPUT: &str = "pixels";
/// The graph output's name.
pub const OUTPUT: &str = "logits";
/// The program named in the file.
pub const PRODUCER: &str = "EfficientNAS Playground";

/// The `.onnx` bytes of `model`, a network for images of `input`.
pub async fn onnx_bytes(model: &Network, input: InputShape, about: &About) -> Result<Vec<u8>, OnnxError> {
    let channels = input.channels as usize;
    if about.stats.len() != channels {
        return Err(OnnxError::Unsupported(format!(
            "the normalisation has {} channel statistics for an input of {channels} channels",
            about.stats.len()
        )));
    }
    let classes = model.head.weight.dims()[1];
    let mut b = graph::Builder::new();
    let stat_dims = [1, channels as i64, 1, 1];
    let mean = b.constant("normalise.mean", &stat_dims, Values::F32(about.stats.iter().map(|s| s.0).collect()));
    let std = b.constant("normalise.std", &stat_dims, Values::F32(about.stats.iter().map(|s| s.1).collect()));
    let centred = b.node("normalise", "Sub", &[INPUT, &mean], vec![]);
    let normalised = b.node("normalise", "Div", &[&centred, &std], vec![]);
    network::network(&mut b, &normalised, model, OUTPUT)?;
    let (nodes, initializers) = b.finish().await?;
    let (h, w) = (i64::from(input.height), i64::from(input.width));
    let stats_text = |pick: fn(&(f32, f32)) -> f32| about.stats.iter().map(|s| format!("{}", pick(s))).collect::<Vec<_>>().join(",");
    let model = Model {
        producer: (PRODUCER, env!("CARGO_PKG_VERSION")),
        doc: format!("Architecture {} found by EfficientNAS Playground: {}. {}", about.arch_id, about.genotype, about.summary),
        graph: Graph {
            name: format!("efficientnas_{}", about.arch_id),
            nodes,
            initializers,
            inputs: vec![ValueInfo {
                name: INPUT.into(),
                dims: vec![Dim::Param("N"), Dim::Value(channels as i64), Dim::Value(h), Dim::Value(w)],
                doc: format!(
                    "float32 [N, {channels}, {h}, {w}] (batch, channels, height, width): 8-bit pixel values divided by 255; \
                     the graph subtracts the training set's per-channel mean ({}) and divides by its std ({})",
                    stats_text(|s| s.0),
                    stats_text(|s| s.1)
                ),
            }],
            outputs: vec![ValueInfo {
                name: OUTPUT.into(),
                dims: vec![Dim::Param("N"), Dim::Value(classes as i64)],
                doc: format!("float32 [N, {classes}]: one logit per class (class k is label k of the dataset); softmax gives probabilities"),
            }],
            doc: format!("genotype {}", about.genotype),
        },
        metadata: vec![
            ("arch_id", about.arch_id.clone()),
            ("genotype", about.genotype.clone()),
            ("input_shape", format!("{channels}x{h}x{w}")),
            ("classes", classes.to_string()),
            ("normalise_mean", stats_text(|s| s.0)),
            ("normalise_std", stats_text(|s| s.1)),
        ],
    };
    Ok(model.encode())
}
