//! How the tagged enums of saved runs and exported results are read: through a flat struct of
//! the tag and every variant's fields, checked into the enum. They are written as serde's
//! internally tagged enums (`{"kind": "failed", "message": ...}`), but serde's reader for that
//! form buffers each value before reading it, and costs the page's wasm a second copy of the
//! reading code of every type inside. Messages between the page and the worker are externally
//! tagged instead (their form is not kept anywhere that outlives a build).

use serde::Deserialize;

use engine::tabular::Nb201Dataset;
use engine::text::unknown_tag;

use crate::saved::SavedStatus;
use crate::{DatasetChoice, RunEnd};

/// The error for a field that `value`'s variant needs.
fn missing(tag: &str, value: &str, field: &str) -> String {
    format!("a {tag} \"{value}\" needs \"{field}\"")
}

/// [`DatasetChoice`] as written.
#[derive(Deserialize)]
pub(crate) struct DatasetFields {
    kind: String,
    images: Option<u32>,
    dataset: Option<Nb201Dataset>,
}

impl TryFrom<DatasetFields> for DatasetChoice {
    type Error = String;

    fn try_from(fields: DatasetFields) -> Result<Self, String> {
        let kind = fields.kind.as_str();
        Ok(match kind {
            "digits" => DatasetChoice::Digits,
            "procedural" => DatasetChoice::Procedural { images: fields.images.ok_or_else(|| missing("dataset kind", kind, "images"))? },
            "nb201" => DatasetChoice::Nb201 { dataset: fields.dataset.ok_or_else(|| missing("dataset kind", kind, "dataset"))? },
            "files" => DatasetChoice::Files,
            other => return Err(unknown_tag("dataset kind", other, "digits, procedural, nb201, files")),
        })
    }
}

/// [`RunEnd`] as written.
#[derive(Deserialize)]
pub(crate) struct EndFields {
    kind: String,
    message: Option<String>,
}

impl TryFrom<EndFields> for RunEnd {
    type Error = String;

    fn try_from(fields: EndFields) -> Result<Self, String> {
        Ok(match fields.kind.as_str() {
            "completed" => RunEnd::Completed,
            "stopped" => RunEnd::Stopped,
            "failed" => RunEnd::Failed { message: fields.message.ok_or_else(|| missing("run end", "failed", "message"))? },
            other => return Err(unknown_tag("run end", other, "completed, stopped, failed")),
        })
    }
}

/// [`SavedStatus`] as written.
#[derive(Deserialize)]
pub(crate) struct StatusFields {
    state: String,
    end: Option<RunEnd>,
}

impl TryFrom<StatusFields> for SavedStatus {
    type Error = String;

    fn try_from(fields: StatusFields) -> Result<Self, String> {
        Ok(match fields.state.as_str() {
            "unfinished" => SavedStatus::Unfinished,
            "finished" => SavedStatus::Finished { end: fields.end.ok_or_else(|| missing("saved state", "finished", "end"))? },
            other => return Err(unknown_tag("saved state", other, "unfinished, finished")),
        })
    }
}
