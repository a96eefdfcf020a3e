//! Dataset parsers, the built-in digits, splits and batches.

use std::io::Write;

use engine::rng::{Seed, rng_for};
use nn::backend;
use nn::data::{DataError, Dataset, MAX_IMAGES, Split, parse_idx_images, parse_idx_labels};

fn idx_images(count: u32, rows: u32, cols: u32) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, 3];
    for v in [count, rows, cols] {
        bytes.extend_from_slice(&v.to_be_bytes());
    }
    bytes.extend((0..count * rows * cols).map(|i| (i % 251) as u8));
    bytes
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, 1];
    bytes.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    bytes.extend_from_slice(labels);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

#[test]
fn builtin_digits_are_ten_thousand_real_balanced_digits() {
    let digits = Dataset::builtin_digits().expect("built-in digits parse");
    assert_eq!(digits.len(), 10_000);
    assert_eq!((digits.shape().channels, digits.shape().height, digits.shape().width), (1, 28, 28));
    let mut per_class = [0usize; 10];
    for i in 0..digits.len() {
        per_class[usize::from(digits.label(i))] += 1;
    }
    assert!(per_class.iter().all(|&n| (850..=1_150).contains(&n)), "{per_class:?}");
    let (mean, std) = digits.channel_stats(&(0..digits.len()).collect::<Vec<_>>())[0];
    // MNIST's well-known statistics: mean 0.1307, std 0.3081.
    assert!((mean - 0.1307).abs() < 0.01 && (std - 0.3081).abs() < 0.01, "{mean} {std}");
}

#[test]
fn idx_files_parse_raw_and_gzip() {
    let images = idx_images(3, 4, 5);
    let labels = idx_labels(&[1, 9, 0]);
    let raw = Dataset::from_idx("t", "img", &images, "lbl", &labels).expect("raw");
    let zipped = Dataset::from_idx("t", "img.gz", &gzip(&images), "lbl.gz", &gzip(&labels)).expect("gzip");
    assert_eq!(raw, zipped);
    assert_eq!((raw.len(), raw.shape().height, raw.shape().width), (3, 4, 5));
    assert_eq!(parse_idx_images("img", &images).expect("parses").0, 3);
}

#[test]
fn bad_idx_files_are_refused_with_file_and_reason() {
    let images = idx_images(3, 4, 5);
    let truncated = parse_idx_images("train-images", &images[..images.len() - 1]).expect_err("short");
    assert_eq!(truncated, DataError::Truncated { file: "train-images".into(), expected: 76, found: 75 });
    assert!(truncated.to_string().contains("train-images: truncated"));
    let mut longer = images.clone();
    longer.push(0);
    assert!(matches!(parse_idx_images("x", &longer), Err(DataError::Oversized { .. })));
    let mut huge = idx_images(1, 1, 1);
    huge[4..8].copy_from_slice(&((MAX_IMAGES + 1) as u32).to_be_bytes());
    let error = parse_idx_images("huge", &huge).expect_err("too many");
    assert!(error.to_string().contains("huge: oversized") && error.to_string().contains("200000"), "{error}");
    // Headers whose sizes multiply past 32 bits (a wasm32 `usize`) are refused, not overflowed.
    for count in [16_384u32, 200_000] {
        let mut header = idx_images(1, 1, 1);
        header[4..16].copy_from_slice(&[count.to_be_bytes(), 512u32.to_be_bytes(), 512u32.to_be_bytes()].concat());
        let error = parse_idx_images("big-header", &header).expect_err("announces gigabytes");
        let text = error.to_string();
        assert!(text.contains(&format!("big-header: oversized: its header announces {count} images of 512x512 pixels")), "{text}");
    }
    let mut garbled = images.clone();
    garbled[3] = 9;
    let error = parse_idx_images("labels-by-mistake", &garbled).expect_err("magic");
    assert!(error.to_string().contains("not an IDX image file") && error.to_string().contains("0x00000809"), "{error}");
    let mut damaged = gzip(&images);
    let middle = damaged.len() / 2;
    damaged.truncate(middle);
    assert!(matches!(parse_idx_images("cut.gz", &damaged), Err(DataError::Gzip { .. })));
    assert!(matches!(parse_idx_labels("l", &idx_labels(&[1])[..7]), Err(DataError::Truncated { .. })));
    let mislabeled = Dataset::from_idx("t", "img", &images, "lbl", &idx_labels(&[1, 12, 0])).expect_err("label 12");
    assert_eq!(mislabeled, DataError::Label { file: "lbl".into(), index: 1, label: 12, max: 9 });
    let mismatch = Dataset::from_idx("t", "img", &images, "lbl", &idx_labels(&[1, 2])).expect_err("2 labels");
    assert!(mismatch.to_string().contains("img holds 3 images but lbl holds 2 labels"));
}

#[test]
fn cifar10_batches_parse_and_bad_ones_are_refused() {
    let record = |label: u8| {
        let mut r = vec![label];
        r.extend((0..3072).map(|i| (i % 256) as u8));
        r
    };
    let batch: Vec<u8> = [record(3), record(7)].concat();
    let data = Dataset::from_cifar10("cifar", &[("data_batch_1.bin", &batch), ("test_batch.bin", &record(0))]).expect("valid");
    assert_eq!((data.len(), data.label(1), data.shape().channels), (3, 7, 3));
    let error = Dataset::from_cifar10("cifar", &[("data_batch_2.bin", &batch[..5000])]).expect_err("partial record");
    assert!(error.to_string().starts_with("data_batch_2.bin: truncated"), "{error}");
    let error = Dataset::from_cifar10("cifar", &[("data_batch_3.bin", &record(10))]).expect_err("label 10");
    assert!(matches!(error, DataError::Label { label: 10, .. }));
    assert!(matches!(Dataset::from_cifar10("cifar", &[("empty.bin", &[])]), Err(DataError::Empty { .. })));
}

#[test]
fn splits_are_seeded_disjoint_and_complete() {
    let a = Split::new(1_000, 0.2, 5);
    assert_eq!(a, Split::new(1_000, 0.2, 5));
    assert_ne!(a, Split::new(1_000, 0.2, 6));
    assert_eq!((a.train.len(), a.valid.len()), (800, 200));
    let mut all: Vec<usize> = a.train.iter().chain(&a.valid).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..1_000).collect::<Vec<_>>());
}

#[test]
fn batches_are_normalised_and_augmentation_keeps_shapes() {
    let digits = Dataset::builtin_digits().expect("digits");
    let split = Split::new(digits.len(), 0.1, 1);
    let stats = digits.channel_stats(&split.train);
    let device = backend::cpu();
    let indices = &split.train[..256];
    let (images, labels) = digits.batch(indices, &stats, None, &device);
    assert_eq!(images.dims(), [256, 1, 28, 28]);
    assert_eq!(labels.dims(), [256]);
    let mean: f32 = images.clone().mean().into_scalar();
    assert!(mean.abs() < 0.1, "normalised mean {mean}");
    let mut rng = rng_for(Seed(3), "augment");
    let (shifted, _) = digits.batch(indices, &stats, Some(&mut rng), &device);
    assert_eq!(shifted.dims(), [256, 1, 28, 28]);
    let difference: f32 = (shifted - images).abs().sum().into_scalar();
    assert!(difference > 0.0, "augmentation moved pixels");
}

#[test]
fn the_procedural_set_is_seeded_balanced_and_its_colour_says_nothing() {
    let a = Dataset::procedural(200, 9);
    assert_eq!(a, Dataset::procedural(200, 9));
    assert_ne!(a, Dataset::procedural(200, 10));
    assert_eq!((a.len(), a.shape().channels, a.shape().height, a.classes()), (200, 3, 32, 10));
    assert!((0..200).all(|i| usize::from(a.label(i)) == i % 10));
    // Colour carries no class information: per-class mean colour stays close to the overall mean.
    let many = Dataset::procedural(2_000, 9);
    let stats = many.channel_stats(&(0..2_000).collect::<Vec<_>>());
    for class in 0..10 {
        let members: Vec<usize> = (0..2_000).filter(|i| i % 10 == class).collect();
        let class_stats = many.channel_stats(&members);
        for (c, (overall, _)) in stats.iter().enumerate() {
            assert!((class_stats[c].0 - overall).abs() < 0.1, "class {class} channel {c}");
        }
    }
}

fn encoded(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 20) as u8, (y * 20) as u8, 128]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut bytes, format).expect("encodes");
    bytes.into_inner()
}

#[test]
fn image_folders_parse_and_bad_images_are_refused() {
    let png = encoded(12, 9, image::ImageFormat::Png);
    let jpeg = encoded(20, 20, image::ImageFormat::Jpeg);
    let files: Vec<(&str, &[u8])> = vec![("dog/1.png", &png), ("cat/a.jpg", &jpeg), ("cat/b.png", &png)];
    let data = Dataset::from_image_folder("pets", &files, 8).expect("valid folder");
    assert_eq!((data.len(), data.classes(), data.shape().channels, data.shape().height), (3, 2, 3, 8));
    // Classes in sorted order: cat = 0, dog = 1.
    assert_eq!((data.label(0), data.label(1), data.label(2)), (1, 0, 0));

    let truncated = &png[..png.len() / 2];
    let error = Dataset::from_image_folder("pets", &[("dog/1.png", truncated), ("cat/a.jpg", &jpeg)], 8).expect_err("cut PNG");
    assert!(error.to_string().starts_with("pets/dog/1.png: not a PNG or JPEG image"), "{error}");
    let garbled = vec![7u8; 300];
    let error = Dataset::from_image_folder("pets", &[("dog/x.png", &garbled), ("cat/a.jpg", &jpeg)], 8).expect_err("garbage");
    assert!(error.to_string().contains("pets/dog/x.png"), "{error}");
    let huge = encoded(5000, 1, image::ImageFormat::Png);
    let error = Dataset::from_image_folder("pets", &[("dog/wide.png", &huge), ("cat/a.jpg", &jpeg)], 8).expect_err("too wide");
    assert!(error.to_string().contains("pets/dog/wide.png"), "{error}");
    let error = Dataset::from_image_folder("pets", &[("loose.png", &png), ("cat/a.jpg", &jpeg), ("dog/1.png", &png)], 8)
        .expect_err("outside a class folder");
    assert!(error.to_string().contains("pets/loose.png") && error.to_string().contains("subfolder"), "{error}");
    let one_class = Dataset::from_image_folder("pets", &[("cat/a.jpg", &jpeg)], 8).expect_err("one class");
    assert_eq!(one_class, DataError::Classes { folder: "pets".into(), found: 1 });
}
