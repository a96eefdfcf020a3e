//! The user's dataset files, read into a [`Dataset`]: CIFAR-10 batches, an IDX pair (told apart
//! by their magic numbers, not their names) or an image folder. Pure bytes in, so it is tested
//! natively.
//!
//! ```
//! use protocol::{FileFormat, LoadDataset};
//! use runner::files::read_dataset;
//! let request = LoadDataset { format: FileFormat::Cifar10, name: "mine".into(), side: 32 };
//! let mut record = vec![3u8];
//! record.extend(std::iter::repeat_n(128u8, 3072));
//! let dataset = read_dataset(&request, &[("data_batch_1.bin".into(), record.clone())]).unwrap();
//! assert_eq!((dataset.len(), dataset.classes()), (1, 10));
//! let error = read_dataset(&request, &[("data_batch_1.bin".into(), record[..100].to_vec())]).unwrap_err();
//! assert!(error.contains("data_batch_1.bin") && error.contains("truncated"), "{error}");
//! ```

use nn::data::{Dataset, maybe_gunzip};
use protocol::{DatasetSummary, FileFormat, LoadDataset};

/// Most files one load may hold.
pub const MAX_FILES: usize = 20_000;

/// Reads `files` (path, bytes) as `request` says, or says which file is wrong and how.
pub fn read_dataset(request: &LoadDataset, files: &[(String, Vec<u8>)]) -> Result<Dataset, String> {
    if files.is_empty() {
        return Err("no files were chosen".into());
    }
    if files.len() > MAX_FILES {
        return Err(format!("{} files chosen; at most {MAX_FILES}", files.len()));
    }
    let name = if request.name.trim().is_empty() { "your files" } else { request.name.trim() };
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(path, bytes)| (path.as_str(), bytes.as_slice())).collect();
    let read = match request.format {
        FileFormat::Cifar10 => Dataset::from_cifar10(name, &borrowed),
        FileFormat::ImageFolder => Dataset::from_image_folder(name, &borrowed, request.side),
        FileFormat::Idx => {
            let [(a, a_bytes), (b, b_bytes)] = borrowed.as_slice() else {
                return Err(format!(
                    "MNIST IDX needs exactly 2 files, the images (idx3) and the labels (idx1); {} chosen",
                    files.len()
                ));
            };
            // Each file is decompressed once; labels are the one whose magic number is 0x00000801.
            let a_bytes = maybe_gunzip(a, a_bytes).map_err(|e| e.to_string())?;
            let b_bytes = maybe_gunzip(b, b_bytes).map_err(|e| e.to_string())?;
            let a_is_labels = a_bytes.starts_with(&[0, 0, 8, 1]);
            let ((images, images_bytes), (labels, labels_bytes)) =
                if a_is_labels { ((b, &b_bytes), (a, &a_bytes)) } else { ((a, &a_bytes), (b, &b_bytes)) };
            Dataset::from_idx(name, images, images_bytes, labels, labels_bytes)
        }
    };
    read.map_err(|e| e.to_string())
}

/// What the page is told about a dataset read from files.
pub fn summary(dataset: &Dataset) -> DatasetSummary {
    DatasetSummary {
        name: dataset.name().to_string(),
        images: dataset.len() as u32,
        classes: dataset.classes() as u32,
        shape: dataset.shape(),
    }
}
