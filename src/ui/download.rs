//! Hands a text file to the browser as a download.

use wasm_bindgen::{JsCast, JsValue};

use crate::ui::model::export::ExportFile;

/// Offers `file` for download through an object URL, released a minute later.
pub fn download(file: &ExportFile) -> Result<(), String> {
    let fail = |e: JsValue| format!("could not save {}: {e:?}", file.name);
    let parts = js_sys::Array::of1(&JsValue::from_str(&file.text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(file.mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("this page has no document")?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(&file.name);
    anchor.click();
    gloo::timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
