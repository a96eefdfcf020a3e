//! Builds a graph node by node: fresh value names, weights taken from the model's tensors and
//! read back (asynchronously, as WebGPU requires) only when the graph is finished.

use burn::module::Param;
use burn::tensor::Tensor;

use super::OnnxError;
use super::proto::{Attribute, AttributeValue, Node, TensorValue, Values};

/// Nodes and initializers in the making.
pub(super) struct Builder {
    nodes: Vec<Node>,
    constants: Vec<TensorValue>,
    weights: Vec<(String, Vec<i64>, Tensor<1>)>,
    count: usize,
}

/// An `INTS` attribute from sizes.
pub(super) fn ints(name: &'static str, values: &[usize]) -> Attribute {
    Attribute { name, value: AttributeValue::Ints(values.iter().map(|&v| v as i64).collect()) }
}

/// An `INT` attribute.
pub(super) fn int(name: &'static str, value: i64) -> Attribute {
    Attribute { name, value: AttributeValue::Int(value) }
}

impl Builder {
    pub(super) fn new() -> Self {
        Builder { nodes: Vec::new(), constants: Vec::new(), weights: Vec::new(), count: 0 }
    }

    /// Adds a node of `op` with one output, named after `scope`; returns the output's name.
    pub(super) fn node(&mut self, scope: &str, op: &'static str, inputs: &[&str], attributes: Vec<Attribute>) -> String {
        self.count += 1;
        let output = format!("{scope}/{op}_{}", self.count);
        self.push(op, inputs, attributes, output.clone());
        output
    }

    /// Adds a node of `op` whose output is the given name (a graph output).
    pub(super) fn push(&mut self, op: &'static str, inputs: &[&str], attributes: Vec<Attribute>, output: String) {
        self.nodes.push(Node {
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            name: output.clone(),
            outputs: vec![output],
            op_type: op,
            attributes,
        });
    }

    /// A weight of the model as an initializer named `name`; returns the name.
    pub(super) fn weight<const D: usize>(&mut self, name: String, param: &Param<Tensor<D>>) -> String {
        self.tensor(name, param.val())
    }

    /// A tensor (a weight, or a running statistic) as an initializer named `name`.
    pub(super) fn tensor<const D: usize>(&mut self, name: String, tensor: Tensor<D>) -> String {
        let dims = tensor.dims().iter().map(|&d| d as i64).collect();
        self.weights.push((name.clone(), dims, tensor.flatten(0, D - 1)));
        name
    }

    /// A constant known here (a shape, the normalisation) as an initializer named `name`.
    pub(super) fn constant(&mut self, name: &str, dims: &[i64], values: Values) -> String {
        if !self.constants.iter().any(|c| c.name == name) {
            self.constants.push(TensorValue { name: name.to_string(), dims: dims.to_vec(), values });
        }
        name.to_string()
    }

    /// The nodes and every initializer, the weights read back from their device.
    pub(super) async fn finish(self) -> Result<(Vec<Node>, Vec<TensorValue>), OnnxError> {
        let mut initializers = self.constants;
        for (name, dims, flat) in self.weights {
            let data = flat.into_data_async().await.map_err(|e| OnnxError::ReadBack(format!("{name}: {e:?}")))?;
            let values = data.try_to_vec::<f32>().map_err(|e| OnnxError::ReadBack(format!("{name}: {e:?}")))?;
            initializers.push(TensorValue { name, dims, values: Values::F32(values) });
        }
        Ok((self.nodes, initializers))
    }
}
