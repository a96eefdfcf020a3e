//! `--data PATH`: the user's own dataset read from disk with the page's parsers (the worker's
//! `files` module): CIFAR-10 batches, an MNIST IDX pair, or a folder of class subfolders.

use std::path::{Path, PathBuf};

use nn::data::Dataset;
use protocol::{FileFormat, LoadDataset};
use runner::files::{MAX_FILES, read_dataset};

use super::CliError;

/// Side in pixels that images of a folder are resized to, as in the page.
const IMAGE_SIDE: u32 = 32;

/// Reads the dataset at `spec`: a folder, or two files `IMAGES,LABELS` of an IDX pair.
pub fn read_data(spec: &str) -> Result<Dataset, CliError> {
    let paths: Vec<PathBuf> = spec.split(',').map(|p| PathBuf::from(p.trim())).collect();
    let (format, files) = match paths.as_slice() {
        [folder] if folder.is_dir() => folder_files(folder)?,
        [file] if is_cifar(file) => (FileFormat::Cifar10, vec![file.clone()]),
        [_, _] => (FileFormat::Idx, paths.clone()),
        _ => {
            return Err(CliError::Usage(format!(
                "--data {spec:?}: allowed: a folder (CIFAR-10 batches, an IDX pair, or one subfolder of images per class), \
                 a CIFAR-10 batch file, or IMAGES,LABELS of an IDX pair"
            )));
        }
    };
    let loaded: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).map_err(|e| CliError::File { path: path.display().to_string(), message: e.to_string() })?;
            Ok((relative(path, Path::new(spec)), bytes))
        })
        .collect::<Result<_, CliError>>()?;
    let name = Path::new(paths[0].as_path()).file_name().map_or("your data".into(), |n| n.to_string_lossy().into_owned());
    let request = LoadDataset { format, name, side: IMAGE_SIDE };
    let dataset = read_dataset(&request, &loaded).map_err(|e| CliError::Run(format!("--data {spec}: {e}")))?;
    println!("data: {} images of {} classes from {spec}", dataset.len(), dataset.classes());
    Ok(dataset)
}

fn is_cifar(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "bin")
}

fn is_idx(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().contains("idx"))
}

/// What a folder holds: CIFAR-10 batches, an IDX pair, or class subfolders of images.
fn folder_files(folder: &Path) -> Result<(FileFormat, Vec<PathBuf>), CliError> {
    let entries = list(folder)?;
    let cifar: Vec<PathBuf> = entries.iter().filter(|p| p.is_file() && is_cifar(p)).cloned().collect();
    if !cifar.is_empty() {
        return Ok((FileFormat::Cifar10, cifar));
    }
    let idx: Vec<PathBuf> = entries.iter().filter(|p| p.is_file() && is_idx(p)).cloned().collect();
    if !idx.is_empty() {
        return Ok((FileFormat::Idx, idx));
    }
    let mut images = Vec::new();
    for class in entries.iter().filter(|p| p.is_dir()) {
        images.extend(list(class)?.into_iter().filter(|p| p.is_file()));
        if images.len() > MAX_FILES {
            return Err(CliError::Run(format!("{}: more than {MAX_FILES} files", folder.display())));
        }
    }
    Ok((FileFormat::ImageFolder, images))
}

/// The entries of a folder, sorted, so the dataset's order is the same on every machine.
fn list(folder: &Path) -> Result<Vec<PathBuf>, CliError> {
    let failed = |e: std::io::Error| CliError::File { path: folder.display().to_string(), message: e.to_string() };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder).map_err(failed)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>().map_err(failed)?;
    paths.sort();
    Ok(paths)
}

/// `path` as the page names it: inside the chosen folder (`cat/001.png`, so an image folder's
/// subfolder is the class), or the file's own name.
fn relative(path: &Path, root: &Path) -> String {
    let inside = if root.is_dir() { path.strip_prefix(root).ok() } else { path.file_name().map(Path::new) };
    inside.unwrap_or(path).to_string_lossy().replace('\\', "/")
}
