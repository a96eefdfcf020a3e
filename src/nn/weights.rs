//! A trained candidate's weights as a Burn record (burnpack bytes, Burn's own format), so they
//! can be downloaded and loaded back with `Module::load_record`. Burn's `into_record` reads
//! tensors synchronously, which WebGPU in the browser does not allow, so the parameters are read
//! back asynchronously first and written from a CPU copy of the same architecture.
//!
//! ```
//! use burn::module::Module;
//! use burn::store::ModuleRecord;
//! use burn::tensor::{Distribution, Tensor};
//! use engine::space::{Genotype, InputShape, Space, SpaceConfig};
//! use nn::{backend, candidate::Network, weights::record_bytes};
//! let mut config = SpaceConfig::for_input(InputShape::DIGITS, 10);
//! config.cell_widths = vec![vec![4], vec![8]];
//! let space = Space::new(config).unwrap();
//! let genotype = Genotype::parse("4:conv3x3,skip+0|8:dwconv3x3").unwrap();
//! let device = backend::cpu();
//! let model = Network::new(&space, &genotype, &device).unwrap();
//! let bytes = pollster::block_on(record_bytes(&space, &genotype, &model)).unwrap();
//! let loaded = Network::new(&space, &genotype, &device).unwrap()
//!     .load_record(ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes)).unwrap());
//! let x = Tensor::<4>::random([2, 1, 28, 28], Distribution::Default, &device);
//! let (a, b) = (model.forward(x.clone()).into_data(), loaded.forward(x).into_data());
//! a.assert_approx_eq::<f32>(&b, burn::tensor::Tolerance::absolute(1e-6));
//! ```

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};
use thiserror::Error;

use engine::space::{Genotype, Space};
use crate::backend;
use crate::candidate::Network;

/// Why the weights could not be written.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum WeightsError {
    /// Reading a parameter back from the device failed.
    #[error("reading the weights back from the device: {0}")]
    ReadBack(String),
    /// The architecture is not in the space.
    #[error("rebuilding the architecture: {0}")]
    Architecture(String),
    /// Burn could not write the record.
    #[error("writing the record: {0}")]
    Record(String),
}

/// Every float parameter (running statistics included), flattened, in visiting order.
struct Collect(Vec<(Tensor<1>, Vec<usize>)>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let shape = value.dims().to_vec();
        self.0.push((value.flatten(0, D - 1), shape));
    }
}

/// Gives each float parameter, in visiting order, the values read back.
struct Fill {
    values: std::vec::IntoIter<TensorData>,
    device: burn::tensor::Device,
}

impl ModuleMapper for Fill {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        match self.values.next() {
            Some(data) => {
                let device = self.device.clone();
                param.map(move |_| Tensor::from_data(data, &device))
            }
            None => param,
        }
    }
}

/// The burnpack bytes of `model`, an instance of `genotype` in `space` on any device.
pub async fn record_bytes(space: &Space, genotype: &Genotype, model: &Network) -> Result<Vec<u8>, WeightsError> {
    let mut collect = Collect(Vec::new());
    model.visit(&mut collect);
    let mut values = Vec::with_capacity(collect.0.len());
    for (flat, shape) in collect.0 {
        let data = flat.into_data_async().await.map_err(|e| WeightsError::ReadBack(format!("{e:?}")))?;
        values.push(TensorData::new(data.try_to_vec::<f32>().map_err(|e| WeightsError::ReadBack(format!("{e:?}")))?, shape));
    }
    let device = backend::cpu();
    let copy = Network::new(space, genotype, &device).map_err(|e| WeightsError::Architecture(e.to_string()))?;
    let copy = copy.map(&mut Fill { values: values.into_iter(), device });
    let bytes = copy.into_record().into_bytes().map_err(|e| WeightsError::Record(format!("{e:?}")))?;
    Ok(bytes.to_vec())
}
