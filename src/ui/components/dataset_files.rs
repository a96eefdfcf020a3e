//! The user's own dataset: format, file picker or drop zone, and what the engine made of the
//! files (or what is wrong with them). Reading the files and sending them to the engine is
//! [`read_files`].

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::prelude::*;

use protocol::{FileFormat, LoadDataset};
use engine::text::bytes;
use crate::model::state::{Action, FilesStatus, FilesView};

/// Side in pixels that images of a folder are resized to.
pub const FOLDER_SIDE: u32 = 32;

/// Reads `list` from disk and hands the load request and the files (a JS array of
/// `{path, bytes}`, and the buffers to transfer) to `send`; reports progress and failures.
pub fn read_files(
    format: FileFormat,
    list: web_sys::FileList,
    on_action: Callback<Action>,
    send: impl FnOnce(LoadDataset, js_sys::Array, js_sys::Array) + 'static,
) {
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    let total = files.iter().map(|f| f.size().max(0.0) as u64).sum();
    on_action.emit(Action::FilesChosen { files: files.len(), bytes: total });
    spawn_local(async move {
        let (entries, transfer) = (js_sys::Array::new(), js_sys::Array::new());
        let mut name = String::new();
        for file in &files {
            let relative = js_sys::Reflect::get(file, &"webkitRelativePath".into())
                .ok()
                .and_then(|v| v.as_string())
                .filter(|p| !p.is_empty());
            // In a folder, the path inside it (`cat/001.png`); the folder names the dataset.
            let path = match relative.as_deref().and_then(|p| p.split_once('/')) {
                Some((folder, inside)) => {
                    name = folder.to_string();
                    inside.to_string()
                }
                None => file.name(),
            };
            let buffer = match JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => buffer,
                Err(error) => {
                    on_action.emit(Action::FilesUnreadable(format!("{}: could not be read: {error:?}", file.name())));
                    return;
                }
            };
            let entry = js_sys::Object::new();
            let bytes = js_sys::Uint8Array::new(&buffer);
            let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&entry, &key.into(), value).is_ok();
            if !(set("path", &JsValue::from_str(&path)) && set("bytes", &bytes)) {
                on_action.emit(Action::FilesUnreadable(format!("{path}: could not be prepared for the engine")));
                return;
            }
            entries.push(&entry);
            transfer.push(&buffer);
        }
        if name.is_empty() {
            name = files.first().map(|f| f.name()).unwrap_or_default();
        }
        send(LoadDataset { format, name, side: FOLDER_SIDE }, entries, transfer);
    });
}

/// Props of [`DatasetFiles`].
#[derive(Properties, PartialEq)]
pub struct DatasetFilesProps {
    /// The files as known.
    pub files: FilesView,
    /// Whether the controls are frozen (a run is going, or a lesson locks the dataset).
    pub disabled: bool,
    /// Receives the format choice.
    pub on_action: Callback<Action>,
    /// Receives chosen or dropped files.
    pub on_files: Callback<(FileFormat, web_sys::FileList)>,
}

fn status(files: &FilesView) -> Html {
    let (state, text) = match &files.status {
        FilesStatus::None => ("none", "No files chosen yet.".to_string()),
        FilesStatus::Reading { files, bytes: size } => ("reading", format!("Reading {files} files ({})…", bytes(*size))),
        FilesStatus::Loaded(s) => (
            "loaded",
            format!(
                "Loaded {}: {} images of {}×{}×{}, {} classes.",
                s.name, s.images, s.shape.channels, s.shape.height, s.shape.width, s.classes
            ),
        ),
        FilesStatus::Refused(problem) => ("refused", format!("These files cannot be used: {problem}")),
    };
    let role = if state == "refused" { "alert" } else { "status" };
    let class = if state == "refused" { "field-error" } else { "hint" };
    html! { <p class={class} role={role} data-testid="files-status" data-state={state}>{ text }</p> }
}

/// Format choice, file picker and drop zone for the user's dataset.
#[component]
pub fn DatasetFiles(props: &DatasetFilesProps) -> Html {
    let format = props.files.format;
    let on_format = props.on_action.reform(move |event: Event| {
        let key = event.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        Action::FileFormatChosen(FileFormat::from_key(&key).unwrap_or(format))
    });
    let on_pick = {
        let on_files = props.on_files.clone();
        Callback::from(move |event: Event| {
            let input = event.target_unchecked_into::<web_sys::HtmlInputElement>();
            if let Some(list) = input.files().filter(|l| l.length() > 0) {
                on_files.emit((format, list));
            }
        })
    };
    let on_drag_over = Callback::from(|event: DragEvent| event.prevent_default());
    let on_drop = {
        let (on_files, disabled) = (props.on_files.clone(), props.disabled);
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if let Some(list) = event.data_transfer().and_then(|d| d.files()).filter(|l| l.length() > 0 && !disabled) {
                on_files.emit((format, list));
            }
        })
    };
    let folder = format == FileFormat::ImageFolder;
    html! {
        <div class="field files-field" data-testid="dataset-files-panel">
            <label for="f-file-format">{ "File format " }
                <span class="help" tabindex="0" role="note"
                    title="CIFAR-10: one or more data_batch_N.bin files. MNIST IDX: the images file and the labels file (raw or .gz). Image folder: a folder with one subfolder of PNG or JPEG images per class; images are resized to 32x32. Files stay in this browser."
                    aria-label="About the file formats">{ "?" }</span>
            </label>
            <select id="f-file-format" data-testid="file-format" onchange={on_format} disabled={props.disabled}>
                { for FileFormat::ALL.iter().map(|f| html! { <option value={f.key()} selected={*f == format}>{ f.label() }</option> }) }
            </select>
            <div class="drop-zone" ondragover={on_drag_over} ondrop={on_drop}>
                <span>{ if folder { "Choose a folder: " } else { "Drop files here or choose: " } }</span>
                <input type="file" multiple=true data-testid="dataset-files" aria-label="Dataset files"
                    webkitdirectory={folder} onchange={on_pick} disabled={props.disabled} />
            </div>
            { status(&props.files) }
        </div>
    }
}

