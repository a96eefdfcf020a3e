//! The few ONNX protobuf messages a candidate network needs, and their wire encoding: only
//! writing, no schema compiler. Field numbers are those of `onnx.proto` (ONNX IR version 8);
//! repeated numbers are written unpacked, as proto2 (which `onnx.proto` is) writes them.
//!
//! ```
//! use nn::onnx::proto::{encode_varint};
//! let mut bytes = Vec::new();
//! encode_varint(&mut bytes, 300);
//! assert_eq!(bytes, [0xac, 0x02]);
//! ```

/// ONNX `TensorProto.DataType` FLOAT.
pub const FLOAT: i64 = 1;
/// ONNX `TensorProto.DataType` INT64.
pub const INT64: i64 = 7;

/// Appends `value` as a protobuf varint (negative `int64` values as their two's complement,
/// ten bytes, as protobuf does).
pub fn encode_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u8) {
    encode_varint(out, (u64::from(field) << 3) | u64::from(wire));
}

fn int(out: &mut Vec<u8>, field: u32, value: i64) {
    key(out, field, 0);
    encode_varint(out, value as u64);
}

fn bytes(out: &mut Vec<u8>, field: u32, value: &[u8]) {
    key(out, field, 2);
    encode_varint(out, value.len() as u64);
    out.extend_from_slice(value);
}

fn text(out: &mut Vec<u8>, field: u32, value: &str) {
    bytes(out, field, value.as_bytes());
}

fn message(out: &mut Vec<u8>, field: u32, encode: impl FnOnce(&mut Vec<u8>)) {
    let mut inner = Vec::new();
    encode(&mut inner);
    bytes(out, field, &inner);
}

/// The value of a node attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// `INT`.
    Int(i64),
    /// `INTS`.
    Ints(Vec<i64>),
    /// `FLOAT`.
    Float(f32),
}

/// `AttributeProto`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The attribute's name, as the operator's documentation spells it.
    pub name: &'static str,
    /// Its value.
    pub value: AttributeValue,
}

impl Attribute {
    fn encode(&self, out: &mut Vec<u8>) {
        text(out, 1, self.name);
        match &self.value {
            AttributeValue::Float(f) => {
                key(out, 2, 5);
                out.extend_from_slice(&f.to_le_bytes());
                int(out, 20, 1);
            }
            AttributeValue::Int(i) => {
                int(out, 3, *i);
                int(out, 20, 2);
            }
            AttributeValue::Ints(values) => {
                for &v in values {
                    int(out, 8, v);
                }
                int(out, 20, 7);
            }
        }
    }
}

/// `NodeProto`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Input value names.
    pub inputs: Vec<String>,
    /// Output value names.
    pub outputs: Vec<String>,
    /// A name unique in the graph.
    pub name: String,
    /// The operator (domain `ai.onnx`).
    pub op_type: &'static str,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
}

impl Node {
    fn encode(&self, out: &mut Vec<u8>) {
        for input in &self.inputs {
            text(out, 1, input);
        }
        for output in &self.outputs {
            text(out, 2, output);
        }
        text(out, 3, &self.name);
        text(out, 4, self.op_type);
        for attribute in &self.attributes {
            message(out, 5, |m| attribute.encode(m));
        }
    }
}

/// The values of a `TensorProto` initializer, written as little-endian `raw_data`.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// FLOAT.
    F32(Vec<f32>),
    /// INT64.
    I64(Vec<i64>),
}

/// `TensorProto` (an initializer).
#[derive(Debug, Clone, PartialEq)]
pub struct TensorValue {
    /// Its name, as nodes refer to it.
    pub name: String,
    /// Its shape.
    pub dims: Vec<i64>,
    /// Its values, as many as the shape holds.
    pub values: Values,
}

impl TensorValue {
    fn encode(&self, out: &mut Vec<u8>) {
        for &d in &self.dims {
            int(out, 1, d);
        }
        let raw: Vec<u8> = match &self.values {
            Values::F32(v) => {
                int(out, 2, FLOAT);
                v.iter().flat_map(|x| x.to_le_bytes()).collect()
            }
            Values::I64(v) => {
                int(out, 2, INT64);
                v.iter().flat_map(|x| x.to_le_bytes()).collect()
            }
        };
        text(out, 8, &self.name);
        bytes(out, 9, &raw);
    }
}

/// One dimension of a value's shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Dim {
    /// A fixed size.
    Value(i64),
    /// A named size chosen at run time (the batch).
    Param(&'static str),
}

/// `ValueInfoProto` of a float tensor: a graph input or output.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInfo {
    /// Its name.
    pub name: String,
    /// Its shape.
    pub dims: Vec<Dim>,
    /// What it holds, for whoever loads the model.
    pub doc: String,
}

impl ValueInfo {
    fn encode(&self, out: &mut Vec<u8>) {
        text(out, 1, &self.name);
        // TypeProto { tensor_type: Tensor { elem_type, shape: TensorShapeProto { dim* } } }
        message(out, 2, |t| {
            message(t, 1, |tensor| {
                int(tensor, 1, FLOAT);
                message(tensor, 2, |shape| {
                    for dim in &self.dims {
                        message(shape, 1, |d| match dim {
                            Dim::Value(v) => int(d, 1, *v),
                            Dim::Param(p) => text(d, 2, p),
                        });
                    }
                });
            });
        });
        text(out, 3, &self.doc);
    }
}

/// `GraphProto`.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// The graph's name.
    pub name: String,
    /// Nodes in topological order.
    pub nodes: Vec<Node>,
    /// Weights and constants.
    pub initializers: Vec<TensorValue>,
    /// Inputs (initializers are not listed).
    pub inputs: Vec<ValueInfo>,
    /// Outputs.
    pub outputs: Vec<ValueInfo>,
    /// What the graph computes.
    pub doc: String,
}

/// `ModelProto` at IR version 8 with the default operator set at version 17.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The program that wrote it, and its version.
    pub producer: (&'static str, &'static str),
    /// What the model is.
    pub doc: String,
    /// The graph.
    pub graph: Graph,
    /// Key–value metadata (`metadata_props`).
    pub metadata: Vec<(&'static str, String)>,
}

/// The IR version written.
pub const IR_VERSION: i64 = 8;
/// The version of the default (`ai.onnx`) operator set the nodes follow.
pub const OPSET: i64 = 17;

impl Model {
    /// The model's protobuf bytes (an `.onnx` file).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        int(&mut out, 1, IR_VERSION);
        text(&mut out, 2, self.producer.0);
        text(&mut out, 3, self.producer.1);
        text(&mut out, 6, &self.doc);
        message(&mut out, 7, |g| {
            for node in &self.graph.nodes {
                message(g, 1, |m| node.encode(m));
            }
            text(g, 2, &self.graph.name);
            for tensor in &self.graph.initializers {
                message(g, 5, |m| tensor.encode(m));
            }
            text(g, 10, &self.graph.doc);
            for input in &self.graph.inputs {
                message(g, 11, |m| input.encode(m));
            }
            for output in &self.graph.outputs {
                message(g, 12, |m| output.encode(m));
            }
        });
        message(&mut out, 8, |o| {
            text(o, 1, "");
            int(o, 2, OPSET);
        });
        for (k, v) in &self.metadata {
            message(&mut out, 14, |m| {
                text(m, 1, k);
                text(m, 2, v);
            });
        }
        out
    }
}
