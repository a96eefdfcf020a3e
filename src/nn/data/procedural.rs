//! The procedural 32×32 colour set, generated from a seed.

use rand::RngExt;

use engine::rng::{Seed, rng_for};
use engine::space::InputShape;

use super::*;

impl Dataset {
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
}

/// Whether the shape of `class` (centred at the origin, size `r`) covers the point (dx, dy).
pub(crate) fn shape_covers(class: u8, dx: f32, dy: f32, r: f32, period: f32) -> bool {
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
