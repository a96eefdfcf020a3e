//! The file formats datasets are read from: gzip, MNIST IDX, CIFAR-10 binary batches, folders
//! of PNG/JPEG images per class; and the built-in digits.

use std::io::Read;

use engine::space::InputShape;

use super::*;

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

pub(crate) fn be_u32(bytes: &[u8], at: usize) -> usize {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
}

/// Checks `found` bytes against the `expected` size a header announces.
pub(crate) fn exact_size(file: &str, expected: usize, found: usize) -> Result<(), DataError> {
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
    // Checked: on wasm32 a header of 16384 images of 512×512 overflows `usize`.
    let announced = count.checked_mul(rows).and_then(|n| n.checked_mul(cols)).filter(|&n| n <= MAX_PIXEL_BYTES).ok_or_else(|| {
        DataError::Oversized {
            file: file.to_string(),
            what: format!("its header announces {count} images of {rows}x{cols} pixels, more than the {} MiB of pixels allowed", MAX_PIXEL_BYTES >> 20),
        }
    })?;
    exact_size(file, 16 + announced, bytes.len())?;
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
            if count > 10_000 {
                return Err(DataError::Oversized {
                    file: file.to_string(),
                    what: format!("{count} records; a CIFAR-10 batch holds at most 10000"),
                });
            }
            if labels.len() + count > MAX_IMAGES || (labels.len() + count) * (RECORD - 1) > MAX_PIXEL_BYTES {
                return Err(DataError::Oversized {
                    file: file.to_string(),
                    what: format!(
                        "{} images with the files before it; at most {MAX_IMAGES} images and {} MiB of pixels",
                        labels.len() + count,
                        MAX_PIXEL_BYTES >> 20
                    ),
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
        let total = files.len().checked_mul(3 * side_px * side_px).filter(|&n| n <= MAX_PIXEL_BYTES).ok_or_else(|| DataError::Oversized {
            file: folder.to_string(),
            what: format!("{} images at {side}x{side} RGB are more than the {} MiB of pixels allowed", files.len(), MAX_PIXEL_BYTES >> 20),
        })?;
        let mut pixels = Vec::with_capacity(total);
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
}

pub(crate) fn check_labels(file: &str, labels: &[u8], classes: u8) -> Result<(), DataError> {
    match labels.iter().position(|&l| l >= classes) {
        Some(index) => Err(DataError::Label { file: file.to_string(), index, label: labels[index], max: classes - 1 }),
        None => Ok(()),
    }
}
