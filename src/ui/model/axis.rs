//! A scatter plot's axes and labels: the scale of each axis (logarithmic where the values are
//! positive and spread over a multiple, as latency, parameters and multiply-adds are: the
//! networks of a search crowd the low end of a linear axis when a reference is many times
//! larger), round tick values, and where labels of nearby markers go so that they do not
//! overlap. Pure and tested, so components only draw.
//!
//! ```
//! use ui::model::axis::Axis;
//! // Latencies of a search beside two large references: logarithmic, ticks at 1-2-5 values.
//! let latency = Axis::covering(&[0.24, 0.31, 0.52, 0.70, 1.91]).unwrap();
//! assert!(latency.log);
//! assert_eq!(latency.ticks, vec![0.3, 0.5, 1.0]);
//! // Values close together stay linear, with round ticks.
//! let error = Axis::covering(&[0.05, 0.08, 0.12]).unwrap();
//! assert!(!error.log);
//! assert_eq!(error.ticks, vec![0.06, 0.08, 0.1, 0.12]);
//! ```

/// The spread (largest over smallest, all positive) from which an axis is logarithmic.
pub const LOG_SPREAD: f64 = 4.0;

/// One axis of a scatter plot: data range, scale and tick marks.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Smallest value shown.
    pub min: f64,
    /// Largest value shown.
    pub max: f64,
    /// Logarithmic scale (all values positive, the largest at least [`LOG_SPREAD`] times the
    /// smallest).
    pub log: bool,
    /// Tick values, ascending, within `[min, max]`.
    pub ticks: Vec<f64>,
}

impl Axis {
    /// An axis covering `values` (finite ones only); `None` when none is finite.
    pub fn covering(values: &[f64]) -> Option<Axis> {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let min = finite.clone().reduce(f64::min)?;
        let max = finite.reduce(f64::max)?;
        let log = min > 0.0 && max / min >= LOG_SPREAD;
        let (min, max) = if max > min {
            (min, max)
        } else if min == 0.0 {
            (-1.0, 1.0)
        } else {
            (min - min.abs() * 0.1, max + max.abs() * 0.1)
        };
        let ticks = if log { log_ticks(min, max) } else { linear_ticks(min, max) };
        Some(Axis { min, max, log, ticks })
    }

    /// Where `value` falls, 0 at `min` and 1 at `max`.
    pub fn share(&self, value: f64) -> f64 {
        if self.log {
            (value.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
        } else {
            (value - self.min) / (self.max - self.min)
        }
    }
}

/// Multiples of a round step (1, 2, 2.5 or 5 times a power of ten) within `[min, max]`, the
/// step chosen so that there are about five.
fn linear_ticks(min: f64, max: f64) -> Vec<f64> {
    let rough = (max - min) / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= rough * (1.0 - 1e-9)).unwrap_or(10.0 * power);
    let first = (min / step - 1e-9).ceil() as i64;
    let last = (max / step + 1e-9).floor() as i64;
    (first..=last).map(|k| round_to(k as f64 * step, step)).collect()
}

/// Decades when the range spans three or more; else the 1-2-5 values in it (1-2-3-5 when that
/// gives fewer than three).
fn log_ticks(min: f64, max: f64) -> Vec<f64> {
    let within = |mantissas: &[f64]| -> Vec<f64> {
        let (low, high) = (min.log10().floor() as i32, max.log10().ceil() as i32);
        (low..=high)
            .flat_map(|e| mantissas.iter().map(move |m| round_to(m * 10f64.powi(e), 10f64.powi(e))))
            .filter(|v| *v >= min * (1.0 - 1e-9) && *v <= max * (1.0 + 1e-9))
            .collect()
    };
    let decades = within(&[1.0]);
    if decades.len() >= 3 {
        return decades;
    }
    let ticks = within(&[1.0, 2.0, 5.0]);
    if ticks.len() >= 3 { ticks } else { within(&[1.0, 2.0, 3.0, 5.0]) }
}

/// `value` without the float noise of a multiple of `unit` (0.30000000000000004 → 0.3).
fn round_to(value: f64, unit: f64) -> f64 {
    let digits = (-unit.log10().floor() + 2.0).clamp(0.0, 15.0) as i32;
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// The size of a marker's label and how it sits beside its marker, in SVG units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelSize {
    /// About as wide as the longest label.
    pub width: f64,
    /// A line's height.
    pub height: f64,
    /// From the marker's centre to the label's near edge.
    pub gap: f64,
    /// Half a marker's width and height.
    pub marker: f64,
}

/// Where a marker's label goes: on which side, and its baseline `dy` below the marker's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelPlace {
    /// Left of the marker (text anchored at its end) rather than right.
    pub left: bool,
    /// The baseline's offset from the marker's centre.
    pub dy: f64,
}

/// Places the labels of markers at `points` (SVG coordinates, in order) so that none covers
/// another label or another marker: each goes `first` below its marker's centre on its own side
/// (the right, the left past `flip_x`), else on the other side where that fits between `left`
/// and `right`, else down its own side, a line at a time, as far as it must.
pub fn place_labels(points: &[(f64, f64)], size: LabelSize, first: f64, flip_x: f64, (left, right): (f64, f64)) -> Vec<LabelPlace> {
    let rect = |(x, y): (f64, f64), place: LabelPlace| {
        let x0 = if place.left { x - size.gap - size.width } else { x + size.gap };
        (x0, y + place.dy - size.height, x0 + size.width, y + place.dy)
    };
    let overlaps = |a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let markers: Vec<_> = points.iter().map(|&(x, y)| (x - size.marker, y - size.marker, x + size.marker, y + size.marker)).collect();
    let mut taken: Vec<(f64, f64, f64, f64)> = Vec::with_capacity(points.len());
    let mut places = Vec::with_capacity(points.len());
    for (i, &point) in points.iter().enumerate() {
        let free = |place: LabelPlace| {
            let r = rect(point, place);
            markers.iter().enumerate().all(|(j, &m)| j == i || !overlaps(r, m)) && taken.iter().all(|&t| !overlaps(r, t))
        };
        let fits = |place: LabelPlace| {
            let r = rect(point, place);
            r.0 >= left && r.2 <= right
        };
        let own = point.0 > flip_x;
        let other = LabelPlace { left: !own, dy: first };
        let mut place = LabelPlace { left: own, dy: first };
        if !free(place) {
            if fits(other) && free(other) {
                place = other;
            } else {
                while !free(place) {
                    place.dy += size.height;
                }
            }
        }
        taken.push(rect(point, place));
        places.push(place);
    }
    places
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_positive_ranges_use_a_log_axis_with_decade_ticks() {
        let axis = Axis::covering(&[50.0, 2_000.0, 120_000.0]).unwrap();
        assert!(axis.log);
        assert_eq!(axis.ticks, vec![100.0, 1_000.0, 10_000.0, 100_000.0]);
        assert!((axis.share(50.0)).abs() < 1e-12 && (axis.share(120_000.0) - 1.0).abs() < 1e-12);
        let constant = Axis::covering(&[3.0, 3.0]).unwrap();
        assert!(constant.min < 3.0 && constant.max > 3.0);
    }

    #[test]
    fn a_spread_of_a_few_times_is_logarithmic_with_1_2_5_ticks() {
        // Parameters of a search (7 k to 20 k) beside a reference of 120 k.
        let params = Axis::covering(&[6_870.0, 20_900.0, 120_000.0]).unwrap();
        assert!(params.log);
        assert_eq!(params.ticks, vec![10_000.0, 20_000.0, 50_000.0, 100_000.0]);
        // The networks' half of the axis is more than a tenth of it (linear: 11 %).
        assert!(params.share(20_900.0) > 0.35);
        // Few 1-2-5 values in range: 3 joins them.
        assert_eq!(Axis::covering(&[0.24, 1.91]).unwrap().ticks, vec![0.3, 0.5, 1.0]);
        assert_eq!(Axis::covering(&[2.1, 8.4]).unwrap().ticks, vec![3.0, 5.0]);
        // Negative or zero values, or a spread under four times, stay linear.
        assert!(!Axis::covering(&[0.0, 10.0]).unwrap().log);
        assert!(!Axis::covering(&[-1.0, 10.0]).unwrap().log);
        assert!(!Axis::covering(&[1.0, 3.9]).unwrap().log);
    }

    #[test]
    fn linear_ticks_are_round_and_inside_the_range() {
        assert_eq!(Axis::covering(&[0.0, 1.0]).unwrap().ticks, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(Axis::covering(&[0.3, 0.7]).unwrap().ticks, vec![0.3, 0.4, 0.5, 0.6, 0.7]);
        assert_eq!(Axis::covering(&[-3.0, 7.0]).unwrap().ticks, vec![-2.5, 0.0, 2.5, 5.0]);
        for values in [[0.35, 0.9], [1.0, 3.5], [-0.2, 0.1], [1e6, 3.3e6]] {
            let axis = Axis::covering(&values).unwrap();
            assert!((2..=6).contains(&axis.ticks.len()), "{values:?}: {:?}", axis.ticks);
            assert!(axis.ticks.iter().all(|t| *t >= axis.min - 1e-12 && *t <= axis.max + 1e-12), "{values:?}: {:?}", axis.ticks);
        }
    }

    const SIZE: LabelSize = LabelSize { width: 80.0, height: 12.0, gap: 9.0, marker: 7.0 };

    #[test]
    fn labels_of_markers_at_one_place_stack_and_others_stay_put() {
        // VGG-like and ResNet-like have the same MACs and latency; MobileNet-like is elsewhere.
        let places = place_labels(&[(40.0, 20.0), (40.0, 20.0), (300.0, 20.0), (41.0, 80.0)], SIZE, 4.0, 400.0, (0.0, 500.0));
        assert_eq!(places[0], LabelPlace { left: false, dy: 4.0 }, "the other marker is under the label's marker, not under the label");
        assert_eq!(places[1].dy, 16.0, "below the first label");
        assert_eq!(places[2], LabelPlace { left: false, dy: 4.0 }, "far enough away to keep its place");
        assert_eq!(places[3], LabelPlace { left: false, dy: 4.0 });
    }

    #[test]
    fn a_label_never_covers_another_marker() {
        // ResNet-like's diamond sits where VGG-like's label would start.
        let points = [(120.0, 20.0), (145.0, 20.0)];
        let places = place_labels(&points, SIZE, 4.0, 400.0, (0.0, 500.0));
        assert_eq!(places[0], LabelPlace { left: true, dy: 4.0 }, "to the left, where there is room");
        assert_eq!(places[1], LabelPlace { left: false, dy: 4.0 });
        // No room on the left (the axis): down the right side, clear of the diamond.
        let places = place_labels(&points, SIZE, 4.0, 400.0, (48.0, 500.0));
        assert_eq!(places[0], LabelPlace { left: false, dy: 28.0 });
        // Past `flip_x` a label starts on the left.
        assert!(place_labels(&[(450.0, 20.0)], SIZE, 4.0, 400.0, (0.0, 500.0))[0].left);
    }
}
