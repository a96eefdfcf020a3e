//! The only place a Burn backend and device are chosen and initialised.
//!
//! In the browser the worker asks for WebGPU first ([`init_webgpu`], asynchronous, once per
//! wasm instance) and falls back to the pure-Rust CPU backend ([`cpu`]). Natively the CPU backend
//! is the one tests and the CLI use; the wgpu stack is compiled into native builds only with the
//! `gpu` feature, and then [`native`] can put the CLI on a Vulkan, Metal or DX12 adapter.
//!
//! CubeCL's autotune and fusion are deliberately not enabled: in the browser their kernels
//! `enable subgroups`, which wgpu's WebGPU backend never requests, so the shader is rejected and
//! the device poisoned; and on slow adapters autotune spends minutes compiling candidates before
//! the first step.
//!
//! ```
//! let device = nn::backend::cpu();
//! let ones = burn::tensor::Tensor::<1>::ones([3], &device);
//! assert_eq!(ones.dims(), [3]);
//! ```

use burn::tensor::Device;
use thiserror::Error;

/// Why a backend could not be initialised.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackendError {
    /// This build or platform has no WebGPU support.
    #[error("WebGPU is not available in this build (native builds use the CPU backend)")]
    WebGpuNotCompiled,
    /// A native GPU was asked for, but this build has no wgpu backend.
    #[error("this build has no GPU backend: build with `--features gpu` (Vulkan, Metal or DX12 through wgpu)")]
    GpuNotCompiled,
    /// No GPU adapter could be initialised natively.
    #[error("no usable GPU adapter: {0}")]
    GpuInit(String),
    /// A device name the CLI does not know.
    #[error("unknown device {0:?}; allowed: cpu, gpu, auto")]
    UnknownDevice(String),
    /// Burn could not acquire or configure the WebGPU device.
    #[error("WebGPU device initialisation failed: {0}")]
    WebGpuInit(String),
    /// A tensor could not be read while moving a model between devices.
    #[error("moving a model between devices failed: {0}")]
    Transfer(String),
}

/// Moves every tensor of `module` (parameters and BN statistics) to `device` by reading each one
/// back asynchronously and rebuilding it there; on an autodiff device the parameters track
/// gradients again. Burn's own `to_device` between two backends
/// reads synchronously, which a browser does not allow.
pub async fn move_module<M: burn::module::Module>(module: M, device: &Device) -> Result<M, BackendError> {
    use burn::module::{ModuleMapper, ModuleVisitor, Param};
    use burn::tensor::{Tensor, TensorData};

    struct Collect(Vec<Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().flatten(0, D - 1));
        }
    }
    struct Rebuild<'a> {
        data: std::vec::IntoIter<TensorData>,
        device: &'a Device,
    }
    impl ModuleMapper for Rebuild<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let shape = param.shape();
            match self.data.next() {
                Some(data) => param.map(|_| Tensor::<1>::from_data(data, self.device).reshape(shape)),
                None => param,
            }
        }
    }

    let mut collect = Collect(Vec::new());
    module.visit(&mut collect);
    let mut data = Vec::with_capacity(collect.0.len());
    for tensor in collect.0 {
        data.push(tensor.into_data_async().await.map_err(|e| BackendError::Transfer(e.to_string()))?);
    }
    let moved = module.map(&mut Rebuild { data: data.into_iter(), device });
    // Rebuilt tensors start untracked; `train` re-applies each parameter's gradient setting.
    Ok(if device.is_autodiff() { moved.train() } else { moved })
}

/// Burn's CPU backend (flex, pure Rust), with automatic differentiation available through
/// `.autodiff()` on the returned device.
pub fn cpu() -> Device {
    Device::flex()
}

/// Initialises Burn's wgpu runtime on the browser's WebGPU adapter.
///
/// The runtime can be initialised once per wasm instance; later calls return the same device.
#[cfg(target_arch = "wasm32")]
pub async fn init_webgpu() -> Result<Device, BackendError> {
    use std::cell::RefCell;
    thread_local! {
        static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
    }
    if let Some(device) = WEBGPU.with(|cell| cell.borrow().clone()) {
        return Ok(device);
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|error| BackendError::WebGpuInit(error.to_string()))?;
    WEBGPU.with(|cell| *cell.borrow_mut() = Some(device.clone()));
    Ok(device)
}

/// Native builds carry no WebGPU backend.
#[cfg(not(target_arch = "wasm32"))]
pub async fn init_webgpu() -> Result<Device, BackendError> {
    Err(BackendError::WebGpuNotCompiled)
}

/// A device picked natively, with a line that says what it is.
#[derive(Debug, Clone)]
pub struct NativeDevice {
    /// Where tensors live.
    pub device: Device,
    /// `flex (CPU)` or `wgpu (GPU adapter)`, with the reason for a fallback.
    pub description: String,
}

/// Picks the native device by name: `cpu` (Burn's CPU backend), `gpu` (wgpu on a Vulkan, Metal
/// or DX12 adapter; an error without one) or `auto` (the GPU when there is one, else the CPU).
pub fn native(name: &str) -> Result<NativeDevice, BackendError> {
    let cpu_device = |description: String| NativeDevice { device: cpu(), description };
    match name {
        "cpu" => Ok(cpu_device("flex (CPU)".to_string())),
        "gpu" => native_gpu().map(|device| NativeDevice { device, description: "wgpu (GPU adapter)".to_string() }),
        "auto" => Ok(match native_gpu() {
            Ok(device) => NativeDevice { device, description: "wgpu (GPU adapter)".to_string() },
            Err(error) => cpu_device(format!("flex (CPU; {error})")),
        }),
        other => Err(BackendError::UnknownDevice(other.to_string())),
    }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "gpu"))]
fn native_gpu() -> Result<Device, BackendError> {
    use std::sync::OnceLock;
    static GPU: OnceLock<Result<Device, BackendError>> = OnceLock::new();
    GPU.get_or_init(|| Device::wgpu_options().init().map_err(|error| BackendError::GpuInit(error.to_string()))).clone()
}

#[cfg(not(all(not(target_arch = "wasm32"), feature = "gpu")))]
fn native_gpu() -> Result<Device, BackendError> {
    Err(BackendError::GpuNotCompiled)
}
