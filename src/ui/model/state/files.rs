//! The user's dataset files as the page knows them.

use protocol::{DatasetSummary, FileFormat};

/// The user's dataset files as the page knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct FilesView {
    /// How the files are to be read.
    pub format: FileFormat,
    /// Where they are.
    pub status: FilesStatus,
}

impl Default for FilesView {
    fn default() -> Self {
        FilesView { format: FileFormat::Cifar10, status: FilesStatus::None }
    }
}

/// Where the user's files are.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum FilesStatus {
    /// None chosen.
    #[default]
    None,
    /// Being read (this many files, bytes).
    Reading {
        /// Files.
        files: usize,
        /// Their total size.
        bytes: u64,
    },
    /// Read by the engine.
    Loaded(DatasetSummary),
    /// Refused: what is wrong.
    Refused(String),
}
