//! Files served beside the page: the NAS-Bench-201 table and the built-in digits.

use wasm_bindgen::JsCast;

use nn::data::{DIGITS_IMAGES, DIGITS_LABELS, Dataset};

/// Where the NAS-Bench-201 table is served, relative to the page.
pub(crate) const NB201_TABLE_URL: &str = "nb201/nb201_12ep.json";

/// The response to a GET of `url`, or what went wrong.
pub(crate) async fn fetch(url: &str) -> Result<web_sys::Response, String> {
    use wasm_bindgen_futures::JsFuture;
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let response = JsFuture::from(scope.fetch_with_str(url)).await.map_err(|e| format!("fetching {url}: {e:?}"))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(format!("fetching {url}: HTTP {}", response.status()));
    }
    Ok(response)
}

/// The bytes at `url`.
pub(crate) async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    use wasm_bindgen_futures::JsFuture;
    let response = fetch(url).await?;
    let buffer = response.array_buffer().map_err(|e| format!("reading {url}: {e:?}"))?;
    let buffer = JsFuture::from(buffer).await.map_err(|e| format!("reading {url}: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The built-in digits, fetched beside the page (the browser caches them after the first run).
pub(crate) async fn fetch_digits() -> Result<Dataset, String> {
    let images = fetch_bytes(DIGITS_IMAGES).await?;
    let labels = fetch_bytes(DIGITS_LABELS).await?;
    Dataset::digits_from(&images, &labels).map_err(|e| e.to_string())
}

pub(crate) async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen_futures::JsFuture;
    let response = fetch(url).await?;
    let text = response.text().map_err(|e| format!("reading {url}: {e:?}"))?;
    let text = JsFuture::from(text).await.map_err(|e| format!("reading {url}: {e:?}"))?;
    text.as_string().ok_or_else(|| format!("{url} is not text"))
}
