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

use std::io::Read;

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::RngExt;
use rand::seq::SliceRandom;
use thiserror::Error;

use engine::rng::{Seed, rng_for};
use engine::space::InputShape;

/// Most images one dataset may hold.
pub const MAX_IMAGES: usize = 200_000;
/// Largest image side accepted.
pub const MAX_SIDE: usize = 512;
/// Largest decompressed file accepted (bytes).
pub const MAX_FILE_BYTES: usize = 256 << 20;

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

/// Decompresses gzip data (recognised by its magic bytes) up to [`MAX_FILE_BYTES`]; other
/// data is returned as it is.
pub fn maybe_gunzip(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::new();
    let limit = MAX_FILE_BYTES as u64 + 1;
    flate2::read::GzDecoder::new(bytes)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| DataError::Gzip { file: file.to_string(), message: e.to_string() })?;
    if out.len() > MAX_FILE_BYTES {
        return Err(DataError::Oversized {
            file: file.to_string(),
            what: format!("decompresses to more than {MAX_FILE_BYTES} bytes"),
        });
    }
    Ok(out)
}

fn be_u32(bytes: &[u8], at: usize) -> usize {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
}

/// Checks `found` bytes against the `expected` size a header announces.
fn exact_size(file: &str, expected: usize, found: usize) -> Result<(), DataError> {
    match found.cmp(&expected) {
        std::cmp::Ordering::Less => Err(DataError::Truncated { file: file.to_string(), expected, found }),
        std::cmp::Ordering::Greater => Err(DataError::Oversized {
            file: file.to_string(),
            what: format!("{found} bytes, but its header announces {expected}"),
        }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// Parses an IDX image file (magic 0x00000803, count, rows, columns, then bytes), raw or gzip.
/// Returns the count, rows, columns and the pixels.
pub fn parse_idx_images(file: &str, bytes: &[u8]) -> Result<(usize, usize, usize, Vec<u8>), DataError> {
    let bytes = maybe_gunzip(file, bytes)?;
    let header = |what: String| DataError::Header { file: file.to_string(), format: "an IDX image file", what };
    if bytes.len() < 16 {
        return Err(DataError::Truncated { file: file.to_string(), expected: 16, found: bytes.len() });
    }
    let magic = be_u32(&bytes, 0);
    if magic != 0x0803 {
        return Err(header(format!("magic number 0x{magic:08x}, expected 0x00000803 (unsigned bytes, 3 dimensions)")));
    }
    let (count, rows, cols) = (be_u32(&bytes, 4), be_u32(&bytes, 8), be_u32(&bytes, 12));
    if count == 0 {
        return Err(DataError::Empty { file: file.to_string() });
    }
    if count > MAX_IMAGES {
        return Err(DataError::Oversized { file: file.to_string(), what: format!("{count} images; at most {MAX_IMAGES}") });
    }
    if rows == 0 || cols == 0 || rows > MAX_SIDE || cols > MAX_SIDE {
        return Err(header(format!("images of {rows}x{cols}; sides from 1 to {MAX_SIDE} allowed")));
    }
    exact_size(file, 16 + count * rows * cols, bytes.len())?;
    Ok((count, rows, cols, bytes[16..].to_vec()))
}

/// Parses an IDX label file (magic 0x00000801, count, then one byte per label), raw or gzip.
pub fn parse_idx_labels(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let bytes = maybe_gunzip(file, bytes)?;
    if bytes.len() < 8 {
        return Err(DataError::Truncated { file: file.to_string(), expected: 8, found: bytes.len() });
    }
    let magic = be_u32(&bytes, 0);
    if magic != 0x0801 {
        return Err(DataError::Header {
            file: file.to_string(),
            format: "an IDX label file",
            what: format!("magic number 0x{magic:08x}, expected 0x00000801 (unsigned bytes, 1 dimension)"),
        });
    }
    let count = be_u32(&bytes, 4);
    if count > MAX_IMAGES {
        return Err(DataError::Oversized { file: file.to_string(), what: format!("{count} labels; at most {MAX_IMAGES}") });
    }
    exact_size(file, 8 + count, bytes.len())?;
    Ok(bytes[8..].to_vec())
}

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
    /// MNIST-style IDX images and labels (10 classes; horizontal flips off).
    pub fn from_idx(name: &str, images_file: &str, images: &[u8], labels_file: &str, labels: &[u8]) -> Result<Dataset, DataError> {
        let (count, rows, cols, pixels) = parse_idx_images(images_file, images)?;
        let labels_parsed = parse_idx_labels(labels_file, labels)?;
        if labels_parsed.len() != count {
            return Err(DataError::Mismatch {
                images: images_file.to_string(),
                image_count: count,
                labels: labels_file.to_string(),
                label_count: labels_parsed.len(),
            });
        }
        check_labels(labels_file, &labels_parsed, 10)?;
        Ok(Dataset {
            name: name.to_string(),
            shape: InputShape { channels: 1, height: rows as u32, width: cols as u32 },
            classes: 10,
            pixels,
            labels: labels_parsed,
            flip: false,
        })
    }

    /// CIFAR-10 binary batches: records of 1 label byte and 3,072 pixel bytes (32×32 RGB,
    /// channel-major), at most 10,000 per file. Horizontal flips on.
    pub fn from_cifar10(name: &str, files: &[(&str, &[u8])]) -> Result<Dataset, DataError> {
        const RECORD: usize = 1 + 3 * 32 * 32;
        let mut pixels = Vec::new();
        let mut labels = Vec::new();
        for (file, bytes) in files {
            if bytes.is_empty() {
                return Err(DataError::Empty { file: file.to_string() });
            }
            if bytes.len() % RECORD != 0 {
                return Err(DataError::Truncated {
                    file: file.to_string(),
                    expected: bytes.len().div_ceil(RECORD) * RECORD,
                    found: bytes.len(),
                });
            }
            let count = bytes.len() / RECORD;
            if count > 10_000 || labels.len() + count > MAX_IMAGES {
                return Err(DataError::Oversized {
                    file: file.to_string(),
                    what: format!("{count} records; a CIFAR-10 batch holds at most 10000"),
                });
            }
            for record in bytes.chunks_exact(RECORD) {
                labels.push(record[0]);
                pixels.extend_from_slice(&record[1..]);
            }
            check_labels(file, &labels[labels.len() - count..], 10)?;
        }
        if labels.is_empty() {
            return Err(DataError::Empty { file: name.to_string() });
        }
        Ok(Dataset { name: name.to_string(), shape: InputShape::RGB32, classes: 10, pixels, labels, flip: true })
    }

    /// A folder of images with one subfolder per class: `files` are (path inside the folder,
    /// bytes), e.g. `("cat/001.png", ..)`; classes are the subfolder names in sorted order. Each
    /// PNG or JPEG is decoded (at most 4096×4096 pixels), converted to RGB and resized to
    /// `side`×`side`. Horizontal flips on.
    pub fn from_image_folder(folder: &str, files: &[(&str, &[u8])], side: u32) -> Result<Dataset, DataError> {
        if files.len() > MAX_IMAGES {
            return Err(DataError::Oversized { file: folder.to_string(), what: format!("{} images; at most {MAX_IMAGES}", files.len()) });
        }
        if !(4..=MAX_SIDE as u32).contains(&side) {
            return Err(DataError::Header {
                file: folder.to_string(),
                format: "a usable image size",
                what: format!("{side} pixels; allowed 4 to {MAX_SIDE}"),
            });
        }
        let class_of = |path: &str| -> Option<String> {
            let mut parts = path.split('/').filter(|p| !p.is_empty());
            let class = parts.next()?;
            parts.next().map(|_| class.to_string())
        };
        let mut classes: Vec<String> = files.iter().filter_map(|(path, _)| class_of(path)).collect();
        classes.sort();
        classes.dedup();
        if classes.len() < 2 || classes.len() > 255 {
            return Err(DataError::Classes { folder: folder.to_string(), found: classes.len() });
        }
        let side_px = side as usize;
        let mut pixels = Vec::with_capacity(files.len() * 3 * side_px * side_px);
        let mut labels = Vec::with_capacity(files.len());
        for (path, bytes) in files {
            let file = format!("{folder}/{path}");
            let class = class_of(path).ok_or_else(|| DataError::Header {
                file: file.clone(),
                format: "inside a class subfolder",
                what: "images must sit in one subfolder per class, like cat/001.png".into(),
            })?;
            let header = |what: String| DataError::Header { file: file.clone(), format: "a PNG or JPEG image", what };
            let mut limits = image::Limits::default();
            limits.max_image_width = Some(4096);
            limits.max_image_height = Some(4096);
            limits.max_alloc = Some(64 << 20);
            let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
                .with_guessed_format()
                .map_err(|e| header(e.to_string()))?;
            if !matches!(reader.format(), Some(image::ImageFormat::Png | image::ImageFormat::Jpeg)) {
                return Err(header(format!("format {:?} is not PNG or JPEG", reader.format())));
            }
            reader.limits(limits);
            let decoded = reader.decode().map_err(|e| header(e.to_string()))?;
            let rgb = image::imageops::resize(&decoded.to_rgb8(), side, side, image::imageops::FilterType::Triangle);
            let raw = rgb.as_raw();
            for channel in 0..3 {
                pixels.extend((0..side_px * side_px).map(|i| raw[i * 3 + channel]));
            }
            labels.push(classes.iter().position(|c| *c == class).unwrap_or(0) as u8);
        }
        Ok(Dataset {
            name: folder.to_string(),
            shape: InputShape { channels: 3, height: side, width: side },
            classes: classes.len(),
            pixels,
            labels,
            flip: true,
        })
    }

    /// The built-in 10,000 handwritten digits from their two files ([`DIGITS_IMAGES`] and
    /// [`DIGITS_LABELS`], gzip IDX), as the worker fetches them beside the page.
    pub fn digits_from(images: &[u8], labels: &[u8]) -> Result<Dataset, DataError> {
        Dataset::from_idx("digits", DIGITS_IMAGES, images, DIGITS_LABELS, labels)
    }

    /// The built-in digits read from this repository's `www/` (native builds: the CLI and
    /// tests). In the browser they are fetched beside the page instead, see [`Self::digits_from`].
    pub fn builtin_digits() -> Result<Dataset, DataError> {
        let read = |file: &str| {
            let path = format!("{}/../../www/{file}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read(&path).map_err(|e| DataError::Unreadable { file: path, why: e.to_string() })
        };
        Dataset::digits_from(&read(DIGITS_IMAGES)?, &read(DIGITS_LABELS)?)
    }

    /// The procedural 32×32 RGB set: `count` images of 10 classes (cycling 0..9), generated
    /// deterministically from `seed`. The class is the shape — filled disc, ring, filled square,
    /// hollow square, triangle, plus, diagonal cross, horizontal stripes, vertical stripes,
    /// checkerboard — drawn at a random place and size in a random colour over a random
    /// gradient background with texture and pixel noise, so colour and position say nothing and
    /// telling rings from discs or stripes from checkers needs spatial context.
    pub fn procedural(count: usize, seed: u64) -> Dataset {
        const SIDE: usize = 32;
        let mut rng = rng_for(Seed(seed), "procedural");
        let count = count.min(MAX_IMAGES);
        let mut pixels = Vec::with_capacity(count * 3 * SIDE * SIDE);
        let mut labels = Vec::with_capacity(count);
        for index in 0..count {
            let class = (index % 10) as u8;
            let radius: f32 = rng.random_range(6.0..11.0);
            let cx: f32 = rng.random_range(radius..SIDE as f32 - radius);
            let cy: f32 = rng.random_range(radius..SIDE as f32 - radius);
            let period: f32 = rng.random_range(3.0..5.0);
            let background: [f32; 3] = std::array::from_fn(|_| rng.random_range(0.0..1.0));
            let gradient: [f32; 3] = std::array::from_fn(|_| rng.random_range(-0.3..0.3));
            let foreground: [f32; 3] = std::array::from_fn(|c| {
                let shift: f32 = rng.random_range(0.35..0.65);
                (background[c] + shift) % 1.0
            });
            let mut image = vec![0u8; 3 * SIDE * SIDE];
            for y in 0..SIDE {
                for x in 0..SIDE {
                    let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                    let inside = shape_covers(class, dx, dy, radius, period);
                    let texture: f32 = rng.random_range(-0.08..0.08);
                    for c in 0..3 {
                        let base = if inside {
                            foreground[c]
                        } else {
                            background[c] + gradient[c] * (x as f32 / SIDE as f32 - 0.5) + texture
                        };
                        let noisy = base + rng.random_range(-0.06..0.06);
                        image[c * SIDE * SIDE + y * SIDE + x] = (noisy.clamp(0.0, 1.0) * 255.0).round() as u8;
                    }
                }
            }
            pixels.extend_from_slice(&image);
            labels.push(class);
        }
        Dataset { name: "procedural".into(), shape: InputShape::RGB32, classes: 10, pixels, labels, flip: true }
    }

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

/// Whether the shape of `class` (centred at the origin, size `r`) covers the point (dx, dy).
fn shape_covers(class: u8, dx: f32, dy: f32, r: f32, period: f32) -> bool {
    let distance = (dx * dx + dy * dy).sqrt();
    let (ax, ay) = (dx.abs(), dy.abs());
    let in_box = ax <= r && ay <= r;
    let band = (r * 0.3).max(1.5);
    let stripe = |v: f32| (v / period).floor().rem_euclid(2.0) < 1.0;
    match class {
        0 => distance <= r,
        1 => distance <= r && distance >= r - band,
        2 => in_box,
        3 => in_box && (ax >= r - band || ay >= r - band),
        4 => dy <= r && dy >= -r && ax <= (dy + r) * 0.5,
        5 => in_box && (ax <= band * 0.6 || ay <= band * 0.6),
        6 => in_box && ((dx - dy).abs() <= band * 0.9 || (dx + dy).abs() <= band * 0.9),
        7 => in_box && stripe(dy + r),
        8 => in_box && stripe(dx + r),
        _ => in_box && (stripe(dx + r) ^ stripe(dy + r)),
    }
}

fn check_labels(file: &str, labels: &[u8], classes: u8) -> Result<(), DataError> {
    match labels.iter().position(|&l| l >= classes) {
        Some(index) => Err(DataError::Label { file: file.to_string(), index, label: labels[index], max: classes - 1 }),
        None => Ok(()),
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
