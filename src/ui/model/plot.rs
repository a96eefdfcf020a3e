//! Plot geometry: data in, SVG coordinates out. Pure and tested, so components only draw.
//!
//! ```
//! use ui::model::plot::{Frame, line_from_data};
//! let frame = Frame { width: 100.0, height: 50.0, margin: 10.0 };
//! let line = line_from_data(&[2.0, 1.0], &frame).unwrap();
//! assert_eq!(line.points, vec![(10.0, 10.0), (90.0, 40.0)]);
//! ```

use crate::model::axis::Axis;

/// The drawing area: the plot spans `[margin, width − margin] × [margin, height − margin]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Width of the SVG in user units.
    pub width: f64,
    /// Height of the SVG in user units.
    pub height: f64,
    /// Empty border on every side.
    pub margin: f64,
}

/// A series mapped into a [`Frame`].
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// SVG coordinates, one per value, left to right.
    pub points: Vec<(f64, f64)>,
    /// The value at the bottom of the plot.
    pub y_min: f64,
    /// The value at the top of the plot.
    pub y_max: f64,
    /// The x value at the right edge (the left edge is 0).
    pub x_max: f64,
}

impl Line {
    /// The points in the form of an SVG `points` attribute.
    pub fn svg_points(&self) -> String {
        self.points.iter().map(|(x, y)| format!("{x:.2},{y:.2}")).collect::<Vec<_>>().join(" ")
    }
}

/// Maps `values` (index on x, value on y, larger values higher) into `frame`.
///
/// Non-finite values are skipped. `None` when no finite value is left. A single value sits at
/// the left edge; a constant series is drawn at mid-height.
pub fn line_from_data(values: &[f64], frame: &Frame) -> Option<Line> {
    let pairs: Vec<(f64, f64)> = values.iter().enumerate().map(|(i, &v)| (i as f64, v)).collect();
    line_from_xy(&pairs, values.len().saturating_sub(1) as f64, frame)
}

/// Maps `(x, y)` pairs into `frame`: x from 0 at the left edge to `x_max` at the right (1 when
/// `x_max` is not positive), y as [`line_from_data`] maps values. Pairs with a non-finite
/// coordinate are skipped; `None` when none is left.
///
/// ```
/// use ui::model::plot::{Frame, line_from_xy};
/// let frame = Frame { width: 110.0, height: 50.0, margin: 5.0 };
/// let line = line_from_xy(&[(0.0, 1.0), (25.0, 2.0), (100.0, 3.0)], 100.0, &frame).unwrap();
/// assert_eq!(line.points, vec![(5.0, 45.0), (30.0, 25.0), (105.0, 5.0)]);
/// ```
pub fn line_from_xy(pairs: &[(f64, f64)], x_max: f64, frame: &Frame) -> Option<Line> {
    let finite = finite_pairs(pairs);
    let y_min = finite.iter().map(|p| p.1).reduce(f64::min)?;
    let y_max = finite.iter().map(|p| p.1).reduce(f64::max)?;
    Some(scaled(&finite, x_max, (y_min, y_max), frame))
}

/// Several series on one scale (x from 0 to the largest x of any, y over all their values),
/// one line each (`None` for a series with no finite pair), as [`line_from_xy`] maps one.
///
/// ```
/// use ui::model::plot::{Frame, lines_on_one_scale};
/// let frame = Frame { width: 110.0, height: 50.0, margin: 5.0 };
/// let lines = lines_on_one_scale(&[vec![(0.0, 1.0), (50.0, 2.0)], vec![(100.0, 3.0)], vec![]], &frame);
/// assert_eq!(lines[0].as_ref().unwrap().points, vec![(5.0, 45.0), (55.0, 25.0)]);
/// assert_eq!(lines[1].as_ref().unwrap().points, vec![(105.0, 5.0)]);
/// assert!(lines[2].is_none());
/// ```
pub fn lines_on_one_scale(series: &[Vec<(f64, f64)>], frame: &Frame) -> Vec<Option<Line>> {
    let finite: Vec<Vec<(f64, f64)>> = series.iter().map(|pairs| finite_pairs(pairs)).collect();
    let all = || finite.iter().flatten();
    let (Some(y_min), Some(y_max)) = (all().map(|p| p.1).reduce(f64::min), all().map(|p| p.1).reduce(f64::max)) else {
        return vec![None; series.len()];
    };
    let x_max = all().map(|p| p.0).fold(0.0, f64::max);
    finite.iter().map(|pairs| (!pairs.is_empty()).then(|| scaled(pairs, x_max, (y_min, y_max), frame))).collect()
}

fn finite_pairs(pairs: &[(f64, f64)]) -> Vec<(f64, f64)> {
    pairs.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect()
}

/// `pairs` mapped into `frame` with x from 0 to `x_max` and y from `y_min` to `y_max`.
fn scaled(pairs: &[(f64, f64)], x_max: f64, (y_min, y_max): (f64, f64), frame: &Frame) -> Line {
    let inner_width = (frame.width - 2.0 * frame.margin).max(0.0);
    let inner_height = (frame.height - 2.0 * frame.margin).max(0.0);
    let span = if x_max > 0.0 { x_max } else { 1.0 };
    let points = pairs
        .iter()
        .map(|(x, value)| {
            let share = if y_max > y_min { (value - y_min) / (y_max - y_min) } else { 0.5 };
            (frame.margin + inner_width * x / span, frame.margin + inner_height * (1.0 - share))
        })
        .collect();
    Line { points, y_min, y_max, x_max: span }
}

/// A scatter plot mapped into a [`Frame`]: one position per input point (`None` for a point
/// with a non-finite coordinate), smaller values left and low.
#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    /// SVG coordinates per point.
    pub points: Vec<Option<(f64, f64)>>,
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
}

impl Scatter {
    /// The SVG x coordinate of a data value.
    pub fn x_of(&self, frame: &Frame, value: f64) -> f64 {
        frame.margin + (frame.width - 2.0 * frame.margin) * self.x.share(value)
    }

    /// The SVG y coordinate of a data value.
    pub fn y_of(&self, frame: &Frame, value: f64) -> f64 {
        frame.height - frame.margin - (frame.height - 2.0 * frame.margin) * self.y.share(value)
    }
}

/// Maps the points `(xs[i], ys[i])` into `frame`; `None` when no point is finite in both.
pub fn scatter_from_data(xs: &[f64], ys: &[f64], frame: &Frame) -> Option<Scatter> {
    let both: Vec<(f64, f64)> =
        xs.iter().zip(ys).map(|(&x, &y)| (x, y)).filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    let x = Axis::covering(&both.iter().map(|p| p.0).collect::<Vec<_>>())?;
    let y = Axis::covering(&both.iter().map(|p| p.1).collect::<Vec<_>>())?;
    let mut scatter = Scatter { points: Vec::new(), x, y };
    scatter.points = xs
        .iter()
        .zip(ys)
        .map(|(&x, &y)| (x.is_finite() && y.is_finite()).then(|| (scatter.x_of(frame, x), scatter.y_of(frame, y))))
        .collect();
    Some(scatter)
}

/// The two-objective front of `points` (both minimised) as a staircase in data space: the
/// non-dominated points sorted by x, joined by a horizontal then a vertical segment each.
/// Non-finite points are ignored; ties keep one point.
pub fn front_steps(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, f64)> = points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut front: Vec<(f64, f64)> = Vec::new();
    for point in sorted {
        if front.last().is_none_or(|last| point.1 < last.1) {
            front.push(point);
        }
    }
    let mut steps = Vec::with_capacity(front.len() * 2);
    for (i, point) in front.iter().enumerate() {
        if i > 0 {
            steps.push((point.0, front[i - 1].1));
        }
        steps.push(*point);
    }
    steps
}

/// Points of one look (one fill) drawn as a single SVG path of circles, so a plot of any size
/// is a handful of DOM nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct PointLayer<K> {
    /// What the points share (their fill).
    pub key: K,
    /// The path: one circle of the given radius per point, each starting `M{x − r},{y}`.
    pub path: String,
    /// The index of each point drawn, in path order.
    pub indices: Vec<usize>,
}

/// Groups the drawn `points` (`None`: not drawn) by `key_of(index)` into one [`PointLayer`] each,
/// layers in order of their first point, circles of radius `r`.
pub fn point_layers<K: PartialEq>(points: &[Option<(f64, f64)>], r: f64, key_of: impl Fn(usize) -> K) -> Vec<PointLayer<K>> {
    let mut layers: Vec<PointLayer<K>> = Vec::new();
    for (i, (x, y)) in points.iter().enumerate().filter_map(|(i, p)| p.map(|p| (i, p))) {
        let key = key_of(i);
        let at = match layers.iter().position(|l| l.key == key) {
            Some(at) => at,
            None => {
                layers.push(PointLayer { key, path: String::new(), indices: Vec::new() });
                layers.len() - 1
            }
        };
        let layer = &mut layers[at];
        layer.path.push_str(&format!("M{:.2},{y:.2}a{r},{r} 0 1,0 {d},0a{r},{r} 0 1,0 -{d},0", x - r, d = 2.0 * r));
        layer.indices.push(i);
    }
    layers
}

/// The drawn point nearest to `at`, if one lies within `radius` (ties: the later, drawn on top).
pub fn nearest(points: &[Option<(f64, f64)>], at: (f64, f64), radius: f64) -> Option<usize> {
    let distance = |(x, y): (f64, f64)| (x - at.0).hypot(y - at.1);
    points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (i, distance(p))))
        .filter(|&(_, d)| d <= radius)
        .min_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i)
}

/// The candidate a key moves the selection to: arrows step through the candidates in order,
/// Escape closes the opened one; `None` for keys the plot does not use.
pub fn key_selection(key: &str, selected: Option<usize>, count: usize) -> Option<Option<usize>> {
    match (key, selected) {
        ("Escape", _) => Some(None),
        (_, _) if count == 0 => None,
        ("ArrowRight" | "ArrowUp", Some(i)) => Some(Some((i + 1) % count)),
        ("ArrowLeft" | "ArrowDown", Some(i)) => Some(Some((i + count - 1) % count)),
        ("ArrowRight" | "ArrowUp" | "Home", None) | ("Home", Some(_)) => Some(Some(0)),
        ("ArrowLeft" | "ArrowDown" | "End", None) | ("End", Some(_)) => Some(Some(count - 1)),
        _ => None,
    }
}

/// A colour-blind-safe sequential colour (viridis, sampled) for `index` of `count`.
pub fn sequential_colour(index: usize, count: usize) -> &'static str {
    const VIRIDIS: [&str; 9] =
        ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];
    let share = if count > 1 { index.min(count - 1) as f64 / (count - 1) as f64 } else { 0.0 };
    VIRIDIS[(share * (VIRIDIS.len() - 1) as f64).round() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Frame = Frame { width: 120.0, height: 60.0, margin: 10.0 };

    #[test]
    fn empty_and_all_nan_series_have_no_line() {
        assert_eq!(line_from_data(&[], &FRAME), None);
        assert_eq!(line_from_data(&[f64::NAN, f64::INFINITY], &FRAME), None);
    }

    #[test]
    fn falling_series_spans_the_frame_from_top_left_to_bottom_right() {
        let line = line_from_data(&[3.0, 2.0, 1.0], &FRAME).unwrap();
        assert_eq!(line.points, vec![(10.0, 10.0), (60.0, 30.0), (110.0, 50.0)]);
        assert_eq!((line.y_min, line.y_max), (1.0, 3.0));
        assert_eq!(line.svg_points(), "10.00,10.00 60.00,30.00 110.00,50.00");
    }

    #[test]
    fn constant_and_single_values_sit_at_mid_height() {
        let line = line_from_data(&[5.0, 5.0], &FRAME).unwrap();
        assert_eq!(line.points, vec![(10.0, 30.0), (110.0, 30.0)]);
        let single = line_from_data(&[7.0], &FRAME).unwrap();
        assert_eq!(single.points, vec![(10.0, 30.0)]);
    }

    #[test]
    fn scatter_puts_small_values_bottom_left_and_keeps_slots() {
        let s = scatter_from_data(&[0.0, 1.0, f64::NAN], &[0.0, 2.0, 1.0], &FRAME).unwrap();
        assert_eq!(s.points, vec![Some((10.0, 50.0)), Some((110.0, 10.0)), None]);
        assert!(!s.x.log);
        assert_eq!(s.x.ticks.len(), 5);
        assert!(scatter_from_data(&[f64::NAN], &[1.0], &FRAME).is_none());
    }

    #[test]
    fn front_steps_keep_the_non_dominated_staircase() {
        let steps = front_steps(&[(3.0, 1.0), (1.0, 3.0), (2.0, 2.0), (2.5, 2.5), (1.0, 4.0), (f64::NAN, 0.0)]);
        assert_eq!(steps, vec![(1.0, 3.0), (2.0, 3.0), (2.0, 2.0), (3.0, 2.0), (3.0, 1.0)]);
        assert!(front_steps(&[]).is_empty());
    }

    #[test]
    fn points_share_one_path_per_look_and_clicks_find_the_nearest() {
        let points = [Some((10.0, 20.0)), None, Some((30.0, 20.0)), Some((12.0, 21.0))];
        let layers = point_layers(&points, 5.0, |i| i % 2 == 0);
        assert_eq!(layers.len(), 2);
        assert_eq!((layers[0].key, layers[0].indices.clone()), (true, vec![0, 2]));
        assert_eq!(layers[0].path, "M5.00,20.00a5,5 0 1,0 10,0a5,5 0 1,0 -10,0M25.00,20.00a5,5 0 1,0 10,0a5,5 0 1,0 -10,0");
        assert_eq!((layers[1].key, layers[1].indices.clone()), (false, vec![3]));
        assert_eq!(nearest(&points, (11.5, 21.0), 8.0), Some(3));
        assert_eq!(nearest(&points, (29.0, 18.0), 8.0), Some(2));
        assert_eq!(nearest(&points, (20.0, 50.0), 8.0), None, "nothing within the radius");
        assert_eq!(nearest(&[Some((1.0, 1.0)), Some((1.0, 1.0))], (1.0, 1.0), 1.0), Some(1), "the one drawn on top");
    }

    #[test]
    fn keys_step_through_the_candidates_and_escape_closes() {
        assert_eq!(key_selection("ArrowRight", None, 3), Some(Some(0)));
        assert_eq!(key_selection("ArrowRight", Some(2), 3), Some(Some(0)));
        assert_eq!(key_selection("ArrowLeft", Some(0), 3), Some(Some(2)));
        assert_eq!(key_selection("End", Some(0), 3), Some(Some(2)));
        assert_eq!(key_selection("Escape", Some(1), 3), Some(None));
        assert_eq!(key_selection("ArrowRight", None, 0), None);
        assert_eq!(key_selection("a", Some(1), 3), None);
    }

    #[test]
    fn sequential_colours_run_from_first_to_last() {
        assert_eq!(sequential_colour(0, 5), "#440154");
        assert_eq!(sequential_colour(4, 5), "#fde725");
        assert_eq!(sequential_colour(9, 5), "#fde725");
        assert_eq!(sequential_colour(0, 1), "#440154");
    }

    #[test]
    fn non_finite_values_are_skipped_but_keep_their_slot() {
        let line = line_from_data(&[1.0, f64::NAN, 0.0], &FRAME).unwrap();
        assert_eq!(line.points, vec![(10.0, 10.0), (110.0, 50.0)]);
    }
}
