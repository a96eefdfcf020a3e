//! Datasets: the built-in digits, the procedural 32×32 RGB set, MNIST/Fashion-MNIST IDX files
//! (raw or gzip), CIFAR-10 binary batches and folders of PNG/JPEG images (one subfolder per
//! class); a seeded train/validation split, per-channel normalisation, augmentation and
//! batches as tensors. Every parser checks sizes and headers before allocating and names the
//! file and the problem when it refuses one.
//!
//! ```
//! use nn::data::{Dataset, Split};
//! let digits = Dataset::builtin_digits().unwrap();
//! assert_eq!((digits.len(), digits.classes()), (10_000, 10));
//! let split = Split::new(digits.len(), 0.1, 42);
//! assert_eq!((split.train.len(), split.valid.len()), (9_000, 1_000));
//! assert_eq!(split, Split::new(digits.len(), 0.1, 42));
//! ```

mod formats;
mod procedural;

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::RngExt;
use rand::seq::SliceRandom;
use thiserror::Error;

use engine::rng::{Seed, rng_for};
use engine::space::InputShape;

pub use formats::*;

/// Most images one dataset may hold.
pub const MAX_IMAGES: usize = 200_000;
/// Largest image side accepted.
pub const MAX_SIDE: usize = 512;
/// Largest decompressed file accepted (bytes).
pub const MAX_FILE_BYTES: usize = 256 << 20;
/// Most bytes of pixels a dataset may hold (all images together): what a tab can keep beside
/// the training's own memory.
pub const MAX_PIXEL_BYTES: usize = 256 << 20;

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DataError {
    /// The file ends early.
    #[error("{file}: truncated: {found} bytes, but its header announces {expected}")]
    Truncated { file: String, expected: usize, found: usize },
    /// The file is longer than its header says, or holds more than allowed.
    #[error("{file}: oversized: {what}")]
    Oversized { file: String, what: String },
    /// The header is not what the format requires.
    #[error("{file}: not {format}: {what}")]
    Header { file: String, format: &'static str, what: String },
    /// A label is not a valid class.
    #[error("{file}: label {label} of image {index} is not a class (allowed 0 to {max})")]
    Label { file: String, index: usize, label: u8, max: u8 },
    /// Images and labels disagree.
    #[error("{images} holds {image_count} images but {labels} holds {label_count} labels")]
    Mismatch { images: String, image_count: usize, labels: String, label_count: usize },
    /// Gzip data is damaged.
    #[error("{file}: damaged gzip data: {message}")]
    Gzip { file: String, message: String },
    /// No images at all.
    #[error("{file}: holds no images")]
    Empty { file: String },
    /// An image folder without enough class subfolders.
    #[error("{folder}: an image folder needs one subfolder per class, at least 2; found {found}")]
    Classes { folder: String, found: usize },
    /// The file could not be read.
    #[error("{file}: cannot be read: {why}")]
    Unreadable { file: String, why: String },
}

/// The built-in digits' images, as served beside the page (and kept under `www/` here).
pub const DIGITS_IMAGES: &str = "digits/digits-images-idx3-ubyte.gz";
/// The built-in digits' labels, likewise.
pub const DIGITS_LABELS: &str = "digits/digits-labels-idx1-ubyte.gz";

/// Images with labels, stored as bytes (channel-major per image).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    name: String,
    shape: InputShape,
    classes: usize,
    pixels: Vec<u8>,
    labels: Vec<u8>,
    flip: bool,
}

impl Dataset {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether it holds no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Shape of one image.
    pub fn shape(&self) -> InputShape {
        self.shape
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The label of image `index`.
    pub fn label(&self, index: usize) -> u8 {
        self.labels[index]
    }

    fn image_len(&self) -> usize {
        (self.shape.channels * self.shape.height * self.shape.width) as usize
    }

    /// Per-channel mean and standard deviation of the pixels (scaled to [0, 1]) of `indices`.
    pub fn channel_stats(&self, indices: &[usize]) -> Vec<(f32, f32)> {
        let channels = self.shape.channels as usize;
        let plane = (self.shape.height * self.shape.width) as usize;
        (0..channels)
            .map(|c| {
                let (mut sum, mut squares, mut n) = (0f64, 0f64, 0f64);
                for &i in indices {
                    let start = i * self.image_len() + c * plane;
                    for &p in &self.pixels[start..start + plane] {
                        let v = f64::from(p) / 255.0;
                        sum += v;
                        squares += v * v;
                        n += 1.0;
                    }
                }
                let mean = sum / n.max(1.0);
                let std = (squares / n.max(1.0) - mean * mean).max(1e-12).sqrt();
                (mean as f32, std as f32)
            })
            .collect()
    }

    /// A batch of `indices` as tensors: images `[n, c, h, w]` normalised with `stats`, labels
    /// `[n]`. With `augment`, each image is shifted by a random crop of the zero-padded image
    /// (padding 4 for 32×32 RGB, 2 otherwise) and, where flips make sense, mirrored half the time.
    pub fn batch(
        &self,
        indices: &[usize],
        stats: &[(f32, f32)],
        augment: Option<&mut engine::rng::EngineRng>,
        device: &Device,
    ) -> (Tensor<4>, Tensor<1, Int>) {
        let (c, h, w) = (self.shape.channels as usize, self.shape.height as usize, self.shape.width as usize);
        let pad = if c == 3 { 4 } else { 2 };
        let mut values = Vec::with_capacity(indices.len() * c * h * w);
        let mut rng = augment;
        for &i in indices {
            let (dy, dx, flip) = match rng.as_deref_mut() {
                Some(r) => (
                    r.random_range(0..=2 * pad) as isize - pad as isize,
                    r.random_range(0..=2 * pad) as isize - pad as isize,
                    self.flip && r.random_bool(0.5),
                ),
                None => (0, 0, false),
            };
            let image = &self.pixels[i * c * h * w..(i + 1) * c * h * w];
            for (channel, (mean, std)) in stats.iter().enumerate().take(c) {
                for y in 0..h {
                    for x in 0..w {
                        let sx = if flip { w - 1 - x } else { x } as isize + dx;
                        let sy = y as isize + dy;
                        let raw = if sy < 0 || sx < 0 || sy >= h as isize || sx >= w as isize {
                            0.0
                        } else {
                            f32::from(image[channel * h * w + sy as usize * w + sx as usize]) / 255.0
                        };
                        values.push((raw - mean) / std);
                    }
                }
            }
        }
        let labels: Vec<i64> = indices.iter().map(|&i| i64::from(self.labels[i])).collect();
        (
            Tensor::from_data(TensorData::new(values, [indices.len(), c, h, w]), device),
            Tensor::from_data(TensorData::new(labels, [indices.len()]), device),
        )
    }
}

/// A seeded train/validation split of image indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Training indices, in shuffled order.
    pub train: Vec<usize>,
    /// Validation indices, ascending.
    pub valid: Vec<usize>,
}

impl Split {
    /// Holds out `round(len × valid_fraction)` images (at least 1 when `len > 1`), chosen by a
    /// shuffle from the `split` stream of `seed`.
    pub fn new(len: usize, valid_fraction: f64, seed: u64) -> Split {
        let mut order: Vec<usize> = (0..len).collect();
        order.shuffle(&mut rng_for(Seed(seed), "split"));
        let held = ((len as f64 * valid_fraction.clamp(0.0, 0.9)).round() as usize).max(usize::from(len > 1));
        let mut valid = order.split_off(len - held.min(len));
        valid.sort_unstable();
        Split { train: order, valid }
    }
}
