//! The user's dataset files: their formats, the request to read them, what was read.

use serde::{Deserialize, Serialize};

use engine::space::InputShape;

/// Formats of the user's dataset files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// CIFAR-10 binary batches (`data_batch_1.bin`, ...): 1 label byte and 3,072 pixel bytes
    /// per image.
    Cifar10,
    /// An MNIST-style IDX image file and its IDX label file, raw or gzip.
    Idx,
    /// A folder with one subfolder of PNG or JPEG images per class.
    ImageFolder,
}

impl FileFormat {
    /// Every format, in the order the page offers them.
    pub const ALL: [FileFormat; 3] = [FileFormat::Cifar10, FileFormat::Idx, FileFormat::ImageFolder];

    /// Its key in the page and in lesson links.
    pub fn key(self) -> &'static str {
        match self {
            FileFormat::Cifar10 => "cifar10",
            FileFormat::Idx => "idx",
            FileFormat::ImageFolder => "folder",
        }
    }

    /// The format with this key.
    pub fn from_key(key: &str) -> Option<FileFormat> {
        FileFormat::ALL.into_iter().find(|f| f.key() == key)
    }

    /// What the user picks, in words.
    pub fn label(self) -> &'static str {
        match self {
            FileFormat::Cifar10 => "CIFAR-10 binary batches (.bin)",
            FileFormat::Idx => "MNIST IDX images + labels (raw or .gz)",
            FileFormat::ImageFolder => "image folder (one subfolder per class)",
        }
    }
}

/// The user's dataset files to read: the format and a name; the files travel beside this
/// message (see [`ToEngine::LoadDataset`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadDataset {
    /// How to read the files.
    pub format: FileFormat,
    /// What to call the dataset.
    pub name: String,
    /// Side in pixels images of a folder are resized to.
    pub side: u32,
}

/// A dataset the worker has read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    /// Its name.
    pub name: String,
    /// Images.
    pub images: u32,
    /// Classes.
    pub classes: u32,
    /// Shape of one image.
    pub shape: InputShape,
}
