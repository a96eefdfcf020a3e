//! Asks the browser for its WebGPU adapter and describes it for the device panel.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, Gpu, GpuAdapter, GpuSupportedLimits};

use protocol::{AdapterInfo, AdapterLimit};

/// The adapter's description, or the reason there is none (shown in the CPU banner).
pub async fn probe_adapter(scope: &DedicatedWorkerGlobalScope) -> Result<AdapterInfo, String> {
    let navigator = scope.navigator();
    let gpu = Reflect::get(&navigator, &JsValue::from_str("gpu"))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
        .ok_or_else(|| "this browser does not expose WebGPU (navigator.gpu is missing)".to_string())?;
    let gpu: Gpu = gpu.unchecked_into();
    let adapter = gpu
        .request_adapter()
        .await
        .map_err(|error| format!("requestAdapter() failed: {}", describe(&error)))?
        .into_option()
        .ok_or_else(|| "WebGPU is present but offered no adapter (disabled, blocklisted or no GPU)".to_string())?;
    Ok(describe_adapter(&adapter))
}

fn describe_adapter(adapter: &GpuAdapter) -> AdapterInfo {
    let info = adapter.info();
    let mut features: Vec<String> = adapter
        .features()
        .values()
        .into_iter()
        .filter_map(|value| value.ok().and_then(|value| value.as_string()))
        .collect();
    features.sort();
    AdapterInfo {
        vendor: info.vendor(),
        architecture: info.architecture(),
        device: info.device(),
        description: info.description(),
        limits: key_limits(&adapter.limits()),
        features,
    }
}

fn key_limits(limits: &GpuSupportedLimits) -> Vec<AdapterLimit> {
    let entries: [(&str, u64); 6] = [
        ("maxBufferSize", limits.max_buffer_size() as u64),
        ("maxStorageBufferBindingSize", limits.max_storage_buffer_binding_size() as u64),
        ("maxComputeWorkgroupStorageSize", u64::from(limits.max_compute_workgroup_storage_size())),
        ("maxComputeInvocationsPerWorkgroup", u64::from(limits.max_compute_invocations_per_workgroup())),
        ("maxComputeWorkgroupsPerDimension", u64::from(limits.max_compute_workgroups_per_dimension())),
        ("maxStorageBuffersPerShaderStage", u64::from(limits.max_storage_buffers_per_shader_stage())),
    ];
    entries.into_iter().map(|(name, value)| AdapterLimit { name: name.to_string(), value }).collect()
}

/// A JS error or value as text.
pub fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
